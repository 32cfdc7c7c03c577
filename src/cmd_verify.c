// SPDX-License-Identifier: GPL-2.0-or-later
/* ewoe verify: prove from the kernel that each tunnel is up, encrypted and offloaded. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "commands.h"
#include "ewoe.h"
#include "ike.h"
#include "link.h"
#include "ovsdb.h"
#include "peer.h"
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
 * The OVS and IKE sides. Either daemon may be down on a node being debugged: that is
 * reported as skipped, and never hides the kernel's verdicts.
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
	    ovsdb_open(ewoe_opts.db, timeout, &d->db) < 0) {
		d->db = NULL;
		ewoe_info("OVS side not checked: no Open vSwitch database at %s", ewoe_opts.db);
	}
	if (!socket_may_answer(ewoe_opts.vici, "unix://") ||
	    ike_open(ewoe_opts.vici, &d->ike) < 0) {
		d->ike = NULL;
		ewoe_info("IKE side not checked: no strongSwan VICI socket at %s", ewoe_opts.vici);
	}
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
			d->db && ovsdb_tunnel_status(d->db, peer, rep, &ovs) == 0 ? &ovs : NULL);
	if (err)
		return err;
	return check_ike(r, peer,
			 d->ike && ike_peer_status(d->ike, peer->name, &ike) == 0 ? &ike : NULL);
}

static void daemons_close(struct daemons *d)
{
	ovsdb_free(d->db);
	ike_free(d->ike);
}

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
 * The table or the JSON goes out peer by peer and each peer's lines are dropped once printed,
 * so memory stays at one peer's report however many peers there are.
 */
static void print_peer_lines(struct check_report *r, const struct check_widths *w, bool color)
{
	size_t kept = 0;

	if (ewoe_opts.json) {
		check_report_json_lines(r, stdout);
	} else {
		/* Quiet (the reconcile timer's setup): only what is wrong reaches the journal. */
		for (size_t i = 0; i < r->n && ewoe_opts.verbosity < 0; i++)
			if (r->lines[i].status == CHECK_FAIL)
				r->lines[kept++] = r->lines[i];
		if (ewoe_opts.verbosity < 0)
			r->n = kept;
		check_report_print_lines(r, stdout, color, w);
	}
	check_report_forget_lines(r);
}

int verify_peers(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		 enum ewoe_offload expect)
{
	struct link_state pf_link, rep_link;
	struct check_widths w = { 0 };
	struct check_report r;
	struct check_index ix;
	struct xfrm_table t;
	struct daemons d;
	bool color;
	int err, rc;

	err = xfrm_read_kernel(&t);
	if (err)
		return could_not_check(err == -EPERM
					   ? "reading IPsec state from the kernel needs "
					     "CAP_NET_ADMIN"
					   : "could not read IPsec state from the kernel");
	if (link_get_state(pf, &pf_link) || link_get_state(rep, &rep_link)) {
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
	if (ewoe_opts.json) {
		check_report_json_begin(&r, stdout);
	} else {
		table_widths(&w, peers, n);
		if (ewoe_opts.verbosity >= 0)
			check_report_print_header(stdout, &w);
	}
	daemons_open(&d);
	for (size_t i = 0; i < n; i++) {
		struct check_expect e = {
			.peer = &peers[i],
			.pf = pf,
			.pf_ifindex = pf_link.ifindex,
			.offload = expect,
			.ifname = ifname_of,
		};

		if (check_xfrm(&r, &e, &ix) || check_daemons(&r, &d, &peers[i], rep))
			break;
		print_peer_lines(&r, &w, color);
	}
	daemons_close(&d);
	check_mtu(&r, pf, (unsigned int)pf_link.mtu, rep, (unsigned int)rep_link.mtu);
	print_peer_lines(&r, &w, color);
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
    "\n"
    "Checks from the kernel (one netlink dump of states, one of policies): 4 ESP SAs per\n"
    "tunnel in transport mode with AES-GCM-128, a 128-bit ICV and ESN, selectors on the VXLAN\n"
    "port, offloaded to the PF; out, in and fwd policies; the PF MTU; and, when reachable, the\n"
    "OVS interface and the IKE_SA. Exit 0 all good, 3 problems found, 1 could not check.\n"
    "--json prints the schema in docs/verify.md.\n";

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
		OPT_CONFIG
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
