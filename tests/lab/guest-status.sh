#!/bin/sh
# ewoe status and ewoe metrics against real tunnels (runs inside the lab guest;
# test_lab_status.sh boots it). Three Arms on one underlay segment, each set up by `ewoe setup`
# from its config:
#   arm1: arm2 (up), arm3 (arm3 holds another PSK: AUTHENTICATION_FAILED), arm4 at 192.0.2.4,
#         where nothing answers (down)
#   arm2: arm1, arm3 (both up)     arm3: arm1 (the other PSK), arm2 (up)
# Asserts, on arm1 and arm2: each line's state (up, guarded, down, CRITICAL), the SAs, the
# ages, the cause with the last failure; the same verdicts as verify; the SAs' byte and packet
# counters, in status and in the metrics, rising with traffic; the kernel's XfrmOutPolBlock
# counting what the guards drop; promtool accepting the metrics of a live node. Then the
# troubleshooting examples (docs/troubleshooting.md): every guard deleted (CRITICAL, the
# unencrypted metric, and `ewoe guard` to repair), and the MTU too small (a node failure).
# shellcheck disable=SC2034 # topology.sh reads it
LAB_ARMS=3
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

BRIDGE=vxlan-br
CREDS=$LAB_RUN/creds
L2=$(lab_underlay_ip 2)
L3=$(lab_underlay_ip 3)
L4=$(lab_underlay_ip 4) # no Arm there

etc() { echo "$(lab_root "$1")/etc/ewoe"; }
conf() { echo "$(etc "$1")/ewoe.conf"; }

# write_config N PEER:ADDRESS:PSK...: arm N's config, a PSK peer per argument.
write_config() {
	n=$1
	shift
	d=$(etc "$n")
	mkdir -p "$d" && chmod 700 "$d" || return 1
	printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\nbridge = %s\noffload = none\n' \
		"$(lab_underlay_ip "$n")" "$BRIDGE" >"$(conf "$n")"
	for p in "$@"; do
		name=${p%%:*}
		rest=${p#*:}
		(umask 077 && cp "$CREDS/${rest#*:}" "$d/$name.psk") || return 1
		printf '\n[peer %s]\nremote = %s\nauth = psk\npsk-file = %s\n' "$name" "${rest%%:*}" \
			"$d/$name.psk" >>"$(conf "$n")"
	done
	chmod 600 "$(conf "$n")"
}

# status_on N LABEL [ARGS...]: ewoe status on arm N into $out ($LAB_LOGS/armN-status-LABEL),
# shown indented; its exit status in $rc.
status_on() {
	n=$1
	label=$2
	shift 2
	out=$LAB_LOGS/arm$n-status-$label
	rc=0
	lab_ewoe "$n" "$@" status --config "$(conf "$n")" >"$out" 2>"$out.err" || rc=$?
	sed 's/^/    /' "$out"
	[ ! -s "$out.err" ] || { cat "$out.err"; fail "$label: status on arm$n wrote to stderr"; }
}
# line_of PEER: the status line of PEER in $out.
line_of() { grep -E "^$1 " "$out" || fail "no line for $1 in $out"; }
# metrics_on N LABEL: ewoe metrics on arm N into $prom, checked by promtool.
metrics_on() {
	prom=$LAB_LOGS/arm$1-metrics-$2.prom
	lab_ewoe "$1" metrics --config "$(conf "$1")" --output "$prom" ||
		fail "$2: metrics on arm$1 exited $?"
	promtool check metrics <"$prom" >"$prom.promtool" 2>&1 ||
		fail "$2: promtool check metrics on arm$1: $(cat "$prom.promtool")"
	[ ! -s "$prom.promtool" ] || fail "$2: promtool on arm$1 said: $(cat "$prom.promtool")"
}
# sample NAME LABELS: the value of one sample in $prom.
sample() {
	v=$(grep -F "$1{$2} " "$prom" | awk '{ print $2 }')
	[ -n "$v" ] || fail "no sample $1{$2} in $prom"
	echo "$v"
}
# json_field N LABEL PEER EXPR: a field of PEER's tunnel in status --json on arm N.
status_json() {
	lab_ewoe "$1" --json status --config "$(conf "$1")" >"$LAB_LOGS/arm$1-status-$2.json" 2>&1 ||
		[ $? -eq 3 ] || fail "$2: status --json on arm$1 failed: $(cat "$LAB_LOGS/arm$1-status-$2.json")"
	json=$LAB_LOGS/arm$1-status-$2.json
}
field() { # PEER PYTHON-EXPR over t (the tunnel) in $json
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t, = [t for t in d["tunnels"] if t["peer"] == sys.argv[2]]
print(eval(sys.argv[3]))' "$json" "$1" "$2"
}

command -v promtool >/dev/null 2>&1 || fail "no promtool (scripts/install-deps.sh installs it)"

step "lab up: three Arms on one segment"
lab_up || fail "lab_up failed"
mkdir -p "$CREDS" && chmod 700 "$CREDS"
for k in p12 p23 p13a p13b p14; do
	(umask 077 && head -c 32 /dev/urandom >"$CREDS/$k.psk") || fail "making the PSKs"
done
write_config 1 "arm2:$L2:p12.psk" "arm3:$L3:p13a.psk" "arm4:$L4:p14.psk" &&
	write_config 2 "arm1:$(lab_underlay_ip 1):p12.psk" "arm3:$L3:p23.psk" &&
	write_config 3 "arm1:$(lab_underlay_ip 1):p13b.psk" "arm2:$L2:p23.psk" ||
	fail "writing the configs"
# The metrics read the kernel's IPsec error counters through --root (the seam tests use for a
# fixture): here, each Arm's own network namespace's.
for n in 1 2 3; do
	mkdir -p "$(lab_root "$n")/proc/net" &&
		ln -sf /proc/net/xfrm_stat "$(lab_root "$n")/proc/net/xfrm_stat" || fail "proc link"
done
[ -r /proc/net/xfrm_stat ] || fail "this kernel keeps no IPsec error counters (CONFIG_XFRM_STATISTICS)"

step "setup: arm3, arm2, then arm1 (the lower address initiates)"
run_logged arm3-setup lab_ewoe 3 setup --config "$(conf 3)" --no-verify || fail "setup on arm3 exited $rc"
run_logged arm2-setup lab_ewoe 2 setup --config "$(conf 2)" --no-verify || fail "setup on arm2 exited $rc"
t0=$(date +%s)
run_logged arm1-setup lab_ewoe 1 --timeout 8 setup --config "$(conf 1)" || true
[ "$rc" -eq 1 ] || fail "setup on arm1 exited $rc, expected 1 (arm3 and arm4 fail)"
grep -q 'AUTHENTICATION_FAILED' "$LAB_LOGS/arm1-setup.log" || fail "setup did not name the wrong PSK"
echo "  arm1's setup took $(($(date +%s) - t0))s"
assert_ping

step "status on arm1: arm3 and arm4 guarded, arm2 up, worst first"
status_on 1 first
[ "$rc" -eq 3 ] || fail "status on arm1 exited $rc, expected 3"
head -n 1 "$out" | grep -Eq '^PEER +REMOTE +STATE +SAS +OFFLOAD +IN +OUT +IKE_SA +CHILD +CAUSE$' || fail "no header"
[ "$(sed -n '2,4s/ .*//p' "$out" | tr '\n' ' ')" = "arm3 arm4 arm2 " ] ||
	fail "not worst first, in the config's order within a state: $(sed -n '2,4s/ .*//p' "$out" | tr '\n' ' ')"
line_of arm2 | grep -Eq "^arm2 +$L2 +up +4/4 +none +[0-9.]+[KMG]?i?B/[0-9.]+k? +[0-9.]+[KMG]?i?B/[0-9.]+k? +[0-9]+[smhd][0-9hm]* +[0-9]+[smhd][0-9hm]* +-$" ||
	fail "arm2's line: $(line_of arm2)"
line_of arm3 | grep -Eq "^arm3 +$L3 +guarded +0/4 +- +0B/0 +0B/0 +- +- +no IKE_SA with $L3; last failure, [0-9]+ min ago: ewoe-arm3: IKE with $L3 failed: the peer answered AUTHENTICATION_FAILED" ||
	fail "arm3's line: $(line_of arm3)"
line_of arm4 | grep -Eq "^arm4 +$L4 +guarded +0/4 +- .* no IKE_SA with $L4; last failure, [0-9]+ min ago: ewoe-arm4: no IKE_SA with $L4 after 8 s" ||
	fail "arm4's line: $(line_of arm4)"
tail -n 1 "$out" | grep -q '^3 peers: 1 up, 0 degraded, 2 guarded, 0 down; [0-9]* failed checks' ||
	fail "summary: $(tail -n 1 "$out")"

# The same verdicts as verify's, tunnel by tunnel (down is guarded when the guard holds).
status_json 1 first
lab_ewoe 1 --json verify --config "$(conf 1)" >"$LAB_LOGS/arm1-verify-first.json" 2>/dev/null || true
python3 - "$json" "$LAB_LOGS/arm1-verify-first.json" <<'EOF' || fail "status and verify disagree"
import json, sys
s = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[2]))
assert s["schema"] == "ewoe-status/1" and s["result"] == "problems", s["result"]
want = {t["peer"]: t["state"] for t in v["tunnels"]}
for t in s["tunnels"]:
    state = t["state"] if t["state"] != "guarded" else "down"
    assert state == want[t["peer"]], (t["peer"], t["state"], want[t["peer"]])
    assert (t["cause"] is None) == (t["state"] == "up"), t
up, = [t for t in s["tunnels"] if t["state"] == "up"]
assert up["peer"] == "arm2" and up["sas"] == 4 and up["offload"] == "none", up
assert up["ike"]["established"] and up["ike"]["children"] == 2, up
assert 0 <= up["ike"]["ike_sa_age_seconds"] < 600 and 0 <= up["ike"]["child_sa_age_seconds"] < 600, up
arm3, = [t for t in s["tunnels"] if t["peer"] == "arm3"]
assert "AUTHENTICATION_FAILED" in arm3["last_failure"]["text"], arm3
assert arm3["ike"]["established"] is False and arm3["sas"] == 0, arm3
print("  status and verify agree: %s" % ", ".join("%s %s" % (t["peer"], t["state"]) for t in s["tunnels"]))
EOF

step "status on arm2: both tunnels up, exit 0"
status_on 2 healthy
[ "$rc" -eq 0 ] || fail "status on arm2 exited $rc, expected 0"
[ "$(grep -Ec '^arm[13] +[0-9.]+ +up +4/4 ' "$out")" -eq 2 ] || fail "arm2's tunnels are not both up"
tail -n 1 "$out" | grep -qx '2 peers: 2 up, 0 degraded, 0 guarded, 0 down' || fail "summary on arm2"
status_on 2 quiet -q
[ "$rc" -eq 0 ] && [ ! -s "$out" ] || fail "status -q on a healthy node printed something (exit $rc)"
metrics_on 2 healthy
[ "$(sample ewoe_tunnels 'state="up"')" = 2 ] || fail "ewoe_tunnels up on arm2"
grep -q '^ewoe_setup_last_success_timestamp_seconds [0-9]*$' "$prom" ||
	fail "arm2's successful setup is not in its metrics"
[ "$(sample ewoe_daemon_up 'daemon="charon"')" = 1 ] || fail "charon not answering on arm2"

step "counters rise with traffic (status and metrics on arm1)"
metrics_on 1 before
status_json 1 before
out_b=$(field arm2 't["out"]["bytes"]') out_p=$(field arm2 't["out"]["packets"]')
in_b=$(field arm2 't["in"]["bytes"]') in_p=$(field arm2 't["in"]["packets"]')
m_out=$(sample ewoe_tunnel_esp_packets_total "peer=\"arm2\",remote=\"$L2\",direction=\"out\"")
m_in=$(sample ewoe_tunnel_esp_bytes_total "peer=\"arm2\",remote=\"$L2\",direction=\"in\"")
blocked=$(sample ewoe_xfrm_errors_total 'error="XfrmOutPolBlock"')
[ "$(sample ewoe_tunnel_up "peer=\"arm2\",remote=\"$L2\"")" = 1 ] || fail "arm2 not up in the metrics"
[ "$(sample ewoe_tunnel_state "peer=\"arm3\",remote=\"$L3\",state=\"guarded\"")" = 1 ] ||
	fail "arm3 not guarded in the metrics"
[ "$(sample ewoe_tunnel_offload_info "peer=\"arm2\",remote=\"$L2\",mode=\"none\",device=\"\"")" = 1 ] ||
	fail "arm2's offload in the metrics"
grep -q "^ewoe_tunnel_last_failure_timestamp_seconds{peer=\"arm3\"" "$prom" || fail "arm3's last failure"
grep -q "^ewoe_tunnel_ike_sa_established_timestamp_seconds{peer=\"arm2\"" "$prom" || fail "arm2's IKE_SA time"
grep -q '^ewoe_setup_last_success_timestamp_seconds' "$prom" &&
	fail "arm1's setup failed, yet its metrics have a successful setup"
in_host 1 ping -c 20 -i 0.1 -W 2 "$(lab_overlay_ip 2)" >/dev/null || fail "pings host1 -> host2"
assert_tcp_transfer 256
# host3 sits behind arm3's tunnel, which is down: ARP for it floods into every VXLAN port,
# and the guards of arm3 and arm4 drop those copies (XfrmOutPolBlock).
in_host 1 ping -c 3 -i 0.2 -W 1 "$(lab_overlay_ip 3)" >/dev/null 2>&1 && fail "host1 reaches host3"
status_json 1 after
metrics_on 1 after
out_b2=$(field arm2 't["out"]["bytes"]') out_p2=$(field arm2 't["out"]["packets"]')
in_b2=$(field arm2 't["in"]["bytes"]') in_p2=$(field arm2 't["in"]["packets"]')
m_out2=$(sample ewoe_tunnel_esp_packets_total "peer=\"arm2\",remote=\"$L2\",direction=\"out\"")
m_in2=$(sample ewoe_tunnel_esp_bytes_total "peer=\"arm2\",remote=\"$L2\",direction=\"in\"")
blocked2=$(sample ewoe_xfrm_errors_total 'error="XfrmOutPolBlock"')
echo "  status arm2: out $out_p -> $out_p2 packets, $out_b -> $out_b2 bytes; in $in_p -> $in_p2 packets, $in_b -> $in_b2 bytes"
echo "  metrics arm2: out $m_out -> $m_out2 packets, in $m_in -> $m_in2 bytes; XfrmOutPolBlock $blocked -> $blocked2"
# 20 pings each way, and 256 KiB to host2 (one ESP packet per segment at least).
[ "$((out_p2 - out_p))" -ge 200 ] || fail "arm2's out packets rose by $((out_p2 - out_p))"
[ "$((in_p2 - in_p))" -ge 20 ] || fail "arm2's in packets rose by $((in_p2 - in_p))"
[ "$((out_b2 - out_b))" -ge 262144 ] || fail "arm2's out bytes rose by $((out_b2 - out_b))"
[ "$((in_b2 - in_b))" -gt 0 ] || fail "arm2's in bytes did not rise"
[ "$((m_out2 - m_out))" -ge 200 ] || fail "the out packets metric rose by $((m_out2 - m_out))"
[ "$((m_in2 - m_in))" -gt 0 ] || fail "the in bytes metric did not rise"
[ "$blocked2" -gt "$blocked" ] || fail "XfrmOutPolBlock did not count what the guards dropped"
[ "$(field arm3 't["in"]["packets"] + t["out"]["packets"]')" -eq 0 ] || fail "arm3 carried packets"

step "troubleshooting: every guard deleted on arm1 (CRITICAL), then 'ewoe guard'"
in_arm 1 ip xfrm policy deleteall priority 2000000000 || fail "deleting the guards"
status_on 1 no-guard
[ "$rc" -eq 3 ] || fail "status without guards exited $rc"
line_of arm3 | grep -Eq "^arm3 +$L3 +CRITICAL +0/4 .* VXLAN to and from $L3 passes UNENCRYPTED: no IPsec policy and no guard" ||
	fail "arm3 without its guard: $(line_of arm3)"
line_of arm4 | grep -Eq "^arm4 +$L4 +CRITICAL " || fail "arm4 without its guard: $(line_of arm4)"
line_of arm2 | grep -Eq "^arm2 +$L2 +degraded +4/4 .* the guard is missing \(both ways\)" ||
	fail "arm2 without its guard: $(line_of arm2)"
tail -n 1 "$out" | grep -q '^3 peers: 0 up, 1 degraded, 0 guarded, 2 down, VXLAN UNENCRYPTED with 2; ' ||
	fail "summary without guards: $(tail -n 1 "$out")"
metrics_on 1 no-guard
[ "$(sample ewoe_tunnel_unencrypted "peer=\"arm3\",remote=\"$L3\"")" = 1 ] || fail "unencrypted metric"
[ "$(sample ewoe_tunnels 'state="down"')" = 2 ] || fail "ewoe_tunnels down"
run_logged arm1-guard lab_ewoe 1 guard --config "$(conf 1)" || fail "ewoe guard exited $rc"
status_on 1 guard-back
[ "$(sed -n '2,4s/^\([a-z0-9]*\) *[0-9.]* *\([a-zA-Z]*\).*/\1 \2/p' "$out" | tr '\n' ' ')" = "arm3 guarded arm4 guarded arm2 up " ] ||
	fail "'ewoe guard' did not bring the states back"

step "troubleshooting: the PF's MTU left at 1500 (a node failure)"
in_arm 1 ip link set p0 mtu 1500 || fail "lowering p0's MTU"
status_on 1 mtu
[ "$rc" -eq 3 ] || fail "status with a too small MTU exited $rc"
grep -q '^(node) mtu: found p0 1500, pf0hpf 1500, expected p0 >= 1550 (pf0hpf + 50); fix: ' "$out" ||
	fail "the MTU is not named as the node's failure"
line_of arm2 | grep -Eq "^arm2 +$L2 +up " || fail "the MTU changed arm2's verdict: $(line_of arm2)"
metrics_on 1 mtu
grep -qx 'ewoe_node_failed_checks 1' "$prom" || fail "ewoe_node_failed_checks"
in_arm 1 ip link set p0 mtu "$LAB_UNDERLAY_MTU" || fail "restoring p0's MTU"
status_on 1 mtu-back
grep -q '^(node)' "$out" && fail "the MTU failure stays after the repair"
step "PASS"
