// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe verify: prove from the kernel that each tunnel is up, encrypted and offloaded. The
 * gathering and the choice of tunnels (src/verify.c) are shared with `ewoe status` and
 * `ewoe metrics`: one checker, shown three ways; this file shows it as verify's table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "verify.h"

bool verify_use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

/* -v or --all: every check under every tunnel, not only what failed. */
static bool show_all;

/*
 * The table's columns, known before the first line: the widest peer name, and the widest
 * item (a policy's offload line, whose length depends on the VXLAN port).
 */
static void table_widths(struct check_widths *w, const struct ewoe_peer *peers, size_t n)
{
	struct check_report none = { 0 };
	char item[64];

	check_widths_fit(w, &none);
	w->found = 48;
	w->item = (int)strlen("link representor");
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(item, sizeof(item), "policy out any->%u offload",
				   (unsigned)peers[i].dst_port);

		if ((int)strlen(peers[i].name) > w->peer)
			w->peer = (int)strlen(peers[i].name);
		if (len > w->item)
			w->item = len;
	}
}

/* What verify prints as it goes. */
struct verify_print {
	struct check_widths w;
	bool color;
};

/*
 * The JSON, or one tunnel's headline and the checks under it, goes out peer by peer and the
 * lines are dropped once printed: memory stays at one peer's lines however many there are.
 * v is NULL for the node's own lines, printed only when one failed (or all are asked for).
 */
static void print_peer(struct check_report *r, const struct check_verdict *v,
		       const struct check_widths *w, bool color)
{
	bool failed = false;

	for (size_t i = 0; i < r->n && !failed; i++)
		failed = r->lines[i].status == CHECK_FAIL;
	if (ewoe_opts.json) {
		check_report_json_lines(r, stdout);
	} else if (v && (ewoe_opts.verbosity >= 0 || v->state != TUNNEL_UP)) {
		/* Quiet (the reconcile timer's setup): only what is wrong reaches the journal. */
		check_report_print_verdict(v, stdout, color, w);
		check_report_print_lines(r, stdout, color, w, show_all);
	} else if (!v && (failed || (show_all && ewoe_opts.verbosity >= 0))) {
		struct check_verdict node = { .peer = "(node)",
					      .state = failed ? TUNNEL_DOWN : TUNNEL_UP };

		snprintf(node.cause, sizeof(node.cause), "%s",
			 r->node_cause[0] ? r->node_cause
			 : failed	  ? "see below"
					  : "the node's links");
		snprintf(node.fix, sizeof(node.fix), "%s", r->node_fix);
		check_report_print_verdict(&node, stdout, color, w);
		check_report_print_lines(r, stdout, color, w, show_all);
	}
	check_report_forget_lines(r);
}

/* The document or the table begins once the kernel could be read: else one error document. */
static void print_node(void *ctx, struct check_report *r)
{
	struct verify_print *vp = ctx;

	if (ewoe_opts.json)
		check_report_json_begin(r, stdout);
	else if (ewoe_opts.verbosity >= 0)
		check_report_print_header(stdout, &vp->w);
	print_peer(r, NULL, &vp->w, vp->color);
}

static int print_tunnel(void *ctx, struct check_report *r, const struct verify_tunnel *t)
{
	struct verify_print *vp = ctx;

	print_peer(r, t->verdict, &vp->w, vp->color);
	return 0;
}

int verify_peers(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		 enum ewoe_offload expect)
{
	struct verify_print vp = { .color = !ewoe_opts.json && verify_use_color() };
	struct verify_gather g = { .node = print_node, .tunnel = print_tunnel, .ctx = &vp };
	struct check_report r;
	int rc;

	table_widths(&vp.w, peers, n);
	check_report_init(&r, expect);
	if (verify_gather(peers, n, pf, rep, &r, &g) < 0) {
		if (ewoe_opts.json)
			check_error_json(stdout, g.error);
		check_report_free(&r);
		return EXIT_FAIL;
	}
	rc = check_report_exit(&r);
	if (rc == EXIT_FAIL)
		ewoe_err("verify: out of memory");
	/* The document is begun: it ends with result "error" rather than a second document. */
	if (ewoe_opts.json)
		check_report_json_end(&r, stdout);
	else if (rc != EXIT_FAIL && (ewoe_opts.verbosity >= 0 || r.n_fail))
		check_report_print_summary(&r, stdout);
	check_report_free(&r);
	return rc;
}

static const char verify_help[] = VERIFY_TARGET_HELP
    "\n"
    "One line per tunnel: up, DEGRADED or DOWN with the root cause first, and its fix; a\n"
    "tunnel whose VXLAN would pass unencrypted is CRITICAL. Under a tunnel that is not up,\n"
    "the checks that failed: its 4 ESP SAs (transport mode, AES-GCM-128, 128-bit ICV, ESN,\n"
    "VXLAN selectors, offload on the PF), policies and guard, the route to the peer, the OVS\n"
    "port and the IKE_SA; and the node's PF, representor, underlay address and MTU.\n"
    "Exit 0 all up, 3 problems found, 1 could not check. --json prints every check and\n"
    "every verdict (docs/verify.md).\n";

void verify_stdout_buffer(void)
{
	static char buf[64 * 1024]; /* static: stdout uses it until exit flushes it */

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

static int set_verify(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	(void)ctx, (void)o, (void)arg, (void)why, (void)len;
	show_all = true; /* --all, its one option */
	return 0;
}

static const struct ewoe_opt verify_opts[] = {
	{ "all", NULL, "every check under every tunnel (also -v), not only failures", OPT_VERIFY,
	  0 },
	{ NULL, NULL, NULL, 0, 0 },
};

static const struct ewoe_opt_group verify_groups[] = {
	VERIFY_TARGET_GROUPS,
	{ verify_opts, set_verify },
	{ NULL, NULL },
};

const struct ewoe_cli verify_cli = { verify_groups, OPT_VERIFY, verify_help, NULL };

int cmd_verify(int argc, char **argv)
{
	const struct ewoe_cmd *cmd = ewoe_cmd_find(ewoe_commands, "verify");
	struct verify_target t;
	enum ewoe_parse parsed;
	int rc;

	verify_stdout_buffer(); /* before anything is written: setvbuf must come first */
	verify_target_init(&t, NULL);
	show_all = ewoe_opts.verbosity > 0;
	parsed = verify_target_parse(cmd, &t, argc, argv);
	rc = ewoe_parse_exit(parsed);
	if (parsed == EWOE_PARSE_GO_ON)
		rc = verify_peers(t.peers, t.n_peers, t.node_pf, t.node_rep, t.node_expect);
	verify_target_free(&t);
	return rc;
}
