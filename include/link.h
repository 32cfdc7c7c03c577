/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPU's uplink through netlink (libmnl): rtnetlink for state, addresses and MTU, the
 * "ethtool" generic netlink family for features, "devlink" for the eswitch mode. Always the
 * running kernel's current network namespace, never the root prefix. Changes honour
 * --dry-run (reported, not made). Functions print their own error once, with the kernel's
 * extended-ack text when it sent one, and return 1 changed, 0 already so, or a negative errno.
 */
#ifndef EWOE_LINK_H
#define EWOE_LINK_H

#include <stdbool.h>

#include "peer.h"

struct link_state {
	int ifindex; /* 0: there is no such interface */
	unsigned int flags;
	int mtu;
};
/* What verify reports of an interface; one that does not exist is ifindex 0, not an error. */
int link_get_state(const char *ifname, struct link_state *out);

/* Whether ifname holds addr (any prefix): 1, 0, or a negative errno (-ENODEV: no ifname). */
int link_has_addr(const char *ifname, const struct ewoe_addr *addr);

/* Route lookups over one netlink socket: verify asks one per peer, thousands per run. */
struct link_routes;
int link_routes_open(struct link_routes **out);
void link_routes_free(struct link_routes *lr);
/*
 * For each of dsts[0..n), the ifindex the kernel routes it through (RTM_GETROUTE) into oifs:
 * 0 when it has no route, or a negative errno. Asked in batches, a few system calls for dozens
 * of lookups.
 */
void link_route_oifs(struct link_routes *lr, const struct ewoe_addr *dsts, size_t n, int *oifs);

/* MTU of ifname (> 0), or a negative errno (-ENODEV when there is no such interface). */
int link_get_mtu(const char *ifname);

int link_set_up(const char *ifname);

/* Add addr/prefix_len; 0 when exactly that is already there, -EEXIST with another prefix. */
int link_add_addr(const char *ifname, const struct ewoe_addr *addr, int prefix_len);
/* The same checks, nothing added: 0 when link_add_addr would add it or find it there,
 * -EINVAL after saying so when ifname holds addr with another prefix. */
int link_check_addr(const char *ifname, const struct ewoe_addr *addr, int prefix_len);

/* Raise the MTU to at least min_mtu; a larger MTU is left alone. */
int link_raise_mtu(const char *ifname, int min_mtu);

struct link_feature {
	bool active;
	bool changeable; /* false: fixed by the driver in its current state */
};

/* An ethtool feature by its ethtool name ("hw-tc-offload"); a name the kernel lacks reads off. */
int link_get_feature(const char *ifname, const char *feature, struct link_feature *out);
/* -EOPNOTSUPP when the driver keeps the feature fixed in the other state. */
int link_set_feature(const char *ifname, const char *feature, bool on);

enum link_eswitch { LINK_ESWITCH_LEGACY, LINK_ESWITCH_SWITCHDEV };
const char *link_eswitch_name(enum link_eswitch mode);
/* The eswitch mode of the devlink instance owning ifname; -ENODEV when it has no devlink port. */
int link_get_eswitch_mode(const char *ifname, enum link_eswitch *mode);

/*
 * Prepare the PF for the overlay: up, its underlay address, MTU at least rep's MTU + the VXLAN
 * overhead (rep may be NULL to skip), and hw-tc-offload on when packet_offload.
 */
int link_setup_pf(const char *pf, const struct ewoe_addr *addr, int prefix_len, const char *rep,
		  bool packet_offload);

#endif
