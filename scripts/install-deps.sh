#!/bin/sh
# Install every package ewoe's build and tests need, by the names the running release uses.
# Idempotent: packages already present are left alone.
#
# usage: install-deps.sh            the build, the tests, and the lab where it runs
#        install-deps.sh --matrix   what scripts/test-matrix.sh needs on the machine itself
#        install-deps.sh --cross arm64
#                                   a cross-build for arm64 (Debian 12): the cross toolchain,
#                                   the :arm64 libraries, qemu-user to run the tests
#        install-deps.sh --build    only what the build needs, no daemons: the default on a
#                                   BlueField Arm, whose Open vSwitch and strongSwan are NVIDIA's
#        install-deps.sh --list     print the package names for this release, install nothing
#
# Supported: Debian 11, 12, 13; Ubuntu 22.04, 24.04 (docs/platforms.md). The two-DPU lab
# (user-mode-linux) is installed on Debian 12 and 13 only, where it is tested.
set -eu

die() { echo "install-deps: $*" >&2; exit 1; }

mode=native
case "${1:-}" in
"") ;;
--matrix) mode=matrix ;;
--build) mode=build ;;
--list) mode=list ;;
--cross)
	[ "${2:-}" = arm64 ] || die "--cross takes one architecture: arm64"
	mode=cross
	;;
*) die "unknown option '$1'; usage: install-deps.sh [--build | --matrix | --cross arm64 | --list]" ;;
esac
# NVIDIA's image carries its own daemons; Ubuntu's must not replace them.
if [ "$mode" = native ] && [ -e /etc/mellanox/mlnx-bf.conf ]; then
	echo "install-deps: a BlueField Arm (/etc/mellanox/mlnx-bf.conf): the build's packages only"
	mode=build
fi

[ -r /etc/os-release ] || die "cannot read /etc/os-release; supported: Debian 11, 12, 13, Ubuntu 22.04, 24.04"
. /etc/os-release
release="${ID}:${VERSION_ID:-}"
supported="Debian 11, 12, 13, Ubuntu 22.04, 24.04"

# Names that differ by release. openvswitch-source: the tarball the OVS C IDL is built from;
# Debian 11 has none and gets Debian 12's (fetch_ovs_source). systemd's pkg-config file (the
# unit directory) is in systemd itself up to Debian 12 and Ubuntu 22.04, in systemd-dev from
# Debian 13 and Ubuntu 24.04.
ovs_source=openvswitch-source
systemd_pc=""
lab=""
case "$release" in
debian:11) ovs_source="" ;;
debian:12) lab="user-mode-linux openvswitch-ipsec" ;;
debian:13)
	lab="user-mode-linux openvswitch-ipsec"
	systemd_pc=systemd-dev
	;;
ubuntu:22.04) ;;
ubuntu:24.04) systemd_pc=systemd-dev ;;
*) die "unsupported system ${PRETTY_NAME:-$ID}; supported: $supported" ;;
esac
# The Ansible collection (scripts/ansible) where the lab runs: ansible-lint, and the lab test's
# controller (Debian's ansible ships community.crypto) and each emulated Arm's sshd.
[ -z "$lab" ] || lab="$lab ansible ansible-lint openssh-server openssh-client python3-cryptography"
[ "$mode" != cross ] || [ "$release" = debian:12 ] ||
	die "the arm64 cross-build is set up on Debian 12 only (this is ${PRETTY_NAME:-$release})"
# promtool checks what `ewoe metrics` writes (tests/status): Debian 11 and 12 ship it in
# prometheus, Debian 13 in a package of its own. Ubuntu's are not checked here: the test
# skips there, saying so.
case "$release" in
debian:11 | debian:12) promtool=prometheus ;;
debian:13) promtool=promtool ;;
*) promtool="" ;;
esac

libs_dev="libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libmnl-dev libcap-dev libinih-dev
 libssl-dev libcmocka-dev libjson-c-dev"
# The IDL's build from source, and the Debian package's (dpkg-shlibdeps, lintian). systemd:
# systemd-analyze and systemctl check the units (tests/systemd); a minbase root has no systemd.
tools="build-essential cmake pkg-config file autoconf automake libtool python3 systemd $systemd_pc
 $ovs_source dpkg-dev lintian"

case "$mode" in
matrix) packages="debootstrap qemu-user-static" ;;
build) packages="$tools $libs_dev" ;;
cross)
	packages="crossbuild-essential-arm64 qemu-user-static $tools strongswan-swanctl:arm64"
	for p in $libs_dev; do packages="$packages $p:arm64"; done
	;;
*)
	packages="$tools $libs_dev
 openvswitch-switch openvswitch-common
 strongswan-charon strongswan-swanctl strongswan-libcharon libstrongswan-standard-plugins
 libcharon-extra-plugins
 openssl iproute2 iputils-ping tcpdump kmod procps socat util-linux time $lab $promtool"
	;;
esac
if [ "$mode" = list ]; then
	echo $packages
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "run as root (apt-get needs it)"

export DEBIAN_FRONTEND=noninteractive
if [ "$mode" = cross ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	apt-get update -qq
fi

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

# Debian 11 has no openvswitch-source: take Debian 12's tarball, kept where build-ovs.sh
# looks for it. apt fetches and verifies it with a list of its own; the system's are untouched.
fetch_ovs_source() {
	dest=${EWOE_CACHE_DIR:-/var/cache/ewoe}/openvswitch-source
	[ -z "$ovs_source" ] && { [ "$mode" = native ] || [ "$mode" = build ]; } || return 0
	[ ! -r "$dest/openvswitch.tar.gz" ] || return 0
	tmp=$(mktemp -d)
	mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${EWOE_MIRROR:-http://deb.debian.org/debian} bookworm main" \
		>"$tmp/sources.list"
	set -- -o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$tmp/lists" -o Dir::Cache::Archives="$tmp/archives" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
	echo "install-deps: ${PRETTY_NAME:-$release} has no openvswitch-source; fetching Debian 12's"
	apt-get "$@" update -qq || die "cannot read Debian 12's package list (mirror unreachable?)"
	(cd "$tmp" && apt-get "$@" download openvswitch-source) || die "cannot fetch openvswitch-source"
	dpkg-deb -x "$tmp"/openvswitch-source_*.deb "$tmp/x"
	mkdir -p "$dest"
	mv "$tmp/x/usr/src/openvswitch/openvswitch.tar.gz" "$dest/openvswitch.tar.gz.tmp"
	mv "$dest/openvswitch.tar.gz.tmp" "$dest/openvswitch.tar.gz"
	rm -rf "$tmp"
}

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	apt-get update -qq
	absent=""
	for p in $missing; do
		apt-cache show "$p" >/dev/null 2>&1 || absent="$absent $p"
	done
	[ -z "$absent" ] ||
		die "${PRETTY_NAME:-$release} has no package named:$absent (is its main/universe component enabled?)"
	# Package maintainer scripts must not start daemons on the build machine: tests start
	# their own.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
fetch_ovs_source
echo "install-deps: everything is installed"
