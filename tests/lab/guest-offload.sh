#!/bin/sh
# The packet and crypto offload paths as far as software goes (runs inside the lab guest;
# test_lab_offload.sh boots it, where charon accepts hw_offload = packet: 5.9.10 and later).
# The lab's p0 is a veth, with no IPsec offload:
#   - setup with offload = packet checks the PF first: it stops, naming p0 and what it lacks,
#     and changes nothing;
#   - setup with offload = crypto, and `ewoe tunnel --offload packet` (which leaves the PF to
#     the operator), pass the version gate and load the connection; charon tries to install
#     offloaded SAs on p0, the kernel refuses, and ewoe says so at once in one line naming the
#     peer, the offload mode and charon's reason (which names the device), then the fix;
#   - verify --expect-offload packet on software SAs fails exactly the offload lines.
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

BRIDGE=vxlan-br
CREDS=$LAB_RUN/creds

etc() { echo "$(lab_root "$1")/etc/ewoe"; }
conf() { echo "$(etc "$1")/ewoe.conf"; }

ewoe_on() {
	name=$1
	n=$2
	shift 2
	run_logged "arm$n-$name" lab_ewoe "$n" "$@"
}

# write_config N MODE: arm N's config, one PSK peer (the other arm), offload MODE.
write_config() {
	n=$1
	o=$((3 - n))
	d=$(etc "$n")
	mkdir -p "$d" && chmod 700 "$d" || return 1
	(umask 077 && cp "$CREDS/pair.psk" "$d/arm1-arm2.psk") || return 1
	printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\nbridge = %s\noffload = %s\n' \
		"$(lab_underlay_ip "$n")" "$BRIDGE" "$2" >"$(conf "$n")"
	printf '\n[peer arm%s]\nremote = %s\nauth = psk\npsk-file = %s\n' "$o" \
		"$(lab_underlay_ip "$o")" "$d/arm1-arm2.psk" >>"$(conf "$n")"
	chmod 600 "$(conf "$n")"
}

# refused_by_kernel LOG MODE: ewoe said in one line that the kernel refused the SAs on p0
# with hw_offload = MODE, giving charon's reason, and then the fix.
refused_by_kernel() {
	line="ewoe: ewoe-arm2: the kernel refused the ESP SAs with $(lab_underlay_ip 2) (hw_offload = $2): HW offload is not supported by device p0"
	grep -qxF "$line" "$LAB_LOGS/$1.log" || fail "$1: no line '$line'"
	grep -A1 -F "$line" "$LAB_LOGS/$1.log" | grep -q "hint: the PF cannot do IPsec $2 offload: .* set the offload mode to auto" ||
		fail "$1: the kernel's refusal comes without its fix"
}

# timed NAME N ARGS...: ewoe_on, with its wall time in $took.
timed() {
	t0=$(date +%s)
	rc=0
	ewoe_on "$@" || rc=$?
	took=$(($(date +%s) - t0))
}

step "lab up"
lab_up || fail "lab_up failed"
mkdir -p "$CREDS" && chmod 700 "$CREDS"
(umask 077 && head -c 32 /dev/urandom >"$CREDS/pair.psk") || fail "making the PSK"
o1="--local $(lab_underlay_ip 1) --remote $(lab_underlay_ip 2)"
o2="--local $(lab_underlay_ip 2) --remote $(lab_underlay_ip 1)"

step "offload = packet: setup refuses p0, which offers no IPsec offload, and changes nothing"
write_config 1 packet || fail "writing arm1's config"
# The arm's --root sees the kernel and the netns' own sysfs (ip netns exec mounts it), as a
# DPU's / would.
ln -s /sys "$(lab_root 1)/sys" && ln -s /proc "$(lab_root 1)/proc" || fail "linking arm1's sysfs and procfs"
timed setup-packet 1 setup --config "$(conf 1)"
rm "$(lab_root 1)/sys" "$(lab_root 1)/proc"
[ "$rc" -eq 1 ] || fail "setup with offload = packet on a veth exited $rc, expected 1"
grep -qx "ewoe: p0 does not offer IPsec offload (esp-hw-offload off)" "$LAB_LOGS/arm1-setup-packet.log" ||
	fail "setup does not name p0 and what it lacks"
assert_arm_clean 1 "after the refused packet setup"

step "offload = crypto (arm2 auto): setup passes the gate, loads the connection, the kernel refuses the SAs"
write_config 2 auto || fail "writing arm2's config"
write_config 1 crypto || fail "writing arm1's config"
ewoe_on setup-auto 2 setup --config "$(conf 2)" --no-verify || fail "setup on arm2 exited $rc"
timed setup-crypto 1 --timeout 30 setup --config "$(conf 1)"
[ "$rc" -eq 1 ] || fail "setup with offload = crypto on a veth exited $rc, expected 1"
grep -q "loaded ewoe-arm2 into charon" "$LAB_LOGS/arm1-setup-crypto.log" ||
	fail "setup did not load the connection"
refused_by_kernel arm1-setup-crypto crypto
[ "$took" -lt 20 ] || fail "the refusal took ${took}s: ewoe waited for a timeout instead of reporting it"
for n in 1 2; do
	ewoe_on teardown-crypto "$n" teardown --config "$(conf "$n")" || fail "teardown on arm$n exited $rc"
	assert_arm_clean "$n" "after teardown (crypto)"
done

step "tunnel --offload packet (arm2 auto): the kernel refuses the SAs, in one line"
for n in 2 1; do
	ewoe_on setup-bridge "$n" setup-bridge --bridge "$BRIDGE" --rep pf0hpf --offload none ||
		fail "setup-bridge on arm$n exited $rc"
done
# shellcheck disable=SC2086
ewoe_on tunnel-auto 2 tunnel psk --psk-file "$CREDS/pair.psk" $o2 --bridge "$BRIDGE" \
	--offload auto || fail "tunnel on arm2 exited $rc"
# shellcheck disable=SC2086
timed tunnel-packet 1 --timeout 30 tunnel psk --psk-file "$CREDS/pair.psk" $o1 \
	--bridge "$BRIDGE" --offload packet --name arm2
[ "$rc" -eq 1 ] || fail "tunnel --offload packet on a veth exited $rc, expected 1"
refused_by_kernel arm1-tunnel-packet packet
[ "$took" -lt 20 ] || fail "the refusal took ${took}s: ewoe waited for a timeout instead of reporting it"
for n in 1 2; do
	ewoe_on teardown-packet "$n" teardown || fail "teardown on arm$n exited $rc"
	assert_arm_clean "$n" "after teardown (packet)"
done

step "software SAs (offload = auto): verify --expect-offload packet fails on each SA's and policy's offload"
write_config 1 auto || fail "writing arm1's config"
ewoe_on setup-auto 2 setup --config "$(conf 2)" --no-verify || fail "setup on arm2 exited $rc"
ewoe_on setup-auto 1 setup --config "$(conf 1)" || fail "setup on arm1 exited $rc"
rc=0
lab_ewoe 1 --json verify --config "$(conf 1)" --expect-offload packet \
	>"$LAB_LOGS/arm1-verify-packet.json" 2>"$LAB_LOGS/arm1-verify-packet.stderr.log" || rc=$?
[ "$rc" -eq 3 ] || fail "verify --expect-offload packet on software SAs exited $rc, expected 3"
python3 - "$LAB_LOGS/arm1-verify-packet.json" <<'PY' || fail "verify does not fail exactly the offload lines"
import json, sys
d = json.load(open(sys.argv[1]))
bad = [c for c in d["checks"] if c["status"] == "fail"]
for c in bad:
    print("  verify: %s %s: found %s, expected %s; fix: %s" % (c["peer"], c["item"], c["found"], c["expected"], c["fix"]))
# Packet offload covers the four SAs, the four in/out policies and the two guards; nothing
# else is wrong.
kinds = sorted(c["item"].split()[0] for c in bad)
ok = (d["result"] == "problems" and kinds == ["guard"] * 2 + ["policy"] * 4 + ["sa"] * 4
      and all(c["peer"] == "arm2" and c["item"].endswith(" offload")
              and c["found"] == "none" and c["expected"] == "packet on p0" for c in bad))
sys.exit(0 if ok else 1)
PY
for n in 1 2; do
	ewoe_on teardown-auto "$n" teardown --config "$(conf "$n")" || fail "teardown on arm$n exited $rc"
	assert_arm_clean "$n" "after teardown (auto)"
done
step "PASS"
