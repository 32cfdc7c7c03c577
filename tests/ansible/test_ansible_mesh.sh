#!/bin/sh
# The ewoe.fleet collection on the controller, without DPUs: the mesh a group makes (peers,
# roles by the group's order, psk or ca per pair, bad inventories refused with the host and
# the reason), the gate's reading of verify reports, and the PSK store (a directory of 0600
# files, and vault-encrypted): each pair's PSK made once, the same at both ends, 0600, never
# printed, a second run changing nothing. The lab test (lab/test_lab_ansible) runs it all
# against emulated DPUs.
. "$EWOE_SRC/tests/lib.sh"
command -v ansible-playbook >/dev/null 2>&1 ||
	skip "ansible-playbook is not installed (install-deps.sh installs it on Debian 12 and 13)"
# The Python that runs Ansible (its shebang): it has Ansible's modules.
PY=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-playbook)")
[ -x "$PY" ] || PY=python3
COLLS=$EWOE_SRC/scripts/ansible/ansible_collections
FILTERS=$COLLS/ewoe/fleet/plugins/filter
export HOME="$T" ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_COLLECTIONS_PATH="$COLLS" \
	ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 LANG=C.UTF-8 LC_ALL=C.UTF-8

# --- the filters, called as Ansible calls them ------------------------------------------
"$PY" - "$FILTERS" <<'PY' || fail "the mesh filters"
import json, sys
sys.path.insert(0, sys.argv[1])
import mesh, verify
from ansible.errors import AnsibleFilterError

hv = {
    "a1": {"ewoe_address": "192.0.2.1/24"},
    "a2": {"ewoe_address": "192.0.2.2/24", "ewoe_name": "arm2"},
    "a3": {"ewoe_address": "192.0.2.3/24", "ewoe_auth": "ca", "ewoe_identity": "a3.dpu"},
}
members = ["a1", "a2", "a3"]
p = mesh.mesh_peers(members, hv, "a2")
assert [x["name"] for x in p] == ["a1", "a3"], p
assert p[0] == {"host": "a1", "name": "a1", "remote": "192.0.2.1", "auth": "psk",
                "role": "initiator", "remote_name": "CN=a1", "pair": "a1--arm2"}, p[0]
assert p[1]["auth"] == "ca" and p[1]["role"] == "responder" and p[1]["remote_name"] == "CN=a3.dpu", p[1]
assert [x["role"] for x in mesh.mesh_peers(members, hv, "a1")] == ["responder", "responder"]
assert [x["role"] for x in mesh.mesh_peers(members, hv, "a3")] == ["initiator", "initiator"]
assert mesh.mesh_psk_pairs(members, hv) == ["a1--arm2"]
# Both ends agree on each pair's method and PSK name; exactly one end initiates.
for a in members:
    for x in mesh.mesh_peers(members, hv, a):
        back = [y for y in mesh.mesh_peers(members, hv, x["host"]) if y["host"] == a][0]
        assert back["auth"] == x["auth"] and back["pair"] == x["pair"], (a, x, back)
        assert {back["role"], x["role"]} == {"initiator", "responder"}, (a, x, back)

def refused(hostvars, want):
    try:
        mesh.mesh_peers(list(hostvars), hostvars, list(hostvars)[0])
    except AnsibleFilterError as e:
        assert want in str(e), (want, str(e))
        return
    raise AssertionError("accepted: %s" % hostvars)
refused({"x": {"ewoe_address": "192.0.2.1/24"}, "y": {}}, "y: ewoe_address is not set")
refused({"x": {"ewoe_address": "192.0.2.1/24"}, "y": {"ewoe_address": "192.0.2.300/24"}}, "y: ewoe_address")
refused({"x": {"ewoe_address": "192.0.2.1/24"}, "y": {"ewoe_address": "192.0.2.1/24"}}, "same ewoe address")
refused({"x": {"ewoe_address": "192.0.2.1/24", "ewoe_name": "n"}, "y": {"ewoe_address": "192.0.2.2/24", "ewoe_name": "n"}}, "same ewoe name")
refused({"x": {"ewoe_address": "192.0.2.1/24", "ewoe_name": "bad name"}}, "ewoe_name")
refused({"x": {"ewoe_address": "192.0.2.1/24", "ewoe_auth": "cert"}}, "use psk or ca")

doc = {"schema": "ewoe-verify/2", "checks": [
    {"peer": None, "item": "mtu", "status": "ok", "found": "9000", "expected": ">= 1550", "fix": None},
    {"peer": "a1", "item": "sa out any->4789", "status": "fail", "found": "missing",
     "expected": "ESP SA", "fix": "ewoe setup"},
    {"peer": "a3", "item": "ike sa", "status": "fail", "found": "none", "expected": "ESTABLISHED", "fix": "x"}],
    "tunnels": [
    {"peer": "a1", "remote": "192.0.2.1", "state": "down", "critical": False, "cause": "no IKE_SA", "fix": "ewoe setup"},
    {"peer": "a3", "remote": "192.0.2.3", "state": "down", "critical": False, "cause": "not rolled out", "fix": "x"}],
    "summary": {}, "result": "problems"}
pr = verify.verify_problems(json.dumps(doc), ["a1"])
assert pr == ["a1 (192.0.2.1): DOWN: no IKE_SA; fix: ewoe setup",
              "  sa out any->4789: found missing, expected ESP SA; fix: ewoe setup"], pr
assert verify.verify_problems(json.dumps(doc), []) == []
assert len(verify.verify_problems(json.dumps(doc), None)) == 4
doc["checks"][0].update(status="fail", found="1500", fix="raise it")
assert verify.verify_problems(json.dumps(doc), [])[0].startswith("(node) mtu: found 1500"), doc
assert verify.verify_problems("", [])[0].startswith("ewoe verify wrote no report")
assert "could not check" in verify.verify_problems('{"schema": "ewoe-verify/2", "result": "error", "error": "x"}')[0]
assert verify.verify_problems(json.dumps(doc), ["a9"])[-1].startswith("a9: no tunnel")
PY

# --- the PSK store, on the controller and two nodes (local connections) -------------------
cat >"$T/inventory.yml" <<EOI
ewoe_mesh:
  hosts:
    n1: {ewoe_address: 192.0.2.1/24, ewoe_etc_dir: "$T/n1"}
    n2: {ewoe_address: 192.0.2.2/24, ewoe_etc_dir: "$T/n2"}
    n3: {ewoe_address: 192.0.2.3/24, ewoe_etc_dir: "$T/n3", ewoe_auth: ca}
  vars:
    ansible_connection: local
    ansible_python_interpreter: $PY
EOI
cat >"$T/psk.yml" <<'EOP'
- name: The PSKs of the mesh
  hosts: ewoe_mesh
  gather_facts: false
  tasks:
    - name: Peers
      ansible.builtin.set_fact:
        ewoe_members: "{{ groups.ewoe_mesh }}"
        ewoe_peers: "{{ groups.ewoe_mesh | ewoe.fleet.mesh_peers(hostvars, inventory_hostname) }}"
    - name: PSKs
      ansible.builtin.include_role:
        name: ewoe.fleet.ewoe
        tasks_from: psk
      when: ewoe_peers | selectattr('auth', 'eq', 'psk') | list | length > 0
EOP
play() { # LOG ARGS...
	log=$1
	shift
	rc=0
	ansible-playbook -i "$T/inventory.yml" "$T/psk.yml" "$@" >"$T/$log.log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/$log.log" >&2; fail "ansible-playbook ($log) exited $rc"; }
}
recap() { sed -n "s/^$2 *: .*changed=\([0-9]*\).*/\1/p" "$T/$1.log"; }
check_store() { # LOG DIR [VAULT_ARGS]
	[ "$(stat -c %a "$2")" = 700 ] || fail "$2 is $(stat -c %a "$2"), expected 700"
	[ "$(ls "$2")" = "n1--n2.psk" ] || fail "PSK store $2 holds: $(ls "$2")"
	[ "$(stat -c %a "$2/n1--n2.psk")" = 600 ] || fail "the PSK file in $2 is not 0600"
	for n in n1 n2; do
		[ "$(stat -c %a "$T/$n/psk")" = 700 ] || fail "$n's PSK directory is not 0700"
		[ "$(stat -c %a "$T/$n/psk/$([ $n = n1 ] && echo n2 || echo n1).psk")" = 600 ] ||
			fail "$n's PSK is not 0600"
	done
	[ ! -e "$T/n3/psk" ] || fail "n3 (ca only) got PSKs"
	cmp -s "$T/n1/psk/n2.psk" "$T/n2/psk/n1.psk" || fail "n1 and n2 hold different PSKs"
	key=$(cat "$T/n1/psk/n2.psk")
	[ "${#key}" -eq 48 ] || fail "the PSK has ${#key} characters, expected 48"
	! grep -rqF "$key" "$T"/*.log || fail "the PSK was printed: $(grep -rlF "$key" "$T"/*.log)"
}

play psk1 -e "ewoe_psk_dir=$T/store" --diff
check_store psk1 "$T/store"
cmp -s "$T/store/n1--n2.psk" "$T/n1/psk/n2.psk" || fail "the node's PSK is not the store's"
for h in n1 n2 n3; do [ "$(recap psk1 $h)" -ge 0 ] || fail "no recap for $h"; done
[ "$(recap psk1 n1)" -gt 0 ] || fail "the first run changed nothing on n1"
key1=$(cat "$T/n1/psk/n2.psk")
play psk2 -e "ewoe_psk_dir=$T/store" --diff
for h in n1 n2 n3; do [ "$(recap psk2 $h)" = 0 ] || fail "a second run changed $h: $(cat "$T/psk2.log")"; done
[ "$(cat "$T/n1/psk/n2.psk")" = "$key1" ] || fail "a second run changed the PSK"

# Vault-encrypted: the store holds only ciphertext, the nodes the key.
rm -rf "$T/n1" "$T/n2"
printf 'not-a-real-secret-for-tests\n' >"$T/vault-pass"
chmod 600 "$T/vault-pass"
play vault1 -e "ewoe_psk_dir=$T/vault" -e "ewoe_psk_vault_id=ewoe@$T/vault-pass" \
	--vault-id "ewoe@$T/vault-pass"
check_store vault1 "$T/vault"
head -n 1 "$T/vault/n1--n2.psk" | grep -q '^\$ANSIBLE_VAULT;1\.[12];AES256;ewoe' ||
	fail "the vault store's PSK is not vault-encrypted: $(head -c 60 "$T/vault/n1--n2.psk")"
! grep -qF "$(cat "$T/n1/psk/n2.psk")" "$T/vault/n1--n2.psk" || fail "the clear PSK is in the vault store"
play vault2 -e "ewoe_psk_dir=$T/vault" -e "ewoe_psk_vault_id=ewoe@$T/vault-pass" \
	--vault-id "ewoe@$T/vault-pass"
for h in n1 n2 n3; do [ "$(recap vault2 $h)" = 0 ] || fail "a second vault run changed $h"; done
pass
