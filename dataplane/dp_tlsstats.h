/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Counters of TLS-aware routing: which rule chose the backend, hit or miss and
 * why; how the ClientHellos parsed and how many segments they spanned; and per
 * backend, what the server flights said (full handshake, resumed, HRR).
 *
 * Plain uint64_t counters in per-lcore structs, written by one lcore and summed
 * by the control thread (dp_tlsstats_add()), like struct dp_stats.
 */
#ifndef DP_TLSSTATS_H
#define DP_TLSSTATS_H

#include <stdint.h>

#include <rte_common.h>

#include "tlsp_server.h"
#include "tlsp_status.h"

/** The routing rules, in the order they are tried (DESIGN.md "Choosing the backend"). */
enum dp_tlsroute_rule {
	DP_TLSROUTE_RULE_PSK_KEY_NAME = 0, /**< 1: TLS 1.3 PSK identity's key name */
	DP_TLSROUTE_RULE_PSK_SERVER_ID,    /**< 1: TLS 1.3 PSK identity's server-ID prefix */
	DP_TLSROUTE_RULE_TICKET,           /**< 2: SessionTicket's key name */
	DP_TLSROUTE_RULE_SID_SERVER_ID,    /**< 3: session ID's server-ID prefix */
	DP_TLSROUTE_RULE_SESSION_ID,       /**< 3: session ID in the learned table */
	DP_TLSROUTE_RULE_ROUND_ROBIN,      /**< 4: the caller's scheduler */
	DP_TLSROUTE_RULE__COUNT
};

/** Why a rule did not choose. */
enum dp_tlsroute_miss {
	DP_TLSROUTE_MISS_NONE = 0,
	DP_TLSROUTE_MISS_UNKNOWN,        /**< not in the table, expired, or not this service's */
	DP_TLSROUTE_MISS_DOWN,           /**< its backend is down */
	DP_TLSROUTE_MISS_DRAINING,       /**< its backend takes no new connections */
	DP_TLSROUTE_MISS_NOT_APPLICABLE, /**< round-robin only: no rule applied to the hello */
	DP_TLSROUTE_MISS__COUNT
};

/** One rule's counters. For round-robin, miss[] says why it was used. */
struct dp_tlsroute_rule_stats {
	uint64_t used; /**< the rule applied to a hello and was consulted */
	uint64_t hit;  /**< ...and chose a backend */
	uint64_t miss[DP_TLSROUTE_MISS__COUNT];
};

/** Histogram buckets of the number of TCP segments a hello spanned. */
enum dp_tlsstats_seg {
	DP_TLSSTATS_SEG_1 = 0,
	DP_TLSSTATS_SEG_2,
	DP_TLSSTATS_SEG_3,
	DP_TLSSTATS_SEG_4,
	DP_TLSSTATS_SEG_5_8,
	DP_TLSSTATS_SEG_9_16,
	DP_TLSSTATS_SEG_17_UP,
	DP_TLSSTATS_SEG__COUNT
};

/** Number of enum tlsp_status values. */
#define DP_TLSSTATS_STATUS_COUNT 4

/** One lcore's routing and hello counters. */
struct dp_tlsroute_stats {
	struct dp_tlsroute_rule_stats rule[DP_TLSROUTE_RULE__COUNT];
	/** by enum tlsp_status at decision time; NEED_MORE: still incomplete (timeout, cap) */
	uint64_t hello_status[DP_TLSSTATS_STATUS_COUNT];
	uint64_t hello_reason[TLSP_R__COUNT]; /**< the defect, for NOT_TLS and MALFORMED */
	uint64_t hello_segments[DP_TLSSTATS_SEG__COUNT];
} __rte_cache_aligned;

/** What server flights said, per backend. */
enum dp_tlsstats_verdict {
	DP_TLSSTATS_V_FULL = 0,
	DP_TLSSTATS_V_RESUMED_SESSION_ID,
	DP_TLSSTATS_V_RESUMED_TICKET,
	DP_TLSSTATS_V_RESUMED_PSK,
	DP_TLSSTATS_V_HRR,     /**< a HelloRetryRequest (counted besides the final verdict) */
	DP_TLSSTATS_V_UNKNOWN, /**< the flight ended (or broke) before it told */
	DP_TLSSTATS_V__COUNT
};

/** One backend's verdict counters (an array indexed by backend, per lcore). */
struct dp_tlsstats_backend {
	uint64_t v[DP_TLSSTATS_V__COUNT];
};

/** Stable lower-case names, for printing and the control plane. */
extern const char *const dp_tlsroute_rule_names[DP_TLSROUTE_RULE__COUNT];
extern const char *const dp_tlsroute_miss_names[DP_TLSROUTE_MISS__COUNT];
extern const char *const dp_tlsstats_seg_names[DP_TLSSTATS_SEG__COUNT];
extern const char *const dp_tlsstats_verdict_names[DP_TLSSTATS_V__COUNT];

/**
 * Count a hello at decision time.
 * @param status    the parser's last status (NEED_MORE if the wait ended first)
 * @param reason    the parser's reason (TLSP_R_NONE unless NOT_TLS or MALFORMED)
 * @param segments  TCP segments with payload that carried it (0 counts as 1)
 */
void dp_tlsstats_hello(struct dp_tlsroute_stats *st, enum tlsp_status status,
		       enum tlsp_reason reason, unsigned segments);

/** The histogram bucket of @segments. */
enum dp_tlsstats_seg dp_tlsstats_seg_bucket(unsigned segments);

/**
 * Count what a finished (or abandoned) server-flight scan says about @backend:
 * its verdict, and a HelloRetryRequest if one came.
 */
void dp_tlsstats_verdict(struct dp_tlsstats_backend *per_backend, uint16_t backend,
			 const struct tlsp_server_flight *sf);

/** @to += @from, for summing lcores. */
void dp_tlsstats_add(struct dp_tlsroute_stats *to, const struct dp_tlsroute_stats *from);

/** @to[i] += @from[i] for @n backends. */
void dp_tlsstats_backend_add(struct dp_tlsstats_backend *to,
			     const struct dp_tlsstats_backend *from, unsigned n);

#endif /* DP_TLSSTATS_H */
