#!/bin/bash
# One timed run of a command, appended to the bench's raw CSV (runs inside the lab guest,
# often through `ip netns exec`, so that the netns switch is outside the timed part).
#
# usage: measure.sh MEASUREMENT N WAY REP [--rss] -- CMD [ARG...]
#   appends "MEASUREMENT,N,WAY,REP,WALL_MS,PEAK_RSS_KIB,EXIT" to $BENCH_RAW.
#   Without --rss the command runs bare and the wall time is measured around it (bash's
#   EPOCHREALTIME: no process of our own inside the interval). With --rss it runs under
#   /usr/bin/time for its peak RSS, and that run's wall time is left empty.
# CMD's stdout goes to /dev/null, its stderr to $BENCH_LOGS/MEASUREMENT-N-WAY.log.
set -u
[ $# -ge 6 ] || { echo "usage: measure.sh MEASUREMENT N WAY REP [--rss] -- CMD..." >&2; exit 2; }
meas=$1 n=$2 way=$3 rep=$4
shift 4
rss=no
if [ "$1" = --rss ]; then
	rss=yes
	shift
fi
[ "$1" = -- ] || { echo "measure.sh: expected -- before the command" >&2; exit 2; }
shift
: "${BENCH_RAW:?}" "${BENCH_LOGS:?}"
log=$BENCH_LOGS/$meas-$n-$way.log

status=0
if [ "$rss" = yes ]; then
	rssf=$(mktemp)
	/usr/bin/time -f %M -o "$rssf" "$@" >/dev/null 2>>"$log" || status=$?
	line=$(printf '%s,%s,%s,%s,,%s,%s' "$meas" "$n" "$way" "$rep" "$(tail -n 1 "$rssf")" "$status")
	rm -f "$rssf"
else
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>>"$log" || status=$?
	t1=${EPOCHREALTIME/./}
	us=$((t1 - t0))
	line=$(printf '%s,%s,%s,%s,%d.%03d,,%s' "$meas" "$n" "$way" "$rep" $((us / 1000)) \
		$((us % 1000)) "$status")
fi
echo "$line" >>"$BENCH_RAW"
echo "  $line"
exit "$status"
