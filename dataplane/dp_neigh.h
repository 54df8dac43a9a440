/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache (IPv4 address -> MAC, port), shared by the workers, and the
 * per-worker queues of packets waiting for a resolution.
 *
 * Slots are never reused for another address, so a slot index stored in a
 * flow or backend stays valid; what expires is the MAC. An entry older than
 * the neigh timeout stays usable for DP_NEIGH_PROBES more probe intervals
 * while it is re-resolved, then becomes unresolved.
 */
#ifndef DP_NEIGH_H
#define DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#define DP_NEIGH_MAX 4096
#define DP_NEIGH_PROBE_MS 1000
#define DP_NEIGH_PROBES 3
#define DP_NEIGH_VALID (1ull << 63) /* in dp_neigh.hw */
#define DP_NEIGH_WAITQ 16 /* neighbours one worker can be waiting for at once */

struct dp_neigh {
	uint64_t hw;              /* atomic: MAC in the low 48 bits, DP_NEIGH_VALID */
	uint64_t confirmed_ms;    /* atomic: last reply */
	uint64_t next_request_ms; /* atomic: no request before this, over all workers */
	uint32_t ip;              /* network order */
	uint16_t port;            /* cfg port */
	uint8_t is_static;
};

struct dp_neigh_table {
	struct rte_hash *h; /* ip -> slot */
	struct dp_neigh *slots;
	uint32_t cap;
	uint32_t used;
	uint64_t timeout_ms;
	rte_spinlock_t lock; /* serialises slot creation only */
};

enum dp_neigh_state {
	DP_NEIGH_OK,        /* MAC usable */
	DP_NEIGH_REFRESH,   /* MAC usable, but ask again */
	DP_NEIGH_UNRESOLVED,
};

int dp_neigh_init(struct dp_neigh_table *t, const char *name, uint32_t cap,
		  uint64_t timeout_ms, int socket);
void dp_neigh_fini(struct dp_neigh_table *t);

/* A config entry: never expires, never overwritten by ARP. */
int dp_neigh_add_static(struct dp_neigh_table *t, uint32_t ip, const uint8_t mac[6],
			uint16_t port);

/* Slot of @ip, or -ENOENT. */
int dp_neigh_find(const struct dp_neigh_table *t, uint32_t ip);

/* Slot of @ip, created unresolved on @port if absent; -ENOSPC when full. */
int dp_neigh_get(struct dp_neigh_table *t, uint32_t ip, uint16_t port);

/* Whether @n, whose hardware word is @hw, can be used as it is: valid, and
 * static or confirmed within the timeout. */
static inline bool dp_neigh_fresh(const struct dp_neigh_table *t, const struct dp_neigh *n,
				  uint64_t hw, uint64_t now_ms)
{
	if (!(hw & DP_NEIGH_VALID))
		return false;
	if (n->is_static)
		return true;
	/* a clock before the confirmation (another worker's newer now) is fresh */
	return (int64_t)(now_ms - __atomic_load_n(&n->confirmed_ms, __ATOMIC_RELAXED)) <=
	       (int64_t)t->timeout_ms;
}

/* Whether slot @slot can be used now; fills @mac when it can. */
static inline enum dp_neigh_state dp_neigh_resolve(const struct dp_neigh_table *t, uint32_t slot,
						   uint64_t now_ms, struct rte_ether_addr *mac)
{
	const struct dp_neigh *n = &t->slots[slot];
	uint64_t hw = __atomic_load_n(&n->hw, __ATOMIC_ACQUIRE);
	uint64_t age;

	if (!(hw & DP_NEIGH_VALID))
		return DP_NEIGH_UNRESOLVED;
	memcpy(mac->addr_bytes, &hw, 6);
	if (dp_neigh_fresh(t, n, hw, now_ms))
		return DP_NEIGH_OK;
	age = now_ms - __atomic_load_n(&n->confirmed_ms, __ATOMIC_RELAXED);
	if (age <= t->timeout_ms + (uint64_t)DP_NEIGH_PROBES * DP_NEIGH_PROBE_MS)
		return DP_NEIGH_REFRESH;
	return DP_NEIGH_UNRESOLVED;
}

/* Claim the right to send the next request for @slot (one per probe interval). */
bool dp_neigh_may_request(struct dp_neigh_table *t, uint32_t slot, uint64_t now_ms);

/* Record an answer; -EPERM for static entries (config wins). */
int dp_neigh_learn(struct dp_neigh_table *t, uint32_t slot, const struct rte_ether_addr *mac,
		   uint64_t now_ms);

/* One neighbour a worker is waiting for, with its packets. */
struct dp_neigh_wait {
	int32_t slot; /* -1: unused */
	uint16_t n;
	uint8_t probes;
	uint64_t next_probe_ms;
	struct rte_mbuf **pkts;
};

struct dp_neigh_waitset {
	uint16_t per_neigh; /* cfg limits.neigh_queue */
	uint16_t active;    /* bit i: q[i] is in use; the tick looks at those only */
	struct dp_neigh_wait q[DP_NEIGH_WAITQ];
};

_Static_assert(DP_NEIGH_WAITQ <= 16, "dp_neigh_waitset.active has a bit per queue");

int dp_neigh_waitset_init(struct dp_neigh_waitset *ws, uint16_t per_neigh, int socket);
/* Frees the held packets too; returns how many. */
unsigned dp_neigh_waitset_fini(struct dp_neigh_waitset *ws);

/*
 * Queue @m for @slot. Returns the queue, with *fresh set when it was just
 * opened (the caller sends the first request), or NULL when the queue for
 * @slot is full or no queue is free (the caller drops @m).
 */
struct dp_neigh_wait *dp_neigh_wait_push(struct dp_neigh_waitset *ws, uint32_t slot,
					 struct rte_mbuf *m, uint64_t now_ms, bool *fresh);

#endif /* DP_NEIGH_H */
