// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPsec packet offload in the DPU driver: NVIDIA's mlnx-bf.conf switch and driver restart, only
 * when the current state differs, or what an upstream kernel offers.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "ewoe.h"
#include "link.h"
#include "log.h"
#include "offload.h"
#include "platform.h"

/* Packet offload arrived in 6.2; on a switchdev uplink (the BlueField Arm's case) in 6.6. */
#define KERNEL_PACKET_OFFLOAD	6002
#define KERNEL_PACKET_SWITCHDEV 6006

struct offload_req {
	const char *pf;
	bool packet; /* false: --mode none */
	bool stop_ovs;
};

static const char *bfconf_name(enum bfconf_value v)
{
	return v == BFCONF_YES ? "\"yes\"" : v == BFCONF_NO ? "\"no\"" : "(not set)";
}

/* A compat devlink file of the PF: 1 read, 0 absent, <0 error (printed). */
static int read_compat(const char *pf, const char *file, char *buf, size_t len)
{
	char rel[PATH_MAX];
	int err;

	snprintf(rel, sizeof(rel), "sys/class/net/%s/compat/devlink/%s", pf, file);
	err = platform_read_line(rel, buf, len);
	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}

/* Stop a unit that runs; *stopped tells the restore step what to start again. */
static int stop_if(const char *unit, bool active, bool *stopped)
{
	int rc;

	*stopped = false;
	if (!active)
		return 0;
	rc = platform_service("stop", unit);
	if (rc < 0)
		return rc;
	*stopped = true;
	return 0;
}

/* Start what was stopped, even after a failure: leaving OVS down would cut the overlay. */
static int restore(const char *unit, bool stopped)
{
	return stopped ? platform_service("start", unit) : 0;
}

static int nvidia_driver(const struct offload_req *req)
{
	const char *want_mode = req->packet ? "full" : "none";
	const char *ovs_unit = platform_ovs_service();
	char ipsec_mode[32] = "", esw_mode[32] = "", vxlan[IFNAMSIZ + 1] = "";
	char openibd[PATH_MAX], backup[PATH_MAX + 16];
	bool conf_ok, driver_ok, ovs_stopped = false, regex_stopped = false;
	int have_ipsec_mode, have_esw_mode, ovs_active = 0, regex_active, vxlan_rc, rc;
	enum bfconf_value conf;

	rc = platform_bfconf_get(PLATFORM_BFCONF_KEY, &conf);
	if (rc < 0) /* -EINVAL: a malformed file, the operator's to fix */
		return rc == -EINVAL ? rc : -EIO;
	have_ipsec_mode = read_compat(req->pf, "ipsec_mode", ipsec_mode, sizeof(ipsec_mode));
	have_esw_mode = read_compat(req->pf, "mode", esw_mode, sizeof(esw_mode));
	if (have_ipsec_mode < 0 || have_esw_mode < 0)
		return -EIO;

	ewoe_report("%s: %s=%s, ipsec_mode %s, eswitch mode %s", req->pf, PLATFORM_BFCONF_KEY,
		    bfconf_name(conf), have_ipsec_mode ? ipsec_mode : "(not exposed)",
		    have_esw_mode ? esw_mode : "(not exposed)");
	/* A missing key is the driver's default: off. */
	conf_ok = req->packet ? conf == BFCONF_YES : conf != BFCONF_YES;
	/* The file may be right while the driver still runs with the old setting. */
	driver_ok = !have_ipsec_mode || !strcmp(ipsec_mode, want_mode);
	if (conf_ok && driver_ok) {
		ewoe_report("IPsec packet offload on %s is already %s: nothing to do", req->pf,
			    req->packet ? "on" : "off");
		return 0;
	}

	/* Everything that can refuse comes before the first change. */
	if (platform_path(openibd, sizeof(openibd), PLATFORM_OPENIBD))
		return -EIO;
	if (!platform_exists(PLATFORM_OPENIBD)) {
		ewoe_err("cannot restart the driver: %s does not exist", openibd);
		ewoe_hint("install NVIDIA's driver package (mlnx-ofed / doca-runtime) on the Arm");
		return -EIO;
	}
	vxlan_rc = platform_vxlan_device(vxlan, sizeof(vxlan));
	if (vxlan_rc < 0)
		return -EIO;
	if (req->stop_ovs || vxlan_rc) {
		ovs_active = platform_service_active(ovs_unit);
		if (ovs_active < 0)
			return -EIO;
	}
	regex_active = platform_service_active(PLATFORM_MLX_REGEX);
	if (regex_active < 0)
		return -EIO;
	if (ovs_active && vxlan_rc)
		ewoe_report("VXLAN device %s exists: %s stops during the driver restart", vxlan,
			    ovs_unit);

	if (!conf_ok && platform_bfconf_set(PLATFORM_BFCONF_KEY, req->packet) < 0)
		return -EIO;
	if (stop_if(ovs_unit, ovs_active, &ovs_stopped) < 0)
		return -EIO;
	rc = stop_if(PLATFORM_MLX_REGEX, regex_active, &regex_stopped);
	if (!rc) {
		const char *const argv[] = { openibd, "restart", NULL };

		rc = platform_run_action(argv);
	}
	if (restore(PLATFORM_MLX_REGEX, regex_stopped) < 0)
		rc = -EIO;
	if (restore(ovs_unit, ovs_stopped) < 0)
		rc = -EIO;
	if (rc < 0) {
		if (!conf_ok) {
			platform_path(backup, sizeof(backup),
				      PLATFORM_BFCONF PLATFORM_BACKUP_SUFFIX);
			ewoe_hint("the previous %s is saved as %s", PLATFORM_BFCONF, backup);
		}
		return -EIO;
	}
	if (ewoe_opts.dry_run)
		return 0;

	if (have_ipsec_mode) {
		if (read_compat(req->pf, "ipsec_mode", ipsec_mode, sizeof(ipsec_mode)) < 0)
			return -EIO;
		if (strcmp(ipsec_mode, want_mode)) {
			ewoe_err("%s: ipsec_mode is %s after the driver restart, expected %s",
				 req->pf, ipsec_mode, want_mode);
			ewoe_hint(
			    "ipsec_mode changes only in legacy eswitch mode; see the driver's "
			    "messages in dmesg");
			return -EIO;
		}
	}
	ewoe_report("IPsec packet offload on %s is now %s", req->pf, req->packet ? "on" : "off");
	return 0;
}

static int upstream_kernel(const struct offload_req *req)
{
	char release[128], conf_path[PATH_MAX];
	enum link_eswitch esw = LINK_ESWITCH_LEGACY;
	struct link_feature esp;
	bool problems = false;
	int version, esw_rc;

	version = platform_kernel_version(release, sizeof(release));
	if (version < 0)
		return -EIO;
	if (version < KERNEL_PACKET_OFFLOAD) {
		platform_path(conf_path, sizeof(conf_path), PLATFORM_BFCONF);
		ewoe_err("kernel %s has no IPsec packet offload: it needs Linux 6.2 or later, or "
			 "NVIDIA's BlueField driver (no %s)",
			 release, conf_path);
		return -EIO;
	}
	if (!req->packet) {
		ewoe_report("kernel %s: upstream packet offload has no switch to turn off; a "
			    "tunnel uses it only when set up with --offload packet",
			    release);
		return 0;
	}
	if (link_get_feature(req->pf, "esp-hw-offload", &esp) < 0)
		return -EIO;
	esw_rc = link_get_eswitch_mode(req->pf, &esw);
	if (esw_rc < 0 && esw_rc != -ENODEV && esw_rc != -ENOENT)
		return -EIO;

	ewoe_report("kernel %s: upstream IPsec packet offload, no toggle to set", release);
	ewoe_report("%s: esp-hw-offload %s%s", req->pf, esp.active ? "on" : "off",
		    esp.changeable ? "" : " [fixed]");
	ewoe_report("%s: eswitch mode %s", req->pf,
		    esw_rc < 0 ? "(no devlink)" : link_eswitch_name(esw));
	if (!esp.active) {
		problems = true;
		ewoe_err("%s does not offer IPsec offload (esp-hw-offload off)", req->pf);
		if (esp.changeable)
			ewoe_hint("turn it on: ethtool -K %s esp-hw-offload on", req->pf);
		else
			ewoe_hint("its driver has no IPsec offload; use the BlueField uplink or "
				  "--offload none for tunnels");
	}
	if (esw_rc == 0 && esw == LINK_ESWITCH_SWITCHDEV && version < KERNEL_PACKET_SWITCHDEV) {
		problems = true;
		ewoe_err("kernel %s cannot offload IPsec packets on a switchdev uplink", release);
		ewoe_hint("upgrade to Linux 6.6 or later");
	}
	if (problems)
		return -EIO;
	ewoe_report("IPsec packet offload is available on %s: nothing to change", req->pf);
	return 0;
}

int offload_apply(const char *pf, bool packet, bool stop_ovs)
{
	const struct offload_req req = { .pf = pf, .packet = packet, .stop_ovs = stop_ovs };
	char rel[PATH_MAX], path[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/class/net/%s", req.pf);
	if (platform_path(path, sizeof(path), rel))
		return -EIO;
	if (!platform_exists(rel)) {
		ewoe_err("PF %s not found: %s does not exist", req.pf, path);
		ewoe_hint("name the uplink PF (p0 or p1 on a BlueField Arm)");
		return -ENODEV;
	}
	if (platform_exists(PLATFORM_BFCONF))
		return nvidia_driver(&req);
	return upstream_kernel(&req);
}
