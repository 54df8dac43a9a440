/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The snapshot workers read: services, backends, tlslb's own addresses and
 * routes, built by the control thread from a config and never changed once
 * published (dp_runtime.c swaps whole snapshots under RCU).
 *
 * Services and backends live in stable SLOTS, not at their config index: a
 * backend keeps its slot for its whole life (flow records, per-backend
 * counters and learned tables name slots), a new one takes a free slot, and
 * a deleted one stays, retired, until its last flow is gone.
 */
#ifndef DP_SVC_H
#define DP_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_config.h"
#include "dp_route.h"
#include "dp_tlsroute.h"

/* Flags of a local address (value of the local table); the low bits are the
 * mask of cfg ports on which ARP requests for it are answered. */
#define DP_LOCAL_PORTS 0xffu
#define DP_LOCAL_VIP (1u << 8)
#define DP_LOCAL_ADDR (1u << 9)
#define DP_LOCAL_SNAT (1u << 10)

/* Slot flags (services and backends). */
#define DP_SLOT_LIVE 0x01    /* configured */
#define DP_SLOT_RETIRED 0x02 /* deleted: its flows finish, nothing new */
#define DP_SLOT_RESET 0x04   /* backend deleted with reset: its flows are reset */

struct dp_learn;

struct dp_service {
	uint32_t vip;   /* network order */
	uint16_t port;  /* network order */
	uint8_t nat;    /* enum cp_nat */
	uint8_t mode;   /* enum cp_mode; tls: delayed binding (dp_tls.h) */
	uint16_t first; /* its pool: bk_order[first .. first + n) (backend slots) */
	uint16_t n;
	uint8_t flags;  /* DP_SLOT_* */
	uint8_t server_id_len;
	bool psk_server_id;
	uint16_t sid_first, n_sid; /* its server IDs: server_ids[sid_first ..) */
	uint32_t hello_timeout_ms;
	struct dp_learn *learn; /* mode tls tables (owned by dp_tls_shared); NULL: none */
	struct cp_health health; /* for dp_health: probe the live backends of its pool */
};

struct dp_backend {
	uint32_t ip;       /* network order */
	uint16_t port;     /* network order */
	uint16_t service;  /* service slot */
	uint32_t weight;   /* 0 unless enabled, IPv4 and in a pool: no new flows */
	int32_t nh;        /* neighbour slot of the next hop, -1: no route */
	uint16_t out_port; /* cfg port towards it */
	uint8_t flags;     /* DP_SLOT_* */
	uint8_t admin;     /* enum cp_backend_admin */
	uint32_t gen;      /* slot generation: a reused slot restarts its scheduler value */
	/* checksum deltas of rewriting its service's VIP and port to its own
	 * (dp_csum_delta32/16()); replies take their negations */
	uint16_t nat_addr_delta, nat_port_delta;
};

/* A small open-addressing table (keys never 0). */
#define DP_KV_SIZE 1024u
struct dp_kv {
	uint64_t key[DP_KV_SIZE];
	uint32_t val[DP_KV_SIZE];
};

struct dp_svc_table {
	uint64_t seq;                 /* publication number */
	unsigned n_services, n_backends; /* slots in use are below these */
	unsigned n_reset;             /* backends flagged DP_SLOT_RESET */
	struct dp_kv svc_h;           /* vip, port -> service slot (live services) */
	struct dp_kv local_h;         /* IPv4 address -> DP_LOCAL_* */
	struct dp_service svc[CP_MAX_SERVICES];
	struct dp_backend bk[CP_MAX_BACKENDS];
	uint16_t bk_order[CP_MAX_BACKENDS];
	/* for the tls routing rules, by backend slot: the service slot of a live
	 * backend (UINT16_MAX otherwise) and its enum dp_backend_state */
	uint16_t bk_svc[CP_MAX_BACKENDS];
	uint8_t bk_state[CP_MAX_BACKENDS];
	struct dp_tlsroute_server_id server_ids[CP_MAX_BACKENDS];
	/* snat addresses (cfg indices, stable at runtime) by cfg port; [CP_MAX_PORTS]: all */
	uint8_t n_snat[CP_MAX_PORTS + 1];
	uint8_t snat[CP_MAX_PORTS + 1][CP_MAX_ADDRESSES];
	struct cp_address addr[CP_MAX_ADDRESSES];
	unsigned n_addr;
	struct dp_route_table routes;
};

/*
 * Fill @t from @cfg with the slots given: @svc_slot[i] and @bk_slot[j] are
 * the slots of cfg service i and backend j (-1: not IPv4, left out).
 * Retired slots are copied by the caller before or after. Backend next hops
 * are left at -1. Returns 0 or -ENOSPC (a kv table full).
 */
int dp_svc_fill(struct dp_svc_table *t, const struct cp_config *cfg, const int16_t *svc_slot,
		const int16_t *bk_slot);

/* Service slot of VIP @vip, TCP port @port (both network order), or -ENOENT. */
int dp_svc_find(const struct dp_svc_table *t, uint32_t vip, uint16_t port);

/* DP_LOCAL_* of @ip, 0 when the address is not ours. */
uint32_t dp_svc_local(const struct dp_svc_table *t, uint32_t ip);

/* Add @flags to local address @ip (a retired service keeps answering ARP for
 * its VIP while its flows finish). */
int dp_svc_local_add(struct dp_svc_table *t, uint32_t ip, uint32_t flags);

/* The small table: 0 or -ENOSPC; lookup returns -ENOENT when absent. */
int dp_kv_put(struct dp_kv *kv, uint64_t key, uint32_t val);
int dp_kv_get(const struct dp_kv *kv, uint64_t key, uint32_t *val);

#endif /* DP_SVC_H */
