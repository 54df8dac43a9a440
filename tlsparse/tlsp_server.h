/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Server-flight scanner: fed the server's bytes in order, segment by segment,
 * it reads the ServerHello and a TLS 1.2 NewSessionTicket and tells whether the
 * handshake resumed a session. It keeps a carry buffer of under a hundred bytes:
 * certificates and key shares are skipped as they stream by, never buffered.
 *
 * The state is a plain struct so that a dataplane can embed it in a flow record
 * without an allocation; its fields below the result are private.
 */
#ifndef TLSP_SERVER_H
#define TLSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsp_client.h"
#include "tlsp_status.h"

/** What the server flight says about resumption. */
enum tlsp_verdict {
	TLSP_VERDICT_UNKNOWN = 0,       /**< not (yet) decided */
	TLSP_VERDICT_FULL,              /**< full handshake */
	TLSP_VERDICT_RESUMED_SESSION_ID, /**< TLS <= 1.2, session ID echoed */
	TLSP_VERDICT_RESUMED_TICKET,    /**< TLS <= 1.2, resumed from a SessionTicket */
	TLSP_VERDICT_RESUMED_PSK,       /**< TLS 1.3, pre_shared_key in ServerHello */
	TLSP_VERDICT_HRR,               /**< HelloRetryRequest, and no ServerHello after it (yet) */
};

/** Short stable name of a verdict ("full", "resumed_psk", ...). */
const char *tlsp_verdict_name(enum tlsp_verdict verdict);

/** What the scanner learned. Copies, since the segments it saw are gone. */
struct tlsp_server_flight {
	enum tlsp_verdict verdict;
	bool server_hello_seen;
	bool hrr_seen;            /**< a HelloRetryRequest came before the ServerHello */
	uint16_t legacy_version;  /**< ServerHello.legacy_version */
	uint16_t version;         /**< negotiated: supported_versions if present */
	uint16_t cipher_suite;
	uint8_t session_id_len;
	uint8_t session_id[32];
	bool ticket_ext;          /**< empty SessionTicket extension: a ticket will follow */
	bool has_psk;
	uint16_t psk_identity;    /**< the selected identity index */

	bool nst_seen;            /**< TLS 1.2 NewSessionTicket */
	uint32_t nst_lifetime_hint;
	uint16_t nst_ticket_len;
	uint8_t nst_key_name_len; /**< min(ticket length, key_name_len) */
	uint8_t nst_key_name[32];

	bool alert_seen;          /**< a plaintext alert ended the scan */
	uint8_t alert_level, alert_description;
	uint32_t n_records;       /**< records seen, whole or partial */
	uint64_t bytes;           /**< bytes fed until the scan finished */
};

/** Scanner state. Initialise with tlsp_server_scan_init(). */
struct tlsp_server_scan {
	struct tlsp_server_flight result;
	enum tlsp_reason reason; /**< on TLSP_MALFORMED / TLSP_NOT_TLS */

	/* private */
	uint8_t status;
	uint8_t key_name_len;
	bool client_ticket;       /**< client offered a non-empty ticket */
	uint8_t client_sid_len;
	uint8_t client_sid[32];
	uint8_t rec_hdr_have;
	uint8_t rec_hdr[5];
	uint8_t rec_type;
	uint16_t rec_left;        /**< payload bytes left in the current record */
	uint8_t hs_step;          /**< what the collected bytes are for */
	uint8_t hs_type;
	uint32_t hs_left;         /**< body bytes left in the current handshake message */
	uint32_t ext_left;        /**< bytes left in the ServerHello extensions block */
	uint16_t ext_type;
	uint32_t skip;            /**< handshake bytes to pass over */
	uint16_t want;            /**< bytes to collect into carry */
	uint16_t have;
	uint8_t carry[64];
	uint64_t ext_seen;        /**< bitmap of low extension numbers, for duplicates */
	uint16_t ext_high[8];     /**< higher extension numbers seen, for duplicates */
	uint8_t n_ext_high;
};

/**
 * Start scanning a server flight.
 * @param hello         the client's hello (its session ID and ticket decide what a
 *                      TLS 1.2 echo means), or NULL if unknown; what is needed is
 *                      copied, so its views must be valid during this call only
 * @param key_name_len  0 means TLSP_KEY_NAME_LEN_DEFAULT
 */
void tlsp_server_scan_init(struct tlsp_server_scan *scan, const struct tlsp_client_hello *hello,
			   uint8_t key_name_len);

/**
 * Feed the next bytes of the server's stream.
 * @return TLSP_NEED_MORE while the scan wants more bytes; TLSP_OK once it has
 *         seen what it needs (later calls return TLSP_OK and ignore their bytes);
 *         TLSP_NOT_TLS or TLSP_MALFORMED (sticky) with scan->reason set.
 */
TLSP_MUST_CHECK enum tlsp_status tlsp_server_scan_feed(struct tlsp_server_scan *scan,
							const uint8_t *data, size_t len);

#endif /* TLSP_SERVER_H */
