#!/bin/sh
# ewoe verify against this machine's kernel, each run in a fresh network namespace: no SAs
# there (this kernel has no ESP), real policies installed by the test, veth PF/representor.
. "$EWOE_SRC/tests/lib.sh"
need_root
need_cmd unshare
need_cmd ip
need_cmd python3
need_cmd setpriv

L=192.0.2.1
R=198.51.100.2
# No daemons: a node with tunnels fails on them (nothing on their side can be seen or fixed).
NODAEMONS="--db unix:$T/no-db.sock --vici unix://$T/no-charon.vici --timeout 2"
TUNNEL="--local $L --remote $R"

# --- bad arguments: exit 2, one line naming the problem ---
expect_exit 2 "$EWOE" verify --local $L
grep -q -- '--local and --remote' "$T/stderr" || fail "missing --remote not named"
expect_exit 2 "$EWOE" verify --local $L --remote not-an-ip
grep -q "'not-an-ip' is not an IPv4 or IPv6 address" "$T/stderr" || fail "bad --remote not named"
expect_exit 2 "$EWOE" verify $TUNNEL --expect-offload auto
grep -q -- "--expect-offload 'auto'" "$T/stderr" || fail "bad --expect-offload not named"
expect_exit 2 "$EWOE" verify $TUNNEL --dst-port 0
expect_exit 2 "$EWOE" verify $TUNNEL --vni 16777216
expect_exit 2 "$EWOE" verify --local $L --remote 2001:db8::2
grep -q 'different families' "$T/stderr" || fail "address family mismatch not named"
expect_exit 2 "$EWOE" verify --local $L --remote 224.0.0.5
grep -q "remote address 224.0.0.5 is a multicast address" "$T/stderr" || fail "multicast peer not refused"
expect_exit 2 "$EWOE" verify --local 127.0.0.1 --remote $R
grep -q "local address 127.0.0.1 is a loopback address" "$T/stderr" || fail "loopback local not refused"
expect_exit 2 "$EWOE" verify --local $L --remote $R --remote 203.0.113.7 --name one
expect_exit 2 "$EWOE" verify $TUNNEL --pf 'bad/name'
expect_exit 2 "$EWOE" verify $TUNNEL stray
expect_exit 2 "$EWOE" verify $TUNNEL --bogus
[ ! -s "$T/stdout" ] || fail "a usage error wrote to stdout"

# --- from a config: every peer, by its name, the node's offload expected ---
cat >"$T/ewoe.conf" <<EOC
[node]
address = $L/24
offload = none
[peer arm2]
remote = $R
[peer arm3]
remote = 203.0.113.3
EOC
chmod 600 "$T/ewoe.conf"
expect_exit 3 unshare -n "$EWOE" --json $NODAEMONS verify --config "$T/ewoe.conf"
python3 - "$T/stdout" <<'EOF' || fail "the config's peers were not both checked"
import json, sys
d = json.load(open(sys.argv[1]))
assert [t["peer"] for t in d["tunnels"]] == ["arm2", "arm3"], d["tunnels"]
for peer in ("arm2", "arm3"):
    assert any(c["peer"] == peer and c["item"] == "sa out any->4789" and c["found"] == "missing"
               for c in d["checks"]), peer
EOF
expect_exit 2 "$EWOE" verify --config "$T/ewoe.conf" --local $L --remote $R
expect_exit 2 "$EWOE" verify --config "$T/missing.conf"
grep -q "cannot read config $T/missing.conf" "$T/stderr" || fail "missing config not named"

# --- empty namespace: no PF, no SA, no policy, no guard, no daemon: exit 3, CRITICAL first ---
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify $TUNNEL --name bfr
grep -q "^bfr  *CRITICAL  *$R  *VXLAN to and from $R passes UNENCRYPTED: no IPsec policy and no guard" \
	"$T/stdout" || fail "no CRITICAL headline for a tunnel with neither policies nor guard"
grep -q "^ *fix: 'ewoe guard' blocks it at once" "$T/stdout" || fail "the critical headline has no fix"
grep -q '^(node)  *DOWN  *-  *the PF p0 does not exist$' "$T/stdout" ||
	fail "the missing PF is not the node's headline"
for sa in 'sa out any->4789' 'sa in 4789->any' 'sa in any->4789' 'sa out 4789->any'; do
	grep -q "^ *$sa  *FAIL  *missing  *expected ESP SA" "$T/stdout" || fail "'$sa' not reported missing"
done
# The out and in policies VXLAN needs, and both guards: what lets it pass in the clear.
[ "$(grep -c '^ *\(policy\|guard\) \(out\|in\) any->4789  *CRITICAL  *missing' "$T/stdout")" -eq 4 ] ||
	fail "the plaintext path is not marked CRITICAL on its four lines"
grep -q '^ *ovs daemon  *FAIL  *no answer at unix:' "$T/stdout" || fail "OVSDB not answering is not a failure"
grep -q '^ *ike daemon  *FAIL  *no answer at unix:' "$T/stdout" || fail "charon not answering is not a failure"
grep -q '^ *link route  *FAIL  *no route' "$T/stdout" || fail "no route to the peer not reported"
grep -q ' ok  ' "$T/stdout" && fail "lines that passed are shown without --all"
grep -q '^1 tunnel: 0 up, 0 degraded, 1 down, VXLAN UNENCRYPTED on some$' "$T/stdout" ||
	fail "wrong tunnel summary"
grep -q '^2 ok, 17 failed, 0 skipped$' "$T/stdout" || fail "wrong summary"
grep -q "$(printf '\033')" "$T/stdout" && fail "colour codes when not on a terminal"
# --all shows every check, the passed ones too: transport mode has no fwd policies, rightly.
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify $TUNNEL --name bfr --all
[ "$(grep -c '^ *policy fwd [a-z0-9>-]*  *ok  *none' "$T/stdout")" -eq 2 ] ||
	fail "absent fwd policies not reported as fine"
grep -q "^ *fix: 'ewoe setup' re-establishes the tunnel's CHILD_SAs$" "$T/stdout" ||
	fail "--all does not show each line's fix"

# --- the same as JSON: parses, has the documented fields ---
expect_exit 3 unshare -n "$EWOE" --json $NODAEMONS verify $TUNNEL --name bfr
python3 -m json.tool "$T/stdout" >/dev/null || fail "--json output does not parse"
python3 - "$T/stdout" <<'EOF' || fail "JSON does not match the schema"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ewoe-verify/2", d["schema"]
assert d["result"] == "problems"
assert d["expect_offload"] == "packet"
assert d["summary"] == {"ok": 2, "failed": 17, "skipped": 0, "critical": 1, "up": 0,
                        "degraded": 0, "down": 1}, d["summary"]
assert len(d["checks"]) == 19
for c in d["checks"]:
    assert set(c) >= {"peer", "category", "item", "status", "severity", "found", "expected",
                      "fix"}, c
    assert c["status"] in ("ok", "fail", "skipped")
    assert (c["fix"] is not None) == (c["status"] == "fail"), c
    assert (c["severity"] is not None) == (c["status"] == "fail"), c
missing = [c["item"] for c in d["checks"] if c["category"] == "sa" and c["found"] == "missing"]
assert missing == ["sa out any->4789", "sa in 4789->any", "sa in any->4789",
                   "sa out 4789->any"], missing
critical = sorted(c["item"] for c in d["checks"] if c["severity"] == "critical")
assert critical == ["guard in any->4789", "guard out any->4789", "policy in any->4789",
                    "policy out any->4789"], critical
node = [c["item"] for c in d["checks"] if c["peer"] is None]
assert node == ["link pf", "link representor", "link address", "mtu"], node
assert all(c["peer"] == "bfr" for c in d["checks"] if c["peer"] is not None)
t, = d["tunnels"]
assert t["peer"] == "bfr" and t["state"] == "down" and t["critical"] is True, t
assert "UNENCRYPTED" in t["cause"] and "ewoe guard" in t["fix"], t
EOF

# --- real policies in the kernel, read back with their templates; PF MTU from rtnetlink ---
cat >"$T/policies.sh" <<EOF
set -e
ip link add p0 type veth peer name pf0hpf
ip link set p0 mtu 1550
pol() {
	ip xfrm policy add src \$2/32 dst \$3/32 proto udp \$4 dir \$1 \\
		tmpl src \$2 dst \$3 proto esp reqid \$5 mode transport
}
pol out $L $R "dport 4789" 1
pol in $R $L "sport 4789" 1
pol fwd $R $L "sport 4789" 1
pol in $R $L "dport 4789" 2
pol fwd $R $L "dport 4789" 2
pol out $L $R "sport 4789" 2
# Another tunnel's policy must not count for this one.
pol out $L 203.0.113.7 "dport 4789" 3
exec "\$@"
EOF
expect_exit 3 unshare -n sh "$T/policies.sh" "$EWOE" $NODAEMONS verify $TUNNEL --expect-offload none --all
[ "$(grep -c '^ *policy [a-z]* [a-z0-9>-]*  *ok  *allow, 1 template: esp transport reqid [12] ' "$T/stdout")" -eq 6 ] ||
	fail "the six kernel policies were not read back"
[ "$(grep -c '^ *policy .* offload  *ok  *none  *expected none$' "$T/stdout")" -eq 6 ] ||
	fail "policy offload not read as none"
grep -q '^ *mtu  *ok  *p0 1550, pf0hpf 1500  *expected p0 >= 1550 (pf0hpf + 50)$' "$T/stdout" ||
	fail "MTU check did not pass with p0 1550 / pf0hpf 1500"
# Policies without SAs block the traffic (the kernel finds no state): down, not critical.
grep -q "^vxc6336402  *DOWN  *$R  *the IKE daemon does not answer" "$T/stdout" ||
	fail "a tunnel without its daemon is not down for that reason"
grep -q '^13 ok, 12 failed, 0 skipped$' "$T/stdout" || fail "wrong summary with policies"

# --- ewoe's guards, installed by 'ewoe guard' from a config: found, below charon's policies ---
mkdir -p "$T/etc" && chmod 700 "$T/etc"
(umask 077 && head -c 32 /dev/urandom >"$T/etc/k.psk")
printf '[node]\npf = p0\naddress = %s/24\noffload = none\n\n[peer bfr]\nremote = %s\nauth = psk\npsk-file = %s\n' \
	"$L" "$R" "$T/etc/k.psk" >"$T/etc/ewoe.conf"
chmod 600 "$T/etc/ewoe.conf"
expect_exit 3 unshare -n sh "$T/policies.sh" sh -c \
	'"$1" guard --config "$2" >"$3" && shift 3 && exec "$@"' sh "$EWOE" "$T/etc/ewoe.conf" \
	"$T/guard.out" "$EWOE" $NODAEMONS verify $TUNNEL --expect-offload none --all
[ "$(grep -c '^block VXLAN .* unless it is ESP (xfrm policy \(out\|in\), priority 2000000000)$' "$T/guard.out")" -eq 2 ] ||
	fail "ewoe guard did not say it installed both policies: $(cat "$T/guard.out")"
[ "$(grep -c '^ *guard \(out\|in\) any->4789  *ok  *block, priority 2000000000  *expected block, priority above [0-9]* (the tunnel.s)$' "$T/stdout")" -eq 2 ] ||
	fail "the guards were not found below the tunnel's policies"
grep -q '^15 ok, 10 failed, 0 skipped$' "$T/stdout" || fail "wrong summary with policies and guards"

# Packet offload expected: the kernel's policies carry no offload, so out/in fail, fwd passes.
expect_exit 3 unshare -n sh "$T/policies.sh" "$EWOE" $NODAEMONS verify $TUNNEL --pf p0 --all
[ "$(grep -c 'policy [a-z]* [a-z0-9>-]* offload  *FAIL  *none  *expected packet on p0$' "$T/stdout")" -eq 4 ] ||
	fail "missing policy offload not reported on the out and in policies"
[ "$(grep -c 'policy fwd [a-z0-9>-]* offload  *ok  *none  *expected none$' "$T/stdout")" -eq 2 ] ||
	fail "fwd policies must pass without offload"

# --- no CAP_NET_ADMIN: could not check, exit 1, saying so ---
expect_exit 1 setpriv --bounding-set=-net_admin --inh-caps=-all unshare -n "$EWOE" --json $NODAEMONS verify $TUNNEL
grep -q 'CAP_NET_ADMIN' "$T/stderr" || fail "missing capability not named"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]=="error" and "CAP_NET_ADMIN" in d["error"]' \
	"$T/stdout" || fail "error JSON"
# --- an absent PF is a finding of the report, not an error of verify ---
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify $TUNNEL --pf nosuch0
grep -q '^ *mtu  *FAIL  *nosuch0 not found  *expected nosuch0 and pf0hpf present$' "$T/stdout" ||
	fail "absent PF not reported in the table: $(grep mtu "$T/stdout")"
grep -q 'nosuch0' "$T/stderr" && fail "absent PF printed as an error: $(cat "$T/stderr")"

# --- a report that cannot be written is a failure, not exit 0 or 3 ---
if [ -w /dev/full ]; then
	rc=0
	unshare -n "$EWOE" $NODAEMONS verify $TUNNEL >/dev/full 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 1 ] || fail "verify into a full disk exited $rc, expected 1"
	grep -q '^ewoe: error writing the output: No space left on device$' "$T/stderr" ||
		fail "write error not reported: $(cat "$T/stderr")"
fi
pass
