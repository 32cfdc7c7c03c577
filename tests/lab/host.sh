# Host side of a lab test: boot the user-mode-linux guest on one guest script and report.
# Source after tests/lib.sh. Daemon logs land in $T/lab/logs, where lib.sh's cleanup finds
# them (*.log) for CI when the test fails.

# lab_run GUEST_SCRIPT: boot the guest on it; exit with its status.
lab_run() {
	command -v "${LAB_KERNEL:-linux.uml}" >/dev/null 2>&1 ||
		skip "no user-mode-linux kernel (linux.uml): install-deps.sh installs it on Debian 12 and 13, where the lab runs"
	ls -d /usr/lib/uml/modules/* >/dev/null 2>&1 ||
		skip "no user-mode-linux modules under /usr/lib/uml/modules"
	mkdir -p "$T/lab"
	rc=0
	"$EWOE_SRC/tests/lab/boot.sh" "$T/lab" "$1" || rc=$?
	cat "$T/lab/guest.log" 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "lab: daemon logs and captures are in $T/lab/logs (copied to /tmp/ewoe-logs)" >&2
		fail "$(basename "$1") exited $rc in the lab guest"
	fi
	pass
}
