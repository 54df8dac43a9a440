/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: one record per TCP connection, found from both directions
 * through two keys of one rte_hash (lock-free readers, several writers).
 *
 * Records are split evenly among the workers; a worker allocates, expires and
 * frees only records of its own range, so the free list and the expiry cursor
 * need no atomics. Other workers only read records and move their state
 * forward. Removal is RCU-deferred: keys are deleted at once, their key slots
 * and the record are reused only after every worker has reported quiescence.
 *
 * Memory per flow, everything counted (IPv4, rte_hash of DPDK 22.11):
 *   key store    2 keys x 32 B (8 B data pointer + 16 B key, 16-aligned) = 64 B
 *   buckets      2 keys x 8 B (a 64 B bucket holds 8 entries)            = 16 B
 *   free ring    2 keys x 4 B (uint32_t slot indices)                     =  8 B
 *   record       sizeof(struct dp_flow)                                  = 20 B
 *                                                                         108 B
 *   splice       sizeof(struct dp_splice), only with a tls service       = 12 B
 *                                                                         120 B
 * A tls flow also holds a handshake context (dp_tls.h, a fixed pool) from
 * its cookie ACK until the server flight is scanned, plus its hello bytes
 * until binding; a spliced flow past its scan costs the 120 B alone.
 * Buckets and ring are sized to a power of two of the key count, and the
 * table carries ~0.3 MB of per-lcore slot caches plus the neighbour and
 * service tables. Measured (test_dp_flow, all shared tables): 110 B per flow
 * at 1,000,000 flows, 117 B at 2^20 (ring rounded up). Just above a power of
 * two the buckets round up too (up to 132 B): prefer limits at or below one.
 * The cuckoo table refuses inserts at about 98% of its keys, so a table of
 * exactly 2^k keys holds ~2% fewer flows than configured (counted as full).
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

/*
 * IPv4 flow key, exactly as the packet carries it (network order). IPv6 gets
 * its own table with a 40-byte key of the same shape (addresses, ports,
 * protocol, family), so IPv4 flows do not pay for IPv6 width.
 */
struct dp_flow_key {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t family;
	uint16_t zero; /* keys are hashed and compared whole */
};

/* Lifetime states; a flow only moves forward, except that a new SYN revives
 * a closing or reset flow (client port reuse) on the same backend. */
enum dp_flow_state {
	DP_FLOW_FREE = 0,
	DP_FLOW_SYN,         /* client SYN forwarded */
	DP_FLOW_SYN_ACK,     /* backend answered SYN+ACK */
	DP_FLOW_ESTABLISHED, /* client ACKed */
	DP_FLOW_CLOSING,     /* FIN seen */
	DP_FLOW_RESET,       /* RST seen */
	DP_FLOW_DEAD,        /* keys deleted, waiting for RCU */
};

struct dp_flow {
	union {
		uint32_t client_ip; /* network order */
		uint32_t next_free; /* while DP_FLOW_FREE */
	};
	uint16_t client_port; /* network order */
	uint16_t backend;     /* backend slot (dp_svc.h), not a cfg index */
	uint16_t client_nh;   /* neighbour slot towards the client */
	uint16_t snat_port;   /* network order; full-NAT only */
	uint32_t last_seen;   /* worker ms clock, wrapping */
	uint8_t snat_addr;    /* index into cfg addresses; full-NAT only */
	uint8_t state;        /* enum dp_flow_state, atomic */
	uint16_t flags;       /* DP_FLOW_F_* (low byte), service slot (high byte,
			       * dp_flow_svc()); set when the record is filled */
};

/* A mode-tls flow: its splice state is in the table's splice array (dp_tls.h);
 * l4 flows never touch that array. */
#define DP_FLOW_F_TLS 0x1

struct dp_splice;

struct dp_flow_table {
	struct rte_hash *h;
	struct dp_flow *recs;
	struct dp_splice *splice; /* parallel to recs when a tls service exists (dp_tls.h) */
	uint32_t n_recs;
	unsigned n_workers;
	uint32_t timeout_ms[DP_FLOW_DEAD]; /* by state */
};

/* Removed flows waiting for a grace period. */
struct dp_flow_defer {
	uint64_t token;
	int32_t pos[2];
	uint32_t rec;
};

#define DP_FLOW_DEFER 4096 /* removals in flight per worker */
#define DP_FLOW_SCAN 64    /* records examined per tick */

/* One worker's share of the records. */
struct dp_flow_worker {
	uint32_t lo, hi;   /* record range */
	uint32_t free_head; /* UINT32_MAX: none */
	uint32_t cursor;   /* expiry scan position */
	unsigned thread_id; /* RCU QSBR thread id: the worker index */
	uint32_t dq_head, dq_n;
	struct dp_flow_defer dq[DP_FLOW_DEFER];
};

/* Data stored with a key: record index << 1 | direction. */
#define DP_FLOW_REVERSE 1u

int dp_flow_table_init(struct dp_flow_table *t, const char *name, uint32_t max_flows,
		       unsigned n_workers, int socket);
void dp_flow_table_fini(struct dp_flow_table *t);

void dp_flow_worker_init(struct dp_flow_worker *fw, const struct dp_flow_table *t,
			 unsigned worker_index);

/* Record index for @key and whether @key is the reverse (backend side) one; -ENOENT. */
static inline int dp_flow_lookup(const struct dp_flow_table *t, const struct dp_flow_key *key,
				 uint32_t *rec, bool *reverse)
{
	void *data;

	if (rte_hash_lookup_data(t->h, key, &data) < 0)
		return -ENOENT;
	*rec = (uint32_t)((uintptr_t)data >> 1);
	*reverse = (uintptr_t)data & DP_FLOW_REVERSE;
	return 0;
}

static inline bool dp_flow_key_exists(const struct dp_flow_table *t, const struct dp_flow_key *key)
{
	return rte_hash_lookup(t->h, key) >= 0;
}

/* Take a free record of this worker's range, or -ENOSPC. The caller fills it
 * and calls dp_flow_insert(), or gives it back with dp_flow_release(). */
int dp_flow_alloc(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t *rec);
void dp_flow_release(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec);

/* Publish record @rec (state set by the caller) under both keys; on failure
 * nothing is left in the table and the record is released. */
int dp_flow_insert(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev,
		   struct rte_rcu_qsbr *qs);

/* Replace the reverse key of record @rec (a tls flow binding to its
 * backend): @new_rev added first, @old_rev deleted with its key slot freed
 * after a grace period. Any worker. */
int dp_flow_rekey_reverse(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
			  const struct dp_flow_key *old_rev, const struct dp_flow_key *new_rev,
			  struct rte_rcu_qsbr *qs);

/* Retire record @rec of this worker's range now, as an expiry would (keys
 * deleted, record freed after a grace period); a state moved concurrently by
 * another worker does not stop it. -EBUSY: already going (free or dead);
 * -EINVAL: not of this worker's range. */
int dp_flow_remove(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev,
		   struct rte_rcu_qsbr *qs);

/* Note a packet: refresh the idle clock and move the TCP state. */
void dp_flow_track(struct dp_flow *f, bool reverse, uint8_t tcp_flags, uint32_t now_ms);

/* Give back records whose grace period ended. */
void dp_flow_reclaim(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs);

/*
 * Examine up to @budget records of this worker's range; for each idle one,
 * @keys_of fills its two keys, both are deleted, and @removed is told (for
 * counters). Stops early when the deferral queue is full.
 */
typedef void (*dp_flow_keys_fn)(void *ctx, const struct dp_flow *f, struct dp_flow_key *fwd,
				struct dp_flow_key *rev);
typedef void (*dp_flow_removed_fn)(void *ctx, const struct dp_flow *f, uint8_t state);
void dp_flow_expire(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs,
		    uint32_t now_ms, unsigned budget, dp_flow_keys_fn keys_of,
		    dp_flow_removed_fn removed, void *ctx);

#endif /* DP_FLOW_H */
