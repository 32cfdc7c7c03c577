#!/bin/sh
# The release matrix (docs/platforms.md): ewoe's own install-deps, build, ctest and Debian
# package inside a debootstrapped root of each release, and a cross-build for arm64 whose
# tests run under qemu-user. Each package is then installed into a fresh root of its release.
#
# usage: test-matrix.sh [TARGET...]    targets: bullseye trixie arm64 (default: all)
#
# Roots are cached in /var/cache/ewoe/roots (EWOE_CACHE_DIR) between runs; packages and logs go
# to build-matrix/ in the tree. A failure names the target; the run goes on with the next one
# and exits 1 at the end. Run as root.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
cache=${EWOE_CACHE_DIR:-/var/cache/ewoe}/roots
out=$src/build-matrix
mirror=${EWOE_MIRROR:-http://deb.debian.org/debian}
jobs=$(nproc)

die() { echo "test-matrix: $*" >&2; exit 1; }
say() { echo "== matrix: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it)"
run_cmd=""
if [ "${1:-}" = --run ]; then
	# --run TARGET CMD: CMD in the target's working root, for a look at a failure.
	[ $# -eq 3 ] || die "usage: test-matrix.sh --run bullseye|trixie|arm64 CMD"
	run_cmd=$3
	set -- "$2"
fi
targets=${*:-bullseye trixie arm64}
for t in $targets; do
	case "$t" in
	bullseye | trixie | arm64) ;;
	*) die "unknown target '$t'; targets: bullseye trixie arm64" ;;
	esac
done
./scripts/install-deps.sh --matrix >&2

# qemu-user runs arm64 programs through binfmt_misc: debootstrap's second stage and dpkg in
# the arm64 root, and the cross-built tests. F: the interpreter is opened now, so it works
# inside every chroot without being copied there.
register_arm64() {
	b=/proc/sys/fs/binfmt_misc
	[ -e "$b/register" ] || mount -t binfmt_misc binfmt_misc "$b"
	[ -e "$b/qemu-aarch64" ] && return 0
	magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
	mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
	printf ':qemu-aarch64:M::%s:%s:/usr/bin/qemu-aarch64-static:F\n' "$magic" "$mask" >"$b/register"
}

# A pristine root of SUITE for ARCH, made once: the base every working and install root
# is copied from.
base_root() {
	suite=$1 arch=$2
	dir=$cache/$suite-$arch.base
	if [ ! -f "$dir/.ewoe-root" ]; then
		say "debootstrap $suite ($arch) into $dir"
		rm -rf "$dir.tmp"
		mkdir -p "$cache"
		debootstrap --variant=minbase --arch="$arch" "$suite" "$dir.tmp" "$mirror" \
			>"$out/debootstrap-$suite-$arch.log" 2>&1 ||
			{ tail -n 20 "$out/debootstrap-$suite-$arch.log" >&2; return 1; }
		touch "$dir.tmp/.ewoe-root"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# copy_root BASE DIR: DIR made anew from BASE (whole, or not at all: a copy cut short is not
# taken for a working root by the next run).
copy_root() {
	rm -rf "$2" "$2.tmp"
	cp -a "$1" "$2.tmp"
	cp /etc/resolv.conf "$2.tmp/etc/resolv.conf"
	mv "$2.tmp" "$2"
}

# in_root ROOT CMD: run CMD with sh in ROOT, with its own mount and PID namespaces (every
# daemon a test leaves behind dies with it), the tree at /src, fresh /run and /tmp.
in_root() {
	unshare --mount --pid --fork --propagation private sh -s "$1" "$src" "$2" <<-'EOF'
		set -e
		r=$1
		# The root a mount point, so that unshare -m and ip netns inside can change its
		# propagation.
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount -t sysfs sysfs "$r/sys"
		mount --rbind /dev "$r/dev"
		mount -t tmpfs tmpfs "$r/run"
		mount -t tmpfs tmpfs "$r/tmp"
		mkdir -p "$r/src"
		mount --bind "$2" "$r/src"
		exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/sh -ec "$3"
	EOF
}

# The working root of a target: its base plus what install-deps.sh adds, kept between runs.
target_root() {
	case "$1" in
	arm64) echo "$cache/bookworm-arm64-cross.work" ;;
	*) echo "$cache/$1-amd64.work" ;;
	esac
}
work_root() {
	dir=$(target_root "$1")
	[ -d "$dir" ] || copy_root "$2" "$dir"
	echo "$dir"
}

# run_suite NAME ROOT BUILD CMD: CMD in ROOT, ending with ctest in BUILD, its output in
# $out/NAME/ctest.log; then the counts, and the end of the log on failure.
run_suite() {
	rm -f "$2$3/Testing/Temporary/LastTest.log" "$out/$1/LastTest.log"
	rc=0
	in_root "$2" "$4" >"$out/$1/ctest.log" 2>&1 || rc=1
	cp "$2$3/Testing/Temporary/LastTest.log" "$out/$1/" 2>/dev/null || true
	summarize "$out/$1/ctest.log" "$1" "$out/$1/LastTest.log"
	[ "$rc" -eq 0 ] || { tail -n 40 "$out/$1/ctest.log" >&2; return 1; }
}

# Counts from ctest's log: passed, failed, and each skipped test with the reason it printed.
summarize() {
	log=$1
	name=$2
	counts=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\)/\1 \2/p' "$log")
	[ -n "$counts" ] || { echo "$name: ctest did not run"; return 0; }
	n_failed=${counts% *}
	n_total=${counts#* }
	n_skipped=$(grep -c '(Skipped)$' "$log" || true)
	echo "$name: $((n_total - n_failed - n_skipped)) passed, $n_failed failed, $n_skipped skipped"
	grep '(Skipped)$' "$log" | while read -r _ _ test _; do
		why=$(grep -h -A200 "^[0-9]*/[0-9]* Test: $test\$" "$3" 2>/dev/null |
			grep -m1 '^SKIP: ' || echo "SKIP: (no reason printed)")
		echo "  skipped $test: ${why#SKIP: }"
	done
}

# install_check SUITE ARCH DEB: the package installs with apt (dpkg, its Depends from the
# mirror) into a fresh root of its release; then the binary starts and prints its help.
install_check() {
	base=$(base_root "$1" "$2") || return 1
	dir=$cache/$1-$2.install
	copy_root "$base" "$dir"
	cp "$3" "$dir/tmp.deb"
	in_root "$dir" '
		export DEBIAN_FRONTEND=noninteractive
		printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends /tmp.deb >/dev/null
		dpkg -s ewoe | grep -q "^Status: install ok installed"
		ewoe --version
		ewoe help >/dev/null
		test -x /usr/sbin/ewoe
		dpkg -L ewoe | grep -q "/systemd/system/ewoe.service$"
		dpkg -L ewoe | grep -q "/man8/ewoe.8.gz$"
	' >"$out/$1-$2/install.log" 2>&1 || {
		tail -n 20 "$out/$1-$2/install.log" >&2
		return 1
	}
	rm -rf "$dir"
	echo "$1-$2: $(basename "$3") installs into a fresh $1 root; $(grep -m1 '^ewoe ' "$out/$1-$2/install.log")"
}

# A native release: install-deps, build, the whole suite, the package and lintian.
native() {
	suite=$1
	mkdir -p "$out/$suite-amd64"
	base=$(base_root "$suite" amd64) || return 1
	root=$(work_root "$suite" "$base")
	say "$suite: install-deps, build, ctest (log: $out/$suite-amd64/ctest.log)"
	run_suite "$suite-amd64" "$root" /root/build "
		cd /src
		./scripts/install-deps.sh >/dev/null
		cmake -S /src -B /root/build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
		cmake --build /root/build -j$jobs >/dev/null
		cd /root/build && ctest --output-on-failure -j$jobs
	" || return 1
	package "$root" "$suite" amd64 /root/build
}

# package ROOT SUITE ARCH BUILD: cpack, lintian (no errors), then the fresh-root install.
package() {
	say "$2 ($3): package, lintian, install into a fresh root"
	rm -f "$out/$2-$3"/ewoe_*.deb
	in_root "$1" "
		rm -rf /root/pkg
		cd $4 && cpack -G DEB -B /root/pkg >/root/pkg.log 2>&1 || { cat /root/pkg.log; exit 1; }
		lintian --fail-on error /root/pkg/ewoe_*.deb
	" >"$out/$2-$3/lintian.log" 2>&1 || { cat "$out/$2-$3/lintian.log" >&2; return 1; }
	cp "$1"/root/pkg/ewoe_*.deb "$out/$2-$3/"
	deb=$(ls "$out/$2-$3"/ewoe_*.deb)
	echo "$2-$3: $(basename "$deb"), lintian: $(grep -c '^E:' "$out/$2-$3/lintian.log" || true) errors, $(grep -c '^W:' "$out/$2-$3/lintian.log" || true) warnings"
	install_check "$2" "$3" "$deb"
}

# arm64: cross-built on Debian 12; the tests that need no NETLINK_XFRM or NETLINK_GENERIC
# socket (qemu-user refuses those) run under qemu-user: unit, CLI and platform (the BlueField
# seam's fixtures); not link (ethtool is generic netlink) nor those that need daemons. The
# binary's own checks too: --version, help, config validation.
arm64() {
	mkdir -p "$out/bookworm-arm64"
	register_arm64
	base=$(base_root bookworm amd64) || return 1
	root=$(work_root arm64 "$base")
	say "arm64: cross-build on bookworm, tests under qemu-user (log: $out/bookworm-arm64/ctest.log)"
	run_suite bookworm-arm64 "$root" /root/build-arm64 "
		cd /src
		./scripts/install-deps.sh --cross arm64 >/dev/null
		cmake -S /src -B /root/build-arm64 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			-DCMAKE_TOOLCHAIN_FILE=/src/scripts/cross/aarch64-linux-gnu.cmake >/dev/null
		cmake --build /root/build-arm64 -j$jobs >/dev/null
		file /root/build-arm64/ewoe
		file /root/build-arm64/ewoe | grep -q 'ARM aarch64'
		/root/build-arm64/ewoe --version
		/root/build-arm64/ewoe help >/dev/null
		/root/build-arm64/ewoe help setup >/dev/null
		printf '[node]\\npf = p0\\naddress = 192.0.2.1/24\\n[peer a]\\nremote = 192.0.2.2\\nvni = 99999999\\n' >/tmp/bad.conf
		rc=0
		/root/build-arm64/ewoe --dry-run setup --config /tmp/bad.conf 2>/tmp/err || rc=\$?
		cat /tmp/err
		[ \$rc -eq 2 ] || exit 1
		grep -q \"vni '99999999' is out of range\" /tmp/err || exit 1
		cd /root/build-arm64 && ctest --output-on-failure -j$jobs -L 'unit|cli|platform'
	" || return 1
	package "$root" bookworm arm64 /root/build-arm64
}

if [ -n "$run_cmd" ]; then
	root=$(target_root "$1")
	[ -d "$root" ] || die "no working root for $1 yet: run test-matrix.sh $1 first"
	in_root "$root" "$run_cmd"
	exit
fi
mkdir -p "$out"
failed=""
start=$(date +%s)
for t in $targets; do
	t0=$(date +%s)
	case "$t" in
	arm64) arm64 || failed="$failed $t" ;;
	*) native "$t" || failed="$failed $t" ;;
	esac
	say "$t took $(($(date +%s) - t0)) s"
done
say "matrix took $(($(date +%s) - start)) s"
[ -z "$failed" ] || die "failed on:$failed (logs in $out)"
