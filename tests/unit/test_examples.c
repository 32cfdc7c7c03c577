// SPDX-License-Identifier: GPL-2.0-or-later
/* The shipped example must stay a valid config: operators copy it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "conf.h"

static void example_config_parses(void **state)
{
	const char *path = getenv("EWOE_EXAMPLE_CONF");
	struct ewoe_config *cfg = NULL;
	FILE *f;
	char text[8192];
	size_t n;

	assert_non_null(path);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_int_equal(config_parse_string(text, path, &cfg), 0);
	assert_int_equal(cfg->n_peers, 3);
	assert_int_equal(cfg->peers[0].auth, AUTH_PSK);
	assert_int_equal(cfg->peers[1].auth, AUTH_CERT);
	assert_int_equal(cfg->peers[2].auth, AUTH_CA);
	assert_string_equal(cfg->peers[2].ifname, "vx-arm4");
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_config_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
