// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link layer against the real kernel: a veth pair (p0, pf0hpf) in a network namespace this
 * test creates for itself. The results are checked with iproute2, not with our own readers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ewoe.h"
#include "link.h"
#include "peer.h"

#define SKIP 77

static char err_path[] = "/tmp/ewoe-link-stderr.XXXXXX";
static int saved_stderr = -1;

/* What the functions print on stderr, to check the error text. */
static void capture_begin(void)
{
	int fd = mkstemp(err_path);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *capture_end(void)
{
	static char buf[2048];
	ssize_t n;
	int fd;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fd = open(err_path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(err_path);
	strcpy(err_path, "/tmp/ewoe-link-stderr.XXXXXX");
	buf[n > 0 ? n : 0] = '\0';
	fputs(buf, stderr);
	return buf;
}

static void sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

/* Output of a shell command, for checks through iproute2. */
static const char *sh_out(const char *cmd)
{
	static char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static struct ewoe_addr addr(const char *s)
{
	struct ewoe_addr a;

	assert_int_equal(ewoe_addr_parse(s, &a), 0);
	return a;
}

static int fresh_pair(void **state)
{
	ewoe_opts.dry_run = false;
	if (system("ip link del p0 2>/dev/null; ip link add name p0 type veth peer name pf0hpf"))
		return -1;
	return 0;
}

static void link_up_once(void **state)
{
	assert_int_equal(link_set_up("p0"), 1);
	assert_non_null(strstr(sh_out("ip -o link show dev p0"), ",UP"));
	assert_int_equal(link_set_up("p0"), 0);
}

static void addresses_any_prefix_idempotent(void **state)
{
	struct ewoe_addr a24 = addr("192.0.2.1"), a30 = addr("198.51.100.1"),
			 a6 = addr("2001:db8::1");

	assert_int_equal(link_add_addr("p0", &a24, 24), 1);
	assert_int_equal(link_add_addr("p0", &a24, 24), 0);
	assert_int_equal(link_add_addr("p0", &a30, 30), 1);
	assert_int_equal(link_add_addr("p0", &a30, 30), 0);
	assert_int_equal(link_add_addr("p0", &a6, 64), 1);
	assert_int_equal(link_add_addr("p0", &a6, 64), 0);
	const char *out = sh_out("ip -o addr show dev p0");
	assert_non_null(strstr(out, "inet 192.0.2.1/24"));
	assert_non_null(strstr(out, "inet 198.51.100.1/30"));
	assert_non_null(strstr(out, "inet6 2001:db8::1/64"));
}

static void address_with_other_prefix_refused(void **state)
{
	struct ewoe_addr a = addr("192.0.2.1");
	const char *err;

	sh("ip addr add 192.0.2.1/16 dev p0");
	capture_begin();
	assert_int_equal(link_add_addr("p0", &a, 24), -EEXIST);
	err = capture_end();
	assert_non_null(strstr(err, "p0 already has 192.0.2.1/16, not /24"));
	assert_null(strstr(sh_out("ip -o addr show dev p0"), "192.0.2.1/24"));

	capture_begin();
	assert_int_equal(link_add_addr("p0", &a, 33), -EINVAL);
	capture_end();
}

static void mtu_raised_never_lowered(void **state)
{
	assert_int_equal(link_get_mtu("pf0hpf"), 1500);
	assert_int_equal(link_raise_mtu("p0", link_get_mtu("pf0hpf") + 50), 1);
	assert_int_equal(link_get_mtu("p0"), 1550);
	assert_non_null(strstr(sh_out("ip -o link show dev p0"), "mtu 1550"));
	assert_int_equal(link_raise_mtu("p0", 1550), 0);
	sh("ip link set dev p0 mtu 9000");
	assert_int_equal(link_raise_mtu("p0", 1550), 0);
	assert_int_equal(link_get_mtu("p0"), 9000);
}

static void kernel_extack_shown(void **state)
{
	const char *err;

	capture_begin();
	assert_int_equal(link_raise_mtu("p0", 70000), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "p0: setting MTU 70000: Invalid argument (Error: "));
	assert_non_null(strstr(err, "mtu greater than device maximum"));
}

static void missing_interface_named(void **state)
{
	struct ewoe_addr a = addr("192.0.2.1");
	struct link_feature f;
	const char *err;

	capture_begin();
	assert_int_equal(link_get_mtu("nosuch0"), -ENODEV);
	assert_int_equal(link_add_addr("nosuch0", &a, 24), -ENODEV);
	assert_int_equal(link_set_up("nosuch0"), -ENODEV);
	assert_int_equal(link_get_feature("nosuch0", "hw-tc-offload", &f), -ENODEV);
	assert_int_equal(link_setup_pf("nosuch0", &a, 24, "pf0hpf", false), -ENODEV);
	assert_int_equal(link_get_mtu("waytoolonginterfacename"), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "no interface nosuch0 in this network namespace"));
	assert_non_null(strstr(err, "not a valid interface name"));
}

static void ethtool_features_read_and_set(void **state)
{
	struct link_feature f;

	/* veth keeps hw-tc-offload fixed off: packet mode must refuse, changing nothing. */
	assert_int_equal(link_get_feature("p0", "hw-tc-offload", &f), 0);
	assert_false(f.active);
	assert_false(f.changeable);
	capture_begin();
	assert_int_equal(link_set_feature("p0", "hw-tc-offload", true), -EOPNOTSUPP);
	assert_int_equal(link_setup_pf("p0", NULL, 0, "pf0hpf", true), -EOPNOTSUPP);
	assert_non_null(strstr(capture_end(), "hw-tc-offload is fixed off"));
	assert_null(strstr(sh_out("ip -o link show dev p0"), ",UP"));

	/* A feature veth lets us change, to exercise the set path for real. */
	assert_int_equal(link_get_feature("p0", "tx-checksum-ip-generic", &f), 0);
	assert_true(f.active);
	assert_true(f.changeable);
	assert_int_equal(link_set_feature("p0", "tx-checksum-ip-generic", false), 1);
	assert_int_equal(link_get_feature("p0", "tx-checksum-ip-generic", &f), 0);
	assert_false(f.active);
	assert_int_equal(link_set_feature("p0", "tx-checksum-ip-generic", false), 0);
	assert_int_equal(link_set_feature("p0", "tx-checksum-ip-generic", true), 1);
	assert_int_equal(link_get_feature("p0", "tx-checksum-ip-generic", &f), 0);
	assert_true(f.active);

	assert_int_equal(link_get_feature("p0", "esp-hw-offload", &f), 0);
	assert_false(f.active);
}

static void veth_has_no_eswitch(void **state)
{
	enum link_eswitch mode;
	int rc;

	capture_begin();
	rc = link_get_eswitch_mode("p0", &mode);
	capture_end();
	/* -ENOENT when the kernel has no devlink at all. */
	assert_true(rc == -ENODEV || rc == -ENOENT);
}

static void setup_pf_idempotent(void **state)
{
	struct ewoe_addr a = addr("203.0.113.5"), a6 = addr("2001:db8:1::5");

	ewoe_opts.dry_run = true;
	assert_int_equal(link_setup_pf("p0", &a, 24, "pf0hpf", false), 1);
	ewoe_opts.dry_run = false;
	assert_null(strstr(sh_out("ip -o addr show dev p0"), "203.0.113.5"));
	assert_non_null(strstr(sh_out("ip -o link show dev p0"), "mtu 1500"));

	assert_int_equal(link_setup_pf("p0", &a, 24, "pf0hpf", false), 1);
	assert_int_equal(link_setup_pf("p0", &a, 24, "pf0hpf", false), 0);
	assert_non_null(strstr(sh_out("ip -o addr show dev p0"), "inet 203.0.113.5/24"));
	assert_non_null(strstr(sh_out("ip -o link show dev p0"), "mtu 1550"));
	/* An IPv6 underlay needs 20 bytes more for its outer header. */
	assert_int_equal(link_setup_pf("p0", &a6, 64, "pf0hpf", false), 1);
	assert_int_equal(link_get_mtu("p0"), 1570);
	assert_int_equal(link_setup_pf("p0", &a6, 64, "pf0hpf", false), 0);
	/* The representor grows: the PF follows; it shrinks: the PF stays. */
	sh("ip link set dev pf0hpf mtu 9000");
	assert_int_equal(link_setup_pf("p0", &a, 24, "pf0hpf", false), 1);
	assert_int_equal(link_get_mtu("p0"), 9050);
	sh("ip link set dev pf0hpf mtu 1500");
	assert_int_equal(link_setup_pf("p0", &a, 24, "pf0hpf", false), 0);
	assert_int_equal(link_get_mtu("p0"), 9050);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(link_up_once, fresh_pair),
		cmocka_unit_test_setup(addresses_any_prefix_idempotent, fresh_pair),
		cmocka_unit_test_setup(address_with_other_prefix_refused, fresh_pair),
		cmocka_unit_test_setup(mtu_raised_never_lowered, fresh_pair),
		cmocka_unit_test_setup(kernel_extack_shown, fresh_pair),
		cmocka_unit_test_setup(missing_interface_named, fresh_pair),
		cmocka_unit_test_setup(ethtool_features_read_and_set, fresh_pair),
		cmocka_unit_test_setup(veth_has_no_eswitch, fresh_pair),
		cmocka_unit_test_setup(setup_pf_idempotent, fresh_pair),
	};

	if (getuid() != 0 || system("command -v ip >/dev/null")) {
		fprintf(stderr, "SKIP: needs root and iproute2\n");
		return SKIP;
	}
	/* A namespace of our own: nothing here touches the machine's interfaces. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "SKIP: cannot create a network namespace: %s\n", strerror(errno));
		return SKIP;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
