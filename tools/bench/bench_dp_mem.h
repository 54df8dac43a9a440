/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory in use, as far as a process can count it: the DPDK heaps of every
 * socket (rte_malloc, memzones, rings, hash tables) and the libc heap.
 */
#ifndef BENCH_DP_MEM_H
#define BENCH_DP_MEM_H

#include <stdint.h>

struct bench_mem {
	uint64_t rte_heap;  /* bytes allocated from the DPDK heaps */
	uint64_t libc_heap; /* bytes allocated by malloc, mmapped blocks included */
	uint64_t flow_maps; /* flow tables mapped apart without hugepages (dp_flow.h) */
};

void bench_mem_sample(struct bench_mem *m);

/** Bytes per item between two samples (@p after minus @p before over @p n). */
double bench_mem_per(const struct bench_mem *before, const struct bench_mem *after, uint64_t n);

#endif /* BENCH_DP_MEM_H */
