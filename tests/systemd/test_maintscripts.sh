#!/bin/sh
# The package's maintainer scripts register the units and never start them, and removing the
# package leaves a node whose Open vSwitch still starts: enabling the guard made the switch's
# units require it, and systemd refuses to start a unit whose required unit is missing or
# masked.
. "$EWOE_SRC/tests/lib.sh"
need_cmd deb-systemd-helper
deb=$EWOE_SRC/scripts/deb

# Every command the scripts run through deb-systemd-helper, deb-systemd-invoke and systemctl,
# logged instead of run: the calls themselves.
mkdir -p "$T/bin"
for c in deb-systemd-helper deb-systemd-invoke systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$T/calls" >"$T/bin/$c"
	chmod +x "$T/bin/$c"
done
calls() {
	: >"$T/calls"
	PATH="$T/bin:$PATH" sh "$deb/$1" "$2" || fail "$1 $2 exited $?"
}
called() { grep -qx "$1" "$T/calls" || fail "$2: no '$1' in: $(cat "$T/calls")"; }
not_called() { ! grep -Eq "$1" "$T/calls" || fail "$2: '$1' in: $(cat "$T/calls")"; }

calls postinst configure
for u in ewoe-guard.service ewoe.service ewoe-reconcile.timer ewoe-metrics.timer; do
	called "deb-systemd-helper enable $u" "postinst configure"
done
not_called 'enable ewoe-reconcile.service' "postinst configure (the timer starts it)"
not_called 'enable ewoe-metrics.service' "postinst configure (the timer starts it)"
not_called 'deb-systemd-invoke|systemctl .*(start|restart)' "postinst configure"
calls postrm remove
called "deb-systemd-helper purge ewoe-guard.service" "postrm remove"
called "deb-systemd-helper mask ewoe.service ewoe-reconcile.timer ewoe-metrics.timer" "postrm remove"
not_called 'mask .*ewoe-guard' "postrm remove"
calls postrm purge
called "deb-systemd-helper purge ewoe-guard.service ewoe.service ewoe-reconcile.timer ewoe-metrics.timer" "postrm purge"
calls prerm remove
not_called 'start|restart' "prerm remove"

# The same scripts with the real deb-systemd-helper on a root of their own (DPKG_ROOT, which
# init-system-helpers 1.61 and later honour; Debian 11 has 1.60), then systemd's verdict on
# the switch's units after each step. systemctl stays a logging stand-in: the scripts must not
# reload this machine's systemd.
if ! grep -q DPKG_ROOT "$(command -v deb-systemd-helper)"; then
	echo "note: this deb-systemd-helper ignores DPKG_ROOT: only the calls were checked" >&2
	pass
fi
. "$EWOE_SRC/tests/systemd/units.sh"
maint() {
	PATH="$T/bin:$PATH" DPKG_ROOT=$ROOT DPKG_MAINTSCRIPT_PACKAGE=ewoe sh "$deb/$1" "$2" \
		>"$T/maint.log" 2>&1 || fail "$1 $2: $(cat "$T/maint.log")"
}
# switch_starts: starting Open vSwitch's units is a transaction systemd accepts.
switch_starts() {
	rc=0
	analyze verify --man=no ovs-vswitchd.service openvswitch-switch.service >"$T/out" 2>&1 || rc=$?
	[ -z "$(ewoe_lines "$T/out")" ] || fail "$1: the switch cannot start: $(cat "$T/out")"
}
links() { find "$ROOT/etc/systemd/system" -name 'ewoe*' 2>/dev/null | sed "s|^$ROOT/etc/systemd/system/||" | sort; }

install_units
rm "$T/bin/deb-systemd-helper"
maint postinst configure
for l in ovs-vswitchd.service.requires/ewoe-guard.service \
	openvswitch-switch.service.requires/ewoe-guard.service \
	multi-user.target.wants/ewoe-guard.service multi-user.target.wants/ewoe.service \
	timers.target.wants/ewoe-reconcile.timer timers.target.wants/ewoe-metrics.timer; do
	[ -L "$ROOT/etc/systemd/system/$l" ] || fail "postinst made no $l: $(links)"
done
switch_starts "installed"

# dpkg removes the files, then runs postrm remove.
cp -a "$ROOT$UNITDIR" "$T/units.saved"
rm -f "$ROOT$UNITDIR"/ewoe* "$ROOT/usr/sbin/ewoe"
maint prerm remove
maint postrm remove
switch_starts "removed"
! links | grep -q ewoe-guard || fail "removed: the guard's links are left: $(links)"
[ "$(readlink "$ROOT/etc/systemd/system/ewoe.service")" = /dev/null ] ||
	fail "removed: ewoe.service is not masked: $(links)"

# Installed again: the guard enabled again, as a first install does.
cp -a "$T/units.saved/." "$ROOT$UNITDIR/"
maint postinst configure
[ -L "$ROOT/etc/systemd/system/ovs-vswitchd.service.requires/ewoe-guard.service" ] ||
	fail "reinstalled: the guard is not required by ovs-vswitchd again: $(links)"
[ ! -e "$ROOT/etc/systemd/system/ewoe.service" ] || fail "reinstalled: ewoe.service still masked"
switch_starts "reinstalled"

# Removed and purged: nothing of ewoe's left in systemd's configuration.
rm -f "$ROOT$UNITDIR"/ewoe*
maint postrm remove
maint postrm purge
[ -z "$(links)" ] || fail "purged: links left: $(links)"
left=$(find "$ROOT/var/lib/systemd" -name 'ewoe*' 2>/dev/null)
[ -z "$left" ] || fail "purged: deb-systemd-helper state left: $left"
switch_starts "purged"
pass
