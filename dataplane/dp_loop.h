/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The burst loop of one worker lcore (l3fwd shape): for each port receive a
 * burst, prefetch, hand it to the packet path; housekeeping; for each port
 * transmit what the packet path queued and free what the port did not take.
 */
#ifndef DP_LOOP_H
#define DP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "cp_config.h"

struct dp_worker;

/** Packets asked of rte_eth_rx_burst() and given to rte_eth_tx_burst() at once. */
#define DP_LOOP_BURST 32

/** What one worker lcore polls, and what it did (for the idle watch). */
struct dp_loop {
	struct dp_worker *worker;
	uint16_t n_ports;                 /**< configured ports, indexed like cp_config.ports */
	uint16_t port_id[CP_MAX_PORTS];   /**< DPDK port of each configured port */
	uint16_t queue;                   /**< rx and tx queue of this worker on every port */
	/** Written only by the worker, read by the main lcore (relaxed atomics). */
	uint64_t rx_packets, tx_packets;
} __rte_cache_aligned;

/**
 * One iteration: every port received, housekeeping done, everything queued sent.
 * @return packets received in this iteration
 */
unsigned dp_loop_iterate(struct dp_loop *l, uint64_t now_tsc);

/** lcore_function_t: iterate until dp_loop_request_stop(); @p arg is a struct dp_loop. */
int dp_loop_run(void *arg);

/** Ask every loop to return; async-signal-safe. */
void dp_loop_request_stop(void);

/** Whether a stop was asked for. */
bool dp_loop_stopping(void);

/** Packets received plus sent so far by @p l, read from another lcore. */
uint64_t dp_loop_activity(const struct dp_loop *l);

#endif /* DP_LOOP_H */
