#!/bin/bash
# The benchmarks, inside the lab guest (bench/run.sh boots it with tests/lab/boot.sh).
# Every measurement runs two or three ways of doing the same work on the same lab (ewoe, the
# script's way, OVS IPsec), the ways interleaved rep by rep, each run appended to
# $LAB_OUT/raw.csv by bench/measure.sh. After each way's bring-up, `ewoe --json verify` judges
# the SAs it made ($LAB_OUT/verify.csv); the plaintext measurement counts VXLAN on the wire
# phase by phase ($LAB_OUT/leak.csv).
#
# usage (as boot.sh's SCRIPT):
#   guest-bench.sh quick|full XFRM_DUMP_BINARY [push,up,startup,verify,leak]
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"
mode=$1
DUMP=$2
ONLY=,${3:-push,up,startup,verify,leak},
wanted() { case $ONLY in *,"$1",*) return 0 ;; *) return 1 ;; esac; }
BENCH=$(dirname "$(realpath "$0")")
export BENCH_RAW=$LAB_OUT/raw.csv BENCH_LOGS=$LAB_LOGS
VERIFY_CSV=$LAB_OUT/verify.csv
LEAK_CSV=$LAB_OUT/leak.csv
. "$BENCH/lib-ovsipsec.sh"
export STRONGSWAN_CONF=$LAB_RUN/swanctl-strongswan.conf
# Both charons log as a deployed one does, not at the tests' debug levels.
export LAB_CHARON_LOG=default
W=$LAB_RUN/bench
LOCAL=$(lab_underlay_ip 1)

if [ "$mode" = quick ]; then
	PUSH_NS="1 16" UP_NS="1 16" SAS=1000 REPS=3 LEAK_REPS=1
else
	PUSH_NS="1 16 64 256" UP_NS="1 16 64" SAS=10000 REPS=3 LEAK_REPS=1
fi
# The script's way takes minutes at 256 peers in the emulator: fewer reps for the big N.
reps_for() {
	if [ "$1" -ge 256 ]; then echo 1; elif [ "$1" -ge 64 ]; then echo 2; else echo "$REPS"; fi
}

measure() { "$BENCH/measure.sh" "$@"; }
# measure_in NS ARGS...: measure.sh in a network namespace, the switch outside the timing.
measure_in() {
	bns=$1
	shift
	ip netns exec "$bns" "$BENCH/measure.sh" "$@"
}
ewoe1() { echo "$EWOE" --db "$(lab_db 1)" --vici "$(lab_vici 1)" --root "$(lab_root 1)"; }

# peers_file FILE N FORMAT: N lines "NAME REMOTE"; FORMAT gets k (1..N).
push_remote() { echo "198.18.$(($1 / 250)).$(($1 % 250 + 1))"; }
up_remote() { echo "$LAB_UNDERLAY_NET.$((100 + $1))"; }
# OVS IPsec's peers answer on addresses of their own (see up_prepare).
up_remote_ovs() { echo "$LAB_UNDERLAY_NET.$((100 + UP_MAX + $1))"; }
peers_file() {
	bfile=$1 bn=$2 bprefix=$3 baddr=$4
	: >"$bfile"
	for bk in $(seq 1 "$bn"); do echo "$bprefix$bk $($baddr "$bk")" >>"$bfile"; done
}

# ewoe_conf FILE PEERS_FILE ROLE: the node and its peers in ewoe.conf(5) form.
ewoe_conf() {
	{
		printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\n' "$LOCAL"
		printf 'bridge = vxlan-br\noffload = none\n'
		while read -r bname bremote; do
			printf '\n[peer %s]\nremote = %s\nauth = psk\npsk-file = %s\nrole = %s\n' \
				"$bname" "$bremote" "$W/psk" "$3"
		done <"$2"
	} >"$1"
	chmod 600 "$1"
}

arm_is_clean() {
	[ "$(esp_sa_count 1)" -eq 0 ] && [ "$(esp_sa_count 2)" -eq 0 ] &&
		! lab_vsctl 1 br-exists vxlan-br &&
		[ -z "$(lab_swanctl 1 --list-conns 2>/dev/null | grep -E '^[^ ].*:')" ] &&
		! in_arm 1 ip xfrm policy | grep -q 'port 4789'
}

# --- OVS IPsec on an arm: its own IKE daemon instead of the lab's charon, and back -----------
charon_stop() {
	lab_kill_pidfile "$LAB_RUN/arm$1/charon.pid"
	rm -f "$LAB_RUN/arm$1/charon.pid"
}
to_ovsipsec() { charon_stop "$1" && ovsipsec_up "$1"; }
from_ovsipsec() { ovsipsec_down "$1" && lab_charon_up "$1"; }
# ovs_wait KIND COUNT NAME: bench/xfrm-wait.sh on arm1, started outside the timing, once its
# monitor listens; it reports on $W/NAME.fifo, which the timed ovsipsec-push.sh reads.
ovs_wait() {
	rm -f "$W/$3.fifo" "$W/$3.ready"
	mkfifo "$W/$3.fifo" || return 1
	in_arm 1 "$BENCH/xfrm-wait.sh" "$1" "$2" 1800 "$W/$3.ready" "$W/$3.fifo" \
		2>>"$LAB_LOGS/xfrm-wait.log" &
	lab_wait 30 "xfrm-wait.sh $1 on arm1" test -e "$W/$3.ready"
}

# ovsipsec_teardown N: the bridge deleted, as an operator removes OVS IPsec's tunnels; the
# monitor then unroutes every connection (and, after a refresh in progress, that can take a
# while: it runs one `ipsec stroke down-nb` per connection it lists).
ovsipsec_teardown() {
	lab_vsctl "$1" --if-exists del-br vxlan-br || return 1
	lab_wait 900 "ovs-monitor-ipsec on arm$1 to unroute its tunnels" sh -c \
		"! ip netns exec arm$1 ip xfrm policy | grep -q 'port 4789'"
}

# verify_way MEASUREMENT N WAY REP VERIFY_ARGS...: `ewoe --json verify` on arm1 after a way's
# bring-up (outside the timing); one line in verify.csv: its exit status, the checks that
# passed, failed and were skipped, and the failed ones grouped by kind (sa esn, guard, ...).
verify_way() {
	vm=$1 vn=$2 vw=$3 vr=$4
	shift 4
	vrc=0
	in_arm 1 "$EWOE" --root "$(lab_root 1)" --json "$@" >"$LAB_LOGS/verify-$vm-$vn-$vw-$vr.json" \
		2>"$LAB_LOGS/verify-$vm-$vn-$vw-$vr.stderr" || vrc=$?
	python3 - "$LAB_LOGS/verify-$vm-$vn-$vw-$vr.json" "$vm,$vn,$vw,$vr,$vrc" >>"$VERIFY_CSV" <<-'PY'
		import collections, json, re, sys
		try:
		    d = json.load(open(sys.argv[1]))
		except ValueError:
		    print(sys.argv[2] + ",0,0,0,no JSON")
		    sys.exit(0)
		n = collections.Counter(c["status"] for c in d["checks"])
		kinds = collections.Counter()
		for c in d["checks"]:
		    if c["status"] != "fail":
		        continue
		    item = re.sub(r" (any|\d+)->(any|\d+)", "", c["item"])
		    if c["found"] == "missing" or c["found"].endswith(" missing"):
		        item += " missing"
		    elif c["found"].endswith("not loaded"):
		        item += ": connection not found"
		    kinds[item] += 1
		print("%s,%d,%d,%d,%s" % (sys.argv[2], n["ok"], n["fail"], n["skip"] + n["skipped"],
		      "; ".join("%s x%d" % kv for kv in sorted(kinds.items()))))
		PY
	echo "  verify $vw: exit $vrc, $(tail -n 1 "$VERIFY_CSV" | cut -d, -f6-)"
}

# --- 1. configuration push ------------------------------------------------------------------
push_bench() {
	bn=$1
	bpeers=$W/push-$bn.peers
	bconf=$W/push-$bn.conf
	peers_file "$bpeers" "$bn" p push_remote
	ewoe_conf "$bconf" "$bpeers" responder
	bempty=$W/empty-swanctl.conf
	for br in $(seq 1 "$(reps_for "$bn")"); do
		measure_in arm1 push "$bn" ewoe "$br" -- $(ewoe1) setup --config "$bconf" \
			--no-link --no-verify || fail "ewoe setup of $bn peers exited $?"
		[ "$(lab_vsctl 1 --bare --columns=name find Interface type=vxlan | wc -w)" -eq "$bn" ] ||
			fail "ewoe setup made no $bn VXLAN ports"
		# What the reconcile timer costs every time: the same config again, nothing to change.
		measure_in arm1 reconcile "$bn" ewoe "$br" -- $(ewoe1) --quiet setup --config "$bconf" \
			--no-link --no-verify || fail "the reconcile run of $bn peers exited $?"
		bout=$(in_arm 1 $(ewoe1) --quiet setup --config "$bconf" --no-link --no-verify 2>&1) ||
			fail "a second reconcile run of $bn peers failed: $bout"
		[ -z "$bout" ] || fail "a reconcile run of $bn unchanged peers printed: $bout"
		in_arm 1 $(ewoe1) teardown --config "$bconf" >>"$LAB_LOGS/push-teardown.log" 2>&1 ||
			fail "ewoe teardown after $bn peers"

		rm -f "$W"/script/conf.d/*
		measure_in arm1 push "$bn" script "$br" -- "$BENCH/script-push.sh" "$(lab_db 1)" \
			"$(lab_vici 1)" "$W/script" "$bpeers" "$LOCAL" "$(cat "$W/psk")" ||
			fail "the script's push of $bn peers exited $?"
		bc=$(lab_swanctl 1 --list-conns 2>/dev/null | grep -c '^p[0-9]*:')
		[ "$bc" -eq "$bn" ] || fail "the script's way loaded $bc connections, not $bn"
		lab_vsctl 1 del-br vxlan-br || fail "del-br after the script's push"
		lab_swanctl 1 --load-all --clear --noprompt --file "$bempty" >/dev/null ||
			fail "unloading the script's connections"
		arm_is_clean || fail "arm1 not clean after the script's push round $br of $bn peers"

		to_ovsipsec 1 || fail "starting ovs-monitor-ipsec on arm1"
		ovs_wait policies "$bn" routed || fail "starting the wait for OVS IPsec's routes"
		measure_in arm1 push "$bn" ovsipsec "$br" -- "$BENCH/ovsipsec-push.sh" "$(lab_db 1)" \
			"$bpeers" "$LOCAL" "$(cat "$W/psk")" "$W/routed.fifo" ||
			fail "OVS IPsec's push of $bn peers exited $?"
		bc=$(ovsipsec_in 1 ipsec status 2>/dev/null | grep -c '^ *p[0-9]*-out-[0-9]*{[0-9]*}: *ROUTED')
		[ "$bc" -eq "$bn" ] || fail "OVS IPsec routed $bc tunnels, not $bn"
		ovsipsec_teardown 1 || fail "removing OVS IPsec's $bn tunnels"
		from_ovsipsec 1 || fail "stopping ovs-monitor-ipsec on arm1"
		arm_is_clean || fail "arm1 not clean after OVS IPsec's push round $br of $bn peers"
	done
}

# --- 2. time to all tunnels up ---------------------------------------------------------------
# arm2's one charon answers for every address 192.0.2.101..: responder connections only.
# OVS IPsec's initiators get addresses of their own (192.0.2.101+UP_MAX and up), with the
# seed's responder connections plus ovs-monitor-ipsec's proposals (aes256gcm16-sha256-modp2048,
# esp aes256gcm16-modp2048, no ESN), so that the seed's responders for ewoe and the script's way
# stay as they were.
up_prepare() {
	bmax=$1
	mkdir -p "$W/arm2/conf.d"
	printf 'include conf.d/*.conf\n' >"$W/arm2/swanctl.conf"
	. "$BENCH/lib-swanctl.sh"
	for bk in $(seq 1 "$bmax"); do
		in_arm 2 ip addr add "$(up_remote "$bk")/24" dev p0 || return 1
		write_snippet "r$bk" "$(up_remote "$bk")" "$LOCAL" "$(cat "$W/psk")" "$W/arm2"
		in_arm 2 ip addr add "$(up_remote_ovs "$bk")/24" dev p0 || return 1
		write_snippet "o$bk" "$(up_remote_ovs "$bk")" "$LOCAL" "$(cat "$W/psk")" "$W/arm2" \
			"aes128-sha256-x25519, aes256gcm16-sha256-modp2048" \
			"aes128gcm128-x25519-esn, aes256gcm16-modp2048"
	done
	lab_swanctl 2 --load-all --noprompt --file "$W/arm2/swanctl.conf" >"$LAB_LOGS/arm2-load.log"
}

wait_no_sas() {
	lab_wait 60 "all SAs gone" sh -c \
		"[ \$(ip netns exec arm1 ip xfrm state | grep -c '^src') -eq 0 ] &&
		 [ \$(ip netns exec arm2 ip xfrm state | grep -c '^src') -eq 0 ]"
}

up_bench() {
	bn=$1
	bpeers=$W/up-$bn.peers
	bconf=$W/up-$bn.conf
	peers_file "$bpeers" "$bn" u up_remote
	peers_file "$W/up-ovs-$bn.peers" "$bn" o up_remote_ovs
	ewoe_conf "$bconf" "$bpeers" initiator
	. "$BENCH/lib-swanctl.sh"
	rm -f "$W"/seq/conf.d/*
	printf 'include conf.d/*.conf\n' >"$W/seq/swanctl.conf"
	while read -r bname bremote; do
		write_snippet "$bname" "$LOCAL" "$bremote" "$(cat "$W/psk")" "$W/seq"
	done <"$bpeers"
	for br in $(seq 1 "$(reps_for "$bn")"); do
		measure_in arm1 up "$bn" ewoe "$br" -- $(ewoe1) --timeout 300 setup --config "$bconf" \
			--no-link --no-verify || fail "ewoe setup of $bn initiators exited $?"
		bc=$(esp_sa_count 1)
		[ "$bc" -eq $((4 * bn)) ] || fail "after ewoe setup arm1 has $bc SAs, not $((4 * bn))"
		verify_way up "$bn" ewoe "$br" --db "$(lab_db 1)" --vici "$(lab_vici 1)" verify \
			--config "$bconf"
		in_arm 1 $(ewoe1) teardown --config "$bconf" >>"$LAB_LOGS/up-teardown.log" 2>&1 ||
			fail "ewoe teardown after $bn initiators"
		wait_no_sas || fail "SAs left after ewoe teardown"

		lab_swanctl 1 --load-all --noprompt --file "$W/seq/swanctl.conf" >/dev/null ||
			fail "loading the sequential initiators' config"
		measure_in arm1 up "$bn" sequential "$br" -- "$BENCH/script-initiate.sh" \
			"$(lab_vici 1)" "$bpeers" "$bn" "$br" || fail "initiating $bn peers one by one"
		bc=$(esp_sa_count 1)
		[ "$bc" -eq $((4 * bn)) ] || fail "after swanctl --initiate arm1 has $bc SAs"
		# shellcheck disable=SC2046
		verify_way up "$bn" sequential "$br" --db "$(lab_db 1)" --vici "$(lab_vici 1)" verify \
			--local "$LOCAL" $(awk '{ printf "--remote %s ", $2 }' "$bpeers") --expect-offload none
		while read -r bname bremote; do
			lab_swanctl 1 --terminate --ike "$bname" --force --timeout 10 >/dev/null 2>&1
		done <"$bpeers"
		lab_swanctl 1 --load-all --clear --noprompt --file "$W/empty-swanctl.conf" >/dev/null
		wait_no_sas || fail "SAs left after terminating the sequential initiators"
		arm_is_clean || fail "arm1 not clean after the sequential up round $br of $bn peers"

		# OVS IPsec brings a tunnel up on traffic (auto=route): its outbound CHILD_SA when this
		# node sends, its inbound one when the peer does. Here only host1 sends (a broadcast the
		# bridge floods into every port), so the time is to every tunnel's outbound CHILD_SA: 2
		# of the 4 SAs, one IKE_SA_INIT and one IKE_AUTH per tunnel and no CREATE_CHILD_SA.
		# One rep: the first acquire of a tunnel meets charon before the monitor has reread its
		# secrets, and its trap then blocks for charon's 165 s acquire lifetime.
		[ "$br" -eq 1 ] || continue
		to_ovsipsec 1 || fail "starting ovs-monitor-ipsec on arm1"
		ovs_wait policies "$bn" routed || fail "starting the wait for OVS IPsec's routes"
		ovs_wait sas $((2 * bn)) up || fail "starting the wait for OVS IPsec's SAs"
		measure_in arm1 up "$bn" ovsipsec "$br" -- "$BENCH/ovsipsec-push.sh" "$(lab_db 1)" \
			"$W/up-ovs-$bn.peers" "$LOCAL" "$(cat "$W/psk")" "$W/routed.fifo" host1 \
			"$LAB_OVERLAY_NET.255" "$W/up.fifo" || fail "OVS IPsec's bring-up of $bn peers exited $?"
		# shellcheck disable=SC2046
		verify_way up "$bn" ovsipsec "$br" --db "$(lab_db 1)" --vici "$(ovsipsec_vici 1)" verify \
			--local "$LOCAL" $(awk '{ printf "--remote %s ", $2 }' "$W/up-ovs-$bn.peers") \
			--expect-offload none
		ovsipsec_teardown 1 || fail "removing OVS IPsec's $bn tunnels"
		wait_no_sas || fail "SAs left after OVS IPsec's teardown"
		from_ovsipsec 1 || fail "stopping ovs-monitor-ipsec on arm1"
		arm_is_clean || fail "arm1 not clean after OVS IPsec's up round $br of $bn peers"
	done
}

# --- 4. verify with one tunnel: memory and start-up -------------------------------------------
startup_bench() {
	bconf=$W/up-1.conf
	in_arm 1 $(ewoe1) --timeout 60 setup --config "$bconf" --no-link --no-verify \
		>"$LAB_LOGS/startup-setup.log" 2>&1 || fail "ewoe setup of one tunnel for the start-up measurement"
	in_arm 1 $(ewoe1) verify --config "$bconf" >"$LAB_LOGS/startup-verify.txt" 2>&1 ||
		fail "ewoe verify of one healthy tunnel exited $?: $(cat "$LAB_LOGS/startup-verify.txt")"
	for br in $(seq 1 "$REPS"); do
		measure_in arm1 startup 1 ewoe "$br" -- $(ewoe1) verify --config "$bconf" ||
			fail "ewoe verify exited $?"
		measure_in arm1 startup 1 script "$br" -- "$BENCH/script-count.sh" "$LOCAL"
		measure_in arm1 startup 1 mnl_dump "$br" -- "$DUMP"
	done
	measure_in arm1 startup 1 ewoe rss --rss -- $(ewoe1) verify --config "$bconf"
	measure_in arm1 startup 1 script rss --rss -- "$BENCH/script-count.sh" "$LOCAL"
	measure_in arm1 startup 1 mnl_dump rss --rss -- "$DUMP"
	in_arm 1 $(ewoe1) teardown --config "$bconf" >/dev/null 2>&1
	wait_no_sas
}

# --- 3. verify at scale -----------------------------------------------------------------------
# SAS states (4 per peer, as strongSwan installs a tunnel: two children, each an out and an in
# SA) and their out/in policies, in a namespace of their own with no daemons.
scale_bench() {
	bsas=$1
	bpeers=$((bsas / 4))
	bconf=$W/scale.conf
	ip netns add xb || return 1
	ip -n xb link set lo up
	ip -n xb link add p0 mtu "$LAB_UNDERLAY_MTU" type veth peer name pf0hpf || return 1
	ip -n xb addr add "$LOCAL/24" dev p0 && ip -n xb link set p0 up && ip -n xb link set pf0hpf up
	awk -v n="$bpeers" -v l="$LOCAL" 'BEGIN {
		for (i = 0; i < n; i++) {
			r = sprintf("198.18.%d.%d", int(i / 250), i % 250 + 1)
			for (c = 0; c < 2; c++) {
				reqid = 2 * i + c + 1
				for (d = 0; d < 2; d++) {
					s = d ? r : l; t = d ? l : r
					printf "xfrm state add src %s dst %s proto esp spi 0x%08x reqid %d mode transport replay-window 32 flag esn aead \"rfc4106(gcm(aes))\" 0x%040d 128 sel src %s/32 dst %s/32\n", s, t, 268435456 + 4 * i + 2 * c + d, reqid, i, s, t
				}
				# child 0 carries out-to-port-4789 traffic, child 1 traffic from port 4789
				port = c ? "sport" : "dport"
				rport = c ? "dport" : "sport"
				printf "xfrm policy add src %s/32 dst %s/32 proto udp %s 4789 dir out priority 366911 tmpl proto esp reqid %d mode transport\n", l, r, port, reqid
				printf "xfrm policy add src %s/32 dst %s/32 proto udp %s 4789 dir in priority 366911 tmpl proto esp reqid %d mode transport\n", r, l, rport, reqid
			}
		}
	}' >"$W/scale.batch"
	bt0=$(date +%s)
	ip -n xb -batch "$W/scale.batch" || fail "installing $bsas SAs with ip -batch"
	step "installed $(ip -n xb xfrm state | grep -c '^src') states and $(ip -n xb xfrm policy | grep -c '^src') policies in $(($(date +%s) - bt0))s"
	{
		printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\noffload = none\n' "$LOCAL"
		for bi in $(seq 0 $((bpeers - 1))); do
			printf '\n[peer s%d]\nremote = 198.18.%d.%d\nauth = psk\npsk-file = %s\n' \
				"$bi" $((bi / 250)) $((bi % 250 + 1)) "$W/psk"
		done
	} >"$bconf"
	chmod 600 "$bconf"
	# No daemons in this namespace: verify reads the kernel only, as the other two ways do.
	nodaemon="--db unix:$W/no-db.sock --vici unix://$W/no-charon.vici"
	brc=0
	ip netns exec xb "$EWOE" $nodaemon --json verify --config "$bconf" \
		>"$LAB_LOGS/scale-verify.json" 2>"$LAB_LOGS/scale-verify.stderr" || brc=$?
	python3 - "$LAB_LOGS/scale-verify.json" "$bpeers" <<-'PY' || fail "verify at scale: the synthetic SAs are not what verify accepts (exit $brc)"
		import json, sys
		d = json.load(open(sys.argv[1]))
		# Only the SAs and policies are synthetic: no daemon answers here, the peers have no
		# guard and no route, and verify fails those checks rightly.
		bad = [c for c in d["checks"] if c["status"] == "fail" and c["category"] in ("sa", "policy")]
		sa_ok = sum(1 for c in d["checks"] if c["status"] == "ok" and c["category"] == "sa")
		print("  verify at scale: result %s, %d SA checks ok, %d failed" % (d["result"], sa_ok, len(bad)))
		for c in bad[:5]:
		    print("    %s %s: found %s, expected %s" % (c["peer"] if "peer" in c else "", c["item"], c["found"], c["expected"]))
		sys.exit(0 if not bad and sa_ok >= 4 * int(sys.argv[2]) else 1)
		PY
	ip netns exec xb "$BENCH/script-count.sh" "$LOCAL"
	ip netns exec xb "$DUMP"
	for br in $(seq 1 "$REPS"); do
		# shellcheck disable=SC2086
		measure_in xb verify "$bsas" ewoe "$br" -- "$EWOE" $nodaemon verify --config "$bconf"
		measure_in xb verify "$bsas" script "$br" -- "$BENCH/script-count.sh" "$LOCAL"
		measure_in xb verify "$bsas" mnl_dump "$br" -- "$DUMP"
	done
	# shellcheck disable=SC2086
	measure_in xb verify "$bsas" ewoe rss --rss -- "$EWOE" $nodaemon verify --config "$bconf"
	measure_in xb verify "$bsas" script rss --rss -- "$BENCH/script-count.sh" "$LOCAL"
	measure_in xb verify "$bsas" mnl_dump rss --rss -- "$DUMP"
	# ewoe status beside verify over the same SAs (bench/status-bench.sh)
	if wanted status; then
		. "$BENCH/status-bench.sh"
		status_bench "$bsas" "$bconf" "$nodaemon"
	fi
	ip netns del xb
}

# --- 5. plaintext VXLAN on the wire: bring-up, then the IKE daemon stopped --------------------
# arm1 and arm2 as two DPUs, one tunnel between them, each way on both arms. host1 pings host2
# every 50 ms for the whole run (the hosts know each other's MAC, so every ping is a frame into
# the tunnel, ARP or not) and tcpdump records the wire p0. Phases: before (nothing configured);
# bring-up (arm1 configured, arm2 3 s later, until a ping gets across, at most 200 s); arm1's IKE daemon
# stopped cleanly (3 s). With other_config:ipsec_skb_mark=0/1 set on both arms, or not: only
# ovs-monitor-ipsec reads it (it loads drop policies for unencrypted tunnel packets whose
# skb_mark matches); the other ways run with it too, to show that nothing else does.
leak_conf() { # N: arm N's ewoe.conf, one PSK peer (the other arm), software IPsec
	lo=$((3 - $1))
	{
		printf '[node]\npf = p0\naddress = %s/24\nrepresentor = pf0hpf\n' "$(lab_underlay_ip "$1")"
		printf 'bridge = vxlan-br\noffload = none\n\n[peer arm%s]\nremote = %s\n' "$lo" \
			"$(lab_underlay_ip "$lo")"
		printf 'auth = psk\npsk-file = %s\n' "$W/psk"
	} >"$W/leak-arm$1.conf"
	chmod 600 "$W/leak-arm$1.conf"
	echo "arm$lo $(lab_underlay_ip "$lo")" >"$W/leak-arm$1.peers"
	mkdir -p "$W/leak-arm$1/conf.d"
}

# leak_configure WAY N: the way's configuration of arm N's tunnel to the other arm.
leak_configure() {
	lw=$1 ln=$2
	case $lw in
	ewoe)
		lab_ewoe "$ln" --timeout 4 setup --config "$W/leak-arm$ln.conf" \
			>>"$LAB_LOGS/leak-ewoe-arm$ln.log" 2>&1 || true
		;;
	script)
		rm -f "$W/leak-arm$ln"/conf.d/*
		in_arm "$ln" "$BENCH/script-push.sh" "$(lab_db "$ln")" "$(lab_vici "$ln")" \
			"$W/leak-arm$ln" "$W/leak-arm$ln.peers" "$(lab_underlay_ip "$ln")" "$(cat "$W/psk")" \
			>>"$LAB_LOGS/leak-script-arm$ln.log" 2>&1
		;;
	ovsipsec)
		in_arm "$ln" "$BENCH/ovsipsec-push.sh" "$(lab_db "$ln")" "$W/leak-arm$ln.peers" \
			"$(lab_underlay_ip "$ln")" "$(cat "$W/psk")" >>"$LAB_LOGS/leak-ovsipsec-arm$ln.log" 2>&1
		;;
	esac
}

# leak_bringup WAY: after arm2 is configured, what brings the tunnel up: ewoe's setup on arm1
# again (the reconcile run), the script's swanctl --initiate of both children; OVS IPsec needs
# nothing (traffic does it).
leak_bringup() {
	case $1 in
	ewoe) lab_ewoe 1 setup --config "$W/leak-arm1.conf" >>"$LAB_LOGS/leak-ewoe-arm1.log" 2>&1 || true ;;
	script)
		for lc in bf-out bf-in; do
			lab_swanctl 1 --initiate --ike arm2 --child "$lc" --timeout 30 \
				>>"$LAB_LOGS/leak-script-arm1.log" 2>&1 || true
		done
		;;
	esac
}

leak_phase() { printf '%s %s\n' "$1" "$(date +%s.%N)" >>"$W/leak.phases"; }

# leak_run WAY MARK REP
leak_run() {
	lw=$1 lm=$2 lr=$3
	step "5. plaintext, $lw, ipsec_skb_mark $lm, rep $lr"
	for ln in 1 2; do
		if [ "$lm" = on ]; then
			lab_vsctl "$ln" set Open_vSwitch . other_config:ipsec_skb_mark=0/1
		else
			lab_vsctl "$ln" remove Open_vSwitch . other_config ipsec_skb_mark
		fi || fail "setting ipsec_skb_mark on arm$ln"
		[ "$lw" != ovsipsec ] || to_ovsipsec "$ln" || fail "starting ovs-monitor-ipsec on arm$ln"
	done
	: >"$W/leak.phases"
	capture_start
	ip netns exec host1 ping -i 0.05 -W 1 "$(lab_overlay_ip 2)" >"$LAB_LOGS/leak-ping.log" 2>&1 &
	lping=$!
	leak_phase before
	sleep 1
	leak_phase bring-up
	lt0=$(date +%s.%N)
	leak_configure "$lw" 1 || fail "$lw: configuring arm1"
	sleep 3
	leak_configure "$lw" 2 || fail "$lw: configuring arm2"
	leak_bringup "$lw"
	lback=-
	# 200 s: a failed acquire blocks a trap policy until its larval state expires (165 s).
	if lab_wait 200 "a ping across ($lw)" in_host 1 ping -c 1 -W 1 "$(lab_overlay_ip 2)"; then
		lback=$(echo "$(date +%s.%N) $lt0" | awk '{ printf "%.1f", $1 - $2 }')
	fi
	echo "  $lw: the first ping across after ${lback}s"
	case $lw in
	ewoe) verify_way leak 1 "ewoe-mark-$lm" "$lr" --db "$(lab_db 1)" --vici "$(lab_vici 1)" verify \
		--config "$W/leak-arm1.conf" ;;
	script) verify_way leak 1 "script-mark-$lm" "$lr" --db "$(lab_db 1)" --vici "$(lab_vici 1)" \
		verify --local "$LOCAL" --remote "$(lab_underlay_ip 2)" --expect-offload none ;;
	ovsipsec) verify_way leak 1 "ovsipsec-mark-$lm" "$lr" --db "$(lab_db 1)" \
		--vici "$(ovsipsec_vici 1)" verify --local "$LOCAL" --remote "$(lab_underlay_ip 2)" \
		--expect-offload none ;;
	esac
	leak_phase "IKE daemon stopped on arm1"
	if [ "$lw" = ovsipsec ]; then
		ovsipsec_ike_stop 1 || fail "ipsec stop on arm1"
	else
		charon_stop 1
	fi
	sleep 3
	leak_phase end
	kill "$lping" 2>/dev/null
	wait "$lping" 2>/dev/null
	capture_stop "leak-$lw-$lm-$lr"
	tcpdump -tt -nn -r "$LAB_RUN/p0.pcap" 'udp port 4789 or esp' 2>/dev/null >"$W/leak.txt"
	python3 "$BENCH/leak-count.py" "$W/leak.phases" "$W/leak.txt" | while IFS=, read -r lp lplain lesp; do
		lb=
		[ "$lp" != bring-up ] || lb=$lback
		echo "$lw,$lm,$lr,$lp,$lplain,$lesp,$lb" >>"$LEAK_CSV"
		echo "  $lp: $lplain plaintext VXLAN, $lesp ESP"
	done

	# ovs-monitor-ipsec unloads its drop policies once ipsec_skb_mark is gone.
	for ln in 1 2; do lab_vsctl "$ln" remove Open_vSwitch . other_config ipsec_skb_mark; done
	case $lw in
	ewoe)
		lab_charon_up 1 || fail "restarting charon on arm1"
		for ln in 1 2; do
			lab_ewoe "$ln" teardown --config "$W/leak-arm$ln.conf" >>"$LAB_LOGS/leak-ewoe-arm$ln.log" 2>&1 ||
				fail "ewoe teardown on arm$ln"
		done
		;;
	script)
		for ln in 1 2; do
			lab_vsctl "$ln" del-br vxlan-br || fail "del-br on arm$ln"
			charon_stop "$ln"
			lab_charon_up "$ln" || fail "restarting charon on arm$ln"
		done
		;;
	ovsipsec)
		for ln in 1 2; do
			ovsipsec_teardown "$ln" || fail "removing OVS IPsec's tunnel on arm$ln"
			from_ovsipsec "$ln" || fail "stopping ovs-monitor-ipsec on arm$ln"
		done
		;;
	esac
	for ln in 1 2; do
		lab_wait 30 "arm$ln clean" sh -c "! ip netns exec arm$ln ip xfrm state | grep -q . &&
			! ip netns exec arm$ln ip xfrm policy | grep -q 'port 4789'" ||
			fail "arm$ln not clean after the plaintext run of $lw"
		! lab_vsctl "$ln" br-exists vxlan-br || fail "arm$ln has a bridge after the plaintext run of $lw"
	done
}

leak_bench() {
	for ln in 1 2; do
		leak_conf "$ln"
		# Each host knows the other's MAC: no ARP, every ping is a frame into the tunnel.
		lo=$((3 - ln))
		ip netns exec "host$ln" ip neigh replace "$(lab_overlay_ip "$lo")" dev ens7np0 nud permanent \
			lladdr "$(ip netns exec "host$lo" cat /sys/class/net/ens7np0/address)" ||
			fail "a static neighbour on host$ln"
	done
	echo "way,skb_mark,rep,phase,plaintext_vxlan,esp,back_s" >"$LEAK_CSV"
	for lr in $(seq 1 "$LEAK_REPS"); do
		for lm in off on; do
			for lw in ewoe script ovsipsec; do leak_run "$lw" "$lm" "$lr"; done
		done
	done
}

# --- the run ----------------------------------------------------------------------------------
echo "measurement,n,way,rep,wall_ms,peak_rss_kib,exit,busy_pct,cmd_cpu_ms,charons_cpu_ms,ovs_cpu_ms,monitor_cpu_ms" >"$BENCH_RAW"
echo "measurement,n,way,rep,exit,ok,failed,skipped,failed_kinds" >"$VERIFY_CSV"
step "lab up ($mode)"
lab_up || fail "lab_up failed"
# measure.sh records the CPU time both arms' charons, and both arms' ovsdb-server and
# ovs-vswitchd, spend during each run.
# With OVS IPsec, each arm's charon is the one its starter runs, and the monitor's CPU (with the
# `ipsec` commands it runs) and starter's have a column of their own.
OI1=$LAB_RUN/arm1/ovsipsec OI2=$LAB_RUN/arm2/ovsipsec # ovsipsec_dir
export BENCH_CHARON_PIDFILES="$LAB_RUN/arm1/charon.pid $LAB_RUN/arm2/charon.pid
	$OI1/run/charon.pid $OI2/run/charon.pid"
export BENCH_OVS_PIDFILES="$LAB_RUN/arm1/ovsdb-server.pid $LAB_RUN/arm1/ovs-vswitchd.pid
	$LAB_RUN/arm2/ovsdb-server.pid $LAB_RUN/arm2/ovs-vswitchd.pid"
export BENCH_MONITOR_PIDFILES="$OI1/ovs-monitor-ipsec.pid $OI1/run/starter.charon.pid
	$OI2/ovs-monitor-ipsec.pid $OI2/run/starter.charon.pid"
lab_at_exit ovsipsec_all_down
ovsipsec_all_down() { ovsipsec_down 1; ovsipsec_down 2; }
mkdir -p "$W" && chmod 700 "$W"
(umask 077 && openssl rand -hex 24 >"$W/psk") || fail "making the PSK"
: >"$W/empty-swanctl.conf"
# What /etc/swanctl holds on a real node; swanctl --load-all complains when one is missing.
for bd in "$W" "$W/script" "$W/seq" "$W/arm2"; do
	for bsub in conf.d x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$bd/$bsub"
	done
done

# The plaintext measurement first: the newest, and a failure there shows within minutes.
if wanted leak; then
	leak_bench
fi
if wanted push; then
	for bn in $PUSH_NS; do
		step "1. configuration push, $bn peers"
		push_bench "$bn"
	done
fi
UP_MAX=0
for bn in $UP_NS; do UP_MAX=$bn; done
if wanted up || wanted startup; then
	step "2. arm2 answers for $UP_MAX addresses, and $UP_MAX more for OVS IPsec"
	up_prepare "$UP_MAX" || fail "preparing arm2's responders"
fi
if wanted up; then
	for bn in $UP_NS; do
		step "2. time to all tunnels up, $bn peers"
		up_bench "$bn"
	done
fi
if wanted startup; then
	step "4. verify of one tunnel: start-up and memory"
	# its config is up_bench's for one peer
	peers_file "$W/up-1.peers" 1 u up_remote && ewoe_conf "$W/up-1.conf" "$W/up-1.peers" initiator
	startup_bench
fi
if wanted verify || wanted status; then
	step "3. verify at scale: $SAS SAs"
	scale_bench "$SAS"
fi

step "PASS"
