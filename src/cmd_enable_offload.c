// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe enable-offload: turn IPsec packet offload on (or off) on a BlueField Arm. */
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "offload.h"
#include "peer.h"

struct offload_req {
	const char *pf;
	bool packet; /* false: --mode none */
	bool stop_ovs;
};

static const char enable_offload_help[] =
    "  --mode packet|none  turn IPsec packet offload on (default) or off\n"
    "  --pf IFNAME         the uplink PF (default " EWOE_DEFAULT_PF ")\n"
    "  --stop-ovs          stop openvswitch around the driver restart even without a\n"
    "                      VXLAN device\n"
    "\n"
    "NVIDIA's BlueField driver: sets IPSEC_FULL_OFFLOAD in /etc/mellanox/mlnx-bf.conf and\n"
    "restarts the driver (openibd), stopping openvswitch and mlx-regex around it, only when\n"
    "the file or the driver differ from what is asked. Upstream kernels have no switch: it\n"
    "reports whether the PF offers esp-hw-offload and its eswitch mode.\n";

int cmd_enable_offload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "pf", required_argument, NULL, 'p' },
		{ "stop-ovs", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct offload_req req = { .pf = EWOE_DEFAULT_PF, .packet = true };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "packet"))
				req.packet = true;
			else if (!strcmp(optarg, "none"))
				req.packet = false;
			else
				return ewoe_usage_error(
				    self, "--mode '%s': expected packet or none", optarg);
			break;
		case 'p':
			req.pf = optarg;
			break;
		case 's':
			req.stop_ovs = true;
			break;
		case 'h':
			ewoe_cmd_usage(self, NULL, false);
			fputs(enable_offload_help, stdout);
			return EXIT_OK;
		default:
			return ewoe_usage_error(self, "unknown option");
		}
	}
	if (optind < argc)
		return ewoe_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (!ewoe_name_valid(req.pf, IFNAMSIZ - 1))
		return ewoe_usage_error(self, "--pf '%s': not an interface name", req.pf);

	return offload_apply(req.pf, req.packet, req.stop_ovs) < 0 ? EXIT_FAIL : EXIT_OK;
}
