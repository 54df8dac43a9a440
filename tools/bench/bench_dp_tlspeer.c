/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_dp_tlspeer.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "bench_dp_traffic.h"
#include "dp_tcpopt.h"
#include "dp_worker.h"
#include "tlsgen.h"

#define BENCH_ISN_C 0x10000000u
#define BENCH_ISN_B 0x20000000u
#define BENCH_MSS 1460
#define BENCH_DATA 100
#define BENCH_OUT_CAP 256
#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

static struct tlsgen_result bench_r;
static bool bench_r_done;
static const uint8_t bench_zero[BENCH_DATA];

int bench_tls_bytes_get(struct bench_tls_bytes *b)
{
	struct tlsgen_params p = { .sni = "bench.example", .alpn = "h2,http/1.1" };

	if (!bench_r_done) {
		if (tlsgen_run(&p, &bench_r) != 0)
			return -1;
		bench_r_done = true;
	}
	if (bench_r.client_hello_len > BENCH_MSS - 12 || bench_r.server.len == 0)
		return -1;
	b->hello = bench_r.client.data;
	b->hello_len = (uint16_t)bench_r.client_hello_len;
	b->flight = bench_r.server.data;
	b->flight_len = (uint16_t)(bench_r.server.len < BENCH_MSS - 12 ? bench_r.server.len :
									  BENCH_MSS - 12);
	return 0;
}

void bench_tls_bytes_free(void)
{
	if (bench_r_done)
		tlsgen_result_free(&bench_r);
	bench_r_done = false;
}

const char *bench_step_name(enum bench_step s)
{
	static const char *const names[BS__COUNT] = {
		"SYN", "hello", "partial hello", "backend SYN-ACK", "server flight",
		"client data", "client FIN", "backend FIN", "client last ACK",
	};

	return s < BS__COUNT ? names[s] : "?";
}

/* One segment of flow @flow, from its client (backend < 0) or from backend @backend. */
struct bench_seg {
	uint32_t flow;
	int backend;
	uint8_t flags;
	uint32_t seq, ack;
	const struct dp_tcpopt *o;
	const uint8_t *data;
	uint16_t len;
};

static void bench_seg_frame(struct rte_mbuf *m, const struct rte_ether_addr *dut,
			    const struct bench_seg *s)
{
	static const struct rte_ether_addr gw = { { 0x02, 0, 0, 0, 0, 0xfe } };
	uint8_t opts[40];
	int olen = s->o ? dp_tcpopt_build(opts, sizeof(opts), s->o) : 0;
	uint16_t l4 = (uint16_t)(sizeof(struct rte_tcp_hdr) + (olen > 0 ? olen : 0));
	uint16_t total = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + l4 +
				    s->len);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, total < 60 ? 60 : total);
	memset(eth, 0, total < 60 ? 60 : total);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	eth->dst_addr = *dut;
	if (s->backend < 0)
		eth->src_addr = gw;
	else
		bench_backend_mac((unsigned)s->backend, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4 + s->len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	if (s->backend < 0) {
		ip->src_addr = rte_cpu_to_be_32(bench_client_ip(s->flow));
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 100));
		tcp->src_port = rte_cpu_to_be_16(bench_client_port(s->flow));
		tcp->dst_port = rte_cpu_to_be_16(BENCH_VIP_PORT);
	} else {
		ip->src_addr = rte_cpu_to_be_32(bench_backend_ip((unsigned)s->backend));
		ip->dst_addr = rte_cpu_to_be_32(bench_client_ip(s->flow));
		tcp->src_port = rte_cpu_to_be_16(BENCH_BACKEND_PORT);
		tcp->dst_port = rte_cpu_to_be_16(bench_client_port(s->flow));
	}
	tcp->sent_seq = rte_cpu_to_be_32(s->seq);
	tcp->recv_ack = rte_cpu_to_be_32(s->ack);
	tcp->data_off = (uint8_t)((l4 / 4) << 4);
	tcp->tcp_flags = s->flags;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	if (olen > 0)
		memcpy(tcp + 1, opts, (size_t)olen);
	if (s->len)
		memcpy((uint8_t *)tcp + l4, s->data, s->len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
}

/* What the worker sent: which flow, to whom, and the fields the script needs. */
struct bench_out {
	uint32_t flow;
	int backend; /* receiver; -1: the client */
	uint8_t flags;
	uint32_t seq, tsval;
};

static int bench_out_read(const struct rte_mbuf *m, struct bench_out *o)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_tcp_hdr *tcp;
	struct dp_tcpopt opt;
	uint32_t client;
	uint16_t port;
	unsigned olen;

	if (m->data_len < 54 || ip->next_proto_id != IPPROTO_TCP)
		return -1;
	tcp = (const struct rte_tcp_hdr *)((const uint8_t *)ip + (ip->version_ihl & 0xf) * 4);
	o->backend = bench_frame_backend(m);
	if (o->backend < 0) {
		client = rte_be_to_cpu_32(ip->dst_addr);
		port = rte_be_to_cpu_16(tcp->dst_port);
	} else {
		client = rte_be_to_cpu_32(ip->src_addr);
		port = rte_be_to_cpu_16(tcp->src_port);
	}
	o->flow = (client - BENCH_CLIENT_BASE) * BENCH_PORTS_PER_CLIENT + port - 1024u;
	o->flags = tcp->tcp_flags;
	o->seq = rte_be_to_cpu_32(tcp->sent_seq);
	o->tsval = 0;
	olen = (tcp->data_off >> 4) * 4u - sizeof(*tcp);
	if (olen && dp_tcpopt_parse((const uint8_t *)(tcp + 1), olen, &opt) == DP_TCPOPT_OK &&
	    (opt.flags & DP_TCPOPT_F_TS))
		o->tsval = opt.tsval;
	return 0;
}

/* The segment of step @s for flow @i (the @j-th of the burst). */
static void bench_step_seg(const struct bench_conn *c, enum bench_step s, uint32_t i, unsigned j,
			   struct bench_seg *g, struct dp_tcpopt *o)
{
	const struct bench_tls_bytes *tb = c->tb;
	uint32_t c_data = BENCH_ISN_C + 1 + tb->hello_len, b_data = BENCH_ISN_B + 1 + tb->flight_len;
	uint32_t ck = c->cookie[j] + 1;

	memset(o, 0, sizeof(*o));
	o->flags = DP_TCPOPT_F_TS;
	*g = (struct bench_seg){ .flow = i, .backend = -1, .flags = F_ACK, .o = o };
	if (s == BS_BK_SYNACK || s == BS_FLIGHT || s == BS_S2C_FIN)
		g->backend = c->backend_of[i];
	switch (s) {
	case BS_SYN:
		*o = (struct dp_tcpopt){ .flags = DP_TCPOPT_F_MSS | DP_TCPOPT_F_SACK_PERM |
						  DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE,
					 .mss = BENCH_MSS, .wscale = 7, .tsval = 1000 };
		g->flags = F_SYN;
		g->seq = BENCH_ISN_C;
		break;
	case BS_HELLO:
	case BS_HELLO_PART:
		o->tsval = 1001;
		o->tsecr = c->cookie_tsval[j];
		g->flags = F_ACK | F_PSH;
		g->seq = BENCH_ISN_C + 1;
		g->ack = ck;
		g->data = tb->hello;
		g->len = s == BS_HELLO ? tb->hello_len : BENCH_DATA;
		break;
	case BS_BK_SYNACK:
		*o = (struct dp_tcpopt){ .flags = DP_TCPOPT_F_MSS | DP_TCPOPT_F_SACK_PERM |
						  DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE,
					 .mss = BENCH_MSS, .wscale = 7, .tsval = 5000, .tsecr = 1001 };
		g->flags = F_SYN | F_ACK;
		g->seq = BENCH_ISN_B;
		g->ack = BENCH_ISN_C + 1;
		break;
	case BS_FLIGHT:
		o->tsval = 5001;
		o->tsecr = 1001;
		g->flags = F_ACK | F_PSH;
		g->seq = BENCH_ISN_B + 1;
		g->ack = c_data;
		g->data = tb->flight;
		g->len = tb->flight_len;
		break;
	case BS_C2S_DATA:
		o->tsval = 1002;
		o->tsecr = c->cookie_tsval[j] + 1;
		g->flags = F_ACK | F_PSH;
		g->seq = c_data;
		g->ack = ck + tb->flight_len;
		g->data = bench_zero;
		g->len = BENCH_DATA;
		break;
	case BS_C2S_FIN:
		o->tsval = 1003;
		o->tsecr = c->cookie_tsval[j] + 1;
		g->flags = F_ACK | F_FIN;
		g->seq = c_data + BENCH_DATA;
		g->ack = ck + tb->flight_len;
		break;
	case BS_S2C_FIN:
		o->tsval = 5002;
		o->tsecr = 1003;
		g->flags = F_ACK | F_FIN;
		g->seq = b_data;
		g->ack = c_data + BENCH_DATA + 1;
		break;
	case BS_C2S_ACK:
	default:
		o->tsval = 1004;
		o->tsecr = c->cookie_tsval[j] + 2;
		g->seq = c_data + BENCH_DATA + 1;
		g->ack = ck + tb->flight_len + 1;
		break;
	}
}

/* What step @s must produce per flow: to whom, and how many frames at least. */
static void bench_step_expect(enum bench_step s, bool *to_backend, unsigned *per_flow)
{
	*to_backend = !(s == BS_SYN || s == BS_FLIGHT || s == BS_S2C_FIN);
	*per_flow = s == BS_HELLO_PART ? 0 : s == BS_BK_SYNACK ? 2 : 1;
}

int bench_conn_step(struct bench_conn *c, enum bench_step s, uint32_t first, unsigned n)
{
	struct rte_mbuf *in[32], *out[BENCH_OUT_CAP];
	unsigned k = 0, per_flow, bad = 0;
	bool to_backend;
	uint64_t t0, t1;
	uint16_t got;

	if (n > 32 || rte_pktmbuf_alloc_bulk(c->pool, in, n) != 0)
		return -ENOBUFS;
	for (unsigned j = 0; j < n; j++) {
		struct bench_seg g;
		struct dp_tcpopt o;

		bench_step_seg(c, s, first + j, j, &g, &o);
		bench_seg_frame(in[j], &c->dut, &g);
	}
	/* the worker's share: what the daemon's loop would do between rx and tx burst */
	t0 = rte_rdtsc();
	dp_worker_rx(c->w, 0, in, (uint16_t)n, t0);
	dp_worker_tick(c->w, t0);
	while (k + 32 <= BENCH_OUT_CAP && (got = dp_worker_tx_take(c->w, 0, out + k, 32)) > 0)
		k += got;
	t1 = rte_rdtsc();
	c->cycles += t1 - t0;
	c->frames_in += n;
	c->frames_out += k;

	bench_step_expect(s, &to_backend, &per_flow);
	for (unsigned x = 0; x < k; x++) {
		struct bench_out o;
		unsigned j;

		if (bench_out_read(out[x], &o) != 0 || o.flow - first >= n ||
		    (o.backend >= 0) != to_backend) {
			bad++;
			continue;
		}
		j = o.flow - first;
		if (s == BS_SYN && (o.flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK)) {
			c->cookie[j] = o.seq;
			c->cookie_tsval[j] = o.tsval;
		} else if (s == BS_HELLO && (o.flags & F_SYN) && o.flow < c->n_flows) {
			c->backend_of[o.flow] = (uint8_t)o.backend;
		}
	}
	rte_pktmbuf_free_bulk(out, k);
	return bad == 0 && k >= n * per_flow && (per_flow || k == 0) ? 0 : -EPROTO;
}
