// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <time.h>

#include "news.h"

void news_init(struct news *n)
{
	pthread_condattr_t monotonic;

	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&n->changed, &monotonic);
	pthread_condattr_destroy(&monotonic);
	n->child_ups = n->downs = 0;
}

void news_destroy(struct news *n)
{
	pthread_cond_destroy(&n->changed);
	pthread_mutex_destroy(&n->lock);
}

void news_post(struct news *n, bool child, bool up)
{
	pthread_mutex_lock(&n->lock);
	if (!up)
		n->downs++;
	else if (child)
		n->child_ups++;
	pthread_cond_signal(&n->changed);
	pthread_mutex_unlock(&n->lock);
}

struct news_mark news_mark(struct news *n)
{
	struct news_mark m;

	pthread_mutex_lock(&n->lock);
	m.child_ups = n->child_ups;
	m.downs = n->downs;
	pthread_mutex_unlock(&n->lock);
	return m;
}

bool news_wait(struct news *n, struct news_mark mark, unsigned long missing, int timeout_ms)
{
	struct timespec deadline;
	bool came;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->lock);
	for (;;) {
		came = n->child_ups - mark.child_ups >= missing || n->downs != mark.downs;
		if (came || pthread_cond_timedwait(&n->changed, &n->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&n->lock);
	return came;
}
