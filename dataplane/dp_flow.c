/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "dp_flow.h"

#define NONE UINT32_MAX

_Static_assert(sizeof(struct dp_flow_key) == 16, "flow key layout");
_Static_assert(sizeof(struct dp_flow) == 20, "flow record budget");

int dp_flow_table_init(struct dp_flow_table *t, const char *name, uint32_t max_flows,
		       unsigned n_workers, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.key_len = sizeof(struct dp_flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	memset(t, 0, sizeof(*t));
	if (max_flows < n_workers || n_workers == 0 || max_flows > (UINT32_MAX >> 2))
		return -EINVAL;
	hp.entries = 2 * max_flows < 64 ? 64 : 2 * max_flows;
	t->n_recs = max_flows;
	t->n_workers = n_workers;
	t->recs = rte_zmalloc_socket("dp_flow", sizeof(*t->recs) * (size_t)max_flows,
				     RTE_CACHE_LINE_SIZE, socket);
	if (t->recs == NULL)
		return -ENOMEM;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		rte_free(t->recs);
		t->recs = NULL;
		return rte_errno ? -rte_errno : -ENOMEM;
	}
	return 0;
}

void dp_flow_table_fini(struct dp_flow_table *t)
{
	rte_hash_free(t->h);
	rte_free(t->recs);
	t->h = NULL;
	t->recs = NULL;
}

void dp_flow_worker_init(struct dp_flow_worker *fw, const struct dp_flow_table *t,
			 unsigned worker_index)
{
	uint32_t per = t->n_recs / t->n_workers, i;

	fw->lo = worker_index * per;
	fw->hi = worker_index + 1 == t->n_workers ? t->n_recs : fw->lo + per;
	fw->cursor = fw->lo;
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

static void free_positions(struct dp_flow_table *t, const struct dp_flow_defer *d)
{
	if (d->pos[0] >= 0)
		rte_hash_free_key_with_position(t->h, d->pos[0]);
	if (d->pos[1] >= 0)
		rte_hash_free_key_with_position(t->h, d->pos[1]);
}

void dp_flow_reclaim(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs)
{
	while (fw->dq_n) {
		struct dp_flow_defer *d = &fw->dq[fw->dq_head];

		if (rte_rcu_qsbr_check(qs, d->token, false) != 1)
			break;
		free_positions(t, d);
		if (d->rec != NONE)
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
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev,
		   struct rte_rcu_qsbr *qs)
{
	uintptr_t data = (uintptr_t)rec << 1;
	struct dp_flow_defer *d;
	uint32_t at;
	int ret;

	/* reverse first: once the client side is visible, replies must be too */
	ret = rte_hash_add_key_data(t->h, rev, (void *)(data | DP_FLOW_REVERSE));
	if (ret < 0)
		goto fail;
	ret = rte_hash_add_key_data(t->h, fwd, (void *)data);
	if (ret == 0)
		return 0;

	/* the reverse key was visible for a moment: retire it like an expiry */
	at = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER;
	d = defer_slot(fw);
	if (d == NULL) {
		/* we hold no flow reference here, so we need not wait for ourselves */
		rte_rcu_qsbr_synchronize(qs, fw->thread_id);
		dp_flow_reclaim(fw, t, qs);
		at = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER;
		d = defer_slot(fw);
	}
	d->pos[0] = rte_hash_del_key(t->h, rev);
	d->pos[1] = -1;
	d->rec = rec;
	__atomic_store_n(&t->recs[rec].state, DP_FLOW_DEAD, __ATOMIC_RELAXED);
	stamp(fw, at, 1, rte_rcu_qsbr_start(qs));
	return ret;
fail:
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

int dp_flow_rekey_reverse(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
			  const struct dp_flow_key *old_rev, const struct dp_flow_key *new_rev,
			  struct rte_rcu_qsbr *qs)
{
	uintptr_t data = (uintptr_t)rec << 1 | DP_FLOW_REVERSE;
	struct dp_flow_defer *d;
	uint32_t at;
	int ret;

	ret = rte_hash_add_key_data(t->h, new_rev, (void *)data);
	if (ret < 0)
		return ret;
	d = defer_slot_wait(fw, t, qs, &at);
	d->pos[0] = rte_hash_del_key(t->h, old_rev);
	d->pos[1] = -1;
	d->rec = NONE;
	stamp(fw, at, 1, rte_rcu_qsbr_start(qs));
	return 0;
}

int dp_flow_remove(struct dp_flow_worker *fw, struct dp_flow_table *t, uint32_t rec,
		   const struct dp_flow_key *fwd, const struct dp_flow_key *rev,
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
	d->pos[0] = rte_hash_del_key(t->h, fwd);
	d->pos[1] = rte_hash_del_key(t->h, rev);
	d->rec = rec;
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
	do {
		new = next_state(old, reverse, tcp_flags);
		if (new == old)
			return;
	} while (!__atomic_compare_exchange_n(&f->state, &old, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

void dp_flow_expire(struct dp_flow_worker *fw, struct dp_flow_table *t, struct rte_rcu_qsbr *qs,
		    uint32_t now_ms, unsigned budget, dp_flow_keys_fn keys_of,
		    dp_flow_removed_fn removed, void *ctx)
{
	uint32_t first = (fw->dq_head + fw->dq_n) % DP_FLOW_DEFER, count = 0;

	for (; budget && fw->dq_n < DP_FLOW_DEFER; budget--) {
		uint32_t i = fw->cursor;
		struct dp_flow *f = &t->recs[i];
		struct dp_flow_key fwd, rev;
		struct dp_flow_defer *d;
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
		keys_of(ctx, f, &fwd, &rev);
		d = defer_slot(fw);
		d->pos[0] = rte_hash_del_key(t->h, &fwd);
		d->pos[1] = rte_hash_del_key(t->h, &rev);
		d->rec = i;
		count++;
		removed(ctx, f, s);
	}
	if (count)
		stamp(fw, first, count, rte_rcu_qsbr_start(qs));
}
