// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What verify, status and metrics share (include/verify.h): the gathering, one dump of the
 * kernel's state and one question to each daemon, checked peer by peer; and the choice of
 * tunnels they look at.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "conf.h"
#include "ewoe.h"
#include "ike.h"
#include "link.h"
#include "log.h"
#include "opts.h"
#include "ovsdb.h"
#include "peer.h"
#include "state.h"
#include "verify.h"
#include "xfrm.h"

/* A daemon that answers at all answers within milliseconds; don't stall a support session. */
#define DAEMON_TIMEOUT_MS 5000

static const char *ifname_of(int ifindex, char buf[IFNAMSIZ])
{
	return ifindex > 0 ? if_indextoname((unsigned int)ifindex, buf) : NULL;
}

/*
 * The OVS and IKE sides. A daemon that does not answer is a failure of every tunnel: nothing
 * on its side can be seen or repaired, and never hides the kernel's verdicts.
 */
struct daemons {
	struct ovsdb *db;
	struct ike *ike;
	struct ike_status *ike_st; /* one per peer, from one listing; NULL: charon did not answer */
};

/*
 * False when the remote names a unix socket that is not there. Connecting would fail anyway,
 * but only after starting the client library (libstrongswan's thread pool, the OVSDB IDL),
 * which costs more than the whole kernel side of verify.
 */
static bool socket_may_answer(const char *remote, const char *unix_prefix)
{
	size_t len = strlen(unix_prefix);
	struct stat st;

	if (strncmp(remote, unix_prefix, len))
		return true; /* tcp: or ssl: only a connection attempt can tell */
	return stat(remote + len, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Both daemons, and charon's view of every peer in one list-sas (not one per peer). */
static int daemons_open(struct daemons *d, const struct ewoe_peer *peers, size_t n)
{
	int timeout =
	    ewoe_opts.timeout_ms < DAEMON_TIMEOUT_MS ? ewoe_opts.timeout_ms : DAEMON_TIMEOUT_MS;

	memset(d, 0, sizeof(*d));
	if (!socket_may_answer(ewoe_opts.db, "unix:") ||
	    ovsdb_open(ewoe_opts.db, timeout, &d->db) < 0)
		d->db = NULL;
	if (!socket_may_answer(ewoe_opts.vici, "unix://") || ike_open(ewoe_opts.vici, &d->ike) < 0)
		d->ike = NULL;
	if (!d->ike || !n)
		return 0;
	d->ike_st = calloc(n, sizeof(*d->ike_st));
	if (!d->ike_st)
		return -ENOMEM;
	if (ike_peers_status(d->ike, peers, n, d->ike_st) < 0) {
		free(d->ike_st);
		d->ike_st = NULL;
	}
	return 0;
}

static void daemons_close(struct daemons *d)
{
	ovsdb_free(d->db);
	ike_free(d->ike);
	free(d->ike_st);
}

static int check_daemons(struct check_report *r, const struct daemons *d,
			 const struct ewoe_peer *peer, const struct ike_status *ike,
			 const char *rep)
{
	struct ovsdb_tunnel_status ovs;
	int err;

	memset(&ovs, 0, sizeof(ovs));
	err = check_ovs(r, peer, rep,
			d->db && ovsdb_tunnel_status(d->db, peer, rep, &ovs) == 0 ? &ovs : NULL,
			ewoe_opts.db);
	if (err)
		return err;
	return check_ike(r, peer, ike, ewoe_opts.vici);
}

/* The PF and representor as the kernel has them, for every tunnel's verdict. */
static int node_links(struct check_node *node, const char *pf, const char *rep,
		      const struct ewoe_peer *peers, size_t n)
{
	struct link_state pf_link, rep_link;

	if (link_get_state(pf, &pf_link) || link_get_state(rep, &rep_link))
		return -EIO;
	memset(node, 0, sizeof(*node));
	node->pf = pf;
	node->rep = rep;
	node->pf_ifindex = pf_link.ifindex;
	node->pf_up = pf_link.flags & IFF_UP;
	node->pf_carrier = pf_link.flags & IFF_RUNNING;
	node->pf_mtu = pf_link.mtu;
	node->rep_exists = rep_link.ifindex;
	node->rep_up = rep_link.flags & IFF_UP;
	node->rep_mtu = rep_link.mtu;
	/* Every peer of a node shares its underlay address. */
	node->address = n ? &peers[0].local : NULL;
	node->address_on_pf = n && pf_link.ifindex ? link_has_addr(pf, node->address) : 0;
	node->vici = ewoe_opts.vici;
	node->db = ewoe_opts.db;
	return 0;
}

/*
 * The interface the kernel routes each peer's remote through, asked in batches: one lookup
 * a peer was two system calls each, most of verify's time at thousands of peers. NULL when
 * the lookups could not be made (each route line then says so).
 */
static int *route_oifs(const struct ewoe_peer *peers, size_t n)
{
	struct ewoe_addr *dsts = n ? calloc(n, sizeof(*dsts)) : NULL;
	int *oifs = dsts ? calloc(n, sizeof(*oifs)) : NULL;
	struct link_routes *routes = NULL;

	if (oifs && !link_routes_open(&routes)) {
		for (size_t i = 0; i < n; i++)
			dsts[i] = peers[i].remote;
		link_route_oifs(routes, dsts, n, oifs);
	} else {
		free(oifs);
		oifs = NULL;
	}
	link_routes_free(routes);
	free(dsts);
	return oifs;
}

int verify_gather(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		  struct check_report *r, struct verify_gather *g)
{
	struct check_node node;
	struct check_index ix;
	struct xfrm_table t;
	struct daemons d;
	int *oifs;
	struct state_failures *failures;
	char failure[768];
	int err;

	g->db_answered = g->ike_answered = false;
	g->error = NULL;
	err = xfrm_read_kernel(&t);
	if (err) {
		g->error = err == -EPERM ? "reading IPsec state from the kernel needs CAP_NET_ADMIN"
					 : "could not read IPsec state from the kernel";
		return err;
	}
	err = node_links(&node, pf, rep, peers, n);
	if (!err && check_index_build(&ix, &t)) {
		ewoe_err("out of memory indexing the kernel's IPsec state");
		g->error = "out of memory";
		err = -ENOMEM;
	} else if (err) {
		g->error = "could not read the interfaces from the kernel";
	}
	if (err) {
		xfrm_table_free(&t);
		return err;
	}

	check_node_links(r, &node);
	check_mtu(r, pf, (unsigned int)node.pf_mtu, rep, (unsigned int)node.rep_mtu,
		  n ? peers[0].remote.family : AF_INET);
	if (g->node)
		g->node(g->ctx, r);
	if (daemons_open(&d, peers, n))
		r->oom = true;
	oifs = route_oifs(peers, n);
	g->db_answered = d.db != NULL;
	g->ike_answered = d.ike_st != NULL || (d.ike && !n);
	failures = n ? state_failures_list() : NULL;
	for (size_t i = 0; i < n && !r->oom; i++) {
		const struct ewoe_peer *p = &peers[i];
		const struct ike_status *ike = d.ike_st ? &d.ike_st[i] : NULL;
		struct check_expect e = {
			.peer = p,
			.pf = pf,
			.pf_ifindex = node.pf_ifindex,
			.offload = r->expect,
			.ifname = ifname_of,
		};
		struct verify_tunnel vt = { .peer = p, .ike = ike };
		long age = 0;

		check_peer_begin(r);
		if (check_xfrm(r, &e, &ix) ||
		    check_route(r, p, &node, oifs ? oifs[i] : -EIO, ifname_of) ||
		    check_daemons(r, &d, p, ike, rep))
			break;
		/* The peer's last IKE failure, as the last setup recorded it. */
		if (state_failure_get(failures, p->name, failure, sizeof(failure),
				      &vt.failure_when)) {
			vt.failure = failure;
			age = (long)(time(NULL) - vt.failure_when);
		}
		if (check_tunnel_verdict(r, p, &node, vt.failure, age))
			break;
		vt.verdict = &r->verdicts[r->n_verdicts - 1];
		if (g->tunnel && g->tunnel(g->ctx, r, &vt)) {
			r->oom = true;
			break;
		}
	}
	state_failures_free(failures);
	daemons_close(&d);
	free(oifs);
	check_index_free(&ix);
	xfrm_table_free(&t);
	return 0;
}

void verify_target_init(struct verify_target *t, void *own)
{
	memset(t, 0, sizeof(*t));
	ewoe_peer_init(&t->tmpl);
	config_node_init(&t->node);
	t->expect = OFFLOAD_PACKET;
	t->own = own;
}

int verify_target_set_peer(void *ctx, const struct ewoe_opt *o, const char *arg, char *why,
			   size_t len)
{
	struct verify_target *t = ctx;
	struct ewoe_addr a;

	if (strcmp(o->name, "remote"))
		return ewoe_peer_opt_set(&t->tmpl, o->name, arg, why, len);
	if (t->n_remotes == VERIFY_MAX_REMOTES) {
		snprintf(why, len, "remote '%s': at most %d tunnels at once", arg,
			 VERIFY_MAX_REMOTES);
		return -EINVAL;
	}
	if (ewoe_addr_parse(arg, &a)) {
		snprintf(why, len, "remote '%s' is not an IPv4 or IPv6 address", arg);
		return -EINVAL;
	}
	t->remotes[t->n_remotes++] = arg;
	return 0;
}

int verify_target_set_node(void *ctx, const struct ewoe_opt *o, const char *arg, char *why,
			   size_t len)
{
	struct verify_target *t = ctx;

	if (!strcmp(o->name, "config")) {
		t->config = arg;
		return 0;
	}
	if (!strcmp(o->name, "expect-offload")) {
		if (ewoe_offload_parse(arg, &t->expect) || t->expect == OFFLOAD_AUTO) {
			snprintf(why, len, "expect-offload '%s' is not one of packet, crypto, none",
				 arg);
			return -EINVAL;
		}
		t->have_expect = true;
		return 0;
	}
	return config_node_set(&t->node, !strcmp(o->name, "rep") ? "representor" : o->name, arg,
			       why, len);
}

/* The peers of ewoe.conf; the node's offload mode is what to expect unless told otherwise. */
static int target_config(struct verify_target *t, const struct ewoe_cmd *cmd, const char *path)
{
	int rc = config_load(path, &t->cfg);

	if (rc) /* a config that cannot be used is bad input, as in setup */
		return ewoe_check_exit(rc);
	if (!t->cfg->n_peers) {
		ewoe_err("%s has no [peer NAME] section: nothing to %s", path,
			 !strcmp(cmd->name, "verify") ? "verify" : "show");
		return EXIT_USAGE;
	}
	t->peers = t->cfg->peers;
	t->n_peers = t->cfg->n_peers;
	t->node_pf = t->cfg->node.pf;
	t->node_rep = t->cfg->node.rep;
	t->node_expect = t->have_expect ? t->expect : t->cfg->node.offload;
	return EXIT_OK;
}

/* The peers, once every option is read: EXIT_OK, or the exit code after saying why. */
static int target_resolve(const struct ewoe_cmd *cmd, struct verify_target *t)
{
	bool by_hand = t->n_remotes || t->tmpl.local.family;

	if (!by_hand && (t->config || access(EWOE_DEFAULT_CONFIG, F_OK) == 0))
		return target_config(t, cmd, t->config ? t->config : EWOE_DEFAULT_CONFIG);
	if (t->config)
		return ewoe_usage_error(cmd, "--config cannot go with --local and --remote");
	if (!t->tmpl.local.family || !t->n_remotes)
		return ewoe_usage_error(cmd,
					"which tunnels to %s: give --local and --remote, "
					"or write " EWOE_DEFAULT_CONFIG,
					!strcmp(cmd->name, "verify") ? "verify" : "show");
	if (t->tmpl.name[0] && t->n_remotes > 1)
		return ewoe_usage_error(
		    cmd, "--name names one tunnel; it cannot go with %zu --remote", t->n_remotes);
	t->own_peers = calloc(t->n_remotes, sizeof(*t->own_peers));
	if (!t->own_peers) {
		ewoe_err("%s: out of memory", cmd->name);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < t->n_remotes; i++) {
		struct ewoe_peer *p = &t->own_peers[i];

		*p = t->tmpl;
		ewoe_addr_parse(t->remotes[i], &p->remote); /* checked when it was given */
		ewoe_peer_default_ifname(&p->remote, p->ifname);
		if (!p->name[0])
			snprintf(p->name, sizeof(p->name), "%s", p->ifname);
		snprintf(p->bridge, sizeof(p->bridge), "%s", t->node.bridge);
		p->offload = t->expect;
		if (ewoe_peer_validate(p))
			return EXIT_USAGE;
	}
	t->peers = t->own_peers;
	t->n_peers = t->n_remotes;
	t->node_pf = t->node.pf;
	t->node_rep = t->node.rep;
	t->node_expect = t->expect;
	return EXIT_OK;
}

enum ewoe_parse verify_target_parse(const struct ewoe_cmd *cmd, struct verify_target *t, int argc,
				    char **argv)
{
	enum ewoe_parse r = ewoe_cli_parse(cmd, NULL, t, argc, argv);
	int rc;

	if (r != EWOE_PARSE_GO_ON)
		return r;
	rc = target_resolve(cmd, t);
	return rc == EXIT_OK	 ? EWOE_PARSE_GO_ON
	       : rc == EXIT_FAIL ? EWOE_PARSE_FAIL
				 : EWOE_PARSE_USAGE;
}

void verify_target_free(struct verify_target *t)
{
	config_free(t->cfg);
	free(t->own_peers);
	t->cfg = NULL;
	t->own_peers = t->peers = NULL;
}
