/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proving that tunnels are up, encrypted and offloaded, for `ewoe verify`, after setup, and
 * under `ewoe status` and `ewoe metrics`, which show the same verdicts another way.
 */
#ifndef EWOE_VERIFY_H
#define EWOE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "check.h"
#include "conf.h"
#include "ewoe.h"
#include "ike.h"
#include "opts.h"
#include "peer.h"

/*
 * Check every peer's SAs and policies in the kernel, its OVS and IKE side when those daemons
 * answer, and the PF MTU; print the table (or JSON with ewoe_opts.json) on stdout.
 * expect: packet, crypto or none must match exactly; auto accepts any offload on the PF.
 * Returns EXIT_OK, EXIT_PROBLEMS, or EXIT_FAIL when the kernel could not be read.
 */
int verify_peers(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		 enum ewoe_offload expect);

/* One tunnel checked: its lines are r->lines[r->peer_start..r->n), its verdict is *verdict. */
struct verify_tunnel {
	const struct ewoe_peer *peer;
	const struct check_verdict *verdict;
	const struct ike_status *ike; /* NULL when charon did not answer */
	const char *failure;	      /* the last IKE failure setup recorded for it, or NULL */
	time_t failure_when;
};

/*
 * The gathering verify, status and metrics share: one dump of the kernel's SAs and policies,
 * the node's links read once, one connection to each daemon and one listing of charon's SAs
 * for every peer; then the checks and verdict of each peer in turn, handed to the caller.
 */
struct verify_gather {
	/* After the node-wide lines (r->lines[0..r->n)), before the first peer's; may be NULL. */
	void (*node)(void *ctx, struct check_report *r);
	/*
	 * After each tunnel's lines and verdict. It may print the lines and forget them
	 * (check_report_forget_lines), which keeps memory at one peer's lines. 0, or -ENOMEM
	 * to stop (the report is then marked out of memory).
	 */
	int (*tunnel)(void *ctx, struct check_report *r, const struct verify_tunnel *t);
	void *ctx;
	/* Set by verify_gather(). */
	bool db_answered, ike_answered;
	const char *error; /* why nothing could be checked, when it returns <0 */
};

/*
 * Check the n peers into r (check_report_init'ed with the offload to expect). 0 when the
 * checks ran (r has the counts; r->oom when they were cut short), or a negative errno with
 * g->error set when nothing could be checked (the kernel could not be read); that is printed
 * on stderr only when the caller has no better place for it.
 */
int verify_gather(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		  struct check_report *r, struct verify_gather *g);

/*
 * Which tunnels verify, status and metrics look at: the peers of ewoe.conf (the default file
 * when it exists, or --config), or for a node set up by hand, --local and --remote. Each
 * command parses the shared peer and node options with these setters (VERIFY_TARGET_GROUPS
 * first in its groups), then its own; its own setter finds its context in the target's own.
 */
#define VERIFY_MAX_REMOTES 64

struct verify_target {
	/* From the options. */
	const char *config;
	const char *remotes[VERIFY_MAX_REMOTES];
	size_t n_remotes;
	struct ewoe_peer tmpl; /* --local, --name, --vni, --dst-port */
	struct ewoe_node node; /* --pf, --rep, --bridge */
	enum ewoe_offload expect;
	bool have_expect;
	void *own; /* the command's own options' context */
	/* From verify_target_parse(). */
	struct ewoe_config *cfg;     /* when the peers come from a config */
	struct ewoe_peer *peers;     /* the config's, or made from the options */
	struct ewoe_peer *own_peers; /* those made from the options, freed with the target */
	size_t n_peers;
	const char *node_pf, *node_rep; /* the PF and representor to check */
	enum ewoe_offload node_expect;
};

struct ewoe_opt;
int verify_target_set_peer(void *ctx, const struct ewoe_opt *o, const char *arg, char *why,
			   size_t len);
int verify_target_set_node(void *ctx, const struct ewoe_opt *o, const char *arg, char *why,
			   size_t len);
#define VERIFY_TARGET_GROUPS                                                                       \
	{ ewoe_peer_opts, verify_target_set_peer },                                                \
	{                                                                                          \
		ewoe_node_opts, verify_target_set_node                                             \
	}

/* What every one of the three says about its tunnels in its help. */
#define VERIFY_TARGET_HELP                                                                         \
	"Which tunnels: the peers of " EWOE_DEFAULT_CONFIG " (or --config FILE), or for a\n"       \
	"node set up by hand, --local and one --remote per peer.\n"

void verify_target_init(struct verify_target *t, void *own);
/* Every option, then the peers (the config's, or made of the options). */
enum ewoe_parse verify_target_parse(const struct ewoe_cmd *cmd, struct verify_target *t, int argc,
				    char **argv);
void verify_target_free(struct verify_target *t);

/*
 * Thousands of peers make megabytes of report. Into a pipe or a file, stdio buffers a block
 * (4 KiB): 64 KiB takes 16 times fewer write(2) calls. A terminal keeps its line buffering.
 * Call before anything is written.
 */
void verify_stdout_buffer(void);
/* Colour only on a terminal, without NO_COLOR, with a TERM that is not dumb. */
bool verify_use_color(void);

#endif
