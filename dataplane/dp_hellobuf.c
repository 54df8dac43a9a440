/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dp_hellobuf.h"

/* Held data as intervals of offsets: the prefix, then the ranges. */
struct span {
	uint32_t lo, hi;
};

void dp_hellobuf_init(struct dp_hellobuf *hb, uint32_t isn, uint32_t cap)
{
	memset(hb, 0, sizeof(*hb));
	hb->isn = isn;
	hb->cap = cap;
}

/* The cap is checked before memory is taken, with a compare-and-swap so that
 * lcores racing for the last bytes cannot overshoot it together. */
static bool pool_reserve(struct dp_hello_pool *pool, uint64_t n)
{
	uint64_t cur = __atomic_load_n(&pool->used, __ATOMIC_RELAXED);

	do {
		if (n > pool->cap || cur > pool->cap - n)
			return false;
	} while (!__atomic_compare_exchange_n(&pool->used, &cur, cur + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void pool_unreserve(struct dp_hello_pool *pool, uint64_t n)
{
	__atomic_fetch_sub(&pool->used, n, __ATOMIC_RELAXED);
}

/* One past the last offset held. */
static uint32_t held_end(const struct dp_hellobuf *hb)
{
	return hb->n_ranges ? hb->ranges[hb->n_ranges - 1].hi : hb->len;
}

/*
 * Make room for offsets [0, need). Sizes double from min_alloc and end at the
 * capacity, so most hellos (well under 2 KiB) never grow. Only the growth is
 * counted against the cap: the old buffer is freed before returning, so at
 * most one buffer per lcore ever exists outside the count, for an instant.
 */
static int grow(struct dp_hellobuf *hb, struct dp_hello_pool *pool, uint32_t need)
{
	uint64_t size = hb->alloc;
	uint8_t *p;

	if (size == 0)
		size = pool->min_alloc && pool->min_alloc < hb->cap ? pool->min_alloc : hb->cap;
	while (size < need)
		size *= 2;
	if (size > hb->cap)
		size = hb->cap;
	if (!pool_reserve(pool, size - hb->alloc))
		return -ENOBUFS;
	p = pool->alloc(pool->ctx, (size_t)size);
	if (p == NULL) {
		pool_unreserve(pool, size - hb->alloc);
		return -ENOMEM;
	}
	if (hb->buf) {
		memcpy(p, hb->buf, held_end(hb));
		pool->free(pool->ctx, hb->buf, hb->alloc);
	}
	hb->buf = p;
	hb->alloc = (uint32_t)size;
	return 0;
}

/* Whether [lo, hi) joins held data (overlapping or touching), so that
 * storing it cannot add a range. */
static bool joins_held(const struct dp_hellobuf *hb, uint32_t lo, uint32_t hi)
{
	unsigned i;

	if (lo <= hb->len)
		return true;
	for (i = 0; i < hb->n_ranges; i++)
		if (lo <= hb->ranges[i].hi && hi >= hb->ranges[i].lo)
			return true;
	return false;
}

static unsigned held_spans(const struct dp_hellobuf *hb, struct span *s)
{
	unsigned i;

	s[0].lo = 0;
	s[0].hi = hb->len;
	for (i = 0; i < hb->n_ranges; i++) {
		s[i + 1].lo = hb->ranges[i].lo;
		s[i + 1].hi = hb->ranges[i].hi;
	}
	return hb->n_ranges + 1;
}

/* Store [lo, hi) of @data (which starts at offset @lo) where nothing is held,
 * and compare it where something is. */
static unsigned store(struct dp_hellobuf *hb, const uint8_t *data, uint32_t lo, uint32_t hi)
{
	struct span s[DP_HELLOBUF_RANGES + 1];
	unsigned n = held_spans(hb, s), i, ev = 0;
	uint32_t p = lo, e;

	for (i = 0; i < n && p < hi; i++) {
		if (s[i].hi <= p)
			continue;
		if (s[i].lo >= hi)
			break;
		if (s[i].lo > p) {
			memcpy(hb->buf + p, data + (p - lo), s[i].lo - p);
			ev |= DP_HB_NEW;
			p = s[i].lo;
		}
		e = s[i].hi < hi ? s[i].hi : hi;
		ev |= DP_HB_DUP;
		if (memcmp(hb->buf + p, data + (p - lo), e - p) != 0)
			ev |= DP_HB_CONFLICT;
		p = e;
	}
	if (p < hi) {
		memcpy(hb->buf + p, data + (p - lo), hi - p);
		ev |= DP_HB_NEW;
	}
	return ev;
}

/* Add [lo, hi) to the held intervals; the caller checked that the result
 * keeps at most DP_HELLOBUF_RANGES ranges. */
static void merge(struct dp_hellobuf *hb, uint32_t lo, uint32_t hi)
{
	struct span s[DP_HELLOBUF_RANGES + 2], out[DP_HELLOBUF_RANGES + 2];
	unsigned n = held_spans(hb, s), i, j, m = 0;

	/* insert by start; the prefix [0, len) stays first */
	for (i = n; i > 1 && s[i - 1].lo > lo; i--)
		s[i] = s[i - 1];
	s[i].lo = lo;
	s[i].hi = hi;
	n++;

	for (j = 0; j < n; j++) {
		if (m && s[j].lo <= out[m - 1].hi) {
			if (s[j].hi > out[m - 1].hi)
				out[m - 1].hi = s[j].hi;
		} else {
			out[m++] = s[j];
		}
	}

	/* out[0] is the prefix, possibly still empty ([0, 0) with ranges after) */
	hb->len = out[0].hi;
	hb->n_ranges = (uint8_t)(m - 1);
	for (j = 1; j < m; j++) {
		hb->ranges[j - 1].lo = out[j].lo;
		hb->ranges[j - 1].hi = out[j].hi;
	}
}

int dp_hellobuf_add(struct dp_hellobuf *hb, struct dp_hello_pool *pool, uint32_t seq,
		    const uint8_t *data, size_t len, unsigned *events)
{
	/* RFC 9293 3.4: sequence space is compared modulo 2^32; a start more
	 * than 2^31 ahead is taken as behind, which is beyond any window */
	int64_t lo = (int32_t)(seq - (hb->isn + 1)), hi;
	unsigned ev = 0;
	int rc;

	*events = 0;
	if (len > UINT32_MAX)
		len = UINT32_MAX; /* past any capacity anyway */
	hi = lo + (int64_t)len;
	if (hi <= lo)
		return 0;
	if (lo < 0) {
		ev |= DP_HB_BEFORE;
		if (hi <= 0) {
			*events = ev;
			return 0;
		}
		data += -lo;
		lo = 0;
	}
	if (hi > hb->cap) {
		ev |= DP_HB_BEYOND;
		if (lo >= hb->cap) {
			*events = ev;
			return 0;
		}
		hi = hb->cap;
	}

	if (!joins_held(hb, (uint32_t)lo, (uint32_t)hi) && hb->n_ranges == DP_HELLOBUF_RANGES)
		return -ENOSPC;
	if ((uint64_t)hi > hb->alloc) {
		rc = grow(hb, pool, (uint32_t)hi);
		if (rc < 0)
			return rc;
	}
	ev |= store(hb, data, (uint32_t)lo, (uint32_t)hi);
	merge(hb, (uint32_t)lo, (uint32_t)hi);
	*events = ev;
	return 0;
}

void dp_hellobuf_release(struct dp_hellobuf *hb, struct dp_hello_pool *pool)
{
	if (hb->buf) {
		pool->free(pool->ctx, hb->buf, hb->alloc);
		pool_unreserve(pool, hb->alloc);
	}
	hb->buf = NULL;
	hb->alloc = 0;
	hb->len = 0;
	hb->n_ranges = 0;
}
