// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "ewoe.h"

struct ewoe_opts ewoe_opts = {
	.db = "unix:/var/run/openvswitch/db.sock",
	.vici = "unix:///var/run/charon.vici",
	.root = "/",
	.timeout_ms = 30000,
};

static bool progress_shown;

static void vprint(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	ewoe_progress_done(); /* a message never lands in the middle of a progress line */
	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

#define EWOE_PRINTER(fn, prefix, cond)                                                             \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		if (!(cond))                                                                       \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		vprint(stderr, prefix, fmt, ap);                                                   \
		va_end(ap);                                                                        \
	}

EWOE_PRINTER(ewoe_err, "ewoe: ", 1)
EWOE_PRINTER(ewoe_warn, "ewoe: warning: ", 1)
EWOE_PRINTER(ewoe_hint, "  hint: ", 1)
EWOE_PRINTER(ewoe_info, "", ewoe_opts.verbosity >= 0)
EWOE_PRINTER(ewoe_debug, "ewoe: debug: ", ewoe_opts.verbosity > 0)

void ewoe_action(const char *fmt, ...)
{
	va_list ap;

	ewoe_progress_done();
	if (ewoe_opts.dry_run)
		fputs("dry-run: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
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
