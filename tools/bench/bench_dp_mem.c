/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_mem.h"

#include <malloc.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_flow.h"

void bench_mem_sample(struct bench_mem *m)
{
	struct mallinfo2 mi = mallinfo2();

	m->rte_heap = 0;
	for (unsigned i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			m->rte_heap += st.heap_allocsz_bytes;
	}
	m->libc_heap = mi.uordblks + mi.hblkhd;
	m->flow_maps = dp_flow_mapped_bytes();
}

double bench_mem_per(const struct bench_mem *before, const struct bench_mem *after, uint64_t n)
{
	double delta = (double)after->rte_heap - (double)before->rte_heap +
		       (double)after->libc_heap - (double)before->libc_heap +
		       (double)after->flow_maps - (double)before->flow_maps;

	return n ? delta / (double)n : 0.0;
}

