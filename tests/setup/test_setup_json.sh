#!/bin/sh
# ewoe --json setup and ewoe --dry-run --json setup (docs/setup-json.md) against a real
# ovsdb-server + ovs-vswitchd, a real charon and real links in a network namespace: stdout is
# exactly one JSON document, schema ewoe-setup/1, whatever happens (converge, no change, a
# plan, a peer changed and one removed, verify's problems, a config refused); "changed" is
# true exactly when something was (or would be) changed; a dry-run changes nothing; no
# secret is printed.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
need_cmd python3
make_node_credentials

# doc_check WHAT ARGS...: $T/stdout is one ewoe-setup/1 document and nothing else, and each
# ARG holds for it: changed=true|false, dry_run=..., result=..., exit=N, peers=NAME:RESULT,...
# (in order), actions=N (their count), has=KIND:TYPE:OBJECT (an action of that kind on that
# object), none=TYPE (no action on an object of that type), verify=null|ewoe-verify/2.
doc_check() {
	what=$1
	shift
	python3 - "$T/stdout" "$@" >"$T/doc-check" 2>&1 <<-'PY' || fail "$what: $(cat "$T/doc-check")"
		import json, sys
		text = open(sys.argv[1]).read()
		dec = json.JSONDecoder()
		try:
		    doc, end = dec.raw_decode(text.lstrip())
		except ValueError as e:
		    sys.exit("stdout is not a JSON document (%s): %r" % (e, text[:300]))
		rest = text.lstrip()[end:]
		if rest.strip():
		    sys.exit("stdout holds more than one document; after the first: %r" % rest[:300])
		if doc.get("schema") != "ewoe-setup/1":
		    sys.exit("schema %r" % doc.get("schema"))
		keys = ["schema", "dry_run", "config", "actions", "peers", "changed", "verify",
		        "errors", "result", "exit"]
		if list(doc) != keys:
		    sys.exit("keys %s, expected %s" % (list(doc), keys))
		kinds = {"created", "changed", "removed"}
		for a in doc["actions"]:
		    if a["kind"] not in kinds or not a["action"] or set(a) != {"kind", "type", "object", "action"}:
		        sys.exit("bad action %r" % a)
		def fmt(v):
		    return json.dumps(v)
		for arg in sys.argv[2:]:
		    k, v = arg.split("=", 1)
		    if k in ("changed", "dry_run"):
		        if fmt(doc[k]) != v:
		            sys.exit("%s is %s, expected %s; actions: %s" % (k, fmt(doc[k]), v,
		                     [a["action"] for a in doc["actions"]]))
		    elif k == "result":
		        if doc["result"] != v:
		            sys.exit("result %r, expected %r; errors %s" % (doc["result"], v, doc["errors"]))
		    elif k == "exit":
		        if doc["exit"] != int(v):
		            sys.exit("exit %r, expected %s" % (doc["exit"], v))
		    elif k == "peers":
		        got = ",".join("%s:%s" % (p["peer"], p["result"]) for p in doc["peers"])
		        if got != v:
		            sys.exit("peers %s, expected %s" % (got, v))
		    elif k == "actions":
		        if len(doc["actions"]) != int(v):
		            sys.exit("%d actions, expected %s: %s" % (len(doc["actions"]), v,
		                     [a["action"] for a in doc["actions"]]))
		    elif k == "has":
		        kind, typ, obj = v.split(":", 2)
		        if not any(a["kind"] == kind and a["type"] == typ and a["object"] == obj
		                   for a in doc["actions"]):
		            sys.exit("no %s %s %s among %s" % (kind, typ, obj,
		                     [(a["kind"], a["type"], a["object"]) for a in doc["actions"]]))
		    elif k == "none":
		        hit = [a["action"] for a in doc["actions"] if a["type"] == v]
		        if hit:
		            sys.exit("actions on %s: %s" % (v, hit))
		    elif k == "verify":
		        got = None if doc["verify"] is None else doc["verify"].get("schema")
		        if (v == "null" and got is not None) or (v != "null" and got != v):
		            sys.exit("verify %r, expected %s" % (got, v))
		    elif k == "errors":
		        if bool(doc["errors"]) != (v == "some"):
		            sys.exit("errors %s, expected %s" % (doc["errors"], v))
		    else:
		        sys.exit("doc_check: unknown %s" % k)
	PY
}
no_secret() {
	for f in b c; do
		! grep -qF "$(cat "$ROOT/etc/ewoe/$f.psk")" "$T/stdout" "$T/stderr" ||
			fail "$1: the PSK of $f was printed"
	done
}

write_config

# A first run, planned: everything is to be created, and nothing is.
node_state >"$T/empty"
expect_exit 0 ewoe_node --dry-run --json setup --config "$CFG" --no-verify
doc_check "dry-run of a first setup" dry_run=true changed=true result=ok exit=0 verify=null \
	peers=b:created,c:created,d:created has=created:ovs-bridge:vxlan-br \
	has=created:ovs-interface:vxc0000202 has=created:ike-connection:ewoe-d \
	has=created:xfrm-guard:"VXLAN 192.0.2.1 -> 192.0.2.3:4789" has=created:xfrm-guard:"VXLAN 192.0.2.3 -> 192.0.2.1:4789" errors=none
node_state >"$T/after"
cmp -s "$T/empty" "$T/after" || { diff "$T/empty" "$T/after" >&2; fail "a --json dry-run changed the node"; }
no_secret "dry-run"

# The first run: the same, done.
expect_exit 0 ewoe_node --json setup --config "$CFG" --no-verify
doc_check "first setup" dry_run=false changed=true result=ok exit=0 verify=null \
	peers=b:created,c:created,d:created has=created:ovs-bridge:vxlan-br \
	has=created:ovs-port:pf0hpf has=created:ovs-interface:vxc0000204 \
	has=created:ike-connection:ewoe-b has=created:address:192.0.2.1 errors=none
[ "$(ovs_vsctl list-ports vxlan-br | sort | tr '\n' ' ')" = "pf0hpf vxc0000202 vxc0000203 vxc0000204 " ] ||
	fail "ports on vxlan-br after --json setup: $(ovs_vsctl list-ports vxlan-br | tr '\n' ' ')"
no_secret "first setup"

# Converged: the plan and the run say nothing changed, and nothing does.
node_state >"$T/before"
expect_exit 0 ewoe_node --dry-run --json setup --config "$CFG" --no-verify
doc_check "dry-run on a converged node" changed=false actions=0 \
	peers=b:unchanged,c:unchanged,d:unchanged
expect_exit 0 ewoe_node --json setup --config "$CFG" --no-verify
doc_check "second setup" changed=false actions=0 peers=b:unchanged,c:unchanged,d:unchanged \
	result=ok
# -q does not thin the document: the reconcile timer's quiet is for its journal.
expect_exit 0 ewoe_node -q --json setup --config "$CFG" --no-verify
doc_check "second setup, -q" changed=false actions=0 peers=b:unchanged,c:unchanged,d:unchanged
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "a second --json setup changed the node"; }
[ ! -s "$T/stderr" ] || fail "a setup that changed nothing wrote to stderr: $(cat "$T/stderr")"

# One peer changed and one dropped, planned: exactly those, and nothing changes.
B_VNI=200 WITH_D=0 write_config
expect_exit 0 ewoe_node --dry-run --json setup --config "$CFG" --no-verify
doc_check "plan of b changed, d dropped" dry_run=true changed=true \
	peers=d:removed,b:changed,c:unchanged has=changed:ovs-interface:vxc0000202 \
	has=removed:ovs-interface:vxc0000204 has=removed:ike-connection:ewoe-d \
	has=removed:xfrm-guard:"VXLAN 192.0.2.1 -> 192.0.2.4:4789" none=ovs-bridge
python3 - "$T/stdout" <<-'PY' || fail "the plan touches c: $(cat "$T/stdout")"
	import json, sys
	doc = json.load(open(sys.argv[1]))
	bad = [a for a in doc["actions"] if a["object"] and ("vxc0000203" in a["object"] or "ewoe-c" in a["object"] or "192.0.2.3" in a["object"])]
	if bad:
	    sys.exit("actions on c: %s" % bad)
PY
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "the --json plan changed the node"; }

# Applied: the same results; then nothing more to do.
expect_exit 0 ewoe_node --json setup --config "$CFG" --no-verify
doc_check "b changed, d dropped" dry_run=false changed=true peers=d:removed,b:changed,c:unchanged \
	has=changed:ovs-interface:vxc0000202 has=removed:ovs-interface:vxc0000204 \
	has=removed:ike-connection:ewoe-d
[ "$(ovs_vsctl get Interface vxc0000202 options:key)" = '"200"' ] || fail "b's VNI not updated"
expect_exit 0 ewoe_node --json setup --config "$CFG" --no-verify
doc_check "after the change" changed=false actions=0 peers=b:unchanged,c:unchanged

# With verify: its report is the document's "verify" (no SA can come up here: exit 3).
expect_exit 3 ewoe_node --json setup --config "$CFG"
doc_check "setup with verify" changed=false result=problems exit=3 verify=ewoe-verify/2
python3 - "$T/stdout" <<-'PY' || fail "verify inside setup's document: $(cat "$T/stdout")"
	import json, sys
	v = json.load(open(sys.argv[1]))["verify"]
	assert v["result"] == "problems", v["result"]
	assert [t["peer"] for t in v["tunnels"]] == ["b", "c"], v["tunnels"]
	assert all(t["state"] == "down" and t["cause"] and t["fix"] for t in v["tunnels"]), v["tunnels"]
	assert any(c["status"] == "fail" for c in v["checks"])
PY

# A config that cannot be used: exit 2, still one document, nothing changed, the reason kept.
node_state >"$T/before"
printf '[node]\naddress = 192.0.2.1/24\nbogus = 1\n' >"$T/bad.conf"
chmod 600 "$T/bad.conf"
expect_exit 2 ewoe_node --json setup --config "$T/bad.conf"
doc_check "a bad config" changed=false actions=0 result=error exit=2 errors=some verify=null
grep -q "bogus" "$T/stdout" || fail "the document does not say what is wrong with the config"
expect_exit 2 ewoe_node --json setup --no-such-option
doc_check "a bad option" changed=false result=error exit=2
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "a refused --json setup changed the node"; }

# --help is help, not a document; and without --json nothing of the document shows.
expect_exit 0 ewoe_node --json setup --help
grep -q -- "--config FILE" "$T/stdout" || fail "setup --help under --json"
expect_exit 0 ewoe_node setup --config "$CFG" --no-verify
! grep -q '"schema"' "$T/stdout" || fail "setup without --json printed JSON"
grep -q "^peer b: unchanged" "$T/stdout" || fail "setup without --json lost its peer lines"

expect_exit 0 ewoe_node teardown --config "$CFG"
pass
