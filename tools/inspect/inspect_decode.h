/* SPDX-License-Identifier: BSD-3-Clause */
/* Link, IP and TCP header decoding of one captured frame. */
#ifndef INSPECT_DECODE_H
#define INSPECT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPF_FIN 0x01u
#define TCPF_SYN 0x02u
#define TCPF_RST 0x04u
#define TCPF_ACK 0x10u

/* An address and port; family is 4 or 6, IPv4 addresses use the first 4 bytes. */
struct endpoint {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
};

struct tcp_packet {
	struct endpoint src, dst;
	uint32_t seq;
	uint8_t flags;
	bool payload_cut; /* the snapshot length cut the payload: it is unusable */
	const uint8_t *payload;
	size_t payload_len;
};

/* Why a frame yielded no TCP segment; the first ones are not worth a note. */
enum decode_result {
	DECODE_TCP = 0,
	DECODE_NOT_IP,
	DECODE_NOT_TCP,
	DECODE_IP_FRAGMENT,
	DECODE_TRUNCATED,  /* headers cut by the snapshot length */
	DECODE_BAD_HEADER, /* inconsistent lengths or version */
	DECODE__COUNT
};

/* Whether a link type (a DLT_ value from pcap_datalink()) can be decoded. */
bool decode_link_supported(int dlt);

/* Decode one frame; pkt's views point into data. */
enum decode_result decode_frame(int dlt, const uint8_t *data, size_t caplen,
				struct tcp_packet *pkt);

/* Textual address ("192.0.2.1", "2001:db8::1"); size of at least ENDPOINT_ADDRSTRLEN. */
#define ENDPOINT_ADDRSTRLEN 46
void endpoint_address(const struct endpoint *ep, char *buf, size_t size);

/* Short name of a non-TCP result, for notes. */
const char *decode_result_name(enum decode_result result);

#endif /* INSPECT_DECODE_H */
