/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What setup does node-wide, and the guards setup, teardown and `ewoe guard` share. */
#ifndef EWOE_SETUP_H
#define EWOE_SETUP_H

#include <stdbool.h>

#include "conf.h"

struct ovsdb;

/*
 * The node-wide steps of setup, in the seed's order: packet offload in the driver, the PF's
 * link (address, MTU, hw-tc-offload), host restriction, the bridge with the representor and
 * hw-offload, and an ovs-vswitchd restart when hw-offload changed. links false leaves the
 * PF and the representor as they are (--no-link). 0 or a negative errno.
 */
int node_apply(const struct ewoe_config *cfg, bool links, struct ovsdb *db);

/*
 * The fail-closed guard of every peer in cfg (include/xfrm.h), offloaded to the node's PF in
 * packet mode. Needs only the kernel: `ewoe guard` runs it at boot before Open vSwitch.
 * offload_optional: a PF that refuses the offload is a warning, not an error (at boot the
 * driver may not be in packet mode yet; setup puts it there, then offloads the guard).
 * 1 changed, 0 all in place, <0 error.
 */
int node_guard_peers(const struct ewoe_config *cfg, bool offload_optional);

/*
 * Remove ewoe's guards that serve no tunnel any more: every one whose (local, remote, port)
 * is not a peer of cfg (cfg NULL: all of them). Call after their VXLAN ports are gone.
 * 1 removed some, 0 none, <0 error.
 */
int node_guard_prune(const struct ewoe_config *cfg);

#endif
