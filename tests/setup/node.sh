# One emulated DPU Arm for the setup tests: a network namespace with the PF p0 and the host
# representor pf0hpf (veth pairs), a private ovsdb-server + ovs-vswitchd, a charon in the
# namespace, and a file root $ROOT. Source after tests/lib.sh.
#
#   ewoe_node ARGS...       ewoe against this node
#   node_state              everything ewoe could change, for before/after comparisons
#   make_node_credentials   PSKs for peers b and c, certificates arm1 (this node) and arm4 (d)
#   write_config            $CFG: this node ($NODE_CONF) with peers b and c (PSK, b's VNI
#                           $B_VNI or 100) and, unless WITH_D=0, d (certificates)
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

make_node_credentials() {
	make_psk "$ROOT/etc/ewoe/b.psk"
	make_psk "$ROOT/etc/ewoe/c.psk"
	make_self_signed "$T" arm1
	make_self_signed "$T" arm4
}

CFG=$ROOT/etc/ewoe/ewoe.conf
NODE_CONF="[node]
pf = p0
address = 192.0.2.1/24
representor = pf0hpf
bridge = vxlan-br
offload = none
"
write_config() {
	cat >"$CFG" <<EOC
$NODE_CONF
[peer b]
remote = 192.0.2.2
psk-file = $ROOT/etc/ewoe/b.psk
role = responder
vni = ${B_VNI:-100}

[peer c]
remote = 192.0.2.3
psk-file = $ROOT/etc/ewoe/c.psk
role = responder
EOC
	if [ "${WITH_D:-1}" = 1 ]; then
		cat >>"$CFG" <<EOC

[peer d]
remote = 192.0.2.4
auth = cert
cert = $T/arm1.pem
key = $T/arm1.key
peer-cert = $T/arm4.pem
role = responder
EOC
	fi
	chmod 600 "$CFG"
}
