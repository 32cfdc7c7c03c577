# The units ewoe ships, installed the way the package installs them, for systemd's own tools.
# Source it after tests/lib.sh; it skips when systemd-analyze cannot run here at all.
#   install_units     the build installed under $ROOT (cmake --install, DESTDIR, the package's
#                     prefix), units in $ROOT$UNITDIR with ExecStart pointing at
#                     $ROOT/usr/sbin/ewoe; $UNITS the unit file names, $INSTALLABLE those with
#                     an [Install] section (each a list of words in one line)
#   enable_units      enabled as `systemctl enable` does, links in $ROOT/etc/systemd/system
#   analyze ARGS...   systemd-analyze on those units, with the release's own units and
#                     stand-ins for Open vSwitch's and strongSwan's where they are not installed
#   ewoe_lines FILE   systemd-analyze's lines about ewoe's units, and every ordering cycle
need_cmd cmake
need_cmd systemd-analyze
need_cmd systemctl

ROOT=$T/root
UNITDIR=$(sed -n 's/^EWOE_UNITDIR:PATH=//p' "$EWOE_BUILD/CMakeCache.txt")
[ -n "$UNITDIR" ] || fail "EWOE_UNITDIR is not in $EWOE_BUILD/CMakeCache.txt"

# What every run sees: the probe drop-ins, the enable links, the installed units, the release's
# vendor units (not this machine's /etc: its admin's state is not ours), then the stand-ins.
mkdir -p "$T/probe" "$T/stubs"
analyze() {
	SYSTEMD_UNIT_PATH="$T/probe:$ROOT/etc/systemd/system:$ROOT$UNITDIR:/lib/systemd/system:/usr/lib/systemd/system:$T/stubs" \
		SYSTEMD_LOG_COLOR=0 SYSTEMD_COLORS=0 SYSTEMD_PAGER='' systemd-analyze "$@"
}

ewoe_lines() {
	grep -E '(^|[/ ])ewoe(-guard|-reconcile|-metrics)?\.(service|timer)\b|cycle' "$1" || true
}

# systemd 247 (Debian 11) builds its test manager on the cgroup it runs in: in a root without a
# cgroup file system (the release matrix's chroots) it cannot verify anything at all.
cat >"$T/stubs/ewoe-selftest.service" <<EOF
[Unit]
Description=a unit systemd-analyze must accept
[Service]
Type=oneshot
ExecStart=/bin/true
EOF
rc=0
analyze verify --man=no "$T/stubs/ewoe-selftest.service" >"$T/selftest" 2>&1 || rc=$?
if grep -q 'Failed to initialize manager' "$T/selftest"; then
	skip "systemd-analyze cannot run here: $(tr '\n' ' ' <"$T/selftest")"
fi
# Lines about the manager itself (systemd 247 in a container warns about its cgroup) are not
# about units; the tests look only at lines that name ewoe's units.
if [ "$rc" -ne 0 ] || grep -q ewoe-selftest "$T/selftest"; then
	fail "systemd-analyze rejects a trivial unit (exit $rc): $(cat "$T/selftest")"
fi
rm "$T/stubs/ewoe-selftest.service"

for u in ovsdb-server.service ovs-vswitchd.service openvswitch-switch.service \
	strongswan.service strongswan-starter.service; do
	[ -e "/lib/systemd/system/$u" ] || [ -e "/usr/lib/systemd/system/$u" ] && continue
	printf '[Unit]\nDescription=stand-in for %s\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
		"$u" >"$T/stubs/$u"
done

install_units() {
	DESTDIR=$ROOT cmake --install "$EWOE_BUILD" --prefix /usr >"$T/install.log" 2>&1 ||
		fail "cmake --install failed: $(cat "$T/install.log")"
	[ -x "$ROOT/usr/sbin/ewoe" ] || fail "cmake --install put no ewoe in $ROOT/usr/sbin"
	[ -d "$ROOT$UNITDIR" ] || fail "cmake --install made no unit directory $ROOT$UNITDIR"
	UNITS=$(cd "$ROOT$UNITDIR" && echo *)
	# systemd-analyze checks that ExecStart's program exists: this build's copy.
	for u in $UNITS; do
		case "$u" in *.service) ;; *) continue ;; esac
		n=$(grep -c '^ExecStart=/usr/sbin/ewoe ' "$ROOT$UNITDIR/$u")
		[ "$n" -eq 1 ] || fail "$u: $n ExecStart= lines run /usr/sbin/ewoe, expected 1"
		sed -i "s|^ExecStart=/usr/sbin/ewoe |ExecStart=$ROOT/usr/sbin/ewoe |" "$ROOT$UNITDIR/$u"
	done
	# shellcheck disable=SC2086
	INSTALLABLE=$(cd "$ROOT$UNITDIR" && grep -l '^\[Install\]' $UNITS | paste -sd ' ')
}

enable_units() {
	# shellcheck disable=SC2086
	systemctl --root="$ROOT" enable $INSTALLABLE >"$T/enable.log" 2>&1 ||
		fail "systemctl enable failed: $(cat "$T/enable.log")"
}
