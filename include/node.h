/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node as setup and teardown see it: config file plus command-line overrides. */
#ifndef EWOE_NODE_H
#define EWOE_NODE_H

#include <stdbool.h>

#include "conf.h"
#include "ewoe.h"

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

#endif
