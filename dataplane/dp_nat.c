/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dp_csum.h"
#include "dp_nat.h"

void dp_nat4_apply(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp, const struct dp_nat4 *to)
{
	uint16_t ipc = ip->hdr_checksum, tcpc = tcp->cksum;
	uint16_t ttl_proto_old, ttl_proto_new;

	/* TTL shares a checksum word with the protocol; it is not in the TCP
	 * pseudo-header, so only the IP checksum changes */
	memcpy(&ttl_proto_old, &ip->time_to_live, 2);
	ip->time_to_live--;
	memcpy(&ttl_proto_new, &ip->time_to_live, 2);
	ipc = dp_csum_replace16(ipc, ttl_proto_old, ttl_proto_new);

	/* addresses are in both checksums (TCP through the pseudo-header) */
	if (ip->src_addr != to->src) {
		ipc = dp_csum_replace32(ipc, ip->src_addr, to->src);
		tcpc = dp_csum_replace32(tcpc, ip->src_addr, to->src);
		ip->src_addr = to->src;
	}
	if (ip->dst_addr != to->dst) {
		ipc = dp_csum_replace32(ipc, ip->dst_addr, to->dst);
		tcpc = dp_csum_replace32(tcpc, ip->dst_addr, to->dst);
		ip->dst_addr = to->dst;
	}
	if (tcp->src_port != to->sport) {
		tcpc = dp_csum_replace16(tcpc, tcp->src_port, to->sport);
		tcp->src_port = to->sport;
	}
	if (tcp->dst_port != to->dport) {
		tcpc = dp_csum_replace16(tcpc, tcp->dst_port, to->dport);
		tcp->dst_port = to->dport;
	}
	ip->hdr_checksum = ipc;
	tcp->cksum = tcpc;
}
