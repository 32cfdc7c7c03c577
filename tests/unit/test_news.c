// SPDX-License-Identifier: GPL-2.0-or-later
/* The bring-up's wait ends on charon's events, not on its timeout. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "news.h"

/* Far longer than any event here takes to arrive: a wait that ends early was woken. */
#define LONG_MS 5000

struct poster {
	struct news *news;
	bool child, up;
	int count;
};

static void *post_later(void *arg)
{
	struct poster *p = arg;

	for (int i = 0; i < p->count; i++) {
		usleep(20 * 1000);
		news_post(p->news, p->child, p->up);
	}
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for `missing` children while a thread posts `count` events; returns the ms waited. */
static long long wait_while_posting(struct news *n, bool child, bool up, int count,
				    unsigned long missing, bool *came)
{
	struct poster p = { n, child, up, count };
	struct news_mark mark = news_mark(n);
	long long t0 = now_ms();
	pthread_t thread;

	assert_int_equal(pthread_create(&thread, NULL, post_later, &p), 0);
	*came = news_wait(n, mark, missing, LONG_MS);
	assert_int_equal(pthread_join(thread, NULL), 0);
	return now_ms() - t0;
}

static void wakes_when_enough_children_are_up(void **state)
{
	struct news n;
	bool came;

	(void)state;
	news_init(&n);
	assert_true(wait_while_posting(&n, true, true, 2, 2, &came) < LONG_MS / 2);
	assert_true(came);
	news_destroy(&n);
}

static void one_child_of_two_does_not_wake(void **state)
{
	struct news n;
	struct news_mark mark;

	(void)state;
	news_init(&n);
	mark = news_mark(&n);
	news_post(&n, true, true);
	assert_false(news_wait(&n, mark, 2, 100));
	/* An IKE_SA coming up is not a child. */
	news_post(&n, false, true);
	assert_false(news_wait(&n, mark, 2, 100));
	/* News from before the mark counts: it came during the scan the mark preceded. */
	news_post(&n, true, true);
	assert_true(news_wait(&n, mark, 2, LONG_MS));
	news_destroy(&n);
}

static void anything_down_wakes(void **state)
{
	struct news n;
	bool came;

	(void)state;
	news_init(&n);
	assert_true(wait_while_posting(&n, false, false, 1, 4, &came) < LONG_MS / 2);
	assert_true(came);
	news_destroy(&n);
}

static void times_out_without_news(void **state)
{
	struct news n;
	long long t0;

	(void)state;
	news_init(&n);
	t0 = now_ms();
	assert_false(news_wait(&n, news_mark(&n), 1, 150));
	assert_true(now_ms() - t0 >= 140);
	news_destroy(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wakes_when_enough_children_are_up),
		cmocka_unit_test(one_child_of_two_does_not_wake),
		cmocka_unit_test(anything_down_wakes),
		cmocka_unit_test(times_out_without_news),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
