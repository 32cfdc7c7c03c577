#!/bin/sh
# The packet and crypto offload paths in the lab, as far as software goes (guest-offload.sh):
# they need a charon that accepts hw_offload = packet and crypto (strongSwan 5.9.10 or later).
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
charon_has_offload_modes ||
	skip "strongSwan $(charon_version || echo "(not installed)") refuses hw_offload = packet and crypto (5.9.10 and later accept them; Debian 13 runs this test)"
lab_run "$EWOE_SRC/tests/lab/guest-offload.sh"
