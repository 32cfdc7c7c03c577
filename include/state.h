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

/* Remember why the peer's IKE failed; best effort, never fails the caller. */
void state_failure_set(const char *peer, const char *text);
/* The peer's tunnel came up: forget its failure. */
void state_failure_clear(const char *peer);
/* 1 with the text and when it was recorded, 0 when there is none. */
int state_failure_get(const char *peer, char *buf, size_t len, time_t *when);

/* ewoe setup converged the node (exit 0): remember when; best effort, never fails the caller. */
void state_setup_ok_set(void);
/* A full teardown: the node is no longer set up. */
void state_setup_ok_clear(void);
/* 1 with when setup last succeeded since boot, 0 when it has not. */
int state_setup_ok_get(time_t *when);

#endif
