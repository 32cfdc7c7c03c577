// SPDX-License-Identifier: GPL-2.0-or-later
/* The netlink request loop of include/netlink.h. */
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
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, nl_data_cb, &call,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return call.err ? call.err : errno ? -errno : -EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
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
