// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe guard: the fail-closed guard of every peer in the config, and nothing else. It needs
 * only the config and the kernel, so it runs at boot before Open vSwitch brings the VXLAN
 * ports back and before any IKE daemon exists; `ewoe setup` later does the same and more.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "privs.h"
#include "setup.h"

static const char guard_help[] =
    "Installs, for each peer, the kernel xfrm policies that block its VXLAN traffic both\n"
    "ways unless it is ESP. Needs no Open vSwitch and no IKE daemon.\n";

static int set_config(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	(void)o, (void)why, (void)len;
	*(const char **)ctx = arg; /* --config, the one node option guard takes */
	return 0;
}

static const struct ewoe_opt_group guard_groups[] = {
	{ ewoe_node_opts, set_config },
	{ NULL, NULL },
};

const struct ewoe_cli guard_cli = { guard_groups, OPT_GUARD, guard_help, NULL };

int cmd_guard(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	const char *path = EWOE_DEFAULT_CONFIG;
	struct ewoe_config *cfg = NULL;
	enum ewoe_parse parsed;
	int rc;

	parsed = ewoe_cli_parse(self, NULL, &path, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON)
		return ewoe_parse_exit(parsed);
	rc = config_load(path, &cfg);
	if (rc)
		return ewoe_check_exit(rc);
	if (!privs_have_net_admin()) {
		ewoe_err("guard needs CAP_NET_ADMIN to read and write xfrm policies");
		ewoe_hint("run it as root");
		rc = EXIT_FAIL;
		goto out;
	}
	rc = node_guard_peers(cfg, true);
	if (rc >= 0)
		ewoe_info("%zu peer%s guarded%s", cfg->n_peers, cfg->n_peers == 1 ? "" : "s",
			  rc ? "" : " (unchanged)");
	rc = rc < 0 ? EXIT_FAIL : EXIT_OK;
out:
	config_free(cfg);
	return rc;
}
