# Shared helpers for ewoe's shell tests. Source it; each test gets a private $T.
set -u
: "${EWOE:?EWOE must name the ewoe binary (ctest sets it)}"
: "${EWOE_SRC:?EWOE_SRC must name the source tree (ctest sets it)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/ewoe-test.XXXXXX")
EWOE_CLEANUPS=""
cleanup() {
	status=$?
	for c in $EWOE_CLEANUPS; do "$c" || true; done
	# A failed test leaves its daemons' logs where .ci/run prints them.
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
		logs=/tmp/ewoe-logs/$(basename "$0" .sh)
		mkdir -p "$logs"
		find "$T" -name '*.log' -exec cp {} "$logs/" \; 2>/dev/null || true
	fi
	if [ "${EWOE_KEEP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
at_exit() { EWOE_CLEANUPS="$1 $EWOE_CLEANUPS"; }

fail() {
	echo "FAIL: $*" >&2
	for f in "$T/stdout" "$T/stderr"; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}
skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "PASS"; exit 0; }

# expect_exit CODE CMD...: run CMD, keep its output in $T/stdout and $T/stderr.
expect_exit() {
	want=$1
	shift
	rc=0
	"$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want"
}

# strongSwan's version, as Debian and Ubuntu package it (libstrongswan), without the revision.
charon_version() {
	v=$(dpkg-query -W -f='${Version}' libstrongswan 2>/dev/null) || return 1
	v=${v#*:}
	echo "${v%%-*}"
}
# True when charon accepts hw_offload = packet and crypto (strongSwan 5.9.10 and later).
charon_has_offload_modes() {
	v=$(charon_version) && dpkg --compare-versions "$v" ge 5.9.10
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }
