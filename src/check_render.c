// SPDX-License-Identifier: GPL-2.0-or-later
/* verify's report as the table a person reads and as the documented JSON (docs/verify.md). */
#define _GNU_SOURCE /* fwrite_unlocked */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"

static const char *status_name(enum check_status s)
{
	return s == CHECK_OK ? "ok" : s == CHECK_FAIL ? "FAIL" : "skipped";
}

static int width(int cur, const char *s)
{
	int n = (int)strlen(s);

	return n > cur ? n : cur;
}

void check_widths_fit(struct check_widths *w, const struct check_report *r)
{
	const int found_max = 48;

	if (!w->peer) {
		w->peer = (int)strlen("TUNNEL");
		w->item = (int)strlen("CHECK");
		w->found = (int)strlen("FOUND");
	}
	for (size_t i = 0; i < r->n; i++) {
		w->peer = width(w->peer, r->lines[i].peer);
		w->item = width(w->item, r->lines[i].item);
		w->found = width(w->found, r->lines[i].found);
	}
	if (w->found > found_max)
		w->found = found_max;
}

void check_report_print_header(FILE *f, const struct check_widths *w)
{
	fprintf(f, "%-*s  %-8s  %-15s  %s\n", w->peer, "TUNNEL", "STATE", "REMOTE", "CAUSE");
}

/*
 * One line, built in memory and written with one call: a report has some 40 lines per peer,
 * thousands of peers on a big node, and fprintf's format parsing (then a stdio call per
 * column) was most of the output's cost.
 */
struct line_buf {
	char s[1400]; /* the longest line (a verdict's cause and fix, padding) is under 1100 */
	size_t len;
};

static void put(struct line_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(b->s) - b->len)
		n = sizeof(b->s) - b->len;
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

/* s, then spaces up to width. */
static void put_column(struct line_buf *b, const char *s, int width)
{
	size_t start = b->len, pad;

	put(b, s);
	pad = (size_t)width > b->len - start ? (size_t)width - (b->len - start) : 0;
	if (pad > sizeof(b->s) - b->len)
		pad = sizeof(b->s) - b->len;
	memset(b->s + b->len, ' ', pad);
	b->len += pad;
}

static void put_colored(struct line_buf *b, const char *s, const char *color, bool use, int w)
{
	if (use)
		put(b, color);
	put_column(b, s, w);
	if (use)
		put(b, "\033[0m");
}

/* The checks under a tunnel's headline, indented to its cause column. */
void check_report_print_lines(const struct check_report *r, FILE *f, bool color,
			      const struct check_widths *w, bool all)
{
	struct line_buf b;

	for (size_t i = 0; i < r->n; i++) {
		const struct check_line *l = &r->lines[i];
		bool failed = l->status == CHECK_FAIL;

		if (!all && !failed)
			continue;
		b.len = 0;
		put_column(&b, "", w->peer + 2);
		put_column(&b, l->item, w->item);
		put(&b, "  ");
		put_colored(&b,
			    l->critical ? "CRITICAL"
			    : failed	? "FAIL"
					: status_name(l->status),
			    failed		    ? "\033[1;31m"
			    : l->status == CHECK_OK ? "\033[32m"
						    : "\033[33m",
			    color, 8);
		put(&b, "  ");
		put_column(&b, l->found, w->found);
		put(&b, "  expected ");
		put(&b, l->expected);
		put(&b, "\n");
		/* Under a headline, its fix is the one to read; --all shows each line's own. */
		if (l->fix[0] && failed && all) {
			put_column(&b, "", w->peer + 2 + w->item + 2);
			put(&b, "fix: ");
			put(&b, l->fix);
			put(&b, "\n");
		}
		fwrite_unlocked(b.s, 1, b.len, f);
	}
}

void check_report_print_verdict(const struct check_verdict *v, FILE *f, bool color,
				const struct check_widths *w)
{
	static const char *const shown[] = { "up", "DEGRADED", "DOWN" };
	static const char *const colors[] = { "\033[32m", "\033[33m", "\033[1;31m" };
	struct line_buf b = { .len = 0 };

	put_column(&b, v->peer[0] ? v->peer : "-", w->peer);
	put(&b, "  ");
	put_colored(&b, v->critical ? "CRITICAL" : shown[v->state],
		    v->critical ? colors[TUNNEL_DOWN] : colors[v->state], color, 8);
	put(&b, "  ");
	put_column(&b, v->remote[0] ? v->remote : "-", 15);
	put(&b, "  ");
	put(&b, v->cause);
	put(&b, "\n");
	if (v->state != TUNNEL_UP && v->fix[0]) {
		put_column(&b, "", w->peer + 2);
		put(&b, "fix: ");
		put(&b, v->fix);
		put(&b, "\n");
	}
	fwrite_unlocked(b.s, 1, b.len, f);
}

void check_report_print_summary(const struct check_report *r, FILE *f)
{
	if (r->n_verdicts)
		fprintf(f, "%zu tunnel%s: %zu up, %zu degraded, %zu down%s\n", r->n_verdicts,
			r->n_verdicts == 1 ? "" : "s", r->n_state[TUNNEL_UP],
			r->n_state[TUNNEL_DEGRADED], r->n_state[TUNNEL_DOWN],
			r->n_critical ? ", VXLAN UNENCRYPTED on some" : "");
	fprintf(f, "%zu ok, %zu failed, %zu skipped\n", r->n_ok, r->n_fail, r->n_skip);
}

void check_report_print(const struct check_report *r, FILE *f, bool color)
{
	struct check_widths w = { 0 };

	check_widths_fit(&w, r);
	check_report_print_header(f, &w);
	for (size_t i = 0; i < r->n_verdicts; i++)
		check_report_print_verdict(&r->verdicts[i], f, color, &w);
	check_report_print_lines(r, f, color, &w, true);
	check_report_print_summary(r, f);
}

static void json_str_or_null(FILE *f, const char *s)
{
	if (s && s[0])
		ewoe_json_str(f, s);
	else
		fputs("null", f);
}

static const char *status_json(enum check_status s)
{
	return s == CHECK_OK ? "\"ok\"" : s == CHECK_FAIL ? "\"fail\"" : "\"skipped\"";
}

/* Two-space indent and one key per line, so that a person can read and diff it too. */
static void line_json(const struct check_line *l, FILE *f)
{
	fputs("    {\n      \"peer\": ", f);
	json_str_or_null(f, l->peer);
	fputs(",\n      \"category\": ", f);
	ewoe_json_str(f, l->category);
	fputs(",\n      \"item\": ", f);
	ewoe_json_str(f, l->item);
	fputs(",\n      \"status\": ", f);
	fputs(status_json(l->status), f);
	fputs(",\n      \"severity\": ", f);
	fputs(l->status != CHECK_FAIL ? "null" : l->critical ? "\"critical\"" : "\"error\"", f);
	fputs(",\n      \"found\": ", f);
	ewoe_json_str(f, l->found);
	fputs(",\n      \"expected\": ", f);
	ewoe_json_str(f, l->expected);
	fputs(",\n      \"fix\": ", f);
	json_str_or_null(f, l->status == CHECK_FAIL ? l->fix : NULL);
	if (l->has_sa)
		fprintf(f,
			",\n      \"sa\": {\n        \"spi\": \"0x%08x\",\n        \"packets\": "
			"%" PRIu64 ",\n        \"bytes\": %" PRIu64 "\n      }",
			l->spi, l->packets, l->bytes);
	fputs("\n    }", f);
}

void check_report_json_begin(const struct check_report *r, FILE *f)
{
	fputs("{\n  \"schema\": ", f);
	ewoe_json_str(f, CHECK_SCHEMA);
	fputs(",\n  \"expect_offload\": ", f);
	ewoe_json_str(f, ewoe_offload_name(r->expect));
	fputs(",\n  \"checks\": [", f);
}

void check_report_json_lines(struct check_report *r, FILE *f)
{
	for (size_t i = 0; i < r->n; i++) {
		fputs(r->n_json++ ? ",\n" : "\n", f);
		line_json(&r->lines[i], f);
	}
}

static const char *const state_names[] = { "up", "degraded", "down" };

static void verdict_json(const struct check_verdict *v, FILE *f)
{
	fputs("    {\n      \"peer\": ", f);
	ewoe_json_str(f, v->peer);
	fputs(",\n      \"remote\": ", f);
	ewoe_json_str(f, v->remote);
	fprintf(f, ",\n      \"state\": \"%s\",\n      \"critical\": %s,\n      \"cause\": ",
		state_names[v->state], v->critical ? "true" : "false");
	json_str_or_null(f, v->state == TUNNEL_UP ? NULL : v->cause);
	fputs(",\n      \"fix\": ", f);
	json_str_or_null(f, v->state == TUNNEL_UP ? NULL : v->fix);
	fputs("\n    }", f);
}

void check_report_json_end(const struct check_report *r, FILE *f)
{
	fputs("\n  ],\n  \"tunnels\": [", f);
	for (size_t i = 0; i < r->n_verdicts; i++) {
		fputs(i ? ",\n" : "\n", f);
		verdict_json(&r->verdicts[i], f);
	}
	fprintf(f,
		"\n  ],\n  \"summary\": {\n    \"ok\": %zu,\n    \"failed\": %zu,\n"
		"    \"skipped\": %zu,\n    \"critical\": %zu,\n    \"up\": %zu,\n"
		"    \"degraded\": %zu,\n    \"down\": %zu\n  },\n",
		r->n_ok, r->n_fail, r->n_skip, r->n_critical, r->n_state[TUNNEL_UP],
		r->n_state[TUNNEL_DEGRADED], r->n_state[TUNNEL_DOWN]);
	/* Out of memory dropped lines: the counts cannot tell ok from problems. */
	if (r->oom)
		fputs("  \"result\": \"error\",\n  \"error\": \"out of memory\"\n}\n", f);
	else
		fprintf(f, "  \"result\": \"%s\"\n}\n", r->n_fail ? "problems" : "ok");
}

void check_error_json(FILE *f, const char *error)
{
	fputs("{\n  \"schema\": ", f);
	ewoe_json_str(f, CHECK_SCHEMA);
	fputs(",\n  \"result\": \"error\",\n  \"error\": ", f);
	ewoe_json_str(f, error);
	fputs("\n}\n", f);
}
