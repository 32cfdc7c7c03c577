// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bringing initiators' tunnels up: every IKE_SA followed at once, woken by charon's updown
 * events, with the daemon's own reason when one fails (kept for verify, state.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ewoe.h"
#include "ike.h"
#include "ike_sas.h"
#include "log.h"
#include "news.h"
#include "state.h"

/* How long the daemon's own start_action gets before ewoe initiates itself. */
#define START_GRACE_MS 1000
/* After the IKE_SA: both children normally follow within a round trip or two. */
#define CHILD_GRACE_MS 3000
#define POLL_MS	       200

/* One initiator being waited for. */
struct bringup {
	const struct ewoe_peer *peer;
	char conn[CONN_NAME_MAX];
	char remote[INET6_ADDRSTRLEN];
	long long established_at; /* ms into the wait; -1 not yet */
	bool started;		  /* ewoe asked for the children itself */
	bool seen;		  /* an IKE_SA existed at some point */
	int result;		  /* 1 waiting, 0 up, <0 failed */
	char last[512];		  /* the daemon's latest message about this connection */
	char knl[256];		  /* the kernel interface's first error of this attempt */
	char refused[256];	  /* why the kernel refused this connection's SAs */
	char notify[64];	  /* an error notify in the peer's answer, e.g. N(NO_PROP) */
};

struct log_watch {
	pthread_mutex_t lock;
	struct bringup *b;
	size_t n;
	bool stream;
	struct news news; /* charon's child-updown and ike-updown events */
};

/*
 * The error notifies a peer answers with when it will not or cannot set up what was asked;
 * INVALID_KE_PAYLOAD is left out: it asks for another key exchange, and IKE goes on.
 */
static const struct {
	const char *abbrev, *name;
} error_notifies[] = {
	{ "N(NO_PROP)", "NO_PROPOSAL_CHOSEN" },	  { "N(AUTH_FAILED)", "AUTHENTICATION_FAILED" },
	{ "N(TS_UNACCEPT)", "TS_UNACCEPTABLE" },  { "N(INVAL_SYN)", "INVALID_SYNTAX" },
	{ "N(NO_ADD_SAS)", "NO_ADDITIONAL_SAS" }, { "N(SINGLE_PAIR_REQ)", "SINGLE_PAIR_REQUIRED" },
};

/*
 * Charon's log lines that say why a connection cannot come up, rather than that it has not
 * yet: the kernel refusing the SAs (with the kernel interface's own first complaint, such as
 * "HW offload is not supported by device p0"), and an error notify from the peer.
 */
static void note_failure(struct log_watch *w, struct bringup *b, const char *group, int level,
			 const char *msg)
{
	pthread_mutex_lock(&w->lock);
	/* Each attempt's own complaint: not the cleanup of the one before. */
	if (!strncmp(msg, "establishing CHILD_SA", strlen("establishing CHILD_SA")))
		b->knl[0] = '\0';
	else if (level <= 1 && !strcasecmp(group, "knl") && !b->knl[0])
		snprintf(b->knl, sizeof(b->knl), "%s", msg);
	if (strstr(msg, "unable to install") && strstr(msg, "in kernel") && !b->refused[0])
		snprintf(b->refused, sizeof(b->refused), "%s", b->knl[0] ? b->knl : msg);
	if (!strncmp(msg, "parsed ", strlen("parsed "))) {
		for (size_t i = 0; i < sizeof(error_notifies) / sizeof(error_notifies[0]); i++) {
			if (strstr(msg, error_notifies[i].abbrev))
				snprintf(b->notify, sizeof(b->notify), "%s",
					 error_notifies[i].name);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

static void on_log(void *user, char *event, vici_res_t *ev)
{
	struct log_watch *w = user;
	const char *conn = vici.find_str(ev, "", "ikesa-name");
	const char *msg = vici.find_str(ev, "", "msg");
	struct bringup *b = NULL;

	for (size_t i = 0; i < w->n && !b; i++) {
		if (!strcmp(w->b[i].conn, conn))
			b = &w->b[i];
	}
	if (!b)
		return;
	if (w->stream)
		ewoe_info("  charon: %s", msg);
	note_failure(w, b, vici.find_str(ev, "", "group"), vici.find_int(ev, 4, "level"), msg);
	/*
	 * Packet traffic ("sending packet: ...") says nothing about why IKE fails, and a
	 * retransmit only that the peer has not answered yet, which the timeout says itself.
	 */
	if (vici.find_int(ev, 4, "level") <= 1 &&
	    strcasecmp(vici.find_str(ev, "", "group"), "net") &&
	    strncmp(msg, "retransmit ", strlen("retransmit "))) {
		pthread_mutex_lock(&w->lock);
		snprintf(b->last, sizeof(b->last), "%s", msg);
		pthread_mutex_unlock(&w->lock);
	}
}

static void on_updown(void *user, char *event, vici_res_t *ev)
{
	struct log_watch *w = user;
	bool up = !strcmp(vici.find_str(ev, "no", "up"), "yes");

	ewoe_debug("charon's %s event: %s", event, up ? "up" : "down");
	news_post(&w->news, !strcmp(event, "child-updown"), up);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Initiate the children not in `installed` (bit 0 out, bit 1 in). */
static int start_children(struct ike *ike, const char *conn, int installed)
{
	static const char *const names[] = { CHILD_OUT, CHILD_IN };
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		vici_req_t *req;

		if (installed & (1 << i))
			continue;
		ewoe_change(EWOE_CREATED, "ike-sa", conn, "initiate CHILD_SA %s of %s", names[i],
			    conn);
		req = vici.begin("initiate");
		vici.add_key_valuef(req, "child", "%s", names[i]);
		vici.add_key_valuef(req, "ike", "%s", conn);
		/* Negative: return at once; ewoe watches the SAs itself, with its deadline. */
		vici.add_key_valuef(req, "timeout", "-1");
		err = call(ike, req, "starting IKE", NULL);
	}
	return err;
}

/* The error line of a bring-up that failed, printed and kept for verify (state.h). */
static void failed(const struct bringup *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void failed(const struct bringup *b, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ewoe_err("%s", line);
	state_failure_set(b->peer->name, line);
}

/* Why a connection is not up: the peer's own error notify, else charon's last word. */
static const char *failure_reason(struct bringup *b, const char *otherwise)
{
	static char buf[96]; /* the main thread alone reports */

	if (b->notify[0]) {
		snprintf(buf, sizeof(buf), "the peer answered %s", b->notify);
		return buf;
	}
	return b->last[0] ? b->last : otherwise;
}

/*
 * The peer answered with an error notify: with no IKE_SA left, IKE has failed even if no scan
 * saw the IKE_SA between its start and the peer's answer.
 */
static bool peer_refused(struct log_watch *w, const struct bringup *b)
{
	bool refused;

	pthread_mutex_lock(&w->lock);
	refused = b->notify[0] != '\0';
	pthread_mutex_unlock(&w->lock);
	return refused;
}

/* The likely causes of the peer's error notify, as a hint; false when there is none. */
static bool hint_notify(const struct bringup *b)
{
	if (!strcmp(b->notify, "NO_PROPOSAL_CHOSEN"))
		ewoe_hint(
		    "the peer accepts none of the proposals, or its kernel refused the SAs (an "
		    "offload mode its PF cannot do, no ESP or AES-GCM): see ewoe's or charon's "
		    "messages on the peer");
	else if (!strcmp(b->notify, "AUTHENTICATION_FAILED"))
		ewoe_hint("the peer did not accept our authentication: check that both sides have "
			  "the same PSK, or certificates the other side trusts");
	else
		return false;
	return true;
}

/*
 * The kernel refused this connection's SAs: waiting longer cannot help, since charon would
 * only retry the same install. 0, or -EOPNOTSUPP printed in one line with the fix.
 */
static int refused_by_kernel(struct log_watch *w, struct bringup *b)
{
	enum ewoe_offload mode = b->peer->offload;
	bool offloaded = mode == OFFLOAD_PACKET || mode == OFFLOAD_CRYPTO;

	pthread_mutex_lock(&w->lock);
	if (!b->refused[0]) {
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	if (offloaded)
		failed(b, "%s: the kernel refused the ESP SAs with %s (hw_offload = %s): %s",
		       b->conn, b->remote, ewoe_offload_name(mode), b->refused);
	else
		failed(b, "%s: the kernel refused the ESP SAs with %s: %s", b->conn, b->remote,
		       b->refused);
	pthread_mutex_unlock(&w->lock);
	if (offloaded)
		ewoe_hint("the PF cannot do IPsec %s offload: turn it on in the driver (packet "
			  "offload on a BlueField), or set the offload mode to auto (hardware "
			  "where the device can, else software) or none",
			  ewoe_offload_name(mode));
	else
		ewoe_hint("the kernel needs ESP and AES-GCM (modules esp4, esp6, aes, gcm, seqiv)");
	return -EOPNOTSUPP;
}

/* One step of one initiator's wait, from this round's scan: 1 keep waiting, 0 up, <0 failed. */
static int bringup_step(struct ike *ike, struct log_watch *w, struct bringup *b,
			const struct sa_scan *scan, long long elapsed, int timeout_ms)
{
	int err;

	if (scan->established && scan->installed == 3) {
		ewoe_info("%s: IKE_SA and both CHILD_SAs with %s are up", b->conn, b->remote);
		state_failure_clear(b->peer->name);
		return 0;
	}
	if (scan->established && b->established_at < 0)
		b->established_at = elapsed;
	err = refused_by_kernel(w, b);
	if (err)
		return err;
	if (scan->any_sa) {
		b->seen = true;
		/*
		 * The IKE_SA is up but a child is missing well after it should have come: its
		 * negotiation failed, maybe before we listened to the log. Ask again, once, so
		 * the failure (or the child) shows now.
		 */
		if (!b->started && b->established_at >= 0 &&
		    elapsed - b->established_at >= CHILD_GRACE_MS) {
			err = start_children(ike, b->conn, scan->installed);
			if (err)
				return err;
			b->started = true;
		}
	} else if (b->seen || peer_refused(w, b)) {
		pthread_mutex_lock(&w->lock);
		failed(b, "%s: IKE with %s failed: %s", b->conn, b->remote,
		       failure_reason(b, "the IKE_SA was closed"));
		hint_notify(b);
		pthread_mutex_unlock(&w->lock);
		return -ECONNABORTED;
	} else if (!b->started && elapsed >= START_GRACE_MS) {
		/* Loaded earlier and not running: the daemon's start_action is spent. */
		err = start_children(ike, b->conn, 0);
		if (err)
			return err;
		b->started = true;
	}
	if (timeout_ms < 0 && (b->seen || b->started))
		return 0;
	if (timeout_ms < 0 || elapsed < timeout_ms)
		return 1;
	pthread_mutex_lock(&w->lock);
	if (scan->established)
		failed(b, "%s: IKE_SA with %s established, but %s not installed after %d s%s%s",
		       b->conn, b->remote, scan->installed ? "one CHILD_SA" : "the CHILD_SAs",
		       timeout_ms / 1000, b->last[0] || b->notify[0] ? ": " : "",
		       failure_reason(b, ""));
	else if (b->last[0] || b->notify[0])
		failed(b, "%s: no IKE_SA with %s after %d s (state %s): %s", b->conn, b->remote,
		       timeout_ms / 1000, scan->any_sa ? scan->state : "none",
		       failure_reason(b, ""));
	else
		failed(b, "%s: no IKE_SA with %s after %d s: the peer does not answer", b->conn,
		       b->remote, timeout_ms / 1000);
	if (!hint_notify(b))
		ewoe_hint("check that the peer has this tunnel configured with matching settings "
			  "and that UDP 500/4500 reach it; charon's log says more");
	pthread_mutex_unlock(&w->lock);
	return -ETIMEDOUT;
}

int ike_initiate(struct ike *ike, const struct ewoe_peer *const *peers, size_t n, int timeout_ms)
{
	static const struct {
		const char *name;
		vici_event_cb_t cb;
	} events[] = {
		{ "log", on_log },
		{ "child-updown", on_updown },
		{ "ike-updown", on_updown },
	};
	struct log_watch w = { .lock = PTHREAD_MUTEX_INITIALIZER, .n = n };
	struct sa_scans scans = { .n = n };
	long long start = now_ms();
	size_t waiting = n;
	int err = 0, first_err = 0;

	if (!n)
		return 0;
	news_init(&w.news);
	w.b = calloc(n, sizeof(*w.b));
	scans.scan = calloc(n, sizeof(*scans.scan));
	if (!w.b || !scans.scan) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct bringup *b = &w.b[i];

		b->peer = peers[i];
		snprintf(b->conn, sizeof(b->conn), CONN_PREFIX "%s", peers[i]->name);
		ewoe_addr_str(&peers[i]->remote, b->remote);
		b->established_at = -1;
		b->result = 1;
		scans.scan[i].conn = b->conn;
	}
	if (ewoe_opts.dry_run) {
		/* The plan brings up what is not up: on a converged node it plans nothing. */
		err = scan_sas(ike, &scans);
		for (size_t i = 0; i < n && !err; i++) {
			if (scans.scan[i].established && scans.scan[i].installed == 3)
				continue;
			ewoe_change(EWOE_CREATED, "ike-sa", w.b[i].conn,
				    "would bring up %s with %s", w.b[i].conn, w.b[i].remote);
		}
		goto out;
	}
	w.stream = ewoe_opts.verbosity > 0;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (vici.register_event(ike->conn, events[i].name, events[i].cb, &w)) {
			err = -errno;
			ewoe_err("subscribing to charon's %s events at %s: %s", events[i].name,
				 ike->uri, strerror(errno));
			goto unsubscribe;
		}
	}
	/* Every IKE_SA runs at once in the daemon; one scan per round follows them all. */
	while (waiting) {
		long long elapsed = now_ms() - start;
		unsigned long missing = 0;
		struct news_mark mark;

		if (n == 1)
			ewoe_progress("%s: waiting for IKE with %s (%lld s)", w.b[0].conn,
				      w.b[0].remote, elapsed / 1000);
		else
			ewoe_progress("waiting for IKE: %zu of %zu tunnels up (%lld s)",
				      n - waiting, n, elapsed / 1000);
		mark = news_mark(&w.news);
		err = scan_sas(ike, &scans);
		if (err)
			break;
		/* No lock here: start_children waits for charon, whose log the callback takes. */
		for (size_t i = 0; i < n; i++) {
			struct bringup *b = &w.b[i];

			if (b->result != 1)
				continue;
			b->result = bringup_step(ike, &w, b, &scans.scan[i], elapsed, timeout_ms);
			if (b->result != 1)
				waiting--;
			else
				missing +=
				    !(scans.scan[i].installed & 1) + !(scans.scan[i].installed & 2);
			if (b->result < 0 && !first_err)
				first_err = b->result;
		}
		/*
		 * Until charon reports as many CHILD_SAs up as this scan missed, or something down:
		 * a tunnel's last child is seen as it comes, not up to a round later. At least one
		 * event: a tunnel whose children are in but whose IKE_SA is not (yet) established
		 * must not make this a busy loop.
		 */
		if (waiting && news_wait(&w.news, mark, missing ? missing : 1, POLL_MS))
			ewoe_debug("woken by charon's updown events");
	}
	ewoe_progress_done();
unsubscribe:
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		vici.register_event(ike->conn, events[i].name, NULL, NULL);
out:
	if (err == -ENOMEM)
		ewoe_err("waiting for IKE: out of memory");
	news_destroy(&w.news);
	free(w.b);
	free(scans.scan);
	return err ? err : first_err;
}
