// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"

static const char full_mesh[] =
    "; two peers, as an operator writes it\n"
    "[node]\n"
    "pf = p1\n"
    "representor = pf1hpf\n"
    "bridge = vxlan-br1\n"
    "address = 192.0.2.1/30\n"
    "offload = auto\n"
    "\n"
    "[peer arm2]\n"
    "remote = 192.0.2.2\n"
    "auth = psk\n"
    "psk-file = /etc/ewoe/arm2.psk\n"
    "vni = 200\n"
    "\n"
    "[peer arm3]\n"
    "remote = 198.51.100.3\n" /* a routed peer: .3 is the /30's broadcast */
    "auth = ca\n"
    "cert = /etc/ewoe/arm1.pem\n"
    "key = /etc/ewoe/arm1.key\n"
    "ca = /etc/ewoe/ca.pem\n"
    "remote-name = arm3.example\n"
    "role = responder\n"
    "dst-port = 4790\n"
    "interface = tun-arm3\n";

static void parses_full_mesh(void **state)
{
	struct ewoe_config *cfg = NULL;
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(config_parse_string(full_mesh, "t.conf", &cfg), 0);
	assert_string_equal(cfg->node.pf, "p1");
	assert_string_equal(cfg->node.rep, "pf1hpf");
	assert_string_equal(cfg->node.bridge, "vxlan-br1");
	assert_int_equal(cfg->node.prefix_len, 30);
	assert_int_equal(cfg->node.offload, OFFLOAD_AUTO);
	assert_int_equal(cfg->n_peers, 2);

	assert_string_equal(cfg->peers[0].name, "arm2");
	assert_string_equal(ewoe_addr_str(&cfg->peers[0].remote, buf), "192.0.2.2");
	assert_string_equal(ewoe_addr_str(&cfg->peers[0].local, buf), "192.0.2.1");
	assert_int_equal(cfg->peers[0].auth, AUTH_PSK);
	assert_string_equal(cfg->peers[0].psk_file, "/etc/ewoe/arm2.psk");
	assert_int_equal(cfg->peers[0].vni, 200);
	assert_int_equal(cfg->peers[0].dst_port, 4789);
	assert_string_equal(cfg->peers[0].ifname, "vxc0000202");
	assert_string_equal(cfg->peers[0].bridge, "vxlan-br1");
	assert_int_equal(cfg->peers[0].offload, OFFLOAD_AUTO);
	assert_true(ewoe_peer_initiates(&cfg->peers[0]));

	assert_int_equal(cfg->peers[1].auth, AUTH_CA);
	assert_string_equal(cfg->peers[1].remote_name, "arm3.example");
	assert_string_equal(cfg->peers[1].ca_file, "/etc/ewoe/ca.pem");
	assert_int_equal(cfg->peers[1].dst_port, 4790);
	assert_string_equal(cfg->peers[1].ifname, "tun-arm3");
	assert_false(ewoe_peer_initiates(&cfg->peers[1]));
	config_free(cfg);
}

/* "# ..." after a blank is a comment, as "; ..." is; a '#' inside a value is kept. */
static void inline_comments(void **state)
{
	struct ewoe_config *cfg = NULL;

	(void)state;
	assert_int_equal(config_parse_string("[node]\naddress = 192.0.2.1/24   # the PF\n"
					     "[peer a]\nremote = 192.0.2.2 ; arm2\n"
					     "psk-file = /etc/ewoe/p#1.psk\t# the pair's key\n",
					     "t", &cfg),
			 0);
	assert_int_equal(cfg->node.prefix_len, 24);
	assert_string_equal(cfg->peers[0].psk_file, "/etc/ewoe/p#1.psk");
	config_free(cfg);
}

static void node_only_uses_defaults(void **state)
{
	struct ewoe_config *cfg = NULL;

	assert_int_equal(config_parse_string("[node]\naddress = 2001:db8::1\n", "t", &cfg), 0);
	assert_string_equal(cfg->node.pf, "p0");
	assert_string_equal(cfg->node.rep, "pf0hpf");
	assert_string_equal(cfg->node.bridge, "vxlan-br");
	assert_int_equal(cfg->node.prefix_len, 128);
	assert_int_equal(cfg->node.address.family, AF_INET6);
	assert_int_equal(cfg->node.offload, OFFLOAD_PACKET);
	assert_int_equal(cfg->n_peers, 0);
	config_free(cfg);
}

/* Every one of these must be refused, and nothing returned. */
static const char *const bad_configs[] = {
	"[node]\naddress = 192.0.2.1/33\n",
	"[node]\naddress = 192.0.2.256/24\n",
	"[node]\naddress = /24\n",
	"[node]\naddress = 192.0.2.1/0\n",
	"[node]\noffload = full\n",
	"[node]\npf = this-name-is-too-long\n",
	"[node]\nbridge = -br\n",
	"[node]\nrepresentor = pf0 hpf\n",
	"[node]\ncolour = blue\n",
	"[nodes]\npf = p0\n",
	"[peer]\nremote = 192.0.2.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nvni = 16777216\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nvni = -1\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\ndst-port = 0\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\ndst-port = 65536\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nauth = rsa\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nrole = both\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\npsk = swordfish\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nrekey-bytes = 1000\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\nrekey-packets = 0\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = host.example\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 2001:db8::2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.1\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nauth = psk\n",
	"[node]\n[peer a]\nremote = 192.0.2.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\n[peer a]\nremote = "
	"192.0.2.3\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\n[peer b]\nremote = "
	"192.0.2.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\ninterface = x\n[peer "
	"b]\nremote = 192.0.2.3\ninterface = x\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a b]\nremote = 192.0.2.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nremote = "
	"192.0.2.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\ninterface = "
	"sixteen-chars-xx\n",
	"just text\n",
	"[node\npf = p0\n",
	/* addresses that can be no PF's underlay address */
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 0.0.0.0\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 127.0.0.2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 239.1.1.1\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 255.255.255.255\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.255\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.0\n",
	"[node]\naddress = 127.0.0.1/8\n[peer a]\nremote = 192.0.2.2\n",
	"[node]\naddress = 2001:db8::1/64\n[peer a]\nremote = ff02::1\n",
	"[node]\naddress = 2001:db8::1/64\n[peer a]\nremote = ::1\n",
	"[node]\naddress = ::/64\n[peer a]\nremote = 2001:db8::2\n",
	"[node]\naddress = 192.0.2.1/24\n[peer a]\nremote = 192.0.2.2\n[node]\npf = p1\n",
};

static void refuses_bad_configs(void **state)
{
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		struct ewoe_config *cfg = (struct ewoe_config *)1;

		print_message("bad config %zu\n", i);
		assert_int_equal(config_parse_string(bad_configs[i], "bad.conf", &cfg), -EINVAL);
		assert_null(cfg);
	}
}

/* Thousands of peers parse, in file order; one repeated remote far down is still refused. */
static void parses_many_peers(void **state)
{
	enum { N = 3000 };
	size_t size = 64 + N * 64, len;
	char *text = malloc(size);
	struct ewoe_config *cfg;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, size, "[node]\naddress = 2001:db8::1/64\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, size - len,
					"[peer p%d]\nremote = 2001:db8::%x:%x\n", i, i / 1000 + 1,
					i % 1000 + 2);
	assert_int_equal(config_parse_string(text, "many.conf", &cfg), 0);
	assert_int_equal(cfg->n_peers, N);
	for (int i = 0; i < N; i += 997) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		assert_string_equal(cfg->peers[i].name, name);
		assert_ptr_equal(config_find_peer(cfg, name), &cfg->peers[i]);
	}
	config_free(cfg);

	snprintf(text + len, size - len, "[peer again]\nremote = 2001:db8::3:2\n");
	cfg = (struct ewoe_config *)1;
	assert_int_equal(config_parse_string(text, "many.conf", &cfg), -EINVAL);
	assert_null(cfg);
	free(text);
}

static void prefix_parsing(void **state)
{
	struct ewoe_addr a;
	int len = 0;

	assert_int_equal(config_parse_prefix("198.51.100.7/24", &a, &len), 0);
	assert_int_equal(len, 24);
	assert_int_equal(config_parse_prefix("2001:db8::1/64", &a, &len), 0);
	assert_int_equal(len, 64);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(config_parse_prefix("2001:db8::1/129", &a, &len), -EINVAL);
	assert_int_equal(config_parse_prefix("192.0.2.1/", &a, &len), -EINVAL);
	assert_int_equal(config_parse_prefix("192.0.2.1/24/1", &a, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_full_mesh),    cmocka_unit_test(node_only_uses_defaults),
		cmocka_unit_test(refuses_bad_configs), cmocka_unit_test(parses_many_peers),
		cmocka_unit_test(prefix_parsing),      cmocka_unit_test(inline_comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
