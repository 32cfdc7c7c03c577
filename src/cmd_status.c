// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe status: each tunnel at a glance, one line per peer, worst first. The verdicts are
 * verify's (verify_gather): status shows them with the SAs' counters, their offload, and the
 * ages of the IKE and CHILD_SAs, for a node with hundreds of peers and for a dashboard.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "status.h"
#include "verify.h"

static const char *ifname_of(int ifindex, char buf[IFNAMSIZ])
{
	return ifindex > 0 ? if_indextoname((unsigned int)ifindex, buf) : NULL;
}

/* The node's failed checks are kept; its lines, like each peer's, are dropped once read. */
static void keep_node(void *ctx, struct check_report *r)
{
	struct status_run *run = ctx;

	status_node_keep(&run->node, r);
	check_report_forget_lines(r);
}

static int keep_tunnel(void *ctx, struct check_report *r, const struct verify_tunnel *t)
{
	struct status_run *run = ctx;
	int err = status_row_make(&run->rows[run->n], run->n, r, t, ifname_of);

	/* A row made half-way still owns what it allocated: count it, so that it is freed. */
	run->n++;
	check_report_forget_lines(r);
	return err;
}

int status_collect(const struct verify_target *t, struct status_run *run)
{
	struct verify_gather g = { .node = keep_node, .tunnel = keep_tunnel, .ctx = run };
	int err;

	memset(run, 0, sizeof(*run));
	check_report_init(&run->r, t->node_expect);
	run->rows = calloc(t->n_peers ? t->n_peers : 1, sizeof(*run->rows));
	if (!run->rows) {
		ewoe_err("out of memory for %zu peers", t->n_peers);
		run->error = "out of memory";
		return -ENOMEM;
	}
	err = verify_gather(t->peers, t->n_peers, t->node_pf, t->node_rep, &run->r, &g);
	run->db_answered = g.db_answered;
	run->ike_answered = g.ike_answered;
	run->error = g.error;
	if (err)
		return err;
	status_sort(run->rows, run->n);
	return 0;
}

void status_run_free(struct status_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		status_row_free(&run->rows[i]);
	free(run->rows);
	check_report_free(&run->r);
	run->rows = NULL;
	run->n = 0;
}

static const char status_help[] = VERIFY_TARGET_HELP
    "\n"
    "One line per tunnel, worst first: its state (up, degraded, guarded: down but its VXLAN\n"
    "blocked both ways by ewoe's guard, down; CRITICAL when VXLAN passes unencrypted), the\n"
    "ESP SAs in the kernel of the 4 it needs, their offload and device, bytes/packets in and\n"
    "out from the SAs' counters, the ages of the IKE_SA and of the newest CHILD_SA, and for a\n"
    "tunnel that is not up, why (verify's root cause, with the last failure setup recorded).\n"
    "Then the node's failed checks and a summary. The verdicts are verify's; 'ewoe verify'\n"
    "shows the checks behind them and each fix. Exit 0 all up, 3 some not up, 1 could not\n"
    "check. --json: one document, schema " STATUS_SCHEMA " (docs/status.md).\n";

static const struct ewoe_opt_group status_groups[] = {
	VERIFY_TARGET_GROUPS,
	{ NULL, NULL },
};

const struct ewoe_cli status_cli = { status_groups, OPT_VERIFY, status_help, NULL };

int cmd_status(int argc, char **argv)
{
	const struct ewoe_cmd *cmd = ewoe_cmd_find(ewoe_commands, "status");
	struct verify_target t;
	struct status_run run;
	enum ewoe_parse parsed;
	int rc;

	verify_stdout_buffer();
	verify_target_init(&t, NULL);
	parsed = verify_target_parse(cmd, &t, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON) {
		rc = ewoe_parse_exit(parsed);
		verify_target_free(&t);
		return rc;
	}
	if (status_collect(&t, &run) < 0) {
		if (ewoe_opts.json)
			status_error_json(stdout, run.error);
		rc = EXIT_FAIL;
	} else {
		rc = status_exit(&run.r, run.rows, run.n, &run.node);
		if (rc == EXIT_FAIL)
			ewoe_err("status: out of memory");
		if (ewoe_opts.json)
			status_json(stdout, &run.r, run.rows, run.n, &run.node, time(NULL));
		else if (rc != EXIT_FAIL)
			status_print(stdout, &run.r, run.rows, run.n, &run.node, time(NULL),
				     ewoe_opts.verbosity < 0,
				     !ewoe_opts.json && verify_use_color());
	}
	status_run_free(&run);
	verify_target_free(&t);
	return rc;
}
