// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for reading IPsec state: one netlink dump of every xfrm state and one of every
 * policy, as ewoe verify does, with every message thrown away. Not part of ewoe: bench/run.sh
 * builds it to measure what the kernel alone costs.
 *
 * usage: xfrm-dump  (prints the number of states and policies seen, on stderr)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

/* The same receive buffer as ewoe's reader, so only the parsing differs. */
#define DUMP_BUF_SIZE 32768

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned long *)data)++;
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, unsigned int portid, unsigned short type,
		unsigned long *count)
{
	char req_buf[MNL_SOCKET_BUFFER_SIZE];
	static char buf[DUMP_BUF_SIZE];
	struct nlmsghdr *req = mnl_nlmsg_put_header(req_buf);
	unsigned int seq = (unsigned int)time(NULL) + type;
	ssize_t n;
	int rc;

	req->nlmsg_type = type;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, count_cb, count);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -errno : 0;
	}
}

int main(void)
{
	unsigned long states = 0, policies = 0;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);
	int err;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "xfrm-dump: netlink socket: %s\n", strerror(errno));
		return 1;
	}
	err = dump(nl, mnl_socket_get_portid(nl), XFRM_MSG_GETSA, &states);
	if (!err)
		err = dump(nl, mnl_socket_get_portid(nl), XFRM_MSG_GETPOLICY, &policies);
	mnl_socket_close(nl);
	if (err) {
		fprintf(stderr, "xfrm-dump: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr, "xfrm-dump: %lu states, %lu policies\n", states, policies);
	return 0;
}
