/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A session-ticket encryption key (STEK) and a set of them, as the key manager
 * hands them to the writers of cp_keyfmt.h. libc only.
 *
 * One key = a 16-byte name (sent in clear in every ticket it encrypts), an
 * HMAC-SHA256 key and an AES-CBC key. With AES-256 (aes_len 32) the HMAC key
 * is 32 bytes. With AES-128 (aes_len 16) the HMAC key is the FIRST 16 BYTES of
 * @c hmac: nginx's and HAProxy's 48-byte layouts carry only 16 HMAC bytes, and
 * every format must hold the same key for a ticket to resume across servers.
 */
#ifndef CP_STEK_H
#define CP_STEK_H

#include <stdint.h>

#define CP_STEK_NAME_LEN 16
#define CP_STEK_HMAC_LEN 32 /**< storage; cp_stek_hmac_len() is what is used */
#define CP_STEK_AES_MAX 32

/** One ticket key. Cleanse with OPENSSL_cleanse() when done. */
struct cp_stek {
	uint8_t name[CP_STEK_NAME_LEN];
	uint8_t hmac[CP_STEK_HMAC_LEN];
	uint8_t aes[CP_STEK_AES_MAX];
	uint8_t aes_len; /**< 16 (AES-128-CBC) or 32 (AES-256-CBC) */
};

/**
 * The keys one server must hold: every key it may decrypt with, and which one
 * encrypts its new tickets. List keys oldest first (previous, current, next):
 * the HAProxy writer relies on that order (see cp_keyfmt.h).
 */
struct cp_keyset {
	const struct cp_stek *keys;
	unsigned n;
	unsigned encrypt; /**< index of the key new tickets are encrypted with */
};

/** HMAC key length in use: 32 with AES-256, 16 with AES-128. */
static inline unsigned cp_stek_hmac_len(const struct cp_stek *k)
{
	return k->aes_len == 16 ? 16 : 32;
}

#endif /* CP_STEK_H */
