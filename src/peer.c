// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ewoe.h"
#include "log.h"
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
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

uint32_t ewoe_fnv1a(uint32_t h, const void *data, size_t len)
{
	for (const unsigned char *c = data; len--; c++)
		h = (h ^ *c) * 16777619u;
	return h;
}

void ewoe_peer_default_ifname(const struct ewoe_addr *remote, char ifname[IFNAMSIZ])
{
	if (remote->family == AF_INET) {
		snprintf(ifname, IFNAMSIZ, "vx%08x", ntohl(remote->v4.s_addr));
		return;
	}
	snprintf(ifname, IFNAMSIZ, "vx6%08x",
		 ewoe_fnv1a(EWOE_FNV1A_SEED, &remote->v6, sizeof(remote->v6)));
}

/* Why a can be no PF's underlay address, or NULL when it can be one. */
static const char *not_unicast(const struct ewoe_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->v4.s_addr);

		if (!v)
			return "the unspecified address";
		if ((v >> 24) == 127)
			return "a loopback address";
		if ((v >> 28) == 0xe)
			return "a multicast address";
		if (v == 0xffffffffu)
			return "the broadcast address";
		if ((v >> 28) == 0xf)
			return "a reserved (class E) address";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&a->v6))
		return "the unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(&a->v6))
		return "the loopback address";
	if (IN6_IS_ADDR_MULTICAST(&a->v6))
		return "a multicast address";
	/* Both need what an address here cannot carry: an interface scope, or the IPv4 family. */
	if (IN6_IS_ADDR_LINKLOCAL(&a->v6))
		return "a link-local address (usable only with an interface scope)";
	if (IN6_IS_ADDR_V4MAPPED(&a->v6))
		return "an IPv4-mapped address (give the IPv4 address itself)";
	return NULL;
}

int ewoe_peer_validate(const struct ewoe_peer *p)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	const char *why;

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
	if ((why = not_unicast(&p->local))) {
		ewoe_err("local address %s is %s; give this DPU's PF (underlay) unicast address",
			 ewoe_addr_str(&p->local, l), why);
		return -EINVAL;
	}
	if ((why = not_unicast(&p->remote))) {
		ewoe_err("remote address %s is %s; give the peer DPU's PF unicast address",
			 ewoe_addr_str(&p->remote, r), why);
		return -EINVAL;
	}
	if (ewoe_addr_equal(&p->local, &p->remote)) {
		ewoe_err(
		    "local and remote address are both %s; --remote is the peer DPU's PF address",
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
		ewoe_err("VXLAN port 0 is invalid: use 1..65535 (default %u)",
			 EWOE_DEFAULT_DST_PORT);
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

static int set_enum(const char *value, const char *const names[], size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(value, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return -EINVAL;
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), -EINVAL)

int ewoe_peer_set(struct ewoe_peer *p, const char *key, const char *value, char *why,
		  size_t why_len)
{
	static const char *const auths[] = {
		[AUTH_PSK] = "psk", [AUTH_CERT] = "cert", [AUTH_CA] = "ca"
	};
	static const char *const roles[] = {
		[ROLE_AUTO] = "auto", [ROLE_INITIATOR] = "initiator", [ROLE_RESPONDER] = "responder"
	};
	static const struct {
		const char *key;
		size_t offset;
	} files[] = {
		{ "psk-file", offsetof(struct ewoe_peer, psk_file) },
		{ "cert", offsetof(struct ewoe_peer, cert_file) },
		{ "key", offsetof(struct ewoe_peer, key_file) },
		{ "peer-cert", offsetof(struct ewoe_peer, peer_cert_file) },
		{ "ca", offsetof(struct ewoe_peer, ca_file) },
		{ "remote-name", offsetof(struct ewoe_peer, remote_name) },
		{ "ike-proposal", offsetof(struct ewoe_peer, ike_proposal) },
		{ "esp-proposal", offsetof(struct ewoe_peer, esp_proposal) },
	};
	unsigned long n;
	int e;

	if (!strcmp(key, "remote")) {
		if (ewoe_addr_parse(value, &p->remote))
			return WHY("remote '%s' is not an IPv4 or IPv6 address", value);
		return 0;
	}
	if (!strcmp(key, "auth")) {
		if (set_enum(value, auths, 3, &e))
			return WHY("auth '%s' is not one of psk, cert, ca", value);
		p->auth = (enum ewoe_auth)e;
		return 0;
	}
	if (!strcmp(key, "role")) {
		if (set_enum(value, roles, 3, &e))
			return WHY("role '%s' is not one of initiator, responder, auto", value);
		p->role = (enum ewoe_role)e;
		return 0;
	}
	if (!strcmp(key, "vni")) {
		if (ewoe_parse_uint(value, 0, EWOE_VNI_MAX, &n))
			return WHY("vni '%s' is out of range 0..%u", value, EWOE_VNI_MAX);
		p->vni = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "dst-port")) {
		if (ewoe_parse_uint(value, 1, 65535, &n))
			return WHY("dst-port '%s' is out of range 1..65535", value);
		p->dst_port = (uint16_t)n;
		return 0;
	}
	if (!strcmp(key, "rekey-packets")) {
		if (ewoe_parse_uint(value, 1, ~0UL, &n))
			return WHY("rekey-packets '%s' is not a positive number", value);
		p->rekey_packets = n;
		return 0;
	}
	if (!strcmp(key, "interface")) {
		if (!ewoe_name_valid(value, IFNAMSIZ - 1))
			return WHY("interface '%s' is not a valid interface name (1-%d of A-Z a-z "
				   "0-9 _ . -)",
				   value, IFNAMSIZ - 1);
		snprintf(p->ifname, sizeof(p->ifname), "%s", value);
		return 0;
	}
	if (!strcmp(key, "rekey-bytes"))
		return WHY("rekey-bytes is not supported: packet offload has no byte lifetimes; "
			   "use rekey-packets");
	if (!strcmp(key, "psk"))
		return WHY("a secret never goes in a config or on the command line; put it in a "
			   "file of its own (mode 0600) and name it with psk-file");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!strcmp(key, files[i].key)) {
			*(const char **)((char *)p + files[i].offset) = value;
			return 0;
		}
	}
	return -ENOENT;
}
