// SPDX-License-Identifier: GPL-2.0-or-later
/* setup's and teardown's options, and the config they make: the file, flags, or both. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"

enum {
	OPT_CONFIG = 256,
	OPT_PF,
	OPT_REP,
	OPT_BRIDGE,
	OPT_ADDRESS,
	OPT_OFFLOAD,
	OPT_NAME,
	OPT_NO_LINK,
	OPT_NO_VERIFY,
	OPT_PEER,
	OPT_REVERT_OFFLOAD,
	OPT_KEEP_BRIDGE,
	OPT_PEER_KEY, /* every option from here on is a peer key for ewoe_peer_set() */
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "pf", required_argument, NULL, OPT_PF },
	{ "rep", required_argument, NULL, OPT_REP },
	{ "bridge", required_argument, NULL, OPT_BRIDGE },
	{ "address", required_argument, NULL, OPT_ADDRESS },
	{ "offload", required_argument, NULL, OPT_OFFLOAD },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "no-link", no_argument, NULL, OPT_NO_LINK },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "revert-offload", no_argument, NULL, OPT_REVERT_OFFLOAD },
	{ "keep-bridge", no_argument, NULL, OPT_KEEP_BRIDGE },
	{ "remote", required_argument, NULL, OPT_PEER_KEY },
	{ "auth", required_argument, NULL, OPT_PEER_KEY },
	{ "psk-file", required_argument, NULL, OPT_PEER_KEY },
	{ "cert", required_argument, NULL, OPT_PEER_KEY },
	{ "key", required_argument, NULL, OPT_PEER_KEY },
	{ "peer-cert", required_argument, NULL, OPT_PEER_KEY },
	{ "ca", required_argument, NULL, OPT_PEER_KEY },
	{ "remote-name", required_argument, NULL, OPT_PEER_KEY },
	{ "vni", required_argument, NULL, OPT_PEER_KEY },
	{ "dst-port", required_argument, NULL, OPT_PEER_KEY },
	{ "role", required_argument, NULL, OPT_PEER_KEY },
	{ "rekey-packets", required_argument, NULL, OPT_PEER_KEY },
	{ "ike-proposal", required_argument, NULL, OPT_PEER_KEY },
	{ "esp-proposal", required_argument, NULL, OPT_PEER_KEY },
	{ "interface", required_argument, NULL, OPT_PEER_KEY },
	/* Refused by ewoe_peer_set() with the reason, rather than as unknown options. */
	{ "psk", required_argument, NULL, OPT_PEER_KEY },
	{ "rekey-bytes", required_argument, NULL, OPT_PEER_KEY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int node_args_parse(const struct ewoe_cmd *self, const char *help, int argc, char **argv,
		    struct node_args *args)
{
	bool teardown = !strcmp(self->name, "teardown");
	char why[200];
	int c, idx;

	memset(args, 0, sizeof(*args));
	args->config = EWOE_DEFAULT_CONFIG;
	ewoe_peer_init(&args->peer);
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		bool setup_only = c == OPT_ADDRESS || c == OPT_OFFLOAD || c == OPT_NO_LINK ||
				  c == OPT_NO_VERIFY || c == OPT_NAME || c == OPT_PEER_KEY;
		bool teardown_only =
		    c == OPT_PEER || c == OPT_REVERT_OFFLOAD || c == OPT_KEEP_BRIDGE;

		if ((teardown && setup_only) || (!teardown && teardown_only))
			return ewoe_usage_error(self, "option --%s does not apply to %s",
						longopts[idx].name, self->name);
		switch (c) {
		case OPT_CONFIG:
			args->config = optarg;
			args->config_given = true;
			break;
		case OPT_PF:
			args->pf = optarg;
			break;
		case OPT_REP:
			args->rep = optarg;
			break;
		case OPT_BRIDGE:
			args->bridge = optarg;
			break;
		case OPT_ADDRESS:
			args->address = optarg;
			break;
		case OPT_OFFLOAD:
			args->offload = optarg;
			break;
		case OPT_NAME:
			if (!ewoe_name_valid(optarg, EWOE_PEER_NAME_MAX - 1))
				return ewoe_usage_error(
				    self, "--name '%s': use 1-%d of A-Z a-z 0-9 _ . -", optarg,
				    EWOE_PEER_NAME_MAX - 1);
			snprintf(args->peer.name, sizeof(args->peer.name), "%s", optarg);
			args->have_name = true;
			break;
		case OPT_NO_LINK:
			args->no_link = true;
			break;
		case OPT_NO_VERIFY:
			args->no_verify = true;
			break;
		case OPT_PEER:
			args->only_peer = optarg;
			break;
		case OPT_REVERT_OFFLOAD:
			args->revert_offload = true;
			break;
		case OPT_KEEP_BRIDGE:
			args->keep_bridge = true;
			break;
		case OPT_PEER_KEY:
			if (ewoe_peer_set(&args->peer, longopts[idx].name, optarg, why,
					  sizeof(why)))
				return ewoe_usage_error(self, "--%s", why);
			args->have_peer |= !strcmp(longopts[idx].name, "remote");
			break;
		case 'h':
			ewoe_cmd_usage(self, NULL, false);
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return ewoe_usage_error(self, "unknown option");
		}
	}
	if (optind < argc)
		return ewoe_usage_error(self, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* The overrides, checked like the file's own values. */
static int apply_overrides(const struct node_args *args, struct ewoe_config *cfg)
{
	struct ewoe_node *node = &cfg->node;
	const struct {
		const char *value, *option;
		char *dst;
	} names[] = {
		{ args->pf, "--pf", node->pf },
		{ args->rep, "--rep", node->rep },
		{ args->bridge, "--bridge", node->bridge },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!names[i].value)
			continue;
		if (!ewoe_name_valid(names[i].value, IFNAMSIZ - 1)) {
			ewoe_err("%s '%s': not an interface name (1-%d of A-Z a-z 0-9 _ . -)",
				 names[i].option, names[i].value, IFNAMSIZ - 1);
			return -EINVAL;
		}
		snprintf(names[i].dst, IFNAMSIZ, "%s", names[i].value);
	}
	if (args->address &&
	    config_parse_prefix(args->address, &node->address, &node->prefix_len)) {
		ewoe_err("--address '%s': expected an IP address with optional /prefix",
			 args->address);
		return -EINVAL;
	}
	if (args->offload && ewoe_offload_parse(args->offload, &node->offload)) {
		ewoe_err("--offload '%s': use packet, crypto, auto or none", args->offload);
		return -EINVAL;
	}
	if (args->have_peer) {
		struct ewoe_peer p = args->peer;

		if (!p.ifname[0])
			ewoe_peer_default_ifname(&p.remote, p.ifname);
		if (!args->have_name)
			snprintf(p.name, sizeof(p.name), "%s", p.ifname);
		if (config_add_peer(cfg, &p))
			return -ENOMEM;
	} else if (args->have_name) {
		ewoe_err("--name needs --remote: it names the peer given by flags");
		return -EINVAL;
	}
	return config_finish(
	    cfg, args->config_given || !access(args->config, F_OK) ? args->config : "command line");
}

int node_args_config(const struct node_args *args, struct ewoe_config **out)
{
	bool from_file = args->config_given || access(args->config, F_OK) == 0;
	bool from_flags = args->have_peer || args->address || args->pf || args->bridge;
	int rc;

	*out = NULL;
	if (from_file)
		rc = config_load(args->config, out);
	else if (from_flags)
		rc = config_parse_string("", "command line", out);
	else {
		ewoe_err("no config: %s does not exist and no node was given by flags",
			 args->config);
		ewoe_hint("write it (see examples/ewoe.conf), give --config FILE, or use --address "
			  "and --remote");
		return EXIT_USAGE;
	}
	if (rc) /* a config that cannot be used is bad input: nothing was changed */
		return ewoe_check_exit(rc);
	if (apply_overrides(args, *out)) {
		config_free(*out);
		*out = NULL;
		return EXIT_USAGE;
	}
	return 0;
}
