#!/bin/sh
# Never one plaintext VXLAN packet, through every fault (guest-failclosed.sh).
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
lab_run "$EWOE_SRC/tests/lab/guest-failclosed.sh"
