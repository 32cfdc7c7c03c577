// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ewoe.h"
#include "opts.h"
#include "peer.h"

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

/* A command of one shared peer option and one of its own, for the parser's results. */
struct parsed {
	struct ewoe_peer peer;
	int flag;
};

static int set_peer(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	return ewoe_peer_opt_set(&((struct parsed *)ctx)->peer, o->name, arg, why, len);
}

static int set_flag(void *ctx, const struct ewoe_opt *o, const char *arg, char *why, size_t len)
{
	((struct parsed *)ctx)->flag++;
	return 0;
}

static const struct ewoe_opt own_opts[] = {
	{ "flag", NULL, "a flag", OPT_SETUP, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

static const struct ewoe_opt_group groups[] = {
	{ ewoe_peer_opts, set_peer },
	{ own_opts, set_flag },
	{ NULL, NULL },
};

static const struct ewoe_cli cli = { groups, OPT_SETUP, NULL, NULL };
static const struct ewoe_cmd cmd = { "setup", noop, "", "[options]", NULL, 0, &cli };

static enum ewoe_parse parse(struct parsed *p, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(p, 0, sizeof(*p));
	ewoe_peer_init(&p->peer);
	return ewoe_cli_parse(&cmd, NULL, p, argc, argv);
}

static void cli_parse_results(void **state)
{
	char *ok[] = { "setup", "--vni", "200", "--flag", "--remote", "192.0.2.2", NULL };
	char *help[] = { "setup", "--help", NULL };
	char *bad_value[] = { "setup", "--vni", "99999999", NULL };
	char *not_ours[] = { "setup", "--local", "192.0.2.1", NULL };
	char *unknown[] = { "setup", "--bogus", NULL };
	char *stray[] = { "setup", "stray", NULL };
	struct parsed p;

	assert_int_equal(parse(&p, ok), EWOE_PARSE_GO_ON);
	assert_int_equal(p.peer.vni, 200);
	assert_int_equal(p.flag, 1);
	assert_int_equal(p.peer.remote.family, AF_INET);
	assert_int_equal(parse(&p, help), EWOE_PARSE_DONE);
	assert_int_equal(parse(&p, bad_value), EWOE_PARSE_USAGE);
	assert_int_equal(p.peer.vni, EWOE_DEFAULT_VNI);
	assert_int_equal(parse(&p, not_ours), EWOE_PARSE_USAGE); /* --local is tunnel's, verify's */
	assert_int_equal(parse(&p, unknown), EWOE_PARSE_USAGE);
	assert_int_equal(parse(&p, stray), EWOE_PARSE_USAGE);
	assert_int_equal(ewoe_parse_exit(EWOE_PARSE_DONE), EXIT_OK);
	assert_int_equal(ewoe_parse_exit(EWOE_PARSE_USAGE), EXIT_USAGE);
	assert_int_equal(ewoe_parse_exit(EWOE_PARSE_FAIL), EXIT_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_uint_accepts_range),
		cmocka_unit_test(parse_uint_rejects_junk),
		cmocka_unit_test(cmd_find_is_exact),
		cmocka_unit_test(cli_parse_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
