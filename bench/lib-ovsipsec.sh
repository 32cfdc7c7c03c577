# OVS IPsec, the way the seed's guide leads with: ovs-monitor-ipsec (Debian's openvswitch-ipsec)
# reads options:psk (or remote_cert, remote_name) from each tunnel interface in OVSDB, writes
# ipsec.conf and ipsec.secrets, and drives strongSwan through its starter (`ipsec restart`,
# `ipsec update`, `ipsec rereadsecrets`, `ipsec status`, `ipsec stroke down-nb`). Source this file
# after tests/lab/topology.sh, inside the lab guest.
#
# One monitor per arm, against that arm's ovsdb-server, with an IKE daemon of its own: starter
# and the charon it starts (stroke and VICI plugins). Both daemons run in the arm's netns, so
# the arm's lab charon (topology.sh) must be stopped first: the two would share UDP 500 and
# 4500. Everything the monitor and strongSwan write stays in $LAB_RUN/armN/ovsipsec:
#   --root-prefix DIR   the monitor writes DIR/etc/ipsec.conf, DIR/etc/ipsec.secrets and
#                       DIR/etc/strongswan.d/ovs.conf and runs DIR/usr/sbin/ipsec (a link to
#                       the real one). Debian 12's monitor (OVS 3.1) has no other way to move
#                       strongSwan's files: --ipsec-conf and friends are for libreswan only.
#   STRONGSWAN_CONF     DIR/strongswan.conf: starter.config_file and the stroke plugin's
#                       secrets_file point at DIR/etc, and it includes DIR/etc/strongswan.d.
#   a mount namespace   DIR/run bound over /run: starter's and charon's pid files and charon.ctl
#                       (paths the ipsec script and the stroke client take from /var/run).
# Functions: ovsipsec_dir N, ovsipsec_up N, ovsipsec_in N CMD..., ovsipsec_ike_stop N,
# ovsipsec_down N, ovsipsec_ctl N, ovsipsec_vici N.

OVSIPSEC_MONITOR=/usr/share/openvswitch/scripts/ovs-monitor-ipsec

ovsipsec_dir() { echo "$LAB_RUN/arm$1/ovsipsec"; }
ovsipsec_vici() { echo "unix://$(ovsipsec_dir "$1")/charon.vici"; }

# ovsipsec_up N: the monitor on arm N (as openvswitch-ipsec.service starts it: it restarts the
# IKE daemon first), then waits until charon answers on its stroke and VICI sockets.
ovsipsec_up() {
	n=$1
	od=$(ovsipsec_dir "$n")
	[ -x "$OVSIPSEC_MONITOR" ] ||
		{ echo "no $OVSIPSEC_MONITOR: install openvswitch-ipsec (scripts/install-deps.sh)" >&2; return 1; }
	rm -rf "$od"
	mkdir -p "$od/run/openvswitch" "$od/etc/strongswan.d" "$od/usr/sbin" "$od/sbin" || return 1
	ln -s /usr/sbin/ipsec "$od/usr/sbin/ipsec" && ln -s /usr/sbin/ip "$od/sbin/ip" || return 1
	if [ "${LAB_CHARON_LOG:-debug}" = default ]; then
		oilevels='default = 1'
	else
		oilevels='default = 1
				ike = 2
				cfg = 2'
	fi
	cat >"$od/strongswan.conf" <<-CONF || return 1
		charon {
			load_modular = yes
			plugins {
				include /etc/strongswan.d/charon/*.conf
				stroke {
					secrets_file = $od/etc/ipsec.secrets
				}
				vici {
					socket = unix://$od/charon.vici
				}
			}
			install_routes = no
			filelog {
				lab {
					path = $LAB_LOGS/arm$n-ovsipsec-charon.log
					time_format = %T
					$oilevels
					flush_line = yes
				}
			}
		}
		starter {
			config_file = $od/etc/ipsec.conf
		}
		include /etc/strongswan.d/*.conf
		include $od/etc/strongswan.d/*.conf
	CONF
	# shellcheck disable=SC2016 # the inner sh expands $1 and $@
	in_arm "$n" env STRONGSWAN_CONF="$od/strongswan.conf" OVS_RUNDIR="$od/run/openvswitch" \
		unshare --mount --propagation private sh -c 'mount --bind "$1" /run && shift && exec "$@"' \
		sh "$od/run" "$OVSIPSEC_MONITOR" --root-prefix="$od" --ike-daemon=strongswan \
		--pidfile="$od/ovs-monitor-ipsec.pid" --log-file="$LAB_LOGS/arm$n-ovs-monitor-ipsec.log" \
		-vconsole:off --detach --no-chdir "$(lab_db "$n")" \
		>>"$LAB_LOGS/arm$n-ovs-monitor-ipsec.stderr.log" 2>&1 || return 1
	lab_wait 30 "charon of ovs-monitor-ipsec on arm$n" sh -c \
		"[ -S '$od/run/charon.ctl' ] && [ -S '$od/charon.vici' ]"
}

# ovsipsec_in N CMD...: CMD in arm N's netns and in the mount namespace of its IKE daemon
# (found through starter's pid), as the monitor runs its ipsec commands.
ovsipsec_in() {
	n=$1
	shift
	od=$(ovsipsec_dir "$n")
	oipid=$(cat "$od/run/starter.charon.pid" 2>/dev/null || cat "$od/ovs-monitor-ipsec.pid" 2>/dev/null) ||
		{ echo "ovsipsec_in: no IKE daemon or monitor on arm$n" >&2; return 1; }
	nsenter -t "$oipid" -m -n env STRONGSWAN_CONF="$od/strongswan.conf" "$@"
}

# The monitor's control socket (ovs-appctl -t).
ovsipsec_ctl() {
	od=$(ovsipsec_dir "$1")
	echo "$od/run/openvswitch/ovs-monitor-ipsec.$(cat "$od/ovs-monitor-ipsec.pid").ctl"
}

# ovsipsec_ike_stop N: `ipsec stop`, as `systemctl stop strongswan-starter` does: starter stops
# charon, which deletes its SAs and policies. The monitor keeps running.
ovsipsec_ike_stop() {
	ovsipsec_in "$1" ipsec stop >>"$LAB_LOGS/arm$1-ovsipsec-ipsec.log" 2>&1
	lab_wait 20 "charon of ovs-monitor-ipsec on arm$1 to stop" sh -c \
		"! [ -e '$(ovsipsec_dir "$1")/run/charon.pid' ]"
}

# ovsipsec_down N: the monitor's own exit (it removes every tunnel it configured), then the IKE
# daemon; whatever is left is killed.
ovsipsec_down() {
	n=$1
	od=$(ovsipsec_dir "$n")
	[ -d "$od" ] || return 0
	# The monitor removes its pid file as it exits: read it once.
	oimon=$(cat "$od/ovs-monitor-ipsec.pid" 2>/dev/null) || oimon=
	if [ -n "$oimon" ] && kill -0 "$oimon" 2>/dev/null; then
		timeout 30 ovs-appctl -t "$od/run/openvswitch/ovs-monitor-ipsec.$oimon.ctl" exit \
			>/dev/null 2>&1
		oiwait=0
		while kill -0 "$oimon" 2>/dev/null && [ "$oiwait" -lt 50 ]; do
			sleep 0.1
			oiwait=$((oiwait + 1))
		done
		kill -9 "$oimon" 2>/dev/null
	fi
	if [ -s "$od/run/starter.charon.pid" ]; then
		ovsipsec_in "$n" ipsec stop >>"$LAB_LOGS/arm$n-ovsipsec-ipsec.log" 2>&1
	fi
	lab_kill_pidfile "$od/run/starter.charon.pid"
	lab_kill_pidfile "$od/run/charon.pid"
	rm -f "$od/ovs-monitor-ipsec.pid" "$od/run/starter.charon.pid" "$od/run/charon.pid"
}
