#!/bin/sh
# The binary links every real library, and the Debian package carries what a system tool needs.
. "$EWOE_SRC/tests/lib.sh"
need_cmd ldd
need_cmd nm

libs=$(ldd "$EWOE") || fail "ldd $EWOE"
for l in libvici libnl-3 libnl-xfrm-3 libmnl libcap libinih libcrypto; do
	echo "$libs" | grep -q "$l" || fail "$EWOE does not link $l"
done
echo "$libs" | grep -q "not found" && fail "unresolved libraries: $libs"
# The OVS C IDL is linked in statically: its generated table classes are in the binary.
nm "$EWOE" | grep -q 'ovsrec_interface_set_options' || fail "no OVS IDL in $EWOE"

need_cmd cpack
need_cmd dpkg-deb
(cd "$EWOE_BUILD" && cpack -G DEB -B "$T/pkg" >"$T/cpack.log" 2>&1) || {
	cat "$T/cpack.log" >&2
	fail "cpack failed"
}
deb=$(ls "$T"/pkg/ewoe_*.deb) || fail "no .deb produced"
dpkg-deb -c "$deb" | awk '{print $6}' >"$T/contents"
for f in ./usr/sbin/ewoe ./usr/lib/systemd/system/ewoe.service \
	./usr/share/man/man8/ewoe.8 ./usr/share/man/man5/ewoe.conf.5 \
	./usr/share/bash-completion/completions/ewoe ./usr/share/doc/ewoe/examples/ewoe.conf; do
	grep -qx "$f" "$T/contents" || fail "package lacks $f"
done
dpkg-deb -f "$deb" Depends | grep -q strongswan-swanctl || fail "package does not depend on strongswan-swanctl"
pass
