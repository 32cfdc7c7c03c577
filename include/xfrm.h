/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel IPsec state read back over xfrm netlink: states (libnl-xfrm) and policies (libmnl).
 * Everything lands in plain structs, so the checker never sees libnl.
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
	uint32_t user; /* never matched by the kernel: ewoe's guards carry EWOE_GUARD_TAG here */
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
	uint32_t n_tmpl;   /* templates beyond the first are counted, not kept */
	uint32_t priority; /* a lower number wins */
	uint32_t index;	   /* the kernel's, to delete it by */
	uint8_t dir;	   /* XFRM_POLICY_IN, _OUT, _FWD */
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
/* The policies alone (n_sa 0): what the guards need. */
int xfrm_read_policies(struct xfrm_table *t);
void xfrm_table_free(struct xfrm_table *t);

/* An ESP SA between the two addresses, either way. */
bool xfrm_sa_of_tunnel(const struct xfrm_sa_info *sa, const struct ewoe_addr *local,
		       const struct ewoe_addr *remote);
/* An out or in policy between them that leads to an SA (allow, with a template): charon's. */
bool xfrm_pol_of_tunnel(const struct xfrm_pol_info *pol, const struct ewoe_addr *local,
			const struct ewoe_addr *remote);

/*
 * Remove what a tunnel left in the kernel when charon could not (it is gone, or killed): every
 * ESP SA between the two addresses and charon's policies for them, never a guard. 1 removed
 * some, 0 nothing there, <0 error. Honours dry-run.
 */
int xfrm_flush_tunnel(const struct ewoe_addr *local, const struct ewoe_addr *remote);

/* Delete one SA (by destination, SPI and protocol), saying why when why is not NULL. 1 deleted,
 * 0 already gone, <0 error. */
int xfrm_sa_delete(const struct xfrm_sa_info *sa, const char *why);

/*
 * The fail-closed guard of one tunnel: two xfrm policies that block its VXLAN traffic, out
 * (this node to the peer's VXLAN port) and in (the peer to this node's VXLAN port). Their
 * priority number is larger than any strongSwan gives its policies, so they apply only while
 * charon has no policy for that traffic: before IKE is up, after it fails, while charon is
 * stopped, and from boot until it runs. VXLAN to and from the peer then passes only as ESP.
 *
 * The guard's selector is the tunnel's, with EWOE_GUARD_TAG in its user field, which the
 * kernel never matches packets on: the tag keeps the guard apart from charon's policy with
 * the same addresses and ports (the kernel refuses two policies with one selector) and marks
 * it as ewoe's. A policy is a guard only with the tag, the priority, action block and no
 * template; ewoe never touches any other.
 */
#define EWOE_GUARD_PRIORITY 2000000000u /* strongSwan's largest is below 1,000,000 */
#define EWOE_GUARD_TAG	    0x65776f65u /* "ewoe" */

struct xfrm_guard {
	struct ewoe_addr local, remote;
	uint16_t dst_port;
	/* The PF to offload the guard to in packet mode (0: none), and whether the device must
	 * take it (packet) or may refuse it, leaving a software guard (auto). */
	int offload_ifindex;
	bool offload_required;
};

/* The guard a peer's tunnel needs; the PF's ifindex when its offload mode offloads policies. */
void xfrm_guard_of_peer(const struct ewoe_peer *p, int pf_ifindex, struct xfrm_guard *g);

/*
 * The XFRM_MSG_NEWPOLICY (or _UPDPOLICY) request for one direction (XFRM_POLICY_OUT or _IN)
 * into buf, which must hold MNL_SOCKET_BUFFER_SIZE bytes; with offload, XFRMA_OFFLOAD_DEV on
 * g->offload_ifindex in packet mode.
 */
struct nlmsghdr *xfrm_guard_request(char *buf, uint16_t type, const struct xfrm_guard *g,
				    uint8_t dir, bool offload);

/* Whether pol is one of ewoe's guards (see above), and the guard's tunnel when it is. */
bool xfrm_pol_is_guard(const struct xfrm_pol_info *pol);

/*
 * Install both policies of each of the n guards, or bring them to what it says (offload),
 * from one dump of the kernel's policies: guards in place cost no write. 1 changed, 0 all
 * already so, <0 error. A device that refuses the offload leaves a software guard, with one
 * line saying what that leaves unprotected; that is an error only when g->offload_required.
 * Under ewoe_opts.dry_run, says what it would do and changes nothing.
 */
int xfrm_guard_ensure(const struct xfrm_guard *g, size_t n, const char *pf);

/* Remove both policies of g. 1 removed, 0 none there, <0 error. */
int xfrm_guard_remove(const struct xfrm_guard *g);

/*
 * Every guard of ewoe's in the kernel, for teardown and for setup's clean-up of removed
 * peers: their count or <0; free(*out).
 */
int xfrm_guard_list(struct xfrm_guard **out);

#endif
