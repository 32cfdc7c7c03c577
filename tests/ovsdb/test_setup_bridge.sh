#!/bin/sh
# setup-bridge creates the bridge with the representor, sets hw-offload, waits for
# ovs-vswitchd, and a second run writes nothing.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start

expect_exit 0 ewoe setup-bridge
out_has 'bridge vxlan-br configured with port pf0hpf and hw-offload true'
out_has 'create bridge vxlan-br'
err_has 'hw-offload changed: it takes effect only after ovs-vswitchd restarts'
vsctl_is vxlan-br port-to-br pf0hpf
vsctl_is ewoe get Bridge vxlan-br external_ids:ewoe\\:owner
vsctl_is ewoe get Port pf0hpf external_ids:ewoe\\:owner
vsctl_is ewoe get Interface pf0hpf external_ids:ewoe\\:owner
vsctl_is internal get Interface vxlan-br type
vsctl_is '"true"' get Open_vSwitch . other_config:hw-offload
applied
has_ofport pf0hpf
has_ofport vxlan-br

# The same command again: nothing written, next_cfg not bumped, and it says so.
cfg=$(next_cfg)
ovs_db_snapshot
expect_exit 0 ewoe setup-bridge
out_has 'unchanged'
err_lacks 'hw-offload changed'
[ "$(next_cfg)" = "$cfg" ] || fail "an unchanged run bumped next_cfg"
ovs_db_unchanged "an identical setup-bridge"

# --dry-run names the change and writes nothing.
expect_exit 0 ewoe --dry-run setup-bridge --offload none
out_has 'dry-run: would set Open_vSwitch other_config:hw-offload=false (was true)'
ovs_db_unchanged "setup-bridge --dry-run"

expect_exit 0 ewoe setup-bridge --offload none
vsctl_is '"false"' get Open_vSwitch . other_config:hw-offload
err_has 'takes effect only after ovs-vswitchd restarts'
[ "$(next_cfg)" -gt "$cfg" ] || fail "a change did not bump next_cfg"
applied
ovs_db_snapshot
expect_exit 0 ewoe setup-bridge --offload none
out_has 'unchanged'
ovs_db_unchanged "a second setup-bridge --offload none"

# A second bridge, without waiting for ovs-vswitchd, and --json.
expect_exit 0 ewoe --json setup-bridge --bridge br-b --rep rep-b --offload none --no-wait
out_has '{"bridge":"br-b","rep":"rep-b","hw_offload":false,"changed":true,"dry_run":false}'
vsctl_is br-b port-to-br rep-b
expect_exit 0 ewoe --json setup-bridge --bridge br-b --rep rep-b --offload none
out_has '"changed":false'

# ovs-vswitchd failing on an interface is reported in words, on a change and on a re-run.
ovs_vsctl add-br userbr -- add-port userbr rep-c -- set Interface rep-c type=patch 2>/dev/null ||
	fail "could not add a broken port"
expect_exit 1 ewoe setup-bridge --bridge br-c --rep rep-c --offload none --move
out_has 'move port rep-c from bridge userbr to br-c'
err_has 'ovs-vswitchd could not add interface rep-c: .*peer'
expect_exit 1 ewoe setup-bridge --bridge br-c --rep rep-c --offload none
[ ! -s "$T/stdout" ] || fail "a failed setup-bridge claimed success"
err_has 'ovs-vswitchd could not add interface rep-c'
ovs_vsctl set Interface rep-c type='""'
expect_exit 0 ewoe setup-bridge --bridge br-c --rep rep-c --offload none
out_has unchanged
has_ofport rep-c

# A hw-offload that is unset counts as false: nothing to write.
ovs_vsctl remove Open_vSwitch . other_config hw-offload
ovs_db_snapshot
expect_exit 0 ewoe setup-bridge --offload none
out_has 'unchanged'
ovs_db_unchanged "setup-bridge --offload none with hw-offload unset"
pass
