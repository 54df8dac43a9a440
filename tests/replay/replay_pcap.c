/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture rewriting for the replay tests. Only what the committed captures
 * hold is understood (TCP over IPv4 or IPv6 without extension headers, on
 * Ethernet, Linux cooked v1/v2, raw IP or BSD loopback): this is a test tool,
 * and an unexpected frame is an error, not a guess.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "replay_pcap.h"

#define SNAPLEN 262144
#define RESEGMENT_MIN_PAYLOAD 64

struct frame {
	struct pcap_pkthdr hdr;
	uint8_t *data;
};

struct capture {
	int dlt;
	struct frame *frames;
	size_t n, cap;
};

/* Where the layers of one frame are. */
struct layout {
	size_t l3;        /* IP header */
	unsigned version; /* 4 or 6 */
	size_t l4;        /* TCP header */
	size_t payload;   /* TCP payload */
	size_t payload_len;
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static int
link_len(int dlt, const uint8_t *data, size_t caplen, size_t *len)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -EINVAL;
		*len = get16(data + 12) == 0x8100 ? 18 : 14;
		return 0;
	case DLT_LINUX_SLL:
		*len = 16;
		return 0;
	case DLT_LINUX_SLL2:
		*len = 20;
		return 0;
	case DLT_NULL:
		*len = 4;
		return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*len = 0;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static int
frame_layout(int dlt, const struct frame *f, struct layout *lay)
{
	const uint8_t *d = f->data;
	size_t caplen = f->hdr.caplen, ip_end, doff;
	int rc;

	rc = link_len(dlt, d, caplen, &lay->l3);
	if (rc < 0)
		return rc;
	if (caplen < lay->l3 + 20)
		return -EINVAL;
	lay->version = d[lay->l3] >> 4;
	if (lay->version == 4) {
		if (d[lay->l3 + 9] != 6)
			return -EINVAL;
		lay->l4 = lay->l3 + (size_t)(d[lay->l3] & 0x0f) * 4;
		ip_end = lay->l3 + get16(d + lay->l3 + 2);
	} else if (lay->version == 6) {
		if (caplen < lay->l3 + 40 || d[lay->l3 + 6] != 6)
			return -EINVAL;
		lay->l4 = lay->l3 + 40;
		ip_end = lay->l4 + get16(d + lay->l3 + 4);
	} else {
		return -EINVAL;
	}
	if (ip_end > caplen || lay->l4 + 20 > ip_end)
		return -EINVAL;
	doff = (size_t)(d[lay->l4 + 12] >> 4) * 4;
	lay->payload = lay->l4 + doff;
	if (lay->payload > ip_end)
		return -EINVAL;
	lay->payload_len = ip_end - lay->payload;
	return 0;
}

static int
append(struct capture *c, const struct pcap_pkthdr *hdr, const uint8_t *data, size_t len)
{
	struct frame *f;

	if (c->n == c->cap) {
		size_t cap = c->cap != 0 ? c->cap * 2 : 64;

		f = realloc(c->frames, cap * sizeof(*f));
		if (f == NULL)
			return -ENOMEM;
		c->frames = f;
		c->cap = cap;
	}
	f = &c->frames[c->n];
	f->data = malloc(len != 0 ? len : 1);
	if (f->data == NULL)
		return -ENOMEM;
	memcpy(f->data, data, len);
	f->hdr = *hdr;
	f->hdr.caplen = f->hdr.len = (bpf_u_int32)len;
	c->n++;
	return 0;
}

/* A frame made of a new link header and an old frame's bytes from offset. */
static int
append_relinked(struct capture *c, const struct frame *f, const uint8_t *link, size_t link_len,
		size_t offset)
{
	size_t len = link_len + f->hdr.caplen - offset;
	uint8_t *buf = malloc(len);
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, link, link_len);
	memcpy(buf + link_len, f->data + offset, f->hdr.caplen - offset);
	rc = append(c, &f->hdr, buf, len);
	free(buf);
	return rc;
}

static void
capture_free(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->frames[i].data);
	free(c->frames);
	memset(c, 0, sizeof(*c));
}

static int
load(const char *src, struct capture *c, char *errbuf, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *p;
	int rc;

	memset(c, 0, sizeof(*c));
	p = pcap_open_offline(src, pcap_err);
	if (p == NULL) {
		snprintf(errbuf, errlen, "%s", pcap_err);
		return -EINVAL;
	}
	c->dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		if (hdr->caplen != hdr->len) {
			snprintf(errbuf, errlen, "%s: a frame is cut by the snapshot length", src);
			rc = -EINVAL;
			break;
		}
		rc = append(c, hdr, data, hdr->caplen);
		if (rc < 0)
			break;
	}
	if (rc == PCAP_ERROR) {
		snprintf(errbuf, errlen, "%s", pcap_geterr(p));
		rc = -EIO;
	}
	pcap_close(p);
	if (rc < 0 && rc != PCAP_ERROR_BREAK) {
		capture_free(c);
		return rc;
	}
	return 0;
}

static int
save(const struct capture *c, const char *dst, char *errbuf, size_t errlen)
{
	pcap_dumper_t *dumper;
	pcap_t *dead;
	size_t i;

	dead = pcap_open_dead(c->dlt, SNAPLEN);
	if (dead == NULL)
		return -ENOMEM;
	dumper = pcap_dump_open(dead, dst);
	if (dumper == NULL) {
		snprintf(errbuf, errlen, "%s", pcap_geterr(dead));
		pcap_close(dead);
		return -EIO;
	}
	for (i = 0; i < c->n; i++)
		pcap_dump((u_char *)dumper, &c->frames[i].hdr, c->frames[i].data);
	pcap_dump_close(dumper);
	pcap_close(dead);
	return 0;
}

static bool
has_payload(const struct capture *c, size_t i)
{
	struct layout lay;

	return frame_layout(c->dlt, &c->frames[i], &lay) == 0 && lay.payload_len != 0;
}

/*
 * Neighbouring data segments are swapped and the first of them sent again
 * afterwards (a late retransmission); other data segments are sent twice in
 * a row (a fast duplicate). Pure ACKs, SYNs and FINs keep their place.
 */
static int
xf_reorder(const struct capture *in, struct capture *out, unsigned *changes)
{
	const struct frame *f = in->frames;
	size_t i;
	int rc = 0;

	for (i = 0; i < in->n && rc == 0; i++) {
		if (i + 1 < in->n && has_payload(in, i) && has_payload(in, i + 1)) {
			rc = append(out, &f[i + 1].hdr, f[i + 1].data, f[i + 1].hdr.caplen);
			if (rc == 0)
				rc = append(out, &f[i].hdr, f[i].data, f[i].hdr.caplen);
			if (rc == 0)
				rc = append(out, &f[i + 1].hdr, f[i + 1].data, f[i + 1].hdr.caplen);
			*changes += 3;
			i++;
		} else if (has_payload(in, i)) {
			rc = append(out, &f[i].hdr, f[i].data, f[i].hdr.caplen);
			if (rc == 0)
				rc = append(out, &f[i].hdr, f[i].data, f[i].hdr.caplen);
			*changes += 1;
		} else {
			rc = append(out, &f[i].hdr, f[i].data, f[i].hdr.caplen);
		}
	}
	return rc;
}

static void
ipv4_checksum(uint8_t *ip)
{
	size_t len = (size_t)(ip[0] & 0x0f) * 4, i;
	uint32_t sum = 0;

	put16(ip + 10, 0);
	for (i = 0; i < len; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
}

/* The part [from, to) of a frame's payload as a segment of its own. */
static int
append_slice(struct capture *out, const struct frame *f, const struct layout *lay, size_t from,
	     size_t to, bool last)
{
	size_t len = lay->payload + (to - from);
	uint8_t *buf = malloc(len);
	uint8_t *ip, *tcp;
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, f->data, lay->payload);
	memcpy(buf + lay->payload, f->data + lay->payload + from, to - from);
	ip = buf + lay->l3;
	tcp = buf + lay->l4;
	if (lay->version == 4) {
		put16(ip + 2, (uint16_t)(len - lay->l3));
		ipv4_checksum(ip);
	} else {
		put16(ip + 4, (uint16_t)(len - lay->l4));
	}
	put32(tcp + 4, get32(tcp + 4) + (uint32_t)from);
	if (!last)
		tcp[13] &= (uint8_t)~0x09; /* FIN and PSH belong to the last piece */
	rc = append(out, &f->hdr, buf, len);
	free(buf);
	return rc;
}

/* Each data segment becomes [0, 2/3) and [1/3, 1): the middle third is sent twice. */
static int
xf_resegment(const struct capture *in, struct capture *out, unsigned *changes)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < in->n && rc == 0; i++) {
		const struct frame *f = &in->frames[i];
		struct layout lay;

		if (frame_layout(in->dlt, f, &lay) == 0 &&
		    lay.payload_len >= RESEGMENT_MIN_PAYLOAD) {
			size_t third = lay.payload_len / 3;

			rc = append_slice(out, f, &lay, 0, 2 * third, false);
			if (rc == 0)
				rc = append_slice(out, f, &lay, third, lay.payload_len, true);
			*changes += 1;
		} else {
			rc = append(out, &f->hdr, f->data, f->hdr.caplen);
		}
	}
	return rc;
}

static int
xf_relink(const struct capture *in, struct capture *out, enum pcap_transform xf, unsigned *changes)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t link[18];
	size_t i, len;
	int rc = 0;

	for (i = 0; i < in->n && rc == 0; i++) {
		const struct frame *f = &in->frames[i];
		struct layout lay;
		uint32_t family;

		rc = frame_layout(in->dlt, f, &lay);
		if (rc < 0)
			return rc;
		switch (xf) {
		case XF_VLAN:
			memcpy(link, macs, sizeof(macs));
			put16(link + 12, 0x8100);
			put16(link + 14, 100); /* VLAN 100, priority 0 */
			put16(link + 16, lay.version == 4 ? 0x0800 : 0x86dd);
			len = 18;
			break;
		case XF_NULL:
			/* host order, as BSD writes it; AF_INET6 differs by BSD, 30 is macOS */
			family = lay.version == 4 ? 2 : 30;
			memcpy(link, &family, sizeof(family));
			len = 4;
			break;
		case XF_IP_TYPE:
			if (lay.version != (out->dlt == DLT_IPV4 ? 4u : 6u))
				return -EINVAL;
			len = 0;
			break;
		default:
			len = 0;
			break;
		}
		rc = append_relinked(out, f, link, len, lay.l3);
		*changes += 1;
	}
	return rc;
}

/*
 * Every IPv6 frame gets a hop-by-hop and a destination options header (RFC 8200
 * 4.3, 4.6), each 8 bytes of PadN.
 */
static int
xf_ipv6_ext(const struct capture *in, struct capture *out, unsigned *changes)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < in->n && rc == 0; i++) {
		const struct frame *f = &in->frames[i];
		uint8_t ext[16] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0 };
		struct layout lay;
		size_t len = f->hdr.caplen + sizeof(ext);
		uint8_t *buf;

		if (frame_layout(in->dlt, f, &lay) < 0 || lay.version != 6) {
			rc = append(out, &f->hdr, f->data, f->hdr.caplen);
			continue;
		}
		buf = malloc(len);
		if (buf == NULL)
			return -ENOMEM;
		memcpy(buf, f->data, lay.l4);
		memcpy(buf + lay.l4, ext, sizeof(ext));
		memcpy(buf + lay.l4 + sizeof(ext), f->data + lay.l4, f->hdr.caplen - lay.l4);
		buf[lay.l3 + 6] = 0; /* next header: hop-by-hop */
		put16(buf + lay.l3 + 4, (uint16_t)(get16(buf + lay.l3 + 4) + sizeof(ext)));
		rc = append(out, &f->hdr, buf, len);
		free(buf);
		*changes += 1;
	}
	return rc;
}

/* Pure ACKs (no payload, no SYN, FIN or RST) matter to no parser: make them fragments. */
static int
xf_fragment_acks(const struct capture *in, struct capture *out, unsigned *changes)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < in->n && rc == 0; i++) {
		const struct frame *f = &in->frames[i];
		struct layout lay;
		uint8_t *ip;

		rc = append(out, &f->hdr, f->data, f->hdr.caplen);
		if (rc < 0 || frame_layout(in->dlt, f, &lay) < 0 || lay.version != 4 ||
		    lay.payload_len != 0 || f->data[lay.l4 + 13] != 0x10)
			continue;
		ip = out->frames[out->n - 1].data + lay.l3;
		put16(ip + 6, 1); /* fragment offset 8 bytes */
		ipv4_checksum(ip);
		*changes += 1;
	}
	return rc;
}

/* The source port of the first data segment: the client's, in a TLS capture. */
static int
client_port(const struct capture *c, uint16_t *port)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct layout lay;

		if (frame_layout(c->dlt, &c->frames[i], &lay) == 0 && lay.payload_len != 0) {
			*port = get16(c->frames[i].data + lay.l4);
			return 0;
		}
	}
	return -ENOENT;
}

static int
xf_damage(const struct capture *in, struct capture *out, enum pcap_transform xf, unsigned *changes)
{
	unsigned client_segments = 0;
	uint16_t port;
	size_t i;
	int rc;

	rc = client_port(in, &port);
	for (i = 0; i < in->n && rc == 0; i++) {
		const struct frame *f = &in->frames[i];
		struct layout lay;
		bool client_data = frame_layout(in->dlt, f, &lay) == 0 && lay.payload_len != 0 &&
				   get16(f->data + lay.l4) == port;

		if (xf == XF_DROP_SYNS && frame_layout(in->dlt, f, &lay) == 0 &&
		    (f->data[lay.l4 + 13] & 0x02)) {
			*changes += 1;
			continue;
		}
		if (client_data)
			client_segments++;
		if (client_data && (xf == XF_NO_CLIENT_PAYLOAD ||
				    (xf == XF_LOSE_SECOND_SEGMENT && client_segments == 2))) {
			*changes += 1;
			continue;
		}
		rc = append(out, &f->hdr, f->data, f->hdr.caplen);
		if (rc == 0 && client_data && xf == XF_CLIENT_NOT_TLS && client_segments == 1) {
			out->frames[out->n - 1].data[lay.payload] = 'G';
			*changes += 1;
		}
	}
	return rc;
}

int
pcap_transform_file(const char *src, const char *dst, enum pcap_transform xf, unsigned *changes,
		    char *errbuf, size_t errlen)
{
	struct capture in, out = { 0 };
	struct layout lay;
	int rc;

	*changes = 0;
	errbuf[0] = '\0';
	rc = load(src, &in, errbuf, errlen);
	if (rc < 0)
		return rc;
	out.dlt = in.dlt;
	switch (xf) {
	case XF_REORDER:
		rc = xf_reorder(&in, &out, changes);
		break;
	case XF_RESEGMENT:
		rc = xf_resegment(&in, &out, changes);
		break;
	case XF_RAW:
		out.dlt = DLT_RAW;
		rc = xf_relink(&in, &out, xf, changes);
		break;
	case XF_VLAN:
		out.dlt = DLT_EN10MB;
		rc = xf_relink(&in, &out, xf, changes);
		break;
	case XF_NULL:
		out.dlt = DLT_NULL;
		rc = xf_relink(&in, &out, xf, changes);
		break;
	case XF_IP_TYPE:
		rc = in.n != 0 ? frame_layout(in.dlt, &in.frames[0], &lay) : -EINVAL;
		if (rc == 0) {
			out.dlt = lay.version == 4 ? DLT_IPV4 : DLT_IPV6;
			rc = xf_relink(&in, &out, xf, changes);
		}
		break;
	case XF_IPV6_EXT:
		rc = xf_ipv6_ext(&in, &out, changes);
		break;
	case XF_FRAGMENT_ACKS:
		rc = xf_fragment_acks(&in, &out, changes);
		break;
	case XF_CLIENT_NOT_TLS:
	case XF_NO_CLIENT_PAYLOAD:
	case XF_LOSE_SECOND_SEGMENT:
	case XF_DROP_SYNS:
		rc = xf_damage(&in, &out, xf, changes);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc == 0)
		rc = save(&out, dst, errbuf, errlen);
	else if (errbuf[0] == '\0')
		snprintf(errbuf, errlen, "%s: cannot transform: %s", src, strerror(-rc));
	capture_free(&in);
	capture_free(&out);
	return rc;
}

int
pcap_write_empty(const char *dst)
{
	struct capture empty = { .dlt = DLT_EN10MB };
	char errbuf[PCAP_ERRBUF_SIZE];

	return save(&empty, dst, errbuf, sizeof(errbuf));
}
