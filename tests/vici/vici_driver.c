// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drives the parts of the IKE backend (src/ike_*.c) that no command of this area reaches:
 * removal and status.
 * usage: vici_driver VICI_URI ROOT unload|status NAME
 */
#include <stdio.h>
#include <string.h>

#include "ewoe.h"
#include "ike.h"

int main(int argc, char **argv)
{
	struct ike_status st;
	struct ike *ike = NULL;
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: vici_driver VICI_URI ROOT unload|status NAME\n");
		return 2;
	}
	ewoe_opts.vici = argv[1];
	ewoe_opts.root = argv[2];
	ewoe_opts.timeout_ms = 5000;
	rc = ike_open(ewoe_opts.vici, &ike);
	if (rc)
		return 1;
	if (!strcmp(argv[3], "unload")) {
		rc = ike_unload_peer(ike, argv[4]);
		printf("unload=%d\n", rc);
	} else {
		rc = ike_peer_status(ike, argv[4], &st);
		if (!rc)
			printf("conn_loaded=%d ike_established=%d children_installed=%d state=%s "
			       "ike_age_s=%ld child_age_s=%ld\n",
			       st.conn_loaded, st.ike_established, st.children_installed, st.state,
			       st.ike_age_s, st.child_age_s);
	}
	ike_free(ike);
	return rc < 0;
}
