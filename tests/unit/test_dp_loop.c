/* SPDX-License-Identifier: BSD-3-Clause */
/* The burst loop on real ports (net_ring pairs): what it receives reaches
 * the packet path, what the path queues is transmitted and counted with its
 * bytes, and what a full transmit ring refuses is dropped and counted, never
 * held or leaked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp_loop.h"
#include "dp_port.h"
#include "dp_test_util.h"

#define SYN 0x02
#define RING_BIG 1024
#define RING_SMALL 8 /* holds 7 */

struct ring_port {
	struct rte_ring *rx, *tx;
	uint16_t port_id;
};

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

/* A started net_ring port whose transmit ring holds @tx_size - 1 packets. */
static void ring_port_open(struct ring_port *rp, const char *name, unsigned tx_size)
{
	struct dp_port_conf pc = { .n_queues = 1, .nb_rxd = 64, .nb_txd = 64 };
	struct dp_port_state st;
	char rx_name[32], tx_name[32], why[256];
	int port;

	snprintf(rx_name, sizeof(rx_name), "%s_rx", name);
	snprintf(tx_name, sizeof(tx_name), "%s_tx", name);
	rp->rx = rte_ring_create(rx_name, RING_BIG, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	rp->tx = rte_ring_create(tx_name, tx_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rp->rx);
	assert_non_null(rp->tx);
	port = rte_eth_from_rings(name, &rp->rx, 1, &rp->tx, 1, SOCKET_ID_ANY);
	assert_true(port >= 0);
	rp->port_id = (uint16_t)port;
	assert_int_equal(dp_port_configure(rp->port_id, &pc, &st, why, sizeof(why)), 0);
	assert_int_equal(dp_port_start(rp->port_id, 1, &st, dpt_pool(), why, sizeof(why)), 0);
}

/* Frees what the port sent. */
static void ring_port_close(struct ring_port *rp)
{
	void *m;

	while (rte_ring_dequeue(rp->tx, &m) == 0)
		rte_pktmbuf_free(m);
	dp_port_close(rp->port_id);
	rte_ring_free(rp->rx);
	rte_ring_free(rp->tx);
}

/* @n SYNs of one client from ports @first.. to the two-arm VIP, each with
 * @payload bytes, on @rp's receive ring; returns their total length. */
static uint64_t put_syns(struct ring_port *rp, uint16_t first, unsigned n, uint16_t payload)
{
	uint8_t buf[DPT_FRAME_MAX];
	uint64_t bytes = 0;

	for (unsigned i = 0; i < n; i++) {
		struct dpt_frame f = { .src = "10.0.0.50", .dst = "10.0.0.100",
				       .sport = (uint16_t)(first + i), .dport = 443, .flags = SYN,
				       .seq = 1000 + i, .payload = payload };
		size_t len = dpt_build(buf, &f);
		struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool());

		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
		assert_int_equal(rte_ring_enqueue(rp->rx, m), 0);
		bytes += len;
	}
	return bytes;
}

struct loop_env {
	struct dpt_env *e;
	struct ring_port client, server;
	struct dp_loop loop;
};

static void loop_env_up(struct loop_env *le, const char *tag, unsigned server_tx_size)
{
	char name[32];

	le->e = dpt_env_new(NULL, 1);
	snprintf(name, sizeof(name), "%s_c", tag);
	ring_port_open(&le->client, name, RING_BIG);
	snprintf(name, sizeof(name), "%s_s", tag);
	ring_port_open(&le->server, name, server_tx_size);
	le->loop = (struct dp_loop){ .worker = le->e->w, .n_ports = 2, .queue = 0 };
	le->loop.port_id[0] = le->client.port_id;
	le->loop.port_id[1] = le->server.port_id;
}

static void loop_env_down(struct loop_env *le)
{
	ring_port_close(&le->client);
	ring_port_close(&le->server);
	dpt_env_delete(le->e); /* checks that every mbuf came back */
}

/* Forwarded packets leave by the server port, counted with their bytes
 * (one TTL less, same length), in the stats and the loop's own count. */
static void test_forward_counts(void **state)
{
	struct loop_env le;
	struct dp_stats st;
	uint64_t bytes;

	(void)state;
	loop_env_up(&le, "fwd", RING_BIG);
	/* two lengths: bytes are counted per packet */
	bytes = put_syns(&le.client, 20000, 20, 0);
	bytes += put_syns(&le.client, 21000, 25, 300);
	/* an iteration receives one burst a port */
	assert_int_equal(dp_loop_iterate(&le.loop, le.e->now), DP_LOOP_BURST);
	assert_int_equal(dp_loop_iterate(&le.loop, le.e->now), 45 - DP_LOOP_BURST);
	assert_int_equal(rte_ring_count(le.server.tx), 45);
	assert_int_equal(le.loop.tx_packets, 45);
	dpt_stats(le.e, &st);
	assert_int_equal(st.port[1].tx_packets, 45);
	assert_int_equal(st.port[1].tx_bytes, bytes);
	assert_int_equal(st.port[0].rx_bytes, bytes);
	assert_int_equal(st.drop[DP_DROP_TX_UNSENT], 0);
	loop_env_down(&le);
}

/* A transmit ring with room for 7: of 20 forwarded, the first 7 are sent
 * and counted (packets, and their bytes only: the refused are longer), 13
 * dropped as unsent; nothing stays queued, and the next iteration sends
 * again. */
static void test_tx_refused(void **state)
{
	struct loop_env le;
	struct dp_stats st;
	uint64_t sent, more;
	void *m;

	(void)state;
	loop_env_up(&le, "full", RING_SMALL);
	sent = put_syns(&le.client, 20000, RING_SMALL - 1, 0);
	put_syns(&le.client, 21000, 20 - (RING_SMALL - 1), 500);
	assert_int_equal(dp_loop_iterate(&le.loop, le.e->now), 20);
	assert_int_equal(rte_ring_count(le.server.tx), RING_SMALL - 1);
	assert_int_equal(le.loop.tx_packets, RING_SMALL - 1);
	dpt_stats(le.e, &st);
	assert_int_equal(st.port[1].tx_packets, RING_SMALL - 1);
	assert_int_equal(st.port[1].tx_bytes, sent);
	assert_int_equal(st.drop[DP_DROP_TX_UNSENT], 20 - (RING_SMALL - 1));
	assert_int_equal(dpt_flush(le.e), 0);

	/* room again: the retransmitted SYNs go, the counts carry on */
	while (rte_ring_dequeue(le.server.tx, &m) == 0)
		rte_pktmbuf_free(m);
	more = put_syns(&le.client, 22000, 5, 100);
	assert_int_equal(dp_loop_iterate(&le.loop, le.e->now), 5);
	assert_int_equal(rte_ring_count(le.server.tx), 5);
	dpt_stats(le.e, &st);
	assert_int_equal(st.port[1].tx_packets, RING_SMALL - 1 + 5);
	assert_int_equal(st.port[1].tx_bytes, sent + more);
	assert_int_equal(st.drop[DP_DROP_TX_UNSENT], 20 - (RING_SMALL - 1));
	loop_env_down(&le);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_counts),
		cmocka_unit_test(test_tx_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
