// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verify checker fed with netlink messages built by hand to the kernel UAPI, as a dump
 * would deliver them, parsed by the same functions verify uses on the kernel's answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "check.h"
#include "ewoe.h"
#include "xfrm.h"

#define LOCAL	   "192.0.2.1"
#define REMOTE	   "198.51.100.2"
#define OTHER	   "203.0.113.9"
#define PORT	   4789
#define PF_INDEX   7
#define PKT	   EWOE_XFRM_OFFLOAD_PACKET
#define NO_OFFLOAD (-1)

struct sa_spec {
	const char *src, *dst;
	uint32_t spi, reqid;
	uint8_t proto, mode;
	const char *aead;
	unsigned int icv_bits;
	bool esn;
	uint16_t sport, dport; /* 0: any */
	int offload;	       /* flags, or NO_OFFLOAD */
	int ifindex;
	uint64_t packets;
	bool hosts_only; /* selector without protocol and ports, as strongSwan installs */
};

struct pol_spec {
	uint8_t dir;
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t reqid;
	int offload;
	bool no_tmpl;
	bool guard; /* ewoe's own block policy, as xfrm_guard_request() builds it */
};

static void put_addr(const char *s, xfrm_address_t *a)
{
	assert_int_equal(inet_pton(AF_INET, s, &a->a4), 1);
}

static void fill_sel(struct xfrm_selector *sel, const char *src, const char *dst, uint16_t sport,
		     uint16_t dport)
{
	sel->family = AF_INET;
	put_addr(src, &sel->saddr);
	put_addr(dst, &sel->daddr);
	sel->prefixlen_s = 32;
	sel->prefixlen_d = 32;
	sel->proto = IPPROTO_UDP;
	sel->sport = htons(sport);
	sel->sport_mask = sport ? 0xffff : 0;
	sel->dport = htons(dport);
	sel->dport_mask = dport ? 0xffff : 0;
}

static void put_offload(struct nlmsghdr *nlh, int flags, int ifindex)
{
	struct xfrm_user_offload o = { .ifindex = ifindex, .flags = (uint8_t)flags };

	if (flags != NO_OFFLOAD)
		mnl_attr_put(nlh, XFRMA_OFFLOAD_DEV, sizeof(o), &o);
}

static struct nlmsghdr *build_sa(char *buf, const struct sa_spec *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_info info = { 0 };
	struct {
		struct xfrm_algo_aead alg;
		uint8_t key[20];
	} aead = { 0 };

	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_MULTI;
	fill_sel(&info.sel, s->src, s->dst, s->sport, s->dport);
	if (s->hosts_only)
		info.sel.proto = 0;
	put_addr(s->dst, &info.id.daddr);
	info.id.spi = htonl(s->spi);
	info.id.proto = s->proto;
	put_addr(s->src, &info.saddr);
	info.family = AF_INET;
	info.mode = s->mode;
	info.reqid = s->reqid;
	info.replay_window = 0;
	info.flags = s->esn ? XFRM_STATE_ESN : 0;
	info.curlft.packets = s->packets;
	info.curlft.bytes = s->packets * 100;
	/* Copied in: the message may sit where the struct cannot be accessed in place. */
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(info)), &info, sizeof(info));
	if (s->aead) {
		snprintf(aead.alg.alg_name, sizeof(aead.alg.alg_name), "%s", s->aead);
		aead.alg.alg_key_len = 160;
		aead.alg.alg_icv_len = s->icv_bits;
		memset(aead.key, 0x5a, sizeof(aead.key));
		mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(aead), &aead);
	}
	if (s->esn) {
		struct {
			struct xfrm_replay_state_esn esn;
			uint32_t bmp[4];
		} esn = { .esn = { .bmp_len = 4, .replay_window = 128 } };

		mnl_attr_put(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(esn), &esn);
	}
	put_offload(nlh, s->offload, s->ifindex);
	return nlh;
}

static void guard_of(const struct pol_spec *p, struct xfrm_guard *g)
{
	bool out = p->dir == XFRM_POLICY_OUT;

	memset(g, 0, sizeof(*g));
	assert_int_equal(ewoe_addr_parse(out ? p->src : p->dst, &g->local), 0);
	assert_int_equal(ewoe_addr_parse(out ? p->dst : p->src, &g->remote), 0);
	g->dst_port = p->dport;
	g->offload_ifindex = PF_INDEX;
}

static struct nlmsghdr *build_policy(char *buf, const struct pol_spec *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info info = { 0 };
	struct xfrm_user_tmpl tmpl = { 0 };

	if (p->guard) {
		struct xfrm_guard g;

		guard_of(p, &g);
		return xfrm_guard_request(buf, XFRM_MSG_NEWPOLICY, &g, p->dir,
					  p->offload != NO_OFFLOAD);
	}

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	fill_sel(&info.sel, p->src, p->dst, p->sport, p->dport);
	info.dir = p->dir;
	info.action = XFRM_POLICY_ALLOW;
	info.priority = 366207;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(info)), &info, sizeof(info));
	if (!p->no_tmpl) {
		tmpl.family = AF_INET;
		tmpl.id.proto = IPPROTO_ESP;
		tmpl.mode = XFRM_MODE_TRANSPORT;
		tmpl.reqid = p->reqid;
		tmpl.aalgos = tmpl.ealgos = tmpl.calgos = ~0u;
		mnl_attr_put(nlh, XFRMA_TMPL, sizeof(tmpl), &tmpl);
	}
	put_offload(nlh, p->offload, PF_INDEX);
	return nlh;
}

/* A tunnel as strongSwan installs it from the seed's two children, packet-offloaded on PF. */
struct fixture {
	struct sa_spec sa[8];
	size_t n_sa;
	struct pol_spec pol[12];
	size_t n_pol;
	struct xfrm_sa_info sa_out[8];
	struct xfrm_pol_info pol_out[12];
	struct xfrm_table table;
	struct ewoe_peer peer;
	struct check_expect expect;
	struct check_report report;
};

static struct sa_spec good_sa(bool out, bool port_on_dst)
{
	struct sa_spec s = {
		.src = out ? LOCAL : REMOTE,
		.dst = out ? REMOTE : LOCAL,
		.spi = 0xc0000000u | (out ? 0x10 : 0x20) | (port_on_dst ? 1 : 2),
		.reqid = port_on_dst == out ? 1 : 2,
		.proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TRANSPORT,
		.aead = CHECK_AEAD,
		.icv_bits = 128,
		.esn = true,
		.sport = port_on_dst ? 0 : PORT,
		.dport = port_on_dst ? PORT : 0,
		.offload = PKT | (out ? 0 : EWOE_XFRM_OFFLOAD_INBOUND),
		.ifindex = PF_INDEX,
		.packets = 42,
	};
	return s;
}

static struct pol_spec good_pol(uint8_t dir, bool port_on_dst)
{
	bool out = dir == XFRM_POLICY_OUT;
	struct pol_spec p = {
		.dir = dir,
		.src = out ? LOCAL : REMOTE,
		.dst = out ? REMOTE : LOCAL,
		.sport = port_on_dst ? 0 : PORT,
		.dport = port_on_dst ? PORT : 0,
		.reqid = port_on_dst == out ? 1 : 2,
		.offload = dir == XFRM_POLICY_FWD ? NO_OFFLOAD : PKT,
	};
	return p;
}

static struct pol_spec good_guard(uint8_t dir)
{
	struct pol_spec p = good_pol(dir, true);

	p.guard = true;
	return p;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->sa[f->n_sa++] = good_sa(true, true);
	f->sa[f->n_sa++] = good_sa(false, false);
	f->sa[f->n_sa++] = good_sa(false, true);
	f->sa[f->n_sa++] = good_sa(true, false);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_OUT, true);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_IN, false);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_FWD, false);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_IN, true);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_FWD, true);
	f->pol[f->n_pol++] = good_pol(XFRM_POLICY_OUT, false);
	f->pol[f->n_pol++] = good_guard(XFRM_POLICY_OUT);
	f->pol[f->n_pol++] = good_guard(XFRM_POLICY_IN);

	ewoe_peer_init(&f->peer);
	snprintf(f->peer.name, sizeof(f->peer.name), "bfr");
	snprintf(f->peer.ifname, sizeof(f->peer.ifname), "vxbfr");
	assert_int_equal(ewoe_addr_parse(LOCAL, &f->peer.local), 0);
	assert_int_equal(ewoe_addr_parse(REMOTE, &f->peer.remote), 0);
	f->expect.peer = &f->peer;
	f->expect.pf = "p0";
	f->expect.pf_ifindex = PF_INDEX;
	f->expect.offload = OFFLOAD_PACKET;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	check_report_free(&f->report);
	free(f);
	return 0;
}

/* Every message goes through the parsers, as the kernel's dump would. */
static void run(struct fixture *f)
{
	/* In a dump, a message may start 4 bytes off an 8-byte boundary: test there. */
	_Alignas(8) char buf[MNL_SOCKET_BUFFER_SIZE + 4];
	struct check_index ix;

	for (size_t i = 0; i < f->n_sa; i++)
		assert_int_equal(xfrm_parse_sa(build_sa(buf + 4, &f->sa[i]), &f->sa_out[i]), 0);
	for (size_t i = 0; i < f->n_pol; i++)
		assert_int_equal(
		    xfrm_parse_policy(build_policy(buf + 4, &f->pol[i]), &f->pol_out[i]), 0);
	f->table.sa = f->sa_out;
	f->table.n_sa = f->n_sa;
	f->table.pol = f->pol_out;
	f->table.n_pol = f->n_pol;
	check_report_free(&f->report);
	check_report_init(&f->report, f->expect.offload);
	assert_int_equal(check_index_build(&ix, &f->table), 0);
	assert_int_equal(check_xfrm(&f->report, &f->expect, &ix), 0);
	check_index_free(&ix);
}

static const struct check_line *line(const struct fixture *f, const char *item)
{
	for (size_t i = 0; i < f->report.n; i++)
		if (!strcmp(f->report.lines[i].item, item))
			return &f->report.lines[i];
	fail_msg("no line '%s'", item);
	return NULL;
}

/* Exactly these items failed, everything else passed. */
static void assert_failed(const struct fixture *f, const char *const *items, size_t n)
{
	for (size_t i = 0; i < f->report.n; i++) {
		const struct check_line *l = &f->report.lines[i];
		bool want_fail = false;

		for (size_t k = 0; k < n; k++)
			want_fail |= !strcmp(l->item, items[k]);
		if (want_fail != (l->status == CHECK_FAIL))
			fail_msg("'%s' is %s (found '%s', expected '%s')", l->item,
				 l->status == CHECK_FAIL ? "FAIL" : "ok", l->found, l->expected);
		if (l->status == CHECK_FAIL)
			assert_true(l->fix[0]);
	}
	assert_int_equal(f->report.n_fail, n);
	assert_int_equal(check_report_exit(&f->report), n ? EXIT_PROBLEMS : EXIT_OK);
}

static const char *const sa_offload_items[] = {
	"sa out any->4789 offload",
	"sa in 4789->any offload",
	"sa in any->4789 offload",
	"sa out 4789->any offload",
};

static const char *const policy_offload_items[] = {
	"policy out any->4789 offload",
	"policy in 4789->any offload",
	"policy in any->4789 offload",
	"policy out 4789->any offload",
};

static void packet_offload_all_ok(void **state)
{
	static const char *const items[] = {
		"sa out any->4789",	     "sa out any->4789 mode",
		"sa out any->4789 aead",     "sa out any->4789 esn",
		"sa out any->4789 selector", "sa out any->4789 offload",
		"sa in 4789->any",	     "sa in 4789->any mode",
		"sa in 4789->any aead",	     "sa in 4789->any esn",
		"sa in 4789->any selector",  "sa in 4789->any offload",
		"sa in any->4789",	     "sa in any->4789 mode",
		"sa in any->4789 aead",	     "sa in any->4789 esn",
		"sa in any->4789 selector",  "sa in any->4789 offload",
		"sa out 4789->any",	     "sa out 4789->any mode",
		"sa out 4789->any aead",     "sa out 4789->any esn",
		"sa out 4789->any selector", "sa out 4789->any offload",
		"policy out any->4789",	     "policy out any->4789 offload",
		"guard out any->4789",	     "guard out any->4789 offload",
		"policy in 4789->any",	     "policy in 4789->any offload",
		"policy fwd 4789->any",	     "policy fwd 4789->any offload",
		"policy in any->4789",	     "policy in any->4789 offload",
		"policy fwd any->4789",	     "policy fwd any->4789 offload",
		"guard in any->4789",	     "guard in any->4789 offload",
		"policy out 4789->any",	     "policy out 4789->any offload",
	};
	struct fixture *f = *state;

	run(f);
	assert_int_equal(f->report.n, sizeof(items) / sizeof(items[0]));
	for (size_t i = 0; i < f->report.n; i++) {
		assert_string_equal(f->report.lines[i].item, items[i]);
		assert_string_equal(f->report.lines[i].peer, "bfr");
	}
	assert_failed(f, NULL, 0);
	assert_string_equal(line(f, "sa out any->4789 offload")->found, "packet on p0 (ifindex 7)");
	assert_string_equal(line(f, "policy fwd any->4789 offload")->found, "none");
	assert_string_equal(line(f, "sa out any->4789")->found, "spi 0xc0000011 reqid 1");
	assert_true(line(f, "sa out any->4789")->has_sa);
	assert_int_equal(line(f, "sa out any->4789")->packets, 42);
}

static void crypto_offload(void **state)
{
	struct fixture *f = *state;
	const char *fails[10];

	for (size_t i = 0; i < f->n_sa; i++)
		f->sa[i].offload &= ~PKT;
	/* strongSwan offloads no policy in crypto mode. */
	for (size_t i = 0; i < f->n_pol; i++)
		f->pol[i].offload = NO_OFFLOAD;
	run(f);
	memcpy(fails, sa_offload_items, sizeof(sa_offload_items));
	memcpy(fails + 4, policy_offload_items, sizeof(policy_offload_items));
	/* Expecting packet offload, the guards must be offloaded too. */
	fails[8] = "guard out any->4789 offload";
	fails[9] = "guard in any->4789 offload";
	assert_failed(f, fails, 10);
	assert_string_equal(line(f, "sa in 4789->any offload")->found, "crypto on p0 (ifindex 7)");
	assert_string_equal(line(f, "sa in 4789->any offload")->expected, "packet on p0");
	assert_non_null(strstr(line(f, "sa in 4789->any offload")->fix, "hw_offload = packet"));

	f->expect.offload = OFFLOAD_CRYPTO;
	run(f);
	assert_failed(f, NULL, 0);
}

static void no_offload(void **state)
{
	struct fixture *f = *state;
	const char *fails[10];

	for (size_t i = 0; i < f->n_sa; i++)
		f->sa[i].offload = NO_OFFLOAD;
	for (size_t i = 0; i < f->n_pol; i++)
		f->pol[i].offload = NO_OFFLOAD;
	run(f);
	memcpy(fails, sa_offload_items, sizeof(sa_offload_items));
	memcpy(fails + 4, policy_offload_items, sizeof(policy_offload_items));
	/* Expecting packet offload, the guards must be offloaded too. */
	fails[8] = "guard out any->4789 offload";
	fails[9] = "guard in any->4789 offload";
	assert_failed(f, fails, 10);
	assert_string_equal(line(f, "sa out 4789->any offload")->found, "none");
	assert_non_null(strstr(line(f, "sa out 4789->any offload")->fix, "IPSEC_FULL_OFFLOAD"));

	f->expect.offload = OFFLOAD_NONE;
	run(f);
	assert_failed(f, NULL, 0);
}

static void packet_offload_when_none_expected(void **state)
{
	struct fixture *f = *state;
	const char *fails[8];

	f->expect.offload = OFFLOAD_NONE;
	run(f);
	memcpy(fails, sa_offload_items, sizeof(sa_offload_items));
	memcpy(fails + 4, policy_offload_items, sizeof(policy_offload_items));
	assert_failed(f, fails, 8);
	assert_non_null(
	    strstr(line(f, "sa out any->4789 offload")->fix, "--expect-offload packet"));
}

static void wrong_device(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < f->n_sa; i++)
		f->sa[i].ifindex = 9;
	run(f);
	assert_failed(f, sa_offload_items, 4);
	assert_string_equal(line(f, "sa out any->4789 offload")->found, "packet on ifindex 9");
	assert_non_null(strstr(line(f, "sa out any->4789 offload")->fix, "wrong device"));

	/* The PF is gone: nothing can be offloaded to it. */
	f->expect.pf_ifindex = 0;
	run(f);
	assert_string_equal(line(f, "sa in any->4789 offload")->expected,
			    "packet on p0 (not found)");
	assert_int_equal(line(f, "sa in any->4789 offload")->status, CHECK_FAIL);
}

static void dump_order_does_not_matter(void **state)
{
	struct fixture *f = *state;
	struct sa_spec tmp;

	for (size_t i = 0; i < f->n_sa / 2; i++) {
		tmp = f->sa[i];
		f->sa[i] = f->sa[f->n_sa - 1 - i];
		f->sa[f->n_sa - 1 - i] = tmp;
	}
	run(f);
	assert_failed(f, NULL, 0);
	assert_string_equal(line(f, "sa out any->4789")->found, "spi 0xc0000011 reqid 1");
	assert_string_equal(line(f, "sa out 4789->any")->found, "spi 0xc0000012 reqid 2");
}

static void missing_sa(void **state)
{
	static const char *const fails[] = { "sa in any->4789" };
	struct fixture *f = *state;

	f->sa[2] = f->sa[--f->n_sa];
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "sa in any->4789")->found, "missing");
	assert_string_equal(line(f, "sa in any->4789")->expected, "ESP SA " REMOTE " -> " LOCAL);
	/* A missing SA gets one line, not one per property. */
	for (size_t i = 0; i < f->report.n; i++)
		assert_null(strstr(f->report.lines[i].item, "sa in any->4789 "));
}

static void no_sas_at_all(void **state)
{
	static const char *const fails[] = {
		"sa out any->4789",
		"sa in 4789->any",
		"sa in any->4789",
		"sa out 4789->any",
	};
	struct fixture *f = *state;

	f->n_sa = 0;
	f->n_pol = 0;
	run(f);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(line(f, fails[i])->status, CHECK_FAIL);
	/* 4 SAs, the 4 out and in policies and the 2 guards; no fwd policy in transport mode. */
	assert_int_equal(f->report.n_fail, 4 + 4 + 2);
	assert_int_equal(line(f, "policy fwd 4789->any")->status, CHECK_OK);
	assert_int_equal(f->report.n_ok, 2);
}

static void missing_esn(void **state)
{
	static const char *const fails[] = { "sa out any->4789 esn" };
	struct fixture *f = *state;

	f->sa[0].esn = false;
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "sa out any->4789 esn")->found, "off");
	assert_non_null(strstr(line(f, "sa out any->4789 esn")->fix, "-esn"));
}

static void wrong_algorithm(void **state)
{
	static const char *const fails[] = { "sa in 4789->any aead", "sa out 4789->any aead" };
	struct fixture *f = *state;

	f->sa[1].aead = "rfc7539esp(chacha20,poly1305)";
	f->sa[3].aead = NULL;
	run(f);
	assert_failed(f, fails, 2);
	assert_string_equal(line(f, "sa in 4789->any aead")->found,
			    "rfc7539esp(chacha20,poly1305) icv 128 key 160");
	assert_string_equal(line(f, "sa out 4789->any aead")->found,
			    "no AEAD (separate cipher and integrity)");
	assert_string_equal(line(f, "sa out 4789->any aead")->expected,
			    "rfc4106(gcm(aes)) icv 128");
}

static void wrong_icv(void **state)
{
	static const char *const fails[] = { "sa in any->4789 aead" };
	struct fixture *f = *state;

	f->sa[2].icv_bits = 64;
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "sa in any->4789 aead")->found,
			    "rfc4106(gcm(aes)) icv 64 key 160");
}

static void wrong_mode(void **state)
{
	static const char *const fails[] = { "sa out 4789->any mode" };
	struct fixture *f = *state;

	f->sa[3].mode = XFRM_MODE_TUNNEL;
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "sa out 4789->any mode")->found, "esp tunnel");
}

static void wrong_selector_port(void **state)
{
	static const char *const fails[] = { "sa out any->4789 selector" };
	struct fixture *f = *state;

	f->sa[0].dport = 4790;
	run(f);
	/* Reported on the SA's own line, not as a missing SA plus a stale one. */
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "sa out any->4789 selector")->found,
			    "udp " LOCAL "/32:any -> " REMOTE "/32:4790");
	assert_string_equal(line(f, "sa out any->4789 selector")->expected,
			    "udp " LOCAL ":any -> " REMOTE ":4789, or the two hosts");
}

static void other_dst_port(void **state)
{
	struct fixture *f = *state;

	/* A tunnel configured on another port expects the selectors there. */
	f->peer.dst_port = 4790;
	run(f);
	assert_int_equal(line(f, "sa out any->4790 selector")->status, CHECK_FAIL);
	assert_int_equal(line(f, "policy out any->4790")->status, CHECK_FAIL);
}

static void extra_stale_sas(void **state)
{
	static const char *const fails[] = { "sa extra spi 0x0000dead", "sa extra spi 0x0000beef" };
	struct fixture *f = *state;
	struct sa_spec unrelated = good_sa(true, true);

	f->sa[f->n_sa] = good_sa(true, true);
	f->sa[f->n_sa++].spi = 0xdead;
	f->sa[f->n_sa] = good_sa(false, true);
	f->sa[f->n_sa++].spi = 0xbeef;
	/* Another node's tunnel is none of this tunnel's business. */
	unrelated.dst = OTHER;
	unrelated.spi = 0xf00d;
	f->sa[f->n_sa++] = unrelated;
	run(f);
	assert_failed(f, fails, 2);
	assert_non_null(strstr(line(f, "sa extra spi 0x0000dead")->fix, "'ewoe setup' removes"));
	assert_int_equal(line(f, "sa extra spi 0x0000dead")->kind, KIND_SA_EXTRA);
	/* The original SAs keep their slots. */
	assert_string_equal(line(f, "sa out any->4789")->found, "spi 0xc0000011 reqid 1");
}

static void missing_policies(void **state)
{
	static const char *const fails[] = { "policy out 4789->any" };
	struct fixture *f = *state;

	/* Keep out any->4789, in 4789->any, in any->4789, fwd any->4789. */
	f->pol[2] = f->pol[3];
	f->pol[3] = f->pol[4];
	f->pol[4] = good_guard(XFRM_POLICY_OUT);
	f->pol[5] = good_guard(XFRM_POLICY_IN);
	f->n_pol = 6;
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "policy out 4789->any")->found, "missing");
	/* Transport mode has no forwarding: a missing fwd policy is what strongSwan does. */
	assert_string_equal(line(f, "policy fwd 4789->any")->found, "none");
}

/*
 * What strongSwan 5.9.8 installs in transport mode (read off the lab's kernel): SAs whose
 * selectors name the two hosts only, ports on the policies alone, no fwd policies, and the
 * dump in an order where pairing by position would cross the children. reqid decides.
 */
static void as_strongswan_installs_transport_mode(void **state)
{
	struct fixture *f = *state;
	struct sa_spec first;

	for (size_t i = 0; i < f->n_sa; i++) {
		f->sa[i].hosts_only = true;
		f->sa[i].sport = f->sa[i].dport = 0;
	}
	first = f->sa[0];
	/* reqid 2's SAs first, as in the lab's dump. */
	f->sa[0] = f->sa[3];
	f->sa[3] = first;
	f->pol[2] = f->pol[5];
	f->pol[4] = good_guard(XFRM_POLICY_OUT);
	f->pol[5] = good_guard(XFRM_POLICY_IN);
	f->n_pol = 6;
	run(f);
	assert_failed(f, NULL, 0);
	assert_int_equal(line(f, "sa out any->4789")->spi, first.spi);
	assert_string_equal(line(f, "sa out any->4789 selector")->found,
			    "proto 0 " LOCAL "/32:any -> " REMOTE "/32:any");
	assert_string_equal(line(f, "policy out any->4789")->found,
			    "allow, 1 template: esp transport reqid 1");
}

static void policy_without_template_or_wrong_reqid(void **state)
{
	static const char *const fails[] = { "policy out any->4789", "policy in any->4789" };
	struct fixture *f = *state;

	f->pol[0].no_tmpl = true;
	f->pol[3].reqid = 9;
	run(f);
	assert_failed(f, fails, 2);
	assert_string_equal(line(f, "policy out any->4789")->found, "allow, no template");
	assert_string_equal(line(f, "policy in any->4789")->found,
			    "allow, 1 template: esp transport reqid 9");
	assert_string_equal(line(f, "policy in any->4789")->expected,
			    "allow, 1 template: esp transport reqid 2");
}

static void offloaded_fwd_policy_fails(void **state)
{
	static const char *const fails[] = { "policy fwd any->4789 offload" };
	struct fixture *f = *state;

	f->pol[4].offload = PKT;
	run(f);
	assert_failed(f, fails, 1);
}

static void parse_sa_fields(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET6_ADDRSTRLEN];
	struct sa_spec s = good_sa(false, false);
	struct xfrm_sa_info sa;
	struct nlmsghdr *nlh;

	s.spi = 0xfedcba98;
	assert_int_equal(xfrm_parse_sa(build_sa(buf, &s), &sa), 0);
	assert_string_equal(ewoe_addr_str(&sa.src, a), REMOTE);
	assert_string_equal(ewoe_addr_str(&sa.dst, a), LOCAL);
	assert_int_equal(sa.spi, 0xfedcba98);
	assert_int_equal(sa.proto, IPPROTO_ESP);
	assert_int_equal(sa.mode, XFRM_MODE_TRANSPORT);
	assert_int_equal(sa.reqid, 1);
	assert_string_equal(sa.aead, CHECK_AEAD);
	assert_int_equal(sa.aead_icv_bits, 128);
	assert_int_equal(sa.aead_key_bits, 160);
	assert_true(sa.esn);
	assert_int_equal(sa.sel.proto, IPPROTO_UDP);
	assert_int_equal(sa.sel.sport, PORT);
	assert_int_equal(sa.sel.sport_mask, 0xffff);
	assert_int_equal(sa.sel.dport_mask, 0);
	assert_true(sa.offload.present);
	assert_int_equal(sa.offload.ifindex, PF_INDEX);
	assert_int_equal(sa.offload.flags, PKT | EWOE_XFRM_OFFLOAD_INBOUND);
	assert_int_equal(sa.packets, 42);
	assert_int_equal(sa.bytes, 4200);

	s.offload = NO_OFFLOAD;
	assert_int_equal(xfrm_parse_sa(build_sa(buf, &s), &sa), 0);
	assert_false(sa.offload.present);

	/* The longest ESP AEAD is kept whole; a longer name is cut, never overrun. */
	s.aead = "rfc7539esp(chacha20,poly1305)";
	assert_int_equal(xfrm_parse_sa(build_sa(buf, &s), &sa), 0);
	assert_string_equal(sa.aead, "rfc7539esp(chacha20,poly1305)");
	s.aead = "an-aead-name-of-63-bytes-the-longest-alg_name-the-kernel-allows";
	assert_int_equal(xfrm_parse_sa(build_sa(buf, &s), &sa), 0);
	assert_int_equal(strlen(sa.aead), XFRM_AEAD_NAME_KEEP - 1);
	assert_memory_equal(sa.aead, s.aead, XFRM_AEAD_NAME_KEEP - 1);
	s.aead = NULL;
	assert_int_equal(xfrm_parse_sa(build_sa(buf, &s), &sa), 0);
	assert_string_equal(sa.aead, "");

	nlh = build_sa(buf, &s);
	nlh->nlmsg_len = NLMSG_LENGTH(8);
	assert_int_equal(xfrm_parse_sa(nlh, &sa), -EINVAL);
	nlh = build_sa(buf, &s);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	assert_int_equal(xfrm_parse_sa(nlh, &sa), -EINVAL);
}

static void parse_policy_fields(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET6_ADDRSTRLEN];
	struct pol_spec p = good_pol(XFRM_POLICY_OUT, true);
	struct xfrm_user_offload short_offload[1];
	struct xfrm_pol_info pol;
	struct nlmsghdr *nlh;

	assert_int_equal(xfrm_parse_policy(build_policy(buf, &p), &pol), 0);
	assert_int_equal(pol.dir, XFRM_POLICY_OUT);
	assert_int_equal(pol.sel.dport, PORT);
	assert_int_equal(pol.sel.dport_mask, 0xffff);
	assert_string_equal(ewoe_addr_str(&pol.sel.saddr, a), LOCAL);
	assert_int_equal(pol.n_tmpl, 1);
	assert_int_equal(pol.tmpl.proto, IPPROTO_ESP);
	assert_int_equal(pol.tmpl.reqid, 1);
	assert_true(pol.offload.present);
	assert_int_equal(pol.offload.flags, PKT);

	/* A truncated offload attribute is malformed, not "no offload". */
	p.offload = NO_OFFLOAD;
	nlh = build_policy(buf, &p);
	memset(short_offload, 0, sizeof(short_offload));
	mnl_attr_put(nlh, XFRMA_OFFLOAD_DEV, 2, short_offload);
	assert_int_equal(xfrm_parse_policy(nlh, &pol), -EINVAL);

	nlh = build_policy(buf, &p);
	nlh->nlmsg_len = NLMSG_LENGTH(16);
	assert_int_equal(xfrm_parse_policy(nlh, &pol), -EINVAL);
}

/* A daemon that does not answer fails every tunnel: the kernel alone cannot say it is up. */
static void daemons_unreachable_fail(void **state)
{
	struct fixture *f = *state;

	run(f);
	assert_int_equal(check_ovs(&f->report, &f->peer, "pf0hpf", NULL, "unix:/run/db.sock"), 0);
	assert_int_equal(check_ike(&f->report, &f->peer, NULL, "unix:///run/charon.vici"), 0);
	assert_int_equal(f->report.n_skip, 0);
	assert_int_equal(f->report.n_fail, 2);
	assert_int_equal(check_report_exit(&f->report), EXIT_PROBLEMS);
	assert_string_equal(line(f, "ovs daemon")->found, "no answer at unix:/run/db.sock");
	assert_string_equal(line(f, "ike daemon")->found, "no answer at unix:///run/charon.vici");
	assert_non_null(strstr(line(f, "ike daemon")->fix, "start strongSwan"));
}

static void daemon_verdicts(void **state)
{
	struct ovsdb_tunnel_status ovs = {
		.bridge_exists = true, .rep_on_bridge = true, .iface_exists = true, .ofport = 3
	};
	struct ike_status ike = { .conn_loaded = true,
				  .ike_established = true,
				  .children_installed = 2 };
	struct fixture *f = *state;

	check_report_init(&f->report, OFFLOAD_PACKET);
	assert_int_equal(check_ovs(&f->report, &f->peer, "pf0hpf", &ovs, "db"), 0);
	assert_int_equal(check_ike(&f->report, &f->peer, &ike, "vici"), 0);
	assert_int_equal(f->report.n_fail, 0);
	assert_int_equal(f->report.n_ok, 6);

	snprintf(ovs.error, sizeof(ovs.error), "could not add network device vxbfr");
	ovs.ofport = -1;
	ovs.rep_on_bridge = false;
	ovs.ipsec_options = true;
	ike.ike_established = false;
	snprintf(ike.state, sizeof(ike.state), "CONNECTING");
	ike.children_installed = 1;
	check_report_free(&f->report);
	check_report_init(&f->report, OFFLOAD_PACKET);
	check_ovs(&f->report, &f->peer, "pf0hpf", &ovs, "db");
	check_ike(&f->report, &f->peer, &ike, "vici");
	static const char *const fails[] = { "ovs representor", "ovs tunnel", "ovs ipsec options",
					     "ike sa", "ike children" };
	assert_failed(f, fails, 5);
	assert_string_equal(line(f, "ovs tunnel")->found,
			    "vxbfr error: could not add network device vxbfr");
	assert_string_equal(line(f, "ike sa")->found, "IKE_SA CONNECTING");
	assert_string_equal(line(f, "ike children")->found, "1 of 2 CHILD_SAs INSTALLED");

	ike.conn_loaded = false;
	check_report_free(&f->report);
	check_report_init(&f->report, OFFLOAD_PACKET);
	check_ike(&f->report, &f->peer, &ike, "vici");
	assert_int_equal(f->report.n, 1);
	assert_string_equal(line(f, "ike sa")->found, "connection ewoe-bfr not loaded");
}

static void mtu_verdicts(void **state)
{
	struct check_report r;

	check_report_init(&r, OFFLOAD_PACKET);
	check_mtu(&r, "p0", 1550, "pf0hpf", 1500, AF_INET);
	assert_int_equal(r.n_ok, 1);
	check_mtu(&r, "p0", 1549, "pf0hpf", 1500, AF_INET);
	assert_int_equal(r.n_fail, 1);
	assert_string_equal(r.lines[1].found, "p0 1549, pf0hpf 1500");
	assert_string_equal(r.lines[1].expected, "p0 >= 1550 (pf0hpf + 50)");
	assert_non_null(strstr(r.lines[1].fix, "ip link set p0 mtu 1550"));
	check_mtu(&r, "p0", 0, "pf0hpf", 1500, AF_INET);
	assert_string_equal(r.lines[2].found, "p0 not found");
	check_mtu(&r, "p0", 9000, "pf0hpf", 0, AF_INET);
	assert_string_equal(r.lines[3].found, "pf0hpf not found");
	assert_int_equal(r.n_fail, 3);
	assert_string_equal(r.lines[3].peer, "");
	/* An IPv6 underlay's outer header is 20 bytes longer: setup raises the PF to + 70. */
	check_mtu(&r, "p0", 1550, "pf0hpf", 1500, AF_INET6);
	assert_int_equal(r.n_fail, 4);
	assert_string_equal(r.lines[4].expected, "p0 >= 1570 (pf0hpf + 70)");
	assert_non_null(strstr(r.lines[4].fix, "IPv6 adds 70 bytes: 'ip link set p0 mtu 1570'"));
	check_mtu(&r, "p0", 1570, "pf0hpf", 1500, AF_INET6);
	assert_int_equal(r.n_ok, 2);
	check_report_free(&r);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("JSON has no '%s'", key);
	return v;
}

/*
 * The whole streamed document must be one JSON value (strict: no trailing commas), followed by
 * nothing but whitespace, and end its last line.
 */
/*
 * json-c 0.17 and 0.18 in strict mode compare each string byte, as a plain char, with 0x1f:
 * where char is signed (x86) every byte of a multi-byte UTF-8 character fails that test and
 * "café" is refused. Such a document is parsed checking its UTF-8 instead.
 */
static int strict_flags(const char *s)
{
#if JSON_C_VERSION_NUM >= (17 << 8)
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > 0x7f && (char)*p < 0)
			return JSON_TOKENER_VALIDATE_UTF8;
	}
#endif
	return JSON_TOKENER_STRICT;
}

static struct json_object *parse_document(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t end;

	assert_non_null(tok);
	json_tokener_set_flags(tok, strict_flags(s));
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (!o)
		fail_msg("JSON does not parse (%s):\n%s",
			 json_tokener_error_desc(json_tokener_get_error(tok)), s);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	assert_int_equal(strspn(s + end, " \n"), strlen(s + end));
	assert_true(strlen(s) > 2 && !strcmp(s + strlen(s) - 2, "}\n"));
	return o;
}

/* The report's current lines as one document: begin, one batch, end. */
static struct json_object *report_json(struct check_report *r)
{
	struct json_object *root;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	assert_non_null(m);
	check_report_json_begin(r, m);
	check_report_json_lines(r, m);
	check_report_json_end(r, m);
	assert_int_equal(fclose(m), 0);
	root = parse_document(out);
	free(out);
	return root;
}

static void json_schema(void **state)
{
	static const char *const order[] = { "schema",	"expect_offload", "checks",
					     "tunnels", "summary",	  "result" };
	struct check_node node = { .pf = "p0", .rep = "pf0hpf", .vici = "vici" };
	struct fixture *f = *state;
	struct json_object *root, *checks, *c;
	char *out = NULL;
	size_t len = 0, k = 0;
	FILE *m;

	f->sa[0].esn = false;
	run(f);
	check_mtu(&f->report, "p0", 1500, "pf0hpf", 1500, AF_INET);
	check_ike(&f->report, &f->peer, NULL, "vici");
	assert_int_equal(check_tunnel_verdict(&f->report, &f->peer, &node, NULL, 0), 0);
	/* fix is null unless the line failed, whatever the line holds */
	snprintf(f->report.lines[0].fix, sizeof(f->report.lines[0].fix), "not shown");
	root = report_json(&f->report);
	assert_string_equal(json_object_get_string(get(root, "schema")), "ewoe-verify/2");
	assert_string_equal(json_object_get_string(get(root, "result")), "problems");
	assert_string_equal(json_object_get_string(get(root, "expect_offload")), "packet");
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "failed")), 3);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "ok")), 39);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "skipped")), 0);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "degraded")), 1);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "critical")), 0);
	assert_int_equal(json_object_object_length(root), 6);
	c = json_object_array_get_idx(get(root, "tunnels"), 0);
	assert_string_equal(json_object_get_string(get(c, "peer")), "bfr");
	assert_string_equal(json_object_get_string(get(c, "state")), "degraded");
	assert_false(json_object_get_boolean(get(c, "critical")));
	/* charon is gone, the kernel's SAs still carry traffic: the daemon is the root cause */
	assert_non_null(strstr(json_object_get_string(get(c, "cause")),
			       "the IKE daemon does not answer at vici"));
	assert_non_null(strstr(json_object_get_string(get(c, "fix")), "start strongSwan"));
	/* The documented order: the checks before what can only be known after the last one. */
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		assert_string_equal(key, order[k++]);
	}
	checks = get(root, "checks");
	assert_int_equal(json_object_array_length(checks), f->report.n);

	c = json_object_array_get_idx(checks, 0);
	assert_string_equal(json_object_get_string(get(c, "peer")), "bfr");
	assert_string_equal(json_object_get_string(get(c, "category")), "sa");
	assert_string_equal(json_object_get_string(get(c, "item")), "sa out any->4789");
	assert_string_equal(json_object_get_string(get(c, "status")), "ok");
	assert_string_equal(json_object_get_string(get(c, "found")), "spi 0xc0000011 reqid 1");
	assert_null(get(c, "fix"));
	assert_string_equal(json_object_get_string(get(get(c, "sa"), "spi")), "0xc0000011");
	assert_int_equal(json_object_get_int64(get(get(c, "sa"), "packets")), 42);
	assert_int_equal(json_object_get_int64(get(get(c, "sa"), "bytes")), 4200);

	c = json_object_array_get_idx(checks, 3);
	assert_string_equal(json_object_get_string(get(c, "item")), "sa out any->4789 esn");
	assert_string_equal(json_object_get_string(get(c, "status")), "fail");
	assert_non_null(strstr(json_object_get_string(get(c, "fix")), "-esn"));
	assert_false(json_object_object_get_ex(c, "sa", NULL));

	c = json_object_array_get_idx(checks, f->report.n - 2);
	assert_null(get(c, "peer"));
	assert_string_equal(json_object_get_string(get(c, "category")), "mtu");
	assert_string_equal(json_object_get_string(get(c, "severity")), "error");
	c = json_object_array_get_idx(checks, f->report.n - 1);
	assert_string_equal(json_object_get_string(get(c, "status")), "fail");
	assert_string_equal(json_object_get_string(get(c, "item")), "ike daemon");
	assert_string_equal(json_object_get_string(get(c, "severity")), "error");
	c = json_object_array_get_idx(checks, 0);
	assert_null(get(c, "severity"));
	json_object_put(root);

	m = open_memstream(&out, &len);
	assert_non_null(m);
	check_error_json(m, "reading \"xfrm\" states: Operation not permitted");
	assert_int_equal(fclose(m), 0);
	root = parse_document(out);
	free(out);
	assert_int_equal(json_object_object_length(root), 3);
	assert_string_equal(json_object_get_string(get(root, "schema")), "ewoe-verify/2");
	assert_string_equal(json_object_get_string(get(root, "result")), "error");
	assert_string_equal(json_object_get_string(get(root, "error")),
			    "reading \"xfrm\" states: Operation not permitted");
	json_object_put(root);
}

/*
 * verify writes each peer's lines and forgets them: the batches, an empty one among them, must
 * make one document with every line in order and the counts of all of them.
 */
static void json_stream_in_batches(void **state)
{
	struct fixture *f = *state;
	struct check_report *r = &f->report;
	char items[64][sizeof(r->lines[0].item)];
	struct json_object *root, *checks;
	size_t n = 0, len = 0;
	char *out = NULL;
	FILE *m;

	f->sa[1].aead = "rfc4106(gcm(aes))x";
	run(f);
	m = open_memstream(&out, &len);
	assert_non_null(m);
	check_report_json_begin(r, m);
	assert_true(r->n > 10);
	for (size_t i = 0; i < r->n; i++)
		memcpy(items[n++], r->lines[i].item, sizeof(items[0]));
	check_report_json_lines(r, m);
	check_report_forget_lines(r);
	check_report_json_lines(r, m); /* a peer with no lines left to print */

	check_ike(r, &f->peer, NULL, "vici");
	check_mtu(r, "p0", 1550, "pf0hpf", 1500, AF_INET);
	assert_int_equal(r->n, 2);
	for (size_t i = 0; i < r->n; i++)
		memcpy(items[n++], r->lines[i].item, sizeof(items[0]));
	check_report_json_lines(r, m);
	check_report_forget_lines(r);
	check_report_json_end(r, m);
	assert_int_equal(fclose(m), 0);

	root = parse_document(out);
	free(out);
	checks = get(root, "checks");
	assert_int_equal(json_object_array_length(checks), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(
		    json_object_get_string(get(json_object_array_get_idx(checks, i), "item")),
		    items[i]);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "ok")), r->n_ok);
	/* the AEAD and the IKE daemon that does not answer */
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "failed")), 2);
	assert_int_equal(json_object_get_int(get(get(root, "summary"), "skipped")), 0);
	assert_int_equal(r->n_ok + r->n_fail + r->n_skip, n);
	assert_string_equal(json_object_get_string(get(root, "result")), "problems");
	json_object_put(root);

	/* No lines at all is still a document, with an empty array. */
	check_report_free(r);
	check_report_init(r, OFFLOAD_NONE);
	root = report_json(r);
	assert_int_equal(json_object_array_length(get(root, "checks")), 0);
	assert_string_equal(json_object_get_string(get(root, "result")), "ok");
	assert_string_equal(json_object_get_string(get(root, "expect_offload")), "none");
	json_object_put(root);
}

/* What a daemon or the kernel reports goes into found as it is: escaped, never mangled. */
static void json_escapes_strings(void **state)
{
	static const char nasty[] = "say \"hi\" C:\\dir\nnext\x01 \x1f tab\t /slash caf\xc3\xa9";
	struct fixture *f = *state;
	struct check_report *r = &f->report;
	struct json_object *root, *c;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	check_mtu(r, "p0", 1500, "pf0hpf", 1500, AF_INET);
	snprintf(r->lines[0].peer, sizeof(r->lines[0].peer), "peer\"1\\");
	snprintf(r->lines[0].found, sizeof(r->lines[0].found), "%s", nasty);
	snprintf(r->lines[0].expected, sizeof(r->lines[0].expected), "%s", nasty);
	snprintf(r->lines[0].fix, sizeof(r->lines[0].fix), "%s", nasty);

	m = open_memstream(&out, &len);
	assert_non_null(m);
	check_report_json_begin(r, m);
	check_report_json_lines(r, m);
	check_report_json_end(r, m);
	assert_int_equal(fclose(m), 0);
	/* RFC 8259's escapes only: \u00XX for control characters, the slash as it is */
	assert_non_null(
	    strstr(out, "\\\"hi\\\" C:\\\\dir\\u000anext\\u0001 \\u001f tab\\u0009 /slash"));
	root = parse_document(out);
	free(out);

	c = json_object_array_get_idx(get(root, "checks"), 0);
	assert_string_equal(json_object_get_string(get(c, "peer")), "peer\"1\\");
	assert_string_equal(json_object_get_string(get(c, "found")), nasty);
	assert_string_equal(json_object_get_string(get(c, "expected")), nasty);
	assert_string_equal(json_object_get_string(get(c, "fix")), nasty);
	json_object_put(root);
}

/* Out of memory midway: the document already begun still closes, and says error. */
static void json_out_of_memory(void **state)
{
	struct fixture *f = *state;
	struct json_object *root;

	run(f);
	f->report.oom = true;
	root = report_json(&f->report);
	assert_string_equal(json_object_get_string(get(root, "result")), "error");
	assert_string_equal(json_object_get_string(get(root, "error")), "out of memory");
	assert_int_equal(json_object_array_length(get(root, "checks")), f->report.n);
	json_object_put(root);
}

/*
 * The index at scale: many tunnels from one local address, each tunnel's SAs and policies
 * scattered over the table, must each find exactly their own; stale SAs and a subnet policy
 * that comes first in the table keep the verdicts a scan of the whole table gives.
 */
#define MANY_PEERS 600
#define STALE_OUT  7	       /* this peer has a stale out SA at the end of the table */
#define STALE_IN   8	       /* and this one a stale in SA at its start */
#define WIDE_NET   0x0a000100u /* 10.0.1.0/24: a template-less in policy covers these peers */

static uint32_t many_remote(size_t i)
{
	return 0x0a000000u + (uint32_t)i + 1; /* 10.0.0.1 on */
}

static void many_addr(struct ewoe_addr *a, uint32_t ip)
{
	a->family = AF_INET;
	a->v4.s_addr = htonl(ip);
}

static uint32_t many_spi(size_t i, int k)
{
	return ((uint32_t)i << 4) | (uint32_t)(k + 1);
}

/* Slot k as check_xfrm orders them: out any->P, in P->any, in any->P, out P->any. */
static void many_sa(struct xfrm_sa_info *sa, const struct ewoe_peer *p, size_t i, int k)
{
	bool out = k == 0 || k == 3;

	memset(sa, 0, sizeof(*sa));
	sa->src = out ? p->local : p->remote;
	sa->dst = out ? p->remote : p->local;
	sa->spi = many_spi(i, k);
	sa->proto = IPPROTO_ESP;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->reqid = 2 * (uint32_t)i + (k < 2 ? 1 : 2);
	snprintf(sa->aead, sizeof(sa->aead), "%s", CHECK_AEAD);
	sa->aead_icv_bits = 128;
	sa->esn = true;
	sa->sel.family = AF_INET; /* the two hosts, as strongSwan installs */
	sa->sel.saddr = sa->src;
	sa->sel.daddr = sa->dst;
	sa->sel.prefixlen_s = sa->sel.prefixlen_d = 32;
}

static void many_pol(struct xfrm_pol_info *pol, const struct xfrm_sa_info *sa, int k)
{
	bool out = k == 0 || k == 3, port_on_dst = k == 0 || k == 2;

	memset(pol, 0, sizeof(*pol));
	pol->dir = out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	pol->action = XFRM_POLICY_ALLOW;
	pol->sel = sa->sel;
	pol->sel.proto = IPPROTO_UDP;
	pol->sel.sport = port_on_dst ? 0 : PORT;
	pol->sel.sport_mask = port_on_dst ? 0 : 0xffff;
	pol->sel.dport = port_on_dst ? PORT : 0;
	pol->sel.dport_mask = port_on_dst ? 0xffff : 0;
	pol->n_tmpl = 1;
	pol->tmpl.proto = IPPROTO_ESP;
	pol->tmpl.mode = XFRM_MODE_TRANSPORT;
	pol->tmpl.reqid = sa->reqid;
}

/* A guard as the kernel's dump returns it, for one tunnel's direction. */
static void many_guard(struct xfrm_pol_info *pol, const struct ewoe_peer *p, bool out)
{
	memset(pol, 0, sizeof(*pol));
	pol->dir = out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	pol->action = XFRM_POLICY_BLOCK;
	pol->priority = EWOE_GUARD_PRIORITY;
	pol->sel.family = AF_INET;
	pol->sel.saddr = out ? p->local : p->remote;
	pol->sel.daddr = out ? p->remote : p->local;
	pol->sel.prefixlen_s = pol->sel.prefixlen_d = 32;
	pol->sel.proto = IPPROTO_UDP;
	pol->sel.dport = PORT;
	pol->sel.dport_mask = 0xffff;
	pol->sel.user = EWOE_GUARD_TAG;
}

static void index_many_tunnels(void **state)
{
	static const char *const sa_items[] = { "sa out any->4789", "sa in 4789->any",
						"sa in any->4789", "sa out 4789->any" };
	struct ewoe_peer *peers = calloc(MANY_PEERS, sizeof(*peers));
	struct xfrm_table t = {
		.sa = calloc(4 * MANY_PEERS + 2, sizeof(*t.sa)),
		.pol = calloc(6 * MANY_PEERS + 1, sizeof(*t.pol)),
	};
	struct check_index ix;
	size_t n_wide = 0;

	(void)state;
	assert_non_null(peers);
	assert_non_null(t.sa);
	assert_non_null(t.pol);
	for (size_t i = 0; i < MANY_PEERS; i++) {
		ewoe_peer_init(&peers[i]);
		snprintf(peers[i].name, sizeof(peers[i].name), "p%zu", i);
		many_addr(&peers[i].local, 0xc0000201u); /* 192.0.2.1 */
		many_addr(&peers[i].remote, many_remote(i));
	}
	/* A stale in SA first; then slot by slot, so one tunnel's SAs lie far apart. */
	many_sa(&t.sa[t.n_sa], &peers[STALE_IN], STALE_IN, 2);
	t.sa[t.n_sa].reqid = 999; /* an earlier run's */
	t.sa[t.n_sa++].spi = 0xbeef;
	/* First in the table, so it wins over the host policies it covers. */
	many_sa(&t.sa[t.n_sa], &peers[0], 0, 2);
	many_pol(&t.pol[t.n_pol], &t.sa[t.n_sa], 2);
	many_addr(&t.pol[t.n_pol].sel.saddr, WIDE_NET);
	t.pol[t.n_pol].sel.prefixlen_s = 24;
	t.pol[t.n_pol++].n_tmpl = 0;
	for (int k = 0; k < 4; k++) {
		for (size_t i = 0; i < MANY_PEERS; i++) {
			many_sa(&t.sa[t.n_sa], &peers[i], i, k);
			many_pol(&t.pol[t.n_pol++], &t.sa[t.n_sa++], k);
		}
	}
	for (size_t i = 0; i < MANY_PEERS; i++) {
		many_guard(&t.pol[t.n_pol++], &peers[i], true);
		many_guard(&t.pol[t.n_pol++], &peers[i], false);
	}
	many_sa(&t.sa[t.n_sa], &peers[STALE_OUT], STALE_OUT, 0);
	t.sa[t.n_sa].reqid = 999; /* an earlier run's */
	t.sa[t.n_sa++].spi = 0xdead;
	assert_int_equal(check_index_build(&ix, &t), 0);
	assert_int_equal(ix.n_sa, t.n_sa);
	assert_int_equal(ix.n_pol_wide, 1);

	for (size_t i = 0; i < MANY_PEERS; i++) {
		struct check_expect e = {
			.peer = &peers[i],
			.pf = "p0",
			.pf_ifindex = PF_INDEX,
			.offload = OFFLOAD_NONE,
		};
		bool wide = (many_remote(i) & 0xffffff00u) == WIDE_NET;
		size_t fails = (i == STALE_OUT || i == STALE_IN) + wide;
		struct check_report r;

		check_report_init(&r, OFFLOAD_NONE);
		assert_int_equal(check_xfrm(&r, &e, &ix), 0);
		/* 24 SA lines, 10 policy lines (transport mode has no fwd policies), 2 guards */
		assert_int_equal(r.n, 36 + (i == STALE_OUT || i == STALE_IN));
		assert_int_equal(r.n_fail, fails);
		for (size_t n = 0; n < r.n; n++) {
			const struct check_line *l = &r.lines[n];

			assert_string_equal(l->peer, peers[i].name);
			for (int k = 0; k < 4; k++)
				if (!strcmp(l->item, sa_items[k]))
					assert_int_equal(l->spi, many_spi(i, k));
			if (!strncmp(l->item, "sa extra", 8))
				assert_int_equal(l->spi, i == STALE_OUT ? 0xdead : 0xbeef);
			if (!strcmp(l->item, "policy in any->4789"))
				assert_int_equal(l->status == CHECK_FAIL, wide);
		}
		n_wide += wide;
		check_report_free(&r);
	}
	assert_int_equal(n_wide, 256); /* 10.0.1.0 .. 10.0.1.255 */
	check_index_free(&ix);
	check_index_free(NULL);
	free(t.sa);
	free(t.pol);
	free(peers);
}

static void table_output(void **state)
{
	struct fixture *f = *state;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	f->sa[2].esn = false;
	run(f);
	m = open_memstream(&out, &len);
	assert_non_null(m);
	check_report_print(&f->report, m, false);
	fclose(m);
	assert_non_null(strstr(out, "TUNNEL"));
	assert_non_null(strstr(out, "sa in any->4789 esn"));
	assert_non_null(strstr(out, "FAIL"));
	assert_non_null(strstr(out, "fix: add -esn"));
	assert_non_null(strstr(out, "39 ok, 1 failed, 0 skipped\n"));
	assert_null(strchr(out, '\033'));
	free(out);

	m = open_memstream(&out, &len);
	check_report_print(&f->report, m, true);
	fclose(m);
	assert_non_null(strstr(out, "\033[1;31mFAIL"));
	free(out);
}

/* The message ewoe sends the kernel for a guard, field by field against linux/xfrm.h. */
static void guard_request_uapi(void **state)
{
	_Alignas(8) char buf[MNL_SOCKET_BUFFER_SIZE];
	struct pol_spec spec = good_guard(XFRM_POLICY_IN);
	struct xfrm_userpolicy_info pi;
	struct xfrm_user_offload o;
	struct xfrm_pol_info parsed;
	struct xfrm_guard g;
	const struct nlattr *attr;
	struct nlmsghdr *nlh;
	int n_attrs = 0;
	uint32_t a;

	(void)state;
	guard_of(&spec, &g);
	nlh = xfrm_guard_request(buf, XFRM_MSG_UPDPOLICY, &g, XFRM_POLICY_IN, true);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_UPDPOLICY);
	assert_int_equal(nlh->nlmsg_flags & NLM_F_REQUEST, NLM_F_REQUEST);
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	/* In: from the peer's address to this node's VXLAN port, any source port. */
	memcpy(&a, &pi.sel.saddr.a4, sizeof(a));
	assert_int_equal(a, inet_addr(REMOTE));
	memcpy(&a, &pi.sel.daddr.a4, sizeof(a));
	assert_int_equal(a, inet_addr(LOCAL));
	assert_int_equal(pi.sel.family, AF_INET);
	assert_int_equal(pi.sel.prefixlen_s, 32);
	assert_int_equal(pi.sel.prefixlen_d, 32);
	assert_int_equal(pi.sel.proto, IPPROTO_UDP);
	assert_int_equal(pi.sel.dport, htons(PORT));
	assert_int_equal(pi.sel.dport_mask, 0xffff);
	assert_int_equal(pi.sel.sport_mask, 0);
	assert_int_equal(pi.sel.ifindex, 0);
	assert_int_equal(pi.sel.user, EWOE_GUARD_TAG);
	assert_int_equal(pi.dir, XFRM_POLICY_IN);
	assert_int_equal(pi.action, XFRM_POLICY_BLOCK);
	assert_int_equal(pi.share, XFRM_SHARE_ANY);
	assert_int_equal(pi.index, 0); /* the kernel picks it */
	assert_true(pi.lft.hard_byte_limit == XFRM_INF && pi.lft.hard_packet_limit == XFRM_INF);
	assert_int_equal(pi.lft.hard_add_expires_seconds, 0);
	/* Below every policy strongSwan installs (366207 in the lab), never mlx5's refused U32_MAX.
	 */
	assert_true(pi.priority > 1000000u && pi.priority < UINT32_MAX);
	mnl_attr_for_each(attr, nlh, sizeof(pi))
	{
		n_attrs++;
		assert_int_equal(mnl_attr_get_type(attr), XFRMA_OFFLOAD_DEV);
		assert_int_equal(mnl_attr_get_payload_len(attr), sizeof(o));
		memcpy(&o, mnl_attr_get_payload(attr), sizeof(o));
		assert_int_equal(o.ifindex, PF_INDEX);
#ifdef XFRM_OFFLOAD_PACKET
		assert_int_equal(o.flags, XFRM_OFFLOAD_PACKET); /* no INBOUND: dir says it */
#else
		assert_int_equal(o.flags, EWOE_XFRM_OFFLOAD_PACKET);
#endif
	}
	assert_int_equal(n_attrs, 1); /* no template: nothing can satisfy a block policy */

	/* What the kernel's dump returns for it is recognised as ewoe's guard, and only that. */
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	assert_int_equal(xfrm_parse_policy(nlh, &parsed), 0);
	assert_true(xfrm_pol_is_guard(&parsed));
	assert_true(parsed.offload.present);
	parsed.priority--;
	assert_false(xfrm_pol_is_guard(&parsed));
	parsed.priority++;
	parsed.sel.user = 0;
	assert_false(xfrm_pol_is_guard(&parsed));
	parsed.sel.user = EWOE_GUARD_TAG;
	parsed.action = XFRM_POLICY_ALLOW;
	assert_false(xfrm_pol_is_guard(&parsed));

	nlh = xfrm_guard_request(buf, XFRM_MSG_NEWPOLICY, &g, XFRM_POLICY_OUT, false);
	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(pi)); /* software: no attribute */
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	memcpy(&a, &pi.sel.saddr.a4, sizeof(a));
	assert_int_equal(a, inet_addr(LOCAL));
	assert_int_equal(pi.dir, XFRM_POLICY_OUT);
}

static void guard_missing(void **state)
{
	static const char *const fails[] = { "guard out any->4789" };
	struct fixture *f = *state;

	f->n_pol--; /* the in guard stays, the out one goes */
	f->pol[f->n_pol - 1] = good_guard(XFRM_POLICY_IN);
	run(f);
	assert_failed(f, fails, 1);
	assert_string_equal(line(f, "guard out any->4789")->found, "missing");
	assert_non_null(strstr(line(f, "guard out any->4789")->fix, "in the clear"));
	/* The tunnel's own policies are still found as charon's, not as a guard. */
	assert_string_equal(line(f, "policy out any->4789")->found,
			    "allow, 1 template: esp transport reqid 1");
}

/* Charon's policy gone, the guard in place: the policy is missing, never the guard taken for it. */
static void guard_is_not_the_tunnel_policy(void **state)
{
	struct fixture *f = *state;

	f->pol[0] = f->pol[--f->n_pol - 1];
	f->pol[f->n_pol - 1] = good_guard(XFRM_POLICY_IN);
	f->sa[0] = f->sa[--f->n_sa];
	run(f);
	assert_string_equal(line(f, "policy out any->4789")->found, "missing");
	assert_int_equal(line(f, "policy out any->4789")->status, CHECK_FAIL);
	assert_int_equal(line(f, "guard out any->4789")->status, CHECK_OK);
}

static const struct ike_status ike_up = { .conn_loaded = true,
					  .ike_established = true,
					  .children_installed = 2 };

/* The verdict of the fixture's tunnel with these IKE answers (NULL: no daemon) and PF. */
static const struct check_verdict *verdict(struct fixture *f, const struct ike_status *ike,
					   const char *failure, bool pf_up)
{
	static const struct ovsdb_tunnel_status ovs = {
		.bridge_exists = true, .rep_on_bridge = true, .iface_exists = true, .ofport = 3
	};
	struct ewoe_addr local;
	struct check_node node = { .pf = "p0",
				   .rep = "pf0hpf",
				   .pf_ifindex = PF_INDEX,
				   .pf_up = pf_up,
				   .pf_carrier = true,
				   .rep_exists = true,
				   .rep_up = true,
				   .address = &local,
				   .address_on_pf = 1,
				   .vici = "unix:///run/charon.vici",
				   .db = "db" };

	assert_int_equal(ewoe_addr_parse(LOCAL, &local), 0);
	run(f);
	assert_int_equal(check_node_links(&f->report, &node), 0);
	assert_int_equal(check_route(&f->report, &f->peer, &node, PF_INDEX, NULL), 0);
	assert_int_equal(check_ovs(&f->report, &f->peer, "pf0hpf", &ovs, "db"), 0);
	assert_int_equal(check_ike(&f->report, &f->peer, ike, node.vici), 0);
	assert_int_equal(check_tunnel_verdict(&f->report, &f->peer, &node, failure, 150), 0);
	assert_int_equal(f->report.n_verdicts, 1);
	return &f->report.verdicts[0];
}

static void only_guards(struct fixture *f)
{
	f->n_sa = 0;
	f->pol[0] = good_guard(XFRM_POLICY_OUT);
	f->pol[1] = good_guard(XFRM_POLICY_IN);
	f->n_pol = 2;
}

static void verdict_up(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v = verdict(f, &ike_up, NULL, true);

	assert_int_equal(v->state, TUNNEL_UP);
	assert_false(v->critical);
	assert_string_equal(v->remote, REMOTE);
	assert_int_equal(check_report_exit(&f->report), EXIT_OK);
	assert_int_equal(f->report.n_state[TUNNEL_UP], 1);
}

/* Charon's out policy and the out guard both gone: VXLAN leaves in the clear. First, loud. */
static void verdict_plaintext_is_critical(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v;

	f->pol[0] = f->pol[5]; /* out any->4789 gone, out 4789->any in its place */
	f->pol[5] = f->pol[7]; /* the out guard gone, the in guard kept */
	f->n_pol = 6;
	v = verdict(f, &ike_up, NULL, true);
	assert_int_equal(v->state, TUNNEL_DOWN);
	assert_true(v->critical);
	assert_non_null(strstr(v->cause, "VXLAN to " REMOTE " passes UNENCRYPTED"));
	assert_non_null(strstr(v->fix, "ewoe guard"));
	assert_true(line(f, "policy out any->4789")->critical);
	assert_true(line(f, "guard out any->4789")->critical);
	assert_false(line(f, "guard in any->4789")->critical);
	assert_int_equal(f->report.n_critical, 1);
}

/* The guard holds: a policy removed behind charon blocks traffic, it does not leak it. */
static void verdict_removed_behind_charon(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v;

	f->pol[0] = f->pol[--f->n_pol]; /* out any->4789 gone; the guards stay */
	v = verdict(f, &ike_up, NULL, true);
	assert_int_equal(v->state, TUNNEL_DOWN);
	assert_false(v->critical);
	assert_non_null(strstr(v->cause, "removed behind charon's back"));
	assert_non_null(strstr(v->fix, "ewoe setup"));
	assert_false(line(f, "policy out any->4789")->critical);
}

static void verdict_no_ike_sa_names_the_last_failure(void **state)
{
	static const struct ike_status no_sa = { .conn_loaded = true, .state = "none" };
	struct fixture *f = *state;
	const struct check_verdict *v;

	only_guards(f);
	v = verdict(f, &no_sa,
		    "ewoe-bfr: IKE with " REMOTE " failed: the peer answered AUTHENTICATION_FAILED",
		    true);
	assert_int_equal(v->state, TUNNEL_DOWN);
	assert_false(v->critical); /* the guards block it */
	assert_non_null(strstr(v->cause, "no IKE_SA with " REMOTE "; last failure, 2 min ago: "));
	assert_non_null(strstr(v->cause, "AUTHENTICATION_FAILED"));
	assert_non_null(strstr(v->fix, "same PSK"));
	/* The missing SAs and policies are consequences, listed under it, not other causes. */
	assert_int_equal(line(f, "sa out any->4789")->status, CHECK_FAIL);
}

static void verdict_orphans_degrade(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v;

	f->sa[f->n_sa] = good_sa(true, true);
	f->sa[f->n_sa++].spi = 0xdead;
	v = verdict(f, &ike_up, NULL, true);
	assert_int_equal(v->state, TUNNEL_DEGRADED);
	assert_non_null(
	    strstr(v->cause, "1 ESP SA between the tunnel's addresses that no IKE_SA owns"));
	assert_non_null(strstr(v->fix, "'ewoe setup' removes them"));

	/* The same SA listed by charon: the old inbound SA of a rekey, kept a few seconds. */
	{
		struct ike_status rekeying = ike_up;

		rekeying.spis[0] = 0xdead;
		rekeying.n_spis = 1;
		rekeying.spis_complete = true;
		check_report_free(&f->report);
		v = verdict(f, &rekeying, NULL, true);
		assert_int_equal(v->state, TUNNEL_UP);
		assert_int_equal(line(f, "sa extra spi 0x0000dead")->status, CHECK_OK);
		assert_int_equal(check_report_exit(&f->report), EXIT_OK);
	}
}

static void verdict_daemon_down(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v;

	/* charon killed: its SAs still carry traffic, and nothing will rekey them */
	v = verdict(f, NULL, NULL, true);
	assert_int_equal(v->state, TUNNEL_DEGRADED);
	assert_non_null(
	    strstr(v->cause, "the IKE daemon does not answer at unix:///run/charon.vici"));
	assert_int_equal(check_report_exit(&f->report), EXIT_PROBLEMS);

	/* charon stopped cleanly: no SAs, no policies, the guards alone */
	check_report_free(&f->report);
	only_guards(f);
	v = verdict(f, NULL, NULL, true);
	assert_int_equal(v->state, TUNNEL_DOWN);
	assert_false(v->critical);
	assert_null(strstr(v->cause, "carry traffic"));
}

static void verdict_pf_down_is_the_root_cause(void **state)
{
	struct fixture *f = *state;
	const struct check_verdict *v = verdict(f, &ike_up, NULL, false);

	assert_int_equal(v->state, TUNNEL_DOWN);
	assert_string_equal(v->cause, "the PF p0 is down");
	assert_non_null(strstr(v->fix, "'ewoe setup' sets the PF up"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(packet_offload_all_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(crypto_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(no_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(packet_offload_when_none_expected, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_device, setup, teardown),
		cmocka_unit_test_setup_teardown(dump_order_does_not_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_sa, setup, teardown),
		cmocka_unit_test_setup_teardown(no_sas_at_all, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_esn, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_algorithm, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_icv, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_selector_port, setup, teardown),
		cmocka_unit_test_setup_teardown(other_dst_port, setup, teardown),
		cmocka_unit_test_setup_teardown(extra_stale_sas, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(as_strongswan_installs_transport_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(policy_without_template_or_wrong_reqid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(offloaded_fwd_policy_fails, setup, teardown),
		cmocka_unit_test(parse_sa_fields),
		cmocka_unit_test(parse_policy_fields),
		cmocka_unit_test_setup_teardown(daemons_unreachable_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(daemon_verdicts, setup, teardown),
		cmocka_unit_test(mtu_verdicts),
		cmocka_unit_test_setup_teardown(json_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(json_stream_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(json_escapes_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(json_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(table_output, setup, teardown),
		cmocka_unit_test(index_many_tunnels),
		cmocka_unit_test(guard_request_uapi),
		cmocka_unit_test_setup_teardown(verdict_up, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_plaintext_is_critical, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_removed_behind_charon, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_no_ike_sa_names_the_last_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(verdict_orphans_degrade, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_daemon_down, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_pf_down_is_the_root_cause, setup, teardown),
		cmocka_unit_test_setup_teardown(guard_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(guard_is_not_the_tunnel_policy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
