// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe setup: converge this node to its config: offload, PF link, bridge, every peer's tunnel,
 * stale tunnels removed, then verify. Everything is validated, and both daemons reached,
 * before the first change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "conf.h"
#include "creds.h"
#include "ewoe.h"
#include "ike.h"
#include "link.h"
#include "log.h"
#include "node.h"
#include "ovsdb.h"
#include "privs.h"
#include "setup.h"
#include "state.h"
#include "verify.h"
#include "xfrm.h"

#define SETUP_SCHEMA "ewoe-setup/1"

static const char setup_help[] =
    "The node and its peers come from the config file (--config, or the default when it\n"
    "exists), the options above overriding it; or from the options alone. Peer options\n"
    "with --remote add a peer (or change the one --name names); without it they change the\n"
    "config's peer --name names, or its only peer.\n"
    "\n"
    "A second run changes nothing. With a config file, its peer list is the whole truth:\n"
    "tunnels setup made for peers not in it are removed, each removal in the plan; those\n"
    "'ewoe tunnel' made stay. From the options alone, setup removes no other tunnel.\n"
    "With --json, stdout is one document (schema ewoe-setup/1): every change made (or\n"
    "planned, with --dry-run), each peer's result, \"changed\", and verify's report.\n";

const struct ewoe_cli setup_cli = { node_args_groups, OPT_SETUP, setup_help, NULL };

/* What happened to a peer's tunnel, in ewoe-setup/1. */
enum peer_result { PEER_CREATED, PEER_CHANGED, PEER_UNCHANGED, PEER_REMOVED };
static const char *const peer_result_names[] = { "created", "changed", "unchanged", "removed" };

struct peer_outcome {
	char name[EWOE_PEER_NAME_MAX];
	char remote[INET6_ADDRSTRLEN];
	char ifname[IFNAMSIZ];
	enum peer_result result;
};

/* The document of --json setup, filled as setup goes; the changes are in log.c's record. */
struct setup_doc {
	const char *config; /* NULL when the node comes from flags alone */
	struct peer_outcome *peers;
	size_t n_peers, cap_peers;
	bool oom, head_written;
};

/*
 * One peer's outcome: kept for the document under --json, else the line setup has always
 * printed (unchanged ones only without -q: the reconcile timer runs quiet).
 */
static void peer_outcome(struct setup_doc *doc, const char *name, const struct ewoe_addr *remote,
			 const char *ifname, enum peer_result result)
{
	struct peer_outcome *o;

	if (!ewoe_opts.json) {
		if (result == PEER_REMOVED)
			ewoe_change(EWOE_REMOVED, "peer", name,
				    "peer %s: no longer in the config, removing", name);
		else if (result != PEER_UNCHANGED)
			ewoe_change(result == PEER_CREATED ? EWOE_CREATED : EWOE_CHANGED, "peer",
				    name, "peer %s: %s", name,
				    ewoe_opts.dry_run ? "would change" : "configured");
		else if (ewoe_opts.verbosity >= 0)
			ewoe_report("peer %s: unchanged", name);
		return;
	}
	if (ewoe_grow((void **)&doc->peers, sizeof(*doc->peers), doc->n_peers, &doc->cap_peers)) {
		doc->oom = true;
		return;
	}
	o = &doc->peers[doc->n_peers++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname);
	if (remote && remote->family)
		ewoe_addr_str(remote, o->remote);
	o->result = result;
}

/* Whether setup changed (or under --dry-run would change) anything. */
static bool doc_changed(const struct setup_doc *doc)
{
	size_t n_actions;

	ewoe_record_actions(&n_actions);
	for (size_t i = 0; i < doc->n_peers; i++)
		if (doc->peers[i].result != PEER_UNCHANGED)
			return true;
	return n_actions > 0;
}

/* Everything up to "verify", whose value verify_peers() writes (or null). */
static void doc_head(struct setup_doc *doc)
{
	size_t n_actions;
	const struct ewoe_record_action *a = ewoe_record_actions(&n_actions);

	fputs("{\n  \"schema\": \"" SETUP_SCHEMA "\",\n  \"dry_run\": ", stdout);
	fputs(ewoe_opts.dry_run ? "true" : "false", stdout);
	fputs(",\n  \"config\": ", stdout);
	ewoe_json_str(stdout, doc->config);
	fputs(",\n  \"actions\": [", stdout);
	for (size_t i = 0; i < n_actions; i++) {
		fputs(i ? ",\n    {\"kind\": " : "\n    {\"kind\": ", stdout);
		ewoe_json_str(stdout, ewoe_change_kind_name(a[i].kind));
		fputs(", \"type\": ", stdout);
		ewoe_json_str(stdout, a[i].type);
		fputs(", \"object\": ", stdout);
		ewoe_json_str(stdout, a[i].object);
		fputs(", \"action\": ", stdout);
		ewoe_json_str(stdout, a[i].text);
		fputs("}", stdout);
	}
	fputs(n_actions ? "\n  ],\n  \"peers\": [" : "],\n  \"peers\": [", stdout);
	for (size_t i = 0; i < doc->n_peers; i++) {
		const struct peer_outcome *o = &doc->peers[i];

		fputs(i ? ",\n    {\"peer\": " : "\n    {\"peer\": ", stdout);
		ewoe_json_str(stdout, o->name);
		fputs(", \"remote\": ", stdout);
		ewoe_json_str(stdout, o->remote[0] ? o->remote : NULL);
		fputs(", \"interface\": ", stdout);
		ewoe_json_str(stdout, o->ifname[0] ? o->ifname : NULL);
		fprintf(stdout, ", \"result\": \"%s\"}", peer_result_names[o->result]);
	}
	fprintf(stdout, "%s,\n  \"changed\": %s,\n  \"verify\": ", doc->n_peers ? "\n  ]" : "]",
		doc_changed(doc) ? "true" : "false");
	doc->head_written = true;
}

/* After "verify": the errors, the result and the exit status. */
static void doc_tail(struct setup_doc *doc, bool oom, int rc)
{
	size_t n_errors;
	char *const *errors = ewoe_record_errors(&n_errors);

	if (!doc->head_written) {
		doc_head(doc);
		fputs("null", stdout);
	}
	fputs(",\n  \"errors\": [", stdout);
	if (oom)
		fputs("\n    \"ewoe: setup: out of memory: the document misses changes\"", stdout);
	for (size_t i = 0; i < n_errors; i++) {
		fputs(i || oom ? ",\n    " : "\n    ", stdout);
		ewoe_json_str(stdout, errors[i]);
	}
	fputs(n_errors || oom ? "\n  ]" : "]", stdout);
	fprintf(stdout, ",\n  \"result\": \"%s\",\n  \"exit\": %d\n}\n",
		rc == EXIT_OK	      ? "ok"
		: rc == EXIT_PROBLEMS ? "problems"
				      : "error",
		rc);
}

/* Whether setup leaves this tunnel of ewoe's alone: `ewoe tunnel` made it, no config. */
static bool kept(const struct ovsdb_tunnel_ref *t, const struct ewoe_config *cfg)
{
	return t->by_tunnel && !config_find_peer(cfg, t->name);
}

/* The guards of the config's peers and of the tunnels setup keeps stay; the others go. */
static int prune_guards(const struct ewoe_config *cfg, bool prune,
			const struct ovsdb_tunnel_ref *existing, int n_existing)
{
	struct ewoe_config keep = { .node = cfg->node };
	int rc;

	if (!prune)
		return 0;
	keep.peers = calloc(cfg->n_peers + (size_t)n_existing + 1, sizeof(*keep.peers));
	if (!keep.peers)
		return -ENOMEM;
	if (cfg->n_peers)
		memcpy(keep.peers, cfg->peers, cfg->n_peers * sizeof(*keep.peers));
	keep.n_peers = cfg->n_peers;
	for (int i = 0; i < n_existing; i++) {
		struct ewoe_peer *p = &keep.peers[keep.n_peers];

		if (!kept(&existing[i], cfg))
			continue;
		ewoe_peer_init(p);
		p->local = existing[i].local;
		p->remote = existing[i].remote;
		p->dst_port = existing[i].dst_port;
		keep.n_peers++;
	}
	rc = node_guard_prune(&keep);
	free(keep.peers);
	return rc < 0 ? rc : 0;
}

static bool tunnel_existed(const struct ovsdb_tunnel_ref *existing, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(existing[i].name, name))
			return true;
	return false;
}

/*
 * Converge the peers on the bridge to cfg: create or update each. prune: cfg is a config
 * file's whole peer list, and the other tunnels setup made go (each said first); peers given
 * by options alone leave the others alone, and `ewoe tunnel`'s are never the config's to
 * remove.
 */
static int converge_peers(struct ovsdb *db, struct ike *ike, const struct ewoe_config *cfg,
			  struct creds *const *creds, bool prune, struct setup_doc *doc)
{
	struct ovsdb_tunnel_ref *existing = NULL;
	const struct ewoe_peer **initiators;
	size_t n_initiators = 0;
	bool *ovs_changed;
	int n_existing, rc = 0;

	n_existing = ovsdb_list_tunnels(db, cfg->node.bridge, &existing);
	if (n_existing < 0)
		return n_existing;
	for (int i = 0; i < n_existing && !rc && prune; i++) {
		if (config_find_peer(cfg, existing[i].name))
			continue;
		if (kept(&existing[i], cfg)) {
			ewoe_info("peer %s: not in the config, kept: 'ewoe tunnel' made it "
				  "('ewoe teardown --peer %s' removes it)",
				  existing[i].name, existing[i].name);
			continue;
		}
		peer_outcome(doc, existing[i].name, &existing[i].remote, existing[i].ifname,
			     PEER_REMOVED);
		rc = ike_unload_peer(ike, existing[i].name);
		if (rc >= 0)
			rc = ovsdb_remove_tunnel(db, cfg->node.bridge, existing[i].ifname, true);
		rc = rc < 0 ? rc : 0;
	}
	if (rc)
		goto out;

	/* Before any port exists: OVS forwards into a VXLAN port as soon as it has one. */
	rc = node_guard_peers(cfg, false);
	if (rc < 0 || !cfg->n_peers) {
		rc = rc < 0 ? rc : prune_guards(cfg, prune, existing, n_existing);
		goto out;
	}
	ovs_changed = calloc(cfg->n_peers, sizeof(*ovs_changed));
	if (!ovs_changed) {
		rc = -ENOMEM;
		goto out;
	}
	/* One OVSDB transaction for every tunnel: ovs-vswitchd reconfigures once, not per peer. */
	rc = ovsdb_ensure_tunnels(db, cfg->peers, cfg->n_peers, true, ovs_changed);
	for (size_t i = 0; i < cfg->n_peers && rc >= 0; i++) {
		const struct ewoe_peer *p = &cfg->peers[i];
		int ike_rc = ike_load_peer(ike, p, creds[i]);

		if (ike_rc < 0) {
			rc = ike_rc;
			break;
		}
		peer_outcome(doc, p->name, &p->remote, p->ifname,
			     !(ovs_changed[i] || ike_rc)		     ? PEER_UNCHANGED
			     : tunnel_existed(existing, n_existing, p->name) ? PEER_CHANGED
									     : PEER_CREATED);
	}
	free(ovs_changed);
	/* Only once their ports are gone or moved: a guard outlives its tunnel, never the reverse.
	 */
	rc = rc < 0 ? rc : prune_guards(cfg, prune, existing, n_existing);
	if (rc)
		goto out;
	/* Initiate after every connection is loaded, so a peer initiating to us finds its. */
	initiators = calloc(cfg->n_peers, sizeof(*initiators));
	if (!initiators) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		if (ewoe_peer_initiates(&cfg->peers[i]))
			initiators[n_initiators++] = &cfg->peers[i];
	}
	rc = ike_initiate(ike, initiators, n_initiators, ewoe_opts.timeout_ms);
	free(initiators);
out:
	free(existing);
	return rc;
}

static bool spi_known(const struct ike_status *st, uint32_t spi)
{
	for (size_t i = 0; i < st->n_spis; i++)
		if (st->spis[i] == spi)
			return true;
	return false;
}

/*
 * One of charon's INSTALLED CHILD_SAs has no SA in the kernel. Asked only with fewer than 4 SAs:
 * a rekey between the kernel's dump and charon's list adds SAs, it never removes one.
 */
static bool installed_sa_missing(const struct ike_status *st, const struct xfrm_table *t)
{
	for (size_t i = 0; i < st->n_spis; i++) {
		bool found = false;

		for (size_t k = 0; k < t->n_sa && !found; k++)
			found = t->sa[k].spi == st->spis[i];
		if (st->spi_installed[i] && !found)
			return true;
	}
	return false;
}

/*
 * Make the kernel agree with charon, for tunnels whose IKE_SA and both children are up (so
 * charon's list is the whole truth): SAs or policies removed behind charon's back mean the
 * tunnel carries nothing, and its CHILD_SAs are set up anew; ESP SAs between the tunnel's
 * addresses that charon does not own (a killed charon's) make verify fail until their
 * lifetime ends, and are removed. Only tunnels whose kernel state differs from the usual 4
 * SAs and 4 policies are asked about: the reconcile timer's run stays cheap. The kernel is
 * read before charon, so an SA installed in between is not taken for an orphan.
 */
static int repair_kernel(struct ike *ike, const struct ewoe_config *cfg)
{
	const struct ewoe_peer **restarted = NULL;
	struct ike_status *status = NULL;
	size_t n_restarted = 0;
	struct xfrm_table t = { 0 };
	int rc, changed = 0;

	if (!cfg->n_peers)
		return 0;
	restarted = calloc(cfg->n_peers, sizeof(*restarted));
	status = calloc(cfg->n_peers, sizeof(*status));
	rc = restarted && status ? xfrm_read_kernel(&t) : -ENOMEM;
	if (!rc)
		rc = ike_peers_status(ike, cfg->peers, cfg->n_peers, status);
	for (size_t i = 0; i < cfg->n_peers && rc >= 0; i++) {
		const struct ewoe_peer *p = &cfg->peers[i];
		const struct ike_status *st = &status[i];
		size_t n_sas = 0, n_pols = 0;
		char remote[INET6_ADDRSTRLEN];
		const char *why = NULL;

		for (size_t k = 0; k < t.n_sa; k++)
			n_sas += xfrm_sa_of_tunnel(&t.sa[k], &p->local, &p->remote);
		for (size_t k = 0; k < t.n_pol; k++)
			n_pols += xfrm_pol_of_tunnel(&t.pol[k], &p->local, &p->remote);
		if (!st->spis_complete || (n_sas == 4 && n_pols >= 4 && st->ike_established))
			continue;
		if (st->conn_loaded && !st->n_spis && n_sas)
			/* The peer may still send on them, unaware, until they expire. */
			why = "the kernel has its SAs, charon no IKE_SA (charon restarted)";
		else if (st->ike_established && st->children_installed == 2 &&
			 (n_pols < 4 || (n_sas < 4 && installed_sa_missing(st, &t))))
			why = n_pols < 4 ? "the kernel lacks policies charon installed"
					 : "the kernel lacks SAs charon installed";
		if (why) {
			char conn[EWOE_PEER_NAME_MAX + 8];

			snprintf(conn, sizeof(conn), "ewoe-%s", p->name);
			ewoe_addr_str(&p->remote, remote);
			ewoe_change(EWOE_CHANGED, "ike-sa", conn,
				    "re-establish the tunnel with %s (peer %s): %s", remote,
				    p->name, why);
			rc = ike_restart(ike, p);
			if (rc >= 0 && !st->ike_established)
				rc = xfrm_flush_tunnel(&p->local, &p->remote);
			restarted[n_restarted++] = p;
			changed = 1;
			continue;
		}
		if (!st->ike_established || st->children_installed != 2)
			continue;
		for (size_t k = 0; k < t.n_sa && rc >= 0; k++) {
			const struct xfrm_sa_info *sa = &t.sa[k];

			if (!xfrm_sa_of_tunnel(sa, &p->local, &p->remote) || spi_known(st, sa->spi))
				continue;
			rc = xfrm_sa_delete(sa, "which no IKE_SA owns");
			changed |= rc > 0;
		}
	}
	xfrm_table_free(&t);
	if (rc >= 0 && n_restarted && !ewoe_opts.dry_run)
		rc = ike_initiate(ike, restarted, n_restarted, ewoe_opts.timeout_ms);
	free(restarted);
	free(status);
	return rc < 0 ? rc : changed;
}

static void creds_free_all(struct creds **creds, size_t n)
{
	for (size_t i = 0; creds && i < n; i++)
		creds_free(creds[i]);
	free(creds);
}

/*
 * Every peer's credentials read and checked before anything is reached, and kept: the load
 * uses them, so each file is read once. 0 or a negative errno, printed.
 */
static int read_creds(const struct ewoe_config *cfg, struct creds ***out)
{
	struct creds **creds = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*creds));
	int err = 0;

	if (!creds) {
		ewoe_err("setup: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_peers && !err; i++)
		err = ike_check_peer(&cfg->peers[i], &creds[i]);
	if (err) {
		creds_free_all(creds, cfg->n_peers);
		creds = NULL;
	}
	*out = creds;
	return err;
}

int cmd_setup(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	struct node_args args;
	struct ewoe_config *cfg = NULL;
	struct ovsdb *db = NULL;
	struct ike *ike = NULL;
	struct setup_doc doc = { 0 };
	enum ewoe_parse parsed;
	struct creds **creds = NULL; /* each peer's, read once: checked, then loaded */
	int rc, err;

	/* --json: every change, error and peer goes into one document on stdout, at the end. */
	if (ewoe_opts.json)
		ewoe_record_start();
	parsed = node_args_parse(self, argc, argv, &args);
	if (parsed == EWOE_PARSE_DONE) { /* --help */
		ewoe_record_stop();
		return EXIT_OK;
	}
	rc = ewoe_parse_exit(parsed);
	if (parsed != EWOE_PARSE_GO_ON)
		goto out;
	doc.config = node_args_from_file(&args) ? args.config : NULL;
	rc = node_args_config(&args, &cfg);
	if (rc)
		goto out;
	if (doc.config && !cfg->node_section && !cfg->n_peers && !args.n_node_flags) {
		ewoe_err(
		    "%s defines nothing to set up: no [node] section and no [peer NAME] section",
		    doc.config);
		ewoe_hint("see examples/ewoe.conf");
		rc = EXIT_USAGE;
		goto out;
	}
	if (!ewoe_opts.dry_run && !privs_have_net_admin()) {
		ewoe_err("setup needs CAP_NET_ADMIN to configure links and read IPsec state");
		ewoe_hint("run it as root");
		rc = EXIT_FAIL;
		goto out;
	}

	/* Plan first: every file checked and both daemons reached before any change. */
	err = read_creds(cfg, &creds);
	if (err) {
		rc = ewoe_check_exit(err);
		goto out;
	}
	/* An address the PF holds with another prefix is bad input: refused before any change. */
	if (!args.no_link && cfg->node.address.family) {
		err = link_check_addr(cfg->node.pf, &cfg->node.address, cfg->node.prefix_len);
		if (err) {
			rc = ewoe_exit_code(err);
			goto out;
		}
	}
	rc = ovsdb_open(ewoe_opts.db, ewoe_opts.timeout_ms, &db);
	if (!rc)
		rc = ike_open(ewoe_opts.vici, &ike);
	for (size_t i = 0; i < cfg->n_peers && !rc; i++)
		rc = ike_check_daemon(ike, &cfg->peers[i]);
	if (rc) {
		rc = ewoe_exit_code(rc);
		goto out;
	}

	rc = node_apply(cfg, !args.no_link, db);
	if (rc >= 0)
		rc = converge_peers(db, ike, cfg, creds, node_args_from_file(&args), &doc);
	if (rc >= 0)
		rc = repair_kernel(ike, cfg);
	if (rc < 0) {
		ewoe_hint("what was applied stays; fix the problem and run 'ewoe setup' again");
		rc = ewoe_exit_code(rc);
		goto out;
	}
	rc = EXIT_OK;
	if (!args.no_verify && !ewoe_opts.dry_run && cfg->n_peers) {
		/* Under --json its report is the document's "verify", not a second document. */
		if (ewoe_opts.json)
			doc_head(&doc);
		rc = verify_peers(cfg->peers, cfg->n_peers, cfg->node.pf, cfg->node.rep,
				  cfg->node.offload);
	}
	/* What monitoring alerts on when the reconcile stops succeeding (ewoe metrics). */
	if (rc == EXIT_OK && !ewoe_opts.dry_run)
		state_setup_ok_set();
out:
	creds_free_all(creds, cfg ? cfg->n_peers : 0);
	ovsdb_free(db);
	ike_free(ike);
	config_free(cfg);
	if (ewoe_opts.json) {
		bool oom = doc.oom || ewoe_record_oom();

		/* A document that misses changes cannot say whether anything changed. */
		if (oom && (rc == EXIT_OK || rc == EXIT_PROBLEMS))
			rc = EXIT_FAIL;
		doc_tail(&doc, oom, rc);
		ewoe_record_stop();
	}
	free(doc.peers);
	return rc;
}
