/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How the checker's files add result lines to a report (src/ only). */
#ifndef EWOE_CHECK_LINE_H
#define EWOE_CHECK_LINE_H

#include "check.h"

/* Returns the new line, or NULL (and marks the report) when out of memory. */
struct check_line *check_add_line(struct check_report *r, const char *peer, const char *category,
				  enum check_status status, const char *item_fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Turn an ok or skipped line into a failure, keeping the report's counts right. */
void check_mark_failed(struct check_report *r, struct check_line *l);

#define SET(field, ...) snprintf(l->field, sizeof(l->field), __VA_ARGS__)

#endif
