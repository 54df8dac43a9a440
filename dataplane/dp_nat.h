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

/* Decrementing the TTL, the high byte of its checksum word in network order,
 * subtracts 0x0100 from that word whatever the TTL (above 0): a constant. */
#define DP_NAT_TTL_DELTA ((uint16_t)~RTE_BE16(0x0100))

/*
 * Finish a rewrite whose fields the caller has stored: decrement the TTL
 * (the caller has checked that it is above 1) and update both checksums.
 * @d_addr: the deltas of the changed addresses, which both checksums cover
 * (TCP through its pseudo-header); @d_tcp: those of the changed ports and
 * any other TCP-only change (a spliced flow's sequence numbers), from
 * dp_csum_delta16/32(); the VIP-to-backend ones are computed with the
 * service table (dp_svc.h), since every packet of a flow makes them. Each is a
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
