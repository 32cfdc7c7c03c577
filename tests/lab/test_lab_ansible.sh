#!/bin/sh
# The ewoe.fleet Ansible collection (scripts/ansible) against four emulated DPU Arms, each
# reached over SSH: ansible-playbook on a controller, a network namespace of this machine,
# whose tap device is the guest's vec0, on the guest's management bridge with each Arm's
# mgmt0 (203.0.113.0/24). The scenario and its checks are in guest-ansible.sh; it asks the
# controller here to run each playbook (ctl/ in the lab's directory, which both see) and
# reads the result.
#
# gro=1: the machine's tap hands the guest TCP segments coalesced up to 64 KiB; without it the
# guest's receive buffers are one MTU and drop them ("Incoming GSO frames and GRO disabled"),
# which stalls any SSH transfer longer than a segment (a certificate copy never finished).
#
# Why the controller is out here: ansible-playbook in the user-mode-linux guest costs about
# 3.5 s of the guest's one CPU per task and host (the controller's forks), which made one run
# of the collection take minutes; here it costs the guest only the SSH session and the module.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
need_root
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
for c in ansible-playbook ssh ssh-keygen ip; do
	command -v "$c" >/dev/null 2>&1 ||
		skip "$c is not installed (install-deps.sh installs ansible and openssh on Debian 12 and 13)"
done
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (openssh-server; install-deps.sh installs it)"
# ansible-playbook's Python has community.crypto (Debian's ansible package) for the CA.
PY=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-playbook)")
"$PY" -c 'import ansible_collections.community.crypto' 2>/dev/null ||
	skip "no community.crypto collection (Debian's ansible package ships it)"

NS=ewoe-ctl-$$
TAP=ewoe-mgmt
# Whatever runs in the controller's namespace goes with it: a playbook the test was stopped in,
# and the SSH masters ControlPersist keeps (they would hold the lab's lock and the namespace).
ns_del() {
	pids=$(ip netns pids "$NS" 2>/dev/null)
	[ -z "$pids" ] || kill $pids 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
at_exit ns_del
ip netns add "$NS" || skip "cannot create network namespaces"
if ! { ip -n "$NS" link set lo up && ip -n "$NS" tuntap add "$TAP" mode tap &&
	ip -n "$NS" addr add 203.0.113.254/24 dev "$TAP" && ip -n "$NS" link set "$TAP" up; }; then
	fail "the controller's tap device in netns $NS"
fi

L=$T/lab
A=$L/ansible
mkdir -p "$L/logs" "$L/ctl" "$A/cp" || fail "mkdir $A"
chmod 700 "$A" || fail "chmod $A"
ssh-keygen -q -t ed25519 -N '' -C ewoe-lab-controller -f "$A/id" || fail "ssh-keygen"
# The guest writes the inventory and known_hosts into $A (its sshd host key is its own).
cat >"$A/ansible.cfg" <<EOF
[defaults]
collections_path = $EWOE_SRC/scripts/ansible
inventory = $A/inventory.yml
forks = 8
gathering = explicit
interpreter_python = /usr/bin/python3
retry_files_enabled = False
local_tmp = $A/tmp
# On the Arms: the guest's tmpfs, not the machine's /root/.ansible through the guest's root.
remote_tmp = /tmp/ewoe-ansible
nocolor = True

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=900s -o KexAlgorithms=curve25519-sha256 -o UserKnownHostsFile=$A/known_hosts -o StrictHostKeyChecking=yes -o ConnectTimeout=30
control_path = $A/cp/%%C
EOF

# One request at a time from the guest: ctl/N.req holds ansible-playbook's arguments, one a
# line; the log goes to logs/ansible-N.log, the exit status to ctl/N.rc.
controller() {
	guest_pid=$1 # the loop below reuses the positional parameters
	while :; do
		for req in "$L"/ctl/*.req; do
			[ -e "$req" ] || continue
			name=$(basename "$req" .req)
			set --
			while IFS= read -r a; do set -- "$@" "$a"; done <"$req"
			rm -f "$req"
			t0=$(date +%s)
			rc=0
			ip netns exec "$NS" env ANSIBLE_CONFIG="$A/ansible.cfg" HOME="$A" \
				LANG=C.UTF-8 LC_ALL=C.UTF-8 ANSIBLE_FORCE_COLOR=0 \
				ansible-playbook "$@" >"$L/logs/ansible-$name.log" 2>&1 </dev/null || rc=$?
			echo "ansible-playbook $* exited $rc after $(($(date +%s) - t0))s" \
				>>"$L/logs/controller.log"
			echo "$rc" >"$L/ctl/$name.rc.tmp" && mv "$L/ctl/$name.rc.tmp" "$L/ctl/$name.rc"
		done
		kill -0 "$guest_pid" 2>/dev/null || return 0
		sleep 0.5
	done
}

command -v "${LAB_KERNEL:-linux.uml}" >/dev/null 2>&1 ||
	skip "no user-mode-linux kernel (linux.uml): install-deps.sh installs it on Debian 12 and 13, where the lab runs"
rc=0
# Five playbook runs of 2-4 minutes each on the emulated Arms (ctest allows 1,800 s).
LAB_SCRIPT_TIMEOUT=${LAB_SCRIPT_TIMEOUT:-1560} LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-1620} \
	LAB_UML_ARGS="vec0:transport=tap,ifname=$TAP,gro=1" ip netns exec "$NS" \
	"$EWOE_SRC/tests/lab/boot.sh" "$L" "$EWOE_SRC/tests/lab/guest-ansible.sh" &
guest=$!
controller "$guest"
wait "$guest" || rc=$?
cat "$L/guest.log" 2>/dev/null
cat "$L/logs/controller.log" 2>/dev/null
if [ "$rc" -ne 0 ]; then
	echo "lab: daemon and ansible logs are in $L/logs (copied to /tmp/ewoe-logs)" >&2
	fail "guest-ansible.sh exited $rc in the lab guest"
fi
pass
