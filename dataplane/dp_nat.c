/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dp_csum.h"
#include "dp_nat.h"

/* ~m + m' for a 32-bit field, as two 16-bit words (RFC 1624 eqn. 3). */
static inline uint32_t delta32(uint32_t old, uint32_t new)
{
	return (uint32_t)(uint16_t)~(old >> 16) + (uint16_t)~(old & 0xffff) + (new >> 16) +
	       (new & 0xffff);
}

static inline uint32_t delta16(uint16_t old, uint16_t new)
{
	return (uint32_t)(uint16_t)~old + new;
}

/*
 * RFC 1624 eqn. 3 for every changed word at once: HC' = ~(~HC + sum(~m + m')).
 * One's complement addition is associative and a fold yields zero only from a
 * zero sum, so this gives the very checksums dp_csum_replace16/32() applied
 * field by field would, with one fold per checksum instead of one per field.
 */
void dp_nat4_apply(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp, const struct dp_nat4 *to)
{
	uint32_t ipc = (uint16_t)~ip->hdr_checksum, tcpc = (uint16_t)~tcp->cksum, d;
	uint8_t ttl_proto[2] = { (uint8_t)(ip->time_to_live - 1), ip->next_proto_id };
	uint16_t ttl_proto_old, ttl_proto_new;

	/* TTL shares a checksum word with the protocol; it is not in the TCP
	 * pseudo-header, so only the IP checksum changes. The new word is built
	 * in registers: reading it back after the byte store would stall on
	 * store-to-load forwarding (a wider load over a narrower store). */
	memcpy(&ttl_proto_old, &ip->time_to_live, 2);
	memcpy(&ttl_proto_new, ttl_proto, 2);
	ip->time_to_live = ttl_proto[0];
	ipc += delta16(ttl_proto_old, ttl_proto_new);

	/* addresses are in both checksums (TCP through the pseudo-header) */
	if (ip->src_addr != to->src) {
		d = delta32(ip->src_addr, to->src);
		ipc += d;
		tcpc += d;
		ip->src_addr = to->src;
	}
	if (ip->dst_addr != to->dst) {
		d = delta32(ip->dst_addr, to->dst);
		ipc += d;
		tcpc += d;
		ip->dst_addr = to->dst;
	}
	if (tcp->src_port != to->sport) {
		tcpc += delta16(tcp->src_port, to->sport);
		tcp->src_port = to->sport;
	}
	if (tcp->dst_port != to->dport) {
		tcpc += delta16(tcp->dst_port, to->dport);
		tcp->dst_port = to->dport;
	}
	ip->hdr_checksum = (uint16_t)~dp_csum_fold(ipc);
	tcp->cksum = (uint16_t)~dp_csum_fold(tcpc);
}
