// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf, vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ewoe.h"
#include "log.h"

static bool progress_shown;

/* What ewoe_record_start() keeps for a command's JSON document instead of printing it. */
static struct {
	bool on, oom;
	struct ewoe_record_action *actions;
	size_t n_actions, cap_actions;
	char **errors;
	size_t n_errors, cap_errors;
} rec;

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		rec.oom = true;
		return NULL;
	}
	return s;
}

static void record_error(const char *prefix, const char *fmt, va_list ap)
{
	char *line = vformat(fmt, ap), *full = NULL;

	prefix += strspn(prefix, " "); /* "  hint: " is indented for a terminal only */
	if (line && asprintf(&full, "%s%s", prefix, line) < 0) {
		full = NULL;
		rec.oom = true;
	}
	free(line);
	if (full &&
	    ewoe_grow((void **)&rec.errors, sizeof(*rec.errors), rec.n_errors, &rec.cap_errors)) {
		rec.oom = true;
		free(full);
		return;
	}
	if (full)
		rec.errors[rec.n_errors++] = full;
}

static void vprint(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	ewoe_progress_done(); /* a message never lands in the middle of a progress line */
	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

/* keep: the line also goes into the recorded document's errors (errors, warnings, hints). */
#define EWOE_PRINTER(fn, prefix, cond, keep)                                                       \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		if (!(cond))                                                                       \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		vprint(stderr, prefix, fmt, ap);                                                   \
		va_end(ap);                                                                        \
		if (!(keep) || !rec.on)                                                            \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		record_error(prefix, fmt, ap);                                                     \
		va_end(ap);                                                                        \
	}

EWOE_PRINTER(ewoe_err, "ewoe: ", 1, 1)
EWOE_PRINTER(ewoe_warn, "ewoe: warning: ", 1, 1)
EWOE_PRINTER(ewoe_hint, "  hint: ", 1, 1)
EWOE_PRINTER(ewoe_info, "", ewoe_opts.verbosity >= 0, 0)
EWOE_PRINTER(ewoe_debug, "ewoe: debug: ", ewoe_opts.verbosity > 0, 0)

static const char *const kind_names[] = { "created", "changed", "removed" };

const char *ewoe_change_kind_name(enum ewoe_change_kind kind)
{
	return kind_names[kind];
}

static void vchange(enum ewoe_change_kind kind, const char *type, const char *object,
		    const char *fmt, va_list ap)
{
	struct ewoe_record_action *a;
	FILE *f = ewoe_opts.json ? stderr : stdout; /* stdout holds the command's document */

	if (!rec.on) {
		ewoe_progress_done();
		if (ewoe_opts.dry_run)
			fputs("dry-run: ", f);
		vfprintf(f, fmt, ap);
		fputc('\n', f);
		fflush(f);
		return;
	}
	if (ewoe_grow((void **)&rec.actions, sizeof(*rec.actions), rec.n_actions,
		      &rec.cap_actions)) {
		rec.oom = true;
		return;
	}
	a = &rec.actions[rec.n_actions];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->text = vformat(fmt, ap);
	a->type = type ? strdup(type) : NULL;
	a->object = object ? strdup(object) : NULL;
	if (!a->text || (type && !a->type) || (object && !a->object)) {
		rec.oom = true;
		free(a->text);
		free(a->type);
		free(a->object);
		return;
	}
	rec.n_actions++;
}

void ewoe_change(enum ewoe_change_kind kind, const char *type, const char *object, const char *fmt,
		 ...)
{
	va_list ap;

	va_start(ap, fmt);
	vchange(kind, type, object, fmt, ap);
	va_end(ap);
}

void ewoe_report(const char *fmt, ...)
{
	/* Under --dry-run stdout is the plan and nothing else: `ewoe -n setup > plan.txt`. */
	FILE *f = ewoe_opts.json || ewoe_opts.dry_run ? stderr : stdout;
	va_list ap;

	ewoe_progress_done();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void ewoe_record_start(void)
{
	ewoe_record_stop();
	rec.on = true;
}

const struct ewoe_record_action *ewoe_record_actions(size_t *n)
{
	*n = rec.n_actions;
	return rec.actions;
}

char *const *ewoe_record_errors(size_t *n)
{
	*n = rec.n_errors;
	return rec.errors;
}

bool ewoe_record_oom(void)
{
	return rec.oom;
}

void ewoe_record_stop(void)
{
	for (size_t i = 0; i < rec.n_actions; i++) {
		free(rec.actions[i].type);
		free(rec.actions[i].object);
		free(rec.actions[i].text);
	}
	for (size_t i = 0; i < rec.n_errors; i++)
		free(rec.errors[i]);
	free(rec.actions);
	free(rec.errors);
	memset(&rec, 0, sizeof(rec));
}

/*
 * A JSON string (RFC 8259): only the quote, the backslash and control characters need
 * escaping. Other bytes go through as they are, in runs, so a plain string is one fwrite.
 */
void ewoe_json_str(FILE *f, const char *s)
{
	const char *run = s;

	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(run, 1, (size_t)(s - run), f);
		if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else {
			putc('\\', f);
			putc(c, f);
		}
		run = s + 1;
	}
	fwrite(run, 1, (size_t)(s - run), f);
	putc('"', f);
}

void ewoe_json_result(const struct ewoe_json_field *fields, size_t n)
{
	putchar('{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		ewoe_json_str(stdout, fields[i].name);
		putchar(':');
		if (fields[i].str)
			ewoe_json_str(stdout, fields[i].str);
		else
			fputs(fields[i].flag ? "true" : "false", stdout);
	}
	fputs("}\n", stdout);
}

void ewoe_progress(const char *fmt, ...)
{
	va_list ap;

	if (ewoe_opts.verbosity < 0 || !isatty(STDERR_FILENO))
		return;
	fputs("\r", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	progress_shown = true;
}

void ewoe_progress_done(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
}
