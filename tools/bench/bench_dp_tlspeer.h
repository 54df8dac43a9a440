/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripted peers for mode tls: the client and backend segments of whole
 * connections (SYN, cookie ACK with a real ClientHello, backend SYN-ACK, the
 * server's first flight, data, FIN each way), pushed through one worker in
 * bursts. Only the worker's own calls (dp_worker_rx, dp_worker_tick,
 * dp_worker_tx_take) are timed; building and reading frames is not.
 */
#ifndef BENCH_DP_TLSPEER_H
#define BENCH_DP_TLSPEER_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct dp_worker;

/* Real TLS bytes from tlsgen: the client's hello and the server's first flight. */
struct bench_tls_bytes {
	const uint8_t *hello;
	uint16_t hello_len;
	const uint8_t *flight;
	uint16_t flight_len; /* at most one MSS of the server's bytes */
};

/** Record a TLS 1.3 handshake with tlsgen (once). 0 or -1. */
int bench_tls_bytes_get(struct bench_tls_bytes *b);
void bench_tls_bytes_free(void);

enum bench_step {
	BS_SYN,        /* client SYN (MSS, SACK-permitted, timestamps, window scale) -> cookie SYN-ACK */
	BS_HELLO,      /* cookie ACK carrying the whole hello -> SYN to the chosen backend */
	BS_HELLO_PART, /* cookie ACK carrying the hello's first 100 bytes: flow stays in HELLO */
	BS_BK_SYNACK,  /* backend SYN-ACK -> ACK and the replayed hello to the backend */
	BS_FLIGHT,     /* backend's first flight (scanned) -> client */
	BS_C2S_DATA,   /* 100 bytes client -> backend */
	BS_C2S_FIN,    /* client FIN */
	BS_S2C_FIN,    /* backend FIN */
	BS_C2S_ACK,    /* client's last ACK */
	BS__COUNT
};

struct bench_conn {
	struct dp_worker *w;
	struct rte_mempool *pool;
	struct rte_ether_addr dut;
	const struct bench_tls_bytes *tb;
	uint8_t *backend_of;  /* per flow, learned from the backend SYNs */
	uint32_t n_flows;
	uint64_t cycles;      /* TSC cycles inside the worker's calls */
	uint64_t frames_in, frames_out;
	/* per flow of the current burst, from the cookie SYN-ACKs */
	uint32_t cookie[32], cookie_tsval[32];
};

/** Push step @p s of flows [first, first + n), n <= 32, and check what came out. 0 or -EPROTO. */
int bench_conn_step(struct bench_conn *c, enum bench_step s, uint32_t first, unsigned n);

const char *bench_step_name(enum bench_step s);

#endif /* BENCH_DP_TLSPEER_H */
