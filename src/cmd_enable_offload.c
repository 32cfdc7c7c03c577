// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe enable-offload: turn IPsec packet offload on (or off) on a BlueField Arm. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "offload.h"
#include "opts.h"
#include "peer.h"

struct offload_req {
	const char *pf;
	bool packet; /* false: --mode none */
	bool stop_ovs;
};

static const char enable_offload_help[] =
    "NVIDIA's BlueField driver: sets IPSEC_FULL_OFFLOAD in /etc/mellanox/mlnx-bf.conf and\n"
    "restarts the driver (openibd), stopping openvswitch and mlx-regex around it, only when\n"
    "the file or the driver differ from what is asked. Upstream kernels have no switch: it\n"
    "reports whether the PF offers esp-hw-offload and its eswitch mode.\n";

enum { OPT_MODE, OPT_PF, OPT_STOP_OVS };

/* clang-format off */
static const struct ewoe_opt enable_offload_opts[] = {
	{ "mode", "packet|none", "turn IPsec packet offload on (default) or off", OPT_ALL, OPT_MODE },
	{ "pf", "IFNAME", "the uplink PF (default " EWOE_DEFAULT_PF ")", OPT_ALL, OPT_PF },
	{ "stop-ovs", NULL, "stop openvswitch around the driver restart even without a\nVXLAN device",
	  OPT_ALL, OPT_STOP_OVS },
	{ NULL, NULL, NULL, 0, 0 },
};
/* clang-format on */

static int set_opt(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct offload_req *req = ctx;

	switch (o->id) {
	case OPT_MODE:
		return ewoe_opt_packet_or_none(o, arg, &req->packet, why, len);
	case OPT_PF:
		req->pf = arg;
		break;
	default:
		req->stop_ovs = true;
	}
	return 0;
}

static const struct ewoe_opt_group enable_offload_groups[] = {
	{ enable_offload_opts, set_opt },
	{ NULL, NULL },
};

const struct ewoe_cli enable_offload_cli = { enable_offload_groups, OPT_ALL, enable_offload_help,
					     NULL };

int cmd_enable_offload(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct offload_req req = { .pf = EWOE_DEFAULT_PF, .packet = true };
	enum ewoe_parse parsed;
	int rc;

	parsed = ewoe_cli_parse(self, NULL, &req, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON)
		return ewoe_parse_exit(parsed);
	if (!ewoe_name_valid(req.pf, IFNAMSIZ - 1))
		return ewoe_usage_error(self, "--pf '%s': not an interface name", req.pf);

	rc = offload_apply(req.pf, req.packet, req.stop_ovs);
	return ewoe_exit_code(rc);
}
