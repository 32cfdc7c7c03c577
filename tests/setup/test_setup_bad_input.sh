#!/bin/sh
# The catalogue of bad input to `ewoe setup` (and teardown): each case exits with the stated
# code, prints the stated message, and leaves OVSDB, charon, the files and the links exactly as
# they were. Runs against a real ovsdb-server + ovs-vswitchd, charon, and a network namespace.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
K=$T/keys
mkdir -p "$K"
make_psk "$K/good.psk"
printf 'short\n' >"$K/short.psk"
printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' >"$K/weak.psk"
: >"$K/empty.psk"
make_psk "$K/open.psk"
chmod 600 "$K"/*.psk
chmod 644 "$K/open.psk"
make_self_signed "$K" arm1
make_self_signed "$K" arm2
make_self_signed "$K" other
make_ca "$K" ca
make_ca "$K" otherca
sign_cert "$K" ca arm1ca
sign_cert "$K" otherca stranger
sign_cert "$K" ca old 20200101000000Z 20210101000000Z

NODE="[node]
pf = p0
address = 192.0.2.1/24
offload = none
"
PEER="[peer a]
remote = 192.0.2.2
psk-file = $K/good.psk
"
# conf NAME TEXT: a config file with mode 0600.
conf() {
	printf '%s\n' "$2" >"$T/$1.conf"
	chmod 600 "$T/$1.conf"
	echo "$T/$1.conf"
}

node_state >"$T/before"

cases=0
# bad CODE MESSAGE ARGS...: exact exit code, MESSAGE on stderr, nothing changed.
bad() {
	code=$1
	msg=$2
	shift 2
	cases=$((cases + 1))
	expect_exit "$code" ewoe_node "$@"
	grep -qF -- "$msg" "$T/stderr" || fail "case $cases ($*): stderr lacks: $msg"
	[ "$(grep -c . "$T/stderr")" -le 4 ] || fail "case $cases: more than a short error"
	node_state >"$T/after"
	cmp -s "$T/before" "$T/after" || {
		diff "$T/before" "$T/after" >&2
		fail "case $cases ($*) changed the system"
	}
}

# The config file.
bad 2 "address '192.0.2.1/33' is not an IP address" setup --config "$(conf c1 "[node]
address = 192.0.2.1/33")"
bad 2 "offload 'full' is not one of packet, crypto, auto, none" setup --config "$(conf c2 "[node]
offload = full")"
bad 2 "'offload' is given twice in [node]" setup --config "$(conf c2b "$NODE
offload = packet")"
bad 2 "pf 'this-name-is-too-long' is not a valid interface name" setup --config "$(conf c3 "[node]
pf = this-name-is-too-long")"
bad 2 "unknown key 'colour' in [node]" setup --config "$(conf c4 "$NODE
colour = blue")"
bad 2 "unknown section [nodes]" setup --config "$(conf c5 "[nodes]
pf = p0")"
bad 2 "vni '16777216' is out of range 0..16777215" setup --config "$(conf c6 "$NODE
$PEER
vni = 16777216")"
bad 2 "dst-port '0' is out of range 1..65535" setup --config "$(conf c7 "$NODE
$PEER
dst-port = 0")"
bad 2 "auth 'rsa' is not one of psk, cert, ca" setup --config "$(conf c8 "$NODE
$PEER
auth = rsa")"
bad 2 "role 'both' is not one of initiator, responder, auto" setup --config "$(conf c9 "$NODE
$PEER
role = both")"
bad 2 "a secret never goes in a config" setup --config "$(conf c10 "$NODE
$PEER
psk = swordfish")"
bad 2 "rekey-bytes is not supported" setup --config "$(conf c11 "$NODE
$PEER
rekey-bytes = 1000000")"
bad 2 "remote 'host.example' is not an IPv4 or IPv6 address" setup --config "$(conf c12 "$NODE
[peer a]
remote = host.example")"
bad 2 "are of different families" setup --config "$(conf c13 "$NODE
[peer a]
remote = 2001:db8::2
psk-file = $K/good.psk")"
bad 2 "local and remote address are both 192.0.2.1" setup --config "$(conf c14 "$NODE
[peer a]
remote = 192.0.2.1
psk-file = $K/good.psk")"
bad 2 "[peer a] has no remote address" setup --config "$(conf c15 "$NODE
[peer a]
psk-file = $K/good.psk")"
bad 2 "[node] has no address" setup --config "$(conf c16 "[node]
pf = p0
$PEER")"
bad 2 "'remote' is given twice in [peer a]" setup --config "$(conf c17 "$NODE
$PEER
remote = 192.0.2.3")"
bad 2 "peers 'a' and 'b' have the same remote address" setup --config "$(conf c18 "$NODE
$PEER
[peer b]
remote = 192.0.2.2")"
bad 2 "use the same interface name 'vx1'" setup --config "$(conf c19 "$NODE
$PEER
interface = vx1
[peer b]
remote = 192.0.2.3
interface = vx1")"
# In a big file, duplicates far apart are still found and named: the first peer and the last.
many_peers() {
	i=0
	while [ "$i" -lt 1500 ]; do
		printf '[peer p%d]\nremote = 198.18.%d.%d\npsk-file = %s\n' "$i" $((i / 250)) \
			$((i % 250 + 1)) "$K/good.psk"
		i=$((i + 1))
	done
}
bad 2 "peers 'p0' and 'last' have the same remote address" setup --config "$(conf c19a "$NODE
$(many_peers)
[peer last]
remote = 198.18.0.1")"
bad 2 "peers 'p1' and 'last' use the same interface name 'vxc6120002'" setup --config "$(conf c19b "$NODE
$(many_peers)
[peer last]
remote = 198.18.9.9
interface = vxc6120002")"
bad 2 "peer 'p7' is defined twice" setup --config "$(conf c19c "$NODE
$(many_peers)
[peer p7]
remote = 198.18.9.9")"
bad 2 "peer name 'a b' is invalid" setup --config "$(conf c20 "$NODE
[peer a b]
remote = 192.0.2.2")"
bad 2 "interface 'sixteen-chars-xx' is not a valid interface name" setup --config "$(conf c21 "$NODE
$PEER
interface = sixteen-chars-xx")"
bad 2 "syntax error" setup --config "$(conf c22 "$NODE
just text")"
bad 2 "'pf' is outside any section" setup --config "$(conf c23 "pf = p0")"
bad 2 "cannot read config $T/none.conf: No such file or directory" setup --config "$T/none.conf"
conf c25 "$NODE" >/dev/null
chmod 664 "$T/c25.conf"
bad 2 "it is writable by group or others (mode 664)" setup --config "$T/c25.conf"

# Secrets and certificates, named by file.
bad 2 "$K/missing.psk: cannot open: No such file or directory" setup --config "$(conf c26 "$NODE
[peer a]
remote = 192.0.2.2
psk-file = $K/missing.psk")"
bad 2 "$K/open.psk: holds a secret but group or others may access it" setup --config "$(conf c27 "$NODE
[peer a]
remote = 192.0.2.2
psk-file = $K/open.psk")"
bad 2 "the PSK is too short" setup --config "$(conf c28 "$NODE
[peer a]
remote = 192.0.2.2
psk-file = $K/short.psk")"
bad 2 "the PSK is too predictable" setup --config "$(conf c29 "$NODE
[peer a]
remote = 192.0.2.2
psk-file = $K/weak.psk")"
bad 2 "the PSK is empty" setup --config "$(conf c30 "$NODE
[peer a]
remote = 192.0.2.2
psk-file = $K/empty.psk")"
bad 2 "PSK authentication needs --psk-file" setup --config "$(conf c31 "$NODE
[peer a]
remote = 192.0.2.2")"
bad 2 "private key does not belong to the certificate" setup --config "$(conf c32 "$NODE
[peer a]
remote = 192.0.2.2
auth = cert
cert = $K/arm1.pem
key = $K/other.key
peer-cert = $K/arm2.pem")"
bad 2 "cert authentication needs --peer-cert" setup --config "$(conf c33 "$NODE
[peer a]
remote = 192.0.2.2
auth = cert
cert = $K/arm1.pem
key = $K/arm1.key")"
bad 2 "$K/arm1.key: not an X.509 certificate" setup --config "$(conf c34 "$NODE
[peer a]
remote = 192.0.2.2
auth = cert
cert = $K/arm1.key
key = $K/arm1.key
peer-cert = $K/arm2.pem")"
bad 2 "does not chain to the CA in $K/ca.pem" setup --config "$(conf c35 "$NODE
[peer a]
remote = 192.0.2.2
auth = ca
cert = $K/stranger.pem
key = $K/stranger.key
ca = $K/ca.pem
remote-name = arm2")"
bad 2 "$K/old.pem: certificate expired on" setup --config "$(conf c36 "$NODE
[peer a]
remote = 192.0.2.2
auth = ca
cert = $K/old.pem
key = $K/old.key
ca = $K/ca.pem
remote-name = arm2")"
bad 2 "ca authentication needs --ca and --remote-name" setup --config "$(conf c37 "$NODE
[peer a]
remote = 192.0.2.2
auth = ca
cert = $K/arm1ca.pem
key = $K/arm1ca.key")"

# Flags, alone or over a file.
GOOD=$(conf good "$NODE
$PEER
role = responder")
bad 2 "--address '192.0.2.1/40' is not an IP address" setup --address 192.0.2.1/40 --remote 192.0.2.2 --psk-file "$K/good.psk"
bad 2 "--offload 'full' is not one of packet, crypto, auto, none" setup --config "$GOOD" --offload full
bad 2 "--pf 'bad name' is not a valid interface name" setup --config "$GOOD" --pf "bad name"
bad 2 "vni '99999999' is out of range" setup --config "$GOOD" --remote 192.0.2.9 --vni 99999999
bad 2 "a secret never goes in a config or on the command line" setup --config "$GOOD" --remote 192.0.2.9 --psk swordfish
bad 2 "rekey-bytes is not supported" setup --config "$GOOD" --remote 192.0.2.9 --rekey-bytes 10
bad 2 "--name needs --remote" setup --config "$GOOD" --name x
bad 2 "option --peer does not apply to setup" setup --config "$GOOD" --peer a
bad 2 "unexpected argument 'extra'" setup --config "$GOOD" extra
bad 2 "unknown option" setup --config "$GOOD" --bogus
[ -e /etc/ewoe/ewoe.conf ] || bad 2 "no config: /etc/ewoe/ewoe.conf does not exist" setup
bad 2 "option --address does not apply to teardown" teardown --address 192.0.2.1/24

# Daemons: unreachable or not capable. Not input errors (exit 1), still nothing changed.
# (On strongSwan 5.9.10 or later the gate lets crypto through: tests/vici/test_vici_bad_input.sh.)
charon_has_offload_modes || bad 1 "needs strongSwan 5.9.10" setup --config "$GOOD" --offload crypto
bad 1 "$T/nowhere.sock" --db "unix:$T/nowhere.sock" setup --config "$GOOD"
bad 1 "$T/nowhere.vici" --vici "unix://$T/nowhere.vici" setup --config "$GOOD"
bad 2 "no peer 'zz'" teardown --config "$GOOD" --peer zz

[ "$cases" -ge 40 ] || fail "only $cases cases"
echo "$cases bad inputs refused, nothing changed"
pass
