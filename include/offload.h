/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef EWOE_OFFLOAD_H
#define EWOE_OFFLOAD_H

#include <stdbool.h>

/*
 * Turn IPsec packet offload on (packet) or off on pf. NVIDIA's driver: mlnx-bf.conf and a
 * driver restart, with openvswitch (when a VXLAN device exists, or stop_ovs) and mlx-regex
 * stopped around it, only when the current state differs. Upstream kernels have no switch:
 * report what the PF offers, and fail when packet offload is asked for and missing.
 * 0 or a negative errno; every step is reported, and only reported under --dry-run.
 */
int offload_apply(const char *pf, bool packet, bool stop_ovs);

#endif
