#!/bin/sh
# The one-command demo: install what is missing, build ewoe, boot the two-DPU lab (a
# user-mode-linux guest; the machine's own network is not touched), give each emulated Arm an
# ewoe.conf and run `ewoe setup` on it, show verify's table, an encrypted ping and the ESP
# packets it took, then `ewoe teardown`. Run as root.
set -eu
cd "$(dirname "$0")/.."

step() { echo "==> $*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (installing packages needs it)" >&2; exit 1; }

step "checking dependencies"
./scripts/install-deps.sh

step "building ewoe in build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >build/demo-build.log 2>&1 || {
	tail -n 30 build/demo-build.log >&2
	echo "demo: the build failed; full log in build/demo-build.log" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ewoe-demo.XXXXXX")
boot_pid=""
cleanup() {
	status=$?
	[ -z "$boot_pid" ] || kill "$boot_pid" 2>/dev/null || true
	if [ "$status" -eq 0 ]; then
		rm -rf "$work"
	else
		echo "demo: failed; the lab's logs are in $work/logs" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step "booting the lab (user-mode-linux, under a minute)"
touch "$work/guest.log"
EWOE=$PWD/build/ewoe EWOE_SRC=$PWD EWOE_BUILD=$PWD/build \
	./tests/lab/boot.sh "$work" "$PWD/tests/lab/guest-demo.sh" &
boot_pid=$!
# The guest writes through to this file as it goes.
tail -n +1 -f --pid="$boot_pid" "$work/guest.log" | grep -v '^guest-init: '
status=0
wait "$boot_pid" || status=$?
boot_pid=""
exit "$status"
