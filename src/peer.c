// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ewoe.h"
#include "peer.h"

void ewoe_peer_init(struct ewoe_peer *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->bridge, sizeof(p->bridge), "%s", EWOE_DEFAULT_BRIDGE);
	p->vni = EWOE_DEFAULT_VNI;
	p->dst_port = EWOE_DEFAULT_DST_PORT;
	p->offload = OFFLOAD_PACKET;
	p->role = ROLE_AUTO;
}

int ewoe_addr_parse(const char *s, struct ewoe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *ewoe_addr_str(const struct ewoe_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if (!a->family || !inet_ntop(a->family, &a->v4, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "(none)");
	return buf;
}

static size_t addr_len(const struct ewoe_addr *a)
{
	return a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
}

bool ewoe_addr_equal(const struct ewoe_addr *a, const struct ewoe_addr *b)
{
	return a->family == b->family && !memcmp(&a->v4, &b->v4, addr_len(a));
}

int ewoe_addr_cmp(const struct ewoe_addr *a, const struct ewoe_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->v4, &b->v4, addr_len(a));
}

bool ewoe_name_valid(const char *name, size_t max_len)
{
	size_t n = strlen(name);

	if (!n || n > max_len || name[0] == '-' || name[0] == '.')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

void ewoe_peer_default_ifname(const struct ewoe_addr *remote, char ifname[IFNAMSIZ])
{
	uint32_t h = 2166136261u; /* FNV-1a: stable across builds and machines */

	if (remote->family == AF_INET) {
		snprintf(ifname, IFNAMSIZ, "vx%08x", ntohl(remote->v4.s_addr));
		return;
	}
	for (size_t i = 0; i < sizeof(remote->v6); i++)
		h = (h ^ remote->v6.s6_addr[i]) * 16777619u;
	snprintf(ifname, IFNAMSIZ, "vx6%08x", h);
}

int ewoe_peer_validate(const struct ewoe_peer *p)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	if (!p->local.family || !p->remote.family) {
		ewoe_err("tunnel needs both --local and --remote addresses");
		return -EINVAL;
	}
	if (p->local.family != p->remote.family) {
		ewoe_err("local address %s and remote address %s are of different families; "
			 "use two IPv4 or two IPv6 addresses",
			 ewoe_addr_str(&p->local, l), ewoe_addr_str(&p->remote, r));
		return -EINVAL;
	}
	if (ewoe_addr_equal(&p->local, &p->remote)) {
		ewoe_err("local and remote address are both %s; --remote is the peer DPU's PF address",
			 ewoe_addr_str(&p->local, l));
		return -EINVAL;
	}
	if (!ewoe_name_valid(p->name, EWOE_PEER_NAME_MAX - 1)) {
		ewoe_err("peer name '%s' is invalid: use 1-%d of A-Z a-z 0-9 _ . -", p->name,
			 EWOE_PEER_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!ewoe_name_valid(p->ifname, IFNAMSIZ - 1)) {
		ewoe_err("interface name '%s' is invalid: use 1-%d of A-Z a-z 0-9 _ . -", p->ifname,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (!ewoe_name_valid(p->bridge, IFNAMSIZ - 1)) {
		ewoe_err("bridge name '%s' is invalid: use 1-%d of A-Z a-z 0-9 _ . -", p->bridge,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (p->vni > EWOE_VNI_MAX) {
		ewoe_err("VNI %u is out of range 0..%u", p->vni, EWOE_VNI_MAX);
		return -EINVAL;
	}
	if (!p->dst_port) {
		ewoe_err("VXLAN port 0 is invalid: use 1..65535 (default %u)", EWOE_DEFAULT_DST_PORT);
		return -EINVAL;
	}
	return 0;
}

bool ewoe_peer_initiates(const struct ewoe_peer *p)
{
	if (p->role != ROLE_AUTO)
		return p->role == ROLE_INITIATOR;
	return ewoe_addr_cmp(&p->local, &p->remote) < 0;
}

static const char *const offload_names[] = {
	[OFFLOAD_PACKET] = "packet",
	[OFFLOAD_CRYPTO] = "crypto",
	[OFFLOAD_AUTO] = "auto",
	[OFFLOAD_NONE] = "none",
};

const char *ewoe_offload_name(enum ewoe_offload o)
{
	return offload_names[o];
}

int ewoe_offload_parse(const char *s, enum ewoe_offload *o)
{
	for (size_t i = 0; i < sizeof(offload_names) / sizeof(offload_names[0]); i++) {
		if (!strcmp(s, offload_names[i])) {
			*o = (enum ewoe_offload)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ewoe_auth_name(enum ewoe_auth a)
{
	return a == AUTH_PSK ? "psk" : a == AUTH_CERT ? "cert" : "ca";
}
