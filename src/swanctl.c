// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swanctl.conf and the credentials beside it: rendered from the same description as the VICI
 * message, written under --root, compared with what is on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ewoe.h"
#include "log.h"
#include "platform.h"
#include "swanctl.h"

#define DPD_DELAY "30s"

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

void swanctl_emit_conn(struct emit *e, const struct ewoe_peer *p, const struct creds *c)
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
	swanctl_emit_conn(&e, p, c);
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

int swanctl_file_path(int kind, const char *name, char *buf, size_t size)
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

void swanctl_files_free(struct out_file *files)
{
	for (int i = 0; i < F_COUNT; i++) {
		if (files[i].data)
			explicit_bzero(files[i].data, files[i].len);
		free(files[i].data);
		files[i].data = NULL;
	}
}

int swanctl_plan_files(const struct ewoe_peer *p, const struct creds *c, struct out_file *files)
{
	const char *pem[F_COUNT] = { NULL, c->cert_pem, c->key_pem, c->peer_cert_pem, c->ca_pem };

	for (int i = 0; i < F_COUNT; i++) {
		if (swanctl_file_path(i, p->name, files[i].path, sizeof(files[i].path))) {
			swanctl_files_free(files);
			return -ENAMETOOLONG;
		}
		files[i].mode = file_kinds[i].mode;
		if (i == F_CONF)
			files[i].data = render_conf(p, c, &files[i].len);
		else if (pem[i] && (files[i].data = strdup(pem[i])))
			files[i].len = strlen(pem[i]);
		if ((i == F_CONF || pem[i]) && !files[i].data) {
			swanctl_files_free(files);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Whether path (one of swanctl_file_path()'s) exists: one listing of each directory a run. */
bool swanctl_file_listed(struct ike *ike, const char *path)
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

bool swanctl_file_matches(const struct out_file *f)
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
int swanctl_write_file(const struct out_file *f)
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
