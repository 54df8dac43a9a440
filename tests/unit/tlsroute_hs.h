/* SPDX-License-Identifier: BSD-3-Clause */
/* Real handshakes for the routing and learning tests (dp_tlsroute, dp_learn):
 * tlsgen scenarios run once, each connection's ClientHello parsed and its
 * server flight scanned, so that the tests start from what a worker has. */
#ifndef TLSROUTE_HS_H
#define TLSROUTE_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsp_client.h"
#include "tlsp_server.h"
#include "tlsgen.h"

enum trh_id {
	TRH_T12_SID,         /* TLS 1.2 session-ID resumption (a pair) */
	TRH_T12_TICKET,      /* TLS 1.2 ticket resumption (a pair) */
	TRH_T13_PSK,         /* TLS 1.3 PSK resumption (a pair) */
	TRH_T12_SID_FULL,    /* TLS 1.2 full handshake, server caches the session */
	TRH_T12_TICKET_FULL, /* TLS 1.2 full handshake, server issues a ticket */
	TRH_T13_FULL,        /* TLS 1.3 full handshake */
	TRH_T13_HRR,         /* TLS 1.3 with a HelloRetryRequest */
	TRH__COUNT
};

/* One connection as the balancer saw it. */
struct trh_conn {
	uint8_t *client, *server; /* exact-size heap copies of the two streams */
	size_t client_len, server_len;
	uint8_t *scratch;
	struct tlsp_client_hello ch; /* views into client / scratch */
	struct tlsp_server_flight sf;
	enum tlsp_status scan;
};

struct trh {
	const char *scenario; /* tlsgen scenario name */
	struct tlsgen_result r;
	bool pair;            /* first: the connection the recorded one resumes */
	struct trh_conn first, rec;
};

extern struct trh trh[TRH__COUNT];

/* Run and parse every handshake (cmocka group setup / teardown). */
int trh_setup(void **state);
int trh_teardown(void **state);

/* The hello's first @n bytes of a byte view, for messages. */
const char *trh_hex(const uint8_t *b, size_t n);

#endif
