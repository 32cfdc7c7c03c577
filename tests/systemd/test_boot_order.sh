#!/bin/sh
# The boot order, as systemd itself resolves it from the installed and enabled units (with the
# release's own Open vSwitch and strongSwan units where they are installed): the guards before
# Open vSwitch and the network, Open vSwitch not started when the guard fails, setup after the
# switch and strongSwan, the reconcile after setup.
#
# systemd prints no order without a running manager, so each relation is proved by its
# contradiction: a drop-in that orders the two units the other way round must make
# `systemd-analyze verify` find an ordering cycle in the transaction that starts them.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/systemd/units.sh"
install_units
enable_units

# probe UNIT LINE...: verify UNIT with a drop-in of [Unit] LINEs; systemd's output in $T/out.
probe() {
	u=$1
	shift
	rm -rf "$T/probe"
	mkdir -p "$T/probe/$u.d"
	{
		echo '[Unit]'
		for l in "$@"; do echo "$l"; done
	} >"$T/probe/$u.d/probe.conf"
	analyze verify --man=no "$u" >"$T/out" 2>&1 || true
}
# before A B: A is started, and done, before B starts.
before() {
	probe "$2" "Wants=$1" "Before=$1"
	grep -q 'ordering cycle' "$T/out" || fail "$1 is not ordered before $2: $(cat "$T/out")"
}
# not_before A B: nothing orders A before B.
not_before() {
	probe "$2" "Wants=$1" "Before=$1"
	! grep -q 'ordering cycle' "$T/out" || fail "$1 is ordered before $2: $(cat "$T/out")"
}
# required_before A B: starting B starts A first, and B does not start when A fails (Requires=
# and After=, in B's own transaction): the cycle cannot be broken by dropping A's job.
required_before() {
	probe "$2" "Before=$1"
	grep -q 'Transaction order is cyclic' "$T/out" ||
		fail "$2 can start without $1 done: $(cat "$T/out")"
}
not_required_before() {
	probe "$2" "Before=$1"
	! grep -q 'Transaction order is cyclic' "$T/out" || fail "$2 requires $1: $(cat "$T/out")"
}

# The guards: before anything that can send VXLAN, Open vSwitch held back when they fail
# (through the RequiredBy= links that enabling made), early (no wait for basic.target).
for u in ovsdb-server.service ovs-vswitchd.service openvswitch-switch.service network-pre.target; do
	before ewoe-guard.service "$u"
done
required_before ewoe-guard.service ovs-vswitchd.service
required_before ewoe-guard.service openvswitch-switch.service
before local-fs.target ewoe-guard.service
not_before basic.target ewoe-guard.service
not_before network.target ewoe-guard.service

# setup: after the guards (required), the switch and either strongSwan daemon.
required_before ewoe-guard.service ewoe.service
for u in ovsdb-server.service ovs-vswitchd.service openvswitch-switch.service \
	strongswan.service strongswan-starter.service network-online.target; do
	before "$u" ewoe.service
done
not_before ewoe.service ewoe-guard.service

# The reconcile: started by its timer (a timer is ordered before the unit it triggers), after
# the boot's setup when both are queued, without requiring it (a failed boot run is what the
# reconcile repairs).
before ewoe-reconcile.timer ewoe-reconcile.service
before ewoe.service ewoe-reconcile.service
not_required_before ewoe.service ewoe-reconcile.service
for u in ovs-vswitchd.service strongswan.service strongswan-starter.service; do
	before "$u" ewoe-reconcile.service
done

# The metrics: started by their timer, after the boot's setup when both are queued (the first
# file describes that run) without requiring it, and after the daemons they ask.
before ewoe-metrics.timer ewoe-metrics.service
before ewoe.service ewoe-metrics.service
not_required_before ewoe.service ewoe-metrics.service
for u in ovs-vswitchd.service strongswan.service strongswan-starter.service; do
	before "$u" ewoe-metrics.service
done
pass
