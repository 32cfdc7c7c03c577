/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every ewoe command shares: global options, exit codes, diagnostics. */
#ifndef EWOE_H
#define EWOE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define EWOE_VERSION "0.1.0"

enum ewoe_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* the command could not do its job */
	EXIT_USAGE = 2,	  /* bad command line or bad input, nothing changed */
	EXIT_PROBLEMS = 3 /* verify ran and found problems */
};

struct ewoe_opts {
	const char *db;	  /* OVSDB remote, e.g. unix:/var/run/openvswitch/db.sock */
	const char *vici; /* VICI URI, e.g. unix:///var/run/charon.vici */
	const char *root; /* prefix for files and sysfs (tests use a fixture tree) */
	int timeout_ms;	  /* deadline for waits on ovs-vswitchd and IKE */
	bool dry_run;
	bool json;
	int verbosity; /* -1 quiet, 0 normal, 1+ debug */
};

extern struct ewoe_opts ewoe_opts;

/* "ewoe: <what>: <why>" on stderr; print once where the context is known. */
void ewoe_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ewoe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "  hint: ..." after an error, telling the user how to fix it. */
void ewoe_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress on stderr, silenced by -q. */
void ewoe_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A change made, or under --dry-run one that would be made ("dry-run: " in front): on stdout,
 * in order, so that a dry-run prints the plan. Under --json stdout holds the command's
 * document: the line goes to stderr, or into the document while one is recorded (below).
 * ewoe_action() is ewoe_change(EWOE_CHANGED, NULL, NULL, ...).
 */
void ewoe_action(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a command found (not a change) on stdout; under --json, which keeps stdout for the
 * command's document, on stderr. */
void ewoe_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a change does to its object (the "kind" of an action in ewoe-setup/1). */
enum ewoe_change_kind { EWOE_CREATED, EWOE_CHANGED, EWOE_REMOVED };
const char *ewoe_change_kind_name(enum ewoe_change_kind kind); /* "created", ... */
/*
 * The same, saying what it does to which object: type is the kind of object ("ovs-bridge",
 * "xfrm-sa", ...; docs/setup-json.md lists them), object names it. Either may be NULL.
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
	char *text;	     /* the line ewoe_action would have printed, without "dry-run: " */
};
void ewoe_record_start(void);
void ewoe_record_stop(void);
bool ewoe_recording(void);
const struct ewoe_record_action *ewoe_record_actions(size_t *n);
/* Each line as printed on stderr ("ewoe: ...", "ewoe: warning: ...", "hint: ..."). */
char *const *ewoe_record_errors(size_t *n);
/* Memory ran out while recording: something was lost. */
bool ewoe_record_oom(void);
/* s as a JSON string (RFC 8259), or null when s is NULL. */
void ewoe_json_str(FILE *f, const char *s);
/* One line rewritten in place while waiting, on a terminal only; cleared by _done(). */
void ewoe_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ewoe_progress_done(void);
/* Only with -v. */
void ewoe_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Printed by a command's own parser for `ewoe <cmd> --help` or bad options. */
struct ewoe_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;	    /* options text shown by `ewoe help <cmd>` */
	const struct ewoe_cmd *sub; /* nested table (tunnel psk|cert|ca), NULL-name terminated */
	unsigned int flags;	    /* EWOE_CMD_*, read from the top-level table only */
};

/*
 * The command changes the node: main() runs it only while holding the node's lock
 * (include/lock.h), so that two at once never build on the same snapshot. Not under --dry-run,
 * which only reads and must not wait behind a long setup to print its plan.
 */
#define EWOE_CMD_LOCK 0x1u

/* Look up argv[0] in a table; prints usage and returns NULL when unknown. */
const struct ewoe_cmd *ewoe_cmd_find(const struct ewoe_cmd *table, const char *name);
void ewoe_cmd_usage(const struct ewoe_cmd *cmd, const char *parent, bool to_stderr);
/* Returns EXIT_USAGE after printing "ewoe <cmd>: <why>" and the command's usage. */
int ewoe_usage_error(const struct ewoe_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same for a subcommand: "ewoe tunnel psk: <why>". */
int ewoe_sub_usage_error(const char *parent, const struct ewoe_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse an unsigned number in [min, max]; 0 or -EINVAL. */
int ewoe_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * The exit code for a failed check of the input (config, files, credentials): EXIT_FAIL when
 * ewoe itself failed (-ENOMEM, or -ELIBACC: a library could not be loaded), else EXIT_USAGE.
 */
int ewoe_check_exit(int err);

/* Room for element n of *arr, which holds *cap of elem bytes, doubling it when full: 0 or
 * -ENOMEM (*arr is then unchanged). */
int ewoe_grow(void **arr, size_t elem, size_t n, size_t *cap);

/* A function of a library opened at run time, and where its pointer goes in a table struct. */
struct ewoe_symbol {
	const char *name;
	size_t offset;
};

/*
 * Open the library at path and fill each member of table from its symbol. Returns the
 * handle, or NULL after printing "cannot load <what>: ..." or the symbol it lacks.
 */
void *ewoe_dlopen(const char *path, const char *what, const struct ewoe_symbol *symbols,
		  size_t n_symbols, void *table);

#endif
