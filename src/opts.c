// SPDX-License-Identifier: GPL-2.0-or-later
/* The option tables every command parses, prints and completes from (include/opts.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "peer.h"

#define HELP_COLUMN 26

/* clang-format off */
const struct ewoe_opt ewoe_peer_opts[] = {
	{ "local", "ADDR", "this DPU's PF (underlay) address", OPT_TUNNEL | OPT_VERIFY, 0 },
	{ "remote", "ADDR", "the peer DPU's PF (underlay) address", OPT_TUNNEL | OPT_SETUP | OPT_VERIFY, 0 },
	{ "name", "NAME", "the peer's name: strongSwan connection ewoe-NAME (default:\nthe VXLAN interface's name)",
	  OPT_TUNNEL | OPT_SETUP | OPT_VERIFY, 0 },
	{ "interface", "IFNAME", "the OVS VXLAN interface (default: vx and the peer's address)",
	  OPT_TUNNEL | OPT_SETUP, 0 },
	{ "auth", "psk|cert|ca", "how the peer authenticates", OPT_SETUP, 0 },
	{ "psk-file", "FILE", "the pre-shared key (file mode 0600), or - to read it from stdin",
	  OPT_TUNNEL_PSK | OPT_SETUP, 0 },
	{ "cert", "FILE", "this DPU's certificate", OPT_TUNNEL_CERT | OPT_TUNNEL_CA | OPT_SETUP, 0 },
	{ "key", "FILE", "this DPU's private key", OPT_TUNNEL_CERT | OPT_TUNNEL_CA | OPT_SETUP, 0 },
	{ "peer-cert", "FILE", "the peer DPU's self-signed certificate", OPT_TUNNEL_CERT | OPT_SETUP, 0 },
	{ "ca", "FILE", "the CA certificate both DPUs' certificates chain to", OPT_TUNNEL_CA | OPT_SETUP, 0 },
	{ "remote-name", "ID", "the peer's identity: its certificate's subject or a SAN",
	  OPT_TUNNEL_CA | OPT_SETUP, 0 },
	{ "vni", "N", "the VXLAN network identifier, 0..16777215 (default 100)",
	  OPT_TUNNEL | OPT_SETUP | OPT_VERIFY, 0 },
	{ "dst-port", "PORT", "the VXLAN UDP port (default 4789)", OPT_TUNNEL | OPT_SETUP | OPT_VERIFY, 0 },
	{ "role", "initiator|responder|auto", "who starts IKE (default auto: the side with the lower\naddress)",
	  OPT_TUNNEL | OPT_SETUP, 0 },
	{ "ike-proposal", "P", "the IKE proposal, in swanctl.conf's syntax", OPT_TUNNEL | OPT_SETUP, 0 },
	{ "esp-proposal", "P", "the ESP proposal, in swanctl.conf's syntax", OPT_TUNNEL | OPT_SETUP, 0 },
	{ "rekey-packets", "N", "rekey the ESP SAs after N packets (byte lifetimes break\npacket offload)",
	  OPT_TUNNEL | OPT_SETUP, 0 },
	/* Refused by ewoe_peer_set() with the reason, rather than as unknown options. */
	{ "psk", "SECRET", NULL, OPT_TUNNEL | OPT_SETUP, 0 },
	{ "rekey-bytes", "N", NULL, OPT_TUNNEL | OPT_SETUP, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

const struct ewoe_opt ewoe_node_opts[] = {
	{ "config", "FILE", "the node and its peers (default " EWOE_DEFAULT_CONFIG ")",
	  OPT_SETUP | OPT_TEARDOWN | OPT_VERIFY | OPT_GUARD, 0 },
	{ "pf", "IFNAME", "the uplink PF (default " EWOE_DEFAULT_PF ")", OPT_SETUP | OPT_TEARDOWN | OPT_VERIFY, 0 },
	{ "rep", "IFNAME", "the host representor (default " EWOE_DEFAULT_REP ")", OPT_SETUP | OPT_VERIFY, 0 },
	{ "bridge", "NAME", "the OVS bridge (default " EWOE_DEFAULT_BRIDGE ")",
	  OPT_SETUP | OPT_TEARDOWN | OPT_VERIFY | OPT_TUNNEL, 0 },
	{ "address", "IP/LEN", "the PF's underlay address and prefix length", OPT_SETUP, 0 },
	{ "offload", "packet|crypto|auto|none", "IPsec offload of the ESP SAs (default packet; packet and\n"
	  "crypto need strongSwan 5.9.10 or later)", OPT_SETUP | OPT_TUNNEL, 0 },
	{ "expect-offload", "packet|crypto|none", "the offload every SA must have (default: the config's,\nor packet)",
	  OPT_VERIFY, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};
/* clang-format on */

static const struct ewoe_opt help_opt = { "help", NULL, "this help", OPT_ALL, 'h' };
/* The command's help: its usage line, every option it takes, then its tail. */
static void cli_help(const struct ewoe_cmd *cmd, const char *parent, FILE *f);

int ewoe_parse_exit(enum ewoe_parse r)
{
	return r == EWOE_PARSE_DONE ? EXIT_OK : r == EWOE_PARSE_FAIL ? EXIT_FAIL : EXIT_USAGE;
}

static bool takes(const struct ewoe_cli *cli, const struct ewoe_opt *o)
{
	return o->help && (o->only & cli->mask);
}

/* Where an option name is found first among the groups: the one this command takes wins. */
struct opt_ref {
	const struct ewoe_opt_group *group;
	const struct ewoe_opt *opt;
};

static size_t collect(const struct ewoe_cli *cli, struct opt_ref *refs, size_t max)
{
	size_t n = 0;

	for (const struct ewoe_opt_group *g = cli->groups; g->opts; g++) {
		for (const struct ewoe_opt *o = g->opts; o->name; o++) {
			size_t i;

			for (i = 0; i < n && strcmp(refs[i].opt->name, o->name); i++)
				;
			if (i < n && (refs[i].opt->only & cli->mask))
				continue;
			if (i == n && n == max)
				continue;
			refs[i].group = g;
			refs[i].opt = o;
			n += i == n;
		}
	}
	return n;
}

static size_t count(const struct ewoe_cli *cli)
{
	size_t n = 0;

	for (const struct ewoe_opt_group *g = cli->groups; g->opts; g++)
		for (const struct ewoe_opt *o = g->opts; o->name; o++)
			n++;
	return n;
}

static void vcli_error(const struct ewoe_cmd *cmd, const char *parent, const char *fmt, va_list ap)
{
	fprintf(stderr, "ewoe %s%s%s: ", parent ? parent : "", parent ? " " : "", cmd->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	ewoe_cmd_usage(cmd, parent, true);
}

enum ewoe_parse ewoe_cli_error(const struct ewoe_cmd *cmd, const char *parent, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcli_error(cmd, parent, fmt, ap);
	va_end(ap);
	return EWOE_PARSE_USAGE;
}

static enum ewoe_parse set_one(const struct ewoe_cmd *cmd, const char *parent, void *ctx,
			       const struct opt_ref *ref, const char *arg)
{
	const struct ewoe_cli *cli = cmd->cli;
	char why[256];
	int err;

	if (!(ref->opt->only & cli->mask))
		return ewoe_cli_error(cmd, parent, "option --%s does not apply to %s%s%s",
				      ref->opt->name, parent ? parent : "", parent ? " " : "",
				      cmd->name);
	why[0] = '\0';
	err = ref->group->set(ctx, ref->opt, arg, why, sizeof(why));
	if (err == -ENOMEM) {
		ewoe_err("%s: out of memory", cmd->name);
		return EWOE_PARSE_FAIL;
	}
	if (err)
		return ewoe_cli_error(cmd, parent, "--%s", why);
	return EWOE_PARSE_GO_ON;
}

static enum ewoe_parse parse_refs(const struct ewoe_cmd *cmd, const char *parent, void *ctx,
				  int argc, char **argv, const struct opt_ref *refs, size_t n,
				  struct option *longopts)
{
	int c;

	for (size_t i = 0; i < n; i++) {
		longopts[i].name = refs[i].opt->name;
		longopts[i].has_arg = refs[i].opt->arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 256 + (int)i;
	}
	longopts[n] = (struct option){ help_opt.name, no_argument, NULL, 'h' };
	longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		enum ewoe_parse r;

		if (c == 'h') {
			cli_help(cmd, parent, stdout);
			return EWOE_PARSE_DONE;
		}
		if (c < 256 || c >= 256 + (int)n)
			return ewoe_cli_error(cmd, parent, "unknown option");
		r = set_one(cmd, parent, ctx, &refs[c - 256], optarg);
		if (r != EWOE_PARSE_GO_ON)
			return r;
	}
	if (optind < argc)
		return ewoe_cli_error(cmd, parent, "unexpected argument '%s'", argv[optind]);
	return cmd->cli->check ? cmd->cli->check(ctx, parent, cmd) : EWOE_PARSE_GO_ON;
}

enum ewoe_parse ewoe_cli_parse(const struct ewoe_cmd *cmd, const char *parent, void *ctx, int argc,
			       char **argv)
{
	size_t max = count(cmd->cli), n;
	struct opt_ref *refs = calloc(max + 1, sizeof(*refs));
	struct option *longopts = calloc(max + 2, sizeof(*longopts));
	enum ewoe_parse r = EWOE_PARSE_FAIL;

	if (!refs || !longopts) {
		ewoe_err("%s: out of memory", cmd->name);
		goto out;
	}
	n = collect(cmd->cli, refs, max);
	r = parse_refs(cmd, parent, ctx, argc, argv, refs, n, longopts);
out:
	free(refs);
	free(longopts);
	return r;
}

static void help_line(FILE *f, const struct ewoe_opt *o)
{
	int len = fprintf(f, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");

	for (const char *line = o->help; line;) {
		const char *nl = strchr(line, '\n');

		if (len >= HELP_COLUMN) {
			fputc('\n', f);
			len = 0;
		}
		fprintf(f, "%*s%.*s", HELP_COLUMN - len, "",
			nl ? (int)(nl - line) : (int)strlen(line), line);
		len = HELP_COLUMN; /* a continuation starts on a line of its own */
		line = nl ? nl + 1 : NULL;
	}
	fputc('\n', f);
}

/* Each option this command takes once, in the order of its tables. */
static void each_taken(const struct ewoe_cli *cli, FILE *f,
		       void (*fn)(FILE *f, const struct ewoe_opt *o))
{
	for (const struct ewoe_opt_group *g = cli->groups; g->opts; g++) {
		for (const struct ewoe_opt *o = g->opts; o->name; o++) {
			bool earlier = false;

			if (!takes(cli, o))
				continue;
			for (const struct ewoe_opt_group *h = cli->groups; h <= g && !earlier; h++)
				for (const struct ewoe_opt *e = h->opts; e->name && e != o; e++)
					earlier |= takes(cli, e) && !strcmp(e->name, o->name);
			if (!earlier)
				fn(f, o);
		}
	}
}

static void cli_help(const struct ewoe_cmd *cmd, const char *parent, FILE *f)
{
	ewoe_cmd_usage(cmd, parent, f == stderr);
	if (!cmd->cli)
		return;
	fputs("\nOptions:\n", f);
	each_taken(cmd->cli, f, help_line);
	help_line(f, &help_opt);
	if (cmd->cli->tail)
		fprintf(f, "\n%s", cmd->cli->tail);
}

static void complete_line(FILE *f, const struct ewoe_opt *o)
{
	fprintf(f, "--%s%s%s\n", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void ewoe_cli_complete(const struct ewoe_cmd *cmd, FILE *f)
{
	for (const struct ewoe_cmd *s = cmd->sub; s && s->name; s++)
		fprintf(f, "%s\n", s->name);
	if (cmd->cli)
		each_taken(cmd->cli, f, complete_line);
	complete_line(f, &help_opt);
}

int ewoe_peer_opt_set(struct ewoe_peer *p, const char *key, const char *value, char *why,
		      size_t why_len)
{
	if (!strcmp(key, "local")) {
		if (ewoe_addr_parse(value, &p->local)) {
			snprintf(why, why_len, "local '%s' is not an IPv4 or IPv6 address", value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "name")) {
		if (!ewoe_name_valid(value, EWOE_PEER_NAME_MAX - 1)) {
			snprintf(why, why_len,
				 "name '%s' is invalid: use 1-%d of A-Z a-z 0-9 _ . -", value,
				 EWOE_PEER_NAME_MAX - 1);
			return -EINVAL;
		}
		snprintf(p->name, sizeof(p->name), "%s", value);
		return 0;
	}
	return ewoe_peer_set(p, key, value, why, why_len);
}

int ewoe_opt_packet_or_none(const struct ewoe_opt *o, const char *arg, bool *packet, char *why,
			    size_t why_len)
{
	if (strcmp(arg, "packet") && strcmp(arg, "none")) {
		snprintf(why, why_len, "%s '%s' is not one of packet, none", o->name, arg);
		return -EINVAL;
	}
	*packet = !strcmp(arg, "packet");
	return 0;
}
