/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dp_neigh.h"

static uint64_t pack(const uint8_t mac[6])
{
	uint64_t hw = 0;

	memcpy(&hw, mac, 6);
	return hw | DP_NEIGH_VALID;
}

int dp_neigh_init(struct dp_neigh_table *t, const char *name, uint32_t cap,
		  uint64_t timeout_ms, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cap < 64 ? 64 : cap,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* slots are never deleted, so lock-free readers need no RCU here */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	memset(t, 0, sizeof(*t));
	rte_spinlock_init(&t->lock);
	t->cap = cap;
	t->timeout_ms = timeout_ms;
	t->slots = rte_zmalloc_socket("dp_neigh", sizeof(*t->slots) * cap, RTE_CACHE_LINE_SIZE,
				      socket);
	if (t->slots == NULL)
		return -ENOMEM;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		rte_free(t->slots);
		t->slots = NULL;
		return -rte_errno;
	}
	return 0;
}

void dp_neigh_fini(struct dp_neigh_table *t)
{
	rte_hash_free(t->h);
	rte_free(t->slots);
	t->h = NULL;
	t->slots = NULL;
}

int dp_neigh_find(const struct dp_neigh_table *t, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(t->h, &ip, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

int dp_neigh_get(struct dp_neigh_table *t, uint32_t ip, uint16_t port)
{
	struct dp_neigh *n;
	int slot = dp_neigh_find(t, ip);

	if (slot >= 0)
		return slot;
	/* two workers missing on the same address must not make two slots */
	rte_spinlock_lock(&t->lock);
	slot = dp_neigh_find(t, ip);
	if (slot >= 0)
		goto out;
	if (t->used == t->cap) {
		slot = -ENOSPC;
		goto out;
	}
	slot = (int)t->used;
	n = &t->slots[slot];
	n->ip = ip;
	n->port = port;
	if (rte_hash_add_key_data(t->h, &ip, (void *)(uintptr_t)slot) < 0) {
		slot = -ENOSPC;
		goto out;
	}
	t->used++;
out:
	rte_spinlock_unlock(&t->lock);
	return slot;
}

int dp_neigh_add_static(struct dp_neigh_table *t, uint32_t ip, const uint8_t mac[6],
			uint16_t port)
{
	int slot = dp_neigh_get(t, ip, port);

	if (slot < 0)
		return slot;
	t->slots[slot].port = port;
	t->slots[slot].is_static = 1;
	__atomic_store_n(&t->slots[slot].hw, pack(mac), __ATOMIC_RELEASE);
	return 0;
}

bool dp_neigh_may_request(struct dp_neigh_table *t, uint32_t slot, uint64_t now_ms)
{
	struct dp_neigh *n = &t->slots[slot];
	uint64_t next = __atomic_load_n(&n->next_request_ms, __ATOMIC_RELAXED);

	if (now_ms < next)
		return false;
	return __atomic_compare_exchange_n(&n->next_request_ms, &next, now_ms + DP_NEIGH_PROBE_MS,
					   false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

int dp_neigh_learn(struct dp_neigh_table *t, uint32_t slot, const struct rte_ether_addr *mac,
		   uint64_t now_ms)
{
	struct dp_neigh *n = &t->slots[slot];

	if (n->is_static)
		return -EPERM;
	__atomic_store_n(&n->confirmed_ms, now_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&n->hw, pack(mac->addr_bytes), __ATOMIC_RELEASE);
	/* the answer came: the next refresh may ask at once */
	__atomic_store_n(&n->next_request_ms, 0, __ATOMIC_RELAXED);
	return 0;
}

int dp_neigh_waitset_init(struct dp_neigh_waitset *ws, uint16_t per_neigh, int socket)
{
	struct rte_mbuf **store;
	unsigned i;

	memset(ws, 0, sizeof(*ws));
	ws->per_neigh = per_neigh;
	for (i = 0; i < DP_NEIGH_WAITQ; i++)
		ws->q[i].slot = -1;
	if (per_neigh == 0)
		return 0;
	store = rte_zmalloc_socket("dp_neigh_wait", sizeof(*store) * per_neigh * DP_NEIGH_WAITQ,
				   0, socket);
	if (store == NULL)
		return -ENOMEM;
	for (i = 0; i < DP_NEIGH_WAITQ; i++)
		ws->q[i].pkts = store + (size_t)i * per_neigh;
	return 0;
}

unsigned dp_neigh_waitset_fini(struct dp_neigh_waitset *ws)
{
	unsigned i, freed = 0;

	for (i = 0; i < DP_NEIGH_WAITQ; i++) {
		struct dp_neigh_wait *q = &ws->q[i];

		if (q->slot >= 0 && q->n) {
			rte_pktmbuf_free_bulk(q->pkts, q->n);
			freed += q->n;
		}
		q->slot = -1;
		q->n = 0;
	}
	ws->active = 0;
	if (ws->per_neigh)
		rte_free(ws->q[0].pkts);
	ws->q[0].pkts = NULL;
	return freed;
}

struct dp_neigh_wait *dp_neigh_wait_push(struct dp_neigh_waitset *ws, uint32_t slot,
					 struct rte_mbuf *m, uint64_t now_ms, bool *fresh)
{
	struct dp_neigh_wait *q, *spare = NULL;
	unsigned i;

	*fresh = false;
	if (ws->per_neigh == 0)
		return NULL;
	for (i = 0; i < DP_NEIGH_WAITQ; i++) {
		q = &ws->q[i];
		if (q->slot == (int32_t)slot)
			goto push;
		if (q->slot < 0 && spare == NULL)
			spare = q;
	}
	if (spare == NULL)
		return NULL;
	q = spare;
	ws->active |= (uint16_t)(1u << (q - ws->q));
	q->slot = (int32_t)slot;
	q->n = 0;
	q->probes = 0;
	q->next_probe_ms = now_ms;
	*fresh = true;
push:
	if (q->n == ws->per_neigh)
		return NULL;
	q->pkts[q->n++] = m;
	return q;
}
