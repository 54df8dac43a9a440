/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options: parse fixtures (good and every defect), build layouts and
 * build->parse round trips, in-place SACK/timestamp translation checked with
 * a checksum computed from scratch by the test, and window rescaling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dp_tcpopt.h"
#include "dp_test_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define F_MSS DP_TCPOPT_F_MSS
#define F_WS DP_TCPOPT_F_WSCALE
#define F_SP DP_TCPOPT_F_SACK_PERM
#define F_TS DP_TCPOPT_F_TS
#define F_SACK DP_TCPOPT_F_SACK
#define F_CLAMP DP_TCPOPT_F_WSCALE_CLAMPED
#define F_UNK DP_TCPOPT_F_UNKNOWN

/* A Linux SYN with every option: MSS 1460, SACK-permitted, timestamps, NOP,
 * window scale 7 (the layout of tcp_options_write, seen in any capture). */
#define LINUX_SYN_TS                                                                            \
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, \
		0x00, 0x01, 0x03, 0x03, 0x07
/* The same without timestamps: MSS, NOP, NOP, SACK-permitted, NOP, wscale. */
#define LINUX_SYN_NOTS 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x07
/* A data segment's timestamps: NOP, NOP, TS. */
#define LINUX_DATA_TS 0x01, 0x01, 0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04

struct parse_case {
	const char *desc;
	uint8_t in[44];
	size_t len;
	enum dp_tcpopt_status st;
	struct dp_tcpopt want; /* checked on DP_TCPOPT_OK */
};

static const struct parse_case parse_cases[] = {
	{ "empty", { 0 }, 0, DP_TCPOPT_OK, { 0 } },
	{ "Linux SYN with timestamps", { LINUX_SYN_TS }, 20, DP_TCPOPT_OK,
	  { .flags = F_MSS | F_SP | F_TS | F_WS, .mss = 1460, .wscale = 7, .tsval = 0x00010203 } },
	{ "Linux SYN without timestamps", { LINUX_SYN_NOTS }, 12, DP_TCPOPT_OK,
	  { .flags = F_MSS | F_SP | F_WS, .mss = 1460, .wscale = 7 } },
	{ "data segment timestamps", { LINUX_DATA_TS }, 12, DP_TCPOPT_OK,
	  { .flags = F_TS, .tsval = 0xdeadbeef, .tsecr = 0x01020304 } },
	{ "timestamps and three SACK blocks (40 bytes)",
	  { LINUX_DATA_TS, 0x01, 0x01, 0x05, 0x1a, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xf0,
	    0, 0, 0, 0x10, 0x80, 0, 0, 0, 0x80, 0, 0x10, 0 },
	  40, DP_TCPOPT_OK,
	  { .flags = F_TS | F_SACK, .tsval = 0xdeadbeef, .tsecr = 0x01020304, .n_sack = 3,
	    .sack = { { 1, 2 }, { 0xfffffff0, 0x10 }, { 0x80000000, 0x80001000 } } } },
	{ "four SACK blocks",
	  { 0x01, 0x01, 0x05, 0x22, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0,
	    0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8 },
	  36, DP_TCPOPT_OK,
	  { .flags = F_SACK, .n_sack = 4, .sack = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } } } },
	{ "one SACK block at an odd offset", { 0x01, 0x05, 0x0a, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
	    0xde, 0xf0, 0x00 }, 12, DP_TCPOPT_OK,
	  { .flags = F_SACK, .n_sack = 1, .sack = { { 0x12345678, 0x9abcdef0 } } } },
	{ "window scale 14 kept", { 0x03, 0x03, 0x0e }, 3, DP_TCPOPT_OK,
	  { .flags = F_WS, .wscale = 14 } },
	{ "window scale 15 clamped to 14 (RFC 7323 2.3)", { 0x03, 0x03, 0x0f }, 3, DP_TCPOPT_OK,
	  { .flags = F_WS | F_CLAMP, .wscale = 14 } },
	{ "window scale 255 clamped to 14", { 0x01, 0x03, 0x03, 0xff }, 4, DP_TCPOPT_OK,
	  { .flags = F_WS | F_CLAMP, .wscale = 14 } },
	{ "window scale 0", { 0x01, 0x03, 0x03, 0x00 }, 4, DP_TCPOPT_OK,
	  { .flags = F_WS, .wscale = 0 } },
	{ "EOL ends the list, what follows is not read",
	  { 0x02, 0x04, 0x05, 0xb4, 0x00, 0xfe, 0x01, 0x08, 0x03 }, 9, DP_TCPOPT_OK,
	  { .flags = F_MSS, .mss = 1460 } },
	{ "EOL first", { 0x00, 0x02, 0x00, 0x00 }, 4, DP_TCPOPT_OK, { 0 } },
	{ "NOPs only", { 0x01, 0x01, 0x01, 0x01, 0x01 }, 5, DP_TCPOPT_OK, { 0 } },
	{ "TCP Fast Open cookie (34) skipped by its length",
	  { 0x22, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0x04, 0x02, 0x18 }, 14, DP_TCPOPT_OK,
	  { .flags = F_UNK | F_MSS, .mss = 536 } },
	{ "empty experimental option (254, length 2)",
	  { 0xfe, 0x02, 0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 10 }, 12, DP_TCPOPT_OK,
	  { .flags = F_UNK | F_TS, .tsval = 9, .tsecr = 10 } },
	{ "MPTCP (30) filling the rest exactly", { 0x01, 0x01, 0x1e, 0x06, 0x00, 0x81, 0xaa, 0xbb },
	  8, DP_TCPOPT_OK, { .flags = F_UNK } },
	{ "a kind seen twice keeps its last value",
	  { 0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18 }, 8, DP_TCPOPT_OK,
	  { .flags = F_MSS, .mss = 536 } },
	{ "MSS 0 is a value, not a defect", { 0x02, 0x04, 0x00, 0x00 }, 4, DP_TCPOPT_OK,
	  { .flags = F_MSS, .mss = 0 } },

	{ "MSS kind as the last byte", { 0x01, 0x01, 0x01, 0x02 }, 4, DP_TCPOPT_E_TRUNCATED },
	{ "unknown kind as the last byte", { 0x01, 0x01, 0x01, 0xfe }, 4, DP_TCPOPT_E_TRUNCATED },
	{ "length 0", { 0xfe, 0x00, 0x01, 0x01 }, 4, DP_TCPOPT_E_LENGTH },
	{ "length 1", { 0xfe, 0x01, 0x01, 0x01 }, 4, DP_TCPOPT_E_LENGTH },
	{ "MSS with length 0", { 0x02, 0x00, 0x05, 0xb4 }, 4, DP_TCPOPT_E_LENGTH },
	{ "defect after a good option", { 0x02, 0x04, 0x05, 0xb4, 0x1e, 0x01, 0, 0 }, 8,
	  DP_TCPOPT_E_LENGTH },
	{ "unknown option overruns", { 0xfe, 0x0a, 1, 2, 3, 4, 5, 6 }, 8, DP_TCPOPT_E_OVERRUN },
	{ "timestamps overrun", { 0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4, 5, 6, 7 }, 11,
	  DP_TCPOPT_E_OVERRUN },
	{ "SACK overruns", { 0x05, 0x12, 0, 0, 0, 1, 0, 0, 0, 2 }, 10, DP_TCPOPT_E_OVERRUN },
	{ "MSS length 3", { 0x02, 0x03, 0x05, 0x01 }, 4, DP_TCPOPT_E_MSS },
	{ "MSS length 5", { 0x02, 0x05, 0x05, 0xb4, 0x00, 0x01, 0x01, 0x01 }, 8, DP_TCPOPT_E_MSS },
	{ "window scale length 2", { 0x03, 0x02, 0x01, 0x01 }, 4, DP_TCPOPT_E_WSCALE },
	{ "window scale length 4", { 0x03, 0x04, 0x07, 0x00 }, 4, DP_TCPOPT_E_WSCALE },
	{ "SACK-permitted length 3", { 0x04, 0x03, 0x00, 0x01 }, 4, DP_TCPOPT_E_SACK_PERM },
	{ "SACK-permitted length 4", { 0x04, 0x04, 0x00, 0x00 }, 4, DP_TCPOPT_E_SACK_PERM },
	{ "SACK length 2 (no block)", { 0x05, 0x02, 0x01, 0x01 }, 4, DP_TCPOPT_E_SACK },
	{ "SACK length 9", { 0x05, 0x09, 0, 0, 0, 1, 0, 0, 0, 0x01, 0x01, 0x01 }, 12,
	  DP_TCPOPT_E_SACK },
	{ "SACK length 11", { 0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 }, 12, DP_TCPOPT_E_SACK },
	{ "SACK length 17", { 0x05, 0x11 }, 20, DP_TCPOPT_E_SACK },
	{ "timestamps length 8", { 0x08, 0x08, 0, 0, 0, 1, 0, 0 }, 8, DP_TCPOPT_E_TS },
	{ "timestamps length 12", { 0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 }, 12,
	  DP_TCPOPT_E_TS },
};

static void fail_case(const char *desc, const char *what)
{
	fail_msg("%s: %s", desc, what);
}

static void assert_opts_equal(const char *desc, const struct dp_tcpopt *got,
			      const struct dp_tcpopt *want)
{
	unsigned i;

	if (got->flags != want->flags)
		fail_msg("%s: flags 0x%x, want 0x%x", desc, got->flags, want->flags);
	if ((want->flags & F_MSS) && got->mss != want->mss)
		fail_msg("%s: mss %u, want %u", desc, got->mss, want->mss);
	if ((want->flags & F_WS) && got->wscale != want->wscale)
		fail_msg("%s: wscale %u, want %u", desc, got->wscale, want->wscale);
	if ((want->flags & F_TS) && (got->tsval != want->tsval || got->tsecr != want->tsecr))
		fail_msg("%s: ts %08x/%08x, want %08x/%08x", desc, got->tsval, got->tsecr,
			 want->tsval, want->tsecr);
	if (want->flags & F_SACK) {
		if (got->n_sack != want->n_sack)
			fail_msg("%s: %u SACK blocks, want %u", desc, got->n_sack, want->n_sack);
		for (i = 0; i < want->n_sack; i++)
			if (got->sack[i].left != want->sack[i].left ||
			    got->sack[i].right != want->sack[i].right)
				fail_msg("%s: SACK block %u differs", desc, i);
	}
}

static void test_parse_fixtures(void **state)
{
	bool seen[DP_TCPOPT__COUNT] = { false };
	struct dp_tcpopt got;
	unsigned i;

	(void)state;
	for (i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		/* an exact-size heap copy: ASan catches a read past the options */
		uint8_t *in = malloc(c->len ? c->len : 1);
		enum dp_tcpopt_status st;

		assert_non_null(in);
		memcpy(in, c->in, c->len);
		st = dp_tcpopt_parse(in, c->len, &got);
		free(in);
		if (st != c->st)
			fail_msg("%s: status %s, want %s", c->desc, dp_tcpopt_status_name(st),
				 dp_tcpopt_status_name(c->st));
		seen[c->st] = true;
		if (st == DP_TCPOPT_OK)
			assert_opts_equal(c->desc, &got, &c->want);
	}
	/* the table must exercise every defect the parser can report */
	for (i = 0; i < DP_TCPOPT__COUNT; i++)
		if (!seen[i])
			fail_msg("no fixture for status %s", dp_tcpopt_status_name(i));
}

static void test_status_names(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < DP_TCPOPT__COUNT; i++) {
		const char *a = dp_tcpopt_status_name(i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(a, dp_tcpopt_status_name(j));
	}
	assert_string_equal(dp_tcpopt_status_name(DP_TCPOPT__COUNT), "unknown");
}

/* Exact layouts: what Linux puts on the wire. */
struct build_case {
	const char *desc;
	struct dp_tcpopt in;
	uint8_t want[40];
	int want_len; /* or a negative errno */
	size_t cap;
};

static const struct build_case build_cases[] = {
	{ "SYN with every option, as Linux",
	  { .flags = F_MSS | F_SP | F_TS | F_WS, .mss = 1460, .wscale = 7, .tsval = 0x00010203 },
	  { LINUX_SYN_TS }, 20, 40 },
	{ "SYN without timestamps, as Linux", { .flags = F_MSS | F_SP | F_WS, .mss = 1460,
						 .wscale = 7 },
	  { LINUX_SYN_NOTS }, 12, 40 },
	{ "data segment timestamps", { .flags = F_TS, .tsval = 0xdeadbeef, .tsecr = 0x01020304 },
	  { LINUX_DATA_TS }, 12, 12 },
	{ "MSS and timestamps, no SACK-permitted",
	  { .flags = F_MSS | F_TS, .mss = 1460, .tsval = 1, .tsecr = 2 },
	  { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 }, 16, 40 },
	{ "MSS and window scale", { .flags = F_MSS | F_WS, .mss = 1400, .wscale = 14 },
	  { 0x02, 0x04, 0x05, 0x78, 0x01, 0x03, 0x03, 0x0e }, 8, 40 },
	{ "timestamps and three SACK blocks fill 40 bytes",
	  { .flags = F_TS | F_SACK, .tsval = 0xdeadbeef, .tsecr = 0x01020304, .n_sack = 3,
	    .sack = { { 1, 2 }, { 0xfffffff0, 0x10 }, { 0x80000000, 0x80001000 } } },
	  { LINUX_DATA_TS, 0x01, 0x01, 0x05, 0x1a, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xf0,
	    0, 0, 0, 0x10, 0x80, 0, 0, 0, 0x80, 0, 0x10, 0 },
	  40, 40 },
	{ "nothing", { 0 }, { 0 }, 0, 0 },
	{ "timestamps and four SACK blocks: 48 bytes",
	  { .flags = F_TS | F_SACK, .n_sack = 4 }, { 0 }, -EMSGSIZE, 40 },
	{ "SYN into 19 bytes", { .flags = F_MSS | F_SP | F_TS | F_WS }, { 0 }, -ENOSPC, 19 },
	{ "window scale 15 is not sent", { .flags = F_WS, .wscale = 15 }, { 0 }, -EINVAL, 40 },
	{ "SACK with no block", { .flags = F_SACK, .n_sack = 0 }, { 0 }, -EINVAL, 40 },
	{ "SACK with five blocks", { .flags = F_SACK, .n_sack = 5 }, { 0 }, -EINVAL, 40 },
};

static void test_build_fixtures(void **state)
{
	uint8_t buf[64];
	unsigned i;
	int n;

	(void)state;
	for (i = 0; i < N(build_cases); i++) {
		const struct build_case *c = &build_cases[i];

		memset(buf, 0xee, sizeof(buf));
		n = dp_tcpopt_build(buf, c->cap, &c->in);
		if (n != c->want_len)
			fail_msg("%s: built %d, want %d", c->desc, n, c->want_len);
		if (n > 0 && memcmp(buf, c->want, (size_t)n) != 0)
			fail_case(c->desc, "bytes differ");
		if (buf[n > 0 ? n : 0] != 0xee)
			fail_case(c->desc, "wrote past its result");
	}
}

static uint32_t rnd32(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

/* Every combination of options and SACK block counts: the layout is a
 * multiple of 4, within 40 bytes, and parses back to what was built. */
static void test_build_round_trip(void **state)
{
	static const uint8_t all[] = { F_MSS, F_WS, F_SP, F_TS, F_SACK };
	unsigned mask, n_sack, i, rep, built = 0, too_big = 0;
	uint8_t buf[DP_TCPOPT_MAX_LEN];
	struct dp_tcpopt in, out;
	int n;

	(void)state;
	srand(7);
	for (rep = 0; rep < 50; rep++) {
		for (mask = 0; mask < 1u << N(all); mask++) {
			for (n_sack = 1; n_sack <= DP_TCPOPT_MAX_SACK; n_sack++) {
				size_t want = 0;

				memset(&in, 0, sizeof(in));
				for (i = 0; i < N(all); i++)
					if (mask & 1u << i)
						in.flags |= all[i];
				in.mss = (uint16_t)rand();
				in.wscale = (uint8_t)(rand() % 15);
				in.tsval = rnd32();
				in.tsecr = rnd32();
				in.n_sack = (uint8_t)n_sack;
				for (i = 0; i < n_sack; i++) {
					in.sack[i].left = rnd32();
					in.sack[i].right = rnd32();
				}
				/* sizes from RFC 9293/7323/2018 option lengths, padded */
				want += in.flags & F_MSS ? 4 : 0;
				want += in.flags & F_TS ? 12 : in.flags & F_SP ? 4 : 0;
				want += in.flags & F_WS ? 4 : 0;
				want += in.flags & F_SACK ? 4 + 8 * n_sack : 0;
				n = dp_tcpopt_build(buf, sizeof(buf), &in);
				if (want > DP_TCPOPT_MAX_LEN) {
					assert_int_equal(n, -EMSGSIZE);
					too_big++;
					continue;
				}
				assert_int_equal(n, (int)want);
				assert_int_equal(n % 4, 0);
				assert_int_equal(dp_tcpopt_parse(buf, (size_t)n, &out), DP_TCPOPT_OK);
				if (!(in.flags & F_SACK))
					in.n_sack = 0;
				assert_opts_equal("round trip", &out, &in);
				built++;
			}
		}
	}
	print_message("# %u layouts built and parsed back, %u over 40 bytes refused\n", built,
		      too_big);
	assert_true(built > 0 && too_big > 0);
}

struct seg {
	uint8_t pseudo[12];
	uint8_t tcp[20 + DP_TCPOPT_MAX_LEN + 32];
	size_t opt_len, len; /* options; whole segment */
};

static uint16_t seg_sum(const struct seg *s)
{
	return dpt_sum(s->tcp, s->len, dpt_sum(s->pseudo, sizeof(s->pseudo), 0));
}

static void seg_set_csum(struct seg *s)
{
	uint16_t c;

	s->tcp[16] = s->tcp[17] = 0;
	c = (uint16_t)~seg_sum(s);
	s->tcp[16] = (uint8_t)(c >> 8);
	s->tcp[17] = (uint8_t)c;
}

static bool seg_csum_ok(const struct seg *s)
{
	return seg_sum(s) == 0xffff;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Where the generator put the sequence-dependent fields (option offsets). */
struct field {
	size_t at;
	uint8_t what; /* 0: SACK edge, 1: TSval, 2: TSecr */
};

/*
 * A random valid option list: NOPs, unknown options of odd and even
 * lengths, MSS, window scale, SACK-permitted, timestamps (sometimes twice)
 * and SACK blocks, in random order so that fields land on odd offsets too.
 */
static size_t gen_opts(uint8_t *o, struct field *f, unsigned *n_f)
{
	size_t n = 0, room, i, l;

	*n_f = 0;
	for (;;) {
		room = DP_TCPOPT_MAX_LEN - n;
		switch (rand() % 8) {
		case 0:
			if (room < 1)
				goto done;
			o[n++] = 1;
			break;
		case 1:
			l = 2 + (size_t)rand() % 5;
			if (room < l)
				goto done;
			o[n] = (uint8_t)(0xf0 + rand() % 15); /* unassigned/experimental */
			o[n + 1] = (uint8_t)l;
			for (i = 2; i < l; i++)
				o[n + i] = (uint8_t)rand();
			n += l;
			break;
		case 2:
			if (room < 4)
				goto done;
			o[n] = 2, o[n + 1] = 4, o[n + 2] = (uint8_t)rand(), o[n + 3] = (uint8_t)rand();
			n += 4;
			break;
		case 3:
			if (room < 3)
				goto done;
			o[n] = 3, o[n + 1] = 3, o[n + 2] = (uint8_t)(rand() % 15);
			n += 3;
			break;
		case 4:
			if (room < 2)
				goto done;
			o[n] = 4, o[n + 1] = 2;
			n += 2;
			break;
		case 5:
		case 6:
			if (room < 10)
				goto done;
			o[n] = 8, o[n + 1] = 10;
			be32_put(o + n + 2, rnd32());
			be32_put(o + n + 6, rnd32());
			f[(*n_f)++] = (struct field){ n + 2, 1 };
			f[(*n_f)++] = (struct field){ n + 6, 2 };
			n += 10;
			break;
		default:
			l = 1 + (size_t)rand() % DP_TCPOPT_MAX_SACK;
			if (room < 2 + 8 * l)
				goto done;
			o[n] = 5, o[n + 1] = (uint8_t)(2 + 8 * l);
			for (i = 0; i < 2 * l; i++) {
				be32_put(o + n + 2 + 4 * i, rnd32());
				f[(*n_f)++] = (struct field){ n + 2 + 4 * i, 0 };
			}
			n += 2 + 8 * l;
			break;
		}
	}
done:
	/* pad to the data offset's 4-byte words with EOL, as senders do */
	while (n % 4)
		o[n++] = 0;
	return n;
}

static void gen_seg(struct seg *s, struct field *f, unsigned *n_f)
{
	size_t payload = (size_t)rand() % 32, i, tcp_len;

	for (i = 0; i < 8; i++)
		s->pseudo[i] = (uint8_t)rand();
	s->pseudo[8] = 0;
	s->pseudo[9] = 6;
	for (i = 0; i < 20; i++)
		s->tcp[i] = (uint8_t)rand();
	s->opt_len = gen_opts(s->tcp + 20, f, n_f);
	s->tcp[12] = (uint8_t)((20 + s->opt_len) / 4 << 4);
	for (i = 0; i < payload; i++)
		s->tcp[20 + s->opt_len + i] = (uint8_t)rand();
	tcp_len = 20 + s->opt_len + payload;
	s->len = tcp_len;
	s->pseudo[10] = (uint8_t)(tcp_len >> 8);
	s->pseudo[11] = (uint8_t)tcp_len;
	seg_set_csum(s);
}

/*
 * Random segments and random translations: every SACK edge and timestamp
 * lands where expected, nothing else changes, and the checksum updated by
 * dp_tcpopt_translate verifies from scratch.
 */
static void test_translate_random(void **state)
{
	unsigned it, i, n_f, odd_ts = 0, odd_sack = 0, changed = 0;
	struct field f[64];
	struct seg s, before, want_seg;

	(void)state;
	srand(11);
	for (it = 0; it < 100000; it++) {
		struct dp_tcpopt_xlate x = { .sack_add = rand() % 4 ? rnd32() : 0,
					     .tsval = rnd32(), .tsecr = rnd32(),
					     .flags = (uint8_t)(rand() % 4) };
		uint16_t csum;
		bool with_csum = rand() % 8 != 0;

		gen_seg(&s, f, &n_f);
		before = s;
		memcpy(&csum, s.tcp + 16, 2);
		assert_int_equal(dp_tcpopt_translate(s.tcp + 20, s.opt_len, &x,
						     with_csum ? &csum : NULL),
				 DP_TCPOPT_OK);
		if (with_csum)
			memcpy(s.tcp + 16, &csum, 2);

		want_seg = before;
		for (i = 0; i < n_f; i++) {
			uint32_t old = be32_at(before.tcp + 20 + f[i].at), want;

			switch (f[i].what) {
			case 0:
				want = old + x.sack_add;
				odd_sack += f[i].at & 1;
				break;
			case 1:
				want = x.flags & DP_TCPOPT_XLATE_TSVAL_SET ? x.tsval : old + x.tsval;
				odd_ts += f[i].at & 1;
				break;
			default:
				want = x.flags & DP_TCPOPT_XLATE_TSECR_SET ? x.tsecr : old + x.tsecr;
				break;
			}
			changed += want != old;
			be32_put(want_seg.tcp + 20 + f[i].at, want);
		}
		/* the fields hold their new values and no other byte changed */
		if (memcmp(s.tcp + 20, want_seg.tcp + 20, s.len - 20) != 0)
			fail_msg("iteration %u: options or payload differ from the expected", it);
		if (with_csum && !seg_csum_ok(&s))
			fail_msg("iteration %u: checksum does not verify after translation", it);
		if (!with_csum && memcmp(s.tcp + 16, before.tcp + 16, 2) != 0)
			fail_msg("iteration %u: checksum touched without a pointer", it);
	}
	print_message("# %u fields changed; %u TSvals/TSecrs and %u SACK edges at odd offsets\n",
		      changed, odd_ts, odd_sack);
	/* the generator must have reached the odd offsets the checksum cares about */
	assert_true(odd_ts > 1000 && odd_sack > 1000);
}

/* A splice's two directions on Linux-shaped segments, through the parser. */
static void test_translate_splice(void **state)
{
	const uint32_t delta = 0x89abcdefu; /* cookie ISN - backend ISN */
	const uint32_t ts_delta = 0x7fff0001u;
	struct dp_tcpopt o = { .flags = F_TS | F_SACK, .tsval = 0xfffffff0u, .tsecr = 5,
			       .n_sack = 2, .sack = { { 0xffffff00u, 0x10 }, { 0x100, 0x200 } } };
	struct dp_tcpopt_xlate c2s = { .sack_add = -delta, .tsecr = -ts_delta };
	struct dp_tcpopt_xlate s2c = { .tsval = ts_delta };
	struct dp_tcpopt got;
	struct seg s;
	uint16_t csum;
	int n;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.pseudo[9] = 6;
	n = dp_tcpopt_build(s.tcp + 20, DP_TCPOPT_MAX_LEN, &o);
	assert_int_equal(n, 32);
	s.opt_len = (size_t)n;
	s.len = 20 + s.opt_len;
	s.pseudo[11] = (uint8_t)s.len;
	seg_set_csum(&s);

	/* client -> server: SACK edges and TSecr move into the backend's spaces */
	memcpy(&csum, s.tcp + 16, 2);
	assert_int_equal(dp_tcpopt_translate(s.tcp + 20, s.opt_len, &c2s, &csum), DP_TCPOPT_OK);
	memcpy(s.tcp + 16, &csum, 2);
	assert_true(seg_csum_ok(&s));
	assert_int_equal(dp_tcpopt_parse(s.tcp + 20, s.opt_len, &got), DP_TCPOPT_OK);
	assert_int_equal(got.tsval, o.tsval);
	assert_int_equal(got.tsecr, o.tsecr - ts_delta);
	assert_int_equal(got.sack[0].left, o.sack[0].left - delta);
	assert_int_equal(got.sack[0].right, o.sack[0].right - delta);
	assert_int_equal(got.sack[1].left, o.sack[1].left - delta);
	assert_int_equal(got.sack[1].right, o.sack[1].right - delta);

	/* server -> client on the same bytes: only TSval moves */
	o = got;
	assert_int_equal(dp_tcpopt_translate(s.tcp + 20, s.opt_len, &s2c, &csum), DP_TCPOPT_OK);
	memcpy(s.tcp + 16, &csum, 2);
	assert_true(seg_csum_ok(&s));
	assert_int_equal(dp_tcpopt_parse(s.tcp + 20, s.opt_len, &got), DP_TCPOPT_OK);
	assert_int_equal(got.tsval, o.tsval + ts_delta);
	assert_int_equal(got.tsecr, o.tsecr);
	assert_memory_equal(got.sack, o.sack, sizeof(o.sack));
}

/* A defect stops the rewrite; what came before stays rewritten and the
 * checksum matches the bytes as they are. */
static void test_translate_malformed(void **state)
{
	static const struct {
		const char *desc;
		uint8_t opts[20];
		size_t len;
		enum dp_tcpopt_status st;
		bool ts_rewritten; /* the TS option at offset 2 */
	} cases[] = {
		{ "TS then length 1", { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0xfe, 0x01, 0, 0 }, 16,
		  DP_TCPOPT_E_LENGTH, true },
		{ "TS then SACK overrun", { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0 }, 16,
		  DP_TCPOPT_E_OVERRUN, true },
		{ "bad MSS before TS", { 2, 3, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0 }, 16,
		  DP_TCPOPT_E_MSS, false },
		{ "TS of length 12", { 1, 1, 8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0 }, 16,
		  DP_TCPOPT_E_TS, false },
	};
	struct dp_tcpopt_xlate x = { .sack_add = 1000, .tsval = 77, .tsecr = 99 };
	unsigned i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct seg s;
		uint16_t csum;

		memset(&s, 0, sizeof(s));
		s.pseudo[9] = 6;
		memcpy(s.tcp + 20, cases[i].opts, cases[i].len);
		s.opt_len = cases[i].len;
		s.len = 20 + s.opt_len;
		s.pseudo[11] = (uint8_t)s.len;
		seg_set_csum(&s);
		memcpy(&csum, s.tcp + 16, 2);
		if (dp_tcpopt_translate(s.tcp + 20, s.opt_len, &x, &csum) != cases[i].st)
			fail_case(cases[i].desc, "wrong status");
		memcpy(s.tcp + 16, &csum, 2);
		if (!seg_csum_ok(&s))
			fail_case(cases[i].desc, "checksum does not match the bytes");
		if ((be32_at(s.tcp + 24) == 1 + 77) != cases[i].ts_rewritten)
			fail_case(cases[i].desc, "TSval rewritten or not, unexpectedly");
	}
}

/* An odd-length option buffer whose last field ends on its last byte: the
 * checksum word half past the end must not be read (ASan) nor spoil the sum. */
static void test_translate_odd_end(void **state)
{
	/* NOP, TS: TSecr ends at byte 11 of an 11-byte buffer */
	static const uint8_t opts[11] = { 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	struct dp_tcpopt_xlate x = { .tsval = 0x01010101, .tsecr = 0xfefefefe };
	struct seg s;
	uint16_t csum;
	uint8_t *heap;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.pseudo[9] = 6;
	memcpy(s.tcp + 20, opts, sizeof(opts));
	s.tcp[31] = 0xab; /* first payload byte shares the checksum word */
	s.opt_len = sizeof(opts);
	s.len = 20 + s.opt_len + 1;
	s.pseudo[11] = (uint8_t)s.len;
	seg_set_csum(&s);
	heap = malloc(sizeof(opts));
	assert_non_null(heap);
	memcpy(heap, s.tcp + 20, sizeof(opts));
	memcpy(&csum, s.tcp + 16, 2);
	assert_int_equal(dp_tcpopt_translate(heap, sizeof(opts), &x, &csum), DP_TCPOPT_OK);
	memcpy(s.tcp + 20, heap, sizeof(opts));
	free(heap);
	memcpy(s.tcp + 16, &csum, 2);
	assert_int_equal(be32_at(s.tcp + 23), 0x11223344u + 0x01010101u);
	assert_int_equal(be32_at(s.tcp + 27), 0x55667788u + 0xfefefefeu);
	assert_true(seg_csum_ok(&s));
}

struct rescale_case {
	const char *desc;
	uint16_t win;
	uint8_t from, to;
	uint16_t want;
};

static const struct rescale_case rescale_cases[] = {
	{ "same scale", 1000, 7, 7, 1000 },
	{ "to a larger shift rounds down", 1000, 0, 7, 7 },      /* 1000 / 128 = 7.8 */
	{ "exactly divisible", 1024, 0, 7, 8 },
	{ "to a smaller shift", 100, 3, 2, 200 },
	{ "to a smaller shift saturates", 1000, 7, 0, 65535 },  /* 128000 bytes */
	{ "largest window, same shift", 65535, 14, 14, 65535 },
	{ "largest window to shift 0", 65535, 14, 0, 65535 },
	{ "one byte rounds down to zero", 1, 0, 14, 0 },
	{ "2^14 bytes to shift 14", 16384, 0, 14, 1 },
	{ "12 bytes to units of 8", 3, 2, 3, 1 },
	{ "zero stays zero", 0, 5, 3, 0 },
	{ "511 << 9 saturates", 511, 9, 0, 65535 },
	{ "just below saturation", 8191, 3, 0, 65528 },
	{ "shift 15 taken as 14", 300, 15, 14, 300 },
	{ "shifts 20 and 16 taken as 14", 300, 20, 16, 300 },
};

static void test_rescale_fixtures(void **state)
{
	unsigned i;
	uint16_t got;

	(void)state;
	for (i = 0; i < N(rescale_cases); i++) {
		const struct rescale_case *c = &rescale_cases[i];

		got = dp_window_rescale(c->win, c->from, c->to);
		if (got != c->want)
			fail_msg("%s: %u, want %u", c->desc, got, c->want);
	}
}

/* For every shift pair: never more bytes than advertised, and the largest
 * field that says so (or 65535). */
static void test_rescale_property(void **state)
{
	unsigned from, to, w;

	(void)state;
	for (from = 0; from <= 14; from++) {
		for (to = 0; to <= 14; to++) {
			for (w = 0; w <= 65535; w += (w < 64 || w > 65470) ? 1 : 7) {
				uint64_t bytes = (uint64_t)w << from;
				uint16_t r = dp_window_rescale((uint16_t)w, (uint8_t)from,
							       (uint8_t)to);

				if (((uint64_t)r << to) > bytes)
					fail_msg("win %u %u->%u: %u rounds up", w, from, to, r);
				if (r != 65535 && ((uint64_t)(r + 1) << to) <= bytes)
					fail_msg("win %u %u->%u: %u is not the largest", w, from, to,
						 r);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixtures),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_build_fixtures),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_translate_random),
		cmocka_unit_test(test_translate_splice),
		cmocka_unit_test(test_translate_malformed),
		cmocka_unit_test(test_translate_odd_end),
		cmocka_unit_test(test_rescale_fixtures),
		cmocka_unit_test(test_rescale_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
