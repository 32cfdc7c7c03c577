// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ewoe.h"
#include "log.h"
#include "platform.h"
#include "state.h"

#define FAILURES_DIR "run/ewoe/failures"
#define STATE_DIR    "run/ewoe"
#define SETUP_OK     STATE_DIR "/setup-ok"

static int failure_path(const char *peer, char *buf, size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), FAILURES_DIR "/%s", peer);
	return platform_path(buf, len, rel);
}

void state_failure_set(const char *peer, const char *text)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int err;

	if (ewoe_opts.dry_run || platform_path(dir, sizeof(dir), FAILURES_DIR) ||
	    failure_path(peer, path, sizeof(path)))
		return;
	err = platform_mkdirs(dir, 0700);
	if (err)
		ewoe_debug("cannot create %s: %s", dir, strerror(-err));
	else
		platform_write_file(path, text, strlen(text), 0600);
}

void state_failure_clear(const char *peer)
{
	char path[PATH_MAX];

	if (!ewoe_opts.dry_run && !failure_path(peer, path, sizeof(path)))
		unlink(path);
}

struct state_failures {
	char **names; /* sorted */
	size_t n, cap;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void state_failures_free(struct state_failures *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f);
}

struct state_failures *state_failures_list(void)
{
	struct state_failures *f = NULL;
	char dir[PATH_MAX];
	struct dirent *d;
	DIR *dh;

	if (platform_path(dir, sizeof(dir), FAILURES_DIR) || !(dh = opendir(dir)))
		return NULL;
	while ((d = readdir(dh))) {
		char *name;

		if (d->d_name[0] == '.')
			continue;
		if (!f && !(f = calloc(1, sizeof(*f))))
			break;
		name = strdup(d->d_name);
		if (!name || ewoe_grow((void **)&f->names, sizeof(*f->names), f->n, &f->cap)) {
			free(name);
			break;
		}
		f->names[f->n++] = name;
	}
	closedir(dh);
	/* Out of memory part-way: a list that misses a peer would hide its failure. */
	if (d) {
		ewoe_debug("listing %s: out of memory", dir);
		state_failures_free(f);
		return NULL;
	}
	if (f)
		qsort(f->names, f->n, sizeof(*f->names), name_cmp);
	return f;
}

int state_failure_get(const struct state_failures *f, const char *peer, char *buf, size_t len,
		      time_t *when)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (!f || !bsearch(&peer, f->names, f->n, sizeof(*f->names), name_cmp) ||
	    failure_path(peer, path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = fstat(fd, &st) == 0 ? read(fd, buf, len - 1) : -1;
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	*when = st.st_mtime;
	return 1;
}

void state_setup_ok_set(void)
{
	static const char text[] = "ewoe setup converged the node; when: this file's mtime\n";
	char dir[PATH_MAX], path[PATH_MAX];
	int err;

	if (ewoe_opts.dry_run || platform_path(dir, sizeof(dir), STATE_DIR) ||
	    platform_path(path, sizeof(path), SETUP_OK))
		return;
	/*
	 * The time is the file's mtime, its content never changes: a setup that changed nothing
	 * leaves every file under the root as it was but this one's time.
	 */
	if (utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	err = platform_mkdirs(dir, 0755);
	if (err) {
		ewoe_debug("cannot create %s: %s", dir, strerror(-err));
		return;
	}
	platform_write_file(path, text, sizeof(text) - 1, 0644);
}

void state_setup_ok_clear(void)
{
	char path[PATH_MAX];

	if (!ewoe_opts.dry_run && !platform_path(path, sizeof(path), SETUP_OK))
		unlink(path);
}

int state_setup_ok_get(time_t *when)
{
	char path[PATH_MAX];
	struct stat st;

	if (platform_path(path, sizeof(path), SETUP_OK) || lstat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	*when = st.st_mtime;
	return 1;
}
