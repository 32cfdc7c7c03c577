// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "dynlib.h"
#include "log.h"
#include "platform.h"

#define CREDS_FILE_MAX (1 << 20) /* far above any certificate or key */
#define PSK_MAX	       4096

/* stdin can be consumed only once; check and load must see the same secret. */
static unsigned char *stdin_psk;
static size_t stdin_psk_len;
static int stdin_psk_err = 1; /* 1: not read yet */

/*
 * libcrypto, opened with dlopen by the first peer whose certificates are checked: PSK nodes,
 * and verify, never map it (a large library whose relocations are most of a bare start-up).
 * Each member is the libcrypto function of the same name, with its declared type.
 */
#define LIBCRYPTO_FUNCTIONS(F)                                                                     \
	F(ASN1_TIME_print)                                                                         \
	F(BIO_free)                                                                                \
	F(BIO_ctrl)                                                                                \
	F(BIO_new)                                                                                 \
	F(BIO_new_mem_buf)                                                                         \
	F(BIO_read)                                                                                \
	F(BIO_s_mem)                                                                               \
	F(ERR_clear_error)                                                                         \
	F(ERR_error_string_n)                                                                      \
	F(ERR_peek_last_error)                                                                     \
	F(EVP_PKEY_free)                                                                           \
	F(PEM_read_bio_PrivateKey)                                                                 \
	F(PEM_read_bio_X509)                                                                       \
	F(PEM_write_bio_PrivateKey)                                                                \
	F(PEM_write_bio_X509)                                                                      \
	F(X509_STORE_CTX_free)                                                                     \
	F(X509_STORE_CTX_get_error)                                                                \
	F(X509_STORE_CTX_init)                                                                     \
	F(X509_STORE_CTX_new)                                                                      \
	F(X509_STORE_add_cert)                                                                     \
	F(X509_STORE_free)                                                                         \
	F(X509_STORE_new)                                                                          \
	F(X509_check_private_key)                                                                  \
	F(X509_cmp)                                                                                \
	F(X509_cmp_current_time)                                                                   \
	F(X509_free)                                                                               \
	F(X509_get0_notAfter)                                                                      \
	F(X509_get0_notBefore)                                                                     \
	F(X509_verify_cert)                                                                        \
	F(X509_verify_cert_error_string)                                                           \
	F(d2i_AutoPrivateKey)                                                                      \
	F(d2i_X509)

static struct {
#define F(name) __typeof__(name) *name;
	LIBCRYPTO_FUNCTIONS(F)
#undef F
} ssl;

/* 0, or -ELIBACC printed. */
static int libcrypto_load(void)
{
	static const struct ewoe_symbol symbols[] = {
#define F(name) { #name, offsetof(__typeof__(ssl), name) },
		LIBCRYPTO_FUNCTIONS(F)
#undef F
	};
	static int loaded; /* 0 not yet, 1 loaded, <0 failed */

	if (!loaded)
		loaded = ewoe_dlopen(EWOE_LIBCRYPTO, "OpenSSL's libcrypto to check certificates",
				     symbols, sizeof(symbols) / sizeof(symbols[0]), &ssl)
			     ? 1
			     : -ELIBACC;
	return loaded < 0 ? loaded : 0;
}

static void wipe_free(void *p, size_t len)
{
	if (p)
		explicit_bzero(p, len);
	free(p);
}

void creds_free(struct creds *c)
{
	if (!c)
		return;
	wipe_free(c->psk, c->psk_len);
	if (c->key_pem)
		wipe_free(c->key_pem, strlen(c->key_pem));
	free(c->cert_pem);
	free(c->peer_cert_pem);
	free(c->ca_pem);
	free(c);
}

static int read_all(int fd, const char *what, size_t max, unsigned char **out, size_t *out_len)
{
	int err = platform_read_fd(fd, max, (char **)out, out_len);

	if (err == -EFBIG)
		ewoe_err("%s: larger than %zu bytes; is it the right file?", what, max);
	else if (err && err != -ENOMEM)
		ewoe_err("%s: cannot read: %s", what, strerror(-err));
	return err;
}

/* secret: refuse files other users can read (a PSK or a private key file). */
static int read_file(const char *path, bool secret, unsigned char **out, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int err;

	if (fd < 0) {
		err = -errno;
		ewoe_err("%s: cannot open: %s", path, strerror(errno));
		if (err == -ENOENT)
			ewoe_hint(
			    "check the path; relative paths start from the current directory");
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ewoe_err("%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		ewoe_err("%s: holds a secret but group or others may access it (mode %04o)", path,
			 (unsigned)(st.st_mode & 07777));
		ewoe_hint("chmod 600 %s", path);
		close(fd);
		return -EPERM;
	}
	err = read_all(fd, path, CREDS_FILE_MAX, out, len);
	close(fd);
	return err;
}

/* Shannon entropy of the byte distribution times the length: a rough upper bound. */
static double estimated_bits(const unsigned char *s, size_t len)
{
	size_t count[256] = { 0 };
	double bits = 0;

	for (size_t i = 0; i < len; i++)
		count[s[i]]++;
	for (size_t i = 0; i < 256; i++) {
		if (count[i]) {
			double p = (double)count[i] / (double)len;

			bits -= p * log2(p);
		}
	}
	return bits * (double)len;
}

static int read_psk(const char *file, unsigned char **out, size_t *out_len)
{
	const char *what = strcmp(file, "-") ? file : "PSK from stdin";
	unsigned char *psk;
	size_t len;
	int err;

	if (!strcmp(file, "-")) {
		if (stdin_psk_err == 1)
			stdin_psk_err =
			    read_all(STDIN_FILENO, what, PSK_MAX, &stdin_psk, &stdin_psk_len);
		if (stdin_psk_err)
			return stdin_psk_err;
		psk = malloc(stdin_psk_len + 1);
		if (!psk)
			return -ENOMEM;
		memcpy(psk, stdin_psk, stdin_psk_len);
		len = stdin_psk_len;
	} else {
		err = read_file(file, true, &psk, &len);
		if (err)
			return err;
	}
	/* One line in a file or from `echo` is the secret, not its line ending. */
	while (len && (psk[len - 1] == '\n' || psk[len - 1] == '\r'))
		len--;
	if (!len) {
		ewoe_err("%s: the PSK is empty", what);
		err = -EINVAL;
	} else if (len < CREDS_PSK_MIN_LEN) {
		ewoe_err("%s: the PSK is too short (%zu characters; at least %d)", what, len,
			 CREDS_PSK_MIN_LEN);
		err = -EINVAL;
	} else if (estimated_bits(psk, len) < CREDS_PSK_MIN_BITS) {
		ewoe_err("%s: the PSK is too predictable (about %.0f bits of entropy; at least %d)",
			 what, estimated_bits(psk, len), CREDS_PSK_MIN_BITS);
		err = -EINVAL;
	} else {
		*out = psk;
		*out_len = len;
		return 0;
	}
	ewoe_hint("make one with: (umask 077; openssl rand -base64 32 > psk.txt)");
	wipe_free(psk, len);
	return err;
}

static void print_openssl_reason(char *buf, size_t size)
{
	unsigned long e = ssl.ERR_peek_last_error();

	if (e)
		ssl.ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "no PEM or DER content");
	ssl.ERR_clear_error();
}

static int load_cert(const char *path, X509 **out)
{
	unsigned char *data;
	const unsigned char *p;
	size_t len;
	BIO *bio;
	X509 *x;
	char why[256];
	int err = read_file(path, false, &data, &len);

	if (err)
		return err;
	bio = ssl.BIO_new_mem_buf(data, (int)len);
	x = bio ? ssl.PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (!x) {
		p = data;
		x = ssl.d2i_X509(NULL, &p, (long)len);
	}
	ssl.BIO_free(bio);
	free(data);
	if (!x) {
		print_openssl_reason(why, sizeof(why));
		ewoe_err("%s: not an X.509 certificate (%s)", path, why);
		return -EINVAL;
	}
	ssl.ERR_clear_error();
	*out = x;
	return 0;
}

/* Never prompt on the terminal for a passphrase: ewoe runs unattended. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static int load_key(const char *path, EVP_PKEY **out)
{
	unsigned char *data;
	const unsigned char *p;
	size_t len;
	BIO *bio;
	EVP_PKEY *key;
	struct stat st;
	char why[256];
	int err = read_file(path, false, &data, &len);

	if (err)
		return err;
	if (!stat(path, &st) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		ewoe_warn("%s: private key readable by group or others; chmod 600 it", path);
	bio = ssl.BIO_new_mem_buf(data, (int)len);
	key = bio ? ssl.PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	if (!key && !memmem(data, len, "ENCRYPTED", 9)) {
		p = data;
		key = ssl.d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	ssl.BIO_free(bio);
	if (!key) {
		if (memmem(data, len, "ENCRYPTED", 9)) {
			ewoe_err("%s: the private key is encrypted; ewoe needs it unencrypted",
				 path);
			ewoe_hint("openssl pkey -in %s -out KEY && chmod 600 KEY", path);
		} else {
			print_openssl_reason(why, sizeof(why));
			ewoe_err("%s: not a private key (%s)", path, why);
		}
		wipe_free(data, len);
		ssl.ERR_clear_error();
		return -EINVAL;
	}
	wipe_free(data, len);
	ssl.ERR_clear_error();
	*out = key;
	return 0;
}

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t size)
{
	BIO *bio = ssl.BIO_new(ssl.BIO_s_mem());
	int n = 0;

	if (bio && ssl.ASN1_TIME_print(bio, t))
		n = ssl.BIO_read(bio, buf, (int)size - 1);
	buf[n > 0 ? n : 0] = '\0';
	ssl.BIO_free(bio);
}

static int check_validity(const char *path, X509 *x)
{
	char when[64];

	if (ssl.X509_cmp_current_time(ssl.X509_get0_notBefore(x)) >= 0) {
		asn1_time_str(ssl.X509_get0_notBefore(x), when, sizeof(when));
		ewoe_err("%s: certificate not valid before %s; check the clock or the certificate",
			 path, when);
		return -EINVAL;
	}
	if (ssl.X509_cmp_current_time(ssl.X509_get0_notAfter(x)) <= 0) {
		asn1_time_str(ssl.X509_get0_notAfter(x), when, sizeof(when));
		ewoe_err("%s: certificate expired on %s", path, when);
		return -EINVAL;
	}
	return 0;
}

static int check_chain(const char *cert_path, X509 *cert, const char *ca_path, X509 *ca)
{
	X509_STORE *store = ssl.X509_STORE_new();
	X509_STORE_CTX *ctx = ssl.X509_STORE_CTX_new();
	int err = -ENOMEM;

	if (!store || !ctx || !ssl.X509_STORE_add_cert(store, ca) ||
	    !ssl.X509_STORE_CTX_init(ctx, store, cert, NULL))
		goto out;
	err = 0;
	if (ssl.X509_verify_cert(ctx) != 1) {
		ewoe_err("%s: does not chain to the CA in %s: %s", cert_path, ca_path,
			 ssl.X509_verify_cert_error_string(ssl.X509_STORE_CTX_get_error(ctx)));
		err = -EINVAL;
	}
out:
	ssl.X509_STORE_CTX_free(ctx);
	ssl.X509_STORE_free(store);
	ssl.ERR_clear_error();
	return err;
}

static char *pem_of(X509 *cert, EVP_PKEY *key)
{
	BIO *bio = ssl.BIO_new(ssl.BIO_s_mem());
	char *data, *copy = NULL;
	long len;

	if (!bio)
		return NULL;
	if (cert ? ssl.PEM_write_bio_X509(bio, cert)
		 : ssl.PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
		len = ssl.BIO_ctrl(bio, BIO_CTRL_INFO, 0, (char *)&data);
		copy = malloc((size_t)len + 1);
		if (copy) {
			memcpy(copy, data, (size_t)len);
			copy[len] = '\0';
		}
		explicit_bzero(data, (size_t)len);
	}
	ssl.BIO_free(bio);
	return copy;
}

static int load_identity(const struct ewoe_peer *peer, struct creds *c)
{
	X509 *cert = NULL, *other = NULL;
	EVP_PKEY *key = NULL;
	const char *other_path = peer->auth == AUTH_CERT ? peer->peer_cert_file : peer->ca_file;
	int err;

	err = libcrypto_load();
	if (err)
		return err;
	err = load_cert(peer->cert_file, &cert);
	if (!err)
		err = check_validity(peer->cert_file, cert);
	if (!err)
		err = load_key(peer->key_file, &key);
	if (!err && ssl.X509_check_private_key(cert, key) != 1) {
		ewoe_err("%s: private key does not belong to the certificate in %s", peer->key_file,
			 peer->cert_file);
		err = -EINVAL;
	}
	ssl.ERR_clear_error();
	if (!err)
		err = load_cert(other_path, &other);
	if (!err)
		err = check_validity(other_path, other);
	if (!err && peer->auth == AUTH_CERT && !ssl.X509_cmp(cert, other)) {
		ewoe_err("%s: is this node's own certificate (%s); --peer-cert is the other "
			 "DPU's certificate",
			 other_path, peer->cert_file);
		err = -EINVAL;
	}
	if (!err && peer->auth == AUTH_CA)
		err = check_chain(peer->cert_file, cert, other_path, other);
	if (err)
		goto out;
	c->cert_pem = pem_of(cert, NULL);
	c->key_pem = pem_of(NULL, key);
	if (peer->auth == AUTH_CERT)
		c->peer_cert_pem = pem_of(other, NULL);
	else
		c->ca_pem = pem_of(other, NULL);
	if (!c->cert_pem || !c->key_pem || !(c->peer_cert_pem || c->ca_pem))
		err = -ENOMEM;
out:
	ssl.X509_free(cert);
	ssl.X509_free(other);
	ssl.EVP_PKEY_free(key);
	return err;
}

int creds_load(const struct ewoe_peer *peer, struct creds **out)
{
	struct creds *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	if (peer->auth == AUTH_PSK) {
		if (!peer->psk_file) {
			ewoe_err("PSK authentication needs --psk-file FILE (or '-' for stdin)");
			err = -EINVAL;
		} else {
			err = read_psk(peer->psk_file, &c->psk, &c->psk_len);
		}
	} else if (!peer->cert_file || !peer->key_file) {
		ewoe_err("%s authentication needs --cert and --key", ewoe_auth_name(peer->auth));
		err = -EINVAL;
	} else if (peer->auth == AUTH_CERT && !peer->peer_cert_file) {
		ewoe_err("cert authentication needs --peer-cert (the other DPU's certificate)");
		err = -EINVAL;
	} else if (peer->auth == AUTH_CA && (!peer->ca_file || !peer->remote_name)) {
		ewoe_err("ca authentication needs --ca and --remote-name (the peer's identity)");
		err = -EINVAL;
	} else {
		err = load_identity(peer, c);
	}
	if (err) {
		creds_free(c);
		return err;
	}
	*out = c;
	return 0;
}
