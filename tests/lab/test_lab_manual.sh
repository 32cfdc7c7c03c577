#!/bin/sh
# The lab itself, without ewoe: two emulated DPUs configured by hand (OVS and swanctl as in
# NVIDIA's manual procedure) carry host1 <-> host2 traffic as VXLAN inside ESP.
. "$EWOE_SRC/tests/lib.sh"
. "$EWOE_SRC/tests/lab/host.sh"
lab_run "$EWOE_SRC/tests/lab/guest-manual.sh"
