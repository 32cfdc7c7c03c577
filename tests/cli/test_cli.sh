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

# Every command is listed, and `ewoe help CMD` is exactly `ewoe CMD --help`.
for c in setup verify status metrics teardown enable-offload setup-bridge tunnel help; do
	echo "$out" | grep -q "^  $c " || fail "--help does not list '$c'"
	[ "$c" = help ] && continue
	"$EWOE" help $c >"$T/a" || fail "ewoe help $c exited $?"
	"$EWOE" $c --help >"$T/b" || fail "ewoe $c --help exited $?"
	cmp -s "$T/a" "$T/b" || fail "ewoe help $c differs from ewoe $c --help"
	grep -q "^usage: ewoe $c" "$T/a" || fail "ewoe help $c has no usage line"
done
for s in psk cert ca; do
	"$EWOE" help tunnel $s >"$T/a" && "$EWOE" tunnel $s --help >"$T/b" || fail "tunnel $s help"
	cmp -s "$T/a" "$T/b" || fail "ewoe help tunnel $s differs from ewoe tunnel $s --help"
done
expect_exit 2 "$EWOE" help tunnel rsa
expect_exit 2 "$EWOE" tunnel
expect_exit 2 "$EWOE" tunnel rsa
expect_exit 2 "$EWOE" setup --bogus
grep -q "^usage: ewoe setup" "$T/stderr" || fail "bad setup option shows no usage"
pass
