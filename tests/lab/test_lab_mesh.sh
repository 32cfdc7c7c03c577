#!/bin/sh
# ewoe setup on a full mesh of four emulated DPUs, three peers each, psk, cert and ca mixed:
# verify, any-to-any traffic without loops, idempotence, one peer dropped and re-added,
# teardown. The steps are in guest-mesh.sh; the topology in topology.sh (LAB_ARMS=4).
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
[ -x "$EWOE" ] || fail "EWOE '$EWOE' is not an executable"
lab_run "$EWOE_SRC/tests/lab/guest-mesh.sh"
