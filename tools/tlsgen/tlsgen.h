/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Real OpenSSL handshakes in memory, for tests, fuzz seeds and benchmarks.
 *
 * A client and a server SSL object are joined by memory BIOs; every byte each
 * side sends is recorded. The expected values a parser must find in those bytes
 * come from OpenSSL's own API, never typed by hand.
 */
#ifndef TLSGEN_H
#define TLSGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** How to shake hands. Zero-initialised fields take OpenSSL's defaults. */
struct tlsgen_params {
	int min_version;          /**< TLS1_2_VERSION, TLS1_3_VERSION, or 0 */
	int max_version;          /**< likewise */
	bool tickets;             /**< server issues session tickets (else SSL_OP_NO_TICKET) */
	bool session_cache;       /**< server keeps a session-ID cache */
	bool resume;              /**< two connections; the recorded one resumes the first's session */
	const char *client_groups; /**< SSL_set1_groups_list on the client, e.g. "ffdhe8192:x25519" */
	const char *server_groups; /**< on the server: differing from the client's first forces HRR */
	unsigned max_fragment;    /**< client's SSL_set_max_send_fragment (512..16384), 0 = default */
	const char *sni;          /**< server name the client sends, NULL for none */
	const char *alpn;         /**< comma-separated protocols the client offers, NULL for none */
};

/** One direction of a recorded connection. */
struct tlsgen_stream {
	uint8_t *data;
	size_t len;
};

/**
 * The recorded connection's first ClientHello as OpenSSL's server parsed it
 * (SSL_client_hello_get0_* in its client-hello callback): an oracle for the
 * fields a parser must find, taken from OpenSSL rather than from the bytes.
 */
struct tlsgen_hello_view {
	bool seen;                   /**< the callback ran */
	bool sslv2;                  /**< SSL_client_hello_isv2 */
	unsigned legacy_version;
	uint8_t random[32];
	unsigned random_len;
	uint8_t session_id[32];      /**< as on the wire (in TLS 1.3 a random legacy ID) */
	unsigned session_id_len;
	struct tlsgen_stream cipher_suites;
	struct tlsgen_stream compression_methods;
	uint16_t ext_types[64];      /**< extension types in the order received */
	unsigned n_ext;              /**< extensions present (all counted, 64 kept) */
};

/** What happened, by the bytes and by OpenSSL's account. */
struct tlsgen_result {
	struct tlsgen_stream client; /**< client->server bytes of the recorded connection */
	struct tlsgen_stream server; /**< server->client bytes of the recorded connection */
	size_t client_hello_len;     /**< bytes of the client's first flight (the hello records) */
	int version;                 /**< SSL_version() of the recorded connection */
	bool reused;                 /**< SSL_session_reused() on the client */
	bool hrr;                    /**< the server sent a HelloRetryRequest */
	uint8_t offered_session_id[32]; /**< session ID in the client's hello (SSL_SESSION_get_id
					   of the session it offered; empty for a fresh one) */
	unsigned offered_session_id_len;
	uint8_t session_id[32];      /**< SSL_SESSION_get_id of the recorded connection's session */
	unsigned session_id_len;
	uint8_t key_name[16];        /**< key name the server's ticket-key callback issued with */
	bool ticket_issued;          /**< the callback encrypted a ticket in the recorded connection */
	bool ticket_offered;         /**< the client offered a ticket / PSK from the first connection */
	char alpn[256];              /**< protocol the server selected, "" if none */

	/* Added by the tlsgen implementation: more expected values from OpenSSL's API. */
	struct tlsgen_hello_view hello; /**< the first ClientHello, as the server saw it */
	uint16_t cipher_suite;       /**< SSL_CIPHER_get_protocol_id of the negotiated suite */
	struct tlsgen_stream offered_ticket; /**< SSL_SESSION_get0_ticket of the offered session */
	struct tlsgen_stream ticket; /**< SSL_SESSION_get0_ticket of the client's session after
					  the recorded connection (the ticket it was issued) */
	uint32_t ticket_lifetime_hint; /**< SSL_SESSION_get_ticket_lifetime_hint, same session */
	uint8_t server_session_id[32]; /**< SSL_SESSION_get_id of the server's session: for
					    TLS 1.2, the ID its ServerHello carried (a client
					    that gets a ticket renames its session) */
	unsigned server_session_id_len;

	/* Added for the balancer's learning tests: with params.resume, the bytes of the
	 * first connection, whose session the recorded one resumes (empty otherwise). */
	struct tlsgen_stream first_client; /**< client->server bytes of the first connection */
	struct tlsgen_stream first_server; /**< server->client bytes of the first connection */
};

/**
 * Run the handshake(s) described by @p params.
 * @return 0, or a negative errno with an OpenSSL error printed to stderr
 */
int tlsgen_run(const struct tlsgen_params *params, struct tlsgen_result *result);

/** Release the recorded streams. */
void tlsgen_result_free(struct tlsgen_result *result);

#endif /* TLSGEN_H */
