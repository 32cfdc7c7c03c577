#!/bin/sh
# The binary links every real library (libvici when it first talks to charon, libcrypto when it
# first checks a certificate), and the Debian package carries what a system tool needs.
. "$EWOE_SRC/tests/lib.sh"
need_cmd ldd
need_cmd nm
need_cmd strings

libs=$(ldd "$EWOE") || fail "ldd $EWOE"
for l in libnl-3 libnl-xfrm-3 libmnl libcap libinih; do
	echo "$libs" | grep -q "$l" || fail "$EWOE does not link $l"
done
echo "$libs" | grep -q "not found" && fail "unresolved libraries: $libs"
# libvici is opened by path at the first VICI request, not at start-up: verify of a node whose
# charon is down starts without libstrongswan and what it pulls in.
echo "$libs" | grep -Eq 'libvici|libstrongswan|libcrypto' &&
	fail "libvici or libcrypto is loaded at start-up: $libs"
strings "$EWOE" | grep -qx 'libcrypto\.so\.[0-9.]*' || fail "$EWOE names no libcrypto soname"
vici=$(strings "$EWOE" | grep -E '^/.*/libvici\.so\.0$') || fail "$EWOE names no libvici.so.0 path"
[ -e "$vici" ] || fail "$EWOE would load $vici, which does not exist"
# With libvici unloadable, talking to charon fails saying so, and verify still reads the kernel.
if unshare --mount true 2>/dev/null; then
	no_vici() { unshare --mount sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$vici" "$@"; }
	(umask 077 && openssl rand -base64 32 >"$T/psk")
	expect_exit 1 no_vici "$EWOE" --vici "unix://$T/none.vici" --root "$T/root" tunnel psk \
		--no-ovs --offload none --local 192.0.2.1 --remote 192.0.2.2 --psk-file "$T/psk"
	grep -q "^ewoe: cannot load strongSwan's libvici: $vici" "$T/stderr" ||
		fail "unloadable libvici not named: $(cat "$T/stderr")"
	rc=0
	no_vici unshare -n "$EWOE" --db "unix:$T/none.sock" --vici "unix://$T/none.vici" verify \
		--local 192.0.2.1 --remote 192.0.2.2 >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 3 ] || fail "verify without libvici exited $rc: $(cat "$T/stderr")"
	grep -q '^[0-9]* ok, [0-9]* failed' "$T/stdout" || fail "verify without libvici printed no report"

	# With libcrypto unloadable, a certificate peer is refused saying so, before anything
	# changes; PSK peers never need it.
	crypto=$(ldd "$(command -v openssl)" | awk '/libcrypto\.so/ { print $3 }')
	[ -e "$crypto" ] || fail "cannot find the libcrypto openssl uses"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=a \
		-keyout "$T/a.key" -out "$T/a.pem" 2>/dev/null || fail "making a certificate"
	no_crypto() { unshare --mount sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$crypto" "$@"; }
	expect_exit 1 no_crypto "$EWOE" --vici "unix://$T/none.vici" --root "$T/root" tunnel cert \
		--no-ovs --offload none --local 192.0.2.1 --remote 192.0.2.2 --cert "$T/a.pem" \
		--key "$T/a.key" --peer-cert "$T/a.pem"
	grep -q "^ewoe: cannot load OpenSSL's libcrypto to check certificates: " "$T/stderr" ||
		fail "unloadable libcrypto not named: $(cat "$T/stderr")"
	[ -z "$(find "$T/root" -type f 2>/dev/null)" ] || fail "a refused cert tunnel wrote files"
	rc=0
	no_crypto unshare -n "$EWOE" --db "unix:$T/none.sock" --vici "unix://$T/none.vici" verify \
		--local 192.0.2.1 --remote 192.0.2.2 >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 3 ] || fail "verify without libcrypto exited $rc: $(cat "$T/stderr")"
fi
# No libnl function newer than Ubuntu 22.04's libnl 3.5 (the offload accessors came in 3.6).
# Debian exports libnl's symbols unversioned, so this names the known offenders; the release
# matrix's build against Debian 11's libnl 3.4 is the full check.
newer=$(nm -D --undefined-only "$EWOE" | grep -E 'xfrmnl_(sa|sp)_[gs]et_user_offload' || true)
[ -z "$newer" ] || fail "$EWOE calls libnl 3.6 functions Ubuntu 22.04 lacks: $newer"
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
unitdir=$(sed -n 's/^EWOE_UNITDIR:PATH=//p' "$EWOE_BUILD/CMakeCache.txt")
[ -n "$unitdir" ] || fail "EWOE_UNITDIR is not in $EWOE_BUILD/CMakeCache.txt"
# Debian policy: manual pages and the changelog compressed, the copyright file not.
for f in ./usr/sbin/ewoe ".$unitdir/ewoe.service" ".$unitdir/ewoe-guard.service" \
	".$unitdir/ewoe-reconcile.service" ".$unitdir/ewoe-reconcile.timer" \
	".$unitdir/ewoe-metrics.service" ".$unitdir/ewoe-metrics.timer" \
	./usr/share/man/man8/ewoe.8.gz ./usr/share/man/man5/ewoe.conf.5.gz \
	./usr/share/doc/ewoe/changelog.gz ./usr/share/doc/ewoe/copyright \
	./usr/share/bash-completion/completions/ewoe ./usr/share/doc/ewoe/examples/ewoe.conf; do
	grep -qx "$f" "$T/contents" || fail "package lacks $f"
done
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/man/man8/ewoe.8.gz | gzip -dc |
	grep -q '^\.TH EWOE 8' || fail "ewoe.8.gz is not the manual page"
# The units are registered the Debian way, by the maintainer scripts, and never started on
# install (setting up the overlay is the operator's decision): the package carries the tree's
# scripts, whose behaviour systemd/test_maintscripts checks.
for s in postinst prerm postrm; do
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$s" >"$T/$s" || fail "package has no $s"
	cmp -s "$T/$s" "$EWOE_SRC/scripts/deb/$s" || fail "the package's $s is not scripts/deb/$s"
done
grep -Eq 'deb-systemd-invoke (start|restart)|systemctl (start|restart)' "$T/postinst" &&
	fail "postinst starts a unit"
# Every file under /etc is a conffile (today the package ships none: ewoe.conf is the operator's).
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$T/conffiles" 2>/dev/null || : >"$T/conffiles"
unmarked=$(grep '^\./etc/' "$T/contents" | grep -v '/$' | sed 's/^\.//' |
	grep -vxF -f "$T/conffiles" || true)
[ -z "$unmarked" ] || fail "not marked as conffiles: $unmarked"
# Depends are what the binary uses: its linked libraries (dpkg-shlibdeps) and the packages that
# hold the libraries it opens with dlopen.
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libnl-3 libnl-xfrm-3 libmnl0 libcap2 libinih1 libc6; do
	echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib: $depends"
done
if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error "$deb" >"$T/lintian" 2>&1 ||
		fail "lintian finds errors: $(cat "$T/lintian")"
else
	echo "lintian is not installed: the package's lintian check is left to scripts/test-matrix.sh" >&2
fi
dpkg-deb -f "$deb" Depends | grep -q strongswan-swanctl || fail "package does not depend on strongswan-swanctl"
dpkg-deb -f "$deb" Depends | grep -q 'libssl[0-9]' || fail "package does not depend on libssl (libcrypto)"
pass
