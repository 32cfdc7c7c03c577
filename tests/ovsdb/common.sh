# Shared by the ovsdb tests: a private OVS, ewoe and the backend driver pointed at it.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/ovs-sandbox.sh"
: "${OVSDB_DRIVER:?OVSDB_DRIVER must name tests/ovsdb/ovsdb_driver (ctest sets it)}"

# A root of its own: the node's lock (run/ewoe) is the test's, not the host's.
ewoe() { "$EWOE" --db "$OVS_DB" --root "$T/root" "$@"; }
drv() { "$OVSDB_DRIVER" "$OVS_DB" "$@"; }

# vsctl_is WANT ARGS...: ovs-vsctl ARGS prints exactly WANT.
vsctl_is() {
	want=$1
	shift
	got=$(ovs_vsctl "$@") || fail "ovs-vsctl $* failed"
	[ "$got" = "$want" ] || fail "ovs-vsctl $*: got '$got', expected '$want'"
}

next_cfg() { ovs_vsctl get Open_vSwitch . next_cfg; }

# applied: ovs-vswitchd has caught up with the last configuration.
applied() {
	[ "$(ovs_vsctl get Open_vSwitch . cur_cfg)" = "$(next_cfg)" ] ||
		fail "cur_cfg is behind next_cfg after a waited change"
}

# has_ofport IFACE: ovs-vswitchd attached it.
has_ofport() {
	p=$(ovs_vsctl get Interface "$1" ofport) || fail "no interface $1"
	[ "$p" -gt 0 ] 2>/dev/null || fail "interface $1 has ofport '$p'"
	vsctl_is '[]' get Interface "$1" error
}

out_has() { grep -q -- "$1" "$T/stdout" || fail "stdout lacks '$1'"; }
err_has() { grep -q -- "$1" "$T/stderr" || fail "stderr lacks '$1'"; }
err_lacks() { ! grep -q -- "$1" "$T/stderr" || fail "stderr has '$1'"; }
