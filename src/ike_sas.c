// SPDX-License-Identifier: GPL-2.0-or-later
/* list-sas: each connection's IKE_SA, CHILD_SAs, their SPIs and ages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "ike_sas.h"
#include "log.h"

static void scan_add_spi(struct sa_scan *scan, const char *v, int len, bool installed)
{
	char hex[16];
	unsigned long spi;
	char *end;

	snprintf(hex, sizeof(hex), "%.*s", len, v);
	spi = strtoul(hex, &end, 16);
	if (!hex[0] || *end)
		return;
	if (scan->n_spis == IKE_MAX_SPIS) {
		scan->spis_cut = true;
		return;
	}
	scan->spi_installed[scan->n_spis] = installed;
	scan->spis[scan->n_spis++] = (uint32_t)spi;
}

/* A number of seconds as charon sends it (decimal text); -1 when it is not one. */
static long seconds_value(const char *v, int len)
{
	char buf[24], *end;
	long n;

	if (len <= 0 || len >= (int)sizeof(buf))
		return -1;
	memcpy(buf, v, (size_t)len);
	buf[len] = '\0';
	errno = 0;
	n = strtol(buf, &end, 10);
	return errno || *end || n < 0 ? -1 : n;
}

/* The newer of two ages, -1 standing for none. */
static long newer(long a, long b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static struct sa_scan *scan_of(struct sa_scans *all, const char *conn)
{
	for (size_t i = 0; i < all->n; i++) {
		if (!strcmp(all->scan[i].conn, conn))
			return &all->scan[i];
	}
	return NULL;
}

static void on_list_sa(void *user, char *event, vici_res_t *ev)
{
	struct sa_scan *scan = NULL;
	char ike_state[32] = "", child_name[32] = "", child_state[32] = "";
	int depth = 0, children = 0;
	long established = -1, install_time = -1, child_age = -1;
	vici_parse_t t;

	while ((t = vici.parse(ev)) != VICI_PARSE_END && t != VICI_PARSE_ERROR) {
		const char *name;
		const char *v;
		int len;

		switch (t) {
		case VICI_PARSE_BEGIN_SECTION:
			depth++;
			if (depth == 1)
				scan = scan_of(user, vici.parse_name(ev));
			if (depth == 2 && !strcmp(vici.parse_name(ev), "child-sas"))
				children = 0;
			if (depth == 3) {
				child_name[0] = child_state[0] = '\0';
				install_time = -1;
			}
			break;
		case VICI_PARSE_END_SECTION:
			if (depth == 3 && !strcmp(child_state, "INSTALLED")) {
				children |= !strcmp(child_name, CHILD_OUT)  ? 1
					    : !strcmp(child_name, CHILD_IN) ? 2
									    : 0;
				child_age = newer(child_age, install_time);
			}
			depth--;
			break;
		case VICI_PARSE_KEY_VALUE:
			name = vici.parse_name(ev);
			v = vici.parse_value(ev, &len);
			if (depth == 1 && !strcmp(name, "state"))
				snprintf(ike_state, sizeof(ike_state), "%.*s", len, v);
			else if (depth == 1 && !strcmp(name, "established"))
				established = seconds_value(v, len);
			else if (depth == 3 && !strcmp(name, "install-time"))
				install_time = seconds_value(v, len);
			else if (depth == 3 && !strcmp(name, "name"))
				snprintf(child_name, sizeof(child_name), "%.*s", len, v);
			else if (depth == 3 && !strcmp(name, "state"))
				snprintf(child_state, sizeof(child_state), "%.*s", len, v);
			else if (depth == 3 && scan &&
				 (!strcmp(name, "spi-in") || !strcmp(name, "spi-out")))
				scan_add_spi(scan, v, len, !strcmp(child_state, "INSTALLED"));
			break;
		default:
			break;
		}
	}
	if (!scan || !ike_state[0])
		return;
	scan->any_sa = true;
	if (!strcmp(ike_state, "ESTABLISHED")) {
		scan->established = true;
		scan->installed |= children;
		/* During a rekey both IKE_SAs are listed: the newer one is the tunnel's now. */
		scan->ike_age_s = newer(scan->ike_age_s, established);
		scan->child_age_s = newer(scan->child_age_s, child_age);
		snprintf(scan->state, sizeof(scan->state), "%s", ike_state);
	} else if (!scan->established) {
		snprintf(scan->state, sizeof(scan->state), "%s", ike_state);
	}
}

int scan_sas(struct ike *ike, struct sa_scans *all)
{
	vici_req_t *req;
	int err;

	for (size_t i = 0; i < all->n; i++) {
		struct sa_scan *s = &all->scan[i];

		*s = (struct sa_scan){ .conn = s->conn, .ike_age_s = -1, .child_age_s = -1 };
	}
	if (vici.register_event(ike->conn, "list-sa", on_list_sa, all)) {
		err = -errno;
		ewoe_err("listing IKE_SAs at %s: %s", ike->uri, strerror(errno));
		return err;
	}
	req = vici.begin("list-sas");
	if (all->n == 1)
		vici.add_key_valuef(req, "ike", "%s", all->scan[0].conn);
	err = call(ike, req, "listing IKE_SAs", NULL);
	vici.register_event(ike->conn, "list-sa", NULL, NULL);
	return err;
}

static void status_of_scan(const struct sa_scan *scan, struct ike_status *st)
{
	st->ike_established = scan->established;
	st->children_installed = !!(scan->installed & 1) + !!(scan->installed & 2);
	memcpy(st->spis, scan->spis, sizeof(st->spis));
	memcpy(st->spi_installed, scan->spi_installed, sizeof(st->spi_installed));
	st->n_spis = scan->n_spis;
	st->spis_complete = !scan->spis_cut;
	st->ike_age_s = scan->ike_age_s;
	st->child_age_s = scan->child_age_s;
	snprintf(st->state, sizeof(st->state), "%s", scan->any_sa ? scan->state : "none");
}

int ike_peer_status(struct ike *ike, const char *name, struct ike_status *st)
{
	char conn[CONN_NAME_MAX];
	struct sa_scan scan = { .conn = conn };
	struct sa_scans one = { &scan, 1 };
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(conn, sizeof(conn), CONN_PREFIX "%s", name);
	err = conn_loaded(ike, conn);
	if (err < 0)
		return err;
	st->conn_loaded = err;
	err = scan_sas(ike, &one);
	if (!err)
		status_of_scan(&scan, st);
	return err;
}

int ike_peers_status(struct ike *ike, const struct ewoe_peer *peers, size_t n,
		     struct ike_status *out)
{
	char(*conns)[CONN_NAME_MAX] = calloc(n ? n : 1, sizeof(*conns));
	struct sa_scans all = { calloc(n ? n : 1, sizeof(*all.scan)), n };
	int err = conns && all.scan ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !err; i++) {
		snprintf(conns[i], sizeof(conns[i]), CONN_PREFIX "%s", peers[i].name);
		all.scan[i].conn = conns[i];
		memset(&out[i], 0, sizeof(out[i]));
		err = conn_loaded(ike, conns[i]);
		out[i].conn_loaded = err > 0;
		err = err < 0 ? err : 0;
	}
	/* One peer filters in the daemon; more list every IKE_SA once. */
	if (!err && n)
		err = scan_sas(ike, &all);
	for (size_t i = 0; i < n && !err; i++)
		status_of_scan(&all.scan[i], &out[i]);
	free(conns);
	free(all.scan);
	return err;
}
