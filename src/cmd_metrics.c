// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe metrics: the status of every tunnel, the kernel's IPsec error counters and ewoe's own
 * as Prometheus metrics (text exposition format), on stdout or written whole to a file for
 * node_exporter's textfile collector (ewoe-metrics.timer refreshes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ewoe.h"
#include "log.h"
#include "opts.h"
#include "platform.h"
#include "state.h"
#include "status.h"
#include "verify.h"

/* Under --root for tests; otherwise this network namespace's own (/proc/net is per netns). */
#define XFRM_STAT "proc/net/xfrm_stat"
/* Some 30 counters of a line each: anything far larger is not the kernel's file. */
#define XFRM_STAT_FILE_MAX (64 * 1024)

/* The kernel's IPsec error counters; none when it keeps none (no CONFIG_XFRM_STATISTICS). */
static size_t read_xfrm_stat(struct xfrm_stat_counter *out, size_t max)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	int fd, n, err;

	if (platform_path(path, sizeof(path), XFRM_STAT))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ewoe_debug("no IPsec error counters: %s: %s", path, strerror(errno));
		return 0;
	}
	/* procfs hands a file out a page at a time and tells no size: read to the end. */
	err = platform_read_fd(fd, XFRM_STAT_FILE_MAX, &text, &len);
	close(fd);
	if (err) {
		ewoe_warn("cannot read %s: %s; the metrics go without the kernel's IPsec error "
			  "counters",
			  path, strerror(-err));
		return 0;
	}
	n = status_parse_xfrm_stat(text, out, max);
	free(text);
	if (n < 0) {
		ewoe_warn("%s is not what Linux writes there; the metrics go without it", path);
		return 0;
	}
	return (size_t)n;
}

/* The whole text first: the file is replaced at once, never seen half-written. */
static int write_output(const char *path, const struct metrics_input *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f) {
		ewoe_err("metrics: out of memory");
		return -ENOMEM;
	}
	status_metrics(f, in);
	if (fclose(f)) {
		free(buf);
		ewoe_err("metrics: out of memory");
		return -ENOMEM;
	}
	/* 0644: node_exporter reads it as its own user. */
	err = platform_write_file(path, buf, len, 0644);
	free(buf);
	if (!err)
		ewoe_debug("wrote %zu bytes of metrics to %s", len, path);
	return err;
}

static const char metrics_help[] = VERIFY_TARGET_HELP
    "\n"
    "Per tunnel: up, state (up, degraded, guarded, down), unencrypted, ESP SAs installed,\n"
    "offload mode and device, CHILD_SAs, when the IKE_SA was established and the newest\n"
    "CHILD_SA installed, the last IKE failure, failed checks, and the SAs' byte and packet\n"
    "counters; for the node, the kernel's IPsec error counters (/proc/net/xfrm_stat), the\n"
    "daemons, failed checks and the last successful setup (docs/status.md).\n"
    "Exit 0 when the metrics were written, whatever the tunnels' state; 1 when nothing could\n"
    "be checked or written.\n";

static int set_output(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	const struct verify_target *t = ctx;

	(void)o;
	if (!*arg) {
		snprintf(why, len, "output needs a file name");
		return -EINVAL;
	}
	*(const char **)t->own = arg;
	return 0;
}

static const struct ewoe_opt metrics_opts[] = {
	{ "output", "FILE",
	  "write FILE whole (a temporary file renamed over it) instead of\n"
	  "stdout, for node_exporter's textfile collector (*.prom)",
	  OPT_VERIFY, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

static const struct ewoe_opt_group metrics_groups[] = {
	VERIFY_TARGET_GROUPS,
	{ metrics_opts, set_output },
	{ NULL, NULL },
};

static enum ewoe_parse no_json(void *ctx, const char *parent, const struct ewoe_cmd *cmd)
{
	(void)ctx;
	if (ewoe_opts.json)
		return ewoe_cli_error(cmd, parent,
				      "metrics are Prometheus' text format; --json does not apply "
				      "(ewoe --json status is the JSON)");
	return EWOE_PARSE_GO_ON;
}

const struct ewoe_cli metrics_cli = { metrics_groups, OPT_VERIFY, metrics_help, no_json };

int cmd_metrics(int argc, char **argv)
{
	const struct ewoe_cmd *cmd = ewoe_cmd_find(ewoe_commands, "metrics");
	struct xfrm_stat_counter xfrm[XFRM_STAT_MAX];
	struct metrics_input in = { 0 };
	const char *output = NULL;
	struct verify_target t;
	struct status_run run;
	enum ewoe_parse parsed;
	int rc;

	verify_stdout_buffer();
	verify_target_init(&t, &output);
	parsed = verify_target_parse(cmd, &t, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON) {
		rc = ewoe_parse_exit(parsed);
		verify_target_free(&t);
		return rc;
	}
	if (status_collect(&t, &run) < 0 || run.r.oom) {
		/* A file left as it was is stale, which node_textfile_mtime_seconds shows. */
		if (run.r.oom)
			ewoe_err("metrics: out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	in.r = &run.r;
	in.rows = run.rows;
	in.n = run.n;
	in.node = &run.node;
	in.db_answered = run.db_answered;
	in.ike_answered = run.ike_answered;
	in.xfrm = xfrm;
	in.n_xfrm = read_xfrm_stat(xfrm, XFRM_STAT_MAX);
	in.setup_ok = state_setup_ok_get(&in.setup_ok_when) == 1;
	in.now = time(NULL);
	if (output) {
		rc = write_output(output, &in) ? EXIT_FAIL : EXIT_OK;
	} else {
		status_metrics(stdout, &in);
		rc = EXIT_OK;
	}
out:
	status_run_free(&run);
	verify_target_free(&t);
	return rc;
}
