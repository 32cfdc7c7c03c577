// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ewoe tunnel psk|cert|ca: one encrypted VXLAN tunnel to one peer, the OVS interface and
 * the strongSwan connection. Everything is checked before either daemon is touched.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ewoe.h"
#include "ike.h"
#include "log.h"
#include "ovsdb.h"
#include "peer.h"
#include "xfrm.h"

#define COMMON_USAGE                                                                               \
	"--local ADDR --remote ADDR [--name NAME] [--bridge BRIDGE]\n"                             \
	"       [--vni N] [--dst-port PORT] [--offload packet|crypto|auto|none]\n"                 \
	"       [--role initiator|responder] [--ike-proposal P] [--esp-proposal P]\n"              \
	"       [--rekey-packets N] [--no-wait] [--no-ike | --no-ovs]\n"                           \
	"\n"                                                                                       \
	"  --local, --remote   this DPU's and the peer's PF (underlay) addresses\n"                \
	"  --name NAME         peer name: strongSwan connection ewoe-NAME (default: the\n"         \
	"                      VXLAN interface name derived from --remote)\n"                      \
	"  --offload MODE      hw_offload of the ESP SAs (default packet; packet and crypto\n"     \
	"                      need strongSwan 5.9.10 or later)\n"                                 \
	"  --role ROLE         who starts IKE (default: the side with the lower address)\n"        \
	"  --rekey-packets N   rekey the ESP SAs after N packets (rekey_bytes is not\n"            \
	"                      supported with packet offload)\n"                                   \
	"  --no-wait           do not wait for ovs-vswitchd or for the IKE_SA\n"                   \
	"  --no-ike, --no-ovs  configure only the OVS side, or only the strongSwan side\n"

static int tunnel_psk(int argc, char **argv);
static int tunnel_cert(int argc, char **argv);
static int tunnel_ca(int argc, char **argv);

const struct ewoe_cmd tunnel_commands[] = {
	{ "psk", tunnel_psk, "authenticate with a pre-shared key",
	  "--psk-file FILE|- " COMMON_USAGE
	  "  --psk-file FILE     the secret (file mode 0600), or '-' to read it from stdin\n",
	  NULL, 0 },
	{ "cert", tunnel_cert, "authenticate with self-signed certificates",
	  "--cert FILE --key FILE --peer-cert FILE " COMMON_USAGE
	  "  --cert, --key       this DPU's certificate and private key\n"
	  "  --peer-cert FILE    the peer DPU's certificate\n",
	  NULL, 0 },
	{ "ca", tunnel_ca, "authenticate with certificates signed by a CA",
	  "--cert FILE --key FILE --ca FILE --remote-name ID " COMMON_USAGE
	  "  --cert, --key       this DPU's certificate and private key\n"
	  "  --ca FILE           the CA certificate both DPUs' certificates chain to\n"
	  "  --remote-name ID    the peer's identity: its certificate's subject or a SAN\n",
	  NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

int cmd_tunnel(int argc, char **argv)
{
	const struct ewoe_cmd *self = ewoe_cmd_find(ewoe_commands, argv[0]);
	const struct ewoe_cmd *sub;

	if (argc < 2)
		return ewoe_usage_error(self, "say which authentication: psk, cert or ca");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		ewoe_cmd_usage(self, NULL, false);
		return EXIT_OK;
	}
	sub = ewoe_cmd_find(tunnel_commands, argv[1]);
	if (!sub)
		return ewoe_usage_error(self, "unknown authentication '%s': use psk, cert or ca",
					argv[1]);
	optind = 0;
	return sub->run(argc - 1, argv + 1);
}

struct tunnel_args {
	struct ewoe_peer peer;
	bool have_name, no_wait, no_ike, no_ovs;
};

static int parse(const struct ewoe_cmd *sub, enum ewoe_auth auth, int argc, char **argv,
		 struct tunnel_args *a)
{
	enum {
		OPT_LOCAL = 256,
		OPT_REMOTE,
		OPT_NAME,
		OPT_BRIDGE,
		OPT_VNI,
		OPT_DST_PORT,
		OPT_OFFLOAD,
		OPT_ROLE,
		OPT_IKE_PROPOSAL,
		OPT_ESP_PROPOSAL,
		OPT_REKEY_PACKETS,
		OPT_REKEY_BYTES,
		OPT_REKEY_TIME,
		OPT_REAUTH_TIME,
		OPT_NO_WAIT,
		OPT_NO_IKE,
		OPT_NO_OVS,
		OPT_PSK_FILE,
		OPT_CERT,
		OPT_KEY,
		OPT_PEER_CERT,
		OPT_CA,
		OPT_REMOTE_NAME,
	};
	static const struct option longopts[] = {
		{ "local", required_argument, NULL, OPT_LOCAL },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "bridge", required_argument, NULL, OPT_BRIDGE },
		{ "vni", required_argument, NULL, OPT_VNI },
		{ "dst-port", required_argument, NULL, OPT_DST_PORT },
		{ "offload", required_argument, NULL, OPT_OFFLOAD },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "ike-proposal", required_argument, NULL, OPT_IKE_PROPOSAL },
		{ "esp-proposal", required_argument, NULL, OPT_ESP_PROPOSAL },
		{ "rekey-packets", required_argument, NULL, OPT_REKEY_PACKETS },
		{ "rekey-bytes", required_argument, NULL, OPT_REKEY_BYTES },
		{ "rekey-time", required_argument, NULL, OPT_REKEY_TIME },
		{ "reauth-time", required_argument, NULL, OPT_REAUTH_TIME },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "no-ike", no_argument, NULL, OPT_NO_IKE },
		{ "no-ovs", no_argument, NULL, OPT_NO_OVS },
		{ "psk-file", required_argument, NULL, OPT_PSK_FILE },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "peer-cert", required_argument, NULL, OPT_PEER_CERT },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "remote-name", required_argument, NULL, OPT_REMOTE_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ewoe_peer *p = &a->peer;
	unsigned long n;
	int c;

	ewoe_peer_init(p);
	p->auth = auth;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		/* Options of another authentication method are a mistake, not noise. */
		bool foreign = (c == OPT_PSK_FILE && auth != AUTH_PSK) ||
			       ((c == OPT_CERT || c == OPT_KEY) && auth == AUTH_PSK) ||
			       (c == OPT_PEER_CERT && auth != AUTH_CERT) ||
			       ((c == OPT_CA || c == OPT_REMOTE_NAME) && auth != AUTH_CA);

		if (foreign)
			return ewoe_sub_usage_error(
			    "tunnel", sub, "option --%s does not apply to this authentication",
			    longopts[c - OPT_LOCAL].name);
		switch (c) {
		case OPT_LOCAL:
			if (ewoe_addr_parse(optarg, &p->local))
				return ewoe_sub_usage_error(
				    "tunnel", sub, "--local '%s': not an IPv4 or IPv6 address",
				    optarg);
			break;
		case OPT_REMOTE:
			if (ewoe_addr_parse(optarg, &p->remote))
				return ewoe_sub_usage_error(
				    "tunnel", sub, "--remote '%s': not an IPv4 or IPv6 address",
				    optarg);
			break;
		case OPT_NAME:
			if (strlen(optarg) >= sizeof(p->name))
				return ewoe_sub_usage_error("tunnel", sub, "--name '%s': too long",
							    optarg);
			snprintf(p->name, sizeof(p->name), "%s", optarg);
			a->have_name = true;
			break;
		case OPT_BRIDGE:
			if (strlen(optarg) >= sizeof(p->bridge))
				return ewoe_sub_usage_error("tunnel", sub,
							    "--bridge '%s': too long", optarg);
			snprintf(p->bridge, sizeof(p->bridge), "%s", optarg);
			break;
		case OPT_VNI:
			if (ewoe_parse_uint(optarg, 0, EWOE_VNI_MAX, &n))
				return ewoe_sub_usage_error("tunnel", sub,
							    "--vni '%s': use 0..16777215", optarg);
			p->vni = (uint32_t)n;
			break;
		case OPT_DST_PORT:
			if (ewoe_parse_uint(optarg, 1, 65535, &n))
				return ewoe_sub_usage_error(
				    "tunnel", sub, "--dst-port '%s': use 1..65535", optarg);
			p->dst_port = (uint16_t)n;
			break;
		case OPT_OFFLOAD:
			if (ewoe_offload_parse(optarg, &p->offload))
				return ewoe_sub_usage_error(
				    "tunnel", sub,
				    "--offload '%s': use packet, crypto, auto or none", optarg);
			break;
		case OPT_ROLE:
			if (!strcmp(optarg, "initiator"))
				p->role = ROLE_INITIATOR;
			else if (!strcmp(optarg, "responder"))
				p->role = ROLE_RESPONDER;
			else
				return ewoe_sub_usage_error(
				    "tunnel", sub, "--role '%s': use initiator or responder",
				    optarg);
			break;
		case OPT_IKE_PROPOSAL:
			p->ike_proposal = optarg;
			break;
		case OPT_ESP_PROPOSAL:
			p->esp_proposal = optarg;
			break;
		case OPT_REKEY_PACKETS:
			if (ewoe_parse_uint(optarg, 1, ULONG_MAX, &n))
				return ewoe_sub_usage_error(
				    "tunnel", sub, "--rekey-packets '%s': expected a count",
				    optarg);
			p->rekey_packets = n;
			break;
		case OPT_REKEY_BYTES:
			return ewoe_sub_usage_error(
			    "tunnel", sub,
			    "--rekey-bytes %s: byte lifetimes break packet offload "
			    "(the NIC counts packets); use --rekey-packets",
			    optarg);
		case OPT_REKEY_TIME:
		case OPT_REAUTH_TIME:
			ewoe_warn("--%s ignored: with IPsec packet offload only --rekey-packets "
				  "rekeys; ewoe keeps rekey_time at strongSwan's default and "
				  "reauth_time 0",
				  longopts[c - OPT_LOCAL].name);
			break;
		case OPT_NO_WAIT:
			a->no_wait = true;
			break;
		case OPT_NO_IKE:
			a->no_ike = true;
			break;
		case OPT_NO_OVS:
			a->no_ovs = true;
			break;
		case OPT_PSK_FILE:
			p->psk_file = optarg;
			break;
		case OPT_CERT:
			p->cert_file = optarg;
			break;
		case OPT_KEY:
			p->key_file = optarg;
			break;
		case OPT_PEER_CERT:
			p->peer_cert_file = optarg;
			break;
		case OPT_CA:
			p->ca_file = optarg;
			break;
		case OPT_REMOTE_NAME:
			p->remote_name = optarg;
			break;
		case 'h':
			ewoe_cmd_usage(sub, "tunnel", false);
			return EXIT_OK;
		default:
			return ewoe_sub_usage_error("tunnel", sub, "unknown option");
		}
	}
	if (optind < argc)
		return ewoe_sub_usage_error("tunnel", sub, "unexpected argument '%s'",
					    argv[optind]);
	if (a->no_ike && a->no_ovs)
		return ewoe_sub_usage_error("tunnel", sub,
					    "--no-ike and --no-ovs together leave nothing to do");
	if (!p->remote.family)
		return ewoe_sub_usage_error(
		    "tunnel", sub, "%s", "--remote ADDR is required (the peer DPU's PF address)");
	if (!p->local.family)
		return ewoe_sub_usage_error("tunnel", sub,
					    "--local ADDR is required (this DPU's PF address)");
	ewoe_peer_default_ifname(&p->remote, p->ifname);
	if (!a->have_name)
		snprintf(p->name, sizeof(p->name), "%s", p->ifname);
	return -1;
}

static int run(const struct ewoe_cmd *sub, enum ewoe_auth auth, int argc, char **argv)
{
	struct tunnel_args a = { 0 };
	struct ovsdb *db = NULL;
	struct ike *ike = NULL;
	int rc, ovs_rc = 0, ike_rc = 0;
	bool initiates;

	rc = parse(sub, auth, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (ewoe_peer_validate(&a.peer))
		return EXIT_USAGE;
	if (!a.no_ike) {
		rc = ike_check_peer(&a.peer);
		if (rc)
			return ewoe_check_exit(rc);
		rc = ike_open(ewoe_opts.vici, &ike);
		if (!rc)
			rc = ike_check_daemon(ike, &a.peer);
		if (rc)
			goto out;
	}
	if (!a.no_ovs) {
		struct xfrm_guard guard;

		rc = ovsdb_open(ewoe_opts.db, ewoe_opts.timeout_ms, &db);
		/* Before the port exists; without a PF to name, the guard stays in software. */
		xfrm_guard_of_peer(&a.peer, 0, &guard);
		if (!rc)
			rc = xfrm_guard_ensure(&guard, 1, NULL);
		if (rc >= 0)
			rc = ovs_rc = ovsdb_ensure_tunnel(db, &a.peer, !a.no_wait);
		if (rc == -ENOENT)
			ewoe_hint("create it with 'ewoe setup-bridge --bridge %s'", a.peer.bridge);
		else if (rc == -ESRCH)
			ewoe_hint("or pass --no-wait to only write the database");
		if (rc < 0)
			goto out;
	}
	initiates = ewoe_peer_initiates(&a.peer);
	if (!a.no_ike) {
		rc = ike_rc = ike_load_peer(ike, &a.peer);
		if (rc < 0)
			goto out;
		const struct ewoe_peer *peer = &a.peer;

		rc = initiates ? ike_initiate(ike, &peer, 1, a.no_wait ? -1 : ewoe_opts.timeout_ms)
			       : 0;
	}
	if (ewoe_opts.json)
		printf("{\"name\":\"%s\",\"connection\":\"ewoe-%s\",\"interface\":\"%s\","
		       "\"auth\":\"%s\",\"offload\":\"%s\",\"role\":\"%s\",\"ovs_changed\":%s,"
		       "\"ike_changed\":%s,\"up\":%s,\"dry_run\":%s}\n",
		       a.peer.name, a.peer.name, a.peer.ifname, ewoe_auth_name(auth),
		       ewoe_offload_name(a.peer.offload), initiates ? "initiator" : "responder",
		       ovs_rc > 0 ? "true" : "false", ike_rc > 0 ? "true" : "false",
		       !rc && initiates && !a.no_ike && !a.no_wait && !ewoe_opts.dry_run ? "true"
											 : "false",
		       ewoe_opts.dry_run ? "true" : "false");
	else if (!ewoe_opts.dry_run && !rc)
		printf("tunnel %s (%s) %s%s\n", a.peer.name, ewoe_auth_name(auth),
		       ovs_rc > 0 || ike_rc > 0 ? "configured" : "already configured (unchanged)",
		       a.no_ike	    ? ""
		       : !initiates ? ", waiting for the peer to initiate"
		       : a.no_wait  ? ", IKE started"
				    : ", IKE up");
out:
	ovsdb_free(db);
	ike_free(ike);
	return ewoe_exit_code(rc);
}

static int tunnel_psk(int argc, char **argv)
{
	return run(&tunnel_commands[0], AUTH_PSK, argc, argv);
}

static int tunnel_cert(int argc, char **argv)
{
	return run(&tunnel_commands[1], AUTH_CERT, argc, argv);
}

static int tunnel_ca(int argc, char **argv)
{
	return run(&tunnel_commands[2], AUTH_CA, argc, argv);
}
