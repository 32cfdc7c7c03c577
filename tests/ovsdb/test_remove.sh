#!/bin/sh
# Removal takes away exactly what ewoe made: tunnel ports, then the bridge with its representor,
# leaving other users' rows as they were.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
ovs_vsctl add-br userbr -- add-port userbr u1 || fail "could not add user rows"

# ovs_rows TABLE: every row of TABLE as ovsdb-client shows it.
ovs_rows() { ovsdb-client dump "$OVS_DB" Open_vSwitch "$1"; }
for t in Bridge Port Interface; do ovs_rows $t >"$T/$t.before"; done

expect_exit 0 ewoe setup-bridge
expect_exit 0 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789
expect_exit 0 drv tunnel dpu3 vxlan-br - 192.0.2.1 192.0.2.3 100 4789

ovs_db_snapshot
export EWOE_DRY_RUN=1
expect_exit 0 drv remove-tunnel vxlan-br vxc0000202
unset EWOE_DRY_RUN
out_has 'dry-run: would remove interface vxc0000202 from bridge vxlan-br'
ovs_db_unchanged "a dry-run removal"

expect_exit 0 drv remove-tunnel vxlan-br vxc0000202
out_has changed
applied
vsctl_is '' --bare --columns=_uuid find Interface name=vxc0000202
vsctl_is '' --bare --columns=_uuid find Port name=vxc0000202
vsctl_is "$(printf 'pf0hpf\nvxc0000203')" list-ports vxlan-br

ovs_db_snapshot
expect_exit 0 drv remove-tunnel vxlan-br vxc0000202
out_has unchanged
ovs_db_unchanged "removing a removed tunnel"

expect_exit 1 drv remove-bridge vxlan-br
err_has 'still carries ewoe.s tunnels vxc0000203'
expect_exit 0 drv remove-tunnel vxlan-br vxc0000203
expect_exit 0 drv remove-bridge vxlan-br
out_has changed
out_has 'remove port pf0hpf'
out_has 'remove bridge vxlan-br'
applied

vsctl_is userbr list-br
for t in Bridge Port Interface; do
	ovs_rows $t >"$T/$t.after"
	cmp -s "$T/$t.before" "$T/$t.after" || {
		diff "$T/$t.before" "$T/$t.after" >&2
		fail "table $t differs from before ewoe ran"
	}
done
ovs_dump | grep -q 'ewoe:' && fail "an ewoe mark is left in the database"

expect_exit 1 drv remove-bridge vxlan-br
err_has 'bridge vxlan-br does not exist'
pass
