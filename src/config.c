// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ewoe.h"
#include "log.h"
#include "platform.h"

/* What inih's line buffer holds of a line, and a file far above thousands of peers. */
#define CONF_LINE_MAX 198
#define CONF_FILE_MAX (16 << 20)

/* A peer field that must be unique in a configuration. */
enum peer_key { BY_NAME, BY_REMOTE, BY_IFNAME };

/*
 * Peers by one unique field: open addressing over positions in cfg->peers, so the duplicate
 * checks of a file with thousands of peers take linear time, not quadratic.
 */
struct peer_set {
	enum peer_key key;
	uint32_t *slot; /* a position + 1; 0 is empty */
	size_t cap, n;	/* cap is a power of two, at least twice n */
};

struct parse_state {
	struct ewoe_config *cfg;
	struct peer_set names;
	char error[256]; /* the first problem; ini_parse() gives its line */
	char section[64];
	char seen_keys[512]; /* "|key|key|" of the current section, to refuse repeats */
	bool node_seen;	     /* a [node] section came earlier */
};

void config_node_init(struct ewoe_node *node)
{
	memset(node, 0, sizeof(*node));
	snprintf(node->pf, sizeof(node->pf), "%s", EWOE_DEFAULT_PF);
	snprintf(node->rep, sizeof(node->rep), "%s", EWOE_DEFAULT_REP);
	snprintf(node->bridge, sizeof(node->bridge), "%s", EWOE_DEFAULT_BRIDGE);
	node->offload = OFFLOAD_PACKET;
}

int config_parse_prefix(const char *s, struct ewoe_addr *addr, int *prefix_len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	unsigned long len;
	unsigned long max;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (ewoe_addr_parse(buf, addr))
		return -EINVAL;
	max = addr->family == AF_INET ? 32 : 128;
	if (!slash) {
		*prefix_len = (int)max;
		return 0;
	}
	if (ewoe_parse_uint(slash, 1, max, &len))
		return -EINVAL;
	*prefix_len = (int)len;
	return 0;
}

static uint32_t key_hash(const struct ewoe_peer *p, enum peer_key key)
{
	uint32_t h = EWOE_FNV1A_SEED;

	switch (key) {
	case BY_NAME:
		return ewoe_fnv1a(h, p->name, strlen(p->name));
	case BY_IFNAME:
		return ewoe_fnv1a(h, p->ifname, strlen(p->ifname));
	case BY_REMOTE:
		h = ewoe_fnv1a(h, &p->remote.family, sizeof(p->remote.family));
		return ewoe_fnv1a(h, &p->remote.v4,
				  p->remote.family == AF_INET ? sizeof(p->remote.v4)
							      : sizeof(p->remote.v6));
	}
	return h;
}

static bool key_equal(const struct ewoe_peer *a, const struct ewoe_peer *b, enum peer_key key)
{
	switch (key) {
	case BY_NAME:
		return !strcmp(a->name, b->name);
	case BY_IFNAME:
		return !strcmp(a->ifname, b->ifname);
	case BY_REMOTE:
		return ewoe_addr_equal(&a->remote, &b->remote);
	}
	return false;
}

static uint32_t *free_slot(uint32_t *slot, size_t cap, const struct ewoe_peer *peers, size_t i,
			   enum peer_key key, size_t *earlier)
{
	size_t h = key_hash(&peers[i], key) & (cap - 1);

	for (; slot[h]; h = (h + 1) & (cap - 1)) {
		if (key_equal(&peers[slot[h] - 1], &peers[i], key)) {
			*earlier = slot[h] - 1;
			return NULL;
		}
	}
	return &slot[h];
}

/* Adds peers[i]: 0, 1 when an earlier peer has its key (*earlier says which), or -ENOMEM. */
static int peer_set_add(struct peer_set *set, const struct ewoe_peer *peers, size_t i,
			size_t *earlier)
{
	uint32_t *slot;

	if (i >= UINT32_MAX)
		return -ENOMEM;
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		uint32_t *grown = calloc(cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		for (size_t k = 0; k < set->cap; k++)
			if (set->slot[k])
				*free_slot(grown, cap, peers, set->slot[k] - 1, set->key, earlier) =
				    set->slot[k];
		free(set->slot);
		set->slot = grown;
		set->cap = cap;
	}
	slot = free_slot(set->slot, set->cap, peers, i, set->key, earlier);
	if (!slot)
		return 1;
	*slot = (uint32_t)i + 1;
	set->n++;
	return 0;
}

static void peer_set_free(struct peer_set *set)
{
	free(set->slot);
	set->slot = NULL;
	set->cap = set->n = 0;
}

/* Room for one more peer at cfg->peers[cfg->n_peers], or NULL. */
static struct ewoe_peer *peer_slot(struct ewoe_config *cfg)
{
	if (ewoe_grow((void **)&cfg->peers, sizeof(*cfg->peers), cfg->n_peers, &cfg->cap_peers))
		return NULL;
	return &cfg->peers[cfg->n_peers];
}

static __attribute__((format(printf, 2, 3))) int bad(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->error[0]) {
		va_start(ap, fmt);
		vsnprintf(st->error, sizeof(st->error), fmt, ap);
		va_end(ap);
	}
	return 0; /* inih: stop counting this line as valid */
}

static const char *keep_string(struct ewoe_config *cfg, const char *value)
{
	if (ewoe_grow((void **)&cfg->strings, sizeof(*cfg->strings), cfg->n_strings,
		      &cfg->cap_strings))
		return NULL;
	cfg->strings[cfg->n_strings] = strdup(value);
	if (!cfg->strings[cfg->n_strings])
		return NULL;
	return cfg->strings[cfg->n_strings++];
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), -EINVAL)

int config_node_set(struct ewoe_node *node, const char *key, const char *value, char *why,
		    size_t why_len)
{
	char *name = !strcmp(key, "pf")		   ? node->pf
		     : !strcmp(key, "representor") ? node->rep
		     : !strcmp(key, "bridge")	   ? node->bridge
						   : NULL;

	if (name) {
		if (!ewoe_name_valid(value, IFNAMSIZ - 1))
			return WHY(
			    "%s '%s' is not a valid interface name (1-%d of A-Z a-z 0-9 _ . -)",
			    key, value, IFNAMSIZ - 1);
		snprintf(name, IFNAMSIZ, "%s", value);
		return 0;
	}
	if (!strcmp(key, "address")) {
		if (config_parse_prefix(value, &node->address, &node->prefix_len))
			return WHY("address '%s' is not an IP address with optional /prefix",
				   value);
		return 0;
	}
	if (!strcmp(key, "offload")) {
		if (ewoe_offload_parse(value, &node->offload))
			return WHY("offload '%s' is not one of packet, crypto, auto, none", value);
		return 0;
	}
	return -ENOENT;
}

static int node_key(struct parse_state *st, const char *key, const char *value)
{
	char why[200];
	int rc = config_node_set(&st->cfg->node, key, value, why, sizeof(why));

	if (rc == -ENOENT)
		return bad(st,
			   "unknown key '%s' in [node] (known: pf representor bridge address "
			   "offload)",
			   key);
	return rc ? bad(st, "%s", why) : 1;
}

static int peer_key(struct parse_state *st, struct ewoe_peer *p, const char *key, const char *value)
{
	char why[200];
	const char *kept = keep_string(st->cfg, value);
	int rc;

	if (!kept)
		return bad(st, "out of memory");
	rc = ewoe_peer_set(p, key, kept, why, sizeof(why));
	if (rc == -ENOENT)
		return bad(st, "unknown key '%s' in a [peer] section (see ewoe.conf(5))", key);
	if (rc)
		return bad(st, "%s", why);
	return 1;
}

static struct ewoe_peer *new_peer(struct parse_state *st, const char *name)
{
	struct ewoe_config *cfg = st->cfg;
	struct ewoe_peer *p;
	size_t earlier;
	int dup;

	if (!ewoe_name_valid(name, EWOE_PEER_NAME_MAX - 1)) {
		bad(st, "peer name '%s' is invalid: use 1-%d of A-Z a-z 0-9 _ . -", name,
		    EWOE_PEER_NAME_MAX - 1);
		return NULL;
	}
	p = peer_slot(cfg);
	if (!p) {
		bad(st, "out of memory");
		return NULL;
	}
	ewoe_peer_init(p);
	snprintf(p->name, EWOE_PEER_NAME_MAX, "%s", name);
	dup = peer_set_add(&st->names, cfg->peers, cfg->n_peers, &earlier);
	if (dup) {
		bad(st, dup > 0 ? "peer '%s' is defined twice" : "out of memory", name);
		return NULL;
	}
	cfg->n_peers++;
	return p;
}

static bool key_seen_before(struct parse_state *st, const char *key)
{
	char needle[72];
	size_t used = strlen(st->seen_keys);

	snprintf(needle, sizeof(needle), "|%s|", key);
	if (strstr(st->seen_keys, needle))
		return true;
	snprintf(st->seen_keys + used, sizeof(st->seen_keys) - used, "%s", needle + !!used);
	return false;
}

/*
 * A value without the comment after it: inih strips "; ..." (its inline comment prefix), and
 * "# ..." after a blank is one too, as in the examples. A '#' within a value stays.
 */
static const char *without_comment(const char *value, char *buf, size_t len)
{
	const char *hash = value;

	while ((hash = strchr(hash, '#')) && hash > value && hash[-1] != ' ' && hash[-1] != '\t')
		hash++;
	if (!hash || hash == value)
		return value;
	snprintf(buf, len, "%.*s", (int)(hash - value), value);
	for (size_t n = strlen(buf); n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'); n--)
		buf[n - 1] = '\0';
	return buf;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	struct ewoe_peer *p;
	char bare[1024];

	if (st->error[0])
		return 0;
	value = without_comment(value, bare, sizeof(bare));
	if (!section[0])
		return bad(st,
			   "'%s' is outside any section, or the [section] line above it is "
			   "malformed",
			   key);
	if (strcmp(section, st->section) != 0) {
		st->seen_keys[0] = '\0';
		if (!strcmp(section, "node") && st->node_seen)
			return bad(st, "a second [node] section: a node is described once");
		st->node_seen |= !strcmp(section, "node");
	}
	if (key_seen_before(st, key))
		return bad(st, "'%s' is given twice in [%s] (or the section appears twice)", key,
			   section);
	if (!strcmp(section, "node")) {
		snprintf(st->section, sizeof(st->section), "%s", section);
		return node_key(st, key, value);
	}
	if (strncmp(section, "peer ", 5) != 0 || !section[5])
		return bad(st, "unknown section [%s]; use [node] or [peer NAME]", section);
	/* inih reports each key with its section: a new name starts a new peer. */
	if (strcmp(section, st->section) != 0) {
		snprintf(st->section, sizeof(st->section), "%s", section);
		if (!new_peer(st, section + 5))
			return 0;
	}
	p = &st->cfg->peers[st->cfg->n_peers - 1];
	return peer_key(st, p, key, value);
}

/*
 * What a is in the subnet net/plen when it can be no host's address there, or NULL: the
 * network and broadcast addresses of an IPv4 subnet of up to /30, the subnet-router anycast
 * address (host part zero) of an IPv6 subnet of up to /126.
 */
static const char *subnet_edge(const struct ewoe_addr *a, const struct ewoe_addr *net, int plen)
{
	const uint8_t *x = (const uint8_t *)&a->v6, *y = (const uint8_t *)&net->v6;
	uint32_t v, mask;
	bool zero = true;

	if (a->family == AF_INET6 && net->family == AF_INET6 && plen >= 1 && plen <= 126) {
		for (int bit = 0; bit < 128; bit++) {
			uint8_t m = (uint8_t)(0x80 >> (bit % 8));

			if (bit < plen && (x[bit / 8] & m) != (y[bit / 8] & m))
				return NULL;
			if (bit >= plen && (x[bit / 8] & m))
				zero = false;
		}
		return zero ? "the subnet-router anycast address" : NULL;
	}
	if (a->family != AF_INET || net->family != AF_INET || plen < 1 || plen > 30)
		return NULL;
	mask = 0xffffffffu << (32 - plen);
	v = ntohl(a->v4.s_addr);
	if ((v & mask) != (ntohl(net->v4.s_addr) & mask))
		return NULL;
	return (v & ~mask) == 0	      ? "the network address"
	       : (v & ~mask) == ~mask ? "the broadcast address"
				      : NULL;
}

/* What every peer takes from [node], and the checks that need the whole file. */
int config_finish(struct ewoe_config *cfg, const char *origin)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const struct ewoe_node *node = &cfg->node;
	struct peer_set remotes = { .key = BY_REMOTE }, ifnames = { .key = BY_IFNAME };
	const char *edge;
	int err = -EINVAL, dup;
	size_t j;

	if (cfg->n_peers && !node->address.family) {
		ewoe_err("%s: [node] has no address; add address = <PF underlay IP>/<prefix>",
			 origin);
		return -EINVAL;
	}
	if ((edge = subnet_edge(&node->address, &node->address, node->prefix_len))) {
		ewoe_err(
		    "%s: [node] address %s is %s of its subnet /%d; give this DPU's PF address",
		    origin, ewoe_addr_str(&node->address, a), edge, node->prefix_len);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct ewoe_peer *p = &cfg->peers[i];

		if (!p->remote.family) {
			ewoe_err("%s: [peer %s] has no remote address; add remote = <peer PF IP>",
				 origin, p->name);
			goto out;
		}
		if ((edge = subnet_edge(&p->remote, &node->address, node->prefix_len))) {
			ewoe_err("%s: [peer %s] remote %s is %s of the node's subnet %s/%d; give "
				 "the peer DPU's PF address",
				 origin, p->name, ewoe_addr_str(&p->remote, a), edge,
				 ewoe_addr_str(&node->address, b), node->prefix_len);
			goto out;
		}
		p->local = node->address;
		p->offload = node->offload;
		snprintf(p->bridge, sizeof(p->bridge), "%s", node->bridge);
		if (!p->ifname[0])
			ewoe_peer_default_ifname(&p->remote, p->ifname);
		dup = peer_set_add(&remotes, cfg->peers, i, &j);
		if (dup > 0) {
			ewoe_err("%s: peers '%s' and '%s' have the same remote address", origin,
				 cfg->peers[j].name, p->name);
			goto out;
		}
		if (!dup)
			dup = peer_set_add(&ifnames, cfg->peers, i, &j);
		if (dup > 0) {
			ewoe_err("%s: peers '%s' and '%s' use the same interface name '%s'", origin,
				 cfg->peers[j].name, p->name, p->ifname);
			goto out;
		}
		if (dup < 0) {
			ewoe_err("%s: out of memory", origin);
			err = dup;
			goto out;
		}
		if (ewoe_peer_validate(p)) {
			ewoe_hint("in %s, [peer %s]", origin, p->name);
			goto out;
		}
	}
	err = 0;
out:
	peer_set_free(&remotes);
	peer_set_free(&ifnames);
	return err;
}

/*
 * The first line longer than inih reads at once (its INI_MAX_LINE of 200 bytes holds 198
 * characters, the newline and the NUL), or 0: inih would parse the rest of such a line as
 * another line and report whatever that looks like, at the wrong line number.
 */
static size_t long_line(const char *text)
{
	size_t line = 1;

	for (const char *p = text; *p; line++) {
		size_t len = strcspn(p, "\n");

		if (len > CONF_LINE_MAX)
			return line;
		p += len + (p[len] == '\n');
	}
	return 0;
}

static int parse(const char *text, const char *origin, struct ewoe_config **out)
{
	struct parse_state st = { 0 };
	size_t too_long;
	int line;
	int err = -ENOMEM;

	*out = NULL;
	too_long = long_line(text);
	if (too_long) {
		ewoe_err("%s: line %zu is too long (max %d characters)", origin, too_long,
			 CONF_LINE_MAX);
		return -EINVAL;
	}
	st.cfg = calloc(1, sizeof(*st.cfg));
	if (!st.cfg)
		goto fail;
	config_node_init(&st.cfg->node);
	line = ini_parse_string(text, on_entry, &st);
	if (line) {
		err = -EINVAL;
		ewoe_err("%s:%d: %s", origin, line,
			 st.error[0] ? st.error
				     : "syntax error (expected [section] or key = value)");
		goto fail;
	}
	st.cfg->node_section = st.node_seen;
	err = config_finish(st.cfg, origin);
	if (err)
		goto fail;
	*out = st.cfg;
	peer_set_free(&st.names);
	return 0;
fail:
	peer_set_free(&st.names);
	config_free(st.cfg);
	return err;
}

int config_parse_string(const char *text, const char *origin, struct ewoe_config **out)
{
	return parse(text, origin, out);
}

int config_load(const char *path, struct ewoe_config **out)
{
	struct stat sb;
	char *text;
	size_t len;
	FILE *f;
	int err;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		ewoe_err("cannot read config %s: %s", path, strerror(errno));
		if (err == -ENOENT)
			ewoe_hint("write one from examples/ewoe.conf, or give --config FILE");
		return err;
	}
	/*
	 * Whoever may write it decides what runs as root: root, or the user running ewoe. (A pipe,
	 * --config /dev/stdin, is read once and rewritten by no one.)
	 */
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid != 0 &&
	    sb.st_uid != geteuid()) {
		ewoe_err("refusing config %s: it is owned by uid %u, neither root nor this user",
			 path, (unsigned int)sb.st_uid);
		ewoe_hint("chown root %s", path);
		fclose(f);
		return -EPERM;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & (S_IWGRP | S_IWOTH))) {
		ewoe_err("refusing config %s: it is writable by group or others (mode %03o)", path,
			 sb.st_mode & 0777);
		ewoe_hint("chmod go-w %s", path);
		fclose(f);
		return -EPERM;
	}
	err = platform_read_fd(fileno(f), CONF_FILE_MAX, &text, &len);
	fclose(f);
	if (err == -EFBIG)
		ewoe_err("config %s is larger than %d MiB", path, CONF_FILE_MAX >> 20);
	else if (err)
		ewoe_err("cannot read config %s: %s", path, strerror(-err));
	if (err)
		return err;
	err = parse(text, path, out);
	free(text);
	return err;
}

void config_free(struct ewoe_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_strings; i++)
		free(cfg->strings[i]);
	free(cfg->strings);
	free(cfg->peers);
	free(cfg);
}

const struct ewoe_peer *config_find_peer(const struct ewoe_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (!strcmp(cfg->peers[i].name, name))
			return &cfg->peers[i];
	return NULL;
}

int config_add_peer(struct ewoe_config *cfg, const struct ewoe_peer *peer)
{
	struct ewoe_peer *slot = (struct ewoe_peer *)config_find_peer(cfg, peer->name);

	if (!slot) {
		slot = peer_slot(cfg);
		if (!slot)
			return -ENOMEM;
		cfg->n_peers++;
	}
	*slot = *peer;
	return 0;
}
