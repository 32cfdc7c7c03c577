// SPDX-License-Identifier: GPL-2.0-or-later
/* The netlink request loop of include/netlink.h. */
#define _GNU_SOURCE /* recvmmsg */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/netlink.h>

#include "ewoe.h"
#include "log.h"
#include "netlink.h"

/* Dumps come in messages of up to 32 KiB (libmnl's MNL_SOCKET_DUMP_SIZE, not in older ones). */
#define NL_RECV_SIZE 32768

struct netlink_call {
	struct netlink *nl;
	mnl_cb_t cb;
	void *data;
	int err;
};

int netlink_open(struct netlink *nl, int bus)
{
	struct timeval tv;
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(bus);
	if (!nl->sock) {
		err = -errno;
		ewoe_err("cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		ewoe_err("cannot bind a netlink socket: %s", strerror(-err));
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return err;
	}
	/* A kernel that never answers would otherwise hang a setup run forever. */
	tv.tv_sec = ewoe_opts.timeout_ms / 1000;
	tv.tv_usec = (ewoe_opts.timeout_ms % 1000) * 1000;
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Kernels without them just send no text; the errno still arrives. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

void netlink_close(struct netlink *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct netlink_call *call = arg;

	return call->cb ? call->cb(nlh, call->data) : MNL_CB_OK;
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct netlink_call *call = arg;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	size_t offset;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		call->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	call->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return MNL_CB_ERROR;
	offset = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(attr, nlh, offset)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(call->nl->extack, sizeof(call->nl->extack), "%s",
				 mnl_attr_get_str(attr));
	}
	return MNL_CB_ERROR;
}

/* A dump that fails part-way ends with NLMSG_DONE carrying the error. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct netlink_call *call = arg;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (err < 0) {
			call->err = err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* The next datagram of replies: its length, or -ETIMEDOUT when the kernel does not answer. */
static ssize_t receive(struct netlink *nl, char *buf, size_t size)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl->sock, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return n;
}

/* Send one request and run cb on every reply until the ack or the end of the dump. */
int netlink_call(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[NL_RECV_SIZE];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { NULL };
	struct netlink_call call = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	ctl[NLMSG_ERROR] = nl_error_cb;
	ctl[NLMSG_DONE] = nl_done_cb;
	nl->extack[0] = '\0';
	nlh->nlmsg_seq = ++nl->seq;
	/* NLM_F_EXCL shares a bit with NLM_F_DUMP: a dump has both of its bits. */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = receive(nl, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, nl_data_cb, &call,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return call.err ? call.err : errno ? -errno : -EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* How many answers netlink_call_each() takes per receive, and the room for each. */
#define EACH_BATCH 32
#define EACH_SLOT  2048

/* Hand each answer in one datagram to cb; the number of answers it held. */
static size_t answers(const struct netlink *nl, const char *buf, size_t len, unsigned int first,
		      size_t n, netlink_each_cb cb, void *data)
{
	int left = (int)len;
	size_t count = 0;

	for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t i = nlh->nlmsg_seq - first;

		if (nlh->nlmsg_pid != nl->portid || i >= n)
			continue; /* not an answer to these requests */
		count++;
		if (nlh->nlmsg_type != NLMSG_ERROR)
			cb(i, 0, nlh, data);
		else if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			cb(i, -EBADMSG, NULL, data);
		else
			cb(i, e->error, NULL, data);
	}
	return count;
}

int netlink_call_each(struct netlink *nl, char *reqs, size_t len, netlink_each_cb cb, void *data)
{
	static char bufs[EACH_BATCH][EACH_SLOT];
	struct mmsghdr msgs[EACH_BATCH];
	struct iovec iov[EACH_BATCH];
	unsigned int first = nl->seq + 1;
	size_t n = 0, answered = 0;
	int left = (int)len, got;

	for (struct nlmsghdr *nlh = (struct nlmsghdr *)reqs; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left), n++)
		nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, reqs, len) < 0)
		return -errno;
	/* Each answer is a datagram of its own: one receive takes as many as have come. */
	while (answered < n) {
		memset(msgs, 0, sizeof(msgs));
		for (size_t k = 0; k < EACH_BATCH; k++) {
			iov[k] = (struct iovec){ bufs[k], sizeof(bufs[k]) };
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(mnl_socket_get_fd(nl->sock), msgs, EACH_BATCH, MSG_WAITFORONE, NULL);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (int k = 0; k < got; k++) {
			if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			answered += answers(nl, bufs[k], msgs[k].msg_len, first, n, cb, data);
		}
	}
	return 0;
}

void netlink_fail(const struct netlink *nl, int err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (nl->extack[0])
		ewoe_err("%s: %s (Error: %s)", what, strerror(-err), nl->extack);
	else
		ewoe_err("%s: %s", what, strerror(-err));
}
