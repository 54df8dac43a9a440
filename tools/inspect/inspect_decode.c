/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame decoding: link header -> IPv4/IPv6 (extension headers walked) -> TCP.
 * Every length is checked against both the captured bytes and the length the
 * enclosing header claims; the IP length, not the capture length, ends the TCP
 * payload, because short Ethernet frames carry padding.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/dlt.h>

#include "inspect_decode.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u
#define ETHERTYPE_QINQ 0x88a8u
#define ETHERTYPE_QINQ_OLD 0x9100u
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT_HEADERS 8

#define IPPROTO_NUM_HOPOPTS 0
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_ROUTING 43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_AH 51
#define IPPROTO_NUM_DSTOPTS 60

/* Where the IP header starts and which version the link layer says it is (0: look). */
struct l3_start {
	size_t off;
	unsigned version;
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum decode_result
version_from_ethertype(uint16_t type, unsigned *version)
{
	if (type == ETHERTYPE_IPV4)
		*version = 4;
	else if (type == ETHERTYPE_IPV6)
		*version = 6;
	else
		return DECODE_NOT_IP;
	return DECODE_TCP;
}

static bool
is_vlan_ethertype(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
}

static enum decode_result
strip_ethernet(const uint8_t *data, size_t caplen, struct l3_start *l3)
{
	size_t type_off = 12;
	uint16_t type;
	int tags = 0;

	if (caplen < 14)
		return DECODE_TRUNCATED;
	type = get16(data + type_off);
	while (is_vlan_ethertype(type)) {
		if (++tags > MAX_VLAN_TAGS)
			return DECODE_NOT_IP;
		/* the tag is TPID (already read), TCI, then the next type */
		type_off += 4;
		if (caplen < type_off + 2)
			return DECODE_TRUNCATED;
		type = get16(data + type_off);
	}
	l3->off = type_off + 2;
	return version_from_ethertype(type, &l3->version);
}

static enum decode_result
strip_link(int dlt, const uint8_t *data, size_t caplen, struct l3_start *l3)
{
	l3->version = 0;
	switch (dlt) {
	case DLT_EN10MB:
		return strip_ethernet(data, caplen, l3);
	case DLT_LINUX_SLL:
		/* packet type, ARPHRD type, address length, 8 address bytes, protocol */
		if (caplen < 16)
			return DECODE_TRUNCATED;
		l3->off = 16;
		return version_from_ethertype(get16(data + 14), &l3->version);
	case DLT_LINUX_SLL2:
		/* protocol first, then reserved, ifindex, ARPHRD type, packet type, address */
		if (caplen < 20)
			return DECODE_TRUNCATED;
		l3->off = 20;
		return version_from_ethertype(get16(data), &l3->version);
	case DLT_NULL:
	case DLT_LOOP:
		/* the 4-byte family is in the capturing host's order: trust the IP header */
		l3->off = 4;
		return DECODE_TCP;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		l3->off = 0;
		l3->version = dlt == DLT_IPV4 ? 4 : dlt == DLT_IPV6 ? 6 : 0;
		return DECODE_TCP;
	default:
		return DECODE_NOT_IP;
	}
}

bool
decode_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

/* On DECODE_TCP: *l4 is the TCP header offset, *end the end of the IP payload. */
static enum decode_result
decode_ipv4(const uint8_t *data, size_t caplen, size_t off, struct tcp_packet *pkt, size_t *l4,
	    size_t *end)
{
	const uint8_t *ip = data + off;
	size_t ihl, total;

	if (caplen < off + 20)
		return DECODE_TRUNCATED;
	if (ip[0] >> 4 != 4)
		return DECODE_BAD_HEADER;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = get16(ip + 2);
	if (ihl < 20 || total < ihl)
		return DECODE_BAD_HEADER;
	if (caplen < off + ihl)
		return DECODE_TRUNCATED;
	/* more-fragments flag or a non-zero offset: the TCP header may be elsewhere */
	if (get16(ip + 6) & 0x3fffu)
		return DECODE_IP_FRAGMENT;
	if (ip[9] != IPPROTO_NUM_TCP)
		return DECODE_NOT_TCP;
	pkt->src.family = pkt->dst.family = 4;
	memcpy(pkt->src.addr, ip + 12, 4);
	memcpy(pkt->dst.addr, ip + 16, 4);
	*l4 = off + ihl;
	*end = off + total;
	return DECODE_TCP;
}

/* RFC 8200 section 4: walk hop-by-hop, routing, fragment, destination options and AH. */
static enum decode_result
decode_ipv6(const uint8_t *data, size_t caplen, size_t off, struct tcp_packet *pkt, size_t *l4,
	    size_t *end)
{
	const uint8_t *ip = data + off;
	size_t cur, ip_end, hlen;
	uint8_t next;
	int n;

	if (caplen < off + 40)
		return DECODE_TRUNCATED;
	if (ip[0] >> 4 != 6)
		return DECODE_BAD_HEADER;
	/* a zero payload length means a jumbogram (or a capture before segmentation) */
	if (get16(ip + 4) == 0)
		return DECODE_BAD_HEADER;
	ip_end = off + 40 + get16(ip + 4);
	next = ip[6];
	cur = off + 40;
	for (n = 0; next != IPPROTO_NUM_TCP; n++) {
		const uint8_t *ext = data + cur;

		if (n == MAX_IPV6_EXT_HEADERS)
			return DECODE_NOT_TCP;
		if (next != IPPROTO_NUM_HOPOPTS && next != IPPROTO_NUM_ROUTING &&
		    next != IPPROTO_NUM_DSTOPTS && next != IPPROTO_NUM_AH &&
		    next != IPPROTO_NUM_FRAGMENT)
			return DECODE_NOT_TCP;
		if (cur + 8 > ip_end)
			return DECODE_BAD_HEADER;
		if (cur + 8 > caplen)
			return DECODE_TRUNCATED;
		if (next == IPPROTO_NUM_FRAGMENT) {
			uint16_t offset_flags = get16(ext + 2);

			/* only an atomic fragment (offset 0, no more fragments) is whole */
			if ((offset_flags >> 3) != 0 || (offset_flags & 1u))
				return DECODE_IP_FRAGMENT;
			hlen = 8;
		} else if (next == IPPROTO_NUM_AH) {
			hlen = ((size_t)ext[1] + 2) * 4;
		} else {
			hlen = ((size_t)ext[1] + 1) * 8;
		}
		next = ext[0];
		cur += hlen;
		if (cur > ip_end)
			return DECODE_BAD_HEADER;
	}
	pkt->src.family = pkt->dst.family = 6;
	memcpy(pkt->src.addr, ip + 8, 16);
	memcpy(pkt->dst.addr, ip + 24, 16);
	*l4 = cur;
	*end = ip_end;
	return DECODE_TCP;
}

static enum decode_result
decode_tcp(const uint8_t *data, size_t caplen, size_t l4, size_t end, struct tcp_packet *pkt)
{
	const uint8_t *th = data + l4;
	size_t doff;

	if (l4 + 20 > end)
		return DECODE_BAD_HEADER;
	if (l4 + 20 > caplen)
		return DECODE_TRUNCATED;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || l4 + doff > end)
		return DECODE_BAD_HEADER;
	if (l4 + doff > caplen)
		return DECODE_TRUNCATED;
	pkt->src.port = get16(th);
	pkt->dst.port = get16(th + 2);
	pkt->seq = get32(th + 4);
	pkt->flags = th[13];
	pkt->payload = data + l4 + doff;
	pkt->payload_len = end - (l4 + doff);
	pkt->payload_cut = false;
	if (end > caplen) {
		/* half a segment would corrupt the stream: leave a hole instead */
		pkt->payload_cut = pkt->payload_len != 0;
		pkt->payload_len = 0;
	}
	return DECODE_TCP;
}

enum decode_result
decode_frame(int dlt, const uint8_t *data, size_t caplen, struct tcp_packet *pkt)
{
	struct l3_start l3;
	enum decode_result res;
	size_t l4 = 0, end = 0;
	unsigned version;

	memset(pkt, 0, sizeof(*pkt));
	res = strip_link(dlt, data, caplen, &l3);
	if (res != DECODE_TCP)
		return res;
	if (caplen <= l3.off)
		return DECODE_TRUNCATED;
	version = data[l3.off] >> 4;
	if (l3.version != 0 && l3.version != version)
		return DECODE_BAD_HEADER;
	if (version == 4)
		res = decode_ipv4(data, caplen, l3.off, pkt, &l4, &end);
	else if (version == 6)
		res = decode_ipv6(data, caplen, l3.off, pkt, &l4, &end);
	else
		return l3.version != 0 ? DECODE_BAD_HEADER : DECODE_NOT_IP;
	if (res != DECODE_TCP)
		return res;
	return decode_tcp(data, caplen, l4, end, pkt);
}

const char *
decode_result_name(enum decode_result result)
{
	static const char *const names[DECODE__COUNT] = {
		[DECODE_TCP] = "tcp",
		[DECODE_NOT_IP] = "not IP",
		[DECODE_NOT_TCP] = "not TCP",
		[DECODE_IP_FRAGMENT] = "IP fragment",
		[DECODE_TRUNCATED] = "headers cut by the snapshot length",
		[DECODE_BAD_HEADER] = "bad IP/TCP header",
	};

	if ((unsigned)result >= DECODE__COUNT)
		return "?";
	return names[result];
}

void
endpoint_address(const struct endpoint *ep, char *buf, size_t size)
{
	if (inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}
