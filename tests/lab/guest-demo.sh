#!/bin/sh
# The README's demo, inside the lab guest (scripts/demo.sh boots it): two emulated DPU Arms,
# each set up by `ewoe setup` from its own config file, verify's table, and a ping between the
# hosts seen as ESP on the wire.
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
	[ "$rc" -eq 0 ] || echo "    (exit $rc)"
	return "$rc"
}
conf() { echo "$(lab_root "$1")/etc/ewoe/ewoe.conf"; }

say "starting two Arms (netns arm1, arm2), each with ovsdb-server, ovs-vswitchd and charon"
lab_up || fail "could not start the lab"

say "writing each Arm's /etc/ewoe/ewoe.conf (under its --root) and one PSK for the pair"
# What an operator does once: one secret for the pair, copied to both Arms, mode 0600.
(umask 077 && head -c 32 /dev/urandom >"$LAB_RUN/pair.psk")
for n in 1 2; do
	o=$((3 - n))
	d=$(lab_root "$n")/etc/ewoe
	mkdir -p "$d" && chmod 700 "$d"
	(
		umask 077
		cp "$LAB_RUN/pair.psk" "$d/arm$o.psk"
		cat >"$(conf "$n")" <<-CONF
			[node]
			pf = p0
			address = $(lab_underlay_ip "$n")/24
			representor = pf0hpf
			bridge = vxlan-br
			; no offload device in a VM: software IPsec
			offload = none

			[peer arm$o]
			remote = $(lab_underlay_ip "$o")
			auth = psk
			psk-file = $d/arm$o.psk
		CONF
	) || fail "writing arm$n's config"
done
rm -f "$LAB_RUN/pair.psk"
echo "arm1# cat $(conf 1)"
sed 's/^/    /' "$(conf 1)"
say "each ewoe below runs in its arm's netns, pointed at that arm's daemons and sysroot:"
say "  ewoe --db $(lab_db N) --vici $(lab_vici N) \\"
say "       --root $(lab_root N) ..."

say "ewoe setup on each Arm: bridge, VXLAN port, strongSwan connection. arm2 (the higher"
say "address answers IKE) goes first, so arm1 finds it ready; verify comes once both are up"
show 2 setup --config "$(conf 2)" --no-verify || fail "ewoe setup on arm2"
show 1 setup --config "$(conf 1)" --no-verify || fail "ewoe setup on arm1"

say "checking from the kernel that the tunnel is up and encrypted (no offload device in a VM)"
verify_rc=0
show 1 verify --config "$(conf 1)" || verify_rc=$?

say "host1 pings host2 across the overlay; what the wire p0 between the DPUs carries:"
in_arm 1 tcpdump -i p0 -nn -l -c 6 esp 2>/dev/null | sed 's/^/    p0: /' &
dump=$!
sleep 1
esp_before=$(esp_packets 1)
ping_rc=0
in_host 1 ping -c 3 -i 0.3 "$(lab_overlay_ip 2)" >"$LAB_RUN/ping.out" 2>&1 || ping_rc=$?
sed 's/^/    host1: /' "$LAB_RUN/ping.out"
wait "$dump" 2>/dev/null
esp_after=$(esp_packets 1)
say "arm1's ESP SAs on p0 carried $((esp_after - esp_before)) packets for the 3 pings ($esp_before -> $esp_after)"

say "ewoe teardown on both Arms"
for n in 1 2; do show "$n" teardown --config "$(conf "$n")" || fail "teardown on arm$n"; done

[ "$ping_rc" -eq 0 ] || fail "host1 could not ping host2 across the overlay"
[ "$verify_rc" -eq 0 ] || fail "ewoe verify exited $verify_rc (see its table above)"
[ "$((esp_after - esp_before))" -ge 6 ] ||
	fail "the pings did not go through ESP: $((esp_after - esp_before)) ESP packets"
say "done: host1 and host2 talked over VXLAN inside ESP, set up by ewoe alone"
