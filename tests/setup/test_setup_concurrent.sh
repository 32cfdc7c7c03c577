#!/bin/sh
# Two `ewoe setup` at once on one node (a timer's and an operator's), 128 peers each: they take
# turns on the node's lock, the one that waits says so, both exit 0 and the node ends
# converged to one config, never a mix. A lock held too long ends the wait at --timeout with
# one clear error and nothing changed; --dry-run, verify and --help never wait for it.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/setup/node.sh"
need_cmd flock
make_psk "$ROOT/etc/ewoe/p.psk"
LOCK=$ROOT/run/ewoe/ewoe.lock

# mesh_config FILE FIRST LAST: peers pFIRST..pLAST at 192.0.2.FIRST..LAST, all responders (no
# IKE_SA can come up here).
mesh_config() {
	{
		printf '[node]\npf = p0\naddress = 192.0.2.1/24\nrepresentor = pf0hpf\n'
		printf 'bridge = vxlan-br\noffload = none\n'
		for i in $(seq "$2" "$3"); do
			printf '\n[peer p%d]\nremote = 192.0.2.%d\npsk-file = %s\nrole = responder\n' \
				"$i" "$i" "$ROOT/etc/ewoe/p.psk"
		done
	} >"$1"
	chmod 600 "$1"
}
mesh_config "$T/mesh.conf" 2 129
mesh_config "$T/other.conf" 130 193

# peers_of FIRST LAST: what a converged node has for them, one line each, sorted.
peers_of() {
	for i in $(seq "$1" "$2"); do
		printf 'ewoe-p%d vxc00002%02x\n' "$i" "$i"
	done | sort
}
# read_peers: the same, read from OVSDB, charon and the persisted files, into $T/have; a
# tunnel that is in one and not in another is a half-made one.
read_peers() {
	ovs_vsctl list-ports vxlan-br 2>/dev/null | grep '^vxc' | sort >"$T/ports"
	conns arm | grep -o 'ewoe-p[0-9]*' | sort -u >"$T/conns"
	(cd "$ROOT/etc/swanctl/conf.d" && ls) | sed -n 's/^\(ewoe-p[0-9]*\)\.conf$/\1/p' | sort \
		>"$T/files"
	cmp -s "$T/conns" "$T/files" || fail "charon's connections and the files differ"
	while read -r c; do
		printf '%s vxc00002%02x\n' "$c" "${c#ewoe-p}"
	done <"$T/conns" | sort >"$T/have"
	cut -d' ' -f2 "$T/have" | sort | cmp -s - "$T/ports" ||
		fail "OVS ports and charon's connections differ"
}
# has_peers FIRST LAST: the node has exactly those peers.
has_peers() {
	read_peers
	peers_of "$1" "$2" | cmp -s - "$T/have"
}
# converged CONFIG FIRST LAST: the node has exactly those peers, and a third run finds
# nothing to do.
converged() {
	has_peers "$2" "$3" || fail "the node is not converged to $1: $(grep -c . "$T/have") peers"
	node_state >"$T/before"
	expect_exit 0 ewoe_node setup --config "$1" --no-verify
	node_state >"$T/after"
	cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "a third run changed the node"; }
	[ "$(grep -c ': unchanged$' "$T/stdout")" = "$(($3 - $2 + 1))" ] || fail "a third run reported changes"
	grep -v ': unchanged$' "$T/stdout" && fail "a third run planned or made changes"
	return 0
}
# together CONFIG1 CONFIG2: two setups started at once; $T/1.* and $T/2.* keep their output.
together() {
	ewoe_node setup --config "$1" --no-verify >"$T/1.out" 2>"$T/1.err" &
	p1=$!
	ewoe_node setup --config "$2" --no-verify >"$T/2.out" 2>"$T/2.err" &
	p2=$!
	rc1=0 rc2=0
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	[ "$rc1" = 0 ] && [ "$rc2" = 0 ] || {
		cat "$T/1.err" "$T/2.err" >&2
		fail "two setups at once exited $rc1 and $rc2"
	}
	grep -h '{' "$T/1.err" "$T/2.err" && fail "raw JSON in an error"
	return 0
}
# hold_lock SECONDS [WHAT]: another holder of the lock, as another ewoe would be (its pid and
# command in the file when WHAT is given); returns once it holds it.
hold_lock() {
	mkdir -p "$(dirname "$LOCK")"
	if [ -n "${2:-}" ]; then
		flock "$LOCK" sh -c 'echo "$$ $2" >"$0"; exec sleep "$1"' "$LOCK" "$1" "$2" \
			>/dev/null 2>&1 &
	else
		flock "$LOCK" sleep "$1" >/dev/null 2>&1 &
	fi
	HOLDER=$!
	for _ in $(seq 100); do
		if ! flock -n "$LOCK" true; then
			[ -z "${2:-}" ] || [ -s "$LOCK" ] && return 0
		fi
		sleep 0.02
	done
	fail "could not hold $LOCK"
}

# 1. Free-running: whichever takes the lock first converges, the other finds nothing left.
start=$(date +%s)
together "$T/mesh.conf" "$T/mesh.conf"
converged "$T/mesh.conf" 2 129
expect_exit 0 ewoe_node teardown --config "$T/mesh.conf"
read_peers
[ ! -s "$T/have" ] || fail "teardown left peers"

# 2. Both start while the lock is held, so both wait and say so once, then take turns.
hold_lock 1
together "$T/mesh.conf" "$T/mesh.conf"
for n in 1 2; do
	[ "$(grep -c '^waiting for another ewoe on this node to finish, at most 10 s$' "$T/$n.err")" = 1 ] ||
		fail "setup $n did not say once that it waits: $(cat "$T/$n.err")"
done
wait "$HOLDER"
converged "$T/mesh.conf" 2 129
expect_exit 0 ewoe_node teardown --config "$T/mesh.conf"

# 3. Two different configs at once: the node ends as one of them, whole, never a mix.
together "$T/mesh.conf" "$T/other.conf"
if has_peers 2 129; then
	converged "$T/mesh.conf" 2 129
else
	converged "$T/other.conf" 130 193
fi
expect_exit 0 ewoe_node teardown --config "$T/mesh.conf"

# 4. Another ewoe keeps the lock past --timeout: one clear error naming it, nothing changed.
hold_lock 3 setup
holder_pid=$(cut -d' ' -f1 "$LOCK")
node_state >"$T/before"
expect_exit 1 ewoe_node --timeout 1 setup --config "$T/mesh.conf" --no-verify
node_state >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "a setup that never got the lock changed the node"; }
grep -qx "waiting for another ewoe on this node to finish (pid $holder_pid, ewoe setup), at most 1 s" "$T/stderr" ||
	fail "the wait does not name the holder"
grep -qx "ewoe: another ewoe (pid $holder_pid, ewoe setup) is still changing this node after 1 s; nothing was changed" "$T/stderr" ||
	fail "no clear error when the wait ends"
grep -q '^  hint: .*--timeout' "$T/stderr" || fail "no hint at --timeout"
[ "$(grep -c . "$T/stderr")" = 3 ] || fail "more than the wait, the error and the hint"
[ -s "$T/stdout" ] && fail "a setup that never got the lock printed actions"
# Reading needs no turn: a plan, verify and help answer while the lock is held.
no_wait() { ! grep -q waiting "$T/stderr" || fail "$1 waited for the lock"; }
expect_exit 0 ewoe_node --dry-run setup --config "$T/mesh.conf" --no-verify
no_wait "--dry-run setup"
grep -q "^dry-run: " "$T/stdout" || fail "--dry-run printed no plan"
expect_exit 3 ewoe_node verify --config "$T/mesh.conf"
no_wait verify
expect_exit 0 ewoe_node setup --help
no_wait "setup --help"
grep -q -- --no-verify "$T/stdout" || fail "setup --help printed no help"
kill -0 "$HOLDER" 2>/dev/null || fail "the lock was released before the readers ran: they prove nothing"
wait "$HOLDER"
# The holder is gone: the next setup runs at once.
expect_exit 0 ewoe_node setup --config "$T/mesh.conf" --no-verify
no_wait "a setup after the holder ended"
has_peers 2 129 || fail "setup after the wait did not converge"
[ ! -e "$LOCK" ] || fail "a finished ewoe left its lock file: $(cat "$LOCK")"
echo "took $(($(date +%s) - start)) s" >&2
pass
