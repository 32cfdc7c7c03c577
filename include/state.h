/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ewoe remembers between runs on a node: the last reason a peer's IKE failed, so that
 * verify (which only reads) can name it, and when setup last succeeded, for the metrics.
 * Files under <root>/run/ewoe, gone at boot: a success before a reboot says nothing of now.
 */
#ifndef EWOE_STATE_H
#define EWOE_STATE_H

#include <stddef.h>
#include <time.h>

struct state_failures;

/* Remember why the peer's IKE failed; best effort, never fails the caller. */
void state_failure_set(const char *peer, const char *text);
/* The peer's tunnel came up: forget its failure. */
void state_failure_clear(const char *peer);
/*
 * The peers with a failure recorded, from one listing of the directory: verify of thousands
 * of peers, most without one, opens no file for those. NULL when there are none.
 */
struct state_failures *state_failures_list(void);
void state_failures_free(struct state_failures *f);
/* 1 with the peer's text and when it was recorded, 0 when f lists none for it (f may be NULL). */
int state_failure_get(const struct state_failures *f, const char *peer, char *buf, size_t len,
		      time_t *when);

/* ewoe setup converged the node (exit 0): remember when; best effort, never fails the caller. */
void state_setup_ok_set(void);
/* A full teardown: the node is no longer set up. */
void state_setup_ok_clear(void);
/* 1 with when setup last succeeded since boot, 0 when it has not. */
int state_setup_ok_get(time_t *when);

#endif
