#!/bin/sh
# Every bad input: one clear line naming the problem, non-zero exit, and charon left with
# nothing loaded and no file written.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/vici/lib-charon.sh"

start_charon a
R=$T/root
P=$T/pki
mkdir -p "$P"
make_self_signed "$P" left
make_self_signed "$P" right
make_ca "$P" ca1
sign_cert "$P" ca1 node1
sign_cert "$P" ca1 expired 20200101000000Z 20210101000000Z
make_ca "$P" ca2
make_psk "$T/psk"

nothing_loaded() {
	[ -z "$(conns a)" ] || fail "$1: a connection stayed loaded: $(conns a)"
	certs a | grep -q 'subject' && fail "$1: a certificate stayed loaded: $(certs a)"
	[ -z "$(find "$R" -type f 2>/dev/null)" ] || fail "$1: files written: $(find "$R" -type f)"
	return 0
}
# bad WANT_EXIT MESSAGE_REGEX ewoe-arguments...: run against charon a, check, check nothing.
bad() {
	want=$1
	msg=$2
	shift 2
	expect_exit "$want" ewoe_on a "$R" "$@"
	grep -Eq -- "$msg" "$T/stderr" || fail "'$*': stderr lacks /$msg/"
	nothing_loaded "$*"
}
PSK="tunnel psk --no-ovs --local 192.0.2.1 --remote 192.0.2.2 --offload auto"
CERT="tunnel cert --no-ovs --local 192.0.2.1 --remote 192.0.2.2 --offload auto"
CA="tunnel ca --no-ovs --local 192.0.2.1 --remote 192.0.2.2 --offload auto --remote-name CN=node2"

# The daemon: unreachable (named, with the way out), too old for packet/crypto offload.
expect_exit 1 "$EWOE" --vici "unix://$T/nowhere.vici" $PSK --psk-file "$T/psk"
grep -q "cannot reach strongSwan's charon at unix://$T/nowhere.vici: No such file" "$T/stderr" ||
	fail "unreachable daemon not named: $(cat "$T/stderr")"
grep -q 'hint: start the IKE daemon' "$T/stderr" || fail "no hint to start the daemon"
# Checked before OVSDB (which does not even exist here) is touched.
for mode in packet crypto; do
	expect_exit 1 ewoe_on a "$R" --db "unix:$T/no-ovsdb.sock" tunnel psk --local 192.0.2.1 \
		--remote 192.0.2.2 --psk-file "$T/psk" --offload "$mode"
	if charon_has_offload_modes; then
		# A charon that accepts the mode passes the gate; what fails is the next step.
		grep -q 'cannot do offload mode' "$T/stderr" &&
			fail "strongSwan $(charon_version) was refused --offload $mode: $(cat "$T/stderr")"
		grep -q "cannot connect to the Open vSwitch database at unix:$T/no-ovsdb.sock" \
			"$T/stderr" || fail "--offload $mode did not get past the gate: $(cat "$T/stderr")"
	else
		v=$(charon_version)
		grep -q "strongSwan $v cannot do offload mode $mode: hw_offload=$mode needs strongSwan 5.9.10" \
			"$T/stderr" || fail "version gate message wrong: $(cat "$T/stderr")"
		grep -q 'use offload mode auto' "$T/stderr" || fail "version gate gives no way out"
		grep -qi ovsdb "$T/stderr" && fail "OVSDB was touched before the version gate"
	fi
	nothing_loaded "offload $mode"
done

# Options.
bad 2 "--offload 'turbo' is not one of packet, crypto, auto, none" $PSK --psk-file "$T/psk" --offload turbo
bad 2 'local and remote address are both 192.0.2.1' tunnel psk --no-ovs --local 192.0.2.1 \
	--remote 192.0.2.1 --psk-file "$T/psk" --offload auto
bad 2 'rekey-bytes.*use rekey-packets' $PSK --psk-file "$T/psk" --rekey-bytes 1000000
bad 2 'does not apply' $PSK --psk-file "$T/psk" --peer-cert "$P/right.pem"

# PSKs.
bad 2 'PSK authentication needs --psk-file' $PSK
: >"$T/empty"
chmod 600 "$T/empty"
bad 2 "$T/empty: the PSK is empty" $PSK --psk-file "$T/empty"
printf 'abc123\n' >"$T/short"
chmod 600 "$T/short"
bad 2 'too short' $PSK --psk-file "$T/short"
printf 'abababababababababababab\n' >"$T/weak"
chmod 600 "$T/weak"
bad 2 'too predictable' $PSK --psk-file "$T/weak"
cp "$T/psk" "$T/psk.open"
chmod 644 "$T/psk.open"
bad 2 "$T/psk.open: holds a secret but group or others may access it" $PSK --psk-file "$T/psk.open"
bad 2 'PSK from stdin: the PSK is empty' $PSK --psk-file - </dev/null

# Certificates and keys.
bad 2 "$P/missing.key: cannot open: No such file" $CERT --cert "$P/left.pem" \
	--key "$P/missing.key" --peer-cert "$P/right.pem"
bad 2 "$P/right.key: private key does not belong to the certificate in $P/left.pem" $CERT \
	--cert "$P/left.pem" --key "$P/right.key" --peer-cert "$P/right.pem"
bad 2 "$T/psk: not an X.509 certificate" $CERT --cert "$T/psk" --key "$P/left.key" \
	--peer-cert "$P/right.pem"
bad 2 "is this node's own certificate" $CERT --cert "$P/left.pem" --key "$P/left.key" \
	--peer-cert "$P/left.pem"
bad 2 "$P/expired.pem: certificate expired on Jan  1 00:00:00 2021 GMT" $CA \
	--cert "$P/expired.pem" --key "$P/expired.key" --ca "$P/ca1.pem"
bad 2 "$P/node1.pem: does not chain to the CA in $P/ca2.pem" $CA --cert "$P/node1.pem" \
	--key "$P/node1.key" --ca "$P/ca2.pem"
bad 2 'ca authentication needs --ca and --remote-name' tunnel ca --no-ovs --local 192.0.2.1 \
	--remote 192.0.2.2 --offload auto --cert "$P/node1.pem" --key "$P/node1.key"

# The daemon refuses after the key went in: the key is taken out again. charon keeps the
# certificates it parsed from the refused message (public data; VICI has no command that
# removes one), so only the connection, the key and the files are checked here.
expect_exit 1 ewoe_on a "$R" $CERT --cert "$P/left.pem" --key "$P/left.key" \
	--peer-cert "$P/right.pem" --esp-proposal nonsense-cipher
grep -q 'loading the connection: charon refused: ' "$T/stderr" ||
	fail "daemon refusal not reported: $(cat "$T/stderr")"
[ -z "$(conns a)" ] || fail "refused connection loaded: $(conns a)"
certs a | grep -q 'has private key' && fail "key not taken out after the refusal: $(certs a)"
[ -z "$(find "$R" -type f 2>/dev/null)" ] || fail "files written: $(find "$R" -type f)"
pass
