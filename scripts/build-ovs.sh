#!/bin/sh
# Build the OVS C IDL (libopenvswitch.a and the generated vswitch-idl.h) from an Open vSwitch
# source tarball, for systems without libopenvswitch-dev (every Debian and Ubuntu release).
#
# The IDL is a client of the OVSDB protocol and of the vswitch schema, so the source need not
# match the installed switch's version: any release's tarball will do (docs/platforms.md says
# what the IDL needs from the server). The result is cached per source and target; a second
# run returns at once.
#
# usage: build-ovs.sh [--host TRIPLET] [CACHE_DIR]    prints the build directory on stdout
#   --host TRIPLET   cross-compile (for example aarch64-linux-gnu)
#   EWOE_OVS_TARBALL a tarball (or unpacked tree) to use instead of the ones looked for below
set -eu

die() { echo "build-ovs: $*" >&2; exit 1; }

host=""
if [ "${1:-}" = --host ]; then
	[ $# -ge 2 ] || die "--host needs a GNU triplet, for example aarch64-linux-gnu"
	host=$2
	shift 2
fi
cache=${1:-${EWOE_CACHE_DIR:-/var/cache/ewoe}}

# The release's own openvswitch-source first (a tarball in Debian 12, an unpacked tree in
# Debian 13); then the tarball install-deps.sh fetched from another release
# for a system that has none (Debian 11).
source=""
for s in ${EWOE_OVS_TARBALL:-} /usr/src/openvswitch/openvswitch.tar.gz /usr/src/openvswitch \
	"$cache/openvswitch-source/openvswitch.tar.gz"; do
	if [ -f "$s" ] || [ -f "$s/configure.ac" ]; then
		source=$s
		break
	fi
done
[ -n "$source" ] || die "no Open vSwitch source: install openvswitch-source, or run scripts/install-deps.sh, or set EWOE_OVS_TARBALL"

if [ -d "$source" ]; then
	configure_ac=$(cat "$source/configure.ac")
	# File names, sizes and times: enough to tell one unpacked release from another.
	sum=$(cd "$source" && find . -type f -printf '%P %s %T@\n' | sort | sha256sum | cut -c1-12)
else
	top=$(tar -tzf "$source" | head -n 1) || die "cannot read $source"
	configure_ac=$(tar -xzOf "$source" "${top%%/*}/configure.ac" 2>/dev/null || true)
	sum=$(sha256sum "$source" | cut -c1-12)
fi
version=$(echo "$configure_ac" | sed -n 's/^AC_INIT(openvswitch, *\([0-9][0-9.]*\),.*/\1/p')
[ -n "$version" ] || die "$source does not look like Open vSwitch's source (no AC_INIT in configure.ac)"
target=${host:-$(gcc -dumpmachine)}
dir="$cache/openvswitch-$version-$target-$sum"
if [ -f "$dir/.ewoe-built" ]; then
	echo "$dir"
	exit 0
fi

log="$dir.log"
mkdir -p "$cache"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
echo "build-ovs: building the OVS C IDL $version for $target from $source in $dir (a few minutes; log: $log)" >&2
{
	if [ -d "$source" ]; then
		cp -a "$source/." "$dir.tmp/"
	else
		tar -xzf "$source" -C "$dir.tmp" --strip-components=1
	fi
	cd "$dir.tmp"
	[ -x configure ] || ./boot.sh
	# Debian's prefixes, so the compiled-in run directory matches the installed daemons.
	# shellcheck disable=SC2086
	./configure ${host:+--host=$host} --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
		--enable-static --disable-shared --disable-ssl --disable-libcapng
	printf 'include Makefile\nprint-built-sources:\n\t@echo $(BUILT_SOURCES)\n' >ewoe-print.mk
	# shellcheck disable=SC2046
	make -j"$(nproc)" $(make -s -f ewoe-print.mk print-built-sources)
	make -j"$(nproc)" lib/libopenvswitch.la
} >"$log" 2>&1 || die "build failed; see $log"
touch "$dir.tmp/.ewoe-built"
mv "$dir.tmp" "$dir"
echo "$dir"
