// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VICI session: libvici opened with dlopen on first use, the connection to charon, its
 * version, and the requests every other part of the IKE backend makes through call().
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "ewoe.h"
#include "ike_vici.h"
#include "log.h"

/* hw_offload=packet and =crypto first appeared in strongSwan 5.9.10. */
#define OFFLOAD_MIN_VERSION 50910

struct vici_lib vici;

static void names_free(struct name_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->names[i]);
	free(set->names);
	memset(set, 0, sizeof(*set));
}

int names_add(struct name_set *set, const char *name, size_t len)
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

ssize_t names_find(const struct name_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (!strcmp(set->names[i], name))
			return (ssize_t)i;
	}
	return -1;
}

void names_note(struct name_set *set, const char *name, bool present)
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

int conn_loaded(struct ike *ike, const char *conn)
{
	int err = ike->conns.known ? 0 : names_read(ike, "get-conns", "conns", &ike->conns);

	return err ? err : names_find(&ike->conns, conn) >= 0;
}

int shared_key_loaded(struct ike *ike, const char *id)
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

int call(struct ike *ike, vici_req_t *req, const char *what, vici_res_t **out)
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

int call_absent_ok(struct ike *ike, vici_req_t *req, const char *absent, int *done)
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
