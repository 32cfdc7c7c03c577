#!/bin/sh
# Boot Debian's user-mode-linux kernel with the host's filesystem as root and run one script
# in it as PID 1's child. The guest is a real Linux 6.1 with ESP, AES-GCM, VXLAN and the OVS
# kernel datapath, which the machine's own kernel may lack.
#
# usage: boot.sh OUTDIR SCRIPT [ARG...]
#
# OUTDIR is a directory on the host. The guest writes there, through hostfs:
#   rc           the script's exit status (absent: the guest never ran it to the end)
#   guest.log    the script's stdout and stderr
#   console.log  the kernel console
#   logs/        every daemon's log ($LAB_LOGS inside the guest)
# boot.sh exits with the script's status, or 1 when the guest did not report one.
#
# LAB_UML_ARGS, when set, is added to the kernel's command line, e.g. a network device on the
# machine's side: "vec0:transport=tap,ifname=TAP" (test_lab_ansible: its Ansible controller).
#
# The root is the host's filesystem: a write outside tmpfs lands on the host. The guest
# mounts tmpfs on /run and /tmp; paths under the host's /tmp that the script needs (OUTDIR,
# the script, $EWOE, $EWOE_SRC, $EWOE_BUILD) are bound back into the guest's /tmp.
set -eu

die() { echo "boot.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: boot.sh OUTDIR SCRIPT [ARG...]"
out=$(realpath "$1")
script=$(realpath "$2")
shift 2
[ -d "$out" ] || die "OUTDIR '$out' is not a directory"
[ -x "$script" ] || die "SCRIPT '$script' is not executable"

kernel=${LAB_KERNEL:-$(command -v linux.uml || true)}
if [ -z "$kernel" ] || [ ! -x "$kernel" ]; then
	die "no user-mode-linux kernel (linux.uml); install package user-mode-linux"
fi
modules=${LAB_MODULES:-$(ls -d /usr/lib/uml/modules/* 2>/dev/null | head -n 1)}
[ -d "$modules" ] || die "no UML modules under /usr/lib/uml/modules; install user-mode-linux"
here=$(dirname "$(realpath "$0")")

rm -f "$out/rc"
mkdir -p "$out/logs"

# The guest starts with an empty environment: hand it what it needs in a file.
{
	printf 'LAB_OUT=%s\n' "$out"
	printf 'LAB_LOGS=%s\n' "$out/logs"
	printf 'LAB_DIR=%s\n' "$here"
	printf 'LAB_MODULES=%s\n' "$modules"
	printf 'LAB_SCRIPT=%s\n' "$script"
	for v in EWOE EWOE_SRC EWOE_BUILD LAB_SCRIPT_TIMEOUT; do
		eval "val=\${$v:-}"
		[ -n "$val" ] && printf '%s=%s\n' "$v" "$val"
	done
	n=0
	for a in "$@"; do
		n=$((n + 1))
		printf 'LAB_ARG%d=%s\n' "$n" "$a"
	done
	printf 'LAB_NARGS=%d\n' "$n"
} >"$out/env"
# Values must survive `. env`: quote each one.
sed -i "s/'/'\\\\''/g; s/=\(.*\)$/='\1'/" "$out/env"

# UML keeps guest memory in a file under TMPDIR and its control socket under uml_dir (else
# ~/.uml): both go to a private directory, removed with the rest.
mem_dir=$(mktemp -d "${TMPDIR:-/tmp}/ewoe-uml.XXXXXX")
trap 'rm -rf "$mem_dir"' EXIT
trap 'exit 1' INT TERM

status=0
# shellcheck disable=SC2086 # LAB_UML_ARGS is a list of kernel arguments
TMPDIR=$mem_dir timeout "${LAB_BOOT_TIMEOUT:-600}" "$kernel" mem="${LAB_MEM:-1G}" \
	uml_dir="$mem_dir" root=/dev/root rootfstype=hostfs rootflags=/ rw \
	init="$here/guest-init.sh" "ewoe_lab_env=$out/env" ${LAB_UML_ARGS:-} \
	con=null con0=null,fd:1 </dev/null >"$out/console.log" 2>&1 || status=$?
if [ "$status" -eq 124 ]; then
	echo "boot.sh: the guest did not halt within ${LAB_BOOT_TIMEOUT:-600}s" >&2
fi
if [ ! -s "$out/rc" ]; then
	echo "boot.sh: the guest reported no exit status (kernel exit $status); console:" >&2
	tail -n 40 "$out/console.log" >&2
	exit 1
fi
exit "$(cat "$out/rc")"
