/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node as setup and teardown see it: config file plus command-line overrides. */
#ifndef EWOE_NODE_H
#define EWOE_NODE_H

#include <stdbool.h>

#include "conf.h"
#include "ewoe.h"
#include "opts.h"

#define NODE_MAX_FLAGS 64

/* One node or peer option as given: its config key and its value. */
struct node_flag {
	const char *key, *arg;
};

struct node_args {
	const char *config;
	bool config_given;
	/* [node] options, applied over the file's in this order; node holds them, checked. */
	struct node_flag node_flags[NODE_MAX_FLAGS];
	size_t n_node_flags;
	struct ewoe_node node;
	/* Peer options, as `ewoe tunnel` takes them: a new peer with --remote, else a change to
	 * the config's peer named by --name, or its only one. peer holds them, checked. */
	struct node_flag peer_flags[NODE_MAX_FLAGS];
	size_t n_peer_flags;
	struct ewoe_peer peer;
	const char *name;
	bool have_remote;
	bool no_link, no_verify;	  /* setup */
	const char *only_peer;		  /* teardown --peer */
	bool revert_offload, keep_bridge; /* teardown */
};

/* Setup's and teardown's options (include/opts.h); each command takes its part (mask). */
extern const struct ewoe_opt_group node_args_groups[];

/* Parse setup's or teardown's options (self->cli says which). */
enum ewoe_parse node_args_parse(const struct ewoe_cmd *self, int argc, char **argv,
				struct node_args *args);

/* Whether the node and its peers come from a file (--config, or the default one exists). */
bool node_args_from_file(const struct node_args *args);

/* The [node] options given, over node. */
void node_args_apply_node(const struct node_args *args, struct ewoe_node *node);

/*
 * The config file (when given, or when the default exists) with the options applied over it,
 * or a config made of the options alone. 0, or the exit code after printing why.
 */
int node_args_config(const struct node_args *args, struct ewoe_config **out);

#endif
