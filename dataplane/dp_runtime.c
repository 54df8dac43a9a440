/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime configuration changes: the control thread's side of the snapshot
 * (dp_svc.h). It keeps which slot every service and backend has, builds the
 * next snapshot, publishes it, and frees what no worker can see any more.
 *
 * Grace periods are never waited for while a change is applied: the old
 * snapshot (and a replaced learned table) goes on a list with a QSBR token,
 * and later calls free what rte_rcu_qsbr_check() says is past every reader.
 * Only a full list makes an apply block in rte_rcu_qsbr_synchronize().
 *
 * A retired slot carries the token of the snapshot that retired it: until
 * that token passes, a worker may still start a flow on it with the older
 * snapshot, so its active-flow count means nothing before.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_spinlock.h>

#include "dp_internal.h"
#include "dp_learn.h"
#include "dp_tls.h"

enum { RT_FREE = 0, RT_LIVE, RT_RETIRED };

struct rt_slot {
	uint8_t state;   /* RT_* */
	bool reset;      /* backend: deleted with reset */
	uint8_t nat;     /* service identity */
	uint16_t svc;    /* backend: its service slot */
	uint16_t last_svc; /* backend: service of the slot's previous life, UINT16_MAX */
	uint32_t ip;     /* network order: VIP or backend address */
	uint16_t port;   /* network order */
	uint32_t gen;
	uint64_t token;  /* retired: QSBR token of the retiring snapshot */
};

struct rt_defer {
	uint64_t token;
	struct dp_svc_table *snap;
	struct dp_learn *learn;
};

#define RT_DEFER 32
#define RT_BKMAP 8192u /* power of two, at least 2 x CP_MAX_BACKENDS */

struct rt_maps {
	int16_t svc_of_cfg[CP_MAX_SERVICES];
	int16_t bk_of_cfg[CP_MAX_BACKENDS];
	struct rt_slot svc[CP_MAX_SERVICES];
	struct rt_slot bk[CP_MAX_BACKENDS];
};

struct dp_runtime {
	rte_spinlock_t lock; /* the maps and baselines, against the accessors */
	struct cp_config cur; /* running config */
	struct rt_maps m;
	struct rt_maps next;  /* scratch of an apply */
	unsigned bk_next, svc_next; /* next-fit cursors: freed slots rest a while */
	uint32_t gen;
	uint64_t seq;
	unsigned learn_seq;
	struct dp_backend_stats bk_base[CP_MAX_BACKENDS];
	struct dp_tlsstats_backend verdict_base[CP_MAX_BACKENDS];
	struct dp_health_stats health_base[CP_MAX_BACKENDS];
	struct dp_service_stats svc_base[CP_MAX_SERVICES];
	unsigned n_defer;
	struct rt_defer defer[RT_DEFER];
	uint64_t bkmap_key[RT_BKMAP];
	uint16_t bkmap_val[RT_BKMAP];
	struct dp_learn *new_learn[CP_MAX_SERVICES]; /* scratch of an apply */
	bool claimed[CP_MAX_BACKENDS];               /* scratch of an apply */
};

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- what cannot change ---- */

static bool ports_equal(const struct cp_config *a, const struct cp_config *b)
{
	unsigned i;

	if (a->n_ports != b->n_ports)
		return false;
	for (i = 0; i < a->n_ports; i++)
		if (strcmp(a->ports[i].name, b->ports[i].name) != 0 ||
		    strcmp(a->ports[i].dev, b->ports[i].dev) != 0 ||
		    a->ports[i].role != b->ports[i].role)
			return false;
	return true;
}

static bool neigh_kept(const struct cp_config *next, const struct cp_neigh *n)
{
	unsigned i;

	for (i = 0; i < next->n_neighs; i++)
		if (next->neighs[i].ip.family == n->ip.family && next->neighs[i].ip.v4 == n->ip.v4)
			return true;
	return false;
}

static int check_fixed(const struct cp_config *cur, const struct cp_config *next, char *err,
		       size_t len)
{
	const struct cp_limits *a = &cur->limits, *b = &next->limits;
	unsigned i;

	if (!ports_equal(cur, next)) {
		say(err, len, "ports cannot change at runtime (restart tlslb)");
		return -EINVAL;
	}
	if (a->flows != b->flows || a->neigh_queue != b->neigh_queue) {
		say(err, len, "limits cannot change at runtime (restart tlslb)");
		return -EINVAL;
	}
	if (a->snat_port_low != b->snat_port_low || a->snat_port_high != b->snat_port_high) {
		say(err, len, "snat ports cannot change at runtime (restart tlslb)");
		return -EINVAL;
	}
	/* flow records name their snat address by index */
	for (i = 0; i < cur->n_addresses; i++) {
		const struct cp_address *o = &cur->addresses[i], *n = &next->addresses[i];

		if (!o->snat)
			continue;
		if (i >= next->n_addresses || !n->snat || n->ip.family != o->ip.family ||
		    n->ip.v4 != o->ip.v4 || n->port != o->port) {
			char ip[16];

			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", ((uint8_t *)&o->ip.v4)[0],
				 ((uint8_t *)&o->ip.v4)[1], ((uint8_t *)&o->ip.v4)[2],
				 ((uint8_t *)&o->ip.v4)[3]);
			say(err, len,
			    "snat address %s cannot be removed or moved at runtime (restart tlslb)",
			    ip);
			return -EINVAL;
		}
	}
	for (i = 0; i < cur->n_neighs; i++)
		if (!neigh_kept(next, &cur->neighs[i])) {
			say(err, len, "static neighbours cannot be removed at runtime");
			return -EINVAL;
		}
	return 0;
}

/* ---- slots ---- */

static uint64_t bk_key(unsigned svc, uint32_t ip, uint16_t port)
{
	return 1ull << 63 | (uint64_t)svc << 48 | (uint64_t)port << 32 | ip;
}

static uint32_t bkmap_pos(uint64_t key)
{
	return rte_hash_crc_8byte(key, 0x85ebca6bu) & (RT_BKMAP - 1);
}

static void bkmap_put(struct dp_runtime *rt, uint64_t key, uint16_t slot)
{
	uint32_t i = bkmap_pos(key);

	while (rt->bkmap_key[i] != 0 && rt->bkmap_key[i] != key)
		i = (i + 1) & (RT_BKMAP - 1);
	rt->bkmap_key[i] = key;
	rt->bkmap_val[i] = slot;
}

static int bkmap_get(const struct dp_runtime *rt, uint64_t key)
{
	uint32_t i = bkmap_pos(key);

	while (rt->bkmap_key[i] != 0) {
		if (rt->bkmap_key[i] == key)
			return rt->bkmap_val[i];
		i = (i + 1) & (RT_BKMAP - 1);
	}
	return -ENOENT;
}

static int alloc_slot(struct rt_slot *slots, unsigned n, unsigned *cursor)
{
	unsigned k;

	for (k = 0; k < n; k++) {
		unsigned i = (*cursor + k) % n;

		if (slots[i].state == RT_FREE) {
			*cursor = (i + 1) % n;
			return (int)i;
		}
	}
	return -ENOSPC;
}

static unsigned count_state(const struct rt_slot *slots, unsigned n, uint8_t state)
{
	unsigned i, c = 0;

	for (i = 0; i < n; i++)
		c += slots[i].state == state;
	return c;
}

/* Services: same VIP, port and nat keep their slot (a retired one comes back). */
static int match_services(struct dp_runtime *rt, const struct cp_config *next, char *err,
			  size_t len)
{
	struct rt_maps *m = &rt->next;
	bool claimed[CP_MAX_SERVICES] = { false };
	unsigned i, s;

	for (i = 0; i < next->n_services; i++) {
		const struct cp_service *cs = &next->services[i];
		uint32_t vip = cs->vip.v4;
		uint16_t port = rte_cpu_to_be_16(cs->port);
		int slot = -1;

		m->svc_of_cfg[i] = -1;
		if (cs->vip.family != AF_INET)
			continue;
		for (s = 0; s < CP_MAX_SERVICES && slot < 0; s++)
			if (m->svc[s].state != RT_FREE && !claimed[s] && m->svc[s].ip == vip &&
			    m->svc[s].port == port && m->svc[s].nat == cs->nat)
				slot = (int)s;
		if (slot < 0) {
			slot = alloc_slot(m->svc, CP_MAX_SERVICES, &rt->svc_next);
			if (slot < 0) {
				say(err, len, "no free service slot (%u deleted services still have flows)",
				    count_state(m->svc, CP_MAX_SERVICES, RT_RETIRED));
				return -ENOSPC;
			}
			m->svc[slot] = (struct rt_slot){ .ip = vip, .port = port, .nat = cs->nat,
							 .gen = ++rt->gen };
		}
		claimed[slot] = true;
		m->svc[slot].state = RT_LIVE;
		m->svc_of_cfg[i] = (int16_t)slot;
	}
	for (s = 0; s < CP_MAX_SERVICES; s++)
		if (m->svc[s].state == RT_LIVE && !claimed[s]) {
			m->svc[s].state = RT_RETIRED;
			m->svc[s].token = UINT64_MAX; /* set at publication */
		}
	return 0;
}

static int match_backends(struct dp_runtime *rt, const struct cp_config *next, char *err,
			  size_t len)
{
	struct rt_maps *m = &rt->next;
	bool *claimed = rt->claimed;
	unsigned i, b;

	memset(rt->claimed, 0, sizeof(rt->claimed));
	memset(rt->bkmap_key, 0, sizeof(rt->bkmap_key));
	for (b = 0; b < CP_MAX_BACKENDS; b++)
		if (m->bk[b].state != RT_FREE)
			bkmap_put(rt, bk_key(m->bk[b].svc, m->bk[b].ip, m->bk[b].port), (uint16_t)b);
	for (i = 0; i < next->n_backends; i++) {
		const struct cp_backend *cb = &next->backends[i];
		uint16_t port = rte_cpu_to_be_16(cb->port);
		int svc = cb->service < next->n_services ? m->svc_of_cfg[cb->service] : -1;
		int slot;

		m->bk_of_cfg[i] = -1;
		if (cb->ip.family != AF_INET || svc < 0)
			continue;
		slot = bkmap_get(rt, bk_key((unsigned)svc, cb->ip.v4, port));
		if (slot >= 0 && claimed[slot])
			slot = -1;
		if (slot < 0) {
			slot = alloc_slot(m->bk, CP_MAX_BACKENDS, &rt->bk_next);
			if (slot < 0) {
				say(err, len, "no free backend slot (%u deleted backends still have flows)",
				    count_state(m->bk, CP_MAX_BACKENDS, RT_RETIRED));
				return -ENOSPC;
			}
			m->bk[slot] = (struct rt_slot){ .svc = (uint16_t)svc, .ip = cb->ip.v4,
							.port = port, .gen = ++rt->gen,
							.last_svc = m->bk[slot].last_svc };
		}
		claimed[slot] = true;
		m->bk[slot].state = RT_LIVE;
		m->bk[slot].reset = false;
		m->bk_of_cfg[i] = (int16_t)slot;
	}
	for (b = 0; b < CP_MAX_BACKENDS; b++)
		if (m->bk[b].state == RT_LIVE && !claimed[b]) {
			m->bk[b].state = RT_RETIRED;
			m->bk[b].token = UINT64_MAX;
		}
	return 0;
}

/* next->pending.reset[]: deleted backends whose flows are reset. */
static void mark_resets(struct dp_runtime *rt, const struct cp_config *next)
{
	struct rt_maps *m = &rt->next;
	unsigned r, s, b;

	for (r = 0; r < next->pending.n_resets; r++) {
		const typeof(next->pending.reset[0]) *pr = &next->pending.reset[r];
		uint16_t vport = rte_cpu_to_be_16(pr->vport), port = rte_cpu_to_be_16(pr->port);

		for (s = 0; s < CP_MAX_SERVICES; s++) {
			if (m->svc[s].state == RT_FREE || m->svc[s].ip != pr->vip.v4 ||
			    m->svc[s].port != vport)
				continue;
			for (b = 0; b < CP_MAX_BACKENDS; b++)
				if (m->bk[b].state == RT_RETIRED && m->bk[b].svc == s &&
				    m->bk[b].ip == pr->ip.v4 && m->bk[b].port == port)
					m->bk[b].reset = true;
		}
	}
}

/* ---- the snapshot ---- */

static int resolve(struct dp_shared *sh, struct dp_svc_table *t, char *err, size_t len)
{
	unsigned b;

	for (b = 0; b < t->n_backends; b++) {
		struct dp_backend *bk = &t->bk[b];
		uint32_t nh_ip;
		uint16_t port;
		int slot;

		if (!(bk->flags & DP_SLOT_LIVE))
			continue;
		/* unreachable backends stay configured; their SYNs count no_route */
		if (dp_route_lookup(&t->routes, bk->ip, &port, &nh_ip) < 0)
			continue;
		slot = dp_neigh_get(&sh->neigh, nh_ip, port);
		if (slot < 0) {
			say(err, len, "neighbour table full");
			return slot;
		}
		bk->nh = slot;
		bk->out_port = port;
	}
	return 0;
}

static void carry_retired(struct dp_runtime *rt, struct dp_svc_table *t,
			  const struct dp_svc_table *old, const struct cp_config *next)
{
	const struct rt_maps *m = &rt->next;
	uint32_t client_ports = 0;
	unsigned i;

	for (i = 0; i < next->n_ports; i++)
		if (next->ports[i].role & CP_ROLE_CLIENT)
			client_ports |= 1u << i;
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		if (m->svc[i].state != RT_RETIRED || old == NULL)
			continue;
		/* clients of its flows still need the VIP's MAC (no full table: the
		 * VIP goes unanswered, its flows still pass) */
		(void)dp_svc_local_add(t, old->svc[i].vip, DP_LOCAL_VIP | client_ports);
		t->svc[i] = old->svc[i];
		t->svc[i].flags = DP_SLOT_RETIRED;
		t->svc[i].n = 0;
		t->svc[i].n_sid = 0;
		if (i >= t->n_services)
			t->n_services = i + 1;
	}
	for (i = 0; i < CP_MAX_BACKENDS; i++) {
		if (m->bk[i].state != RT_RETIRED || old == NULL)
			continue;
		t->bk[i] = old->bk[i];
		t->bk[i].weight = 0;
		t->bk[i].flags = (uint8_t)(DP_SLOT_RETIRED | (m->bk[i].reset ? DP_SLOT_RESET : 0));
		t->n_reset += m->bk[i].reset;
		if (i >= t->n_backends)
			t->n_backends = i + 1;
	}
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		t->bk[i].gen = m->bk[i].gen;
}

static uint8_t learn_key_len(const struct cp_service *s)
{
	return s->keyname_len ? s->keyname_len : 16;
}

/* Learned tables for the tls services that need one (new, or another key-name
 * length); into rt->new_learn[], freed again on failure. */
static int make_learn(struct dp_shared *sh, const struct cp_config *next, char *err, size_t len)
{
	struct dp_runtime *rt = sh->rt;
	unsigned i;

	memset(rt->new_learn, 0, sizeof(rt->new_learn));
	for (i = 0; i < next->n_services; i++) {
		const struct cp_service *cs = &next->services[i];
		int slot = rt->next.svc_of_cfg[i];
		struct dp_learn *cur;
		char nm[DP_LEARN_NAME_MAX + 1];
		struct dp_learn_params lp = {
			.name = nm,
			.max_entries = { DP_TLS_LEARN_ENTRIES, DP_TLS_LEARN_ENTRIES },
			.lifetime_s = cs->session_lifetime ? cs->session_lifetime :
							     DP_TLS_LEARN_LIFETIME_S,
			.key_name_len = learn_key_len(cs),
			.qs = sh->qs,
			.socket = sh->socket,
		};

		if (slot < 0 || cs->mode != CP_MODE_TLS)
			continue;
		cur = sh->tls != NULL ? sh->tls->learn[slot] : NULL;
		/* a slot new to this service never inherits another's table */
		if (rt->m.svc[slot].state == RT_FREE)
			cur = NULL;
		if (cur != NULL && dp_learn_key_name_len(cur) == learn_key_len(cs))
			continue;
		snprintf(nm, sizeof(nm), "dp%u_l%u", sh->id, rt->learn_seq++);
		rt->new_learn[slot] = dp_learn_create(&lp);
		if (rt->new_learn[slot] == NULL) {
			say(err, len, "cannot create the learned tables of a tls service: %s",
			    rte_strerror(rte_errno));
			for (i = 0; i < CP_MAX_SERVICES; i++) {
				dp_learn_free(rt->new_learn[i]);
				rt->new_learn[i] = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}

static bool needs_tls(const struct cp_config *next)
{
	unsigned i;

	for (i = 0; i < next->n_services; i++)
		if (next->services[i].mode == CP_MODE_TLS)
			return true;
	return false;
}

static void free_deferred(struct dp_shared *sh, bool all)
{
	struct dp_runtime *rt = sh->rt;
	unsigned i, k = 0;

	for (i = 0; i < rt->n_defer; i++) {
		struct rt_defer *d = &rt->defer[i];

		if (all || rte_rcu_qsbr_check(sh->qs, d->token, false) == 1) {
			free(d->snap);
			dp_learn_free(d->learn);
		} else {
			rt->defer[k++] = *d;
		}
	}
	rt->n_defer = k;
}

static void defer(struct dp_shared *sh, uint64_t token, struct dp_svc_table *snap,
		  struct dp_learn *learn)
{
	struct dp_runtime *rt = sh->rt;

	if (rt->n_defer == RT_DEFER) {
		free_deferred(sh, false);
		if (rt->n_defer == RT_DEFER) {
			/* rare (many tables replaced at once): wait for the readers */
			rte_rcu_qsbr_synchronize(sh->qs, RTE_QSBR_THRID_INVALID);
			free_deferred(sh, true);
		}
	}
	rt->defer[rt->n_defer++] = (struct rt_defer){ .token = token, .snap = snap, .learn = learn };
}

/* Room for the deferrals of one apply (a snapshot and a table per service at worst). */
static void drain_defer(struct dp_shared *sh, unsigned need)
{
	free_deferred(sh, false);
	if (sh->rt->n_defer + need <= RT_DEFER)
		return;
	rte_rcu_qsbr_synchronize(sh->qs, RTE_QSBR_THRID_INVALID);
	free_deferred(sh, true);
}

static void take_base(struct dp_shared *sh, unsigned b)
{
	struct dp_runtime *rt = sh->rt;

	dp_stats_slot_sum(sh, b, &rt->bk_base[b], &rt->verdict_base[b], &rt->health_base[b]);
	rt->bk_base[b].active_flows = 0; /* the count is live: every life ends at 0 */
}

/* Publish @t for @next (the maps in rt->next); never fails. */
static void publish(struct dp_shared *sh, const struct cp_config *next, struct dp_svc_table *t)
{
	struct dp_runtime *rt = sh->rt;
	struct dp_svc_table *old = sh->snap;
	struct rt_maps *m = &rt->next;
	uint64_t token;
	unsigned i;

	rte_spinlock_lock(&rt->lock);
	for (i = 0; i < CP_MAX_BACKENDS; i++) {
		/* a slot reused: counters from zero, scheduler from zero (gen), and
		 * what the old owner's sessions taught about it forgotten */
		if (m->bk[i].state != RT_FREE && m->bk[i].gen != rt->m.bk[i].gen) {
			take_base(sh, i);
			/* up until its own health checks say otherwise */
			__atomic_store_n(&sh->bk_down[i], 0, __ATOMIC_RELAXED);
			if (m->bk[i].last_svc == m->bk[i].svc && sh->tls != NULL &&
			    sh->tls->learn[m->bk[i].svc] != NULL && rt->new_learn[m->bk[i].svc] == NULL)
				dp_learn_flush(sh->tls->learn[m->bk[i].svc], true);
		}
	}
	for (i = 0; i < CP_MAX_SERVICES; i++)
		if (m->svc[i].state != RT_FREE && m->svc[i].gen != rt->m.svc[i].gen) {
			dp_stats_service_sum(sh, i, &rt->svc_base[i]);
			rt->svc_base[i].active_flows = 0;
		}
	rt->m = *m;
	rt->cur = *next;
	memset(&rt->cur.pending, 0, sizeof(rt->cur.pending));
	rte_spinlock_unlock(&rt->lock);

	t->seq = ++rt->seq;
	__atomic_store_n(&sh->snap, t, __ATOMIC_RELEASE);
	token = rte_rcu_qsbr_start(sh->qs);
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		if (rt->m.svc[i].state == RT_RETIRED && rt->m.svc[i].token == UINT64_MAX)
			rt->m.svc[i].token = token;
		if (rt->new_learn[i] != NULL) {
			/* the old table goes when no worker can hold the old snapshot */
			if (sh->tls->learn[i] != NULL)
				defer(sh, token, NULL, sh->tls->learn[i]);
			sh->tls->learn[i] = rt->new_learn[i];
			rt->new_learn[i] = NULL;
		}
	}
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		if (rt->m.bk[i].state == RT_RETIRED && rt->m.bk[i].token == UINT64_MAX)
			rt->m.bk[i].token = token;
	if (old != NULL)
		defer(sh, token, old, NULL);
}

static void set_timeouts(struct dp_shared *sh, const struct cp_timeouts *to)
{
	uint32_t *ms = sh->flows.timeout_ms;

	__atomic_store_n(&ms[DP_FLOW_SYN], to->syn * 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&ms[DP_FLOW_SYN_ACK], to->syn * 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&ms[DP_FLOW_ESTABLISHED], to->established * 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&ms[DP_FLOW_CLOSING], to->closing * 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&ms[DP_FLOW_RESET], to->reset * 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->neigh.timeout_ms, (uint64_t)to->neigh * 1000, __ATOMIC_RELAXED);
}

static void set_learn_params(struct dp_shared *sh, const struct cp_config *cfg)
{
	unsigned i;

	if (sh->tls == NULL)
		return;
	for (i = 0; i < cfg->n_services; i++) {
		int slot = sh->rt->m.svc_of_cfg[i];

		if (slot >= 0 && sh->tls->learn[slot] != NULL && cfg->services[i].session_lifetime)
			dp_learn_set_lifetime(sh->tls->learn[slot],
					      cfg->services[i].session_lifetime);
	}
}

/* Build and publish the snapshot of @next; nothing changes on failure
 * (but for neighbour entries made for new next hops). */
static int commit(struct dp_shared *sh, const struct cp_config *next, char *err, size_t len)
{
	struct dp_runtime *rt = sh->rt;
	struct dp_svc_table *t;
	unsigned i;
	int ret;

	drain_defer(sh, 2 + CP_MAX_SERVICES / 16);
	rt->next = rt->m;
	ret = match_services(rt, next, err, len);
	if (ret < 0)
		return ret;
	ret = match_backends(rt, next, err, len);
	if (ret < 0)
		return ret;
	mark_resets(rt, next);
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		say(err, len, "out of memory");
		return -ENOMEM;
	}
	ret = dp_svc_fill(t, next, rt->next.svc_of_cfg, rt->next.bk_of_cfg);
	if (ret < 0) {
		say(err, len, "too many addresses and services");
		goto fail;
	}
	carry_retired(rt, t, sh->snap, next);
	ret = resolve(sh, t, err, len);
	if (ret < 0)
		goto fail;
	if (needs_tls(next) && sh->tls == NULL) {
		ret = dp_tls_shared_init(sh);
		if (ret < 0) {
			say(err, len, "cannot create the tls state: %s", strerror(-ret));
			goto fail;
		}
	}
	ret = make_learn(sh, next, err, len);
	if (ret < 0)
		goto fail;
	for (i = 0; i < next->n_neighs; i++) {
		const struct cp_neigh *n = &next->neighs[i];

		if (n->ip.family == AF_INET)
			(void)dp_neigh_add_static(&sh->neigh, n->ip.v4, n->mac, n->port);
	}
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		if (rt->next.svc[i].state == RT_FREE)
			continue;
		t->svc[i].learn = rt->new_learn[i] != NULL ? rt->new_learn[i] :
				  sh->tls != NULL ? sh->tls->learn[i] : NULL;
	}
	set_timeouts(sh, &next->timeouts);
	publish(sh, next, t);
	set_learn_params(sh, next);
	return 0;
fail:
	free(t);
	return ret;
}

/* Slots whose retirement every worker has seen and whose flows are gone. */
static int free_slots(struct dp_shared *sh)
{
	struct dp_runtime *rt = sh->rt;
	struct rt_maps *m = &rt->m;
	bool has_bk[CP_MAX_SERVICES] = { false };
	struct dp_backend_stats bs;
	struct dp_tlsstats_backend v;
	struct dp_health_stats hs;
	struct dp_service_stats ss;
	unsigned i;
	int freed = 0;

	for (i = 0; i < CP_MAX_BACKENDS; i++) {
		if (m->bk[i].state == RT_RETIRED &&
		    rte_rcu_qsbr_check(sh->qs, m->bk[i].token, false) == 1) {
			dp_stats_slot_sum(sh, i, &bs, &v, &hs);
			if (bs.active_flows == 0) {
				rte_spinlock_lock(&rt->lock);
				m->bk[i].state = RT_FREE;
				m->bk[i].last_svc = m->bk[i].svc;
				rte_spinlock_unlock(&rt->lock);
				freed++;
				continue;
			}
		}
		if (m->bk[i].state != RT_FREE)
			has_bk[m->bk[i].svc] = true;
	}
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		if (m->svc[i].state != RT_RETIRED || has_bk[i] ||
		    rte_rcu_qsbr_check(sh->qs, m->svc[i].token, false) != 1)
			continue;
		dp_stats_service_sum(sh, i, &ss);
		if (ss.active_flows - rt->svc_base[i].active_flows != 0)
			continue;
		rte_spinlock_lock(&rt->lock);
		m->svc[i].state = RT_FREE;
		rte_spinlock_unlock(&rt->lock);
		freed++;
	}
	return freed;
}

/* Learned tables of freed service slots, once the snapshot without them is out. */
static void free_learn(struct dp_shared *sh)
{
	struct dp_runtime *rt = sh->rt;
	uint64_t token = rte_rcu_qsbr_start(sh->qs);
	unsigned i;

	if (sh->tls == NULL)
		return;
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		if (rt->m.svc[i].state != RT_FREE || sh->tls->learn[i] == NULL)
			continue;
		defer(sh, token, NULL, sh->tls->learn[i]);
		sh->tls->learn[i] = NULL;
	}
}

int dp_shared_maintain(struct dp_shared *sh)
{
	int freed;

	free_deferred(sh, false);
	freed = free_slots(sh);
	if (freed > 0 && commit(sh, &sh->rt->cur, NULL, 0) == 0)
		free_learn(sh);
	dp_tls_maintain(sh);
	return freed;
}

int dp_shared_apply(struct dp_shared *sh, const struct cp_config *next, char *err,
		    size_t err_len)
{
	int ret;

	if (sh == NULL || next == NULL) {
		say(err, err_len, "no configuration");
		return -EINVAL;
	}
	ret = check_fixed(&sh->rt->cur, next, err, err_len);
	if (ret < 0)
		return ret;
	/* freed slots are taken by nothing in this very apply: next-fit moves on */
	free_deferred(sh, false);
	(void)free_slots(sh);
	ret = commit(sh, next, err, err_len);
	if (ret == 0)
		free_learn(sh);
	return ret;
}

int dp_runtime_init(struct dp_shared *sh, const struct cp_config *cfg)
{
	char err[160];
	unsigned i;
	int ret;

	sh->rt = calloc(1, sizeof(*sh->rt));
	if (sh->rt == NULL)
		return -ENOMEM;
	rte_spinlock_init(&sh->rt->lock);
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		sh->rt->m.bk[i].last_svc = UINT16_MAX;
	for (i = 0; i < CP_MAX_SERVICES; i++)
		sh->rt->m.svc_of_cfg[i] = -1;
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		sh->rt->m.bk_of_cfg[i] = -1;
	sh->rt->cur = *cfg;
	ret = commit(sh, cfg, err, sizeof(err));
	if (ret < 0) {
		dp_runtime_fini(sh);
		return ret;
	}
	return 0;
}

void dp_runtime_fini(struct dp_shared *sh)
{
	unsigned i;

	if (sh->rt == NULL)
		return;
	free_deferred(sh, true);
	free(sh->snap);
	sh->snap = NULL;
	for (i = 0; sh->tls != NULL && i < CP_MAX_SERVICES; i++) {
		dp_learn_free(sh->tls->learn[i]);
		sh->tls->learn[i] = NULL;
	}
	free(sh->rt);
	sh->rt = NULL;
}

void dp_runtime_rebase(struct dp_shared *sh, struct dp_stats *st)
{
	struct dp_runtime *rt = sh->rt;
	unsigned i, k;

	rte_spinlock_lock(&rt->lock);
	for (i = 0; i < CP_MAX_BACKENDS; i++) {
		uint64_t *to = (uint64_t *)&st->backend[i];
		const uint64_t *base = (const uint64_t *)&rt->bk_base[i];

		for (k = 0; k < sizeof(st->backend[i]) / sizeof(uint64_t); k++)
			to[k] -= base[k];
		for (k = 0; k < DP_TLSSTATS_V__COUNT; k++)
			st->verdict[i].v[k] -= rt->verdict_base[i].v[k];
		to = (uint64_t *)&st->health[i];
		base = (const uint64_t *)&rt->health_base[i];
		for (k = 0; k < sizeof(st->health[i]) / sizeof(uint64_t); k++)
			to[k] -= base[k];
	}
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		st->service[i].new_flows -= rt->svc_base[i].new_flows;
		st->service[i].active_flows -= rt->svc_base[i].active_flows;
	}
	rte_spinlock_unlock(&rt->lock);
}

/* ---- accessors ---- */

int dp_shared_backend_slot(const struct dp_shared *sh, unsigned cfg_index)
{
	struct dp_runtime *rt = sh->rt;
	int slot = -ENOENT;

	rte_spinlock_lock(&rt->lock);
	if (cfg_index < rt->cur.n_backends && rt->m.bk_of_cfg[cfg_index] >= 0)
		slot = rt->m.bk_of_cfg[cfg_index];
	rte_spinlock_unlock(&rt->lock);
	return slot;
}

int dp_shared_service_slot(const struct dp_shared *sh, unsigned cfg_index)
{
	struct dp_runtime *rt = sh->rt;
	int slot = -ENOENT;

	rte_spinlock_lock(&rt->lock);
	if (cfg_index < rt->cur.n_services && rt->m.svc_of_cfg[cfg_index] >= 0)
		slot = rt->m.svc_of_cfg[cfg_index];
	rte_spinlock_unlock(&rt->lock);
	return slot;
}

uint8_t *dp_shared_backend_down(struct dp_shared *sh)
{
	return sh->bk_down;
}

static struct dp_learn *learn_of(struct dp_shared *sh, unsigned svc_cfg_index)
{
	int slot = dp_shared_service_slot(sh, svc_cfg_index);

	if (slot < 0 || sh->tls == NULL)
		return NULL;
	return sh->tls->learn[slot];
}

int dp_shared_keyname_set(struct dp_shared *sh, unsigned svc_cfg_index, const uint8_t *name,
			  uint8_t len, unsigned backend_cfg_index)
{
	struct dp_learn *l = learn_of(sh, svc_cfg_index);
	int slot = dp_shared_backend_slot(sh, backend_cfg_index);

	if (l == NULL || slot < 0 || sh->rt->cur.backends[backend_cfg_index].service != svc_cfg_index)
		return -ENOENT;
	return dp_learn_keyname_set(l, name, len, (uint16_t)slot);
}

int dp_shared_keyname_remove(struct dp_shared *sh, unsigned svc_cfg_index, const uint8_t *name,
			     uint8_t len)
{
	struct dp_learn *l = learn_of(sh, svc_cfg_index);
	int ret;

	if (l == NULL)
		return -ENOENT;
	rte_spinlock_lock(&sh->tls->learn_del_lock);
	ret = dp_learn_keyname_remove(l, name, len);
	rte_spinlock_unlock(&sh->tls->learn_del_lock);
	return ret;
}
