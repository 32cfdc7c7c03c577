// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe setup-bridge: the OVS bridge carrying the host representor, and OVS hardware offload. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "log.h"
#include "ovsdb.h"
#include "peer.h"

static const char options_help[] =
    "  --bridge NAME            the OVS bridge (default " EWOE_DEFAULT_BRIDGE ")\n"
    "  --rep PORT               host representor to put on it (default " EWOE_DEFAULT_REP ")\n"
    "  --offload packet|none    OVS other_config:hw-offload true or false (default packet);\n"
    "                           a change takes effect when ovs-vswitchd restarts\n"
    "  --move                   take PORT off another bridge instead of refusing\n"
    "  --no-wait                do not wait for ovs-vswitchd to apply the change\n";

int cmd_setup_bridge(int argc, char **argv)
{
	enum { OPT_BRIDGE = 256, OPT_REP, OPT_OFFLOAD, OPT_MOVE, OPT_NO_WAIT };
	static const struct option longopts[] = {
		{ "bridge", required_argument, NULL, OPT_BRIDGE },
		{ "rep", required_argument, NULL, OPT_REP },
		{ "offload", required_argument, NULL, OPT_OFFLOAD },
		{ "move", no_argument, NULL, OPT_MOVE },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct ovsdb_bridge_spec spec = {
		.bridge = EWOE_DEFAULT_BRIDGE,
		.rep = EWOE_DEFAULT_REP,
		.hw_offload = 1,
		.wait = true,
	};
	struct ovsdb *db = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BRIDGE:
			spec.bridge = optarg;
			break;
		case OPT_REP:
			spec.rep = optarg;
			break;
		case OPT_OFFLOAD:
			if (!strcmp(optarg, "packet"))
				spec.hw_offload = 1;
			else if (!strcmp(optarg, "none"))
				spec.hw_offload = 0;
			else
				return ewoe_usage_error(self, "--offload '%s': use packet or none",
							optarg);
			break;
		case OPT_MOVE:
			spec.move = true;
			break;
		case OPT_NO_WAIT:
			spec.wait = false;
			break;
		case 'h':
			ewoe_cmd_usage(self, NULL, false);
			fputs(options_help, stdout);
			return EXIT_OK;
		default:
			return ewoe_usage_error(self, "unknown option");
		}
	}
	if (optind < argc)
		return ewoe_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (!ewoe_name_valid(spec.bridge, IFNAMSIZ - 1))
		return ewoe_usage_error(self, "--bridge '%s': use 1-%d of A-Z a-z 0-9 _ . -",
					spec.bridge, IFNAMSIZ - 1);
	if (!ewoe_name_valid(spec.rep, IFNAMSIZ - 1))
		return ewoe_usage_error(self, "--rep '%s': use 1-%d of A-Z a-z 0-9 _ . -", spec.rep,
					IFNAMSIZ - 1);
	if (!strcmp(spec.bridge, spec.rep))
		return ewoe_usage_error(self, "--rep and --bridge are both '%s'; they must differ",
					spec.rep);

	rc = ovsdb_open(ewoe_opts.db, ewoe_opts.timeout_ms, &db);
	if (rc)
		goto out;
	rc = ovsdb_setup_bridge(db, &spec);
	if (rc == -EEXIST)
		ewoe_hint("pass --move to move it");
	else if (rc == -ESRCH)
		ewoe_hint("or pass --no-wait to only write the database");
	if (rc < 0)
		goto out;
	if (ewoe_opts.json)
		printf("{\"bridge\":\"%s\",\"rep\":\"%s\",\"hw_offload\":%s,\"changed\":%s,"
		       "\"dry_run\":%s}\n",
		       spec.bridge, spec.rep, spec.hw_offload ? "true" : "false",
		       rc ? "true" : "false", ewoe_opts.dry_run ? "true" : "false");
	else if (!rc)
		printf("bridge %s already configured with port %s and hw-offload %s (unchanged)\n",
		       spec.bridge, spec.rep, spec.hw_offload ? "true" : "false");
	else if (!ewoe_opts.dry_run)
		printf("bridge %s configured with port %s and hw-offload %s\n", spec.bridge,
		       spec.rep, spec.hw_offload ? "true" : "false");
out:
	ovsdb_free(db);
	return ewoe_exit_code(rc);
}
