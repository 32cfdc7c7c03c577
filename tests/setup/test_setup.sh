#!/bin/sh
# ewoe setup / teardown against a real ovsdb-server + ovs-vswitchd, a real charon and real
# links in a network namespace: converge, idempotence, one peer changed, a peer removed,
# dry-run, teardown twice. Independent views: ovs-vsctl, swanctl, ip.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
make_node_credentials

write_config
cfg_before=$(ovs_vsctl get Open_vSwitch . next_cfg)
expect_exit 0 ewoe_node setup --config "$CFG" --no-verify
# One transaction for the bridge and one for all three tunnels: ovs-vswitchd reconfigures twice.
[ $(($(ovs_vsctl get Open_vSwitch . next_cfg) - cfg_before)) -eq 2 ] ||
	fail "setup took $(($(ovs_vsctl get Open_vSwitch . next_cfg) - cfg_before)) OVSDB transactions, expected 2"
ip -n "$NS" -o addr show dev p0 | grep -q 'inet 192.0.2.1/24' || fail "p0 has no 192.0.2.1/24"
mtu=$(ip -n "$NS" -o link show dev p0 | sed 's/.*mtu \([0-9]*\).*/\1/')
[ "$mtu" -ge 1550 ] || fail "p0 MTU $mtu, expected >= 1550 (representor 1500 + 50)"
[ "$(ovs_vsctl list-ports vxlan-br | sort | tr '\n' ' ')" = "pf0hpf vxc0000202 vxc0000203 vxc0000204 " ] ||
	fail "ports on vxlan-br: $(ovs_vsctl list-ports vxlan-br | tr '\n' ' ')"
[ "$(ovs_vsctl get Interface vxc0000203 options:remote_ip)" = '"192.0.2.3"' ] ||
	fail "vxc0000203 remote_ip"
[ "$(ovs_vsctl get Interface vxc0000202 type)" = vxlan ] || fail "vxc0000202 is not vxlan"
for p in b c d; do
	conns arm | grep -q "ewoe-$p" || fail "no connection ewoe-$p"
	[ -f "$ROOT/etc/swanctl/conf.d/ewoe-$p.conf" ] || fail "no persisted ewoe-$p.conf"
	[ "$(stat -c %a "$ROOT/etc/swanctl/conf.d/ewoe-$p.conf")" = 600 ] || fail "ewoe-$p.conf not 0600"
done
grep -q "$(cat "$ROOT/etc/ewoe/b.psk")" "$T/stdout" "$T/stderr" && fail "the PSK was printed"

# Idempotent: a second run changes nothing anywhere and says so.
node_state >"$T/before"
expect_exit 0 ewoe_node setup --config "$CFG" --no-verify
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "second setup changed state"; }
for p in b c d; do grep -q "^peer $p: unchanged" "$T/stdout" || fail "peer $p not reported unchanged"; done

# Dry-run of a changed file: a plan, nothing changed, no secret shown.
B_VNI=200 WITH_D=0 write_config
expect_exit 0 ewoe_node --dry-run setup --config "$CFG" --no-verify
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "dry-run changed state"; }
grep -q "peer d: no longer in the config" "$T/stdout" || fail "dry-run does not plan d's removal"
grep -q "^dry-run: peer b: would change" "$T/stdout" || fail "dry-run does not plan b's change"
grep -q "$(cat "$ROOT/etc/ewoe/b.psk")" "$T/stdout" "$T/stderr" && fail "dry-run printed the PSK"

# Apply it: b changes, c stays, d goes.
expect_exit 0 ewoe_node setup --config "$CFG" --no-verify
[ "$(ovs_vsctl get Interface vxc0000202 options:key)" = '"200"' ] || fail "b's VNI not updated"
ovs_vsctl list-ports vxlan-br | grep -q vxc0000204 && fail "d's port survived its removal"
conns arm | grep -q ewoe-d && fail "d's connection survived its removal"
[ -e "$ROOT/etc/swanctl/conf.d/ewoe-d.conf" ] && fail "d's file survived its removal"
grep -q "^peer c: unchanged" "$T/stdout" || fail "c was touched by b's change"

# With verify: no SAs can exist here, so setup reports problems with exit 3.
expect_exit 3 ewoe_node setup --config "$CFG"
grep -q "SA" "$T/stdout" || fail "verify output does not name the missing SAs"

# Teardown: everything gone, p0 keeps its address; a second run is harmless.
expect_exit 0 ewoe_node teardown --config "$CFG"
ovs_vsctl br-exists vxlan-br && fail "bridge survived teardown"
[ -z "$(conns arm | grep ewoe-)" ] || fail "connections survived teardown"
[ -z "$(find "$ROOT/etc/swanctl" -name "ewoe-*")" ] || fail "files survived teardown: $(find "$ROOT/etc/swanctl" -name "ewoe-*")"
expect_exit 0 ewoe_node teardown --config "$CFG"
grep -q "nothing of ewoe's" "$T/stdout" || fail "second teardown did not say there was nothing"

# Flags override the file: another bridge, planned only.
expect_exit 0 ewoe_node --dry-run setup --config "$CFG" --bridge br-flags --no-verify
grep -q "dry-run: would create bridge br-flags" "$T/stdout" "$T/stderr" ||
	grep -q "br-flags" "$T/stdout" || fail "--bridge did not override the file's bridge"
ovs_vsctl br-exists br-flags && fail "a dry-run created br-flags"

# A node from flags alone, the way the old script was used; teardown by peer name.
expect_exit 0 ewoe_node setup --address 192.0.2.1/24 --remote 192.0.2.7 --name solo \
	--psk-file "$ROOT/etc/ewoe/c.psk" --role responder --offload none --no-verify
[ "$(ovs_vsctl get Interface vxc0000207 options:remote_ip)" = '"192.0.2.7"' ] ||
	fail "flags-only setup made no tunnel to 192.0.2.7"
conns arm | grep -q ewoe-solo || fail "flags-only setup loaded no connection ewoe-solo"
expect_exit 2 ewoe_node teardown --peer nosuch
grep -q "no peer 'nosuch' in" "$T/stderr" || fail "teardown --peer of an unknown name does not say so"
expect_exit 0 ewoe_node teardown --peer solo
grep -q "^peer solo: removed" "$T/stdout" || fail "teardown --peer solo did not say so"
ovs_vsctl --may-exist list-ports vxlan-br 2>/dev/null | grep -q vxc0000207 &&
	fail "teardown --peer left the tunnel port"
conns arm | grep -q ewoe-solo && fail "teardown --peer left the connection"
ovs_vsctl br-exists vxlan-br || fail "teardown --peer removed the bridge too"

# Two initiators whose peers never answer: ewoe follows both IKE_SAs at once and names each
# one that did not come up, not only the first.
cat >"$T/silent.conf" <<EOC
$NODE_CONF
[peer s8]
remote = 192.0.2.8
psk-file = $ROOT/etc/ewoe/b.psk
role = initiator

[peer s9]
remote = 192.0.2.9
psk-file = $ROOT/etc/ewoe/c.psk
role = initiator
EOC
chmod 600 "$T/silent.conf"
expect_exit 1 ewoe_node --timeout 2 setup --config "$T/silent.conf" --no-link --no-verify
for p in 8 9; do
	grep -q "ewoe-s$p: no IKE_SA with 192.0.2.$p after 2 s" "$T/stderr" ||
		fail "peer s$p's timeout not reported: $(cat "$T/stderr")"
done
[ "$(grep -c 'no IKE_SA with' "$T/stderr")" -eq 2 ] || fail "expected two timeouts: $(cat "$T/stderr")"
expect_exit 0 ewoe_node teardown --config "$T/silent.conf"
pass
