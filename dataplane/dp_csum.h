/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum helpers (RFC 1071) and incremental update (RFC 1624).
 * All 16-bit words are taken as they lie in memory (network order): the
 * one's complement sum is byte-order independent, so no swapping is needed. */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Fold a 32-bit accumulator to 16 bits with end-around carry: adding the
 * accumulator rotated by 16 puts high + low in the high half, plus the
 * carry out of the low half's high + low, which is the end-around carry. */
static inline uint16_t dp_csum_fold(uint32_t sum)
{
	return (uint16_t)((sum + (sum >> 16 | sum << 16)) >> 16);
}

/* Fold a 64-bit accumulator of 16- and 32-bit words to 16 bits. */
static inline uint16_t dp_csum_fold64(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return dp_csum_fold((uint32_t)sum);
}

/* Add @len bytes at @buf to @sum (not folded, not complemented). */
uint32_t dp_csum_add(uint32_t sum, const void *buf, size_t len);

/* True when the IPv4 header of @len bytes at @hdr carries a valid checksum.
 * Inline, with the usual 20-byte header as five 32-bit words: 2^16 = 1
 * modulo 0xffff, so the folded one's complement sum is congruent to their
 * plain sum, and it is all ones exactly when that sum is a non-zero
 * multiple of 0xffff (a fold never turns a non-zero sum into zero). */
static inline int dp_csum_ipv4_ok(const void *hdr, size_t len)
{
	uint64_t w01, w23;
	uint32_t w4;
	uint64_t acc;

	if (len != 20)
		return dp_csum_fold(dp_csum_add(0, hdr, len)) == 0xffff;
	/* three loads; each 64-bit load split into its 32-bit words in registers */
	memcpy(&w01, hdr, 8);
	memcpy(&w23, (const uint8_t *)hdr + 8, 8);
	memcpy(&w4, (const uint8_t *)hdr + 16, 4);
	acc = (w01 & 0xffffffff) + (w01 >> 32) + (w23 & 0xffffffff) + (w23 >> 32) + w4;
	return acc != 0 && acc % 0xffff == 0;
}

/* Checksum to store in an IPv4 header whose checksum field is zero. */
uint16_t dp_csum_ipv4(const void *hdr, size_t len);

/*
 * What replacing a field adds to a checksum (RFC 1624 eqn. 3: HC' =
 * ~(~HC + ~m + m')), folded to 16 bits: it depends only on the old and new
 * values, so a change many packets make can be computed once. Unlike eqn. 2,
 * ~(~HC + sum of deltas) never yields 0x0000 from a non-zero sum, so a TCP
 * checksum stays representable. Words are taken in memory order, like the
 * checksum field: one's complement sums do not care which byte comes first,
 * as long as every word is read the same way.
 */
static inline uint16_t dp_csum_delta32(uint32_t old, uint32_t new)
{
	return dp_csum_fold64((uint64_t)(uint32_t)~old + new);
}

static inline uint16_t dp_csum_delta16(uint16_t old, uint16_t new)
{
	return dp_csum_fold((uint32_t)(uint16_t)~old + new);
}

/* The reverse change's delta (new back to old): the one's complement negation. */
static inline uint16_t dp_csum_delta_neg(uint16_t d)
{
	return (uint16_t)~d;
}

#endif /* DP_CSUM_H */
