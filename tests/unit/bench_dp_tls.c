/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections per second through mode tls on one worker, in-process: for
 * each connection a scripted client and backend exchange SYN, cookie
 * SYN-ACK, ACK + ClientHello (real tlsgen bytes), backend SYN / SYN-ACK,
 * the replay, 100 bytes each way and a FIN each way (8 packets in, 10 out).
 * The harness builds every frame (with checksums) and reads what comes out;
 * that cost is measured alone in the same run and printed beside it.
 *
 *   build/tests/unit/bench_dp_tls [CONNECTIONS]    (meson test --benchmark)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_internal.h"
#include "dp_test_util.h"
#include "dp_tls_seg.h"
#include "tlsgen.h"

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define FIN 0x01

static struct tlsgen_result r13;
static uint8_t frame[DPT_FRAME_MAX];
static const uint8_t payload[100];

static void tls_tweak(struct cp_config *c)
{
	c->services[0].mode = CP_MODE_TLS;
	c->limits.flows = 1u << 18;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Feed one segment to the worker (when @run) and take @n_out frames from
 * @out_port; returns the first one's TCP header (or NULL). */
static const struct rte_tcp_hdr *step(struct dpt_env *e, bool run, uint16_t in_port,
				      const struct seg *s, uint16_t out_port, unsigned n_out,
				      uint32_t *src_ip)
{
	static struct rte_tcp_hdr copy;
	struct rte_mbuf *m[8];
	size_t len = seg_build(frame, s);
	struct rte_mbuf *in;
	uint16_t n, i;

	if (!run)
		return NULL;
	in = rte_pktmbuf_alloc(dpt_pool());
	memcpy(rte_pktmbuf_append(in, (uint16_t)len), frame, len);
	dp_worker_rx(e->w, in_port, &in, 1, e->now);
	n = dp_worker_tx_take(e->w, out_port, m, 8);
	if (n != n_out) {
		fprintf(stderr, "bench: expected %u frames on port %u, got %u\n", n_out, out_port, n);
		exit(1);
	}
	{
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m[0], const struct rte_ipv4_hdr *,
									14);

		copy = *(const struct rte_tcp_hdr *)(ip + 1);
		if (src_ip)
			*src_ip = ip->dst_addr;
	}
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
	return &copy;
}

static double run(struct dpt_env *e, unsigned conns, bool real)
{
	const uint16_t hlen = (uint16_t)r13.client_hello_len;
	const uint32_t vip = dpt_ip("10.0.0.100"), b11 = dpt_ip("10.1.0.11");
	double t0 = now_s();
	unsigned i;

	for (i = 0; i < conns; i++) {
		uint32_t cip = rte_cpu_to_be_32(0x0a050000u | (i & 0xffff));
		uint16_t cport = (uint16_t)(1024 + (i >> 16));
		uint32_t cisn = i * 2654435761u, cookie = 12345, bisn = 777, bip = b11;
		struct seg c = { .smac = DPT_MAC_ROUTER, .dmac = DPT_MAC_P0, .src = cip,
				 .dst = vip, .sport = cport, .dport = 443,
				 .seq = cisn, .flags = SYN, .win = 64240,
				 .o = { .flags = DP_TCPOPT_F_MSS | DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE |
						 DP_TCPOPT_F_SACK_PERM,
					.mss = 1460, .wscale = 7, .tsval = 1000 } };
		struct seg b = { .dmac = DPT_MAC_P1, .dst = cip, .sport = 8443, .dport = cport,
				 .flags = SYN | ACK, .win = 65535,
				 .o = { .flags = DP_TCPOPT_F_MSS | DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE |
						 DP_TCPOPT_F_SACK_PERM,
					.mss = 1460, .wscale = 7, .tsval = 5000, .tsecr = 1000 } };
		const struct rte_tcp_hdr *t;

		t = step(e, real, 0, &c, 0, 1, NULL);
		if (t)
			cookie = rte_be_to_cpu_32(t->sent_seq);
		c.flags = ACK | PSH;
		c.seq = cisn + 1;
		c.ack = cookie + 1;
		c.o.flags = DP_TCPOPT_F_TS;
		c.o.tsecr = 1;
		c.data = r13.client.data;
		c.len = hlen;
		step(e, real, 0, &c, 1, 1, real ? &bip : NULL);
		b.smac = bip == b11 ? DPT_MAC_B11 : DPT_MAC_B12;
		b.src = bip;
		b.seq = bisn;
		b.ack = cisn + 1;
		step(e, real, 1, &b, 1, 2, NULL);
		b.flags = ACK | PSH;
		b.seq = bisn + 1;
		b.ack = cisn + 1 + hlen;
		b.o.flags = DP_TCPOPT_F_TS;
		b.data = payload;
		b.len = sizeof(payload);
		step(e, real, 1, &b, 0, 1, NULL);
		c.seq = cisn + 1 + hlen;
		c.ack = cookie + 1 + sizeof(payload);
		c.data = payload;
		c.len = sizeof(payload);
		step(e, real, 0, &c, 1, 1, NULL);
		c.seq += sizeof(payload);
		c.flags = FIN | ACK;
		c.len = 0;
		step(e, real, 0, &c, 1, 1, NULL);
		b.seq += sizeof(payload);
		b.ack = cisn + 1 + hlen + sizeof(payload) + 1;
		b.flags = FIN | ACK;
		b.len = 0;
		step(e, real, 1, &b, 0, 1, NULL);
		c.seq += 1;
		c.ack = cookie + 1 + sizeof(payload) + 1;
		c.flags = ACK;
		step(e, real, 0, &c, 1, 1, NULL);
		if (real && (i & 31) == 31)
			dp_worker_tick(e->w, e->now);
	}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	unsigned conns = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
	struct tlsgen_params p = { 0 };
	struct dpt_env *e;
	double full, harness;
	struct dp_stats st;

	dpt_eal_init();
	if (tlsgen_run(&p, &r13) != 0)
		return 1;
	e = dpt_env_new(tls_tweak, 1);
	harness = run(e, conns, false);
	full = run(e, conns, true);
	dpt_stats(e, &st);
	printf("# %u connections, hello %zu bytes, spliced %llu\n", conns, r13.client_hello_len,
	       (unsigned long long)st.tls[DP_TLSC_SPLICED]);
	printf("# whole run %.3f s: %.0f connections/s (harness included)\n", full, conns / full);
	printf("# harness alone (building the frames) %.3f s; tlslb's share %.0f connections/s\n",
	       harness, conns / (full - harness));
	tlsgen_result_free(&r13);
	dpt_env_delete(e);
	return st.tls[DP_TLSC_SPLICED] == conns ? 0 : 1;
}
