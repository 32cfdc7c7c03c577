#!/bin/sh
# The same cause gives the same exit code from every command that changes the node (setup,
# setup-bridge, tunnel, teardown): one mapping from the backends' errors (include/ewoe.h
# ewoe_exit_code), not one per command. No daemon runs: the sockets named do not exist.
. "$EWOE_SRC/tests/lib.sh"
need_root

mkdir -p "$T/root"
(umask 077 && head -c 32 /dev/urandom | base64 >"$T/psk")
G="--root $T/root --timeout 2 --db unix:$T/no-db.sock --vici unix://$T/no-charon.vici"
PEER="--remote 192.0.2.2 --psk-file $T/psk"

# same CODE WHAT: every command line on stdin (one a line) exits CODE, with one short error.
same() {
	code=$1
	what=$2
	while read -r line; do
		# shellcheck disable=SC2086 # word splitting is the point
		expect_exit "$code" "$EWOE" $G $line
		grep -q '^ewoe' "$T/stderr" || fail "$what: '$line' printed no error"
		[ ! -s "$T/stdout" ] || fail "$what: '$line' wrote to stdout"
	done
}

# OVSDB does not answer: the command could not do its job.
same 1 "OVSDB unreachable" <<CMDS
setup --no-link --no-verify --address 192.0.2.1/24 $PEER
setup-bridge --bridge br-x --rep rep-x
tunnel psk --no-ike --local 192.0.2.1 $PEER
teardown --keep-bridge
CMDS
grep -q "no-db.sock" "$T/stderr" || fail "the unreachable OVSDB socket is not named"

# charon does not answer (teardown goes on without it, by design).
same 1 "charon unreachable" <<CMDS
setup --no-link --no-verify --address 192.0.2.1/24 $PEER
tunnel psk --local 192.0.2.1 $PEER
CMDS

# Bad input, before any daemon is asked: an interface name that cannot be one, an address that
# is not one, a PSK file that is not there.
same 2 "invalid bridge name" <<CMDS
setup --no-link --bridge bad/name --address 192.0.2.1/24 $PEER
setup-bridge --bridge bad/name --rep rep-x
tunnel psk --bridge bad/name --local 192.0.2.1 $PEER
teardown --bridge bad/name
CMDS
same 2 "invalid address or file" <<CMDS
setup --no-link --address 192.0.2.1/24 --remote 192.0.2.300 --psk-file $T/psk
tunnel psk --local 192.0.2.1 --remote 192.0.2.300 --psk-file $T/psk
setup --no-link --address 192.0.2.1/24 --remote 192.0.2.2 --psk-file $T/no-such-psk
tunnel psk --local 192.0.2.1 --remote 192.0.2.2 --psk-file $T/no-such-psk
CMDS
# The lock's directory (run/) is main's, taken before the command; nothing else may be there.
wrote=$(find "$T/root" -mindepth 1 -not -path "$T/root/run" -not -path "$T/root/run/*" -print -quit)
[ -z "$wrote" ] || fail "bad input wrote under --root: $wrote"
pass
