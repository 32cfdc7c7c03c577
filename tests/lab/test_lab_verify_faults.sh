#!/bin/sh
# verify names each fault's root cause and its fix, and the fix repairs it (guest-verify-faults.sh).
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
lab_run "$EWOE_SRC/tests/lab/guest-verify-faults.sh"
