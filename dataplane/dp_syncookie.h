/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stateless SYN cookies (RFC 4987 3.6) for delayed binding: tlslb answers a
 * client's SYN with a SYN-ACK whose ISN is a cookie, keeps nothing, and
 * recognizes the client's ACK by the cookie it echoes (ack - 1).
 *
 * The cookie carries a MAC over the connection (4-tuple and client ISN), a
 * coarse time counter and an index into a small MSS table. When the client
 * sent timestamps, its window scale, SACK-permitted and ECN setup travel in
 * the low 6 bits of tlslb's TSval and come back in the ACK's TSecr, as Linux
 * does: bits 0-3 window shift (0xf: none), bit 4 SACK-permitted, bit 5 ECN.
 * Without timestamps only the MSS survives: the SYN-ACK must then offer no
 * window scale, no SACK and no ECN, since the cookie cannot remember them.
 *
 * Layout of the 32-bit cookie, see dp_syncookie.c for the reasoning:
 *
 *     cookie = v + O          (mod 2^32)
 *     v      = counter[7:0] << 24 | mss_index << 22 | MAC[21:0]
 *     O      = SipHash(key, tuple, client ISN)               (low 32 bits)
 *     MAC    = SipHash(key, tuple, client ISN, counter, mss_index)
 *
 * A random ACK passes with probability n_keys * (max_age + 1) / 2^30, i.e.
 * 2^-28 with two keys and max_age 1.
 *
 * Usage on the packet path, IPv4 (addresses and ports as on the wire):
 *
 *     SYN:  dp_syncookie_in4(&in, ip->src_addr, ip->dst_addr, tcp->src_port,
 *                            tcp->dst_port, ntohl(tcp->sent_seq));
 *           isn = dp_syncookie_make(sec, &in, ctr, syn_mss);
 *           if the SYN had timestamps: TSval = dp_syncookie_tsval(ts_now, &syn_opts);
 *           SYN-ACK: seq = isn, ack = client ISN + 1
 *     ACK:  dp_syncookie_in4(&in, ..., ntohl(tcp->sent_seq) - 1);
 *           rc = dp_syncookie_check(sec, &in, ntohl(tcp->recv_ack) - 1,
 *                                   tsecr, has_ts, ctr, &opts);
 *
 * Only the first segment after the SYN (seq = client ISN + 1: the pure ACK
 * or, if that was lost, the first data segment) validates; later ones fail
 * as forged, as on Linux.
 *
 * The time counter must come from one clock shared by every lcore (the TSC:
 * rte_get_timer_cycles()), never behind the maker's: a cookie checked
 * against an earlier counter than it was made with is rejected as forged.
 *
 * Thread safety: make and check only read the secret. Rotation writes it, so
 * a secret shared by workers is rotated on a copy that is then published
 * (atomic pointer swap, old copy freed after RCU quiescence and cleared).
 */
#ifndef DP_SYNCOOKIE_H
#define DP_SYNCOOKIE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dp_siphash.h"

/** Length of one time-counter period (64 s, as Linux). */
#define DP_SYNCOOKIE_PERIOD_MS 64000u
/** Largest max_age accepted by dp_syncookie_secret_init(). */
#define DP_SYNCOOKIE_MAX_AGE_LIMIT 15u
/** Suggested max_age: a cookie lives 1 to 2 periods (64-128 s), as on Linux. */
#define DP_SYNCOOKIE_DEFAULT_MAX_AGE 1u
/** Suggested rotation interval in periods (about 8.5 minutes). */
#define DP_SYNCOOKIE_DEFAULT_ROTATE 8u
/** Low TSval bits that carry the options. */
#define DP_SYNCOOKIE_TS_MASK 0x3fu
/** Largest window shift (RFC 7323 2.3); larger ones are taken as 14. */
#define DP_SYNCOOKIE_WSCALE_MAX 14u

/** Codes of dp_syncookie_check() besides 0, one drop counter each. */
#define DP_SYNCOOKIE_EFORGED (-EBADMSG) /**< MAC wrong under every key held */
#define DP_SYNCOOKIE_ESTALE (-ESTALE)   /**< authentic, counter outside the window */

/**
 * The connection a cookie is bound to, seen from the client: source = client,
 * destination = the service address. Addresses and ports in network order,
 * the ISN in host order. IPv4 uses saddr.v4/daddr.v4 only.
 */
struct dp_syncookie_in {
	union {
		uint32_t v4;
		uint8_t v6[16];
	} saddr, daddr;
	uint16_t sport, dport;
	uint32_t client_isn; /**< the SYN's sequence number (ACK's seq - 1) */
	uint8_t family;      /**< AF_INET or AF_INET6 */
};

/** The client's SYN options, as the cookie encodes and recovers them. */
struct dp_syncookie_opts {
	uint16_t mss;   /**< a table entry (check), or the client's MSS (make) */
	uint8_t wscale; /**< shift count when wscale_ok; above 14 means 14 */
	bool wscale_ok; /**< the client sent a window scale option */
	bool sack_ok;   /**< the client sent SACK-permitted */
	bool ecn_ok;    /**< the SYN was an ECN-setup SYN (ECE and CWR, RFC 3168 6.1.1) */
};

/**
 * Cookie keys and the rules they are used by. Plain data, about 48 bytes;
 * copy it to publish a rotated version.
 */
struct dp_syncookie_secret {
	struct dp_siphash_key key[2]; /**< [0] current (makes), [1] previous */
	uint32_t rotated_at;          /**< counter of the last rotation or init */
	uint16_t rotate_every;        /**< periods between rotations */
	uint8_t max_age;              /**< previous periods accepted besides the current */
	uint8_t n_keys;               /**< 1 until the first rotation, then 2 */
};

/** Fill @p in for IPv4 (addresses and ports in network order, ISN in host order). */
static inline void dp_syncookie_in4(struct dp_syncookie_in *in, uint32_t saddr, uint32_t daddr,
				    uint16_t sport, uint16_t dport, uint32_t client_isn)
{
	*in = (struct dp_syncookie_in){
		.family = AF_INET, .sport = sport, .dport = dport, .client_isn = client_isn
	};
	in->saddr.v4 = saddr;
	in->daddr.v4 = daddr;
}

/** The time counter for a monotonic clock in milliseconds (64-bit: no wrap). */
static inline uint32_t dp_syncookie_counter(uint64_t now_ms)
{
	return (uint32_t)(now_ms / DP_SYNCOOKIE_PERIOD_MS);
}

/**
 * Draw a fresh current key from getrandom(2).
 * @param max_age       previous periods a cookie stays valid in, <= DP_SYNCOOKIE_MAX_AGE_LIMIT
 * @param rotate_every  periods between rotations; must exceed @p max_age so a
 *                      cookie made just before a rotation outlives it
 * @return 0, -EINVAL on bad parameters, or the negative errno of getrandom
 */
int dp_syncookie_secret_init(struct dp_syncookie_secret *s, unsigned max_age,
			     unsigned rotate_every, uint32_t now_counter);

/** True when @p rotate_every periods have passed since the last rotation. */
bool dp_syncookie_rotate_due(const struct dp_syncookie_secret *s, uint32_t now_counter);

/**
 * Current key becomes previous, a fresh one from getrandom(2) becomes current;
 * the former previous key is cleared. Cookies made before this call stay valid
 * until the next rotation. On error @p s is unchanged.
 * @return 0 or the negative errno of getrandom
 */
int dp_syncookie_rotate(struct dp_syncookie_secret *s, uint32_t now_counter);

/**
 * Draw a fresh key from getrandom(2), for dp_syncookie_rotate_to(): a system
 * call, so off the packet path (the control thread draws the next key ahead).
 * @return 0 or the negative errno of getrandom
 */
int dp_syncookie_key_new(struct dp_siphash_key *k);

/**
 * dp_syncookie_rotate() with a key drawn ahead by dp_syncookie_key_new():
 * no system call, for the packet path. The caller wipes @p k afterwards.
 */
void dp_syncookie_rotate_to(struct dp_syncookie_secret *s, const struct dp_siphash_key *k,
			    uint32_t now_counter);

/** Wipe the keys (explicit_bzero) when a secret is released. */
void dp_syncookie_secret_clear(struct dp_syncookie_secret *s);

/**
 * The MSS a cookie can carry for a client that announced @p mss: the largest
 * table entry not above it, or the smallest entry (the RFC 9293 default, 536
 * for IPv4, 1220 for IPv6) when @p mss is below all of them.
 * IPv4 table 536, 1300, 1440, 1460; IPv6 1220, 1420, 1440, 8940 (MTU - 60).
 */
uint16_t dp_syncookie_mss_clamp(uint8_t family, uint16_t mss);

/**
 * The cookie, to send as the SYN-ACK's sequence number.
 * @param mss  the client's MSS option, or the family's default when it sent none
 */
uint32_t dp_syncookie_make(const struct dp_syncookie_secret *s, const struct dp_syncookie_in *in,
			   uint32_t now_counter, uint16_t mss);

/**
 * The SYN-ACK's TSval when the client sent timestamps: @p ts_now with its low
 * 6 bits replaced by the options of @p syn (its mss is ignored), moved back by
 * 64 when that would put it ahead of @p ts_now. Later TSvals on the
 * connection must not be below it (the client's PAWS check, RFC 7323 5).
 */
uint32_t dp_syncookie_tsval(uint32_t ts_now, const struct dp_syncookie_opts *syn);

/**
 * Validate the cookie an ACK echoes and recover the SYN's options.
 * @param in      the connection, client_isn = the ACK's seq - 1
 * @param cookie  the ACK's ack - 1
 * @param tsecr   the ACK's TSecr; read only when @p has_ts
 * @param has_ts  the ACK carries a timestamps option
 * @param out     on success: mss (a table entry) and, when @p has_ts, the
 *                window scale, SACK and ECN bits; without it those are off
 * @return 0, DP_SYNCOOKIE_EFORGED (forged, made under a key no longer held,
 *         or older than 255 periods) or DP_SYNCOOKIE_ESTALE (authentic but
 *         older than max_age periods)
 */
int dp_syncookie_check(const struct dp_syncookie_secret *s, const struct dp_syncookie_in *in,
		       uint32_t cookie, uint32_t tsecr, bool has_ts, uint32_t now_counter,
		       struct dp_syncookie_opts *out);

#endif /* DP_SYNCOOKIE_H */
