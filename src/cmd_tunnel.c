// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe tunnel psk|cert|ca: one encrypted VXLAN tunnel to one peer, the OVS interface and
 * the strongSwan connection. Everything is checked before either daemon is touched.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "creds.h"
#include "ewoe.h"
#include "ike.h"
#include "log.h"
#include "opts.h"
#include "ovsdb.h"
#include "peer.h"
#include "xfrm.h"

#define COMMON_USAGE "--local ADDR --remote ADDR [options]"

struct tunnel_args {
	struct ewoe_peer peer;
	bool no_wait, no_ike, no_ovs;
};

enum { OPT_NO_WAIT, OPT_NO_IKE, OPT_NO_OVS, OPT_REKEY_TIME };

/* clang-format off */
static const struct ewoe_opt tunnel_opts[] = {
	{ "no-wait", NULL, "do not wait for ovs-vswitchd or for the IKE_SA", OPT_TUNNEL, OPT_NO_WAIT },
	{ "no-ike", NULL, "configure only the OVS side", OPT_TUNNEL, OPT_NO_IKE },
	{ "no-ovs", NULL, "configure only the strongSwan side", OPT_TUNNEL, OPT_NO_OVS },
	/* Taken for the old script's sake, and ignored with the reason. */
	{ "rekey-time", "SECONDS", NULL, OPT_TUNNEL, OPT_REKEY_TIME },
	{ "reauth-time", "SECONDS", NULL, OPT_TUNNEL, OPT_REKEY_TIME },
	{ NULL, NULL, NULL, 0, 0 },
};
/* clang-format on */

static int set_peer(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct tunnel_args *a = ctx;

	return ewoe_peer_opt_set(&a->peer, o->name, arg, why, len);
}

/* The node's --bridge and --offload are the tunnel's own. */
static int set_node(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct tunnel_args *a = ctx;
	struct ewoe_node node;
	int err;

	config_node_init(&node);
	err = config_node_set(&node, o->name, arg, why, len);
	if (err)
		return err;
	if (!strcmp(o->name, "bridge"))
		snprintf(a->peer.bridge, sizeof(a->peer.bridge), "%s", node.bridge);
	else
		a->peer.offload = node.offload;
	return 0;
}

static int set_own(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	struct tunnel_args *a = ctx;

	(void)arg, (void)why, (void)len;
	switch (o->id) {
	case OPT_NO_WAIT:
		a->no_wait = true;
		break;
	case OPT_NO_IKE:
		a->no_ike = true;
		break;
	case OPT_NO_OVS:
		a->no_ovs = true;
		break;
	default:
		ewoe_warn("--%s ignored: with IPsec packet offload only --rekey-packets rekeys; "
			  "ewoe keeps rekey_time at strongSwan's default and reauth_time 0",
			  o->name);
	}
	return 0;
}

static enum ewoe_parse check(void *ctx, const char *parent, const struct ewoe_cmd *sub)
{
	struct tunnel_args *a = ctx;
	struct ewoe_peer *p = &a->peer;

	if (a->no_ike && a->no_ovs)
		return ewoe_cli_error(sub, parent,
				      "--no-ike and --no-ovs together leave nothing to do");
	if (!p->remote.family)
		return ewoe_cli_error(sub, parent,
				      "--remote ADDR is required (the peer DPU's PF address)");
	if (!p->local.family)
		return ewoe_cli_error(sub, parent,
				      "--local ADDR is required (this DPU's PF address)");
	if (!p->ifname[0])
		ewoe_peer_default_ifname(&p->remote, p->ifname);
	if (!p->name[0])
		snprintf(p->name, sizeof(p->name), "%s", p->ifname);
	return EWOE_PARSE_GO_ON;
}

static const struct ewoe_opt_group tunnel_groups[] = {
	{ ewoe_peer_opts, set_peer },
	{ ewoe_node_opts, set_node },
	{ tunnel_opts, set_own },
	{ NULL, NULL },
};

static const struct ewoe_cli psk_cli = { tunnel_groups, OPT_TUNNEL_PSK, NULL, check };
static const struct ewoe_cli cert_cli = { tunnel_groups, OPT_TUNNEL_CERT, NULL, check };
static const struct ewoe_cli ca_cli = { tunnel_groups, OPT_TUNNEL_CA, NULL, check };

static int tunnel_psk(int argc, char **argv);
static int tunnel_cert(int argc, char **argv);
static int tunnel_ca(int argc, char **argv);

const struct ewoe_cmd tunnel_commands[] = {
	{ "psk", tunnel_psk, "authenticate with a pre-shared key", "--psk-file FILE " COMMON_USAGE,
	  NULL, 0, &psk_cli },
	{ "cert", tunnel_cert, "authenticate with self-signed certificates",
	  "--cert FILE --key FILE --peer-cert FILE " COMMON_USAGE, NULL, 0, &cert_cli },
	{ "ca", tunnel_ca, "authenticate with certificates signed by a CA",
	  "--cert FILE --key FILE --ca FILE --remote-name ID " COMMON_USAGE, NULL, 0, &ca_cli },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL },
};

int cmd_tunnel(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	const struct ewoe_cmd *sub;

	if (argc < 2)
		return ewoe_usage_error(self, "say which authentication: psk, cert or ca");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		ewoe_cmd_usage(self, NULL, false);
		return EXIT_OK;
	}
	sub = ewoe_cmd_find(tunnel_commands, argv[1]);
	if (!sub)
		return ewoe_usage_error(self, "unknown authentication '%s': use psk, cert or ca",
					argv[1]);
	optind = 0;
	return sub->run(argc - 1, argv + 1);
}

/* A missing bridge is found before the guard goes in: nothing is left behind. */
static int bridge_exists(struct ovsdb *db, const struct ewoe_peer *peer)
{
	struct ovsdb_tunnel_status st;

	memset(&st, 0, sizeof(st));
	if (ovsdb_tunnel_status(db, peer, NULL, &st) < 0 || st.bridge_exists)
		return 0; /* ovsdb_ensure_tunnel says what is wrong */
	ewoe_err("bridge %s does not exist", peer->bridge);
	return -ENOENT;
}

static void json_result(const struct tunnel_args *a, enum ewoe_auth auth, bool initiates,
			bool ovs_changed, bool ike_changed, bool up)
{
	char conn[EWOE_PEER_NAME_MAX + 8];
	const struct ewoe_json_field f[] = {
		{ "name", a->peer.name, false },
		{ "connection", conn, false },
		{ "interface", a->peer.ifname, false },
		{ "auth", ewoe_auth_name(auth), false },
		{ "offload", ewoe_offload_name(a->peer.offload), false },
		{ "role", initiates ? "initiator" : "responder", false },
		{ "ovs_changed", NULL, ovs_changed },
		{ "ike_changed", NULL, ike_changed },
		{ "up", NULL, up },
		{ "dry_run", NULL, ewoe_opts.dry_run },
	};

	snprintf(conn, sizeof(conn), "ewoe-%s", a->peer.name);
	ewoe_json_result(f, sizeof(f) / sizeof(f[0]));
}

/* After a real run: a change, or what was found unchanged. */
static void report(const struct tunnel_args *a, enum ewoe_auth auth, bool initiates, bool changed)
{
	const char *ike = a->no_ike    ? ""
			  : !initiates ? ", waiting for the peer to initiate"
			  : a->no_wait ? ", IKE started"
				       : ", IKE up";

	if (changed)
		ewoe_change(EWOE_CHANGED, "tunnel", a->peer.name, "tunnel %s (%s) configured%s",
			    a->peer.name, ewoe_auth_name(auth), ike);
	else
		ewoe_report("tunnel %s (%s) already configured (unchanged)%s", a->peer.name,
			    ewoe_auth_name(auth), ike);
}

static int run(const struct ewoe_cmd *sub, enum ewoe_auth auth, int argc, char **argv)
{
	struct tunnel_args a = { 0 };
	struct ovsdb *db = NULL;
	struct ike *ike = NULL;
	struct creds *creds = NULL;
	int rc, ovs_rc = 0, ike_rc = 0;
	enum ewoe_parse parsed;
	bool initiates;

	ewoe_peer_init(&a.peer);
	a.peer.auth = auth;
	parsed = ewoe_cli_parse(sub, "tunnel", &a, argc, argv);
	if (parsed != EWOE_PARSE_GO_ON)
		return ewoe_parse_exit(parsed);
	if (ewoe_peer_validate(&a.peer))
		return EXIT_USAGE;
	if (!a.no_ike) {
		rc = ike_check_peer(&a.peer, &creds);
		if (rc)
			return ewoe_check_exit(rc);
		rc = ike_open(ewoe_opts.vici, &ike);
		if (!rc)
			rc = ike_check_daemon(ike, &a.peer);
		if (rc)
			goto out;
	}
	if (!a.no_ovs) {
		struct xfrm_guard guard;

		rc = ovsdb_open(ewoe_opts.db, ewoe_opts.timeout_ms, &db);
		if (!rc)
			rc = bridge_exists(db, &a.peer);
		/* Before the port exists; without a PF to name, the guard stays in software. */
		xfrm_guard_of_peer(&a.peer, 0, &guard);
		if (!rc)
			rc = xfrm_guard_ensure(&guard, 1, NULL);
		if (rc >= 0)
			rc = ovs_rc = ovsdb_ensure_tunnel(db, &a.peer, !a.no_wait);
		if (rc == -ENOENT)
			ewoe_hint("create it with 'ewoe setup-bridge --bridge %s'", a.peer.bridge);
		else if (rc == -ESRCH)
			ewoe_hint("or pass --no-wait to only write the database");
		if (rc < 0)
			goto out;
	}
	initiates = ewoe_peer_initiates(&a.peer);
	if (!a.no_ike) {
		rc = ike_rc = ike_load_peer(ike, &a.peer, creds);
		if (rc < 0)
			goto out;
		const struct ewoe_peer *peer = &a.peer;

		rc = initiates ? ike_initiate(ike, &peer, 1, a.no_wait ? -1 : ewoe_opts.timeout_ms)
			       : 0;
	}
	if (ewoe_opts.json)
		json_result(&a, auth, initiates, ovs_rc > 0, ike_rc > 0,
			    !rc && initiates && !a.no_ike && !a.no_wait && !ewoe_opts.dry_run);
	else if (!ewoe_opts.dry_run && !rc)
		report(&a, auth, initiates, ovs_rc > 0 || ike_rc > 0);
out:
	creds_free(creds);
	ovsdb_free(db);
	ike_free(ike);
	return ewoe_exit_code(rc);
}

static int tunnel_psk(int argc, char **argv)
{
	return run(&tunnel_commands[0], AUTH_PSK, argc, argv);
}

static int tunnel_cert(int argc, char **argv)
{
	return run(&tunnel_commands[1], AUTH_CERT, argc, argv);
}

static int tunnel_ca(int argc, char **argv)
{
	return run(&tunnel_commands[2], AUTH_CA, argc, argv);
}
