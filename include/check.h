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

#include "daemon_status.h"
#include "peer.h"
#include "xfrm.h"

#define CHECK_AEAD     "rfc4106(gcm(aes))"
#define CHECK_ICV_BITS 128
#define CHECK_SCHEMA   "ewoe-verify/2"

enum check_status { CHECK_OK, CHECK_FAIL, CHECK_SKIP };

/* What a line is about, where a tunnel's verdict needs to know more than its category. */
enum check_kind {
	KIND_OTHER,
	KIND_SA_MISSING,
	KIND_SA_EXTRA,
	KIND_POLICY_MISSING,	       /* a return leg's (from the VXLAN port) */
	KIND_VXLAN_OUT_POLICY_MISSING, /* the out policy VXLAN to the peer needs */
	KIND_VXLAN_IN_POLICY_MISSING,  /* the in policy VXLAN from the peer needs */
	KIND_GUARD_OUT_MISSING,
	KIND_GUARD_IN_MISSING,
	KIND_OVS_DOWN,
	KIND_OVS_TUNNEL, /* the bridge, the representor on it, the VXLAN port */
	KIND_IKE_DOWN,
	KIND_IKE_CONN,
	KIND_IKE_SA,
	KIND_IKE_CHILDREN,
	KIND_LINK, /* the PF, the representor, the underlay address, the route */
};

enum tunnel_state { TUNNEL_UP, TUNNEL_DEGRADED, TUNNEL_DOWN };

struct check_line {
	char peer[EWOE_PEER_NAME_MAX]; /* empty for node-wide items */
	const char *category;	       /* "sa", "policy", "guard", "ovs", "ike", "mtu" */
	char item[48];
	enum check_status status;
	char found[288];
	char expected[120];
	char fix[320]; /* empty when there is nothing to fix */
	enum check_kind kind;
	bool critical; /* VXLAN passes unencrypted because of it: reported first */
	bool has_sa;   /* an SA-presence line: the counters below are set */
	uint32_t spi;
	uint64_t packets, bytes;
	/* has_sa: the SA itself (direction, offload), valid while the xfrm table checked is */
	const struct xfrm_sa_info *sa;
};

/* One tunnel's state, and the root cause first: what a person reads before any check. */
struct check_verdict {
	char peer[EWOE_PEER_NAME_MAX];
	char remote[INET6_ADDRSTRLEN];
	enum tunnel_state state;
	bool critical;
	char cause[512];
	char fix[320];
};

struct check_report {
	struct check_line *lines;
	size_t n, cap;
	size_t n_ok, n_fail, n_skip, n_critical;
	size_t peer_start; /* the current peer's first line, from check_peer_begin() */
	struct check_verdict *verdicts;
	size_t n_verdicts, cap_verdicts;
	size_t n_state[3];    /* tunnels up, degraded, down */
	char node_cause[200]; /* the first node-wide failure (PF, representor, address), or "" */
	char node_fix[320];
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

/* Each peer's lines start here; its verdict is made from them. */
void check_peer_begin(struct check_report *r);

/* What the node offers every tunnel: its PF and representor, read once per verify. */
struct check_node {
	const char *pf, *rep;
	int pf_ifindex;		/* 0: no such interface */
	bool pf_up, pf_carrier; /* administratively up; lower layer up */
	bool rep_exists, rep_up;
	int pf_mtu, rep_mtu;
	const struct ewoe_addr *address; /* the underlay address the tunnels use */
	int address_on_pf;		 /* 1 yes, 0 no, <0 could not tell */
	const char *vici, *db;		 /* where the daemons were asked */
};
/* The node-wide lines (peer "-"): PF up with carrier, representor up, the PF's address. */
int check_node_links(struct check_report *r, const struct check_node *n);
/* The route to the peer leaves through the PF (oif: the kernel's answer, 0 no route). */
int check_route(struct check_report *r, const struct ewoe_peer *p, const struct check_node *n,
		int oif, const char *(*ifname)(int ifindex, char buf[IFNAMSIZ]));

/*
 * The verdict of the peer begun last, from its lines and the node's: the root cause first
 * (critical plaintext, a daemon down, a link, the OVS port, IKE with the last failure ewoe
 * recorded for it, SAs or policies removed behind charon), consequences left in the lines.
 * last_failure may be NULL. Marks the lines of a plaintext path critical. 0 or -ENOMEM.
 */
int check_tunnel_verdict(struct check_report *r, const struct ewoe_peer *p,
			 const struct check_node *n, const char *last_failure, long failure_age_s);

/* The four SAs and six policies of one tunnel, plus stale SAs between its addresses. */
int check_xfrm(struct check_report *r, const struct check_expect *e, const struct check_index *ix);
/* st NULL: OVSDB did not answer at db, a failure (the tunnel cannot be checked or changed). */
int check_ovs(struct check_report *r, const struct ewoe_peer *p, const char *rep,
	      const struct ovsdb_tunnel_status *st, const char *db);
/* st NULL: the IKE daemon did not answer at vici, a failure. */
int check_ike(struct check_report *r, const struct ewoe_peer *p, const struct ike_status *st,
	      const char *vici);
/* An MTU of 0 means the interface does not exist; family is the underlay's. */
int check_mtu(struct check_report *r, const char *pf, unsigned int pf_mtu, const char *rep,
	      unsigned int rep_mtu, int family);

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
/* A tunnel's headline (state, remote, cause) and, when it is not up, its fix. */
void check_report_print_verdict(const struct check_verdict *v, FILE *f, bool color,
				const struct check_widths *w);
/* The lines under it: the failed ones, or all. */
void check_report_print_lines(const struct check_report *r, FILE *f, bool color,
			      const struct check_widths *w, bool all);
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
