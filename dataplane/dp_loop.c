/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_loop.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_worker.h"

/* A plain flag written from a signal handler and read by every lcore;
 * the atomics keep the compiler from hoisting the read out of the loop. */
static volatile int dp_loop_stop_flag;

void dp_loop_request_stop(void)
{
	__atomic_store_n(&dp_loop_stop_flag, 1, __ATOMIC_RELAXED);
}

bool dp_loop_stopping(void)
{
	return __atomic_load_n(&dp_loop_stop_flag, __ATOMIC_RELAXED) != 0;
}

uint64_t dp_loop_activity(const struct dp_loop *l)
{
	return __atomic_load_n(&l->rx_packets, __ATOMIC_RELAXED) +
	       __atomic_load_n(&l->tx_packets, __ATOMIC_RELAXED);
}

/* Straight from the worker's buffer, without a copy. A driver may take
 * fewer than offered while it has room (a burst limit of its own): offered
 * again until it takes none; what it then refuses is dropped and counted,
 * so the buffer never backs up. */
static unsigned dp_loop_send(struct dp_loop *l, uint16_t p)
{
	struct rte_mbuf **pkts;
	uint16_t n = dp_worker_tx_pending(l->worker, p, &pkts), sent = 0, k;

	if (n == 0)
		return 0;
	do {
		k = rte_eth_tx_burst(l->port_id[p], l->queue, pkts + sent, (uint16_t)(n - sent));
		sent = (uint16_t)(sent + k);
	} while (k != 0 && sent < n);
	dp_worker_tx_sent(l->worker, p, sent);
	return sent;
}

unsigned dp_loop_iterate(struct dp_loop *l, uint64_t now_tsc)
{
	struct rte_mbuf *pkts[DP_LOOP_BURST];
	unsigned rx = 0, tx = 0;

	for (uint16_t p = 0; p < l->n_ports; p++) {
		uint16_t n = rte_eth_rx_burst(l->port_id[p], l->queue, pkts, DP_LOOP_BURST);

		if (n == 0)
			continue;
		/* The headers are what the packet path reads first; start the loads
		 * for the whole burst before it touches the first one. */
		for (uint16_t i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		dp_worker_rx(l->worker, p, pkts, n, now_tsc);
		rx += n;
	}
	dp_worker_tick(l->worker, now_tsc);
	for (uint16_t p = 0; p < l->n_ports; p++)
		tx += dp_loop_send(l, p);
	if (rx)
		__atomic_store_n(&l->rx_packets, l->rx_packets + rx, __ATOMIC_RELAXED);
	if (tx)
		__atomic_store_n(&l->tx_packets, l->tx_packets + tx, __ATOMIC_RELAXED);
	return rx;
}

int dp_loop_run(void *arg)
{
	struct dp_loop *l = arg;

	while (!dp_loop_stopping())
		dp_loop_iterate(l, rte_rdtsc());
	return 0;
}
