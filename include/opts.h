/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line as tables: each option once, with its argument, its help line and which
 * commands take it. One parser builds getopt's options from them, and the same tables print
 * each command's --help and answer the bash completion (`ewoe help --complete`), so the three
 * never drift apart.
 */
#ifndef EWOE_OPTS_H
#define EWOE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ewoe.h"

/* What a parser tells its command: go on, or stop with the exit code ewoe_parse_exit() gives. */
enum ewoe_parse {
	EWOE_PARSE_GO_ON,
	EWOE_PARSE_DONE,  /* --help was answered: exit 0 */
	EWOE_PARSE_USAGE, /* bad options, said on stderr: exit 2, nothing changed */
	EWOE_PARSE_FAIL,  /* ewoe itself failed (out of memory): exit 1 */
};
int ewoe_parse_exit(enum ewoe_parse r);

/* Which commands take an option of a shared table (ewoe_opt.only). */
enum {
	OPT_TUNNEL_PSK = 1u << 0,
	OPT_TUNNEL_CERT = 1u << 1,
	OPT_TUNNEL_CA = 1u << 2,
	OPT_TUNNEL = OPT_TUNNEL_PSK | OPT_TUNNEL_CERT | OPT_TUNNEL_CA,
	OPT_SETUP = 1u << 3,
	OPT_TEARDOWN = 1u << 4,
	OPT_VERIFY = 1u << 5, /* verify, status and metrics: which tunnels to look at */
	OPT_GUARD = 1u << 6,
	OPT_ALL = ~0u,
};

struct ewoe_opt {
	const char *name; /* the long option, without "--" */
	/*
	 * The argument's name in the help (NULL: a flag). "a|b|c" lists every value the option
	 * takes, and the completion offers them; one ending in FILE completes file names.
	 */
	const char *arg;
	const char
	    *help; /* NULL: accepted, to be refused or ignored with a reason, never offered */
	unsigned int only; /* the commands (OPT_*) that take it */
	int id;		   /* the command's own code for it */
};

/*
 * A table and what sets its options. set() gets the command's context and the option; it
 * returns 0, -ENOMEM, or -EINVAL after writing into why what is wrong, starting with the
 * option's name ("vni '7x' is out of range 0..16777215"): the parser puts "--" in front.
 */
struct ewoe_opt_group {
	const struct ewoe_opt *opts; /* NULL-name terminated */
	int (*set)(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len);
};

/* A command's (or a tunnel subcommand's) options: its groups and what it is (OPT_*). */
struct ewoe_cli {
	const struct ewoe_opt_group *groups; /* NULL-opts terminated */
	unsigned int mask;
	const char *tail; /* text after the options in --help, or NULL */
	/* After every option was set: what needs them all. EWOE_PARSE_GO_ON, or _USAGE after
	 * saying why with ewoe_cli_error(); may be NULL. */
	enum ewoe_parse (*check)(void *ctx, const char *parent, const struct ewoe_cmd *cmd);
};

/* The peer's options that tunnel, setup and verify share (setters: ewoe_peer_set()). */
extern const struct ewoe_opt ewoe_peer_opts[];
/* The node's, shared by setup, teardown, guard, verify, status and metrics. */
extern const struct ewoe_opt ewoe_node_opts[];

/* "packet" (true) or "none" (false), the two offload modes of the driver and of OVS. */
int ewoe_opt_packet_or_none(const struct ewoe_opt *o, const char *arg, bool *packet, char *why,
			    size_t why_len);

struct ewoe_peer;
/* ewoe_peer_set() and the keys only the command line has ("local", "name"). */
int ewoe_peer_opt_set(struct ewoe_peer *p, const char *key, const char *value, char *why,
		      size_t why_len);

/*
 * Parse argv[1..] (argv[0] is the command): --help prints the command's help on stdout;
 * an option of the tables that this command does not take, an unknown one, a bad value or a
 * stray argument is one line on stderr with the usage. parent: "tunnel" for its subcommands.
 */
enum ewoe_parse ewoe_cli_parse(const struct ewoe_cmd *cmd, const char *parent, void *ctx, int argc,
			       char **argv);

/* For the bash completion: each option the command takes, "--name" or "--name ARG", a line
 * each; a command with subcommands lists them instead. */
void ewoe_cli_complete(const struct ewoe_cmd *cmd, FILE *f);

/* "ewoe <parent> <cmd>: <why>" and the usage on stderr; EWOE_PARSE_USAGE. */
enum ewoe_parse ewoe_cli_error(const struct ewoe_cmd *cmd, const char *parent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
