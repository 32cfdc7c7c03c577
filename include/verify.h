/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proving that tunnels are up, encrypted and offloaded, for `ewoe verify` and after setup. */
#ifndef EWOE_VERIFY_H
#define EWOE_VERIFY_H

#include <stddef.h>

#include "peer.h"

/*
 * Check every peer's SAs and policies in the kernel, its OVS and IKE side when those daemons
 * answer, and the PF MTU; print the table (or JSON with ewoe_opts.json) on stdout.
 * expect: packet, crypto or none must match exactly; auto accepts any offload on the PF.
 * Returns EXIT_OK, EXIT_PROBLEMS, or EXIT_FAIL when the kernel could not be read.
 */
int verify_peers(const struct ewoe_peer *peers, size_t n, const char *pf, const char *rep,
		 enum ewoe_offload expect);

#endif
