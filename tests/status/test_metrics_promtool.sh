#!/bin/sh
# What `ewoe metrics` writes passes Prometheus' own check (`promtool check metrics`: the text
# format, and its lint of metric and label names, units, counters and help): from an empty
# network namespace, from a node with policies, guards and what is read under --root, and a
# sample with every family at once (tests/unit/test_status.c --metrics-sample).
. "$EWOE_SRC/tests/lib.sh"
need_root
need_cmd unshare
need_cmd ip
command -v promtool >/dev/null 2>&1 ||
	skip "promtool is not installed, so the metrics' format cannot be checked (Debian 11 and 12: package prometheus; 13: promtool; scripts/install-deps.sh installs it)"
# The check is not blind: a counter without _total is a lint problem to this promtool.
printf '# HELP ewoe_x_bytes x\n# TYPE ewoe_x_bytes counter\newoe_x_bytes 1\n' >"$T/bad.prom"
! promtool check metrics <"$T/bad.prom" >/dev/null 2>&1 || fail "promtool accepts a counter without _total"
SAMPLE=$EWOE_BUILD/tests/test_status
[ -x "$SAMPLE" ] || fail "no $SAMPLE (the unit test that writes the sample)"

# promtool_ok FILE WHAT: promtool accepts FILE, with no lint problem either.
promtool_ok() {
	promtool check metrics <"$1" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics on $2: $(cat "$T/promtool.out")"
	[ ! -s "$T/promtool.out" ] || fail "promtool on $2 said: $(cat "$T/promtool.out")"
	n=$(grep -c '^ewoe_' "$1")
	echo "promtool: $2: $n samples, ok"
}

L=192.0.2.1
R=198.51.100.2
NODAEMONS="--db unix:$T/no-db.sock --vici unix://$T/no-charon.vici --timeout 2"
mkdir -p "$T/etc" && chmod 700 "$T/etc"
(umask 077 && head -c 32 /dev/urandom >"$T/etc/k.psk")
printf '[node]\npf = p0\naddress = %s/24\noffload = none\n\n[peer arm2]\nremote = %s\nauth = psk\npsk-file = %s\n\n[peer arm3]\nremote = 203.0.113.3\nauth = psk\npsk-file = %s\n' \
	"$L" "$R" "$T/etc/k.psk" "$T/etc/k.psk" >"$T/etc/ewoe.conf"
chmod 600 "$T/etc/ewoe.conf"

expect_exit 0 unshare -n "$EWOE" $NODAEMONS metrics --config "$T/etc/ewoe.conf"
promtool_ok "$T/stdout" "an empty namespace"

ROOT=$T/root
mkdir -p "$ROOT/run/ewoe/failures" "$ROOT/proc/net"
echo 'ewoe-arm2: IKE with 198.51.100.2 failed: the peer answered "AUTHENTICATION_FAILED"' \
	>"$ROOT/run/ewoe/failures/arm2"
: >"$ROOT/run/ewoe/setup-ok"
printf 'XfrmInError             \t0\nXfrmInNoStates          \t5\n' >"$ROOT/proc/net/xfrm_stat"
cat >"$T/node.sh" <<EOS
set -e
ip link add p0 type veth peer name pf0hpf
ip link set p0 mtu 1550 up
ip link set pf0hpf up
ip addr add $L/24 dev p0
"$EWOE" guard --config "$T/etc/ewoe.conf" >/dev/null 2>&1
exec "\$@"
EOS
expect_exit 0 unshare -n sh "$T/node.sh" "$EWOE" $NODAEMONS --root "$ROOT" metrics \
	--config "$T/etc/ewoe.conf" --output "$T/ewoe.prom"
promtool_ok "$T/ewoe.prom" "guarded tunnels, a failure, the last setup, the IPsec counters"

"$SAMPLE" --metrics-sample >"$T/sample.prom" || fail "test_status --metrics-sample exited $?"
for f in ewoe_tunnel_offload_info ewoe_tunnel_ike_sa_established_timestamp_seconds \
	ewoe_tunnel_child_sa_installed_timestamp_seconds ewoe_tunnel_esp_bytes_total \
	ewoe_setup_last_success_timestamp_seconds ewoe_xfrm_errors_total; do
	grep -q "^$f" "$T/sample.prom" || fail "the sample has no $f"
done
grep -q 'peer="a\\"b\\\\c"' "$T/sample.prom" || fail "the sample has no escaped label"
promtool_ok "$T/sample.prom" "every family, an escaped label"
pass
