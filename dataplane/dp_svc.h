/* SPDX-License-Identifier: BSD-3-Clause */
/* Services, backends and tlslb's own addresses, as read-only tables built
 * from the config. */
#ifndef DP_SVC_H
#define DP_SVC_H

#include <stdint.h>

#include <rte_hash.h>

#include "cp_config.h"

/* Flags of a local address (data of local_h); the low bits are the mask of
 * cfg ports on which ARP requests for it are answered. */
#define DP_LOCAL_PORTS 0xffu
#define DP_LOCAL_VIP (1u << 8)
#define DP_LOCAL_ADDR (1u << 9)
#define DP_LOCAL_SNAT (1u << 10)

struct dp_service {
	uint32_t vip;   /* network order */
	uint16_t port;  /* network order */
	uint8_t nat;    /* enum cp_nat */
	uint8_t mode;   /* enum cp_mode; tls: delayed binding (dp_tls.h) */
	uint16_t first; /* its backends: bk_order[first .. first + n) */
	uint16_t n;
};

struct dp_backend {
	uint32_t ip;      /* network order */
	uint16_t port;    /* network order */
	uint16_t service;
	uint32_t weight;
	int32_t nh;       /* neighbour slot of the next hop, -1: no route */
	uint16_t out_port; /* cfg port towards it */
};

struct dp_svc_table {
	struct rte_hash *svc_h;   /* struct dp_svc_key -> service index */
	struct rte_hash *local_h; /* IPv4 address -> DP_LOCAL_* */
	unsigned n_services, n_backends;
	struct dp_service svc[CP_MAX_SERVICES];
	struct dp_backend bk[CP_MAX_BACKENDS]; /* indexed like cfg backends */
	uint16_t bk_order[CP_MAX_BACKENDS];
	/* snat addresses (cfg indices) by cfg port; [CP_MAX_PORTS]: all of them */
	uint8_t n_snat[CP_MAX_PORTS + 1];
	uint8_t snat[CP_MAX_PORTS + 1][CP_MAX_ADDRESSES];
};

/* Build from @cfg; backend next hops are left at -1 for the caller. */
int dp_svc_init(struct dp_svc_table *t, const struct cp_config *cfg, const char *name,
		int socket);
void dp_svc_fini(struct dp_svc_table *t);

/* Service index of VIP @vip, TCP port @port (both network order), or -ENOENT. */
int dp_svc_find(const struct dp_svc_table *t, uint32_t vip, uint16_t port);

/* DP_LOCAL_* of @ip, 0 when the address is not ours. */
uint32_t dp_svc_local(const struct dp_svc_table *t, uint32_t ip);

#endif /* DP_SVC_H */
