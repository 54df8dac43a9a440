/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_traffic.h"

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#define BENCH_FRAME_LEN 60 /* 64 on the wire with the FCS */
#define BENCH_ISN_CLIENT 0x10000000u
#define BENCH_ISN_SERVER 0x20000000u

/* 10.0.0.21 .. : next to tlslb on the one-arm segment. */
uint32_t bench_backend_ip(unsigned b)
{
	return RTE_IPV4(10, 0, 0, 21 + b);
}

void bench_backend_mac(unsigned b, struct rte_ether_addr *mac)
{
	static const uint8_t base[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00 };

	memcpy(mac->addr_bytes, base, 6);
	mac->addr_bytes[5] = (uint8_t)(0x21 + b);
}

uint32_t bench_client_ip(uint32_t i)
{
	return BENCH_CLIENT_BASE + i / BENCH_PORTS_PER_CLIENT;
}

uint16_t bench_client_port(uint32_t i)
{
	return (uint16_t)(1024 + i % BENCH_PORTS_PER_CLIENT);
}

void bench_frame(struct rte_mbuf *m, const struct rte_ether_addr *dut, uint32_t i,
		 unsigned backend, enum bench_kind kind)
{
	static const struct rte_ether_addr gw = { { 0x02, 0, 0, 0, 0, 0xfe } };
	bool from_client = kind == BENCH_SYN || kind == BENCH_ACK || kind == BENCH_C2S;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint32_t vip = RTE_IPV4(10, 0, 0, 100);

	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, BENCH_FRAME_LEN);
	memset(eth, 0, BENCH_FRAME_LEN);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	tcp = (struct rte_tcp_hdr *)(ip + 1);

	eth->dst_addr = *dut;
	if (from_client)
		eth->src_addr = gw;
	else
		bench_backend_mac(backend, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*tcp));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	tcp->data_off = (sizeof(*tcp) / 4) << 4;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	if (from_client) {
		ip->src_addr = rte_cpu_to_be_32(bench_client_ip(i));
		ip->dst_addr = rte_cpu_to_be_32(vip);
		tcp->src_port = rte_cpu_to_be_16(bench_client_port(i));
		tcp->dst_port = rte_cpu_to_be_16(BENCH_VIP_PORT);
	} else {
		ip->src_addr = rte_cpu_to_be_32(bench_backend_ip(backend));
		ip->dst_addr = rte_cpu_to_be_32(bench_client_ip(i));
		tcp->src_port = rte_cpu_to_be_16(BENCH_BACKEND_PORT);
		tcp->dst_port = rte_cpu_to_be_16(bench_client_port(i));
	}
	switch (kind) {
	case BENCH_SYN:
		tcp->tcp_flags = RTE_TCP_SYN_FLAG;
		tcp->sent_seq = rte_cpu_to_be_32(BENCH_ISN_CLIENT);
		break;
	case BENCH_SYN_ACK:
		tcp->tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
		tcp->sent_seq = rte_cpu_to_be_32(BENCH_ISN_SERVER);
		tcp->recv_ack = rte_cpu_to_be_32(BENCH_ISN_CLIENT + 1);
		break;
	case BENCH_ACK:
	case BENCH_C2S:
		tcp->tcp_flags = RTE_TCP_ACK_FLAG;
		tcp->sent_seq = rte_cpu_to_be_32(BENCH_ISN_CLIENT + 1);
		tcp->recv_ack = rte_cpu_to_be_32(BENCH_ISN_SERVER + 1);
		break;
	case BENCH_S2C:
		tcp->tcp_flags = RTE_TCP_ACK_FLAG;
		tcp->sent_seq = rte_cpu_to_be_32(BENCH_ISN_SERVER + 1);
		tcp->recv_ack = rte_cpu_to_be_32(BENCH_ISN_CLIENT + 1);
		break;
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
}

int bench_frame_backend(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t dst;

	if (m->data_len < sizeof(*eth) + sizeof(*ip) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return -1;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	for (unsigned b = 0; b < BENCH_BACKENDS; b++)
		if (dst == bench_backend_ip(b))
			return (int)b;
	return -1;
}

static uint32_t bench_gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A stride coprime with n visits every flow once per round, far apart in the
 * table from one packet to the next, as many independent clients would. */
static uint32_t bench_stride(uint32_t n)
{
	uint32_t s;

	if (n <= 2)
		return 1;
	s = (uint32_t)((uint64_t)n * 0x9E3779B9u >> 32) | 1;
	while (bench_gcd(s, n) != 1)
		s += 2;
	return s % n;
}

void bench_gen_init(struct bench_gen *g, struct rte_ring *rx, struct rte_ring *tx,
		    struct rte_mempool *pool, const struct rte_ether_addr *dut,
		    const uint8_t *backend_of, uint32_t n_flows, bool both_directions)
{
	memset(g, 0, sizeof(*g));
	g->rx = rx;
	g->tx = tx;
	g->pool = pool;
	g->dut = *dut;
	g->backend_of = backend_of;
	g->n_flows = n_flows;
	g->stride = bench_stride(n_flows);
	g->both_directions = both_directions;
}

int bench_gen_refill(struct bench_gen *g, unsigned depth)
{
	struct rte_mbuf *m[64];
	unsigned have = rte_ring_count(g->rx), want, got;

	while (have < depth) {
		want = RTE_MIN(depth - have, (unsigned)RTE_DIM(m));
		got = rte_ring_dequeue_burst(g->tx, (void **)m, want, NULL);
		if (got < want) {
			if (rte_pktmbuf_alloc_bulk(g->pool, m + got, want - got) != 0) {
				rte_pktmbuf_free_bulk(m, got);
				return -ENOBUFS;
			}
			got = want;
		}
		for (unsigned k = 0; k < got; k++) {
			enum bench_kind kind = BENCH_C2S;
			uint32_t i = g->cursor;

			if (g->both_directions) {
				kind = g->parity ? BENCH_S2C : BENCH_C2S;
				g->parity ^= 1;
			}
			g->cursor += g->stride;
			if (g->cursor >= g->n_flows)
				g->cursor -= g->n_flows;
			bench_frame(m[k], &g->dut, i, g->backend_of[i], kind);
		}
		want = rte_ring_enqueue_burst(g->rx, (void **)m, got, NULL);
		if (want < got) {
			rte_pktmbuf_free_bulk(m + want, got - want);
			break;
		}
		have += got;
	}
	return 0;
}

void bench_gen_drain(struct bench_gen *g)
{
	void *m[64];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(g->rx, m, RTE_DIM(m), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n);
	while ((n = rte_ring_dequeue_burst(g->tx, m, RTE_DIM(m), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n);
}
