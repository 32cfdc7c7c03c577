#!/bin/sh
# Input the model must refuse before any daemon is asked (exit 2, one line naming the problem):
# addresses that cannot be a PF's unicast underlay address, a config line longer than the
# parser reads, a config that defines nothing to do. The sockets named do not exist: a command
# that got as far as a daemon would exit 1.
. "$EWOE_SRC/tests/lib.sh"
need_root

mkdir -p "$T/root"
(umask 077 && head -c 32 /dev/urandom | base64 >"$T/psk")
G="--root $T/root --db unix:$T/no-db.sock --vici unix://$T/no-charon.vici"

# refused MESSAGE ARGS...: exit 2, MESSAGE in the one error line, no daemon reached.
refused() {
	msg=$1
	shift
	# shellcheck disable=SC2086 # word splitting is the point
	expect_exit 2 "$EWOE" $G "$@"
	grep -qF -- "$msg" "$T/stderr" || fail "'$*': stderr lacks: $msg"
	! grep -q 'cannot connect\|cannot reach' "$T/stderr" || fail "'$*' reached for a daemon"
}
# conf NAME: stdin as a config file of mode 0600; prints its path.
conf() {
	cat >"$T/$1.conf"
	chmod 600 "$T/$1.conf"
	echo "$T/$1.conf"
}

for r in 0.0.0.0:unspecified 127.0.0.1:loopback 224.0.0.5:multicast 255.255.255.255:broadcast \
	240.0.0.1:reserved; do
	addr=${r%%:*} why=${r#*:}
	refused "remote address $addr is" setup --no-link --address 192.0.2.1/24 \
		--remote "$addr" --psk-file "$T/psk"
	grep -q "$why" "$T/stderr" || fail "remote $addr: the reason ($why) is not named"
	refused "remote address $addr is" tunnel psk --local 192.0.2.1 --remote "$addr" \
		--psk-file "$T/psk"
	refused "local address $addr is" tunnel psk --local "$addr" --remote 192.0.2.2 \
		--psk-file "$T/psk"
done
for r in :: ::1 ff02::1 fe80::1 ::ffff:192.0.2.9; do
	refused "remote address $r is" setup --no-link --address 2001:db8::1/64 --remote "$r" \
		--psk-file "$T/psk"
	refused "local address $r is" tunnel psk --local "$r" --remote 2001:db8::2 \
		--psk-file "$T/psk"
done
# The node's own subnet: its network and broadcast addresses are no host's.
refused "remote 192.0.2.255 is the broadcast address of the node's subnet" \
	setup --no-link --address 192.0.2.1/24 --remote 192.0.2.255 --psk-file "$T/psk"
refused "remote 192.0.2.0 is the network address of the node's subnet" \
	setup --no-link --address 192.0.2.1/24 --remote 192.0.2.0 --psk-file "$T/psk"
refused "address 192.0.2.255 is the broadcast address of its subnet /24" \
	setup --no-link --address 192.0.2.255/24 --remote 192.0.2.2 --psk-file "$T/psk"
refused "address 2001:db8:: is the subnet-router anycast address of its subnet /64" \
	setup --no-link --address 2001:db8::/64 --remote 2001:db8::2 --psk-file "$T/psk"
c=$(conf edge <<EOF2
[node]
address = 10.1.2.2/30

[peer a]
remote = 10.1.2.0
psk-file = $T/psk
EOF2
)
refused "remote 10.1.2.0 is the network address of the node's subnet" setup --config "$c"

# peer_conf NAME PROPOSAL: one peer whose ike-proposal line (line 6) holds PROPOSAL.
peer_conf() {
	conf "$1" <<EOF2
[node]
address = 192.0.2.1/24

[peer a]
remote = 192.0.2.2
ike-proposal = $2
psk-file = $T/psk
EOF2
}

# A line longer than inih's buffer is that, not whatever its rest parses as.
c=$(peer_conf long "$(printf 'a%.0s' $(seq 1 300))")
for cmd in "setup --config $c" "verify --config $c" "teardown --config $c"; do
	# shellcheck disable=SC2086
	refused "$c: line 6 is too long (max 198 characters)" $cmd
done
[ "$(grep -c . "$T/stderr")" -eq 1 ] || fail "a long line gives more than one line of error"
# 198 characters are one line still.
c=$(peer_conf fits "$(printf 'a%.0s' $(seq 1 183))")
[ "$(sed -n 6p "$c" | tr -d '\n' | wc -c)" -eq 198 ] || fail "the test's line is not 198 characters"
# shellcheck disable=SC2086
expect_exit 1 "$EWOE" $G --dry-run setup --no-link --config "$c"
grep -q 'cannot connect' "$T/stderr" || fail "a 198-character line was refused"

# Nothing to do: no [node], no [peer].
c=$(printf '# only a comment\n\n' | conf nothing)
refused "$c defines nothing to set up: no [node] section and no [peer NAME] section" \
	setup --config "$c"
refused "$c defines nothing to set up" --dry-run setup --config "$c"
refused "$c has no [peer NAME] section: nothing to verify" verify --config "$c"
pass
