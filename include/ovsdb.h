/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OVSDB through the OVS C IDL. The only interface to Open vSwitch: no OVS header leaks past
 * src/ovsdb.c. Functions print their own error once and return 0/1 or a negative errno.
 */
#ifndef EWOE_OVSDB_H
#define EWOE_OVSDB_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon_status.h"
#include "peer.h"

struct ovsdb;

/*
 * Connect and wait for the first snapshot within timeout_ms (also the deadline of every later
 * call). An unreachable database is reported with the socket named: -ENOTCONN.
 *
 * Writing calls build one transaction and, with wait, refuse (-ESRCH, nothing written) when no
 * ovs-vswitchd serves the database, bump next_cfg, and wait for cur_cfg: -ETIMEDOUT when it
 * does not catch up (the change stays written), -EIO when it cannot add an interface or the
 * server refuses the transaction (its reason printed in one line). A transaction built from
 * bridges, ports or interfaces another client changed meanwhile is built again from the
 * newer snapshot, within the same deadline.
 * Under ewoe_opts.dry_run they print "dry-run: would ..." lines and write nothing.
 * Rows they insert carry external_ids ewoe:owner=ewoe; the removals touch nothing else.
 */
int ovsdb_open(const char *remote, int timeout_ms, struct ovsdb **out);
void ovsdb_free(struct ovsdb *db);

struct ovsdb_bridge_spec {
	const char *bridge;
	const char *rep; /* host representor port to put on the bridge */
	int hw_offload;	 /* 1 true, 0 false, -1 leave as is */
	bool move;	 /* take rep off another bridge instead of refusing */
	bool wait;	 /* wait for ovs-vswitchd to apply (cur_cfg) */
};

/*
 * 1 changed, 0 already so (nothing written), <0 error. A rep on another bridge is -EEXIST
 * unless move; a moved port remembers its bridge (ewoe:moved-from) for ovsdb_remove_bridge.
 */
int ovsdb_setup_bridge(struct ovsdb *db, const struct ovsdb_bridge_spec *spec);

/*
 * The VXLAN interface of one peer on peer->bridge (which must exist: -ENOENT, see
 * ovsdb_setup_bridge): options local_ip, remote_ip, key, dst_port, never psk/remote_cert/
 * remote_name. 1 changed, 0 already so, -EINVAL bad peer, -EEXIST name or tunnel taken.
 */
int ovsdb_ensure_tunnel(struct ovsdb *db, const struct ewoe_peer *peer, bool wait);
/* (A tunnel it creates is marked as `ewoe tunnel`'s; ovsdb_ensure_tunnels, setup's, takes
 * such a tunnel over.) */

/*
 * Every peer's interface in one transaction and one wait for ovs-vswitchd, as setup needs for
 * a full mesh. changed[i] (when not NULL) tells which peers it touched. 1, 0 or <0 as above.
 */
int ovsdb_ensure_tunnels(struct ovsdb *db, const struct ewoe_peer *peers, size_t n, bool wait,
			 bool *changed);

/*
 * Remove only what ewoe created. 1 removed, 0 nothing to remove, <0 error: -ENOENT unknown
 * bridge, -EPERM a tunnel port ewoe did not create, -EBUSY the bridge still has ewoe tunnels.
 * A bridge ewoe did not create, or that carries other ports, is left in place (0).
 */
int ovsdb_remove_tunnel(struct ovsdb *db, const char *bridge, const char *ifname, bool wait);
int ovsdb_remove_bridge(struct ovsdb *db, const char *bridge, bool wait);

int ovsdb_tunnel_status(struct ovsdb *db, const struct ewoe_peer *peer, const char *rep,
			struct ovsdb_tunnel_status *st);

/* A tunnel ewoe made: the peer it serves, its interface and its endpoints. */
struct ovsdb_tunnel_ref {
	char name[EWOE_PEER_NAME_MAX];
	char ifname[IFNAMSIZ];
	struct ewoe_addr local, remote; /* family 0 when the options do not hold one */
	uint16_t dst_port;
	bool by_tunnel; /* made by `ewoe tunnel` (ovsdb_ensure_tunnel), no config's */
};
/* The tunnels ewoe made on bridge (none when it does not exist). Their count or <0; free(*out). */
int ovsdb_list_tunnels(struct ovsdb *db, const char *bridge, struct ovsdb_tunnel_ref **out);

/* Whether Open_vSwitch other_config:hw-offload is "true". 1, 0, or <0 error. */
int ovsdb_hw_offload(struct ovsdb *db);

#endif
