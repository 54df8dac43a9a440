/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_byteorder.h>

#include "dp_csum.h"
#include "dp_pkt.h"

#define IPV4_HDR_MIN 20
#define TCP_HDR_MIN 20

static enum dp_drop parse_arp(struct rte_mbuf *m, struct dp_pkt *p)
{
	struct rte_arp_hdr *a;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*a))
		return DP_DROP_ARP_MALFORMED;
	a = (struct rte_arp_hdr *)(p->eth + 1);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)
		return DP_DROP_ARP_MALFORMED;
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    a->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return DP_DROP_ARP_MALFORMED;
	p->kind = DP_PKT_ARP;
	p->arp = a;
	return DP_PASS;
}

/* Sources no host may use: this network, loopback, multicast, class E, broadcast. */
static int bad_source(uint32_t src_be)
{
	uint32_t a = rte_be_to_cpu_32(src_be);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

static enum dp_drop parse_tcp(struct rte_mbuf *m, struct dp_pkt *p, unsigned l3_off,
			      unsigned ihl)
{
	unsigned payload = p->ip_len - ihl;
	unsigned doff;

	if (payload < TCP_HDR_MIN || rte_pktmbuf_data_len(m) < l3_off + ihl + TCP_HDR_MIN)
		return DP_DROP_TCP_TRUNC;
	p->tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l3_off + ihl);
	doff = (p->tcp->data_off >> 4) * 4u;
	if (doff < TCP_HDR_MIN || doff > payload)
		return DP_DROP_TCP_DOFF;
	/* Options are read in place: they must sit in the first segment too. */
	if (rte_pktmbuf_data_len(m) < l3_off + ihl + doff)
		return DP_DROP_TCP_TRUNC;
	return DP_PASS;
}

static enum dp_drop parse_ipv4(struct rte_mbuf *m, struct dp_pkt *p)
{
	const unsigned l3_off = sizeof(struct rte_ether_hdr);
	unsigned frame_l3 = rte_pktmbuf_pkt_len(m) - l3_off;
	struct rte_ipv4_hdr *ip;
	unsigned ihl;
	uint64_t csum_flags;

	/* headers are only read from the first segment */
	if (rte_pktmbuf_data_len(m) < l3_off + IPV4_HDR_MIN)
		return DP_DROP_IP_TRUNC;
	ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	if ((ip->version_ihl >> 4) != 4)
		return DP_DROP_IP_VERSION;
	ihl = (ip->version_ihl & 0xf) * 4u;
	if (ihl < IPV4_HDR_MIN)
		return DP_DROP_IP_IHL;
	if (rte_pktmbuf_data_len(m) < l3_off + ihl)
		return DP_DROP_IP_TRUNC;
	p->ip_len = rte_be_to_cpu_16(ip->total_length);
	if (p->ip_len < ihl || p->ip_len > frame_l3)
		return DP_DROP_IP_LEN;

	csum_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return DP_DROP_IP_CSUM;
	if (csum_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !dp_csum_ipv4_ok(ip, ihl))
		return DP_DROP_IP_CSUM;

	if (ihl != IPV4_HDR_MIN)
		return DP_DROP_IP_OPTIONS;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DP_DROP_IP_FRAG;
	if (bad_source(ip->src_addr))
		return DP_DROP_IP_SRC;

	/* Ethernet pads short frames; the padding is not ours to forward.
	 * Cut in place: rte_pktmbuf_trim() would look for the last segment of
	 * every small frame (most ACKs are padded). */
	if (frame_l3 > p->ip_len && m->nb_segs == 1) {
		m->data_len = (uint16_t)(l3_off + p->ip_len);
		m->pkt_len = l3_off + p->ip_len;
	}

	p->kind = DP_PKT_IPV4;
	p->ip = ip;
	p->proto = ip->next_proto_id;
	if (p->proto == IPPROTO_TCP)
		return parse_tcp(m, p, l3_off, ihl);
	return DP_PASS;
}

enum dp_drop dp_pkt_parse(struct rte_mbuf *m, const struct rte_ether_addr *port_mac,
			  struct dp_pkt *p)
{
	struct rte_ether_hdr *eth;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth))
		return DP_DROP_ETH_TRUNC;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	p->eth = eth;
	if (!rte_is_broadcast_ether_addr(&eth->dst_addr) &&
	    !rte_is_same_ether_addr(&eth->dst_addr, port_mac))
		return DP_DROP_ETH_DST;

	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return parse_arp(m, p);
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return parse_ipv4(m, p);
	default:
		return DP_DROP_ETH_TYPE;
	}
}
