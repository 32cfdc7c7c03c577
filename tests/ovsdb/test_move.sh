#!/bin/sh
# A representor on another bridge: refused without --move, moved with it, moved back when ewoe
# removes its bridge.
. "$EWOE_SRC/tests/ovsdb/common.sh"
ovs_sandbox_start
ovs_vsctl add-br other -- add-port other pf0hpf || fail "could not prepare bridge 'other'"

ovs_db_snapshot
expect_exit 1 ewoe setup-bridge
err_has 'port pf0hpf is on bridge other, not vxlan-br'
err_has 'hint: pass --move to move it'
ovs_db_unchanged "a refused setup-bridge"

expect_exit 0 ewoe setup-bridge --move
out_has 'move port pf0hpf from bridge other to vxlan-br'
vsctl_is vxlan-br port-to-br pf0hpf
vsctl_is other get Port pf0hpf external_ids:ewoe\\:moved-from
vsctl_is '' list-ports other
applied
has_ofport pf0hpf

ovs_db_snapshot
expect_exit 0 ewoe setup-bridge --move
out_has 'unchanged'
ovs_db_unchanged "a repeated setup-bridge --move"

# Removing ewoe's bridge hands the port back to where it came from.
expect_exit 0 drv remove-bridge vxlan-br
out_has changed
out_has 'move port pf0hpf back to bridge other'
vsctl_is other port-to-br pf0hpf
vsctl_is '{}' get Port pf0hpf external_ids
vsctl_is other list-br
applied
has_ofport pf0hpf
pass
