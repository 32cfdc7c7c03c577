#!/bin/sh
# The VXLAN port per peer: created with exactly the four options, several peers side by side,
# unchanged on a re-run, updated in place, and warnings about ovs-monitor-ipsec.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
expect_exit 0 ewoe setup-bridge

expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789
out_has changed
# "vx" and 192.0.2.2 in hex: predictable and within IFNAMSIZ.
vsctl_is vxlan-br port-to-br vxc0000202
vsctl_is vxlan get Interface vxc0000202 type
vsctl_is '{dst_port="4789", key="100", local_ip="192.0.2.1", remote_ip="192.0.2.2"}' \
	get Interface vxc0000202 options
vsctl_is '{"ewoe:owner"=ewoe, "ewoe:peer"=dpu2}' get Interface vxc0000202 external_ids
vsctl_is ewoe get Port vxc0000202 external_ids:ewoe\\:owner
applied
has_ofport vxc0000202

cfg=$(next_cfg)
ovs_db_snapshot
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789
out_has unchanged
[ "$(next_cfg)" = "$cfg" ] || fail "an unchanged tunnel bumped next_cfg"
ovs_db_unchanged "an identical tunnel"

# More peers on the same node, IPv6 included, and a non-default VNI and port.
expect_exit 0 drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.3 100 4789
expect_exit 0 drv tunnel dpu4 vxlan-br - 2001:db8::1 2001:db8::4 7 4790
v6=$(ovs_vsctl --bare --columns=name find Interface external_ids:ewoe\\:peer=dpu4)
case $v6 in vx6????????) ;; *) fail "IPv6 peer interface named '$v6'" ;; esac
vsctl_is '{dst_port="4790", key="7", local_ip="2001:db8::1", remote_ip="2001:db8::4"}' \
	get Interface "$v6" options
applied
for i in vxc0000202 vxc0000203 "$v6"; do
	vsctl_is vxlan-br port-to-br "$i"
	has_ofport "$i"
	# Split horizon: a full mesh must not flood from one tunnel into another.
	vsctl_is true get Port "$i" protected
done
vsctl_is false get Port pf0hpf protected

# A tunnel port someone unprotected is protected again.
ovs_vsctl set Port vxc0000203 protected=false || fail "could not unprotect vxc0000203"
expect_exit 0 drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.3 100 4789
out_has 'protect port vxc0000203'
vsctl_is true get Port vxc0000203 protected
vsctl_is "$(printf 'pf0hpf\n%s\nvxc0000202\nvxc0000203' "$v6")" list-ports vxlan-br

# A changed VNI rewrites the options of ewoe's own interface in place.
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 200 4789
out_has changed
out_has 'update VXLAN interface vxc0000202'
vsctl_is '"200"' get Interface vxc0000202 options:key
applied
has_ofport vxc0000202

expect_exit 0 drv status dpu2 vxlan-br vxc0000202 pf0hpf
out_has 'bridge=1 rep=1 iface=1 ofport=[1-9][0-9]* ipsec=0 error=$'
expect_exit 0 drv status dpu9 vxlan-br vx-none pf0hpf
out_has 'bridge=1 rep=1 iface=0 ofport=-1 ipsec=0 error=$'

# An interface handed to ovs-monitor-ipsec on the same bridge: warned about, by name.
ovs_vsctl add-port vxlan-br legacy -- set Interface legacy type=vxlan \
	options:remote_ip=198.51.100.9 options:psk=swordfish || fail "could not add 'legacy'"
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 200 4789
err_has 'interface legacy on bridge vxlan-br has options:psk'
expect_exit 0 drv status x vxlan-br legacy pf0hpf
out_has 'ipsec=1'
ovs_vsctl del-port vxlan-br legacy

# ovs-monitor-ipsec running (a live pid in its pid file under --root): warned about.
mkdir -p "$T/root/var/run/openvswitch"
pidfile=$T/root/var/run/openvswitch/ovs-monitor-ipsec.pid
echo $$ >"$pidfile"
export EWOE_ROOT="$T/root"
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 200 4789
err_has "openvswitch-ipsec is running (ovs-monitor-ipsec, pid $$)"
# A stale pid file is no warning.
sleep 0 &
dead=$!
wait $dead
echo $dead >"$pidfile"
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 200 4789
err_lacks 'openvswitch-ipsec is running'
unset EWOE_ROOT
# ewoe never writes the options that hand a tunnel to ovs-monitor-ipsec.
ovs_dump | grep -Eq 'psk|remote_cert|remote_name' && fail "ewoe wrote an ovs-monitor-ipsec option"
pass
