/* SPDX-License-Identifier: BSD-3-Clause */
/* Segments tlslb writes itself in mode tls: cookie SYN-ACKs, SYNs and ACKs
 * to backends, the replayed hello, resets. */
#include <string.h>

#include <rte_ip.h>

#include "dp_internal.h"
#include "dp_tls.h"

/* A whole Ethernet/IPv4/TCP frame (MACs left to the neighbour step),
 * checksums computed from scratch. */
static struct rte_mbuf *build(struct dp_worker *w, const struct dp_tcpout *o)
{
	uint8_t optbuf[DP_TCPOPT_MAX_LEN];
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	struct rte_mbuf *m;
	int olen = 0;
	char *p;

	if (o->opts) {
		olen = dp_tcpopt_build(optbuf, sizeof(optbuf), o->opts);
		if (olen < 0)
			olen = 0;
	}
	m = rte_pktmbuf_alloc(w->mp);
	if (m == NULL) {
		w->st.drop[DP_DROP_NO_MBUF]++;
		return NULL;
	}
	p = rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) +
					     sizeof(*tcp) + olen + o->len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		w->st.drop[DP_DROP_NO_MBUF]++;
		return NULL;
	}
	memset(p, 0, sizeof(struct rte_ether_hdr));
	((struct rte_ether_hdr *)p)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = 0x45,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*tcp) + olen + o->len)),
		.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = o->src,
		.dst_addr = o->dst,
	};
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	*tcp = (struct rte_tcp_hdr){
		.src_port = o->sport,
		.dst_port = o->dport,
		.sent_seq = rte_cpu_to_be_32(o->seq),
		.recv_ack = rte_cpu_to_be_32(o->ack),
		.data_off = (uint8_t)(((sizeof(*tcp) + olen) / 4) << 4),
		.tcp_flags = o->flags,
		.rx_win = rte_cpu_to_be_16(o->win),
	};
	memcpy(tcp + 1, optbuf, olen);
	if (o->len)
		memcpy((uint8_t *)(tcp + 1) + olen, o->data, o->len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return m;
}

void dp_tcpout_send(struct dp_worker *w, uint32_t slot, const struct dp_tcpout *o)
{
	struct rte_mbuf *m = build(w, o);

	if (m != NULL)
		dp_xmit_neigh(w, slot, m);
}
