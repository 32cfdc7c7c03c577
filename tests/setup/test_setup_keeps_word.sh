#!/bin/sh
# The command line does what its help says (issue 17, point 10): peer options override the
# config, or are refused when it cannot tell which peer; setup from options alone removes no
# other peer's tunnel, and setup --config says first which tunnels it removes; a dry-run fails
# where the real run fails, the same way; invalid input exits 2.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
[ -e /etc/ewoe/ewoe.conf ] && skip "/etc/ewoe/ewoe.conf exists: setup from options alone would read it"
make_psk "$ROOT/etc/ewoe/b.psk"
make_psk "$ROOT/etc/ewoe/c.psk"
NODE_CONF="[node]
pf = p0
address = 192.0.2.1/24
offload = none"
one=$ROOT/etc/ewoe/one.conf
two=$ROOT/etc/ewoe/two.conf
printf '%s\n\n[peer b]\nremote = 192.0.2.2\npsk-file = %s\nrole = responder\n' \
	"$NODE_CONF" "$ROOT/etc/ewoe/b.psk" >"$one"
{ cat "$one"; printf '\n[peer c]\nremote = 192.0.2.3\npsk-file = %s\nrole = responder\n' \
	"$ROOT/etc/ewoe/c.psk"; } >"$two"
chmod 600 "$one" "$two"
key_of() { ovs_vsctl get Interface "$1" options:key | tr -d '"'; }

# Peer options override the config's only peer: planned and made with the option's VNI.
expect_exit 0 ewoe_node --dry-run setup --config "$one" --vni 200 --dst-port 4790 --no-verify
grep -q 'vxc0000202 .*key=200 dst_port=4790' "$T/stdout" || fail "the plan ignores --vni 200 --dst-port 4790"
grep -q 'key=100' "$T/stdout" && fail "the plan still has the file's VNI 100"
expect_exit 0 ewoe_node setup --config "$one" --vni 200 --no-verify
[ "$(key_of vxc0000202)" = 200 ] || fail "setup --vni 200 made key $(key_of vxc0000202)"
expect_exit 0 ewoe_node --dry-run setup --config "$one" --vni 200 --no-verify
grep -q 'would bring up ewoe-b' "$T/stdout" && fail "the file's role responder was lost under --vni"
expect_exit 0 ewoe_node --dry-run setup --config "$one" --role initiator --no-verify
grep -q '^dry-run: would bring up ewoe-b' "$T/stdout" || fail "--role initiator did not override the file"
expect_exit 0 ewoe_node setup --config "$one" --no-verify

# Several peers: the options must say which one, or nothing is done.
node_state >"$T/before"
expect_exit 2 ewoe_node setup --config "$two" --vni 300 --no-verify
grep -q -- '--vni: .* has 2 peers; say which one it changes with --name NAME' "$T/stderr" ||
	fail "an ambiguous --vni is not explained"
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused setup changed the node"
expect_exit 0 ewoe_node --dry-run setup --config "$two" --name c --vni 300 --no-verify
grep -q 'vxc0000203 .*key=300' "$T/stdout" || fail "--name c --vni 300 is not planned"
grep -q 'vxc0000202' "$T/stdout" && fail "--name c changed b too"
expect_exit 2 ewoe_node setup --config "$two" --name x --vni 300 --no-verify
grep -q -- "--name 'x': .* has no such peer" "$T/stderr" || fail "an unknown --name is not named"

# From options alone, the old script's way, one peer per run: the others stay.
expect_exit 0 ewoe_node setup --config "$two" --no-verify
expect_exit 0 ewoe_node setup --address 192.0.2.1/24 --remote 192.0.2.7 --name p7 \
	--psk-file "$ROOT/etc/ewoe/b.psk" --role responder --offload none --no-verify
expect_exit 0 ewoe_node setup --address 192.0.2.1/24 --remote 192.0.2.8 --name p8 \
	--psk-file "$ROOT/etc/ewoe/c.psk" --role responder --offload none --no-verify
for port in vxc0000202 vxc0000203 vxc0000207 vxc0000208; do
	ovs_vsctl list-ports vxlan-br | grep -qx "$port" || fail "setup from options removed $port"
done
grep -q removing "$T/stdout" && fail "setup from options planned a removal"

# setup --config removes the tunnels setup made for peers not in the config, each said first,
# in the plan as in the run; a tunnel 'ewoe tunnel' made is no config's: it stays, guard and all.
expect_exit 0 ewoe_node tunnel psk --local 192.0.2.1 --remote 192.0.2.9 --name t9 \
	--psk-file "$ROOT/etc/ewoe/b.psk" --role responder --offload none
expect_exit 0 ewoe_node --dry-run setup --config "$two" --no-verify
for p in p7 p8; do
	grep -q "^dry-run: peer $p: no longer in the config, removing" "$T/stdout" ||
		fail "the plan does not say it removes $p"
done
grep -q 't9' "$T/stdout" && fail "the plan touches t9, which 'ewoe tunnel' made"
grep -q "peer t9: not in the config, kept" "$T/stderr" || fail "setup does not say it keeps t9"
expect_exit 0 ewoe_node setup --config "$two" --no-verify
for p in p7 p8; do grep -q "^peer $p: no longer in the config" "$T/stdout" || fail "$p removed silently"; done
ovs_vsctl list-ports vxlan-br | grep -qx vxc0000209 || fail "setup --config removed t9's tunnel"
conns arm | grep -q ewoe-t9 || fail "setup --config removed t9's connection"
[ "$(ip -n "$NS" xfrm policy | grep -c 'dst 192.0.2.9\|src 192.0.2.9')" -ge 2 ] ||
	fail "setup --config removed t9's guard"
# Once the config names it, it is the config's, and goes with it.
{ cat "$two"; printf '\n[peer t9]\nremote = 192.0.2.9\npsk-file = %s\nrole = responder\n' \
	"$ROOT/etc/ewoe/b.psk"; } >"$T/three.conf"
chmod 600 "$T/three.conf"
expect_exit 0 ewoe_node setup --config "$T/three.conf" --no-verify
expect_exit 0 ewoe_node setup --config "$two" --no-verify
grep -q "^peer t9: no longer in the config" "$T/stdout" || fail "t9, taken over by the config, was not removed"

# The dry-run fails where the run fails, with the same words and exit status.
for dry in "" --dry-run; do
	expect_exit 1 ewoe_node $dry tunnel psk --local 192.0.2.1 --remote 192.0.2.5 --bridge nosuch \
		--psk-file "$ROOT/etc/ewoe/b.psk" --offload none --no-ike
	grep '^ewoe:' "$T/stderr" >"$T/err$dry"
done
grep -q 'bridge nosuch does not exist' "$T/err" || fail "no bridge: not said"
cmp -s "$T/err" "$T/err--dry-run" || fail "the dry-run fails otherwise: $(cat "$T/err--dry-run")"
ip -n "$NS" xfrm policy | grep -q 192.0.2.5 && fail "a tunnel refused for its bridge left a guard"
for dry in --dry-run ""; do
	expect_exit 0 ewoe_node $dry setup --address 192.0.2.1/24 --remote 192.0.2.6 --name p6 \
		--interface vx-p6 --psk-file "$ROOT/etc/ewoe/b.psk" --role responder --offload none \
		--no-verify
done
ovs_vsctl list-ports vxlan-br | grep -qx vx-p6 || fail "--interface vx-p6 was not made"

# Invalid input exits 2 and changes nothing.
expect_exit 2 ewoe_node teardown --peer nosuch
node_state >"$T/before"
expect_exit 2 ewoe_node setup --config "$two" --address 192.0.2.1/25 --no-verify
grep -q 'p0 already has 192.0.2.1/24, not /25' "$T/stderr" || fail "the prefix clash is not named"
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused address changed the node"
chown 65534 "$two"
expect_exit 2 ewoe_node --dry-run setup --config "$two" --no-verify
grep -q "owned by uid 65534" "$T/stderr" || fail "a config of another user is not refused"
pass
