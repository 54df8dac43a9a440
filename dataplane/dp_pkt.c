/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

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

/* Sources no host may use: this network, loopback, multicast, class E,
 * broadcast; all told by the first byte. Inline in both copies of the IPv4
 * checks: a call there costs more than the test. */
static inline __attribute__((always_inline)) int bad_source(uint32_t src_be)
{
	uint8_t first;

	memcpy(&first, &src_be, 1);
	return first == 0 || first == 127 || first >= 0xe0;
}

/* The checks that depend on the IPv4 header length @ihl, always inlined:
 * parse_ipv4() calls it with a constant 20 for the usual header, and the
 * checks that a 20-byte header passes by construction fold away. */
static inline __attribute__((always_inline)) enum dp_drop
parse_ipv4_rest(struct rte_mbuf *m, struct dp_pkt *p, struct rte_ipv4_hdr *ip, unsigned ihl)
{
	const unsigned l3_off = sizeof(struct rte_ether_hdr);
	unsigned frame_l3 = rte_pktmbuf_pkt_len(m) - l3_off;
	unsigned ip_len, payload, doff;
	uint64_t csum_flags;

	if (rte_pktmbuf_data_len(m) < l3_off + ihl)
		return DP_DROP_IP_TRUNC;
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ip_len < ihl || ip_len > frame_l3)
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
	if (frame_l3 > ip_len && m->nb_segs == 1) {
		m->data_len = (uint16_t)(l3_off + ip_len);
		m->pkt_len = l3_off + ip_len;
	}

	p->kind = DP_PKT_IPV4;
	p->ip = ip;
	p->ip_len = (uint16_t)ip_len;
	p->proto = ip->next_proto_id;
	if (p->proto != IPPROTO_TCP)
		return DP_PASS;

	payload = ip_len - ihl;
	if (payload < TCP_HDR_MIN || rte_pktmbuf_data_len(m) < l3_off + ihl + TCP_HDR_MIN)
		return DP_DROP_TCP_TRUNC;
	p->tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
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
	struct rte_ipv4_hdr *ip;
	unsigned ihl;

	/* headers are only read from the first segment */
	if (rte_pktmbuf_data_len(m) < l3_off + IPV4_HDR_MIN)
		return DP_DROP_IP_TRUNC;
	ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	if (likely(ip->version_ihl == (4 << 4 | IPV4_HDR_MIN / 4)))
		return parse_ipv4_rest(m, p, ip, IPV4_HDR_MIN);
	if ((ip->version_ihl >> 4) != 4)
		return DP_DROP_IP_VERSION;
	ihl = (ip->version_ihl & 0xf) * 4u;
	if (ihl < IPV4_HDR_MIN)
		return DP_DROP_IP_IHL;
	return parse_ipv4_rest(m, p, ip, ihl);
}

static const struct rte_ether_addr eth_broadcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
};

enum dp_drop dp_pkt_parse(struct rte_mbuf *m, uint64_t port_mac, struct dp_pkt *p)
{
	/* a constant: as a word, the broadcast address is also the mask of
	 * the destination's bytes */
	const uint64_t broadcast = dp_pkt_mac_word(&eth_broadcast);
	struct rte_ether_hdr *eth;
	uint64_t dst;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth))
		return DP_DROP_ETH_TRUNC;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	p->eth = eth;
	/* the destination and two bytes of the source in one load */
	memcpy(&dst, eth, sizeof(dst));
	dst &= broadcast;
	if (dst != port_mac && dst != broadcast)
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
