/* SPDX-License-Identifier: BSD-3-Clause */
/* tlslb-testserver: pieces shared between its files. */
#ifndef TLSSERVER_H
#define TLSSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* What one connection's ticket callback saw, for the handshake log line. */
struct ts_conn_note {
	bool ticket_in;          /* a ticket was offered whose key we hold */
	bool ticket_unknown;     /* a ticket was offered, key name not ours */
	uint8_t in_name[16];
	bool ticket_out;         /* we encrypted a ticket */
	uint8_t out_name[16];
};

/*
 * Ticket keys from an openssl-format file (cp_keyfmt.h), re-read when the
 * file changes. ts_keys_load() reads it the first time (errors are fatal),
 * ts_keys_refresh() on each connection (errors keep the old keys).
 */
int ts_keys_load(const char *path);
void ts_keys_refresh(bool force);
void ts_keys_free(void);
/* Install the ticket-key callback; SSL app data must point to a ts_conn_note. */
int ts_keys_install(SSL_CTX *ctx);

/* Lowercase hex of @len bytes into @out (2*len+1 bytes). */
void ts_hex(char *out, const uint8_t *in, unsigned len);

#endif /* TLSSERVER_H */
