#!/bin/sh
# Build libopenvswitch.a and the generated vswitch IDL from the distribution's
# openvswitch-source tarball, for systems without libopenvswitch-dev (Debian 12).
# The result is cached per OVS version; a second run returns at once.
#
# usage: build-ovs.sh [CACHE_DIR]    prints the build directory on stdout
set -eu

die() { echo "build-ovs: $*" >&2; exit 1; }

tarball=/usr/src/openvswitch/openvswitch.tar.gz
[ -r "$tarball" ] || die "$tarball missing; install openvswitch-source (scripts/install-deps.sh)"
version=$(dpkg-query -W -f='${Version}' openvswitch-source 2>/dev/null) ||
	die "openvswitch-source is not installed"
switch_version=$(dpkg-query -W -f='${Version}' openvswitch-switch 2>/dev/null || true)
if [ -n "$switch_version" ] && [ "$switch_version" != "$version" ]; then
	die "openvswitch-source $version differs from openvswitch-switch $switch_version; install matching versions"
fi

cache=${1:-${EWOE_CACHE_DIR:-/var/cache/ewoe}}
dir="$cache/openvswitch-$version"
if [ -f "$dir/.ewoe-built" ]; then
	echo "$dir"
	exit 0
fi

log="$cache/openvswitch-$version.log"
mkdir -p "$cache"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
echo "build-ovs: building libopenvswitch $version in $dir (a few minutes; log: $log)" >&2
{
	tar -xzf "$tarball" -C "$dir.tmp" --strip-components=1
	cd "$dir.tmp"
	[ -x configure ] || ./boot.sh
	# Debian's prefixes, so the compiled-in run directory matches the installed daemons.
	./configure --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
		--enable-static --disable-shared --disable-ssl --disable-libcapng
	printf 'include Makefile\nprint-built-sources:\n\t@echo $(BUILT_SOURCES)\n' >ewoe-print.mk
	# shellcheck disable=SC2046
	make -j"$(nproc)" $(make -s -f ewoe-print.mk print-built-sources)
	make -j"$(nproc)" lib/libopenvswitch.la
} >"$log" 2>&1 || die "build failed; see $log"
touch "$dir.tmp/.ewoe-built"
mv "$dir.tmp" "$dir"
echo "$dir"
