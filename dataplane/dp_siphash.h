/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SipHash-2-4: a keyed pseudorandom function for short inputs, written from
 * the description in J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast
 * short-input PRF" (INDOCRYPT 2012). With a secret 128-bit key its 64-bit
 * output is unpredictable to whoever does not hold the key, which is what a
 * SYN cookie's MAC needs; it is cheap enough to run on every SYN and ACK.
 */
#ifndef DP_SIPHASH_H
#define DP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/** A SipHash key as the two 64-bit words k0, k1 of the paper. */
struct dp_siphash_key {
	uint64_t k0, k1;
};

/**
 * Load a key from its 16-byte string form: k0 is bytes 0-7 and k1 bytes 8-15,
 * each read little-endian, as the paper's test vectors write keys.
 */
void dp_siphash_key_load(struct dp_siphash_key *key, const uint8_t bytes[16]);

/**
 * SipHash-2-4 of the @len bytes at @msg (any alignment) under @key.
 * The 64-bit result is v0 ^ v1 ^ v2 ^ v3 after finalization; its
 * little-endian byte string is the "output" the paper's vectors list.
 */
uint64_t dp_siphash24(const struct dp_siphash_key *key, const void *msg, size_t len);

#endif /* DP_SIPHASH_H */
