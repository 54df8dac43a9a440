/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_tlsrun.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_dp_dut.h"
#include "bench_dp_mem.h"
#include "bench_dp_tlspeer.h"
#include "dp_internal.h"
#include "dp_tls.h"

#define BENCH_PREEMPTED_US 500

static int bench_tls_dut(struct bench_dut *d, const char *dev, uint16_t port_id,
			 const struct rte_ether_addr *mac, struct rte_mempool *pool,
			 const struct bench_tls_bytes *tb, uint32_t n, char *err, size_t err_len)
{
	int rc = bench_dut_prepare(d, dev, n, pool, tb, err, err_len);

	return rc ? rc : bench_dut_open(d, port_id, mac, err, err_len);
}

int bench_cps_run(const char *dev, uint16_t port_id, const struct rte_ether_addr *mac,
		  struct rte_mempool *pool, const struct bench_tls_bytes *tb, uint32_t conns,
		  struct bench_cps *r, char *err, size_t err_len)
{
	uint64_t hz = rte_get_tsc_hz(), limit = hz / 1000000 * BENCH_PREEMPTED_US, busy = 0;
	uint64_t t_start, counted = 0;
	const struct dp_stats *st;
	struct bench_conn c;
	struct bench_dut d;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = bench_tls_dut(&d, dev, port_id, mac, pool, tb, conns, err, err_len);
	if (rc != 0)
		goto out;
	c = (struct bench_conn){ .w = d.loop.worker, .pool = pool, .dut = *mac, .tb = tb,
				 .backend_of = d.backend_of, .n_flows = conns };
	t_start = rte_rdtsc();
	for (uint32_t first = 0; first < conns && rc == 0; first += 32) {
		unsigned n = conns - first < 32 ? conns - first : 32;
		uint64_t before = c.cycles;

		for (unsigned s = 0; s < BS__COUNT && rc == 0; s++) {
			if (s == BS_HELLO_PART)
				continue;
			rc = bench_conn_step(&c, (enum bench_step)s, first, n);
			if (rc != 0)
				snprintf(err, err_len, "connections %u..%u: %s: unexpected answer", first,
					 first + n - 1, bench_step_name((enum bench_step)s));
		}
		/* a burst of connections that took this long was the lcore taken away */
		if (c.cycles - before > limit) {
			r->preempted++;
			continue;
		}
		busy += c.cycles - before;
		counted += n;
	}
	if (rc != 0)
		goto out;
	r->wall_cps = (double)conns / ((double)(rte_rdtsc() - t_start) / (double)hz);
	r->worker_cps = busy ? (double)counted / ((double)busy / (double)hz) : 0;
	r->cycles_per_conn = counted ? (double)busy / (double)counted : 0;
	r->frames_in = (double)c.frames_in / conns;
	r->frames_out = (double)c.frames_out / conns;
	st = dp_worker_stats(d.loop.worker);
	if (st->tls[DP_TLSC_SPLICED] != conns || st->tls[DP_TLSC_SCAN_DONE] != conns) {
		snprintf(err, err_len, "%u connections: %llu spliced, %llu server flights scanned",
			 conns, (unsigned long long)st->tls[DP_TLSC_SPLICED],
			 (unsigned long long)st->tls[DP_TLSC_SCAN_DONE]);
		rc = -EPROTO;
	}
out:
	if (rc != 0 && d.loop.worker)
		bench_dut_print_stats(&d, stderr);
	if (d.cfg)
		bench_dut_close(&d);
	return rc;
}

int bench_hello_mem_run(const char *dev, uint16_t port_id, const struct rte_ether_addr *mac,
			struct rte_mempool *pool, const struct bench_tls_bytes *tb, uint32_t n,
			struct bench_hello_mem *r, char *err, size_t err_len)
{
	struct bench_mem m1, m2;
	struct bench_conn c;
	struct bench_dut d;
	int rc;

	memset(r, 0, sizeof(*r));
	if (n > DP_TLS_HS_MAX)
		return -EINVAL;
	/* headroom: a flow table filled to its limit refuses some inserts (its
	 * hash holds 2 x limit keys, rounded up, without extendable buckets) */
	rc = bench_dut_prepare(&d, dev, n + n / 4, pool, tb, err, err_len);
	if (rc == 0)
		rc = bench_dut_open(&d, port_id, mac, err, err_len);
	if (rc != 0)
		goto out;
	bench_mem_sample(&m1);
	c = (struct bench_conn){ .w = d.loop.worker, .pool = pool, .dut = *mac, .tb = tb,
				 .backend_of = d.backend_of, .n_flows = n };
	for (uint32_t first = 0; first < n && rc == 0; first += 32) {
		unsigned k = n - first < 32 ? n - first : 32;

		rc = bench_conn_step(&c, BS_SYN, first, k);
		if (rc == 0)
			rc = bench_conn_step(&c, BS_HELLO_PART, first, k);
	}
	bench_mem_sample(&m2);
	if (rc != 0 || dp_worker_stats(d.loop.worker)->tls[DP_TLSC_COOKIE_OK] != n) {
		snprintf(err, err_len, "%u flows in HELLO: %llu opened (%s)", n,
			 (unsigned long long)dp_worker_stats(d.loop.worker)->tls[DP_TLSC_COOKIE_OK],
			 rc ? strerror(-rc) : "no error");
		bench_dut_print_stats(&d, stderr);
		rc = rc ? rc : -EPROTO;
		goto out;
	}
	r->held = bench_mem_per(&m1, &m2, n);
	r->hsctx = sizeof(struct dp_hsctx);
	r->n_hsctx = DP_TLS_HS_MAX;
	r->pool_used = __atomic_load_n(&d.shared->tls->pool.used, __ATOMIC_RELAXED);
out:
	if (d.cfg)
		bench_dut_close(&d);
	return rc;
}
