/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strongSwan over VICI (libvici). The only interface to strongSwan: libvici's declarations
 * stay in src/. Functions print their own error once and return 0/1 or a negative errno.
 */
#ifndef EWOE_IKE_H
#define EWOE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon_status.h"
#include "peer.h"

struct creds;
struct ike;

/* Connect and ask the daemon its version; names the socket when it cannot be reached. */
int ike_open(const char *uri, struct ike **out);
void ike_free(struct ike *ike);

/*
 * What the running daemon must accept for this peer (hw_offload packet/crypto need
 * strongSwan 5.9.10): call before changing anything else. 0 or -ENOTSUP.
 */
int ike_check_daemon(struct ike *ike, const struct ewoe_peer *peer);

/*
 * Everything that can be checked before anything is loaded: files exist, parse, key matches
 * certificate, validity, chain, PSK strength. No daemon needed. A negative errno, printed;
 * ewoe_check_exit() turns it into the exit code (-ELIBACC: libcrypto cannot be loaded).
 * With out, the credentials read are kept there for ike_load_peer (creds_free() them).
 */
int ike_check_peer(const struct ewoe_peer *peer, struct creds **out);

/*
 * Load credentials and the connection "ewoe-<name>" and write the same configuration to
 * swanctl's conf.d under ewoe_opts.root. checked: what ike_check_peer() read for the peer,
 * or NULL to read and check them here. 1 changed, 0 already loaded identically, <0 error;
 * on error nothing new stays loaded. Respects ewoe_opts.dry_run.
 */
int ike_load_peer(struct ike *ike, const struct ewoe_peer *peer, const struct creds *checked);
/*
 * Initiator side: wait until each peer's IKE_SA and both children are up within timeout_ms,
 * starting them when the daemon is not already doing so; for each that fails, report the
 * daemon's last reason. All peers are followed at once, so N tunnels take about as long as the
 * slowest. A negative timeout_ms starts without waiting. 0, or the first failure's error.
 */
int ike_initiate(struct ike *ike, const struct ewoe_peer *const *peers, size_t n, int timeout_ms);
/*
 * End the peer's IKE_SA and CHILD_SAs, for ike_initiate() to set them up anew: what re-installs
 * SAs and policies removed from the kernel behind charon's back. 0 or <0.
 */
int ike_restart(struct ike *ike, const struct ewoe_peer *peer);
/*
 * Terminate, unload connection and credentials, remove ewoe's swanctl files (ike NULL: charon
 * does not answer, only the files).
 * 1 removed, 0 nothing there, <0 error. Respects ewoe_opts.dry_run.
 */
int ike_unload_peer(struct ike *ike, const char *name);

int ike_peer_status(struct ike *ike, const char *name, struct ike_status *st);
/* The same for n peers from one listing of charon's SAs: out[i] is peers[i]'s. 0 or <0. */
int ike_peers_status(struct ike *ike, const struct ewoe_peer *peers, size_t n,
		     struct ike_status *out);

#endif
