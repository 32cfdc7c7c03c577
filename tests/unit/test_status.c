// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe status and ewoe metrics from hand-built check reports: the rows made of a tunnel's
 * lines, the guarded state, the sort, the table, the JSON (read back with json-c) and the
 * Prometheus text (its names and families checked line by line).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "check.h"
#include "ewoe.h"
#include "status.h"
#include "xfrm.h"

#define LOCAL  "192.0.2.1"
#define REMOTE "198.51.100.2"
#define PF     7
#define NOW    1800000000

/* ---- a report built by hand ---- */

static struct check_line *line(struct check_report *r, const char *peer, const char *category,
			       enum check_status status, const char *item)
{
	struct check_line *l;

	assert_int_equal(ewoe_grow((void **)&r->lines, sizeof(*r->lines), r->n, &r->cap), 0);
	l = &r->lines[r->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->peer, sizeof(l->peer), "%s", peer ? peer : "");
	l->category = category;
	l->status = status;
	snprintf(l->item, sizeof(l->item), "%s", item);
	snprintf(l->found, sizeof(l->found), "%s", status == CHECK_FAIL ? "missing" : "fine");
	snprintf(l->expected, sizeof(l->expected), "it");
	if (status == CHECK_FAIL) {
		snprintf(l->fix, sizeof(l->fix), "ewoe setup");
		r->n_fail++;
	} else {
		r->n_ok++;
	}
	return l;
}

static struct check_line *sa_line(struct check_report *r, const char *peer, const char *item,
				  const struct xfrm_sa_info *sa, enum check_kind kind)
{
	struct check_line *l =
	    line(r, peer, "sa", kind == KIND_SA_EXTRA ? CHECK_FAIL : CHECK_OK, item);

	l->kind = kind;
	l->has_sa = true;
	l->sa = sa;
	l->spi = sa->spi;
	l->packets = sa->packets;
	l->bytes = sa->bytes;
	return l;
}

static void sa_info(struct xfrm_sa_info *sa, bool out, uint32_t spi, uint64_t packets,
		    uint64_t bytes, int offload_flags)
{
	memset(sa, 0, sizeof(*sa));
	assert_int_equal(ewoe_addr_parse(out ? LOCAL : REMOTE, &sa->src), 0);
	assert_int_equal(ewoe_addr_parse(out ? REMOTE : LOCAL, &sa->dst), 0);
	sa->spi = spi;
	sa->packets = packets;
	sa->bytes = bytes;
	if (offload_flags >= 0) {
		sa->offload.present = true;
		sa->offload.ifindex = PF;
		sa->offload.flags = (uint8_t)offload_flags;
	}
}

static void peer_init(struct ewoe_peer *p, const char *name, const char *remote)
{
	ewoe_peer_init(p);
	snprintf(p->name, sizeof(p->name), "%s", name);
	assert_int_equal(ewoe_addr_parse(LOCAL, &p->local), 0);
	assert_int_equal(ewoe_addr_parse(remote, &p->remote), 0);
}

static struct check_verdict *verdict(struct check_report *r, const struct ewoe_peer *p,
				     enum tunnel_state state, bool critical, const char *cause)
{
	struct check_verdict *v;

	assert_int_equal(
	    ewoe_grow((void **)&r->verdicts, sizeof(*r->verdicts), r->n_verdicts, &r->cap_verdicts),
	    0);
	v = &r->verdicts[r->n_verdicts++];
	memset(v, 0, sizeof(*v));
	snprintf(v->peer, sizeof(v->peer), "%s", p->name);
	ewoe_addr_str(&p->remote, v->remote);
	v->state = state;
	v->critical = critical;
	snprintf(v->cause, sizeof(v->cause), "%s", cause);
	snprintf(v->fix, sizeof(v->fix), "%s", state == TUNNEL_UP ? "" : "'ewoe setup'");
	r->n_state[state]++;
	r->n_critical += critical;
	return v;
}

static const char *fake_ifname(int ifindex, char buf[IFNAMSIZ])
{
	if (ifindex != PF)
		return NULL;
	snprintf(buf, IFNAMSIZ, "p0");
	return buf;
}

/* The guard's two lines, failed or not. */
static void guard_lines(struct check_report *r, const char *peer, bool ok)
{
	line(r, peer, "guard", ok ? CHECK_OK : CHECK_FAIL, "guard out any->4789")->kind =
	    ok ? KIND_OTHER : KIND_GUARD_OUT_MISSING;
	line(r, peer, "guard", CHECK_OK, "guard in any->4789");
}

/* A whole node: up (4 SAs, traffic), down guarded, degraded, down unguarded, critical. */
struct node_fixture {
	struct check_report r;
	struct ewoe_peer peers[5];
	struct xfrm_sa_info sas[5][4];
	struct status_row rows[5];
	struct ike_status ike[5];
	struct status_node node;
	size_t n;
};

static void add_tunnel(struct node_fixture *fx, const char *name, const char *remote,
		       enum tunnel_state state, bool critical, bool guard_ok, int sas,
		       const char *failure)
{
	struct ewoe_peer *p = &fx->peers[fx->n];
	struct ike_status *ike = &fx->ike[fx->n];
	struct verify_tunnel t = {
		.peer = p, .ike = ike, .failure = failure, .failure_when = NOW - 150
	};
	static const char *const items[] = { "sa out any->4789", "sa in 4789->any",
					     "sa in any->4789", "sa out 4789->any" };

	peer_init(p, name, remote);
	check_peer_begin(&fx->r);
	for (int k = 0; k < 4; k++) {
		if (k < sas) {
			struct xfrm_sa_info *sa = &fx->sas[fx->n][k];

			sa_info(sa, k == 0 || k == 3, 0xc0000000u + (uint32_t)k, 0, 0, -1);
			assert_int_equal(
			    ewoe_addr_parse(remote, k == 0 || k == 3 ? &sa->dst : &sa->src), 0);
			sa_line(&fx->r, name, items[k], sa, KIND_OTHER);
		} else {
			line(&fx->r, name, "sa", CHECK_FAIL, items[k])->kind = KIND_SA_MISSING;
		}
	}
	guard_lines(&fx->r, name, guard_ok);
	memset(ike, 0, sizeof(*ike));
	ike->conn_loaded = true;
	ike->ike_established = state != TUNNEL_DOWN;
	ike->children_installed = state == TUNNEL_DOWN ? 0 : 2;
	ike->ike_age_s = state == TUNNEL_DOWN ? -1 : 3700;
	ike->child_age_s = state == TUNNEL_DOWN ? -1 : 65;
	t.verdict = verdict(&fx->r, p, state, critical,
			    state == TUNNEL_UP ? "4 SAs, their policies and the guard in place"
					       : "no IKE_SA with the \"peer\"");
	assert_int_equal(status_row_make(&fx->rows[fx->n], fx->n, &fx->r, &t, fake_ifname), 0);
	fx->n++;
	check_report_forget_lines(&fx->r);
}

static int node_setup(void **state)
{
	struct node_fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	check_report_init(&fx->r, OFFLOAD_NONE);
	add_tunnel(fx, "arm2", "198.51.100.2", TUNNEL_UP, false, true, 4, NULL);
	add_tunnel(fx, "arm3", "198.51.100.3", TUNNEL_DOWN, false, true, 0,
		   "ewoe-arm3: IKE with 198.51.100.3 failed: the peer answered "
		   "AUTHENTICATION_FAILED\n");
	add_tunnel(fx, "arm4", "198.51.100.4", TUNNEL_DEGRADED, false, false, 4, NULL);
	add_tunnel(fx, "arm5", "198.51.100.5", TUNNEL_DOWN, false, false, 0, NULL);
	add_tunnel(fx, "arm6", "198.51.100.6", TUNNEL_DOWN, true, false, 0, NULL);
	*state = fx;
	return 0;
}

static int node_teardown(void **state)
{
	struct node_fixture *fx = *state;

	for (size_t i = 0; i < fx->n; i++)
		status_row_free(&fx->rows[i]);
	check_report_free(&fx->r);
	free(fx);
	return 0;
}

/* What fn(FILE *) wrote, in a string the caller frees. */
static char *capture(void (*fn)(FILE *, void *), void *arg)
{
	static char *buf;
	static size_t len;
	FILE *f = open_memstream(&buf, &len);
	char *out;

	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	out = buf;
	buf = NULL;
	return out;
}

/* ---- the tests ---- */

static void formats(void **state)
{
	char b[32];

	(void)state;
	status_fmt_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0B");
	status_fmt_bytes(1023, b, sizeof(b));
	assert_string_equal(b, "1023B");
	status_fmt_bytes(1024, b, sizeof(b));
	assert_string_equal(b, "1.0KiB");
	status_fmt_bytes(1258291, b, sizeof(b));
	assert_string_equal(b, "1.2MiB");
	status_fmt_bytes(UINT64_MAX, b, sizeof(b));
	assert_string_equal(b, "16.0EiB");
	status_fmt_count(830, b, sizeof(b));
	assert_string_equal(b, "830");
	status_fmt_count(9999, b, sizeof(b));
	assert_string_equal(b, "9999");
	status_fmt_count(12345, b, sizeof(b));
	assert_string_equal(b, "12.3k");
	status_fmt_count(4500000, b, sizeof(b));
	assert_string_equal(b, "4.5M");
	status_fmt_age(-1, b, sizeof(b));
	assert_string_equal(b, "-");
	status_fmt_age(45, b, sizeof(b));
	assert_string_equal(b, "45s");
	status_fmt_age(720, b, sizeof(b));
	assert_string_equal(b, "12m");
	status_fmt_age(3 * 3600 + 5 * 60 + 9, b, sizeof(b));
	assert_string_equal(b, "3h05m");
	status_fmt_age(2 * 86400 + 4 * 3600, b, sizeof(b));
	assert_string_equal(b, "2d04h");
}

/* verify's down splits in two: guarded only while every guard check passes. */
static void state_from_verdict_and_guard(void **state)
{
	struct check_report r;
	struct ewoe_peer p;
	struct check_verdict *v;

	(void)state;
	check_report_init(&r, OFFLOAD_PACKET);
	peer_init(&p, "bfr", REMOTE);
	check_peer_begin(&r);
	guard_lines(&r, "bfr", true);
	v = verdict(&r, &p, TUNNEL_DOWN, false, "no IKE_SA");
	assert_int_equal(status_state_of(&r, v), STATUS_GUARDED);
	v->critical = true;
	assert_int_equal(status_state_of(&r, v), STATUS_DOWN);
	v->critical = false;
	v->state = TUNNEL_UP;
	assert_int_equal(status_state_of(&r, v), STATUS_UP);
	v->state = TUNNEL_DEGRADED;
	assert_int_equal(status_state_of(&r, v), STATUS_DEGRADED);

	/* a guard that is not offloaded where packet offload is expected does not guard */
	v->state = TUNNEL_DOWN;
	line(&r, "bfr", "guard", CHECK_FAIL, "guard out any->4789 offload");
	assert_int_equal(status_state_of(&r, v), STATUS_DOWN);
	/* no guard line at all (the checks were cut short): never claimed guarded */
	check_report_forget_lines(&r);
	check_peer_begin(&r);
	assert_int_equal(status_state_of(&r, v), STATUS_DOWN);
	assert_string_equal(status_state_name(STATUS_GUARDED), "guarded");
	assert_string_equal(status_state_name(STATUS_DOWN), "down");
	check_report_free(&r);
}

/* Counters by direction from the SAs' own addresses, the extra SA counted apart, offload. */
static void row_from_lines(void **state)
{
	struct xfrm_sa_info sa[5];
	struct check_report r;
	struct ewoe_peer p;
	struct ike_status ike = { .conn_loaded = true,
				  .ike_established = true,
				  .children_installed = 2,
				  .ike_age_s = 600,
				  .child_age_s = 30 };
	struct verify_tunnel t = { .peer = &p, .ike = &ike };
	struct status_row row;

	(void)state;
	check_report_init(&r, OFFLOAD_PACKET);
	peer_init(&p, "bfr", REMOTE);
	sa_info(&sa[0], true, 1, 10, 1000, EWOE_XFRM_OFFLOAD_PACKET);
	sa_info(&sa[1], false, 2, 20, 2000, EWOE_XFRM_OFFLOAD_PACKET);
	sa_info(&sa[2], false, 3, 30, 3000, EWOE_XFRM_OFFLOAD_PACKET);
	sa_info(&sa[3], true, 4, 40, 4000, EWOE_XFRM_OFFLOAD_PACKET);
	sa_info(&sa[4], true, 5, 5, 500, -1);
	check_peer_begin(&r);
	sa_line(&r, "bfr", "sa out any->4789", &sa[0], KIND_OTHER);
	sa_line(&r, "bfr", "sa in 4789->any", &sa[1], KIND_OTHER);
	sa_line(&r, "bfr", "sa in any->4789", &sa[2], KIND_OTHER);
	sa_line(&r, "bfr", "sa out 4789->any", &sa[3], KIND_OTHER);
	/* item names an in SA: the SA's addresses say out, and they win */
	sa_line(&r, "bfr", "sa extra spi 0x00000005", &sa[4], KIND_SA_EXTRA);
	guard_lines(&r, "bfr", true);
	t.verdict = verdict(&r, &p, TUNNEL_DEGRADED, false, "1 ESP SA no IKE_SA owns");
	assert_int_equal(status_row_make(&row, 3, &r, &t, fake_ifname), 0);
	assert_int_equal(row.order, 3);
	assert_int_equal(row.state, STATUS_DEGRADED);
	assert_int_equal(row.sas, 4);
	assert_int_equal(row.sas_extra, 1);
	assert_int_equal(row.bytes_out, 1000 + 4000 + 500);
	assert_int_equal(row.packets_out, 10 + 40 + 5);
	assert_int_equal(row.bytes_in, 2000 + 3000);
	assert_int_equal(row.packets_in, 20 + 30);
	/* the extra SA's offload is not the tunnel's */
	assert_string_equal(row.offload, "packet");
	assert_string_equal(row.offload_dev, "p0");
	assert_true(row.ike_known && row.ike_up);
	assert_int_equal(row.children, 2);
	assert_int_equal(row.ike_age_s, 600);
	assert_int_equal(row.child_age_s, 30);
	assert_int_equal(row.failed_checks, 1);
	assert_null(row.failure);

	/* one SA in software among offloaded ones: mixed; a device with no name: its index */
	check_report_forget_lines(&r);
	sa[1].offload.present = false;
	sa[0].offload.ifindex = 42;
	check_peer_begin(&r);
	sa_line(&r, "bfr", "sa out any->4789", &sa[0], KIND_OTHER);
	sa_line(&r, "bfr", "sa in 4789->any", &sa[1], KIND_OTHER);
	t.ike = NULL;
	t.failure = "IKE failed\nsecond line";
	t.failure_when = NOW - 60;
	assert_int_equal(status_row_make(&row, 0, &r, &t, fake_ifname), 0);
	assert_string_equal(row.offload, "mixed");
	assert_string_equal(row.offload_dev, "ifindex 42");
	assert_false(row.ike_known);
	assert_int_equal(row.ike_age_s, -1);
	assert_string_equal(row.failure, "IKE failed");
	assert_int_equal(row.failure_when, NOW - 60);
	status_row_free(&row);
	check_report_free(&r);
}

static void sorted_worst_first(void **state)
{
	struct node_fixture *fx = *state;
	const char *want[] = { "arm6", "arm5", "arm3", "arm4", "arm2" };

	/* before: config order; states from the verdicts and the guard lines */
	assert_int_equal(fx->rows[0].state, STATUS_UP);
	assert_int_equal(fx->rows[1].state, STATUS_GUARDED);
	assert_int_equal(fx->rows[2].state, STATUS_DEGRADED);
	assert_int_equal(fx->rows[3].state, STATUS_DOWN);
	assert_int_equal(fx->rows[4].state, STATUS_DOWN);
	status_sort(fx->rows, fx->n);
	/* unencrypted first, then down, guarded, degraded, up */
	for (size_t i = 0; i < fx->n; i++)
		assert_string_equal(fx->r.verdicts[fx->rows[i].verdict].peer, want[i]);
	assert_int_equal(status_exit(&fx->r, fx->rows, fx->n, &fx->node), EXIT_PROBLEMS);
}

static void ties_keep_the_config_order(void **state)
{
	struct status_row rows[4] = {
		{ .order = 0, .state = STATUS_UP },
		{ .order = 1, .state = STATUS_GUARDED },
		{ .order = 2, .state = STATUS_UP },
		{ .order = 3, .state = STATUS_GUARDED },
	};

	(void)state;
	status_sort(rows, 4);
	assert_int_equal(rows[0].order, 1);
	assert_int_equal(rows[1].order, 3);
	assert_int_equal(rows[2].order, 0);
	assert_int_equal(rows[3].order, 2);
}

struct print_args {
	struct node_fixture *fx;
	bool quiet;
};

static void print_fn(FILE *f, void *arg)
{
	struct print_args *a = arg;

	status_print(f, &a->fx->r, a->fx->rows, a->fx->n, &a->fx->node, NOW, a->quiet, false);
}

static void json_fn(FILE *f, void *arg)
{
	struct node_fixture *fx = arg;

	status_json(f, &fx->r, fx->rows, fx->n, &fx->node, NOW);
}

static void table(void **state)
{
	struct node_fixture *fx = *state;
	struct print_args a = { fx, false };
	char *out, *l;

	status_sort(fx->rows, fx->n);
	out = capture(print_fn, &a);
	/* header, 5 peers, summary */
	assert_non_null(strstr(out, "PEER  REMOTE        STATE     SAS  OFFLOAD  IN    OUT   IKE_SA"
				    "  CHILD   CAUSE\n"));
	l = strstr(out, "\narm6 ");
	assert_non_null(l);
	assert_true(l < strstr(out, "\narm3 "));
	assert_non_null(strstr(l, "CRITICAL"));
	l = strstr(out, "\narm3  198.51.100.3  guarded   0/4  -        0B/0  0B/0  -       -      "
			" no IKE_SA with the \"peer\"; last failure 2m ago: ewoe-arm3: IKE with "
			"198.51.100.3 failed: the peer answered AUTHENTICATION_FAILED\n");
	assert_non_null(l);
	l = strstr(out, "\narm2  198.51.100.2  up        4/4  none     0B/0  0B/0  1h01m   1m    "
			"  -\n");
	assert_non_null(l);
	assert_non_null(strstr(out, "\n5 peers: 1 up, 1 degraded, 1 guarded, 2 down, VXLAN "
				    "UNENCRYPTED with 1; 15 failed checks ('ewoe verify' names "
				    "each, with its fix)\n"));
	assert_null(strchr(out, '\033'));
	free(out);

	/* quiet: only what is not up */
	a.quiet = true;
	out = capture(print_fn, &a);
	assert_null(strstr(out, "\narm2 "));
	assert_non_null(strstr(out, "\narm4 "));
	free(out);
}

static void quiet_and_healthy_prints_nothing(void **state)
{
	struct node_fixture *fx = *state;
	struct print_args a = { fx, true };
	char *out;

	/* only arm2, which is up */
	fx->n = 1;
	fx->r.n_fail = 0;
	out = capture(print_fn, &a);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(status_exit(&fx->r, fx->rows, fx->n, &fx->node), EXIT_OK);
	a.quiet = false;
	out = capture(print_fn, &a);
	assert_non_null(strstr(out, "\n1 peer: 1 up, 0 degraded, 0 guarded, 0 down\n"));
	free(out);
	fx->n = 5; /* the teardown frees them all */
}

static void node_failures_shown(void **state)
{
	struct node_fixture *fx = *state;
	struct print_args a = { fx, false };
	struct check_report nr;
	struct check_line *l;
	char *out;

	check_report_init(&nr, OFFLOAD_NONE);
	line(&nr, NULL, "link", CHECK_OK, "link pf");
	l = line(&nr, NULL, "mtu", CHECK_FAIL, "mtu");
	snprintf(l->found, sizeof(l->found), "p0 1500, pf0hpf 1500");
	snprintf(l->expected, sizeof(l->expected), "p0 >= 1550 (pf0hpf + 50)");
	status_node_keep(&fx->node, &nr);
	assert_int_equal(fx->node.n, 1);
	fx->n = 1; /* arm2 up: the node alone makes it a problem */
	assert_int_equal(status_exit(&fx->r, fx->rows, fx->n, &fx->node), EXIT_PROBLEMS);
	out = capture(print_fn, &a);
	assert_non_null(strstr(out, "\n(node) mtu: found p0 1500, pf0hpf 1500, expected p0 >= 1550 "
				    "(pf0hpf + 50); fix: ewoe setup\n"));
	free(out);
	fx->n = 5;
	check_report_free(&nr);
}

static void json_document(void **state)
{
	struct node_fixture *fx = *state;
	struct json_object *d, *tunnels, *t, *o;
	char *out;

	status_sort(fx->rows, fx->n);
	out = capture(json_fn, fx);
	d = json_tokener_parse(out);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(json_object_object_get(d, "schema")),
			    "ewoe-status/1");
	assert_string_equal(json_object_get_string(json_object_object_get(d, "result")),
			    "problems");
	assert_string_equal(json_object_get_string(json_object_object_get(d, "expect_offload")),
			    "none");
	tunnels = json_object_object_get(d, "tunnels");
	assert_int_equal(json_object_array_length(tunnels), 5);
	t = json_object_array_get_idx(tunnels, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "peer")), "arm6");
	assert_true(json_object_get_boolean(json_object_object_get(t, "critical")));
	assert_string_equal(json_object_get_string(json_object_object_get(t, "state")), "down");
	/* the quote in the cause made it through the escaping */
	assert_string_equal(json_object_get_string(json_object_object_get(t, "cause")),
			    "no IKE_SA with the \"peer\"");
	t = json_object_array_get_idx(tunnels, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "peer")), "arm5");
	assert_string_equal(json_object_get_string(json_object_object_get(t, "state")), "down");
	t = json_object_array_get_idx(tunnels, 2);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "state")), "guarded");
	o = json_object_object_get(t, "last_failure");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "age_seconds")), 150);
	assert_non_null(strstr(json_object_get_string(json_object_object_get(o, "text")),
			       "AUTHENTICATION_FAILED"));
	o = json_object_object_get(t, "ike");
	assert_false(json_object_get_boolean(json_object_object_get(o, "established")));
	assert_true(
	    json_object_is_type(json_object_object_get(o, "ike_sa_age_seconds"), json_type_null));
	t = json_object_array_get_idx(tunnels, 4);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "peer")), "arm2");
	assert_true(json_object_is_type(json_object_object_get(t, "cause"), json_type_null));
	assert_int_equal(json_object_get_int(json_object_object_get(t, "sas")), 4);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "offload")), "none");
	o = json_object_object_get(t, "ike");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "ike_sa_age_seconds")),
			 3700);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "child_sa_age_seconds")),
			 65);
	o = json_object_object_get(t, "in");
	assert_true(json_object_is_type(json_object_object_get(o, "bytes"), json_type_int));
	o = json_object_object_get(d, "summary");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "peers")), 5);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "guarded")), 1);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "down")), 2);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "critical")), 1);
	assert_int_equal(json_object_array_length(json_object_object_get(d, "node")), 0);
	json_object_put(d);
	free(out);

	/* out of memory: the document ends with an error, not a verdict */
	fx->r.oom = true;
	out = capture(json_fn, fx);
	d = json_tokener_parse(out);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(json_object_object_get(d, "result")), "error");
	json_object_put(d);
	free(out);
	assert_int_equal(status_exit(&fx->r, fx->rows, fx->n, &fx->node), EXIT_FAIL);
	out = capture((void (*)(FILE *, void *))status_error_json, "no \"kernel\"");
	d = json_tokener_parse(out);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(json_object_object_get(d, "error")),
			    "no \"kernel\"");
	json_object_put(d);
	free(out);
}

static void xfrm_stat_parse(void **state)
{
	struct xfrm_stat_counter c[XFRM_STAT_MAX];

	(void)state;
	assert_int_equal(status_parse_xfrm_stat("XfrmInError             \t0\n"
						"XfrmInNoStates          \t17\n"
						"\n"
						"XfrmOutPolBlock\t18446744073709551615\n",
						c, XFRM_STAT_MAX),
			 3);
	assert_string_equal(c[1].name, "XfrmInNoStates");
	assert_int_equal(c[1].value, 17);
	assert_true(c[2].value == UINT64_MAX);
	assert_int_equal(status_parse_xfrm_stat("", c, XFRM_STAT_MAX), 0);
	assert_int_equal(status_parse_xfrm_stat("XfrmInError\n", c, XFRM_STAT_MAX), -EINVAL);
	assert_int_equal(status_parse_xfrm_stat("XfrmInError 1 2\n", c, XFRM_STAT_MAX), -EINVAL);
	/* more counters than room: the first ones */
	assert_int_equal(status_parse_xfrm_stat("A 1\nB 2\nC 3\n", c, 2), 2);
	assert_string_equal(c[1].name, "B");
}

struct metrics_args {
	struct node_fixture *fx;
	struct xfrm_stat_counter xfrm[2];
	bool setup_ok;
};

static void metrics_fn(FILE *f, void *arg)
{
	struct metrics_args *a = arg;
	struct metrics_input in = {
		.r = &a->fx->r,
		.rows = a->fx->rows,
		.n = a->fx->n,
		.node = &a->fx->node,
		.db_answered = true,
		.ike_answered = true,
		.xfrm = a->xfrm,
		.n_xfrm = 2,
		.setup_ok = a->setup_ok,
		.setup_ok_when = NOW - 30,
		.now = NOW,
	};

	status_metrics(f, &in);
}

/* Every sample's family was declared right before its samples, once; names as Prometheus
 * wants them: ewoe_ prefix, snake case, counters and only counters ending in _total. */
static void metrics_names_and_families(void **state)
{
	struct metrics_args a = { .fx = *state,
				  .xfrm = { { "XfrmInNoStates", 3 }, { "XfrmOutPolBlock", 9 } },
				  .setup_ok = true };
	char *out = capture(metrics_fn, &a), *save = NULL;
	char family[128] = "", type[16] = "", seen[4096] = " ";
	regex_t name_re, sample_re;
	regmatch_t m[3];
	size_t n_samples = 0;

	assert_int_equal(regcomp(&name_re, "^ewoe_[a-z][a-z0-9_]*$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&sample_re,
				 "^([a-z_0-9]+)(\\{[a-z_]+=\"([^\"\\\\]|\\\\.)*\"(,[a-z_]+=\"([^\""
				 "\\\\]|\\\\.)*\")*\\})? -?[0-9]+$",
				 REG_EXTENDED),
			 0);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[128], kind[16], key[160];

		if (!strncmp(l, "# HELP ", 7)) {
			assert_int_equal(sscanf(l, "# HELP %127s", family), 1);
			assert_int_equal(regexec(&name_re, family, 0, NULL, 0), 0);
			snprintf(key, sizeof(key), " %s ", family);
			assert_null(strstr(seen, key)); /* one family, one block */
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			assert_true(strlen(l) > strlen(family) + 8); /* a help text */
			type[0] = '\0';
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			assert_int_equal(sscanf(l, "# TYPE %127s %15s", name, kind), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(kind, "gauge") || !strcmp(kind, "counter"));
			snprintf(type, sizeof(type), "%s", kind);
			{
				size_t len = strlen(name);
				bool total = len > 6 && !strcmp(name + len - 6, "_total");

				assert_int_equal(total, !strcmp(kind, "counter"));
			}
			continue;
		}
		assert_int_equal(regexec(&sample_re, l, 3, m, 0), 0);
		snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), l);
		assert_string_equal(name, family);
		assert_true(type[0]);
		n_samples++;
	}
	/* the families a dashboard is built on */
	static const char *const want[] = {
		"ewoe_tunnel_up",
		"ewoe_tunnel_state",
		"ewoe_tunnel_sas_installed",
		"ewoe_tunnel_offload_info",
		"ewoe_tunnel_esp_bytes_total",
		"ewoe_tunnel_esp_packets_total",
		"ewoe_xfrm_errors_total",
		"ewoe_verify_failed_checks",
		"ewoe_setup_last_success_timestamp_seconds",
		"ewoe_tunnel_ike_sa_established_timestamp_seconds",
		"ewoe_tunnel_child_sa_installed_timestamp_seconds",
		"ewoe_tunnel_last_failure_timestamp_seconds",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char key[128];

		snprintf(key, sizeof(key), " %s ", want[i]);
		assert_non_null(strstr(seen, key));
	}
	assert_true(n_samples > 50);
	regfree(&name_re);
	regfree(&sample_re);
	free(out);
}

static void metrics_values(void **state)
{
	struct metrics_args a = { .fx = *state,
				  .xfrm = { { "XfrmInNoStates", 3 }, { "XfrmOutPolBlock", 9 } } };
	char *out = capture(metrics_fn, &a);

	assert_non_null(strstr(out, "\newoe_tunnel_up{peer=\"arm2\",remote=\"198.51.100.2\"} 1\n"));
	assert_non_null(strstr(out, "\newoe_tunnel_up{peer=\"arm3\",remote=\"198.51.100.3\"} 0\n"));
	assert_non_null(strstr(out, "\newoe_tunnel_state{peer=\"arm3\",remote=\"198.51.100.3\","
				    "state=\"guarded\"} 1\n"));
	assert_non_null(strstr(out, "\newoe_tunnel_state{peer=\"arm3\",remote=\"198.51.100.3\","
				    "state=\"down\"} 0\n"));
	assert_non_null(
	    strstr(out, "\newoe_tunnel_unencrypted{peer=\"arm6\",remote=\"198.51.100.6\"} 1\n"));
	assert_non_null(
	    strstr(out, "\newoe_tunnel_sas_installed{peer=\"arm2\",remote=\"198.51.100.2\"} 4\n"));
	assert_non_null(strstr(out, "\newoe_tunnel_offload_info{peer=\"arm2\",remote=\"198.51.100."
				    "2\",mode=\"none\",device=\"\"} 1\n"));
	/* the IKE_SA's age as the time it was established */
	assert_non_null(strstr(out, "\newoe_tunnel_ike_sa_established_timestamp_seconds{peer=\"arm2"
				    "\",remote=\"198.51.100.2\"} 1799996300\n"));
	assert_non_null(strstr(out, "\newoe_tunnel_last_failure_timestamp_seconds{peer=\"arm3\","
				    "remote=\"198.51.100.3\"} 1799999850\n"));
	assert_non_null(strstr(out, "\newoe_tunnels{state=\"down\"} 2\n"));
	assert_non_null(strstr(out, "\newoe_xfrm_errors_total{error=\"XfrmOutPolBlock\"} 9\n"));
	assert_non_null(strstr(out, "\newoe_daemon_up{daemon=\"charon\"} 1\n"));
	/* setup never succeeded: the family is left out, not 0 (that would be 1970) */
	assert_null(strstr(out, "ewoe_setup_last_success_timestamp_seconds"));
	/* no tunnel had charon's SAs missing: a family without samples is left out whole */
	free(out);
}

static void metrics_escape_labels(void **state)
{
	struct node_fixture *fx = *state;
	struct metrics_args a = { .fx = fx, .xfrm = { { "A", 1 }, { "B", 2 } } };
	char *out;

	snprintf(fx->r.verdicts[0].peer, sizeof(fx->r.verdicts[0].peer), "a\"b\\c\nd");
	out = capture(metrics_fn, &a);
	assert_non_null(strstr(out, "ewoe_tunnel_up{peer=\"a\\\"b\\\\c\\nd\",remote="));
	free(out);

	/* no peer, no xfrm counters: only the node's families */
	fx->n = 0;
	{
		struct metrics_input in = { .r = &fx->r,
					    .rows = fx->rows,
					    .node = &fx->node,
					    .setup_ok = true,
					    .setup_ok_when = NOW,
					    .now = NOW };
		FILE *f;
		size_t len = 0;

		out = NULL;
		f = open_memstream(&out, &len);
		status_metrics(f, &in);
		fclose(f);
	}
	assert_null(strstr(out, "ewoe_tunnel_up"));
	assert_null(strstr(out, "ewoe_xfrm_errors_total"));
	assert_non_null(strstr(out, "\newoe_setup_last_success_timestamp_seconds 1800000000\n"));
	assert_non_null(strstr(out, "\newoe_tunnels{state=\"up\"} 0\n"));
	free(out);
	fx->n = 5;
}

/*
 * With --metrics-sample: every family at once (traffic, ages, offload, a failure, the last
 * setup, the kernel's counters, a label that needs escaping) on stdout, for promtool
 * (tests/status/test_metrics_promtool.sh).
 */
static int metrics_sample(void)
{
	struct metrics_args a = { .xfrm = { { "XfrmInNoStates", 3 }, { "XfrmOutPolBlock", 9 } },
				  .setup_ok = true };
	void *fx;

	node_setup(&fx);
	a.fx = fx;
	a.fx->rows[0].bytes_in = 123456789;
	a.fx->rows[0].packets_in = 98765;
	a.fx->rows[0].bytes_out = 23456789;
	a.fx->rows[0].packets_out = 8765;
	snprintf(a.fx->rows[0].offload, sizeof(a.fx->rows[0].offload), "packet");
	snprintf(a.fx->rows[0].offload_dev, sizeof(a.fx->rows[0].offload_dev), "p0");
	snprintf(a.fx->r.verdicts[a.fx->rows[4].verdict].peer, EWOE_PEER_NAME_MAX, "a\"b\\c");
	status_sort(a.fx->rows, a.fx->n);
	metrics_fn(stdout, &a);
	node_teardown(&fx);
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats),
		cmocka_unit_test(state_from_verdict_and_guard),
		cmocka_unit_test(row_from_lines),
		cmocka_unit_test_setup_teardown(sorted_worst_first, node_setup, node_teardown),
		cmocka_unit_test(ties_keep_the_config_order),
		cmocka_unit_test_setup_teardown(table, node_setup, node_teardown),
		cmocka_unit_test_setup_teardown(quiet_and_healthy_prints_nothing, node_setup,
						node_teardown),
		cmocka_unit_test_setup_teardown(node_failures_shown, node_setup, node_teardown),
		cmocka_unit_test_setup_teardown(json_document, node_setup, node_teardown),
		cmocka_unit_test(xfrm_stat_parse),
		cmocka_unit_test_setup_teardown(metrics_names_and_families, node_setup,
						node_teardown),
		cmocka_unit_test_setup_teardown(metrics_values, node_setup, node_teardown),
		cmocka_unit_test_setup_teardown(metrics_escape_labels, node_setup, node_teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--metrics-sample"))
		return metrics_sample();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
