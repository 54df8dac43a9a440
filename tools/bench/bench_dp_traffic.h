/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synthetic traffic for the dataplane benchmark: the addresses of flow i, the
 * frames of its handshake and of its established phase, and a generator that
 * keeps the receive ring of a net_ring port topped up with them, recycling
 * what the port transmitted.
 */
#ifndef BENCH_DP_TRAFFIC_H
#define BENCH_DP_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define BENCH_VIP "10.0.0.100"
#define BENCH_VIP_PORT 443
#define BENCH_SELF "10.0.0.1"
#define BENCH_GW "10.0.0.254"
#define BENCH_GW_MAC "02:00:00:00:00:fe"
#define BENCH_CLIENT_NET "172.16.0.0/12"
#define BENCH_CLIENT_BASE 0xac100000u /* 172.16.0.0 (RTE_IPV4 would shift an int into the sign bit) */
#define BENCH_BACKENDS 4
#define BENCH_BACKEND_PORT 8443
/* Client ports per client address; flow i is client (i / this, i % this). */
#define BENCH_PORTS_PER_CLIENT 16384

enum bench_kind {
	BENCH_SYN,     /* client -> VIP */
	BENCH_SYN_ACK, /* backend -> client */
	BENCH_ACK,     /* client -> VIP, completes the handshake */
	BENCH_C2S,     /* established, client -> VIP */
	BENCH_S2C,     /* established, backend -> client */
};

/** Backend @p b (0..BENCH_BACKENDS-1): address in host order and MAC. */
uint32_t bench_backend_ip(unsigned b);
void bench_backend_mac(unsigned b, struct rte_ether_addr *mac);

/** Client of flow @p i: address (host order) and port. */
uint32_t bench_client_ip(uint32_t i);
uint16_t bench_client_port(uint32_t i);

/** Write the 64-byte frame of @p kind for flow @p i into @p m (reset first). */
void bench_frame(struct rte_mbuf *m, const struct rte_ether_addr *dut, uint32_t i,
		 unsigned backend, enum bench_kind kind);

/** Which backend a frame tlslb sent towards the backends goes to, or -1. */
int bench_frame_backend(const struct rte_mbuf *m);

/** Keeps the rx ring of a ring port fed with established traffic. */
struct bench_gen {
	struct rte_ring *rx, *tx;   /* the port's receive and transmit rings */
	struct rte_mempool *pool;
	struct rte_ether_addr dut;  /* MAC of the port under test */
	const uint8_t *backend_of;  /* per flow, learned from the SYNs */
	uint32_t n_flows;
	uint32_t cursor, stride;    /* visit order: cursor += stride (mod n_flows) */
	bool both_directions;       /* alternate client->server and server->client */
	unsigned parity;
};

void bench_gen_init(struct bench_gen *g, struct rte_ring *rx, struct rte_ring *tx,
		    struct rte_mempool *pool, const struct rte_ether_addr *dut,
		    const uint8_t *backend_of, uint32_t n_flows, bool both_directions);

/** Recycle what was transmitted and fill the rx ring up to @p depth frames. @return 0 or -ENOBUFS */
int bench_gen_refill(struct bench_gen *g, unsigned depth);

/** Free everything left in both rings. */
void bench_gen_drain(struct bench_gen *g);

#endif /* BENCH_DP_TRAFFIC_H */
