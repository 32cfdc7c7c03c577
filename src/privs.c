// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <sys/capability.h>

#include "log.h"
#include "privs.h"

static const cap_value_t needed[] = {
	CAP_NET_ADMIN,	     /* xfrm, rtnetlink, ethtool and devlink changes */
	CAP_DAC_OVERRIDE,    /* daemon sockets and config files of other owners */
	CAP_DAC_READ_SEARCH, /* the same, for reading */
	CAP_FOWNER,	     /* chmod 0600 on files ewoe writes */
	CAP_CHOWN,	     /* keep root ownership of those files */
};

int privs_drop(void)
{
	cap_t caps = cap_get_proc();
	cap_t keep = cap_init();
	cap_value_t granted[sizeof(needed) / sizeof(needed[0])];
	int n = 0;
	int err = 0;

	if (!caps || !keep) {
		err = -errno;
		goto out;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, needed[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			granted[n++] = needed[i];
	}
	if (n && (cap_set_flag(keep, CAP_PERMITTED, n, granted, CAP_SET) ||
		  cap_set_flag(keep, CAP_EFFECTIVE, n, granted, CAP_SET))) {
		err = -errno;
		goto out;
	}
	if (cap_set_proc(keep))
		err = -errno;
out:
	if (err)
		ewoe_debug("could not drop capabilities: %s", strerror(-err));
	cap_free(caps);
	cap_free(keep);
	return err;
}

bool privs_have_net_admin(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (caps)
		cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}
