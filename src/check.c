// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checker's report and the lines that are not the kernel's xfrm state (check_xfrm.c):
 * each daemon's view of a tunnel, the node's links, the route and the MTU.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_line.h"
#include "ewoe.h"

void check_report_init(struct check_report *r, enum ewoe_offload expect)
{
	memset(r, 0, sizeof(*r));
	r->expect = expect;
}

void check_report_free(struct check_report *r)
{
	if (!r)
		return;
	free(r->lines);
	free(r->verdicts);
	memset(r, 0, sizeof(*r));
}

void check_peer_begin(struct check_report *r)
{
	r->peer_start = r->n;
}

struct check_line *check_add_line(struct check_report *r, const char *peer, const char *category,
				  enum check_status status, const char *item_fmt, ...)
{
	struct check_line *l;
	va_list ap;

	if (ewoe_grow((void **)&r->lines, sizeof(*r->lines), r->n, &r->cap)) {
		r->oom = true;
		return NULL;
	}
	l = &r->lines[r->n++];
	/* Field by field, not a memset of the whole line: a big node's report has 100,000s. */
	l->peer[0] = l->found[0] = l->expected[0] = l->fix[0] = '\0';
	l->kind = KIND_OTHER;
	l->critical = false;
	l->has_sa = false;
	l->sa = NULL;
	l->spi = 0;
	l->packets = l->bytes = 0;
	if (peer) {
		size_t len = strnlen(peer, sizeof(l->peer) - 1);

		memcpy(l->peer, peer, len);
		l->peer[len] = '\0';
	}
	l->category = category;
	l->status = status;
	va_start(ap, item_fmt);
	vsnprintf(l->item, sizeof(l->item), item_fmt, ap);
	va_end(ap);
	if (status == CHECK_OK)
		r->n_ok++;
	else if (status == CHECK_FAIL)
		r->n_fail++;
	else
		r->n_skip++;
	return l;
}

void check_mark_failed(struct check_report *r, struct check_line *l)
{
	if (l->status == CHECK_FAIL)
		return;
	if (l->status == CHECK_OK)
		r->n_ok--;
	else
		r->n_skip--;
	l->status = CHECK_FAIL;
	r->n_fail++;
}

/* A daemon that does not answer: nothing of the tunnel's on its side can be checked or fixed. */
static int daemon_down(struct check_report *r, const struct ewoe_peer *p, const char *category,
		       enum check_kind kind, const char *what, const char *where, const char *fix)
{
	struct check_line *l =
	    check_add_line(r, p->name, category, CHECK_FAIL, "%s daemon", category);

	if (!l)
		return -ENOMEM;
	l->kind = kind;
	SET(found, "no answer at %s", where ? where : "its socket");
	SET(expected, "%s answering", what);
	SET(fix, "%s", fix);
	return 0;
}

int check_ovs(struct check_report *r, const struct ewoe_peer *p, const char *rep,
	      const struct ovsdb_tunnel_status *st, const char *db)
{
	struct check_line *l;

	if (!st)
		return daemon_down(r, p, "ovs", KIND_OVS_DOWN, "the Open vSwitch database", db,
				   "start Open vSwitch (systemctl start openvswitch-switch), then "
				   "'ewoe setup'");
	l = check_add_line(r, p->name, "ovs", st->bridge_exists ? CHECK_OK : CHECK_FAIL,
			   "ovs bridge");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_OVS_TUNNEL;
	SET(found, "%s %s", p->bridge, st->bridge_exists ? "exists" : "missing");
	SET(expected, "bridge %s", p->bridge);
	if (!st->bridge_exists)
		SET(fix, "create it with 'ewoe setup' (or pass --bridge with the bridge in use)");

	l = check_add_line(r, p->name, "ovs", st->rep_on_bridge ? CHECK_OK : CHECK_FAIL,
			   "ovs representor");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_OVS_TUNNEL;
	SET(found, "%s %s", rep, st->rep_on_bridge ? "on the bridge" : "not on the bridge");
	SET(expected, "%s on %s", rep, p->bridge);
	if (!st->rep_on_bridge)
		SET(fix, "'ewoe setup' puts the representor on the bridge (or pass --rep)");

	if (!st->iface_exists) {
		l = check_add_line(r, p->name, "ovs", CHECK_FAIL, "ovs tunnel");
		if (!l)
			return -ENOMEM;
		l->kind = KIND_OVS_TUNNEL;
		SET(found, "%s missing", p->ifname);
		SET(expected, "vxlan %s on %s, no error", p->ifname, p->bridge);
		SET(fix, "'ewoe setup' adds the VXLAN interface");
		return 0;
	}
	l = check_add_line(r, p->name, "ovs",
			   !st->error[0] && st->ofport >= 0 ? CHECK_OK : CHECK_FAIL, "ovs tunnel");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_OVS_TUNNEL;
	if (st->error[0])
		SET(found, "%s error: %s", p->ifname, st->error);
	else
		SET(found, "%s ofport %ld", p->ifname, st->ofport);
	SET(expected, "vxlan %s on %s, no error", p->ifname, p->bridge);
	if (l->status == CHECK_FAIL)
		SET(fix, "ovs-vswitchd could not create the interface: read the error and "
			 "ovs-vswitchd's log (a clashing VXLAN port or missing module)");

	l = check_add_line(r, p->name, "ovs", st->ipsec_options ? CHECK_FAIL : CHECK_OK,
			   "ovs ipsec options");
	if (!l)
		return -ENOMEM;
	SET(found, "%s", st->ipsec_options ? "psk/remote_cert/remote_name set" : "none");
	SET(expected, "none (ewoe programs strongSwan itself)");
	if (st->ipsec_options)
		SET(fix,
		    "ovs-monitor-ipsec would take strongSwan over: remove those options from "
		    "%s and stop openvswitch-ipsec",
		    p->ifname);
	return 0;
}

/*
 * An SA the four slots left over that charon still lists is one it is replacing: after a rekey
 * it keeps the old inbound SA for a few seconds for packets in flight. Not an orphan.
 */
static void charon_owned(struct check_report *r, const struct ike_status *st)
{
	for (size_t i = r->peer_start; i < r->n; i++) {
		struct check_line *l = &r->lines[i];
		bool known = false;

		if (l->kind != KIND_SA_EXTRA || l->status != CHECK_FAIL)
			continue;
		for (size_t k = 0; k < st->n_spis && !known; k++)
			known = st->spis[k] == l->spi;
		if (!known)
			continue;
		l->status = CHECK_OK;
		l->kind = KIND_OTHER;
		r->n_fail--;
		r->n_ok++;
		SET(expected, "only the 4 SAs above, or one charon is replacing (rekey)");
		l->fix[0] = '\0';
	}
}

int check_ike(struct check_report *r, const struct ewoe_peer *p, const struct ike_status *st,
	      const char *vici)
{
	struct check_line *l;
	bool ok;

	if (!st)
		return daemon_down(r, p, "ike", KIND_IKE_DOWN, "the IKE daemon (charon, VICI)",
				   vici,
				   "start strongSwan (systemctl start strongswan): it loads ewoe's "
				   "swanctl files and the initiator brings the tunnel back");
	charon_owned(r, st);
	ok = st->conn_loaded && st->ike_established;
	l = check_add_line(r, p->name, "ike", ok ? CHECK_OK : CHECK_FAIL, "ike sa");
	if (!l)
		return -ENOMEM;
	SET(expected, "IKE_SA ESTABLISHED");
	if (!st->conn_loaded) {
		l->kind = KIND_IKE_CONN;
		SET(found, "connection ewoe-%s not loaded", p->name);
		SET(fix, "'ewoe setup' loads the connection into strongSwan");
		return 0;
	}
	l->kind = KIND_IKE_SA;
	SET(found, "IKE_SA %s",
	    st->ike_established ? "ESTABLISHED"
	    : st->state[0]	? st->state
				: "none");
	if (!ok)
		SET(fix, "see the tunnel's headline for the last failure; 'ewoe setup' on the "
			 "initiator starts IKE and names why it fails");

	ok = st->children_installed == 2;
	l = check_add_line(r, p->name, "ike", ok ? CHECK_OK : CHECK_FAIL, "ike children");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_IKE_CHILDREN;
	SET(found, "%d of 2 CHILD_SAs INSTALLED", st->children_installed);
	SET(expected, "2 of 2 CHILD_SAs INSTALLED");
	if (!ok)
		SET(fix,
		    "CHILD_SA negotiation failed: compare esp_proposals and traffic selectors on "
		    "both nodes and read charon's log");
	return 0;
}

/* Node-wide lines keep the first failure for every tunnel's verdict. */
static void node_failure(struct check_report *r, const struct check_line *l, const char *cause)
{
	if (r->node_cause[0])
		return;
	snprintf(r->node_cause, sizeof(r->node_cause), "%s", cause);
	snprintf(r->node_fix, sizeof(r->node_fix), "%s", l->fix);
}

int check_node_links(struct check_report *r, const struct check_node *n)
{
	char addr[INET6_ADDRSTRLEN], cause[200];
	struct check_line *l;
	bool ok = n->pf_ifindex && n->pf_up && n->pf_carrier;

	l = check_add_line(r, NULL, "link", ok ? CHECK_OK : CHECK_FAIL, "link pf");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_LINK;
	SET(found, "%s %s", n->pf,
	    !n->pf_ifindex   ? "not found"
	    : !n->pf_up	     ? "down"
	    : !n->pf_carrier ? "up, no carrier"
			     : "up");
	SET(expected, "%s up", n->pf);
	if (!ok) {
		SET(fix, "%s",
		    !n->pf_ifindex ? "the PF does not exist: check the config's pf (p0 or p1)"
		    : !n->pf_up
			? "'ewoe setup' sets the PF up"
			: "no carrier: check the cable, the switch port and 'ethtool' on the PF");
		snprintf(cause, sizeof(cause), "the PF %s %s", n->pf,
			 !n->pf_ifindex ? "does not exist"
			 : !n->pf_up	? "is down"
					: "has no carrier");
		node_failure(r, l, cause);
	}

	ok = n->rep_exists && n->rep_up;
	l = check_add_line(r, NULL, "link", ok ? CHECK_OK : CHECK_FAIL, "link representor");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_LINK;
	SET(found, "%s %s", n->rep, !n->rep_exists ? "not found" : n->rep_up ? "up" : "down");
	SET(expected, "%s up", n->rep);
	if (!ok) {
		SET(fix, "%s",
		    n->rep_exists ? "'ewoe setup' sets the representor up"
				  : "the host representor does not exist: check the config's "
				    "representor (pf0hpf or pf1hpf) and that the host's PF is up");
		snprintf(cause, sizeof(cause),
			 "the host representor %s is %s: the host cannot "
			 "reach the overlay",
			 n->rep, !n->rep_exists ? "missing" : "down");
		node_failure(r, l, cause);
	}

	if (!n->address)
		return 0;
	ewoe_addr_str(n->address, addr);
	ok = n->address_on_pf == 1;
	l = check_add_line(r, NULL, "link", ok ? CHECK_OK : CHECK_FAIL, "link address");
	if (!l)
		return -ENOMEM;
	l->kind = KIND_LINK;
	SET(found, "%s %s", addr,
	    n->address_on_pf == 1   ? "on the PF"
	    : n->address_on_pf == 0 ? "not on the PF"
				    : "unknown (the PF's addresses could not be read)");
	SET(expected, "%s on %s", addr, n->pf);
	if (!ok) {
		SET(fix, "'ewoe setup' adds the underlay address to %s", n->pf);
		snprintf(cause, sizeof(cause), "the PF %s does not hold the underlay address %s",
			 n->pf, addr);
		node_failure(r, l, cause);
	}
	return 0;
}

int check_route(struct check_report *r, const struct ewoe_peer *p, const struct check_node *n,
		int oif, const char *(*ifname)(int ifindex, char buf[IFNAMSIZ]))
{
	char remote[INET6_ADDRSTRLEN], name[IFNAMSIZ];
	const char *dev = oif > 0 && ifname ? ifname(oif, name) : NULL;
	bool ok = oif > 0 && oif == n->pf_ifindex;
	struct check_line *l =
	    check_add_line(r, p->name, "link", ok ? CHECK_OK : CHECK_FAIL, "link route");

	if (!l)
		return -ENOMEM;
	l->kind = KIND_LINK;
	ewoe_addr_str(&p->remote, remote);
	if (oif <= 0)
		SET(found, "%s", oif < 0 ? "unknown (the route lookup failed)" : "no route");
	else if (dev)
		SET(found, "via %s", dev);
	else
		SET(found, "via ifindex %d", oif);
	SET(expected, "%s via %s", remote, n->pf);
	if (!ok)
		SET(fix,
		    "ESP to the peer must leave through the PF: the PF needs the underlay address "
		    "and prefix ('ewoe setup'), and no other route may cover %s",
		    remote);
	return 0;
}

int check_mtu(struct check_report *r, const char *pf, unsigned int pf_mtu, const char *rep,
	      unsigned int rep_mtu, int family)
{
	unsigned int overhead = EWOE_VXLAN_OVERHEAD_FOR(family);
	bool ok = pf_mtu && rep_mtu && pf_mtu >= rep_mtu + overhead;
	struct check_line *l = check_add_line(r, NULL, "mtu", ok ? CHECK_OK : CHECK_FAIL, "mtu");

	if (!l)
		return -ENOMEM;
	if (!pf_mtu || !rep_mtu) {
		SET(found, "%s not found", !pf_mtu ? pf : rep);
		SET(expected, "%s and %s present", pf, rep);
		SET(fix, "%s",
		    !pf_mtu ? "--pf names the uplink PF (p0 or p1)"
			    : "--rep names the host representor (pf0hpf or pf1hpf)");
		return 0;
	}
	SET(found, "%s %u, %s %u", pf, pf_mtu, rep, rep_mtu);
	SET(expected, "%s >= %u (%s + %u)", pf, rep_mtu + overhead, rep, overhead);
	if (!ok)
		SET(fix,
		    "VXLAN over %s adds %u bytes: 'ip link set %s mtu %u' (ewoe setup does this)",
		    family == AF_INET6 ? "IPv6" : "IPv4", overhead, pf, rep_mtu + overhead);
	return 0;
}

int check_report_exit(const struct check_report *r)
{
	if (r->oom)
		return EXIT_FAIL;
	return r->n_fail ? EXIT_PROBLEMS : EXIT_OK;
}
void check_report_forget_lines(struct check_report *r)
{
	r->n = 0;
}
