// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel IPsec read back. Both dumps go through the netlink loop every backend shares
 * (netlink.c); states are parsed by libnl-xfrm, policies directly. The offload device of both
 * is read from the message itself: libnl's accessor for it is newer (3.6) than Ubuntu 22.04's
 * libnl (3.5), and policies have none at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netlink/addr.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>

#include "ewoe.h"
#include "log.h"
#include "netlink.h"
#include "xfrm.h"

#ifdef XFRM_OFFLOAD_PACKET
_Static_assert(XFRM_OFFLOAD_PACKET == EWOE_XFRM_OFFLOAD_PACKET &&
		   XFRM_OFFLOAD_INBOUND == EWOE_XFRM_OFFLOAD_INBOUND,
	       "ewoe's copy of the xfrm offload flags matches the kernel's");
#endif

static void addr_from_raw(int family, const xfrm_address_t *raw, struct ewoe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = AF_INET;
		memcpy(&a->v4, &raw->a4, sizeof(a->v4));
	} else if (family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(&a->v6, raw->a6, sizeof(a->v6));
	}
}

static void addr_from_libnl(struct nl_addr *na, struct ewoe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!na)
		return;
	if (nl_addr_get_family(na) == AF_INET && nl_addr_get_len(na) == sizeof(a->v4)) {
		a->family = AF_INET;
		memcpy(&a->v4, nl_addr_get_binary_addr(na), sizeof(a->v4));
	} else if (nl_addr_get_family(na) == AF_INET6 && nl_addr_get_len(na) == sizeof(a->v6)) {
		a->family = AF_INET6;
		memcpy(&a->v6, nl_addr_get_binary_addr(na), sizeof(a->v6));
	}
}

static void sel_from_libnl(struct xfrmnl_sel *sel, struct xfrm_sel_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!sel)
		return;
	out->family = xfrmnl_sel_get_family(sel);
	addr_from_libnl(xfrmnl_sel_get_saddr(sel), &out->saddr);
	addr_from_libnl(xfrmnl_sel_get_daddr(sel), &out->daddr);
	out->prefixlen_s = (uint8_t)xfrmnl_sel_get_prefixlen_s(sel);
	out->prefixlen_d = (uint8_t)xfrmnl_sel_get_prefixlen_d(sel);
	out->proto = (uint8_t)xfrmnl_sel_get_proto(sel);
	out->sport = (uint16_t)xfrmnl_sel_get_sport(sel);
	out->sport_mask = (uint16_t)xfrmnl_sel_get_sportmask(sel);
	out->dport = (uint16_t)xfrmnl_sel_get_dport(sel);
	out->dport_mask = (uint16_t)xfrmnl_sel_get_dportmask(sel);
}

static void sa_from_libnl(struct xfrmnl_sa *sa, struct xfrm_sa_info *out)
{
	unsigned long long bytes = 0, packets = 0, add_time, use_time;
	int flags = xfrmnl_sa_get_flags(sa);
	char aead[64]; /* the kernel's alg_name[64], which libnl copies whole */
	unsigned int key_bits, icv_bits;
	memset(out, 0, sizeof(*out));
	addr_from_libnl(xfrmnl_sa_get_saddr(sa), &out->src);
	addr_from_libnl(xfrmnl_sa_get_daddr(sa), &out->dst);
	out->spi = (uint32_t)xfrmnl_sa_get_spi(sa);
	out->proto = (uint8_t)xfrmnl_sa_get_proto(sa);
	out->mode = (uint8_t)xfrmnl_sa_get_mode(sa);
	out->reqid = (uint32_t)xfrmnl_sa_get_reqid(sa);
	/* The key stays inside libnl: only the name and lengths are asked for. */
	if (xfrmnl_sa_get_aead_params(sa, aead, &key_bits, &icv_bits, NULL) == 0) {
		/* out was zeroed: the kept bytes stay terminated. */
		memcpy(out->aead, aead, strnlen(aead, sizeof(out->aead) - 1));
		out->aead_key_bits = (uint16_t)key_bits;
		out->aead_icv_bits = (uint16_t)icv_bits;
	}
	out->esn = flags >= 0 && (flags & XFRM_STATE_ESN);
	sel_from_libnl(xfrmnl_sa_get_sel(sa), &out->sel);
	if (xfrmnl_sa_get_curlifetime(sa, &bytes, &packets, &add_time, &use_time) == 0) {
		out->bytes = bytes;
		out->packets = packets;
	}
}

struct xfrm_attrs {
	const struct nlattr *tmpl, *offload;
};

static int xfrm_attr_cb(const struct nlattr *attr, void *data)
{
	struct xfrm_attrs *a = data;

	switch (mnl_attr_get_type(attr)) {
	case XFRMA_TMPL:
		a->tmpl = attr;
		break;
	case XFRMA_OFFLOAD_DEV:
		if (mnl_attr_get_payload_len(attr) < sizeof(struct xfrm_user_offload))
			return MNL_CB_ERROR;
		a->offload = attr;
		break;
	}
	return MNL_CB_OK;
}

static void offload_from_attr(const struct nlattr *attr, struct xfrm_offload_info *out)
{
	struct xfrm_user_offload o;

	if (!attr)
		return;
	memcpy(&o, mnl_attr_get_payload(attr), sizeof(o));
	out->present = true;
	out->ifindex = o.ifindex;
	out->flags = o.flags;
}

int xfrm_parse_sa(struct nlmsghdr *nlh, struct xfrm_sa_info *out)
{
	struct xfrmnl_sa *sa = NULL;
	struct xfrm_attrs attrs = { 0 };

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct xfrm_usersa_info), xfrm_attr_cb, &attrs) < 0 ||
	    xfrmnl_sa_parse(nlh, &sa) < 0)
		return -EINVAL;
	sa_from_libnl(sa, out);
	offload_from_attr(attrs.offload, &out->offload);
	xfrmnl_sa_put(sa);
	return 0;
}

static void sel_from_raw(const struct xfrm_selector *sel, struct xfrm_sel_info *out)
{
	memset(out, 0, sizeof(*out));
	out->family = sel->family;
	addr_from_raw(sel->family, &sel->saddr, &out->saddr);
	addr_from_raw(sel->family, &sel->daddr, &out->daddr);
	out->prefixlen_s = sel->prefixlen_s;
	out->prefixlen_d = sel->prefixlen_d;
	out->proto = sel->proto;
	out->sport = ntohs(sel->sport);
	out->sport_mask = ntohs(sel->sport_mask);
	out->dport = ntohs(sel->dport);
	out->dport_mask = ntohs(sel->dport_mask);
	out->user = sel->user;
}

int xfrm_parse_policy(const struct nlmsghdr *nlh, struct xfrm_pol_info *out)
{
	/* A copy: the struct holds 64-bit lifetimes, netlink only guarantees 4-byte alignment. */
	struct xfrm_userpolicy_info pi;
	struct xfrm_attrs attrs = { 0 };
	size_t tmpl_len;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_userpolicy_info)))
		return -EINVAL;
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	if (mnl_attr_parse(nlh, sizeof(pi), xfrm_attr_cb, &attrs) < 0)
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->dir = pi.dir;
	out->action = pi.action;
	out->priority = pi.priority;
	out->index = pi.index;
	sel_from_raw(&pi.sel, &out->sel);
	if (attrs.tmpl) {
		const struct xfrm_user_tmpl *t = mnl_attr_get_payload(attrs.tmpl);

		tmpl_len = mnl_attr_get_payload_len(attrs.tmpl);
		out->n_tmpl = (uint32_t)(tmpl_len / sizeof(*t));
		if (out->n_tmpl) {
			out->tmpl.proto = t->id.proto;
			out->tmpl.mode = t->mode;
			out->tmpl.reqid = t->reqid;
		}
	}
	offload_from_attr(attrs.offload, &out->offload);
	return 0;
}

/* A dump being read into a table: the room in its array, the first error. */
struct table_dump {
	struct xfrm_table *t;
	size_t cap;
	int err;
};

static int sa_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_dump *d = data;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return MNL_CB_OK;
	d->err = ewoe_grow((void **)&d->t->sa, sizeof(*d->t->sa), d->t->n_sa, &d->cap);
	if (d->err)
		return MNL_CB_ERROR;
	/* libnl's parser takes its message non-const; it only reads it. */
	if (xfrm_parse_sa((struct nlmsghdr *)nlh, &d->t->sa[d->t->n_sa]) == 0)
		d->t->n_sa++;
	return MNL_CB_OK;
}

/*
 * One dump of the kernel's xfrm states or policies through the netlink loop every backend
 * shares, each entry parsed by cb as it arrives into our compact structs: a libnl cache would
 * hold a full object per SA, tens of MiB at 10,000 SAs.
 */
static int dump(uint16_t type, mnl_cb_t cb, struct table_dump *d, const char *what)
{
	char req_buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = mnl_nlmsg_put_header(req_buf);
	struct netlink nl;
	int err;

	err = netlink_open(&nl, NETLINK_XFRM);
	if (err) {
		ewoe_hint("the kernel needs CONFIG_XFRM_USER (module xfrm_user)");
		return err;
	}
	req->nlmsg_type = type;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	err = netlink_call(&nl, req, cb, d);
	if (d->err)
		err = d->err;
	if (err)
		netlink_fail(&nl, err, "reading xfrm %s", what);
	netlink_close(&nl);
	return err;
}

static int read_states(struct xfrm_table *t)
{
	struct table_dump d = { .t = t };

	return dump(XFRM_MSG_GETSA, sa_dump_cb, &d, "states");
}

static int pol_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_dump *d = data;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY)
		return MNL_CB_OK;
	d->err = ewoe_grow((void **)&d->t->pol, sizeof(*d->t->pol), d->t->n_pol, &d->cap);
	if (d->err)
		return MNL_CB_ERROR;
	if (xfrm_parse_policy(nlh, &d->t->pol[d->t->n_pol]) < 0) {
		d->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	d->t->n_pol++;
	return MNL_CB_OK;
}

static int read_policies(struct xfrm_table *t)
{
	struct table_dump d = { .t = t };

	return dump(XFRM_MSG_GETPOLICY, pol_dump_cb, &d, "policies");
}

int xfrm_read_policies(struct xfrm_table *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = read_policies(t);
	if (err == -EPERM)
		ewoe_hint("reading IPsec state needs CAP_NET_ADMIN: run as root");
	if (err)
		xfrm_table_free(t);
	return err;
}

int xfrm_read_kernel(struct xfrm_table *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = read_states(t);
	if (!err)
		err = read_policies(t);
	if (err == -EPERM)
		ewoe_hint("reading IPsec state needs CAP_NET_ADMIN: run as root");
	if (err)
		xfrm_table_free(t);
	return err;
}

void xfrm_table_free(struct xfrm_table *t)
{
	if (!t)
		return;
	free(t->sa);
	free(t->pol);
	memset(t, 0, sizeof(*t));
}

int xfrm_sa_delete(const struct xfrm_sa_info *sa, const char *why)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], spi[12];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_id *id;
	struct netlink nl;
	int err;

	ewoe_addr_str(&sa->src, src);
	ewoe_addr_str(&sa->dst, dst);
	snprintf(spi, sizeof(spi), "0x%08x", sa->spi);
	ewoe_change(EWOE_REMOVED, "xfrm-sa", spi, "remove ESP SA %s -> %s spi %s reqid %u%s%s", src,
		    dst, spi, sa->reqid, why ? ", " : "", why ? why : "");
	if (ewoe_opts.dry_run)
		return 1;
	nlh->nlmsg_type = XFRM_MSG_DELSA;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	if (sa->dst.family == AF_INET)
		memcpy(&id->daddr.a4, &sa->dst.v4, sizeof(sa->dst.v4));
	else
		memcpy(id->daddr.a6, &sa->dst.v6, sizeof(sa->dst.v6));
	id->spi = htonl(sa->spi);
	id->family = (uint16_t)sa->dst.family;
	id->proto = sa->proto;
	err = netlink_open(&nl, NETLINK_XFRM);
	if (err)
		return err;
	err = netlink_call(&nl, nlh, NULL, NULL);
	if (err == -ESRCH || err == -ENOENT) /* expired or deleted meanwhile */
		err = 0;
	else if (err)
		netlink_fail(&nl, err, "removing ESP SA %s -> %s spi 0x%08x", src, dst, sa->spi);
	else
		err = 1;
	netlink_close(&nl);
	return err;
}

bool xfrm_sa_of_tunnel(const struct xfrm_sa_info *sa, const struct ewoe_addr *local,
		       const struct ewoe_addr *remote)
{
	return sa->proto == IPPROTO_ESP &&
	       ((ewoe_addr_equal(&sa->src, local) && ewoe_addr_equal(&sa->dst, remote)) ||
		(ewoe_addr_equal(&sa->src, remote) && ewoe_addr_equal(&sa->dst, local)));
}

bool xfrm_pol_of_tunnel(const struct xfrm_pol_info *pol, const struct ewoe_addr *local,
			const struct ewoe_addr *remote)
{
	bool out = pol->dir == XFRM_POLICY_OUT;

	return (out || pol->dir == XFRM_POLICY_IN) && pol->action == XFRM_POLICY_ALLOW &&
	       pol->n_tmpl && ewoe_addr_equal(&pol->sel.saddr, out ? local : remote) &&
	       ewoe_addr_equal(&pol->sel.daddr, out ? remote : local);
}

/* One policy by its index, which the kernel gave it. 1 deleted, 0 already gone, <0 error. */
static int delete_policy(struct netlink *nl, const struct xfrm_pol_info *pol)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_id *id;
	int err;

	nlh->nlmsg_type = XFRM_MSG_DELPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->index = pol->index;
	id->dir = pol->dir;
	err = netlink_call(nl, nlh, NULL, NULL);
	if (err == -ENOENT)
		return 0;
	if (err)
		netlink_fail(nl, err, "removing an xfrm policy (index %u)", pol->index);
	return err ? err : 1;
}

int xfrm_flush_tunnel(const struct ewoe_addr *local, const struct ewoe_addr *remote)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	struct netlink nl = { .sock = NULL };
	struct xfrm_table t;
	int err, n_pol = 0, changed = 0;

	err = xfrm_read_kernel(&t);
	for (size_t i = 0; i < t.n_sa && err >= 0; i++) {
		if (!xfrm_sa_of_tunnel(&t.sa[i], local, remote))
			continue;
		err = xfrm_sa_delete(&t.sa[i], NULL);
		changed |= err > 0;
	}
	for (size_t i = 0; i < t.n_pol && err >= 0; i++)
		n_pol += xfrm_pol_of_tunnel(&t.pol[i], local, remote);
	if (n_pol && err >= 0) {
		char between[2 * INET6_ADDRSTRLEN + 8];

		snprintf(between, sizeof(between), "%s -> %s", ewoe_addr_str(local, l),
			 ewoe_addr_str(remote, r));
		ewoe_change(EWOE_REMOVED, "xfrm-policy", between,
			    "remove %d xfrm polic%s between %s and %s", n_pol,
			    n_pol == 1 ? "y" : "ies", l, r);
		changed = 1;
		if (!ewoe_opts.dry_run)
			err = netlink_open(&nl, NETLINK_XFRM);
	}
	for (size_t i = 0; i < t.n_pol && err >= 0 && nl.sock; i++) {
		if (xfrm_pol_of_tunnel(&t.pol[i], local, remote))
			err = delete_policy(&nl, &t.pol[i]);
	}
	netlink_close(&nl);
	xfrm_table_free(&t);
	return err < 0 ? err : changed;
}
