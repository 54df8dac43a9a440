/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "dp_route.h"

static uint32_t mask_of(unsigned len)
{
	return rte_cpu_to_be_32(len ? ~0u << (32 - len) : 0);
}

static void add(struct dp_route_table *t, const struct cp_ip *prefix, uint8_t len,
		uint32_t gateway, uint16_t port)
{
	struct dp_route *r;

	if (prefix->family != AF_INET || len > 32)
		return;
	r = &t->r[t->n++];
	r->mask = mask_of(len);
	r->prefix = prefix->v4 & r->mask;
	r->gateway = gateway;
	r->port = port;
	r->len = len;
	r->seq = (uint16_t)(t->n - 1);
}

/* Longer prefixes first; at equal length connected before routed, then config order. */
static int cmp(const void *a, const void *b)
{
	const struct dp_route *x = a, *y = b;

	if (x->len != y->len)
		return y->len - x->len;
	if ((x->gateway == 0) != (y->gateway == 0))
		return x->gateway == 0 ? -1 : 1;
	return x->seq - y->seq;
}

void dp_route_build(struct dp_route_table *t, const struct cp_config *cfg)
{
	unsigned i;

	t->n = 0;
	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *a = &cfg->addresses[i];

		/* a /32 connects nothing but itself */
		if (a->prefix_len < 32)
			add(t, &a->ip, a->prefix_len, 0, a->port);
	}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cp_route *r = &cfg->routes[i];

		add(t, &r->prefix, r->prefix_len, r->gateway.family == AF_INET ? r->gateway.v4 : 0,
		    r->port);
	}
	qsort(t->r, t->n, sizeof(t->r[0]), cmp);
}

int dp_route_lookup(const struct dp_route_table *t, uint32_t dst, uint16_t *port,
		    uint32_t *next_hop)
{
	unsigned i;

	for (i = 0; i < t->n; i++) {
		const struct dp_route *r = &t->r[i];

		if ((dst & r->mask) == r->prefix) {
			*port = r->port;
			*next_hop = r->gateway ? r->gateway : dst;
			return 0;
		}
	}
	return -ENETUNREACH;
}
