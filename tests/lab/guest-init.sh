#!/bin/sh
# PID 1 of the lab's user-mode-linux guest (started by boot.sh). Prepares the guest, runs the
# lab script, writes its exit status to the host and halts, whatever happens in between.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C
umask 022

# Whatever fails from here on, the guest must halt: a PID 1 that exits panics the kernel.
status=1
finish() {
	[ -n "${LAB_OUT:-}" ] && echo "$status" >"$LAB_OUT/rc.tmp" && mv "$LAB_OUT/rc.tmp" "$LAB_OUT/rc"
	sync
	# -d: no shutdown record in the host's /var/log/wtmp.
	halt -f -d
	echo o >/proc/sysrq-trigger 2>/dev/null
	sleep 1000
}

if [ -z "${ewoe_lab_env:-}" ] || ! . "$ewoe_lab_env"; then
	echo "guest-init: no environment file (ewoe_lab_env) from boot.sh" >&2
	finish
fi
export LAB_OUT LAB_LOGS LAB_DIR LAB_MODULES EWOE EWOE_SRC EWOE_BUILD LAB_SCRIPT_TIMEOUT 2>/dev/null

prepare() {
	mount -t proc proc /proc &&
		mount -t sysfs sysfs /sys &&
		mount -t tmpfs -o mode=755 tmpfs /run || return 1
	# The links systemd-udevd makes on a real system: /dev/stdin and the like are how
	# programs (the Ansible role's plan, `--config /dev/stdin`) name a pipe.
	# (The kernel may have mounted devtmpfs already; the links go only onto the guest's own /dev,
	# never onto the machine's, which the root filesystem would otherwise show.)
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || :
	if grep -q '^devtmpfs /dev ' /proc/mounts; then
		ln -sfn /proc/self/fd /dev/fd
		ln -sf /proc/self/fd/0 /dev/stdin
		ln -sf /proc/self/fd/1 /dev/stdout
		ln -sf /proc/self/fd/2 /dev/stderr
	fi
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts 2>/dev/null || true
	mount -t tmpfs tmpfs /dev/shm 2>/dev/null || true

	# Keep reachable what the lab needs under the host's /tmp before tmpfs hides it.
	keep=""
	for p in "$LAB_OUT" "$LAB_DIR" "$(dirname "$LAB_SCRIPT")" "${EWOE_SRC:-}" \
		"${EWOE_BUILD:-}" "$(dirname "${EWOE:-/}")"; do
		case "$p" in /tmp/*) case " $keep " in *" $p "*) ;; *) keep="$keep $p" ;; esac ;; esac
	done
	mkdir -p /run/keep
	n=0
	for p in $keep; do
		n=$((n + 1))
		mkdir -p "/run/keep/$n" && mount --bind "$p" "/run/keep/$n" || return 1
	done
	mount -t tmpfs -o mode=1777 tmpfs /tmp || return 1
	n=0
	for p in $keep; do
		n=$((n + 1))
		mkdir -p "$p" && mount --bind "/run/keep/$n" "$p" || return 1
	done

	# The host has no /lib/modules for this kernel and the lab must not create one: give
	# modprobe a root of its own, and route the kernel's own module requests through it.
	mkdir -p "/run/modroot/lib/modules/$(uname -r)" &&
		mount --bind "$LAB_MODULES" "/run/modroot/lib/modules/$(uname -r)" || return 1
	printf '#!/bin/sh\nexec /sbin/modprobe -d /run/modroot "$@"\n' >/run/modprobe
	chmod 755 /run/modprobe
	echo /run/modprobe >/proc/sys/kernel/modprobe
	for m in esp4 xfrm_user gcm ghash-generic ctr seqiv vxlan veth openvswitch vport-vxlan; do
		/run/modprobe "$m" || { echo "guest-init: cannot load module $m" >&2; return 1; }
	done
	ip link set lo up
	hostname ewoe-lab 2>/dev/null || true
}

{
	echo "guest-init: kernel $(uname -r), $(nproc) cpu"
	if prepare; then
		set --
		i=1
		while [ "$i" -le "${LAB_NARGS:-0}" ]; do
			eval "set -- \"\$@\" \"\$LAB_ARG$i\""
			i=$((i + 1))
		done
		status=0
		# A hung step must still end in the script's own cleanup, with logs written.
		timeout -k 20 "${LAB_SCRIPT_TIMEOUT:-420}" "$LAB_SCRIPT" "$@" || status=$?
		[ "$status" -ne 124 ] || echo "guest-init: $LAB_SCRIPT timed out after ${LAB_SCRIPT_TIMEOUT:-420}s"
		echo "guest-init: $LAB_SCRIPT exited $status"
	else
		echo "guest-init: preparing the guest failed" >&2
	fi
} >"$LAB_OUT/guest.log" 2>&1 </dev/null
finish
