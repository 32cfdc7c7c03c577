/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model every backend shares: a node's underlay and one encrypted VXLAN tunnel per peer. */
#ifndef EWOE_PEER_H
#define EWOE_PEER_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EWOE_DEFAULT_BRIDGE   "vxlan-br"
#define EWOE_DEFAULT_REP      "pf0hpf"
#define EWOE_DEFAULT_PF	      "p0"
#define EWOE_DEFAULT_VNI      100
#define EWOE_DEFAULT_DST_PORT 4789
#define EWOE_VNI_MAX	      16777215
#define EWOE_PEER_NAME_MAX    32 /* including the NUL */
#define EWOE_VXLAN_OVERHEAD   50 /* outer IPv4 + UDP + VXLAN + inner Ethernet */
/* An IPv6 outer header is 20 bytes longer than the IPv4 one. */
#define EWOE_VXLAN_OVERHEAD_V6 (EWOE_VXLAN_OVERHEAD + 20)
#define EWOE_VXLAN_OVERHEAD_FOR(family)                                                            \
	((family) == AF_INET6 ? EWOE_VXLAN_OVERHEAD_V6 : EWOE_VXLAN_OVERHEAD)

struct ewoe_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

enum ewoe_offload { OFFLOAD_PACKET, OFFLOAD_CRYPTO, OFFLOAD_AUTO, OFFLOAD_NONE };
enum ewoe_auth { AUTH_PSK, AUTH_CERT, AUTH_CA };
enum ewoe_role { ROLE_AUTO, ROLE_INITIATOR, ROLE_RESPONDER };

struct ewoe_peer {
	/* Names the strongSwan connection "ewoe-<name>" and the persisted file. */
	char name[EWOE_PEER_NAME_MAX];
	char ifname[IFNAMSIZ]; /* the OVS VXLAN interface */
	char bridge[IFNAMSIZ];
	struct ewoe_addr local, remote;
	uint32_t vni;
	uint16_t dst_port;
	enum ewoe_auth auth;
	enum ewoe_offload offload;
	enum ewoe_role role;
	const char *psk_file; /* "-" reads stdin; the secret itself never leaves the IKE module */
	const char *cert_file, *key_file; /* cert, ca: this node's identity */
	const char *peer_cert_file;	  /* cert: the peer's self-signed certificate */
	const char *ca_file;		  /* ca: the CA both certificates chain to */
	const char *remote_name;	  /* ca: the peer's identity (certificate subject or SAN) */
	const char *ike_proposal, *esp_proposal;
	uint64_t rekey_packets; /* 0 = strongSwan's default */
};

/* Fill the defaults above; name, ifname and addresses stay empty. */
void ewoe_peer_init(struct ewoe_peer *p);

int ewoe_addr_parse(const char *s, struct ewoe_addr *a); /* 0 or -EINVAL */
const char *ewoe_addr_str(const struct ewoe_addr *a, char buf[INET6_ADDRSTRLEN]);
bool ewoe_addr_equal(const struct ewoe_addr *a, const struct ewoe_addr *b);
/* memcmp-style order, used to pick the initiator (the lower local address). */
int ewoe_addr_cmp(const struct ewoe_addr *a, const struct ewoe_addr *b);

/* FNV-1a, stable across builds and machines: start from EWOE_FNV1A_SEED, chain for more data. */
#define EWOE_FNV1A_SEED 2166136261u
uint32_t ewoe_fnv1a(uint32_t h, const void *data, size_t len);

/* Peer and interface names: [A-Za-z0-9_.-], not starting with '-' or '.'. */
bool ewoe_name_valid(const char *name, size_t max_len);
/* "vx" + the peer's IPv4 address in hex, or a hash of an IPv6 one: stable and < IFNAMSIZ. */
void ewoe_peer_default_ifname(const struct ewoe_addr *remote, char ifname[IFNAMSIZ]);

/*
 * Check what can be checked without touching the system: address families match and differ,
 * names fit, VNI and port in range. Prints one error line naming the problem; 0 or -EINVAL.
 */
int ewoe_peer_validate(const struct ewoe_peer *p);

/* Whether this side initiates IKE: explicit role, else the lower local address. */
bool ewoe_peer_initiates(const struct ewoe_peer *p);

/*
 * Set one field from its ewoe.conf key, which is also its long option name ("vni",
 * "psk-file", "remote", ...). value is kept by pointer: it must outlive p. 0, -ENOENT for a key
 * that is not a peer's, -EINVAL with why filled in for a bad value.
 */
int ewoe_peer_set(struct ewoe_peer *p, const char *key, const char *value, char *why,
		  size_t why_len);

const char *ewoe_offload_name(enum ewoe_offload o);
int ewoe_offload_parse(const char *s, enum ewoe_offload *o);
const char *ewoe_auth_name(enum ewoe_auth a);

#endif
