#!/bin/sh
# The collection's playbooks end to end on the controller, each "node" a local connection
# whose ewoe is tests/ansible/fake-ewoe.py (it keeps the config it applied, reports setup's
# changes as ewoe-setup/1 and verify as ewoe-verify/2): batches and the gate, changed=0 on a
# second run, check mode (a diff and ewoe's plan on the one host that changes, nothing
# applied), a host out of the group, a failed gate printing the failed checks and stopping the
# rollout, and the teardown playbook. The real ewoe on emulated DPUs: lab/test_lab_ansible.
. "$EWOE_SRC/tests/lib.sh"
command -v ansible-playbook >/dev/null 2>&1 ||
	skip "ansible-playbook is not installed (install-deps.sh installs it on Debian 12 and 13)"
PY=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-playbook)")
[ -x "$PY" ] || PY=python3
"$PY" -c 'import ansible_collections.community.crypto' 2>/dev/null ||
	skip "no community.crypto collection (Debian's ansible package ships it)"
COLLS=$EWOE_SRC/scripts/ansible/ansible_collections
export HOME="$T" ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_COLLECTIONS_PATH="$COLLS" \
	ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_FORKS=8 \
	LANG=C.UTF-8 LC_ALL=C.UTF-8
FAKE=$EWOE_SRC/tests/ansible/fake-ewoe.py

# inventory MEMBERS [N2_VARS]
inventory() {
	{
		echo "ewoe_mesh:"
		echo "  hosts:"
		for n in $1; do
			echo "    n$n:"
			echo "      ewoe_address: 192.0.2.$n/24"
			echo "      ewoe_etc_dir: $T/n$n/etc"
			echo "      ewoe_global_args: [--root, $T/n$n/root]"
			[ "$n" -ne 4 ] || echo "      ewoe_auth: ca"
			[ "$n" -ne 2 ] || [ -z "${2:-}" ] || echo "      $2"
		done
		cat <<-EOF
			  vars:
			    ansible_connection: local
			    ansible_python_interpreter: $PY
			    ewoe_command: $FAKE
			    ewoe_offload: none
			    ewoe_psk_dir: $T/psk
			    ewoe_ca_dir: $T/ca
		EOF
	} >"$T/inventory.yml"
}
run() { # EXPECTED_RC NAME ARGS...
	want=$1
	name=$2
	shift 2
	rc=0
	ansible-playbook -i "$T/inventory.yml" "$@" >"$T/$name.log" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/$name.log" >&2; fail "ansible-playbook $* ($name) exited $rc, expected $want"; }
}
changed() { sed -n "s/^$2 *: .* changed=\([0-9]*\) .*/\1/p" "$T/$1.log"; }
applied() { cat "$T/n$1/root/applied.conf" 2>/dev/null; }

inventory "1 2 3 4"
run 0 site1 ewoe.fleet.site -e ewoe_serial=2
for n in 1 2 3 4; do
	[ "$(changed site1 "n$n")" -gt 0 ] || fail "the first run changed nothing on n$n"
	cmp -s "$T/n$n/etc/ewoe.conf" "$T/n$n/root/applied.conf" || fail "n$n: ewoe did not apply its ewoe.conf"
	[ "$(stat -c %a "$T/n$n/etc/ewoe.conf")" = 600 ] || fail "n$n: ewoe.conf is not 0600"
	[ "$(stat -c %a "$T/n$n/etc/node.key")" = 600 ] || fail "n$n: node.key is not 0600"
	grep -q -- "--dry-run setup --no-verify --config" "$T/n$n/root/calls" ||
		fail "n$n: ewoe did not check the new config before it replaced the old one"
	grep -q -- "--json verify" "$T/n$n/root/calls" || fail "n$n: no gate"
done
# The gate: batch 2 (n3, n4) verified on n3 and n4, and on n1 and n2 before them.
[ "$(grep -c -- '--json verify' "$T/n1/root/calls")" -eq 2 ] || fail "n1 was not verified with each batch"
grep -q '^\[peer n4\]' "$T/n1/etc/ewoe.conf" && grep -q '^auth = ca' "$T/n1/etc/ewoe.conf" ||
	fail "n1's config has no ca peer n4"
role() { awk -v p="[peer $2]" '$0 == p { s = 1; next } /^\[/ { s = 0 } s && /^role = / { print $3 }' "$1"; }
[ "$(role "$T/n2/etc/ewoe.conf" n1)" = initiator ] || fail "n2 does not initiate to n1"
[ "$(role "$T/n2/etc/ewoe.conf" n3)" = responder ] || fail "n2 initiates to n3"
[ "$(role "$T/n4/etc/ewoe.conf" n3)" = initiator ] || fail "n4 does not initiate to n3"
openssl verify -CAfile "$T/ca/ca.crt" "$T/n4/etc/node.crt" >/dev/null || fail "n4's certificate is not the CA's"
openssl x509 -in "$T/n4/etc/node.crt" -noout -subject | grep -q "CN *= *n4" || fail "n4's certificate subject"
cmp -s "$T/n1/etc/psk/n2.psk" "$T/n2/etc/psk/n1.psk" || fail "n1 and n2 hold different PSKs"
! grep -qF "$(cat "$T/psk/n1--n2.psk")" "$T"/*.log || fail "a PSK was printed"

run 0 site2 ewoe.fleet.site -e ewoe_serial=2
for n in 1 2 3 4; do [ "$(changed site2 "n$n")" = 0 ] || fail "the second run changed n$n: $(cat "$T/site2.log")"; done

for n in 1 2 3 4; do applied "$n" >"$T/n$n.applied"; done
inventory "1 2 3 4" "ewoe_rekey_packets: 1000000"
run 0 check ewoe.fleet.site --check --diff
[ "$(changed check n2)" -gt 0 ] || fail "--check does not report n2 changed"
for n in 1 3 4; do [ "$(changed check "n$n")" = 0 ] || fail "--check reports n$n changed"; done
[ "$(grep -c '^+rekey-packets = 1000000' "$T/check.log")" -eq 3 ] || fail "--diff does not show n2's change"
for p in n1 n3 n4; do grep -q "\"would load connection ewoe-$p\"" "$T/check.log" || fail "no plan for $p"; done
for n in 1 2 3 4; do
	applied "$n" | cmp -s - "$T/n$n.applied" || fail "--check applied something on n$n"
done
grep -q "rekey" "$T/n2/etc/ewoe.conf" && fail "--check wrote n2's ewoe.conf"

inventory "1 2 4"
run 0 drop ewoe.fleet.site -e ewoe_serial=2
[ -z "$(changed drop n3)" ] || fail "the run without n3 touched n3"
for n in 1 2 4; do
	[ "$(changed drop "n$n")" -gt 0 ] || fail "the run without n3 changed nothing on n$n"
	! grep -q '^\[peer n3\]' "$(echo "$T/n$n/root/applied.conf")" || fail "n$n still has n3"
done
[ ! -e "$T/n1/etc/psk/n3.psk" ] || fail "n1 kept n3's PSK"
[ -e "$T/n1/etc/psk/n2.psk" ] || fail "n1 lost n2's PSK"

# A failed gate: n1 says its tunnel to n4 is down; batch 2 (n4) stops there, with the check.
echo n4 >"$T/n1/root/down"
inventory "1 2 4" "ewoe_rekey_packets: 1000000"
run 2 gate ewoe.fleet.site -e ewoe_serial=2
grep -q '"n1: ewoe verify found problems"' "$T/gate.log" || fail "the gate does not name n1"
grep -q '"n4 (192.0.2.99): DOWN: no IKE_SA with 192.0.2.99; fix: .ewoe setup. on both"' "$T/gate.log" ||
	fail "the gate does not show n1's tunnel to n4"
grep -q '"  ike sa: found none, expected ESTABLISHED; fix: .ewoe setup."' "$T/gate.log" ||
	fail "the gate does not show the failed check"
sed -n '/Stop at a node rolled out before/,/PLAY RECAP/p' "$T/gate.log"
rm "$T/n1/root/down"

inventory "1 2 3 4"
run 0 teardown ewoe.fleet.teardown -e ewoe_teardown_hosts=all
for n in 1 2 3 4; do
	[ ! -e "$T/n$n/root/applied.conf" ] || fail "n$n was not torn down"
	left=$(find "$T/n$n/etc" -mindepth 1)
	[ -z "$left" ] || fail "n$n: left behind: $left"
done
run 2 teardown-none ewoe.fleet.teardown
grep -q "set ewoe_teardown_hosts" "$T/teardown-none.log" || fail "teardown without hosts did not say what it needs"
pass
