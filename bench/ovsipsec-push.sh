#!/bin/sh
# OVS IPsec's way of configuring N tunnels on one node, as the seed's guide shows it: the bridge
# and the representor, then one `ovs-vsctl add-port` per tunnel with options:psk, and
# ovs-monitor-ipsec (already running, as openvswitch-ipsec.service) writes ipsec.conf and
# ipsec.secrets and drives strongSwan's starter. Nothing tells the operator when that is done:
# the script waits until charon has routed every tunnel (its out policy to each remote's VXLAN
# port, ovs-monitor-ipsec's connections being auto=route). Runs inside the arm's netns.
#
# usage: ovsipsec-push.sh DB_URI PEERS_FILE LOCAL_IP PSK [ROUTED_FIFO
#                         [TRAFFIC_NETNS BROADCAST_IP UP_FIFO]]
#   PEERS_FILE: one "NAME REMOTE_IP" per line.
#   ROUTED_FIFO: where an `xfrm-wait.sh policies N ...` started by the harness (outside the
#   timing) reports that every tunnel is routed; "-": the script starts that wait itself.
#   With TRAFFIC_NETNS, the tunnels are then brought up as OVS IPsec brings them up, by
#   traffic: a broadcast ping from TRAFFIC_NETNS (the host behind the representor) every
#   100 ms, which the bridge floods into every VXLAN port; the script returns once an
#   `xfrm-wait.sh sas 2N ...` reports on UP_FIFO that every tunnel's outbound CHILD_SA (2 ESP
#   SAs) is installed.
set -eu
db=$1 peers=$2 local_ip=$3 psk=$4
bench=$(dirname "$0")
n=$(wc -l <"$peers")
ready=$(mktemp -u)
trap 'rm -f "$ready"' EXIT

# wait_for KIND COUNT TIMEOUT: xfrm-wait.sh in the background, its pid in $waiter, once its
# monitor listens.
wait_for() {
	rm -f "$ready"
	"$bench/xfrm-wait.sh" "$1" "$2" "$3" "$ready" &
	waiter=$!
	while [ ! -e "$ready" ]; do
		kill -0 "$waiter" 2>/dev/null || { echo "ovsipsec-push: xfrm-wait.sh failed" >&2; exit 1; }
		sleep 0.05
	done
}

routed=${5:--}
[ "$routed" != - ] || wait_for policies "$n" 1800
ovs-vsctl --db="$db" --timeout=60 add-br vxlan-br -- add-port vxlan-br pf0hpf
while read -r name remote; do
	ovs-vsctl --db="$db" --timeout=60 add-port vxlan-br "$name" -- \
		set interface "$name" type=vxlan options:local_ip="$local_ip" \
		options:remote_ip="$remote" options:key=100 options:dst_port=4789 options:psk="$psk"
done <"$peers"
rc=0
if [ "$routed" = - ]; then
	wait "$waiter" || rc=$?
else
	read -r rc <"$routed"
fi
[ "$rc" -eq 0 ] || { echo "ovsipsec-push: charon did not route all $n tunnels" >&2; exit 1; }
[ $# -ge 8 ] || exit 0

ip netns exec "$6" ping -b -q -i 0.1 "$7" >/dev/null 2>&1 &
pinger=$!
read -r rc <"$8"
kill "$pinger" 2>/dev/null || true
[ "$rc" -eq 0 ] || { echo "ovsipsec-push: not every tunnel's CHILD_SA came up" >&2; exit 1; }
