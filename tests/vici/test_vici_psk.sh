#!/bin/sh
# tunnel psk loads the seed's connection over VICI, persists the same configuration for
# `swanctl --load-all`, is idempotent, and is removed without a trace.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/vici/lib-charon.sh"

start_charon a
R=$T/root
make_psk "$T/psk"

expect_exit 0 ewoe_on a "$R" tunnel psk --no-ovs --local 192.0.2.1 --remote 192.0.2.2 \
	--name peer1 --psk-file "$T/psk" --offload auto --role responder
conns a >"$T/conns"
grep -q '^list-conn event {ewoe-peer1 {local_addrs=\[192.0.2.1\] remote_addrs=\[192.0.2.2\] version=IKEv2 reauth_time=0' "$T/conns" ||
	fail "connection ewoe-peer1 not as expected: $(cat "$T/conns")"
grep -q 'local-1 {id=192.0.2.1 class=pre-shared key' "$T/conns" || fail "local PSK identity missing"
grep -q 'remote-1 {id=192.0.2.2 class=pre-shared key' "$T/conns" || fail "remote PSK identity missing"
grep -q 'bf-out {mode=TRANSPORT .* local-ts=\[192.0.2.1/32\[udp\]\] remote-ts=\[192.0.2.2/32\[udp/4789\]\]' "$T/conns" ||
	fail "bf-out does not carry only VXLAN toward the peer"
grep -q 'bf-in {mode=TRANSPORT .* local-ts=\[192.0.2.1/32\[udp/4789\]\] remote-ts=\[192.0.2.2/32\[udp\]\]' "$T/conns" ||
	fail "bf-in does not carry only VXLAN from the peer"

CONF=$R/etc/swanctl/conf.d/ewoe-peer1.conf
[ "$(stat -c %a "$CONF")" = 600 ] || fail "$CONF is not mode 600"
grep -q 'hw_offload = auto' "$CONF" || fail "hw_offload not persisted"
grep -q 'esp_proposals = aes128gcm128-x25519-esn' "$CONF" || fail "ESP proposal not persisted"
grep -q 'proposals = aes128-sha256-x25519' "$CONF" || fail "IKE proposal not persisted"
grep -q 'mobike = no' "$CONF" || fail "mobike not persisted"
secret=$(tr -d '\n' <"$T/psk" | base64 -w0)
grep -q "secret = 0s$secret\$" "$CONF" || fail "the persisted secret is not the PSK"
grep -q 'start_action' "$CONF" && fail "a responder must not start IKE"
grep -rq "$(head -c 20 "$T/psk")" "$T/stdout" "$T/stderr" && fail "the PSK was printed"

# Same input again: nothing to change.
expect_exit 0 ewoe_on a "$R" tunnel psk --no-ovs --local 192.0.2.1 --remote 192.0.2.2 \
	--name peer1 --psk-file "$T/psk" --offload auto --role responder
grep -q unchanged "$T/stdout" || fail "second identical run did not report unchanged"

# A fresh charon given only the persisted file reloads the very same connection.
stop_charons
start_charon b
SWANCTL_DIR=$(swanctl_dir_for "$R") sw b --load-all >/dev/null || fail "swanctl --load-all failed"
conns b >"$T/conns.reloaded"
diff "$T/conns" "$T/conns.reloaded" >&2 || fail "swanctl --load-all yields a different connection"

# Removal: terminate, unload, remove files; a second removal finds nothing.
"$VICI_DRIVER" "$(vici b)" "$R" unload peer1 >"$T/stdout" 2>"$T/stderr" || fail "unload failed"
grep -qx 'unload=1' "$T/stdout" || fail "unload reported nothing removed"
[ -z "$(conns b)" ] || fail "connection still loaded after unload"
[ ! -e "$CONF" ] || fail "$CONF still there after unload"
"$VICI_DRIVER" "$(vici b)" "$R" unload peer1 >"$T/stdout" 2>"$T/stderr" || fail "second unload failed"
grep -qx 'unload=0' "$T/stdout" || fail "second unload claimed to remove something"

# The PSK from stdin; the initiator persists start_action so a restart brings it back.
expect_exit 0 sh -c '"$0" --vici "$1" --root "$2" tunnel psk --no-ovs --no-wait \
	--local 192.0.2.1 --remote 192.0.2.2 --offload none --psk-file - <"$3"' \
	"$EWOE" "$(vici b)" "$R" "$T/psk"
conns b | grep -q '^list-conn event {ewoe-vxc0000202 ' || fail "default peer name not used"
grep -q 'start_action = start' "$R/etc/swanctl/conf.d/ewoe-vxc0000202.conf" ||
	fail "initiator does not persist start_action"
grep -q 'hw_offload = no' "$R/etc/swanctl/conf.d/ewoe-vxc0000202.conf" ||
	fail "--offload none is not hw_offload = no"
pass
