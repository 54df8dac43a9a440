/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 facts the grammar and the cross-line checks need: masks, subnets,
 * which addresses can never be a host, and printing addresses back.
 */
#ifndef CP_ADDR_H
#define CP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"

/** Longest text of an IPv4 address, with its NUL. */
#define CP_IPV4_STRLEN 16
/** Longest text of "a.b.c.d:65535" or "a.b.c.d/32", with its NUL. */
#define CP_ENDPOINT_STRLEN 22

/** An IPv4 cp_ip (zero-filled, so configs compare with memcmp). */
struct cp_ip cp_ip4(uint32_t host_order);

/** The address of an IPv4 cp_ip in host byte order. */
uint32_t cp_ip4_host(const struct cp_ip *ip);

/** Netmask of a /@p len prefix in host byte order (@p len 0..32). */
uint32_t cp_mask4(unsigned len);

/** Whether the IPv4 addresses @p a and @p b are in the same /@p len. */
bool cp_same_subnet4(uint32_t a, uint32_t b, unsigned len);

/**
 * Why @p a (host order) can never be a host on a link, or NULL if it can:
 * 0.0.0.0/8, loopback, multicast, reserved 240.0.0.0/4, limited broadcast.
 */
const char *cp_ip4_not_host(uint32_t a);

/**
 * Whether @p a is the network or the broadcast address of its /@p len
 * (never true for /31 and /32, which have neither, RFC 3021).
 */
bool cp_ip4_is_net_or_bcast(uint32_t a, unsigned len);

/** Equality of two cp_ip (family and address). */
bool cp_ip_equal(const struct cp_ip *a, const struct cp_ip *b);

/** Dotted quad of @p ip into @p buf (at least CP_IPV4_STRLEN bytes). */
const char *cp_ip_str(const struct cp_ip *ip, char *buf, size_t len);

/** "a.b.c.d:port" into @p buf (at least CP_ENDPOINT_STRLEN bytes). */
const char *cp_endpoint_str(const struct cp_ip *ip, uint16_t port, char *buf, size_t len);

/** "a.b.c.d/len" into @p buf (at least CP_ENDPOINT_STRLEN bytes). */
const char *cp_prefix_str(const struct cp_ip *ip, unsigned plen, char *buf, size_t len);

#endif /* CP_ADDR_H */
