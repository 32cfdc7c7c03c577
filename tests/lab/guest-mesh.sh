#!/bin/sh
# A full mesh of four emulated DPU Arms on one underlay segment, each set up by `ewoe setup`
# from its own config with three peers (runs inside the lab guest; test_lab_mesh.sh boots it).
# The six pairs mix the three authentication methods, so every arm has one peer of each:
#   psk: arm1-arm2, arm3-arm4   cert: arm1-arm3, arm2-arm4   ca: arm1-arm4, arm2-arm3
# Asserts: setup and verify on every arm (3 peers x 4 SAs), every host reaches every other
# host once (no duplicates), a broadcast does not loop between the tunnels (split horizon),
# a second setup changes nothing, dropping a peer from one config removes only its tunnel,
# and teardown leaves nothing behind.
# shellcheck disable=SC2034 # topology.sh reads it
LAB_ARMS=4
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

BRIDGE=vxlan-br
CREDS=$LAB_RUN/creds
ARMS=$(lab_arms)

etc() { echo "$(lab_root "$1")/etc/ewoe"; }
conf() { echo "$(etc "$1")/ewoe.conf"; }
ifname() { printf 'vxc00002%02x\n' "$1"; } # ewoe's default name for remote 192.0.2.N
psk_file() { # the PSK file name of the pair N-O
	if [ "$1" -lt "$2" ]; then echo "arm$1-arm$2.psk"; else echo "arm$2-arm$1.psk"; fi
}

# The method both ends of the pair N-O agree on.
pair_auth() {
	if [ "$1" -lt "$2" ]; then p=$1$2; else p=$2$1; fi
	case $p in
	12 | 34) echo psk ;;
	13 | 24) echo cert ;;
	14 | 23) echo ca ;;
	esac
}

# ewoe_on NAME N ARGS...: ewoe on arm N, its output in $LAB_LOGS/armN-NAME.log; shows what
# it did per peer and verify's count, or everything when it fails.
ewoe_on() {
	name=$1
	n=$2
	shift 2
	log=$LAB_LOGS/arm$n-$name.log
	rc=0
	lab_ewoe "$n" "$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		grep -E '^(peer |bridge |[0-9]+ ok, )' "$log" | sed "s/^/  [arm$n-$name] /"
	else
		sed "s/^/  [arm$n-$name] /" "$log"
	fi
	return "$rc"
}

# sa_spis N [IP]: the SPIs of arm N's ESP SAs, leaving out those to or from IP.

# One PSK per psk pair, a self-signed certificate and a CA-signed one per arm: what an
# operator makes with standard tools, then copies to each arm's /etc/ewoe.
make_creds() {
	mkdir -p "$CREDS" && chmod 700 "$CREDS"
	(umask 077 && head -c 32 /dev/urandom >"$CREDS/arm1-arm2.psk" &&
		head -c 32 /dev/urandom >"$CREDS/arm3-arm4.psk") || return 1
	# shellcheck disable=SC2086
	lab_make_certs $ARMS || return 1
	for n in $ARMS; do
		d=$(etc "$n")
		mkdir -p "$d" && chmod 700 "$d" || return 1
		# Each arm gets its own keys, the CA's certificate, its peers' self-signed
		# certificates and the PSKs of its pairs; never another arm's key.
		(umask 077 && cp "$CREDS/self-arm$n.key" "$CREDS/arm$n.key" "$d/") || return 1
		cp "$CREDS/self-arm$n.crt" "$CREDS/arm$n.crt" "$CREDS/ca.crt" "$d/" || return 1
		for o in $(others "$n"); do
			case $(pair_auth "$n" "$o") in
			psk) (umask 077 && cp "$CREDS/$(psk_file "$n" "$o")" "$d/") || return 1 ;;
			cert) cp "$CREDS/self-arm$o.crt" "$d/" || return 1 ;;
			esac
		done
	done
}

# write_config N [PEER_LEFT_OUT]: arm N's /etc/ewoe/ewoe.conf, a peer section per other arm.
write_config() {
	n=$1
	skip_peer=${2:-}
	d=$(etc "$n")
	{
		printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\n' "$(lab_underlay_ip "$n")"
		printf 'bridge = %s\n; no offload device in the guest\noffload = none\n' "$BRIDGE"
		for o in $(others "$n"); do
			[ "$o" != "$skip_peer" ] || continue
			auth=$(pair_auth "$n" "$o")
			printf '\n[peer arm%s]\nremote = %s\nauth = %s\n' "$o" "$(lab_underlay_ip "$o")" "$auth"
			case $auth in
			psk) echo "psk-file = $d/$(psk_file "$n" "$o")" ;;
			cert) printf 'cert = %s\nkey = %s\npeer-cert = %s\n' "$d/self-arm$n.crt" \
				"$d/self-arm$n.key" "$d/self-arm$o.crt" ;;
			ca) printf 'cert = %s\nkey = %s\nca = %s\nremote-name = CN=arm%s\n' \
				"$d/arm$n.crt" "$d/arm$n.key" "$d/ca.crt" "$o" ;;
			esac
		done
	} >"$(conf "$n").tmp" || return 1
	chmod 600 "$(conf "$n").tmp" && mv "$(conf "$n").tmp" "$(conf "$n")"
}

# verify_mesh N PEERS...: `ewoe --json verify --config` on arm N exits 0, every check ok and
# none skipped, and each peer has its four SAs.
verify_mesh() {
	n=$1
	label=$2
	shift 2
	out=$LAB_LOGS/arm$n-verify-$label.json
	rc=0
	lab_ewoe "$n" --json verify --config "$(conf "$n")" >"$out" \
		2>"$LAB_LOGS/arm$n-verify-$label.stderr.log" || rc=$?
	summary=$(python3 - "$out" "$@" <<-'PY'
		import json, re, sys
		d = json.load(open(sys.argv[1]))
		s = d["summary"]
		print("result=%s ok=%d failed=%d skipped=%d" % (d["result"], s["ok"], s["failed"], s["skipped"]))
		want = set("arm" + p for p in sys.argv[2:])
		peers = set(c["peer"] for c in d["checks"] if c["peer"])
		if peers != want:
		    print("  peers %s, expected %s" % (sorted(peers), sorted(want)))
		for p in sorted(want):
		    sas = [c for c in d["checks"] if c["peer"] == p and c["status"] == "ok"
		           and re.fullmatch(r"sa (in|out) \S+", c["item"]) and c.get("sa")]
		    if len(sas) != 4:
		        print("  %s: %d SAs ok, expected 4" % (p, len(sas)))
		for c in d["checks"]:
		    if c["status"] != "ok":
		        print("  %s %s %s: found %s, expected %s" % (c["peer"], c["status"], c["item"], c["found"], c["expected"]))
		PY
	) || fail "arm$n: verify wrote no valid JSON: $(cat "$out" "$LAB_LOGS/arm$n-verify-$label.stderr.log")"
	echo "  arm$n verify: exit $rc, $summary"
	[ "$rc" -eq 0 ] || fail "arm$n: ewoe verify exited $rc"
	[ "$(echo "$summary" | wc -l)" -eq 1 ] || fail "arm$n: verify does not show every peer's 4 SAs ok"
	echo "$summary" | grep -q '^result=ok ok=[1-9][0-9]* failed=0 skipped=0$' ||
		fail "arm$n: verify JSON does not report every check ok: $summary"
}


# host N pings host O: 3 answers, not one duplicate.


# Everything setup could change on arm N, for before/after comparisons: OVS rows, loaded
# connections, the SAs' SPIs, and ewoe's files.
arm_state() {
	lab_vsctl "$1" --columns=name,protected,external_ids list Port | sort
	lab_vsctl "$1" --columns=name,type,options,external_ids list Interface | sort
	lab_swanctl "$1" --list-conns
	sa_spis "$1"
	# run/ewoe is ewoe's runtime state (the last successful setup's time), not configuration.
	(cd "$(lab_root "$1")" && find . \( -path ./etc/ewoe -o -path ./run/ewoe \) -prune -o \
		-type f -exec sha256sum {} + | sort)
}

# --- the run --------------------------------------------------------------------------------
step "lab up: four arms on one underlay segment"
lab_up || fail "lab_up failed"
make_creds || fail "making credentials with openssl"
for n in $ARMS; do write_config "$n" || fail "writing arm$n's config"; done

# Reverse order: the lower address initiates, so each arm finds the peers it initiates to
# already configured. Verify waits for the end, when every arm is set up.
step "ewoe setup --config on arm4, arm3, arm2 (--no-verify), then arm1 (with verify)"
for n in 4 3 2; do
	ewoe_on setup "$n" setup --config "$(conf "$n")" --no-verify ||
		fail "ewoe setup on arm$n exited $rc"
done
ewoe_on setup 1 setup --config "$(conf 1)" || fail "ewoe setup on arm1 exited $rc"

step "ewoe verify --config on every arm: 3 peers x 4 SAs"
for n in $ARMS; do
	# shellcheck disable=SC2046
	verify_mesh "$n" setup $(others "$n")
	assert_sa_count "$n" 12
	for o in $(others "$n"); do
		p=$(lab_vsctl "$n" get Port "$(ifname "$o")" protected)
		[ "$p" = true ] || fail "arm$n: tunnel port $(ifname "$o") has protected=$p, expected true"
	done
done

echo "  guest memory in use with four arms up: $(free -m | awk '/^Mem:/ { print $3 " of " $2 }') MiB"

step "every host pings every other host over the encrypted overlay"
esp_before=$(esp_packets_all)
for n in $ARMS; do
	for o in $ARMS; do [ "$o" -le "$n" ] || assert_pair_ping "$n" "$o"; done
done
esp_after=$(esp_packets_all)
echo "  ESP packets, all arms: $esp_before -> $esp_after"
# Each of the 6 pairs' 4+ echo requests and replies is counted by the sender's and the
# receiver's SA.
[ "$((esp_after - esp_before))" -ge $((6 * 4 * 2 * 2)) ] ||
	fail "the pings did not go through ESP: $((esp_after - esp_before)) ESP packets"

step "a broadcast from host1 reaches each host once and does not loop between tunnels"
for n in 2 3 4; do
	rm -f "$LAB_RUN/bcast$n.pcap" "$LAB_RUN/bcast$n.err"
	in_host "$n" tcpdump -i ens7np0 -nn -U -w "$LAB_RUN/bcast$n.pcap" icmp \
		2>"$LAB_RUN/bcast$n.err" &
	echo $! >"$LAB_RUN/bcast$n.pid"
done
for n in 2 3 4; do
	lab_wait 20 "tcpdump on host$n" grep -q 'listening on' "$LAB_RUN/bcast$n.err" ||
		fail "tcpdump did not start on host$n: $(cat "$LAB_RUN/bcast$n.err")"
done
esp_before=$(esp_packets_all)
in_host 1 ping -b -c 3 -i 0.3 -W 1 "$LAB_OVERLAY_NET.255" >"$LAB_LOGS/broadcast-ping.log" 2>&1 || true
sleep 2
esp_after=$(esp_packets_all)
for n in 2 3 4; do
	kill -TERM "$(cat "$LAB_RUN/bcast$n.pid")" 2>/dev/null
	wait "$(cat "$LAB_RUN/bcast$n.pid")" 2>/dev/null || true
done
# 3 requests, one copy into each of arm1's 3 tunnels, each counted at both ends: 18. A loop
# between the tunnels multiplies copies without end.
bcast_esp=$((esp_after - esp_before))
echo "  ESP packets while 3 broadcast pings went out, all arms: $bcast_esp (18 for the requests)"
[ "$bcast_esp" -ge 18 ] || fail "the broadcast did not cross the tunnels: $bcast_esp ESP packets"
[ "$bcast_esp" -le 100 ] || fail "the broadcast looped between tunnels: $bcast_esp ESP packets"
for n in 2 3 4; do
	c=$(tcpdump -nn -r "$LAB_RUN/bcast$n.pcap" "dst $LAB_OVERLAY_NET.255 and icmp[icmptype] = icmp-echo" 2>/dev/null | wc -l)
	cp "$LAB_RUN/bcast$n.pcap" "$LAB_LOGS/host$n-broadcast.pcap" 2>/dev/null || true
	echo "  host$n received the broadcast echo request $c times"
	[ "$c" -eq 3 ] || fail "host$n received $c broadcast echo requests, expected 3"
done

step "a second ewoe setup on every arm changes nothing"
for n in $ARMS; do arm_state "$n" >"$LAB_RUN/arm$n.before" || fail "arm$n: state"; done
for n in $ARMS; do
	ewoe_on setup-again "$n" setup --config "$(conf "$n")" || fail "second setup on arm$n exited $rc"
	for o in $(others "$n"); do
		grep -q "^peer arm$o: unchanged" "$LAB_LOGS/arm$n-setup-again.log" ||
			fail "arm$n: second setup does not say peer arm$o is unchanged"
	done
done
for n in $ARMS; do
	arm_state "$n" >"$LAB_RUN/arm$n.after" || fail "arm$n: state"
	cmp -s "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after" || {
		diff "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after"
		fail "arm$n: the second setup changed its state"
	}
done

step "arm3 dropped from arm1's config: setup removes only that tunnel"
spis_kept=$(sa_spis 1 "$(lab_underlay_ip 3)")
write_config 1 3 || fail "rewriting arm1's config"
ewoe_on setup-drop 1 setup --config "$(conf 1)" || fail "setup without arm3 on arm1 exited $rc"
grep -q "^peer arm3: no longer in the config" "$LAB_LOGS/arm1-setup-drop.log" ||
	fail "arm1: setup does not say it removes arm3"
for o in 2 4; do
	grep -q "^peer arm$o: unchanged" "$LAB_LOGS/arm1-setup-drop.log" ||
		fail "arm1: setup touched peer arm$o while removing arm3"
done
! lab_vsctl 1 list-ports "$BRIDGE" | grep -qx "$(ifname 3)" || fail "arm1: arm3's VXLAN port survived"
! lab_swanctl 1 --list-conns | grep -q '^ewoe-arm3:' || fail "arm1: connection ewoe-arm3 survived"
left=$(find "$(lab_root 1)" -path "$(etc 1)" -prune -o -name '*arm3*' -print)
[ -z "$left" ] || fail "arm1: files of arm3 survived: $left"
assert_sa_count 1 8
# shellcheck disable=SC2015 # either one failing is the failure
[ -n "$spis_kept" ] && [ "$(sa_spis 1)" = "$spis_kept" ] ||
	fail "arm1: the SAs with arm2 and arm4 changed when arm3 was dropped"
lab_wait 20 "arm3's SAs with arm1 to go" no_sas_with 3 "$(lab_underlay_ip 1)" ||
	fail "arm3 kept SAs with arm1 after arm1 dropped it"
assert_sa_count 3 8
! in_host 1 ping -c 2 -i 0.2 -W 1 "$(lab_overlay_ip 3)" >/dev/null 2>&1 ||
	fail "host1 still reaches host3 after arm1 dropped arm3"
assert_pair_ping 1 2
assert_pair_ping 1 4

step "arm3 back in arm1's config"
write_config 1 || fail "rewriting arm1's config"
ewoe_on setup-readd 1 setup --config "$(conf 1)" || fail "setup with arm3 again on arm1 exited $rc"
grep -q "^peer arm3: configured" "$LAB_LOGS/arm1-setup-readd.log" || fail "arm1: arm3 not configured again"
verify_mesh 1 readd 2 3 4
verify_mesh 3 readd 1 2 4
assert_pair_ping 1 3

step "ewoe teardown --config on every arm"
for n in $ARMS; do
	ewoe_on teardown "$n" teardown --config "$(conf "$n")" || fail "teardown on arm$n exited $rc"
done
for n in $ARMS; do assert_arm_clean "$n"; done
step "PASS"
