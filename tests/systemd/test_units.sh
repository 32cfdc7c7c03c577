#!/bin/sh
# Every unit ewoe ships passes `systemd-analyze verify` as installed (cmake --install, the
# package's layout) and enabled: keys, values, the program ExecStart runs, the units it names,
# and no ordering cycle with the release's own Open vSwitch and strongSwan units. Each
# ExecStart is a command line ewoe accepts, and each manual page a unit points at is installed.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/systemd/units.sh"
install_units
enable_units

# Exactly the units in the tree, all of them installed.
want="ewoe-guard.service ewoe-metrics.service ewoe-metrics.timer ewoe-reconcile.service ewoe-reconcile.timer ewoe.service"
[ "$UNITS" = "$want" ] || fail "installed units: $UNITS; expected: $want"
[ "$(cd "$EWOE_SRC/scripts/systemd" && echo *)" = "$want" ] ||
	fail "scripts/systemd holds $(cd "$EWOE_SRC/scripts/systemd" && echo *); expected: $want"
[ "$INSTALLABLE" = "ewoe-guard.service ewoe-metrics.timer ewoe-reconcile.timer ewoe.service" ] ||
	fail "units with an [Install] section: $INSTALLABLE"

# Each file on its own, as systemd parses it. Any line about ewoe's units is a failure: verify
# exits 0 on unknown keys and bad values, which it only prints.
rc=0
# shellcheck disable=SC2086
(cd "$ROOT$UNITDIR" && analyze verify --man=no $UNITS) >"$T/verify" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "systemd-analyze verify exited $rc: $(cat "$T/verify")"
[ -z "$(ewoe_lines "$T/verify")" ] || fail "systemd-analyze verify: $(cat "$T/verify")"

# The boot transactions the units take part in, by name: starting Open vSwitch pulls the
# guard in (its RequiredBy= links), ewoe.service the guard, the timer its service. Problems
# of the release's own units are not ewoe's and are only shown.
rc=0
analyze verify --man=no ovsdb-server.service ovs-vswitchd.service openvswitch-switch.service \
	ewoe.service ewoe-reconcile.timer ewoe-metrics.timer >"$T/boot" 2>&1 || rc=$?
[ -z "$(ewoe_lines "$T/boot")" ] || fail "systemd-analyze verify, boot units: $(cat "$T/boot")"
[ "$rc" -eq 0 ] || [ -s "$T/boot" ] || fail "systemd-analyze verify exited $rc, saying nothing"
[ ! -s "$T/boot" ] && [ "$rc" -eq 0 ] ||
	echo "note: systemd-analyze, about other units or itself: $(cat "$T/boot")" >&2

# The enable links: Required by the switch's units, so that the guard's failure stops them.
for l in ovs-vswitchd.service.requires/ewoe-guard.service \
	openvswitch-switch.service.requires/ewoe-guard.service \
	multi-user.target.wants/ewoe-guard.service multi-user.target.wants/ewoe.service \
	timers.target.wants/ewoe-reconcile.timer timers.target.wants/ewoe-metrics.timer; do
	[ -L "$ROOT/etc/systemd/system/$l" ] || fail "systemctl enable made no $l: $(cat "$T/enable.log")"
done

# Each ExecStart is a command line ewoe accepts: the same words with --help parse and print the
# command's usage (a misspelt command or option is a usage error). The config path is one that
# does not exist, so nothing can run even if --help were ignored.
for u in $UNITS; do
	case "$u" in *.service) ;; *) continue ;; esac
	line=$(sed -n "s|^ExecStart=$ROOT/usr/sbin/ewoe ||p" "$ROOT$UNITDIR/$u")
	cmd=""
	prev=""
	for w in $line; do
		case "$w" in -*) ;; *) [ -n "$cmd" ] || [ "$prev" = --timeout ] || cmd=$w ;; esac
		prev=$w
	done
	[ -n "$cmd" ] || fail "$u: no command in ExecStart: $line"
	# shellcheck disable=SC2046
	set -- $(echo "$line" | sed "s|/etc/ewoe/ewoe.conf|$T/absent.conf|g") --help
	expect_exit 0 "$ROOT/usr/sbin/ewoe" "$@"
	grep -q "^usage: ewoe $cmd" "$T/stdout" || fail "$u: 'ewoe $*' printed no usage of $cmd"
done

# Documentation=man:PAGE(N) names a page the package installs.
for u in $UNITS; do
	refs=$(sed -n 's/^Documentation=//p' "$ROOT$UNITDIR/$u")
	for ref in $refs; do
		case "$ref" in
		man:*) ;;
		*) fail "$u: Documentation=$ref is not a manual page" ;;
		esac
		page=${ref#man:}
		name=${page%(*}
		sec=${page#*(}
		sec=${sec%)}
		[ -f "$ROOT/usr/share/man/man$sec/$name.$sec.gz" ] || fail "$u: $ref is not installed"
	done
	grep -q '^Documentation=man:' "$ROOT$UNITDIR/$u" || fail "$u has no Documentation="
done
pass
