/* SPDX-License-Identifier: BSD-3-Clause */
/* Next-hop selection: configured routes and the prefixes connected to
 * tlslb's addresses, longest prefix first. */
#ifndef DP_ROUTE_H
#define DP_ROUTE_H

#include <stdint.h>

#include "cp_config.h"

struct dp_route {
	uint32_t prefix;  /* network order, masked */
	uint32_t mask;    /* network order */
	uint32_t gateway; /* network order; 0: destination is on the link */
	uint16_t port;    /* cfg port index */
	uint8_t len;
	uint16_t seq;     /* config order, to keep sorting stable */
};

struct dp_route_table {
	unsigned n;
	struct dp_route r[CP_MAX_ROUTES + CP_MAX_ADDRESSES];
};

/* Build from cfg->routes and the connected prefixes of cfg->addresses. */
void dp_route_build(struct dp_route_table *t, const struct cp_config *cfg);

/*
 * Find how to reach IPv4 @dst (network order).
 * Returns 0 with the cfg port and the neighbour to send to (the gateway, or
 * @dst itself when on the link), or -ENETUNREACH.
 */
int dp_route_lookup(const struct dp_route_table *t, uint32_t dst, uint16_t *port,
		    uint32_t *next_hop);

#endif /* DP_ROUTE_H */
