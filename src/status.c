// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify's verdicts as status rows and Prometheus metrics (include/status.h). Nothing here
 * checks anything: a row is made from the lines and the verdict that verify's checker wrote.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ewoe.h"
#include "log.h"
#include "status.h"

static const char *const state_names[STATUS_N] = { "down", "guarded", "degraded", "up" };

const char *status_state_name(enum status_state s)
{
	return s < STATUS_N ? state_names[s] : "unknown";
}

enum status_state status_state_of(const struct check_report *r, const struct check_verdict *v)
{
	size_t guard_lines = 0;

	if (v->state == TUNNEL_UP)
		return STATUS_UP;
	if (v->state == TUNNEL_DEGRADED)
		return STATUS_DEGRADED;
	if (v->critical)
		return STATUS_DOWN;
	/* Down, and fail-closed by ewoe's guard only when all of the guard's checks passed. */
	for (size_t i = r->peer_start; i < r->n; i++) {
		const struct check_line *l = &r->lines[i];

		if (strcmp(l->category, "guard"))
			continue;
		if (l->status == CHECK_FAIL)
			return STATUS_DOWN;
		guard_lines++;
	}
	return guard_lines ? STATUS_GUARDED : STATUS_DOWN;
}

static const char *offload_kind(const struct xfrm_offload_info *o)
{
	if (!o->present)
		return "none";
	return (o->flags & EWOE_XFRM_OFFLOAD_PACKET) ? "packet" : "crypto";
}

int status_row_make(struct status_row *row, size_t order, const struct check_report *r,
		    const struct verify_tunnel *t,
		    const char *(*ifname)(int ifindex, char buf[IFNAMSIZ]))
{
	const struct ewoe_peer *p = t->peer;
	char name[IFNAMSIZ];

	memset(row, 0, sizeof(*row));
	row->order = order;
	row->verdict = (size_t)(t->verdict - r->verdicts);
	row->state = status_state_of(r, t->verdict);
	row->critical = t->verdict->critical;
	row->ike_age_s = row->child_age_s = -1;
	for (size_t i = r->peer_start; i < r->n; i++) {
		const struct check_line *l = &r->lines[i];
		const struct xfrm_sa_info *sa = l->sa;
		bool out;

		row->failed_checks += l->status == CHECK_FAIL;
		if (!l->has_sa)
			continue;
		/* An SA's own addresses say its direction; a line made without one, its item. */
		out = sa ? ewoe_addr_equal(&sa->src, &p->local) : !strncmp(l->item, "sa out", 6);
		if (out) {
			row->bytes_out += l->bytes;
			row->packets_out += l->packets;
		} else {
			row->bytes_in += l->bytes;
			row->packets_in += l->packets;
		}
		if (l->kind == KIND_SA_EXTRA) {
			row->sas_extra++;
			continue;
		}
		row->sas++;
		if (!sa)
			continue;
		if (!row->offload[0])
			snprintf(row->offload, sizeof(row->offload), "%s",
				 offload_kind(&sa->offload));
		else if (strcmp(row->offload, offload_kind(&sa->offload)))
			snprintf(row->offload, sizeof(row->offload), "mixed");
		if (sa->offload.present && !row->offload_dev[0]) {
			const char *dev = ifname ? ifname(sa->offload.ifindex, name) : NULL;

			if (dev)
				snprintf(row->offload_dev, sizeof(row->offload_dev), "%s", dev);
			else
				snprintf(row->offload_dev, sizeof(row->offload_dev), "ifindex %d",
					 sa->offload.ifindex);
		}
	}
	if (t->ike) {
		row->ike_known = true;
		row->ike_up = t->ike->ike_established;
		row->children = t->ike->children_installed;
		row->ike_age_s = t->ike->ike_established ? t->ike->ike_age_s : -1;
		row->child_age_s = t->ike->ike_established ? t->ike->child_age_s : -1;
	}
	if (t->failure) {
		row->failure = strdup(t->failure);
		if (!row->failure)
			return -ENOMEM;
		/* One line: the file may end with a newline. */
		row->failure[strcspn(row->failure, "\n")] = '\0';
		row->failure_when = t->failure_when;
	}
	return 0;
}

void status_row_free(struct status_row *row)
{
	free(row->failure);
	row->failure = NULL;
}

/* Unencrypted first, then by state, the config's order within each. */
static int rank(const struct status_row *row)
{
	return row->critical ? -1 : (int)row->state;
}

static int row_cmp(const void *a, const void *b)
{
	const struct status_row *x = a, *y = b;

	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return (x->order > y->order) - (x->order < y->order);
}

void status_sort(struct status_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
}

/* Counts for the summary line, the JSON and the metrics. */
struct status_summary {
	size_t peers, state[STATUS_N], critical, failed_checks;
};

static void status_summarize(const struct status_row *rows, size_t n, const struct check_report *r,
			     struct status_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->peers = n;
	for (size_t i = 0; i < n; i++) {
		s->state[rows[i].state]++;
		s->critical += rows[i].critical;
	}
	s->failed_checks = r->n_fail;
}

void status_fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double x = (double)v;
	size_t u = 0;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", v);
		return;
	}
	x /= 1024;
	while (x >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s", x, units[u]);
}

void status_fmt_count(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "k", "M", "G", "T", "P", "E" };
	double x = (double)v;
	size_t u = 0;

	if (v < 10000) {
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	x /= 1000;
	while (x >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1000;
		u++;
	}
	snprintf(buf, len, "%.1f%s", x, units[u]);
}

void status_fmt_age(long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s / 3600 % 24);
}

void status_node_keep(struct status_node *node, const struct check_report *r)
{
	for (size_t i = 0; i < r->n && node->n < STATUS_NODE_MAX; i++) {
		if (!r->lines[i].peer[0] && r->lines[i].status == CHECK_FAIL)
			node->failed[node->n++] = r->lines[i];
	}
}

int status_exit(const struct check_report *r, const struct status_row *rows, size_t n,
		const struct status_node *node)
{
	if (r->oom)
		return EXIT_FAIL;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].state != STATUS_UP)
			return EXIT_PROBLEMS;
	}
	return node->n || r->n_fail ? EXIT_PROBLEMS : EXIT_OK;
}

/* ---- the table ---- */

static long age_of(time_t when, time_t now)
{
	return when <= now ? (long)(now - when) : 0;
}

/* What a row's columns hold, as text. */
struct row_text {
	char sas[16], offload[8 + IFNAMSIZ + 2], in[32], out[32], ike[12], child[12];
};

static void row_text(const struct status_row *row, struct row_text *t)
{
	char bytes[16], count[16];

	if (row->sas_extra)
		snprintf(t->sas, sizeof(t->sas), "%d/4+%d", row->sas, row->sas_extra);
	else
		snprintf(t->sas, sizeof(t->sas), "%d/4", row->sas);
	if (!row->offload[0])
		snprintf(t->offload, sizeof(t->offload), "-");
	else if (row->offload_dev[0])
		snprintf(t->offload, sizeof(t->offload), "%s/%s", row->offload, row->offload_dev);
	else
		snprintf(t->offload, sizeof(t->offload), "%s", row->offload);
	status_fmt_bytes(row->bytes_in, bytes, sizeof(bytes));
	status_fmt_count(row->packets_in, count, sizeof(count));
	snprintf(t->in, sizeof(t->in), "%s/%s", bytes, count);
	status_fmt_bytes(row->bytes_out, bytes, sizeof(bytes));
	status_fmt_count(row->packets_out, count, sizeof(count));
	snprintf(t->out, sizeof(t->out), "%s/%s", bytes, count);
	/* "?": charon did not answer, so nothing is known of its SAs. */
	if (!row->ike_known) {
		snprintf(t->ike, sizeof(t->ike), "?");
		snprintf(t->child, sizeof(t->child), "?");
	} else {
		status_fmt_age(row->ike_age_s, t->ike, sizeof(t->ike));
		status_fmt_age(row->child_age_s, t->child, sizeof(t->child));
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static const char *shown_state(const struct status_row *row)
{
	return row->critical ? "CRITICAL" : status_state_name(row->state);
}

static const char *state_color(const struct status_row *row)
{
	if (row->critical || row->state == STATUS_DOWN)
		return "\033[1;31m";
	return row->state == STATUS_UP ? "\033[32m" : "\033[33m";
}

/* The CAUSE column: why a tunnel is not up, with the last failure setup recorded for it. */
static void print_cause(FILE *f, const struct check_verdict *v, const struct status_row *row,
			time_t now)
{
	char age[16];

	if (row->state == STATUS_UP) {
		fputs("-", f);
		return;
	}
	fputs(v->cause, f);
	if (row->failure && !strstr(v->cause, row->failure)) {
		status_fmt_age(age_of(row->failure_when, now), age, sizeof(age));
		fprintf(f, "; last failure %s ago: %s", age, row->failure);
	}
}

void status_print(FILE *f, const struct check_report *r, const struct status_row *rows, size_t n,
		  const struct status_node *node, time_t now, bool quiet, bool color)
{
	struct status_summary s;
	struct row_text t;
	int w_peer = 4, w_remote = 6, w_sas = 3, w_off = 7, w_in = 2, w_out = 3;
	bool header = false;

	status_summarize(rows, n, r, &s);
	for (size_t i = 0; i < n; i++) {
		const struct check_verdict *v = &r->verdicts[rows[i].verdict];

		row_text(&rows[i], &t);
		w_peer = max_int(w_peer, (int)strlen(v->peer));
		w_remote = max_int(w_remote, (int)strlen(v->remote));
		w_sas = max_int(w_sas, (int)strlen(t.sas));
		w_off = max_int(w_off, (int)strlen(t.offload));
		w_in = max_int(w_in, (int)strlen(t.in));
		w_out = max_int(w_out, (int)strlen(t.out));
	}
	for (size_t i = 0; i < n; i++) {
		const struct status_row *row = &rows[i];
		const struct check_verdict *v = &r->verdicts[row->verdict];

		/* Quiet: only what is wrong, as verify -q. */
		if (quiet && row->state == STATUS_UP)
			continue;
		if (!header) {
			fprintf(f, "%-*s  %-*s  %-8s  %-*s  %-*s  %-*s  %-*s  %-6s  %-6s  %s\n",
				w_peer, "PEER", w_remote, "REMOTE", "STATE", w_sas, "SAS", w_off,
				"OFFLOAD", w_in, "IN", w_out, "OUT", "IKE_SA", "CHILD", "CAUSE");
			header = true;
		}
		row_text(row, &t);
		fprintf(f, "%-*s  %-*s  %s%-8s%s  %-*s  %-*s  %-*s  %-*s  %-6s  %-6s  ", w_peer,
			v->peer, w_remote, v->remote, color ? state_color(row) : "",
			shown_state(row), color ? "\033[0m" : "", w_sas, t.sas, w_off, t.offload,
			w_in, t.in, w_out, t.out, t.ike, t.child);
		print_cause(f, v, row, now);
		fputc('\n', f);
	}
	for (size_t i = 0; i < node->n; i++) {
		const struct check_line *l = &node->failed[i];

		fprintf(f, "(node) %s: found %s, expected %s", l->item, l->found, l->expected);
		if (l->fix[0])
			fprintf(f, "; fix: %s", l->fix);
		fputc('\n', f);
	}
	if (quiet && s.state[STATUS_UP] == n && !node->n && !r->n_fail)
		return;
	fprintf(f, "%zu peer%s: %zu up, %zu degraded, %zu guarded, %zu down", s.peers,
		s.peers == 1 ? "" : "s", s.state[STATUS_UP], s.state[STATUS_DEGRADED],
		s.state[STATUS_GUARDED], s.state[STATUS_DOWN]);
	if (s.critical)
		fprintf(f, ", VXLAN UNENCRYPTED with %zu", s.critical);
	if (s.failed_checks)
		fprintf(f, "; %zu failed check%s ('ewoe verify' names each, with its fix)",
			s.failed_checks, s.failed_checks == 1 ? "" : "s");
	fputc('\n', f);
}

/* ---- JSON ---- */

static void json_str_or_null(FILE *f, const char *s)
{
	if (s && s[0])
		ewoe_json_str(f, s);
	else
		fputs("null", f);
}

static void json_age(FILE *f, long s)
{
	if (s < 0)
		fputs("null", f);
	else
		fprintf(f, "%ld", s);
}

static void row_json(FILE *f, const struct check_report *r, const struct status_row *row,
		     time_t now)
{
	const struct check_verdict *v = &r->verdicts[row->verdict];
	bool up = row->state == STATUS_UP;

	fputs("    {\n      \"peer\": ", f);
	ewoe_json_str(f, v->peer);
	fputs(",\n      \"remote\": ", f);
	ewoe_json_str(f, v->remote);
	fprintf(f, ",\n      \"state\": \"%s\",\n      \"critical\": %s,\n",
		status_state_name(row->state), row->critical ? "true" : "false");
	fprintf(f, "      \"sas\": %d,\n      \"sas_extra\": %d,\n      \"offload\": ", row->sas,
		row->sas_extra);
	json_str_or_null(f, row->offload);
	fputs(",\n      \"offload_device\": ", f);
	json_str_or_null(f, row->offload_dev);
	fprintf(f,
		",\n      \"in\": { \"bytes\": %" PRIu64 ", \"packets\": %" PRIu64 " },\n"
		"      \"out\": { \"bytes\": %" PRIu64 ", \"packets\": %" PRIu64 " },\n"
		"      \"ike\": ",
		row->bytes_in, row->packets_in, row->bytes_out, row->packets_out);
	if (row->ike_known) {
		fprintf(f, "{ \"established\": %s, \"children\": %d, \"ike_sa_age_seconds\": ",
			row->ike_up ? "true" : "false", row->children);
		json_age(f, row->ike_age_s);
		fputs(", \"child_sa_age_seconds\": ", f);
		json_age(f, row->child_age_s);
		fputs(" }", f);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n      \"failed_checks\": %zu,\n      \"cause\": ", row->failed_checks);
	json_str_or_null(f, up ? NULL : v->cause);
	fputs(",\n      \"fix\": ", f);
	json_str_or_null(f, up ? NULL : v->fix);
	fputs(",\n      \"last_failure\": ", f);
	if (row->failure) {
		fputs("{ \"text\": ", f);
		ewoe_json_str(f, row->failure);
		fprintf(f, ", \"age_seconds\": %ld }", age_of(row->failure_when, now));
	} else {
		fputs("null", f);
	}
	fputs("\n    }", f);
}

void status_json(FILE *f, const struct check_report *r, const struct status_row *rows, size_t n,
		 const struct status_node *node, time_t now)
{
	struct status_summary s;

	status_summarize(rows, n, r, &s);
	fputs("{\n  \"schema\": ", f);
	ewoe_json_str(f, STATUS_SCHEMA);
	fputs(",\n  \"expect_offload\": ", f);
	ewoe_json_str(f, ewoe_offload_name(r->expect));
	fputs(",\n  \"tunnels\": [", f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", f);
		row_json(f, r, &rows[i], now);
	}
	fputs(n ? "\n  ],\n  \"node\": [" : "],\n  \"node\": [", f);
	for (size_t i = 0; i < node->n; i++) {
		const struct check_line *l = &node->failed[i];

		fputs(i ? ",\n    { \"item\": " : "\n    { \"item\": ", f);
		ewoe_json_str(f, l->item);
		fputs(", \"found\": ", f);
		ewoe_json_str(f, l->found);
		fputs(", \"expected\": ", f);
		ewoe_json_str(f, l->expected);
		fputs(", \"fix\": ", f);
		json_str_or_null(f, l->fix);
		fputs(" }", f);
	}
	fprintf(f,
		"%s],\n  \"summary\": {\n    \"peers\": %zu,\n    \"up\": %zu,\n"
		"    \"degraded\": %zu,\n    \"guarded\": %zu,\n    \"down\": %zu,\n"
		"    \"critical\": %zu,\n    \"failed_checks\": %zu\n  },\n",
		node->n ? "\n  " : "", s.peers, s.state[STATUS_UP], s.state[STATUS_DEGRADED],
		s.state[STATUS_GUARDED], s.state[STATUS_DOWN], s.critical, s.failed_checks);
	/* Out of memory cut the checks short: the counts cannot tell ok from problems. */
	if (r->oom)
		fputs("  \"result\": \"error\",\n  \"error\": \"out of memory\"\n}\n", f);
	else
		fprintf(f, "  \"result\": \"%s\"\n}\n",
			status_exit(r, rows, n, node) == EXIT_OK ? "ok" : "problems");
}

void status_error_json(FILE *f, const char *error)
{
	fputs("{\n  \"schema\": ", f);
	ewoe_json_str(f, STATUS_SCHEMA);
	fputs(",\n  \"result\": \"error\",\n  \"error\": ", f);
	ewoe_json_str(f, error);
	fputs("\n}\n", f);
}

/* ---- metrics ---- */

int status_parse_xfrm_stat(const char *text, struct xfrm_stat_counter *out, size_t max)
{
	size_t n = 0;

	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);
		char line[128], name[64];
		unsigned long long v;
		char extra;

		if (len >= sizeof(line))
			return -EINVAL;
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (eol ? 1 : 0);
		if (!line[strspn(line, " \t")])
			continue;
		if (sscanf(line, "%63s %llu %c", name, &v, &extra) != 2 ||
		    strlen(name) >= sizeof(out->name))
			return -EINVAL;
		if (n == max)
			continue; /* a kernel with more counters than we know of: the first max */
		memcpy(out[n].name, name, strlen(name) + 1); /* fits: checked above */
		out[n++].value = v;
	}
	return (int)n;
}

/* A label value in the exposition format: backslash, quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
	putc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{peer="...",remote="..." and up to two labels more, NULL for none} */
static void peer_sample2(FILE *f, const char *name, const struct check_verdict *v,
			 const char *label, const char *value, const char *label2,
			 const char *value2)
{
	fputs(name, f);
	fputs("{peer=", f);
	label_value(f, v->peer);
	fputs(",remote=", f);
	label_value(f, v->remote);
	if (label) {
		fprintf(f, ",%s=", label);
		label_value(f, value);
	}
	if (label2) {
		fprintf(f, ",%s=", label2);
		label_value(f, value2);
	}
	fputs("} ", f);
}

static void peer_sample(FILE *f, const char *name, const struct check_verdict *v, const char *label,
			const char *value)
{
	peer_sample2(f, name, v, label, value, NULL, NULL);
}

/* Whether a family has a sample at all: one without is left out, HELP and TYPE too. */
static bool has_offload(const struct status_row *row)
{
	return row->offload[0];
}

static bool has_ike(const struct status_row *row)
{
	return row->ike_known;
}

static bool has_ike_age(const struct status_row *row)
{
	return row->ike_age_s >= 0;
}

static bool has_child_age(const struct status_row *row)
{
	return row->child_age_s >= 0;
}

static bool has_failure(const struct status_row *row)
{
	return row->failure;
}

static bool any_row(const struct metrics_input *in, bool (*has)(const struct status_row *))
{
	for (size_t i = 0; i < in->n; i++) {
		if (has(&in->rows[i]))
			return true;
	}
	return false;
}

/* The verdict of a row. */
#define VERDICT(in, i) (&(in)->r->verdicts[(in)->rows[i].verdict])

/* A value of a tunnel's row, for its metric families below. */
enum row_value {
	V_UP,
	V_STATE,   /* one sample per state, 1 for the tunnel's */
	V_OFFLOAD, /* an info family: mode and device as labels */
	V_UNENCRYPTED,
	V_SAS,
	V_SAS_EXTRA,
	V_CHILDREN,
	V_IKE_ESTABLISHED,
	V_CHILD_INSTALLED,
	V_FAILURE_WHEN,
	V_FAILED_CHECKS,
	V_BYTES_IN,
	V_BYTES_OUT,
	V_PACKETS_IN,
	V_PACKETS_OUT,
};

static uint64_t row_value(const struct status_row *row, enum row_value v, time_t now)
{
	switch (v) {
	case V_UP:
		return row->state == STATUS_UP;
	case V_UNENCRYPTED:
		return row->critical;
	case V_SAS:
		return (uint64_t)row->sas;
	case V_SAS_EXTRA:
		return (uint64_t)row->sas_extra;
	case V_CHILDREN:
		return (uint64_t)row->children;
	case V_IKE_ESTABLISHED:
		return (uint64_t)(now - row->ike_age_s);
	case V_CHILD_INSTALLED:
		return (uint64_t)(now - row->child_age_s);
	case V_FAILURE_WHEN:
		return (uint64_t)row->failure_when;
	case V_FAILED_CHECKS:
		return row->failed_checks;
	case V_BYTES_IN:
		return row->bytes_in;
	case V_BYTES_OUT:
		return row->bytes_out;
	case V_PACKETS_IN:
		return row->packets_in;
	case V_PACKETS_OUT:
		return row->packets_out;
	case V_STATE:
	case V_OFFLOAD:
		break;
	}
	return 0;
}

/*
 * Each per-tunnel family, in the order they are written. has: which tunnels have a sample
 * (NULL: all; a family no tunnel has is left out). value_out set: one sample per direction.
 */
struct tunnel_metric_family {
	const char *name, *type, *help;
	bool (*has)(const struct status_row *row);
	enum row_value value, value_out;
};

static const struct tunnel_metric_family tunnel_families[] = {
	{ "ewoe_tunnel_up", "gauge",
	  "1 when the tunnel is up: its 4 SAs, their policies and its guard in place.", NULL, V_UP,
	  V_UP },
	{ "ewoe_tunnel_state", "gauge",
	  "The tunnel's state: 1 for the one it is in, 0 for the others (guarded: down, and ewoe's "
	  "guard blocks its VXLAN both ways).",
	  NULL, V_STATE, V_STATE },
	{ "ewoe_tunnel_unencrypted", "gauge",
	  "1 when VXLAN to or from the peer passes unencrypted: neither an IPsec policy nor the "
	  "guard.",
	  NULL, V_UNENCRYPTED, V_UNENCRYPTED },
	{ "ewoe_tunnel_sas_installed", "gauge",
	  "The tunnel's ESP SAs in the kernel, of the 4 it needs.", NULL, V_SAS, V_SAS },
	{ "ewoe_tunnel_sas_extra", "gauge",
	  "ESP SAs between the tunnel's addresses beyond its 4 (a rekey in progress, or a killed "
	  "charon's).",
	  NULL, V_SAS_EXTRA, V_SAS_EXTRA },
	{ "ewoe_tunnel_offload_info", "gauge",
	  "The offload of the tunnel's SAs (packet, crypto, none, mixed) and its device; absent "
	  "without SAs.",
	  has_offload, V_OFFLOAD, V_OFFLOAD },
	{ "ewoe_tunnel_child_sas_installed", "gauge",
	  "CHILD_SAs charon has INSTALLED for the tunnel, of 2; absent when charon did not answer.",
	  has_ike, V_CHILDREN, V_CHILDREN },
	{ "ewoe_tunnel_ike_sa_established_timestamp_seconds", "gauge",
	  "When the tunnel's IKE_SA was established (Unix time); absent without one.", has_ike_age,
	  V_IKE_ESTABLISHED, V_IKE_ESTABLISHED },
	{ "ewoe_tunnel_child_sa_installed_timestamp_seconds", "gauge",
	  "When the tunnel's newest CHILD_SA was installed (Unix time): its last rekey.",
	  has_child_age, V_CHILD_INSTALLED, V_CHILD_INSTALLED },
	{ "ewoe_tunnel_last_failure_timestamp_seconds", "gauge",
	  "When ewoe setup last recorded an IKE failure for the peer (Unix time); absent once it "
	  "came up.",
	  has_failure, V_FAILURE_WHEN, V_FAILURE_WHEN },
	{ "ewoe_tunnel_failed_checks", "gauge", "Checks of ewoe verify that failed for the tunnel.",
	  NULL, V_FAILED_CHECKS, V_FAILED_CHECKS },
	{ "ewoe_tunnel_esp_bytes_total", "counter",
	  "Bytes carried by the tunnel's ESP SAs now in the kernel, by direction; restarts from 0 "
	  "with each rekey.",
	  NULL, V_BYTES_IN, V_BYTES_OUT },
	{ "ewoe_tunnel_esp_packets_total", "counter",
	  "Packets carried by the tunnel's ESP SAs now in the kernel, by direction; restarts from "
	  "0 "
	  "with each rekey.",
	  NULL, V_PACKETS_IN, V_PACKETS_OUT },
};

static void tunnel_sample(FILE *f, const struct metrics_input *in, size_t i,
			  const struct tunnel_metric_family *m)
{
	const struct status_row *row = &in->rows[i];

	if (m->value == V_STATE) {
		for (int st = STATUS_N - 1; st >= 0; st--) {
			peer_sample(f, m->name, VERDICT(in, i), "state", status_state_name(st));
			fprintf(f, "%d\n", (int)row->state == st);
		}
	} else if (m->value == V_OFFLOAD) {
		peer_sample2(f, m->name, VERDICT(in, i), "mode", row->offload, "device",
			     row->offload_dev);
		fputs("1\n", f);
	} else if (m->value_out != m->value) {
		peer_sample(f, m->name, VERDICT(in, i), "direction", "in");
		fprintf(f, "%" PRIu64 "\n", row_value(row, m->value, in->now));
		peer_sample(f, m->name, VERDICT(in, i), "direction", "out");
		fprintf(f, "%" PRIu64 "\n", row_value(row, m->value_out, in->now));
	} else {
		peer_sample(f, m->name, VERDICT(in, i), NULL, NULL);
		fprintf(f, "%" PRIu64 "\n", row_value(row, m->value, in->now));
	}
}

static void tunnel_family(FILE *f, const struct metrics_input *in,
			  const struct tunnel_metric_family *m)
{
	if (m->has && !any_row(in, m->has))
		return;
	family(f, m->name, m->type, m->help);
	for (size_t i = 0; i < in->n; i++)
		if (!m->has || m->has(&in->rows[i]))
			tunnel_sample(f, in, i, m);
}

void status_metrics(FILE *f, const struct metrics_input *in)
{
	struct status_summary s;

	status_summarize(in->rows, in->n, in->r, &s);
	family(f, "ewoe_build_info", "gauge", "The ewoe that wrote these metrics (always 1).");
	fprintf(f, "ewoe_build_info{version=\"%s\"} 1\n", EWOE_VERSION);

	family(f, "ewoe_daemon_up", "gauge",
	       "Whether the daemon answered (ovsdb: the Open vSwitch database; charon: "
	       "strongSwan's VICI socket).");
	fprintf(f, "ewoe_daemon_up{daemon=\"ovsdb\"} %d\n", in->db_answered);
	fprintf(f, "ewoe_daemon_up{daemon=\"charon\"} %d\n", in->ike_answered);

	if (in->setup_ok) {
		family(f, "ewoe_setup_last_success_timestamp_seconds", "gauge",
		       "When ewoe setup last exited 0 on this node since boot (Unix time).");
		fprintf(f, "ewoe_setup_last_success_timestamp_seconds %lld\n",
			(long long)in->setup_ok_when);
	}

	family(f, "ewoe_verify_failed_checks", "gauge",
	       "Checks of ewoe verify that failed, the node's and every tunnel's.");
	fprintf(f, "ewoe_verify_failed_checks %zu\n", s.failed_checks);
	family(f, "ewoe_node_failed_checks", "gauge",
	       "Node-wide checks that failed: the PF, the representor, the underlay address, the "
	       "MTU.");
	fprintf(f, "ewoe_node_failed_checks %zu\n", in->node->n);

	family(f, "ewoe_tunnels", "gauge", "Tunnels by state (up, degraded, guarded, down).");
	for (int st = STATUS_N - 1; st >= 0; st--)
		fprintf(f, "ewoe_tunnels{state=\"%s\"} %zu\n", status_state_name(st), s.state[st]);

	for (size_t k = 0; in->n && k < sizeof(tunnel_families) / sizeof(tunnel_families[0]); k++)
		tunnel_family(f, in, &tunnel_families[k]);
	if (!in->n_xfrm)
		return;
	family(f, "ewoe_xfrm_errors_total", "counter",
	       "The kernel's IPsec error counters (/proc/net/xfrm_stat) of this network namespace, "
	       "by the kernel's name.");
	for (size_t i = 0; i < in->n_xfrm; i++) {
		fputs("ewoe_xfrm_errors_total{error=", f);
		label_value(f, in->xfrm[i].name);
		fprintf(f, "} %" PRIu64 "\n", in->xfrm[i].value);
	}
}
