// SPDX-License-Identifier: GPL-2.0-or-later
/* Files under the root prefix, services and external programs through one runner. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ewoe.h"
#include "log.h"
#include "platform.h"

extern char **environ;

#define BFCONF_MAX_SIZE (1 << 20)

static int write_atomic(const char *path, const char *data, size_t len, const struct stat *like,
			bool durable);

int platform_path(char *buf, size_t len, const char *rel)
{
	const char *root = ewoe_opts.root && *ewoe_opts.root ? ewoe_opts.root : "/";
	size_t root_len = strlen(root);
	int n;

	while (root_len > 0 && root[root_len - 1] == '/')
		root_len--;
	while (*rel == '/')
		rel++;
	n = snprintf(buf, len, "%.*s/%s", (int)root_len, root, rel);
	if (n < 0 || (size_t)n >= len) {
		ewoe_err("path too long: %s/%s", root, rel);
		return -ENAMETOOLONG;
	}
	return 0;
}

int platform_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

bool platform_exists(const char *rel)
{
	char path[PATH_MAX];

	return !platform_path(path, sizeof(path), rel) && access(path, F_OK) == 0;
}

static void join_argv(const char *const argv[], char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int platform_run(const char *const argv[])
{
	const char *runner = getenv("EWOE_RUNNER");
	const char *spawn_argv[64];
	char line[1024];
	size_t n = 0;
	pid_t pid;
	int status, err;

	if (runner && *runner)
		spawn_argv[n++] = runner;
	for (size_t i = 0; argv[i]; i++) {
		if (n + 1 >= sizeof(spawn_argv) / sizeof(spawn_argv[0]))
			return -E2BIG;
		spawn_argv[n++] = argv[i];
	}
	spawn_argv[n] = NULL;
	join_argv(argv, line, sizeof(line));
	ewoe_debug("run: %s", line);

	/* The child's output must come after ours, not before it. */
	fflush(stdout);
	fflush(stderr);
	err = posix_spawnp(&pid, spawn_argv[0], NULL, NULL, (char *const *)spawn_argv, environ);
	if (!err) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				err = errno;
				ewoe_err("waiting for %s: %s", argv[0], strerror(err));
				return -err;
			}
		}
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
		if (WEXITSTATUS(status) != 127)
			return WEXITSTATUS(status);
		/*
		 * POSIX lets posix_spawn report a failed exec this way too, from the child: glibc
		 * does under qemu-user, which runs the child as a fork.
		 */
		err = ENOENT;
	}
	ewoe_err("cannot run %s: %s", spawn_argv[0], strerror(err));
	return -err;
}

int platform_run_action(const char *const argv[])
{
	char line[1024];
	int rc;

	join_argv(argv, line, sizeof(line));
	ewoe_change(EWOE_CHANGED, "command", argv[0], "%s", line);
	if (ewoe_opts.dry_run)
		return 1;
	rc = platform_run(argv);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		ewoe_err("'%s' failed with exit status %d", line, rc);
		return -EIO;
	}
	return 1;
}

int platform_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	struct stat like = { .st_mode = mode, .st_uid = geteuid(), .st_gid = getegid() };

	return write_atomic(path, data, len, &like, false);
}

int platform_read_line(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	err = platform_path(path, sizeof(path), rel);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err != ENOENT)
			ewoe_err("cannot read %s: %s", path, strerror(err));
		return -err;
	}
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		ewoe_err("cannot read %s: %s", path, strerror(err));
		return -err;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* mlnx-bf.conf, parsed just enough to find and replace one KEY=value line. */
struct bfconf {
	char path[PATH_MAX];
	char *text;
	size_t len;
	bool found;
	size_t line_no;
	size_t val_start, val_end; /* the value's bytes, inside the quotes when quoted */
	char quote;		   /* '"', '\'' or 0 for a bare value */
	enum bfconf_value value;
};

static void bfconf_free(struct bfconf *c)
{
	free(c->text);
	c->text = NULL;
}

int platform_read_fd(int fd, size_t max, char **out, size_t *out_len)
{
	size_t len = 0, cap = max < 4096 ? max + 1 : 4096;
	char *buf = malloc(cap + 1), *bigger;
	ssize_t n;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			/* One byte past max tells a file of max bytes from a longer one. */
			size_t grown = cap > max / 2 ? max + 1 : cap * 2;

			if (len > max) {
				err = -EFBIG;
				break;
			}
			bigger = malloc(grown + 1);
			if (!bigger) {
				err = -ENOMEM;
				break;
			}
			/* Not realloc: the old copy of a secret is wiped, not left to the heap. */
			memcpy(bigger, buf, len);
			explicit_bzero(buf, len);
			free(buf);
			buf = bigger;
			cap = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	if (!err && len > max)
		err = -EFBIG;
	if (err) {
		explicit_bzero(buf, len);
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int platform_read_file(const char *path, size_t max, char **out, size_t *out_len)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else
		err = platform_read_fd(fd, max, out, out_len);
	close(fd);
	return err;
}

/* Parse one KEY line starting at p (after leading blanks). 0 or -EINVAL with *why set. */
static int bfconf_parse_value(struct bfconf *c, const char *p, const char *eol, const char **why)
{
	const char *v = p, *end;

	if (*v == '"' || *v == '\'') {
		c->quote = *v++;
		end = memchr(v, c->quote, (size_t)(eol - v));
		if (!end) {
			*why = "unterminated quote";
			return -EINVAL;
		}
		c->val_start = (size_t)(v - c->text);
		c->val_end = (size_t)(end - c->text);
		p = end + 1;
	} else {
		c->quote = 0;
		end = v;
		while (end < eol && *end != ' ' && *end != '\t' && *end != '#')
			end++;
		c->val_start = (size_t)(v - c->text);
		c->val_end = (size_t)(end - c->text);
		p = end;
	}
	while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p < eol && *p != '#') {
		*why = "unexpected text after the value";
		return -EINVAL;
	}
	if (c->val_end - c->val_start == 3 && !memcmp(c->text + c->val_start, "yes", 3)) {
		c->value = BFCONF_YES;
	} else if (c->val_end - c->val_start == 2 && !memcmp(c->text + c->val_start, "no", 2)) {
		c->value = BFCONF_NO;
	} else {
		*why = "the value must be \"yes\" or \"no\"";
		return -EINVAL;
	}
	return 0;
}

static int bfconf_load(const char *key, struct bfconf *c)
{
	size_t key_len = strlen(key), line_no = 0;
	const char *why = NULL;
	char *p, *eol;
	int err;

	memset(c, 0, sizeof(*c));
	err = platform_path(c->path, sizeof(c->path), PLATFORM_BFCONF);
	if (err)
		return err;
	err = platform_read_file(c->path, BFCONF_MAX_SIZE, &c->text, &c->len);
	if (err) {
		ewoe_err("cannot read %s: %s", c->path, strerror(-err));
		if (err == -ENOENT)
			ewoe_hint(
			    "this is not a BlueField Arm with NVIDIA's driver (use --root for "
			    "a copy of one)");
		return err;
	}
	if (memchr(c->text, '\0', c->len)) {
		ewoe_err("%s is malformed: it contains NUL bytes, not a text file", c->path);
		err = -EINVAL;
		goto fail;
	}
	for (p = c->text; *p; p = *eol ? eol + 1 : eol) {
		char *s = p;

		line_no++;
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(eol - s) > 7 && !strncmp(s, "export", 6) &&
		    (s[6] == ' ' || s[6] == '\t'))
			for (s += 7; s < eol && (*s == ' ' || *s == '\t');)
				s++;
		if ((size_t)(eol - s) <= key_len || strncmp(s, key, key_len) || s[key_len] != '=')
			continue;
		if (c->found) {
			ewoe_err("%s is malformed: %s is set twice (lines %zu and %zu)", c->path,
				 key, c->line_no, line_no);
			ewoe_hint("keep one %s line", key);
			err = -EINVAL;
			goto fail;
		}
		c->found = true;
		c->line_no = line_no;
		err = bfconf_parse_value(c, s + key_len + 1, eol, &why);
		if (err) {
			ewoe_err("%s line %zu is malformed: %s", c->path, line_no, why);
			ewoe_hint("write it as %s=\"yes\" or %s=\"no\"", key, key);
			goto fail;
		}
	}
	if (!c->found)
		c->value = BFCONF_MISSING;
	return 0;
fail:
	bfconf_free(c);
	return err;
}

int platform_bfconf_get(const char *key, enum bfconf_value *out)
{
	struct bfconf c;
	int err = bfconf_load(key, &c);

	if (err)
		return err;
	*out = c.value;
	bfconf_free(&c);
	return 0;
}

/*
 * Write data to path through a temporary file in the same directory and a rename: a reader
 * sees the old file or the new, never half of one. durable: on disk (file and rename) before
 * returning, for what nothing would write again after a power cut.
 */
static int write_atomic(const char *path, const char *data, size_t len, const struct stat *like,
			bool durable)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t done = 0;
	int fd, dfd, err = 0;
	char *slash;

	if (snprintf(tmp, sizeof(tmp), "%s.ewoe-tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		ewoe_err("cannot create a temporary file next to %s: %s", path, strerror(-err));
		return err;
	}
	if (fchmod(fd, like->st_mode & 07777) < 0 ||
	    (fchown(fd, like->st_uid, like->st_gid) < 0 && errno != EPERM)) {
		err = -errno;
		goto fail;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto fail;
		}
		done += (size_t)n;
	}
	if (durable && fsync(fd) < 0) {
		err = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = -errno;
		goto fail;
	}
	if (!durable)
		return 0;
	/* The rename itself must survive a power cut, or the driver restart reads the old file. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail:
	ewoe_err("cannot write %s: %s", path, strerror(-err));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

int platform_bfconf_set(const char *key, bool yes)
{
	const char *word = yes ? "yes" : "no";
	char backup[PATH_MAX + sizeof(PLATFORM_BACKUP_SUFFIX)];
	struct bfconf c;
	struct stat st;
	char *out = NULL;
	size_t out_len;
	int err;

	err = bfconf_load(key, &c);
	if (err)
		return err;
	if (c.value == (yes ? BFCONF_YES : BFCONF_NO)) {
		err = 0;
		goto out;
	}
	snprintf(backup, sizeof(backup), "%s%s", c.path, PLATFORM_BACKUP_SUFFIX);
	if (c.found)
		ewoe_change(EWOE_CHANGED, "file", c.path,
			    "set %s=\"%s\" in %s line %zu (backup %s)", key, word, c.path,
			    c.line_no, backup);
	else
		ewoe_change(EWOE_CHANGED, "file", c.path, "append %s=\"%s\" to %s (backup %s)", key,
			    word, c.path, backup);
	if (ewoe_opts.dry_run) {
		err = 1;
		goto out;
	}

	out = malloc(c.len + strlen(key) + 16);
	if (!out) {
		err = -ENOMEM;
		goto out;
	}
	if (c.found) {
		const char *q = c.quote ? "" : "\"";

		out_len = (size_t)sprintf(out, "%.*s%s%s%s%s", (int)c.val_start, c.text, q, word, q,
					  c.text + c.val_end);
	} else {
		bool need_nl = c.len && c.text[c.len - 1] != '\n';

		out_len =
		    (size_t)sprintf(out, "%s%s%s=\"%s\"\n", c.text, need_nl ? "\n" : "", key, word);
	}
	if (stat(c.path, &st) < 0) {
		err = -errno;
		ewoe_err("cannot stat %s: %s", c.path, strerror(-err));
		goto out;
	}
	err = write_atomic(backup, c.text, c.len, &st, true);
	if (err)
		goto out;
	err = write_atomic(c.path, out, out_len, &st, true);
	if (!err)
		err = 1;
out:
	free(out);
	bfconf_free(&c);
	return err;
}

static bool unit_exists(const char *unit)
{
	static const char *const dirs[] = { "etc/systemd/system", "usr/lib/systemd/system",
					    "lib/systemd/system" };
	char rel[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/%s.service", dirs[i], unit);
		if (platform_exists(rel))
			return true;
	}
	return false;
}

/* CentOS/RHEL/Fedora name their services differently from Debian/Ubuntu. */
static bool os_is_rhel_like(void)
{
	static const char *const files[] = { "etc/os-release", "usr/lib/os-release" };
	char path[PATH_MAX], line[512];
	bool rhel = false;
	FILE *f = NULL;

	for (size_t i = 0; !f && i < sizeof(files) / sizeof(files[0]); i++)
		if (!platform_path(path, sizeof(path), files[i]))
			f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "ID=", 3) && strncmp(line, "ID_LIKE=", 8))
			continue;
		if (strstr(line, "rhel") || strstr(line, "centos") || strstr(line, "fedora"))
			rhel = true;
	}
	fclose(f);
	return rhel;
}

const char *platform_ovs_service(void)
{
	if (unit_exists("openvswitch-switch"))
		return "openvswitch-switch";
	if (unit_exists("openvswitch"))
		return "openvswitch";
	return os_is_rhel_like() ? "openvswitch" : "openvswitch-switch";
}

const char *platform_strongswan_service(void)
{
	if (unit_exists("strongswan"))
		return "strongswan";
	if (unit_exists("strongswan-starter"))
		return "strongswan-starter";
	return os_is_rhel_like() ? "strongswan" : "strongswan-starter";
}

int platform_service_active(const char *unit)
{
	const char *const argv[] = { "systemctl", "is-active", "--quiet", unit, NULL };
	int rc = platform_run(argv);

	if (rc < 0)
		return rc;
	return rc == 0;
}

int platform_service(const char *verb, const char *unit)
{
	const char *const argv[] = { "systemctl", verb, unit, NULL };

	return platform_run_action(argv);
}

int platform_restart_vswitchd(void)
{
	/* Restarting the whole openvswitch service would also restart ovsdb-server. */
	return platform_service("restart", unit_exists("ovs-vswitchd") ? "ovs-vswitchd"
								       : platform_ovs_service());
}

static bool is_mst_function0(const char *name)
{
	size_t n = strlen(name);

	return name[0] == 'm' && n > 2 && !strcmp(name + n - 2, "f0");
}

int platform_mst_device(char *buf, size_t len)
{
	char dir_path[PATH_MAX], best[NAME_MAX + 1] = "";
	bool probe = !buf; /* only asking whether there is one: no messages */
	struct dirent *de;
	int matches = 0;
	DIR *dir;
	int err;

	err = platform_path(dir_path, sizeof(dir_path), "dev/mst");
	if (err)
		return err;
	dir = opendir(dir_path);
	if (!dir) {
		err = -errno;
		if (!probe) {
			ewoe_err("cannot list %s: %s", dir_path, strerror(-err));
			ewoe_hint("start the Mellanox software tools first: mst start");
		}
		return err;
	}
	while ((de = readdir(dir))) {
		if (!is_mst_function0(de->d_name))
			continue;
		matches++;
		if (!best[0] || strcmp(de->d_name, best) < 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(dir);
	if (!matches) {
		if (!probe) {
			ewoe_err("no configuration device of function 0 (m*f0) in %s", dir_path);
			ewoe_hint("start the Mellanox software tools first: mst start");
		}
		return -ENODEV;
	}
	if (probe)
		return 0;
	if (matches > 1)
		ewoe_warn("%d devices match m*f0 in %s; using %s", matches, dir_path, best);
	if (snprintf(buf, len, "%s", best) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int platform_set_host_restriction(void)
{
	char dev[NAME_MAX + 1], rel[PATH_MAX], path[PATH_MAX];
	int err;

	err = platform_mst_device(dev, sizeof(dev));
	if (err)
		return err;
	snprintf(rel, sizeof(rel), "dev/mst/%s", dev);
	err = platform_path(path, sizeof(path), rel);
	if (err)
		return err;
	const char *const argv[] = { "mlxprivhost", "-d", path, "--disable_port_owner", "r", NULL };
	err = platform_run_action(argv);
	return err < 0 ? err : 0;
}

int platform_vxlan_device(char *name, size_t len)
{
	char dir_path[PATH_MAX], rel[PATH_MAX], path[PATH_MAX], line[256];
	struct dirent *de;
	int found = 0;
	DIR *dir;
	FILE *f;
	int err;

	err = platform_path(dir_path, sizeof(dir_path), "sys/class/net");
	if (err)
		return err;
	dir = opendir(dir_path);
	if (!dir) {
		err = -errno;
		ewoe_err("cannot list %s: %s", dir_path, strerror(-err));
		return err;
	}
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "sys/class/net/%s/uevent", de->d_name);
		if (platform_path(path, sizeof(path), rel))
			continue;
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strcmp(line, "DEVTYPE=vxlan\n") || !strcmp(line, "DEVTYPE=vxlan")) {
				snprintf(name, len, "%s", de->d_name);
				found = 1;
				break;
			}
		fclose(f);
	}
	closedir(dir);
	return found;
}

int platform_kernel_version(char *release, size_t len)
{
	char path[PATH_MAX];
	int major, minor, err;

	err = platform_read_line("proc/sys/kernel/osrelease", release, len);
	if (err == -ENOENT) {
		platform_path(path, sizeof(path), "proc/sys/kernel/osrelease");
		ewoe_err("cannot read %s: %s", path, strerror(ENOENT));
	}
	if (err)
		return err;
	if (sscanf(release, "%d.%d", &major, &minor) != 2 || major < 0 || minor < 0 ||
	    minor > 999) {
		ewoe_err("cannot parse the kernel release '%s'", release);
		return -EINVAL;
	}
	return major * 1000 + minor;
}
