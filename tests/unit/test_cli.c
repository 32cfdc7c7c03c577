// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ewoe.h"

static void parse_uint_accepts_range(void **state)
{
	unsigned long v = 0;

	assert_int_equal(ewoe_parse_uint("0", 0, 16777215, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ewoe_parse_uint("16777215", 0, 16777215, &v), 0);
	assert_int_equal(v, 16777215);
}

static void parse_uint_rejects_junk(void **state)
{
	unsigned long v = 42;

	assert_int_equal(ewoe_parse_uint("16777216", 0, 16777215, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint("12abc", 0, 100, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint("", 0, 100, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint(NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(ewoe_parse_uint("99999999999999999999999", 0, ~0UL, &v), -EINVAL);
	assert_int_equal(v, 42);
}

static int noop(int argc, char **argv)
{
	return 0;
}

static void cmd_find_is_exact(void **state)
{
	static const struct ewoe_cmd table[] = {
		{ "psk", noop, "", "", NULL, 0, NULL },
		{ "cert", noop, "", "", NULL, 0, NULL },
		{ NULL, NULL, NULL, NULL, NULL, 0, NULL },
	};

	assert_ptr_equal(ewoe_cmd_find(table, "cert"), &table[1]);
	assert_null(ewoe_cmd_find(table, "ps"));
	assert_null(ewoe_cmd_find(table, "certs"));
	assert_null(ewoe_cmd_find(table, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_uint_accepts_range),
		cmocka_unit_test(parse_uint_rejects_junk),
		cmocka_unit_test(cmd_find_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
