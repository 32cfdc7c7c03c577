#!/bin/sh
# The README's demo, inside the lab guest (scripts/demo.sh boots it): two emulated DPU Arms
# set up by ewoe alone, verify's table, and a ping between the hosts seen as ESP on the wire.
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

say() { echo "demo: $*"; }
show() { # show N CMD...: print an arm's command line as an operator would type it, then run it
	n=$1
	shift
	echo "arm$n# ewoe $*"
	rc=0
	lab_ewoe "$n" "$@" >"$LAB_RUN/show.out" 2>&1 || rc=$?
	sed 's/^/    /' "$LAB_RUN/show.out"
	return "$rc"
}

say "starting two Arms (netns arm1, arm2), each with ovsdb-server, ovs-vswitchd and charon"
lab_up || fail "could not start the lab"

psk=$LAB_RUN/demo.psk
(umask 077 && head -c 32 /dev/urandom >"$psk")

say "putting the host representor pf0hpf on bridge vxlan-br on each Arm"
for n in 1 2; do
	show "$n" setup-bridge --bridge vxlan-br --rep pf0hpf --offload none || fail "setup-bridge on arm$n"
done

say "one encrypted VXLAN tunnel, PSK authentication (the responder, arm2, goes first)"
for n in 2 1; do
	o=$((3 - n))
	show "$n" tunnel psk --psk-file "$psk" --local "$(lab_underlay_ip "$n")" \
		--remote "$(lab_underlay_ip "$o")" --offload auto || fail "tunnel on arm$n"
done

say "checking from the kernel that the tunnel is up and encrypted (no offload device in a VM)"
verify_rc=0
show 1 verify --local "$(lab_underlay_ip 1)" --remote "$(lab_underlay_ip 2)" --pf p0 \
	--rep pf0hpf --expect-offload none || verify_rc=$?

say "host1 pings host2 across the overlay; what the wire p0 between the DPUs carries:"
in_arm 1 tcpdump -i p0 -nn -l -c 6 esp 2>/dev/null | sed 's/^/    p0: /' &
dump=$!
sleep 1
ping_rc=0
in_host 1 ping -c 3 -i 0.3 "$(lab_overlay_ip 2)" >"$LAB_RUN/ping.out" 2>&1 || ping_rc=$?
sed 's/^/    host1: /' "$LAB_RUN/ping.out"
wait "$dump" 2>/dev/null

say "tearing down both Arms"
for n in 1 2; do show "$n" teardown || fail "teardown on arm$n"; done

[ "$ping_rc" -eq 0 ] || fail "host1 could not ping host2 across the overlay"
[ "$verify_rc" -eq 0 ] || fail "ewoe verify exited $verify_rc (see its table above)"
say "done: host1 and host2 talked over VXLAN inside ESP, set up by ewoe alone"
