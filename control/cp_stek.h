/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PLACEHOLDER until branch keyfmt's cp_stek.h lands (same shapes): a session
 * ticket encryption key and a key set as the writers take them.
 */
#ifndef CP_STEK_H
#define CP_STEK_H

#include <stddef.h>
#include <stdint.h>

#define CP_STEK_NAME_LEN 16
#define CP_STEK_HMAC_LEN 32
#define CP_STEK_AES_MAX 32

struct cp_stek {
	uint8_t name[CP_STEK_NAME_LEN];
	uint8_t hmac[CP_STEK_HMAC_LEN];
	uint8_t aes[CP_STEK_AES_MAX];
	uint8_t aes_len; /* 16 or 32 */
};

struct cp_keyset {
	const struct cp_stek *keys;
	size_t n;
	size_t encrypt; /* index of the key new tickets are encrypted with */
};

#endif /* CP_STEK_H */
