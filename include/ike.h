/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strongSwan over VICI (libvici). The only interface to strongSwan: libvici's declarations
 * stay in src/. Functions print their own error once and return 0/1 or a negative errno.
 */
#ifndef EWOE_IKE_H
#define EWOE_IKE_H

#include <stdbool.h>

#include "peer.h"

struct ike;

int ike_open(const char *uri, struct ike **out);
void ike_free(struct ike *ike);

/*
 * Everything that can be checked before anything is loaded: files exist, parse, key matches
 * certificate, validity, chain, PSK strength. No daemon needed.
 */
int ike_check_peer(const struct ewoe_peer *peer);

/* Load credentials and the connection; 1 changed, 0 already loaded identically, <0 error. */
int ike_load_peer(struct ike *ike, const struct ewoe_peer *peer);
/* Bring both children up within timeout_ms (initiator side). */
int ike_initiate(struct ike *ike, const struct ewoe_peer *peer, int timeout_ms);
/* Terminate, unload connection and credentials. 1 removed, 0 nothing there, <0 error. */
int ike_unload_peer(struct ike *ike, const char *name);

struct ike_status {
	bool conn_loaded;
	bool ike_established;
	int children_installed; /* of 2 */
	char state[32];		/* IKE_SA state when not ESTABLISHED */
};
int ike_peer_status(struct ike *ike, const char *name, struct ike_status *st);

#endif
