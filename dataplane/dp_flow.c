/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "dp_flow.h"

#define NONE UINT32_MAX
#define USED_ALL ((1u << DP_FLOW_SLOTS) - 1)

_Static_assert(sizeof(struct dp_flow_key) == 16, "flow key layout");
_Static_assert(sizeof(struct dp_flow) == RTE_CACHE_LINE_SIZE, "flow record: one cache line");
_Static_assert(sizeof(struct dp_flow_bucket) == RTE_CACHE_LINE_SIZE, "bucket: one cache line");
_Static_assert(offsetof(struct dp_flow_bucket, rec) > 0, "dp_flow_slot_rec() reads a byte before");

/* ---- the hash table ---- */

/* Search bucket @b for @key among the slots in @used. */
static int64_t bucket_search(const struct dp_flow_table *t, const struct dp_flow_bucket *b,
			     uint32_t used, const struct dp_flow_key *key, uint32_t sig)
{
	uint32_t m = dp_flow_sig_matches(b, used, (uint8_t)sig, DP_FLOW_SIG_HASH);

	for (; m; m &= m - 1) {
		uint32_t rec = dp_flow_slot_rec(b, (unsigned)__builtin_ctz(m));
		int end = rec < t->n_recs ? dp_flow_key_end(t, rec, key) : -1;

		if (end >= 0)
			return (int64_t)rec << 1 | end;
	}
	return -1;
}

int64_t dp_flow_bucket_find(const struct dp_flow_table *t, const struct dp_flow_bucket *b,
			    const struct dp_flow_key *key, uint32_t sig)
{
	return bucket_search(t, b, __atomic_load_n(&b->used, __ATOMIC_ACQUIRE), key, sig);
}

int64_t dp_flow_lookup_slow(const struct dp_flow_table *t, const struct dp_flow_key *key,
			    uint32_t hash)
{
	const struct dp_flow_bucket *b = &t->buckets[hash & t->bucket_mask];

	if (__atomic_load_n(&b->overflow, __ATOMIC_ACQUIRE) == 0)
		return -ENOENT;
	b = &t->buckets[dp_flow_bucket_alt(t, hash)];
	int64_t ref = dp_flow_bucket_find(t, b, key, dp_flow_sig(hash));

	return ref < 0 ? -ENOENT : ref;
}

uint64_t dp_flow_lookup_bulk(const struct dp_flow_table *t, const struct dp_flow_key *keys,
			     unsigned n, uint32_t *refs)
{
	uint32_t hash[64], cand[64];
	uint64_t hits = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		hash[i] = dp_flow_prefetch(t, &keys[i]);
	for (i = 0; i < n; i++)
		cand[i] = dp_flow_candidate(t, hash[i]);
	for (i = 0; i < n; i++) {
		int64_t ref = dp_flow_confirm(t, &keys[i], hash[i], cand[i]);

		if (ref >= 0) {
			refs[i] = (uint32_t)ref;
			hits |= 1ull << i;
		}
	}
	return hits;
}

/* Writers, under write_lock; the keys' hashes @h are computed by the caller
 * (a key given by the caller before the lock, a record's key under it). */

static int slot_claim(struct dp_flow_table *t, uint32_t h, uint32_t rec, unsigned end)
{
	uint32_t sig = dp_flow_sig(h) | end;
	struct dp_flow_bucket *prim = &t->buckets[h & t->bucket_mask], *b = prim;
	uint32_t used = b->used;

	if (used == USED_ALL) {
		b = &t->buckets[dp_flow_bucket_alt(t, h)];
		used = b->used;
		if (used == USED_ALL || prim->overflow == UINT16_MAX)
			return -ENOSPC;
		/* before the key: a reader must not skip the alternate */
		__atomic_store_n(&prim->overflow, (uint16_t)(prim->overflow + 1), __ATOMIC_RELEASE);
	}
	unsigned s = (unsigned)__builtin_ctz(~used & USED_ALL);

	b->sig[s] = (uint8_t)sig;
	b->rec[s][0] = (uint8_t)rec;
	b->rec[s][1] = (uint8_t)(rec >> 8);
	b->rec[s][2] = (uint8_t)(rec >> 16);
	__atomic_store_n(&b->used, (uint16_t)(used | 1u << s), __ATOMIC_RELEASE);
	__atomic_store_n(&t->n_keys, t->n_keys + 1, __ATOMIC_RELAXED);
	return 0;
}

/* Free the slot of the key of hash @h, end @end of record @rec, wherever it is. */
static void slot_release(struct dp_flow_table *t, uint32_t h, uint32_t rec, unsigned end)
{
	struct dp_flow_bucket *prim = &t->buckets[h & t->bucket_mask];
	struct dp_flow_bucket *bs[2] = { prim, &t->buckets[dp_flow_bucket_alt(t, h)] };

	for (unsigned k = 0; k < (prim->overflow ? 2u : 1u); k++) {
		struct dp_flow_bucket *b = bs[k];
		uint32_t used = b->used;
		uint32_t m = dp_flow_sig_matches(b, used, dp_flow_sig(h) | end, 0xff);

		for (; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);

			if (dp_flow_slot_rec(b, s) != rec)
				continue;
			__atomic_store_n(&b->used, (uint16_t)(used & ~(1u << s)), __ATOMIC_RELEASE);
			if (k == 1)
				__atomic_store_n(&prim->overflow, (uint16_t)(prim->overflow - 1),
						 __ATOMIC_RELEASE);
			__atomic_store_n(&t->n_keys, t->n_keys - 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

/* Whether one more key of hash @h fits. */
static bool slot_room(const struct dp_flow_table *t, uint32_t h)
{
	const struct dp_flow_bucket *prim = &t->buckets[h & t->bucket_mask];

	return prim->used != USED_ALL ||
	       (prim->overflow != UINT16_MAX && t->buckets[dp_flow_bucket_alt(t, h)].used != USED_ALL);
}

/*
 * The table's two big arrays. Without hugepages (EAL --no-huge, anonymous
 * memory) every bucket and record access of a large table would also miss
 * the TLB: they are mapped apart from the DPDK heap, with transparent huge
 * pages asked for before the first touch. With hugepages, DPDK's heap.
 * Neither needs DMA. Sets *mapped to the mapping's length (0: DPDK heap).
 */
static size_t mapped_total; /* atomic: every table's mappings */

size_t dp_flow_mapped_bytes(void)
{
	return __atomic_load_n(&mapped_total, __ATOMIC_RELAXED);
}

static void *table_alloc(const char *name, size_t len, int socket, size_t *mapped)
{
	void *p;

	*mapped = 0;
	if (rte_eal_has_hugepages())
		return rte_zmalloc_socket(name, len, RTE_CACHE_LINE_SIZE, socket);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_HUGEPAGE);
	memset(p, 0, len); /* fault it in now, not on the packet path */
	*mapped = len;
	__atomic_fetch_add(&mapped_total, len, __ATOMIC_RELAXED);
	return p;
}

static void table_free(void *p, size_t mapped)
{
	if (p == NULL)
		return;
	if (mapped) {
		munmap(p, mapped);
		__atomic_fetch_sub(&mapped_total, mapped, __ATOMIC_RELAXED);
	} else {
		rte_free(p);
	}
}

int dp_flow_table_init(struct dp_flow_table *t, const char *name, uint32_t max_flows,
		       unsigned n_workers, int socket)
{
	uint64_t n_buckets = 16;

	memset(t, 0, sizeof(*t));
	if (max_flows < n_workers || n_workers == 0 || max_flows > DP_FLOW_MAX)
		return -EINVAL;
	/* an average of at most 4 keys in a bucket's 15 slots */
	while (n_buckets * 4 < 2ull * max_flows)
		n_buckets <<= 1;
	t->n_recs = max_flows;
	t->n_workers = n_workers;
	t->bucket_mask = (uint32_t)n_buckets - 1;
	for (unsigned i = 0; i < RTE_DIM(t->mul); i++)
		t->mul[i] = rte_rand() | 1;
	rte_spinlock_init(&t->write_lock);
	t->recs = table_alloc(name, sizeof(*t->recs) * (size_t)max_flows, socket, &t->recs_mapped);
	t->buckets = table_alloc("dp_flow_buckets", sizeof(*t->buckets) * n_buckets, socket,
				 &t->buckets_mapped);
	if (t->recs == NULL || t->buckets == NULL) {
		dp_flow_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void dp_flow_table_fini(struct dp_flow_table *t)
{
	table_free(t->buckets, t->buckets_mapped);
	table_free(t->recs, t->recs_mapped);
	t->buckets = NULL;
	t->recs = NULL;
}

void dp_flow_worker_init(struct dp_flow_worker *fw, const struct dp_flow_table *t,
			 unsigned worker_index)
{
	uint32_t per = t->n_recs / t->n_workers, i;

	fw->lo = worker_index * per;
	fw->hi = worker_index + 1 == t->n_workers ? t->n_recs : fw->lo + per;
	fw->cursor = fw->lo;
	fw->sweep = (struct dp_sweep){ 0 };
	fw->thread_id = worker_index;
	fw->dq_head = fw->dq_n = 0;
	fw->free_head = NONE;
	/* the list pops in ascending order, which keeps young flows together */
	for (i = fw->hi; i-- > fw->lo;) {
		t->recs[i].state = DP_FLOW_FREE;
		t->recs[i].next_free = fw->free_head;
		fw->free_head = i;
	}
}

int dp_flow_alloc(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t *rec)
{
	uint32_t i = fw->free_head;

	if (i == NONE)
		return -ENOSPC;
	fw->free_head = t->recs[i].next_free;
	*rec = i;
	return 0;
}

void dp_flow_release(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec)
{
	struct dp_flow *f = &t->recs[rec];

	__atomic_store_n(&f->state, DP_FLOW_FREE, __ATOMIC_RELAXED);
	f->next_free = fw->free_head;
	fw->free_head = rec;
}

void dp_flow_reclaim(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs)
{
	while (fw->dq_n) {
		struct dp_flow_defer *d = &fw->dq[fw->dq_head];

		if (rte_rcu_qsbr_check(qs, d->token, false) != 1)
			break;
		dp_flow_release(fw, t, d->rec);
		fw->dq_head = (fw->dq_head + 1) % DP_FLOW_DEFER;
		fw->dq_n--;
	}
}

static struct dp_flow_defer *defer_slot(struct dp_flow_worker *fw)
{
	struct dp_flow_defer *d;

	if (fw->dq_n == DP_FLOW_DEFER)
		return NULL;
	d = &fw->dq[(fw->dq_head + fw->dq_n) % DP_FLOW_DEFER];
	fw->dq_n++;
	return d;
}

/* Tokens must be taken after the last deletion they cover: a reader that
 * reported quiescence before start() may still be looking the key up. */
static void stamp(struct dp_flow_worker *fw, uint32_t from, uint32_t count, uint64_t token)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		fw->dq[(from + i) % DP_FLOW_DEFER].token = token;
}

int dp_flow_insert(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev)
{
	struct dp_flow *f = &t->recs[rec];
	uint32_t hf = dp_flow_hash(t, fwd), hr = dp_flow_hash(t, rev);
	int ret = -ENOSPC;

	f->key[0] = *fwd;
	f->key[DP_FLOW_REVERSE] = *rev;
	rte_spinlock_lock(&t->write_lock);
	if (dp_flow_find_hashed(t, fwd, hf) >= 0 || dp_flow_find_hashed(t, rev, hr) >= 0) {
		ret = -EEXIST;
	} else if (slot_room(t, hf) && slot_room(t, hr) &&
		   slot_claim(t, hr, rec, DP_FLOW_REVERSE) == 0) {
		/* reverse first: once the client side is visible, replies must be too */
		if (slot_claim(t, hf, rec, 0) == 0)
			ret = 0;
		else /* both keys in one full pair of buckets */
			slot_release(t, hr, rec, DP_FLOW_REVERSE);
	}
	rte_spinlock_unlock(&t->write_lock);
	if (ret < 0)
		dp_flow_release(fw, t, rec);
	return ret;
}

/* A defer slot, waiting for grace periods to free room when all are taken
 * (we hold no flow reference here, so we need not wait for ourselves). */
static struct dp_flow_defer *defer_slot_wait(struct dp_flow_worker *fw, struct dp_flow_table *t,
					     struct rte_rcu_qsbr *qs, uint32_t *at)
{
	struct dp_flow_defer *d;

	*at = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER;
	d = defer_slot(fw);
	if (d == NULL) {
		rte_rcu_qsbr_synchronize(qs, fw->thread_id);
		dp_flow_reclaim(fw, t, qs);
		*at = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER;
		d = defer_slot(fw);
	}
	return d;
}

int dp_flow_rekey_reverse(struct dp_flow_table *t, uint32_t rec, const struct dp_flow_key *new_rev)
{
	struct dp_flow *f = &t->recs[rec];
	uint32_t h_old, h_new = dp_flow_hash(t, new_rev);
	int ret = 0;

	rte_spinlock_lock(&t->write_lock);
	h_old = dp_flow_hash(t, &f->key[DP_FLOW_REVERSE]);
	if (dp_flow_find_hashed(t, new_rev, h_new) >= 0) {
		ret = -EEXIST;
	} else {
		/* the old key goes first: its slot names the same record as the new */
		slot_release(t, h_old, rec, DP_FLOW_REVERSE);
		if (!slot_room(t, h_new)) {
			/* room just freed */
			slot_claim(t, h_old, rec, DP_FLOW_REVERSE);
			ret = -ENOSPC;
		} else {
			/* the key before the slot: a reader confirms against it */
			memcpy(&f->key[DP_FLOW_REVERSE], new_rev, sizeof(*new_rev));
			__atomic_thread_fence(__ATOMIC_RELEASE);
			slot_claim(t, h_new, rec, DP_FLOW_REVERSE);
		}
	}
	rte_spinlock_unlock(&t->write_lock);
	return ret;
}

/* Clear both keys of @rec and queue it for a grace period. */
static void retire(struct dp_flow_table *t, uint32_t rec, struct dp_flow_defer *d)
{
	struct dp_flow *f = &t->recs[rec];

	/* the record's keys are hashed under the lock: a rekey may be replacing one */
	rte_spinlock_lock(&t->write_lock);
	slot_release(t, dp_flow_hash(t, &f->key[0]), rec, 0);
	slot_release(t, dp_flow_hash(t, &f->key[DP_FLOW_REVERSE]), rec, DP_FLOW_REVERSE);
	rte_spinlock_unlock(&t->write_lock);
	d->rec = rec;
}

int dp_flow_remove(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   struct rte_rcu_qsbr *qs)
{
	struct dp_flow *f = &t->recs[rec];
	struct dp_flow_defer *d;
	uint8_t s;
	uint32_t at;

	if (rec < fw->lo || rec >= fw->hi)
		return -EINVAL;
	/* Another worker may move the state forward under us (its packets of
	 * the flow): the exchange then fails with the new state, and is tried
	 * again. Only the owner frees or kills, so nothing else ends the loop. */
	s = __atomic_load_n(&f->state, __ATOMIC_RELAXED);
	do {
		if (s == DP_FLOW_FREE || s == DP_FLOW_DEAD)
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&f->state, &s, DP_FLOW_DEAD, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	d = defer_slot_wait(fw, t, qs, &at);
	retire(t, rec, d);
	stamp(fw, at, 1, rte_rcu_qsbr_start(qs));
	return 0;
}

static uint8_t next_state(uint8_t s, bool reverse, uint8_t fl)
{
	const uint8_t syn_ack = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;

	if (s == DP_FLOW_FREE || s == DP_FLOW_DEAD)
		return s;
	if (fl & RTE_TCP_RST_FLAG)
		return DP_FLOW_RESET;
	if (fl & RTE_TCP_FIN_FLAG)
		return s < DP_FLOW_CLOSING ? DP_FLOW_CLOSING : s;
	if ((fl & syn_ack) == RTE_TCP_SYN_FLAG && !reverse && s >= DP_FLOW_CLOSING)
		return DP_FLOW_SYN;
	if ((fl & syn_ack) == syn_ack && reverse && s == DP_FLOW_SYN)
		return DP_FLOW_SYN_ACK;
	if ((fl & syn_ack) == RTE_TCP_ACK_FLAG && !reverse && s == DP_FLOW_SYN_ACK)
		return DP_FLOW_ESTABLISHED;
	return s;
}

void dp_flow_track(struct dp_flow *f, bool reverse, uint8_t tcp_flags, uint32_t now_ms)
{
	uint8_t old, new;

	/* skip the store when nothing changes: the record line stays clean */
	if (__atomic_load_n(&f->last_seen, __ATOMIC_RELAXED) != now_ms)
		__atomic_store_n(&f->last_seen, now_ms, __ATOMIC_RELAXED);
	old = __atomic_load_n(&f->state, __ATOMIC_RELAXED);
	/* most packets: without SYN, FIN or RST only the client's handshake
	 * ACK (after SYN_ACK) moves a state */
	if (likely(!(tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))) &&
	    old != DP_FLOW_SYN_ACK)
		return;
	do {
		new = next_state(old, reverse, tcp_flags);
		if (new == old)
			return;
	} while (!__atomic_compare_exchange_n(&f->state, &old, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

void dp_flow_expire(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs,
		    uint32_t now_ms, dp_flow_removed_fn removed, void *ctx)
{
	uint32_t first = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER, count = 0;
	unsigned budget = dp_sweep_budget(&fw->sweep, now_ms, fw->hi - fw->lo, DP_FLOW_SWEEP_MS,
					  DP_FLOW_SCAN_MAX);

	for (; budget && fw->dq_n < DP_FLOW_DEFER; budget--) {
		uint32_t i = fw->cursor;
		struct dp_flow *f = &t->recs[i];
		uint8_t s;

		fw->cursor = i + 1 == fw->hi ? fw->lo : i + 1;
		s = __atomic_load_n(&f->state, __ATOMIC_RELAXED);
		if (s == DP_FLOW_FREE || s == DP_FLOW_DEAD)
			continue;
		/* signed: another worker's clock may be slightly ahead of ours */
		if ((int32_t)(now_ms - __atomic_load_n(&f->last_seen, __ATOMIC_RELAXED)) <=
		    (int32_t)t->timeout_ms[s])
			continue;
		/* a packet that moved the state just now keeps the flow alive */
		if (!__atomic_compare_exchange_n(&f->state, &s, DP_FLOW_DEAD, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;
		retire(t, i, defer_slot(fw));
		count++;
		removed(ctx, f, s);
	}
	if (count)
		stamp(fw, first, count, rte_rcu_qsbr_start(qs));
}
