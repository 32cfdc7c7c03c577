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

int verify_gather(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		  struct check_report *r, struct verify_gather *g)
{
	struct check_node node;
	struct check_index ix;
	struct xfrm_table t;
	struct daemons d;
	struct link_routes *routes = NULL;
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
	check_mtu(r, pf, (unsigned int)node.pf_mtu, rep, (unsigned int)node.rep_mtu);
	if (g->node)
		g->node(g->ctx, r);
	if (daemons_open(&d, peers, n))
		r->oom = true;
	if (n && link_routes_open(&routes))
		routes = NULL; /* each route line says the lookup failed */
	g->db_answered = d.db != NULL;
	g->ike_answered = d.ike_st != NULL || (d.ike && !n);
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
		    check_route(r, p, &node, routes ? link_route_oif(routes, &p->remote) : -EIO,
				ifname_of) ||
		    check_daemons(r, &d, p, ike, rep))
			break;
		/* The peer's last IKE failure, as the last setup recorded it. */
		if (state_failure_get(p->name, failure, sizeof(failure), &vt.failure_when)) {
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
	daemons_close(&d);
	link_routes_free(routes);
	check_index_free(&ix);
	xfrm_table_free(&t);
	return 0;
}

const char verify_target_help[] =
    "Which tunnels: the peers of " EWOE_DEFAULT_CONFIG " (or --config FILE), or for a node\n"
    "set up by hand, --local and one --remote per peer:\n"
    "  --config FILE           read the node and its peers from FILE\n"
    "  --local IP, --remote IP this DPU's and the peer's PF (underlay) addresses\n"
    "  --name NAME             the peer's name (strongSwan connection ewoe-NAME)\n"
    "  --pf IFNAME             the PF the SAs must be offloaded to (default " EWOE_DEFAULT_PF ")\n"
    "  --rep IFNAME            the host representor (default " EWOE_DEFAULT_REP ")\n"
    "  --bridge NAME           the OVS bridge (default " EWOE_DEFAULT_BRIDGE ")\n"
    "  --vni N, --dst-port P   the VXLAN tunnel (default 100, 4789)\n"
    "  --expect-offload MODE   packet (default), crypto or none\n";

void verify_target_init(struct verify_target *t)
{
	memset(t, 0, sizeof(*t));
	t->bridge = EWOE_DEFAULT_BRIDGE;
	t->pf = EWOE_DEFAULT_PF;
	t->rep = EWOE_DEFAULT_REP;
	t->vni = EWOE_DEFAULT_VNI;
	t->port = EWOE_DEFAULT_DST_PORT;
	t->expect = OFFLOAD_PACKET;
}

int verify_target_option(struct verify_target *t, const struct ewoe_cmd *cmd, int c,
			 const char *arg)
{
	switch (c) {
	case VERIFY_OPT_LOCAL:
		t->local = arg;
		break;
	case VERIFY_OPT_REMOTE:
		if (t->n_remotes == VERIFY_MAX_REMOTES) {
			ewoe_usage_error(cmd, "at most %d --remote", VERIFY_MAX_REMOTES);
			return -1;
		}
		t->remotes[t->n_remotes++] = arg;
		break;
	case VERIFY_OPT_PF:
		t->pf = arg;
		break;
	case VERIFY_OPT_REP:
		t->rep = arg;
		break;
	case VERIFY_OPT_BRIDGE:
		t->bridge = arg;
		break;
	case VERIFY_OPT_VNI:
		if (ewoe_parse_uint(arg, 0, EWOE_VNI_MAX, &t->vni)) {
			ewoe_usage_error(cmd, "--vni '%s': expected 0..%d", arg, EWOE_VNI_MAX);
			return -1;
		}
		break;
	case VERIFY_OPT_DST_PORT:
		if (ewoe_parse_uint(arg, 1, 65535, &t->port)) {
			ewoe_usage_error(cmd, "--dst-port '%s': expected 1..65535", arg);
			return -1;
		}
		break;
	case VERIFY_OPT_NAME:
		t->name = arg;
		break;
	case VERIFY_OPT_EXPECT:
		if (ewoe_offload_parse(arg, &t->expect) || t->expect == OFFLOAD_AUTO) {
			ewoe_usage_error(
			    cmd, "--expect-offload '%s': expected packet, crypto or none", arg);
			return -1;
		}
		t->have_expect = true;
		break;
	case VERIFY_OPT_CONFIG:
		t->config = arg;
		break;
	default:
		return 0;
	}
	return 1;
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

int verify_target_resolve(struct verify_target *t, const struct ewoe_cmd *cmd, int argc,
			  char **argv)
{
	if (optind < argc)
		return ewoe_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!t->n_remotes && !t->local && (t->config || access(EWOE_DEFAULT_CONFIG, F_OK) == 0))
		return target_config(t, cmd, t->config ? t->config : EWOE_DEFAULT_CONFIG);
	if (t->config)
		return ewoe_usage_error(cmd, "--config cannot go with --local and --remote");
	if (!t->local || !t->n_remotes)
		return ewoe_usage_error(cmd,
					"which tunnels to %s: give --local and --remote, "
					"or write " EWOE_DEFAULT_CONFIG,
					!strcmp(cmd->name, "verify") ? "verify" : "show");
	if (t->name && t->n_remotes > 1)
		return ewoe_usage_error(
		    cmd, "--name names one tunnel; it cannot go with %zu --remote", t->n_remotes);
	if (strlen(t->bridge) >= IFNAMSIZ)
		return ewoe_usage_error(cmd, "--bridge '%s' is longer than %d characters",
					t->bridge, IFNAMSIZ - 1);
	if (t->name && strlen(t->name) >= EWOE_PEER_NAME_MAX)
		return ewoe_usage_error(cmd, "--name '%s' is longer than %d characters", t->name,
					EWOE_PEER_NAME_MAX - 1);
	if (!ewoe_name_valid(t->pf, IFNAMSIZ - 1))
		return ewoe_usage_error(cmd, "--pf '%s' is not an interface name", t->pf);
	if (!ewoe_name_valid(t->rep, IFNAMSIZ - 1))
		return ewoe_usage_error(cmd, "--rep '%s' is not an interface name", t->rep);

	t->own = calloc(t->n_remotes, sizeof(*t->own));
	if (!t->own) {
		ewoe_err("%s: out of memory", cmd->name);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < t->n_remotes; i++) {
		struct ewoe_peer *p = &t->own[i];

		ewoe_peer_init(p);
		if (ewoe_addr_parse(t->local, &p->local))
			return ewoe_usage_error(cmd, "--local '%s' is not an IP address", t->local);
		if (ewoe_addr_parse(t->remotes[i], &p->remote))
			return ewoe_usage_error(cmd, "--remote '%s' is not an IP address",
						t->remotes[i]);
		ewoe_peer_default_ifname(&p->remote, p->ifname);
		snprintf(p->name, sizeof(p->name), "%s", t->name ? t->name : p->ifname);
		snprintf(p->bridge, sizeof(p->bridge), "%s", t->bridge);
		p->vni = (uint32_t)t->vni;
		p->dst_port = (uint16_t)t->port;
		p->offload = t->expect;
		if (ewoe_peer_validate(p))
			return EXIT_USAGE;
	}
	t->peers = t->own;
	t->n_peers = t->n_remotes;
	t->node_pf = t->pf;
	t->node_rep = t->rep;
	t->node_expect = t->expect;
	return EXIT_OK;
}

void verify_target_free(struct verify_target *t)
{
	config_free(t->cfg);
	free(t->own);
	t->cfg = NULL;
	t->own = t->peers = NULL;
}
