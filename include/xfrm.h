/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel IPsec state read back over netlink: xfrm states (libnl-xfrm), policies (libmnl) and
 * link facts (rtnetlink). Everything lands in plain structs, so the checker never sees libnl.
 * Functions print their own error once and return 0 or a negative errno.
 */
#ifndef EWOE_XFRM_H
#define EWOE_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.h"

struct nlmsghdr;

/*
 * What an SA keeps of the kernel's alg_name[64]: every AEAD the kernel offers for ESP
 * ("rfc7539esp(chacha20,poly1305)" is the longest) fits; a longer name is cut, and shown
 * cut. At 10,000 SAs each byte here is 10 KB of table.
 */
#define XFRM_AEAD_NAME_KEEP 32

/*
 * The flags of the kernel's struct xfrm_user_offload (linux/xfrm.h). PACKET is Linux 6.2's,
 * which older UAPI headers (Debian 11, Debian 12 before its stable updates) do not define.
 */
#define EWOE_XFRM_OFFLOAD_INBOUND 2
#define EWOE_XFRM_OFFLOAD_PACKET  4

struct xfrm_sel_info {
	int family;
	struct ewoe_addr saddr, daddr; /* the selector's addresses, with the prefixes below */
	uint8_t prefixlen_s, prefixlen_d;
	uint8_t proto;		    /* IPPROTO_UDP, or 0 for any */
	uint16_t sport, sport_mask; /* host byte order; mask 0 means any port */
	uint16_t dport, dport_mask;
};

struct xfrm_offload_info {
	bool present; /* XFRMA_OFFLOAD_DEV was in the message */
	int ifindex;
	uint8_t flags; /* EWOE_XFRM_OFFLOAD_* */
};

struct xfrm_sa_info {
	uint64_t packets, bytes;
	struct ewoe_addr src, dst;
	struct xfrm_sel_info sel;
	struct xfrm_offload_info offload;
	uint32_t spi; /* host byte order */
	uint32_t reqid;
	uint8_t proto;
	uint8_t mode; /* XFRM_MODE_* */
	bool esn;
	char aead[XFRM_AEAD_NAME_KEEP]; /* empty when the SA has no AEAD algorithm */
	uint16_t aead_key_bits, aead_icv_bits;
};

/* A policy's first template: what the checks ask of it (transport mode has no addresses). */
struct xfrm_tmpl_info {
	uint32_t reqid;
	uint8_t proto;
	uint8_t mode;
};

struct xfrm_pol_info {
	struct xfrm_sel_info sel;
	struct xfrm_offload_info offload;
	struct xfrm_tmpl_info tmpl;
	uint32_t n_tmpl; /* templates beyond the first are counted, not kept */
	uint8_t dir;	 /* XFRM_POLICY_IN, _OUT, _FWD */
	uint8_t action;
};

struct xfrm_table {
	struct xfrm_sa_info *sa;
	size_t n_sa;
	struct xfrm_pol_info *pol;
	size_t n_pol;
};

/* One XFRM_MSG_NEWSA message (as in a dump) into a struct; -EINVAL when malformed. */
int xfrm_parse_sa(struct nlmsghdr *nlh, struct xfrm_sa_info *out);
/* One XFRM_MSG_NEWPOLICY message; -EINVAL when malformed. */
int xfrm_parse_policy(const struct nlmsghdr *nlh, struct xfrm_pol_info *out);

/* One dump of all states and one of all policies in this network namespace. -EPERM without
 * CAP_NET_ADMIN. */
int xfrm_read_kernel(struct xfrm_table *t);
void xfrm_table_free(struct xfrm_table *t);

#endif
