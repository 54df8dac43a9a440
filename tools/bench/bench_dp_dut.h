/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device under test: tlslb's packet path (shared tables, one worker, the
 * daemon's burst loop) on one port, its flows opened by real handshakes
 * pushed through dp_worker_rx().
 */
#ifndef BENCH_DP_DUT_H
#define BENCH_DP_DUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "cp_config.h"
#include "dp_loop.h"

struct dp_shared;
struct bench_tls_bytes;

struct bench_dut {
	struct cp_config *cfg;
	struct dp_shared *shared;
	struct dp_loop loop;  /* the daemon's loop, worker and port filled in */
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	uint8_t *backend_of;  /* per flow: which backend the SYN went to */
	uint32_t n_flows;
	bool tls;             /* service in mode tls: flows opened by spliced handshakes */
	const struct bench_tls_bytes *tb; /* the hello and server flight (tls) */
};

/**
 * The benchmark's own part, allocated before memory is measured: the config
 * of a one-arm service of BENCH_BACKENDS backends on device @p dev with room
 * for @p n_flows flows, and the per-flow notes. With @p tb the service is in
 * mode tls and its flows are opened with those bytes; NULL: mode l4.
 */
int bench_dut_prepare(struct bench_dut *d, const char *dev, uint32_t n_flows,
		      struct rte_mempool *pool, const struct bench_tls_bytes *tb, char *err,
		      size_t err_len);

/** tlslb's part: the tables and the worker, on port @p port_id. */
int bench_dut_open(struct bench_dut *d, uint16_t port_id, const struct rte_ether_addr *mac,
		   char *err, size_t err_len);

/** Open the flows, checking every one got through: l4: SYN, SYN+ACK, ACK each;
 *  tls: SYN, cookie ACK + hello, backend SYN-ACK, server flight (spliced, scanned). */
int bench_dut_fill(struct bench_dut *d, char *err, size_t err_len);

/** Average TSC cycles of one dp_worker_tick() with no traffic (the timer
 *  work every loop iteration pays, whatever the burst). */
double bench_dut_tick_cycles(struct bench_dut *d, unsigned calls);

/** Print the worker's non-zero counters. */
void bench_dut_print_stats(struct bench_dut *d, FILE *out);

void bench_dut_close(struct bench_dut *d);

#endif /* BENCH_DP_DUT_H */
