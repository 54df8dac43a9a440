/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_dut.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "bench_dp_tlspeer.h"
#include "bench_dp_traffic.h"
#include "dp_worker.h"

static int bench_dut_line(struct cp_config *cfg, char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bench_dut_line(struct cp_config *cfg, char *err, size_t err_len, const char *fmt, ...)
{
	char line[256], why[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = cp_config_apply_line(cfg, line, why, sizeof(why));
	if (rc != 0)
		snprintf(err, err_len, "config line '%s': %s", line, why);
	return rc;
}

static int bench_dut_config(struct cp_config *cfg, const char *dev, uint32_t limit, bool tls,
			    char *err, size_t err_len)
{
	int rc;

	cp_config_init(cfg);
	rc = bench_dut_line(cfg, err, err_len, "port add p0 dev %s role both", dev);
	rc = rc ? rc : bench_dut_line(cfg, err, err_len, "address add %s/24 port p0", BENCH_SELF);
	rc = rc ? rc : bench_dut_line(cfg, err, err_len, "neigh add %s lladdr %s port p0", BENCH_GW,
				      BENCH_GW_MAC);
	rc = rc ? rc : bench_dut_line(cfg, err, err_len, "route add %s via %s port p0",
				      BENCH_CLIENT_NET, BENCH_GW);
	rc = rc ? rc : bench_dut_line(cfg, err, err_len, "service add %s:%u mode %s nat two-arm",
				      BENCH_VIP, BENCH_VIP_PORT, tls ? "tls" : "l4");
	rc = rc ? rc : bench_dut_line(cfg, err, err_len, "set limit flows %u", limit);
	for (unsigned b = 0; b < BENCH_BACKENDS && rc == 0; b++) {
		uint32_t ip = bench_backend_ip(b);
		struct rte_ether_addr mac;
		char ips[16], macs[RTE_ETHER_ADDR_FMT_SIZE];

		snprintf(ips, sizeof(ips), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
			 (ip >> 8) & 0xff, ip & 0xff);
		bench_backend_mac(b, &mac);
		rte_ether_format_addr(macs, sizeof(macs), &mac);
		rc = bench_dut_line(cfg, err, err_len, "backend add %s:%u %s:%u weight 1", BENCH_VIP,
				    BENCH_VIP_PORT, ips, BENCH_BACKEND_PORT);
		rc = rc ? rc : bench_dut_line(cfg, err, err_len, "neigh add %s lladdr %s port p0",
					      ips, macs);
	}
	return rc;
}

int bench_dut_prepare(struct bench_dut *d, const char *dev, uint32_t n_flows,
		      struct rte_mempool *pool, const struct bench_tls_bytes *tb, char *err,
		      size_t err_len)
{
	memset(d, 0, sizeof(*d));
	d->pool = pool;
	d->n_flows = n_flows;
	d->tls = tb != NULL;
	d->tb = tb;
	d->cfg = malloc(sizeof(*d->cfg));
	d->backend_of = calloc(n_flows ? n_flows : 1, 1);
	if (!d->cfg || !d->backend_of) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	return bench_dut_config(d->cfg, dev, n_flows, d->tls, err, err_len);
}

int bench_dut_open(struct bench_dut *d, uint16_t port_id, const struct rte_ether_addr *mac,
		   char *err, size_t err_len)
{
	struct dp_port_info info = { .port_id = port_id, .mac = *mac };

	d->mac = *mac;
	d->shared = dp_shared_create(d->cfg, &info, 1, 1, (int)rte_socket_id());
	if (!d->shared) {
		snprintf(err, err_len, "dp_shared_create: %s", strerror(errno));
		return -errno;
	}
	d->loop.worker = dp_worker_create(d->shared, 0, d->pool);
	if (!d->loop.worker) {
		snprintf(err, err_len, "dp_worker_create: %s", strerror(errno));
		return -errno;
	}
	d->loop.n_ports = 1;
	d->loop.port_id[0] = port_id;
	d->loop.queue = 0;
	return 0;
}

static uint32_t bench_dut_flow_of(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(ip + 1);
	uint32_t client = rte_be_to_cpu_32(ip->src_addr) - BENCH_CLIENT_BASE;

	return client * BENCH_PORTS_PER_CLIENT + rte_be_to_cpu_16(tcp->src_port) - 1024;
}

/* Push one step of the handshake of flows [first, first+n) through the worker
 * and take back what it forwarded; the SYN step learns each flow's backend. */
static int bench_dut_step(struct bench_dut *d, uint32_t first, unsigned n, enum bench_kind kind)
{
	struct rte_mbuf *in[DP_LOOP_BURST], *out[DP_LOOP_BURST];
	unsigned got = 0;
	uint16_t k;

	if (rte_pktmbuf_alloc_bulk(d->pool, in, n) != 0)
		return -ENOBUFS;
	for (unsigned j = 0; j < n; j++)
		bench_frame(in[j], &d->mac, first + j, d->backend_of[first + j], kind);
	dp_worker_rx(d->loop.worker, 0, in, (uint16_t)n, rte_rdtsc());
	dp_worker_tick(d->loop.worker, rte_rdtsc());
	while ((k = dp_worker_tx_take(d->loop.worker, 0, out, DP_LOOP_BURST)) > 0) {
		for (uint16_t j = 0; j < k; j++) {
			if (kind == BENCH_SYN) {
				int b = bench_frame_backend(out[j]);
				uint32_t i = bench_dut_flow_of(out[j]);

				if (b >= 0 && i < d->n_flows)
					d->backend_of[i] = (uint8_t)b;
			}
		}
		rte_pktmbuf_free_bulk(out, k);
		got += k;
	}
	return got == n ? 0 : -EPROTO;
}

static int bench_dut_fill_tls(struct bench_dut *d, char *err, size_t err_len)
{
	static const enum bench_step steps[] = { BS_SYN, BS_HELLO, BS_BK_SYNACK, BS_FLIGHT };
	struct bench_conn c = { .w = d->loop.worker, .pool = d->pool, .dut = d->mac, .tb = d->tb,
				.backend_of = d->backend_of, .n_flows = d->n_flows };
	const struct dp_stats *st = dp_worker_stats(d->loop.worker);
	uint32_t n = d->n_flows;

	for (uint32_t first = 0; first < n; first += DP_LOOP_BURST) {
		unsigned batch = RTE_MIN((uint32_t)DP_LOOP_BURST, n - first);

		for (unsigned s = 0; s < RTE_DIM(steps); s++) {
			int rc = bench_conn_step(&c, steps[s], first, batch);

			if (rc != 0) {
				snprintf(err, err_len, "flows %u..%u: %s: not what a spliced flow sends (%s)",
					 first, first + batch - 1, bench_step_name(steps[s]), strerror(-rc));
				return rc;
			}
		}
	}
	if (st->tls[DP_TLSC_SPLICED] != n || st->tls[DP_TLSC_SCAN_DONE] != n) {
		snprintf(err, err_len, "%u flows: %llu spliced, %llu server flights scanned", n,
			 (unsigned long long)st->tls[DP_TLSC_SPLICED],
			 (unsigned long long)st->tls[DP_TLSC_SCAN_DONE]);
		return -EPROTO;
	}
	return 0;
}

int bench_dut_fill(struct bench_dut *d, char *err, size_t err_len)
{
	static const enum bench_kind steps[] = { BENCH_SYN, BENCH_SYN_ACK, BENCH_ACK };
	static const char *const names[] = { "SYN", "SYN+ACK", "ACK" };
	uint32_t n = d->n_flows;

	if (d->tls)
		return bench_dut_fill_tls(d, err, err_len);
	for (uint32_t first = 0; first < n; first += DP_LOOP_BURST) {
		unsigned batch = RTE_MIN((uint32_t)DP_LOOP_BURST, n - first);

		for (unsigned s = 0; s < RTE_DIM(steps); s++) {
			int rc = bench_dut_step(d, first, batch, steps[s]);

			if (rc != 0) {
				snprintf(err, err_len, "flows %u..%u: not every %s was forwarded (%s)",
					 first, first + batch - 1, names[s], strerror(-rc));
				return rc;
			}
		}
	}
	return 0;
}

double bench_dut_tick_cycles(struct bench_dut *d, unsigned calls)
{
	uint64_t t0 = rte_rdtsc();

	for (unsigned i = 0; i < calls; i++)
		dp_worker_tick(d->loop.worker, rte_rdtsc());
	return calls ? (double)(rte_rdtsc() - t0) / calls : 0;
}

void bench_dut_print_stats(struct bench_dut *d, FILE *out)
{
	dp_stats_print(dp_worker_stats(d->loop.worker), out);
}

void bench_dut_close(struct bench_dut *d)
{
	dp_worker_free(d->loop.worker);
	dp_shared_free(d->shared);
	free(d->backend_of);
	free(d->cfg);
	memset(d, 0, sizeof(*d));
}
