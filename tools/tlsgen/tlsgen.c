/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real OpenSSL handshakes between a client and a server SSL object joined by
 * memory BIOs. A loop steps each side and carries the bytes it wrote to the
 * other, keeping a copy of everything that crosses for the recorded connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsgen.h"
#include "tlsgen_internal.h"

/* A handshake takes a handful of flights; this many rounds means it is stuck. */
#define MAX_ROUNDS 64

struct run {
	const struct tlsgen_params *params;
	struct tlsgen_observer obs;
	SSL_CTX *client_ctx;
	SSL_CTX *server_ctx;
	unsigned char alpn_wire[512];
	size_t alpn_wire_len;
};

struct conn {
	SSL *client;
	SSL *server;
	BIO *client_in, *client_out;
	BIO *server_in, *server_out;
};

static int
openssl_failed(const char *what, int ret)
{
	fprintf(stderr, "tlsgen: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	return ret;
}

/* "h2,http/1.1" -> the ProtocolNameList body of RFC 7301: length-prefixed names */
static int
alpn_to_wire(const char *list, unsigned char *out, size_t cap, size_t *out_len)
{
	size_t len = 0;

	while (*list) {
		size_t name_len = strcspn(list, ",");

		if (name_len == 0 || name_len > 255 || len + 1 + name_len > cap)
			return -EINVAL;
		out[len++] = (unsigned char)name_len;
		memcpy(out + len, list, name_len);
		len += name_len;
		list += name_len;
		if (*list == ',')
			list++;
	}
	*out_len = len;
	return 0;
}

/* RFC 7301 leaves the choice to the server; the client's first keeps expectations simple. */
static int
alpn_select_first(SSL *ssl, const unsigned char **out, unsigned char *out_len,
		  const unsigned char *in, unsigned int in_len, void *arg)
{
	(void)ssl;
	(void)arg;
	if (in_len < 2 || in[0] == 0 || 1u + in[0] > in_len)
		return SSL_TLSEXT_ERR_NOACK;
	*out = in + 1;
	*out_len = in[0];
	return SSL_TLSEXT_ERR_OK;
}

static int
ctx_set_versions(SSL_CTX *ctx, const struct tlsgen_params *p)
{
	if (p->min_version && !SSL_CTX_set_min_proto_version(ctx, p->min_version))
		return -EINVAL;
	if (p->max_version && !SSL_CTX_set_max_proto_version(ctx, p->max_version))
		return -EINVAL;
	return 0;
}

static int
server_ctx_setup(struct run *run)
{
	static const unsigned char sid_ctx[] = "tlsgen";
	const struct tlsgen_params *p = run->params;
	SSL_CTX *ctx = run->server_ctx;
	EVP_PKEY *key;
	X509 *cert;
	int ret;

	ret = tlsgen_cert_get(&cert, &key);
	if (ret < 0)
		return ret;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		return openssl_failed("server certificate", -EINVAL);
	if (ctx_set_versions(ctx, p) < 0)
		return openssl_failed("server versions", -EINVAL);
	if (p->server_groups && SSL_CTX_set1_groups_list(ctx, p->server_groups) != 1)
		return openssl_failed("server groups", -EINVAL);
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1)
		return openssl_failed("session id context", -EINVAL);
	SSL_CTX_set_session_cache_mode(ctx, p->session_cache ? SSL_SESS_CACHE_SERVER
							      : SSL_SESS_CACHE_OFF);
	if (!p->tickets)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_app_data(ctx, &run->obs);
	ret = tlsgen_ticket_install(ctx);
	if (ret < 0)
		return openssl_failed("ticket key callback", ret);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select_first, NULL);
	tlsgen_hello_install(ctx, &run->obs);
	return 0;
}

static int
client_ctx_setup(struct run *run)
{
	const struct tlsgen_params *p = run->params;
	SSL_CTX *ctx = run->client_ctx;
	int ret;

	if (ctx_set_versions(ctx, p) < 0)
		return openssl_failed("client versions", -EINVAL);
	if (p->client_groups && SSL_CTX_set1_groups_list(ctx, p->client_groups) != 1)
		return openssl_failed("client groups", -EINVAL);
	if (p->alpn) {
		ret = alpn_to_wire(p->alpn, run->alpn_wire, sizeof(run->alpn_wire),
				   &run->alpn_wire_len);
		if (ret < 0) {
			fprintf(stderr, "tlsgen: bad ALPN list '%s'\n", p->alpn);
			return ret;
		}
	}
	ret = tlsgen_hrr_install(ctx, &run->obs);
	if (ret < 0)
		return openssl_failed("HRR detector", ret);
	return 0;
}

static void
run_close(struct run *run)
{
	SSL_CTX_free(run->client_ctx);
	SSL_CTX_free(run->server_ctx);
}

static int
run_open(struct run *run, const struct tlsgen_params *params)
{
	int ret;

	memset(run, 0, sizeof(*run));
	run->params = params;
	if (params->max_fragment &&
	    (params->max_fragment < 512 || params->max_fragment > SSL3_RT_MAX_PLAIN_LENGTH)) {
		fprintf(stderr, "tlsgen: max_fragment %u outside 512..16384\n",
			params->max_fragment);
		return -EINVAL;
	}
	run->client_ctx = SSL_CTX_new(TLS_client_method());
	run->server_ctx = SSL_CTX_new(TLS_server_method());
	if (!run->client_ctx || !run->server_ctx) {
		ret = openssl_failed("SSL_CTX_new", -ENOMEM);
		goto fail;
	}
	ret = server_ctx_setup(run);
	if (ret < 0)
		goto fail;
	ret = client_ctx_setup(run);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	run_close(run);
	return ret;
}

static void
conn_close(struct conn *conn)
{
	/*
	 * A quiet shutdown marks both sessions as cleanly closed without sending
	 * an alert; SSL_free() would otherwise evict the server's cached session.
	 */
	if (conn->client) {
		SSL_set_quiet_shutdown(conn->client, 1);
		(void)SSL_shutdown(conn->client);
	}
	if (conn->server) {
		SSL_set_quiet_shutdown(conn->server, 1);
		(void)SSL_shutdown(conn->server);
	}
	SSL_free(conn->client); /* frees the BIOs handed over by SSL_set_bio() */
	SSL_free(conn->server);
	memset(conn, 0, sizeof(*conn));
}

static int
conn_client_setup(struct run *run, SSL *client, SSL_SESSION *offer)
{
	const struct tlsgen_params *p = run->params;

	if (p->sni && SSL_set_tlsext_host_name(client, p->sni) != 1)
		return openssl_failed("SNI", -EINVAL);
	/* SSL_set_alpn_protos returns 0 on success, unlike its neighbours. */
	if (p->alpn && SSL_set_alpn_protos(client, run->alpn_wire, run->alpn_wire_len) != 0)
		return openssl_failed("ALPN", -EINVAL);
	if (p->max_fragment && SSL_set_max_send_fragment(client, p->max_fragment) != 1)
		return openssl_failed("max send fragment", -EINVAL);
	if (offer && SSL_set_session(client, offer) != 1)
		return openssl_failed("SSL_set_session", -EINVAL);
	return 0;
}

static int
conn_open(struct run *run, struct conn *conn, SSL_SESSION *offer)
{
	int ret = -ENOMEM;

	memset(conn, 0, sizeof(*conn));
	conn->client = SSL_new(run->client_ctx);
	conn->server = SSL_new(run->server_ctx);
	conn->client_in = BIO_new(BIO_s_mem());
	conn->client_out = BIO_new(BIO_s_mem());
	conn->server_in = BIO_new(BIO_s_mem());
	conn->server_out = BIO_new(BIO_s_mem());
	if (!conn->client || !conn->server || !conn->client_in || !conn->client_out ||
	    !conn->server_in || !conn->server_out) {
		BIO_free(conn->client_in);
		BIO_free(conn->client_out);
		BIO_free(conn->server_in);
		BIO_free(conn->server_out);
		goto fail;
	}
	SSL_set_bio(conn->client, conn->client_in, conn->client_out);
	SSL_set_bio(conn->server, conn->server_in, conn->server_out);
	SSL_set_connect_state(conn->client);
	SSL_set_accept_state(conn->server);
	ret = conn_client_setup(run, conn->client, offer);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	conn_close(conn);
	return ret;
}

static int
stream_append(struct tlsgen_stream *stream, const uint8_t *data, size_t len)
{
	uint8_t *grown = realloc(stream->data, stream->len + len);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + stream->len, data, len);
	stream->data = grown;
	stream->len += len;
	return 0;
}

/* Move what one side wrote to the other's input; a copy goes to @record if not NULL. */
static long
pump(BIO *from, BIO *to, struct tlsgen_stream *record)
{
	unsigned char buf[4096];
	long moved = 0;
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
		if (BIO_write(to, buf, n) != n)
			return -ENOMEM;
		if (record && stream_append(record, buf, (size_t)n) < 0)
			return -ENOMEM;
		moved += n;
	}
	return moved;
}

static int
handshake_step(SSL *ssl, const char *who, bool *done)
{
	int r;

	if (*done)
		return 0;
	ERR_clear_error();
	r = SSL_do_handshake(ssl);
	if (r == 1) {
		*done = true;
		return 0;
	}
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		fprintf(stderr, "tlsgen: %s handshake failed\n", who);
		ERR_print_errors_fp(stderr);
		return -EPROTO;
	}
}

/*
 * Step both sides until both handshakes are done and nothing is in flight, so
 * that the server's last flight (a TLS 1.2 NewSessionTicket, ChangeCipherSpec
 * and Finished) is in the record.
 */
static int
conn_handshake(struct conn *conn, struct tlsgen_result *rec)
{
	bool client_done = false, server_done = false;
	int round;

	for (round = 0; round < MAX_ROUNDS; round++) {
		long c2s, s2c;
		int ret;

		ret = handshake_step(conn->client, "client", &client_done);
		if (ret < 0)
			return ret;
		c2s = pump(conn->client_out, conn->server_in, rec ? &rec->client : NULL);
		if (c2s < 0)
			return (int)c2s;
		if (rec && round == 0)
			rec->client_hello_len = (size_t)c2s;
		ret = handshake_step(conn->server, "server", &server_done);
		if (ret < 0)
			return ret;
		s2c = pump(conn->server_out, conn->client_in, rec ? &rec->server : NULL);
		if (s2c < 0)
			return (int)s2c;
		if (client_done && server_done && c2s == 0 && s2c == 0)
			return 0;
	}
	fprintf(stderr, "tlsgen: handshake did not finish in %d rounds\n", MAX_ROUNDS);
	return -ETIMEDOUT;
}

/*
 * One byte of application data from the server makes the client read, and a
 * TLS 1.3 client only takes in its NewSessionTickets when it reads.
 */
static int
conn_exchange_byte(struct conn *conn, struct tlsgen_result *rec)
{
	unsigned char byte = '!';
	long moved;

	ERR_clear_error();
	if (SSL_write(conn->server, &byte, 1) != 1)
		return openssl_failed("server SSL_write", -EPROTO);
	moved = pump(conn->server_out, conn->client_in, rec ? &rec->server : NULL);
	if (moved < 0)
		return (int)moved;
	if (SSL_read(conn->client, &byte, 1) != 1)
		return openssl_failed("client SSL_read", -EPROTO);
	/* Whatever the client answers (nothing, normally) belongs to the record too. */
	moved = pump(conn->client_out, conn->server_in, rec ? &rec->client : NULL);
	return moved < 0 ? (int)moved : 0;
}

static int
copy_ticket(const SSL_SESSION *session, struct tlsgen_stream *out)
{
	const unsigned char *tick = NULL;
	size_t len = 0;

	SSL_SESSION_get0_ticket(session, &tick, &len);
	if (!tick || len == 0)
		return 0;
	return stream_append(out, tick, len);
}

static int
fill_result(struct run *run, struct conn *conn, struct tlsgen_result *res)
{
	SSL_SESSION *session = SSL_get_session(conn->client);
	const unsigned char *alpn = NULL, *id;
	unsigned int alpn_len = 0, id_len = 0;

	res->version = SSL_version(conn->client);
	res->reused = SSL_session_reused(conn->client);
	res->hrr = run->obs.hrr;
	res->ticket_issued = run->obs.ticket_issued;
	if (run->obs.key_name_known)
		memcpy(res->key_name, run->obs.key_name, sizeof(res->key_name));
	res->cipher_suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(conn->client));
	SSL_get0_alpn_selected(conn->client, &alpn, &alpn_len);
	if (alpn_len >= sizeof(res->alpn))
		return -EOVERFLOW;
	if (alpn_len)
		memcpy(res->alpn, alpn, alpn_len);
	res->alpn[alpn_len] = '\0';
	if (!session)
		return -EPROTO;
	id = SSL_SESSION_get_id(session, &id_len);
	if (id_len > sizeof(res->session_id))
		return -EOVERFLOW;
	memcpy(res->session_id, id, id_len);
	res->session_id_len = id_len;
	res->ticket_lifetime_hint = (uint32_t)SSL_SESSION_get_ticket_lifetime_hint(session);
	session = SSL_get_session(conn->server);
	if (!session)
		return -EPROTO;
	id = SSL_SESSION_get_id(session, &id_len);
	if (id_len > sizeof(res->server_session_id))
		return -EOVERFLOW;
	memcpy(res->server_session_id, id, id_len);
	res->server_session_id_len = id_len;
	return copy_ticket(SSL_get_session(conn->client), &res->ticket);
}

static int
fill_offer(SSL_SESSION *offer, struct tlsgen_result *res)
{
	const unsigned char *id;
	unsigned int id_len = 0;

	res->ticket_offered = SSL_SESSION_has_ticket(offer);
	/* A TLS 1.3 client sends a random legacy session ID, not the session's. */
	if (SSL_SESSION_get_protocol_version(offer) < TLS1_3_VERSION) {
		id = SSL_SESSION_get_id(offer, &id_len);
		if (id_len > sizeof(res->offered_session_id))
			return -EOVERFLOW;
		memcpy(res->offered_session_id, id, id_len);
		res->offered_session_id_len = id_len;
	}
	return copy_ticket(offer, &res->offered_ticket);
}

/*
 * One connection. @rec is the result to record into, NULL for the first of a
 * resumption pair; @keep receives the client's session if not NULL.
 */
static int
conn_run(struct run *run, SSL_SESSION *offer, struct tlsgen_result *rec, SSL_SESSION **keep)
{
	struct conn conn;
	int ret;

	ret = conn_open(run, &conn, offer);
	if (ret < 0)
		return ret;
	ret = conn_handshake(&conn, rec);
	if (ret < 0)
		goto out;
	ret = conn_exchange_byte(&conn, rec);
	if (ret < 0)
		goto out;
	if (run->obs.hello_failed) {
		ret = -ENOMEM;
		goto out;
	}
	if (rec) {
		ret = fill_result(run, &conn, rec);
		if (ret < 0)
			goto out;
	}
	if (keep) {
		*keep = SSL_get1_session(conn.client);
		if (!*keep)
			ret = -EPROTO;
	}
out:
	conn_close(&conn);
	return ret;
}

int
tlsgen_run(const struct tlsgen_params *params, struct tlsgen_result *result)
{
	SSL_SESSION *first = NULL;
	struct run run;
	int ret;

	memset(result, 0, sizeof(*result));
	ret = run_open(&run, params);
	if (ret < 0)
		return ret;
	if (params->resume) {
		struct tlsgen_result first_rec;

		/* recorded into a scratch result: only its two streams are kept */
		memset(&first_rec, 0, sizeof(first_rec));
		ret = conn_run(&run, NULL, &first_rec, &first);
		result->first_client = first_rec.client;
		result->first_server = first_rec.server;
		first_rec.client = (struct tlsgen_stream){ 0 };
		first_rec.server = (struct tlsgen_stream){ 0 };
		tlsgen_result_free(&first_rec);
		if (ret < 0)
			goto out;
		ret = fill_offer(first, result);
		if (ret < 0)
			goto out;
	}
	run.obs.recording = true;
	run.obs.hello = &result->hello;
	ret = conn_run(&run, first, result, NULL);
out:
	SSL_SESSION_free(first);
	run_close(&run);
	if (ret < 0)
		tlsgen_result_free(result);
	return ret;
}

void
tlsgen_result_free(struct tlsgen_result *result)
{
	free(result->client.data);
	free(result->server.data);
	free(result->offered_ticket.data);
	free(result->ticket.data);
	free(result->first_client.data);
	free(result->first_server.data);
	tlsgen_hello_view_free(&result->hello);
	result->client = (struct tlsgen_stream){ 0 };
	result->server = (struct tlsgen_stream){ 0 };
	result->offered_ticket = (struct tlsgen_stream){ 0 };
	result->ticket = (struct tlsgen_stream){ 0 };
	result->first_client = (struct tlsgen_stream){ 0 };
	result->first_server = (struct tlsgen_stream){ 0 };
}
