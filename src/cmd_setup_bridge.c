// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe setup-bridge: the OVS bridge carrying the host representor, and OVS hardware offload. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "ovsdb.h"
#include "peer.h"

enum { OPT_BRIDGE, OPT_REP, OPT_OFFLOAD, OPT_MOVE, OPT_NO_WAIT };

/* clang-format off */
static const struct ewoe_opt setup_bridge_opts[] = {
	{ "bridge", "NAME", "the OVS bridge (default " EWOE_DEFAULT_BRIDGE ")", OPT_ALL, OPT_BRIDGE },
	{ "rep", "PORT", "host representor to put on it (default " EWOE_DEFAULT_REP ")", OPT_ALL, OPT_REP },
	{ "offload", "packet|none", "OVS other_config:hw-offload true or false (default packet);\n"
	  "a change takes effect when ovs-vswitchd restarts", OPT_ALL, OPT_OFFLOAD },
	{ "move", NULL, "take PORT off another bridge instead of refusing", OPT_ALL, OPT_MOVE },
	{ "no-wait", NULL, "do not wait for ovs-vswitchd to apply the change", OPT_ALL, OPT_NO_WAIT },
	{ NULL, NULL, NULL, 0, 0 },
};
/* clang-format on */

static int set_opt(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct ovsdb_bridge_spec *spec = ctx;
	bool packet;

	switch (o->id) {
	case OPT_BRIDGE:
		spec->bridge = arg;
		break;
	case OPT_REP:
		spec->rep = arg;
		break;
	case OPT_OFFLOAD:
		if (ewoe_opt_packet_or_none(o, arg, &packet, why, len))
			return -EINVAL;
		spec->hw_offload = packet;
		break;
	case OPT_MOVE:
		spec->move = true;
		break;
	default:
		spec->wait = false;
	}
	return 0;
}

static const struct ewoe_opt_group setup_bridge_groups[] = {
	{ setup_bridge_opts, set_opt },
	{ NULL, NULL },
};

const struct ewoe_cli setup_bridge_cli = { setup_bridge_groups, OPT_ALL, NULL, NULL };

int cmd_setup_bridge(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct ovsdb_bridge_spec spec = {
		.bridge = EWOE_DEFAULT_BRIDGE,
		.rep = EWOE_DEFAULT_REP,
		.hw_offload = 1,
		.wait = true,
	};
	struct ovsdb *db = NULL;
	enum ewoe_parse parsed;
	int rc;

	parsed = ewoe_cli_parse(self, NULL, &spec, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON)
		return ewoe_parse_exit(parsed);
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
	if (ewoe_opts.json) {
		const struct ewoe_json_field f[] = {
			{ "bridge", spec.bridge, false },	 { "rep", spec.rep, false },
			{ "hw_offload", NULL, spec.hw_offload }, { "changed", NULL, rc > 0 },
			{ "dry_run", NULL, ewoe_opts.dry_run },
		};

		ewoe_json_result(f, sizeof(f) / sizeof(f[0]));
	} else if (!rc) {
		ewoe_report("bridge %s already configured with port %s and hw-offload %s "
			    "(unchanged)",
			    spec.bridge, spec.rep, spec.hw_offload ? "true" : "false");
	} else if (!ewoe_opts.dry_run) {
		ewoe_change(EWOE_CHANGED, "ovs-bridge", spec.bridge,
			    "bridge %s configured with port %s and hw-offload %s", spec.bridge,
			    spec.rep, spec.hw_offload ? "true" : "false");
	}
out:
	ovsdb_free(db);
	return ewoe_exit_code(rc);
}
