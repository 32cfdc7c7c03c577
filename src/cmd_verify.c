// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe verify: prove from the kernel that each tunnel is up, encrypted and offloaded. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "commands.h"
#include "ewoe.h"
#include "ike.h"
#include "link.h"
#include "ovsdb.h"
#include "peer.h"
#include "state.h"
#include "verify.h"
#include "xfrm.h"

/* A daemon that answers at all answers within milliseconds; don't stall a support session. */
#define DAEMON_TIMEOUT_MS 5000

#define MAX_REMOTES 64

static const char *ifname_of(int ifindex, char buf[IFNAMSIZ])
{
	return ifindex > 0 ? if_indextoname((unsigned int)ifindex, buf) : NULL;
}

static bool use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

static int could_not_check(const char *why)
{
	if (ewoe_opts.json)
		check_error_json(stdout, why);
	return EXIT_FAIL;
}

/*
 * The OVS and IKE sides. A daemon that does not answer is a failure of every tunnel: nothing
 * on its side can be seen or repaired, and never hides the kernel's verdicts.
 */
struct daemons {
	struct ovsdb *db;
	struct ike *ike;
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

static void daemons_open(struct daemons *d)
{
	int timeout =
	    ewoe_opts.timeout_ms < DAEMON_TIMEOUT_MS ? ewoe_opts.timeout_ms : DAEMON_TIMEOUT_MS;

	memset(d, 0, sizeof(*d));
	if (!socket_may_answer(ewoe_opts.db, "unix:") ||
	    ovsdb_open(ewoe_opts.db, timeout, &d->db) < 0)
		d->db = NULL;
	if (!socket_may_answer(ewoe_opts.vici, "unix://") || ike_open(ewoe_opts.vici, &d->ike) < 0)
		d->ike = NULL;
}

static int check_daemons(struct check_report *r, const struct daemons *d,
			 const struct ewoe_peer *peer, const char *rep)
{
	struct ovsdb_tunnel_status ovs;
	struct ike_status ike;
	int err;

	memset(&ovs, 0, sizeof(ovs));
	memset(&ike, 0, sizeof(ike));
	err = check_ovs(r, peer, rep,
			d->db && ovsdb_tunnel_status(d->db, peer, rep, &ovs) == 0 ? &ovs : NULL,
			ewoe_opts.db);
	if (err)
		return err;
	return check_ike(r, peer,
			 d->ike && ike_peer_status(d->ike, peer->name, &ike) == 0 ? &ike : NULL,
			 ewoe_opts.vici);
}

static void daemons_close(struct daemons *d)
{
	ovsdb_free(d->db);
	ike_free(d->ike);
}

/* -v or --all: every check under every tunnel, not only what failed. */
static bool show_all;

/*
 * The table's columns, known before the first line: the widest peer name, and the widest
 * item (a policy's offload line, whose length depends on the VXLAN port).
 */
static void table_widths(struct check_widths *w, const struct ewoe_peer *peers, size_t n)
{
	struct check_report none = { 0 };
	char item[64];

	check_widths_fit(w, &none);
	w->found = 48;
	w->item = (int)strlen("link representor");
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(item, sizeof(item), "policy out any->%u offload",
				   (unsigned)peers[i].dst_port);

		if ((int)strlen(peers[i].name) > w->peer)
			w->peer = (int)strlen(peers[i].name);
		if (len > w->item)
			w->item = len;
	}
}

/*
 * The JSON, or one tunnel's headline and the checks under it, goes out peer by peer and the
 * lines are dropped once printed: memory stays at one peer's lines however many there are.
 * v is NULL for the node's own lines, printed only when one failed (or all are asked for).
 */
static void print_peer(struct check_report *r, const struct check_verdict *v,
		       const struct check_widths *w, bool color)
{
	bool failed = false;

	for (size_t i = 0; i < r->n && !failed; i++)
		failed = r->lines[i].status == CHECK_FAIL;
	if (ewoe_opts.json) {
		check_report_json_lines(r, stdout);
	} else if (v && (ewoe_opts.verbosity >= 0 || v->state != TUNNEL_UP)) {
		/* Quiet (the reconcile timer's setup): only what is wrong reaches the journal. */
		check_report_print_verdict(v, stdout, color, w);
		check_report_print_lines(r, stdout, color, w, show_all);
	} else if (!v && (failed || (show_all && ewoe_opts.verbosity >= 0))) {
		struct check_verdict node = { .peer = "(node)",
					      .state = failed ? TUNNEL_DOWN : TUNNEL_UP };

		snprintf(node.cause, sizeof(node.cause), "%s",
			 r->node_cause[0] ? r->node_cause
			 : failed	  ? "see below"
					  : "the node's links");
		snprintf(node.fix, sizeof(node.fix), "%s", r->node_fix);
		check_report_print_verdict(&node, stdout, color, w);
		check_report_print_lines(r, stdout, color, w, show_all);
	}
	check_report_forget_lines(r);
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

/* The peer's last IKE failure, as the last setup recorded it, when it is not up. */
static const char *last_failure(const struct ewoe_peer *p, char *buf, size_t len, long *age)
{
	time_t when;

	if (!state_failure_get(p->name, buf, len, &when))
		return NULL;
	*age = (long)(time(NULL) - when);
	return buf;
}

int verify_peers(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		 enum ewoe_offload expect)
{
	struct check_widths w = { 0 };
	struct check_node node;
	struct check_report r;
	struct check_index ix;
	struct xfrm_table t;
	struct daemons d;
	char failure[768];
	bool color;
	int err, rc;

	err = xfrm_read_kernel(&t);
	if (err)
		return could_not_check(err == -EPERM
					   ? "reading IPsec state from the kernel needs "
					     "CAP_NET_ADMIN"
					   : "could not read IPsec state from the kernel");
	if (node_links(&node, pf, rep, peers, n)) {
		xfrm_table_free(&t);
		return could_not_check("could not read the interfaces from the kernel");
	}
	if (check_index_build(&ix, &t)) {
		ewoe_err("verify: out of memory");
		xfrm_table_free(&t);
		return could_not_check("out of memory");
	}

	check_report_init(&r, expect);
	color = !ewoe_opts.json && use_color();
	table_widths(&w, peers, n);
	if (ewoe_opts.json)
		check_report_json_begin(&r, stdout);
	else if (ewoe_opts.verbosity >= 0)
		check_report_print_header(stdout, &w);
	check_node_links(&r, &node);
	check_mtu(&r, pf, (unsigned int)node.pf_mtu, rep, (unsigned int)node.rep_mtu);
	print_peer(&r, NULL, &w, color);
	daemons_open(&d);
	for (size_t i = 0; i < n; i++) {
		const struct ewoe_peer *p = &peers[i];
		struct check_expect e = {
			.peer = p,
			.pf = pf,
			.pf_ifindex = node.pf_ifindex,
			.offload = expect,
			.ifname = ifname_of,
		};
		long age = 0;
		const char *why;

		check_peer_begin(&r);
		if (check_xfrm(&r, &e, &ix) ||
		    check_route(&r, p, &node, link_route_oif(&p->remote), ifname_of) ||
		    check_daemons(&r, &d, p, rep))
			break;
		why = last_failure(p, failure, sizeof(failure), &age);
		if (check_tunnel_verdict(&r, p, &node, why, age))
			break;
		print_peer(&r, &r.verdicts[r.n_verdicts - 1], &w, color);
	}
	daemons_close(&d);
	check_index_free(&ix);
	xfrm_table_free(&t);

	rc = check_report_exit(&r);
	if (rc == EXIT_FAIL)
		ewoe_err("verify: out of memory");
	/* The document is begun: it ends with result "error" rather than a second document. */
	if (ewoe_opts.json)
		check_report_json_end(&r, stdout);
	else if (rc != EXIT_FAIL && (ewoe_opts.verbosity >= 0 || r.n_fail))
		check_report_print_summary(&r, stdout);
	check_report_free(&r);
	return rc;
}

/* The peers of ewoe.conf; the node's offload mode is what to expect unless told otherwise. */
static int verify_config(const char *path, const enum ewoe_offload *expect)
{
	struct ewoe_config *cfg = NULL;
	int rc;

	rc = config_load(path, &cfg);
	if (rc) /* a config that cannot be used is bad input, as in setup */
		return ewoe_check_exit(rc);
	if (!cfg->n_peers) {
		ewoe_err("%s has no [peer NAME] section: nothing to verify", path);
		rc = EXIT_USAGE;
	} else {
		rc = verify_peers(cfg->peers, cfg->n_peers, cfg->node.pf, cfg->node.rep,
				  expect ? *expect : cfg->node.offload);
	}
	config_free(cfg);
	return rc;
}

static const char verify_help[] =
    "\n"
    "Which tunnels: the peers of " EWOE_DEFAULT_CONFIG " (or --config FILE), or for a node\n"
    "set up by hand, --local and one --remote per peer:\n"
    "  --config FILE           read the node and its peers from FILE\n"
    "  --local IP, --remote IP this DPU's and the peer's PF (underlay) addresses\n"
    "  --name NAME             the peer's name (strongSwan connection ewoe-NAME)\n"
    "  --pf IFNAME             the PF the SAs must be offloaded to (default " EWOE_DEFAULT_PF ")\n"
    "  --rep IFNAME            the host representor (default " EWOE_DEFAULT_REP ")\n"
    "  --bridge NAME           the OVS bridge (default " EWOE_DEFAULT_BRIDGE ")\n"
    "  --vni N, --dst-port P   the VXLAN tunnel (default 100, 4789)\n"
    "  --expect-offload MODE   packet (default), crypto or none\n"
    "  --all                   every check under every tunnel (also -v), not only failures\n"
    "\n"
    "One line per tunnel: up, DEGRADED or DOWN with the root cause first, and its fix; a\n"
    "tunnel whose VXLAN would pass unencrypted is CRITICAL. Under a tunnel that is not up,\n"
    "the checks that failed: its 4 ESP SAs (transport mode, AES-GCM-128, 128-bit ICV, ESN,\n"
    "VXLAN selectors, offload on the PF), policies and guard, the route to the peer, the OVS\n"
    "port and the IKE_SA; and the node's PF, representor, underlay address and MTU.\n"
    "Exit 0 all up, 3 problems found, 1 could not check. --json prints every check and\n"
    "every verdict (docs/verify.md).\n";

/*
 * Thousands of peers make megabytes of report. Into a pipe or a file, stdio buffers a block
 * (4 KiB): 64 KiB takes 16 times fewer write(2) calls. A terminal keeps its line buffering,
 * so a person sees each peer as it is checked.
 */
static void stdout_buffer(void)
{
	static char buf[64 * 1024]; /* static: stdout uses it until exit flushes it */

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

static const struct ewoe_cmd *verify_cmd(void)
{
	return ewoe_cmd_find(ewoe_commands, "verify");
}

int cmd_verify(int argc, char **argv)
{
	enum {
		OPT_LOCAL = 256,
		OPT_REMOTE,
		OPT_PF,
		OPT_REP,
		OPT_BRIDGE,
		OPT_VNI,
		OPT_DST_PORT,
		OPT_NAME,
		OPT_EXPECT,
		OPT_CONFIG,
		OPT_ALL
	};
	static const struct option longopts[] = {
		{ "local", required_argument, NULL, OPT_LOCAL },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "pf", required_argument, NULL, OPT_PF },
		{ "rep", required_argument, NULL, OPT_REP },
		{ "bridge", required_argument, NULL, OPT_BRIDGE },
		{ "vni", required_argument, NULL, OPT_VNI },
		{ "dst-port", required_argument, NULL, OPT_DST_PORT },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "expect-offload", required_argument, NULL, OPT_EXPECT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ewoe_cmd *cmd = verify_cmd();
	const char *remotes[MAX_REMOTES];
	const char *local = NULL, *name = NULL, *bridge = EWOE_DEFAULT_BRIDGE;
	const char *pf = EWOE_DEFAULT_PF, *rep = EWOE_DEFAULT_REP;
	enum ewoe_offload expect = OFFLOAD_PACKET;
	unsigned long vni = EWOE_DEFAULT_VNI, port = EWOE_DEFAULT_DST_PORT;
	struct ewoe_peer *peers = NULL;
	size_t n_remotes = 0;
	const char *config = NULL;
	bool have_expect = false;
	int c, rc;

	stdout_buffer(); /* before anything is written: setvbuf must come first */
	show_all = ewoe_opts.verbosity > 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LOCAL:
			local = optarg;
			break;
		case OPT_REMOTE:
			if (n_remotes == MAX_REMOTES)
				return ewoe_usage_error(cmd, "at most %d --remote", MAX_REMOTES);
			remotes[n_remotes++] = optarg;
			break;
		case OPT_PF:
			pf = optarg;
			break;
		case OPT_REP:
			rep = optarg;
			break;
		case OPT_BRIDGE:
			bridge = optarg;
			break;
		case OPT_VNI:
			if (ewoe_parse_uint(optarg, 0, EWOE_VNI_MAX, &vni))
				return ewoe_usage_error(cmd, "--vni '%s': expected 0..%d", optarg,
							EWOE_VNI_MAX);
			break;
		case OPT_DST_PORT:
			if (ewoe_parse_uint(optarg, 1, 65535, &port))
				return ewoe_usage_error(cmd, "--dst-port '%s': expected 1..65535",
							optarg);
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_EXPECT:
			if (ewoe_offload_parse(optarg, &expect) || expect == OFFLOAD_AUTO)
				return ewoe_usage_error(cmd,
							"--expect-offload '%s': expected packet, "
							"crypto or none",
							optarg);
			have_expect = true;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_ALL:
			show_all = true;
			break;
		case 'h':
			ewoe_cmd_usage(cmd, NULL, false);
			fputs(verify_help, stdout);
			return EXIT_OK;
		default:
			ewoe_cmd_usage(cmd, NULL, true);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ewoe_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!n_remotes && !local && (config || access(EWOE_DEFAULT_CONFIG, F_OK) == 0))
		return verify_config(config ? config : EWOE_DEFAULT_CONFIG,
				     have_expect ? &expect : NULL);
	if (config)
		return ewoe_usage_error(cmd, "--config cannot go with --local and --remote");
	if (!local || !n_remotes)
		return ewoe_usage_error(cmd, "which tunnels to verify: give --local and --remote, "
					     "or write " EWOE_DEFAULT_CONFIG);
	if (name && n_remotes > 1)
		return ewoe_usage_error(
		    cmd, "--name names one tunnel; it cannot go with %zu --remote", n_remotes);
	if (strlen(bridge) >= IFNAMSIZ)
		return ewoe_usage_error(cmd, "--bridge '%s' is longer than %d characters", bridge,
					IFNAMSIZ - 1);
	if (name && strlen(name) >= EWOE_PEER_NAME_MAX)
		return ewoe_usage_error(cmd, "--name '%s' is longer than %d characters", name,
					EWOE_PEER_NAME_MAX - 1);
	if (!ewoe_name_valid(pf, IFNAMSIZ - 1))
		return ewoe_usage_error(cmd, "--pf '%s' is not an interface name", pf);
	if (!ewoe_name_valid(rep, IFNAMSIZ - 1))
		return ewoe_usage_error(cmd, "--rep '%s' is not an interface name", rep);

	peers = calloc(n_remotes, sizeof(*peers));
	if (!peers) {
		ewoe_err("verify: out of memory");
		return EXIT_FAIL;
	}
	rc = EXIT_USAGE;
	for (size_t i = 0; i < n_remotes; i++) {
		struct ewoe_peer *p = &peers[i];

		ewoe_peer_init(p);
		if (ewoe_addr_parse(local, &p->local)) {
			ewoe_usage_error(cmd, "--local '%s' is not an IP address", local);
			goto out;
		}
		if (ewoe_addr_parse(remotes[i], &p->remote)) {
			ewoe_usage_error(cmd, "--remote '%s' is not an IP address", remotes[i]);
			goto out;
		}
		ewoe_peer_default_ifname(&p->remote, p->ifname);
		snprintf(p->name, sizeof(p->name), "%s", name ? name : p->ifname);
		snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
		p->vni = (uint32_t)vni;
		p->dst_port = (uint16_t)port;
		p->offload = expect;
		if (ewoe_peer_validate(p))
			goto out;
	}
	rc = verify_peers(peers, n_remotes, pf, rep, expect);
out:
	free(peers);
	return rc;
}
