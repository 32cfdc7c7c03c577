#!/bin/bash
# Bringing N tunnels up one at a time, as a script does: for each peer, `swanctl --initiate`
# of its two children in turn, each waiting for the last. Each peer's time (its whole IKE
# exchange sequence: IKE_SA_INIT, IKE_AUTH with the first child, CREATE_CHILD_SA for the
# second) is appended to $BENCH_RAW as measurement "up", way "single".
#
# usage: script-initiate.sh VICI_URI PEERS_FILE N REP
set -eu
vici=$1 peers=$2 n=$3 rep=$4
: "${BENCH_RAW:?}"
while read -r name remote; do
	t0=${EPOCHREALTIME/./}
	for child in bf-out bf-in; do
		swanctl --initiate --uri "$vici" --ike "$name" --child "$child" --timeout 60 >/dev/null
	done
	t1=${EPOCHREALTIME/./}
	us=$((t1 - t0))
	printf 'up,%s,single,%s,%d.%03d,,0\n' "$n" "$rep" $((us / 1000)) $((us % 1000)) >>"$BENCH_RAW"
done <"$peers"
