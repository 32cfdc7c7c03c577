#!/bin/sh
# EWOE_RUNNER stand-in for systemctl, openibd and mlxprivhost: logs each argv as one line to
# $FAKE_LOG and simulates just enough state.
#   FAKE_ACTIVE  units that `systemctl is-active` reports running (space-separated)
#   FAKE_FAIL    "verb:unit" pairs, or "openibd", that exit 1
#   FAKE_OPENIBD_KEEP=1  the driver restart leaves ipsec_mode as it was
# The driver restart sets every compat ipsec_mode under the root from mlnx-bf.conf, as the
# real openibd does when it reloads mlx5_core.
printf '%s\n' "$*" >>"${FAKE_LOG:?FAKE_LOG must name the log file}"

fails() {
	for f in ${FAKE_FAIL:-}; do [ "$f" = "$1" ] && return 0; done
	return 1
}

case "$1" in
systemctl)
	case "$2" in
	is-active)
		[ "$3" = --quiet ] || exit 2
		for u in ${FAKE_ACTIVE:-}; do [ "$u" = "$4" ] && exit 0; done
		exit 3
		;;
	start | stop | restart)
		fails "$2:$3" && exit 1
		exit 0
		;;
	esac
	exit 2
	;;
*/etc/init.d/openibd)
	[ "$2" = restart ] || exit 2
	fails openibd && exit 1
	[ "${FAKE_OPENIBD_KEEP:-0}" = 1 ] && exit 0
	root=${1%/etc/init.d/openibd}
	mode=none
	grep -Eq '^[[:space:]]*(export[[:space:]]+)?IPSEC_FULL_OFFLOAD=("yes"|'"'"'yes'"'"'|yes)' \
		"$root/etc/mellanox/mlnx-bf.conf" && mode=full
	for f in "$root"/sys/class/net/*/compat/devlink/ipsec_mode; do
		[ -e "$f" ] && echo "$mode" >"$f"
	done
	exit 0
	;;
mlxprivhost)
	fails mlxprivhost && exit 1
	exit 0
	;;
esac
exit 127
