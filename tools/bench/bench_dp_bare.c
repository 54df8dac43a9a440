/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_bare.h"

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_loop.h"

unsigned bench_bare_iterate(struct bench_bare *b)
{
	struct rte_mbuf *pkts[DP_LOOP_BURST];
	uint16_t n, sent;

	n = rte_eth_rx_burst(b->port_id, 0, pkts, DP_LOOP_BURST);
	if (n == 0)
		return 0;
	/* Same prefetch as the real loop, so the two differ only in the work done. */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ether_addr tmp = eth->dst_addr;

		eth->dst_addr = eth->src_addr;
		eth->src_addr = tmp;
	}
	sent = rte_eth_tx_burst(b->port_id, 0, pkts, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	b->rx += n;
	b->tx += sent;
	return n;
}
