# One emulated DPU Arm for the setup tests: a network namespace with the PF p0 and the host
# representor pf0hpf (veth pairs), a private ovsdb-server + ovs-vswitchd, a charon in the
# namespace, and a file root $ROOT. Source after tests/lib.sh.
#
#   ewoe_node ARGS...   ewoe against this node
#   node_state          everything ewoe could change, for before/after comparisons
need_root
need_cmd ip
. "$EWOE_SRC/tests/ovs-sandbox.sh"
. "$EWOE_SRC/tests/vici/lib-charon.sh"

NS=ewoe-node-$$
ns_del() { ip netns del "$NS" 2>/dev/null; }
at_exit ns_del
ip netns add "$NS" || skip "cannot create network namespaces"
ip -n "$NS" link add p0 type veth peer name p0-wire || fail "veth p0"
ip -n "$NS" link add pf0hpf type veth peer name ens7np0 || fail "veth pf0hpf"
ip -n "$NS" link set pf0hpf mtu 1500
ip -n "$NS" link set lo up

ovs_sandbox_start
start_charon arm "$NS"
ROOT=$T/root
mkdir -p "$ROOT/etc/ewoe" "$ROOT/etc/swanctl/conf.d" "$ROOT/etc/swanctl/private" \
	"$ROOT/etc/swanctl/x509" "$ROOT/etc/swanctl/x509ca"

ewoe_node() {
	ip netns exec "$NS" "$EWOE" --db "$OVS_DB" --vici "$(vici arm)" --root "$ROOT" \
		--timeout 10 "$@"
}

# The config files under etc/ewoe are the test's input, not ewoe's output.
node_state() {
	ovs_dump | grep -v '^_uuid\|statistics' | sed 's/[0-9a-f]\{8\}-[0-9a-f-]\{27\}/UUID/g' | sort
	conns arm
	sw arm --list-certs | grep -v "not before\|not after" # relative ages change as the test runs
	(cd "$ROOT" && find . -path ./etc/ewoe -prune -o -type f -exec sha256sum {} + | sort)
	ip -n "$NS" -o addr show
	ip -n "$NS" -o link show
}
