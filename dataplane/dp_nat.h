/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and port rewrite of a forwarded IPv4/TCP packet with incremental
 * checksum updates; the TTL is decremented on the way. */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_tcp.h>

/* The addresses and ports a packet leaves with (network order). An IPv6
 * variant takes the same shape with 16-byte addresses and no IP checksum. */
struct dp_nat4 {
	uint32_t src, dst;
	uint16_t sport, dport;
};

/* Rewrite @ip/@tcp to @to (unchanged fields cost nothing) and decrement the
 * TTL; the caller has checked that the TTL is above 1. */
void dp_nat4_apply(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp, const struct dp_nat4 *to);

#endif /* DP_NAT_H */
