// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a working tunnel looks like in the kernel, item by item: its four SAs and six
 * policies, the guards, and stale SAs between its addresses, found through an index of the
 * xfrm table built once per verify. The expected shape follows the seed's swanctl children:
 * one child carries our VXLAN packets to the peer's port ([udp] -> [udp/PORT]), the other
 * carries the peer's to ours ([udp/PORT] -> [udp]); each child has an out and an in SA and
 * out, in and fwd policies.
 */
#define _GNU_SOURCE /* qsort_r */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xfrm.h>

#include "check_line.h"

/* One child direction: the SA and the policies that carry it. */
struct slot {
	bool out;			 /* local -> remote */
	bool port_on_dst;		 /* the VXLAN port is the destination port */
	const char *label;		 /* "out any->4789" */
	const char *src, *dst;		 /* the tunnel's addresses in this direction, as text */
	const struct xfrm_pol_info *pol; /* the out or in policy: it carries the ports */
	const struct xfrm_sa_info *sa;
};

static bool addr_in_prefix(const struct ewoe_addr *a, const struct ewoe_addr *net, int plen)
{
	const uint8_t *x = (const uint8_t *)&a->v4, *y = (const uint8_t *)&net->v4;
	int full = plen / 8, rest = plen % 8;

	if (plen == 0)
		return true;
	if (a->family != net->family)
		return false;
	if (memcmp(x, y, (size_t)full))
		return false;
	return !rest || !((x[full] ^ y[full]) & (0xff << (8 - rest)));
}

static void port_str(uint16_t port, uint16_t mask, char *buf, size_t len)
{
	if (!mask)
		snprintf(buf, len, "any");
	else if (mask == 0xffff)
		snprintf(buf, len, "%u", port);
	else
		snprintf(buf, len, "%u/0x%04x", port, mask);
}

static void sel_str(const struct xfrm_sel_info *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], sp[16], dp[16];
	char proto[12];

	port_str(s->sport, s->sport_mask, sp, sizeof(sp));
	port_str(s->dport, s->dport_mask, dp, sizeof(dp));
	if (s->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else
		snprintf(proto, sizeof(proto), "proto %u", s->proto);
	snprintf(buf, len, "%s %s/%u:%s -> %s/%u:%s", proto, ewoe_addr_str(&s->saddr, a),
		 s->prefixlen_s, sp, ewoe_addr_str(&s->daddr, b), s->prefixlen_d, dp);
}

static uint16_t slot_sport(const struct slot *s, uint16_t port)
{
	return s->port_on_dst ? 0 : port;
}

static uint16_t slot_dport(const struct slot *s, uint16_t port)
{
	return s->port_on_dst ? port : 0;
}

static bool ports_match(const struct xfrm_sel_info *sel, const struct slot *s, uint16_t port)
{
	uint16_t sp = slot_sport(s, port), dp = slot_dport(s, port);

	return sel->proto == IPPROTO_UDP && sel->sport_mask == (sp ? 0xffff : 0) &&
	       (!sp || sel->sport == sp) && sel->dport_mask == (dp ? 0xffff : 0) &&
	       (!dp || sel->dport == dp);
}

/* The whole selector: ports, protocol, and addresses that cover this tunnel's. */
static bool sel_ok(const struct xfrm_sel_info *sel, const struct slot *s, const struct ewoe_peer *p)
{
	const struct ewoe_addr *src = s->out ? &p->local : &p->remote;
	const struct ewoe_addr *dst = s->out ? &p->remote : &p->local;

	return ports_match(sel, s, p->dst_port) && sel->family == p->local.family &&
	       addr_in_prefix(src, &sel->saddr, sel->prefixlen_s) &&
	       addr_in_prefix(dst, &sel->daddr, sel->prefixlen_d);
}

/*
 * strongSwan installs transport-mode SAs with a selector of the two hosts only (no protocol,
 * no ports): the ports live in the policies, which lead to the SA by reqid. Either form is
 * right for an SA.
 */
static bool sa_sel_ok(const struct xfrm_sel_info *sel, const struct slot *s,
		      const struct ewoe_peer *p)
{
	const struct ewoe_addr *src = s->out ? &p->local : &p->remote;
	const struct ewoe_addr *dst = s->out ? &p->remote : &p->local;

	if (sel_ok(sel, s, p))
		return true;
	return sel->proto == 0 && !sel->sport_mask && !sel->dport_mask &&
	       (!sel->family || sel->family == p->local.family) &&
	       addr_in_prefix(src, &sel->saddr, sel->prefixlen_s) &&
	       addr_in_prefix(dst, &sel->daddr, sel->prefixlen_d);
}

static void expected_sel_str(const struct slot *s, const struct ewoe_peer *p, char *buf, size_t len)
{
	char sp[16], dp[16];
	uint16_t sport = slot_sport(s, p->dst_port), dport = slot_dport(s, p->dst_port);

	port_str(sport, sport ? 0xffff : 0, sp, sizeof(sp));
	port_str(dport, dport ? 0xffff : 0, dp, sizeof(dp));
	snprintf(buf, len, "udp %s:%s -> %s:%s", s->src, sp, s->dst, dp);
}

static bool sa_addrs_match(const struct xfrm_sa_info *sa, const struct ewoe_peer *p, bool out)
{
	return ewoe_addr_equal(&sa->src, out ? &p->local : &p->remote) &&
	       ewoe_addr_equal(&sa->dst, out ? &p->remote : &p->local);
}

static const char *offload_kind(const struct xfrm_offload_info *o)
{
	if (!o->present)
		return "none";
	return (o->flags & EWOE_XFRM_OFFLOAD_PACKET) ? "packet" : "crypto";
}

static void offload_str(const struct xfrm_offload_info *o, const struct check_expect *e, char *buf,
			size_t len)
{
	char name[IFNAMSIZ];
	const char *dev = NULL;

	if (!o->present) {
		snprintf(buf, len, "none");
		return;
	}
	if (e->pf_ifindex && o->ifindex == e->pf_ifindex)
		dev = e->pf;
	else if (e->ifname)
		dev = e->ifname(o->ifindex, name);
	if (dev)
		snprintf(buf, len, "%s on %s (ifindex %d)", offload_kind(o), dev, o->ifindex);
	else
		snprintf(buf, len, "%s on ifindex %d", offload_kind(o), o->ifindex);
}

/* Fills found/expected/fix; true when the offload is what was asked for. */
static bool offload_verdict(struct check_line *l, const struct xfrm_offload_info *o,
			    const struct check_expect *e, enum ewoe_offload want)
{
	const char *kind = offload_kind(o);
	bool on_pf = o->present && e->pf_ifindex && o->ifindex == e->pf_ifindex;
	char remote[INET6_ADDRSTRLEN];
	bool ok;

	offload_str(o, e, l->found, sizeof(l->found));
	if (want == OFFLOAD_AUTO) {
		SET(expected, "any, on %s when offloaded", e->pf);
		ok = !o->present || on_pf;
	} else if (want == OFFLOAD_NONE) {
		SET(expected, "none");
		ok = !o->present;
	} else {
		SET(expected, "%s on %s%s", ewoe_offload_name(want), e->pf,
		    e->pf_ifindex ? "" : " (not found)");
		ok = !strcmp(kind, ewoe_offload_name(want)) && on_pf;
	}
	if (ok)
		return true;

	if (o->present && !on_pf &&
	    (want == OFFLOAD_AUTO || !strcmp(kind, ewoe_offload_name(want))))
		SET(fix,
		    "offloaded to the wrong device: check --pf and that the route to %s leaves "
		    "through %s; then re-establish the SAs",
		    ewoe_addr_str(&e->peer->remote, remote), e->pf);
	else if (want == OFFLOAD_PACKET && !o->present)
		SET(fix,
		    "no offload: enable packet offload on %s (BlueField: "
		    "IPSEC_FULL_OFFLOAD=\"yes\" "
		    "in /etc/mellanox/mlnx-bf.conf and restart openibd), set hw_offload = packet "
		    "in the child, then re-establish the SAs (ewoe setup)",
		    e->pf);
	else if (want == OFFLOAD_PACKET)
		SET(fix, "crypto offload only: packet offload needs hw_offload = packet "
			 "(strongSwan >= 5.9.10) and a driver in packet mode; then re-establish "
			 "the SAs");
	else if (want == OFFLOAD_CRYPTO && !o->present)
		SET(fix,
		    "no offload: set hw_offload = crypto in the child and check that %s "
		    "has esp-hw-offload (ethtool -k %s)",
		    e->pf, e->pf);
	else
		SET(fix,
		    "offload is %s: pass --expect-offload %s if that is intended, otherwise "
		    "set hw_offload to match and re-establish the SAs",
		    kind, kind);
	return false;
}

static void sa_lines(struct check_report *r, const struct check_expect *e, const struct slot *s)
{
	const struct ewoe_peer *p = e->peer;
	const struct xfrm_sa_info *sa = s->sa;
	char buf[96];
	struct check_line *l;
	bool ok;

	if (!sa) {
		l = check_add_line(r, p->name, "sa", CHECK_FAIL, "sa %s", s->label);
		if (!l)
			return;
		l->kind = KIND_SA_MISSING;
		SET(found, "missing");
		SET(expected, "ESP SA %s -> %s", s->src, s->dst);
		SET(fix, "'ewoe setup' re-establishes the tunnel's CHILD_SAs");
		return;
	}

	l = check_add_line(r, p->name, "sa", CHECK_OK, "sa %s", s->label);
	if (!l)
		return;
	SET(found, "spi 0x%08x reqid %u", sa->spi, sa->reqid);
	SET(expected, "ESP SA %s -> %s", s->src, s->dst); /* the SA's own: see sa_addrs_match */
	l->has_sa = true;
	l->sa = sa;
	l->spi = sa->spi;
	l->packets = sa->packets;
	l->bytes = sa->bytes;

	ok = sa->proto == IPPROTO_ESP && sa->mode == XFRM_MODE_TRANSPORT;
	l = check_add_line(r, p->name, "sa", ok ? CHECK_OK : CHECK_FAIL, "sa %s mode", s->label);
	if (!l)
		return;
	SET(found, "%s %s",
	    sa->proto == IPPROTO_ESP  ? "esp"
	    : sa->proto == IPPROTO_AH ? "ah"
				      : "other",
	    sa->mode == XFRM_MODE_TRANSPORT ? "transport"
	    : sa->mode == XFRM_MODE_TUNNEL  ? "tunnel"
					    : "other mode");
	SET(expected, "esp transport");
	if (!ok)
		SET(fix, "the child needs mode = transport and ESP proposals only; fix the "
			 "connection and re-run 'ewoe setup'");

	ok = !strcmp(sa->aead, CHECK_AEAD) && sa->aead_icv_bits == CHECK_ICV_BITS;
	l = check_add_line(r, p->name, "sa", ok ? CHECK_OK : CHECK_FAIL, "sa %s aead", s->label);
	if (!l)
		return;
	if (sa->aead[0])
		SET(found, "%s icv %u key %u", sa->aead, sa->aead_icv_bits, sa->aead_key_bits);
	else
		SET(found, "no AEAD (separate cipher and integrity)");
	SET(expected, "%s icv %u", CHECK_AEAD, CHECK_ICV_BITS);
	if (!ok)
		SET(fix, "the NIC offloads AES-GCM with a 16-byte ICV only: use esp_proposals = "
			 "aes128gcm128-x25519-esn (or aes256gcm128) and re-establish the SAs");

	l = check_add_line(r, p->name, "sa", sa->esn ? CHECK_OK : CHECK_FAIL, "sa %s esn",
			   s->label);
	if (!l)
		return;
	SET(found, "%s", sa->esn ? "on" : "off");
	SET(expected, "on");
	if (!sa->esn)
		SET(fix,
		    "add -esn to esp_proposals (aes128gcm128-x25519-esn) and re-establish the SAs");

	ok = sa_sel_ok(&sa->sel, s, p);
	l = check_add_line(r, p->name, "sa", ok ? CHECK_OK : CHECK_FAIL, "sa %s selector",
			   s->label);
	if (!l)
		return;
	sel_str(&sa->sel, l->found, sizeof(l->found));
	expected_sel_str(s, p, buf, sizeof(buf));
	SET(expected, "%s, or the two hosts", buf);
	if (!ok)
		SET(fix,
		    "traffic selectors must be [udp] on one side and [udp/%u] on the other, "
		    "for this tunnel's addresses; check --dst-port and the children's "
		    "local_ts/remote_ts",
		    p->dst_port);

	l = check_add_line(r, p->name, "sa", CHECK_OK, "sa %s offload", s->label);
	if (l && !offload_verdict(l, &sa->offload, e, e->offload))
		check_mark_failed(r, l);
}

static const char *dir_name(uint8_t dir)
{
	return dir == XFRM_POLICY_OUT ? "out" : dir == XFRM_POLICY_IN ? "in" : "fwd";
}

/* Where an index's entries keep their two addresses: in the SA table, or the policy table. */
struct index_keys {
	const char *base;
	size_t stride, src_off, dst_off;
};

static const struct ewoe_addr *key_src(const struct index_keys *k, uint32_t pos)
{
	return (const struct ewoe_addr *)(k->base + pos * k->stride + k->src_off);
}

static const struct ewoe_addr *key_dst(const struct index_keys *k, uint32_t pos)
{
	return (const struct ewoe_addr *)(k->base + pos * k->stride + k->dst_off);
}

static struct index_keys sa_keys(const struct xfrm_table *t)
{
	return (struct index_keys){ (const char *)t->sa, sizeof(*t->sa),
				    offsetof(struct xfrm_sa_info, src),
				    offsetof(struct xfrm_sa_info, dst) };
}

static struct index_keys pol_keys(const struct xfrm_table *t)
{
	return (struct index_keys){ (const char *)t->pol, sizeof(*t->pol),
				    offsetof(struct xfrm_pol_info, sel.saddr),
				    offsetof(struct xfrm_pol_info, sel.daddr) };
}

/* The entry at pos against the pair (src, dst): by source, then destination. */
static int pair_cmp(const struct index_keys *k, uint32_t pos, const struct ewoe_addr *src,
		    const struct ewoe_addr *dst)
{
	int c = ewoe_addr_cmp(key_src(k, pos), src);

	return c ? c : ewoe_addr_cmp(key_dst(k, pos), dst);
}

static int index_cmp(const void *a, const void *b, void *keys)
{
	const struct index_keys *k = keys;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = pair_cmp(k, x, key_src(k, y), key_dst(k, y));

	/* Equal addresses keep the table's order: the first match must stay the first. */
	return c ? c : (x > y) - (x < y);
}

/* A selector of exactly two hosts: sel_ok can only match it for those two addresses. */
static bool sel_hosts(const struct xfrm_sel_info *sel)
{
	int bits = sel->family == AF_INET ? 32 : sel->family == AF_INET6 ? 128 : 0;

	return bits && sel->prefixlen_s == bits && sel->prefixlen_d == bits &&
	       sel->saddr.family == sel->family && sel->daddr.family == sel->family;
}

int check_index_build(struct check_index *ix, const struct xfrm_table *t)
{
	struct index_keys keys;

	memset(ix, 0, sizeof(*ix));
	if (t->n_sa > UINT32_MAX || t->n_pol > UINT32_MAX)
		return -E2BIG;
	ix->t = t;
	ix->sa = calloc(t->n_sa ? t->n_sa : 1, sizeof(*ix->sa));
	ix->pol = calloc(t->n_pol ? t->n_pol : 1, sizeof(*ix->pol));
	ix->pol_wide = calloc(t->n_pol ? t->n_pol : 1, sizeof(*ix->pol_wide));
	if (!ix->sa || !ix->pol || !ix->pol_wide) {
		check_index_free(ix);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->n_sa; i++)
		ix->sa[ix->n_sa++] = i;
	for (uint32_t i = 0; i < t->n_pol; i++) {
		if (sel_hosts(&t->pol[i].sel))
			ix->pol[ix->n_pol++] = i;
		else
			ix->pol_wide[ix->n_pol_wide++] = i;
	}
	keys = sa_keys(t);
	qsort_r(ix->sa, ix->n_sa, sizeof(*ix->sa), index_cmp, &keys);
	keys = pol_keys(t);
	qsort_r(ix->pol, ix->n_pol, sizeof(*ix->pol), index_cmp, &keys);
	return 0;
}

void check_index_free(struct check_index *ix)
{
	if (!ix)
		return;
	free(ix->sa);
	free(ix->pol);
	free(ix->pol_wide);
	memset(ix, 0, sizeof(*ix));
}

/* The entries from src to dst: n of them from *first on (a lower bound, then the run). */
static size_t index_range(const uint32_t *v, size_t n, const struct index_keys *k,
			  const struct ewoe_addr *src, const struct ewoe_addr *dst, size_t *first)
{
	size_t lo = 0, hi = n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pair_cmp(k, v[mid], src, dst) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && !pair_cmp(k, v[end], src, dst); end++)
		;
	*first = lo;
	return end - lo;
}

/* The first matching policy in table order, as a scan of the whole table would find it. */
static const struct xfrm_pol_info *find_policy(const struct check_index *ix, uint8_t dir,
					       const struct slot *s, const struct ewoe_peer *p)
{
	const struct xfrm_table *t = ix->t;
	const struct index_keys keys = pol_keys(t);
	size_t first, n, best = t->n_pol;

	n = index_range(ix->pol, ix->n_pol, &keys, s->out ? &p->local : &p->remote,
			s->out ? &p->remote : &p->local, &first);
	for (size_t i = first; i < first + n; i++) {
		const struct xfrm_pol_info *pol = &t->pol[ix->pol[i]];

		if (pol->dir == dir && !xfrm_pol_is_guard(pol) && sel_ok(&pol->sel, s, p)) {
			best = ix->pol[i];
			break;
		}
	}
	for (size_t i = 0; i < ix->n_pol_wide && ix->pol_wide[i] < best; i++) {
		const struct xfrm_pol_info *pol = &t->pol[ix->pol_wide[i]];

		if (pol->dir == dir && !xfrm_pol_is_guard(pol) && sel_ok(&pol->sel, s, p)) {
			best = ix->pol_wide[i];
			break;
		}
	}
	return best < t->n_pol ? &t->pol[best] : NULL;
}

static void policy_lines(struct check_report *r, const struct check_expect *e, const struct slot *s,
			 uint8_t dir, const struct check_index *ix)
{
	const struct ewoe_peer *p = e->peer;
	const struct xfrm_pol_info *pol = NULL;
	enum ewoe_offload want;
	struct check_line *l;
	char buf[96];
	bool ok;

	pol = dir == XFRM_POLICY_FWD ? find_policy(ix, dir, s, p) : s->pol;
	l = check_add_line(r, p->name, "policy", CHECK_OK, "policy %s %s", dir_name(dir),
			   strchr(s->label, ' ') + 1);
	if (!l)
		return;
	if (!pol && dir == XFRM_POLICY_FWD) {
		/* Transport mode ends at this host: strongSwan installs no forwarding policy. */
		SET(found, "none");
		SET(expected, "none in transport mode, or one that is not offloaded");
		return;
	}
	if (!pol) {
		check_mark_failed(r, l);
		l->kind = !s->port_on_dst	   ? KIND_POLICY_MISSING
			  : dir == XFRM_POLICY_OUT ? KIND_VXLAN_OUT_POLICY_MISSING
						   : KIND_VXLAN_IN_POLICY_MISSING;
		expected_sel_str(s, p, buf, sizeof(buf));
		SET(found, "missing");
		SET(expected, "%s policy %s", dir_name(dir), buf);
		SET(fix, "'ewoe setup' re-establishes the tunnel's CHILD_SAs, which install it");
		return;
	}
	ok = pol->action == XFRM_POLICY_ALLOW && pol->n_tmpl == 1 &&
	     pol->tmpl.proto == IPPROTO_ESP && pol->tmpl.mode == XFRM_MODE_TRANSPORT &&
	     (!s->sa || pol->tmpl.reqid == s->sa->reqid);
	if (pol->n_tmpl)
		SET(found, "%s, %u template: %s %s reqid %u",
		    pol->action == XFRM_POLICY_ALLOW ? "allow" : "block", pol->n_tmpl,
		    pol->tmpl.proto == IPPROTO_ESP ? "esp" : "not esp",
		    pol->tmpl.mode == XFRM_MODE_TRANSPORT ? "transport" : "not transport",
		    pol->tmpl.reqid);
	else
		SET(found, "%s, no template", pol->action == XFRM_POLICY_ALLOW ? "allow" : "block");
	if (s->sa)
		SET(expected, "allow, 1 template: esp transport reqid %u", s->sa->reqid);
	else
		SET(expected, "allow, 1 template: esp transport");
	if (!ok) {
		check_mark_failed(r, l);
		SET(fix, "this policy does not lead to the tunnel's SA: remove stale policies "
			 "('ewoe teardown') and re-run 'ewoe setup'");
	}

	/* The kernel never offloads forwarding policies; crypto offload leaves policies alone. */
	want = dir == XFRM_POLICY_FWD || e->offload == OFFLOAD_CRYPTO ? OFFLOAD_NONE : e->offload;
	l = check_add_line(r, p->name, "policy", CHECK_OK, "policy %s %s offload", dir_name(dir),
			   strchr(s->label, ' ') + 1);
	if (l && !offload_verdict(l, &pol->offload, e, want))
		check_mark_failed(r, l);
}

static const struct xfrm_pol_info *find_guard(const struct check_index *ix, uint8_t dir,
					      const struct ewoe_peer *p)
{
	const struct xfrm_table *t = ix->t;
	const struct index_keys keys = pol_keys(t);
	bool out = dir == XFRM_POLICY_OUT;
	size_t first, n;

	n = index_range(ix->pol, ix->n_pol, &keys, out ? &p->local : &p->remote,
			out ? &p->remote : &p->local, &first);
	for (size_t i = first; i < first + n; i++) {
		const struct xfrm_pol_info *pol = &t->pol[ix->pol[i]];

		if (pol->dir == dir && xfrm_pol_is_guard(pol) && pol->sel.dport == p->dst_port)
			return pol;
	}
	return NULL;
}

/*
 * The guard of one direction (s: the slot whose policy carries VXLAN to the VXLAN port): there,
 * below the tunnel's own policy, and offloaded to the PF when the SAs are packet offloaded.
 */
static void guard_lines(struct check_report *r, const struct check_expect *e, const struct slot *s,
			const struct check_index *ix)
{
	const struct ewoe_peer *p = e->peer;
	uint8_t dir = s->out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	const struct xfrm_pol_info *g = find_guard(ix, dir, p);
	struct check_line *l;

	l = check_add_line(r, p->name, "guard", CHECK_OK, "guard %s %s", dir_name(dir),
			   strchr(s->label, ' ') + 1);
	if (!l)
		return;
	if (s->pol)
		SET(expected, "block, priority above %u (the tunnel's)", s->pol->priority);
	else
		SET(expected, "block");
	if (!g) {
		check_mark_failed(r, l);
		l->kind = s->out ? KIND_GUARD_OUT_MISSING : KIND_GUARD_IN_MISSING;
		SET(found, "missing");
		SET(fix,
		    "without it VXLAN %s %s leaves the tunnel %s whenever charon has no policy "
		    "for it: 'ewoe setup' (or 'ewoe guard') installs it",
		    s->out ? "to" : "from", s->out ? s->dst : s->src,
		    s->out ? "in the clear" : "unchecked");
		return;
	}
	SET(found, "block, priority %u", g->priority);
	if (s->pol && g->priority <= s->pol->priority) {
		check_mark_failed(r, l);
		SET(fix, "the guard would take precedence over the tunnel's policy and drop its "
			 "traffic: report this with 'ip xfrm policy' (charon's priorities)");
		return;
	}
	if (e->offload != OFFLOAD_PACKET)
		return;
	l = check_add_line(r, p->name, "guard", CHECK_OK, "guard %s %s offload", dir_name(dir),
			   strchr(s->label, ' ') + 1);
	if (!l || offload_verdict(l, &g->offload, e, OFFLOAD_PACKET))
		return;
	check_mark_failed(r, l);
	SET(fix,
	    "the eswitch encapsulates VXLAN in hardware, past a software guard: enable packet "
	    "offload on %s and re-run 'ewoe setup'",
	    e->pf);
}

/* An SA between the tunnel's two addresses, either way. */
struct candidate {
	const struct xfrm_sa_info *sa;
	bool used;
};

/* The SAs from local to remote and from remote to local, merged back into table order. */
static int tunnel_sas(const struct check_index *ix, const struct ewoe_peer *p,
		      struct candidate **out)
{
	const struct index_keys keys = sa_keys(ix->t);
	size_t o, n_out = index_range(ix->sa, ix->n_sa, &keys, &p->local, &p->remote, &o);
	size_t i, n_in = index_range(ix->sa, ix->n_sa, &keys, &p->remote, &p->local, &i);
	size_t o_end = o + n_out, i_end = i + n_in, n = 0;
	struct candidate *c;

	if (ewoe_addr_equal(&p->local, &p->remote))
		i = i_end; /* one run, already counted as out */
	c = calloc(n_out + n_in ? n_out + n_in : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	while (o < o_end || i < i_end) {
		bool take_out = i == i_end || (o < o_end && ix->sa[o] < ix->sa[i]);

		c[n++].sa = &ix->t->sa[ix->sa[take_out ? o++ : i++]];
	}
	*out = c;
	return (int)n;
}

int check_xfrm(struct check_report *r, const struct check_expect *e, const struct check_index *ix)
{
	const struct ewoe_peer *p = e->peer;
	struct slot slots[] = {
		{ .out = true, .port_on_dst = true },
		{ .out = false, .port_on_dst = false },
		{ .out = false, .port_on_dst = true },
		{ .out = true, .port_on_dst = false },
	};
	char labels[4][32], local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	struct candidate *cand;
	int n_cand;

	ewoe_addr_str(&p->local, local);
	ewoe_addr_str(&p->remote, remote);
	for (size_t i = 0; i < 4; i++) {
		slots[i].src = slots[i].out ? local : remote;
		slots[i].dst = slots[i].out ? remote : local;
		snprintf(labels[i], sizeof(labels[i]),
			 slots[i].port_on_dst ? "%s any->%u" : "%s %u->any",
			 slots[i].out ? "out" : "in", p->dst_port);
		slots[i].label = labels[i];
	}

	n_cand = tunnel_sas(ix, p, &cand);
	if (n_cand < 0) {
		r->oom = true;
		return -ENOMEM;
	}
	/*
	 * Each slot's policy carries the VXLAN ports and names its child by reqid. An SA takes a
	 * slot by that reqid first, then by a selector with the slot's ports (daemons that put
	 * ports on SAs), and last, any leftover SA of the right direction fills an empty slot, so
	 * that a wrong SA is reported on its own lines rather than as missing plus stale.
	 */
	for (size_t k = 0; k < 4; k++)
		slots[k].pol =
		    find_policy(ix, slots[k].out ? XFRM_POLICY_OUT : XFRM_POLICY_IN, &slots[k], p);
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < n_cand; i++) {
			for (size_t k = 0; k < 4 && !cand[i].used; k++) {
				const struct xfrm_sa_info *sa = cand[i].sa;
				const struct xfrm_pol_info *pol = slots[k].pol;

				if (slots[k].sa || !sa_addrs_match(sa, p, slots[k].out))
					continue;
				if (pass == 0 && !(pol && pol->n_tmpl && pol->tmpl.reqid &&
						   pol->tmpl.reqid == sa->reqid))
					continue;
				if (pass == 1 && !ports_match(&sa->sel, &slots[k], p->dst_port))
					continue;
				slots[k].sa = sa;
				cand[i].used = true;
			}
		}
	}

	for (size_t k = 0; k < 4; k++)
		sa_lines(r, e, &slots[k]);

	for (int i = 0; i < n_cand; i++) {
		const struct xfrm_sa_info *sa = cand[i].sa;
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], sel[120];
		struct check_line *l;

		if (cand[i].used)
			continue;
		l = check_add_line(r, p->name, "sa", CHECK_FAIL, "sa extra spi 0x%08x", sa->spi);
		if (!l)
			break;
		l->kind = KIND_SA_EXTRA;
		sel_str(&sa->sel, sel, sizeof(sel));
		SET(found, "%s -> %s reqid %u, %s", ewoe_addr_str(&sa->src, a),
		    ewoe_addr_str(&sa->dst, b), sa->reqid, sel);
		SET(expected, "only the 4 SAs above");
		SET(fix,
		    "a stale SA (a killed charon's, or a rekey in progress): 'ewoe setup' removes "
		    "the SAs no IKE_SA owns");
		l->has_sa = true;
		l->sa = sa;
		l->spi = sa->spi;
		l->packets = sa->packets;
		l->bytes = sa->bytes;
	}
	free(cand);

	for (size_t k = 0; k < 4; k++) {
		/* Policies follow the flow: out policies for out SAs, in and fwd for in SAs. */
		if (slots[k].out) {
			policy_lines(r, e, &slots[k], XFRM_POLICY_OUT, ix);
		} else {
			policy_lines(r, e, &slots[k], XFRM_POLICY_IN, ix);
			policy_lines(r, e, &slots[k], XFRM_POLICY_FWD, ix);
		}
		if (slots[k].port_on_dst)
			guard_lines(r, e, &slots[k], ix);
	}
	return r->oom ? -ENOMEM : 0;
}
