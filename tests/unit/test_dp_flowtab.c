/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow table's own hash (dp_flow.h) driven directly with keys chosen to
 * collide: a full primary bucket spilling into its alternate, both full, a
 * signature shared by two keys, duplicates refused, a reverse key replaced,
 * the bulk lookup agreeing with the single one, and slot indexes read whole. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_flow.h"
#include "dp_test_util.h"

#define MAX_FLOWS 32 /* 16 buckets: 15 slots each */

static struct dp_flow_table t;
static struct dp_flow_worker fw;
static struct rte_rcu_qsbr *qs;

static int group_setup(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);

	(void)state;
	dpt_eal_init();
	qs = rte_zmalloc("flowtab_qs", sz, RTE_CACHE_LINE_SIZE);
	if (qs == NULL || rte_rcu_qsbr_init(qs, 1) != 0 ||
	    rte_rcu_qsbr_thread_register(qs, 0) != 0)
		return -1;
	rte_rcu_qsbr_thread_online(qs, 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (dp_flow_table_init(&t, "flowtab", MAX_FLOWS, 1, 0) != 0)
		return -1;
	dp_flow_worker_init(&fw, &t, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dp_flow_table_fini(&t);
	return 0;
}

static struct dp_flow_key key_of(uint32_t n)
{
	return (struct dp_flow_key){ .src = 0x0a000001 + n, .dst = 0x0a010001, .sport = (uint16_t)n,
				     .dport = 443, .proto = IPPROTO_TCP, .family = AF_INET };
}

/* The @count first keys (from @from on) whose hash satisfies @want. */
static uint32_t find_keys(uint32_t from, unsigned count, struct dp_flow_key *out,
			  bool (*want)(uint32_t hash, uint32_t arg), uint32_t arg)
{
	uint32_t n = from;

	for (unsigned k = 0; k < count; n++) {
		struct dp_flow_key key = key_of(n);

		if (want(dp_flow_hash(&t, &key), arg))
			out[k++] = key;
		assert_true(n < from + 10000000);
	}
	return n;
}

static bool in_bucket(uint32_t hash, uint32_t bucket)
{
	return (hash & t.bucket_mask) == bucket;
}

/* A reverse key no forward key equals (its zero field is set). */
static struct dp_flow_key rev_of(const struct dp_flow_key *fwd)
{
	struct dp_flow_key r = *fwd;

	r.zero = 1;
	return r;
}

static int open_flow(const struct dp_flow_key *fwd, const struct dp_flow_key *rev, uint32_t *rec)
{
	assert_int_equal(dp_flow_alloc(&fw, &t, rec), 0);
	__atomic_store_n(&t.recs[*rec].state, DP_FLOW_ESTABLISHED, __ATOMIC_RELAXED);
	return dp_flow_insert(&fw, &t, *rec, fwd, rev);
}

static void expect_found(const struct dp_flow_key *key, uint32_t rec, bool reverse)
{
	uint32_t got, ref;
	bool rev;

	assert_int_equal(dp_flow_lookup(&t, key, &got, &rev), 0);
	assert_int_equal(got, rec);
	assert_int_equal(rev, reverse);
	assert_int_equal(dp_flow_lookup_bulk(&t, key, 1, &ref), 1);
	assert_int_equal(ref, rec << 1 | reverse);
}

static void expect_missing(const struct dp_flow_key *key)
{
	uint32_t ref;

	assert_false(dp_flow_key_exists(&t, key));
	assert_int_equal(dp_flow_lookup_bulk(&t, key, 1, &ref), 0);
}

/* 15 keys fill a bucket; the 16th and later go to their alternates, and the
 * primary counts them, so lookups still find them; removing one gives its
 * count back. */
static void test_overflow_to_alternate(void **state)
{
	struct dp_flow_key fwd[20], rev[20];
	uint32_t rec[20], bucket;

	(void)state;
	bucket = dp_flow_hash(&t, &(struct dp_flow_key){ 0 }) & t.bucket_mask;
	find_keys(0, 20, fwd, in_bucket, bucket);
	for (unsigned i = 0; i < 20; i++) {
		rev[i] = rev_of(&fwd[i]);
		/* reverse keys elsewhere, so only forward keys crowd the bucket */
		while (in_bucket(dp_flow_hash(&t, &rev[i]), bucket))
			rev[i].dport++;
		assert_int_equal(open_flow(&fwd[i], &rev[i], &rec[i]), 0);
	}
	assert_int_equal(t.buckets[bucket].used, (1u << DP_FLOW_SLOTS) - 1);
	assert_int_equal(t.buckets[bucket].overflow, 5);
	assert_int_equal(dp_flow_key_count(&t), 40);
	for (unsigned i = 0; i < 20; i++) {
		expect_found(&fwd[i], rec[i], false);
		expect_found(&rev[i], rec[i], true);
	}
	/* the last flow's forward key lives in the alternate */
	unsigned before = t.buckets[bucket].overflow;

	assert_int_equal(dp_flow_remove(&fw, &t, rec[19], qs), 0);
	assert_int_equal(t.buckets[bucket].overflow, before - 1);
	expect_missing(&fwd[19]);
	expect_missing(&rev[19]);
	/* a key of the primary bucket goes: its slot is free again */
	assert_int_equal(dp_flow_remove(&fw, &t, rec[0], qs), 0);
	assert_int_not_equal(t.buckets[bucket].used, (1u << DP_FLOW_SLOTS) - 1);
	for (unsigned i = 1; i < 19; i++)
		expect_found(&fwd[i], rec[i], false);
	assert_int_equal(dp_flow_key_count(&t), 36);
}

static bool in_pair(uint32_t hash, uint32_t packed)
{
	return (hash & t.bucket_mask) == (packed & 0xffff) &&
	       dp_flow_bucket_alt(&t, hash) == packed >> 16;
}

/* Keys sharing a primary and an alternate: 15 fill the one, 15 the other, the
 * 31st is refused and leaves nothing behind (its reverse key neither). */
static void test_both_buckets_full(void **state)
{
	const unsigned n = 2 * DP_FLOW_SLOTS + 1;
	struct dp_flow_key fwd[2 * DP_FLOW_SLOTS + 1], rev;
	uint32_t rec, prim = 3, alt;

	(void)state;
	alt = dp_flow_bucket_alt(&t, prim); /* one of the alternates keys of bucket 3 have */
	find_keys(0, n, fwd, in_pair, prim | alt << 16);
	for (unsigned i = 0; i < n; i++) {
		rev = rev_of(&fwd[i]);
		while (in_bucket(dp_flow_hash(&t, &rev), prim) || in_bucket(dp_flow_hash(&t, &rev), alt))
			rev.dport++;
		if (i < n - 1) {
			assert_int_equal(open_flow(&fwd[i], &rev, &rec), 0);
			continue;
		}
		assert_int_equal(open_flow(&fwd[i], &rev, &rec), -ENOSPC);
		expect_missing(&fwd[i]);
		expect_missing(&rev);
	}
	assert_int_equal(t.buckets[prim].used, (1u << DP_FLOW_SLOTS) - 1);
	assert_int_equal(t.buckets[alt].used, (1u << DP_FLOW_SLOTS) - 1);
	assert_int_equal(t.buckets[prim].overflow, DP_FLOW_SLOTS);
	assert_int_equal(dp_flow_key_count(&t), 2 * (n - 1));
	/* the refused flow's record went back to the free list */
	assert_int_equal(dp_flow_alloc(&fw, &t, &rec), 0);
	dp_flow_release(&fw, &t, rec);
	for (unsigned i = 0; i < n - 1; i++)
		assert_true(dp_flow_key_exists(&t, &fwd[i]));
}

/* Two keys of one bucket with one signature: each finds its own record. */
static void test_shared_signature(void **state)
{
	struct dp_flow_key a = key_of(7), b, rev_a, rev_b;
	uint32_t ha = dp_flow_hash(&t, &a), n, ra, rb;

	(void)state;
	for (n = 8;; n++) {
		uint32_t hb;

		b = key_of(n);
		hb = dp_flow_hash(&t, &b);
		if (hb != ha && (hb & t.bucket_mask) == (ha & t.bucket_mask) && hb >> 24 == ha >> 24)
			break;
	}
	rev_a = rev_of(&a);
	rev_b = rev_of(&b);
	assert_int_equal(open_flow(&a, &rev_a, &ra), 0);
	expect_missing(&b); /* the signature matches, the key does not */
	assert_int_equal(open_flow(&b, &rev_b, &rb), 0);
	expect_found(&a, ra, false);
	expect_found(&b, rb, false);
	assert_int_equal(dp_flow_remove(&fw, &t, ra, qs), 0);
	expect_missing(&a);
	expect_found(&b, rb, false);
}

/* A key already in the table is refused, whichever end it is; nothing
 * changes. */
static void test_duplicate_refused(void **state)
{
	struct dp_flow_key a = key_of(1), ra = rev_of(&a), b = key_of(2), rb = rev_of(&b);
	uint32_t r1, r2;

	(void)state;
	assert_int_equal(open_flow(&a, &ra, &r1), 0);
	assert_int_equal(open_flow(&a, &rb, &r2), -EEXIST);
	assert_int_equal(open_flow(&b, &ra, &r2), -EEXIST);
	assert_int_equal(open_flow(&b, &a, &r2), -EEXIST);
	expect_missing(&b);
	expect_missing(&rb);
	assert_int_equal(dp_flow_key_count(&t), 2);
	expect_found(&a, r1, false);
	expect_found(&ra, r1, true);
}

/* A tls flow's reverse key replaced: the old one stops matching, the new
 * one finds the record as its reverse end; a taken key is refused. */
static void test_rekey_reverse(void **state)
{
	struct dp_flow_key a = key_of(1), ra = rev_of(&a), b = key_of(2), rb = rev_of(&b);
	struct dp_flow_key bound = { .src = 0x0a010102, .dst = a.src, .sport = 8443, .dport = a.sport,
				     .proto = IPPROTO_TCP, .family = AF_INET };
	uint32_t r1, r2;

	(void)state;
	assert_int_equal(open_flow(&a, &ra, &r1), 0);
	assert_int_equal(open_flow(&b, &rb, &r2), 0);
	assert_int_equal(dp_flow_rekey_reverse(&t, r1, &rb), -EEXIST);
	expect_found(&ra, r1, true);
	assert_int_equal(dp_flow_rekey_reverse(&t, r1, &bound), 0);
	expect_missing(&ra);
	expect_found(&bound, r1, true);
	expect_found(&a, r1, false);
	assert_int_equal(dp_flow_key_count(&t), 4);
	/* removal takes the new key with it */
	assert_int_equal(dp_flow_remove(&fw, &t, r1, qs), 0);
	expect_missing(&bound);
	expect_missing(&a);
	expect_found(&rb, r2, true);
}

static bool pair_like(uint32_t hash, uint32_t other)
{
	return (hash & t.bucket_mask) == (other & t.bucket_mask) &&
	       dp_flow_sig(hash) == dp_flow_sig(other) &&
	       dp_flow_bucket_alt(&t, hash) != dp_flow_bucket_alt(&t, other);
}

/* The two keys of one record in one bucket with the same signature bits, the
 * reverse one spilled to its alternate: replacing it must free its own slot,
 * not the forward key's (which would leave the forward key unfindable). */
static void test_rekey_twin_signature(void **state)
{
	struct dp_flow_key f = key_of(77), r, r2 = rev_of(&f), fill[14], fill_rev;
	uint32_t hf = dp_flow_hash(&t, &f), rec, fr, p = hf & t.bucket_mask;

	(void)state;
	/* r: a reverse key beside f (same bucket and signature bits), other alternate */
	r = key_of(100);
	r.zero = 1;
	while (!pair_like(dp_flow_hash(&t, &r), hf))
		r.dport++;
	/* r2: the placeholder the flow starts with, anywhere but that bucket */
	while (in_bucket(dp_flow_hash(&t, &r2), p))
		r2.dport++;
	/* 14 other flows' forward keys in the bucket, their reverse keys elsewhere */
	find_keys(1000, 14, fill, in_bucket, p);
	for (unsigned i = 0; i < 14; i++) {
		fill_rev = rev_of(&fill[i]);
		while (in_bucket(dp_flow_hash(&t, &fill_rev), p))
			fill_rev.dport++;
		assert_int_equal(open_flow(&fill[i], &fill_rev, &fr), 0);
	}
	assert_int_equal(open_flow(&f, &r2, &rec), 0); /* f takes the last slot */
	assert_int_equal(t.buckets[p].used, (1u << DP_FLOW_SLOTS) - 1);
	assert_int_equal(dp_flow_rekey_reverse(&t, rec, &r), 0); /* r spills */
	assert_int_equal(t.buckets[p].overflow, 1);
	expect_found(&f, rec, false);
	expect_found(&r, rec, true);
	/* bound again elsewhere: r's own slot goes, f keeps its */
	assert_int_equal(dp_flow_rekey_reverse(&t, rec, &r2), 0);
	assert_int_equal(t.buckets[p].overflow, 0);
	expect_found(&f, rec, false);
	expect_found(&r2, rec, true);
	expect_missing(&r);
	assert_int_equal(dp_flow_key_count(&t), 30);
}

/* 64 keys in one bulk lookup, every other one present: the bulk result
 * agrees with single lookups, references included. */
static void test_bulk_agrees(void **state)
{
	struct dp_flow_key keys[64];
	uint32_t refs[64], rec[32];
	uint64_t hits;

	(void)state;
	for (unsigned i = 0; i < 64; i++)
		keys[i] = key_of(1000 + i);
	for (unsigned i = 0; i < 64; i += 2) {
		struct dp_flow_key r = rev_of(&keys[i]);

		assert_int_equal(open_flow(&keys[i], &r, &rec[i / 2]), 0);
	}
	/* a reverse key in the batch too */
	keys[63] = rev_of(&keys[62]);
	memset(refs, 0xff, sizeof(refs));
	hits = dp_flow_lookup_bulk(&t, keys, 64, refs);
	for (unsigned i = 0; i < 64; i++) {
		bool want = i % 2 == 0 || i == 63;

		assert_int_equal(!!(hits & (1ull << i)), want);
		if (i % 2 == 0)
			assert_int_equal(refs[i], rec[i / 2] << 1);
	}
	assert_int_equal(refs[63], rec[31] << 1 | DP_FLOW_REVERSE);
}

/* The hash is keyed per table: keys crowded into one bucket of this table
 * spread out in another (a CRC would keep them together). */
static void test_hash_keyed(void **state)
{
	struct dp_flow_key keys[16];
	struct dp_flow_table other;
	uint32_t seen = 0;

	(void)state;
	find_keys(0, 16, keys, in_bucket, 5);
	assert_int_equal(dp_flow_table_init(&other, "flowtab2", MAX_FLOWS, 1, 0), 0);
	for (unsigned i = 0; i < 16; i++)
		seen |= 1u << (dp_flow_hash(&other, &keys[i]) & other.bucket_mask);
	dp_flow_table_fini(&other);
	/* 16 keys in 16 buckets at random: fewer than 5 distinct is ~1e-6 */
	assert_true(__builtin_popcount(seen) >= 5);
}

/* A slot's 24-bit record index comes back whole in every slot, the first
 * (read with the signature byte before it) and the last included, whatever
 * the bytes around it hold. */
static void test_slot_index_width(void **state)
{
	static const uint32_t recs[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0xabcdef,
					 DP_FLOW_MAX - 1 };
	struct dp_flow_bucket b;

	(void)state;
	for (unsigned k = 0; k < sizeof(recs) / sizeof(recs[0]); k++) {
		memset(&b, 0xa5, sizeof(b));
		for (unsigned s = 0; s < DP_FLOW_SLOTS; s++) {
			uint32_t rec = (recs[k] + s * 0x010101u) & (DP_FLOW_MAX - 1);

			b.rec[s][0] = (uint8_t)rec;
			b.rec[s][1] = (uint8_t)(rec >> 8);
			b.rec[s][2] = (uint8_t)(rec >> 16);
		}
		for (unsigned s = 0; s < DP_FLOW_SLOTS; s++)
			assert_int_equal(dp_flow_slot_rec(&b, s),
					 (recs[k] + s * 0x010101u) & (DP_FLOW_MAX - 1));
	}
}

/* ---- concurrency: two writers churn flows while a reader looks up others ---- */

#define CC_STABLE 300
#define CC_WORKERS 2

static struct dp_flow_table ct;
static struct dp_flow_worker cfw[CC_WORKERS];
static struct rte_rcu_qsbr *cqs;
static struct dp_flow_key stable_fwd[CC_STABLE], stable_rev[CC_STABLE];
static uint32_t stable_rec[CC_STABLE];
static int cc_stop;
static uint64_t cc_churned[CC_WORKERS], cc_lookups, cc_wrong;

static void *cc_writer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct dp_flow_worker *mine = &cfw[id];
	uint32_t n = 0;

	rte_rcu_qsbr_thread_online(cqs, id);
	while (!__atomic_load_n(&cc_stop, __ATOMIC_ACQUIRE)) {
		struct dp_flow_key f = { .src = 0x0b000000u + (id << 20) + n, .dst = 0x0a000064,
					 .sport = (uint16_t)n, .dport = 443,
					 .proto = IPPROTO_TCP, .family = AF_INET };
		struct dp_flow_key r = f;
		uint32_t rec;

		r.zero = 1;
		n++;
		dp_flow_reclaim(mine, &ct, cqs);
		if (dp_flow_alloc(mine, &ct, &rec) == 0) {
			__atomic_store_n(&ct.recs[rec].state, DP_FLOW_ESTABLISHED, __ATOMIC_RELAXED);
			if (dp_flow_insert(mine, &ct, rec, &f, &r) == 0) {
				dp_flow_remove(mine, &ct, rec, cqs);
				cc_churned[id]++;
			}
		}
		rte_rcu_qsbr_quiescent(cqs, id);
	}
	rte_rcu_qsbr_thread_offline(cqs, id);
	return NULL;
}

static void *cc_reader(void *arg)
{
	(void)arg;
	rte_rcu_qsbr_thread_online(cqs, CC_WORKERS);
	while (!__atomic_load_n(&cc_stop, __ATOMIC_ACQUIRE)) {
		uint32_t refs[32];

		for (unsigned i = 0; i < CC_STABLE; i += 32) {
			unsigned n = CC_STABLE - i < 32 ? CC_STABLE - i : 32;
			const struct dp_flow_key *keys = i % 64 ? &stable_rev[i] : &stable_fwd[i];
			uint64_t hits = dp_flow_lookup_bulk(&ct, keys, n, refs);

			for (unsigned k = 0; k < n; k++)
				if (!(hits & 1ull << k) || refs[k] >> 1 != stable_rec[i + k] ||
				    (refs[k] & DP_FLOW_REVERSE) != (i % 64 ? DP_FLOW_REVERSE : 0))
					__atomic_fetch_add(&cc_wrong, 1, __ATOMIC_RELAXED);
			cc_lookups += n;
		}
		rte_rcu_qsbr_quiescent(cqs, CC_WORKERS);
	}
	rte_rcu_qsbr_thread_offline(cqs, CC_WORKERS);
	return NULL;
}

/* Flows keep being found, in both directions and with the right record,
 * while other flows are inserted and removed around them in the same
 * buckets by two writers (the table is small: every bucket is busy). */
static void test_concurrent_churn(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(CC_WORKERS + 1);
	pthread_t th[CC_WORKERS + 1];

	(void)state;
	cqs = rte_zmalloc("flowtab_cqs", sz, RTE_CACHE_LINE_SIZE);
	assert_non_null(cqs);
	assert_int_equal(rte_rcu_qsbr_init(cqs, CC_WORKERS + 1), 0);
	for (unsigned i = 0; i <= CC_WORKERS; i++)
		assert_int_equal(rte_rcu_qsbr_thread_register(cqs, i), 0);
	assert_int_equal(dp_flow_table_init(&ct, "flowtab_cc", 2 * CC_STABLE, CC_WORKERS, 0), 0);
	for (unsigned i = 0; i < CC_WORKERS; i++)
		dp_flow_worker_init(&cfw[i], &ct, i);
	for (unsigned i = 0; i < CC_STABLE; i++) {
		stable_fwd[i] = key_of(i);
		stable_rev[i] = rev_of(&stable_fwd[i]);
		assert_int_equal(dp_flow_alloc(&cfw[i % CC_WORKERS], &ct, &stable_rec[i]), 0);
		assert_int_equal(dp_flow_insert(&cfw[i % CC_WORKERS], &ct, stable_rec[i],
						&stable_fwd[i], &stable_rev[i]), 0);
	}
	cc_stop = 0;
	assert_int_equal(pthread_create(&th[0], NULL, cc_reader, NULL), 0);
	for (unsigned i = 0; i < CC_WORKERS; i++)
		assert_int_equal(pthread_create(&th[i + 1], NULL, cc_writer, (void *)(uintptr_t)i), 0);
	usleep(700 * 1000);
	__atomic_store_n(&cc_stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i <= CC_WORKERS; i++)
		pthread_join(th[i], NULL);
	print_message("# %" PRIu64 " + %" PRIu64 " flows churned, %" PRIu64 " lookups\n",
		      cc_churned[0], cc_churned[1], cc_lookups);
	assert_true(cc_churned[0] > 1000 && cc_churned[1] > 1000 && cc_lookups > 10000);
	assert_int_equal(cc_wrong, 0);
	assert_int_equal(dp_flow_key_count(&ct), 2 * CC_STABLE);
	dp_flow_table_fini(&ct);
	rte_free(cqs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overflow_to_alternate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_both_buckets_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_twin_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_keyed, setup, teardown),
		cmocka_unit_test(test_slot_index_width),
		cmocka_unit_test(test_concurrent_churn),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
