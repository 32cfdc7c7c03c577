// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * strongSwan through libvici. One connection per peer, "ewoe-<name>", as the seed's
 * swanctl.conf: two transport children that carry only VXLAN. The same description is
 * rendered twice, as a VICI message and as swanctl.conf text, so what ewoe loads and what a
 * restarted charon reloads with `swanctl --load-all` cannot drift apart.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "ewoe.h"
#include "ike.h"
#include "news.h"
#include "state.h"
#include "libvici.h"
#include "platform.h"

#define CONN_PREFIX	     "ewoe-"
#define CHILD_OUT	     "bf-out"
#define CHILD_IN	     "bf-in"
#define DEFAULT_IKE_PROPOSAL "aes128-sha256-x25519"
#define DEFAULT_ESP_PROPOSAL "aes128gcm128-x25519-esn"
#define DPD_DELAY	     "30s"
#define CONN_NAME_MAX	     (sizeof(CONN_PREFIX) + EWOE_PEER_NAME_MAX)
/* hw_offload=packet and =crypto first appeared in strongSwan 5.9.10. */
#define OFFLOAD_MIN_VERSION 50910
/* How long the daemon's own start_action gets before ewoe initiates itself. */
#define START_GRACE_MS 1000
/* How long a DELETE may wait for the peer before charon destroys the SAs itself. */
#define TERMINATE_WAIT_MS 2000
/* After the IKE_SA: both children normally follow within a round trip or two. */
#define CHILD_GRACE_MS 3000
#define POLL_MS	       200

static struct vici_lib vici; /* filled by vici_load() */

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

static void names_free(struct name_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->names[i]);
	free(set->names);
	memset(set, 0, sizeof(*set));
}

static int names_add(struct name_set *set, const char *name, size_t len)
{
	char **grown = reallocarray(set->names, set->n + 1, sizeof(*set->names));

	if (!grown)
		return -ENOMEM;
	set->names = grown;
	set->names[set->n] = strndup(name, len);
	if (!set->names[set->n])
		return -ENOMEM;
	set->n++;
	return 0;
}

static ssize_t names_find(const struct name_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (!strcmp(set->names[i], name))
			return (ssize_t)i;
	}
	return -1;
}

/* Keep a set read earlier current with what ewoe itself just loaded or unloaded. */
static void names_note(struct name_set *set, const char *name, bool present)
{
	ssize_t i;

	if (!set->known)
		return;
	i = names_find(set, name);
	if (present && i < 0 && names_add(set, name, strlen(name)))
		set->known = false; /* out of memory: ask the daemon again next time */
	if (!present && i >= 0) {
		free(set->names[i]);
		set->names[i] = set->names[--set->n];
	}
}

/* The items of list `list` in the answer to `cmd` (get-conns, get-shared). */
static int names_read(struct ike *ike, const char *cmd, const char *list, struct name_set *set)
{
	vici_res_t *res = vici.submit(vici.begin(cmd), ike->conn);
	bool in_list = false;
	vici_parse_t t;
	int err = 0;

	if (!res) {
		ewoe_err("%s: lost the connection to charon at %s: %s", cmd, ike->uri,
			 strerror(errno));
		return -EIO;
	}
	names_free(set);
	while (!err && (t = vici.parse(res)) != VICI_PARSE_END && t != VICI_PARSE_ERROR) {
		if (t == VICI_PARSE_BEGIN_LIST) {
			in_list = !strcmp(vici.parse_name(res), list);
		} else if (t == VICI_PARSE_END_LIST) {
			in_list = false;
		} else if (t == VICI_PARSE_LIST_ITEM && in_list) {
			int len;
			const char *v = vici.parse_value(res, &len);

			err = names_add(set, v, (size_t)len);
		}
	}
	vici.free_res(res);
	if (err) {
		names_free(set);
		ewoe_err("%s: out of memory", cmd);
		return err;
	}
	set->known = true;
	return 0;
}

/* Whether the daemon has connection `conn`: 1, 0, or <0. */
static int conn_loaded(struct ike *ike, const char *conn)
{
	int err = ike->conns.known ? 0 : names_read(ike, "get-conns", "conns", &ike->conns);

	return err ? err : names_find(&ike->conns, conn) >= 0;
}

static int shared_key_loaded(struct ike *ike, const char *id)
{
	int err = ike->shared.known ? 0 : names_read(ike, "get-shared", "keys", &ike->shared);

	return err ? err : names_find(&ike->shared, id) >= 0;
}

static void vici_deinit_at_exit(void)
{
	vici.deinit();
}

/* dlopen libvici once, resolve every function ewoe calls, start it. 0 or -ELIBACC (printed). */
static int vici_load(void)
{
	static const struct ewoe_symbol symbols[] = {
#define SYMBOL(member, name) { name, offsetof(struct vici_lib, member) }
		SYMBOL(init, "vici_init"),
		SYMBOL(deinit, "vici_deinit"),
		SYMBOL(connect, "vici_connect"),
		SYMBOL(disconnect, "vici_disconnect"),
		SYMBOL(begin, "vici_begin"),
		SYMBOL(begin_section, "vici_begin_section"),
		SYMBOL(end_section, "vici_end_section"),
		SYMBOL(add_key_value, "vici_add_key_value"),
		SYMBOL(add_key_valuef, "vici_add_key_valuef"),
		SYMBOL(begin_list, "vici_begin_list"),
		SYMBOL(add_list_item, "vici_add_list_item"),
		SYMBOL(add_list_itemf, "vici_add_list_itemf"),
		SYMBOL(end_list, "vici_end_list"),
		SYMBOL(submit, "vici_submit"),
		SYMBOL(free_res, "vici_free_res"),
		SYMBOL(parse, "vici_parse"),
		SYMBOL(parse_name, "vici_parse_name"),
		SYMBOL(parse_value, "vici_parse_value"),
		SYMBOL(find_str, "vici_find_str"),
		SYMBOL(find_int, "vici_find_int"),
		SYMBOL(register_event, "vici_register"),
#undef SYMBOL
	};
	static int loaded; /* 0 not yet, 1 loaded, <0 failed */
	void *lib;

	if (loaded)
		return loaded < 0 ? loaded : 0;
	loaded = -ELIBACC;
	lib = ewoe_dlopen(EWOE_LIBVICI, "strongSwan's libvici", symbols,
			  sizeof(symbols) / sizeof(symbols[0]), &vici);
	if (!lib) {
		ewoe_hint("install strongswan-swanctl, which ships %s", EWOE_LIBVICI);
		return loaded;
	}
	loaded = 1;
	vici.init();
	atexit(vici_deinit_at_exit);
	/*
	 * libstrongswan prints its own copy of errors ewoe reports with context; keep it quiet
	 * unless asked. libvici does not re-export the setter; lookups through the handle reach
	 * libstrongswan too.
	 */
	*(void **)&vici.set_log_level = dlsym(lib, "dbg_default_set_level");
	if (vici.set_log_level)
		vici.set_log_level(ewoe_opts.verbosity > 1 ? 1 : -1);
	return 0;
}

static int parse_version(const char *s)
{
	int major = 0, minor = 0, patch = 0;

	if (sscanf(s, "%d.%d.%d", &major, &minor, &patch) < 2)
		return 0;
	return major * 10000 + minor * 100 + patch;
}

/* Submit and check: transport failures and the daemon's refusals are told apart. */
static int call(struct ike *ike, vici_req_t *req, const char *what, vici_res_t **out)
{
	vici_res_t *res = vici.submit(req, ike->conn);
	const char *ok, *errmsg;
	int err;

	if (!res) {
		err = errno ? -errno : -EIO;
		ewoe_err("%s: lost the connection to charon at %s: %s", what, ike->uri,
			 strerror(-err));
		ewoe_hint("check that charon still runs (journalctl -u strongswan)");
		return err;
	}
	ok = vici.find_str(res, "yes", "success");
	if (strcmp(ok, "yes")) {
		errmsg = vici.find_str(res, "no reason given", "errmsg");
		ewoe_err("%s: charon refused: %s", what, errmsg);
		if (strstr(errmsg, "hw_offload"))
			ewoe_hint("charon %s does not accept this hw_offload value; use offload "
				  "mode auto, or strongSwan 5.9.10 or later",
				  ike->version);
		else if (strstr(errmsg, "proposal"))
			ewoe_hint("check the IKE and ESP proposals (swanctl.conf(5) syntax, e.g. "
				  "aes128gcm128-x25519-esn)");
		vici.free_res(res);
		return -EREMOTEIO;
	}
	if (out)
		*out = res;
	else
		vici.free_res(res);
	return 0;
}

/* Like call(), but a refusal whose errmsg contains `absent` means "nothing there": 0. */
static int call_absent_ok(struct ike *ike, vici_req_t *req, const char *absent, int *done)
{
	vici_res_t *res = vici.submit(req, ike->conn);
	int err;

	if (!res) {
		err = errno ? -errno : -EIO;
		ewoe_err("lost the connection to charon at %s: %s", ike->uri, strerror(-err));
		return err;
	}
	if (!strcmp(vici.find_str(res, "yes", "success"), "yes")) {
		*done = 1;
	} else if (!strstr(vici.find_str(res, "", "errmsg"), absent)) {
		ewoe_err("charon refused to remove: %s", vici.find_str(res, "", "errmsg"));
		vici.free_res(res);
		return -EREMOTEIO;
	}
	vici.free_res(res);
	return 0;
}

int ike_open(const char *uri, struct ike **out)
{
	struct ike *ike;
	vici_res_t *res;
	int err;

	err = vici_load();
	if (err)
		return err;
	ike = calloc(1, sizeof(*ike));
	if (!ike || !(ike->uri = strdup(uri))) {
		free(ike);
		return -ENOMEM;
	}
	ike->conn = vici.connect(uri);
	if (!ike->conn) {
		err = errno ? -errno : -ECONNREFUSED;
		ewoe_err("cannot reach strongSwan's charon at %s: %s", uri, strerror(-err));
		ewoe_hint("start the IKE daemon (systemctl start strongswan, or ipsec on "
			  "strongswan-starter systems), or name its socket with --vici URI");
		ike_free(ike);
		return err;
	}
	err = call(ike, vici.begin("version"), "asking charon its version", &res);
	if (err) {
		ike_free(ike);
		return err;
	}
	snprintf(ike->version, sizeof(ike->version), "%s", vici.find_str(res, "", "version"));
	ike->version_num = parse_version(ike->version);
	vici.free_res(res);
	ewoe_debug("charon %s at %s", ike->version, uri);
	*out = ike;
	return 0;
}

void ike_free(struct ike *ike)
{
	if (!ike)
		return;
	if (ike->conn)
		vici.disconnect(ike->conn);
	free(ike->uri);
	names_free(&ike->conns);
	names_free(&ike->shared);
	names_free(&ike->files);
	free(ike);
}

int ike_check_daemon(struct ike *ike, const struct ewoe_peer *peer)
{
	if (peer->offload != OFFLOAD_PACKET && peer->offload != OFFLOAD_CRYPTO)
		return 0;
	if (ike->version_num >= OFFLOAD_MIN_VERSION)
		return 0;
	ewoe_err("strongSwan %s cannot do offload mode %s: hw_offload=%s needs strongSwan 5.9.10 "
		 "or later",
		 ike->version[0] ? ike->version : "(unknown version)",
		 ewoe_offload_name(peer->offload), ewoe_offload_name(peer->offload));
	ewoe_hint("use offload mode auto (hardware when the kernel and NIC can, else software), "
		  "or install a newer strongSwan");
	return -ENOTSUP;
}

/* Proposals go into swanctl.conf unquoted and split on commas into VICI lists. */
static int check_proposal(const char *what, const char *s)
{
	if (!s)
		return 0;
	if (!*s ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,_") !=
		strlen(s) ||
	    s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,")) {
		ewoe_err("%s '%s' is invalid: use strongSwan proposal syntax, e.g. %s", what, s,
			 strcmp(what, "--ike-proposal") ? DEFAULT_ESP_PROPOSAL
							: DEFAULT_IKE_PROPOSAL);
		return -EINVAL;
	}
	return 0;
}

/* What ike_check_peer checks besides the credential files. */
static int check_settings(const struct ewoe_peer *peer)
{
	int err;

	err = check_proposal("--ike-proposal", peer->ike_proposal);
	if (!err)
		err = check_proposal("--esp-proposal", peer->esp_proposal);
	if (!err && peer->auth == AUTH_CA && peer->remote_name &&
	    (!*peer->remote_name ||
	     strcspn(peer->remote_name, "\"\\\n\r\t") != strlen(peer->remote_name))) {
		ewoe_err("--remote-name '%s' is invalid: give the peer certificate's subject or "
			 "a subjectAltName, without quotes, backslashes or control characters",
			 peer->remote_name);
		err = -EINVAL;
	}
	return err;
}

int ike_check_peer(const struct ewoe_peer *peer)
{
	struct creds *c = NULL;
	int err;

	err = check_settings(peer);
	if (!err)
		err = creds_load(peer, &c);
	creds_free(c);
	return err;
}

/* ---- one description, two renderings ---- */

struct emit {
	vici_req_t *req; /* the VICI message, or */
	FILE *f;	 /* swanctl.conf text */
	int depth;
};

static void e_open(struct emit *e, const char *name)
{
	if (e->req)
		vici.begin_section(e->req, name);
	else
		fprintf(e->f, "%*s%s {\n", e->depth * 4, "", name);
	e->depth++;
}

static void e_close(struct emit *e)
{
	e->depth--;
	if (e->req)
		vici.end_section(e->req);
	else
		fprintf(e->f, "%*s}\n", e->depth * 4, "");
}

static void e_kv(struct emit *e, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void e_kv(struct emit *e, const char *key, const char *fmt, ...)
{
	char value[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (e->req)
		vici.add_key_valuef(e->req, key, "%s", value);
	else
		fprintf(e->f, "%*s%s = %s\n", e->depth * 4, "", key, value);
}

/* A free-form identity: quoted in the file (the parser removes the quotes again). */
static void e_id(struct emit *e, const char *id)
{
	if (e->req)
		vici.add_key_valuef(e->req, "id", "%s", id);
	else
		fprintf(e->f, "%*sid = \"%s\"\n", e->depth * 4, "", id);
}

/* swanctl sends comma-separated file values as a list; so does ewoe. */
static void e_list(struct emit *e, const char *key, const char *csv)
{
	const char *p = csv;

	if (!e->req) {
		fprintf(e->f, "%*s%s = %s\n", e->depth * 4, "", key, csv);
		return;
	}
	vici.begin_list(e->req, key);
	while (*p) {
		size_t n = strcspn(p, ",");

		vici.add_list_item(e->req, p, (int)n);
		p += n + (p[n] == ',');
	}
	vici.end_list(e->req);
}

/* The file names a file in swanctl's directory; VICI carries its content. */
static void e_file(struct emit *e, const char *key, const char *file, const char *pem)
{
	if (!e->req) {
		fprintf(e->f, "%*s%s = %s\n", e->depth * 4, "", key, file);
		return;
	}
	vici.begin_list(e->req, key);
	vici.add_list_item(e->req, pem, (int)strlen(pem));
	vici.end_list(e->req);
}

enum { F_CONF, F_CERT, F_KEY, F_PEER_CERT, F_CA, F_COUNT };

static const struct {
	const char *dir, *suffix;
	mode_t mode;
} file_kinds[F_COUNT] = {
	[F_CONF] = { "conf.d", ".conf", 0600 },	       /* may hold the PSK */
	[F_CERT] = { "x509", ".pem", 0644 },	       /* this node's certificate */
	[F_KEY] = { "private", ".pem", 0600 },	       /* swanctl loads every key found here */
	[F_PEER_CERT] = { "x509", "-peer.pem", 0644 }, /* cert: the pinned peer certificate */
	[F_CA] = { "x509ca", "-ca.pem", 0644 },	       /* ca: the trust anchor */
};

static void file_name(int kind, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, CONN_PREFIX "%s%s", name, file_kinds[kind].suffix);
}

static void emit_children(struct emit *e, const struct ewoe_peer *p)
{
	static const char *const names[] = { CHILD_OUT, CHILD_IN };
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	char any[INET6_ADDRSTRLEN + 8], vxlan[INET6_ADDRSTRLEN + 16];

	ewoe_addr_str(&p->local, l);
	ewoe_addr_str(&p->remote, r);
	e_open(e, "children");
	for (int i = 0; i < 2; i++) {
		bool out = i == 0;

		e_open(e, names[i]);
		/* Only VXLAN: from any local UDP port to the peer's VXLAN port, and back. */
		snprintf(any, sizeof(any), "%s[udp]", out ? l : r);
		snprintf(vxlan, sizeof(vxlan), "%s[udp/%u]", out ? r : l, p->dst_port);
		e_list(e, "local_ts", out ? any : vxlan);
		e_list(e, "remote_ts", out ? vxlan : any);
		e_list(e, "esp_proposals",
		       p->esp_proposal ? p->esp_proposal : DEFAULT_ESP_PROPOSAL);
		e_kv(e, "mode", "transport");
		e_kv(e, "policies_fwd_out", "yes");
		e_kv(e, "hw_offload", "%s",
		     p->offload == OFFLOAD_NONE ? "no" : ewoe_offload_name(p->offload));
		if (p->rekey_packets)
			e_kv(e, "rekey_packets", "%llu", (unsigned long long)p->rekey_packets);
		if (ewoe_peer_initiates(p)) {
			/*
			 * So the tunnel comes back by itself: when this charon restarts (start),
			 * when the peer stops answering (dpd), and when the peer's charon stops
			 * cleanly and deletes the SAs (close: retransmits reach it once it is
			 * back).
			 */
			e_kv(e, "start_action", "start");
			e_kv(e, "dpd_action", "restart");
			e_kv(e, "close_action", "start");
		}
		e_close(e);
	}
	e_close(e);
}

static void emit_conn(struct emit *e, const struct ewoe_peer *p, const struct creds *c)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], conn[CONN_NAME_MAX], file[PATH_MAX];

	ewoe_addr_str(&p->local, l);
	ewoe_addr_str(&p->remote, r);
	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", p->name);
	e_open(e, conn);
	e_kv(e, "version", "2");
	e_list(e, "local_addrs", l);
	e_list(e, "remote_addrs", r);
	e_list(e, "proposals", p->ike_proposal ? p->ike_proposal : DEFAULT_IKE_PROPOSAL);
	e_kv(e, "mobike", "no");
	e_kv(e, "reauth_time", "0");
	e_kv(e, "dpd_delay", DPD_DELAY);

	e_open(e, "local");
	if (p->auth == AUTH_PSK) {
		e_kv(e, "auth", "psk");
		e_id(e, l);
	} else {
		e_kv(e, "auth", "pubkey");
		file_name(F_CERT, p->name, file, sizeof(file));
		e_file(e, "certs", file, c->cert_pem);
	}
	e_close(e);

	e_open(e, "remote");
	if (p->auth == AUTH_PSK) {
		e_kv(e, "auth", "psk");
		e_id(e, r);
	} else if (p->auth == AUTH_CERT) {
		e_kv(e, "auth", "pubkey");
		file_name(F_PEER_CERT, p->name, file, sizeof(file));
		e_file(e, "certs", file, c->peer_cert_pem);
	} else {
		e_kv(e, "auth", "pubkey");
		e_id(e, p->remote_name);
		file_name(F_CA, p->name, file, sizeof(file));
		e_file(e, "cacerts", file, c->ca_pem);
	}
	e_close(e);

	emit_children(e, p);
	e_close(e);
}

/* RFC 4648 base64, for swanctl.conf's "0s" secrets. */
static char *base64_of(const unsigned char *data, size_t len)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)data[i + 1] << 8;
		if (n > 2)
			v |= data[i + 2];
		*o++ = digits[v >> 18 & 63];
		*o++ = digits[v >> 12 & 63];
		*o++ = n > 1 ? digits[v >> 6 & 63] : '=';
		*o++ = n > 2 ? digits[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The swanctl.conf text: the connection, and for psk its secret bound to both identities. */
static char *render_conf(const struct ewoe_peer *p, const struct creds *c, size_t *len)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	struct emit e = { 0 };
	char *text = NULL, *b64 = NULL;

	e.f = open_memstream(&text, len);
	if (!e.f)
		return NULL;
	fprintf(e.f,
		"# Written by ewoe for peer %s; ewoe replaces and removes this file.\n"
		"# Loaded by `swanctl --load-all` after a charon restart.\n",
		p->name);
	e_open(&e, "connections");
	emit_conn(&e, p, c);
	e_close(&e);
	if (p->auth == AUTH_PSK) {
		b64 = base64_of(c->psk, c->psk_len);
		if (!b64) {
			fclose(e.f);
			free(text);
			return NULL;
		}
		fprintf(e.f,
			"secrets {\n    ike-" CONN_PREFIX "%s {\n        id-local = %s\n"
			"        id-remote = %s\n        secret = 0s%s\n    }\n}\n",
			p->name, ewoe_addr_str(&p->local, l), ewoe_addr_str(&p->remote, r), b64);
		explicit_bzero(b64, strlen(b64));
		free(b64);
	}
	if (fclose(e.f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- ewoe's files in swanctl's directory ---- */

struct out_file {
	char path[PATH_MAX];
	char *data; /* NULL: this kind of file must not exist for this peer */
	size_t len;
	mode_t mode;
};

/* swanctl's directory under --root, found once per run: it is asked for every file. */
static void swanctl_dir(char *buf, size_t size)
{
	static char dir[PATH_MAX - 64];
	struct stat st;

	if (!dir[0]) {
		/* RHEL and CentOS keep it under /etc/strongswan. */
		if (platform_path(dir, sizeof(dir), "etc/strongswan/swanctl") || stat(dir, &st) ||
		    !S_ISDIR(st.st_mode))
			platform_path(dir, sizeof(dir), "etc/swanctl");
	}
	snprintf(buf, size, "%s", dir);
}

static int file_path(int kind, const char *name, char *buf, size_t size)
{
	char dir[PATH_MAX - 64], file[64];

	swanctl_dir(dir, sizeof(dir));
	file_name(kind, name, file, sizeof(file));
	if (snprintf(buf, size, "%s/%s/%s", dir, file_kinds[kind].dir, file) >= (int)size) {
		ewoe_err("--root %s: path too long", ewoe_opts.root);
		return -ENAMETOOLONG;
	}
	return 0;
}

static void out_files_free(struct out_file *files)
{
	for (int i = 0; i < F_COUNT; i++) {
		if (files[i].data)
			explicit_bzero(files[i].data, files[i].len);
		free(files[i].data);
		files[i].data = NULL;
	}
}

static int plan_files(const struct ewoe_peer *p, const struct creds *c, struct out_file *files)
{
	const char *pem[F_COUNT] = { NULL, c->cert_pem, c->key_pem, c->peer_cert_pem, c->ca_pem };

	for (int i = 0; i < F_COUNT; i++) {
		if (file_path(i, p->name, files[i].path, sizeof(files[i].path))) {
			out_files_free(files);
			return -ENAMETOOLONG;
		}
		files[i].mode = file_kinds[i].mode;
		if (i == F_CONF)
			files[i].data = render_conf(p, c, &files[i].len);
		else if (pem[i] && (files[i].data = strdup(pem[i])))
			files[i].len = strlen(pem[i]);
		if ((i == F_CONF || pem[i]) && !files[i].data) {
			out_files_free(files);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Whether path (one of file_path()'s) exists, from one listing of each directory per run. */
static bool file_listed(struct ike *ike, const char *path)
{
	char dir[PATH_MAX - 64], sub[PATH_MAX];

	if (!ike->files.known) {
		swanctl_dir(dir, sizeof(dir));
		for (int k = 0; k < F_COUNT; k++) {
			struct dirent *d;
			DIR *dh;

			snprintf(sub, sizeof(sub), "%s/%s", dir, file_kinds[k].dir);
			/* x509 serves two kinds: list it once. */
			if (k && !strcmp(file_kinds[k].dir, file_kinds[k - 1].dir))
				continue;
			dh = opendir(sub);
			while (dh && (d = readdir(dh))) {
				char full[PATH_MAX];
				int n = snprintf(full, sizeof(full), "%s/%s", sub, d->d_name);

				if (n > 0 && n < (int)sizeof(full) &&
				    names_add(&ike->files, full, (size_t)n))
					break;
			}
			if (dh)
				closedir(dh);
		}
		ike->files.known = true;
	}
	return names_find(&ike->files, path) >= 0;
}

static bool file_matches(const struct out_file *f)
{
	struct stat st;
	char *buf;
	bool same = false;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return !f->data;
	if (f->data && !fstat(fd, &st) && (size_t)st.st_size == f->len &&
	    (st.st_mode & 07777) == f->mode && (buf = malloc(f->len + 1))) {
		same =
		    read(fd, buf, f->len + 1) == (ssize_t)f->len && !memcmp(buf, f->data, f->len);
		explicit_bzero(buf, f->len);
		free(buf);
	}
	close(fd);
	return same;
}

/*
 * Write beside, then rename: charon or swanctl never read half a file. No fsync: what the
 * file holds is re-derived from ewoe.conf by ewoe.service at every boot, while an fsync per
 * file would cost a disk flush per peer of a full-mesh setup.
 */
static int write_file(const struct out_file *f)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(f->path, '/');
	int err;

	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - f->path), f->path);
	err = platform_mkdirs(dir, f->mode == 0600 && strstr(dir, "/private") ? 0700 : 0755);
	if (err) {
		ewoe_err("%s: cannot create directory: %s", dir, strerror(-err));
		return err;
	}
	return platform_write_file(f->path, f->data, f->len, f->mode);
}

/* ---- loading ---- */

static int load_key(struct ike *ike, const char *pem, char *id, size_t id_size)
{
	vici_req_t *req = vici.begin("load-key");
	vici_res_t *res;
	int err;

	vici.add_key_valuef(req, "type", "any");
	vici.add_key_value(req, "data", pem, (int)strlen(pem));
	err = call(ike, req, "loading the private key", &res);
	if (err)
		return err;
	snprintf(id, id_size, "%s", vici.find_str(res, "", "id"));
	vici.free_res(res);
	return 0;
}

static int unload(struct ike *ike, const char *cmd, const char *key, const char *value,
		  const char *absent, int *done)
{
	vici_req_t *req = vici.begin(cmd);

	vici.add_key_valuef(req, key, "%s", value);
	return call_absent_ok(ike, req, absent, done);
}

static void describe_load(const struct ewoe_peer *p, const char *conn, bool loaded_before,
			  const struct out_file *files)
{
	char r[INET6_ADDRSTRLEN];

	ewoe_change(loaded_before ? EWOE_CHANGED : EWOE_CREATED, "ike-connection", conn,
		    "would load connection %s (%s, peer %s, hw_offload %s) into charon", conn,
		    ewoe_auth_name(p->auth), ewoe_addr_str(&p->remote, r),
		    ewoe_offload_name(p->offload));
	for (int i = 0; i < F_COUNT; i++) {
		bool exists = !access(files[i].path, F_OK);

		if (files[i].data && !file_matches(&files[i]))
			ewoe_change(exists ? EWOE_CHANGED : EWOE_CREATED, "file", files[i].path,
				    "would write %s (mode %04o)", files[i].path,
				    (unsigned)files[i].mode);
		else if (!files[i].data && exists)
			ewoe_change(EWOE_REMOVED, "file", files[i].path, "would remove %s",
				    files[i].path);
	}
}

int ike_load_peer(struct ike *ike, const struct ewoe_peer *peer)
{
	struct out_file files[F_COUNT] = { 0 };
	struct creds *c = NULL;
	struct emit e = { 0 };
	char conn[CONN_NAME_MAX], shared_id[CONN_NAME_MAX + 4], key_id[256] = "";
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	bool loaded_before, unchanged = true, shared_loaded = false;
	vici_req_t *req;
	int err, done = 0;

	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", peer->name);
	snprintf(shared_id, sizeof(shared_id), "ike-%s", conn);
	err = ike_check_daemon(ike, peer);
	if (!err)
		err = check_settings(peer);
	if (!err) /* the same checks as ike_check_peer: the files are read once here */
		err = creds_load(peer, &c);
	if (!err)
		err = plan_files(peer, c, files);
	if (err)
		goto out;
	err = conn_loaded(ike, conn);
	if (err < 0)
		goto out;
	loaded_before = err;
	for (int i = 0; i < F_COUNT && unchanged; i++)
		unchanged = file_listed(ike, files[i].path)
				? files[i].data && file_matches(&files[i])
				: !files[i].data;
	if (loaded_before && unchanged) {
		ewoe_debug("%s already loaded and written identically", conn);
		err = 0;
		goto out;
	}
	if (ewoe_opts.dry_run) {
		describe_load(peer, conn, loaded_before, files);
		err = 1;
		goto out;
	}

	/* Credentials first: a start_action=start connection initiates as soon as it loads. */
	if (peer->auth == AUTH_PSK) {
		req = vici.begin("load-shared");
		vici.add_key_valuef(req, "id", "%s", shared_id);
		vici.add_key_valuef(req, "type", "IKE");
		vici.add_key_value(req, "data", c->psk, (int)c->psk_len);
		vici.begin_list(req, "owners");
		vici.add_list_itemf(req, "%s", ewoe_addr_str(&peer->local, l));
		vici.add_list_itemf(req, "%s", ewoe_addr_str(&peer->remote, r));
		vici.end_list(req);
		err = call(ike, req, "loading the PSK", NULL);
		shared_loaded = !err;
		names_note(&ike->shared, shared_id, shared_loaded);
	} else {
		err = load_key(ike, c->key_pem, key_id, sizeof(key_id));
	}
	if (err)
		goto rollback;

	e.req = vici.begin("load-conn");
	emit_conn(&e, peer, c);
	err = call(ike, e.req, "loading the connection", NULL);
	if (err)
		goto rollback;
	names_note(&ike->conns, conn, true);

	for (int i = 0; i < F_COUNT && !err; i++) {
		if (files[i].data)
			err = write_file(&files[i]);
		else if (unlink(files[i].path) && errno != ENOENT)
			ewoe_warn("%s: cannot remove stale file: %s", files[i].path,
				  strerror(errno));
		names_note(&ike->files, files[i].path, files[i].data && !err);
	}
	if (err) {
		ewoe_hint("the connection would not survive a charon restart; fix the directory "
			  "and run again");
		if (!loaded_before) {
			unload(ike, "unload-conn", "name", conn, "not found", &done);
			names_note(&ike->conns, conn, false);
		}
		goto rollback;
	}
	ewoe_change(loaded_before ? EWOE_CHANGED : EWOE_CREATED, "ike-connection", conn,
		    "loaded %s into charon %s and wrote %s", conn, ike->version,
		    files[F_CONF].path);
	err = 1;
	goto out;

rollback:
	/* A connection that was there before keeps the credentials it already used. */
	if (!loaded_before && shared_loaded) {
		unload(ike, "unload-shared", "id", shared_id, "not found", &done);
		names_note(&ike->shared, shared_id, false);
	}
	if (!loaded_before && key_id[0])
		unload(ike, "unload-key", "id", key_id, "not found", &done);
out:
	out_files_free(files);
	creds_free(c);
	return err;
}

/* ---- status and initiation ---- */

struct sa_scan {
	const char *conn;
	bool any_sa;
	bool established;
	int installed; /* bit 0 bf-out, bit 1 bf-in, of an ESTABLISHED IKE_SA */
	char state[32];
	uint32_t spis[IKE_MAX_SPIS]; /* of every CHILD_SA in any state */
	bool spi_installed[IKE_MAX_SPIS];
	size_t n_spis;
	bool spis_cut;		     /* more than fit: the list is not the whole truth */
	long ike_age_s, child_age_s; /* of the newest ESTABLISHED IKE_SA and INSTALLED child; -1 */
};

static void scan_add_spi(struct sa_scan *scan, const char *v, int len, bool installed)
{
	char hex[16];
	unsigned long spi;
	char *end;

	snprintf(hex, sizeof(hex), "%.*s", len, v);
	spi = strtoul(hex, &end, 16);
	if (!hex[0] || *end)
		return;
	if (scan->n_spis == IKE_MAX_SPIS) {
		scan->spis_cut = true;
		return;
	}
	scan->spi_installed[scan->n_spis] = installed;
	scan->spis[scan->n_spis++] = (uint32_t)spi;
}

/* The connections one list-sas answers for: each IKE_SA event names its connection. */
struct sa_scans {
	struct sa_scan *scan;
	size_t n;
};

/* A number of seconds as charon sends it (decimal text); -1 when it is not one. */
static long seconds_value(const char *v, int len)
{
	char buf[24], *end;
	long n;

	if (len <= 0 || len >= (int)sizeof(buf))
		return -1;
	memcpy(buf, v, (size_t)len);
	buf[len] = '\0';
	errno = 0;
	n = strtol(buf, &end, 10);
	return errno || *end || n < 0 ? -1 : n;
}

/* The newer of two ages, -1 standing for none. */
static long newer(long a, long b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static struct sa_scan *scan_of(struct sa_scans *all, const char *conn)
{
	for (size_t i = 0; i < all->n; i++) {
		if (!strcmp(all->scan[i].conn, conn))
			return &all->scan[i];
	}
	return NULL;
}

static void on_list_sa(void *user, char *event, vici_res_t *ev)
{
	struct sa_scan *scan = NULL;
	char ike_state[32] = "", child_name[32] = "", child_state[32] = "";
	int depth = 0, children = 0;
	long established = -1, install_time = -1, child_age = -1;
	vici_parse_t t;

	while ((t = vici.parse(ev)) != VICI_PARSE_END && t != VICI_PARSE_ERROR) {
		const char *name;
		const char *v;
		int len;

		switch (t) {
		case VICI_PARSE_BEGIN_SECTION:
			depth++;
			if (depth == 1)
				scan = scan_of(user, vici.parse_name(ev));
			if (depth == 2 && !strcmp(vici.parse_name(ev), "child-sas"))
				children = 0;
			if (depth == 3) {
				child_name[0] = child_state[0] = '\0';
				install_time = -1;
			}
			break;
		case VICI_PARSE_END_SECTION:
			if (depth == 3 && !strcmp(child_state, "INSTALLED")) {
				children |= !strcmp(child_name, CHILD_OUT)  ? 1
					    : !strcmp(child_name, CHILD_IN) ? 2
									    : 0;
				child_age = newer(child_age, install_time);
			}
			depth--;
			break;
		case VICI_PARSE_KEY_VALUE:
			name = vici.parse_name(ev);
			v = vici.parse_value(ev, &len);
			if (depth == 1 && !strcmp(name, "state"))
				snprintf(ike_state, sizeof(ike_state), "%.*s", len, v);
			else if (depth == 1 && !strcmp(name, "established"))
				established = seconds_value(v, len);
			else if (depth == 3 && !strcmp(name, "install-time"))
				install_time = seconds_value(v, len);
			else if (depth == 3 && !strcmp(name, "name"))
				snprintf(child_name, sizeof(child_name), "%.*s", len, v);
			else if (depth == 3 && !strcmp(name, "state"))
				snprintf(child_state, sizeof(child_state), "%.*s", len, v);
			else if (depth == 3 && scan &&
				 (!strcmp(name, "spi-in") || !strcmp(name, "spi-out")))
				scan_add_spi(scan, v, len, !strcmp(child_state, "INSTALLED"));
			break;
		default:
			break;
		}
	}
	if (!scan || !ike_state[0])
		return;
	scan->any_sa = true;
	if (!strcmp(ike_state, "ESTABLISHED")) {
		scan->established = true;
		scan->installed |= children;
		/* During a rekey both IKE_SAs are listed: the newer one is the tunnel's now. */
		scan->ike_age_s = newer(scan->ike_age_s, established);
		scan->child_age_s = newer(scan->child_age_s, child_age);
		snprintf(scan->state, sizeof(scan->state), "%s", ike_state);
	} else if (!scan->established) {
		snprintf(scan->state, sizeof(scan->state), "%s", ike_state);
	}
}

/* One list-sas for every connection of `all`: one name filters in the daemon. */
static int scan_sas(struct ike *ike, struct sa_scans *all)
{
	vici_req_t *req;
	int err;

	for (size_t i = 0; i < all->n; i++) {
		struct sa_scan *s = &all->scan[i];

		*s = (struct sa_scan){ .conn = s->conn, .ike_age_s = -1, .child_age_s = -1 };
	}
	if (vici.register_event(ike->conn, "list-sa", on_list_sa, all)) {
		err = -errno;
		ewoe_err("listing IKE_SAs at %s: %s", ike->uri, strerror(errno));
		return err;
	}
	req = vici.begin("list-sas");
	if (all->n == 1)
		vici.add_key_valuef(req, "ike", "%s", all->scan[0].conn);
	err = call(ike, req, "listing IKE_SAs", NULL);
	vici.register_event(ike->conn, "list-sa", NULL, NULL);
	return err;
}

static void status_of_scan(const struct sa_scan *scan, struct ike_status *st)
{
	st->ike_established = scan->established;
	st->children_installed = !!(scan->installed & 1) + !!(scan->installed & 2);
	memcpy(st->spis, scan->spis, sizeof(st->spis));
	memcpy(st->spi_installed, scan->spi_installed, sizeof(st->spi_installed));
	st->n_spis = scan->n_spis;
	st->spis_complete = !scan->spis_cut;
	st->ike_age_s = scan->ike_age_s;
	st->child_age_s = scan->child_age_s;
	snprintf(st->state, sizeof(st->state), "%s", scan->any_sa ? scan->state : "none");
}

int ike_peer_status(struct ike *ike, const char *name, struct ike_status *st)
{
	char conn[CONN_NAME_MAX];
	struct sa_scan scan = { .conn = conn };
	struct sa_scans one = { &scan, 1 };
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", name);
	err = conn_loaded(ike, conn);
	if (err < 0)
		return err;
	st->conn_loaded = err;
	err = scan_sas(ike, &one);
	if (!err)
		status_of_scan(&scan, st);
	return err;
}

int ike_peers_status(struct ike *ike, const struct ewoe_peer *peers, size_t n,
		     struct ike_status *out)
{
	char(*conns)[CONN_NAME_MAX] = calloc(n ? n : 1, sizeof(*conns));
	struct sa_scans all = { calloc(n ? n : 1, sizeof(*all.scan)), n };
	int err = conns && all.scan ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !err; i++) {
		snprintf(conns[i], sizeof(conns[i]), CONN_PREFIX "%s", peers[i].name);
		all.scan[i].conn = conns[i];
		memset(&out[i], 0, sizeof(out[i]));
		err = conn_loaded(ike, conns[i]);
		out[i].conn_loaded = err > 0;
		err = err < 0 ? err : 0;
	}
	/* One peer filters in the daemon; more list every IKE_SA once. */
	if (!err && n)
		err = scan_sas(ike, &all);
	for (size_t i = 0; i < n && !err; i++)
		status_of_scan(&all.scan[i], &out[i]);
	free(conns);
	free(all.scan);
	return err;
}

/* One initiator being waited for. */
struct bringup {
	const struct ewoe_peer *peer;
	char conn[CONN_NAME_MAX];
	char remote[INET6_ADDRSTRLEN];
	long long established_at; /* ms into the wait; -1 not yet */
	bool started;		  /* ewoe asked for the children itself */
	bool seen;		  /* an IKE_SA existed at some point */
	int result;		  /* 1 waiting, 0 up, <0 failed */
	char last[512];		  /* the daemon's latest message about this connection */
	char knl[256];		  /* the kernel interface's first error of this attempt */
	char refused[256];	  /* why the kernel refused this connection's SAs */
	char notify[64];	  /* an error notify in the peer's answer, e.g. N(NO_PROP) */
};

struct log_watch {
	pthread_mutex_t lock;
	struct bringup *b;
	size_t n;
	bool stream;
	struct news news; /* charon's child-updown and ike-updown events */
};

/*
 * The error notifies a peer answers with when it will not or cannot set up what was asked;
 * INVALID_KE_PAYLOAD is left out: it asks for another key exchange, and IKE goes on.
 */
static const struct {
	const char *abbrev, *name;
} error_notifies[] = {
	{ "N(NO_PROP)", "NO_PROPOSAL_CHOSEN" },	  { "N(AUTH_FAILED)", "AUTHENTICATION_FAILED" },
	{ "N(TS_UNACCEPT)", "TS_UNACCEPTABLE" },  { "N(INVAL_SYN)", "INVALID_SYNTAX" },
	{ "N(NO_ADD_SAS)", "NO_ADDITIONAL_SAS" }, { "N(SINGLE_PAIR_REQ)", "SINGLE_PAIR_REQUIRED" },
};

/*
 * Charon's log lines that say why a connection cannot come up, rather than that it has not
 * yet: the kernel refusing the SAs (with the kernel interface's own first complaint, such as
 * "HW offload is not supported by device p0"), and an error notify from the peer.
 */
static void note_failure(struct log_watch *w, struct bringup *b, const char *group, int level,
			 const char *msg)
{
	pthread_mutex_lock(&w->lock);
	/* Each attempt's own complaint: not the cleanup of the one before. */
	if (!strncmp(msg, "establishing CHILD_SA", strlen("establishing CHILD_SA")))
		b->knl[0] = '\0';
	else if (level <= 1 && !strcasecmp(group, "knl") && !b->knl[0])
		snprintf(b->knl, sizeof(b->knl), "%s", msg);
	if (strstr(msg, "unable to install") && strstr(msg, "in kernel") && !b->refused[0])
		snprintf(b->refused, sizeof(b->refused), "%s", b->knl[0] ? b->knl : msg);
	if (!strncmp(msg, "parsed ", strlen("parsed "))) {
		for (size_t i = 0; i < sizeof(error_notifies) / sizeof(error_notifies[0]); i++) {
			if (strstr(msg, error_notifies[i].abbrev))
				snprintf(b->notify, sizeof(b->notify), "%s",
					 error_notifies[i].name);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

static void on_log(void *user, char *event, vici_res_t *ev)
{
	struct log_watch *w = user;
	const char *conn = vici.find_str(ev, "", "ikesa-name");
	const char *msg = vici.find_str(ev, "", "msg");
	struct bringup *b = NULL;

	for (size_t i = 0; i < w->n && !b; i++) {
		if (!strcmp(w->b[i].conn, conn))
			b = &w->b[i];
	}
	if (!b)
		return;
	if (w->stream)
		ewoe_info("  charon: %s", msg);
	note_failure(w, b, vici.find_str(ev, "", "group"), vici.find_int(ev, 4, "level"), msg);
	/*
	 * Packet traffic ("sending packet: ...") says nothing about why IKE fails, and a
	 * retransmit only that the peer has not answered yet, which the timeout says itself.
	 */
	if (vici.find_int(ev, 4, "level") <= 1 &&
	    strcasecmp(vici.find_str(ev, "", "group"), "net") &&
	    strncmp(msg, "retransmit ", strlen("retransmit "))) {
		pthread_mutex_lock(&w->lock);
		snprintf(b->last, sizeof(b->last), "%s", msg);
		pthread_mutex_unlock(&w->lock);
	}
}

static void on_updown(void *user, char *event, vici_res_t *ev)
{
	struct log_watch *w = user;
	bool up = !strcmp(vici.find_str(ev, "no", "up"), "yes");

	ewoe_debug("charon's %s event: %s", event, up ? "up" : "down");
	news_post(&w->news, !strcmp(event, "child-updown"), up);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Initiate the children not in `installed` (bit 0 out, bit 1 in). */
static int start_children(struct ike *ike, const char *conn, int installed)
{
	static const char *const names[] = { CHILD_OUT, CHILD_IN };
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		vici_req_t *req;

		if (installed & (1 << i))
			continue;
		ewoe_change(EWOE_CREATED, "ike-sa", conn, "initiate CHILD_SA %s of %s", names[i],
			    conn);
		req = vici.begin("initiate");
		vici.add_key_valuef(req, "child", "%s", names[i]);
		vici.add_key_valuef(req, "ike", "%s", conn);
		/* Negative: return at once; ewoe watches the SAs itself, with its deadline. */
		vici.add_key_valuef(req, "timeout", "-1");
		err = call(ike, req, "starting IKE", NULL);
	}
	return err;
}

/* The error line of a bring-up that failed, printed and kept for verify (state.h). */
static void failed(const struct bringup *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void failed(const struct bringup *b, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ewoe_err("%s", line);
	state_failure_set(b->peer->name, line);
}

/* Why a connection is not up: the peer's own error notify, else charon's last word. */
static const char *failure_reason(struct bringup *b, const char *otherwise)
{
	static char buf[96]; /* the main thread alone reports */

	if (b->notify[0]) {
		snprintf(buf, sizeof(buf), "the peer answered %s", b->notify);
		return buf;
	}
	return b->last[0] ? b->last : otherwise;
}

/*
 * The peer answered with an error notify: with no IKE_SA left, IKE has failed even if no scan
 * saw the IKE_SA between its start and the peer's answer.
 */
static bool peer_refused(struct log_watch *w, const struct bringup *b)
{
	bool refused;

	pthread_mutex_lock(&w->lock);
	refused = b->notify[0] != '\0';
	pthread_mutex_unlock(&w->lock);
	return refused;
}

/* The likely causes of the peer's error notify, as a hint; false when there is none. */
static bool hint_notify(const struct bringup *b)
{
	if (!strcmp(b->notify, "NO_PROPOSAL_CHOSEN"))
		ewoe_hint(
		    "the peer accepts none of the proposals, or its kernel refused the SAs (an "
		    "offload mode its PF cannot do, no ESP or AES-GCM): see ewoe's or charon's "
		    "messages on the peer");
	else if (!strcmp(b->notify, "AUTHENTICATION_FAILED"))
		ewoe_hint("the peer did not accept our authentication: check that both sides have "
			  "the same PSK, or certificates the other side trusts");
	else
		return false;
	return true;
}

/*
 * The kernel refused this connection's SAs: waiting longer cannot help, since charon would
 * only retry the same install. 0, or -EOPNOTSUPP printed in one line with the fix.
 */
static int refused_by_kernel(struct log_watch *w, struct bringup *b)
{
	enum ewoe_offload mode = b->peer->offload;
	bool offloaded = mode == OFFLOAD_PACKET || mode == OFFLOAD_CRYPTO;

	pthread_mutex_lock(&w->lock);
	if (!b->refused[0]) {
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	if (offloaded)
		failed(b, "%s: the kernel refused the ESP SAs with %s (hw_offload = %s): %s",
		       b->conn, b->remote, ewoe_offload_name(mode), b->refused);
	else
		failed(b, "%s: the kernel refused the ESP SAs with %s: %s", b->conn, b->remote,
		       b->refused);
	pthread_mutex_unlock(&w->lock);
	if (offloaded)
		ewoe_hint("the PF cannot do IPsec %s offload: turn it on in the driver (packet "
			  "offload on a BlueField), or set the offload mode to auto (hardware "
			  "where the device can, else software) or none",
			  ewoe_offload_name(mode));
	else
		ewoe_hint("the kernel needs ESP and AES-GCM (modules esp4, esp6, aes, gcm, seqiv)");
	return -EOPNOTSUPP;
}

/* One step of one initiator's wait, from this round's scan: 1 keep waiting, 0 up, <0 failed. */
static int bringup_step(struct ike *ike, struct log_watch *w, struct bringup *b,
			const struct sa_scan *scan, long long elapsed, int timeout_ms)
{
	int err;

	if (scan->established && scan->installed == 3) {
		ewoe_info("%s: IKE_SA and both CHILD_SAs with %s are up", b->conn, b->remote);
		state_failure_clear(b->peer->name);
		return 0;
	}
	if (scan->established && b->established_at < 0)
		b->established_at = elapsed;
	err = refused_by_kernel(w, b);
	if (err)
		return err;
	if (scan->any_sa) {
		b->seen = true;
		/*
		 * The IKE_SA is up but a child is missing well after it should have come: its
		 * negotiation failed, maybe before we listened to the log. Ask again, once, so
		 * the failure (or the child) shows now.
		 */
		if (!b->started && b->established_at >= 0 &&
		    elapsed - b->established_at >= CHILD_GRACE_MS) {
			err = start_children(ike, b->conn, scan->installed);
			if (err)
				return err;
			b->started = true;
		}
	} else if (b->seen || peer_refused(w, b)) {
		pthread_mutex_lock(&w->lock);
		failed(b, "%s: IKE with %s failed: %s", b->conn, b->remote,
		       failure_reason(b, "the IKE_SA was closed"));
		hint_notify(b);
		pthread_mutex_unlock(&w->lock);
		return -ECONNABORTED;
	} else if (!b->started && elapsed >= START_GRACE_MS) {
		/* Loaded earlier and not running: the daemon's start_action is spent. */
		err = start_children(ike, b->conn, 0);
		if (err)
			return err;
		b->started = true;
	}
	if (timeout_ms < 0 && (b->seen || b->started))
		return 0;
	if (timeout_ms < 0 || elapsed < timeout_ms)
		return 1;
	pthread_mutex_lock(&w->lock);
	if (scan->established)
		failed(b, "%s: IKE_SA with %s established, but %s not installed after %d s%s%s",
		       b->conn, b->remote, scan->installed ? "one CHILD_SA" : "the CHILD_SAs",
		       timeout_ms / 1000, b->last[0] || b->notify[0] ? ": " : "",
		       failure_reason(b, ""));
	else if (b->last[0] || b->notify[0])
		failed(b, "%s: no IKE_SA with %s after %d s (state %s): %s", b->conn, b->remote,
		       timeout_ms / 1000, scan->any_sa ? scan->state : "none",
		       failure_reason(b, ""));
	else
		failed(b, "%s: no IKE_SA with %s after %d s: the peer does not answer", b->conn,
		       b->remote, timeout_ms / 1000);
	if (!hint_notify(b))
		ewoe_hint("check that the peer has this tunnel configured with matching settings "
			  "and that UDP 500/4500 reach it; charon's log says more");
	pthread_mutex_unlock(&w->lock);
	return -ETIMEDOUT;
}

int ike_initiate(struct ike *ike, const struct ewoe_peer *const *peers, size_t n, int timeout_ms)
{
	static const struct {
		const char *name;
		vici_event_cb_t cb;
	} events[] = {
		{ "log", on_log },
		{ "child-updown", on_updown },
		{ "ike-updown", on_updown },
	};
	struct log_watch w = { .lock = PTHREAD_MUTEX_INITIALIZER, .n = n };
	struct sa_scans scans = { .n = n };
	long long start = now_ms();
	size_t waiting = n;
	int err = 0, first_err = 0;

	if (!n)
		return 0;
	news_init(&w.news);
	w.b = calloc(n, sizeof(*w.b));
	scans.scan = calloc(n, sizeof(*scans.scan));
	if (!w.b || !scans.scan) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct bringup *b = &w.b[i];

		b->peer = peers[i];
		snprintf(b->conn, sizeof(b->conn), CONN_PREFIX "%s", peers[i]->name);
		ewoe_addr_str(&peers[i]->remote, b->remote);
		b->established_at = -1;
		b->result = 1;
		scans.scan[i].conn = b->conn;
	}
	if (ewoe_opts.dry_run) {
		/* The plan brings up what is not up: on a converged node it plans nothing. */
		err = scan_sas(ike, &scans);
		for (size_t i = 0; i < n && !err; i++) {
			if (scans.scan[i].established && scans.scan[i].installed == 3)
				continue;
			ewoe_change(EWOE_CREATED, "ike-sa", w.b[i].conn,
				    "would bring up %s with %s", w.b[i].conn, w.b[i].remote);
		}
		goto out;
	}
	w.stream = ewoe_opts.verbosity > 0;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (vici.register_event(ike->conn, events[i].name, events[i].cb, &w)) {
			err = -errno;
			ewoe_err("subscribing to charon's %s events at %s: %s", events[i].name,
				 ike->uri, strerror(errno));
			goto unsubscribe;
		}
	}
	/* Every IKE_SA runs at once in the daemon; one scan per round follows them all. */
	while (waiting) {
		long long elapsed = now_ms() - start;
		unsigned long missing = 0;
		struct news_mark mark;

		if (n == 1)
			ewoe_progress("%s: waiting for IKE with %s (%lld s)", w.b[0].conn,
				      w.b[0].remote, elapsed / 1000);
		else
			ewoe_progress("waiting for IKE: %zu of %zu tunnels up (%lld s)",
				      n - waiting, n, elapsed / 1000);
		mark = news_mark(&w.news);
		err = scan_sas(ike, &scans);
		if (err)
			break;
		/* No lock here: start_children waits for charon, whose log the callback takes. */
		for (size_t i = 0; i < n; i++) {
			struct bringup *b = &w.b[i];

			if (b->result != 1)
				continue;
			b->result = bringup_step(ike, &w, b, &scans.scan[i], elapsed, timeout_ms);
			if (b->result != 1)
				waiting--;
			else
				missing +=
				    !(scans.scan[i].installed & 1) + !(scans.scan[i].installed & 2);
			if (b->result < 0 && !first_err)
				first_err = b->result;
		}
		/*
		 * Until charon reports as many CHILD_SAs up as this scan missed, or something down:
		 * a tunnel's last child is seen as it comes, not up to a round later. At least one
		 * event: a tunnel whose children are in but whose IKE_SA is not (yet) established
		 * must not make this a busy loop.
		 */
		if (waiting && news_wait(&w.news, mark, missing ? missing : 1, POLL_MS))
			ewoe_debug("woken by charon's updown events");
	}
	ewoe_progress_done();
unsubscribe:
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		vici.register_event(ike->conn, events[i].name, NULL, NULL);
out:
	if (err == -ENOMEM)
		ewoe_err("waiting for IKE: out of memory");
	news_destroy(&w.news);
	free(w.b);
	free(scans.scan);
	return err ? err : first_err;
}

/* ---- removal ---- */

/*
 * End the connection's IKE_SA and its CHILD_SAs. A peer that forgot the IKE_SA (its charon
 * restarted) or is gone never answers the DELETE: after a short wait charon destroys the SAs
 * anyway (force) and reports the termination as failed, which it is not for us.
 */
static int terminate(struct ike *ike, const char *conn, int *done)
{
	vici_req_t *req = vici.begin("terminate");
	vici_res_t *res;
	const char *errmsg;
	int err = 0;

	vici.add_key_valuef(req, "ike", "%s", conn);
	vici.add_key_valuef(req, "force", "yes");
	vici.add_key_valuef(req, "timeout", "%d", TERMINATE_WAIT_MS);
	res = vici.submit(req, ike->conn);
	if (!res) {
		err = errno ? -errno : -EIO;
		ewoe_err("lost the connection to charon at %s: %s", ike->uri, strerror(-err));
		return err;
	}
	errmsg = vici.find_str(res, "", "errmsg");
	if (!strcmp(vici.find_str(res, "yes", "success"), "yes")) {
		*done = 1;
	} else if (strstr(errmsg, "terminating SA failed")) {
		ewoe_debug("%s: the peer did not answer the DELETE; charon destroyed the SAs",
			   conn);
		*done = 1;
	} else if (!strstr(errmsg, "no matching SAs")) {
		ewoe_err("charon refused to terminate %s: %s", conn, errmsg);
		err = -EREMOTEIO;
	}
	vici.free_res(res);
	return err;
}

int ike_restart(struct ike *ike, const struct ewoe_peer *peer)
{
	char conn[CONN_NAME_MAX];
	int done = 0;

	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", peer->name);
	if (ewoe_opts.dry_run)
		return 1;
	return terminate(ike, conn, &done);
}

int ike_unload_peer(struct ike *ike, const char *name)
{
	char conn[CONN_NAME_MAX], shared_id[CONN_NAME_MAX + 4], path[PATH_MAX], key_id[256];
	unsigned char *pem = NULL;
	int removed = 0, err = 0, fd;
	struct stat st;

	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", name);
	snprintf(shared_id, sizeof(shared_id), "ike-%s", conn);
	if (ewoe_opts.dry_run) {
		ewoe_change(EWOE_REMOVED, "ike-connection", conn,
			    "would terminate and unload %s and its credentials from charon", conn);
		for (int i = 0; i < F_COUNT; i++) {
			if (!file_path(i, name, path, sizeof(path)) && !access(path, F_OK))
				ewoe_change(EWOE_REMOVED, "file", path, "would remove %s", path);
		}
		return 0;
	}

	/* No charon to ask (it is gone): its state dies with it, ewoe's files stay to remove. */
	if (!ike)
		goto files;
	err = terminate(ike, conn, &removed);
	if (!err)
		err = unload(ike, "unload-conn", "name", conn, "not found", &removed);
	if (!err)
		names_note(&ike->conns, conn, false);
	if (!err && shared_key_loaded(ike, shared_id) > 0) {
		err = unload(ike, "unload-shared", "id", shared_id, "not found", &removed);
		if (!err)
			names_note(&ike->shared, shared_id, false);
	}

	/* strongSwan names keys by their public key: ask it by loading ewoe's copy again. */
	fd = file_path(F_KEY, name, path, sizeof(path)) ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (!err && fd >= 0 && !fstat(fd, &st) && st.st_size > 0 && st.st_size < (1 << 20) &&
	    (pem = calloc(1, (size_t)st.st_size + 1)) &&
	    read(fd, pem, (size_t)st.st_size) == st.st_size &&
	    !load_key(ike, (char *)pem, key_id, sizeof(key_id)))
		err = unload(ike, "unload-key", "id", key_id, "not found", &removed);
	if (fd >= 0)
		close(fd);
	if (pem) {
		explicit_bzero(pem, (size_t)st.st_size);
		free(pem);
	}

files:
	for (int i = 0; i < F_COUNT && !err; i++) {
		if (file_path(i, name, path, sizeof(path)))
			continue;
		if (!unlink(path))
			removed = 1;
		else if (errno != ENOENT)
			ewoe_warn("%s: cannot remove: %s", path, strerror(errno));
	}
	if (err)
		return err;
	if (removed)
		ewoe_change(EWOE_REMOVED, "ike-connection", conn,
			    "removed %s from %sswanctl's configuration", conn,
			    ike ? "charon and " : "");
	return removed;
}
