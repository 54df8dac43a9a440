/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP options: parsing (RFC 9293 3.1, RFC 7323, RFC 2018), building them in
 * the order Linux puts them on the wire, and rewriting sequence-dependent
 * options in place while a flow is spliced, with the TCP checksum kept valid.
 *
 * All functions take the option bytes only: the TCP header from byte 20 to
 * its data offset. That start is even within the TCP header, which the
 * checksum update relies on. Values in ::dp_tcpopt are in host order.
 */
#ifndef DP_TCPOPT_H
#define DP_TCPOPT_H

#include <stddef.h>
#include <stdint.h>

#ifndef DP_MUST_CHECK
#define DP_MUST_CHECK __attribute__((warn_unused_result))
#endif

/** Most option bytes a TCP header holds (data offset 15 words, minus 20). */
#define DP_TCPOPT_MAX_LEN 40u
/** Most SACK blocks one option holds (2 + 8 * 4 = 34 of the 40 bytes). */
#define DP_TCPOPT_MAX_SACK 4u
/** Largest window shift (RFC 7323 2.3); larger received values are clamped. */
#define DP_TCPOPT_WSCALE_MAX 14u

/** Option kinds (IANA "TCP Option Kind Numbers"). */
enum dp_tcpopt_kind {
	DP_TCPOPT_EOL = 0,
	DP_TCPOPT_NOP = 1,
	DP_TCPOPT_MSS = 2,
	DP_TCPOPT_WSCALE = 3,
	DP_TCPOPT_SACK_PERM = 4,
	DP_TCPOPT_SACK = 5,
	DP_TCPOPT_TS = 8,
};

/** ::dp_tcpopt.flags: which options were found (parse) or are wanted (build). */
#define DP_TCPOPT_F_MSS (1u << 0)
#define DP_TCPOPT_F_WSCALE (1u << 1)
#define DP_TCPOPT_F_SACK_PERM (1u << 2)
#define DP_TCPOPT_F_TS (1u << 3)
#define DP_TCPOPT_F_SACK (1u << 4)
/** Parse only: the window scale was above 14 and has been clamped. */
#define DP_TCPOPT_F_WSCALE_CLAMPED (1u << 5)
/** Parse only: an option of an unknown kind was skipped. */
#define DP_TCPOPT_F_UNKNOWN (1u << 6)

/** One SACK block: [left, right) in sequence space (RFC 2018 3). */
struct dp_tcpopt_sack {
	uint32_t left, right;
};

/** The options of one segment. A kind seen twice keeps its last value. */
struct dp_tcpopt {
	uint8_t flags;  /**< DP_TCPOPT_F_* */
	uint8_t wscale; /**< shift count, at most DP_TCPOPT_WSCALE_MAX */
	uint16_t mss;
	uint8_t n_sack; /**< blocks in @ref sack (DP_TCPOPT_F_SACK) */
	uint32_t tsval, tsecr;
	struct dp_tcpopt_sack sack[DP_TCPOPT_MAX_SACK];
};

/** Outcome of a parse: one code per defect, so that each gets a drop counter. */
enum dp_tcpopt_status {
	DP_TCPOPT_OK = 0,
	DP_TCPOPT_E_TRUNCATED, /**< a kind byte with no room for its length byte */
	DP_TCPOPT_E_LENGTH,    /**< length byte 0 or 1: the walk cannot advance past it */
	DP_TCPOPT_E_OVERRUN,   /**< length runs past the end of the options */
	DP_TCPOPT_E_MSS,       /**< MSS length is not 4 */
	DP_TCPOPT_E_WSCALE,    /**< window scale length is not 3 */
	DP_TCPOPT_E_SACK_PERM, /**< SACK-permitted length is not 2 */
	DP_TCPOPT_E_SACK,      /**< SACK length is not 2 + 8n, 1 <= n <= 4 */
	DP_TCPOPT_E_TS,        /**< timestamps length is not 10 */
	DP_TCPOPT__COUNT
};

/** Short stable name of a status ("ok", "overrun", ...), for counters and logs. */
const char *dp_tcpopt_status_name(enum dp_tcpopt_status status);

/**
 * Parse the options of one segment. Unknown kinds are skipped by their
 * length; an EOL ends the list (what follows is padding).
 * @param opts, len  the option bytes (len <= DP_TCPOPT_MAX_LEN is not required)
 * @param out        filled on DP_TCPOPT_OK; undefined otherwise
 */
DP_MUST_CHECK enum dp_tcpopt_status
dp_tcpopt_parse(const uint8_t *opts, size_t len, struct dp_tcpopt *out);

/**
 * Write the options flagged in @p o in Linux's on-wire order and padding:
 * MSS; SACK-permitted and timestamps as one 12-byte word group (NOP NOP in
 * place of SACK-permitted when only timestamps); NOP NOP SACK-permitted alone;
 * NOP window scale; NOP NOP SACK blocks. The result is a multiple of 4 bytes.
 * @return bytes written, -EMSGSIZE if they exceed DP_TCPOPT_MAX_LEN, -ENOSPC if
 *         they exceed @p cap, -EINVAL if SACK is flagged with 0 or more than 4 blocks
 */
int dp_tcpopt_build(uint8_t *buf, size_t cap, const struct dp_tcpopt *o);

/** ::dp_tcpopt_xlate.flags */
#define DP_TCPOPT_XLATE_TSVAL_SET (1u << 0) /**< store @ref tsval instead of adding it */
#define DP_TCPOPT_XLATE_TSECR_SET (1u << 1) /**< store @ref tsecr instead of adding it */

/**
 * A splice's rewrite of one direction's options. Additions are modulo 2^32,
 * so a subtraction is the addition of its two's complement.
 */
struct dp_tcpopt_xlate {
	uint32_t sack_add; /**< added to both edges of every SACK block */
	uint32_t tsval;    /**< added to (or stored as) every TSval */
	uint32_t tsecr;    /**< added to (or stored as) every TSecr */
	uint8_t flags;     /**< DP_TCPOPT_XLATE_* */
};

/**
 * Rewrite every SACK block and timestamps option in place and update the TCP
 * checksum incrementally (RFC 1624), word by word as they lie in the header,
 * so that options at odd offsets are handled too.
 * @param opts, len  the option bytes, starting at byte 20 of the TCP header
 * @param csum       the TCP checksum field (network order), or NULL when the
 *                   checksum is recomputed later (offload)
 * @return DP_TCPOPT_OK, or the parse defect met; options before the defect
 *         stay rewritten and *csum matches them
 */
DP_MUST_CHECK enum dp_tcpopt_status
dp_tcpopt_translate(uint8_t *opts, size_t len, const struct dp_tcpopt_xlate *x, uint16_t *csum);

/**
 * Convert a window field advertised with shift @p from_scale into the field
 * that announces no more bytes under shift @p to_scale (RFC 7323 2.2): the
 * byte count is rounded down and the field saturates at 65535, so the window
 * the peer sees is never larger than the one advertised. Shifts above 14 are
 * taken as 14. Not for segments with SYN set: their window is never scaled.
 */
uint16_t dp_window_rescale(uint16_t win, uint8_t from_scale, uint8_t to_scale);

#endif /* DP_TCPOPT_H */
