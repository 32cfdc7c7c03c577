// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnetlink, ethtool and devlink over libmnl, with the kernel's extended ack on failure. */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/devlink.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ewoe.h"
#include "link.h"
#include "log.h"
#include "netlink.h"

static int check_ifname(const char *ifname)
{
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		ewoe_err("'%s' is not a valid interface name (1 to %d characters)",
			 ifname ? ifname : "", IFNAMSIZ - 1);
		return -EINVAL;
	}
	return 0;
}

/* ---- rtnetlink ---- */

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_state *li = data;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(attr) == IFLA_MTU && !mnl_attr_validate(attr, MNL_TYPE_U32))
			li->mtu = (int)mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

/* -ENODEV, unprinted, when the namespace has no such interface; other errors printed. */
static int link_read(struct netlink *nl, const char *ifname, struct link_state *li)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	err = check_ifname(ifname);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(li, 0, sizeof(*li));
	err = netlink_call(nl, nlh, link_info_cb, li);
	if (!err && !li->ifindex)
		err = -EPROTO;
	if (err && err != -ENODEV)
		netlink_fail(nl, err, "%s: reading its link state", ifname);
	return err;
}

static int link_query(struct netlink *nl, const char *ifname, struct link_state *li)
{
	int err = link_read(nl, ifname, li);

	if (err == -ENODEV)
		ewoe_err("no interface %s in this network namespace", ifname);
	return err;
}

int link_get_state(const char *ifname, struct link_state *out)
{
	struct netlink nl;
	int err;

	memset(out, 0, sizeof(*out));
	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_read(&nl, ifname, out);
	netlink_close(&nl);
	return err == -ENODEV ? 0 : err;
}

static int link_change(struct netlink *nl, const char *ifname, int ifindex, unsigned int flags,
		       unsigned int change, int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int err;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	err = netlink_call(nl, nlh, NULL, NULL);
	if (err && mtu > 0)
		netlink_fail(nl, err, "%s: setting MTU %d", ifname, mtu);
	else if (err)
		netlink_fail(nl, err, "%s: setting the link up", ifname);
	return err;
}

int link_get_mtu(const char *ifname)
{
	struct link_state li;
	struct netlink nl;
	int err;

	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_query(&nl, ifname, &li);
	netlink_close(&nl);
	return err ? err : li.mtu;
}

int link_set_up(const char *ifname)
{
	struct link_state li;
	struct netlink nl;
	int err;

	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_query(&nl, ifname, &li);
	if (err || (li.flags & IFF_UP))
		goto out;
	ewoe_change(EWOE_CHANGED, "link", ifname, "set link %s up", ifname);
	err = ewoe_opts.dry_run ? 0 : link_change(&nl, ifname, li.ifindex, IFF_UP, IFF_UP, 0);
	if (!err)
		err = 1;
out:
	netlink_close(&nl);
	return err;
}

int link_raise_mtu(const char *ifname, int min_mtu)
{
	struct link_state li;
	struct netlink nl;
	int err;

	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_query(&nl, ifname, &li);
	if (err || li.mtu >= min_mtu)
		goto out;
	ewoe_change(EWOE_CHANGED, "link", ifname, "raise the MTU of %s from %d to %d", ifname,
		    li.mtu, min_mtu);
	err = ewoe_opts.dry_run ? 0 : link_change(&nl, ifname, li.ifindex, 0, 0, min_mtu);
	if (!err)
		err = 1;
out:
	netlink_close(&nl);
	return err;
}

struct addr_find {
	int ifindex;
	const struct ewoe_addr *want;
	int prefix_len; /* -1 until found */
};

static int addr_find_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_find *af = data;
	size_t len = af->want->family == AF_INET ? 4 : 16;
	const void *local = NULL, *address = NULL, *have;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != af->ifindex ||
	    ifa->ifa_family != af->want->family)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_payload_len(attr) != len)
			continue;
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = mnl_attr_get_payload(attr);
	}
	/* IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL is ours when present. */
	have = local ? local : address;
	if (have && !memcmp(have, &af->want->v4, len))
		af->prefix_len = ifa->ifa_prefixlen;
	return MNL_CB_OK;
}

/* The prefix length addr has on the interface li, -ENOENT when it has not, or a negative errno. */
static int addr_prefix(struct netlink *nl, const char *ifname, const struct link_state *li,
		       const struct ewoe_addr *addr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct addr_find af = { .ifindex = li->ifindex, .want = addr, .prefix_len = -1 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	int err;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)addr->family;
	err = netlink_call(nl, nlh, addr_find_cb, &af);
	if (err) {
		netlink_fail(nl, err, "%s: listing its addresses", ifname);
		return err;
	}
	return af.prefix_len >= 0 ? af.prefix_len : -ENOENT;
}

/* check_only: say whether the address can be added, and add nothing. */
static int add_addr(const char *ifname, const struct ewoe_addr *addr, int prefix_len,
		    bool check_only)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], text[INET6_ADDRSTRLEN];
	int max_prefix = addr->family == AF_INET ? 32 : 128;
	struct link_state li;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t len;
	struct netlink nl;
	int err, have;

	ewoe_addr_str(addr, text);
	if ((addr->family != AF_INET && addr->family != AF_INET6) || prefix_len < 1 ||
	    prefix_len > max_prefix) {
		ewoe_err("%s/%d: not an address with a prefix length of 1 to %d", text, prefix_len,
			 max_prefix);
		return -EINVAL;
	}
	len = addr->family == AF_INET ? 4 : 16;
	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_query(&nl, ifname, &li);
	if (err)
		goto out;

	have = addr_prefix(&nl, ifname, &li, addr);
	if ((have < 0 && have != -ENOENT) || have == prefix_len) {
		err = have < 0 ? have : 0;
		goto out;
	}
	if (have >= 0) {
		ewoe_err("%s already has %s/%d, not /%d", ifname, text, have, prefix_len);
		ewoe_hint("use prefix length %d, or remove it first: ip addr del %s/%d dev %s",
			  have, text, have, ifname);
		err = -EEXIST;
		goto out;
	}
	if (check_only)
		goto out;

	ewoe_change(EWOE_CREATED, "address", text, "add address %s/%d to %s", text, prefix_len,
		    ifname);
	if (ewoe_opts.dry_run) {
		err = 1;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)addr->family;
	ifa->ifa_prefixlen = (unsigned char)prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)li.ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, &addr->v4);
	mnl_attr_put(nlh, IFA_ADDRESS, len, &addr->v4);
	err = netlink_call(&nl, nlh, NULL, NULL);
	if (err)
		netlink_fail(&nl, err, "%s: adding %s/%d", ifname, text, prefix_len);
	else
		err = 1;
out:
	netlink_close(&nl);
	return err;
}

int link_add_addr(const char *ifname, const struct ewoe_addr *addr, int prefix_len)
{
	return add_addr(ifname, addr, prefix_len, false);
}

int link_check_addr(const char *ifname, const struct ewoe_addr *addr, int prefix_len)
{
	int err = add_addr(ifname, addr, prefix_len, true);

	return err == -EEXIST ? -EINVAL : err; /* asked before any change: the input is wrong */
}

int link_has_addr(const char *ifname, const struct ewoe_addr *addr)
{
	struct link_state li;
	struct netlink nl;
	int err;

	err = netlink_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = link_read(&nl, ifname, &li);
	if (!err)
		err = addr_prefix(&nl, ifname, &li, addr);
	netlink_close(&nl);
	if (err == -ENOENT)
		return 0;
	return err < 0 ? err : 1;
}

static int route_oif_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int *oif = data;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(attr) == RTA_OIF && !mnl_attr_validate(attr, MNL_TYPE_U32))
			*oif = (int)mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

struct link_routes {
	struct netlink nl;
};

int link_routes_open(struct link_routes **out)
{
	struct link_routes *lr = calloc(1, sizeof(*lr));
	int err;

	*out = NULL;
	if (!lr)
		return -ENOMEM;
	err = netlink_open(&lr->nl, NETLINK_ROUTE);
	if (err) {
		free(lr);
		return err;
	}
	*out = lr;
	return 0;
}

void link_routes_free(struct link_routes *lr)
{
	if (!lr)
		return;
	netlink_close(&lr->nl);
	free(lr);
}

/* Requests per send: the answers to one batch wait in the socket's buffer until read. */
#define ROUTE_BATCH 32

static struct nlmsghdr *put_route_request(char *buf, const struct ewoe_addr *dst)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t len = dst->family == AF_INET ? sizeof(dst->v4) : sizeof(dst->v6);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)dst->family;
	rtm->rtm_dst_len = (unsigned char)(len * 8);
	mnl_attr_put(nlh, RTA_DST, len, &dst->v4);
	return nlh;
}

/* No route is an answer here, not an error: the caller reports it. */
static int route_result(int err, int oif)
{
	if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		return 0;
	return err ? err : oif;
}

static int route_oif(struct link_routes *lr, const struct ewoe_addr *dst)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err, oif = 0;

	err = netlink_call(&lr->nl, put_route_request(buf, dst), route_oif_cb, &oif);
	return route_result(err, oif);
}

struct route_batch {
	int *oifs; /* this batch's results */
	bool *answered;
};

static void route_answer(size_t i, int err, const struct nlmsghdr *nlh, void *data)
{
	struct route_batch *b = data;
	int oif = 0;

	if (nlh)
		route_oif_cb(nlh, &oif);
	b->oifs[i] = route_result(err, oif);
	b->answered[i] = true;
}

void link_route_oifs(struct link_routes *lr, const struct ewoe_addr *dsts, size_t n, int *oifs)
{
	/* A request is 48 bytes for IPv6: header, rtmsg, RTA_DST. */
	static char reqs[ROUTE_BATCH * 64];
	bool answered[ROUTE_BATCH];

	for (size_t start = 0; start < n; start += ROUTE_BATCH) {
		size_t count = n - start < ROUTE_BATCH ? n - start : ROUTE_BATCH, len = 0;
		struct route_batch b = { oifs + start, answered };
		int err;

		for (size_t i = 0; i < count; i++) {
			len +=
			    NLMSG_ALIGN(put_route_request(reqs + len, &dsts[start + i])->nlmsg_len);
			answered[i] = false;
		}
		err = netlink_call_each(&lr->nl, reqs, len, route_answer, &b);
		if (!err)
			continue;
		/* A batch cut short: ask again one by one, on a socket without its leftovers. */
		ewoe_debug("route lookups in a batch failed (%s); asking one by one",
			   strerror(-err));
		netlink_close(&lr->nl);
		err = netlink_open(&lr->nl, NETLINK_ROUTE);
		for (size_t i = 0; i < count; i++) {
			if (!answered[i])
				oifs[start + i] = err ? err : route_oif(lr, &dsts[start + i]);
		}
	}
}

/* ---- generic netlink: ethtool, devlink ---- */

static struct nlmsghdr *genl_put(char *buf, uint16_t family, uint8_t cmd, uint8_t version,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* One u16 attribute of a generic netlink reply, e.g. the family id or the eswitch mode. */
struct u16_attr {
	uint16_t type;
	int value; /* -1 until seen */
};

static int u16_attr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct u16_attr *want = data;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(attr) == want->type && !mnl_attr_validate(attr, MNL_TYPE_U16))
			want->value = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

/* Open a generic netlink socket and resolve the family; -ENOENT when the kernel lacks it. */
static int genl_open(struct netlink *nl, const char *family, uint16_t *id)
{
	struct u16_attr family_id = { CTRL_ATTR_FAMILY_ID, -1 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	err = netlink_open(nl, NETLINK_GENERIC);
	if (err)
		return err;
	nlh = genl_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	err = netlink_call(nl, nlh, u16_attr_cb, &family_id);
	*id = family_id.value > 0 ? (uint16_t)family_id.value : 0;
	if (!err && !*id)
		err = -ENOENT;
	if (err == -ENOENT)
		ewoe_err("this kernel has no %s netlink interface", family);
	else if (err)
		netlink_fail(nl, err, "resolving the %s netlink family", family);
	if (err)
		netlink_close(nl);
	return err;
}

struct feature_query {
	const char *name;
	bool hw, active, nochange;
};

/* Whether a verbose bitset holds name as set; lists without a mask carry only set bits. */
static bool bitset_has(const struct nlattr *bitset, const char *name)
{
	const struct nlattr *bits = NULL;
	struct nlattr *a, *bit, *f;
	bool nomask = false;

	mnl_attr_for_each_nested(a, bitset)
	{
		if (mnl_attr_get_type(a) == ETHTOOL_A_BITSET_NOMASK)
			nomask = true;
		else if (mnl_attr_get_type(a) == ETHTOOL_A_BITSET_BITS)
			bits = a;
	}
	if (!bits)
		return false;
	mnl_attr_for_each_nested(bit, bits)
	{
		const char *bit_name = NULL;
		bool value = false;

		if (mnl_attr_get_type(bit) != ETHTOOL_A_BITSET_BITS_BIT)
			continue;
		mnl_attr_for_each_nested(f, bit)
		{
			if (mnl_attr_get_type(f) == ETHTOOL_A_BITSET_BIT_NAME &&
			    !mnl_attr_validate(f, MNL_TYPE_NUL_STRING))
				bit_name = mnl_attr_get_str(f);
			else if (mnl_attr_get_type(f) == ETHTOOL_A_BITSET_BIT_VALUE)
				value = true;
		}
		if (bit_name && !strcmp(bit_name, name))
			return nomask || value;
	}
	return false;
}

static int features_cb(const struct nlmsghdr *nlh, void *data)
{
	struct feature_query *q = data;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		switch (mnl_attr_get_type(attr)) {
		case ETHTOOL_A_FEATURES_HW:
			q->hw = bitset_has(attr, q->name);
			break;
		case ETHTOOL_A_FEATURES_ACTIVE:
			q->active = bitset_has(attr, q->name);
			break;
		case ETHTOOL_A_FEATURES_NOCHANGE:
			q->nochange = bitset_has(attr, q->name);
			break;
		}
	}
	return MNL_CB_OK;
}

static int features_get(struct netlink *nl, uint16_t family, const char *ifname,
			const char *feature, struct link_feature *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct feature_query q = { .name = feature };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	nlh = genl_put(buf, family, ETHTOOL_MSG_FEATURES_GET, ETHTOOL_GENL_VERSION, 0);
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	mnl_attr_nest_end(nlh, nest);
	err = netlink_call(nl, nlh, features_cb, &q);
	if (err == -ENODEV) {
		ewoe_err("no interface %s in this network namespace", ifname);
		return err;
	}
	if (err) {
		netlink_fail(nl, err, "%s: reading its ethtool features", ifname);
		return err;
	}
	out->active = q.active;
	out->changeable = q.hw && !q.nochange;
	return 0;
}

int link_get_feature(const char *ifname, const char *feature, struct link_feature *out)
{
	uint16_t family;
	struct netlink nl;
	int err;

	err = check_ifname(ifname);
	if (err)
		return err;
	err = genl_open(&nl, "ethtool", &family);
	if (err)
		return err;
	err = features_get(&nl, family, ifname, feature, out);
	netlink_close(&nl);
	return err;
}

int link_set_feature(const char *ifname, const char *feature, bool on)
{
	const char *state = on ? "on" : "off";
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *nest, *bits, *bit;
	struct link_feature f;
	struct nlmsghdr *nlh;
	uint16_t family;
	struct netlink nl;
	int err;

	err = check_ifname(ifname);
	if (err)
		return err;
	err = genl_open(&nl, "ethtool", &family);
	if (err)
		return err;
	err = features_get(&nl, family, ifname, feature, &f);
	if (err || f.active == on)
		goto out;
	if (!f.changeable) {
		ewoe_err("%s: %s is fixed %s by its driver", ifname, feature,
			 f.active ? "on" : "off");
		err = -EOPNOTSUPP;
		goto out;
	}
	ewoe_change(EWOE_CHANGED, "link", ifname, "%s: turn %s %s", ifname, feature, state);
	if (ewoe_opts.dry_run) {
		err = 1;
		goto out;
	}

	nlh = genl_put(buf, family, ETHTOOL_MSG_FEATURES_SET, ETHTOOL_GENL_VERSION, 0);
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_OMIT_REPLY);
	mnl_attr_nest_end(nlh, nest);
	/* A bitset with a mask: only the named bit changes. */
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_WANTED);
	bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	bit = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);
	mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, feature);
	if (on)
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL);
	mnl_attr_nest_end(nlh, bit);
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, nest);
	err = netlink_call(&nl, nlh, NULL, NULL);
	if (err) {
		netlink_fail(&nl, err, "%s: turning %s %s", ifname, feature, state);
		goto out;
	}
	/* The kernel accepts a wish it cannot grant (a dependency is off); check the result. */
	err = features_get(&nl, family, ifname, feature, &f);
	if (err)
		goto out;
	if (f.active != on) {
		ewoe_err("%s: %s stays %s after asking for %s", ifname, feature,
			 f.active ? "on" : "off", state);
		err = -EOPNOTSUPP;
		goto out;
	}
	err = 1;
out:
	netlink_close(&nl);
	return err;
}

struct devlink_port_find {
	const char *ifname;
	char bus[64], dev[64];
	bool found;
};

static int devlink_port_cb(const struct nlmsghdr *nlh, void *data)
{
	struct devlink_port_find *pf = data;
	const char *bus = NULL, *dev = NULL, *netdev = NULL;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			continue;
		switch (mnl_attr_get_type(attr)) {
		case DEVLINK_ATTR_BUS_NAME:
			bus = mnl_attr_get_str(attr);
			break;
		case DEVLINK_ATTR_DEV_NAME:
			dev = mnl_attr_get_str(attr);
			break;
		case DEVLINK_ATTR_PORT_NETDEV_NAME:
			netdev = mnl_attr_get_str(attr);
			break;
		}
	}
	if (bus && dev && netdev && !strcmp(netdev, pf->ifname)) {
		snprintf(pf->bus, sizeof(pf->bus), "%s", bus);
		snprintf(pf->dev, sizeof(pf->dev), "%s", dev);
		pf->found = true;
	}
	return MNL_CB_OK;
}

const char *link_eswitch_name(enum link_eswitch mode)
{
	return mode == LINK_ESWITCH_SWITCHDEV ? "switchdev" : "legacy";
}

int link_get_eswitch_mode(const char *ifname, enum link_eswitch *mode)
{
	struct devlink_port_find pf = { .ifname = ifname };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint16_t family;
	struct u16_attr esw_mode = { DEVLINK_ATTR_ESWITCH_MODE, -1 };
	struct netlink nl;
	int err;

	err = check_ifname(ifname);
	if (err)
		return err;
	err = genl_open(&nl, "devlink", &family);
	if (err)
		return err;
	nlh = genl_put(buf, family, DEVLINK_CMD_PORT_GET, DEVLINK_GENL_VERSION, NLM_F_DUMP);
	err = netlink_call(&nl, nlh, devlink_port_cb, &pf);
	if (err) {
		netlink_fail(&nl, err, "listing devlink ports");
		goto out;
	}
	if (!pf.found) {
		ewoe_err("%s has no devlink port: its driver has no eswitch", ifname);
		err = -ENODEV;
		goto out;
	}
	nlh = genl_put(buf, family, DEVLINK_CMD_ESWITCH_GET, DEVLINK_GENL_VERSION, 0);
	mnl_attr_put_strz(nlh, DEVLINK_ATTR_BUS_NAME, pf.bus);
	mnl_attr_put_strz(nlh, DEVLINK_ATTR_DEV_NAME, pf.dev);
	err = netlink_call(&nl, nlh, u16_attr_cb, &esw_mode);
	if (err) {
		netlink_fail(&nl, err, "%s/%s: reading the eswitch mode", pf.bus, pf.dev);
		goto out;
	}
	if (esw_mode.value != DEVLINK_ESWITCH_MODE_LEGACY &&
	    esw_mode.value != DEVLINK_ESWITCH_MODE_SWITCHDEV) {
		ewoe_err("%s/%s: unknown eswitch mode %d", pf.bus, pf.dev, esw_mode.value);
		err = -EPROTO;
		goto out;
	}
	*mode = esw_mode.value == DEVLINK_ESWITCH_MODE_SWITCHDEV ? LINK_ESWITCH_SWITCHDEV
								 : LINK_ESWITCH_LEGACY;
out:
	netlink_close(&nl);
	return err;
}

int link_setup_pf(const char *pf, const struct ewoe_addr *addr, int prefix_len, const char *rep,
		  bool packet_offload)
{
	int rep_mtu = 0, changed = 0, rc;
	struct link_feature tc;

	/* Everything that can refuse is checked before the first change. */
	rc = link_get_mtu(pf);
	if (rc < 0)
		return rc;
	if (rep) {
		rep_mtu = link_get_mtu(rep);
		if (rep_mtu < 0)
			return rep_mtu;
	}
	if (packet_offload) {
		rc = link_get_feature(pf, "hw-tc-offload", &tc);
		if (rc < 0)
			return rc;
		if (!tc.active && !tc.changeable) {
			ewoe_err(
			    "%s: hw-tc-offload is fixed off by its driver; packet offload needs "
			    "it",
			    pf);
			ewoe_hint(
			    "use the BlueField uplink (p0/p1) as the PF, or offload mode none");
			return -EOPNOTSUPP;
		}
	}

	rc = link_set_up(pf);
	if (rc < 0)
		return rc;
	changed |= rc;
	if (addr) {
		rc = link_add_addr(pf, addr, prefix_len);
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	if (rep) {
		rc = link_raise_mtu(pf, rep_mtu +
					    EWOE_VXLAN_OVERHEAD_FOR(addr ? addr->family : AF_INET));
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	if (packet_offload) {
		rc = link_set_feature(pf, "hw-tc-offload", true);
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	return changed;
}
