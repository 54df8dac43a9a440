/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test server's ticket keys: an openssl-format key file (cp_keyfmt.h),
 * a ticket-key callback that encrypts with the set's encrypting key and
 * decrypts with any key of the set, and hot reload when the file is replaced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cp_keyfmt.h"
#include "tlsserver.h"

static struct {
	const char *path;
	struct cp_stek keys[CP_KEYFMT_MAX_KEYS];
	unsigned n;
	unsigned encrypt;
	struct stat seen; /* the file's identity when last read */
	unsigned loads;
} ts_keys;

void
ts_hex(char *out, const uint8_t *in, unsigned len)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static bool
ts_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Read the file into a fresh set; swap it in only when it parsed whole. */
static int
ts_keys_read(const struct stat *st)
{
	struct cp_stek fresh[CP_KEYFMT_MAX_KEYS];
	char why[256] = "";
	struct cp_err err = { why, sizeof(why) };
	unsigned n = 0, enc = 0;
	char name[33];
	int rc;

	rc = cp_keyfmt_read_openssl(ts_keys.path, fresh, CP_KEYFMT_MAX_KEYS, &n, &enc, &err);
	if (rc < 0) {
		printf("ticket-keys: %s: keeping the %u keys held\n", why, ts_keys.n);
		return rc;
	}
	OPENSSL_cleanse(ts_keys.keys, sizeof(ts_keys.keys));
	memcpy(ts_keys.keys, fresh, sizeof(fresh[0]) * n);
	OPENSSL_cleanse(fresh, sizeof(fresh));
	ts_keys.n = n;
	ts_keys.encrypt = enc;
	ts_keys.seen = *st;
	ts_keys.loads++;
	/* key names travel in clear in every ticket: they may be logged, keys never */
	ts_hex(name, ts_keys.keys[enc].name, 16);
	printf("ticket-keys: loaded %u keys (load %u), encrypting with %s\n", n, ts_keys.loads,
	       name);
	return 0;
}

int
ts_keys_load(const char *path)
{
	struct stat st;

	ts_keys.path = path;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "ticket-keys: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return ts_keys_read(&st);
}

void
ts_keys_refresh(bool force)
{
	struct stat st;

	if (ts_keys.path == NULL)
		return;
	if (stat(ts_keys.path, &st) < 0) {
		printf("ticket-keys: %s: %s: keeping the %u keys held\n", ts_keys.path,
		       strerror(errno), ts_keys.n);
		return;
	}
	if (force || !ts_same_file(&st, &ts_keys.seen))
		ts_keys_read(&st);
}

void
ts_keys_free(void)
{
	OPENSSL_cleanse(&ts_keys, sizeof(ts_keys));
}

static int
ts_keys_init_ctx(const struct cp_stek *k, const unsigned char *iv, EVP_CIPHER_CTX *cctx,
		 EVP_MAC_CTX *hctx, int enc)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac,
						  cp_stek_hmac_len(k)),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	const EVP_CIPHER *cipher = k->aes_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();

	if (EVP_CipherInit_ex(cctx, cipher, NULL, k->aes, iv, enc) != 1)
		return -1;
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		return -1;
	return 0;
}

/*
 * OpenSSL's contract: on encrypt fill name and IV and return 1; on decrypt
 * return 0 for an unknown name (full handshake), 1 to accept, 2 to accept
 * and issue a fresh ticket (the ticket was made with a key that no longer
 * encrypts: renew it under the current one).
 */
static int
ts_ticket_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
	     EVP_MAC_CTX *hctx, int enc)
{
	struct ts_conn_note *note = SSL_get_app_data(ssl);

	if (ts_keys.n == 0)
		return enc ? -1 : 0;
	if (enc) {
		const struct cp_stek *k = &ts_keys.keys[ts_keys.encrypt];
		const EVP_CIPHER *cipher = k->aes_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();

		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1)
			return -1;
		memcpy(key_name, k->name, 16);
		if (ts_keys_init_ctx(k, iv, cctx, hctx, 1) < 0)
			return -1;
		if (note != NULL) {
			note->ticket_out = true;
			memcpy(note->out_name, k->name, 16);
		}
		return 1;
	}
	for (unsigned i = 0; i < ts_keys.n; i++) {
		const struct cp_stek *k = &ts_keys.keys[i];

		if (memcmp(key_name, k->name, 16) != 0)
			continue;
		if (ts_keys_init_ctx(k, iv, cctx, hctx, 0) < 0)
			return -1;
		if (note != NULL) {
			note->ticket_in = true;
			memcpy(note->in_name, k->name, 16);
		}
		return i == ts_keys.encrypt ? 1 : 2;
	}
	if (note != NULL)
		note->ticket_unknown = true;
	return 0;
}

int
ts_keys_install(SSL_CTX *ctx)
{
	return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ts_ticket_cb) == 1 ? 0 : -EINVAL;
}
