// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fail-closed guard of a tunnel (include/xfrm.h): two block policies written and removed
 * over XFRM netlink, read back through the policy dump.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "ewoe.h"
#include "log.h"
#include "netlink.h"
#include "xfrm.h"

void xfrm_guard_of_peer(const struct ewoe_peer *p, int pf_ifindex, struct xfrm_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->local = p->local;
	g->remote = p->remote;
	g->dst_port = p->dst_port;
	/* Crypto offload leaves policies to the kernel's software path. */
	if (p->offload == OFFLOAD_PACKET || p->offload == OFFLOAD_AUTO)
		g->offload_ifindex = pf_ifindex;
	g->offload_required = p->offload == OFFLOAD_PACKET;
}

static void addr_to_raw(const struct ewoe_addr *a, xfrm_address_t *raw)
{
	memset(raw, 0, sizeof(*raw));
	if (a->family == AF_INET)
		memcpy(&raw->a4, &a->v4, sizeof(a->v4));
	else
		memcpy(raw->a6, &a->v6, sizeof(a->v6));
}

/* The selector of one direction: VXLAN from any port of src to dst's VXLAN port. */
static void guard_selector(const struct xfrm_guard *g, uint8_t dir, struct xfrm_selector *sel)
{
	const struct ewoe_addr *src = dir == XFRM_POLICY_OUT ? &g->local : &g->remote;
	const struct ewoe_addr *dst = dir == XFRM_POLICY_OUT ? &g->remote : &g->local;
	uint8_t host_prefix = g->local.family == AF_INET ? 32 : 128;

	memset(sel, 0, sizeof(*sel));
	addr_to_raw(src, &sel->saddr);
	addr_to_raw(dst, &sel->daddr);
	sel->family = (uint16_t)g->local.family;
	sel->prefixlen_s = host_prefix;
	sel->prefixlen_d = host_prefix;
	sel->proto = IPPROTO_UDP;
	sel->dport = htons(g->dst_port);
	sel->dport_mask = 0xffff;
	sel->user = EWOE_GUARD_TAG;
}

struct nlmsghdr *xfrm_guard_request(char *buf, uint16_t type, const struct xfrm_guard *g,
				    uint8_t dir, bool offload)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info pi = {
		.lft = { .soft_byte_limit = XFRM_INF,
			 .hard_byte_limit = XFRM_INF,
			 .soft_packet_limit = XFRM_INF,
			 .hard_packet_limit = XFRM_INF },
		.priority = EWOE_GUARD_PRIORITY,
		.dir = dir,
		.action = XFRM_POLICY_BLOCK,
		.share = XFRM_SHARE_ANY,
	};

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	guard_selector(g, dir, &pi.sel);
	/* Copied in: the struct holds 64-bit lifetimes, the message is only 4-byte aligned. */
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(pi)), &pi, sizeof(pi));
	if (offload) {
		/* Policies take no direction flag: the kernel reads it from pi.dir. */
		struct xfrm_user_offload o = { .ifindex = g->offload_ifindex,
					       .flags = EWOE_XFRM_OFFLOAD_PACKET };

		mnl_attr_put(nlh, XFRMA_OFFLOAD_DEV, sizeof(o), &o);
	}
	return nlh;
}

static struct nlmsghdr *guard_id_request(char *buf, uint16_t type, const struct xfrm_guard *g,
					 uint8_t dir)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_id *id;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	guard_selector(g, dir, &id->sel);
	id->dir = dir;
	return nlh;
}

bool xfrm_pol_is_guard(const struct xfrm_pol_info *pol)
{
	const struct xfrm_sel_info *s = &pol->sel;
	uint8_t host_prefix = s->family == AF_INET ? 32 : 128;

	return s->user == EWOE_GUARD_TAG && pol->priority == EWOE_GUARD_PRIORITY &&
	       pol->action == XFRM_POLICY_BLOCK && !pol->n_tmpl && s->proto == IPPROTO_UDP &&
	       s->prefixlen_s == host_prefix && s->prefixlen_d == host_prefix &&
	       s->dport_mask == 0xffff && !s->sport_mask &&
	       (pol->dir == XFRM_POLICY_OUT || pol->dir == XFRM_POLICY_IN);
}

struct guard_found {
	bool present;
	struct xfrm_pol_info pol;
};

static int guard_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct guard_found *f = data;

	if (nlh->nlmsg_type == XFRM_MSG_NEWPOLICY && xfrm_parse_policy(nlh, &f->pol) == 0)
		f->present = xfrm_pol_is_guard(&f->pol);
	return MNL_CB_OK;
}

static const char *dir_word(uint8_t dir)
{
	return dir == XFRM_POLICY_OUT ? "out" : "in";
}

static void guard_text(const struct xfrm_guard *g, uint8_t dir, char *buf, size_t len)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	ewoe_addr_str(&g->local, l);
	ewoe_addr_str(&g->remote, r);
	if (dir == XFRM_POLICY_OUT)
		snprintf(buf, len, "VXLAN %s -> %s:%u", l, r, g->dst_port);
	else
		snprintf(buf, len, "VXLAN %s -> %s:%u", r, l, g->dst_port);
}

/*
 * Kernels before 6.2, or built without XFRM offload, take XFRMA_OFFLOAD_DEV on a policy and
 * drop it without a word: an offloaded guard is read back, and one that came back without
 * its device counts as refused.
 */
static int write_guard(struct netlink *nl, const struct xfrm_guard *g, uint8_t dir, uint16_t type,
		       bool offload)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct guard_found f = { 0 };
	int err;

	err = netlink_call(nl, xfrm_guard_request(buf, type, g, dir, offload), NULL, NULL);
	/* A tagged policy on the selector that is not quite a guard (another priority, say). */
	if (err == -EEXIST && type == XFRM_MSG_NEWPOLICY)
		err = netlink_call(nl, xfrm_guard_request(buf, XFRM_MSG_UPDPOLICY, g, dir, offload),
				   NULL, NULL);
	if (err || !offload)
		return err;
	err = netlink_call(nl, guard_id_request(buf, XFRM_MSG_GETPOLICY, g, dir), guard_get_cb, &f);
	if (err)
		return err;
	if (f.present && f.pol.offload.present)
		return 0;
	snprintf(nl->extack, sizeof(nl->extack), "the kernel kept the policy without its offload");
	return -EOPNOTSUPP;
}

/* An error for packet offload, which was asked for; a warning for auto, which may fall back. */
static void say_refused(const struct netlink *nl, const struct xfrm_guard *g, int err,
			const char *pf)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	void (*say)(const char *, ...) = g->offload_required ? ewoe_err : ewoe_warn;

	ewoe_addr_str(&g->local, l);
	ewoe_addr_str(&g->remote, r);
	say("%s refused to offload the guard of %s <-> %s: %s (%s); only the software guard is "
	    "in place: VXLAN that the eswitch encapsulates in hardware is not blocked while the "
	    "tunnel is down",
	    pf, l, r, nl->extack[0] ? nl->extack : "no reason given", strerror(-err));
	if (g->offload_required)
		ewoe_hint(
		    "packet offload of block policies needs IPsec packet offload on in the "
		    "PF's driver and a kernel that offloads xfrm policies (Linux 6.2 or later)");
}

/*
 * One direction, found being what the kernel has for it (NULL: nothing): 1 written, 0 already
 * as wanted, <0 error (printed). A device that refuses the offload leaves a software guard and
 * its error in *refused.
 */
static int guard_ensure_dir(struct netlink *nl, const struct xfrm_guard *g, uint8_t dir,
			    const struct xfrm_pol_info *found, const char *pf, bool *offload,
			    int *refused)
{
	char what[128];
	uint16_t type;
	int err;

	/* With offload auto, a software guard found in place stays: the device refused before. */
	if (found && ((found->offload.present == *offload &&
		       (!*offload || found->offload.ifindex == g->offload_ifindex)) ||
		      (!found->offload.present && !g->offload_required))) {
		*offload = found->offload.present;
		return 0;
	}
	guard_text(g, dir, what, sizeof(what));
	/* A guard in another state (software where offload is wanted) is rewritten in place. */
	type = found ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY;
	if (ewoe_opts.dry_run) {
		ewoe_change(found ? EWOE_CHANGED : EWOE_CREATED, "xfrm-guard", what,
			    "block %s unless it is ESP (xfrm policy %s, priority %u%s%s)", what,
			    dir_word(dir), EWOE_GUARD_PRIORITY, *offload ? ", offloaded to " : "",
			    *offload ? pf : "");
		return 1;
	}
	if (!nl->sock) {
		err = netlink_open(nl, NETLINK_XFRM);
		if (err)
			return err;
	}
	err = write_guard(nl, g, dir, type, *offload);
	if (err && *offload) {
		*refused = err;
		say_refused(nl, g, err, pf);
		/* The software guard still covers everything the kernel encapsulates. */
		*offload = false;
		err = write_guard(nl, g, dir, XFRM_MSG_UPDPOLICY, false);
		if (!err && found && !found->offload.present)
			return 0;
	}
	if (err) {
		netlink_fail(nl, err, "installing the guard that blocks plaintext %s", what);
		return err;
	}
	ewoe_change(found ? EWOE_CHANGED : EWOE_CREATED, "xfrm-guard", what,
		    "block %s unless it is ESP (xfrm policy %s, priority %u%s%s)", what,
		    dir_word(dir), EWOE_GUARD_PRIORITY, *offload ? ", offloaded to " : "",
		    *offload ? pf : "");
	return 1;
}

/* The guards among the kernel's policies, sorted for guard_find(). */
struct guard_index {
	const struct xfrm_pol_info **pol;
	size_t n;
};

static int guard_cmp(const struct xfrm_pol_info *a, const struct xfrm_pol_info *b)
{
	int c = (a->dir > b->dir) - (a->dir < b->dir);

	if (!c)
		c = ewoe_addr_cmp(&a->sel.saddr, &b->sel.saddr);
	if (!c)
		c = ewoe_addr_cmp(&a->sel.daddr, &b->sel.daddr);
	return c ? c : (a->sel.dport > b->sel.dport) - (a->sel.dport < b->sel.dport);
}

static int guard_qsort_cmp(const void *a, const void *b)
{
	return guard_cmp(*(const struct xfrm_pol_info *const *)a,
			 *(const struct xfrm_pol_info *const *)b);
}

static int guard_index_build(struct guard_index *ix, const struct xfrm_table *t)
{
	ix->n = 0;
	ix->pol = calloc(t->n_pol ? t->n_pol : 1, sizeof(*ix->pol));
	if (!ix->pol)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_pol; i++)
		if (xfrm_pol_is_guard(&t->pol[i]))
			ix->pol[ix->n++] = &t->pol[i];
	qsort(ix->pol, ix->n, sizeof(*ix->pol), guard_qsort_cmp);
	return 0;
}

static const struct xfrm_pol_info *guard_find(const struct guard_index *ix,
					      const struct xfrm_guard *g, uint8_t dir)
{
	struct xfrm_pol_info key = { .dir = dir };
	const struct xfrm_pol_info *k = &key, **hit;

	key.sel.saddr = dir == XFRM_POLICY_OUT ? g->local : g->remote;
	key.sel.daddr = dir == XFRM_POLICY_OUT ? g->remote : g->local;
	key.sel.dport = g->dst_port;
	hit = bsearch(&k, ix->pol, ix->n, sizeof(*ix->pol), guard_qsort_cmp);
	return hit ? *hit : NULL;
}

int xfrm_guard_ensure(const struct xfrm_guard *guards, size_t n, const char *pf)
{
	static const uint8_t dirs[] = { XFRM_POLICY_OUT, XFRM_POLICY_IN };
	struct netlink nl = { .sock = NULL };
	struct guard_index ix = { 0 };
	struct xfrm_table t;
	int err, changed = 0;

	/* One dump for all: a reconcile run that finds every guard in place writes nothing. */
	err = xfrm_read_policies(&t);
	if (!err)
		err = guard_index_build(&ix, &t);
	for (size_t k = 0; k < n && !err; k++) {
		const struct xfrm_guard *g = &guards[k];
		bool offload = g->offload_ifindex > 0;
		int refused = 0;

		for (size_t i = 0; i < sizeof(dirs) && !err; i++) {
			err = guard_ensure_dir(&nl, g, dirs[i], guard_find(&ix, g, dirs[i]), pf,
					       &offload, &refused);
			changed |= err > 0;
			err = err < 0 ? err : 0;
		}
		if (!err && refused && g->offload_required)
			err = refused;
	}
	netlink_close(&nl);
	free(ix.pol);
	xfrm_table_free(&t);
	return err ? err : changed;
}

int xfrm_guard_remove(const struct xfrm_guard *g)
{
	static const uint8_t dirs[] = { XFRM_POLICY_OUT, XFRM_POLICY_IN };
	char buf[MNL_SOCKET_BUFFER_SIZE], what[128];
	struct netlink nl;
	int err, changed = 0;

	err = netlink_open(&nl, NETLINK_XFRM);
	for (size_t i = 0; i < sizeof(dirs) && !err; i++) {
		struct guard_found f = { 0 };

		err = netlink_call(&nl, guard_id_request(buf, XFRM_MSG_GETPOLICY, g, dirs[i]),
				   guard_get_cb, &f);
		if (err == -ENOENT || (!err && !f.present)) {
			err = 0;
			continue;
		}
		guard_text(g, dirs[i], what, sizeof(what));
		if (!err && !ewoe_opts.dry_run)
			err = netlink_call(
			    &nl, guard_id_request(buf, XFRM_MSG_DELPOLICY, g, dirs[i]), NULL, NULL);
		if (err == -ENOENT) /* removed by someone else meanwhile */
			err = 0;
		else if (err)
			netlink_fail(&nl, err, "removing the guard of %s", what);
		else {
			ewoe_change(EWOE_REMOVED, "xfrm-guard", what,
				    "remove the guard of %s (xfrm policy %s)", what,
				    dir_word(dirs[i]));
			changed = 1;
		}
	}
	netlink_close(&nl);
	return err ? err : changed;
}

int xfrm_guard_list(struct xfrm_guard **out)
{
	struct xfrm_table t;
	struct xfrm_guard *g;
	size_t n = 0;
	int err;

	*out = NULL;
	err = xfrm_read_kernel(&t);
	if (err)
		return err;
	g = calloc(t.n_pol ? t.n_pol : 1, sizeof(*g));
	if (!g) {
		xfrm_table_free(&t);
		return -ENOMEM;
	}
	/* One entry per tunnel: its out policy names it; a lone in policy does too. */
	for (size_t i = 0; i < t.n_pol; i++) {
		const struct xfrm_pol_info *pol = &t.pol[i];
		const struct ewoe_addr *local, *remote;
		bool seen = false;

		if (!xfrm_pol_is_guard(pol))
			continue;
		local = pol->dir == XFRM_POLICY_OUT ? &pol->sel.saddr : &pol->sel.daddr;
		remote = pol->dir == XFRM_POLICY_OUT ? &pol->sel.daddr : &pol->sel.saddr;
		for (size_t j = 0; j < n && !seen; j++)
			seen = ewoe_addr_equal(&g[j].local, local) &&
			       ewoe_addr_equal(&g[j].remote, remote) &&
			       g[j].dst_port == pol->sel.dport;
		if (seen)
			continue;
		g[n].local = *local;
		g[n].remote = *remote;
		g[n].dst_port = pol->sel.dport;
		n++;
	}
	xfrm_table_free(&t);
	*out = g;
	return (int)n;
}
