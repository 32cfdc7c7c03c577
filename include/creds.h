/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The credentials of one peer, read and checked with libcrypto before anything reaches
 * strongSwan. Every failure prints one line naming the file and the problem.
 */
#ifndef EWOE_CREDS_H
#define EWOE_CREDS_H

#include <stddef.h>

#include "peer.h"

#define CREDS_PSK_MIN_LEN  16
#define CREDS_PSK_MIN_BITS 64 /* estimated entropy of the whole secret */

struct creds {
	unsigned char *psk; /* psk: the secret, trailing newline removed */
	size_t psk_len;
	/* cert, ca: PEM text re-encoded by libcrypto, so strongSwan gets what was checked. */
	char *cert_pem;
	char *key_pem; /* PKCS#8, unencrypted */
	char *peer_cert_pem;
	char *ca_pem;
};

/*
 * Read and check everything peer->auth needs. A PSK from stdin ("-") is read once per
 * process and kept, so checking first and loading later see the same secret.
 * 0 or a negative errno.
 */
int creds_load(const struct ewoe_peer *peer, struct creds **out);
/* Wipes secrets before freeing. */
void creds_free(struct creds *c);

#endif
