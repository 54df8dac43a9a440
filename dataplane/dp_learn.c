/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_learn.h"

/*
 * The hash's data word, a pointer-sized integer (never dereferenced):
 *   bits  0..15  backend index
 *   bit  16      source (enum dp_learn_source)
 *   bits 17..31  generation of that source (see dp_learn_flush)
 *   bits 32..63  expiry, seconds of the caller's clock (learned entries)
 */
#define W_BACKEND(w) ((uint16_t)(w))
#define W_SOURCE(w) ((unsigned)((w) >> 16) & 1u)
#define W_GEN(w) ((uint32_t)((w) >> 17) & GEN_MASK)
#define W_EXPIRY(w) ((uint32_t)((w) >> 32))
#define GEN_MASK 0x7fffu

/* Expiry is compared as a signed difference, so lifetimes stay below 2^31 s. */
#define LIFETIME_MAX (UINT32_C(1) << 30)
#define DEFER_DEFAULT 4096u
#define MAX_ENTRIES (UINT32_C(1) << 24)

_Static_assert(sizeof(void *) == 8, "the data word packs 64 bits");

/* Hashed and compared whole: unused name bytes stay zero. */
struct dp_learn_key {
	uint8_t len;
	uint8_t zero[3];
	uint8_t b[DP_LEARN_KEY_MAX];
};

_Static_assert(sizeof(struct dp_learn_key) == 36, "key layout");

struct defer {
	uint64_t token;
	int32_t pos;
	uint32_t table;
};

struct lcore_stats {
	struct dp_learn_stats st;
} __rte_cache_aligned;

struct dp_learn {
	struct rte_hash *h[DP_LEARN__TABLES];
	uint32_t max[DP_LEARN__TABLES];       /* configured size, a power of two */
	uint32_t positions[DP_LEARN__TABLES]; /* key positions: rte_hash_max_key_id */
	uint32_t cursor[DP_LEARN__TABLES];    /* the sweep's next position */
	uint32_t lifetime_s;                  /* atomic */
	uint32_t gen[2];                      /* by source, atomic */
	uint8_t key_name_len;
	struct rte_rcu_qsbr *qs;
	uint32_t dq_head, dq_n, dq_max;
	struct defer *dq;
	struct lcore_stats lst[RTE_MAX_LCORE];
};

const char *const dp_learn_counter_names[sizeof(struct dp_learn_counters) / sizeof(uint64_t)] = {
	"added", "refreshed", "kept_control", "full", "expired", "evicted", "removed",
};

const char *const dp_learn_table_names[DP_LEARN__TABLES] = {
	[DP_LEARN_KEY_NAME] = "key_name",
	[DP_LEARN_SESSION] = "session",
};

static struct rte_hash *make_hash(const struct dp_learn_params *p, unsigned table, uint32_t n)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = sizeof(struct dp_learn_key),
		.hash_func = rte_hash_crc,
		.socket_id = p->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	if ((size_t)snprintf(name, sizeof(name), "%s_%s", p->name,
			     table == DP_LEARN_KEY_NAME ? "kn" : "sid") >= sizeof(name)) {
		rte_errno = EINVAL;
		return NULL;
	}
	return rte_hash_create(&hp);
}

struct dp_learn *dp_learn_create(const struct dp_learn_params *p)
{
	struct dp_learn *t;
	unsigned i;

	/* rte_hash names its ring "HT_<name>" in 29 characters, truncating quietly */
	if (p == NULL || p->name == NULL || strlen(p->name) > DP_LEARN_NAME_MAX ||
	    p->key_name_len > DP_LEARN_KEY_MAX || p->lifetime_s == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < DP_LEARN__TABLES; i++)
		if (p->max_entries[i] < 8 || p->max_entries[i] > MAX_ENTRIES) {
			rte_errno = EINVAL;
			return NULL;
		}
	t = rte_zmalloc_socket("dp_learn", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->key_name_len = p->key_name_len ? p->key_name_len : TLSP_KEY_NAME_LEN_DEFAULT;
	t->lifetime_s = RTE_MIN(p->lifetime_s, LIFETIME_MAX);
	t->qs = p->qs;
	t->dq_max = p->defer_max ? p->defer_max : DEFER_DEFAULT;
	t->dq = rte_zmalloc_socket("dp_learn_dq", sizeof(*t->dq) * t->dq_max, RTE_CACHE_LINE_SIZE,
				   p->socket);
	if (t->dq == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	for (i = 0; i < DP_LEARN__TABLES; i++) {
		/* the cuckoo buckets round up anyway: say so in the size */
		t->max[i] = rte_align32pow2(p->max_entries[i]);
		t->h[i] = make_hash(p, i, t->max[i]);
		if (t->h[i] == NULL)
			goto fail;
		t->positions[i] = (uint32_t)rte_hash_max_key_id(t->h[i]);
	}
	return t;
fail:
	i = rte_errno;
	dp_learn_free(t);
	rte_errno = (int)i;
	return NULL;
}

void dp_learn_free(struct dp_learn *t)
{
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < DP_LEARN__TABLES; i++)
		rte_hash_free(t->h[i]);
	rte_free(t->dq);
	rte_free(t);
}

void dp_learn_set_lifetime(struct dp_learn *t, uint32_t lifetime_s)
{
	if (lifetime_s == 0)
		return;
	__atomic_store_n(&t->lifetime_s, RTE_MIN(lifetime_s, LIFETIME_MAX), __ATOMIC_RELAXED);
}

uint8_t dp_learn_key_name_len(const struct dp_learn *t)
{
	return t->key_name_len;
}

static int make_key(struct dp_learn_key *k, const uint8_t *b, uint8_t len)
{
	if (len == 0 || len > DP_LEARN_KEY_MAX || b == NULL)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->len = len;
	memcpy(k->b, b, len);
	return 0;
}

static uint32_t gen_of(const struct dp_learn *t, unsigned source)
{
	return __atomic_load_n(&t->gen[source], __ATOMIC_RELAXED) & GEN_MASK;
}

/* Visible to lookups: of the current generation, and not expired if learned. */
static bool live(const struct dp_learn *t, uint64_t w, uint32_t now)
{
	if (W_GEN(w) != gen_of(t, W_SOURCE(w)))
		return false;
	return W_SOURCE(w) == DP_LEARN_SRC_CONTROL || (int32_t)(W_EXPIRY(w) - now) > 0;
}

static int lookup(const struct dp_learn *t, unsigned table, const uint8_t *b, uint8_t len,
		  uint32_t now, uint16_t *backend)
{
	struct dp_learn_key k;
	void *data;
	uint64_t w;

	if (make_key(&k, b, len) < 0)
		return -ENOENT;
	if (rte_hash_lookup_data(t->h[table], &k, &data) < 0)
		return -ENOENT;
	w = (uint64_t)(uintptr_t)data;
	if (!live(t, w, now))
		return -ENOENT;
	*backend = W_BACKEND(w);
	return 0;
}

int dp_learn_keyname_lookup(const struct dp_learn *t, const uint8_t *name, uint8_t len,
			    uint32_t now, uint16_t *backend)
{
	return lookup(t, DP_LEARN_KEY_NAME, name, RTE_MIN(len, t->key_name_len), now, backend);
}

int dp_learn_session_lookup(const struct dp_learn *t, const uint8_t *id, uint8_t len,
			    uint32_t now, uint16_t *backend)
{
	return lookup(t, DP_LEARN_SESSION, id, len, now, backend);
}

static struct dp_learn_counters *counters(struct dp_learn *t, unsigned table)
{
	return &t->lst[rte_lcore_id()].st.t[table];
}

/*
 * Add or update; 1 if stored, 0 if there was nothing to change. The
 * multi-writer rte_hash indexes its slot caches by lcore id, so a thread
 * without one must not get as far as rte_hash_add_key_data().
 */
static int store(struct dp_learn *t, unsigned table, const uint8_t *b, uint8_t len,
		 uint16_t backend, unsigned source, uint32_t lifetime_s, uint32_t now)
{
	struct dp_learn_counters *c;
	struct dp_learn_key k;
	uint64_t w, old = 0;
	bool existed = false;
	uint32_t cap;
	void *data;
	int ret;

	if (rte_lcore_id() >= RTE_MAX_LCORE)
		return -EPERM;
	ret = make_key(&k, b, len);
	if (ret < 0)
		return ret;
	c = counters(t, table);
	if (rte_hash_lookup_data(t->h[table], &k, &data) >= 0) {
		old = (uint64_t)(uintptr_t)data;
		existed = live(t, old, now);
	}
	if (source == DP_LEARN_SRC_LEARNED) {
		if (existed && W_SOURCE(old) == DP_LEARN_SRC_CONTROL) {
			c->kept_control++;
			return 0;
		}
		cap = __atomic_load_n(&t->lifetime_s, __ATOMIC_RELAXED);
		lifetime_s = lifetime_s == 0 ? cap : RTE_MIN(lifetime_s, cap);
	} else {
		lifetime_s = 0;
	}
	w = (uint64_t)(uint32_t)(now + lifetime_s) << 32 | (uint64_t)gen_of(t, source) << 17 |
	    (uint64_t)source << 16 | backend;
	if (existed && w == old)
		return 0;
	ret = rte_hash_add_key_data(t->h[table], &k, (void *)(uintptr_t)w);
	if (ret == -ENOSPC) {
		c->full++;
		return ret;
	}
	if (ret < 0)
		return ret;
	if (existed)
		c->refreshed++;
	else
		c->added++;
	return 1;
}

int dp_learn_keyname_learn(struct dp_learn *t, const uint8_t *name, uint8_t len,
			   uint16_t backend, uint32_t lifetime_s, uint32_t now)
{
	int ret = store(t, DP_LEARN_KEY_NAME, name, RTE_MIN(len, t->key_name_len), backend,
			DP_LEARN_SRC_LEARNED, lifetime_s, now);

	return ret < 0 ? ret : 0;
}

int dp_learn_session_learn(struct dp_learn *t, const uint8_t *id, uint8_t len, uint16_t backend,
			   uint32_t lifetime_s, uint32_t now)
{
	int ret = store(t, DP_LEARN_SESSION, id, len, backend, DP_LEARN_SRC_LEARNED, lifetime_s,
			now);

	return ret < 0 ? ret : 0;
}

int dp_learn_keyname_set(struct dp_learn *t, const uint8_t *name, uint8_t len,
			 uint16_t backend)
{
	int ret = store(t, DP_LEARN_KEY_NAME, name, RTE_MIN(len, t->key_name_len), backend,
			DP_LEARN_SRC_CONTROL, 0, 0);

	return ret < 0 ? ret : 0;
}

static bool is_echo(const struct tlsp_client_hello *ch, const struct tlsp_server_flight *sf)
{
	return ch != NULL && ch->session_id.len == sf->session_id_len &&
	       memcmp(ch->session_id.ptr, sf->session_id, sf->session_id_len) == 0;
}

/*
 * RFC 5246 7.4.1.3: a ServerHello whose session_id differs from the one the
 * client offered starts a new session the server may cache under that ID.
 * RFC 5077 3.3:
 *     struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
 * the hint is in seconds, 0 meaning unspecified; the ticket's first bytes name
 * the key that encrypted it (RFC 5077 4's recommended layout). TLS 1.3 sends
 * both encrypted, so there is nothing to learn from it.
 */
/*
 * A session-ID resumption: the server echoed the ID and resumed the session it
 * names (a ticket resumption echoes the client's ID too, but that ID names
 * nothing the server keeps).
 */
static bool resumed_by_id(const struct tlsp_client_hello *ch, const struct tlsp_server_flight *sf)
{
	if (sf->verdict == TLSP_VERDICT_RESUMED_SESSION_ID)
		return true;
	return sf->verdict != TLSP_VERDICT_RESUMED_TICKET && is_echo(ch, sf) &&
	       ch->ticket != TLSP_TICKET_PRESENT;
}

int dp_learn_from_server(struct dp_learn *t, uint16_t backend, const struct tlsp_client_hello *ch,
			 const struct tlsp_server_flight *sf, uint32_t now)
{
	int learned = 0, err = 0, ret;
	bool new_id;

	if (!sf->server_hello_seen || sf->version >= TLSP_VERSION_TLS13 || sf->version < 0x0300)
		return 0;
	new_id = !is_echo(ch, sf) && sf->verdict != TLSP_VERDICT_RESUMED_SESSION_ID &&
		 sf->verdict != TLSP_VERDICT_RESUMED_TICKET;
	/* A resumption by ID is learned too: it proves where the session lives,
	 * which tlslb may not know (restarted, entry expired, or round-robin
	 * happened to pick the right server) and refreshes the entry's expiry. */
	if (sf->session_id_len && (new_id || resumed_by_id(ch, sf))) {
		ret = store(t, DP_LEARN_SESSION, sf->session_id, sf->session_id_len, backend,
			    DP_LEARN_SRC_LEARNED, 0, now);
		if (ret < 0)
			err = ret;
		else
			learned += ret;
	}
	if (sf->nst_seen && sf->nst_ticket_len && sf->nst_key_name_len) {
		ret = store(t, DP_LEARN_KEY_NAME, sf->nst_key_name,
			    RTE_MIN(sf->nst_key_name_len, t->key_name_len), backend,
			    DP_LEARN_SRC_LEARNED, sf->nst_lifetime_hint, now);
		if (ret < 0)
			err = ret;
		else
			learned += ret;
	}
	return err ? err : learned;
}

/* Give back key slots whose grace period ended. */
static void reclaim(struct dp_learn *t)
{
	while (t->dq_n) {
		struct defer *d = &t->dq[t->dq_head];

		if (t->qs != NULL && rte_rcu_qsbr_check(t->qs, d->token, false) != 1)
			break;
		rte_hash_free_key_with_position(t->h[d->table], d->pos);
		t->dq_head = (t->dq_head + 1) % t->dq_max;
		t->dq_n--;
	}
}

/* Delete @k and queue its slot; the caller stamps the token after its last deletion. */
static int del(struct dp_learn *t, unsigned table, const struct dp_learn_key *k)
{
	struct defer *d;
	int32_t pos;

	if (t->dq_n == t->dq_max)
		return -EBUSY;
	pos = rte_hash_del_key(t->h[table], k);
	if (pos < 0)
		return pos;
	d = &t->dq[(t->dq_head + t->dq_n) % t->dq_max];
	d->pos = pos;
	d->table = table;
	d->token = UINT64_MAX;
	t->dq_n++;
	return 0;
}

/* Tokens must be taken after the last deletion they cover: a reader that
 * reported quiescence before start() may still be looking the key up. */
static void stamp(struct dp_learn *t, uint32_t from, uint32_t count)
{
	uint64_t token = t->qs != NULL ? rte_rcu_qsbr_start(t->qs) : 0;
	uint32_t i;

	for (i = 0; i < count; i++)
		t->dq[(from + i) % t->dq_max].token = token;
}

int dp_learn_keyname_remove(struct dp_learn *t, const uint8_t *name, uint8_t len)
{
	struct dp_learn_key k;
	uint32_t at;
	int ret;

	if (rte_lcore_id() >= RTE_MAX_LCORE)
		return -EPERM;
	ret = make_key(&k, name, RTE_MIN(len, t->key_name_len));
	if (ret < 0)
		return ret;
	reclaim(t);
	at = (t->dq_head + t->dq_n) % t->dq_max;
	ret = del(t, DP_LEARN_KEY_NAME, &k);
	if (ret < 0)
		return ret;
	stamp(t, at, 1);
	counters(t, DP_LEARN_KEY_NAME)->removed++;
	return 0;
}

enum verdict { KEEP, EXPIRED, EVICTED, STALE };

static enum verdict judge(const struct dp_learn *t, uint64_t w, uint32_t now, bool pressure,
			  uint32_t lifetime_s)
{
	if (W_GEN(w) != gen_of(t, W_SOURCE(w)))
		return STALE;
	if (W_SOURCE(w) == DP_LEARN_SRC_CONTROL)
		return KEEP;
	if ((int32_t)(W_EXPIRY(w) - now) <= 0)
		return EXPIRED;
	/* in the older half of its life: the server has likely forgotten it first */
	if (pressure && (int32_t)(W_EXPIRY(w) - now) < (int32_t)(lifetime_s / 2))
		return EVICTED;
	return KEEP;
}

static unsigned sweep_table(struct dp_learn *t, unsigned table, uint32_t now, unsigned budget)
{
	struct rte_hash *h = t->h[table];
	struct dp_learn_counters *c = counters(t, table);
	uint32_t lifetime_s = __atomic_load_n(&t->lifetime_s, __ATOMIC_RELAXED);
	int32_t count = rte_hash_count(h);
	bool pressure = count >= 0 && (uint32_t)count >= t->max[table] - t->max[table] / 8;
	unsigned removed = 0;

	for (; budget && t->dq_n < t->dq_max; budget--) {
		int32_t pos = (int32_t)t->cursor[table];
		struct dp_learn_key k;
		enum verdict v;
		void *kp, *data;

		t->cursor[table] = t->cursor[table] + 1 == t->positions[table]
					   ? 0
					   : t->cursor[table] + 1;
		if (rte_hash_get_key_with_position(h, pos, &kp) < 0)
			continue;
		/* a copy: the slot is not ours, and the lookup checks it whole */
		memcpy(&k, kp, sizeof(k));
		if (rte_hash_lookup_data(h, &k, &data) != pos)
			continue;
		v = judge(t, (uint64_t)(uintptr_t)data, now, pressure, lifetime_s);
		if (v == KEEP || del(t, table, &k) < 0)
			continue;
		removed++;
		if (v == EVICTED)
			c->evicted++;
		else if (v == EXPIRED)
			c->expired++;
		else
			c->removed++;
	}
	return removed;
}

int dp_learn_sweep(struct dp_learn *t, uint32_t now, unsigned budget)
{
	uint32_t first;
	unsigned i, removed = 0;

	if (rte_lcore_id() >= RTE_MAX_LCORE)
		return -EPERM;
	reclaim(t);
	first = (t->dq_head + t->dq_n) % t->dq_max;
	for (i = 0; i < DP_LEARN__TABLES; i++)
		removed += sweep_table(t, i, now, budget);
	if (removed)
		stamp(t, first, removed);
	return (int)removed;
}

void dp_learn_flush(struct dp_learn *t, bool learned_only)
{
	__atomic_fetch_add(&t->gen[DP_LEARN_SRC_LEARNED], 1, __ATOMIC_RELAXED);
	if (!learned_only)
		__atomic_fetch_add(&t->gen[DP_LEARN_SRC_CONTROL], 1, __ATOMIC_RELAXED);
}

uint32_t dp_learn_count(const struct dp_learn *t, enum dp_learn_table table)
{
	int32_t n = rte_hash_count(t->h[table]);

	return n < 0 ? 0 : (uint32_t)n;
}

uint32_t dp_learn_capacity(const struct dp_learn *t, enum dp_learn_table table)
{
	return t->max[table];
}

uint32_t dp_learn_positions(const struct dp_learn *t, enum dp_learn_table table)
{
	return t->positions[table];
}

void dp_learn_stats_sum(const struct dp_learn *t, struct dp_learn_stats *out)
{
	uint64_t *o = (uint64_t *)out;
	unsigned l, i;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const uint64_t *s = (const uint64_t *)&t->lst[l].st;

		for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			o[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	}
}

int dp_learn_iterate(const struct dp_learn *t, enum dp_learn_table table, uint32_t now,
		     uint32_t *next, struct dp_learn_entry *e)
{
	const void *kp;
	void *data;

	if (table >= DP_LEARN__TABLES)
		return -ENOENT;
	while (rte_hash_iterate(t->h[table], &kp, &data, next) >= 0) {
		const struct dp_learn_key *k = kp;
		uint64_t w = (uint64_t)(uintptr_t)data;

		if (!live(t, w, now) || k->len > DP_LEARN_KEY_MAX)
			continue;
		e->len = k->len;
		memcpy(e->key, k->b, k->len);
		e->backend = W_BACKEND(w);
		e->source = (uint8_t)W_SOURCE(w);
		e->expires_in = e->source == DP_LEARN_SRC_CONTROL ? 0 : W_EXPIRY(w) - now;
		return 0;
	}
	return -ENOENT;
}
