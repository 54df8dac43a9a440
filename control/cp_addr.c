/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct cp_ip
cp_ip4(uint32_t host_order)
{
	struct cp_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	ip.v4 = htonl(host_order);
	return ip;
}

uint32_t
cp_ip4_host(const struct cp_ip *ip)
{
	return ntohl(ip->v4);
}

uint32_t
cp_mask4(unsigned len)
{
	/* Shifting a 32-bit value by 32 is undefined, hence the special case. */
	return len == 0 ? 0 : ~0u << (32 - len);
}

bool
cp_same_subnet4(uint32_t a, uint32_t b, unsigned len)
{
	return ((a ^ b) & cp_mask4(len)) == 0;
}

const char *
cp_ip4_not_host(uint32_t a)
{
	if (a == 0xffffffffu)
		return "limited broadcast address";
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8 (\"this network\")";
	if ((a >> 24) == 127)
		return "loopback address";
	if ((a >> 28) == 0xe)
		return "multicast address";
	if ((a >> 28) == 0xf)
		return "reserved address (240.0.0.0/4)";
	return NULL;
}

bool
cp_ip4_is_net_or_bcast(uint32_t a, unsigned len)
{
	uint32_t host = ~cp_mask4(len);

	if (len >= 31)
		return false;
	return (a & host) == 0 || (a & host) == host;
}

bool
cp_ip_equal(const struct cp_ip *a, const struct cp_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}

const char *
cp_ip_str(const struct cp_ip *ip, char *buf, size_t len)
{
	uint32_t a = cp_ip4_host(ip);

	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *
cp_endpoint_str(const struct cp_ip *ip, uint16_t port, char *buf, size_t len)
{
	char a[CP_IPV4_STRLEN];

	snprintf(buf, len, "%s:%u", cp_ip_str(ip, a, sizeof(a)), port);
	return buf;
}

const char *
cp_prefix_str(const struct cp_ip *ip, unsigned plen, char *buf, size_t len)
{
	char a[CP_IPV4_STRLEN];

	snprintf(buf, len, "%s/%u", cp_ip_str(ip, a, sizeof(a)), plen);
	return buf;
}
