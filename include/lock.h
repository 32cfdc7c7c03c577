/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One changing ewoe at a time on a node: a systemd timer's `ewoe setup` and an operator's,
 * or two operators', would otherwise build their changes from the same snapshot and collide.
 * main() takes the lock for every command flagged EWOE_CMD_LOCK (include/ewoe.h).
 */
#ifndef EWOE_LOCK_H
#define EWOE_LOCK_H

/*
 * Under ewoe_opts.root. Not /run/lock: anyone may create files there, so any local user
 * could hold the lock and keep ewoe from ever running.
 */
#define LOCK_DIR  "run/ewoe"
#define LOCK_FILE LOCK_DIR "/ewoe.lock"

/*
 * Take the node's lock for the rest of the process, for the command named what (written
 * into the file with this pid for the next one to name). When another ewoe holds it, say so
 * once and wait up to timeout_ms for it. 0 held; -ETIMEDOUT still held by the other one at
 * the deadline, or a negative errno when the file cannot be made or locked (message printed).
 */
int lock_node(const char *what, int timeout_ms);

/* Remove the file and release the lock; nothing when not held. */
void lock_release(void);

#endif
