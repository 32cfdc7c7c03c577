// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The node-wide lock: flock(2) on a file under the root prefix. The kernel drops it when the
 * process ends however it ends, so a killed ewoe never leaves the node locked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "platform.h"

/* A waiting ewoe asks again this often: nothing next to a setup, enough to start soon after. */
#define LOCK_POLL_MS 50

static int lock_fd = -1;
static char lock_path[PATH_MAX];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Who holds the lock, from what the holder wrote: "<pid> <command>". 0 when it is not known:
 * not written yet, another program holding the file, or what an ewoe killed before it could
 * remove the file left in it (that pid is gone).
 */
static long holder(int fd, char *cmd, size_t len)
{
	char buf[64], name[32];
	long pid;
	ssize_t n;

	cmd[0] = '\0';
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %31s", &pid, name) != 2 || pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) && errno != EPERM)
		return 0;
	snprintf(cmd, len, "%s", name);
	return pid;
}

static void describe_holder(int fd, char *buf, size_t len)
{
	char cmd[32];
	long pid = holder(fd, cmd, sizeof(cmd));

	if (pid)
		snprintf(buf, len, " (pid %ld, ewoe %s)", pid, cmd);
	else
		buf[0] = '\0';
}

static int open_lock(char *path, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd, err;

	err = platform_path(dir, sizeof(dir), LOCK_DIR);
	if (err)
		return err;
	err = platform_path(path, len, LOCK_FILE);
	if (err)
		return err;
	err = platform_mkdirs(dir, 0755);
	if (err) {
		ewoe_err("cannot create %s for ewoe's lock: %s", dir, strerror(-err));
		goto hint;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		err = -errno;
		ewoe_err("cannot open ewoe's lock %s: %s", path, strerror(errno));
		goto hint;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ewoe_err("ewoe's lock %s is not a regular file", path);
		ewoe_hint("remove it; ewoe creates it again");
		close(fd);
		return -EINVAL;
	}
	return fd;
hint:
	if (err == -EACCES || err == -EPERM || err == -EROFS)
		ewoe_hint("commands that change the node run as root, with %s writable", dir);
	return err;
}

/*
 * Whether fd is still the file at path. A holder removes the file as it finishes: a waiter
 * that then gets the lock holds it on a file no one else will ever open, and must start over.
 */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lock_node(const char *what, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char who[64], me[64];
	bool told = false;
	int fd = -1, n;

	for (;;) {
		if (fd < 0) {
			fd = open_lock(lock_path, sizeof(lock_path));
			if (fd < 0)
				return fd;
		}
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			if (still_linked(fd, lock_path))
				break;
			close(fd);
			fd = -1;
			continue;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			n = -errno;
			ewoe_err("cannot lock %s: %s", lock_path, strerror(errno));
			close(fd);
			return n;
		}
		if (!told) {
			describe_holder(fd, who, sizeof(who));
			ewoe_info("waiting for another ewoe on this node to finish%s, at most %d s",
				  who, timeout_ms / 1000);
			told = true;
		}
		if (now_ms() >= deadline) {
			describe_holder(fd, who, sizeof(who));
			ewoe_err(
			    "another ewoe%s is still changing this node after %d s; nothing was "
			    "changed",
			    who, timeout_ms / 1000);
			ewoe_hint("run this again when it has finished, or let it wait longer with "
				  "--timeout SECONDS (the lock is %s)",
				  lock_path);
			close(fd);
			return -ETIMEDOUT;
		}
		sleep_ms(LOCK_POLL_MS);
	}
	/* The next ewoe to wait names this one; failing to say so is no reason to stop. */
	n = snprintf(me, sizeof(me), "%ld %.31s\n", (long)getpid(), what);
	if (ftruncate(fd, 0) || pwrite(fd, me, (size_t)n, 0) != n)
		ewoe_debug("could not write this pid into %s: %s", lock_path, strerror(errno));
	lock_fd = fd;
	return 0;
}

void lock_release(void)
{
	if (lock_fd < 0)
		return;
	/*
	 * Removed while still held, so that the file exists only while an ewoe changes the node
	 * (a waiter that opened it meanwhile notices, see still_linked). A killed ewoe leaves it
	 * behind, unlocked, with a pid that holder() finds gone.
	 */
	if (still_linked(lock_fd, lock_path) && unlink(lock_path))
		ewoe_debug("could not remove %s: %s", lock_path, strerror(errno));
	close(lock_fd);
	lock_fd = -1;
}
