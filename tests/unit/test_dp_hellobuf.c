/* SPDX-License-Identifier: BSD-3-Clause */
/* The hello buffer: real ClientHellos (tools/tlsgen) cut into segments and
 * fed in every order, with duplicates, overlaps and conflicting
 * retransmissions, until tlsparse says OK; random segments checked against a
 * byte-by-byte model; capacity, range, global-cap and allocator refusals;
 * sequence numbers wrapping past 2^32. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_hellobuf.h"
#include "tlsgen.h"
#include "tlsgen_scenarios.h"
#include "tlsp_client.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a counting allocator: exact sizes, so ASan sees any overrun ---- */

struct test_alloc {
	uint64_t live_bytes;
	unsigned live, allocs, fail_next;
};

static void *t_alloc(void *ctx, size_t size)
{
	struct test_alloc *a = ctx;
	void *p;

	if (a->fail_next) {
		a->fail_next--;
		return NULL;
	}
	p = malloc(size);
	assert_non_null(p);
	memset(p, 0xa5, size); /* never zero: stale bytes must not look like data */
	a->live_bytes += size;
	a->live++;
	a->allocs++;
	return p;
}

static void t_free(void *ctx, void *ptr, size_t size)
{
	struct test_alloc *a = ctx;

	assert_non_null(ptr);
	assert_true(a->live > 0 && a->live_bytes >= size);
	a->live_bytes -= size;
	a->live--;
	free(ptr);
}

static void pool_init(struct dp_hello_pool *pool, struct test_alloc *a, uint64_t cap,
		      uint32_t min_alloc)
{
	memset(pool, 0, sizeof(*pool));
	memset(a, 0, sizeof(*a));
	pool->alloc = t_alloc;
	pool->free = t_free;
	pool->ctx = a;
	pool->cap = cap;
	pool->min_alloc = min_alloc;
}

/* The pool's count is the allocator's own count of live bytes. */
static void assert_pool_matches(const struct dp_hello_pool *pool, const struct test_alloc *a)
{
	assert_int_equal(pool->used, a->live_bytes);
}

/* ---- the reference model: one flag per byte, first write wins ---- */

#define MODEL_MAX (DP_HELLOBUF_CAP_DEFAULT + 64)

struct model {
	uint32_t cap, end; /* end: one past the last byte ever filled */
	uint8_t data[MODEL_MAX];
	bool filled[MODEL_MAX];
};

struct run {
	uint32_t lo, hi;
};

static void model_init(struct model *m, uint32_t cap)
{
	assert_true(cap <= MODEL_MAX);
	memset(m, 0, sizeof(*m));
	m->cap = cap;
}

/* Contiguous length and the runs of filled bytes after it. */
static unsigned model_runs(const struct model *m, const bool *filled, uint32_t *prefix,
			   struct run *runs, unsigned max_runs)
{
	uint32_t i = 0, lo;
	unsigned n = 0;

	while (i < m->cap && filled[i])
		i++;
	*prefix = i;
	while (i < m->cap) {
		if (!filled[i]) {
			i++;
			continue;
		}
		lo = i;
		while (i < m->cap && filled[i])
			i++;
		if (n < max_runs)
			runs[n] = (struct run){ lo, i };
		n++;
	}
	return n;
}

/* What dp_hellobuf_add must do with bytes @d at offset @off (may be < 0). */
static int model_add(struct model *m, int64_t off, const uint8_t *d, size_t len, unsigned *ev)
{
	static bool trial[MODEL_MAX];
	struct run runs[DP_HELLOBUF_RANGES + 1];
	bool any = false;
	uint32_t prefix;
	size_t i;

	*ev = 0;
	memcpy(trial, m->filled, m->cap);
	for (i = 0; i < len; i++) {
		int64_t o = off + (int64_t)i;

		if (o < 0)
			*ev |= DP_HB_BEFORE;
		else if (o >= m->cap)
			*ev |= DP_HB_BEYOND;
		else
			trial[o] = any = true;
	}
	if (any && model_runs(m, trial, &prefix, runs, N(runs)) > DP_HELLOBUF_RANGES) {
		*ev = 0;
		return -ENOSPC;
	}
	for (i = 0; i < len; i++) {
		int64_t o = off + (int64_t)i;

		if (o < 0 || o >= m->cap)
			continue;
		if (m->filled[o]) {
			*ev |= DP_HB_DUP;
			if (m->data[o] != d[i])
				*ev |= DP_HB_CONFLICT;
		} else {
			*ev |= DP_HB_NEW;
			m->filled[o] = true;
			m->data[o] = d[i];
			if (o + 1 > m->end)
				m->end = (uint32_t)o + 1;
		}
	}
	return 0;
}

/* The buffer holds exactly what the model holds, where it holds it. */
static void assert_same_as_model(const struct dp_hellobuf *hb, const struct model *m,
				 const char *what)
{
	struct run runs[DP_HELLOBUF_RANGES + 1];
	uint32_t prefix;
	unsigned n = model_runs(m, m->filled, &prefix, runs, N(runs)), i;
	const uint8_t *p;
	size_t len;

	if (hb->len != prefix)
		fail_msg("%s: contiguous %u, model %u", what, hb->len, prefix);
	if (hb->n_ranges != n)
		fail_msg("%s: %u ranges, model %u", what, hb->n_ranges, n);
	for (i = 0; i < n; i++) {
		if (hb->ranges[i].lo != runs[i].lo || hb->ranges[i].hi != runs[i].hi)
			fail_msg("%s: range %u [%u,%u), model [%u,%u)", what, i, hb->ranges[i].lo,
				 hb->ranges[i].hi, runs[i].lo, runs[i].hi);
		if (memcmp(hb->buf + runs[i].lo, m->data + runs[i].lo, runs[i].hi - runs[i].lo))
			fail_msg("%s: bytes of range %u differ", what, i);
	}
	p = dp_hellobuf_data(hb, &len);
	assert_int_equal(len, prefix);
	if (len && memcmp(p, m->data, len))
		fail_msg("%s: contiguous bytes differ", what);
	if (!len)
		assert_null(p);
	assert_int_equal(dp_hellobuf_rcv_nxt(hb), hb->isn + 1 + prefix);
	assert_int_equal(dp_hellobuf_window(hb), m->cap - prefix);
	assert_int_equal(dp_hellobuf_has_gap(hb), n != 0);
}

/* ---- real hellos ---- */

struct hello {
	const char *scenario;
	size_t min_len;       /* the hello must be longer than this */
	unsigned min_records; /* ...and span at least this many records */
	struct tlsgen_result result;
	const uint8_t *bytes;
	size_t len;
};

static struct hello hellos[] = {
	/* TLS 1.3 resumption: ffdhe8192 key share and a PSK, more than one segment */
	{ "big_hello", 1460, 1 },
	/* the same key share over 512-byte records */
	{ "many_records", 1024, 3 },
};

static uint8_t scratch[TLSP_SCRATCH_SIZE];

static enum tlsp_status parse(const uint8_t *p, size_t len, struct tlsp_client_hello *h)
{
	struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };

	return tlsp_client_hello_parse(p, len, &opts, h, NULL, NULL);
}

static int group_setup(void **state)
{
	struct tlsp_client_hello h;
	unsigned i;

	(void)state;
	for (i = 0; i < N(hellos); i++) {
		struct hello *he = &hellos[i];
		const struct tlsgen_scenario *sc = tlsgen_scenario_find(he->scenario);

		if (!sc || tlsgen_run(&sc->params, &he->result) < 0) {
			fprintf(stderr, "tlsgen failed for %s\n", he->scenario);
			return -1;
		}
		he->bytes = he->result.client.data;
		he->len = he->result.client_hello_len;
		/* a scenario that stopped doing its job must fail, not pass */
		if (he->len <= he->min_len || he->len > he->result.client.len ||
		    parse(he->bytes, he->len, &h) != TLSP_OK || h.n_records < he->min_records ||
		    h.consumed != he->len) {
			fprintf(stderr, "%s: hello of %zu bytes is not what the test needs\n",
				he->scenario, he->len);
			return -1;
		}
		print_message("# %s: %zu bytes in %u records\n", he->scenario, he->len,
			      h.n_records);
	}
	return 0;
}

static int group_teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < N(hellos); i++)
		tlsgen_result_free(&hellos[i].result);
	return 0;
}

/* Next permutation in lexicographic order; false after the last. */
static bool next_perm(unsigned *a, unsigned n)
{
	unsigned i, j, t;

	if (n < 2)
		return false;
	i = n - 1;
	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return false;
	j = n - 1;
	while (a[j] <= a[i - 1])
		j--;
	t = a[i - 1], a[i - 1] = a[j], a[j] = t;
	for (j = n - 1; i < j; i++, j--)
		t = a[i], a[i] = a[j], a[j] = t;
	return true;
}

/* ISNs whose stream crosses 2^32 at different places. */
static const uint32_t isns[] = { 0x12345678u, 0xffffffffu, 0xfffffffeu, 0xffffffffu - 700 };

enum cut_kind { CUT_EVEN, CUT_RANDOM, CUT_OVERLAP, CUT__COUNT };
static const char *const cut_names[] = { "even", "random", "overlapping" };

static void cut(enum cut_kind kind, size_t len, unsigned k, struct run *seg)
{
	size_t c[5];
	unsigned i;

	c[0] = 0;
	c[k] = len;
	for (i = 1; i < k; i++)
		c[i] = kind == CUT_EVEN ? len * i / k : 0;
	if (kind != CUT_EVEN) {
		/* distinct random cuts, sorted */
		for (i = 1; i < k; i++) {
			size_t lo = c[i - 1] + 1, hi = len - (k - i);

			c[i] = lo + (size_t)rand() % (hi - lo + 1);
		}
	}
	for (i = 0; i < k; i++) {
		seg[i].lo = (uint32_t)c[i];
		seg[i].hi = (uint32_t)c[i + 1];
		if (kind == CUT_OVERLAP) {
			uint32_t back = (uint32_t)(rand() % 200), fwd = (uint32_t)(rand() % 200);

			seg[i].lo = seg[i].lo > back ? seg[i].lo - back : 0;
			seg[i].hi = seg[i].hi + fwd < len ? seg[i].hi + fwd : (uint32_t)len;
		}
	}
}

static struct model model;

/* Feed one segment to both; the buffer must do what the model does. */
static void feed(struct dp_hellobuf *hb, struct dp_hello_pool *pool, int64_t off,
		 const uint8_t *d, size_t len, const char *what)
{
	unsigned ev, want_ev;
	int rc, want_rc;

	want_rc = model_add(&model, off, d, len, &want_ev);
	rc = dp_hellobuf_add(hb, pool, hb->isn + 1 + (uint32_t)off, d, len, &ev);
	if (rc != want_rc || ev != want_ev)
		fail_msg("%s: segment [%lld,+%zu): rc %d events 0x%x, want rc %d events 0x%x",
			 what, (long long)off, len, rc, ev, want_rc, want_ev);
	assert_same_as_model(hb, &model, what);
}

/*
 * Every order of 2, 3 and 4 segments (even, random and overlapping cuts),
 * every ISN, one allocation or growth from 512 bytes: the prefix parses as
 * NEED_MORE until the last byte arrives, then OK, with exactly the hello's
 * bytes. A duplicate changes nothing; a conflicting retransmission is
 * reported and ignored.
 */
static unsigned run_orders(const struct hello *he, uint32_t isn, enum cut_kind kind, unsigned k,
			   uint32_t min_alloc)
{
	struct tlsp_client_hello parsed;
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	unsigned i, perm[4], runs = 0;
	struct run seg[4];
	char what[160];

	cut(kind, he->len, k, seg);
	for (i = 0; i < k; i++)
		perm[i] = i;
	pool_init(&pool, &a, 1u << 20, min_alloc);
	do {
		const uint8_t *p;
		uint8_t *bad;
		size_t len;

		snprintf(what, sizeof(what), "%s isn %08x %s cut, %u segments, order %u%u%u%u",
			 he->scenario, isn, cut_names[kind], k, perm[0], perm[1],
			 k > 2 ? perm[2] : 9, k > 3 ? perm[3] : 9);
		model_init(&model, DP_HELLOBUF_CAP_DEFAULT);
		dp_hellobuf_init(&hb, isn, DP_HELLOBUF_CAP_DEFAULT);
		for (i = 0; i < k; i++) {
			const struct run *s = &seg[perm[i]];

			feed(&hb, &pool, s->lo, he->bytes + s->lo, s->hi - s->lo, what);
			p = dp_hellobuf_data(&hb, &len);
			if (len && len < he->len && parse(p, len, &parsed) != TLSP_NEED_MORE)
				fail_msg("%s: a partial hello of %zu bytes is not NEED_MORE", what,
					 len);
		}
		p = dp_hellobuf_data(&hb, &len);
		if (len != he->len || memcmp(p, he->bytes, len) != 0)
			fail_msg("%s: the buffer does not hold the hello", what);
		if (parse(p, len, &parsed) != TLSP_OK || parsed.consumed != he->len)
			fail_msg("%s: the reassembled hello does not parse", what);

		/* a retransmission of one segment, then a corrupted one */
		i = (unsigned)rand() % k;
		feed(&hb, &pool, seg[i].lo, he->bytes + seg[i].lo, seg[i].hi - seg[i].lo, what);
		bad = malloc(seg[i].hi - seg[i].lo);
		assert_non_null(bad);
		memcpy(bad, he->bytes + seg[i].lo, seg[i].hi - seg[i].lo);
		bad[(seg[i].hi - seg[i].lo) / 2] ^= 0x40;
		feed(&hb, &pool, seg[i].lo, bad, seg[i].hi - seg[i].lo, what);
		free(bad);
		p = dp_hellobuf_data(&hb, &len);
		if (len != he->len || memcmp(p, he->bytes, len) != 0)
			fail_msg("%s: a retransmission changed the held bytes", what);

		assert_pool_matches(&pool, &a);
		dp_hellobuf_release(&hb, &pool);
		assert_int_equal(pool.used, 0);
		assert_int_equal(a.live, 0);
		runs++;
	} while (next_perm(perm, k));
	return runs;
}

/*
 * Every order of 2, 3 and 4 segments (even, random and overlapping cuts),
 * every ISN, one allocation or growth from 512 bytes: the prefix parses as
 * NEED_MORE until the last byte arrives, then OK, with exactly the hello's
 * bytes. A duplicate changes nothing; a conflicting retransmission is
 * reported and ignored.
 */
static void test_permutations(void **state)
{
	static const uint32_t min_allocs[] = { 0, 512 };
	unsigned h, i, kind, k, m, runs = 0;

	(void)state;
	srand(3);
	for (h = 0; h < N(hellos); h++) {
		for (i = 0; i < N(isns); i++) {
			for (kind = 0; kind < CUT__COUNT; kind++) {
				for (k = 2; k <= 4; k++) {
					for (m = 0; m < N(min_allocs); m++)
						runs += run_orders(&hellos[h], isns[i], kind, k,
								   min_allocs[m]);
				}
			}
		}
	}
	print_message("# %u orders of real hellos reassembled and parsed\n", runs);
}

/* The prefix is the same however the first byte's sequence number wraps:
 * a hello fed byte range by byte range across 2^32. */
static void test_wrap_exact(void **state)
{
	const struct hello *he = &hellos[0];
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	unsigned ev;
	uint32_t off;

	(void)state;
	pool_init(&pool, &a, 1u << 20, 1024);
	/* byte 100 of the stream has sequence number 0 */
	dp_hellobuf_init(&hb, (uint32_t)0 - 101, DP_HELLOBUF_CAP_DEFAULT);
	for (off = 0; off < he->len; off += 97) {
		size_t n = he->len - off < 97 ? he->len - off : 97;
		uint32_t seq = (uint32_t)0 - 100 + off;

		assert_int_equal(dp_hellobuf_add(&hb, &pool, seq, he->bytes + off, n, &ev), 0);
		assert_int_equal(ev, DP_HB_NEW);
		assert_int_equal(dp_hellobuf_rcv_nxt(&hb), (uint32_t)(seq + n));
	}
	assert_int_equal(hb.len, he->len);
	assert_memory_equal(hb.buf, he->bytes, he->len);
	/* a segment 2^31 or more ahead counts as behind, never as data */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, dp_hellobuf_rcv_nxt(&hb) + 0x80000000u,
					 he->bytes, 10, &ev),
			 0);
	assert_int_equal(ev, DP_HB_BEFORE);
	/* one just below 2^31 ahead is past the capacity */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, hb.isn + 1 + 0x7fffffffu, he->bytes, 10, &ev),
			 0);
	assert_int_equal(ev, DP_HB_BEYOND);
	assert_int_equal(hb.len, he->len);
	dp_hellobuf_release(&hb, &pool);
	assert_int_equal(a.live, 0);
}

/* Random segments of a random stream against the model: offsets before the
 * ISN and past the capacity, duplicates, conflicts, too many holes. */
static void test_random_vs_model(void **state)
{
	static uint8_t stream[4000];
	unsigned flow, step, refused = 0, counts[5] = { 0 };
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	uint8_t seg[600];
	char what[64];

	(void)state;
	srand(17);
	pool_init(&pool, &a, 1u << 24, 256);
	for (flow = 0; flow < 400; flow++) {
		uint32_t cap = 1000 + (uint32_t)rand() % 1500;
		uint32_t isn = flow % 4 ? (uint32_t)rand() << 16 ^ (uint32_t)rand()
					: (uint32_t)0 - (uint32_t)(rand() % 3000);

		for (step = 0; step < sizeof(stream); step++)
			stream[step] = (uint8_t)rand();
		model_init(&model, cap);
		dp_hellobuf_init(&hb, isn, cap);
		for (step = 0; step < 60; step++) {
			int64_t off = -200 + rand() % (int)(cap + 400);
			size_t len = (size_t)rand() % (rand() % 4 ? 200 : 600), i;
			unsigned ev = 0, bit;

			if (off + (int64_t)len > (int64_t)sizeof(stream) || off + (int64_t)len < 0)
				len = 0;
			for (i = 0; i < len; i++)
				seg[i] = off + (int64_t)i >= 0 ? stream[off + (int64_t)i] : 0;
			if (rand() % 10 == 0 && len)
				seg[rand() % (int)len] ^= 1;
			snprintf(what, sizeof(what), "flow %u step %u", flow, step);
			if (model_add(&model, off, seg, len, &ev) < 0) {
				/* undo nothing: a refusal leaves the model as it was */
				refused++;
				ev = 0;
				assert_int_equal(dp_hellobuf_add(&hb, &pool, isn + 1 + (uint32_t)off,
								 seg, len, &ev),
						 -ENOSPC);
				assert_int_equal(ev, 0);
				assert_same_as_model(&hb, &model, what);
				continue;
			}
			/* the model took it already; compare to what it said */
			{
				unsigned got, want = ev;
				int rc = dp_hellobuf_add(&hb, &pool, isn + 1 + (uint32_t)off, seg, len,
							 &got);

				if (rc != 0 || got != want)
					fail_msg("%s: rc %d events 0x%x, want 0x%x", what, rc, got,
						 want);
			}
			for (bit = 0; bit < 5; bit++)
				counts[bit] += ev >> bit & 1;
			assert_same_as_model(&hb, &model, what);
		}
		assert_pool_matches(&pool, &a);
		assert_true(hb.alloc <= cap);
		dp_hellobuf_release(&hb, &pool);
	}
	assert_int_equal(pool.used, 0);
	assert_int_equal(a.live, 0);
	print_message("# new %u dup %u conflict %u before %u beyond %u, too many holes %u\n",
		      counts[0], counts[1], counts[2], counts[3], counts[4], refused);
	/* the random walk must have reached every outcome */
	for (step = 0; step < 5; step++)
		assert_true(counts[step] > 0);
	assert_true(refused > 0);
}

/* A hello larger than the capacity: the part that fits is held, the rest
 * reported; the window closes. */
static void test_capacity(void **state)
{
	const struct hello *he = &hellos[0];
	struct tlsp_client_hello parsed;
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	unsigned ev;

	(void)state;
	pool_init(&pool, &a, 1u << 20, 0);
	dp_hellobuf_init(&hb, 7, 1000);
	assert_int_equal(dp_hellobuf_window(&hb), 1000);
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 8, he->bytes, he->len, &ev), 0);
	assert_int_equal(ev, DP_HB_NEW | DP_HB_BEYOND);
	assert_int_equal(hb.len, 1000);
	assert_int_equal(hb.alloc, 1000);
	assert_int_equal(dp_hellobuf_window(&hb), 0);
	assert_int_equal(dp_hellobuf_rcv_nxt(&hb), 1008);
	assert_memory_equal(hb.buf, he->bytes, 1000);
	assert_int_equal(parse(hb.buf, hb.len, &parsed), TLSP_NEED_MORE);
	/* wholly past the capacity: nothing taken */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 1008, he->bytes + 1000, 10, &ev), 0);
	assert_int_equal(ev, DP_HB_BEYOND);
	/* partly before ISN + 1 (a SYN's sequence number counted as data) */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 7, he->bytes, 5, &ev), 0);
	assert_int_equal(ev, DP_HB_BEFORE | DP_HB_DUP | DP_HB_CONFLICT);
	assert_int_equal(a.allocs, 1);
	dp_hellobuf_release(&hb, &pool);
	assert_int_equal(pool.used, 0);

	/* the default capacity holds the largest hello tlsparse accepts, cut in
	 * 512-byte records (the smallest max_fragment_length, RFC 6066 4) */
	assert_int_equal(DP_HELLOBUF_CAP_DEFAULT, TLSP_SCRATCH_SIZE + 5 * DP_HELLOBUF_RECORDS);
	assert_true(TLSP_SCRATCH_SIZE + 5 * ((TLSP_SCRATCH_SIZE + 511) / 512) <=
		    DP_HELLOBUF_CAP_DEFAULT);
}

/* Nothing is allocated before the first byte; duplicates and refusals of
 * nothing allocate nothing. */
static void test_lazy(void **state)
{
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	const uint8_t x[4] = { 1, 2, 3, 4 };
	size_t len;
	unsigned ev;

	(void)state;
	pool_init(&pool, &a, 1u << 20, 1024);
	dp_hellobuf_init(&hb, 100, DP_HELLOBUF_CAP_DEFAULT);
	assert_null(dp_hellobuf_data(&hb, &len));
	assert_int_equal(len, 0);
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 101, x, 0, &ev), 0);
	assert_int_equal(ev, 0);
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 97, x, 4, &ev), 0);
	assert_int_equal(ev, DP_HB_BEFORE);
	assert_int_equal(a.allocs, 0);
	assert_int_equal(pool.used, 0);
	dp_hellobuf_release(&hb, &pool); /* nothing to give back */
	assert_int_equal(pool.used, 0);

	assert_int_equal(dp_hellobuf_add(&hb, &pool, 101, x, 4, &ev), 0);
	assert_int_equal(a.allocs, 1);
	assert_int_equal(pool.used, 1024);
	/* growth doubles: offset 3000 needs 4096 */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 101 + 3000, x, 4, &ev), 0);
	assert_int_equal(hb.alloc, 4096);
	assert_int_equal(pool.used, 4096);
	assert_pool_matches(&pool, &a);
	assert_int_equal(a.live, 1);
	/* and ends at the capacity, not a power of two */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 101 + DP_HELLOBUF_CAP_DEFAULT - 4, x, 4, &ev),
			 0);
	assert_int_equal(hb.alloc, DP_HELLOBUF_CAP_DEFAULT);
	assert_pool_matches(&pool, &a);
	assert_memory_equal(hb.buf, x, 4);
	assert_memory_equal(hb.buf + 3000, x, 4);
	dp_hellobuf_release(&hb, &pool);
	assert_int_equal(pool.used, 0);
	assert_int_equal(a.live, 0);
	print_message("# struct dp_hellobuf: %zu bytes per HELLO flow, plus its buffer\n",
		      sizeof(struct dp_hellobuf));
}

/* Out-of-order ranges are bounded; bytes touching a range are always taken. */
static void test_ranges(void **state)
{
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb;
	uint8_t d[1000];
	unsigned ev, i;

	(void)state;
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 1);
	pool_init(&pool, &a, 1u << 20, 0);
	dp_hellobuf_init(&hb, 0, 1000);
	for (i = 0; i < DP_HELLOBUF_RANGES; i++)
		assert_int_equal(dp_hellobuf_add(&hb, &pool, 1 + 100 + 200 * i, d + 100 + 200 * i,
						 50, &ev),
				 0);
	assert_int_equal(hb.n_ranges, DP_HELLOBUF_RANGES);
	assert_int_equal(hb.len, 0);
	/* a fifth hole: refused, nothing changed */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 1 + 900, d + 900, 10, &ev), -ENOSPC);
	assert_int_equal(ev, 0);
	assert_int_equal(hb.n_ranges, DP_HELLOBUF_RANGES);
	/* touching a range's end: taken */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 1 + 150, d + 150, 10, &ev), 0);
	assert_int_equal(ev, DP_HB_NEW);
	assert_int_equal(hb.ranges[0].hi, 160);
	/* the first bytes: the prefix grows up to the first hole */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 1, d, 100, &ev), 0);
	assert_int_equal(hb.len, 160);
	assert_int_equal(hb.n_ranges, DP_HELLOBUF_RANGES - 1);
	/* one segment over every hole and range joins them all */
	assert_int_equal(dp_hellobuf_add(&hb, &pool, 1 + 100, d + 100, 900, &ev), 0);
	assert_int_equal(ev, DP_HB_NEW | DP_HB_DUP);
	assert_int_equal(hb.len, 1000);
	assert_int_equal(hb.n_ranges, 0);
	assert_memory_equal(hb.buf, d, 1000);
	dp_hellobuf_release(&hb, &pool);
}

/* The global cap: counted in bytes allocated, checked before allocating,
 * given back on release; and an allocator failure takes nothing. */
static void test_global_cap(void **state)
{
	struct dp_hello_pool pool;
	struct test_alloc a;
	struct dp_hellobuf hb[4];
	const uint8_t x[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	unsigned ev, i;

	(void)state;
	pool_init(&pool, &a, 3 * 1024, 1024);
	for (i = 0; i < 4; i++)
		dp_hellobuf_init(&hb[i], 1000 * i, 4096);
	for (i = 0; i < 3; i++)
		assert_int_equal(dp_hellobuf_add(&hb[i], &pool, 1000 * i + 1, x, 8, &ev), 0);
	assert_int_equal(pool.used, 3 * 1024);
	/* a fourth flow: refused before any allocation */
	assert_int_equal(dp_hellobuf_add(&hb[3], &pool, 3001, x, 8, &ev), -ENOBUFS);
	assert_int_equal(ev, 0);
	assert_null(hb[3].buf);
	assert_int_equal(hb[3].len, 0);
	assert_int_equal(a.allocs, 3);
	/* growth is refused the same way, and the held bytes stay */
	assert_int_equal(dp_hellobuf_add(&hb[0], &pool, 1 + 1500, x, 8, &ev), -ENOBUFS);
	assert_int_equal(hb[0].alloc, 1024);
	assert_int_equal(hb[0].len, 8);
	assert_memory_equal(hb[0].buf, x, 8);
	/* bytes already held need no memory: still taken at the cap */
	assert_int_equal(dp_hellobuf_add(&hb[0], &pool, 1, x, 8, &ev), 0);
	assert_int_equal(ev, DP_HB_DUP);
	/* release one flow: the fourth fits now */
	dp_hellobuf_release(&hb[1], &pool);
	assert_int_equal(pool.used, 2 * 1024);
	assert_int_equal(dp_hellobuf_add(&hb[3], &pool, 3001, x, 8, &ev), 0);
	assert_int_equal(pool.used, 3 * 1024);
	assert_pool_matches(&pool, &a);

	/* the allocator fails: -ENOMEM, the count untouched */
	dp_hellobuf_release(&hb[2], &pool);
	a.fail_next = 1;
	assert_int_equal(dp_hellobuf_add(&hb[2], &pool, 2001, x, 8, &ev), -ENOMEM);
	assert_int_equal(pool.used, 2 * 1024);
	assert_null(hb[2].buf);
	assert_int_equal(dp_hellobuf_add(&hb[2], &pool, 2001, x, 8, &ev), 0);
	assert_pool_matches(&pool, &a);

	for (i = 0; i < 4; i++)
		dp_hellobuf_release(&hb[i], &pool);
	assert_int_equal(pool.used, 0);
	assert_int_equal(a.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permutations),
		cmocka_unit_test(test_wrap_exact),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_lazy),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_global_cap),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
