#!/bin/sh
# Never one plaintext VXLAN packet (runs inside the lab guest; test_lab_failclosed.sh boots it).
# host1 pings host2 every 50 ms for the whole run while tcpdump records the wire p0; the arms
# go through every fault an operator meets, one after the other:
#   before setup; bring-up with the responder configured seconds after the initiator; a wrong
#   PSK; charon SIGKILLed and restarted as its unit does (charon, then swanctl --load-all);
#   charon stopped cleanly and started; rekeys (rekey-packets is low); ovs-vswitchd restarted;
#   a reboot (daemons stopped, xfrm flushed, then the boot order: ewoe guard, Open vSwitch,
#   charon, ewoe setup); ewoe SIGKILLed in the middle of setup and re-run; plaintext VXLAN
#   injected towards arm2 with arm1's address; teardown.
# Asserts: 0 plaintext VXLAN packets on the wire in every phase; after each fault the tunnel is
# back (ping across, verify clean) within the phase's bound; an injected frame reaches nothing
# behind arm2 while a guard or a policy stands, and does reach host2 once both are removed
# (the control that shows the count can see a leak); teardown leaves no guard.
. "$LAB_DIR/guest-lib.sh"
. "$LAB_DIR/guest-node.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

BRIDGE=vxlan-br
CREDS=$LAB_RUN/creds
PHASES=$LAB_LOGS/failclosed-phases.txt
RESULTS=$LAB_LOGS/failclosed-results.txt

# --- phases, the traffic, the wire ---------------------------------------------------------
# phase NAME BOUND: a new phase starts; its tunnel must be back within BOUND seconds of
# back_from (set by the phase's recovery step), or "-" when it is meant to stay down.
phase() {
	[ -z "${PHASE:-}" ] || no_plaintext_yet
	step "$1"
	PHASE=$1
	PLAIN_BASE=$(plaintext_so_far)
	printf '%s %s\n' "$1" "$(date +%s.%N)" >>"$PHASES"
}
# Plaintext VXLAN on the wire so far (tcpdump writes the capture packet by packet), leaving
# out the frames inject() puts there itself (from UDP port 54321).
plaintext_so_far() {
	tcpdump -nn -r "$LAB_RUN/p0.pcap" 'udp port 4789 and not udp src port 54321' 2>/dev/null |
		wc -l
}
no_plaintext_yet() {
	[ "$PHASE" != "$CONTROL" ] || return 0
	c=$(($(plaintext_so_far) - PLAIN_BASE))
	[ "$c" -eq 0 ] || fail "$c plaintext VXLAN packets on the wire in phase '$PHASE'"
}
CONTROL="control: arm2 with neither policies nor guard"
back_from() { T_BACK=$(date +%s.%N); }

# The tunnel carries host1's pings again and verify is clean on both arms; the time it took
# from back_from goes into the results.
wait_back() {
	bound=$1
	lab_wait "$bound" "the tunnel back ($PHASE)" in_host 1 ping -c 1 -W 1 "$(lab_overlay_ip 2)" ||
		fail "$PHASE: host1 does not reach host2 within ${bound}s"
	took=$(echo "$(date +%s.%N) $T_BACK" | awk '{ printf "%.1f", $1 - $2 }')
	for n in 1 2; do verify_clean "$n" "$PHASE"; done
	printf '%s back %s\n' "$PHASE" "$took" >>"$RESULTS"
	echo "  back after ${took}s, verify clean on both arms"
}

# inject N: N plaintext VXLAN frames onto the wire at arm2, from arm1's address and MAC, each
# carrying a broadcast UDP datagram to port 9 for host2's segment; prints how many host2 saw.
inject() {
	count=$1
	mac1=$(in_arm 1 cat /sys/class/net/p0/address)
	mac2=$(in_arm 2 cat /sys/class/net/p0/address)
	rm -f "$LAB_RUN/host2-inject.txt"
	in_host 2 tcpdump -i ens7np0 -nn -l 'udp dst port 9' \
		>"$LAB_RUN/host2-inject.txt" 2>"$LAB_RUN/host2-inject.err" &
	seen=$!
	lab_wait 5 "tcpdump on host2" grep -q 'listening on' "$LAB_RUN/host2-inject.err" ||
		fail "tcpdump on host2 did not start"
	in_arm 1 python3 "$LAB_DIR/inject-vxlan.py" p0 "$mac1" "$mac2" "$(lab_underlay_ip 1)" \
		"$(lab_underlay_ip 2)" 100 "$count" || fail "injecting VXLAN frames failed"
	sleep 1
	kill -TERM "$seen" 2>/dev/null
	wait "$seen" 2>/dev/null || true
	grep -c 'UDP' "$LAB_RUN/host2-inject.txt" || true
}

# --- the run --------------------------------------------------------------------------------
step "lab up"
lab_up || fail "lab_up failed"
mkdir -p "$CREDS" && chmod 700 "$CREDS"
(umask 077 && head -c 32 /dev/urandom >"$CREDS/good.psk" &&
	head -c 32 /dev/urandom >"$CREDS/wrong.psk") || fail "making the PSKs"
: >"$PHASES"
: >"$RESULTS"
for n in 1 2; do write_config "$n" good.psk 300 || fail "writing arm$n's config"; done
for n in 1 2; do
	# Each arm's representor reaches the bridge through ewoe; until then host1's frames stop at
	# pf0hpf.
	in_arm "$n" ip link set pf0hpf up
done

stop_ping() { kill "$PING" 2>/dev/null || true; }
capture_start
in_host 1 ping -D -O -i 0.05 -W 1 "$(lab_overlay_ip 2)" >"$LAB_LOGS/ping.log" 2>&1 &
PING=$!
lab_at_exit stop_ping

phase "before setup"
sleep 2

phase "bring-up, responder seconds later"
# The initiator first: its port exists and its pings reach OVS while the peer knows nothing.
rc=0
ewoe_on setup-early 1 --timeout 4 setup --config "$(conf 1)" || rc=$?
[ "$rc" -ne 0 ] || fail "setup on arm1 with no responder exited 0"
sleep 2
no_plaintext_yet
assert_guards 1 2 "while its peer is not configured"
setup_on setup-responder 2 || [ "$rc" -eq 3 ] || fail "setup on arm2 exited $rc"
back_from
setup_on setup-reconcile 1 || fail "setup on arm1 once arm2 is configured exited $rc"
wait_back 30

phase "wrong PSK on arm2"
write_config 2 wrong.psk 300 || fail "writing arm2's config"
setup_on setup-wrong-psk 2 || [ "$rc" -eq 3 ] || fail "setup on arm2 with a new PSK exited $rc"
# The new secret counts from the next authentication: end the IKE_SA so that one happens now.
lab_swanctl 2 --terminate --ike ewoe-arm1 >/dev/null 2>&1 || fail "terminating arm2's IKE_SA"
rc=0
ewoe_on setup-auth-fails 1 --timeout 10 setup --config "$(conf 1)" || rc=$?
[ "$rc" -ne 0 ] || fail "setup on arm1 against a wrong PSK exited 0"
assert_no_ping "with a wrong PSK on arm2"
write_config 2 good.psk 300 || fail "writing arm2's config"
setup_on setup-psk-fixed 2 || [ "$rc" -eq 3 ] || fail "setup on arm2 exited $rc"
back_from
setup_on setup-psk-reconcile 1 || fail "setup on arm1 after the PSK was fixed exited $rc"
wait_back 30

phase "charon SIGKILLed on arm1, restarted by its unit"
charon_kill 1
sleep 1
back_from
charon_start 1 || fail "restarting charon on arm1"
# Its old SAs stay in the kernel: the reconcile run removes them, as the timer would.
lab_wait 30 "arm1's charon to re-establish" sh -c \
	"ip netns exec arm1 env STRONGSWAN_CONF=$LAB_RUN/swanctl-strongswan.conf swanctl --list-sas --uri $(lab_vici 1) | grep -q INSTALLED" ||
	fail "arm1's restarted charon did not bring the tunnel back by itself"
setup_on setup-after-kill 1 || fail "setup on arm1 after charon was killed exited $rc"
grep -q "which no IKE_SA owns" "$LAB_LOGS/arm1-setup-after-kill.log" ||
	fail "setup did not remove the SAs the killed charon left behind"
wait_back 30

phase "charon stopped cleanly on arm1, then started"
charon_stop 1
assert_no_ping "while arm1's charon is stopped"
assert_guards 1 2 "while its charon is stopped"
back_from
charon_start 1 || fail "restarting charon on arm1"
wait_back 30

phase "rekeys"
spi0=$(in_arm 1 ip xfrm state | awk '/spi/ { print $4; exit }')
lab_wait 40 "a rekey of arm1's SAs" sh -c \
	"! ip netns exec arm1 ip xfrm state | grep -q 'spi $spi0 '" || fail "no rekey within 40s"
back_from
wait_back 10

phase "ovs-vswitchd restarted on arm1"
lab_kill_pidfile "$LAB_RUN/arm1/ovs-vswitchd.pid"
back_from
vswitchd_start 1 || fail "restarting ovs-vswitchd on arm1"
wait_back 30

phase "arm1 reboots"
charon_kill 1
lab_kill_pidfile "$LAB_RUN/arm1/ovs-vswitchd.pid"
lab_kill_pidfile "$LAB_RUN/arm1/ovsdb-server.pid"
# A reboot starts from an empty kernel: no datapath (its cached flows would go on forwarding
# into the VXLAN vport without ovs-vswitchd) and no xfrm state or policy.
in_arm 1 ovs-dpctl del-dp ovs-system || fail "deleting arm1's kernel datapath"
in_arm 1 ip xfrm state flush && in_arm 1 ip xfrm policy flush || fail "flushing arm1's xfrm"
assert_guards 1 0 "after the flush"
back_from
# The boot order of ewoe-guard.service, Open vSwitch, strongswan.service, ewoe.service.
ewoe_on boot-guard 1 guard --config "$(conf 1)" || fail "ewoe guard at boot exited $rc"
assert_guards 1 2 "after ewoe guard"
ovsdb_start 1 && vswitchd_start 1 || fail "starting Open vSwitch on arm1"
# The VXLAN port is back from the database: pings reach it, and must go nowhere yet.
sleep 2
assert_no_ping "after Open vSwitch is up and before charon"
charon_start 1 || fail "starting charon on arm1"
setup_on boot-setup 1 || [ "$rc" -eq 3 ] || fail "ewoe setup at boot exited $rc"
wait_back 30

phase "ewoe SIGKILLed in the middle of setup on arm1"
ewoe_on teardown-before-kill 1 teardown --config "$(conf 1)" || fail "teardown on arm1 exited $rc"
# Not through lab_ewoe: a backgrounded function is a subshell, and $! would be its pid. ip netns
# exec execs ewoe, so here $! is ewoe's.
ip netns exec arm1 "$EWOE" --db "$(lab_db 1)" --vici "$(lab_vici 1)" --root "$(lab_root 1)" \
	-v setup --config "$(conf 1)" >"$LAB_LOGS/arm1-setup-killed.log" 2>&1 &
victim=$!
# Killed as soon as its guard is in: mid-way, before or while it creates the port.
lab_wait 20 "arm1's guard" sh -c "[ \$(ip netns exec arm1 ip xfrm policy | grep -c 'priority 2000000000') -eq 2 ]" ||
	fail "setup never installed the guard"
if kill -KILL "$victim" 2>/dev/null; then
	where="not there yet"
	[ -z "$(lab_vsctl 1 --bare --columns=name find Interface type=vxlan)" ] || where=there
	echo "  ewoe setup killed with the guard in and the VXLAN port $where"
else
	echo "  ewoe setup had already finished when it was to be killed"
fi
wait "$victim" 2>/dev/null || true
assert_guards 1 2 "after setup was killed"
back_from
setup_on setup-rerun 1 || fail "setup on arm1 after a killed run exited $rc"
wait_back 30

phase "plaintext VXLAN injected towards arm2"
got=$(inject 5)
[ "$got" -eq 0 ] || fail "$got of 5 injected frames reached host2 while the tunnel is up"
charon_stop 2
got=$(inject 5)
[ "$got" -eq 0 ] || fail "$got of 5 injected frames reached host2 with arm2's charon stopped (the guard alone)"
echo "  injected 5 + 5 frames: 0 reached host2 (tunnel up; guard alone)"
printf '%s injected-reached 0\n' "$PHASE" >>"$RESULTS"

phase "$CONTROL"
# A node without the guard: the count must see the leak, or it proves nothing.
in_arm 2 ip xfrm policy deleteall priority 2000000000 || fail "deleting arm2's guard"
assert_guards 2 0 "after deleting it"
got=$(inject 5)
echo "  control: $got of 5 injected frames reached host2 with no policy and no guard"
[ "$got" -gt 0 ] || fail "the injected frames do not reach host2 even unprotected: the check is blind"
printf '%s injected-reached %s\n' "$PHASE" "$got" >>"$RESULTS"
ewoe_on guard-again 2 guard --config "$(conf 2)" || fail "ewoe guard on arm2 exited $rc"

phase "arm2's charon started again"
got=$(inject 5)
[ "$got" -eq 0 ] || fail "$got of 5 injected frames reached host2 after ewoe guard"
printf '%s injected-reached 0\n' "$PHASE" >>"$RESULTS"
back_from
charon_start 2 || fail "starting charon on arm2"
# arm1 re-initiates by itself (close_action); the reconcile run is the fallback.
lab_wait 20 "the tunnel back by itself" in_host 1 ping -c 1 -W 1 "$(lab_overlay_ip 2)" ||
	setup_on setup-after-peer 1 || fail "setup on arm1 exited $rc"
wait_back 40

phase "guard, port and connection removed behind ewoe's back on arm1"
in_arm 1 ip xfrm policy deleteall priority 2000000000 || fail "deleting arm1's guard"
lab_vsctl 1 del-port "$BRIDGE" vxc0000202 || fail "deleting arm1's VXLAN port"
: >"$LAB_RUN/empty-swanctl.conf"
# swanctl has no unload command: loading an empty file unloads every connection not in it.
lab_swanctl 1 --load-conns --file "$LAB_RUN/empty-swanctl.conf" >/dev/null ||
	fail "unloading arm1's connection"
[ -z "$(lab_swanctl 1 --list-conns 2>/dev/null)" ] || fail "arm1's connection is still loaded"
assert_no_ping "with arm1's VXLAN port deleted"
back_from
setup_on setup-repair 1 || fail "the reconcile run on arm1 exited $rc"
for what in "^block VXLAN" "add VXLAN interface vxc0000202" "^peer arm2: configured"; do
	grep -q "$what" "$LAB_LOGS/arm1-setup-repair.log" || fail "the reconcile run did not say '$what'"
done
assert_guards 1 2 "after the reconcile run"
wait_back 30

phase "teardown"
for n in 1 2; do
	ewoe_on teardown "$n" teardown --config "$(conf "$n")" || fail "teardown on arm$n exited $rc"
	assert_guards "$n" 0 "after teardown"
done
sleep 1
no_plaintext_yet
stop_ping
capture_stop failclosed
printf 'end %s\n' "$(date +%s.%N)" >>"$PHASES"
for n in 1 2; do assert_arm_clean "$n" "after teardown"; done

step "the wire, phase by phase"
tcpdump -tt -nn -r "$LAB_RUN/p0.pcap" 'udp port 4789 or esp' 2>/dev/null >"$LAB_LOGS/p0-failclosed.txt"
rc=0
python3 "$LAB_DIR/failclosed-report.py" "$PHASES" "$LAB_LOGS/p0-failclosed.txt" "$RESULTS" \
	"$CONTROL" >"$LAB_LOGS/failclosed-table.txt" || rc=$?
cat "$LAB_LOGS/failclosed-table.txt"
[ "$rc" -eq 0 ] || fail "plaintext VXLAN on the wire"
step "PASS"
