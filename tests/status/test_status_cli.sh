#!/bin/sh
# ewoe status and ewoe metrics against this machine's kernel, each run in a fresh network
# namespace with no daemons: the output's shape, the states verify's verdicts give (down,
# CRITICAL, guarded), exit codes, what is read under --root (the last failure, the last
# successful setup, the kernel's IPsec error counters) and the atomic --output.
. "$EWOE_SRC/tests/lib.sh"
need_root
need_cmd unshare
need_cmd ip
need_cmd python3
need_cmd setpriv

L=192.0.2.1
R=198.51.100.2
NODAEMONS="--db unix:$T/no-db.sock --vici unix://$T/no-charon.vici --timeout 2"
mkdir -p "$T/etc" && chmod 700 "$T/etc"
(umask 077 && head -c 32 /dev/urandom >"$T/etc/k.psk")
cat >"$T/etc/ewoe.conf" <<EOC
[node]
pf = p0
address = $L/24
offload = none

[peer arm2]
remote = $R
auth = psk
psk-file = $T/etc/k.psk

[peer arm3]
remote = 203.0.113.3
auth = psk
psk-file = $T/etc/k.psk
EOC
chmod 600 "$T/etc/ewoe.conf"
CONF="--config $T/etc/ewoe.conf"

# --- bad arguments: exit 2, one line, nothing on stdout ---
for c in status metrics; do
	expect_exit 2 "$EWOE" $c $CONF stray
	grep -q "unexpected argument 'stray'" "$T/stderr" || fail "$c: stray argument not named"
	expect_exit 2 "$EWOE" $c --bogus
	expect_exit 2 "$EWOE" $c --local $L
	grep -q -- '--local and --remote' "$T/stderr" || fail "$c: missing --remote not named"
	expect_exit 2 "$EWOE" $c $CONF --expect-offload auto
	expect_exit 2 "$EWOE" $c --config "$T/missing.conf"
	[ ! -s "$T/stdout" ] || fail "$c: a usage error wrote to stdout"
done
expect_exit 2 "$EWOE" --json metrics $CONF
grep -q -- '--json does not apply' "$T/stderr" || fail "metrics --json not refused"
expect_exit 2 "$EWOE" metrics $CONF --output ''
[ ! -s "$T/stdout" ] || fail "a usage error wrote to stdout"

# --- an empty namespace: no PF, no policy, no guard, no daemon: both CRITICAL, exit 3 ---
expect_exit 3 unshare -n "$EWOE" $NODAEMONS status $CONF
head -n 1 "$T/stdout" | grep -Eq '^PEER +REMOTE +STATE +SAS +OFFLOAD +IN +OUT +IKE_SA +CHILD +CAUSE$' ||
	fail "no header"
grep -Eq "^arm2 +$R +CRITICAL +0/4 +- +0B/0 +0B/0 +\\? +\\? +VXLAN to and from $R passes UNENCRYPTED" \
	"$T/stdout" || fail "arm2 is not CRITICAL with 0 of 4 SAs"
grep -Eq '^arm3 +203\.0\.113\.3 +CRITICAL ' "$T/stdout" || fail "arm3 is not CRITICAL"
grep -q '^(node) link pf: found p0 not found, expected p0 up; fix: ' "$T/stdout" ||
	fail "the node's failed checks are not shown"
tail -n 1 "$T/stdout" | grep -q '^2 peers: 0 up, 0 degraded, 0 guarded, 2 down, VXLAN UNENCRYPTED with 2; [0-9]* failed checks' ||
	fail "wrong summary: $(tail -n 1 "$T/stdout")"
[ ! -s "$T/stderr" ] || fail "status wrote to stderr: $(cat "$T/stderr")"
grep -q "$(printf '\033')" "$T/stdout" && fail "colour codes when not on a terminal"

# The same as JSON: one document on stdout, the documented fields.
expect_exit 3 unshare -n "$EWOE" $NODAEMONS --json status $CONF
python3 - "$T/stdout" <<'EOF' || fail "status JSON does not match the schema"
import json, sys
d = json.load(open(sys.argv[1]))  # the whole stdout is one document
assert d["schema"] == "ewoe-status/1", d["schema"]
assert d["result"] == "problems" and d["expect_offload"] == "none"
assert [t["peer"] for t in d["tunnels"]] == ["arm2", "arm3"], d["tunnels"]
for t in d["tunnels"]:
    assert set(t) == {"peer", "remote", "state", "critical", "sas", "sas_extra", "offload",
                      "offload_device", "in", "out", "ike", "failed_checks", "cause", "fix",
                      "last_failure"}, sorted(t)
    assert t["state"] == "down" and t["critical"] is True and t["sas"] == 0, t
    assert t["in"] == {"bytes": 0, "packets": 0} and t["ike"] is None, t
    assert t["offload"] is None and "UNENCRYPTED" in t["cause"] and t["fix"], t
assert [n["item"] for n in d["node"]] == ["link pf", "link representor", "link address", "mtu"]
s = d["summary"]
assert (s["peers"], s["up"], s["down"], s["guarded"], s["critical"]) == (2, 0, 2, 0, 2), s
assert s["failed_checks"] > 20, s
EOF

# --- the kernel's policies and ewoe's guards: down but guarded, or down without the guard ---
cat >"$T/node.sh" <<EOF
set -e
ip link add p0 type veth peer name pf0hpf
ip link set p0 mtu 1550 up
ip link set pf0hpf up
ip addr add $L/24 dev p0
pol() {
	ip xfrm policy add src \$2/32 dst \$3/32 proto udp \$4 dir \$1 \\
		tmpl src \$2 dst \$3 proto esp reqid \$5 mode transport
}
pol out $L $R "dport 4789" 1
pol in $R $L "sport 4789" 1
pol in $R $L "dport 4789" 2
pol out $L $R "sport 4789" 2
[ "\${GUARD:-1}" = 0 ] || "$EWOE" guard $CONF >/dev/null 2>&1
exec "\$@"
EOF
expect_exit 3 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS status $CONF
grep -Eq "^arm2 +$R +guarded +0/4 +- " "$T/stdout" ||
	fail "a tunnel down behind its guard is not 'guarded'"
# arm3 has its guard and no policy: no VXLAN in the clear either
grep -Eq '^arm3 +203\.0\.113\.3 +guarded ' "$T/stdout" || fail "arm3 is not guarded"
grep -q '^2 peers: 0 up, 0 degraded, 2 guarded, 0 down; ' "$T/stdout" || fail "wrong summary"
grep -q '^(node)' "$T/stdout" && fail "a node whose PF is up shows node failures"
# Worst first: arm3 (no policy, guarded) keeps its place behind arm2, the same state.
[ "$(sed -n '2s/ .*//p' "$T/stdout")" = arm2 ] || fail "guarded tunnels not in the config's order"
# Without the guards: arm2's policies still drop VXLAN (no SA), but not by the guard: down.
expect_exit 3 env GUARD=0 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS status $CONF
grep -Eq "^arm3 +203\\.0\\.113\\.3 +CRITICAL " "$T/stdout" || fail "arm3 without a guard is not CRITICAL"
grep -Eq "^arm2 +$R +down " "$T/stdout" || fail "arm2 without its guard is not down"
[ "$(sed -n '2s/ .*//p' "$T/stdout")" = arm3 ] || fail "the unencrypted tunnel is not first"
# Quiet: the same lines (none is up), no header when nothing is printed otherwise
expect_exit 3 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS -q status $CONF
[ "$(grep -c '^arm' "$T/stdout")" -eq 2 ] || fail "-q dropped a tunnel that is not up"

# --- --local/--remote, as verify takes them ---
expect_exit 3 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS status --local $L --remote $R \
	--name bfr --expect-offload none
grep -Eq "^bfr +$R +guarded " "$T/stdout" || fail "status --local/--remote --name"

# --- what is read under --root: the last failure, the last setup, the IPsec error counters ---
ROOT=$T/root
mkdir -p "$ROOT/run/ewoe/failures" "$ROOT/proc/net"
printf 'ewoe-arm2: IKE with %s failed: the peer answered AUTHENTICATION_FAILED\n' "$R" \
	>"$ROOT/run/ewoe/failures/arm2"
touch -d '@1700000000' "$ROOT/run/ewoe/failures/arm2"
: >"$ROOT/run/ewoe/setup-ok"
touch -d '@1700000100' "$ROOT/run/ewoe/setup-ok"
printf 'XfrmInError             \t0\nXfrmInNoStates          \t5\nXfrmOutPolBlock         \t12\n' \
	>"$ROOT/proc/net/xfrm_stat"
expect_exit 3 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS --root "$ROOT" status $CONF
grep -Eq "^arm2 .*guarded .*the IKE daemon does not answer at [^ ]*; last failure [0-9a-z]+ ago: ewoe-arm2: IKE with $R failed: the peer answered AUTHENTICATION_FAILED$" \
	"$T/stdout" || fail "the recorded failure is not in arm2's cause"
expect_exit 3 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS --root "$ROOT" --json status $CONF
python3 - "$T/stdout" <<'EOF' || fail "the recorded failure is not in the JSON"
import json, sys, time
d = json.load(open(sys.argv[1]))
t = d["tunnels"][0]
assert t["peer"] == "arm2" and "AUTHENTICATION_FAILED" in t["last_failure"]["text"], t
assert abs(t["last_failure"]["age_seconds"] - (time.time() - 1700000000)) < 60, t
assert d["tunnels"][1]["last_failure"] is None
EOF
expect_exit 0 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS --root "$ROOT" metrics $CONF
cp "$T/stdout" "$T/fixture.prom"
grep -qx 'ewoe_xfrm_errors_total{error="XfrmInNoStates"} 5' "$T/stdout" ||
	fail "the IPsec error counters were not read under --root"
grep -qx 'ewoe_xfrm_errors_total{error="XfrmOutPolBlock"} 12' "$T/stdout" || fail "XfrmOutPolBlock"
grep -qx 'ewoe_setup_last_success_timestamp_seconds 1700000100' "$T/stdout" ||
	fail "the last successful setup is not its file's time"
grep -qx "ewoe_tunnel_last_failure_timestamp_seconds{peer=\"arm2\",remote=\"$R\"} 1700000000" \
	"$T/stdout" || fail "the last failure's time"
grep -qx "ewoe_tunnel_state{peer=\"arm2\",remote=\"$R\",state=\"guarded\"} 1" "$T/stdout" ||
	fail "arm2's state metric"
grep -qx 'ewoe_tunnels{state="guarded"} 2' "$T/stdout" || fail "the tunnels by state"
grep -qx 'ewoe_daemon_up{daemon="charon"} 0' "$T/stdout" || fail "charon counted as answering"
grep -q '^ewoe_tunnel_child_sas_installed' "$T/stdout" &&
	fail "CHILD_SAs reported while charon did not answer"
# Without the fixture, this namespace's own counters (/proc/net/xfrm_stat) when the kernel
# keeps them.
expect_exit 0 unshare -n "$EWOE" $NODAEMONS metrics $CONF
if [ -r /proc/net/xfrm_stat ]; then
	grep -q '^ewoe_xfrm_errors_total{error="XfrmInNoStates"} 0$' "$T/stdout" ||
		fail "this namespace's IPsec error counters are not in the metrics"
fi
grep -q '^ewoe_setup_last_success_timestamp_seconds' "$T/stdout" &&
	fail "a setup time without a successful setup"

# --- --output: the file replaced whole, 0644, nothing else left in its directory ---
mkdir "$T/prom"
echo stale >"$T/prom/ewoe.prom"
ino0=$(stat -c %i "$T/prom/ewoe.prom")
expect_exit 0 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS --root "$ROOT" metrics $CONF \
	--output "$T/prom/ewoe.prom"
[ ! -s "$T/stdout" ] || fail "metrics --output wrote to stdout"
[ ! -s "$T/stderr" ] || fail "metrics --output wrote to stderr: $(cat "$T/stderr")"
cmp -s "$T/prom/ewoe.prom" "$T/fixture.prom" || fail "the file differs from what stdout got"
[ "$(stat -c %a "$T/prom/ewoe.prom")" = 644 ] || fail "the metrics file is not 0644"
[ "$(stat -c %i "$T/prom/ewoe.prom")" != "$ino0" ] || fail "the file was rewritten in place, not renamed over"
[ "$(ls "$T/prom")" = ewoe.prom ] || fail "left in the directory: $(ls "$T/prom")"
expect_exit 1 unshare -n "$EWOE" $NODAEMONS metrics $CONF --output "$T/absent/ewoe.prom"
grep -q "$T/absent/ewoe.prom" "$T/stderr" || fail "an unwritable --output is not named"

# --- no CAP_NET_ADMIN: could not check, exit 1; the JSON says so, the file is left as it was ---
expect_exit 1 setpriv --bounding-set=-net_admin --inh-caps=-all unshare -n "$EWOE" $NODAEMONS \
	--json status $CONF
grep -q 'CAP_NET_ADMIN' "$T/stderr" || fail "missing capability not named"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="ewoe-status/1" and d["result"]=="error" and "CAP_NET_ADMIN" in d["error"]' \
	"$T/stdout" || fail "error JSON: $(cat "$T/stdout")"
cp "$T/prom/ewoe.prom" "$T/before.prom"
expect_exit 1 setpriv --bounding-set=-net_admin --inh-caps=-all unshare -n "$EWOE" $NODAEMONS \
	metrics $CONF --output "$T/prom/ewoe.prom"
cmp -s "$T/prom/ewoe.prom" "$T/before.prom" || fail "a failed run changed the metrics file"

# --- a report that cannot be written is a failure ---
if [ -w /dev/full ]; then
	rc=0
	unshare -n "$EWOE" $NODAEMONS status $CONF >/dev/full 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 1 ] || fail "status into a full disk exited $rc, expected 1"
	rc=0
	unshare -n "$EWOE" $NODAEMONS metrics $CONF >/dev/full 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 1 ] || fail "metrics into a full disk exited $rc, expected 1"
fi
pass
