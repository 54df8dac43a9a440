/* SPDX-License-Identifier: BSD-3-Clause */
#include "proc_frame.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETH_LEN 14
#define IP_LEN 20
#define TCP_LEN 20
#define ARP_LEN 28

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071 sum, continued from @p sum, without the final complement. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; len -= 2, p += 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t tcp_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
	uint32_t sum = 0;

	sum = sum16(sum, ip + 12, 8); /* source and destination */
	sum += 6;                     /* zero, protocol */
	sum += (uint32_t)tcp_len;
	sum = sum16(sum, tcp, tcp_len);
	return fold(sum);
}

uint32_t proc_ip(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

void proc_mac(uint8_t mac[6], const char *text)
{
	unsigned m[6];

	memset(mac, 0, 6);
	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

void proc_build_arp_request(struct proc_frame *f, const struct proc_host *from, uint32_t target)
{
	uint8_t *p = f->data;

	memset(f, 0, sizeof(*f));
	memset(p, 0xff, 6);
	memcpy(p + 6, from->mac, 6);
	put16(p + 12, 0x0806);
	p += ETH_LEN;
	put16(p, 1);          /* Ethernet */
	put16(p + 2, 0x0800); /* IPv4 */
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, 1); /* request */
	memcpy(p + 8, from->mac, 6);
	put32(p + 14, from->ip);
	memset(p + 18, 0, 6);
	put32(p + 24, target);
	/* Padded to the Ethernet minimum as a real NIC would send it. */
	f->len = 60;
}

void proc_build_tcp(struct proc_frame *f, const uint8_t dmac[6], const uint8_t smac[6],
		    const struct proc_tcp *t)
{
	size_t plen = t->payload ? strlen(t->payload) : 0;
	size_t opt = t->mss_option ? 4 : 0;
	size_t tcp_len = TCP_LEN + opt + plen;
	uint8_t *ip, *tcp;

	memset(f, 0, sizeof(*f));
	memcpy(f->data, dmac, 6);
	memcpy(f->data + 6, smac, 6);
	put16(f->data + 12, 0x0800);
	ip = f->data + ETH_LEN;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_LEN + tcp_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = t->ttl ? t->ttl : 64;
	ip[9] = 6;
	put32(ip + 12, t->sip);
	put32(ip + 16, t->dip);
	put16(ip + 10, fold(sum16(0, ip, IP_LEN)));
	tcp = ip + IP_LEN;
	put16(tcp, t->sport);
	put16(tcp + 2, t->dport);
	put32(tcp + 4, t->seq);
	put32(tcp + 8, t->ack);
	tcp[12] = (uint8_t)(((TCP_LEN + opt) / 4) << 4);
	tcp[13] = t->flags;
	put16(tcp + 14, 64240);
	if (opt) {
		tcp[20] = 2;
		tcp[21] = 4;
		put16(tcp + 22, 1460);
	}
	if (plen)
		memcpy(tcp + TCP_LEN + opt, t->payload, plen);
	put16(tcp + 16, tcp_csum(ip, tcp, tcp_len));
	f->len = ETH_LEN + IP_LEN + tcp_len;
	if (f->len < 60)
		f->len = 60;
}

bool proc_parse_tcp(const uint8_t *p, size_t len, struct proc_tcp_view *v)
{
	const uint8_t *ip, *tcp;
	size_t ihl, tot, doff;

	memset(v, 0, sizeof(*v));
	if (len < ETH_LEN + IP_LEN || get16(p + 12) != 0x0800)
		return false;
	memcpy(v->dmac, p, 6);
	memcpy(v->smac, p + 6, 6);
	ip = p + ETH_LEN;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IP_LEN || tot < ihl + TCP_LEN || ETH_LEN + tot > len ||
	    ip[9] != 6)
		return false;
	v->ip_csum_ok = fold(sum16(0, ip, ihl)) == 0;
	v->ttl = ip[8];
	v->sip = get32(ip + 12);
	v->dip = get32(ip + 16);
	tcp = ip + ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < TCP_LEN || ihl + doff > tot)
		return false;
	v->sport = get16(tcp);
	v->dport = get16(tcp + 2);
	v->seq = get32(tcp + 4);
	v->ack = get32(tcp + 8);
	v->flags = tcp[13];
	/* Summing the segment with its checksum field in place gives zero when valid. */
	v->tcp_csum_ok = tcp_csum(ip, tcp, tot - ihl) == 0;
	v->payload = tcp + doff;
	v->payload_len = tot - ihl - doff;
	return true;
}

bool proc_parse_arp(const uint8_t *p, size_t len, struct proc_arp_view *v)
{
	const uint8_t *a = p + ETH_LEN;

	memset(v, 0, sizeof(*v));
	if (len < ETH_LEN + ARP_LEN || get16(p + 12) != 0x0806)
		return false;
	if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return false;
	memcpy(v->dmac, p, 6);
	memcpy(v->smac, p + 6, 6);
	v->op = get16(a + 6);
	memcpy(v->sha, a + 8, 6);
	v->spa = get32(a + 14);
	memcpy(v->tha, a + 18, 6);
	v->tpa = get32(a + 24);
	return true;
}
