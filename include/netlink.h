/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one netlink request loop (libmnl) that the link and xfrm backends share: a request,
 * its replies or dump, the ack, a timeout, and the kernel's extended-ack text on failure.
 */
#ifndef EWOE_NETLINK_H
#define EWOE_NETLINK_H

#include <libmnl/libmnl.h>

struct netlink {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char extack[256]; /* the kernel's text for the last failed request */
};

/* Open and bind a socket on bus (NETLINK_ROUTE, ...): 0, or a negative errno after saying so. */
int netlink_open(struct netlink *nl, int bus);
void netlink_close(struct netlink *nl);

/*
 * Send one request and run cb (may be NULL) on every reply until the ack or the end of the
 * dump. 0, the kernel's negative errno (its text in nl->extack), or -ETIMEDOUT when the kernel
 * does not answer within ewoe_opts.timeout_ms.
 */
int netlink_call(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * Many requests of one answer each (a message, or an error), sent at once: reqs holds them back
 * to back, len bytes, none asking for an ack or a dump. cb gets each answer with its request's
 * index: err 0 and the reply, or the kernel's negative errno and NULL. One send and a receive
 * per few hundred answers, where netlink_call() makes two system calls a request. 0 when every
 * request was answered, or a negative errno (the socket's, -ETIMEDOUT).
 */
typedef void (*netlink_each_cb)(size_t i, int err, const struct nlmsghdr *nlh, void *data);
int netlink_call_each(struct netlink *nl, char *reqs, size_t len, netlink_each_cb cb, void *data);

/* "ewoe: <what>: <strerror> (Error: <extack>)", once. */
void netlink_fail(const struct netlink *nl, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
