// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe: encrypt east-west VXLAN overlay traffic between BlueField DPUs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "lock.h"
#include "opts.h"
#include "privs.h"

static int cmd_help(int argc, char **argv);

/* In the order an operator meets them; `ewoe help` lists them so. */
const struct ewoe_cmd ewoe_commands[] = {
	{ "setup", cmd_setup, "converge this node to /etc/ewoe/ewoe.conf, then verify",
	  "[--config FILE] [node and peer options]", NULL, EWOE_CMD_LOCK, &setup_cli },
	{ "verify", cmd_verify,
	  "prove from the kernel that each tunnel is up, encrypted and offloaded",
	  "[--config FILE | --local IP --remote IP...] [options]", NULL, 0, &verify_cli },
	{ "status", cmd_status, "each tunnel at a glance: state, SAs, offload, traffic, ages",
	  "[--config FILE | --local IP --remote IP...] [options]", NULL, 0, &status_cli },
	{ "metrics", cmd_metrics, "the tunnels and IPsec counters as Prometheus metrics",
	  "[--config FILE | --local IP --remote IP...] [--output FILE]", NULL, 0, &metrics_cli },
	{ "teardown", cmd_teardown, "remove what ewoe set up on this node, or for one peer",
	  "[--config FILE] [--peer NAME] [--keep-bridge] [--revert-offload]", NULL, EWOE_CMD_LOCK,
	  &teardown_cli },
	{ "guard", cmd_guard, "block every peer's VXLAN unless it is ESP (boot, before OVS)",
	  "[--config FILE]", NULL, EWOE_CMD_LOCK, &guard_cli },
	{ "enable-offload", cmd_enable_offload,
	  "turn IPsec packet offload on or off in the DPU driver",
	  "[--mode packet|none] [--pf IFNAME] [--stop-ovs]", NULL, EWOE_CMD_LOCK,
	  &enable_offload_cli },
	{ "setup-bridge", cmd_setup_bridge,
	  "put the host representor on the OVS bridge, set OVS hw-offload",
	  "[--bridge NAME] [--rep PORT] [--offload packet|none] [--move] [--no-wait]", NULL,
	  EWOE_CMD_LOCK, &setup_bridge_cli },
	{ "tunnel", cmd_tunnel, "encrypted VXLAN tunnel to one peer (OVS + strongSwan)",
	  "psk|cert|ca [options]", tunnel_commands, EWOE_CMD_LOCK, NULL },
	{ "help", cmd_help, "show help for ewoe or one command", "[COMMAND [SUBCOMMAND]]", NULL, 0,
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL },
};

static const char global_usage[] =
    "Global options:\n"
    "  --db REMOTE        OVSDB remote (default unix:/var/run/openvswitch/db.sock)\n"
    "  --vici URI         strongSwan VICI socket (default unix:///var/run/charon.vici)\n"
    "  --root DIR         prefix for files and sysfs (default /)\n"
    "  --timeout SECONDS  wait at most this long for another ewoe on this node, for\n"
    "                     ovs-vswitchd and for IKE (default 30)\n"
    "  -n, --dry-run      print what would change, change nothing\n"
    "  -v, --verbose      debug output on stderr (repeat for daemon logs)\n"
    "  -q, --quiet        no progress output\n"
    "  --json             machine-readable output where a command has results\n"
    "  -V, --version      print the version\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage or invalid input (nothing changed),\n"
    "3 verify or status found problems.\n";

enum { OPT_DB = 256, OPT_VICI, OPT_ROOT, OPT_TIMEOUT, OPT_JSON };
static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "vici", required_argument, NULL, OPT_VICI },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ewoe [global options] <command> [options]\n\nCommands:\n");
	for (const struct ewoe_cmd *c = ewoe_commands; c->name; c++)
		fprintf(f, "  %-16s %s\n", c->name, c->summary);
	fprintf(f, "\n%s\nRun 'ewoe help <command>' for a command's options.\n", global_usage);
}

/*
 * The hidden `ewoe help --complete [COMMAND [SUBCOMMAND]]` the bash completion asks, a word
 * or an option (with its argument's name) a line: the commands and the global options, or
 * what the command takes, from the same tables its parser and --help use.
 */
static int complete(int argc, char **argv)
{
	const struct ewoe_cmd *c = argc > 1 ? ewoe_cmd_find(ewoe_commands, argv[1]) : NULL;

	if (argc > 1 && c && c->sub && argc > 2)
		c = ewoe_cmd_find(c->sub, argv[2]);
	if (argc > 1 && !c)
		return EXIT_USAGE;
	if (c) {
		ewoe_cli_complete(c, stdout);
		return EXIT_OK;
	}
	for (c = ewoe_commands; c->name; c++)
		printf("%s\n", c->name);
	for (const struct option *o = longopts; o->name; o++)
		printf("--%s%s\n", o->name,
		       !o->has_arg		  ? ""
		       : !strcmp(o->name, "root") ? " DIR"
						  : " ARG");
	return EXIT_OK;
}

/* `ewoe help CMD [SUB]` is `ewoe CMD [SUB] --help`: one text per command, never two. */
static int cmd_help(int argc, char **argv)
{
	const struct ewoe_cmd *c;
	char help_opt[] = "--help";
	char *sub_argv[4];
	int n = 0;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--complete"))
		return complete(argc - 1, argv + 1);
	c = ewoe_cmd_find(ewoe_commands, argv[1]);
	if (!c) {
		fprintf(stderr, "ewoe help: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c->run == cmd_help) {
		ewoe_cmd_usage(c, NULL, false);
		return EXIT_OK;
	}
	sub_argv[n++] = argv[1];
	if (argc > 2 && c->sub) {
		if (!ewoe_cmd_find(c->sub, argv[2])) {
			fprintf(stderr, "ewoe help: unknown subcommand '%s %s'\n", argv[1],
				argv[2]);
			ewoe_cmd_usage(c, NULL, true);
			return EXIT_USAGE;
		}
		sub_argv[n++] = argv[2];
	}
	sub_argv[n++] = help_opt;
	sub_argv[n] = NULL;
	optind = 0;
	return c->run(n, sub_argv);
}

/* `ewoe setup --help` answers at once, even while another ewoe holds the node's lock. */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct ewoe_cmd *cmd;
	int rc;
	unsigned long secs;
	int c;

	/* '+': stop at the command name; options after it belong to the command. */
	while ((c = getopt_long(argc, argv, "+nvqVh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			ewoe_opts.db = optarg;
			break;
		case OPT_VICI:
			ewoe_opts.vici = optarg;
			break;
		case OPT_ROOT:
			ewoe_opts.root = optarg;
			break;
		case OPT_TIMEOUT:
			if (ewoe_parse_uint(optarg, 1, 3600, &secs)) {
				fprintf(stderr, "ewoe: --timeout '%s': expected seconds, 1..3600\n",
					optarg);
				return EXIT_USAGE;
			}
			ewoe_opts.timeout_ms = (int)secs * 1000;
			break;
		case 'n':
			ewoe_opts.dry_run = true;
			break;
		case 'v':
			ewoe_opts.verbosity++;
			break;
		case 'q':
			ewoe_opts.verbosity = -1;
			break;
		case OPT_JSON:
			ewoe_opts.json = true;
			break;
		case 'V':
			printf("ewoe %s\n", EWOE_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ewoe: no command given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = ewoe_cmd_find(ewoe_commands, argv[optind]);
	if (!cmd) {
		fprintf(stderr, "ewoe: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	privs_drop();
	argc -= optind;
	argv += optind;
	optind = 0; /* rescan: each command runs its own getopt_long from argv[0] */
	if ((cmd->flags & EWOE_CMD_LOCK) && !ewoe_opts.dry_run && !asks_help(argc, argv) &&
	    lock_node(cmd->name, ewoe_opts.timeout_ms))
		return EXIT_FAIL;
	rc = cmd->run(argc, argv);
	lock_release();
	/* A report cut short by a full disk or a closed pipe must not exit 0. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "ewoe: error writing the output: %s\n", strerror(errno));
		if (rc == EXIT_OK || rc == EXIT_PROBLEMS)
			rc = EXIT_FAIL;
	}
	return rc;
}
