#!/bin/sh
# ewoe's benchmarks: ewoe against the script's way and OVS IPsec (ovs-monitor-ipsec) doing the
# same work, measured side by side in one boot of the two-DPU lab (tests/lab, a user-mode-linux
# guest). See docs/performance.md.
#
# usage: bench/run.sh [--quick] [--only push,up,startup,verify,leak] [--out DIR]
#   --quick   N = 1 and 16 only, 1,000 SAs, 3 reps: a smoke run of the harness
#   --only    run only these measurements (1 push, 2 up, 4 startup, 3 verify and status, 5 leak: plaintext
#             VXLAN on the wire); default all
#   --out DIR where results.md and raw.csv go (default bench/results, or
#             bench/results/quick with --quick)
# Environment: EWOE_BUILD (default build/ in the source tree), the build to use or make.
# Needs root (the guest configures namespaces as root), user-mode-linux, and what
# scripts/install-deps.sh installs.
set -eu

die() { echo "bench: $*" >&2; exit 1; }

src=$(cd "$(dirname "$0")/.." && pwd)
mode=full
only=push,up,startup,verify,leak
out=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift ;;
	--only)
		[ $# -ge 2 ] || die "--only needs a list, e.g. --only push,verify"
		case ,$2, in *[!a-z,]* | *,,*) die "--only takes names from push,up,startup,verify,leak,status" ;; esac
		for m in $(echo "$2" | tr , ' '); do
			case $m in push | up | startup | verify | leak | status) ;; *) die "--only: no measurement '$m' (push, up, startup, verify, leak, status)" ;; esac
		done
		only=$2
		shift
		;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (usage: bench/run.sh [--quick] [--only LIST] [--out DIR])" ;;
	esac
	shift
done
[ -n "$out" ] || { [ "$mode" = quick ] && out=$src/bench/results/quick || out=$src/bench/results; }
[ "$(id -u)" -eq 0 ] || die "run as root: the lab guest makes namespaces and loads modules"
command -v /usr/bin/time >/dev/null || die "no /usr/bin/time; install package time (scripts/install-deps.sh)"
[ -x /usr/share/openvswitch/scripts/ovs-monitor-ipsec ] ||
	die "no ovs-monitor-ipsec; install package openvswitch-ipsec (scripts/install-deps.sh)"

build=${EWOE_BUILD:-$src/build}
echo "bench: building ewoe in $build"
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" >"$src/bench/.cmake.log" 2>&1 ||
	{ cat "$src/bench/.cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$build" -j2 --target ewoe >"$src/bench/.cmake.log" 2>&1 ||
	{ tail -n 30 "$src/bench/.cmake.log" >&2; die "building ewoe failed"; }
rm -f "$src/bench/.cmake.log"
mkdir -p "$build/bench"
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$build/bench/xfrm-dump" "$src/bench/xfrm-dump.c" \
	$(pkg-config --cflags --libs libmnl) || die "building bench/xfrm-dump.c failed"

lab=$(mktemp -d "${TMPDIR:-/tmp}/ewoe-bench.XXXXXX")
trap 'rm -rf "$lab"' EXIT
echo "bench: booting the lab ($mode run); progress in $lab/guest.log"
t0=$(date +%s)
rc=0
# OVS IPsec's push of 256 tunnels alone takes minutes in the emulator.
EWOE=$build/ewoe EWOE_SRC=$src LAB_SCRIPT_TIMEOUT=4800 LAB_BOOT_TIMEOUT=4900 \
	"$src/tests/lab/boot.sh" "$lab" "$src/bench/guest-bench.sh" "$mode" \
	"$build/bench/xfrm-dump" "$only" || rc=$?
took=$(($(date +%s) - t0))
mkdir -p "$out"
cp "$lab/guest.log" "$out/guest.log"
if [ "$rc" -ne 0 ]; then
	rm -rf "$out/logs" && cp -r "$lab/logs" "$out/logs"
	for f in raw.csv verify.csv leak.csv; do cp "$lab/$f" "$out/$f" 2>/dev/null || true; done
	tail -n 40 "$lab/guest.log" >&2
	die "the bench failed in the guest (exit $rc); guest.log and logs/ are in $out"
fi
cp "$lab/raw.csv" "$out/raw.csv"
rm -f "$out/verify.csv" "$out/leak.csv"
for f in verify.csv leak.csv; do [ ! -f "$lab/$f" ] || cp "$lab/$f" "$out/$f"; done
python3 "$src/bench/summarize.py" "$out/raw.csv" "$mode" "$took" >"$out/results.md" ||
	die "summarizing $out/raw.csv failed"
cat "$out/results.md"
echo "bench: $mode run took ${took}s; results in $out/results.md, raw.csv, verify.csv and leak.csv"
