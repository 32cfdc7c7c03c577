/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ewoe status` and `ewoe metrics`: verify's verdicts (include/verify.h) as one row per
 * tunnel, with what an operator watches (SAs, offload, traffic, ages, the last failure), and
 * the same rows as Prometheus metrics. Pure functions of the check report: no I/O but the
 * FILE they write to, so that the unit tests feed them hand-built reports.
 */
#ifndef EWOE_STATUS_H
#define EWOE_STATUS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "check.h"
#include "verify.h"

#define STATUS_SCHEMA "ewoe-status/1"

/*
 * A tunnel's state, worst first. verify's up and degraded are kept; its down is split in two:
 * guarded when nothing of the peer's VXLAN can pass in the clear because ewoe's guard blocks
 * it both ways (every guard check passed, the offload too where packet offload is expected),
 * down otherwise (the guard is missing or not what it must be, or VXLAN passes unencrypted).
 */
enum status_state { STATUS_DOWN, STATUS_GUARDED, STATUS_DEGRADED, STATUS_UP, STATUS_N };

struct status_row {
	size_t order;	/* the peer's place in the config: ties in the sort keep it */
	size_t verdict; /* its verdict: the check report's verdicts[verdict] */
	enum status_state state;
	bool critical; /* VXLAN to or from the peer passes unencrypted */
	int sas;       /* of the 4 a tunnel needs, in the kernel */
	int sas_extra; /* ESP SAs between its addresses that none of the 4 slots takes */
	/* The SAs' offload: "packet", "crypto", "none", "mixed"; "" with no SA */
	char offload[8];
	char offload_dev[IFNAMSIZ]; /* the device of the first offloaded SA, or "" */
	/* The lifetime counters of every SA of the tunnel now in the kernel, by direction. */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	bool ike_known;	  /* charon answered for it: the four below are set */
	bool ike_up;	  /* IKE_SA ESTABLISHED */
	int children;	  /* CHILD_SAs INSTALLED, of 2 */
	long ike_age_s;	  /* since the IKE_SA was established; -1 none */
	long child_age_s; /* since the newest CHILD_SA was installed; -1 none */
	size_t failed_checks;
	char *failure; /* the last IKE failure setup recorded (owned), or NULL */
	time_t failure_when;
};

/* The row of the tunnel just checked, from its lines in r; 0 or -ENOMEM. */
int status_row_make(struct status_row *row, size_t order, const struct check_report *r,
		    const struct verify_tunnel *t,
		    const char *(*ifname)(int ifindex, char buf[IFNAMSIZ]));
void status_row_free(struct status_row *row);

/* verify's verdict and the peer's guard lines (r->lines from r->peer_start) to a state. */
enum status_state status_state_of(const struct check_report *r, const struct check_verdict *v);
const char *status_state_name(enum status_state s); /* "down", "guarded", "degraded", "up" */

/* Worst first: unencrypted, down, guarded, degraded, up; the config's order within each. */
void status_sort(struct status_row *rows, size_t n);

/* "1.2MiB", "830B"; "12.3k", "830" for packets; "45s", "12m", "3h05m", "2d04h". */
void status_fmt_bytes(uint64_t v, char *buf, size_t len);
void status_fmt_count(uint64_t v, char *buf, size_t len);
void status_fmt_age(long s, char *buf, size_t len);

/*
 * The node-wide checks that failed (PF, representor, address, MTU), kept from the node's lines
 * before they are forgotten: status names them under the tunnels.
 */
#define STATUS_NODE_MAX 8
struct status_node {
	struct check_line failed[STATUS_NODE_MAX];
	size_t n;
};
void status_node_keep(struct status_node *node, const struct check_report *r);

/* The table: a header, one line per row (only rows not up when quiet), node failures, the
 * summary. now: for the ages of recorded failures. */
void status_print(FILE *f, const struct check_report *r, const struct status_row *rows, size_t n,
		  const struct status_node *node, time_t now, bool quiet, bool color);
/* The documented JSON (docs/status.md), one document. */
void status_json(FILE *f, const struct check_report *r, const struct status_row *rows, size_t n,
		 const struct status_node *node, time_t now);
/* The JSON for a run that could not check anything. */
void status_error_json(FILE *f, const char *error);
/* EXIT_OK when every tunnel is up and no node check failed, else EXIT_PROBLEMS; EXIT_FAIL
 * when the report was cut short. */
int status_exit(const struct check_report *r, const struct status_row *rows, size_t n,
		const struct status_node *node);

/* ---- the gathering both commands share (src/cmd_status.c) ---- */

struct status_run {
	struct check_report r; /* the counts and verdicts; the lines are dropped peer by peer */
	struct status_row *rows;
	size_t n;
	struct status_node node;
	bool db_answered, ike_answered;
	const char *error; /* why nothing could be checked */
};
/* verify's checks of the target's peers, as rows in the config's order. 0, or <0 with
 * run->error set when nothing could be checked; run->r.oom when cut short. */
int status_collect(const struct verify_target *t, struct status_run *run);
void status_run_free(struct status_run *run);

/* ---- metrics ---- */

/* One counter of /proc/net/xfrm_stat (the kernel's IPsec error counters). */
struct xfrm_stat_counter {
	char name[32]; /* "XfrmInNoStates" */
	uint64_t value;
};
#define XFRM_STAT_MAX 48

/* The file's "Name value" lines; the number parsed, or -EINVAL on a malformed line. */
int status_parse_xfrm_stat(const char *text, struct xfrm_stat_counter *out, size_t max);

struct metrics_input {
	const struct check_report *r;
	const struct status_row *rows;
	size_t n;
	const struct status_node *node;
	bool db_answered, ike_answered;
	const struct xfrm_stat_counter *xfrm;
	size_t n_xfrm; /* 0: the kernel keeps no such counters (no CONFIG_XFRM_STATISTICS) */
	bool setup_ok;
	time_t setup_ok_when;
	time_t now; /* for the timestamps of ages */
};

/* The Prometheus text exposition format (version 0.0.4), every family with HELP and TYPE. */
void status_metrics(FILE *f, const struct metrics_input *in);

#endif
