/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The yardstick: a bare forwarder that receives a burst, swaps the MAC
 * addresses and sends it back out, in the same loop shape as tlslb's.
 */
#ifndef BENCH_DP_BARE_H
#define BENCH_DP_BARE_H

#include <stdint.h>

struct bench_bare {
	uint16_t port_id;
	uint64_t rx, tx;
};

/** One burst in and out. @return packets received */
unsigned bench_bare_iterate(struct bench_bare *b);

#endif /* BENCH_DP_BARE_H */
