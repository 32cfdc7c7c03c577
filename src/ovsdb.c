// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * OVSDB through the OVS C IDL, the way ovs-vsctl talks to it: monitor only the columns used,
 * build one transaction from a fresh snapshot, bump next_cfg, commit, then wait for cur_cfg.
 * This is the only file that sees OVS headers; they shadow libc's, so OVS's own config.h (the
 * definitions libopenvswitch.a was built with) comes first: ewoe's model is in conf.h.
 */
#ifndef EWOE_OVS_SYSTEM
#include <config.h>
#ifndef PACKAGE_NAME
#error "ovsdb.c must see Open vSwitch's config.h (the build's), not another config.h"
#endif
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

#include "ewoe.h"
#include "log.h"
#include "ovsdb.h"
#include "platform.h"

/* external_ids on every row ewoe inserts; removal touches only rows carrying it. */
#define OWNER_KEY "ewoe:owner"
#define OWNER_VAL "ewoe"
#define PEER_KEY  "ewoe:peer"
/* On the port of a tunnel `ewoe tunnel` made, which no config lists: setup keeps it. */
#define MADE_BY_KEY    "ewoe:made-by"
#define MADE_BY_TUNNEL "tunnel"
/* On a port `setup-bridge --move` took from another bridge: where it came from. */
#define MOVED_KEY "ewoe:moved-from"

#define IPSEC_PIDFILE "/var/run/openvswitch/ovs-monitor-ipsec.pid"

struct ovsdb {
	struct ovsdb_idl *idl;
	char *remote;
	int timeout_ms;
	bool vswitchd_checked;
	/*
	 * What this --dry-run planned, for the steps planned after it: a bridge to create (its
	 * tunnels go onto it) and interfaces to remove (a bridge without them can go too).
	 */
	char planned_bridge[IFNAMSIZ];
	struct svec planned_removals;
};

/* What one command changes, described while the transaction is built. */
struct change {
	struct svec actions;	  /* one line per change, for dry-run and progress */
	struct svec objects;	  /* each line's "KIND\tTYPE\tOBJECT", KIND an ewoe_change_kind */
	struct svec check_ifaces; /* interfaces whose ofport/error to check once applied */
	bool hw_offload_set;	  /* the change includes other_config:hw-offload */
	bool committed;
};

typedef int (*build_fn)(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			const struct ovsrec_open_vswitch *ovs, const void *arg, struct change *ch);

static void quiet_ovs_logging(void)
{
	static bool done;
	enum vlog_level level = VLL_OFF;

	if (done)
		return;
	done = true;
	if (ewoe_opts.verbosity > 1)
		level = VLL_DBG;
	else if (ewoe_opts.verbosity > 0)
		level = VLL_WARN;
	vlog_set_levels(NULL, VLF_ANY_DESTINATION, level);
}

static void add_monitored_columns(struct ovsdb_idl *idl)
{
	static const struct ovsdb_idl_column *const columns[] = {
		&ovsrec_open_vswitch_col_bridges,
		&ovsrec_open_vswitch_col_next_cfg,
		&ovsrec_open_vswitch_col_cur_cfg,
		&ovsrec_open_vswitch_col_other_config,
		&ovsrec_bridge_col_name,
		&ovsrec_bridge_col_ports,
		&ovsrec_bridge_col_external_ids,
		&ovsrec_port_col_name,
		&ovsrec_port_col_interfaces,
		&ovsrec_port_col_external_ids,
		&ovsrec_port_col_protected_,
		&ovsrec_interface_col_name,
		&ovsrec_interface_col_type,
		&ovsrec_interface_col_options,
		&ovsrec_interface_col_ofport,
		&ovsrec_interface_col_error,
		&ovsrec_interface_col_external_ids,
	};

	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		ovsdb_idl_add_column(idl, columns[i]);
}

static void unreachable_hint(int error)
{
	if (error == EACCES) {
		ewoe_hint("run ewoe as root, or as a user allowed to open that socket");
		return;
	}
	ewoe_hint("is ovsdb-server running? start it with 'systemctl start openvswitch-switch', "
		  "or point --db at its socket");
}

int ovsdb_open(const char *remote, int timeout_ms, struct ovsdb **out)
{
	struct ovsdb *db;
	long long deadline = time_msec() + timeout_ms;

	quiet_ovs_logging();
	db = xzalloc(sizeof(*db));
	db->remote = xstrdup(remote);
	db->timeout_ms = timeout_ms;
	db->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, false);
	add_monitored_columns(db->idl);

	for (;;) {
		ovsdb_idl_run(db->idl);
		if (!ovsdb_idl_is_alive(db->idl)) {
			ewoe_err("cannot connect to the Open vSwitch database at %s: %s", remote,
				 ovs_retval_to_string(ovsdb_idl_get_last_error(db->idl)));
			unreachable_hint(ovsdb_idl_get_last_error(db->idl));
			goto fail;
		}
		if (ovsdb_idl_has_ever_connected(db->idl))
			break;
		if (time_msec() >= deadline) {
			ewoe_err("no answer from the Open vSwitch database at %s within %d s",
				 remote, timeout_ms / 1000);
			unreachable_hint(ovsdb_idl_get_last_error(db->idl));
			goto fail;
		}
		ovsdb_idl_wait(db->idl);
		poll_timer_wait_until(deadline);
		poll_block();
	}
	if (!ovsrec_open_vswitch_first(db->idl)) {
		ewoe_err("the Open vSwitch database at %s is not initialized (no Open_vSwitch row)",
			 remote);
		ewoe_hint("'systemctl start openvswitch-switch' initializes it");
		goto fail;
	}
	*out = db;
	return 0;
fail:
	ovsdb_free(db);
	return -ENOTCONN;
}

void ovsdb_free(struct ovsdb *db)
{
	if (!db)
		return;
	ovsdb_idl_destroy(db->idl);
	svec_destroy(&db->planned_removals);
	free(db->remote);
	free(db);
}

static bool owned_by_ewoe(const struct smap *external_ids)
{
	const char *v = smap_get(external_ids, OWNER_KEY);

	return v && !strcmp(v, OWNER_VAL);
}

static void mark_owned(struct smap *external_ids)
{
	smap_init(external_ids);
	smap_add(external_ids, OWNER_KEY, OWNER_VAL);
}

static const struct ovsrec_bridge *find_bridge(const struct ovsdb *db, const char *name)
{
	const struct ovsrec_bridge *br;

	for (br = ovsrec_bridge_first(db->idl); br; br = ovsrec_bridge_next(br))
		if (!strcmp(br->name, name))
			return br;
	return NULL;
}

static const struct ovsrec_port *bridge_port(const struct ovsrec_bridge *br, const char *name)
{
	for (size_t i = 0; i < br->n_ports; i++)
		if (!strcmp(br->ports[i]->name, name))
			return br->ports[i];
	return NULL;
}

/* The port named so on any bridge, and that bridge. */
static const struct ovsrec_port *find_port(const struct ovsdb *db, const char *name,
					   const struct ovsrec_bridge **on)
{
	const struct ovsrec_bridge *br;
	const struct ovsrec_port *port;

	for (br = ovsrec_bridge_first(db->idl); br; br = ovsrec_bridge_next(br)) {
		port = bridge_port(br, name);
		if (port) {
			*on = br;
			return port;
		}
	}
	*on = NULL;
	return NULL;
}

static const struct ovsrec_interface *find_iface(const struct ovsdb *db, const char *name)
{
	const struct ovsrec_interface *iface;

	for (iface = ovsrec_interface_first(db->idl); iface; iface = ovsrec_interface_next(iface))
		if (!strcmp(iface->name, name))
			return iface;
	return NULL;
}

static void add_action(struct change *ch, enum ewoe_change_kind kind, const char *type,
		       const char *object, const char *fmt, ...) OVS_PRINTF_FORMAT(5, 6);
static void add_action(struct change *ch, enum ewoe_change_kind kind, const char *type,
		       const char *object, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	svec_add_nocopy(&ch->actions, xvasprintf(fmt, ap));
	va_end(ap);
	svec_add_nocopy(&ch->objects, xasprintf("%d\t%s\t%s", (int)kind, type, object));
}

/* Action i, as ewoe_change() reports it: "would " in front of a plan's. */
static void report_action(const struct change *ch, size_t i, const char *prefix)
{
	char *meta = xstrdup(ch->objects.names[i]);
	char *type = strchr(meta, '\t');
	char *object = type ? strchr(type + 1, '\t') : NULL;

	if (type && object) {
		*type++ = '\0';
		*object++ = '\0';
		ewoe_change((enum ewoe_change_kind)atoi(meta), type, object, "%s%s", prefix,
			    ch->actions.names[i]);
	}
	free(meta);
}

/*
 * Wait until the IDL holds a snapshot newer than seqno, up to the deadline. The caller takes
 * seqno before it reads: the change it waits for may already have arrived while it committed.
 */
static int idl_wait_change(struct ovsdb *db, unsigned int seqno, long long deadline)
{
	while (seqno == ovsdb_idl_get_seqno(db->idl)) {
		if (!ovsdb_idl_is_alive(db->idl)) {
			ewoe_err("lost the connection to the Open vSwitch database at %s: %s",
				 db->remote,
				 ovs_retval_to_string(ovsdb_idl_get_last_error(db->idl)));
			unreachable_hint(ovsdb_idl_get_last_error(db->idl));
			return -ENOTCONN;
		}
		if (time_msec() >= deadline)
			return -ETIMEDOUT;
		ovsdb_idl_wait(db->idl);
		poll_timer_wait_until(deadline);
		poll_block();
		ovsdb_idl_run(db->idl);
	}
	return 0;
}

/*
 * Refuse to write when no ovs-vswitchd serves this database: it holds the "ovs_vswitchd" lock
 * for as long as it runs, so being granted that lock means it is not there. Checking first keeps
 * the database untouched instead of writing and then timing out.
 */
static int check_vswitchd(struct ovsdb *db, long long deadline)
{
	bool granted;
	int rc = 0;

	ovsdb_idl_set_lock(db->idl, "ovs_vswitchd");
	for (;;) {
		ovsdb_idl_run(db->idl);
		if (ovsdb_idl_has_lock(db->idl) || ovsdb_idl_is_lock_contended(db->idl))
			break;
		if (!ovsdb_idl_is_alive(db->idl)) {
			ewoe_err("lost the connection to the Open vSwitch database at %s: %s",
				 db->remote,
				 ovs_retval_to_string(ovsdb_idl_get_last_error(db->idl)));
			unreachable_hint(ovsdb_idl_get_last_error(db->idl));
			rc = -ENOTCONN;
			break;
		}
		if (time_msec() >= deadline) {
			ewoe_err("no answer from the Open vSwitch database at %s within %d s",
				 db->remote, db->timeout_ms / 1000);
			rc = -ETIMEDOUT;
			break;
		}
		ovsdb_idl_wait(db->idl);
		poll_timer_wait_until(deadline);
		poll_block();
	}
	granted = ovsdb_idl_has_lock(db->idl);
	ovsdb_idl_set_lock(db->idl, NULL);
	if (rc)
		return rc;
	if (granted) {
		ewoe_err("ovs-vswitchd is not running for the database at %s; nothing was changed",
			 db->remote);
		ewoe_hint("start it with 'systemctl start openvswitch-switch'");
		return -ESRCH;
	}
	db->vswitchd_checked = true;
	return 0;
}

/* Wait until ovs-vswitchd has applied next_cfg, then check what it made of new interfaces. */
static int wait_applied(struct ovsdb *db, int64_t next_cfg, const struct change *ch,
			long long deadline)
{
	const struct ovsrec_open_vswitch *ovs;
	const struct ovsrec_interface *iface;
	const char *name;
	size_t i;
	int rc = 0;

	ovsdb_idl_enable_reconnect(db->idl);
	for (;;) {
		ovs = ovsrec_open_vswitch_first(db->idl);
		if (ovs && ovs->cur_cfg >= next_cfg)
			break;
		if (time_msec() >= deadline) {
			ewoe_err("ovs-vswitchd did not apply the change within %d s (configuration "
				 "%" PRId64 ", it is at %" PRId64 ")",
				 db->timeout_ms / 1000, next_cfg, ovs ? ovs->cur_cfg : 0);
			ewoe_hint(
			    "the change is in the database and ovs-vswitchd applies it when it "
			    "recovers; check 'systemctl status openvswitch-switch' and "
			    "/var/log/openvswitch/ovs-vswitchd.log");
			return -ETIMEDOUT;
		}
		ovsdb_idl_wait(db->idl);
		poll_timer_wait_until(deadline);
		poll_block();
		ovsdb_idl_run(db->idl);
	}
	for (i = 0; i < ch->check_ifaces.n; i++) {
		name = ch->check_ifaces.names[i];
		iface = find_iface(db, name);
		if (!iface) {
			ewoe_err("interface %s disappeared from the database after it was added",
				 name);
			rc = -EIO;
		} else if (iface->error && *iface->error) {
			ewoe_err("ovs-vswitchd could not add interface %s: %s", name, iface->error);
			rc = -EIO;
		} else if (!iface->n_ofport || *iface->ofport < 0) {
			ewoe_err("ovs-vswitchd gave interface %s no OpenFlow port", name);
			rc = -EIO;
		}
	}
	return rc;
}

/*
 * What every build reads before it decides to insert: which bridges exist, their ports, and
 * the ports' interfaces. The commit then carries these as preconditions, so a client that
 * added or removed a bridge, port or interface meanwhile makes it fail as "try again" (and
 * ewoe rebuilds from the newer snapshot) instead of ewoe inserting a second row of a name
 * that now exists, which the server refuses as a constraint violation. ovs-vsctl does the
 * same.
 */
static void verify_topology(struct ovsdb *db, const struct ovsrec_open_vswitch *ovs)
{
	const struct ovsrec_bridge *br;
	const struct ovsrec_port *port;

	ovsrec_open_vswitch_verify_bridges(ovs);
	for (br = ovsrec_bridge_first(db->idl); br; br = ovsrec_bridge_next(br))
		ovsrec_bridge_verify_ports(br);
	for (port = ovsrec_port_first(db->idl); port; port = ovsrec_port_next(port))
		ovsrec_port_verify_interfaces(port);
}

/*
 * The first len bytes of src on one line in dst, cut to the longest reason an operator
 * reads in a terminal line ("..." marking the cut).
 */
static void one_line(char *dst, size_t size, const char *src, size_t len)
{
	size_t max = size - 1 < 300 ? size - 1 : 300;
	size_t n;

	for (n = 0; n < len && n < max && src[n]; n++)
		dst[n] = src[n] == '\n' || src[n] == '\r' || src[n] == '\t' ? ' ' : src[n];
	if (n < len && src[n] && n >= 3)
		memcpy(dst + n - 3, "...", 3);
	dst[n] = '\0';
}

/*
 * The server's reason for refusing a transaction, in one line. The IDL hands it over as the
 * JSON of the failed operation, {"error": "<kind>", "details": "<sentences>"}: print the
 * kind and the first sentence of the details (the rest names row UUIDs, of no use to an
 * operator); anything else as it came, on one line.
 */
static void report_txn_error(const struct ovsdb *db, const char *what, const char *raw)
{
	struct json *json = json_from_string(raw);
	const struct json *error = NULL, *details = NULL;
	const char *kind = NULL, *text, *end;
	char why[512];

	if (json->type == JSON_OBJECT) {
		error = shash_find_data(json_object(json), "error");
		details = shash_find_data(json_object(json), "details");
	}
	if (error && error->type == JSON_STRING)
		kind = json_string(error);
	if (kind && details && details->type == JSON_STRING) {
		text = json_string(details);
		end = strstr(text, ".  ");
		one_line(why, sizeof(why), text, end ? (size_t)(end - text) + 1 : strlen(text));
		ewoe_err("the Open vSwitch database refused the change (%s): %s: %s", what, kind,
			 why);
	} else {
		text = kind ? kind : raw;
		one_line(why, sizeof(why), text, strlen(text));
		ewoe_err("the Open vSwitch database refused the change (%s): %s", what, why);
	}
	if (kind && !strcmp(kind, "not allowed"))
		ewoe_hint("the server at %s takes no writes (a backup or read-only server?); point "
			  "ewoe at the active one",
			  db->remote);
	else if (kind && strstr(kind, "violation"))
		ewoe_hint(
		    "nothing of this change was written; 'ovs-vsctl show' shows what is in the "
		    "database now");
	json_destroy(json);
}

/*
 * Build the change from a fresh snapshot and commit it as one transaction. Returns 1 when
 * something changed (or would, under --dry-run), 0 when all was already so, <0 on error.
 */
static int run_txn(struct ovsdb *db, const char *what, build_fn build, const void *arg, bool wait,
		   struct change *ch)
{
	long long deadline = time_msec() + db->timeout_ms;
	const struct ovsrec_open_vswitch *ovs;
	struct ovsdb_idl_txn *txn;
	enum ovsdb_idl_txn_status status;
	int64_t next_cfg = 0;
	unsigned int seqno;
	size_t i;
	int rc;

	for (;;) {
		svec_clear(&ch->actions);
		svec_clear(&ch->objects);
		svec_clear(&ch->check_ifaces);
		ch->hw_offload_set = false;
		ovs = ovsrec_open_vswitch_first(db->idl);
		if (!ovs) {
			ewoe_err("the Open vSwitch database at %s lost its Open_vSwitch row",
				 db->remote);
			return -ENOENT;
		}
		seqno = ovsdb_idl_get_seqno(db->idl);
		txn = ovsdb_idl_txn_create(db->idl);
		ovsdb_idl_txn_add_comment(txn, "ewoe: %s", what);
		verify_topology(db, ovs);
		rc = build(db, txn, ovs, arg, ch);
		if (rc < 0 || !ch->actions.n || ewoe_opts.dry_run) {
			next_cfg = ovs->next_cfg;
			ovsdb_idl_txn_destroy(txn);
			if (rc < 0)
				return rc;
			for (i = 0; i < ch->actions.n; i++)
				report_action(ch, i, "would ");
			if (ch->actions.n)
				return 1;
			/* Nothing to write, but say so if ovs-vswitchd failed on what is there. */
			return wait && !ewoe_opts.dry_run ? wait_applied(db, next_cfg, ch, deadline)
							  : 0;
		}
		if (wait && !db->vswitchd_checked) {
			/* Row pointers die with the next IDL run: check, then build again. */
			ovsdb_idl_txn_destroy(txn);
			rc = check_vswitchd(db, deadline);
			if (rc)
				return rc;
			continue;
		}
		if (wait)
			ovsdb_idl_txn_increment(txn, &ovs->header_,
						&ovsrec_open_vswitch_col_next_cfg, false);
		while ((status = ovsdb_idl_txn_commit(txn)) == TXN_INCOMPLETE) {
			if (time_msec() >= deadline)
				break;
			ovsdb_idl_run(db->idl);
			ovsdb_idl_wait(db->idl);
			ovsdb_idl_txn_wait(txn);
			poll_timer_wait_until(deadline);
			poll_block();
		}
		if (status == TXN_SUCCESS && wait)
			next_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
		if (status == TXN_ERROR)
			report_txn_error(db, what, ovsdb_idl_txn_get_error(txn));
		ovsdb_idl_txn_destroy(txn);
		if (status != TXN_TRY_AGAIN)
			break;
		/* Someone else changed what the build read: look again and rebuild. */
		ewoe_debug("ovsdb: another client changed the database meanwhile; building the "
			   "change (%s) again",
			   what);
		rc = idl_wait_change(db, seqno, deadline);
		if (rc == -ETIMEDOUT) {
			status = TXN_INCOMPLETE;
			break;
		}
		if (rc)
			return rc;
	}

	switch (status) {
	case TXN_UNCHANGED:
		return 0;
	case TXN_SUCCESS:
		break;
	case TXN_INCOMPLETE:
		ewoe_err("the Open vSwitch database at %s did not confirm the change within %d s",
			 db->remote, db->timeout_ms / 1000);
		return -ETIMEDOUT;
	case TXN_ERROR:
		return -EIO;
	default:
		ewoe_err("transaction on the Open vSwitch database failed: %s",
			 ovsdb_idl_txn_status_to_string(status));
		return -EIO;
	}
	ch->committed = true;
	for (i = 0; i < ch->actions.n; i++)
		report_action(ch, i, "");
	if (wait) {
		rc = wait_applied(db, next_cfg, ch, deadline);
		if (rc)
			return rc;
	}
	return 1;
}

static int commit(struct ovsdb *db, const char *what, build_fn build, const void *arg, bool wait,
		  bool *hw_offload_changed)
{
	struct change ch = { .committed = false };
	int rc;

	svec_init(&ch.actions);
	svec_init(&ch.objects);
	svec_init(&ch.check_ifaces);
	rc = run_txn(db, what, build, arg, wait, &ch);
	if (hw_offload_changed)
		*hw_offload_changed = ch.hw_offload_set && (ch.committed || ewoe_opts.dry_run);
	svec_destroy(&ch.actions);
	svec_destroy(&ch.objects);
	svec_destroy(&ch.check_ifaces);
	return rc;
}

/* The options that hand a tunnel's IPsec to ovs-monitor-ipsec. */
static const char *const ipsec_options[] = { "psk", "remote_cert", "remote_name" };

static const char *ipsec_option(const struct ovsrec_interface *iface)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipsec_options); i++)
		if (smap_get(&iface->options, ipsec_options[i]))
			return ipsec_options[i];
	return NULL;
}

/* ovs-monitor-ipsec rewrites strongSwan's configuration and restarts it, dropping ewoe's. */
static void warn_ipsec_conflicts(const struct ovsdb *db, const char *bridge)
{
	const struct ovsrec_bridge *br = find_bridge(db, bridge);
	const char *option;
	char path[4096];
	long pid;
	FILE *f;

	for (size_t i = 0; br && i < br->n_ports; i++) {
		for (size_t j = 0; j < br->ports[i]->n_interfaces; j++) {
			const struct ovsrec_interface *iface = br->ports[i]->interfaces[j];

			option = ipsec_option(iface);
			if (option)
				ewoe_warn(
				    "interface %s on bridge %s has options:%s, which hands its "
				    "IPsec to ovs-monitor-ipsec; that conflicts with the "
				    "strongSwan configuration ewoe loads",
				    iface->name, bridge, option);
		}
	}

	f = platform_path(path, sizeof(path), IPSEC_PIDFILE) ? NULL : fopen(path, "r");
	if (!f)
		return;
	if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
		ewoe_warn("openvswitch-ipsec is running (ovs-monitor-ipsec, pid %ld): it rewrites "
			  "strongSwan's configuration and restarts it, dropping the tunnels ewoe "
			  "loads; stop it with 'systemctl disable --now openvswitch-ipsec'",
			  pid);
	fclose(f);
}

/* A new port holding one new interface, both marked as ewoe's. */
static const struct ovsrec_port *insert_port(struct ovsdb_idl_txn *txn, const char *name,
					     const char *type, const struct smap *options,
					     const struct smap *external_ids)
{
	struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
	struct ovsrec_port *port = ovsrec_port_insert(txn);

	ovsrec_interface_set_name(iface, name);
	ovsrec_interface_set_type(iface, type);
	if (options)
		ovsrec_interface_set_options(iface, options);
	ovsrec_interface_set_external_ids(iface, external_ids);
	ovsrec_port_set_name(port, name);
	ovsrec_port_set_interfaces(port, &iface, 1);
	ovsrec_port_set_external_ids(port, external_ids);
	return port;
}

static void delete_port(const struct ovsrec_port *port)
{
	for (size_t i = 0; i < port->n_interfaces; i++)
		ovsrec_interface_delete(port->interfaces[i]);
	ovsrec_port_delete(port);
}

static int build_setup_bridge(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			      const struct ovsrec_open_vswitch *ovs, const void *arg,
			      struct change *ch)
{
	const struct ovsdb_bridge_spec *spec = arg;
	const struct ovsrec_bridge *br = find_bridge(db, spec->bridge);
	const struct ovsrec_bridge *rep_on;
	const struct ovsrec_port *rep = find_port(db, spec->rep, &rep_on);
	const struct ovsrec_port *ports[2];
	struct smap owned;

	if (rep && rep_on != br && !spec->move) {
		ewoe_err("port %s is on bridge %s, not %s", spec->rep, rep_on->name, spec->bridge);
		return -EEXIST;
	}
	if (!rep && find_iface(db, spec->rep)) {
		ewoe_err("%s is already an interface of another port (a bond?); "
			 "take it out of that port first",
			 spec->rep);
		return -EEXIST;
	}

	if (!br) {
		add_action(ch, EWOE_CREATED, "ovs-bridge", spec->bridge, "create bridge %s",
			   spec->bridge);
		if (ewoe_opts.dry_run)
			snprintf(db->planned_bridge, sizeof(db->planned_bridge), "%s",
				 spec->bridge);
	}
	mark_owned(&owned);
	if (rep && rep_on != br) {
		ovsrec_bridge_update_ports_delvalue(rep_on, rep);
		ovsrec_port_update_external_ids_setkey(rep, MOVED_KEY, rep_on->name);
		add_action(ch, EWOE_CHANGED, "ovs-port", spec->rep,
			   "move port %s from bridge %s to %s", spec->rep, rep_on->name,
			   spec->bridge);
	}
	if (rep) {
		for (size_t i = 0; i < rep->n_interfaces; i++)
			svec_add(&ch->check_ifaces, rep->interfaces[i]->name);
	} else {
		rep = insert_port(txn, spec->rep, "", NULL, &owned);
		svec_add(&ch->check_ifaces, spec->rep);
		add_action(ch, EWOE_CREATED, "ovs-port", spec->rep, "add port %s to bridge %s",
			   spec->rep, spec->bridge);
	}
	if (!br) {
		struct ovsrec_bridge *nbr = ovsrec_bridge_insert(txn);

		ports[0] = insert_port(txn, spec->bridge, "internal", NULL, &owned);
		ports[1] = rep;
		ovsrec_bridge_set_name(nbr, spec->bridge);
		ovsrec_bridge_set_ports(nbr, (struct ovsrec_port **)ports, 2);
		ovsrec_bridge_set_external_ids(nbr, &owned);
		ovsrec_open_vswitch_update_bridges_addvalue(ovs, nbr);
		svec_add(&ch->check_ifaces, spec->bridge);
	} else if (rep_on != br) {
		ovsrec_bridge_update_ports_addvalue(br, rep);
	}
	smap_destroy(&owned);

	if (spec->hw_offload >= 0) {
		const char *want = spec->hw_offload ? "true" : "false";
		const char *cur = smap_get(&ovs->other_config, "hw-offload");

		/* Absent means false to ovs-vswitchd: nothing to write for "none". */
		if (cur ? strcmp(cur, want) : spec->hw_offload) {
			ovsrec_open_vswitch_update_other_config_setkey(ovs, "hw-offload", want);
			ch->hw_offload_set = true;
			add_action(ch, EWOE_CHANGED, "ovs-config", "other_config:hw-offload",
				   "set Open_vSwitch other_config:hw-offload=%s (was %s)", want,
				   cur ? cur : "unset");
		}
	}
	return 0;
}

int ovsdb_setup_bridge(struct ovsdb *db, const struct ovsdb_bridge_spec *spec)
{
	bool hw_offload_changed = false;
	int rc;

	if (!strcmp(spec->bridge, spec->rep)) {
		ewoe_err("the representor port and the bridge are both named %s; they must differ",
			 spec->rep);
		return -EINVAL;
	}
	warn_ipsec_conflicts(db, spec->bridge);
	rc = commit(db, "setup-bridge", build_setup_bridge, spec, spec->wait, &hw_offload_changed);
	/* Also when the wait for ovs-vswitchd failed: the restart is needed all the same. */
	if (hw_offload_changed)
		ewoe_warn("hw-offload %s: it takes effect only after ovs-vswitchd restarts "
			  "('systemctl restart openvswitch-switch')",
			  ewoe_opts.dry_run ? "would change" : "changed");
	return rc;
}

static void tunnel_options(const struct ewoe_peer *peer, struct smap *options)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];

	smap_init(options);
	smap_add(options, "local_ip", ewoe_addr_str(&peer->local, local));
	smap_add(options, "remote_ip", ewoe_addr_str(&peer->remote, remote));
	smap_add_format(options, "key", "%" PRIu32, peer->vni);
	smap_add_format(options, "dst_port", "%" PRIu16, peer->dst_port);
}

/* ovs-vswitchd refuses a second tunnel with the same endpoints, key and port. */
static const struct ovsrec_interface *
same_tunnel(const struct ovsrec_bridge *br, const struct ewoe_peer *peer, const struct smap *want)
{
	static const char *const keys[] = { "local_ip", "remote_ip", "key", "dst_port" };
	static const char *const defaults[] = { "", "", "0", "4789" };

	for (size_t i = 0; i < br->n_ports; i++) {
		for (size_t j = 0; j < br->ports[i]->n_interfaces; j++) {
			const struct ovsrec_interface *iface = br->ports[i]->interfaces[j];
			bool same =
			    !strcmp(iface->type, "vxlan") && strcmp(iface->name, peer->ifname);

			for (size_t k = 0; same && k < ARRAY_SIZE(keys); k++) {
				const char *v = smap_get_def(&iface->options, keys[k], defaults[k]);

				same = !strcmp(v, smap_get(want, keys[k]));
			}
			if (same)
				return iface;
		}
	}
	return NULL;
}

static void add_tunnel_action(struct change *ch, const struct ewoe_peer *peer,
			      const struct smap *options)
{
	add_action(ch, EWOE_CREATED, "ovs-interface", peer->ifname,
		   "add VXLAN interface %s to bridge %s (local_ip=%s remote_ip=%s key=%s "
		   "dst_port=%s)",
		   peer->ifname, peer->bridge, smap_get(options, "local_ip"),
		   smap_get(options, "remote_ip"), smap_get(options, "key"),
		   smap_get(options, "dst_port"));
}

/*
 * A tunnel `ewoe tunnel` made is marked; setup taking one over (its peer is in the config)
 * drops the mark, and the tunnel is the config's from then on.
 */
static void mark_maker(const struct ovsrec_port *port, const struct ewoe_peer *peer, bool by_tunnel,
		       struct change *ch)
{
	if (by_tunnel || !smap_get(&port->external_ids, MADE_BY_KEY))
		return;
	ovsrec_port_update_external_ids_delkey(port, MADE_BY_KEY);
	add_action(ch, EWOE_CHANGED, "ovs-interface", peer->ifname,
		   "record interface %s as the config's tunnel to peer %s", peer->ifname,
		   peer->name);
}

static int build_tunnel(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			const struct ovsrec_open_vswitch *ovs, const struct ewoe_peer *peer,
			bool by_tunnel, struct change *ch)
{
	const struct ovsrec_bridge *br = find_bridge(db, peer->bridge);
	const struct ovsrec_bridge *on;
	const struct ovsrec_port *port = find_port(db, peer->ifname, &on);
	const struct ovsrec_interface *iface, *twin;
	char remote[INET6_ADDRSTRLEN];
	struct smap want, ids;
	const char *cur_peer;
	int rc = 0;

	tunnel_options(peer, &want);
	if (!br && ewoe_opts.dry_run && !strcmp(db->planned_bridge, peer->bridge)) {
		/* The plan of a setup that creates the bridge first: nothing to look at yet. */
		add_tunnel_action(ch, peer, &want);
		goto out;
	}
	if (!br) {
		ewoe_err("bridge %s does not exist", peer->bridge);
		rc = -ENOENT;
		goto out;
	}
	twin = same_tunnel(br, peer, &want);
	if (twin) {
		ewoe_err("interface %s on bridge %s already tunnels to %s with VNI %" PRIu32
			 " and port %" PRIu16 "; remove it or give this tunnel another --vni",
			 twin->name, peer->bridge, ewoe_addr_str(&peer->remote, remote), peer->vni,
			 peer->dst_port);
		rc = -EEXIST;
		goto out;
	}
	if (port && on != br) {
		ewoe_err("interface %s already exists on bridge %s; choose another interface name",
			 peer->ifname, on->name);
		rc = -EEXIST;
		goto out;
	}
	if (!port && find_iface(db, peer->ifname)) {
		ewoe_err("%s is already an interface of another port; choose another interface "
			 "name",
			 peer->ifname);
		rc = -EEXIST;
		goto out;
	}
	if (port && (!owned_by_ewoe(&port->external_ids) || port->n_interfaces != 1)) {
		ewoe_err("port %s on bridge %s was not created by ewoe; choose another interface "
			 "name or remove that port",
			 peer->ifname, peer->bridge);
		rc = -EEXIST;
		goto out;
	}

	svec_add(&ch->check_ifaces, peer->ifname);
	if (!port) {
		mark_owned(&ids);
		smap_add(&ids, PEER_KEY, peer->name);
		port = insert_port(txn, peer->ifname, "vxlan", &want, &ids);
		if (by_tunnel)
			ovsrec_port_update_external_ids_setkey(port, MADE_BY_KEY, MADE_BY_TUNNEL);
		/* Split horizon: a full mesh must never flood from one tunnel into another. */
		ovsrec_port_set_protected_((struct ovsrec_port *)port, true);
		ovsrec_bridge_update_ports_addvalue(br, port);
		smap_destroy(&ids);
		add_tunnel_action(ch, peer, &want);
		goto out;
	}

	if (!port->protected_) {
		ovsrec_port_set_protected_(port, true);
		add_action(ch, EWOE_CHANGED, "ovs-port", peer->ifname,
			   "protect port %s (no flooding between tunnels)", peer->ifname);
	}
	iface = port->interfaces[0];
	if (strcmp(iface->type, "vxlan") || !smap_equal(&iface->options, &want)) {
		ovsrec_interface_set_type(iface, "vxlan");
		ovsrec_interface_set_options(iface, &want);
		add_action(
		    ch, EWOE_CHANGED, "ovs-interface", peer->ifname,
		    "update VXLAN interface %s (local_ip=%s remote_ip=%s key=%s dst_port=%s)",
		    peer->ifname, smap_get(&want, "local_ip"), smap_get(&want, "remote_ip"),
		    smap_get(&want, "key"), smap_get(&want, "dst_port"));
	}
	cur_peer = smap_get(&iface->external_ids, PEER_KEY);
	if (!cur_peer || strcmp(cur_peer, peer->name)) {
		ovsrec_interface_update_external_ids_setkey(iface, PEER_KEY, peer->name);
		add_action(ch, EWOE_CHANGED, "ovs-interface", peer->ifname,
			   "record interface %s as the tunnel to peer %s", peer->ifname,
			   peer->name);
	}
	mark_maker(port, peer, by_tunnel, ch);
out:
	smap_destroy(&want);
	return rc;
}

struct tunnels {
	const struct ewoe_peer *peers;
	size_t n;
	bool *changed;	/* per peer; may be NULL */
	bool by_tunnel; /* `ewoe tunnel`'s, not a config's */
};

static int build_tunnels(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			 const struct ovsrec_open_vswitch *ovs, const void *arg, struct change *ch)
{
	const struct tunnels *t = arg;
	int rc = 0;

	for (size_t i = 0; i < t->n && !rc; i++) {
		size_t before = ch->actions.n;

		rc = build_tunnel(db, txn, ovs, &t->peers[i], t->by_tunnel, ch);
		if (t->changed)
			t->changed[i] = ch->actions.n > before;
	}
	return rc;
}

static int ensure(struct ovsdb *db, const struct tunnels *t, bool wait)
{
	const struct ewoe_peer *peers = t->peers;
	size_t n = t->n;
	char what[64];

	for (size_t i = 0; i < n; i++) {
		if (ewoe_peer_validate(&peers[i]))
			return -EINVAL;
		if (!i || strcmp(peers[i].bridge, peers[i - 1].bridge))
			warn_ipsec_conflicts(db, peers[i].bridge);
	}
	if (n == 1)
		snprintf(what, sizeof(what), "tunnel %s", peers[0].name);
	else
		snprintf(what, sizeof(what), "%zu tunnels", n);
	return commit(db, what, build_tunnels, t, wait, NULL);
}

int ovsdb_ensure_tunnels(struct ovsdb *db, const struct ewoe_peer *peers, size_t n, bool wait,
			 bool *changed)
{
	const struct tunnels t = { peers, n, changed, false };

	return ensure(db, &t, wait);
}

int ovsdb_ensure_tunnel(struct ovsdb *db, const struct ewoe_peer *peer, bool wait)
{
	const struct tunnels t = { peer, 1, NULL, true };

	return ensure(db, &t, wait);
}

struct removal {
	const char *bridge;
	const char *ifname;
};

static int build_remove_tunnel(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			       const struct ovsrec_open_vswitch *ovs, const void *arg,
			       struct change *ch)
{
	const struct removal *rm = arg;
	const struct ovsrec_bridge *br = find_bridge(db, rm->bridge);
	const struct ovsrec_port *port;

	if (!br) {
		ewoe_err("bridge %s does not exist; nothing to remove from it", rm->bridge);
		return -ENOENT;
	}
	port = bridge_port(br, rm->ifname);
	if (!port)
		return 0;
	if (!owned_by_ewoe(&port->external_ids)) {
		ewoe_err("port %s on bridge %s was not created by ewoe; left in place", rm->ifname,
			 rm->bridge);
		return -EPERM;
	}
	ovsrec_bridge_update_ports_delvalue(br, port);
	delete_port(port);
	add_action(ch, EWOE_REMOVED, "ovs-interface", rm->ifname,
		   "remove interface %s from bridge %s", rm->ifname, rm->bridge);
	if (ewoe_opts.dry_run)
		svec_add(&db->planned_removals, rm->ifname);
	return 0;
}

static bool planned_removal(const struct ovsdb *db, const char *ifname)
{
	for (size_t i = 0; ewoe_opts.dry_run && i < db->planned_removals.n; i++)
		if (!strcmp(db->planned_removals.names[i], ifname))
			return true;
	return false;
}

int ovsdb_remove_tunnel(struct ovsdb *db, const char *bridge, const char *ifname, bool wait)
{
	const struct removal rm = { bridge, ifname };

	return commit(db, "remove tunnel", build_remove_tunnel, &rm, wait, NULL);
}

static int build_remove_bridge(struct ovsdb *db, struct ovsdb_idl_txn *txn,
			       const struct ovsrec_open_vswitch *ovs, const void *arg,
			       struct change *ch)
{
	const char *bridge = arg;
	const struct ovsrec_bridge *br = find_bridge(db, bridge);
	struct svec tunnels, foreign;
	int rc = 0;

	if (!br) {
		ewoe_err("bridge %s does not exist; nothing to remove", bridge);
		return -ENOENT;
	}
	if (!owned_by_ewoe(&br->external_ids)) {
		ewoe_info("bridge %s was not created by ewoe; left in place", bridge);
		return 0;
	}
	svec_init(&tunnels);
	svec_init(&foreign);
	for (size_t i = 0; i < br->n_ports; i++) {
		const struct ovsrec_port *port = br->ports[i];

		if (smap_get(&port->external_ids, MOVED_KEY) || planned_removal(db, port->name))
			continue;
		if (!owned_by_ewoe(&port->external_ids))
			svec_add(&foreign, port->name);
		else if (smap_get(&port->external_ids, PEER_KEY))
			svec_add(&tunnels, port->name);
	}
	if (tunnels.n) {
		char *list = svec_join(&tunnels, " ", "");

		ewoe_err("bridge %s still carries ewoe's tunnels %s; remove them first", bridge,
			 list);
		free(list);
		rc = -EBUSY;
		goto out;
	}
	if (foreign.n) {
		char *list = svec_join(&foreign, " ", "");

		ewoe_info("bridge %s also carries ports ewoe did not add (%s); left in place",
			  bridge, list);
		free(list);
		goto out;
	}

	for (size_t i = 0; i < br->n_ports; i++) {
		const struct ovsrec_port *port = br->ports[i];
		const char *from = smap_get(&port->external_ids, MOVED_KEY);
		const struct ovsrec_bridge *orig = from ? find_bridge(db, from) : NULL;

		if (orig) {
			ovsrec_port_update_external_ids_delkey(port, MOVED_KEY);
			ovsrec_bridge_update_ports_addvalue(orig, port);
			add_action(ch, EWOE_CHANGED, "ovs-port", port->name,
				   "move port %s back to bridge %s", port->name, from);
			continue;
		}
		delete_port(port);
		if (from)
			add_action(ch, EWOE_REMOVED, "ovs-port", port->name,
				   "remove port %s (bridge %s it came from no longer exists)",
				   port->name, from);
		else if (strcmp(port->name, bridge))
			add_action(ch, EWOE_REMOVED, "ovs-port", port->name, "remove port %s",
				   port->name);
	}
	ovsrec_open_vswitch_update_bridges_delvalue(ovs, br);
	ovsrec_bridge_delete(br);
	add_action(ch, EWOE_REMOVED, "ovs-bridge", bridge, "remove bridge %s", bridge);
out:
	svec_destroy(&tunnels);
	svec_destroy(&foreign);
	return rc;
}

int ovsdb_remove_bridge(struct ovsdb *db, const char *bridge, bool wait)
{
	return commit(db, "remove bridge", build_remove_bridge, bridge, wait, NULL);
}

int ovsdb_tunnel_status(struct ovsdb *db, const struct ewoe_peer *peer, const char *rep,
			struct ovsdb_tunnel_status *st)
{
	const struct ovsrec_bridge *br = find_bridge(db, peer->bridge);
	const struct ovsrec_port *port;
	const struct ovsrec_interface *iface;

	memset(st, 0, sizeof(*st));
	st->ofport = -1;
	if (!br)
		return 0;
	st->bridge_exists = true;
	st->rep_on_bridge = rep && bridge_port(br, rep);
	port = bridge_port(br, peer->ifname);
	if (!port || !port->n_interfaces)
		return 0;
	iface = port->interfaces[0];
	st->iface_exists = true;
	if (iface->n_ofport)
		st->ofport = (long)*iface->ofport;
	if (iface->error)
		snprintf(st->error, sizeof(st->error), "%s", iface->error);
	st->ipsec_options = ipsec_option(iface) != NULL;
	return 0;
}

int ovsdb_hw_offload(struct ovsdb *db)
{
	const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(db->idl);

	return ovs && smap_get_bool(&ovs->other_config, "hw-offload", false);
}

static void ref_endpoints(const struct smap *options, struct ovsdb_tunnel_ref *ref)
{
	const char *local = smap_get(options, "local_ip"), *remote = smap_get(options, "remote_ip");
	unsigned long port = EWOE_DEFAULT_DST_PORT;

	if (!local || ewoe_addr_parse(local, &ref->local))
		memset(&ref->local, 0, sizeof(ref->local));
	if (!remote || ewoe_addr_parse(remote, &ref->remote))
		memset(&ref->remote, 0, sizeof(ref->remote));
	if (smap_get(options, "dst_port"))
		ewoe_parse_uint(smap_get(options, "dst_port"), 1, 65535, &port);
	ref->dst_port = (uint16_t)port;
}

int ovsdb_list_tunnels(struct ovsdb *db, const char *bridge, struct ovsdb_tunnel_ref **out)
{
	const struct ovsrec_bridge *br = find_bridge(db, bridge);
	struct ovsdb_tunnel_ref *refs;
	int n = 0;

	*out = NULL;
	if (!br)
		return 0;
	refs = calloc(br->n_ports ? br->n_ports : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (size_t i = 0; i < br->n_ports; i++) {
		const struct ovsrec_port *port = br->ports[i];
		const char *peer;

		if (!owned_by_ewoe(&port->external_ids) || port->n_interfaces != 1)
			continue;
		peer = smap_get(&port->interfaces[0]->external_ids, PEER_KEY);
		if (!peer)
			continue;
		snprintf(refs[n].name, sizeof(refs[n].name), "%s", peer);
		snprintf(refs[n].ifname, sizeof(refs[n].ifname), "%s", port->name);
		ref_endpoints(&port->interfaces[0]->options, &refs[n]);
		refs[n].by_tunnel = smap_get(&port->external_ids, MADE_BY_KEY);
		n++;
	}
	*out = refs;
	return n;
}
