/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What each daemon says about one tunnel, as plain structs of the model: the OVSDB and IKE
 * backends fill them (ovsdb.h, ike.h), the checker reads them (check.h) without depending on
 * either backend.
 */
#ifndef EWOE_DAEMON_STATUS_H
#define EWOE_DAEMON_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What verify reports for the OVS side of one tunnel. */
struct ovsdb_tunnel_status {
	bool bridge_exists;
	bool rep_on_bridge;
	bool iface_exists;
	long ofport;	    /* -1 when ovs-vswitchd could not add it */
	char error[256];    /* the Interface error column, empty when none */
	bool ipsec_options; /* psk/remote_cert/remote_name: ovs-monitor-ipsec owns it */
};

/* What verify and status report for the IKE side of one tunnel (charon's list-sas). */
#define IKE_MAX_SPIS 16 /* two children, both ways, through a few rekeys */

struct ike_status {
	bool conn_loaded;
	bool ike_established;
	int children_installed; /* of 2 */
	char state[32];		/* IKE_SA state when not ESTABLISHED */
	/* The ESP SPIs of every CHILD_SA the daemon has for the connection, both ways. */
	uint32_t spis[IKE_MAX_SPIS];
	bool spi_installed[IKE_MAX_SPIS]; /* its CHILD_SA is INSTALLED (not rekeyed, deleting) */
	size_t n_spis;
	bool spis_complete; /* false: more than IKE_MAX_SPIS, the list is cut */
	/*
	 * Seconds since the ESTABLISHED IKE_SA was established, and since the newest INSTALLED
	 * CHILD_SA of it was installed (list-sas "established" and "install-time"): what status
	 * shows. -1 when there is none or charon did not say.
	 */
	long ike_age_s;
	long child_age_s;
};

#endif
