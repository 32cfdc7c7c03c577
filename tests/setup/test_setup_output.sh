#!/bin/sh
# The output contract (docs/architecture.md): under --dry-run stdout is the plan, every line
# one planned change in the one format, in order, the offload and link steps included; what
# was found, progress and errors go to stderr. With --json stdout is exactly one JSON document.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
need_cmd python3
make_psk "$ROOT/etc/ewoe/b.psk"
CFG=$ROOT/etc/ewoe/ewoe.conf
cat >"$CFG" <<EOC
[node]
pf = p0
address = 192.0.2.1/24
offload = none

[peer b]
remote = 192.0.2.2
psk-file = $ROOT/etc/ewoe/b.psk
role = responder
EOC
chmod 600 "$CFG"
PSK="tunnel psk --local 192.0.2.1 --remote 192.0.2.5 --psk-file $ROOT/etc/ewoe/b.psk --role responder --offload none"

# plan_only WHAT: stdout holds planned changes and nothing else; stderr holds none of them.
plan_only() {
	[ -s "$T/stdout" ] || fail "$1: an empty plan"
	bad=$(grep -v '^dry-run: ' "$T/stdout" || true)
	[ -z "$bad" ] || fail "$1: stdout has lines that are not planned changes: $bad"
	grep -q 'dry-run: ' "$T/stderr" && fail "$1: planned changes on stderr"
	return 0
}
# one_document WHAT: stdout parses as one JSON document, with nothing after it.
one_document() {
	python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/stdout" ||
		fail "$1: stdout is not exactly one JSON document"
}

expect_exit 0 ewoe_node --dry-run setup --config "$CFG" --no-verify
plan_only "setup"
for step in 'set link p0 up' 'add address 192.0.2.1/24 to p0' 'raise the MTU of p0' \
	'create bridge vxlan-br' 'block VXLAN' 'add VXLAN interface vxc0000202' 'peer b: would change'; do
	grep -q "^dry-run: .*$step" "$T/stdout" || fail "the plan lacks '$step'"
done
# In the order they are made: the link before the bridge, the guard before the port.
order=$(grep -n -e 'add address' -e 'create bridge' -e 'block VXLAN' -e 'add VXLAN interface' \
	"$T/stdout" | cut -d: -f1 | tr '\n' ' ')
[ "$order" = "$(echo "$order" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" ] ||
	fail "the plan is out of order: $order"
expect_exit 0 ewoe_node --json --dry-run setup --config "$CFG" --no-verify
one_document "--json --dry-run setup"

expect_exit 0 ewoe_node setup --config "$CFG" --no-verify
expect_exit 0 ewoe_node --json setup --config "$CFG" --no-verify
one_document "--json setup"
expect_exit 0 ewoe_node --dry-run --json setup-bridge --offload none
one_document "--json setup-bridge"
expect_exit 0 ewoe_node --dry-run setup-bridge --offload packet
plan_only "setup-bridge"
expect_exit 0 ewoe_node --dry-run $PSK
plan_only "tunnel psk"
expect_exit 0 ewoe_node --json --dry-run $PSK
one_document "--json tunnel psk"
grep -q '"dry_run":true' "$T/stdout" || fail "tunnel's document does not say dry_run"
for c in verify status; do
	rc=0
	ewoe_node --json $c --config "$CFG" >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "--json $c exited $rc"
	one_document "--json $c"
done
expect_exit 0 ewoe_node --dry-run teardown --config "$CFG"
plan_only "teardown"
grep -q '^dry-run: peer b: would be removed' "$T/stdout" || fail "teardown's plan lacks peer b"
pass
