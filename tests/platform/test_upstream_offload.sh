#!/bin/sh
# enable-offload on an upstream kernel (no mlnx-bf.conf): the real ethtool and devlink netlink
# answers for a veth "p0" in a network namespace of the test's own.
. "$EWOE_SRC/tests/lib.sh"
need_root
need_cmd ip
need_cmd unshare

R=$T/root
cp -a "$EWOE_SRC/tests/platform/fixtures/bluefield" "$R"
rm "$R/etc/mellanox/mlnx-bf.conf"
echo 6.6.0-upstream >"$R/proc/sys/kernel/osrelease"
export EWOE_RUNNER="$EWOE_SRC/tests/platform/fake-runner.sh" FAKE_LOG="$T/runner.log"
: >"$FAKE_LOG"

cat >"$T/in-netns.sh" <<'IN'
set -e
ip link add name p0 type veth peer name pf0hpf
rc=0
"$EWOE" --root "$R" enable-offload --pf p0 || rc=$?
exit $rc
IN
rc=0
R=$R EWOE=$EWOE unshare -n sh "$T/in-netns.sh" >"$T/stdout" 2>"$T/stderr" || rc=$?
[ "$rc" -eq 1 ] || fail "veth without IPsec offload: exit $rc, expected 1"
grep -q '^kernel 6.6.0-upstream: upstream IPsec packet offload, no toggle to set$' "$T/stdout" ||
	fail "kernel not reported"
grep -q '^p0: esp-hw-offload off \[fixed\]$' "$T/stdout" || fail "esp-hw-offload state not reported"
grep -q '^p0: eswitch mode (no devlink)$' "$T/stdout" || fail "eswitch mode not reported"
grep -q 'p0 does not offer IPsec offload' "$T/stderr" || fail "problem not named"
grep -q 'hint:' "$T/stderr" || fail "no hint on what to do"
[ ! -s "$FAKE_LOG" ] || fail "upstream path ran a command: $(cat "$FAKE_LOG")"

# The PF exists in the root but not in the kernel: named, not a crash.
rc=0
R=$R EWOE=$EWOE unshare -n "$EWOE" --root "$R" enable-offload >"$T/stdout" 2>"$T/stderr" || rc=$?
[ "$rc" -eq 1 ] || fail "PF absent from the kernel: exit $rc"
grep -q 'no interface p0 in this network namespace' "$T/stderr" || fail "absent PF not named"
pass
