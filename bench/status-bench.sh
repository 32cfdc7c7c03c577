# shellcheck shell=bash
# ewoe status beside ewoe verify at scale (sourced by bench/guest-bench.sh, called by
# scale_bench while its namespace xb holds the synthetic SAs and policies: 2,500 peers in a full
# run, 250 in a quick one). Same config, same kernel state, the ways interleaved rep by rep:
#   measurement "status", no daemons (as verify's own measurement): way "status" is
#     `ewoe status`, "verify" `ewoe verify`, "metrics" `ewoe metrics --output FILE` (what
#     ewoe-metrics.timer runs); then each once under /usr/bin/time for its peak RSS.
#   measurement "status_ike", the same with arm1's charon answering on its VICI socket (none of
#     these connections loaded there): one get-conns and one list-sas for every peer, and
#     libstrongswan started, in each run.
#
# status_bench SAS CONFIG NODAEMON_ARGS
status_bench() {
	ssas=$1
	sconf=$2
	snodaemon=$3
	speers=$((ssas / 4))
	# status sees the synthetic tunnels as verify does: all 4 SAs of each, in software.
	src=0
	# shellcheck disable=SC2086
	ip netns exec xb "$EWOE" $snodaemon --json status --config "$sconf" \
		>"$LAB_LOGS/scale-status.json" 2>"$LAB_LOGS/scale-status.stderr" || src=$?
	python3 - "$LAB_LOGS/scale-status.json" "$speers" <<-'PY' || fail "status at scale: not the synthetic tunnels (exit $src)"
		import collections, json, sys
		d = json.load(open(sys.argv[1]))
		t = d["tunnels"]
		states = collections.Counter(x["state"] for x in t)
		print("  status at scale: %d tunnels, %s, %d with 4 SAs" % (
		    len(t), dict(states), sum(1 for x in t if x["sas"] == 4)))
		sys.exit(0 if len(t) == int(sys.argv[2]) and all(x["sas"] == 4 and x["offload"] == "none"
		                                                  for x in t) else 1)
		PY
	for sm in status status_ike; do
		sargs=$snodaemon
		if [ "$sm" = status_ike ]; then
			[ -S "$LAB_RUN/arm1/charon.vici" ] || {
				echo "  status_ike: arm1's charon is not running; not measured"
				continue
			}
			sargs="--db unix:$W/no-db.sock --vici $(lab_vici 1)"
		fi
		for sr in $(seq 1 "$REPS"); do
			# shellcheck disable=SC2086
			measure_in xb "$sm" "$ssas" status "$sr" -- "$EWOE" $sargs status --config "$sconf"
			# shellcheck disable=SC2086
			measure_in xb "$sm" "$ssas" verify "$sr" -- "$EWOE" $sargs verify --config "$sconf"
			# shellcheck disable=SC2086
			measure_in xb "$sm" "$ssas" metrics "$sr" -- "$EWOE" $sargs metrics --config "$sconf" \
				--output "$W/scale.prom" || fail "ewoe metrics at scale exited $?"
		done
		for sw in status verify metrics; do
			sout=()
			[ "$sw" = metrics ] && sout=(--output "$W/scale.prom")
			# shellcheck disable=SC2086
			measure_in xb "$sm" "$ssas" "$sw" rss --rss -- "$EWOE" $sargs "$sw" --config "$sconf" \
				"${sout[@]}"
		done
	done
	echo "  metrics at scale: $(grep -c '^ewoe_' "$W/scale.prom") samples, $(wc -c <"$W/scale.prom") bytes"
}
