#!/bin/sh
# ewoe status and ewoe metrics on three Arms: tunnels up, one down, one with a wrong PSK
# (guest-status.sh).
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
lab_run "$EWOE_SRC/tests/lab/guest-status.sh"
