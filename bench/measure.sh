#!/bin/bash
# One timed run of a command, appended to the bench's raw CSV (runs inside the lab guest,
# often through `ip netns exec`, so that the netns switch is outside the timed part).
#
# usage: measure.sh MEASUREMENT N WAY REP [--rss] -- CMD [ARG...]
#   appends "MEASUREMENT,N,WAY,REP,WALL_MS,PEAK_RSS_KIB,EXIT,BUSY_PCT,CMD_CPU_MS,CHARONS_CPU_MS,
#   OVS_CPU_MS,MONITOR_CPU_MS" to $BENCH_RAW: with the wall time, how busy the guest's CPU was
#   (all of it: one vCPU), the CPU time of CMD and its children, and that of the processes named
#   by the pid files in $BENCH_CHARON_PIDFILES and in $BENCH_OVS_PIDFILES, and of those in
#   $BENCH_MONITOR_PIDFILES with their finished children (ovs-monitor-ipsec runs an `ipsec`
#   command for each step; starter), read from /proc around the run.
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

# /proc/stat's first line: busy and total jiffies of the guest.
cpu_jiffies() {
	local _cpu user nice sys idle iowait irq softirq steal _rest
	read -r _cpu user nice sys idle iowait irq softirq steal _rest </proc/stat
	echo "$((user + nice + sys + irq + softirq + steal)) $((user + nice + sys + idle + iowait + irq + softirq + steal))"
}
# utime + stime of the processes named by the pid files given, in jiffies; with --children,
# plus cutime + cstime (the children they have waited for).
daemons_jiffies() {
	local f pid sum=0 st kids=no
	if [ "${1:-}" = --children ]; then
		kids=yes
		shift
	fi
	for f in "$@"; do
		read -r pid 2>/dev/null <"$f" || continue
		read -r -a st 2>/dev/null <"/proc/$pid/stat" || continue
		sum=$((sum + st[13] + st[14]))
		[ "$kids" = no ] || sum=$((sum + st[15] + st[16]))
	done
	echo "$sum"
}
# User plus system time of this shell's finished children in ms, from a file `times` wrote in
# this shell (in a subshell, the children's times would start from zero).
children_ms() {
	awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); ms += (a[1] * 60 + a[2]) * 1000 }
		print int(ms) }' "$1"
}
times_file=$(mktemp)

status=0
read -r busy0 total0 <<<"$(cpu_jiffies)"
# shellcheck disable=SC2086
charons0=$(daemons_jiffies ${BENCH_CHARON_PIDFILES:-}) ovs0=$(daemons_jiffies ${BENCH_OVS_PIDFILES:-})
# shellcheck disable=SC2086
mon0=$(daemons_jiffies --children ${BENCH_MONITOR_PIDFILES:-})
times >"$times_file.0"
if [ "$rss" = yes ]; then
	rssf=$(mktemp)
	/usr/bin/time -f %M -o "$rssf" "$@" >/dev/null 2>>"$log" || status=$?
	times >"$times_file.1"
	line=$(printf '%s,%s,%s,%s,,%s,%s' "$meas" "$n" "$way" "$rep" "$(tail -n 1 "$rssf")" "$status")
	rm -f "$rssf"
else
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>>"$log" || status=$?
	t1=${EPOCHREALTIME/./}
	times >"$times_file.1"
	us=$((t1 - t0))
	line=$(printf '%s,%s,%s,%s,%d.%03d,,%s' "$meas" "$n" "$way" "$rep" $((us / 1000)) \
		$((us % 1000)) "$status")
fi
read -r busy1 total1 <<<"$(cpu_jiffies)"
# shellcheck disable=SC2086
charons1=$(daemons_jiffies ${BENCH_CHARON_PIDFILES:-}) ovs1=$(daemons_jiffies ${BENCH_OVS_PIDFILES:-})
# shellcheck disable=SC2086
mon1=$(daemons_jiffies --children ${BENCH_MONITOR_PIDFILES:-})
cmd_ms=$(($(children_ms "$times_file.1") - $(children_ms "$times_file.0")))
rm -f "$times_file" "$times_file.0" "$times_file.1"
busy_pct=
[ $((total1 - total0)) -gt 0 ] && busy_pct=$((100 * (busy1 - busy0) / (total1 - total0)))
# USER_HZ is 100 on every Linux: a jiffy here is 10 ms.
line="$line,$busy_pct,$cmd_ms,$((10 * (charons1 - charons0))),$((10 * (ovs1 - ovs0))),$((10 * (mon1 - mon0)))"
echo "$line" >>"$BENCH_RAW"
echo "  $line"
exit "$status"
