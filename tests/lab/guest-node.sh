# shellcheck shell=sh
# Helpers for the lab scripts that run one tunnel between arm1 and arm2 from ewoe.conf and take
# its daemons down and up the way their systemd units do (source after guest-lib.sh; $CREDS
# holds the PSK files, $BRIDGE names the bridge).

etc() { echo "$(lab_root "$1")/etc/ewoe"; }
conf() { echo "$(etc "$1")/ewoe.conf"; }

# write_config N PSK [REKEY_PACKETS]: arm N's config, one PSK peer (the other arm) with the PSK
# file $CREDS/PSK, software IPsec, and the SAs rekeyed every REKEY_PACKETS packets.
write_config() {
	n=$1
	o=$((3 - n))
	d=$(etc "$n")
	mkdir -p "$d" && chmod 700 "$d" || return 1
	(umask 077 && cp "$CREDS/$2" "$d/pair.psk") || return 1
	cat >"$(conf "$n")" <<-EOF || return 1
		[node]
		pf = p0
		address = $(lab_underlay_ip "$n")/24
		representor = pf0hpf
		bridge = $BRIDGE
		offload = none

		[peer arm$o]
		remote = $(lab_underlay_ip "$o")
		auth = psk
		psk-file = $d/pair.psk
	EOF
	[ -z "${3:-}" ] || echo "rekey-packets = $3" >>"$(conf "$n")"
	chmod 600 "$(conf "$n")"
}

ewoe_on() {
	name=$1
	n=$2
	shift 2
	run_logged "arm$n-$name" lab_ewoe "$n" "$@"
}
setup_on() { ewoe_on "$1" "$2" setup --config "$(conf "$2")"; } # NAME N

# --- the daemons, stopped and started the way their units do ------------------------------
charon_pid() { cat "$LAB_RUN/arm$1/charon.pid"; }
charon_kill() { kill -KILL "$(charon_pid "$1")" && sleep 0.3; }
charon_stop() { lab_kill_pidfile "$LAB_RUN/arm$1/charon.pid"; }
# strongswan.service: charon, then swanctl --load-all over what ewoe persisted.
charon_start() {
	n=$1
	lab_charon_up "$n" || return 1
	echo "include $(lab_root "$n")/etc/swanctl/conf.d/*.conf" >"$LAB_RUN/arm$n-swanctl.conf"
	in_arm "$n" env STRONGSWAN_CONF="$LAB_RUN/swanctl-strongswan.conf" \
		SWANCTL_DIR="$(lab_root "$n")/etc/swanctl" swanctl --load-all \
		--file "$LAB_RUN/arm$n-swanctl.conf" --uri "$(lab_vici "$n")" \
		>>"$LAB_LOGS/arm$n-load-all.log" 2>&1
}
ovsdb_start() {
	d=$LAB_RUN/arm$1
	in_arm "$1" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" -vconsole:off \
		--log-file="$LAB_LOGS/arm$1-ovsdb-server.log" --detach --no-chdir
}
vswitchd_start() {
	d=$LAB_RUN/arm$1
	in_arm "$1" ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
		--unixctl="$d/ovs-vswitchd.ctl" -vconsole:off \
		--log-file="$LAB_LOGS/arm$1-ovs-vswitchd.log" --detach --no-chdir
}

# verify_clean N LABEL: verify on arm N exits 0; a rekey in progress shows an extra SA for a
# moment (charon keeps the old inbound SA 5 s), so up to eight tries a second apart.
verify_clean() {
	i=0
	while :; do
		rc=0
		lab_ewoe "$1" verify --config "$(conf "$1")" >"$LAB_LOGS/arm$1-verify-$2.log" 2>&1 ||
			rc=$?
		[ "$rc" -eq 0 ] && return 0
		i=$((i + 1))
		[ "$i" -lt 8 ] || break
		sleep 1
	done
	sed 's/^/    /' "$LAB_LOGS/arm$1-verify-$2.log"
	fail "$2: verify on arm$1 exited $rc"
}

guards_on() { in_arm "$1" ip xfrm policy | grep -c 'action block priority 2000000000'; }
assert_guards() { # N COUNT WHEN
	c=$(guards_on "$1")
	[ "$c" -eq "$2" ] || { in_arm "$1" ip xfrm policy; fail "arm$1 has $c guard policies $3, expected $2"; }
}

