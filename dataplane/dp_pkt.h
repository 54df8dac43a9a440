/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet / ARP / IPv4 / TCP header validation of a received frame. */
#ifndef DP_PKT_H
#define DP_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp_worker.h"

/* Returned by the parsers when the packet passed every check. */
#define DP_PASS DP_DROP__COUNT

enum dp_pkt_kind { DP_PKT_ARP, DP_PKT_IPV4 };

/* Views into the first segment of a validated frame; only those of its
 * kind are set. */
struct dp_pkt {
	uint8_t kind;            /* enum dp_pkt_kind */
	uint8_t proto;           /* IPv4 protocol */
	uint16_t ip_len;         /* IPv4 total length */
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp; /* DP_PKT_ARP */
	struct rte_ipv4_hdr *ip; /* DP_PKT_IPV4 */
	struct rte_tcp_hdr *tcp; /* DP_PKT_IPV4 and proto TCP */
};

/* @mac as a 64-bit word whose first six bytes in memory are the address and
 * the last two zero: a frame's destination is compared with one load. */
static inline uint64_t dp_pkt_mac_word(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return w;
}

/*
 * Validate Ethernet (addressed to the port, whose MAC is @port_mac, a
 * dp_pkt_mac_word(), or broadcast), then ARP or IPv4, then TCP when the
 * protocol is TCP.
 * IPv4 packets with options are refused (DP_DROP_IP_OPTIONS): tlslb only
 * forwards, and the options that matter to a forwarder (record route,
 * timestamps, source routes) would need processing, not copying. Ethernet
 * padding beyond the IPv4 total length is trimmed.
 * Returns DP_PASS or the reason to drop.
 */
enum dp_drop dp_pkt_parse(struct rte_mbuf *m, uint64_t port_mac, struct dp_pkt *p);

#endif /* DP_PKT_H */
