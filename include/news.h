/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What charon's child-updown and ike-updown events have said, counted, for a wait that should
 * end as soon as they say enough: the bring-up scans charon, then waits here instead of
 * sleeping a whole round.
 */
#ifndef EWOE_NEWS_H
#define EWOE_NEWS_H

#include <pthread.h>
#include <stdbool.h>

struct news {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned long child_ups, downs;
};

/* The counts at one moment: what a later wait compares against. */
struct news_mark {
	unsigned long child_ups, downs;
};

void news_init(struct news *n);
void news_destroy(struct news *n);
/* From an event's thread: a CHILD_SA (child) or an IKE_SA went up or down. */
void news_post(struct news *n, bool child, bool up);
struct news_mark news_mark(struct news *n);
/*
 * Until at least `missing` CHILD_SAs came up since mark, or anything went down, or timeout_ms
 * pass. True when the news came (perhaps before the call), false on the timeout.
 */
bool news_wait(struct news *n, struct news_mark mark, unsigned long missing, int timeout_ms);

#endif
