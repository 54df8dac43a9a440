/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A ClientHello shaped like a current Chromium's, built byte by byte, for the
 * benchmark: OpenSSL cannot send GREASE or ECH, and the browser hello is the
 * one a balancer sees most.
 */
#ifndef BENCH_HELLO_H
#define BENCH_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_hello_params {
	const char *sni; /**< host name in server_name */
	bool pq_share;   /**< add an X25519Kyber768-sized (1216-byte) key share */
	uint32_t seed;   /**< varies the random-looking bytes */
};

/**
 * Write one handshake record holding the hello into @p buf.
 * @return its length, or 0 if @p cap is too small
 */
size_t bench_browser_hello(uint8_t *buf, size_t cap, const struct bench_hello_params *params);

#endif /* BENCH_HELLO_H */
