/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI session the IKE backend's files share (src/ only; commands see include/ike.h):
 * libvici loaded once, one connection to charon, requests whose transport failures and
 * refusals (success=no with errmsg, as swanctl reports them) are told apart, and the names
 * charon has loaded, read once per run.
 */
#ifndef EWOE_IKE_VICI_H
#define EWOE_IKE_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ike.h"
#include "libvici.h"

#define CONN_PREFIX	     "ewoe-"
#define CHILD_OUT	     "bf-out"
#define CHILD_IN	     "bf-in"
#define DEFAULT_IKE_PROPOSAL "aes128-sha256-x25519"
#define DEFAULT_ESP_PROPOSAL "aes128gcm128-x25519-esn"
#define CONN_NAME_MAX	     (sizeof(CONN_PREFIX) + EWOE_PEER_NAME_MAX)

extern struct vici_lib vici; /* filled by ike_open() */

/* Names the daemon lists (connections or shared key ids). */
struct name_set {
	char **names;
	size_t n;
	bool known; /* read from the daemon */
};

struct ike {
	vici_conn_t *conn;
	char *uri;
	char version[64];
	int version_num; /* major * 10000 + minor * 100 + patch */
	/*
	 * Read once per run and kept current as ewoe loads and unloads: asking per peer made
	 * a setup or teardown of N peers parse N lists of up to N names.
	 */
	struct name_set conns, shared;
	/* The files in swanctl's directories ewoe writes, read once: most peers have no cert. */
	struct name_set files;
};

int names_add(struct name_set *set, const char *name, size_t len);
ssize_t names_find(const struct name_set *set, const char *name);
/* Keep a set read earlier current with what ewoe itself just loaded or unloaded. */
void names_note(struct name_set *set, const char *name, bool present);

/* Whether the daemon has connection `conn` (shared key `id`): 1, 0, or <0. */
int conn_loaded(struct ike *ike, const char *conn);
int shared_key_loaded(struct ike *ike, const char *id);

/* Submit and check: transport failures and the daemon's refusals are told apart. */
int call(struct ike *ike, vici_req_t *req, const char *what, vici_res_t **out);
/* Like call(), but a refusal whose errmsg contains `absent` means "nothing there": 0. */
int call_absent_ok(struct ike *ike, vici_req_t *req, const char *absent, int *done);

#endif
