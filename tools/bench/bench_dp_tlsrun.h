/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode tls alone: new connections per second through the whole path, and
 * what a flow held in state HELLO costs. Each on a fresh instance of tlslb's
 * tables and worker, driven directly (no port).
 */
#ifndef BENCH_DP_TLSRUN_H
#define BENCH_DP_TLSRUN_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct bench_tls_bytes;

struct bench_cps {
	double worker_cps;  /* connections per second of the worker's own cycles */
	double wall_cps;    /* ...of wall time, the harness's frame building included */
	double cycles_per_conn;
	double frames_in, frames_out; /* per connection */
	unsigned preempted; /* bursts over 500 us left out of worker_cps */
};

/** @p conns whole connections (9 client/backend steps each) in bursts of 32. */
int bench_cps_run(const char *dev, uint16_t port_id, const struct rte_ether_addr *mac,
		  struct rte_mempool *pool, const struct bench_tls_bytes *tb, uint32_t conns,
		  struct bench_cps *r, char *err, size_t err_len);

struct bench_hello_mem {
	double held;     /* B/flow: allocated while @n flows wait in HELLO (hello buffers) */
	size_t hsctx;    /* sizeof(struct dp_hsctx): one per flow until its scan ends */
	unsigned n_hsctx; /* how many are preallocated */
	uint64_t pool_used; /* hello pool counter with the flows held */
};

/** Open @p n flows (n <= 16384) and leave each in HELLO with a partial hello. */
int bench_hello_mem_run(const char *dev, uint16_t port_id, const struct rte_ether_addr *mac,
			struct rte_mempool *pool, const struct bench_tls_bytes *tb, uint32_t n,
			struct bench_hello_mem *r, char *err, size_t err_len);

#endif /* BENCH_DP_TLSRUN_H */
