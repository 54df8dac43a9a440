/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_test_util.h"
#include "dp_tls_seg.h"

/* MAC strings are literals: parse each once (the benchmark builds millions). */
static void mac_of(uint8_t out[6], const char *s)
{
	static struct {
		const char *s;
		uint8_t mac[6];
	} cache[8];
	unsigned i;

	for (i = 0; i < 8 && cache[i].s != NULL; i++)
		if (cache[i].s == s) {
			memcpy(out, cache[i].mac, 6);
			return;
		}
	dpt_mac(out, s);
	if (i < 8) {
		cache[i].s = s;
		memcpy(cache[i].mac, out, 6);
	}
}

size_t seg_build(uint8_t *buf, const struct seg *s)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	int olen = dp_tcpopt_build((uint8_t *)(tcp + 1), DP_TCPOPT_MAX_LEN, &s->o);

	assert_true(olen >= 0);
	mac_of(buf, s->dmac);
	mac_of(buf + 6, s->smac);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + olen + s->len));
	ip->time_to_live = 64;
	ip->next_proto_id = 6;
	ip->src_addr = s->src;
	ip->dst_addr = s->dst;
	memset(tcp, 0, sizeof(*tcp));
	tcp->src_port = rte_cpu_to_be_16(s->sport);
	tcp->dst_port = rte_cpu_to_be_16(s->dport);
	tcp->sent_seq = rte_cpu_to_be_32(s->seq);
	tcp->recv_ack = rte_cpu_to_be_32(s->ack);
	tcp->data_off = (uint8_t)((20 + olen) / 4) << 4;
	tcp->tcp_flags = s->flags;
	tcp->rx_win = rte_cpu_to_be_16(s->win);
	if (s->len)
		memcpy((uint8_t *)(tcp + 1) + olen, s->data, s->len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return 14 + 40 + (size_t)olen + s->len;
}

void seg_read(const uint8_t *f, size_t len, struct seg *s)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(ip + 1);
	unsigned doff = (tcp->data_off >> 4) * 4u;

	assert_true(dpt_ipv4_csum_ok(f, len));
	assert_true(dpt_tcp_csum_ok(f, len));
	memset(s, 0, sizeof(*s));
	s->src = ip->src_addr;
	s->dst = ip->dst_addr;
	s->sport = rte_be_to_cpu_16(tcp->src_port);
	s->dport = rte_be_to_cpu_16(tcp->dst_port);
	s->seq = rte_be_to_cpu_32(tcp->sent_seq);
	s->ack = rte_be_to_cpu_32(tcp->recv_ack);
	s->flags = tcp->tcp_flags;
	s->win = rte_be_to_cpu_16(tcp->rx_win);
	assert_int_equal(dp_tcpopt_parse((const uint8_t *)(tcp + 1), doff - 20, &s->o),
			 DP_TCPOPT_OK);
	s->data = (const uint8_t *)tcp + doff;
	s->len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20 - doff);
}
