#!/bin/sh
# The command-line frame: help, version, exact names, exit codes.
. "$EWOE_SRC/tests/lib.sh"

out=$("$EWOE" --help) || fail "--help exited $?"
echo "$out" | grep -q '^usage: ewoe \[global options\] <command>' || fail "--help has no usage line"
echo "$out" | grep -q '^  help ' || fail "--help does not list 'help'"

"$EWOE" --version | grep -Eq '^ewoe [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version format"

expect_exit 2 "$EWOE" bogus
grep -q "unknown command 'bogus'" "$T/stderr" || fail "no 'unknown command' message"
grep -q '^usage: ewoe' "$T/stderr" || fail "usage not on stderr for an unknown command"
[ ! -s "$T/stdout" ] || fail "unknown command wrote to stdout"

expect_exit 2 "$EWOE"
expect_exit 2 "$EWOE" --no-such-option help
expect_exit 2 "$EWOE" --timeout 0 help
grep -q -- "--timeout '0'" "$T/stderr" || fail "bad --timeout not named"
expect_exit 2 "$EWOE" hel
expect_exit 2 "$EWOE" help bogus
expect_exit 0 "$EWOE" help help
grep -q '^usage: ewoe help' "$T/stdout" || fail "'help help' shows no usage"
pass
