/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/ewoe/ewoe.conf: one node and its peers, shared by setup, verify and teardown. */
#ifndef EWOE_CONF_H
#define EWOE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "peer.h"

#define EWOE_DEFAULT_CONFIG "/etc/ewoe/ewoe.conf"

struct ewoe_node {
	char pf[IFNAMSIZ];
	char rep[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	struct ewoe_addr address; /* the PF's underlay address; family 0 when not set */
	int prefix_len;
	enum ewoe_offload offload;
};

struct ewoe_config {
	struct ewoe_node node;
	struct ewoe_peer *peers;
	size_t n_peers, cap_peers;
	char **strings; /* every file path the peers point at, owned here */
	size_t n_strings, cap_strings;
	bool node_section; /* the text has a [node] section */
};

/*
 * Parse and validate; on error print "ewoe: FILE:LINE: what is wrong" once and return
 * -EINVAL (or -errno when the file cannot be read). The file must not be writable by group
 * or others: it decides what runs as root.
 */
int config_load(const char *path, struct ewoe_config **out);
/* The same grammar from memory; origin names it in messages. For tests and the fuzzer. */
int config_parse_string(const char *text, const char *origin, struct ewoe_config **out);
void config_free(struct ewoe_config *cfg);

/* Add a peer, or replace the one of the same name (flags override the file). */
int config_add_peer(struct ewoe_config *cfg, const struct ewoe_peer *peer);
/*
 * Give every peer the node's address, bridge and offload, and check what needs the whole
 * config (duplicates, families). Run again after changing the node. 0 or -EINVAL, printed.
 */
int config_finish(struct ewoe_config *cfg, const char *origin);

const struct ewoe_peer *config_find_peer(const struct ewoe_config *cfg, const char *name);

/*
 * Set one [node] key ("pf", "representor", "bridge", "address", "offload"): 0, -ENOENT for
 * another key, -EINVAL with why filled in ("offload 'x' is not one of ...") for a bad value.
 */
int config_node_set(struct ewoe_node *node, const char *key, const char *value, char *why,
		    size_t why_len);

/* Defaults for a node given by flags alone. */
void config_node_init(struct ewoe_node *node);
/* "192.0.2.1/24" or "2001:db8::1/64"; a bare address gets /32 or /128. */
int config_parse_prefix(const char *s, struct ewoe_addr *addr, int *prefix_len);

#endif
