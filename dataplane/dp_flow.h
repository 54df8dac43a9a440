/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: one record per TCP connection, found from both directions
 * through two keys.
 *
 * Its own hash table rather than rte_hash, so that a packet of a known flow
 * costs two cache lines: a 64-byte bucket (a mask, 15 slots of an 8-bit
 * signature and a 24-bit record index) and the 64-byte record, which holds
 * both keys (to confirm a signature match) next to everything forwarding
 * needs. rte_hash costs four: the primary and secondary buckets it
 * prefetches, the key slot, then the record.
 *
 * Readers are lock-free; writers (any worker: inserts, removals, a tls
 * flow's new backend key) take one spinlock, so checking a key's absence
 * and inserting it are one step. A key lives in its primary bucket, or in its
 * alternate when the primary is full; the primary counts such keys, and a
 * lookup reads the alternate only when that count is not zero.
 *
 * Records are split evenly among the workers; a worker allocates, expires and
 * frees only records of its own range, so the free list and the expiry cursor
 * need no atomics. Other workers only read records and move their state
 * forward. Removal is RCU-deferred: slots are cleared at once (a reader that
 * still follows one finds the old record, DEAD), the record is reused only
 * after every worker has reported quiescence.
 *
 * Memory per flow, everything counted (IPv4), l4 or tls alike:
 *   record       sizeof(struct dp_flow), one cache line, splice included  = 64 B
 *   buckets      2 keys, a 64 B bucket per 4 keys (power of two)        = 32 B
 *                                                                            96 B
 * Measured (test_dp_flow, all shared tables): 99.4 B per flow at 1,000,000
 * flows, 97.8 B at 2^20. Bucket count is rounded up to a power of two: just
 * above one, up to 64 B per flow. Without hugepages both arrays are mapped
 * apart from the DPDK heap with transparent huge pages (dp_flow.c). At an
 * average of 4 keys in 15 slots about one bucket in 60,000 overflows; a key
 * whose two buckets are both full is refused (counted as table full).
 * A tls flow also holds a handshake context (dp_tls.h, a fixed pool) from
 * its cookie ACK until the server flight is scanned, plus its hello bytes
 * until binding.
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "dp_sweep.h"

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

_Static_assert(offsetof(struct dp_flow_key, dst) == 4 && offsetof(struct dp_flow_key, sport) == 8 &&
		       offsetof(struct dp_flow_key, dport) == 10,
	       "dp_flow_key_tcp4() copies the addresses and the ports as they lie in the headers");

/* The key of an IPv4/TCP packet: its addresses and its ports are each
 * adjacent in the headers, in the key's order, so two loads build it. */
static inline struct dp_flow_key dp_flow_key_tcp4(const void *ip_src_dst, const void *tcp_ports)
{
	struct dp_flow_key k = { .proto = IPPROTO_TCP, .family = AF_INET };

	memcpy(&k.src, ip_src_dst, 8);
	memcpy(&k.sport, tcp_ports, 4);
	return k;
}

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

/* A mode-tls flow's splice state (dp_tls.h), in its record's last 12 bytes:
 * translating a spliced packet reads no other cache line. */
struct dp_splice {
	uint32_t seq_delta; /* cookie ISN - backend ISN: s->c seq +=, c->s ack -= */
	uint32_t ts_delta;  /* s->c TSval +=, c->s TSecr -= */
	uint16_t hs;        /* handshake context index + 1; 0: none */
	uint8_t scale;      /* s->c window: backend shift << 4 | client-side shift */
	uint8_t flags;      /* DP_SPLICE_F_* */
};

#define DP_SPLICE_F_SPLICED 0x02 /* bound: translate */
#define DP_SPLICE_F_TS 0x04      /* timestamps on both connections */
#define DP_SPLICE_F_BOUND 0x08   /* backend field is real (counted in active_flows) */
/* The client scales its window, the backend did not agree to: c->s windows
 * are unscaled from the client's shift (then in scale's high nibble; the
 * backend's shift is 0). */
#define DP_SPLICE_F_C2S_UNSCALE 0x10

struct dp_flow {
	struct dp_flow_key key[2]; /* [0] client side, [DP_FLOW_REVERSE] backend side */
	uint32_t next_free;   /* while DP_FLOW_FREE */
	uint16_t backend;     /* backend slot (dp_svc.h), not a cfg index */
	uint16_t client_nh;   /* neighbour slot towards the client */
	uint16_t snat_port;   /* network order; full-NAT only */
	uint32_t last_seen;   /* worker ms clock, wrapping */
	uint8_t snat_addr;    /* index into cfg addresses; full-NAT only */
	uint8_t state;        /* enum dp_flow_state, atomic */
	uint16_t flags;       /* DP_FLOW_F_* (low byte), service slot (high byte,
			       * dp_flow_svc()); set when the record is filled */
	struct dp_splice splice; /* mode tls only (DP_FLOW_F_TLS) */
} __rte_cache_aligned;

/* The client's address and port (network order): its key's source. */
static inline uint32_t dp_flow_client_ip(const struct dp_flow *f)
{
	return f->key[0].src;
}

static inline uint16_t dp_flow_client_port(const struct dp_flow *f)
{
	return f->key[0].sport;
}

/* A mode-tls flow: its splice field is in use. */
#define DP_FLOW_F_TLS 0x1

#define DP_FLOW_SLOTS 15
#define DP_FLOW_MAX (1u << 24) /* records a slot can name */

/*
 * 15 slots: a signature byte (7 hash bits, and which end of the record the
 * key is) and a 24-bit record index each, the signatures side by side so
 * that one 16-byte compare finds the matches. A
 * reader may see a slot being rewritten (signature and index are not written
 * at once): a torn index is bounds-checked, and the record's key decides.
 */
struct dp_flow_bucket {
	uint16_t used;     /* slot bitmap, atomic (published after the slot) */
	uint16_t overflow; /* keys of this bucket living in their alternate */
	uint8_t sig[DP_FLOW_SLOTS];
	uint8_t rec[DP_FLOW_SLOTS][3]; /* little-endian */
} __rte_cache_aligned;

struct dp_flow_table {
	struct dp_flow_bucket *buckets;
	uint32_t bucket_mask;
	uint64_t mul[3]; /* dp_flow_hash() key, random */
	rte_spinlock_t write_lock;
	uint32_t n_keys; /* atomic; written under write_lock */
	struct dp_flow *recs;
	uint32_t n_recs;
	unsigned n_workers;
	uint32_t timeout_ms[DP_FLOW_DEAD]; /* by state */
	size_t recs_mapped, buckets_mapped; /* outside the DPDK heap (dp_flow.c) */
};

/* Removed flows waiting for a grace period. */
struct dp_flow_defer {
	uint64_t token;
	uint32_t rec;
};

#define DP_FLOW_DEFER 4096 /* removals in flight per worker */
/* Expiry sweeps a worker's records once per DP_FLOW_SWEEP_MS (dp_sweep.h): a
 * flow goes at most that long after its timeout. */
#define DP_FLOW_SWEEP_MS 500
#define DP_FLOW_SCAN_MAX 256 /* records a tick: a sweep step stays short */

/* One worker's share of the records. */
struct dp_flow_worker {
	uint32_t lo, hi;   /* record range */
	uint32_t free_head; /* UINT32_MAX: none */
	uint32_t cursor;   /* expiry scan position */
	struct dp_sweep sweep; /* expiry pace */
	unsigned thread_id; /* RCU QSBR thread id: the worker index */
	uint32_t dq_head, dq_n;
	struct dp_flow_defer dq[DP_FLOW_DEFER];
};

/* A lookup result: record index << 1 | direction. */
#define DP_FLOW_REVERSE 1u

int dp_flow_table_init(struct dp_flow_table *t, const char *name, uint32_t max_flows,
		       unsigned n_workers, int socket);
void dp_flow_table_fini(struct dp_flow_table *t);

void dp_flow_worker_init(struct dp_flow_worker *fw, const struct dp_flow_table *t,
			 unsigned worker_index);

/* Bytes of flow tables mapped outside the DPDK heap (without hugepages),
 * for memory accounting beside rte_malloc's statistics. */
size_t dp_flow_mapped_bytes(void);

/* Keys in the table (two per flow, fewer while one is being replaced). */
static inline uint32_t dp_flow_key_count(const struct dp_flow_table *t)
{
	return __atomic_load_n(&t->n_keys, __ATOMIC_RELAXED);
}

/*
 * Keyed: the key's two words times the table's random odd multipliers, then
 * a CRC step to spread every bit of that sum over the bucket bits. A CRC
 * alone is linear (keys that collide collide under any seed): a sender
 * could choose 4-tuples that all land in one pair of buckets and have new
 * flows refused there.
 */
static inline uint32_t dp_flow_hash(const struct dp_flow_table *t, const struct dp_flow_key *key)
{
	uint64_t lo, hi;

	memcpy(&lo, key, 8);
	memcpy(&hi, (const char *)key + 8, 8);
#ifdef __SSE4_2__
	/* the instruction itself: rte_hash_crc_8byte() asks at run time which
	 * CRC code to use, every packet */
	return (uint32_t)_mm_crc32_u64((uint32_t)t->mul[2], lo * t->mul[0] + hi * t->mul[1]);
#else
	return rte_hash_crc_8byte(lo * t->mul[0] + hi * t->mul[1], (uint32_t)t->mul[2]);
#endif
}

/* A key's alternate bucket: another mix of its hash, never its primary. */
static inline uint32_t dp_flow_bucket_alt(const struct dp_flow_table *t, uint32_t hash)
{
	uint32_t mix = rte_hash_crc_4byte(hash, 0x9e3779b9);

	return ((hash & t->bucket_mask) ^ (mix | 1)) & t->bucket_mask;
}

static inline bool dp_flow_key_equal(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/*
 * A slot's signature byte: 7 bits of the hash and, lowest, which end of the
 * record the key is. Lookups compare the hash bits (@mask DP_FLOW_SIG_HASH);
 * a writer removing a key compares the end too (@mask 0xff): the two keys of
 * one record may share a bucket and hash bits, and only the end tells their
 * slots apart.
 */
#define DP_FLOW_SIG_HASH 0xfe

static inline uint8_t dp_flow_sig(uint32_t hash)
{
	return (uint8_t)(hash >> 24) & DP_FLOW_SIG_HASH;
}

/* Slots of @b (among @used) whose signature byte masked with @mask is @sig. */
static inline uint32_t dp_flow_sig_matches(const struct dp_flow_bucket *b, uint32_t used,
					   uint8_t sig, uint8_t mask)
{
#ifdef __SSE2__
	/* 16 bytes from sig[0]: the 16th is not a signature, @used masks it */
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b->sig);

	v = _mm_and_si128(v, _mm_set1_epi8((char)mask));
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)sig))) & used;
#else
	uint32_t m = 0;

	for (unsigned i = 0; i < DP_FLOW_SLOTS; i++)
		m |= (uint32_t)((b->sig[i] & mask) == sig) << i;
	return m & used;
#endif
}

static inline uint32_t dp_flow_slot_rec(const struct dp_flow_bucket *b, unsigned s)
{
	uint32_t v;

	/* one load of the byte before and the slot's three (a signature byte
	 * or the previous slot's last: still in the bucket), shifted out */
	memcpy(&v, &b->rec[s][0] - 1, sizeof(v));
	return rte_le_to_cpu_32(v) >> 8;
}

/* Record reference (rec << 1 | reverse) of @key in bucket @b, or -1; @sig:
 * dp_flow_sig() of its hash. */
int64_t dp_flow_bucket_find(const struct dp_flow_table *t, const struct dp_flow_bucket *b,
			    const struct dp_flow_key *key, uint32_t sig);

/* Look @key up after its primary bucket missed (a later signature match, or
 * the alternate bucket). */
int64_t dp_flow_lookup_slow(const struct dp_flow_table *t, const struct dp_flow_key *key,
			    uint32_t hash);

/* Record reference of @key, of hash @h, or -ENOENT. */
static inline int64_t dp_flow_find_hashed(const struct dp_flow_table *t,
					  const struct dp_flow_key *key, uint32_t h)
{
	int64_t ref = dp_flow_bucket_find(t, &t->buckets[h & t->bucket_mask], key, dp_flow_sig(h));

	if (ref < 0)
		ref = dp_flow_lookup_slow(t, key, h);
	return ref;
}

/* Record reference of @key, or -ENOENT. */
static inline int64_t dp_flow_find(const struct dp_flow_table *t, const struct dp_flow_key *key)
{
	return dp_flow_find_hashed(t, key, dp_flow_hash(t, key));
}

/* Record index for @key and whether @key is the reverse (backend side) one; -ENOENT. */
static inline int dp_flow_lookup(const struct dp_flow_table *t, const struct dp_flow_key *key,
				 uint32_t *rec, bool *reverse)
{
	int64_t ref = dp_flow_find(t, key);

	if (ref < 0)
		return -ENOENT;
	*rec = (uint32_t)(ref >> 1);
	*reverse = ref & DP_FLOW_REVERSE;
	return 0;
}

static inline bool dp_flow_key_exists(const struct dp_flow_table *t, const struct dp_flow_key *key)
{
	return dp_flow_find(t, key) >= 0;
}

/*
 * A lookup in three steps, so that a batch of packets overlaps its cache
 * misses: dp_flow_prefetch() as each key is built (its bucket starts
 * coming), dp_flow_candidate() some packets later (the bucket read, the
 * records its signature names start coming), dp_flow_confirm() some packets
 * later again, when the packet is handled (its record is in cache by then).
 * How far apart is the caller's choice (dp_worker.c).
 */
static inline uint32_t dp_flow_prefetch(const struct dp_flow_table *t, const struct dp_flow_key *key)
{
	uint32_t h = dp_flow_hash(t, key);

	rte_prefetch0(&t->buckets[h & t->bucket_mask]);
	return h;
}

#define DP_FLOW_NO_CANDIDATE UINT32_MAX

/* The second step for one key of hash @hash: its candidate record (the first
 * signature match, almost always the key), or DP_FLOW_NO_CANDIDATE. */
static inline uint32_t dp_flow_candidate(const struct dp_flow_table *t, uint32_t hash)
{
	const struct dp_flow_bucket *b = &t->buckets[hash & t->bucket_mask];
	uint32_t used = __atomic_load_n(&b->used, __ATOMIC_ACQUIRE);
	uint32_t m = dp_flow_sig_matches(b, used, dp_flow_sig(hash), DP_FLOW_SIG_HASH);
	uint32_t rec, cand = DP_FLOW_NO_CANDIDATE;

	if (m) {
		rec = dp_flow_slot_rec(b, (unsigned)__builtin_ctz(m));
		if (rec < t->n_recs) {
			cand = rec;
			rte_prefetch0(&t->recs[rec]);
		}
		/* about one packet in a hundred at 4 keys a bucket: when the first
		 * is not the key, dp_flow_confirm() reads the others */
		for (m &= m - 1; unlikely(m); m &= m - 1) {
			rec = dp_flow_slot_rec(b, (unsigned)__builtin_ctz(m));
			if (rec < t->n_recs)
				rte_prefetch0(&t->recs[rec]);
		}
	}
	return cand;
}

/* Which end of record @rec @key is: 0, DP_FLOW_REVERSE, or -1 for neither. */
static inline int dp_flow_key_end(const struct dp_flow_table *t, uint32_t rec,
				  const struct dp_flow_key *key)
{
	const struct dp_flow *f = &t->recs[rec];

	if (dp_flow_key_equal(&f->key[0], key))
		return 0;
	if (dp_flow_key_equal(&f->key[DP_FLOW_REVERSE], key))
		return DP_FLOW_REVERSE;
	return -1;
}

/* Record reference of @key (hash @hash, candidate @cand), or -ENOENT. A key
 * added since the candidates were taken is found too (the buckets are read
 * again when the candidate is not the key). */
static inline int64_t dp_flow_confirm(const struct dp_flow_table *t, const struct dp_flow_key *key,
				      uint32_t hash, uint32_t cand)
{
	if (likely(cand != DP_FLOW_NO_CANDIDATE)) {
		int end = dp_flow_key_end(t, cand, key);

		if (likely(end >= 0))
			return (int64_t)cand << 1 | end;
	}
	return dp_flow_find_hashed(t, key, hash);
}

/*
 * The three steps for @n (<= 64) keys at once. Bit i of the result is set
 * when keys[i] was found; refs[i] is then its record reference.
 */
uint64_t dp_flow_lookup_bulk(const struct dp_flow_table *t, const struct dp_flow_key *keys,
			     unsigned n, uint32_t *refs);

/* Take a free record of this worker's range, or -ENOSPC. The caller fills it
 * and calls dp_flow_insert(), or gives it back with dp_flow_release(). */
int dp_flow_alloc(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t *rec);
void dp_flow_release(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec);

/* Publish record @rec (state set by the caller) under both keys, which the
 * record keeps. On failure nothing is published and the record is released:
 * -EEXIST when a key is already in the table, -ENOSPC when no slot is left. */
int dp_flow_insert(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev);

/* Replace the reverse key of record @rec (a tls flow binding to its
 * backend). The old key stops matching at once. Any worker. -EEXIST,
 * -ENOSPC: nothing changed. */
int dp_flow_rekey_reverse(struct dp_flow_table *t, uint32_t rec, const struct dp_flow_key *new_rev);

/* Retire record @rec of this worker's range now, as an expiry would (keys
 * deleted, record freed after a grace period); a state moved concurrently by
 * another worker does not stop it. -EBUSY: already going (free or dead);
 * -EINVAL: not of this worker's range. */
int dp_flow_remove(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   struct rte_rcu_qsbr *qs);

/* Note a packet: refresh the idle clock and move the TCP state. */
void dp_flow_track(struct dp_flow *f, bool reverse, uint8_t tcp_flags, uint32_t now_ms);

/* Give back records whose grace period ended. */
void dp_flow_reclaim(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs);

/*
 * Examine the records of this worker's range owed since the last call (see
 * DP_FLOW_SWEEP_MS); each idle one loses its two keys, and @removed is told
 * (for counters). Stops early when the deferral queue is full.
 */
typedef void (*dp_flow_removed_fn)(void *ctx, const struct dp_flow *f, uint8_t state);
void dp_flow_expire(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs,
		    uint32_t now_ms, dp_flow_removed_fn removed, void *ctx);

#endif /* DP_FLOW_H */
