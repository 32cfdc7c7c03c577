// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The node-wide steps of setup, in the seed's order, and the fail-closed guards of a node's
 * peers, which setup, teardown and `ewoe guard` share (include/setup.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "link.h"
#include "offload.h"
#include "ovsdb.h"
#include "platform.h"
#include "setup.h"
#include "xfrm.h"

int node_apply(const struct ewoe_config *cfg, bool links, struct ovsdb *db)
{
	const struct ewoe_node *node = &cfg->node;
	bool packet = node->offload == OFFLOAD_PACKET;
	struct ovsdb_bridge_spec bridge = {
		.bridge = node->bridge,
		.rep = node->rep,
		.hw_offload = packet			      ? 1
			      : node->offload == OFFLOAD_NONE ? 0
							      : -1,
		.wait = true,
	};
	int hw_before, rc;

	if (packet) {
		rc = offload_apply(node->pf, true, false);
		if (rc < 0)
			return rc;
	}
	if (!!links && node->address.family) {
		rc = link_setup_pf(node->pf, &node->address, node->prefix_len, node->rep, packet);
		if (rc < 0)
			return rc;
	}
	/* A representor that is down cuts the host off the overlay as surely as a missing one. */
	if (!!links) {
		struct link_state rep;

		rc = link_get_state(node->rep, &rep);
		if (!rc && rep.ifindex)
			rc = link_set_up(node->rep);
		if (rc < 0)
			return rc;
	}
	/* The seed's host restriction exists only with NVIDIA's driver and tools. */
	if (packet && platform_exists(PLATFORM_BFCONF)) {
		rc = platform_set_host_restriction();
		if (rc < 0)
			return rc;
	}
	hw_before = ovsdb_hw_offload(db);
	rc = ovsdb_setup_bridge(db, &bridge);
	if (rc < 0)
		return rc;
	/* Under --dry-run this only prints the restart: it belongs in the plan. */
	if (bridge.hw_offload >= 0 && hw_before >= 0 && hw_before != bridge.hw_offload)
		return platform_restart_vswitchd();
	return 0;
}

int node_guard_peers(const struct ewoe_config *cfg, bool offload_optional)
{
	struct link_state pf = { 0 };
	struct xfrm_guard *guards;
	int rc;

	if (!cfg->n_peers)
		return 0;
	/* At boot the PF may not exist yet: the software guard holds until setup offloads it. */
	if (link_get_state(cfg->node.pf, &pf))
		pf.ifindex = 0;
	guards = calloc(cfg->n_peers, sizeof(*guards));
	if (!guards)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		xfrm_guard_of_peer(&cfg->peers[i], pf.ifindex, &guards[i]);
		guards[i].offload_required &= !offload_optional;
	}
	rc = xfrm_guard_ensure(guards, cfg->n_peers, cfg->node.pf);
	free(guards);
	return rc;
}

static bool guard_in_config(const struct xfrm_guard *g, const struct ewoe_config *cfg)
{
	for (size_t i = 0; cfg && i < cfg->n_peers; i++) {
		const struct ewoe_peer *p = &cfg->peers[i];

		if (ewoe_addr_equal(&p->local, &g->local) &&
		    ewoe_addr_equal(&p->remote, &g->remote) && p->dst_port == g->dst_port)
			return true;
	}
	return false;
}

int node_guard_prune(const struct ewoe_config *cfg)
{
	struct xfrm_guard *guards = NULL;
	int n, rc = 0, changed = 0;

	n = xfrm_guard_list(&guards);
	if (n < 0)
		return n;
	for (int i = 0; i < n && rc >= 0; i++) {
		if (guard_in_config(&guards[i], cfg))
			continue;
		rc = xfrm_guard_remove(&guards[i]);
		changed |= rc > 0;
	}
	free(guards);
	return rc < 0 ? rc : changed;
}
