#!/bin/sh
# Install every package ewoe's build, tests and two-DPU lab need.
# Idempotent: packages already present are left alone. Debian 12 and Ubuntu 22.04 only.
set -eu

die() { echo "install-deps: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (apt-get needs it)"
[ -r /etc/os-release ] || die "cannot read /etc/os-release; supported: Debian 12, Ubuntu 22.04"
. /etc/os-release
case "${ID}:${VERSION_ID:-}" in
debian:12 | ubuntu:22.04) ;;
*) die "unsupported system ${PRETTY_NAME:-$ID}; supported: Debian 12, Ubuntu 22.04" ;;
esac

packages="build-essential cmake pkg-config clang-format
 libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libmnl-dev libcap-dev libinih-dev
 libjson-c-dev libcmocka-dev libssl-dev
 openvswitch-switch openvswitch-common
 strongswan-charon strongswan-swanctl strongswan-libcharon libstrongswan-standard-plugins
 libcharon-extra-plugins
 openssl iproute2 iputils-ping tcpdump kmod procps socat util-linux python3 time"

# The OVS C IDL: Ubuntu ships it as a -dev package; Debian ships the source to build it from.
if [ "$ID" = ubuntu ]; then
	packages="$packages libopenvswitch-dev"
else
	packages="$packages openvswitch-source autoconf automake libtool"
fi
# The lab boots Debian's user-mode-linux kernel (a real kernel with ESP, GCM, VXLAN, OVS).
packages="$packages user-mode-linux"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Package maintainer scripts must not start daemons on the build machine: tests start their own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "install-deps: done"
