/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node as setup and teardown see it: config file plus command-line overrides. */
#ifndef EWOE_NODE_H
#define EWOE_NODE_H

#include <stdbool.h>

#include "conf.h"
#include "ewoe.h"

struct ovsdb;

struct node_args {
	const char *config;
	bool config_given;
	/* [node] overrides; NULL when not given */
	const char *pf, *rep, *bridge, *address, *offload;
	/* One peer from flags, as `ewoe tunnel` takes it; used when remote is given. */
	struct ewoe_peer peer;
	bool have_peer, have_name;
	bool no_link, no_verify;	  /* setup */
	const char *only_peer;		  /* teardown --peer */
	bool revert_offload, keep_bridge; /* teardown */
};

/*
 * Parse setup's or teardown's options. Returns -1 to go on, or the exit code (0 for --help,
 * EXIT_USAGE after printing the problem).
 */
int node_args_parse(const struct ewoe_cmd *self, const char *help, int argc, char **argv,
		    struct node_args *args);

/*
 * The config file (when given, or when the default exists) with the overrides applied, or a
 * config made of the flags alone. 0, or the exit code after printing why.
 */
int node_args_config(const struct node_args *args, struct ewoe_config **out);

/*
 * The node-wide steps of setup, in the seed's order: packet offload in the driver, the PF's
 * link (address, MTU, hw-tc-offload), host restriction, the bridge with the representor and
 * hw-offload, and an ovs-vswitchd restart when hw-offload changed. 0 or a negative errno.
 */
int node_apply(const struct node_args *args, const struct ewoe_config *cfg, struct ovsdb *db);

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
