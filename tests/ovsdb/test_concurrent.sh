#!/bin/sh
# Another client changes the database between ewoe's snapshot and its commit: ewoe builds its
# change again from the newer snapshot, as ovs-vsctl does, instead of failing on a duplicate
# name. A write the server refuses for good is one readable line, not the server's JSON.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
expect_exit 0 ewoe setup-bridge

# The same tunnel, added by the other client first: this one finds it there and is done.
# Without preconditions on what it read, its insert of a second vxc0000202 is refused
# ("constraint violation").
export EWOE_VERBOSE=1
expect_exit 0 drv race dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789 dpu2 192.0.2.2
out_has unchanged
err_has "another client changed the database meanwhile; building the change (tunnel dpu2) again"
err_lacks "refused"
[ "$(ovs_vsctl --bare --columns=_uuid find Interface name=vxc0000202 | grep -c .)" = 1 ] ||
	fail "not exactly one interface vxc0000202"
vsctl_is '{"ewoe:owner"=ewoe, "ewoe:peer"=dpu2}' get Interface vxc0000202 external_ids

# Another tunnel on the same bridge meanwhile: this one's tunnel is added as well, and the other
# client's stays.
expect_exit 0 drv race dpu3 vxlan-br - 192.0.2.1 192.0.2.3 100 4789 dpu4 192.0.2.4
out_has changed
err_has "building the change (tunnel dpu3) again"
vsctl_is "pf0hpf
vxc0000202
vxc0000203
vxc0000204" list-ports vxlan-br
vsctl_is '{"ewoe:owner"=ewoe, "ewoe:peer"=dpu3}' get Interface vxc0000203 external_ids
vsctl_is '{"ewoe:owner"=ewoe, "ewoe:peer"=dpu4}' get Interface vxc0000204 external_ids

unset EWOE_VERBOSE

# A backup ovsdb-server takes no writes: the refusal in one line, kind and reason, and a hint.
ctl="$OVS_DIR/ovsdb-server.ctl"
ovs-appctl -t "$ctl" ovsdb-server/set-active-ovsdb-server "unix:$T/no-active.sock" >/dev/null ||
	fail "cannot name an active server"
ovs-appctl -t "$ctl" ovsdb-server/connect-active-ovsdb-server >/dev/null ||
	fail "cannot make ovsdb-server a backup"
ovs_db_snapshot
expect_exit 1 ewoe setup-bridge --bridge br2 --rep rep2 --no-wait
err_has "^ewoe: the Open vSwitch database refused the change (setup-bridge): not allowed: [a-z]* operation not allowed when database server is in read only mode$"
err_has "hint: .*point ewoe at the active one"
err_lacks '[{}]'
[ "$(grep -vc '^  hint:' "$T/stderr")" = 1 ] || fail "more than one line of error"
ovs_db_unchanged "a refused setup-bridge"
ovs-appctl -t "$ctl" ovsdb-server/disconnect-active-ovsdb-server >/dev/null ||
	fail "cannot make ovsdb-server active again"
expect_exit 0 ewoe setup-bridge --bridge br2 --rep rep2 --no-wait
vsctl_is br2 port-to-br rep2
pass
