/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server's session-ticket key (RFC 5077 section 4's recommended layout:
 * key_name, IV, AES-CBC, HMAC-SHA256), drawn once per process so that a ticket
 * from one run's server still opens in the next run's.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "tlsgen_internal.h"

static struct {
	bool ready;
	unsigned char name[16];
	unsigned char aes_key[32];
	unsigned char hmac_key[32];
} ticket_key;

static int
ticket_key_init(void)
{
	if (ticket_key.ready)
		return 0;
	if (RAND_bytes(ticket_key.name, sizeof(ticket_key.name)) != 1 ||
	    RAND_bytes(ticket_key.aes_key, sizeof(ticket_key.aes_key)) != 1 ||
	    RAND_bytes(ticket_key.hmac_key, sizeof(ticket_key.hmac_key)) != 1)
		return -EIO;
	ticket_key.ready = true;
	return 0;
}

static int
ticket_mac_init(EVP_MAC_CTX *hctx)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, ticket_key.hmac_key,
						  sizeof(ticket_key.hmac_key)),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	return EVP_MAC_CTX_set_params(hctx, params);
}

/* OpenSSL's contract: 1 = key found (or ticket made), 0 = unknown key, -1 = error. */
static int
ticket_key_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
	      EVP_MAC_CTX *hctx, int enc)
{
	struct tlsgen_observer *obs = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const EVP_CIPHER *aes = EVP_aes_256_cbc();
	int iv_len = EVP_CIPHER_get_iv_length(aes);

	if (enc) {
		memcpy(key_name, ticket_key.name, sizeof(ticket_key.name));
		if (RAND_bytes(iv, iv_len) != 1)
			return -1;
		if (!EVP_EncryptInit_ex(cctx, aes, NULL, ticket_key.aes_key, iv) ||
		    !ticket_mac_init(hctx))
			return -1;
		memcpy(obs->key_name, ticket_key.name, sizeof(obs->key_name));
		obs->key_name_known = true;
		if (obs->recording)
			obs->ticket_issued = true;
		return 1;
	}
	if (memcmp(key_name, ticket_key.name, sizeof(ticket_key.name)) != 0)
		return 0;
	if (!EVP_DecryptInit_ex(cctx, aes, NULL, ticket_key.aes_key, iv) || !ticket_mac_init(hctx))
		return -1;
	return 1;
}

int
tlsgen_ticket_install(SSL_CTX *server_ctx)
{
	int ret = ticket_key_init();

	if (ret < 0)
		return ret;
	if (SSL_CTX_set_tlsext_ticket_key_evp_cb(server_ctx, ticket_key_cb) != 1)
		return -EINVAL;
	return 0;
}
