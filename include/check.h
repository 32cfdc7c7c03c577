/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verify checker: compares what was read from the kernel and the daemons with what one
 * tunnel needs, and turns each item into a verdict line. No I/O, so tests feed it directly.
 */
#ifndef EWOE_CHECK_H
#define EWOE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ike.h"
#include "ovsdb.h"
#include "peer.h"
#include "xfrm.h"

#define CHECK_AEAD     "rfc4106(gcm(aes))"
#define CHECK_ICV_BITS 128
#define CHECK_SCHEMA   "ewoe-verify/1"

enum check_status { CHECK_OK, CHECK_FAIL, CHECK_SKIP };

struct check_line {
	char peer[EWOE_PEER_NAME_MAX]; /* empty for node-wide items */
	const char *category;	       /* "sa", "policy", "guard", "ovs", "ike", "mtu" */
	char item[48];
	enum check_status status;
	char found[288];
	char expected[120];
	char fix[320]; /* empty when there is nothing to fix */
	bool has_sa;   /* an SA-presence line: the counters below are set */
	uint32_t spi;
	uint64_t packets, bytes;
};

struct check_report {
	struct check_line *lines;
	size_t n, cap;
	size_t n_ok, n_fail, n_skip;
	enum ewoe_offload expect;
	bool oom;
	size_t n_json; /* lines written as JSON so far: every later one needs a comma first */
};

struct check_expect {
	const struct ewoe_peer *peer;
	const char *pf;
	int pf_ifindex;		   /* 0 when the PF does not exist */
	enum ewoe_offload offload; /* OFFLOAD_AUTO accepts any kind on the PF */
	/* Names an interface in messages; NULL shows the index only. */
	const char *(*ifname)(int ifindex, char buf[IFNAMSIZ]);
};

void check_report_init(struct check_report *r, enum ewoe_offload expect);
void check_report_free(struct check_report *r);

/*
 * A table's SAs and policies sorted by their addresses, built once per verify: each tunnel's
 * are then found by binary search, not by scanning the whole table for every tunnel.
 */
struct check_index {
	const struct xfrm_table *t;
	/* Positions in the table's sa and pol arrays, 4 bytes an entry. */
	uint32_t *sa;  /* every SA by (src, dst), then table order */
	uint32_t *pol; /* policies between two hosts, by selector addresses */
	size_t n_sa, n_pol;
	uint32_t *pol_wide; /* the others (a subnet or any address), in table order */
	size_t n_pol_wide;
};

/* 0 or -ENOMEM; t must outlive the index. */
int check_index_build(struct check_index *ix, const struct xfrm_table *t);
void check_index_free(struct check_index *ix);

/* The four SAs and six policies of one tunnel, plus stale SAs between its addresses. */
int check_xfrm(struct check_report *r, const struct check_expect *e, const struct check_index *ix);
/* st NULL: OVSDB was not reachable, reported as skipped. */
int check_ovs(struct check_report *r, const struct ewoe_peer *p, const char *rep,
	      const struct ovsdb_tunnel_status *st);
/* st NULL: the IKE daemon was not reachable, reported as skipped. */
int check_ike(struct check_report *r, const struct ewoe_peer *p, const struct ike_status *st);
/* An MTU of 0 means the interface does not exist. */
int check_mtu(struct check_report *r, const char *pf, unsigned int pf_mtu, const char *rep,
	      unsigned int rep_mtu);

/* EXIT_OK, EXIT_PROBLEMS, or EXIT_FAIL when the report could not be built. */
int check_report_exit(const struct check_report *r);

void check_report_print(const struct check_report *r, FILE *f, bool color);

/*
 * The same table in pieces, for printing peer by peer: memory stays at one peer's lines
 * however many peers a node has. Column widths are fitted (grown) before the header.
 */
struct check_widths {
	int peer, item, found; /* 0: not fitted yet */
};
void check_widths_fit(struct check_widths *w, const struct check_report *r);
void check_report_print_header(FILE *f, const struct check_widths *w);
void check_report_print_lines(const struct check_report *r, FILE *f, bool color,
			      const struct check_widths *w);
void check_report_print_summary(const struct check_report *r, FILE *f);
/* Drop the lines (after printing them); the counts stay for the summary and exit status. */
void check_report_forget_lines(struct check_report *r);
/*
 * The documented JSON (docs/verify.md) in the same pieces: begin, each batch of lines (then
 * forget them), end. The summary and result come after the checks so that the document can
 * be written as the checks are made. After an out-of-memory, end closes it with result
 * "error".
 */
void check_report_json_begin(const struct check_report *r, FILE *f);
void check_report_json_lines(struct check_report *r, FILE *f);
void check_report_json_end(const struct check_report *r, FILE *f);
/* The JSON for a run that could not check anything. */
void check_error_json(FILE *f, const char *error);

#endif
