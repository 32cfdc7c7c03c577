/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics and the output contract (src/log.c): errors, warnings and hints on stderr,
 * changes made or planned on stdout through one function, and the recording that puts them
 * into a command's JSON document instead.
 */
#ifndef EWOE_LOG_H
#define EWOE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* "ewoe: <what>: <why>" on stderr; print once where the context is known. */
void ewoe_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ewoe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "  hint: ..." after an error, telling the user how to fix it. */
void ewoe_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress on stderr, silenced by -q. */
void ewoe_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a command found (not a change) on stdout; under --json, which keeps stdout for the
 * command's document, and under --dry-run, which keeps it for the plan, on stderr. */
void ewoe_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a change does to its object (the "kind" of an action in ewoe-setup/1). */
enum ewoe_change_kind { EWOE_CREATED, EWOE_CHANGED, EWOE_REMOVED };
const char *ewoe_change_kind_name(enum ewoe_change_kind kind); /* "created", ... */
/*
 * A change made, or under --dry-run one that would be made ("dry-run: " in front): on stdout,
 * in order, so that a dry-run prints the plan. Under --json stdout holds the command's
 * document: the line goes to stderr, or into the document while one is recorded (below).
 * type is the kind of object ("ovs-bridge", "xfrm-sa", ...; docs/setup-json.md lists them),
 * object names it. Either may be NULL.
 */
void ewoe_change(enum ewoe_change_kind kind, const char *type, const char *object, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/*
 * A command that writes one JSON document (`ewoe --json setup`) records instead of printing:
 * from ewoe_record_start() on, every change is kept (not printed) and every error, warning
 * and hint is kept as well as printed on stderr, until ewoe_record_stop() frees them.
 */
struct ewoe_record_action {
	enum ewoe_change_kind kind;
	char *type, *object; /* NULL when the change did not say */
	char *text;	     /* the line ewoe_change would have printed, without "dry-run: " */
};
void ewoe_record_start(void);
void ewoe_record_stop(void);
const struct ewoe_record_action *ewoe_record_actions(size_t *n);
/* Each line as printed on stderr ("ewoe: ...", "ewoe: warning: ...", "hint: ..."). */
char *const *ewoe_record_errors(size_t *n);
/* Memory ran out while recording: something was lost. */
bool ewoe_record_oom(void);
/* s as a JSON string (RFC 8259), or null when s is NULL. */
void ewoe_json_str(FILE *f, const char *s);
/* One member of a flat result: a string, or when str is NULL, the boolean flag. */
struct ewoe_json_field {
	const char *name, *str;
	bool flag;
};
/* A command's whole --json document when it is one flat object: on stdout, one line. */
void ewoe_json_result(const struct ewoe_json_field *fields, size_t n);
/* One line rewritten in place while waiting, on a terminal only; cleared by _done(). */
void ewoe_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ewoe_progress_done(void);
/* Only with -v. */
void ewoe_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
