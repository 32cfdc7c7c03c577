// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify's checker over a synthetic kernel table, no kernel and no daemons: N peers, each with
 * the 4 SAs and 4 out/in policies strongSwan installs for the seed's two children, as in the
 * lab's "verify at scale" run. It runs what verify_peers runs between the dumps and the exit
 * (check_xfrm per peer, the skipped daemon lines, each peer's table or JSON lines printed and
 * forgotten, the MTU line, the summary), so callgrind counts the instructions that are ours:
 *
 *   cc -O2 -g -Iinclude bench/verify-synthetic.c build/libewoe_core.a \
 *      $(pkg-config --libs libnl-xfrm-3.0 libmnl) -o build/verify-synthetic
 *   valgrind --tool=callgrind build/verify-synthetic 2500 >/dev/null
 *
 * Arguments: [peers (default 2500)] [json]. Exit 0 when every check passed.
 */
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ewoe.h"

#define PF_INDEX 7

static void host(struct ewoe_addr *a, uint32_t ip)
{
	a->family = AF_INET;
	a->v4.s_addr = htonl(ip);
}

static void sel(struct xfrm_sel_info *s, const struct ewoe_addr *src, const struct ewoe_addr *dst,
		uint16_t sport, uint16_t dport)
{
	s->family = AF_INET;
	s->saddr = *src;
	s->daddr = *dst;
	s->prefixlen_s = s->prefixlen_d = 32;
	s->proto = IPPROTO_UDP;
	s->sport = sport;
	s->sport_mask = sport ? 0xffff : 0;
	s->dport = dport;
	s->dport_mask = dport ? 0xffff : 0;
}

/* Child 1 carries local any -> remote 4789, child 2 remote any -> local 4789. */
static void add_tunnel(struct xfrm_table *t, const struct ewoe_peer *p, uint32_t reqid)
{
	for (int k = 0; k < 4; k++) {
		bool out = k == 0 || k == 3, port_on_dst = k < 2 ? out : !out;
		const struct ewoe_addr *src = out ? &p->local : &p->remote;
		const struct ewoe_addr *dst = out ? &p->remote : &p->local;
		uint16_t sport = port_on_dst ? 0 : p->dst_port,
			 dport = port_on_dst ? p->dst_port : 0;
		struct xfrm_sa_info *sa = &t->sa[t->n_sa++];
		struct xfrm_pol_info *pol = &t->pol[t->n_pol++];

		memset(sa, 0, sizeof(*sa));
		sa->src = *src;
		sa->dst = *dst;
		sa->spi = 0xc0000000u | (uint32_t)t->n_sa;
		sa->proto = IPPROTO_ESP;
		sa->mode = XFRM_MODE_TRANSPORT;
		sa->reqid = reqid + (port_on_dst == out ? 0 : 1);
		snprintf(sa->aead, sizeof(sa->aead), "%s", CHECK_AEAD);
		sa->aead_key_bits = 128;
		sa->aead_icv_bits = CHECK_ICV_BITS;
		sa->esn = true;
		/* strongSwan's transport-mode SAs select the two hosts only */
		sa->sel.family = AF_INET;
		sa->sel.saddr = *src;
		sa->sel.daddr = *dst;
		sa->sel.prefixlen_s = sa->sel.prefixlen_d = 32;

		memset(pol, 0, sizeof(*pol));
		pol->dir = out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
		pol->action = XFRM_POLICY_ALLOW;
		sel(&pol->sel, src, dst, sport, dport);
		pol->n_tmpl = 1;
		pol->tmpl.proto = IPPROTO_ESP;
		pol->tmpl.mode = XFRM_MODE_TRANSPORT;
		pol->tmpl.reqid = sa->reqid;
	}
}

static void print_lines(struct check_report *r, bool json, const struct check_widths *w)
{
	if (json)
		check_report_json_lines(r, stdout);
	else
		check_report_print_lines(r, stdout, false, w);
	check_report_forget_lines(r);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2500;
	bool json = argc > 2 && !strcmp(argv[2], "json");
	struct ewoe_peer *peers = calloc(n ? n : 1, sizeof(*peers));
	struct xfrm_table t = {
		.sa = calloc(4 * n + 1, sizeof(*t.sa)),
		.pol = calloc(4 * n + 1, sizeof(*t.pol)),
	};
	struct check_widths w = { 0 };
	struct check_index ix;
	struct check_report r;
	int rc;

	if (!peers || !t.sa || !t.pol)
		return EXIT_FAIL;
	for (size_t i = 0; i < n; i++) {
		ewoe_peer_init(&peers[i]);
		snprintf(peers[i].name, sizeof(peers[i].name), "peer%zu", i);
		host(&peers[i].local, 0xc0000201);		  /* 192.0.2.1 */
		host(&peers[i].remote, 0x0a000000 + (uint32_t)i); /* 10.0.0.0/8 */
		add_tunnel(&t, &peers[i], 2 * (uint32_t)i + 1);
	}

	if (check_index_build(&ix, &t))
		return EXIT_FAIL;
	check_report_init(&r, OFFLOAD_NONE);
	if (json) {
		check_report_json_begin(&r, stdout);
	} else {
		/* verify fits the columns to the peer names and port up front; these are fixed */
		w.peer = (int)strlen("peer") + snprintf(NULL, 0, "%zu", n ? n - 1 : 0);
		w.item = (int)strlen("policy out any->4789 offload");
		w.found = 48;
		check_report_print_header(stdout, &w);
	}
	for (size_t i = 0; i < n; i++) {
		struct check_expect e = { .peer = &peers[i],
					  .pf = "p0",
					  .pf_ifindex = PF_INDEX,
					  .offload = OFFLOAD_NONE };

		if (check_xfrm(&r, &e, &ix) || check_ovs(&r, &peers[i], "pf0hpf", NULL) ||
		    check_ike(&r, &peers[i], NULL))
			break;
		print_lines(&r, json, &w);
	}
	check_mtu(&r, "p0", 1550, "pf0hpf", 1500);
	print_lines(&r, json, &w);
	check_index_free(&ix);
	rc = check_report_exit(&r);
	if (json)
		check_report_json_end(&r, stdout);
	else
		check_report_print_summary(&r, stdout);
	fprintf(stderr, "%zu peers, %zu SAs: %zu ok, %zu failed, %zu skipped\n", n, t.n_sa, r.n_ok,
		r.n_fail, r.n_skip);
	check_report_free(&r);
	free(t.sa);
	free(t.pol);
	free(peers);
	return rc;
}
