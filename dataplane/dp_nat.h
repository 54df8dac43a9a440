/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and port rewrite of a forwarded IPv4/TCP packet with incremental
 * checksum updates; the TTL is decremented on the way. */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_csum.h"

/* The addresses and ports a packet leaves with (network order). An IPv6
 * variant takes the same shape with 16-byte addresses and no IP checksum. */
struct dp_nat4 {
	uint32_t src, dst;
	uint16_t sport, dport;
};

/*
 * Rewrite @ip/@tcp to @to and decrement the TTL; the caller has checked that
 * the TTL is above 1. Inline: every forwarded packet takes it.
 *
 * RFC 1624 eqn. 3 for every word at once: HC' = ~(~HC + sum(~m + m')), with
 * 32-bit words (2^16 = 1 modulo 0xffff, so a 32-bit word adds its two 16-bit
 * halves) in a 64-bit accumulator that cannot overflow, and one fold per
 * checksum. An unchanged field adds ~m + m, a one's complement zero, which
 * changes nothing (the sum is never +0: a fold yields zero only from zero),
 * so no field needs a test.
 */
static inline void dp_nat4_apply(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp,
				 const struct dp_nat4 *to)
{
	uint8_t ttl_proto[2] = { (uint8_t)(ip->time_to_live - 1), ip->next_proto_id };
	uint16_t ttl_proto_old, ttl_proto_new;
	uint32_t ports_old, ports_new;
	uint64_t addrs, ipc, tcpc;

	/* TTL shares a checksum word with the protocol; it is not in the TCP
	 * pseudo-header, so only the IP checksum changes. The new word is built
	 * in registers: reading it back after the byte store would stall on
	 * store-to-load forwarding (a wider load over a narrower store). */
	memcpy(&ttl_proto_old, &ip->time_to_live, 2);
	memcpy(&ttl_proto_new, ttl_proto, 2);
	memcpy(&ports_old, &tcp->src_port, 4);
	memcpy(&ports_new, &to->sport, 4);

	/* the addresses are in both checksums (TCP through the pseudo-header) */
	addrs = (uint64_t)(uint32_t)~ip->src_addr + to->src + (uint32_t)~ip->dst_addr + to->dst;
	ipc = (uint16_t)~ip->hdr_checksum + addrs + (uint16_t)~ttl_proto_old + ttl_proto_new;
	tcpc = (uint16_t)~tcp->cksum + addrs + (uint32_t)~ports_old + ports_new;

	ip->time_to_live = ttl_proto[0];
	ip->src_addr = to->src;
	ip->dst_addr = to->dst;
	memcpy(&tcp->src_port, &ports_new, 4);
	ip->hdr_checksum = (uint16_t)~dp_csum_fold64(ipc);
	tcp->cksum = (uint16_t)~dp_csum_fold64(tcpc);
}

#endif /* DP_NAT_H */
