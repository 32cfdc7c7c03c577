#!/bin/sh
# Every bad input is refused with one line naming the problem and leaves the database
# byte-identical.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
expect_exit 0 ewoe setup-bridge
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789
ovs_vsctl add-port vxlan-br userport -- add-br userbr || fail "could not add user rows"
ovs_db_snapshot

# refused CODE MESSAGE CMD...: CMD exits CODE, says MESSAGE, writes nothing.
refused() {
	code=$1
	msg=$2
	shift 2
	expect_exit "$code" "$@"
	err_has "$msg"
	ovs_db_unchanged "'$*'"
}

refused 2 "--bridge 'vxlan-br-far-too-long'" ewoe setup-bridge --bridge vxlan-br-far-too-long
refused 2 "--rep 'pf0/hpf'" ewoe setup-bridge --rep pf0/hpf
refused 2 "--rep '-x'" ewoe setup-bridge --rep=-x
refused 2 "they must differ" ewoe setup-bridge --rep vxlan-br
refused 2 "--offload 'crypto' is not one of packet, none" ewoe setup-bridge --offload crypto
refused 2 "unexpected argument 'extra'" ewoe setup-bridge extra
refused 2 "usage: ewoe setup-bridge" ewoe setup-bridge --bogus

refused 2 'VNI 16777216 is out of range 0..16777215' \
	drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.3 16777216 4789
refused 2 'VXLAN port 0 is invalid' drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.3 100 0
refused 2 'different families' drv tunnel dpu3 vxlan-br - 192.0.2.1 2001:db8::3 100 4789
refused 2 'both 192.0.2.1' drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.1 100 4789
refused 2 "interface name 'bad/name' is invalid" \
	drv tunnel dpu3 vxlan-br bad/name 192.0.2.1 192.0.2.3 100 4789
refused 1 'bridge nosuchbr does not exist' \
	drv tunnel dpu3 nosuchbr - 192.0.2.1 192.0.2.3 100 4789
refused 1 'interface vxc0000202 on bridge vxlan-br already tunnels to 192.0.2.2 with VNI 100' \
	drv tunnel dpu2b vxlan-br vxother 192.0.2.1 192.0.2.2 100 4789
refused 1 'port userport on bridge vxlan-br was not created by ewoe' \
	drv tunnel dpu3 vxlan-br userport 192.0.2.1 192.0.2.3 100 4789
refused 1 'interface userbr already exists on bridge userbr' \
	drv tunnel dpu3 vxlan-br userbr 192.0.2.1 192.0.2.3 100 4789

refused 1 'bridge nosuchbr does not exist' drv remove-tunnel nosuchbr vxc0000202
refused 1 'port userport on bridge vxlan-br was not created by ewoe' \
	drv remove-tunnel vxlan-br userport
refused 1 'bridge nosuchbr does not exist' drv remove-bridge nosuchbr
refused 1 'bridge vxlan-br still carries ewoe' drv remove-bridge vxlan-br

# Not bad input, but also nothing to write: a bridge ewoe did not make stays.
refused 0 'bridge userbr was not created by ewoe; left in place' drv remove-bridge userbr
expect_exit 0 drv remove-tunnel vxlan-br vxnothere
out_has unchanged
ovs_db_unchanged "removing an absent tunnel"

# An unreachable database: the socket named, and how to start it.
refused 1 "cannot connect to the Open vSwitch database at unix:$T/nosuch.sock" \
	"$EWOE" --db "unix:$T/nosuch.sock" --root "$T/root" setup-bridge
err_has "systemctl start openvswitch-switch"
pass
