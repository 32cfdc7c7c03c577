/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every ewoe command shares (src/cli.c): global options, exit codes, the command table
 * and its usage errors. Diagnostics are in log.h.
 */
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

struct ewoe_cli;

/* Printed by a command's own parser for `ewoe <cmd> --help` or bad options. */
struct ewoe_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;	    /* options text shown by `ewoe help <cmd>` */
	const struct ewoe_cmd *sub; /* nested table (tunnel psk|cert|ca), NULL-name terminated */
	unsigned int flags;	    /* EWOE_CMD_*, read from the top-level table only */
	const struct ewoe_cli *cli; /* its options (include/opts.h); NULL: it takes none */
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

/* Parse an unsigned number in [min, max]; 0 or -EINVAL. */
int ewoe_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * The exit code for a failed check of the input (config, files, credentials): EXIT_FAIL when
 * ewoe itself failed (-ENOMEM, or -ELIBACC: a library could not be loaded), else EXIT_USAGE.
 */
int ewoe_check_exit(int err);

/*
 * The exit code of what the backends returned once the input was checked, the same for every
 * command that changes the node: 0 or 1 (changed) EXIT_OK, -EINVAL (input a backend refused,
 * nothing changed) EXIT_USAGE, any other error EXIT_FAIL.
 */
int ewoe_exit_code(int err);

/* Room for element n of *arr, which holds *cap of elem bytes, doubling it when full: 0 or
 * -ENOMEM (*arr is then unchanged). */
int ewoe_grow(void **arr, size_t elem, size_t n, size_t *cap);

#endif
