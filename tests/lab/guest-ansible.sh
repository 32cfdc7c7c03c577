#!/bin/sh
# The ewoe.fleet collection against four emulated DPU Arms (runs inside the lab guest;
# test_lab_ansible.sh boots it and runs the Ansible controller in a network namespace of the
# machine, on the other end of the guest's vec0). Each Arm runs an sshd in its namespace on its
# management address 203.0.113.N (a bridge "mgmt" with vec0 and one veth per Arm); the
# inventory points ewoe at the Arm's own sockets and sysroot (ewoe_global_args).
#
# One mesh of both kinds: arm1, arm2 and arm3 say ewoe_auth psk, arm4 ca, so arm1-arm2,
# arm1-arm3 and arm2-arm3 share a PSK made on the controller, and every pair with arm4 uses
# the controller's CA. Asserts:
#   1. ewoe.fleet.site in batches of 2 builds the mesh: verify green on every Arm (3 tunnels
#      up, 12 SAs), every host pings every other over ESP; PSKs and keys 0600, never printed.
#   2. A second run: changed=0 on every Arm, nothing changed (OVS, connections, SPIs, files).
#   3. --check --diff with one variable of arm2 changed: arm2 alone changed, its config's diff
#      and ewoe's plan shown, nothing changed on any Arm.
#   4. arm3 out of the group: arm1, arm2 and arm4 remove their tunnels to arm3 (and arm3's
#      PSKs) and nothing else: the other SAs keep their SPIs, verify green with 2 peers.
#   5. ewoe.fleet.teardown, every host: every Arm clean, no config or credential left.
# shellcheck disable=SC2034 # topology.sh reads it
LAB_ARMS=4
. "$LAB_DIR/guest-lib.sh"
: "${EWOE:?EWOE must name the ewoe binary}"

BRIDGE=vxlan-br
ARMS=$(lab_arms)
A=$LAB_OUT/ansible # the controller's files, on the machine: both sides see them
export LANG=C.UTF-8 LC_ALL=C.UTF-8

mgmt_ip() { echo "203.0.113.$1"; }
etc() { echo "$(lab_root "$1")/etc/ewoe"; }
conf() { echo "$(etc "$1")/ewoe.conf"; }

# The management network and an sshd in each Arm's namespace, root by key only.
mgmt_up() {
	ip link add mgmt type bridge && ip link set mgmt up &&
		ip link set vec0 master mgmt && ip link set vec0 up || return 1
	s=$LAB_RUN/ssh
	mkdir -p "$s" /run/sshd && chmod 700 "$s" || return 1
	# The guest's root is the machine's filesystem: a login would read the machine's
	# /root/.bashrc (Debian's bash does for sshd's commands), whatever it starts (a pyenv
	# rehash took a minute a login here). The guest sees an empty one. (Not a tmpfs over all
	# of /root: the build under test may live there, as in the release matrix's roots.)
	if [ -e /root/.bashrc ]; then mount --bind /dev/null /root/.bashrc || return 1; fi
	ssh-keygen -q -t ed25519 -N '' -C ewoe-lab-arm -f "$s/host" || return 1
	cp "$A/id.pub" "$s/authorized_keys" || return 1
	: >"$A/known_hosts"
	for n in $ARMS; do
		ip link add "mgmt$n" type veth peer name mgmt0 netns "arm$n" &&
			ip link set "mgmt$n" master mgmt up &&
			in_arm "$n" ip addr add "$(mgmt_ip "$n")/24" dev mgmt0 &&
			in_arm "$n" ip link set mgmt0 up || return 1
		cat >"$s/arm$n.conf" <<-EOF
			ListenAddress $(mgmt_ip "$n")
			HostKey $s/host
			PidFile $s/arm$n.pid
			AuthorizedKeysFile $s/authorized_keys
			StrictModes no
			PermitRootLogin prohibit-password
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			KexAlgorithms curve25519-sha256
			Subsystem sftp internal-sftp
		EOF
		in_arm "$n" /usr/sbin/sshd -f "$s/arm$n.conf" -E "$LAB_LOGS/arm$n-sshd.log" || return 1
		echo "$(mgmt_ip "$n") $(cat "$s/host.pub")" >>"$A/known_hosts"
	done
}
mgmt_down() {
	for n in $ARMS; do lab_kill_pidfile "$LAB_RUN/ssh/arm$n.pid"; done
}

# write_inventory MEMBERS [ARM2_VARS]: the group ewoe_mesh with the Arms MEMBERS (in order);
# ARM2_VARS, flow-style YAML, goes into arm2's host variables.
write_inventory() {
	{
		echo "ewoe_mesh:"
		echo "  hosts:"
		for n in $1; do
			printf '    arm%s:\n      ansible_host: %s\n      ewoe_address: %s/24\n' \
				"$n" "$(mgmt_ip "$n")" "$(lab_underlay_ip "$n")"
			printf '      ewoe_etc_dir: %s\n' "$(etc "$n")"
			printf '      ewoe_global_args: [--db, "%s", --vici, "%s", --root, "%s"]\n' \
				"$(lab_db "$n")" "$(lab_vici "$n")" "$(lab_root "$n")"
			[ "$n" -ne 4 ] || echo "      ewoe_auth: ca"
			[ "$n" -ne 2 ] || [ -z "${2:-}" ] || echo "      $2"
		done
		cat <<-EOF
			  vars:
			    ansible_user: root
			    ansible_ssh_private_key_file: $A/id
			    ewoe_command: $EWOE
			    ewoe_offload: none
			    ewoe_psk_dir: $A/psk
			    ewoe_ca_dir: $A/ca
		EOF
	} >"$A/inventory.yml.tmp" && mv "$A/inventory.yml.tmp" "$A/inventory.yml"
}

# ctl NAME ARGS...: ansible-playbook ARGS on the controller; its output in
# $LAB_LOGS/ansible-NAME.log; prints the play recap (all of it when it fails), the time, and
# returns its exit status, also left in $rc.
ctl() {
	name=$1
	shift
	printf '%s\n' "$@" >"$LAB_OUT/ctl/$name.req.tmp" &&
		mv "$LAB_OUT/ctl/$name.req.tmp" "$LAB_OUT/ctl/$name.req" || return 1
	t0=$(date +%s)
	rc=timeout
	lab_wait 600 "the controller's ansible-playbook ($name)" test -e "$LAB_OUT/ctl/$name.rc" ||
		{ sed "s/^/  [$name] /" "$LAB_LOGS/ansible-$name.log" 2>/dev/null; return 1; }
	rc=$(cat "$LAB_OUT/ctl/$name.rc")
	log=$LAB_LOGS/ansible-$name.log
	echo "  ansible-playbook $* : exit $rc in $(($(date +%s) - t0))s"
	if [ "$rc" -eq 0 ]; then
		sed -n '/^PLAY RECAP/,$p' "$log" | grep -v '^$' | sed "s/^/  [$name] /"
	else
		sed "s/^/  [$name] /" "$log"
	fi
	return "$rc"
}
# changed NAME HOST: the changed count of HOST in the recap of run NAME ("" when absent).
changed() { sed -n "s/^$2 *: .* changed=\([0-9]*\) .*/\1/p" "$LAB_LOGS/ansible-$1.log"; }

# verify_arm N LABEL PEERS...: `ewoe --json verify` on arm N exits 0 with exactly PEERS' tunnels
# (armP), each up with its 4 SAs, and every check ok.
verify_arm() {
	n=$1
	label=$2
	shift 2
	out=$LAB_LOGS/arm$n-verify-$label.json
	vrc=0
	lab_ewoe "$n" --json verify --config "$(conf "$n")" >"$out" \
		2>"$LAB_LOGS/arm$n-verify-$label.stderr.log" || vrc=$?
	summary=$(python3 - "$out" "$@" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1]))
		want = ["arm" + p for p in sys.argv[2:]]
		tunnels = {t["peer"]: t["state"] for t in d["tunnels"]}
		bad = [c["item"] for c in d["checks"] if c["status"] != "ok"]
		sas = {p: len([c for c in d["checks"] if c["peer"] == p and c.get("sa") and c["status"] == "ok"])
		       for p in want}
		ok = sorted(tunnels) == sorted(want) and set(tunnels.values()) == {"up"} and not bad \
		     and set(sas.values()) == {4} and d["result"] == "ok"
		print("%s tunnels %s, SAs %s, failed checks %s" % ("ok" if ok else "BAD", tunnels, sas, bad))
	PY
	) || fail "arm$n: verify wrote no valid JSON: $(cat "$out" "$LAB_LOGS/arm$n-verify-$label.stderr.log")"
	echo "  arm$n verify: exit $vrc, $summary"
	[ "$vrc" -eq 0 ] || fail "arm$n: ewoe verify exited $vrc"
	case $summary in ok*) ;; *) fail "arm$n: verify is not green for peers $*" ;; esac
}

# Everything a run could change on arm N: OVS rows, loaded connections, SA SPIs, ewoe's files
# and the config and credentials Ansible wrote.
arm_state() {
	lab_vsctl "$1" --columns=name,protected,external_ids list Port | sort
	lab_vsctl "$1" --columns=name,type,options,external_ids list Interface | sort
	lab_swanctl "$1" --list-conns
	sa_spis "$1"
	(cd "$(lab_root "$1")" && find . -path ./run/ewoe -prune -o -type f -exec sha256sum {} + |
		sort && find . -path ./run/ewoe -prune -o -printf '%m %p\n' | sort)
}
mode_is() { # MODE FILE...
	m=$1
	shift
	for f in "$@"; do
		[ "$(stat -c %a "$f")" = "$m" ] || fail "$f has mode $(stat -c %a "$f"), expected $m"
	done
}

# --- the run --------------------------------------------------------------------------------
step "lab up: four arms on one underlay segment, sshd on each arm's management address"
lab_up || fail "lab_up failed"
lab_at_exit mgmt_down
mgmt_up || fail "the management network and sshd"
write_inventory "1 2 3 4" || fail "writing the inventory"

step "1. ewoe.fleet.site, batches of 2: the full mesh"
ctl site1 ewoe.fleet.site -e ewoe_serial=2 || fail "the first run exited $rc"
for n in $ARMS; do
	[ "$(changed site1 "arm$n")" -gt 0 ] || fail "the first run changed nothing on arm$n"
done
grep -q "TASK \[ewoe.fleet.ewoe : Verify this node's tunnels" "$LAB_LOGS/ansible-site1.log" ||
	fail "the first run had no verify gate"
for n in $ARMS; do
	# shellcheck disable=SC2046
	verify_arm "$n" site1 $(others "$n")
	assert_sa_count "$n" 12
done
esp_before=$(esp_packets_all)
for n in $ARMS; do
	for o in $ARMS; do [ "$o" -le "$n" ] || assert_pair_ping "$n" "$o"; done
done
esp_after=$(esp_packets_all)
echo "  every host pings every other; ESP packets, all arms: $esp_before -> $esp_after"
[ "$((esp_after - esp_before))" -ge $((6 * 4 * 2 * 2)) ] ||
	fail "the pings did not go through ESP: $((esp_after - esp_before)) ESP packets"
# The secrets: where the operator said, 0600, the same at both ends, never printed.
mode_is 700 "$A/psk" "$A/ca"
mode_is 600 "$A/ca/ca.key"
[ "$(cd "$A/psk" && ls)" = "$(printf 'arm1--arm2.psk\narm1--arm3.psk\narm2--arm3.psk')" ] ||
	fail "the PSK store holds: $(ls "$A/psk")"
mode_is 600 "$A"/psk/*.psk
for n in 1 2 3; do
	for o in 1 2 3; do
		[ "$o" -ne "$n" ] || continue
		mode_is 600 "$(etc "$n")/psk/arm$o.psk"
		pair=$(if [ "$n" -lt "$o" ]; then echo "arm$n--arm$o"; else echo "arm$o--arm$n"; fi)
		cmp -s "$A/psk/$pair.psk" "$(etc "$n")/psk/arm$o.psk" ||
			fail "arm$n's PSK for arm$o is not the pair's"
	done
	grep -q "^auth = ca" "$(conf "$n")" || fail "arm$n has no ca peer (arm4)"
done
[ ! -e "$(etc 4)/psk" ] || [ -z "$(ls "$(etc 4)/psk")" ] || fail "arm4 (ca only) got PSKs"
for n in $ARMS; do
	mode_is 600 "$(conf "$n")" "$(etc "$n")/node.key"
	mode_is 700 "$(etc "$n")"
done
for f in "$A"/psk/*.psk; do
	! grep -rqF "$(cat "$f")" "$LAB_LOGS" || fail "the PSK of $(basename "$f") was printed"
done
# Of each pair the later member initiates: arm1 initiates to nobody, arm4 to everyone.
[ "$(grep -c '^role = initiator' "$(conf 1)")" -eq 0 ] || fail "arm1 initiates"
[ "$(grep -c '^role = initiator' "$(conf 4)")" -eq 3 ] || fail "arm4 does not initiate to all"

step "2. the same again: changed=0 on every arm, nothing touched"
for n in $ARMS; do arm_state "$n" >"$LAB_RUN/arm$n.before" || fail "arm$n: state"; done
ctl site2 ewoe.fleet.site -e ewoe_serial=2 || fail "the second run exited $rc"
for n in $ARMS; do
	[ "$(changed site2 "arm$n")" = 0 ] || fail "the second run changed arm$n"
	arm_state "$n" >"$LAB_RUN/arm$n.after" || fail "arm$n: state"
	cmp -s "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after" || {
		diff "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after"
		fail "arm$n: the second run changed its state"
	}
done

step "3. --check --diff with ewoe_rekey_packets on arm2: arm2 alone, its diff and ewoe's plan"
write_inventory "1 2 3 4" "ewoe_rekey_packets: 1000000" || fail "writing the inventory"
ctl check ewoe.fleet.site --check --diff || fail "the check run exited $rc"
log=$LAB_LOGS/ansible-check.log
[ "$(changed check arm2)" -gt 0 ] || fail "--check does not report arm2 changed"
for n in 1 3 4; do [ "$(changed check "arm$n")" = 0 ] || fail "--check reports arm$n changed"; done
[ "$(grep -c '^+rekey-packets = 1000000' "$log")" -eq 3 ] ||
	fail "--diff does not show rekey-packets in each of arm2's 3 peer sections"
for o in 1 3 4; do
	grep -q "would load connection ewoe-arm$o " "$log" ||
		fail "ewoe's plan does not reload arm2's connection to arm$o"
done
# Nothing else in the plan: the three connections and their swanctl files, nothing brought up.
other=$(grep '"would ' "$log" | grep -v '"would load connection ewoe-arm[134] ' |
	grep -v '"would write [^ ]*/conf\.d/ewoe-arm[134]\.conf ' || true)
[ -z "$other" ] || fail "ewoe's plan has more than arm2's three connections: $other"
for n in $ARMS; do
	arm_state "$n" >"$LAB_RUN/arm$n.after" || fail "arm$n: state"
	cmp -s "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after" || {
		diff "$LAB_RUN/arm$n.before" "$LAB_RUN/arm$n.after"
		fail "arm$n: --check changed its state"
	}
done

step "4. arm3 out of the group: its tunnels go everywhere, nothing else"
write_inventory "1 2 4" || fail "writing the inventory"
for n in 1 2 4; do sa_spis "$n" "$(lab_underlay_ip 3)" >"$LAB_RUN/arm$n.kept"; done
cp "$(conf 3)" "$LAB_RUN/arm3.conf"
ctl drop ewoe.fleet.site -e ewoe_serial=2 || fail "the run without arm3 exited $rc"
[ -z "$(changed drop arm3)" ] || fail "the run without arm3 touched arm3"
for n in 1 2 4; do
	[ "$(changed drop "arm$n")" -gt 0 ] || fail "the run without arm3 changed nothing on arm$n"
	! lab_vsctl "$n" list-ports "$BRIDGE" | grep -qx vxc0000203 || fail "arm$n kept its port to arm3"
	! lab_swanctl "$n" --list-conns | grep -q '^ewoe-arm3:' || fail "arm$n kept ewoe-arm3"
	! grep -q '^\[peer arm3\]' "$(conf "$n")" || fail "arm$n's config still has arm3"
	[ ! -e "$(etc "$n")/psk/arm3.psk" ] || fail "arm$n kept arm3's PSK"
	lab_wait 20 "arm$n's SAs with arm3 to go" no_sas_with "$n" "$(lab_underlay_ip 3)" ||
		fail "arm$n kept SAs with arm3"
	[ "$(sa_spis "$n")" = "$(cat "$LAB_RUN/arm$n.kept")" ] ||
		fail "arm$n: its other SAs changed when arm3 left"
	assert_sa_count "$n" 8
done
verify_arm 1 drop 2 4
verify_arm 2 drop 1 4
verify_arm 4 drop 1 2
cmp -s "$LAB_RUN/arm3.conf" "$(conf 3)" || fail "arm3's config changed though it left the group"
! in_host 1 ping -c 2 -i 0.2 -W 1 "$(lab_overlay_ip 3)" >/dev/null 2>&1 ||
	fail "host1 still reaches host3"
assert_pair_ping 1 2
assert_pair_ping 1 4

step "5. ewoe.fleet.teardown of every host: every arm clean"
write_inventory "1 2 3 4" || fail "writing the inventory"
ctl teardown ewoe.fleet.teardown -e ewoe_teardown_hosts=all || fail "the teardown exited $rc"
for n in $ARMS; do
	[ "$(changed teardown "arm$n")" -gt 0 ] || fail "the teardown changed nothing on arm$n"
	assert_arm_clean "$n" "after the teardown playbook"
	left=$(find "$(etc "$n")" -mindepth 1 2>/dev/null)
	[ -z "$left" ] || fail "arm$n: config or credentials left: $left"
done
step "PASS"
