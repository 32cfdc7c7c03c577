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
# No daemons: those sides must be reported as skipped, never as failures.
NODAEMONS="--db unix:$T/no-db.sock --vici unix://$T/no-charon.vici --timeout 2"
TUNNEL="--local $L --remote $R"

# --- bad arguments: exit 2, one line naming the problem ---
expect_exit 2 "$EWOE" verify --local $L
grep -q -- '--local and --remote' "$T/stderr" || fail "missing --remote not named"
expect_exit 2 "$EWOE" verify --local $L --remote not-an-ip
grep -q "'not-an-ip' is not an IP address" "$T/stderr" || fail "bad --remote not named"
expect_exit 2 "$EWOE" verify $TUNNEL --expect-offload auto
grep -q -- "--expect-offload 'auto'" "$T/stderr" || fail "bad --expect-offload not named"
expect_exit 2 "$EWOE" verify $TUNNEL --dst-port 0
expect_exit 2 "$EWOE" verify $TUNNEL --vni 16777216
expect_exit 2 "$EWOE" verify --local $L --remote 2001:db8::2
grep -q 'different families' "$T/stderr" || fail "address family mismatch not named"
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
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify --config "$T/ewoe.conf"
grep -q "^arm2  *sa out any->4789  *FAIL  *missing" "$T/stdout" || fail "config peer arm2 not checked"
grep -q "^arm3  *sa out any->4789  *FAIL  *missing" "$T/stdout" || fail "config peer arm3 not checked"
expect_exit 2 "$EWOE" verify --config "$T/ewoe.conf" --local $L --remote $R
expect_exit 2 "$EWOE" verify --config "$T/missing.conf"
grep -q "cannot read config $T/missing.conf" "$T/stderr" || fail "missing config not named"

# --- empty namespace: four missing SAs, four missing out/in policies, no PF: exit 3 ---
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify $TUNNEL --name bfr
for sa in 'sa out any->4789' 'sa in 4789->any' 'sa in any->4789' 'sa out 4789->any'; do
	grep -q "^bfr  *$sa  *FAIL  *missing  *ESP SA" "$T/stdout" || fail "'$sa' not reported missing"
done
[ "$(grep -c '^bfr  *policy [a-z]* [a-z0-9>-]*  *FAIL  *missing' "$T/stdout")" -eq 4 ] ||
	fail "four missing out/in policies not reported"
# Transport mode installs no forwarding policies: their absence is right.
[ "$(grep -c '^bfr  *policy fwd [a-z0-9>-]*  *ok  *none' "$T/stdout")" -eq 2 ] ||
	fail "absent fwd policies not reported as fine"
grep -q '^bfr  *ovs  *skipped  *unreachable (skipped)' "$T/stdout" || fail "OVS not skipped"
grep -q '^bfr  *ike  *skipped  *unreachable (skipped)' "$T/stdout" || fail "IKE not skipped"
grep -q '^-  *mtu  *FAIL  *p0 not found' "$T/stdout" || fail "missing PF not reported"
grep -q 'fix: IKE has not installed this CHILD_SA' "$T/stdout" || fail "no fix line"
grep -q '^2 ok, 11 failed, 2 skipped$' "$T/stdout" || fail "wrong summary"
[ "$(grep -c '^bfr  *guard [a-z]* any->4789  *FAIL  *missing' "$T/stdout")" -eq 2 ] ||
	fail "the two missing guards not reported"
grep -q 'fix: without it VXLAN to 198.51.100.2 leaves the tunnel in the clear' "$T/stdout" ||
	fail "a missing out guard does not say VXLAN would leave in the clear"
grep -q "$(printf '\033')" "$T/stdout" && fail "colour codes when not on a terminal"

# --- the same as JSON: parses, has the documented fields ---
expect_exit 3 unshare -n "$EWOE" --json $NODAEMONS verify $TUNNEL --name bfr
python3 -m json.tool "$T/stdout" >/dev/null || fail "--json output does not parse"
python3 - "$T/stdout" <<'EOF' || fail "JSON does not match the schema"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ewoe-verify/1", d["schema"]
assert d["result"] == "problems"
assert d["expect_offload"] == "packet"
assert d["summary"] == {"ok": 2, "failed": 11, "skipped": 2}, d["summary"]
assert len(d["checks"]) == 15
for c in d["checks"]:
    assert set(c) >= {"peer", "category", "item", "status", "found", "expected", "fix"}, c
    assert c["status"] in ("ok", "fail", "skipped")
    assert (c["fix"] is not None) == (c["status"] == "fail"), c
missing = [c["item"] for c in d["checks"] if c["category"] == "sa" and c["found"] == "missing"]
assert missing == ["sa out any->4789", "sa in 4789->any", "sa in any->4789",
                   "sa out 4789->any"], missing
assert all(c["peer"] == "bfr" for c in d["checks"] if c["category"] != "mtu")
assert [c["peer"] for c in d["checks"] if c["category"] == "mtu"] == [None]
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
expect_exit 3 unshare -n sh "$T/policies.sh" "$EWOE" $NODAEMONS verify $TUNNEL --expect-offload none
[ "$(grep -c '^vxc6336402  *policy [a-z]* [a-z0-9>-]*  *ok  *allow, 1 template: esp transport reqid [12] ' "$T/stdout")" -eq 6 ] ||
	fail "the six kernel policies were not read back"
[ "$(grep -c '^vxc6336402  *policy .* offload  *ok  *none  *none$' "$T/stdout")" -eq 6 ] ||
	fail "policy offload not read as none"
grep -q '^-  *mtu  *ok  *p0 1550, pf0hpf 1500  *p0 >= 1550 (pf0hpf + 50)$' "$T/stdout" ||
	fail "MTU check did not pass with p0 1550 / pf0hpf 1500"
grep -q '^13 ok, 6 failed, 2 skipped$' "$T/stdout" || fail "wrong summary with policies"

# --- ewoe's guards, installed by 'ewoe guard' from a config: found, below charon's policies ---
mkdir -p "$T/etc" && chmod 700 "$T/etc"
(umask 077 && head -c 32 /dev/urandom >"$T/etc/k.psk")
printf '[node]\npf = p0\naddress = %s/24\noffload = none\n\n[peer bfr]\nremote = %s\nauth = psk\npsk-file = %s\n' \
	"$L" "$R" "$T/etc/k.psk" >"$T/etc/ewoe.conf"
chmod 600 "$T/etc/ewoe.conf"
expect_exit 3 unshare -n sh "$T/policies.sh" sh -c \
	'"$1" guard --config "$2" >"$3" && shift 3 && exec "$@"' sh "$EWOE" "$T/etc/ewoe.conf" \
	"$T/guard.out" "$EWOE" $NODAEMONS verify $TUNNEL --expect-offload none
[ "$(grep -c '^block VXLAN .* unless it is ESP (xfrm policy \(out\|in\), priority 2000000000)$' "$T/guard.out")" -eq 2 ] ||
	fail "ewoe guard did not say it installed both policies: $(cat "$T/guard.out")"
[ "$(grep -c '^vxc6336402  *guard \(out\|in\) any->4789  *ok  *block, priority 2000000000  *block, priority above [0-9]* (the tunnel.s)$' "$T/stdout")" -eq 2 ] ||
	fail "the guards were not found below the tunnel's policies"
grep -q '^15 ok, 4 failed, 2 skipped$' "$T/stdout" || fail "wrong summary with policies and guards"

# Packet offload expected: the kernel's policies carry no offload, so out/in fail, fwd passes.
expect_exit 3 unshare -n sh "$T/policies.sh" "$EWOE" $NODAEMONS verify $TUNNEL --pf p0
[ "$(grep -c 'policy [a-z]* [a-z0-9>-]* offload  *FAIL  *none  *packet on p0$' "$T/stdout")" -eq 4 ] ||
	fail "missing policy offload not reported on the out and in policies"
[ "$(grep -c 'policy fwd [a-z0-9>-]* offload  *ok  *none  *none$' "$T/stdout")" -eq 2 ] ||
	fail "fwd policies must pass without offload"

# --- no CAP_NET_ADMIN: could not check, exit 1, saying so ---
expect_exit 1 setpriv --bounding-set=-net_admin --inh-caps=-all unshare -n "$EWOE" --json $NODAEMONS verify $TUNNEL
grep -q 'CAP_NET_ADMIN' "$T/stderr" || fail "missing capability not named"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]=="error" and "CAP_NET_ADMIN" in d["error"]' \
	"$T/stdout" || fail "error JSON"
# --- an absent PF is a finding of the report, not an error of verify ---
expect_exit 3 unshare -n "$EWOE" $NODAEMONS verify $TUNNEL --pf nosuch0
grep -q '^-  *mtu  *FAIL  *nosuch0 not found  *nosuch0 and pf0hpf present$' "$T/stdout" ||
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
