// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A peer's connection and credentials into charon and swanctl's directory, and out again:
 * checked before anything is reached, loaded credentials first, written beside, rolled back
 * when a step fails.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "ewoe.h"
#include "ike.h"
#include "ike_vici.h"
#include "log.h"
#include "platform.h"
#include "swanctl.h"

/* ewoe's copy of a private key is far smaller: anything larger is not one. */
#define KEY_FILE_MAX (1 << 20)
/* How long a DELETE may wait for the peer before charon destroys the SAs itself. */
#define TERMINATE_WAIT_MS 2000

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

int ike_check_peer(const struct ewoe_peer *peer, struct creds **out)
{
	struct creds *c = NULL;
	int err;

	err = check_settings(peer);
	if (!err)
		err = creds_load(peer, &c);
	if (!err && out) {
		*out = c;
		c = NULL;
	}
	creds_free(c);
	return err;
}

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

		if (files[i].data && !swanctl_file_matches(&files[i]))
			ewoe_change(exists ? EWOE_CHANGED : EWOE_CREATED, "file", files[i].path,
				    "would write %s (mode %04o)", files[i].path,
				    (unsigned)files[i].mode);
		else if (!files[i].data && exists)
			ewoe_change(EWOE_REMOVED, "file", files[i].path, "would remove %s",
				    files[i].path);
	}
}

int ike_load_peer(struct ike *ike, const struct ewoe_peer *peer, const struct creds *checked)
{
	struct out_file files[F_COUNT] = { 0 };
	const struct creds *c = checked;
	struct creds *own = NULL;
	struct emit e = { 0 };
	char conn[CONN_NAME_MAX], shared_id[CONN_NAME_MAX + 4], key_id[256] = "";
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	bool loaded_before, unchanged = true, shared_loaded = false;
	vici_req_t *req;
	int err, done = 0;

	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", peer->name);
	snprintf(shared_id, sizeof(shared_id), "ike-%s", conn);
	err = ike_check_daemon(ike, peer);
	if (!err && !c) {
		err = ike_check_peer(peer, &own);
		c = own;
	}
	if (!err)
		err = swanctl_plan_files(peer, c, files);
	if (err)
		goto out;
	err = conn_loaded(ike, conn);
	if (err < 0)
		goto out;
	loaded_before = err;
	for (int i = 0; i < F_COUNT && unchanged; i++)
		unchanged = swanctl_file_listed(ike, files[i].path)
				? files[i].data && swanctl_file_matches(&files[i])
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
	swanctl_emit_conn(&e, peer, c);
	err = call(ike, e.req, "loading the connection", NULL);
	if (err)
		goto rollback;
	names_note(&ike->conns, conn, true);

	for (int i = 0; i < F_COUNT && !err; i++) {
		if (files[i].data)
			err = swanctl_write_file(&files[i]);
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
	swanctl_files_free(files);
	creds_free(own);
	return err;
}

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
	char *pem = NULL;
	size_t pem_len = 0;
	int removed = 0, err = 0;

	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", name);
	snprintf(shared_id, sizeof(shared_id), "ike-%s", conn);
	if (ewoe_opts.dry_run) {
		ewoe_change(EWOE_REMOVED, "ike-connection", conn,
			    "would terminate and unload %s and its credentials from charon", conn);
		for (int i = 0; i < F_COUNT; i++) {
			if (!swanctl_file_path(i, name, path, sizeof(path)) && !access(path, F_OK))
				ewoe_change(EWOE_REMOVED, "file", path, "would remove %s", path);
		}
		return 0;
	}

	/* No charon to ask (it is gone): its state dies with it, ewoe's files stay to remove. */
	if (!ike)
		goto files;
	/*
	 * Unload before terminating: the peer's charon re-initiates as soon as it sees the DELETE
	 * (close_action = start), and while the connection and its key are loaded ours accepts
	 * it, leaving a fresh IKE_SA that unloading does not end.
	 */
	err = unload(ike, "unload-conn", "name", conn, "not found", &removed);
	if (!err)
		names_note(&ike->conns, conn, false);
	if (!err && shared_key_loaded(ike, shared_id) > 0) {
		err = unload(ike, "unload-shared", "id", shared_id, "not found", &removed);
		if (!err)
			names_note(&ike->shared, shared_id, false);
	}
	if (!err)
		err = terminate(ike, conn, &removed);

	/* strongSwan names keys by their public key: ask it by loading ewoe's copy again. */
	if (!err && !swanctl_file_path(F_KEY, name, path, sizeof(path)) &&
	    !platform_read_file(path, KEY_FILE_MAX, &pem, &pem_len) && pem_len &&
	    !load_key(ike, pem, key_id, sizeof(key_id)))
		err = unload(ike, "unload-key", "id", key_id, "not found", &removed);
	if (pem) {
		explicit_bzero(pem, pem_len);
		free(pem);
	}

files:
	for (int i = 0; i < F_COUNT && !err; i++) {
		if (swanctl_file_path(i, name, path, sizeof(path)))
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
