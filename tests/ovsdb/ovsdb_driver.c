// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drives the OVSDB backend calls that no command exposes yet (tunnel port, removal, status)
 * so the shell tests can run them against a real ovsdb-server and ovs-vswitchd.
 *
 *   ovsdb_driver DB tunnel PEER BRIDGE IFNAME|- LOCAL REMOTE VNI PORT [no-wait]
 *   ovsdb_driver DB remove-tunnel BRIDGE IFNAME [no-wait]
 *   ovsdb_driver DB remove-bridge BRIDGE [no-wait]
 *   ovsdb_driver DB status PEER BRIDGE IFNAME REP
 *   ovsdb_driver DB hw-offload
 *   ovsdb_driver DB race PEER BRIDGE IFNAME|- LOCAL REMOTE VNI PORT OTHER-PEER OTHER-REMOTE
 *
 * race: a second client, connected after this one took its snapshot, adds the tunnel to
 * OTHER-PEER at OTHER-REMOTE (same bridge, VNI and port) before this one adds PEER from its
 * snapshot, which no longer matches the database: the lost race of two concurrent setups,
 * made deterministic. Always without waiting for ovs-vswitchd, whose check would refresh the
 * snapshot.
 *
 * Prints "changed" or "unchanged" for the writing calls. Exit 0 on success, 2 for -EINVAL,
 * 1 for any other error. EWOE_TIMEOUT (seconds), EWOE_ROOT, EWOE_DRY_RUN and EWOE_VERBOSE set
 * ewoe_opts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ewoe.h"
#include "ovsdb.h"
#include "peer.h"

static int parse_peer(char **argv, struct ewoe_peer *peer)
{
	unsigned long vni, port;

	ewoe_peer_init(peer);
	snprintf(peer->name, sizeof(peer->name), "%s", argv[0]);
	snprintf(peer->bridge, sizeof(peer->bridge), "%s", argv[1]);
	if (ewoe_addr_parse(argv[3], &peer->local) || ewoe_addr_parse(argv[4], &peer->remote) ||
	    ewoe_parse_uint(argv[5], 0, 0xffffffffUL, &vni) ||
	    ewoe_parse_uint(argv[6], 0, 65535, &port)) {
		fprintf(stderr, "ovsdb_driver: bad tunnel arguments\n");
		return -EINVAL;
	}
	if (strcmp(argv[2], "-"))
		snprintf(peer->ifname, sizeof(peer->ifname), "%s", argv[2]);
	else
		ewoe_peer_default_ifname(&peer->remote, peer->ifname);
	peer->vni = (uint32_t)vni;
	peer->dst_port = (uint16_t)port;
	return 0;
}

static int race(struct ovsdb *db, const char *remote, char **argv)
{
	struct ovsdb *other = NULL;
	struct ewoe_peer peer, first;
	char *first_argv[7];
	int rc;

	rc = parse_peer(argv, &peer);
	if (rc)
		return rc;
	memcpy(first_argv, argv, sizeof(first_argv));
	first_argv[0] = argv[7];
	first_argv[2] = "-";
	first_argv[4] = argv[8];
	rc = parse_peer(first_argv, &first);
	if (rc)
		return rc;
	rc = ovsdb_open(remote, ewoe_opts.timeout_ms, &other);
	if (!rc)
		rc = ovsdb_ensure_tunnel(other, &first, false);
	ovsdb_free(other);
	if (rc < 0) {
		fprintf(stderr, "ovsdb_driver: the other client failed\n");
		return rc;
	}
	return ovsdb_ensure_tunnel(db, &peer, false);
}

static int run(struct ovsdb *db, const char *remote, int argc, char **argv)
{
	const char *verb = argv[0];
	bool wait = strcmp(argv[argc - 1], "no-wait") != 0;
	struct ovsdb_tunnel_status st;
	struct ewoe_peer peer;
	int rc;

	if (!strcmp(verb, "tunnel") && argc >= 8) {
		rc = parse_peer(argv + 1, &peer);
		return rc ? rc : ovsdb_ensure_tunnel(db, &peer, wait);
	}
	if (!strcmp(verb, "remove-tunnel") && argc >= 3)
		return ovsdb_remove_tunnel(db, argv[1], argv[2], wait);
	if (!strcmp(verb, "remove-bridge") && argc >= 2)
		return ovsdb_remove_bridge(db, argv[1], wait);
	if (!strcmp(verb, "status") && argc == 5) {
		ewoe_peer_init(&peer);
		snprintf(peer.name, sizeof(peer.name), "%s", argv[1]);
		snprintf(peer.bridge, sizeof(peer.bridge), "%s", argv[2]);
		snprintf(peer.ifname, sizeof(peer.ifname), "%s", argv[3]);
		rc = ovsdb_tunnel_status(db, &peer, argv[4], &st);
		if (!rc)
			printf("bridge=%d rep=%d iface=%d ofport=%ld ipsec=%d error=%s\n",
			       st.bridge_exists, st.rep_on_bridge, st.iface_exists, st.ofport,
			       st.ipsec_options, st.error);
		return rc;
	}
	if (!strcmp(verb, "race") && argc == 10)
		return race(db, remote, argv + 1);
	if (!strcmp(verb, "hw-offload")) {
		rc = ovsdb_hw_offload(db);
		if (rc >= 0)
			printf("hw-offload=%d\n", rc);
		return rc;
	}
	fprintf(stderr, "ovsdb_driver: bad arguments for '%s'\n", verb);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct ovsdb *db = NULL;
	const char *env;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: ovsdb_driver DB VERB ARGS...\n");
		return 2;
	}
	env = getenv("EWOE_TIMEOUT");
	if (env)
		ewoe_opts.timeout_ms = atoi(env) * 1000;
	env = getenv("EWOE_ROOT");
	if (env)
		ewoe_opts.root = env;
	ewoe_opts.dry_run = getenv("EWOE_DRY_RUN") != NULL;
	ewoe_opts.verbosity = getenv("EWOE_VERBOSE") ? 1 : 0;

	rc = ovsdb_open(argv[1], ewoe_opts.timeout_ms, &db);
	if (!rc)
		rc = run(db, argv[1], argc - 2, argv + 2);
	ovsdb_free(db);
	if (rc == 0 || rc == 1) {
		if (strcmp(argv[2], "status") && strcmp(argv[2], "hw-offload"))
			printf("%s\n", rc ? "changed" : "unchanged");
		return 0;
	}
	return rc == -EINVAL ? 2 : 1;
}
