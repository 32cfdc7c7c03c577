/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities, through libcap: keep only what ewoe's work needs. */
#ifndef EWOE_PRIVS_H
#define EWOE_PRIVS_H

#include <stdbool.h>

/*
 * Reduce the effective and permitted sets to network administration and file access.
 * The bounding set stays, so a service restart that ewoe executes as root runs with the
 * privileges that service expects. 0 or a negative errno.
 */
int privs_drop(void);

/* Whether this process may change or dump xfrm, links and addresses. */
bool privs_have_net_admin(void);

#endif
