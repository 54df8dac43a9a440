/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and port rewrite of a forwarded IPv4/TCP packet with incremental
 * checksum updates; the TTL is decremented on the way. The caller stores the
 * new fields and adds up their deltas; an IPv6 variant takes the same shape
 * with 16-byte addresses and no IP checksum. */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_csum.h"

/*
 * What replacing a field adds to a checksum (RFC 1624 eqn. 3: HC' =
 * ~(~HC + ~m + m')), folded to 16 bits. It depends only on the old and new
 * values, so a rewrite every packet of a flow makes (a VIP and its backend)
 * is computed once, when the service table is built (dp_svc.h), and a packet
 * pays one addition. Words are taken in memory order, like the checksum
 * field: one's complement sums do not care which byte comes first, as long
 * as every word is read the same way.
 */
static inline uint16_t dp_nat_delta32(uint32_t old, uint32_t new)
{
	return dp_csum_fold64((uint64_t)(uint32_t)~old + new);
}

static inline uint16_t dp_nat_delta16(uint16_t old, uint16_t new)
{
	return dp_csum_fold((uint32_t)(uint16_t)~old + new);
}

/* The reverse rewrite's delta (new back to old): its one's complement negation. */
static inline uint16_t dp_nat_delta_neg(uint16_t d)
{
	return (uint16_t)~d;
}

/* Decrementing the TTL, the high byte of its checksum word in network order,
 * subtracts 0x0100 from that word whatever the TTL (above 0): a constant. */
#define DP_NAT_TTL_DELTA ((uint16_t)~RTE_BE16(0x0100))

/*
 * Finish a rewrite whose fields the caller has stored: decrement the TTL
 * (the caller has checked that it is above 1) and update both checksums.
 * @d_addr: the deltas of the changed addresses, which both checksums cover
 * (TCP through its pseudo-header); @d_tcp: those of the changed ports and
 * any other TCP-only change (a spliced flow's sequence numbers). Each is a
 * sum of 16-bit deltas (a 32-bit sum folds exactly). Inline: every forwarded
 * packet takes it.
 */
static inline void dp_nat4_finish(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp,
				  uint32_t d_addr, uint32_t d_tcp)
{
	uint32_t ipc = (uint32_t)(uint16_t)~ip->hdr_checksum + d_addr + DP_NAT_TTL_DELTA;
	uint32_t tcpc = (uint32_t)(uint16_t)~tcp->cksum + d_addr + d_tcp;

	ip->time_to_live--;
	ip->hdr_checksum = (uint16_t)~dp_csum_fold(ipc);
	tcp->cksum = (uint16_t)~dp_csum_fold(tcpc);
}

#endif /* DP_NAT_H */
