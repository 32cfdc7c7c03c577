// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The global options, command tables and argument parsing shared by every subcommand, and
 * small helpers (include/ewoe.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ewoe.h"

struct ewoe_opts ewoe_opts = {
	.db = "unix:/var/run/openvswitch/db.sock",
	.vici = "unix:///var/run/charon.vici",
	.root = "/",
	.timeout_ms = 30000,
};

const struct ewoe_cmd *ewoe_cmd_find(const struct ewoe_cmd *table, const char *name)
{
	for (const struct ewoe_cmd *c = table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void ewoe_cmd_usage(const struct ewoe_cmd *cmd, const char *parent, bool to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "usage: ewoe %s%s%s %s\n", parent ? parent : "", parent ? " " : "", cmd->name,
		cmd->usage);
	if (cmd->sub) {
		fprintf(f, "\n");
		for (const struct ewoe_cmd *s = cmd->sub; s->name; s++)
			fprintf(f, "  %-8s %s\n", s->name, s->summary);
	}
}

int ewoe_usage_error(const struct ewoe_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ewoe %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ewoe_cmd_usage(cmd, NULL, true);
	return EXIT_USAGE;
}

int ewoe_check_exit(int err)
{
	return err == -ENOMEM || err == -ELIBACC ? EXIT_FAIL : EXIT_USAGE;
}

int ewoe_exit_code(int err)
{
	if (err >= 0)
		return EXIT_OK;
	return err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int ewoe_grow(void **arr, size_t elem, size_t n, size_t *cap)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = reallocarray(*arr, ncap, elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int ewoe_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}
