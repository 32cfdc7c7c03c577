# The lab topology, built inside the user-mode-linux guest (source this file).
#
# Two arms (the default, LAB_ARMS=2): one veth wire p0 joins them.
#
#   host1 (netns)                 arm1 (netns)                  arm2 (netns)                 host2 (netns)
#   ens7np0 198.51.100.1/24 ---- pf0hpf [vxlan-br] vxlan ...    ... vxlan [vxlan-br] pf0hpf ---- ens7np0 198.51.100.2/24
#                                p0 192.0.2.1/24 ========== ESP ========== p0 192.0.2.2/24
#
# More arms (LAB_ARMS=3 or more): a wire can join only two, so each arm's p0 is a veth whose
# other end, named armN, is a port of the Linux bridge "wire" in netns wire: one underlay
# segment, a switch between the DPUs. Arm N has underlay 192.0.2.N and its host 198.51.100.N.
#
# Each arm runs its own ovsdb-server, ovs-vswitchd (kernel datapath) and charon. charon runs
# in a mount namespace of its own with a private /run: it writes a fixed pid file there.
# Sockets, databases and ewoe's sysroot live under $LAB_RUN (guest tmpfs); every daemon
# logs to $LAB_LOGS (on the host), named <arm>-<daemon>.log.
#
# Functions: lab_up, lab_down, lab_arms, in_arm N CMD..., in_host N CMD..., lab_ewoe N ARGS...,
# lab_db N, lab_vici N, lab_root N, lab_swanctl N ARGS...

: "${LAB_LOGS:?LAB_LOGS must name a directory for daemon logs}"
LAB_RUN=${LAB_RUN:-/tmp/ewoe-lab}
LAB_ARMS=${LAB_ARMS:-2}
LAB_UNDERLAY_NET=192.0.2
LAB_OVERLAY_NET=198.51.100
# The underlay carries VXLAN (50 bytes) inside ESP (about 40 bytes) around 1500-byte frames.
LAB_UNDERLAY_MTU=9000

lab_log() { echo "lab: $*"; }
lab_arms() { seq 1 "$LAB_ARMS"; }

lab_db() { echo "unix:$LAB_RUN/arm$1/db.sock"; }
lab_vici() { echo "unix://$LAB_RUN/arm$1/charon.vici"; }
lab_root() { echo "$LAB_RUN/arm$1/root"; }
lab_underlay_ip() { echo "$LAB_UNDERLAY_NET.$1"; }
lab_overlay_ip() { echo "$LAB_OVERLAY_NET.$1"; }

in_arm() {
	n=$1
	shift
	ip netns exec "arm$n" "$@"
}
in_host() {
	n=$1
	shift
	ip netns exec "host$n" "$@"
}

# ewoe as an operator runs it on arm N, pointed at that arm's daemons and sysroot.
lab_ewoe() {
	n=$1
	shift
	in_arm "$n" "$EWOE" --db "$(lab_db "$n")" --vici "$(lab_vici "$n")" \
		--root "$(lab_root "$n")" "$@"
}
lab_vsctl() {
	n=$1
	shift
	in_arm "$n" ovs-vsctl --db="$(lab_db "$n")" --timeout=30 "$@"
}
# lab_swanctl N --COMMAND [ARGS...]: swanctl takes its --uri after the command.
lab_swanctl() {
	n=$1
	command=$2
	shift 2
	in_arm "$n" env STRONGSWAN_CONF="$LAB_RUN/swanctl-strongswan.conf" \
		swanctl "$command" --uri "$(lab_vici "$n")" "$@"
}

# lab_wait SECONDS WHAT CMD...: poll until CMD succeeds.
lab_wait() {
	secs=$1
	what=$2
	shift 2
	# Process creation is slow in the guest: count time, not tries.
	deadline=$(($(date +%s) + secs))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "lab: timed out after ${secs}s waiting for $what" >&2
			return 1
		fi
		sleep 0.2
	done
}

lab_net_up() {
	for n in $(lab_arms); do
		ip netns add "arm$n" && ip netns add "host$n" || return 1
		in_arm "$n" ip link set lo up && in_host "$n" ip link set lo up || return 1
		# The host's PF and the Arm's representor of it.
		ip link add ens7np0 netns "host$n" type veth peer name pf0hpf netns "arm$n" || return 1
		in_host "$n" ip addr add "$(lab_overlay_ip "$n")/24" dev ens7np0 &&
			in_host "$n" ip link set ens7np0 up &&
			in_arm "$n" ip link set pf0hpf up || return 1
	done
	if [ "$LAB_ARMS" -eq 2 ]; then
		# The uplink wire between the two DPUs.
		ip link add p0 netns arm1 mtu "$LAB_UNDERLAY_MTU" type veth \
			peer name p0 netns arm2 mtu "$LAB_UNDERLAY_MTU" || return 1
	else
		# The switch of the underlay segment: no STP, so a port forwards as soon as it is up.
		ip netns add wire &&
			ip -n wire link add wire mtu "$LAB_UNDERLAY_MTU" type bridge stp_state 0 \
				forward_delay 0 &&
			ip -n wire link set wire up || return 1
		for n in $(lab_arms); do
			ip link add p0 netns "arm$n" mtu "$LAB_UNDERLAY_MTU" type veth \
				peer name "arm$n" netns wire mtu "$LAB_UNDERLAY_MTU" &&
				ip -n wire link set "arm$n" master wire up || return 1
		done
	fi
	for n in $(lab_arms); do
		in_arm "$n" ip addr add "$(lab_underlay_ip "$n")/24" dev p0 &&
			in_arm "$n" ip link set p0 up || return 1
	done
}

lab_ovs_up() {
	n=$1
	d=$LAB_RUN/arm$n
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	in_arm "$n" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--remote=db:Open_vSwitch,Open_vSwitch,manager_options \
		--pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
		-vconsole:off --log-file="$LAB_LOGS/arm$n-ovsdb-server.log" --detach --no-chdir || return 1
	lab_vsctl "$n" --no-wait init || return 1
	# OVS 3.1 caches the CPU count for 10 s from a zero monotonic clock: started earlier in
	# a fresh guest it sees 0 CPUs, creates no upcall handler and drops every first packet.
	while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 0.5; done
	in_arm "$n" ovs-vswitchd "unix:$d/db.sock" \
		--pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		-vconsole:off --log-file="$LAB_LOGS/arm$n-ovs-vswitchd.log" --detach --no-chdir || return 1
	# ovs-vswitchd has read the database once it reports the configuration applied.
	lab_vsctl "$n" set Open_vSwitch . external_ids:system-id="arm$n"
}

# LAB_CHARON_LOG=default gives charon strongSwan's default log levels, as on a deployed node
# (the bench); the tests log IKE and configuration at level 2 for their failure reports.
lab_charon_up() {
	n=$1
	d=$LAB_RUN/arm$n
	if [ "${LAB_CHARON_LOG:-debug}" = default ]; then
		levels='default = 1'
	else
		levels='default = 1
					ike = 2
					cfg = 2'
	fi
	cat >"$d/strongswan.conf" <<-CONF || return 1
		charon {
			load_modular = yes
			plugins {
				include /etc/strongswan.d/charon/*.conf
				vici {
					socket = unix://$d/charon.vici
				}
			}
			install_routes = no
			filelog {
				lab {
					path = $LAB_LOGS/arm$n-charon.log
					time_format = %T
					$levels
					flush_line = yes
				}
			}
		}
		include /etc/strongswan.d/*.conf
	CONF
	# Not through in_arm: a backgrounded function is a subshell. ip netns exec, env, unshare
	# and sh each exec the next, so $! ends up being charon's pid.
	ip netns exec "arm$n" env STRONGSWAN_CONF="$d/strongswan.conf" \
		unshare --mount --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon' \
		>>"$LAB_LOGS/arm$n-charon.stderr.log" 2>&1 &
	echo $! >"$d/charon.pid"
	lab_wait 20 "charon on arm$n" lab_swanctl "$n" --stats
}

lab_up() {
	mkdir -p "$LAB_RUN" "$LAB_LOGS" || return 1
	# swanctl's default plugin list names plugins Debian does not ship; each one is a warning.
	echo 'swanctl { load = random nonce pem pkcs1 pkcs8 x509 pubkey openssl }' \
		>"$LAB_RUN/swanctl-strongswan.conf" || return 1
	if [ "$LAB_ARMS" -eq 2 ]; then
		lab_log "network namespaces arm1 arm2 host1 host2, wires p0 and pf0hpf"
	else
		lab_log "network namespaces arm1..arm$LAB_ARMS host1..host$LAB_ARMS, each p0 on" \
			"bridge wire (netns wire), wires pf0hpf"
	fi
	lab_net_up || return 1
	for n in $(lab_arms); do
		mkdir -p "$LAB_RUN/arm$n" "$(lab_root "$n")" || return 1
		lab_log "arm$n: ovsdb-server, ovs-vswitchd, charon"
		lab_ovs_up "$n" && lab_charon_up "$n" || return 1
	done
}

# The state of every arm and host, for a failed run's logs.
lab_diag() {
	for n in $(lab_arms); do
		d=$LAB_RUN/arm$n
		[ -S "$d/db.sock" ] || continue
		{
			echo "### arm$n"
			in_arm "$n" ip -d addr
			in_arm "$n" ip -s xfrm state
			in_arm "$n" ip xfrm policy
			lab_vsctl "$n" show
			in_arm "$n" ovs-appctl -t "$d/ovs-vswitchd.ctl" dpctl/show
			in_arm "$n" ovs-appctl -t "$d/ovs-vswitchd.ctl" dpctl/dump-flows
			in_arm "$n" ovs-ofctl dump-flows vxlan-br
			lab_swanctl "$n" --list-sas
			echo "### host$n"
			in_host "$n" ip addr
			in_host "$n" ip neigh
		} >"$LAB_LOGS/arm$n-diag.log" 2>&1
	done
}

lab_kill_pidfile() {
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null || true
}

# Stops everything lab_up started; safe to call more than once and after a partial lab_up.
lab_down() {
	for n in $(lab_arms); do
		d=$LAB_RUN/arm$n
		lab_kill_pidfile "$d/charon.pid"
		lab_kill_pidfile "$d/ovs-vswitchd.pid"
		lab_kill_pidfile "$d/ovsdb-server.pid"
		rm -f "$d/charon.pid" "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"
	done
	for n in $(lab_arms); do
		ip netns del "arm$n" 2>/dev/null || true
		ip netns del "host$n" 2>/dev/null || true
	done
	ip netns del wire 2>/dev/null || true
}
