// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe teardown: remove what ewoe made on this node (or for one peer): strongSwan connections,
 * credentials and files, VXLAN ports, and the bridge when ewoe created it and nothing else uses
 * it. Offload is reverted only on request. Running it twice is harmless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ewoe.h"
#include "ike.h"
#include "log.h"
#include "node.h"
#include "offload.h"
#include "opts.h"
#include "ovsdb.h"
#include "setup.h"
#include "state.h"
#include "xfrm.h"

static const char teardown_help[] =
    "Removes only what ewoe created: tunnels and connections of peers in the config and\n"
    "every tunnel ewoe marked on the bridge. Without a config, --bridge and --pf name the\n"
    "node's bridge and PF.\n";

const struct ewoe_cli teardown_cli = { node_args_groups, OPT_TEARDOWN, teardown_help, NULL };

struct victim {
	char name[EWOE_PEER_NAME_MAX];
	char ifname[IFNAMSIZ];
	struct xfrm_guard guard; /* remote family 0: its endpoints are not known */
};

/* Peers to remove: ewoe's tunnels on the bridge plus the config's peers, each once. */
static int collect(struct ovsdb *db, const struct ewoe_config *cfg, const char *only,
		   struct victim **out)
{
	struct ovsdb_tunnel_ref *refs = NULL;
	struct victim *v;
	int n_refs, n = 0;

	n_refs = ovsdb_list_tunnels(db, cfg->node.bridge, &refs);
	if (n_refs < 0)
		return n_refs;
	v = calloc((size_t)n_refs + cfg->n_peers + 1, sizeof(*v));
	if (!v) {
		free(refs);
		return -ENOMEM;
	}
	for (int i = 0; i < n_refs; i++) {
		snprintf(v[n].name, sizeof(v[n].name), "%s", refs[i].name);
		snprintf(v[n].ifname, sizeof(v[n].ifname), "%s", refs[i].ifname);
		v[n].guard.local = refs[i].local;
		v[n].guard.remote = refs[i].remote;
		v[n].guard.dst_port = refs[i].dst_port;
		n++;
	}
	free(refs);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		bool known = false;

		for (int j = 0; j < n && !known; j++)
			known = !strcmp(v[j].name, cfg->peers[i].name);
		if (known)
			continue;
		snprintf(v[n].name, sizeof(v[n].name), "%s", cfg->peers[i].name);
		snprintf(v[n].ifname, sizeof(v[n].ifname), "%s", cfg->peers[i].ifname);
		xfrm_guard_of_peer(&cfg->peers[i], 0, &v[n].guard);
		n++;
	}
	if (only) {
		int keep = 0;

		for (int i = 0; i < n; i++)
			if (!strcmp(v[i].name, only))
				v[keep++] = v[i];
		n = keep;
	}
	*out = v;
	return n;
}

/* Without a config file nothing checked the names yet: bad input, before any daemon. */
int cmd_teardown(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct node_args args;
	struct ewoe_config *cfg = NULL;
	struct ovsdb_tunnel_status bridge_st;
	struct ewoe_peer probe;
	struct victim *victims = NULL;
	struct ovsdb *db = NULL;
	struct ike *ike = NULL;
	enum ewoe_parse parsed;
	int n, rc, removed = 0;

	parsed = node_args_parse(self, argc, argv, &args);
	if (parsed != EWOE_PARSE_GO_ON)
		return ewoe_parse_exit(parsed);
	if (!node_args_from_file(&args))
		rc = config_parse_string("", "command line", &cfg);
	else
		rc = node_args_config(&args, &cfg);
	if (rc)
		return rc < 0 ? EXIT_FAIL : rc;
	node_args_apply_node(&args, &cfg->node);

	rc = ovsdb_open(ewoe_opts.db, ewoe_opts.timeout_ms, &db);
	/* Without charon the tunnels still come down: their SAs, policies and files directly. */
	if (!rc && ike_open(ewoe_opts.vici, &ike) < 0) {
		ewoe_warn("charon does not answer: removing the tunnels' kernel state and ewoe's "
			  "swanctl files directly");
		ike = NULL;
	}
	if (!rc) {
		n = collect(db, cfg, args.only_peer, &victims);
		rc = n < 0 ? n : 0;
	}
	if (rc)
		goto out;
	if (args.only_peer && !n) {
		ewoe_err("no peer '%s' in %s or on bridge %s", args.only_peer, args.config,
			 cfg->node.bridge);
		rc = -EINVAL; /* a name that is not there is bad input: nothing was changed */
		goto out;
	}

	ewoe_peer_init(&probe);
	snprintf(probe.bridge, sizeof(probe.bridge), "%s", cfg->node.bridge);
	ovsdb_tunnel_status(db, &probe, NULL, &bridge_st);
	for (int i = 0; i < n && rc >= 0; i++) {
		int ike_rc = ike_unload_peer(ike, victims[i].name), ovs_rc = 0;

		if (ike_rc >= 0 && bridge_st.bridge_exists)
			ovs_rc = ovsdb_remove_tunnel(db, cfg->node.bridge, victims[i].ifname, true);
		rc = ike_rc < 0 ? ike_rc : ovs_rc;
		/* What charon could not remove: a killed charon's SAs, or all when it is gone. */
		if (rc >= 0 && victims[i].guard.remote.family) {
			int flush_rc =
			    xfrm_flush_tunnel(&victims[i].guard.local, &victims[i].guard.remote);

			rc = flush_rc < 0 ? flush_rc : rc | flush_rc;
		}
		/* The guard goes last: until the port is gone it keeps VXLAN from leaving bare. */
		if (rc >= 0 && victims[i].guard.remote.family) {
			int guard_rc = xfrm_guard_remove(&victims[i].guard);

			rc = guard_rc < 0 ? guard_rc : rc | guard_rc;
		}
		if (rc >= 0)
			state_failure_clear(victims[i].name);
		if (rc > 0 || ike_rc > 0) {
			removed++;
			ewoe_change(EWOE_REMOVED, "peer", victims[i].name, "peer %s: %s",
				    victims[i].name,
				    ewoe_opts.dry_run ? "would be removed" : "removed");
		}
	}
	if (rc >= 0 && !args.only_peer && !args.keep_bridge && bridge_st.bridge_exists) {
		rc = ovsdb_remove_bridge(db, cfg->node.bridge, true);
		if (rc > 0) {
			removed++;
			ewoe_change(EWOE_REMOVED, "ovs-bridge", cfg->node.bridge, "bridge %s: %s",
				    cfg->node.bridge,
				    ewoe_opts.dry_run ? "would be removed" : "removed");
		}
	}
	/* Guards whose tunnels are gone by other ways (a run killed half-way, a port deleted). */
	if (rc >= 0 && !args.only_peer) {
		rc = node_guard_prune(NULL);
		removed += rc > 0;
	}
	/* The node is no longer set up: its last successful setup (ewoe metrics) goes too. */
	if (rc >= 0 && !args.only_peer)
		state_setup_ok_clear();
	if (rc >= 0 && args.revert_offload)
		rc = offload_apply(cfg->node.pf, false, false);
	if (rc >= 0 && !removed)
		ewoe_report("nothing of ewoe's to remove (bridge %s)", cfg->node.bridge);
out:
	free(victims);
	ovsdb_free(db);
	ike_free(ike);
	config_free(cfg);
	return ewoe_exit_code(rc);
}
