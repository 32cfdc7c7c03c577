/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * charon's IKE_SAs as one list-sas reports them, per connection: what status reports and
 * what the bring-up wait follows (src/ only).
 */
#ifndef EWOE_IKE_SAS_H
#define EWOE_IKE_SAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_vici.h"

struct sa_scan {
	const char *conn;
	bool any_sa;
	bool established;
	int installed; /* bit 0 bf-out, bit 1 bf-in, of an ESTABLISHED IKE_SA */
	char state[32];
	uint32_t spis[IKE_MAX_SPIS]; /* of every CHILD_SA in any state */
	bool spi_installed[IKE_MAX_SPIS];
	size_t n_spis;
	bool spis_cut;		     /* more than fit: the list is not the whole truth */
	long ike_age_s, child_age_s; /* of the newest ESTABLISHED IKE_SA and INSTALLED child; -1 */
};

/* The connections one list-sas answers for: each IKE_SA event names its connection. */
struct sa_scans {
	struct sa_scan *scan;
	size_t n;
};

/* One list-sas for every connection of `all`: one name filters in the daemon. 0 or <0. */
int scan_sas(struct ike *ike, struct sa_scans *all);

#endif
