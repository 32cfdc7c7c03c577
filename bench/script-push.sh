#!/bin/bash
# The script's way of pushing N tunnels' configuration on one node (measured against
# `ewoe setup`): the bridge, then one ovs-vsctl per VXLAN port, one swanctl.conf snippet per
# peer written by the shell, and one `swanctl --load-all`. Runs inside the arm's netns.
#
# usage: script-push.sh DB_URI VICI_URI DIR PEERS_FILE LOCAL_IP PSK
#   PEERS_FILE: one "NAME REMOTE_IP" per line. DIR receives swanctl.conf and conf.d/.
set -eu
. "$(dirname "$0")/lib-swanctl.sh"
db=$1 vici=$2 dir=$3 peers=$4 local_ip=$5 psk=$6

ovs-vsctl --db="$db" --timeout=60 add-br vxlan-br -- add-port vxlan-br pf0hpf
mkdir -p "$dir/conf.d"
printf 'include conf.d/*.conf\n' >"$dir/swanctl.conf"
while read -r name remote; do
	ovs-vsctl --db="$db" --timeout=60 add-port vxlan-br "vx-$name" -- \
		set interface "vx-$name" type=vxlan options:local_ip="$local_ip" \
		options:remote_ip="$remote" options:key=100 options:dst_port=4789
	write_snippet "$name" "$local_ip" "$remote" "$psk" "$dir"
done <"$peers"
swanctl --load-all --noprompt --uri "$vici" --file "$dir/swanctl.conf"
