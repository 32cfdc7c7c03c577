#!/bin/sh
# tunnel cert (pinned self-signed peer certificate) and tunnel ca (CA + peer identity) load
# certificates and key into charon, persist them for `swanctl --load-all`, and unload them.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/vici/lib-charon.sh"

start_charon a
R=$T/root
mkdir -p "$T/pki"
make_self_signed "$T/pki" left
make_self_signed "$T/pki" right
make_ca "$T/pki" ewoe-ca
sign_cert "$T/pki" ewoe-ca node1
sign_cert "$T/pki" ewoe-ca node2

# --- cert: identities from the certificates, the peer's certificate pinned.
expect_exit 0 ewoe_on a "$R" tunnel cert --no-ovs --role responder --offload auto \
	--local 192.0.2.1 --remote 192.0.2.2 --name self \
	--cert "$T/pki/left.pem" --key "$T/pki/left.key" --peer-cert "$T/pki/right.pem"
conns a >"$T/conns"
grep -q 'local-1 {id=CN=left class=public key .*certs=\[CN=left\]' "$T/conns" ||
	fail "local identity is not the certificate's: $(cat "$T/conns")"
grep -q 'remote-1 {id=CN=right class=public key .*certs=\[CN=right\]' "$T/conns" ||
	fail "peer certificate not pinned: $(cat "$T/conns")"
certs a >"$T/certs"
grep -q 'subject: *"CN=left"' "$T/certs" || fail "own certificate not in charon"
grep -q 'subject: *"CN=right"' "$T/certs" || fail "peer certificate not in charon"
grep -A12 'subject: *"CN=left"' "$T/certs" | grep -q 'has private key' ||
	fail "private key not loaded: $(cat "$T/certs")"
D=$R/etc/swanctl
[ "$(stat -c %a "$D/private/ewoe-self.pem")" = 600 ] || fail "persisted key is not mode 600"
[ "$(stat -c %a "$D/conf.d/ewoe-self.conf")" = 600 ] || fail "persisted conf is not mode 600"
[ -f "$D/x509/ewoe-self.pem" ] && [ -f "$D/x509/ewoe-self-peer.pem" ] ||
	fail "certificates not persisted"

# --- ca: the peer named by --remote-name, trust anchored in the CA.
expect_exit 0 ewoe_on a "$R" tunnel ca --no-ovs --role responder --offload auto \
	--local 192.0.2.1 --remote 192.0.2.3 --name viaca --remote-name CN=node2 \
	--cert "$T/pki/node1.pem" --key "$T/pki/node1.key" --ca "$T/pki/ewoe-ca.pem"
conns a >"$T/conns"
grep -q 'ewoe-viaca {.*local-1 {id=CN=node1 class=public key .*certs=\[CN=node1\]' "$T/conns" ||
	fail "ca: local certificate not used: $(cat "$T/conns")"
grep -q 'ewoe-viaca {.*remote-1 {id=CN=node2 class=public key .*cacerts=\[CN=ewoe-ca\]' "$T/conns" ||
	fail "ca: remote identity or CA missing: $(cat "$T/conns")"
certs a | grep -q 'subject: *"CN=ewoe-ca"' || fail "CA certificate not in charon"
[ -f "$D/x509ca/ewoe-viaca-ca.pem" ] || fail "CA certificate not persisted"

# --- a fresh charon with swanctl --load-all has the same two connections.
stop_charons
start_charon b
SWANCTL_DIR=$(swanctl_dir_for "$R") sw b --load-all >"$T/load-all.log" ||
	fail "swanctl --load-all failed: $(cat "$T/load-all.log")"
conns b >"$T/conns.reloaded"
diff "$T/conns" "$T/conns.reloaded" >&2 || fail "swanctl --load-all yields different connections"
certs b | grep -A12 'subject: *"CN=node1"' | grep -q 'has private key' ||
	fail "reloaded key does not match its certificate"

# --- removal on a charon that only ewoe loaded.
stop_charons
rm -rf "$R"
start_charon c
expect_exit 0 ewoe_on c "$R" tunnel cert --no-ovs --role responder --offload auto \
	--local 192.0.2.1 --remote 192.0.2.2 --name self \
	--cert "$T/pki/left.pem" --key "$T/pki/left.key" --peer-cert "$T/pki/right.pem"
"$VICI_DRIVER" "$(vici c)" "$R" unload self >"$T/stdout" 2>"$T/stderr" || fail "unload failed"
grep -qx 'unload=1' "$T/stdout" || fail "unload reported nothing removed"
[ -z "$(conns c)" ] || fail "connection still loaded"
# charon 5.9.8 keeps parsed certificates until its credentials are cleared (VICI cannot
# unload one certificate); the secret part, the private key, must be gone.
certs c | grep -q 'has private key' && fail "private key still loaded: $(certs c)"
[ -z "$(find "$R" -type f -name 'ewoe-*')" ] || fail "files left: $(find "$R" -type f)"
pass
