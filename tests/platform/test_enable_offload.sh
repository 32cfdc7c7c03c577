#!/bin/sh
# enable-offload against fixture roots of a BlueField Arm, services through the fake runner.
. "$EWOE_SRC/tests/lib.sh"

FIX=$EWOE_SRC/tests/platform/fixtures
export EWOE_RUNNER="$EWOE_SRC/tests/platform/fake-runner.sh"
export FAKE_LOG="$T/runner.log"
R=$T/root
CONF=$R/etc/mellanox/mlnx-bf.conf
MODE=$R/sys/class/net/p0/compat/devlink/ipsec_mode

# new_root CONF_VARIANT IPSEC_MODE: a fresh copy of the BlueField fixture.
new_root() {
	rm -rf "$R" "$FAKE_LOG"
	cp -a "$FIX/bluefield" "$R"
	cp "$FIX/conf/$1.conf" "$CONF"
	echo "$2" >"$MODE"
	: >"$FAKE_LOG"
}
run_ok() {
	want=$1
	shift
	expect_exit "$want" "$EWOE" --root "$R" "$@"
}
expect_log() {
	printf '%s' "$1" | sed "s|@R|$R|g" >"$T/want.log"
	cmp -s "$T/want.log" "$FAKE_LOG" || {
		diff "$T/want.log" "$FAKE_LOG" >&2
		fail "$2: runner calls differ"
	}
}
expect_conf() {
	cmp -s "$1" "$CONF" || {
		diff "$1" "$CONF" >&2
		fail "$2: mlnx-bf.conf differs"
	}
}

# Already enabled: no restart, the runner never called.
new_root yes full
FAKE_ACTIVE="mlx-regex openvswitch-switch" run_ok 0 enable-offload
grep -q 'already on: nothing to do' "$T/stdout" || fail "already enabled not reported"
[ ! -s "$FAKE_LOG" ] || fail "already enabled still ran: $(cat "$FAKE_LOG")"
expect_conf "$FIX/conf/yes.conf" "already enabled"
[ ! -e "$CONF.ewoe-bak" ] || fail "already enabled wrote a backup"

# Enable from "no" with mlx-regex running: value replaced in place, every other byte kept.
new_root no none
FAKE_ACTIVE="mlx-regex" run_ok 0 enable-offload
expect_conf "$FIX/conf/yes.conf" "enable from no"
cmp -s "$FIX/conf/no.conf" "$CONF.ewoe-bak" || fail "backup is not the old file"
[ "$(cat "$MODE")" = full ] || fail "ipsec_mode not full after the restart"
expect_log 'systemctl is-active --quiet mlx-regex
systemctl stop mlx-regex
@R/etc/init.d/openibd restart
systemctl start mlx-regex
' "enable with mlx-regex running"
grep -q 'is now on' "$T/stdout" || fail "result not reported"
ls "$R/etc/mellanox" | grep -q ewoe-tmp && fail "temporary file left behind"

# mlx-regex not running: neither stopped nor started.
new_root no none
FAKE_ACTIVE="" run_ok 0 enable-offload
expect_log 'systemctl is-active --quiet mlx-regex
@R/etc/init.d/openibd restart
' "enable without mlx-regex"

# Key missing: appended, the rest untouched; also after a last line without a newline.
new_root missing none
run_ok 0 enable-offload
{ cat "$FIX/conf/missing.conf"; echo 'IPSEC_FULL_OFFLOAD="yes"'; } >"$T/want.conf"
expect_conf "$T/want.conf" "key missing"
grep -q '^append IPSEC_FULL_OFFLOAD="yes"' "$T/stdout" || fail "append not reported"
new_root missing-noeol none
run_ok 0 enable-offload
printf '# no newline at the end\nALLOW_SHARED_RQ="yes"\nIPSEC_FULL_OFFLOAD="yes"\n' >"$T/want.conf"
expect_conf "$T/want.conf" "key missing, no final newline"

# A bare value after "export" keeps its line; the value gets quotes.
new_root bare none
run_ok 0 enable-offload
printf 'export IPSEC_FULL_OFFLOAD="yes"\n' >"$T/want.conf"
expect_conf "$T/want.conf" "bare value"

# File says yes but the driver still runs without: restart only, file not rewritten.
new_root yes none
run_ok 0 enable-offload
expect_conf "$FIX/conf/yes.conf" "restart only"
[ ! -e "$CONF.ewoe-bak" ] || fail "restart-only rewrote the file"
expect_log 'systemctl is-active --quiet mlx-regex
@R/etc/init.d/openibd restart
' "restart only"

# Revert: --mode none.
new_root yes full
run_ok 0 enable-offload --mode none
expect_conf "$FIX/conf/no.conf" "revert"
[ "$(cat "$MODE")" = none ] || fail "ipsec_mode not none after revert"
# Reverting what is already off (key missing counts as off) does nothing.
new_root missing none
run_ok 0 enable-offload --mode none
[ ! -s "$FAKE_LOG" ] || fail "revert of an off state ran something"

# OVS with a VXLAN device: stopped first, started last (Ubuntu name).
new_root no none
mkdir -p "$R/sys/class/net/vxlan_sys_4789"
printf 'DEVTYPE=vxlan\nINTERFACE=vxlan_sys_4789\nIFINDEX=9\n' >"$R/sys/class/net/vxlan_sys_4789/uevent"
FAKE_ACTIVE="mlx-regex openvswitch-switch" run_ok 0 enable-offload
expect_log 'systemctl is-active --quiet openvswitch-switch
systemctl is-active --quiet mlx-regex
systemctl stop openvswitch-switch
systemctl stop mlx-regex
@R/etc/init.d/openibd restart
systemctl start mlx-regex
systemctl start openvswitch-switch
' "OVS VXLAN present"

# The same on CentOS: the unit is "openvswitch".
new_root no none
mkdir -p "$R/sys/class/net/vxlan_sys_4789"
echo DEVTYPE=vxlan >"$R/sys/class/net/vxlan_sys_4789/uevent"
cp "$FIX/conf/os-release.centos" "$R/etc/os-release"
FAKE_ACTIVE="openvswitch" run_ok 0 enable-offload
expect_log 'systemctl is-active --quiet openvswitch
systemctl is-active --quiet mlx-regex
systemctl stop openvswitch
@R/etc/init.d/openibd restart
systemctl start openvswitch
' "OVS VXLAN present, CentOS"

# OVS running without a VXLAN device: left alone, unless --stop-ovs.
new_root no none
FAKE_ACTIVE="openvswitch-switch" run_ok 0 enable-offload
expect_log 'systemctl is-active --quiet mlx-regex
@R/etc/init.d/openibd restart
' "OVS without VXLAN"
new_root no none
FAKE_ACTIVE="openvswitch-switch" run_ok 0 enable-offload --stop-ovs
grep -q '^systemctl stop openvswitch-switch$' "$FAKE_LOG" || fail "--stop-ovs did not stop OVS"

# Dry run: the exact action list, nothing changed, only read-only queries.
new_root no none
mkdir -p "$R/sys/class/net/vxlan_sys_4789"
echo DEVTYPE=vxlan >"$R/sys/class/net/vxlan_sys_4789/uevent"
FAKE_ACTIVE="mlx-regex openvswitch-switch" run_ok 0 --dry-run enable-offload
# stdout is the plan alone; what was found goes to stderr.
printf '%s\n' 'p0: IPSEC_FULL_OFFLOAD="no", ipsec_mode none, eswitch mode switchdev' \
	'VXLAN device vxlan_sys_4789 exists: openvswitch-switch stops during the driver restart' >"$T/want.err"
cmp -s "$T/want.err" "$T/stderr" || { diff "$T/want.err" "$T/stderr" >&2; fail "dry-run findings differ"; }
sed "s|@R|$R|g" >"$T/want.out" <<'OUT'
dry-run: set IPSEC_FULL_OFFLOAD="yes" in @R/etc/mellanox/mlnx-bf.conf line 6 (backup @R/etc/mellanox/mlnx-bf.conf.ewoe-bak)
dry-run: systemctl stop openvswitch-switch
dry-run: systemctl stop mlx-regex
dry-run: @R/etc/init.d/openibd restart
dry-run: systemctl start mlx-regex
dry-run: systemctl start openvswitch-switch
OUT
cmp -s "$T/want.out" "$T/stdout" || { diff "$T/want.out" "$T/stdout" >&2; fail "dry-run actions differ"; }
expect_conf "$FIX/conf/no.conf" "dry-run"
[ ! -e "$CONF.ewoe-bak" ] || fail "dry-run wrote a backup"
[ "$(cat "$MODE")" = none ] || fail "dry-run changed ipsec_mode"
expect_log 'systemctl is-active --quiet openvswitch-switch
systemctl is-active --quiet mlx-regex
' "dry-run"

# Malformed files: invalid input (exit 2), one clear line, file untouched, nothing run.
for variant in unterminated badvalue twice; do
	new_root "$variant" none
	run_ok 2 enable-offload
	expect_conf "$FIX/conf/$variant.conf" "malformed $variant"
	[ ! -s "$FAKE_LOG" ] || fail "malformed $variant ran something"
	[ ! -e "$CONF.ewoe-bak" ] || fail "malformed $variant wrote a backup"
	grep -q "mlnx-bf.conf.*malformed" "$T/stderr" || fail "malformed $variant: no clear error"
done
grep -q 'set twice (lines 1 and 3)' "$T/stderr" || fail "duplicate key lines not named"

# Unreadable: a directory in its place, and a file without read permission.
new_root no none
rm "$CONF"
mkdir "$CONF"
run_ok 1 enable-offload
grep -q "cannot read $CONF: Is a directory" "$T/stderr" || fail "directory not reported"
[ ! -s "$FAKE_LOG" ] || fail "unreadable file: something ran"
if command -v setpriv >/dev/null; then
	new_root no none
	chmod 000 "$CONF"
	# Root reads anything; without these two capabilities it cannot.
	expect_exit 1 setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search \
		"$EWOE" --root "$R" enable-offload
	grep -q "cannot read $CONF: Permission denied" "$T/stderr" || fail "EACCES not reported"
	chmod 644 "$CONF"
	expect_conf "$FIX/conf/no.conf" "unreadable"
fi

# The driver restart fails: services come back, the backup is named, exit 1.
new_root no none
FAKE_ACTIVE="mlx-regex" FAKE_FAIL="openibd" run_ok 1 enable-offload
expect_log 'systemctl is-active --quiet mlx-regex
systemctl stop mlx-regex
@R/etc/init.d/openibd restart
systemctl start mlx-regex
' "openibd failure"
grep -q "openibd restart' failed with exit status 1" "$T/stderr" || fail "restart failure not named"
grep -q "mlnx-bf.conf.ewoe-bak" "$T/stderr" || fail "backup not named after a failure"

# The driver comes back with the old mode: reported.
new_root no none
FAKE_OPENIBD_KEEP=1 run_ok 1 enable-offload
grep -q "ipsec_mode is none after the driver restart, expected full" "$T/stderr" ||
	fail "unchanged ipsec_mode not reported"

# No driver script: refused before any change.
new_root yes none
rm "$R/etc/init.d/openibd"
run_ok 1 enable-offload
grep -q "cannot restart the driver: .*openibd does not exist" "$T/stderr" || fail "no openibd"
[ ! -s "$FAKE_LOG" ] || fail "no openibd, still ran something"

# Refusals and usage.
new_root no none
run_ok 1 enable-offload --pf p1
grep -q "PF p1 not found" "$T/stderr" || fail "missing PF not named"
run_ok 2 enable-offload --mode full
grep -q -- "--mode 'full'" "$T/stderr" || fail "bad --mode not named"
run_ok 2 enable-offload --pf ../x
run_ok 2 enable-offload extra
[ ! -s "$FAKE_LOG" ] || fail "refusals ran something"
expect_conf "$FIX/conf/no.conf" "refusals"

# Upstream kernel too old, no NVIDIA driver: refused.
new_root no none
rm "$CONF"
echo 5.10.0-28-arm64 >"$R/proc/sys/kernel/osrelease"
run_ok 1 enable-offload
grep -q "kernel 5.10.0-28-arm64 has no IPsec packet offload" "$T/stderr" || fail "old kernel"
echo 6.6.0 >"$R/proc/sys/kernel/osrelease"
run_ok 0 enable-offload --mode none
grep -q "no switch to turn off" "$T/stdout" || fail "upstream --mode none"
pass
