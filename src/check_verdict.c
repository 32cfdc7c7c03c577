// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One tunnel's verdict from its check lines: the state a person reads first, with the root
 * cause and the one command that fixes it. The lines stay as the consequences.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ewoe.h"

/* What the peer's lines say, counted by kind. */
struct tally {
	size_t kind[KIND_LINK + 1];
	size_t failed;
	const struct check_line *first[KIND_LINK + 1]; /* the first failed line of each kind */
	const struct check_line *ike_sa;	       /* the "ike sa" line, failed or not */
};

static void tally_lines(const struct check_report *r, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = r->peer_start; i < r->n; i++) {
		const struct check_line *l = &r->lines[i];

		if (l->kind == KIND_IKE_SA)
			t->ike_sa = l;
		if (l->status != CHECK_FAIL)
			continue;
		t->failed++;
		t->kind[l->kind]++;
		if (!t->first[l->kind])
			t->first[l->kind] = l;
	}
}

/* A plaintext path: VXLAN one way with neither charon's policy nor ewoe's guard. */
static bool plaintext(struct check_report *r, const struct tally *t, bool *out, bool *in)
{
	*out = t->kind[KIND_VXLAN_OUT_POLICY_MISSING] && t->kind[KIND_GUARD_OUT_MISSING];
	*in = t->kind[KIND_VXLAN_IN_POLICY_MISSING] && t->kind[KIND_GUARD_IN_MISSING];
	for (size_t i = r->peer_start; i < r->n; i++) {
		enum check_kind k = r->lines[i].kind;

		if ((*out && (k == KIND_VXLAN_OUT_POLICY_MISSING || k == KIND_GUARD_OUT_MISSING)) ||
		    (*in && (k == KIND_VXLAN_IN_POLICY_MISSING || k == KIND_GUARD_IN_MISSING)))
			r->lines[i].critical = true;
	}
	return *out || *in;
}

/* The kernel side a working tunnel needs: its 4 SAs and the 4 out/in policies. */
static bool kernel_complete(const struct tally *t)
{
	return !t->kind[KIND_SA_MISSING] && !t->kind[KIND_POLICY_MISSING] &&
	       !t->kind[KIND_VXLAN_OUT_POLICY_MISSING] && !t->kind[KIND_VXLAN_IN_POLICY_MISSING];
}

#define CAUSE(...) snprintf(v->cause, sizeof(v->cause), __VA_ARGS__)
#define FIX(...)   snprintf(v->fix, sizeof(v->fix), __VA_ARGS__)

/* What the recorded failure of IKE suggests; the fix of a tunnel without an IKE_SA. */
static void ike_fix(struct check_verdict *v, const struct ewoe_peer *p, const char *failure)
{
	if (!ewoe_peer_initiates(p))
		FIX("the peer (%s) initiates this tunnel: run 'ewoe setup' there; it names the "
		    "reason when IKE fails",
		    v->remote);
	else if (failure && strstr(failure, "AUTHENTICATION_FAILED"))
		FIX("the peer does not accept this node's authentication: give both the same PSK "
		    "(or certificates the other trusts), then 'ewoe setup' on both");
	else if (failure && strstr(failure, "NO_PROPOSAL_CHOSEN"))
		FIX("the peer has no matching connection, or its kernel refused the SAs: run "
		    "'ewoe setup' on the peer, then here");
	else if (failure && strstr(failure, "does not answer"))
		FIX("the peer does not answer on UDP 500: its IKE daemon is down or its "
		    "connection is not loaded; run 'ewoe setup' on the peer, then here");
	else
		FIX("'ewoe setup' starts IKE and names the reason when it fails");
}

/* The first cause that explains the rest, in the order a fix must come. */
static void root_cause(struct check_verdict *v, const struct check_report *r, const struct tally *t,
		       const struct ewoe_peer *p, const struct check_node *n, const char *failure,
		       long failure_age_s)
{
	bool kernel_ok = kernel_complete(t);
	const struct check_line *l;

	if ((l = t->first[KIND_IKE_DOWN])) {
		v->state = kernel_ok ? TUNNEL_DEGRADED : TUNNEL_DOWN;
		CAUSE("the IKE daemon does not answer at %s%s", n->vici ? n->vici : "its socket",
		      kernel_ok ? ": the kernel's SAs carry traffic until they expire, and "
				  "nothing rekeys them"
				: "");
		FIX("%s", l->fix);
	} else if ((l = t->first[KIND_OVS_DOWN])) {
		v->state = kernel_ok ? TUNNEL_DEGRADED : TUNNEL_DOWN;
		CAUSE("the Open vSwitch database does not answer at %s",
		      n->db ? n->db : "its socket");
		FIX("%s", l->fix);
	} else if (r->node_cause[0]) {
		v->state = TUNNEL_DOWN;
		CAUSE("%s", r->node_cause);
		FIX("%s", r->node_fix);
	} else if ((l = t->first[KIND_LINK])) {
		v->state = TUNNEL_DOWN;
		CAUSE("the route to %s %s, not through %s", v->remote,
		      !strcmp(l->found, "no route") ? "is missing" : "leaves", n->pf);
		FIX("%s", l->fix);
	} else if ((l = t->first[KIND_OVS_TUNNEL])) {
		v->state = TUNNEL_DOWN;
		CAUSE("%s: %s", l->item, l->found);
		FIX("%s", l->fix);
	} else if ((l = t->first[KIND_IKE_CONN])) {
		v->state = TUNNEL_DOWN;
		CAUSE("the connection ewoe-%s is not loaded in charon", p->name);
		FIX("%s", l->fix);
	} else if ((l = t->first[KIND_IKE_SA]) && !t->kind[KIND_SA_MISSING]) {
		/* The SAs are all there and charon knows nothing of them: it restarted. */
		v->state = TUNNEL_DOWN;
		CAUSE("no IKE_SA with %s, yet the kernel has the tunnel's SAs: this node's charon "
		      "restarted and lost it, and nothing will rekey them",
		      v->remote);
		FIX("'ewoe setup' re-establishes the tunnel from this node");
	} else if ((l = t->first[KIND_IKE_SA])) {
		v->state = TUNNEL_DOWN;
		if (failure)
			CAUSE("no IKE_SA with %s; last failure, %ld min ago: %s", v->remote,
			      failure_age_s / 60, failure);
		else
			CAUSE("no IKE_SA with %s (%s)", v->remote, l->found);
		ike_fix(v, p, failure);
	} else if ((l = t->first[KIND_IKE_CHILDREN])) {
		v->state = TUNNEL_DOWN;
		CAUSE("IKE is up with %s, but %s", v->remote, l->found);
		FIX("%s", failure ? failure : "'ewoe setup' re-establishes the CHILD_SAs");
	} else if (!kernel_ok) {
		v->state = TUNNEL_DOWN;
		CAUSE("charon has the tunnel's CHILD_SAs, but the kernel lacks %zu SA%s and %zu "
		      "polic%s: removed behind charon's back",
		      t->kind[KIND_SA_MISSING], t->kind[KIND_SA_MISSING] == 1 ? "" : "s",
		      t->kind[KIND_POLICY_MISSING] + t->kind[KIND_VXLAN_OUT_POLICY_MISSING] +
			  t->kind[KIND_VXLAN_IN_POLICY_MISSING],
		      t->kind[KIND_POLICY_MISSING] + t->kind[KIND_VXLAN_OUT_POLICY_MISSING] +
				  t->kind[KIND_VXLAN_IN_POLICY_MISSING] ==
			      1
			  ? "y"
			  : "ies");
		FIX("'ewoe setup' re-establishes the CHILD_SAs");
	} else if ((l = t->first[KIND_SA_EXTRA])) {
		v->state = TUNNEL_DEGRADED;
		CAUSE("%zu ESP SA%s between the tunnel's addresses that no IKE_SA owns (a killed "
		      "charon's, or a rekey in progress)",
		      t->kind[KIND_SA_EXTRA], t->kind[KIND_SA_EXTRA] == 1 ? "" : "s");
		FIX("'ewoe setup' removes them");
	} else if (t->kind[KIND_GUARD_OUT_MISSING] || t->kind[KIND_GUARD_IN_MISSING]) {
		v->state = TUNNEL_DEGRADED;
		CAUSE("the guard is missing (%s): VXLAN would pass unencrypted whenever charon has "
		      "no policy",
		      t->kind[KIND_GUARD_OUT_MISSING] && t->kind[KIND_GUARD_IN_MISSING]
			  ? "both ways"
		      : t->kind[KIND_GUARD_OUT_MISSING] ? "out"
							: "in");
		FIX("'ewoe setup' (or 'ewoe guard') installs it");
	} else if ((l = t->first[KIND_OTHER])) {
		v->state = TUNNEL_DEGRADED;
		CAUSE("%s: found %s, expected %s", l->item, l->found, l->expected);
		FIX("%s", l->fix);
	} else {
		v->state = TUNNEL_UP;
		CAUSE("4 SAs, their policies and the guard in place");
	}
}

int check_tunnel_verdict(struct check_report *r, const struct ewoe_peer *p,
			 const struct check_node *n, const char *last_failure, long failure_age_s)
{
	struct check_verdict *v;
	struct tally t;
	bool out, in;
	char cause[sizeof(v->cause)];

	if (ewoe_grow((void **)&r->verdicts, sizeof(*r->verdicts), r->n_verdicts,
		      &r->cap_verdicts)) {
		r->oom = true;
		return -ENOMEM;
	}
	v = &r->verdicts[r->n_verdicts++];
	memset(v, 0, sizeof(*v));
	snprintf(v->peer, sizeof(v->peer), "%s", p->name);
	ewoe_addr_str(&p->remote, v->remote);
	tally_lines(r, &t);
	root_cause(v, r, &t, p, n, last_failure, failure_age_s);
	if (plaintext(r, &t, &out, &in)) {
		/* Whatever else is wrong, this is what must not be missed: it goes first. */
		v->critical = true;
		v->state = TUNNEL_DOWN;
		r->n_critical++;
		snprintf(cause, sizeof(cause), "%s", v->cause);
		CAUSE("VXLAN %s %s passes UNENCRYPTED: no IPsec policy and no guard%s%.380s",
		      out && in ? "to and from"
		      : out	? "to"
				: "from",
		      v->remote, cause[0] ? "; " : "", cause);
		FIX("'ewoe guard' blocks it at once; then 'ewoe setup' restores the tunnel");
	}
	r->n_state[v->state]++;
	return 0;
}
