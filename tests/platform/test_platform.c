// SPDX-License-Identifier: GPL-2.0-or-later
/* The platform seam against temporary roots: paths, mlnx-bf.conf, services, runner. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ewoe.h"
#include "platform.h"

static char root[256];
static char log_path[300];

static void put_file(const char *rel, const char *text)
{
	char path[512], dir[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *rel)
{
	static char buf[4096];
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "%s/ewoe-platform.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(root))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/runner.log", root);
	ewoe_opts.root = root;
	ewoe_opts.dry_run = false;
	setenv("FAKE_LOG", log_path, 1);
	unsetenv("EWOE_RUNNER");
	unsetenv("FAKE_ACTIVE");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_joins_without_double_slashes(void **state)
{
	char buf[64];

	ewoe_opts.root = "/";
	assert_int_equal(platform_path(buf, sizeof(buf), "etc/x"), 0);
	assert_string_equal(buf, "/etc/x");
	ewoe_opts.root = "/tmp/r//";
	assert_int_equal(platform_path(buf, sizeof(buf), "/etc/x"), 0);
	assert_string_equal(buf, "/tmp/r/etc/x");
	assert_int_equal(platform_path(buf, 8, "etc/mellanox"), -ENAMETOOLONG);
}

static void bfconf_reads_values(void **state)
{
	enum bfconf_value v = BFCONF_YES;

	put_file(PLATFORM_BFCONF, "# IPSEC_FULL_OFFLOAD=\"yes\"\nIPSEC_FULL_OFFLOAD='no'\n");
	assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), 0);
	assert_int_equal(v, BFCONF_NO);
	put_file(PLATFORM_BFCONF, "  IPSEC_FULL_OFFLOAD=yes # comment\n");
	assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), 0);
	assert_int_equal(v, BFCONF_YES);
	/* A longer key with the same start is another key. */
	put_file(PLATFORM_BFCONF, "IPSEC_FULL_OFFLOAD_X=\"yes\"\n");
	assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), 0);
	assert_int_equal(v, BFCONF_MISSING);
	put_file(PLATFORM_BFCONF, "");
	assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), 0);
	assert_int_equal(v, BFCONF_MISSING);
}

static void bfconf_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"IPSEC_FULL_OFFLOAD=\"yes\n",
		"IPSEC_FULL_OFFLOAD=\"yes\" trailing\n",
		"IPSEC_FULL_OFFLOAD=\"\"\n",
		"IPSEC_FULL_OFFLOAD=YES\n",
		"IPSEC_FULL_OFFLOAD=no\nIPSEC_FULL_OFFLOAD=no\n",
	};
	enum bfconf_value v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_file(PLATFORM_BFCONF, bad[i]);
		assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), -EINVAL);
		assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, true), -EINVAL);
		assert_string_equal(slurp(PLATFORM_BFCONF), bad[i]);
		assert_null(slurp(PLATFORM_BFCONF PLATFORM_BACKUP_SUFFIX));
	}
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, PLATFORM_BFCONF);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(platform_bfconf_get(PLATFORM_BFCONF_KEY, &v), -ENOENT);
}

static void bfconf_set_keeps_every_other_byte(void **state)
{
	const char *before = "# keep\n\tA='1'  \nIPSEC_FULL_OFFLOAD='no' # why\r\nB=2";
	const char *after = "# keep\n\tA='1'  \nIPSEC_FULL_OFFLOAD='yes' # why\r\nB=2";
	char path[512];
	struct stat st;

	put_file(PLATFORM_BFCONF, before);
	snprintf(path, sizeof(path), "%s/%s", root, PLATFORM_BFCONF);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, true), 1);
	assert_string_equal(slurp(PLATFORM_BFCONF), after);
	assert_string_equal(slurp(PLATFORM_BFCONF PLATFORM_BACKUP_SUFFIX), before);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* Already so: nothing written, the backup stays the older file. */
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, true), 0);
	assert_string_equal(slurp(PLATFORM_BFCONF PLATFORM_BACKUP_SUFFIX), before);
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, false), 1);
	assert_string_equal(slurp(PLATFORM_BFCONF), before);
}

static void bfconf_set_appends_and_dry_run_writes_nothing(void **state)
{
	put_file(PLATFORM_BFCONF, "A=1");
	ewoe_opts.dry_run = true;
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, true), 1);
	ewoe_opts.dry_run = false;
	assert_string_equal(slurp(PLATFORM_BFCONF), "A=1");
	assert_null(slurp(PLATFORM_BFCONF PLATFORM_BACKUP_SUFFIX));
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, true), 1);
	assert_string_equal(slurp(PLATFORM_BFCONF), "A=1\nIPSEC_FULL_OFFLOAD=\"yes\"\n");
	/* "no" on a missing key is a change too: the file then says so. */
	put_file(PLATFORM_BFCONF, "");
	assert_int_equal(platform_bfconf_set(PLATFORM_BFCONF_KEY, false), 1);
	assert_string_equal(slurp(PLATFORM_BFCONF), "IPSEC_FULL_OFFLOAD=\"no\"\n");
}

static void run_reports_status_and_spawn_errors(void **state)
{
	const char *const ok[] = { "true", NULL };
	const char *const bad[] = { "false", NULL };
	const char *const absent[] = { "ewoe-no-such-program", NULL };
	const char *const killed[] = { "sh", "-c", "kill -TERM $$", NULL };

	assert_int_equal(platform_run(ok), 0);
	assert_int_equal(platform_run(bad), 1);
	assert_int_equal(platform_run(absent), -ENOENT);
	assert_int_equal(platform_run(killed), 128 + 15);
}

static void use_fake_runner(void)
{
	char runner[512];

	snprintf(runner, sizeof(runner), "%s/tests/platform/fake-runner.sh", EWOE_SRC_DIR);
	setenv("EWOE_RUNNER", runner, 1);
}

static void runner_seam_receives_argv(void **state)
{
	const char *const argv[] = { "systemctl", "stop", "a b", NULL };

	use_fake_runner();
	assert_int_equal(platform_run(argv), 0);
	assert_string_equal(slurp("runner.log"), "systemctl stop a b\n");
	setenv("FAKE_ACTIVE", "mlx-regex", 1);
	assert_int_equal(platform_service_active("mlx-regex"), 1);
	assert_int_equal(platform_service_active("openvswitch"), 0);
}

static void service_names_follow_the_system(void **state)
{
	assert_string_equal(platform_ovs_service(), "openvswitch-switch");
	assert_string_equal(platform_strongswan_service(), "strongswan-starter");
	put_file("etc/os-release",
		 "NAME=\"CentOS Stream\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n");
	assert_string_equal(platform_ovs_service(), "openvswitch");
	assert_string_equal(platform_strongswan_service(), "strongswan");
	/* An installed unit wins over the distribution's habit. */
	put_file("lib/systemd/system/strongswan-starter.service", "");
	put_file("usr/lib/systemd/system/openvswitch-switch.service", "");
	assert_string_equal(platform_ovs_service(), "openvswitch-switch");
	assert_string_equal(platform_strongswan_service(), "strongswan-starter");
}

static void vswitchd_restart_prefers_its_own_unit(void **state)
{
	use_fake_runner();
	assert_int_equal(platform_restart_vswitchd(), 1);
	put_file("lib/systemd/system/ovs-vswitchd.service", "");
	assert_int_equal(platform_restart_vswitchd(), 1);
	assert_string_equal(
	    slurp("runner.log"),
	    "systemctl restart openvswitch-switch\nsystemctl restart ovs-vswitchd\n");
}

static void host_restriction_uses_function0_device(void **state)
{
	char want[600];

	use_fake_runner();
	assert_int_equal(platform_mst_device(NULL, 0), -ENOENT);
	assert_int_equal(platform_set_host_restriction(), -ENOENT);
	put_file("dev/mst/mt41686_pciconf0.1", "");
	put_file("dev/mst/mt41686_pciconf0_cable", "");
	assert_int_equal(platform_set_host_restriction(), -ENODEV);
	assert_int_equal(platform_mst_device(NULL, 0), -ENODEV);
	put_file("dev/mst/mt41686_pciconf0", "");
	assert_int_equal(platform_mst_device(NULL, 0), 0);
	assert_int_equal(platform_set_host_restriction(), 0);
	snprintf(want, sizeof(want),
		 "mlxprivhost -d %s/dev/mst/mt41686_pciconf0 --disable_port_owner r\n", root);
	assert_string_equal(slurp("runner.log"), want);
	setenv("FAKE_FAIL", "mlxprivhost", 1);
	assert_int_equal(platform_set_host_restriction(), -EIO);
	unsetenv("FAKE_FAIL");
}

static void vxlan_device_and_kernel_version(void **state)
{
	char name[32] = "", release[64];

	put_file("sys/class/net/p0/uevent", "INTERFACE=p0\n");
	assert_int_equal(platform_vxlan_device(name, sizeof(name)), 0);
	put_file("sys/class/net/vxlan_sys_4789/uevent",
		 "DEVTYPE=vxlan\nINTERFACE=vxlan_sys_4789\n");
	assert_int_equal(platform_vxlan_device(name, sizeof(name)), 1);
	assert_string_equal(name, "vxlan_sys_4789");

	assert_int_equal(platform_kernel_version(release, sizeof(release)), -ENOENT);
	put_file("proc/sys/kernel/osrelease", "6.6.0-14-arm64\n");
	assert_int_equal(platform_kernel_version(release, sizeof(release)), 6006);
	assert_string_equal(release, "6.6.0-14-arm64");
	put_file("proc/sys/kernel/osrelease", "garbage\n");
	assert_int_equal(platform_kernel_version(release, sizeof(release)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_joins_without_double_slashes),
		cmocka_unit_test_setup_teardown(bfconf_reads_values, setup, teardown),
		cmocka_unit_test_setup_teardown(bfconf_rejects_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(bfconf_set_keeps_every_other_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(bfconf_set_appends_and_dry_run_writes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(run_reports_status_and_spawn_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(runner_seam_receives_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(service_names_follow_the_system, setup, teardown),
		cmocka_unit_test_setup_teardown(vswitchd_restart_prefers_its_own_unit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(host_restriction_uses_function0_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(vxlan_device_and_kernel_version, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
