/* SPDX-License-Identifier: BSD-3-Clause */
/* Pieces of tlsgen shared between its files; not part of its API. */
#ifndef TLSGEN_INTERNAL_H
#define TLSGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "tlsgen.h"

/* What the callbacks of one tlsgen_run() observe; hung on both SSL_CTXs. */
struct tlsgen_observer {
	bool recording;        /* the connection under way is the recorded one */
	bool ticket_issued;    /* the ticket-key callback encrypted, recorded connection */
	bool key_name_known;   /* ...or in any connection of this run */
	uint8_t key_name[16];
	bool hrr;              /* the client read a HelloRetryRequest, recorded connection */
	bool hello_failed;     /* the client-hello callback could not copy the hello */
	struct tlsgen_hello_view *hello; /* where the first recorded hello goes */
};

/*
 * The server's certificate and key, made on first use and kept for the life
 * of the process. Not thread-safe: tlsgen serves single-threaded tools.
 */
int tlsgen_cert_get(X509 **cert, EVP_PKEY **key);

/* Install the ticket-key callback; it reports to the observer in the ctx app data. */
int tlsgen_ticket_install(SSL_CTX *server_ctx);

/* Install the client's message callback that spots a HelloRetryRequest. */
int tlsgen_hrr_install(SSL_CTX *client_ctx, struct tlsgen_observer *observer);

/* Install the server's client-hello callback that copies what OpenSSL parsed. */
void tlsgen_hello_install(SSL_CTX *server_ctx, struct tlsgen_observer *observer);

void tlsgen_hello_view_free(struct tlsgen_hello_view *view);

#endif /* TLSGEN_INTERNAL_H */
