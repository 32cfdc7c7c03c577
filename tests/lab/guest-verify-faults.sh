#!/bin/sh
# verify tells the truth (runs inside the lab guest; test_lab_verify_faults.sh boots it). One
# tunnel arm1 <-> arm2 from ewoe.conf; each fault a support engineer meets is injected in turn,
# then, on the arm that sees it:
#   - ewoe verify exits 3, its headline for the tunnel (or the node) names the root cause, and
#     its fix names the command that repairs it;
#   - that repair (`ewoe setup`, or starting the daemon as its unit does) brings verify on both
#     arms back to 0 and the overlay back, and its time is recorded.
# Faults: charon SIGKILLed; the representor down; the PF's address removed; one ESP SA deleted
# under charon; the out policy deleted (the guard holds: 0 plaintext on the wire); the out
# policy and the guard deleted (CRITICAL, JSON severity critical); charon stopped; the peer's
# charon stopped; the PSK changed on the peer only; the peer forgot the IKE_SA (its charon
# restarted); and teardown while the peer has forgotten it (no 30 s wait, nothing left).
. "$LAB_DIR/guest-lib.sh"
. "$LAB_DIR/guest-node.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

# shellcheck disable=SC2034 # guest-node.sh reads it
BRIDGE=vxlan-br
CREDS=$LAB_RUN/creds
RESULTS=$LAB_LOGS/verify-faults.txt
L1=$(lab_underlay_ip 1)
L2=$(lab_underlay_ip 2)

# expect_verdict N LABEL REGEX [FIX_REGEX]: verify on arm N exits 3 and prints REGEX (extended,
# anchored at a line's start) as a headline, followed by its fix matching FIX_REGEX.
expect_verdict() {
	out=$LAB_LOGS/arm$1-verify-$2.log
	rc=0
	lab_ewoe "$1" verify --config "$(conf "$1")" >"$out" 2>&1 || rc=$?
	sed 's/^/    /' "$out"
	[ "$rc" -eq 3 ] || fail "$2: verify on arm$1 exited $rc, expected 3"
	grep -Eq "^$3" "$out" || fail "$2: no headline matching '$3' on arm$1"
	if [ -n "${4:-}" ]; then
		grep -A1 -E "^$3" "$out" | grep -Eq "^ +fix: $4" ||
			fail "$2: the headline's fix does not match '$4'"
	fi
	headline=$(grep -E "^$3" "$out" | head -n 1)
}

# repaired LABEL START: the overlay carries pings and verify is clean on both arms; the time
# since START (date +%s.%N) and the headline go into the results.
repaired() {
	lab_wait 40 "the overlay back ($1)" in_host 1 ping -c 1 -W 1 "$(lab_overlay_ip 2)" ||
		fail "$1: host1 does not reach host2 after the repair"
	for n in 1 2; do verify_clean "$n" "$1-repaired"; done
	took=$(echo "$(date +%s.%N) $2" | awk '{ printf "%.1f", $1 - $2 }')
	printf '%s | %s | %s s\n' "$1" "$(echo "$headline" | tr -s ' ')" "$took" >>"$RESULTS"
	echo "  repaired in ${took}s, verify clean on both arms"
}

now() { date +%s.%N; }

step "lab up"
lab_up || fail "lab_up failed"
mkdir -p "$CREDS" && chmod 700 "$CREDS"
(umask 077 && head -c 32 /dev/urandom >"$CREDS/good.psk" &&
	head -c 32 /dev/urandom >"$CREDS/other.psk") || fail "making the PSKs"
: >"$RESULTS"
for n in 2 1; do
	write_config "$n" good.psk || fail "writing arm$n's config"
	setup_on setup "$n" || [ "$rc" -eq 3 ] || fail "setup on arm$n exited $rc"
done
for n in 1 2; do verify_clean "$n" healthy; done
lab_ewoe 1 verify --config "$(conf 1)" >"$LAB_LOGS/arm1-verify-healthy.log" 2>&1
# A healthy node: one line per tunnel and the summary, nothing else.
[ "$(grep -c . "$LAB_LOGS/arm1-verify-healthy.log")" -eq 4 ] ||
	fail "a healthy verify is not a header, one line per tunnel and the summary: $(cat "$LAB_LOGS/arm1-verify-healthy.log")"
grep -Eq "^arm2 +up +$L2 " "$LAB_LOGS/arm1-verify-healthy.log" || fail "the healthy tunnel is not 'up'"

step "charon SIGKILLed on arm1"
charon_kill 1
expect_verdict 1 charon-killed "arm2 +DEGRADED +$L2 +the IKE daemon does not answer at unix://[^ ]*: the kernel's SAs carry traffic" \
	"start strongSwan"
t0=$(now)
charon_start 1 || fail "starting charon on arm1"
lab_wait 30 "arm1's charon to re-establish" sh -c \
	"ip netns exec arm1 env STRONGSWAN_CONF=$LAB_RUN/swanctl-strongswan.conf swanctl --list-sas --uri $(lab_vici 1) | grep -q INSTALLED" ||
	fail "arm1's restarted charon did not bring the tunnel back"
# The killed charon's SAs are still in the kernel: verify sees them, setup removes them.
expect_verdict 1 charon-killed-orphans "arm2 +DEGRADED +$L2 +[0-9]+ ESP SAs between the tunnel's addresses that no IKE_SA owns" \
	"'ewoe setup' removes them"
setup_on repair-orphans 1 || fail "setup on arm1 exited $rc"
repaired "charon SIGKILLed" "$t0"

step "representor pf0hpf down on arm1"
in_arm 1 ip link set pf0hpf down
expect_verdict 1 rep-down "arm2 +DOWN +$L2 +the host representor pf0hpf is down" \
	"'ewoe setup' sets the representor up"
t0=$(now)
setup_on repair-rep 1 || fail "setup on arm1 exited $rc"
repaired "representor down" "$t0"

step "the PF's underlay address removed on arm1"
in_arm 1 ip addr del "$L1/24" dev p0
expect_verdict 1 address-gone "arm2 +DOWN +$L2 +the PF p0 does not hold the underlay address $L1" \
	"'ewoe setup' adds the underlay address to p0"
t0=$(now)
setup_on repair-address 1 || fail "setup on arm1 exited $rc"
repaired "PF address removed" "$t0"

step "one ESP SA deleted under charon on arm1"
spi=$(in_arm 1 ip xfrm state | awk -v s="$L1" -v d="$L2" '$1 == "src" { m = $2 == s && $4 == d } m && /spi/ { print $4; exit }')
[ -n "$spi" ] || fail "no outbound SA to delete"
in_arm 1 ip xfrm state delete src "$L1" dst "$L2" proto esp spi "$spi" || fail "deleting SA $spi"
expect_verdict 1 sa-deleted "arm2 +DOWN +$L2 +charon has the tunnel's CHILD_SAs, but the kernel lacks 1 SA and 0 policies: removed behind charon's back" \
	"'ewoe setup' re-establishes the CHILD_SAs"
t0=$(now)
setup_on repair-sa 1 || fail "setup on arm1 exited $rc"
grep -q "^re-establish the tunnel with $L2 (peer arm2): the kernel lacks SAs charon installed" \
	"$LAB_LOGS/arm1-repair-sa.log" || fail "setup did not say it re-establishes the tunnel"
repaired "one ESP SA deleted" "$t0"

step "the out policy deleted on arm1: the guard holds, nothing in the clear"
capture_start
in_arm 1 ip xfrm policy delete src "$L1/32" dst "$L2/32" proto udp dport 4789 dir out ||
	fail "deleting the out policy"
in_host 1 ping -c 5 -i 0.2 -W 1 "$(lab_overlay_ip 2)" >/dev/null 2>&1 || true
capture_stop policy-deleted
plain=$(tcpdump -nn -r "$LAB_RUN/p0.pcap" 'udp port 4789' 2>/dev/null | wc -l)
[ "$plain" -eq 0 ] || fail "$plain plaintext VXLAN packets with the out policy deleted and the guard in place"
expect_verdict 1 policy-deleted "arm2 +DOWN +$L2 +charon has the tunnel's CHILD_SAs, but the kernel lacks 0 SAs and 1 policy" \
	"'ewoe setup' re-establishes the CHILD_SAs"
t0=$(now)
setup_on repair-policy 1 || fail "setup on arm1 exited $rc"
repaired "out policy deleted (guard in place)" "$t0"

step "the out policy and the out guard deleted on arm1: CRITICAL"
in_arm 1 ip xfrm policy delete src "$L1/32" dst "$L2/32" proto udp dport 4789 dir out ||
	fail "deleting the out policy"
in_arm 1 ip xfrm policy deleteall dir out priority 2000000000 || fail "deleting the out guard"
expect_verdict 1 plaintext "arm2 +CRITICAL +$L2 +VXLAN to $L2 passes UNENCRYPTED: no IPsec policy and no guard" \
	"'ewoe guard' blocks it at once"
lab_ewoe 1 --json verify --config "$(conf 1)" >"$LAB_LOGS/arm1-verify-plaintext.json" 2>/dev/null
python3 - "$LAB_LOGS/arm1-verify-plaintext.json" <<'PY' || fail "JSON does not flag the plaintext path critical"
import json, sys
d = json.load(open(sys.argv[1]))
crit = sorted(c["item"] for c in d["checks"] if c["severity"] == "critical")
assert crit == ["guard out any->4789", "policy out any->4789"], crit
t, = d["tunnels"]
assert t["critical"] and t["state"] == "down", t
assert d["summary"]["critical"] == 1, d["summary"]
PY
t0=$(now)
setup_on repair-plaintext 1 || fail "setup on arm1 exited $rc"
assert_guards 1 2 "after the repair"
repaired "out policy and guard deleted (critical)" "$t0"

step "charon stopped on arm1"
charon_stop 1
expect_verdict 1 charon-stopped "arm2 +DOWN +$L2 +the IKE daemon does not answer at unix://" "start strongSwan"
rc=0
ewoe_on setup-no-charon 1 setup --config "$(conf 1)" || rc=$?
[ "$rc" -eq 1 ] || fail "setup with charon stopped exited $rc, expected 1"
t0=$(now)
charon_start 1 || fail "starting charon on arm1"
repaired "charon stopped" "$t0"

step "the peer's charon stopped (arm2)"
charon_stop 2
rc=0
ewoe_on setup-peer-down 1 --timeout 5 setup --config "$(conf 1)" || rc=$?
[ "$rc" -eq 1 ] || fail "setup with the peer's charon stopped exited $rc, expected 1"
expect_verdict 1 peer-down "arm2 +DOWN +$L2 +no IKE_SA with $L2; last failure, 0 min ago: ewoe-arm2: "
t0=$(now)
charon_start 2 || fail "starting charon on arm2"
repaired "the peer's charon stopped" "$t0"

step "the PSK changed on the peer only"
write_config 2 other.psk || fail "writing arm2's config"
setup_on setup-other-psk 2 || [ "$rc" -eq 3 ] || fail "setup on arm2 exited $rc"
# The new secret counts from the next authentication: end the IKE_SA so that one happens now.
lab_swanctl 2 --terminate --ike ewoe-arm1 >/dev/null 2>&1 || fail "terminating arm2's IKE_SA"
rc=0
ewoe_on setup-auth-fails 1 --timeout 10 setup --config "$(conf 1)" || rc=$?
[ "$rc" -eq 1 ] || fail "setup against a changed PSK exited $rc, expected 1"
expect_verdict 1 psk-changed "arm2 +DOWN +$L2 +no IKE_SA with $L2; last failure, 0 min ago: .*AUTHENTICATION_FAILED" \
	"the peer does not accept this node's authentication: give both the same PSK"
t0=$(now)
write_config 2 good.psk || fail "writing arm2's config"
setup_on setup-psk-back 2 || [ "$rc" -eq 3 ] || fail "setup on arm2 exited $rc"
setup_on repair-psk 1 || fail "setup on arm1 exited $rc"
repaired "PSK changed on the peer only" "$t0"

step "the peer forgot the IKE_SA (arm2's charon killed and restarted)"
charon_kill 2
charon_start 2 || fail "starting charon on arm2"
expect_verdict 2 forgot "arm1 +DOWN +$L1 +no IKE_SA with $L1, yet the kernel has the tunnel's SAs: this node's charon restarted" \
	"'ewoe setup' re-establishes the tunnel from this node"
t0=$(now)
setup_on repair-forgot 2 || fail "setup on arm2 exited $rc"
grep -q "^re-establish the tunnel with $L1 (peer arm1): the kernel has its SAs, charon no IKE_SA" \
	"$LAB_LOGS/arm2-repair-forgot.log" || fail "setup on arm2 did not re-establish the tunnel"
repaired "the peer forgot the IKE_SA" "$t0"

step "teardown while the peer has forgotten the IKE_SA"
charon_kill 2
charon_start 2 || fail "starting charon on arm2"
t0=$(date +%s)
ewoe_on teardown-forgotten 1 teardown --config "$(conf 1)" || fail "teardown on arm1 exited $rc"
took=$(($(date +%s) - t0))
[ "$took" -lt 15 ] || fail "teardown on arm1 took ${took}s: it waited for a peer that forgot the IKE_SA"
ewoe_on teardown-orphans 2 teardown --config "$(conf 2)" || fail "teardown on arm2 exited $rc"
for n in 1 2; do assert_arm_clean "$n" "after teardown"; done
printf '%s | %s | %s s\n' "teardown, the peer forgot the IKE_SA" "arm1 teardown" "$took" >>"$RESULTS"

step "results"
cat "$RESULTS"
step "PASS"
