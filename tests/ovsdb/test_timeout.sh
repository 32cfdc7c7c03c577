#!/bin/sh
# No ovs-vswitchd: refused before anything is written. A stuck one: the wait ends at --timeout
# with a clear error. No ovsdb-server: the socket is named.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
expect_exit 0 ewoe setup-bridge

ovs_vswitchd_stop
ovs_db_snapshot
expect_exit 1 ewoe setup-bridge --bridge br2 --rep rep2
err_has "ovs-vswitchd is not running for the database at $OVS_DB; nothing was changed"
err_has 'pass --no-wait'
ovs_db_unchanged "setup-bridge without ovs-vswitchd"
expect_exit 1 drv tunnel dpu2 vxlan-br - 192.0.2.1 192.0.2.2 100 4789
err_has 'ovs-vswitchd is not running'
ovs_db_unchanged "a tunnel without ovs-vswitchd"
# Nothing to change needs no ovs-vswitchd.
expect_exit 0 ewoe setup-bridge
out_has unchanged

# --no-wait only writes the database.
expect_exit 0 ewoe setup-bridge --bridge br2 --rep rep2 --no-wait
vsctl_is br2 port-to-br rep2

# ovs-vswitchd alive (it holds its lock) but not applying anything.
ovs_vswitchd_start
pid=$(cat "$OVS_DIR/ovs-vswitchd.pid")
kill -STOP "$pid"
start=$(date +%s)
expect_exit 1 ewoe --timeout 1 setup-bridge --bridge br3 --rep rep3
took=$(($(date +%s) - start))
kill -CONT "$pid"
err_has 'ovs-vswitchd did not apply the change within 1 s'
err_has 'the change is in the database'
[ "$took" -le 5 ] || fail "a 1 s timeout took ${took} s"
vsctl_is br3 port-to-br rep3
# Once it runs again it catches up, and the same command is then a no-op.
ovs_vsctl --timeout=20 wait-until Interface rep3 'ofport>0' || fail "ovs-vswitchd did not recover"
expect_exit 0 ewoe setup-bridge --bridge br3 --rep rep3
out_has unchanged

# ovsdb-server gone.
ovs_sandbox_stop
expect_exit 1 ewoe setup-bridge
err_has "cannot connect to the Open vSwitch database at $OVS_DB"
err_has "systemctl start openvswitch-switch"
pass
