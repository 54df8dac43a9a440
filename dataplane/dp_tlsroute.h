/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TLS-aware backend choice: send a resumption to the server that can resume
 * it, from what the ClientHello carries (DESIGN.md "Choosing the backend").
 *
 * Rules, in order; the first that yields a backend that is up and not
 * draining wins, and every rule that applies and misses is counted:
 *  1. TLS 1.3 offered and pre_shared_key present: the first identity's key
 *     name in the key-name table (or, when the service says its servers
 *     embed one, the identity's server-ID prefix);
 *  2. a non-empty SessionTicket: its key name in the key-name table;
 *  3. a non-empty session ID, only when TLS 1.3 is not offered (a TLS 1.3
 *     hello's legacy_session_id is random): its server-ID prefix when the
 *     service has server IDs, else the learned session table;
 *  4. otherwise the caller's scheduler (smooth weighted round-robin).
 *
 * The decision reads only the hello, the tables (lock-free) and the backend
 * states: any worker may call it, as an online reader of the tables' QSBR.
 */
#ifndef DP_TLSROUTE_H
#define DP_TLSROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_learn.h"
#include "dp_tlsstats.h"
#include "tlsp_client.h"

/** Longest server-ID prefix. */
#define DP_TLSROUTE_SERVER_ID_MAX 16u

/** A backend's state, as the health checks and the operator set it. */
enum dp_backend_state {
	DP_BACKEND_UP = 0,
	DP_BACKEND_DOWN,     /**< failed its health checks */
	DP_BACKEND_DRAINING, /**< weight 0 or being removed: no new connections */
};

/** Server-ID prefix -> backend. */
struct dp_tlsroute_server_id {
	uint8_t id[DP_TLSROUTE_SERVER_ID_MAX]; /**< the first server_id_len bytes count */
	uint16_t backend;
};

/** One service, as a worker routes for it. */
struct dp_tlsroute_ctx {
	const struct dp_learn *learn; /**< the service's tables; NULL: none */
	uint16_t bk_first, bk_count;  /**< the service's backends: [first, first + count),
				       *   unless @ref bk_service is set */
	/** When not NULL: the service of each backend (UINT16_MAX: none), and a
	 *  backend is the service's when bk_service[b] == service */
	const uint16_t *bk_service;
	uint16_t service;
	/** When not NULL: 1 for a backend the health checks say is down (read
	 *  with relaxed loads: another thread writes it); wins over @p state */
	const uint8_t *down;
	/** 0: the servers embed no ID; else 1..DP_TLSROUTE_SERVER_ID_MAX, and rule 3
	 *  reads the session ID's prefix instead of the learned session table */
	uint8_t server_id_len;
	bool psk_server_id;           /**< rule 1 too reads a prefix, not the key name */
	uint16_t n_server_ids;
	const struct dp_tlsroute_server_id *server_ids; /**< searched linearly: a few per service */
	uint32_t now;                 /**< seconds, the clock learning uses */
	struct dp_tlsroute_stats *stats; /**< this lcore's counters; NULL: not counted */
};

/** Why the backend is what it is. */
struct dp_tlsroute_result {
	enum dp_tlsroute_rule rule;      /**< the rule that chose, or ROUND_ROBIN */
	bool hit;                        /**< a rule chose (rule != ROUND_ROBIN) */
	/** The first rule that applied and missed (ROUND_ROBIN if none did), and why:
	 *  for a round-robin result with no rule applicable, NOT_APPLICABLE. */
	enum dp_tlsroute_rule miss_rule;
	enum dp_tlsroute_miss miss;
	int missed_backend;              /**< the first miss's down/draining backend, else -1 */
	uint8_t tried;                   /**< bit per rule consulted */
};

/**
 * Choose the backend for a parsed ClientHello.
 *
 * @param ctx      the service
 * @param ch       the hello (tlsp_client_hello_parse() said OK), or NULL when
 *                 the stream was not TLS or the wait for a hello ended
 * @param state    enum dp_backend_state per backend, indexed like the
 *                 backends (at least bk_first + bk_count entries, or every
 *                 backend with bk_service)
 * @param backend  the backend on 0, -1 otherwise
 * @param why      filled always; NULL if not wanted
 * @return 0: use @backend; -ENOENT: no rule chose, use the scheduler
 */
int dp_tlsroute_choose(const struct dp_tlsroute_ctx *ctx, const struct tlsp_client_hello *ch,
		       const uint8_t *state, int *backend, struct dp_tlsroute_result *why);

#endif /* DP_TLSROUTE_H */
