// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe guard: the fail-closed guard of every peer in the config, and nothing else. It needs
 * only the config and the kernel, so it runs at boot before Open vSwitch brings the VXLAN
 * ports back and before any IKE daemon exists; `ewoe setup` later does the same and more.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "ewoe.h"
#include "log.h"
#include "privs.h"
#include "setup.h"

static const char guard_help[] =
    "  --config FILE       node and peers (default " EWOE_DEFAULT_CONFIG ")\n"
    "\n"
    "Installs, for each peer, the kernel xfrm policies that block its VXLAN traffic both\n"
    "ways unless it is ESP. Needs no Open vSwitch and no IKE daemon.\n";

int cmd_guard(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	const char *path = EWOE_DEFAULT_CONFIG;
	struct ewoe_config *cfg = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			ewoe_cmd_usage(self, NULL, false);
			fputs(guard_help, stdout);
			return EXIT_OK;
		default:
			return ewoe_usage_error(self, "see 'ewoe help guard'");
		}
	}
	if (optind < argc)
		return ewoe_usage_error(self, "unexpected argument '%s'", argv[optind]);
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
