/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Callbacks that report what OpenSSL itself saw: a HelloRetryRequest reaching
 * the client, and the ClientHello as the server's parser read it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tlsgen_internal.h"

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with random SHA-256("HelloRetryRequest"). */
static unsigned char hrr_random[32];

/* type(1) length(3) legacy_version(2), then the random */
#define SERVER_HELLO_RANDOM_OFFSET 6u

static void
hrr_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
	   void *arg)
{
	struct tlsgen_observer *obs = arg;
	const unsigned char *msg = buf;

	(void)version;
	(void)ssl;
	if (write_p || content_type != SSL3_RT_HANDSHAKE || !obs->recording)
		return;
	if (len < SERVER_HELLO_RANDOM_OFFSET + sizeof(hrr_random) || msg[0] != SSL3_MT_SERVER_HELLO)
		return;
	if (memcmp(msg + SERVER_HELLO_RANDOM_OFFSET, hrr_random, sizeof(hrr_random)) == 0)
		obs->hrr = true;
}

int
tlsgen_hrr_install(SSL_CTX *client_ctx, struct tlsgen_observer *observer)
{
	static const char label[] = "HelloRetryRequest";
	unsigned int md_len = 0;

	if (!EVP_Digest(label, strlen(label), hrr_random, &md_len, EVP_sha256(), NULL) ||
	    md_len != sizeof(hrr_random))
		return -EIO;
	SSL_CTX_set_msg_callback(client_ctx, hrr_msg_cb);
	SSL_CTX_set_msg_callback_arg(client_ctx, observer);
	return 0;
}

static int
copy_stream(struct tlsgen_stream *dst, const unsigned char *src, size_t len)
{
	dst->data = malloc(len ? len : 1);
	if (!dst->data)
		return -ENOMEM;
	if (len)
		memcpy(dst->data, src, len);
	dst->len = len;
	return 0;
}

static int
hello_copy_extensions(SSL *ssl, struct tlsgen_hello_view *view)
{
	int *types = NULL;
	size_t n = 0;
	size_t i;

	if (SSL_client_hello_get1_extensions_present(ssl, &types, &n) != 1)
		return -EINVAL;
	view->n_ext = n;
	for (i = 0; i < n && i < sizeof(view->ext_types) / sizeof(view->ext_types[0]); i++)
		view->ext_types[i] = (uint16_t)types[i];
	OPENSSL_free(types);
	return 0;
}

static int
hello_copy(SSL *ssl, struct tlsgen_hello_view *view)
{
	const unsigned char *p;
	size_t len;
	int ret;

	view->sslv2 = SSL_client_hello_isv2(ssl);
	view->legacy_version = SSL_client_hello_get0_legacy_version(ssl);
	len = SSL_client_hello_get0_random(ssl, &p);
	if (len > sizeof(view->random))
		return -EINVAL;
	memcpy(view->random, p, len);
	view->random_len = len;
	len = SSL_client_hello_get0_session_id(ssl, &p);
	if (len > sizeof(view->session_id))
		return -EINVAL;
	memcpy(view->session_id, p, len);
	view->session_id_len = len;
	len = SSL_client_hello_get0_ciphers(ssl, &p);
	ret = copy_stream(&view->cipher_suites, p, len);
	if (ret < 0)
		return ret;
	len = SSL_client_hello_get0_compression_methods(ssl, &p);
	ret = copy_stream(&view->compression_methods, p, len);
	if (ret < 0)
		return ret;
	return hello_copy_extensions(ssl, view);
}

static int
hello_cb(SSL *ssl, int *alert, void *arg)
{
	struct tlsgen_observer *obs = arg;

	/* After a HelloRetryRequest the callback runs again: keep the first hello. */
	if (!obs->recording || obs->hello->seen)
		return SSL_CLIENT_HELLO_SUCCESS;
	obs->hello->seen = true;
	if (hello_copy(ssl, obs->hello) < 0) {
		obs->hello_failed = true;
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

void
tlsgen_hello_install(SSL_CTX *server_ctx, struct tlsgen_observer *observer)
{
	SSL_CTX_set_client_hello_cb(server_ctx, hello_cb, observer);
}

void
tlsgen_hello_view_free(struct tlsgen_hello_view *view)
{
	free(view->cipher_suites.data);
	free(view->compression_methods.data);
	view->cipher_suites = (struct tlsgen_stream){ 0 };
	view->compression_methods = (struct tlsgen_stream){ 0 };
}
