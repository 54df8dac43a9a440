/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames for the process tests, built and checked byte by byte without DPDK,
 * so that the daemon's rewrite is judged by code that shares nothing with it.
 */
#ifndef PROC_FRAME_H
#define PROC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROC_FRAME_MAX 2048

#define PROC_TCP_FIN 0x01
#define PROC_TCP_SYN 0x02
#define PROC_TCP_RST 0x04
#define PROC_TCP_PSH 0x08
#define PROC_TCP_ACK 0x10

struct proc_frame {
	uint8_t data[PROC_FRAME_MAX];
	size_t len;
};

/** An endpoint as the tests write it: MAC, IPv4 "a.b.c.d", TCP port. */
struct proc_host {
	uint8_t mac[6];
	uint32_t ip; /* host byte order */
};

/** A TCP segment to build. */
struct proc_tcp {
	uint32_t sip, dip;  /* host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t ttl;
	const char *payload; /* NUL-terminated, may be NULL */
	bool mss_option;     /* add an MSS option, as SYNs carry */
};

/** A TCP segment as read back from a frame. */
struct proc_tcp_view {
	uint8_t dmac[6], smac[6];
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, ttl;
	size_t payload_len;
	const uint8_t *payload;
	bool ip_csum_ok, tcp_csum_ok;
};

/** An ARP packet as read back from a frame. */
struct proc_arp_view {
	uint8_t dmac[6], smac[6];
	uint16_t op;
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa;
};

uint32_t proc_ip(const char *dotted);
void proc_mac(uint8_t mac[6], const char *text);

/** An ARP request from @p from asking for @p target, broadcast. */
void proc_build_arp_request(struct proc_frame *f, const struct proc_host *from, uint32_t target);

/** An Ethernet/IPv4/TCP frame with correct checksums. */
void proc_build_tcp(struct proc_frame *f, const uint8_t dmac[6], const uint8_t smac[6],
		    const struct proc_tcp *t);

/** Parse an Ethernet/IPv4/TCP frame and verify both checksums from scratch. */
bool proc_parse_tcp(const uint8_t *p, size_t len, struct proc_tcp_view *v);

/** Parse an Ethernet/ARP frame for IPv4 over Ethernet. */
bool proc_parse_arp(const uint8_t *p, size_t len, struct proc_arp_view *v);

#endif /* PROC_FRAME_H */
