// SPDX-License-Identifier: GPL-2.0-or-later
/* setup's and teardown's options, and the config they make: the file, flags, or both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"
#include "opts.h"

enum { OPT_NO_LINK, OPT_NO_VERIFY, OPT_PEER, OPT_KEEP_BRIDGE, OPT_REVERT_OFFLOAD };

/* clang-format off */
static const struct ewoe_opt node_cmd_opts[] = {
	{ "no-link", NULL, "leave the PF's address, MTU and features alone", OPT_SETUP, OPT_NO_LINK },
	{ "no-verify", NULL, "do not run verify at the end", OPT_SETUP, OPT_NO_VERIFY },
	{ "peer", "NAME", "remove only this peer's tunnel and connection", OPT_TEARDOWN, OPT_PEER },
	{ "keep-bridge", NULL, "leave the bridge and the representor port in place", OPT_TEARDOWN,
	  OPT_KEEP_BRIDGE },
	{ "revert-offload", NULL, "also turn IPsec packet offload off in the driver", OPT_TEARDOWN,
	  OPT_REVERT_OFFLOAD },
	{ NULL, NULL, NULL, 0, 0 },
};
/* clang-format on */

/* Kept in the order given, to be applied over the file once it is read. */
static int remember(struct node_flag *flags, size_t *n, const char *key, const char *arg, char *why,
		    size_t len)
{
	if (*n == NODE_MAX_FLAGS) {
		snprintf(why, len, "%s: more than %d node and peer options", key, NODE_MAX_FLAGS);
		return -EINVAL;
	}
	flags[*n].key = key;
	flags[*n].arg = arg;
	(*n)++;
	return 0;
}

static int set_node(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct node_args *a = ctx;
	const char *key = !strcmp(o->name, "rep") ? "representor" : o->name;
	int err;

	if (!strcmp(o->name, "config")) {
		a->config = arg;
		a->config_given = true;
		return 0;
	}
	err = config_node_set(&a->node, key, arg, why, len); /* checked now, applied later */
	return err ? err : remember(a->node_flags, &a->n_node_flags, key, arg, why, len);
}

static int set_peer(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct node_args *a = ctx;
	int err = ewoe_peer_opt_set(&a->peer, o->name, arg, why, len);

	if (err)
		return err;
	a->have_remote |= !strcmp(o->name, "remote");
	if (!strcmp(o->name, "name"))
		a->name = arg;
	return remember(a->peer_flags, &a->n_peer_flags, o->name, arg, why, len);
}

static int set_own(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct node_args *a = ctx;

	(void)why, (void)len;
	switch (o->id) {
	case OPT_NO_LINK:
		a->no_link = true;
		break;
	case OPT_NO_VERIFY:
		a->no_verify = true;
		break;
	case OPT_PEER:
		a->only_peer = arg;
		break;
	case OPT_KEEP_BRIDGE:
		a->keep_bridge = true;
		break;
	default:
		a->revert_offload = true;
	}
	return 0;
}

const struct ewoe_opt_group node_args_groups[] = {
	{ ewoe_node_opts, set_node },
	{ ewoe_peer_opts, set_peer },
	{ node_cmd_opts, set_own },
	{ NULL, NULL },
};

enum ewoe_parse node_args_parse(const struct ewoe_cmd *self, int argc, char **argv,
				struct node_args *args)
{
	memset(args, 0, sizeof(*args));
	args->config = EWOE_DEFAULT_CONFIG;
	config_node_init(&args->node);
	ewoe_peer_init(&args->peer);
	return ewoe_cli_parse(self, NULL, args, argc, argv);
}

bool node_args_from_file(const struct node_args *args)
{
	return args->config_given || access(args->config, F_OK) == 0;
}

void node_args_apply_node(const struct node_args *args, struct ewoe_node *node)
{
	char why[256];

	for (size_t i = 0; i < args->n_node_flags; i++)
		config_node_set(node, args->node_flags[i].key, args->node_flags[i].arg, why,
				sizeof(why)); /* checked when given */
}

/*
 * The peer the peer options change: the config's peer named by --name, else with --remote a
 * new one, else the config's only peer. Several peers and no --name is ambiguous.
 */
static int flags_peer(const struct node_args *args, const struct ewoe_config *cfg,
		      const char *origin, struct ewoe_peer *p)
{
	const struct ewoe_peer *target = NULL;

	if (args->name)
		target = config_find_peer(cfg, args->name);
	else if (!args->have_remote && cfg->n_peers == 1)
		target = &cfg->peers[0];
	if (target) {
		*p = *target;
		return 0;
	}
	if (args->have_remote) {
		ewoe_peer_init(p);
		return 0;
	}
	if (args->name)
		ewoe_err("--name '%s': %s has no such peer; --name needs --remote to add one",
			 args->name, origin);
	else
		ewoe_err("--%s: %s has %zu peers; say which one it changes with --name NAME, or "
			 "give --remote to add a peer",
			 args->peer_flags[0].key, origin, cfg->n_peers);
	return -EINVAL;
}

static int apply_peer(const struct node_args *args, struct ewoe_config *cfg, const char *origin)
{
	struct ewoe_peer p;
	char why[256];
	int err;

	if (!args->n_peer_flags)
		return 0;
	err = flags_peer(args, cfg, origin, &p);
	if (err)
		return err;
	for (size_t i = 0; i < args->n_peer_flags; i++)
		ewoe_peer_opt_set(&p, args->peer_flags[i].key, args->peer_flags[i].arg, why,
				  sizeof(why)); /* checked when given */
	if (!p.ifname[0])
		ewoe_peer_default_ifname(&p.remote, p.ifname);
	if (!p.name[0])
		snprintf(p.name, sizeof(p.name), "%s", p.ifname);
	return config_add_peer(cfg, &p);
}

int node_args_config(const struct node_args *args, struct ewoe_config **out)
{
	bool from_file = node_args_from_file(args);
	const char *origin = from_file ? args->config : "command line";
	int rc;

	*out = NULL;
	if (from_file)
		rc = config_load(args->config, out);
	else if (args->have_remote || args->n_node_flags)
		rc = config_parse_string("", origin, out);
	else {
		ewoe_err("no config: %s does not exist and no node was given by flags",
			 args->config);
		ewoe_hint("write it (see examples/ewoe.conf), give --config FILE, or use --address "
			  "and --remote");
		return EXIT_USAGE;
	}
	if (!rc) {
		node_args_apply_node(args, &(*out)->node);
		rc = apply_peer(args, *out, origin);
	}
	if (!rc)
		rc = config_finish(*out, origin);
	if (rc) { /* a config that cannot be used is bad input: nothing was changed */
		config_free(*out);
		*out = NULL;
		return ewoe_check_exit(rc);
	}
	return 0;
}
