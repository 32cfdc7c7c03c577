/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hardware seam of a BlueField Arm: every file and sysfs path is taken under ewoe_opts.root,
 * every service and external program runs through platform_run(). Tests point the first at a
 * fixture tree and the second, with EWOE_RUNNER, at a fake that logs (docs/platform.md).
 * Functions print their own error once and return 1 changed, 0 unchanged, or a negative errno.
 */
#ifndef EWOE_PLATFORM_H
#define EWOE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PLATFORM_BFCONF	       "etc/mellanox/mlnx-bf.conf"
#define PLATFORM_BFCONF_KEY    "IPSEC_FULL_OFFLOAD"
#define PLATFORM_BACKUP_SUFFIX ".ewoe-bak"
#define PLATFORM_OPENIBD       "etc/init.d/openibd"
#define PLATFORM_MLX_REGEX     "mlx-regex"

/* "<root>/<rel>" without doubled slashes; -ENAMETOOLONG when it does not fit. */
int platform_path(char *buf, size_t len, const char *rel);

/*
 * Create the directory path (already under root) and its missing parents, those 0755 and
 * path itself mode. 0 or a negative errno, silently: callers name what the directory is for.
 */
int platform_mkdirs(const char *path, mode_t mode);
/*
 * Write path whole or not at all (a temporary file and a rename), with mode; not synced to
 * disk: for files ewoe derives again from its config at every boot. 0 or <0, printed.
 */
int platform_write_file(const char *path, const char *data, size_t len, mode_t mode);

/*
 * The whole of fd (a file, a pipe, procfs, stdin), at most max bytes, NUL-terminated for
 * free(). 0, -EFBIG past max, or the read's negative errno, silently: callers name the file.
 * A growing buffer's old copy is wiped, so it serves secrets too (wipe those before free).
 */
int platform_read_fd(int fd, size_t max, char **out, size_t *len);
/* The same for a regular file: also open's errno, -EISDIR, or -EINVAL when not a file. */
int platform_read_file(const char *path, size_t max, char **out, size_t *len);

/*
 * Run argv (argv[0] looked up in PATH) without a shell and wait for it. Returns its exit status
 * (0..255; 128 + signal when killed) or a negative errno when it could not be started. With
 * EWOE_RUNNER set, that program runs instead, with argv appended to its own name.
 */
int platform_run(const char *const argv[]);

/* Print argv as an action, then run it unless --dry-run; 1 done, <0 failed (message printed). */
int platform_run_action(const char *const argv[]);

/*
 * First line of a small file under root, trailing newline removed. 0, -ENOENT when absent
 * (silently: callers decide whether that is an error), other negative errno with a message.
 */
int platform_read_line(const char *rel, char *buf, size_t len);
bool platform_exists(const char *rel);

/* The value of KEY in mlnx-bf.conf, when the key is present at all. */
enum bfconf_value { BFCONF_MISSING, BFCONF_NO, BFCONF_YES };

/* Parse the file's KEY. -ENOENT (with message) when the file is absent, -EINVAL when malformed. */
int platform_bfconf_get(const char *key, enum bfconf_value *out);
/*
 * Set KEY="yes"|"no": the value is replaced in place (quote style and any trailing comment
 * kept) or a line is appended; every other byte stays. Written to a temporary file, the old
 * content saved as <file>.ewoe-bak, then renamed over. 1 changed, 0 already so.
 */
int platform_bfconf_set(const char *key, bool yes);

/* Systemd unit names on this system: Debian/Ubuntu vs CentOS/RHEL naming. */
const char *platform_ovs_service(void);
const char *platform_strongswan_service(void);

/* `systemctl is-active`: 1 active, 0 not, <0 could not ask. */
int platform_service_active(const char *unit);
/* `systemctl <verb> <unit>` reported as an action; 1 done, <0 failed (message printed). */
int platform_service(const char *verb, const char *unit);

/* Restart ovs-vswitchd so that a changed other_config:hw-offload takes effect. 1 or <0. */
int platform_restart_vswitchd(void);

/*
 * The mst configuration device of function 0 (<root>/dev/mst/m*f0), e.g. "mt41686_pciconf0".
 * With buf NULL, a silent probe: 0 when there is one, -ENOENT/-ENODEV when not.
 */
int platform_mst_device(char *buf, size_t len);
/*
 * Take port ownership away from the host (mlxprivhost ... --disable_port_owner r). The tool
 * has no query; setting the same restriction again is harmless and takes effect at once.
 * 0 done, <0 error.
 */
int platform_set_host_restriction(void);

/* A kernel VXLAN device exists (uevent DEVTYPE=vxlan), e.g. OVS's vxlan_sys_4789. */
int platform_vxlan_device(char *name, size_t len);

/* Kernel release from <root>/proc/sys/kernel/osrelease as major * 1000 + minor, e.g. 6006. */
int platform_kernel_version(char *release, size_t len);

#endif
