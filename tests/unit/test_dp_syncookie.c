/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies: binding to the connection, the time window, key rotation, the
 * MSS table, the option bits in TSval, and the forgery rate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "dp_syncookie.h"

#define NOW 1000u /* an arbitrary counter value */

static uint64_t rng_state;

/* xorshift64*: reproducible inputs for a given seed */
static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

/* A secret with a key drawn from the seeded generator, so that a failing run
 * can be replayed; rotations still draw from getrandom. */
static void test_secret(struct dp_syncookie_secret *s, unsigned max_age, unsigned rotate_every,
			uint64_t seed)
{
	assert_int_equal(dp_syncookie_secret_init(s, max_age, rotate_every, NOW), 0);
	rng_state = seed;
	s->key[0].k0 = rnd64();
	s->key[0].k1 = rnd64();
}

static void base4(struct dp_syncookie_in *in)
{
	dp_syncookie_in4(in, inet_addr("198.51.100.7"), inet_addr("203.0.113.10"), htons(51514),
			 htons(443), 0x9abcdef0u);
}

static void base6(struct dp_syncookie_in *in)
{
	base4(in);
	in->family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", in->saddr.v6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::443", in->daddr.v6), 1);
}

static int check(const struct dp_syncookie_secret *s, const struct dp_syncookie_in *in,
		 uint32_t cookie, uint32_t now)
{
	struct dp_syncookie_opts o;

	return dp_syncookie_check(s, in, cookie, 0, false, now, &o);
}

/* ---- binding to the connection ---- */

struct mutation {
	const char *desc;
	void (*apply)(struct dp_syncookie_in *in);
};

static void m_saddr_lo(struct dp_syncookie_in *in)
{
	in->saddr.v4 ^= htonl(1);
}
static void m_saddr_hi(struct dp_syncookie_in *in)
{
	in->saddr.v4 ^= htonl(0x80000000u);
}
static void m_daddr_lo(struct dp_syncookie_in *in)
{
	in->daddr.v4 ^= htonl(1);
}
static void m_daddr_hi(struct dp_syncookie_in *in)
{
	in->daddr.v4 ^= htonl(0x80000000u);
}
static void m_sport_lo(struct dp_syncookie_in *in)
{
	in->sport ^= htons(1);
}
static void m_sport_hi(struct dp_syncookie_in *in)
{
	in->sport ^= htons(0x8000);
}
static void m_dport_lo(struct dp_syncookie_in *in)
{
	in->dport ^= htons(1);
}
static void m_dport_hi(struct dp_syncookie_in *in)
{
	in->dport ^= htons(0x8000);
}
static void m_isn_lo(struct dp_syncookie_in *in)
{
	in->client_isn ^= 1;
}
static void m_isn_hi(struct dp_syncookie_in *in)
{
	in->client_isn ^= 0x80000000u;
}
static void m_isn_next(struct dp_syncookie_in *in)
{
	in->client_isn += 1; /* a later data segment's seq - 1 */
}
static void m_reverse(struct dp_syncookie_in *in)
{
	uint32_t a = in->saddr.v4;
	uint16_t p = in->sport;

	in->saddr.v4 = in->daddr.v4;
	in->daddr.v4 = a;
	in->sport = in->dport;
	in->dport = p;
}
static void m_ports_swapped(struct dp_syncookie_in *in)
{
	uint16_t p = in->sport;

	in->sport = in->dport;
	in->dport = p;
}
static void m_family(struct dp_syncookie_in *in)
{
	in->family = AF_INET6; /* same first four address bytes, rest zero */
}

static const struct mutation mutations4[] = {
	{ "client address, lowest bit", m_saddr_lo },
	{ "client address, highest bit", m_saddr_hi },
	{ "service address, lowest bit", m_daddr_lo },
	{ "service address, highest bit", m_daddr_hi },
	{ "client port, lowest bit", m_sport_lo },
	{ "client port, highest bit", m_sport_hi },
	{ "service port, lowest bit", m_dport_lo },
	{ "service port, highest bit", m_dport_hi },
	{ "client ISN, lowest bit", m_isn_lo },
	{ "client ISN, highest bit", m_isn_hi },
	{ "client ISN + 1", m_isn_next },
	{ "reverse direction", m_reverse },
	{ "ports swapped", m_ports_swapped },
	{ "IPv4 tuple read as IPv6", m_family },
};

static void test_bound_to_tuple4(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in, m;
	uint64_t seed;
	unsigned i;

	(void)state;
	for (seed = 1; seed <= 50; seed++) {
		uint32_t cookie;

		test_secret(&s, 1, 8, seed);
		base4(&in);
		in.client_isn = rnd32();
		in.sport = (uint16_t)rnd32();
		cookie = dp_syncookie_make(&s, &in, NOW, 1460);
		assert_int_equal(check(&s, &in, cookie, NOW), 0);
		for (i = 0; i < sizeof(mutations4) / sizeof(mutations4[0]); i++) {
			m = in;
			mutations4[i].apply(&m);
			if (check(&s, &m, cookie, NOW) != DP_SYNCOOKIE_EFORGED)
				fail_msg("seed %llu: %s: accepted", (unsigned long long)seed,
					 mutations4[i].desc);
		}
	}
}

/* IPv6: every address byte counts, and an IPv6 tuple is valid on its own. */
static void test_bound_to_tuple6(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in, m;
	uint32_t cookie;
	unsigned i;

	(void)state;
	test_secret(&s, 1, 8, 77);
	base6(&in);
	cookie = dp_syncookie_make(&s, &in, NOW, 1440);
	assert_int_equal(check(&s, &in, cookie, NOW), 0);
	for (i = 0; i < 16; i++) {
		m = in;
		m.saddr.v6[i] ^= 0x01;
		assert_int_equal(check(&s, &m, cookie, NOW), DP_SYNCOOKIE_EFORGED);
		m = in;
		m.daddr.v6[i] ^= 0x80;
		assert_int_equal(check(&s, &m, cookie, NOW), DP_SYNCOOKIE_EFORGED);
	}
	m = in;
	m.family = AF_INET; /* the first four bytes as an IPv4 tuple */
	assert_int_equal(check(&s, &m, cookie, NOW), DP_SYNCOOKIE_EFORGED);
}

/* No single bit of a valid cookie can be changed. */
static void test_bit_flips(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned t, b;

	(void)state;
	test_secret(&s, 1, 8, 3);
	for (t = 0; t < 500; t++) {
		uint32_t cookie;

		base4(&in);
		in.saddr.v4 = rnd32();
		in.client_isn = rnd32();
		cookie = dp_syncookie_make(&s, &in, NOW + t, (uint16_t)rnd32());
		assert_int_equal(check(&s, &in, cookie, NOW + t), 0);
		for (b = 0; b < 32; b++)
			if (check(&s, &in, cookie ^ (1u << b), NOW + t) == 0)
				fail_msg("tuple %u: bit %u flipped, still valid", t, b);
	}
}

/* The same SYN again (a retransmission) in the same period gets the same
 * cookie, so either SYN-ACK the client keeps completes the handshake. */
static void test_retransmitted_syn(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;

	(void)state;
	test_secret(&s, 1, 8, 4);
	base4(&in);
	assert_int_equal(dp_syncookie_make(&s, &in, NOW, 1460),
			 dp_syncookie_make(&s, &in, NOW, 1460));
	assert_int_not_equal(dp_syncookie_make(&s, &in, NOW, 1460),
			     dp_syncookie_make(&s, &in, NOW + 1, 1460));
}

/*
 * The ISN must be unpredictable (RFC 6528): the counter byte is hidden. At one
 * counter, cookies of 4096 SYNs cover nearly every top-byte value, and every
 * bit is set in about half of them.
 */
static void test_isn_unpredictable(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned seen[256] = { 0 }, ones[32] = { 0 }, distinct = 0;
	unsigned i, b;

	(void)state;
	test_secret(&s, 1, 8, 5);
	base4(&in);
	for (i = 0; i < 4096; i++) {
		uint32_t cookie;

		in.client_isn = i;
		cookie = dp_syncookie_make(&s, &in, NOW, 1460);
		if (seen[cookie >> 24]++ == 0)
			distinct++;
		for (b = 0; b < 32; b++)
			ones[b] += (cookie >> b) & 1;
	}
	print_message("# %u of 256 top-byte values over 4096 SYNs of one period\n", distinct);
	/* a uniform byte misses a value here with probability 256 * e^-16 */
	assert_true(distinct >= 250);
	for (b = 0; b < 32; b++)
		if (ones[b] < 1800 || ones[b] > 2296) /* mean 2048, sd 32 */
			fail_msg("bit %u set in %u of 4096 cookies", b, ones[b]);
}

/* ---- the time window ---- */

struct window_case {
	const char *desc;
	uint32_t made;
	unsigned max_age;
};

static const struct window_case window_cases[] = {
	{ "max_age 0", NOW, 0 },
	{ "max_age 1 (default)", NOW, 1 },
	{ "max_age 3", NOW, 3 },
	{ "max_age 15 (limit)", NOW, 15 },
	{ "counter byte wraps inside the window", 0xfe, 3 },
	{ "counter wraps 2^32 inside the window", 0xfffffffeu, 3 },
	{ "made at counter 0", 0, 1 },
};

/* Valid from the period it was made in through max_age later; then stale
 * while the counter byte can tell (255 periods); then just invalid. */
static void test_window(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned i, age;

	(void)state;
	base4(&in);
	for (i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]); i++) {
		const struct window_case *c = &window_cases[i];
		uint32_t cookie;

		test_secret(&s, c->max_age, c->max_age + 1, i + 100);
		cookie = dp_syncookie_make(&s, &in, c->made, 1460);
		for (age = 0; age < 256; age++) {
			int want = age <= c->max_age ? 0 : DP_SYNCOOKIE_ESTALE;
			int got = check(&s, &in, cookie, c->made + age);

			if (got != want)
				fail_msg("%s: age %u: got %d, want %d", c->desc, age, got, want);
		}
		/* 256 periods: the counter byte is back where it was */
		assert_int_equal(check(&s, &in, cookie, c->made + 256), DP_SYNCOOKIE_EFORGED);
		assert_int_equal(check(&s, &in, cookie, c->made + 257), DP_SYNCOOKIE_EFORGED);
		/* a checker whose counter is behind the maker's takes the cookie for
		 * one 255 periods old, with the wrong full counter: no future window */
		assert_int_equal(check(&s, &in, cookie, c->made - 1), DP_SYNCOOKIE_EFORGED);
	}
}

/* ---- secret and rotation ---- */

static void test_init_params(void **state)
{
	static const struct {
		const char *desc;
		unsigned max_age, rotate_every;
		int want;
	} cases[] = {
		{ "defaults", DP_SYNCOOKIE_DEFAULT_MAX_AGE, DP_SYNCOOKIE_DEFAULT_ROTATE, 0 },
		{ "rotation just after the window", 3, 4, 0 },
		{ "rotation inside the window", 3, 3, -EINVAL },
		{ "no rotation interval", 0, 0, -EINVAL },
		{ "max_age at the limit", DP_SYNCOOKIE_MAX_AGE_LIMIT, 16, 0 },
		{ "max_age above the limit", DP_SYNCOOKIE_MAX_AGE_LIMIT + 1, 100, -EINVAL },
		{ "interval too long for the field", 1, 70000, -EINVAL },
	};
	struct dp_syncookie_secret s;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = dp_syncookie_secret_init(&s, cases[i].max_age, cases[i].rotate_every, NOW);

		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].desc, got, cases[i].want);
	}
}

/* Keys come from the CSPRNG: two secrets differ, and reject each other's cookies. */
static void test_independent_secrets(void **state)
{
	struct dp_syncookie_secret a, b;
	struct dp_syncookie_in in;
	uint32_t cookie;

	(void)state;
	assert_int_equal(dp_syncookie_secret_init(&a, 1, 8, NOW), 0);
	assert_int_equal(dp_syncookie_secret_init(&b, 1, 8, NOW), 0);
	assert_memory_not_equal(&a.key[0], &b.key[0], sizeof(a.key[0]));
	base4(&in);
	cookie = dp_syncookie_make(&a, &in, NOW, 1460);
	assert_int_equal(check(&a, &in, cookie, NOW), 0);
	assert_int_equal(check(&b, &in, cookie, NOW), DP_SYNCOOKIE_EFORGED);
}

static void test_rotation(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	uint32_t c0, c1;

	(void)state;
	test_secret(&s, 1, 2, 6);
	base4(&in);
	c0 = dp_syncookie_make(&s, &in, NOW, 1460);
	assert_int_equal(dp_syncookie_rotate(&s, NOW), 0);
	assert_int_equal(check(&s, &in, c0, NOW), 0);          /* one rotation: valid */
	c1 = dp_syncookie_make(&s, &in, NOW, 1460);
	assert_int_not_equal(c0, c1);                          /* made with the new key */
	assert_int_equal(check(&s, &in, c1, NOW), 0);
	assert_int_equal(dp_syncookie_rotate(&s, NOW + 1), 0);
	assert_int_equal(check(&s, &in, c0, NOW), DP_SYNCOOKIE_EFORGED); /* two: gone */
	assert_int_equal(check(&s, &in, c1, NOW), 0);
	assert_int_equal(dp_syncookie_rotate(&s, NOW + 2), 0);
	assert_int_equal(check(&s, &in, c1, NOW), DP_SYNCOOKIE_EFORGED);
}

/*
 * Rotating whenever due keeps every cookie valid through its whole window:
 * each period, make a cookie and check all those still in their window.
 */
static void test_rotation_schedule(void **state)
{
	static const unsigned ages[] = { 0, 1, 2, 5, 15 };
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned a, rotations;

	(void)state;
	base4(&in);
	for (a = 0; a < sizeof(ages) / sizeof(ages[0]); a++) {
		unsigned max_age = ages[a];
		uint32_t made[64], t;

		/* the shortest interval init accepts: the tightest case */
		test_secret(&s, max_age, max_age + 1, 200 + a);
		rotations = 0;
		for (t = NOW; t < NOW + 64; t++) {
			uint32_t back;

			if (dp_syncookie_rotate_due(&s, t)) {
				assert_int_equal(dp_syncookie_rotate(&s, t), 0);
				rotations++;
			}
			made[t - NOW] = dp_syncookie_make(&s, &in, t, 1460);
			for (back = 0; back <= max_age && back <= t - NOW; back++)
				if (check(&s, &in, made[t - NOW - back], t) != 0)
					fail_msg("max_age %u: cookie of %u invalid at %u", max_age,
						 t - back, t);
		}
		assert_int_equal(rotations, 63 / (max_age + 1)); /* due at NOW + k(max_age + 1) */
	}
}

static void test_clear(void **state)
{
	static const struct dp_syncookie_secret zero;
	struct dp_syncookie_secret s;

	(void)state;
	assert_int_equal(dp_syncookie_secret_init(&s, 1, 8, NOW), 0);
	assert_int_equal(dp_syncookie_rotate(&s, NOW), 0);
	dp_syncookie_secret_clear(&s);
	assert_memory_equal(&s, &zero, sizeof(s));
}

/* ---- MSS ---- */

struct mss_case {
	uint8_t family;
	uint16_t in, want;
};

/* The largest table entry not above the client's MSS; the smallest entry
 * (the family's default MSS) below that. */
static const struct mss_case mss_cases[] = {
	{ AF_INET, 536, 536 },    { AF_INET, 1300, 1300 },  { AF_INET, 1440, 1440 },
	{ AF_INET, 1460, 1460 },  { AF_INET, 537, 536 },    { AF_INET, 1299, 536 },
	{ AF_INET, 1301, 1300 },  { AF_INET, 1439, 1300 },  { AF_INET, 1452, 1440 },
	{ AF_INET, 1459, 1440 },  { AF_INET, 1461, 1460 },  { AF_INET, 8960, 1460 },
	{ AF_INET, 65535, 1460 }, { AF_INET, 535, 536 },    { AF_INET, 1, 536 },
	{ AF_INET, 0, 536 },      { AF_INET6, 1220, 1220 }, { AF_INET6, 1420, 1420 },
	{ AF_INET6, 1440, 1440 }, { AF_INET6, 8940, 8940 }, { AF_INET6, 1419, 1220 },
	{ AF_INET6, 1460, 1440 }, { AF_INET6, 9000, 8940 }, { AF_INET6, 536, 1220 },
};

static void test_mss(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned i;

	(void)state;
	test_secret(&s, 1, 8, 7);
	for (i = 0; i < sizeof(mss_cases) / sizeof(mss_cases[0]); i++) {
		const struct mss_case *c = &mss_cases[i];
		struct dp_syncookie_opts o;
		uint32_t cookie;

		if (c->family == AF_INET6)
			base6(&in);
		else
			base4(&in);
		in.client_isn += i;
		assert_int_equal(dp_syncookie_mss_clamp(c->family, c->in), c->want);
		cookie = dp_syncookie_make(&s, &in, NOW, c->in);
		assert_int_equal(dp_syncookie_check(&s, &in, cookie, 0, false, NOW, &o), 0);
		if (o.mss != c->want)
			fail_msg("family %u, MSS %u: cookie carried %u, want %u", c->family, c->in,
				 o.mss, c->want);
	}
}

/* ---- options in TSval ---- */

static const uint32_t ts_clocks[] = { 0, 1, 63, 64, 65, 0x12345678, 0x7fffffc0, 0xffffffc0,
				      0xffffffff };

/* Every window shift (and none), SACK on and off, ECN on and off, at clocks
 * around the 64-step and 2^32 boundaries: the TSval is not ahead of the
 * clock, at most 127 behind, and its echo gives the options back. */
static void test_ts_options(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	uint32_t cookie;
	unsigned w, f, c;

	(void)state;
	test_secret(&s, 1, 8, 8);
	base4(&in);
	cookie = dp_syncookie_make(&s, &in, NOW, 1460);
	for (w = 0; w <= DP_SYNCOOKIE_WSCALE_MAX + 1; w++) {
		for (f = 0; f < 4; f++) {
			struct dp_syncookie_opts syn = {
				.mss = 1460,
				.wscale = (uint8_t)(w <= DP_SYNCOOKIE_WSCALE_MAX ? w : 0),
				.wscale_ok = w <= DP_SYNCOOKIE_WSCALE_MAX,
				.sack_ok = f & 1,
				.ecn_ok = (f & 2) != 0,
			};

			for (c = 0; c < sizeof(ts_clocks) / sizeof(ts_clocks[0]); c++) {
				uint32_t now = ts_clocks[c], tsval = dp_syncookie_tsval(now, &syn);
				int32_t behind = (int32_t)(now - tsval);
				struct dp_syncookie_opts o;

				if (behind < 0 || behind > 127)
					fail_msg("clock %08x: TSval %08x", now, tsval);
				assert_int_equal(dp_syncookie_check(&s, &in, cookie, tsval, true,
								    NOW, &o),
						 0);
				assert_int_equal(o.mss, 1460);
				assert_int_equal(o.wscale_ok, syn.wscale_ok);
				assert_int_equal(o.wscale, syn.wscale);
				assert_int_equal(o.sack_ok, syn.sack_ok);
				assert_int_equal(o.ecn_ok, syn.ecn_ok);
			}
		}
	}
}

/* A shift above 14 is taken as 14 (RFC 7323 2.3), not as "none". */
static void test_ts_wscale_clamp(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	uint32_t cookie;
	unsigned w;

	(void)state;
	test_secret(&s, 1, 8, 9);
	base4(&in);
	cookie = dp_syncookie_make(&s, &in, NOW, 1460);
	for (w = DP_SYNCOOKIE_WSCALE_MAX + 1; w < 256; w++) {
		struct dp_syncookie_opts syn = { .wscale = (uint8_t)w, .wscale_ok = true }, o;

		assert_int_equal(dp_syncookie_check(&s, &in, cookie,
						    dp_syncookie_tsval(0x10000, &syn), true, NOW,
						    &o),
				 0);
		assert_true(o.wscale_ok);
		assert_int_equal(o.wscale, DP_SYNCOOKIE_WSCALE_MAX);
	}
}

/* Without timestamps on the ACK only the MSS comes back, whatever TSecr holds. */
static void test_no_timestamps(void **state)
{
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	struct dp_syncookie_opts o;
	uint32_t cookie;

	(void)state;
	test_secret(&s, 1, 8, 10);
	base4(&in);
	cookie = dp_syncookie_make(&s, &in, NOW, 1440);
	memset(&o, 0xff, sizeof(o));
	assert_int_equal(dp_syncookie_check(&s, &in, cookie, 0x3f, false, NOW, &o), 0);
	assert_int_equal(o.mss, 1440);
	assert_false(o.wscale_ok);
	assert_false(o.sack_ok);
	assert_false(o.ecn_ok);
	assert_int_equal(o.wscale, 0);
}

/* ---- forgery ---- */

/* Smallest m with lambda^m / m! below p: a Poisson(lambda) count reaches m
 * with probability at most lambda^m / m! (e^-lambda times a tail of e^lambda). */
static unsigned poisson_bound(double lambda, double p)
{
	double term = 1;
	unsigned m = 0;

	while (term >= p) {
		m++;
		term *= lambda / m;
	}
	return m;
}

/*
 * Random ACKs for one victim tuple (random ISN, cookie and TSecr) against a
 * secret holding two keys, max_age 1. Per try and key: the counter byte lands
 * in the window with probability 2/256 and the 22-bit MAC matches with 2^-22.
 */
static void test_forgery_rate(void **state)
{
	const unsigned tries = 1u << 20, max_age = 1, n_keys = 2;
	const double p_mac = n_keys / (double)(1u << 22);
	const double p_accept = p_mac * (max_age + 1) / 256;
	const double p_stale = p_mac * (255 - max_age) / 256;
	struct dp_syncookie_secret s;
	struct dp_syncookie_in in;
	unsigned i, accepted = 0, stale = 0, limit_accepted, limit_stale;

	(void)state;
	test_secret(&s, max_age, 8, 11);
	assert_int_equal(dp_syncookie_rotate(&s, NOW), 0);
	assert_int_equal(s.n_keys, n_keys);
	base4(&in);
	for (i = 0; i < tries; i++) {
		struct dp_syncookie_opts o;
		uint64_t r = rnd64();
		int rc;

		in.client_isn = (uint32_t)r;
		rc = dp_syncookie_check(&s, &in, (uint32_t)(r >> 32), rnd32(), i & 1, NOW, &o);
		if (rc == 0)
			accepted++;
		else if (rc == DP_SYNCOOKIE_ESTALE)
			stale++;
		else
			assert_int_equal(rc, DP_SYNCOOKIE_EFORGED);
	}
	limit_accepted = poisson_bound(tries * p_accept, 1e-9);
	limit_stale = poisson_bound(tries * p_stale, 1e-9);
	print_message("# %u random ACKs: %u accepted (expected %.4f, limit < %u), "
		      "%u stale (expected %.3f, limit < %u)\n",
		      tries, accepted, tries * p_accept, limit_accepted, stale, tries * p_stale,
		      limit_stale);
	assert_true(accepted < limit_accepted);
	assert_true(stale < limit_stale);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_to_tuple4),
		cmocka_unit_test(test_bound_to_tuple6),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_retransmitted_syn),
		cmocka_unit_test(test_isn_unpredictable),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_init_params),
		cmocka_unit_test(test_independent_secrets),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotation_schedule),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_mss),
		cmocka_unit_test(test_ts_options),
		cmocka_unit_test(test_ts_wscale_clamp),
		cmocka_unit_test(test_no_timestamps),
		cmocka_unit_test(test_forgery_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
