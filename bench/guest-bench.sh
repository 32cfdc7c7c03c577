#!/bin/bash
# The benchmarks, inside the lab guest (bench/run.sh boots it with tests/lab/boot.sh).
# Every measurement runs two (or three) ways of doing the same work on the same lab, the ways
# interleaved rep by rep, each run appended to $LAB_OUT/raw.csv by bench/measure.sh.
#
# usage (as boot.sh's SCRIPT): guest-bench.sh quick|full XFRM_DUMP_BINARY [push,up,startup,verify]
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"
mode=$1
DUMP=$2
ONLY=,${3:-push,up,startup,verify},
wanted() { case $ONLY in *,"$1",*) return 0 ;; *) return 1 ;; esac; }
BENCH=$(dirname "$(realpath "$0")")
export BENCH_RAW=$LAB_OUT/raw.csv BENCH_LOGS=$LAB_LOGS
export STRONGSWAN_CONF=$LAB_RUN/swanctl-strongswan.conf
# Both charons log as a deployed one does, not at the tests' debug levels.
export LAB_CHARON_LOG=default
W=$LAB_RUN/bench
LOCAL=$(lab_underlay_ip 1)

if [ "$mode" = quick ]; then
	PUSH_NS="1 16" UP_NS="1 16" SAS=1000 REPS=3
else
	PUSH_NS="1 16 64 256" UP_NS="1 16 64" SAS=10000 REPS=3
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
		[ -z "$(lab_swanctl 1 --list-conns 2>/dev/null | grep -E '^[^ ].*:')" ]
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
		arm_is_clean || fail "arm1 not clean after push round $br of $bn peers"
	done
}

# --- 2. time to all tunnels up ---------------------------------------------------------------
# arm2's one charon answers for every address 192.0.2.101..: responder connections only.
up_prepare() {
	bmax=$1
	mkdir -p "$W/arm2/conf.d"
	printf 'include conf.d/*.conf\n' >"$W/arm2/swanctl.conf"
	. "$BENCH/lib-swanctl.sh"
	for bk in $(seq 1 "$bmax"); do
		in_arm 2 ip addr add "$(up_remote "$bk")/24" dev p0 || return 1
		write_snippet "r$bk" "$(up_remote "$bk")" "$LOCAL" "$(cat "$W/psk")" "$W/arm2"
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
		in_arm 1 $(ewoe1) teardown --config "$bconf" >>"$LAB_LOGS/up-teardown.log" 2>&1 ||
			fail "ewoe teardown after $bn initiators"
		wait_no_sas || fail "SAs left after ewoe teardown"

		lab_swanctl 1 --load-all --noprompt --file "$W/seq/swanctl.conf" >/dev/null ||
			fail "loading the sequential initiators' config"
		measure_in arm1 up "$bn" sequential "$br" -- "$BENCH/script-initiate.sh" \
			"$(lab_vici 1)" "$bpeers" "$bn" "$br" || fail "initiating $bn peers one by one"
		bc=$(esp_sa_count 1)
		[ "$bc" -eq $((4 * bn)) ] || fail "after swanctl --initiate arm1 has $bc SAs"
		while read -r bname bremote; do
			lab_swanctl 1 --terminate --ike "$bname" --force --timeout 10 >/dev/null 2>&1
		done <"$bpeers"
		lab_swanctl 1 --load-all --clear --noprompt --file "$W/empty-swanctl.conf" >/dev/null
		wait_no_sas || fail "SAs left after terminating the sequential initiators"
		arm_is_clean || fail "arm1 not clean after up round $br of $bn peers"
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

# --- the run ----------------------------------------------------------------------------------
echo "measurement,n,way,rep,wall_ms,peak_rss_kib,exit,busy_pct,cmd_cpu_ms,charons_cpu_ms,ovs_cpu_ms" >"$BENCH_RAW"
step "lab up ($mode)"
lab_up || fail "lab_up failed"
# measure.sh records the CPU time both arms' charons, and both arms' ovsdb-server and
# ovs-vswitchd, spend during each run.
export BENCH_CHARON_PIDFILES="$LAB_RUN/arm1/charon.pid $LAB_RUN/arm2/charon.pid"
export BENCH_OVS_PIDFILES="$LAB_RUN/arm1/ovsdb-server.pid $LAB_RUN/arm1/ovs-vswitchd.pid
	$LAB_RUN/arm2/ovsdb-server.pid $LAB_RUN/arm2/ovs-vswitchd.pid"
mkdir -p "$W" && chmod 700 "$W"
(umask 077 && openssl rand -hex 24 >"$W/psk") || fail "making the PSK"
: >"$W/empty-swanctl.conf"
# What /etc/swanctl holds on a real node; swanctl --load-all complains when one is missing.
for bd in "$W" "$W/script" "$W/seq" "$W/arm2"; do
	for bsub in conf.d x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$bd/$bsub"
	done
done

if wanted push; then
	for bn in $PUSH_NS; do
		step "1. configuration push, $bn peers"
		push_bench "$bn"
	done
fi
if wanted up || wanted startup; then
	bmax=0
	for bn in $UP_NS; do bmax=$bn; done
	step "2. arm2 answers for $bmax addresses"
	up_prepare "$bmax" || fail "preparing arm2's responders"
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
