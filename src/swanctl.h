/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One description of a peer's connection, rendered two ways: as the VICI load-conn message
 * and as the swanctl.conf text ewoe persists, with the credentials beside it in swanctl's
 * directories, so what ewoe loads and what a restarted charon reloads with
 * `swanctl --load-all` cannot drift apart.
 */
#ifndef EWOE_SWANCTL_H
#define EWOE_SWANCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "creds.h"
#include "ike_vici.h"
#include "peer.h"

struct emit {
	vici_req_t *req; /* the VICI message, or */
	FILE *f;	 /* swanctl.conf text */
	int depth;
};

/* The connection "ewoe-<name>" into e (a VICI message or swanctl.conf text). */
void swanctl_emit_conn(struct emit *e, const struct ewoe_peer *p, const struct creds *c);

enum { F_CONF, F_CERT, F_KEY, F_PEER_CERT, F_CA, F_COUNT };

struct out_file {
	char path[PATH_MAX];
	char *data; /* NULL: this kind of file must not exist for this peer */
	size_t len;
	mode_t mode;
};

/* The path of one of a peer's files under --root. 0 or -ENAMETOOLONG (printed). */
int swanctl_file_path(int kind, const char *name, char *buf, size_t size);
/* Every file the peer needs, rendered; kinds it does not need have data NULL. 0 or <0. */
int swanctl_plan_files(const struct ewoe_peer *p, const struct creds *c, struct out_file *files);
void swanctl_files_free(struct out_file *files);
/* Whether path (one of swanctl_file_path()'s) exists, from one listing of each directory. */
bool swanctl_file_listed(struct ike *ike, const char *path);
/* Whether the file on disk has f's content and mode (or is absent when f has no data). */
bool swanctl_file_matches(const struct out_file *f);
int swanctl_write_file(const struct out_file *f);

#endif
