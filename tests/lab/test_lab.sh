#!/bin/sh
# ewoe end to end on two emulated DPUs, for psk, cert and ca, plus the wrong-PSK and
# peer-down failures. The steps are in guest-ewoe.sh; the topology in topology.sh.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
lab_run "$EWOE_SRC/tests/lab/guest-ewoe.sh"
