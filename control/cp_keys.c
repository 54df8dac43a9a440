/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ticket-key manager (the state machine of cp_keys.h). Key material lives
 * only in struct key; every path that drops one goes through key_destroy() or
 * keys_free(), which cleanse it, and arrays holding keys never go through
 * realloc (which would free an uncleansed copy).
 */
#include "cp_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cp_addr.h"
#include "cp_args.h"
#include "cp_cmd_keys.h"
#include "cp_err.h"
#include "cp_parse.h"
#include "cp_reply.h"

struct key {
	struct cp_stek k;
	uint8_t state;       /* enum cp_key_state */
	bool owned;          /* per-server chain of the member at oip:oport */
	bool routed;         /* reported to the keyname callback (add) */
	struct cp_ip oip;
	uint16_t oport;
	uint64_t created;    /* s, wall clock */
	uint64_t since;      /* s, entered its state */
	uint64_t confirmed;  /* members (bit = slot) that acknowledged holding it */
};

struct member {
	bool used;
	struct cp_ip ip;
	uint16_t port;
	char cn[CP_KEYS_CN_MAX];
	uint8_t format;
	bool reachable;
	bool acked;
	uint64_t last_ack;
};

struct domain {
	struct cp_ip vip;
	uint16_t vport;
	uint8_t conf_policy; /* as configured (auto, per-server, fleet-shared) */
	uint8_t policy;      /* in force: per-server or fleet-shared */
	char why[160];
	uint32_t rotate, lifetime, retain;
	uint8_t aes_len;
	struct member mem[CP_KEYS_MAX_MEMBERS];
	struct key *keys;
	size_t n_keys, cap;
	uint64_t last_rotation;
	bool forced;
	bool blocked;       /* due, waiting for confirmations */
	uint64_t gen;
	bool seen;          /* configure(): still in the config */
};

struct cp_keys {
	struct cp_keys_ops ops;
	struct domain **doms;
	size_t n_doms;
	bool dirty;
	uint64_t gen_seq; /* gens are unique over domains and restarts of a domain */
};

static const char *const state_words[] = { "next", "current", "previous", NULL };

static void __attribute__((format(printf, 2, 3)))
klog(const struct cp_keys *k, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (k->ops.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k->ops.log(k->ops.ctx, line);
}

static void
hex16(const uint8_t name[16], char out[33])
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = digits[name[i] >> 4];
		out[2 * i + 1] = digits[name[i] & 15];
	}
	out[32] = '\0';
}

static const char *
dom_str(const struct domain *d, char *buf, size_t len)
{
	return cp_endpoint_str(&d->vip, d->vport, buf, len);
}

static void
changed(struct cp_keys *k, struct domain *d)
{
	d->gen = ++k->gen_seq;
	k->dirty = true;
}

static void
route(struct cp_keys *k, const struct domain *d, struct key *key, bool add)
{
	if (add == key->routed || !key->owned)
		return;
	if (add && d->policy != CP_KEYS_POLICY_PER_SERVER)
		return;
	key->routed = add;
	if (k->ops.keyname != NULL)
		k->ops.keyname(k->ops.ctx, &d->vip, d->vport, &key->oip, key->oport, key->k.name,
			       add);
}

/* Remove key @i of @d, cleansing it and the slot the tail leaves behind. */
static void
key_destroy(struct cp_keys *k, struct domain *d, size_t i)
{
	char name[33], s[CP_ENDPOINT_STRLEN];

	hex16(d->keys[i].k.name, name);
	klog(k, "keys %s: key %s (%s) destroyed", dom_str(d, s, sizeof(s)), name,
	      state_words[d->keys[i].state]);
	route(k, d, &d->keys[i], false);
	OPENSSL_cleanse(&d->keys[i], sizeof(d->keys[i]));
	memmove(&d->keys[i], &d->keys[i + 1], (d->n_keys - i - 1) * sizeof(d->keys[0]));
	d->n_keys--;
	OPENSSL_cleanse(&d->keys[d->n_keys], sizeof(d->keys[0]));
	changed(k, d);
}

static struct key *
key_append(struct domain *d)
{
	if (d->n_keys == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct key *nk = calloc(cap, sizeof(*nk));

		if (nk == NULL)
			return NULL;
		if (d->n_keys > 0)
			memcpy(nk, d->keys, d->n_keys * sizeof(*nk));
		if (d->keys != NULL) {
			OPENSSL_cleanse(d->keys, d->cap * sizeof(*nk));
			free(d->keys);
		}
		d->keys = nk;
		d->cap = cap;
	}
	memset(&d->keys[d->n_keys], 0, sizeof(d->keys[0]));
	return &d->keys[d->n_keys++];
}

static void
domain_free(struct cp_keys *k, struct domain *d)
{
	while (d->n_keys > 0)
		key_destroy(k, d, d->n_keys - 1);
	free(d->keys);
	free(d);
}

struct cp_keys *
cp_keys_create(const struct cp_keys_ops *ops)
{
	struct cp_keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	if (ops != NULL)
		k->ops = *ops;
	return k;
}

void
cp_keys_free(struct cp_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	/* No callbacks while tearing down: the daemon is going away too. */
	k->ops.keyname = NULL;
	k->ops.log = NULL;
	for (i = 0; i < k->n_doms; i++)
		domain_free(k, k->doms[i]);
	free(k->doms);
	free(k);
}

static struct domain *
domain_find(const struct cp_keys *k, const struct cp_ip *vip, uint16_t vport)
{
	size_t i;

	for (i = 0; i < k->n_doms; i++)
		if (k->doms[i]->vport == vport && cp_ip_equal(&k->doms[i]->vip, vip))
			return k->doms[i];
	return NULL;
}

void
cp_keys_reannounce(struct cp_keys *k, const struct cp_ip *vip, uint16_t vport)
{
	struct domain *d = domain_find(k, vip, vport);
	size_t i;

	if (d == NULL || k->ops.keyname == NULL)
		return;
	for (i = 0; i < d->n_keys; i++)
		if (d->keys[i].routed)
			k->ops.keyname(k->ops.ctx, &d->vip, d->vport, &d->keys[i].oip,
				       d->keys[i].oport, d->keys[i].k.name, true);
}

static int
member_slot(const struct domain *d, const struct cp_ip *ip, uint16_t port)
{
	int i;

	for (i = 0; i < CP_KEYS_MAX_MEMBERS; i++)
		if (d->mem[i].used && d->mem[i].port == port && cp_ip_equal(&d->mem[i].ip, ip))
			return i;
	return -1;
}

static bool
owned_by(const struct key *key, const struct member *m)
{
	return key->owned && key->oport == m->port && cp_ip_equal(&key->oip, &m->ip);
}

/* Every key that is current or next leaves for previous (or goes, for next). */
static void
retire_where(struct cp_keys *k, struct domain *d, const struct member *m, uint64_t now)
{
	size_t i = d->n_keys;

	while (i-- > 0) {
		struct key *key = &d->keys[i];

		if (m != NULL && !owned_by(key, m))
			continue;
		if (key->state == CP_KEY_NEXT) {
			key_destroy(k, d, i);
		} else if (key->state == CP_KEY_CURRENT) {
			key->state = CP_KEY_PREVIOUS;
			key->since = now;
			changed(k, d);
		}
	}
}

static void
settle_policy(struct domain *d)
{
	char s[CP_ENDPOINT_STRLEN];
	const struct member *hap = NULL;
	unsigned i;

	for (i = 0; i < CP_KEYS_MAX_MEMBERS; i++)
		if (d->mem[i].used && d->mem[i].format == CP_KEYS_FMT_HAPROXY && hap == NULL)
			hap = &d->mem[i];
	switch (d->conf_policy) {
	case CP_KEYS_POLICY_PER_SERVER:
		d->policy = CP_KEYS_POLICY_PER_SERVER;
		if (hap != NULL)
			snprintf(d->why, sizeof(d->why),
				 "configured; warning: %s (%s) reads haproxy keys and decrypts with "
				 "its last 3 only",
				 hap->cn, cp_endpoint_str(&hap->ip, hap->port, s, sizeof(s)));
		else
			snprintf(d->why, sizeof(d->why), "configured");
		break;
	case CP_KEYS_POLICY_FLEET_SHARED:
		d->policy = CP_KEYS_POLICY_FLEET_SHARED;
		snprintf(d->why, sizeof(d->why), "configured");
		break;
	default:
		if (hap != NULL) {
			d->policy = CP_KEYS_POLICY_FLEET_SHARED;
			snprintf(d->why, sizeof(d->why),
				 "auto: %s (%s) reads haproxy keys, which decrypt with the last 3 "
				 "lines only",
				 hap->cn, cp_endpoint_str(&hap->ip, hap->port, s, sizeof(s)));
		} else {
			d->policy = CP_KEYS_POLICY_PER_SERVER;
			snprintf(d->why, sizeof(d->why),
				 "auto: every agent's format holds every server's keys");
		}
	}
}

static int
configure_members(struct cp_keys *k, struct domain *d, const struct cp_config *cfg, unsigned svc,
		  uint64_t now)
{
	bool seen[CP_KEYS_MAX_MEMBERS] = { false };
	int rc = 0;
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];
		int slot;

		if (b->service != svc || b->keys.format == CP_KEYS_FMT_NONE)
			continue;
		slot = member_slot(d, &b->ip, b->port);
		if (slot < 0) {
			for (slot = 0; slot < CP_KEYS_MAX_MEMBERS && d->mem[slot].used; slot++)
				;
			if (slot == CP_KEYS_MAX_MEMBERS) {
				rc = -ENOSPC;
				continue;
			}
			memset(&d->mem[slot], 0, sizeof(d->mem[slot]));
			d->mem[slot].used = true;
			d->mem[slot].ip = b->ip;
			d->mem[slot].port = b->port;
			changed(k, d);
		}
		seen[slot] = true;
		memcpy(d->mem[slot].cn, b->keys.cn, sizeof(d->mem[slot].cn));
		d->mem[slot].format = b->keys.format;
	}
	for (i = 0; i < CP_KEYS_MAX_MEMBERS; i++) {
		size_t j;

		if (!d->mem[i].used || seen[i])
			continue;
		retire_where(k, d, &d->mem[i], now);
		for (j = 0; j < d->n_keys; j++)
			d->keys[j].confirmed &= ~(UINT64_C(1) << i);
		memset(&d->mem[i], 0, sizeof(d->mem[i]));
		changed(k, d);
	}
	return rc;
}

static bool
has_members(const struct cp_config *cfg, unsigned svc)
{
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].service == svc && cfg->backends[i].keys.format != 0)
			return true;
	return false;
}

int
cp_keys_configure(struct cp_keys *k, const struct cp_config *cfg, uint64_t now)
{
	size_t i, kept;
	unsigned s;
	int rc = 0;

	for (i = 0; i < k->n_doms; i++)
		k->doms[i]->seen = false;
	for (s = 0; s < cfg->n_services; s++) {
		const struct cp_service *sv = &cfg->services[s];
		const struct cp_service_keys *sk = &sv->keys;
		struct domain *d;
		uint8_t old_policy;

		if (sk->policy == CP_KEYS_POLICY_OFF || !has_members(cfg, s))
			continue;
		d = domain_find(k, &sv->vip, sv->port);
		if (d == NULL) {
			struct domain **nd = realloc(k->doms, (k->n_doms + 1) * sizeof(*nd));

			if (nd == NULL)
				return -ENOMEM;
			k->doms = nd;
			d = calloc(1, sizeof(*d));
			if (d == NULL)
				return -ENOMEM;
			d->vip = sv->vip;
			d->vport = sv->port;
			d->last_rotation = now;
			d->policy = CP_KEYS_POLICY_OFF; /* "none yet": no keys to retire */
			k->doms[k->n_doms++] = d;
			changed(k, d);
		}
		d->seen = true;
		d->conf_policy = sk->policy;
		d->rotate = sk->rotate ? sk->rotate : CP_KEYS_DEFAULT_ROTATE;
		d->lifetime = sk->lifetime ? sk->lifetime : CP_KEYS_DEFAULT_LIFETIME;
		d->retain = sk->retain ? sk->retain : d->lifetime;
		d->aes_len = sk->aes_bits == 128 ? 16 : 32;
		if (configure_members(k, d, cfg, s, now) < 0)
			rc = -ENOSPC;
		old_policy = d->policy;
		settle_policy(d);
		if (old_policy != CP_KEYS_POLICY_OFF && old_policy != d->policy) {
			char str[CP_ENDPOINT_STRLEN];

			/* The chains change shape: the old ones only decrypt from now on. */
			retire_where(k, d, NULL, now);
			klog(k, "keys %s: policy now %s (%s)", dom_str(d, str, sizeof(str)),
			      d->policy == CP_KEYS_POLICY_PER_SERVER ? "per-server" : "fleet-shared",
			      d->why);
		}
	}
	for (i = 0, kept = 0; i < k->n_doms; i++) {
		if (k->doms[i]->seen) {
			k->doms[kept++] = k->doms[i];
			continue;
		}
		k->dirty = true;
		domain_free(k, k->doms[i]);
	}
	k->n_doms = kept;
	return rc;
}

static int
key_new(struct cp_keys *k, struct domain *d, const struct member *owner, uint8_t state,
	uint64_t now)
{
	char name[33], s[CP_ENDPOINT_STRLEN];
	struct key *key = key_append(d);

	if (key == NULL)
		return -ENOMEM;
	if (RAND_priv_bytes(key->k.name, sizeof(key->k.name)) != 1 ||
	    RAND_priv_bytes(key->k.hmac, sizeof(key->k.hmac)) != 1 ||
	    RAND_priv_bytes(key->k.aes, d->aes_len) != 1) {
		key_destroy(k, d, d->n_keys - 1);
		klog(k, "keys %s: the random generator failed", dom_str(d, s, sizeof(s)));
		return -EIO;
	}
	key->k.aes_len = d->aes_len;
	key->state = state;
	key->created = now;
	key->since = now;
	if (owner != NULL) {
		key->owned = true;
		key->oip = owner->ip;
		key->oport = owner->port;
	}
	if (state == CP_KEY_CURRENT)
		route(k, d, key, true);
	hex16(key->k.name, name);
	klog(k, "keys %s: new key %s (%s) for %s", dom_str(d, s, sizeof(s)), name,
	      state_words[state], owner != NULL ? owner->cn : "the service");
	changed(k, d);
	return 0;
}

static struct key *
chain_key(struct domain *d, const struct member *owner, uint8_t state)
{
	size_t i;

	for (i = 0; i < d->n_keys; i++) {
		struct key *key = &d->keys[i];

		if (key->state != state)
			continue;
		if (owner == NULL ? !key->owned : owned_by(key, owner))
			return key;
	}
	return NULL;
}

/* Give a chain its current (born current when it has none) and its next key. */
static void
chain_fill(struct cp_keys *k, struct domain *d, const struct member *owner, uint64_t now)
{
	if (chain_key(d, owner, CP_KEY_CURRENT) == NULL) {
		struct key *next = chain_key(d, owner, CP_KEY_NEXT);

		if (next != NULL) {
			next->state = CP_KEY_CURRENT;
			next->since = now;
			route(k, d, next, true);
			changed(k, d);
		} else if (key_new(k, d, owner, CP_KEY_CURRENT, now) < 0) {
			return;
		}
	}
	if (chain_key(d, owner, CP_KEY_NEXT) == NULL)
		key_new(k, d, owner, CP_KEY_NEXT, now);
}

static uint64_t
reachable_mask(const struct domain *d)
{
	uint64_t mask = 0;
	unsigned i;

	for (i = 0; i < CP_KEYS_MAX_MEMBERS; i++)
		if (d->mem[i].used && d->mem[i].reachable)
			mask |= UINT64_C(1) << i;
	return mask;
}

/* Members that are reachable and miss a next key. */
static uint64_t
unconfirmed(const struct domain *d)
{
	uint64_t want = reachable_mask(d), missing = 0;
	size_t i;

	for (i = 0; i < d->n_keys; i++)
		if (d->keys[i].state == CP_KEY_NEXT)
			missing |= want & ~d->keys[i].confirmed;
	return missing;
}

static void
rotate_domain(struct cp_keys *k, struct domain *d, uint64_t now)
{
	char s[CP_ENDPOINT_STRLEN];
	size_t i = d->n_keys;
	unsigned m;

	/* Fleet-shared keeps one previous key: HAProxy's three lines. */
	while (d->policy == CP_KEYS_POLICY_FLEET_SHARED && i-- > 0)
		if (d->keys[i].state == CP_KEY_PREVIOUS)
			key_destroy(k, d, i);
	for (i = 0; i < d->n_keys; i++) {
		struct key *key = &d->keys[i];

		if (key->state == CP_KEY_CURRENT) {
			key->state = CP_KEY_PREVIOUS;
			key->since = now;
		}
	}
	for (i = 0; i < d->n_keys; i++) {
		struct key *key = &d->keys[i];

		if (key->state == CP_KEY_NEXT) {
			key->state = CP_KEY_CURRENT;
			key->since = now;
			route(k, d, key, true);
		}
	}
	changed(k, d);
	d->last_rotation = now;
	d->forced = false;
	d->blocked = false;
	klog(k, "keys %s: rotated", dom_str(d, s, sizeof(s)));
	if (d->policy == CP_KEYS_POLICY_FLEET_SHARED) {
		key_new(k, d, NULL, CP_KEY_NEXT, now);
	} else {
		for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
			if (d->mem[m].used)
				key_new(k, d, &d->mem[m], CP_KEY_NEXT, now);
	}
}

static void
tick_domain(struct cp_keys *k, struct domain *d, uint64_t now)
{
	char s[CP_ENDPOINT_STRLEN];
	uint64_t missing;
	size_t i;
	unsigned m;

	if (d->policy == CP_KEYS_POLICY_FLEET_SHARED) {
		chain_fill(k, d, NULL, now);
	} else {
		for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
			if (d->mem[m].used)
				chain_fill(k, d, &d->mem[m], now);
	}

	if (d->forced || now >= d->last_rotation + d->rotate) {
		missing = unconfirmed(d);
		if (missing == 0) {
			rotate_domain(k, d, now);
		} else if (!d->blocked) {
			char who[256] = "";

			for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
				if (missing & (UINT64_C(1) << m))
					snprintf(who + strlen(who), sizeof(who) - strlen(who),
						 "%s%s", who[0] ? ", " : "", d->mem[m].cn);
			d->blocked = true;
			klog(k, "keys %s: rotation due, waiting for %s to confirm the next keys",
			      dom_str(d, s, sizeof(s)), who);
		}
	}

	i = d->n_keys;
	while (i-- > 0) {
		const struct key *key = &d->keys[i];

		if (key->state == CP_KEY_PREVIOUS && now >= key->since + d->retain)
			key_destroy(k, d, i);
	}
}

void
cp_keys_tick(struct cp_keys *k, uint64_t now)
{
	size_t i;

	for (i = 0; i < k->n_doms; i++)
		tick_domain(k, k->doms[i], now);
}

int
cp_keys_rotate(struct cp_keys *k, const struct cp_ip *vip, uint16_t vport, uint64_t now)
{
	size_t i;

	if (vip != NULL) {
		struct domain *d = domain_find(k, vip, vport);

		if (d == NULL)
			return -ENOENT;
		d->forced = true;
		tick_domain(k, d, now);
		return 0;
	}
	for (i = 0; i < k->n_doms; i++) {
		k->doms[i]->forced = true;
		tick_domain(k, k->doms[i], now);
	}
	return 0;
}

int
cp_keys_member_find(const struct cp_keys *k, const char *cn, struct cp_keys_member_ref *ref)
{
	size_t i;
	int m;

	for (i = 0; i < k->n_doms; i++)
		for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
			if (k->doms[i]->mem[m].used && strcmp(k->doms[i]->mem[m].cn, cn) == 0) {
				ref->svc = (int)i;
				ref->mem = m;
				return 0;
			}
	return -ENOENT;
}

static struct member *
member_of(const struct cp_keys *k, struct cp_keys_member_ref ref, struct domain **d)
{
	if (ref.svc < 0 || (size_t)ref.svc >= k->n_doms || ref.mem < 0 ||
	    ref.mem >= CP_KEYS_MAX_MEMBERS || !k->doms[ref.svc]->mem[ref.mem].used)
		return NULL;
	*d = k->doms[ref.svc];
	return &(*d)->mem[ref.mem];
}

int
cp_keys_member_backend(const struct cp_keys *k, struct cp_keys_member_ref ref, struct cp_ip *vip,
		       uint16_t *vport, struct cp_ip *ip, uint16_t *port, uint8_t *format)
{
	struct domain *d;
	struct member *m = member_of(k, ref, &d);

	if (m == NULL)
		return -ENOENT;
	*vip = d->vip;
	*vport = d->vport;
	*ip = m->ip;
	*port = m->port;
	*format = m->format;
	return 0;
}

void
cp_keys_agent_reachable(struct cp_keys *k, struct cp_keys_member_ref ref, bool up)
{
	struct domain *d;
	struct member *m = member_of(k, ref, &d);
	size_t i;

	if (m == NULL)
		return;
	m->reachable = up;
	if (!up)
		return;
	/*
	 * What it acknowledged before may be gone (a reinstalled host): it
	 * confirms again after the push that follows its hello.
	 */
	for (i = 0; i < d->n_keys; i++)
		d->keys[i].confirmed &= ~(UINT64_C(1) << ref.mem);
	m->acked = false;
}

void
cp_keys_agent_ack(struct cp_keys *k, struct cp_keys_member_ref ref, const uint8_t (*names)[16],
		  size_t n, uint64_t now)
{
	struct domain *d;
	struct member *m = member_of(k, ref, &d);
	size_t i, j;

	if (m == NULL)
		return;
	m->acked = true;
	m->last_ack = now;
	for (i = 0; i < d->n_keys; i++)
		for (j = 0; j < n; j++)
			if (memcmp(d->keys[i].k.name, names[j], 16) == 0)
				d->keys[i].confirmed |= UINT64_C(1) << ref.mem;
}

/* Oldest first (cp_stek.h): previous keys by age, then current keys, then next keys. */
static int
age_rank(const struct key *key)
{
	return key->state == CP_KEY_PREVIOUS ? 0 : key->state == CP_KEY_CURRENT ? 1 : 2;
}

int
cp_keys_member_set(const struct cp_keys *k, struct cp_keys_member_ref ref, struct cp_stek *buf,
		   uint8_t *states, size_t max, struct cp_keyset *set, uint64_t *gen)
{
	struct domain *d;
	struct member *m = member_of(k, ref, &d);
	const struct key *enc, *order[CP_KEYS_MAX_SET];
	size_t n = 0, i, j;
	int r;

	if (m == NULL)
		return -ENOENT;
	if (d->n_keys > max || d->n_keys > CP_KEYS_MAX_SET)
		return -ENOSPC;
	enc = chain_key(d, d->policy == CP_KEYS_POLICY_PER_SERVER ? m : NULL, CP_KEY_CURRENT);
	for (r = 0; r <= 2; r++) {
		size_t first = n;

		for (i = 0; i < d->n_keys; i++) {
			if (age_rank(&d->keys[i]) != r)
				continue;
			/* Insertion by the time each entered its state, stable. */
			for (j = n; j > first && order[j - 1]->since > d->keys[i].since; j--)
				order[j] = order[j - 1];
			order[j] = &d->keys[i];
			n++;
		}
	}
	set->keys = buf;
	set->n = (unsigned)n;
	set->encrypt = 0;
	for (i = 0; i < n; i++) {
		buf[i] = order[i]->k;
		if (states != NULL)
			states[i] = order[i]->state;
		if (order[i] == enc)
			set->encrypt = (unsigned)i;
	}
	*gen = d->gen;
	return 0;
}

bool
cp_keys_dirty(const struct cp_keys *k)
{
	return k->dirty;
}

/* ---- state file -------------------------------------------------------- */

static void
hex_put(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int
write_state(const struct cp_keys *k, FILE *f)
{
	char v[CP_ENDPOINT_STRLEN], o[CP_ENDPOINT_STRLEN];
	size_t i, j;

	fprintf(f, "tlslb-keys 1\n");
	for (i = 0; i < k->n_doms; i++) {
		const struct domain *d = k->doms[i];

		dom_str(d, v, sizeof(v));
		fprintf(f, "domain %s %" PRIu64 "\n", v, d->last_rotation);
		for (j = 0; j < d->n_keys; j++) {
			const struct key *key = &d->keys[j];

			fprintf(f, "key %s %s %s %" PRIu64 " %" PRIu64 " ", v,
				key->owned ? cp_endpoint_str(&key->oip, key->oport, o, sizeof(o))
					   : "-",
				state_words[key->state], key->created, key->since);
			hex_put(f, key->k.name, sizeof(key->k.name));
			fputc(' ', f);
			hex_put(f, key->k.hmac, sizeof(key->k.hmac));
			fputc(' ', f);
			hex_put(f, key->k.aes, key->k.aes_len);
			fputc('\n', f);
		}
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

int
cp_keys_state_save(struct cp_keys *k, const char *path)
{
	char tmp[4096 + 16], dir[4096];
	const char *slash = strrchr(path, '/');
	FILE *f = NULL;
	int fd = -1, dfd, rc;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	/* The buffer would hold key bytes after fclose: make it ours to cleanse. */
	{
		char buf[BUFSIZ];

		setvbuf(f, buf, _IOFBF, sizeof(buf));
		rc = write_state(k, f);
		if (rc == 0 && fsync(fileno(f)) != 0)
			rc = -errno;
		if (fclose(f) != 0 && rc == 0)
			rc = -EIO;
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	if (rc < 0)
		goto fail;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	k->dirty = false;
	return 0;
fail:
	unlink(tmp);
	return rc;
}

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (i = 0; i < 2 * n; i++) {
		int c = s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

struct loaded {
	struct cp_ip vip;
	uint16_t vport;
	struct key key;
};

static int
parse_key_line(char *line, struct loaded *l)
{
	char *w[10], *save = NULL, *p;
	struct cp_err e = { 0 };
	unsigned n = 0, st;
	size_t aes_hex;

	for (p = strtok_r(line, " \n", &save); p != NULL && n < 10; p = strtok_r(NULL, " \n", &save))
		w[n++] = p;
	if (n != 9 || p != NULL || strcmp(w[0], "key") != 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	if (cp_parse_endpoint(w[1], &l->vip, &l->vport, &e) < 0)
		return -EINVAL;
	if (strcmp(w[2], "-") != 0) {
		if (cp_parse_endpoint(w[2], &l->key.oip, &l->key.oport, &e) < 0)
			return -EINVAL;
		l->key.owned = true;
	}
	for (st = 0; state_words[st] != NULL && strcmp(state_words[st], w[3]) != 0; st++)
		;
	if (state_words[st] == NULL)
		return -EINVAL;
	l->key.state = (uint8_t)st;
	l->key.created = strtoull(w[4], NULL, 10);
	l->key.since = strtoull(w[5], NULL, 10);
	aes_hex = strlen(w[8]);
	if (aes_hex != 32 && aes_hex != 64)
		return -EINVAL;
	l->key.k.aes_len = (uint8_t)(aes_hex / 2);
	if (unhex(w[6], l->key.k.name, 16) < 0 || unhex(w[7], l->key.k.hmac, 32) < 0 ||
	    unhex(w[8], l->key.k.aes, l->key.k.aes_len) < 0)
		return -EINVAL;
	return 0;
}

/* Adopt one loaded key into its domain, as the domain's shape allows. */
static void
adopt(struct cp_keys *k, const struct loaded *l, uint64_t now)
{
	struct domain *d = domain_find(k, &l->vip, l->vport);
	struct key *key;
	bool fits;

	if (d == NULL)
		return;
	if (l->key.owned) {
		int slot = member_slot(d, &l->key.oip, l->key.oport);

		fits = d->policy == CP_KEYS_POLICY_PER_SERVER && slot >= 0;
	} else {
		fits = d->policy == CP_KEYS_POLICY_FLEET_SHARED;
	}
	key = key_append(d);
	if (key == NULL)
		return;
	*key = l->key;
	key->routed = false;
	key->confirmed = 0;
	if (!fits && key->state != CP_KEY_PREVIOUS) {
		/* Its chain is gone: it may only decrypt what it encrypted. */
		if (key->state == CP_KEY_NEXT) {
			key_destroy(k, d, d->n_keys - 1);
			return;
		}
		key->state = CP_KEY_PREVIOUS;
		key->since = now;
	}
	/* Tickets it issued before the restart still go to their issuer. */
	if (key->state != CP_KEY_NEXT && key->owned) {
		key->routed = true;
		if (k->ops.keyname != NULL)
			k->ops.keyname(k->ops.ctx, &d->vip, d->vport, &key->oip, key->oport,
				       key->k.name, true);
	}
	changed(k, d);
}

int
cp_keys_state_load(struct cp_keys *k, const char *path, uint64_t now)
{
	struct loaded *all = NULL, *grown;
	size_t n = 0, cap = 0, i;
	char line[512];
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0); /* no stdio buffer left holding key bytes */
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, "tlslb-keys 1\n") != 0) {
		rc = -EINVAL;
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "domain ", 7) == 0) {
			struct cp_err e = { 0 };
			struct cp_ip vip;
			uint16_t vport;
			char ep[64];
			unsigned long long last;
			struct domain *d;

			if (sscanf(line, "domain %63s %llu", ep, &last) != 2 ||
			    cp_parse_endpoint(ep, &vip, &vport, &e) < 0) {
				rc = -EINVAL;
				goto out;
			}
			d = domain_find(k, &vip, vport);
			if (d != NULL)
				d->last_rotation = last;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = calloc(cap, sizeof(*grown));
			if (grown == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			if (n > 0)
				memcpy(grown, all, n * sizeof(*all));
			if (all != NULL) {
				OPENSSL_cleanse(all, n * sizeof(*all));
				free(all);
			}
			all = grown;
		}
		rc = parse_key_line(line, &all[n]);
		if (rc < 0)
			goto out;
		n++;
	}
	if (ferror(f)) {
		rc = -EIO;
		goto out;
	}
	/* Whatever a start-up tick made is replaced by what was there before. */
	for (i = 0; i < k->n_doms; i++)
		while (k->doms[i]->n_keys > 0)
			key_destroy(k, k->doms[i], k->doms[i]->n_keys - 1);
	for (i = 0; i < n; i++)
		adopt(k, &all[i], now);
	klog(k, "keys: %zu keys read back from %s", n, path);
out:
	OPENSSL_cleanse(line, sizeof(line));
	if (all != NULL) {
		OPENSSL_cleanse(all, cap * sizeof(*all));
		free(all);
	}
	fclose(f);
	return rc;
}

/* ---- show -------------------------------------------------------------- */

static const char *
policy_word(uint8_t p)
{
	return p == CP_KEYS_POLICY_FLEET_SHARED ? "fleet-shared" : "per-server";
}

static void
show_domains(const struct cp_keys *k, struct cp_reply *out, uint64_t now)
{
	static const char *const cols[] = { "service", "policy",   "why",	  "rotate",
					    "lifetime", "retain",  "rotated_ago", "status" };
	char s[CP_ENDPOINT_STRLEN], who[256];
	size_t i;
	unsigned m;

	cp_reply_table(out, "domains", 8, cols);
	for (i = 0; i < k->n_doms; i++) {
		const struct domain *d = k->doms[i];
		uint64_t missing = unconfirmed(d);

		cp_reply_str(out, dom_str(d, s, sizeof(s)));
		cp_reply_str(out, policy_word(d->policy));
		cp_reply_str(out, d->why);
		cp_reply_u64(out, d->rotate);
		cp_reply_u64(out, d->lifetime);
		cp_reply_u64(out, d->retain);
		cp_reply_u64(out, now - d->last_rotation);
		who[0] = '\0';
		for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
			if (missing & (UINT64_C(1) << m))
				snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s",
					 who[0] ? "," : "", d->mem[m].cn);
		if (d->blocked)
			cp_reply_strf(out, "rotation due, waiting for %s", who);
		else if (who[0] != '\0')
			cp_reply_strf(out, "next not yet held by %s", who);
		else
			cp_reply_strf(out, "ok, next rotation in %" PRIu64 " s",
				      d->last_rotation + d->rotate > now
					      ? d->last_rotation + d->rotate - now
					      : 0);
	}
}

static void
show_keys(const struct cp_keys *k, struct cp_reply *out, uint64_t now)
{
	static const char *const cols[] = { "service", "name",     "owner",     "state",
					    "age",     "in_state", "expires_in", "confirmed_by" };
	char s[CP_ENDPOINT_STRLEN], o[CP_ENDPOINT_STRLEN], name[33], who[512];
	size_t i, j;
	unsigned m;

	cp_reply_table(out, "keys", 8, cols);
	for (i = 0; i < k->n_doms; i++) {
		const struct domain *d = k->doms[i];

		for (j = 0; j < d->n_keys; j++) {
			const struct key *key = &d->keys[j];

			hex16(key->k.name, name);
			cp_reply_str(out, dom_str(d, s, sizeof(s)));
			cp_reply_str(out, name);
			cp_reply_str(out, key->owned ? cp_endpoint_str(&key->oip, key->oport, o,
								       sizeof(o))
						     : "service");
			cp_reply_str(out, state_words[key->state]);
			cp_reply_u64(out, now - key->created);
			cp_reply_u64(out, now - key->since);
			if (key->state == CP_KEY_PREVIOUS)
				cp_reply_u64(out, key->since + d->retain > now
							  ? key->since + d->retain - now
							  : 0);
			else
				cp_reply_str(out, "-");
			who[0] = '\0';
			for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++)
				if (d->mem[m].used && (key->confirmed & (UINT64_C(1) << m)))
					snprintf(who + strlen(who), sizeof(who) - strlen(who),
						 "%s%s", who[0] ? "," : "", d->mem[m].cn);
			cp_reply_str(out, who[0] ? who : "-");
		}
	}
}

static void
show_agents(const struct cp_keys *k, struct cp_reply *out, uint64_t now)
{
	static const char *const fmts[] = { "-", "openssl", "nginx", "haproxy" };
	static const char *const cols[] = { "service", "backend",  "cn",
					    "format",  "reachable", "last_ack_ago" };
	char s[CP_ENDPOINT_STRLEN], b[CP_ENDPOINT_STRLEN];
	size_t i;
	unsigned m;

	cp_reply_table(out, "agents", 6, cols);
	for (i = 0; i < k->n_doms; i++) {
		const struct domain *d = k->doms[i];

		for (m = 0; m < CP_KEYS_MAX_MEMBERS; m++) {
			const struct member *mb = &d->mem[m];

			if (!mb->used)
				continue;
			cp_reply_str(out, dom_str(d, s, sizeof(s)));
			cp_reply_str(out, cp_endpoint_str(&mb->ip, mb->port, b, sizeof(b)));
			cp_reply_str(out, mb->cn);
			cp_reply_str(out, mb->format < 4 ? fmts[mb->format] : "?");
			cp_reply_bool(out, mb->reachable);
			if (mb->acked)
				cp_reply_u64(out, now - mb->last_ack);
			else
				cp_reply_str(out, "-");
		}
	}
}

void
cp_keys_show(const struct cp_keys *k, struct cp_reply *out, uint64_t now)
{
	show_domains(k, out, now);
	show_keys(k, out, now);
	show_agents(k, out, now);
}

int
cp_keys_count(const struct cp_keys *k, const struct cp_ip *vip, uint16_t vport)
{
	const struct domain *d = domain_find(k, vip, vport);

	return d == NULL ? -ENOENT : (int)d->n_keys;
}

int
cp_keys_policy(const struct cp_keys *k, const struct cp_ip *vip, uint16_t vport)
{
	const struct domain *d = domain_find(k, vip, vport);

	return d == NULL ? -ENOENT : d->policy;
}

int
cp_keys_q_show(void *ctx, const struct cp_config *running, const struct cp_args *args,
	       struct cp_reply *out, struct cp_err *e)
{
	(void)running;
	(void)args;
	if (ctx == NULL)
		return cp_errf(e, ENOTSUP, "no ticket-key management (no `keys listen`)");
	cp_keys_show(ctx, out, (uint64_t)time(NULL));
	return 0;
}

int
cp_keys_q_rotate(void *ctx, const struct cp_config *running, const struct cp_args *args,
		 struct cp_reply *out, struct cp_err *e)
{
	const struct cp_value *svc = &args->v[ARG_KR_SVC];
	char s[CP_ENDPOINT_STRLEN];
	struct cp_keys *k = ctx;
	int rc;

	(void)running;
	if (k == NULL)
		return cp_errf(e, ENOTSUP, "no ticket-key management (no `keys listen`)");
	cp_endpoint_str(&svc->ip, svc->port, s, sizeof(s));
	rc = cp_keys_rotate(k, args->set[ARG_KR_SVC] ? &svc->ip : NULL, svc->port,
			    (uint64_t)time(NULL));
	if (rc < 0)
		return cp_errf(e, -rc, "service %s has no ticket keys", s);
	cp_reply_textf(out, "keys",
		       "rotation requested%s%s; it happens once every reachable agent holds the "
		       "next keys (see show keys)\n",
		       args->set[ARG_KR_SVC] ? " for " : "",
		       args->set[ARG_KR_SVC] ? s : "");
	return 0;
}
