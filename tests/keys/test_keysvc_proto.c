/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key protocol's framing (control/cp_keysvc_proto.c): a key set survives
 * encoding, and broken frames are told apart from incomplete ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cp_keysvc_proto.h"

static void
fill(struct cp_stek *k, uint8_t seed, uint8_t aes_len)
{
	memset(k, 0, sizeof(*k));
	memset(k->name, seed, 16);
	memset(k->hmac, seed + 1, 32);
	memset(k->aes, seed + 2, aes_len);
	k->aes_len = aes_len;
}

static void
test_keyset_round_trip(void **state)
{
	struct cp_stek keys[3];
	const uint8_t states[3] = { 2, 1, 0 };
	struct cp_keyset set = { .keys = keys, .n = 3, .encrypt = 1 };
	struct cp_kp_buf b = { 0 };
	struct cp_kp_cur cur;
	uint8_t type;
	long len;
	unsigned i;

	(void)state;
	fill(&keys[0], 0x10, 32);
	fill(&keys[1], 0x20, 16);
	fill(&keys[2], 0x30, 32);
	cp_kp_put_keyset(&b, 0x0102030405060708ull, &set, states);
	assert_int_equal(b.err, 0);
	len = cp_kp_peek(&b, &type);
	assert_int_equal(type, CP_KP_KEYSET);
	assert_int_equal(len, 12 + 3 * CP_KP_KEY_WIRE);
	assert_int_equal(b.len, CP_KP_HDR + (size_t)len);
	cur = (struct cp_kp_cur){ .p = b.p + CP_KP_HDR, .left = (size_t)len };
	assert_true(cp_kp_get_u64(&cur) == 0x0102030405060708ull);
	assert_int_equal(cp_kp_get_u16(&cur), 3);
	assert_int_equal(cp_kp_get_u16(&cur), 1);
	for (i = 0; i < 3; i++) {
		struct cp_stek k;
		uint8_t zero[32] = { 0 };

		memset(&k, 0, sizeof(k));
		assert_int_equal(cp_kp_get_u8(&cur), states[i]);
		k.aes_len = cp_kp_get_u8(&cur);
		cp_kp_get_bytes(&cur, k.name, 16);
		cp_kp_get_bytes(&cur, k.hmac, 32);
		cp_kp_get_bytes(&cur, k.aes, 32);
		assert_memory_equal(&k, &keys[i], sizeof(k));
		/* AES-128: the wire pads with zeros, not with what follows in memory. */
		if (k.aes_len == 16)
			assert_memory_equal(k.aes + 16, zero, 16);
	}
	assert_int_equal(cur.left, 0);
	assert_int_equal(cur.err, 0);
	/* One more byte is past the end: sticky error, zeros out. */
	assert_int_equal(cp_kp_get_u8(&cur), 0);
	assert_int_equal(cur.err, -EPROTO);
	cp_kp_buf_consume(&b, CP_KP_HDR + (size_t)len);
	assert_int_equal(b.len, 0);
	cp_kp_buf_free(&b);
}

static void
test_peek(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[12];
		size_t n;
		long want;
	} cases[] = {
		{ "empty", { 0 }, 0, -EAGAIN },
		{ "half a header", { 'T', 'K', 1, 3 }, 4, -EAGAIN },
		{ "header, payload missing", { 'T', 'K', 1, 3, 0, 0, 0, 4, 1, 2 }, 10, -EAGAIN },
		{ "whole frame", { 'T', 'K', 1, 3, 0, 0, 0, 4, 1, 2, 3, 4 }, 12, 4 },
		{ "empty payload", { 'T', 'K', 1, 4, 0, 0, 0, 0 }, 8, 0 },
		{ "bad magic", { 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T' }, 8, -EPROTO },
		{ "other version", { 'T', 'K', 2, 3, 0, 0, 0, 0 }, 8, -EPROTO },
		{ "too long", { 'T', 'K', 1, 2, 0, 0x10, 0, 1 }, 8, -EPROTO },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cp_kp_buf b = { 0 };
		uint8_t type = 0;

		print_message("# %s\n", cases[i].what);
		if (cases[i].n > 0)
			cp_kp_buf_put(&b, cases[i].bytes, cases[i].n);
		assert_int_equal(cp_kp_peek(&b, &type), cases[i].want);
		if (cases[i].want >= 0)
			assert_int_equal(type, cases[i].bytes[3]);
		cp_kp_buf_free(&b);
	}
}

static void
test_error_and_names(void **state)
{
	const uint8_t names[2][16] = { { 1 }, { 2 } };
	struct cp_kp_buf b = { 0 };
	struct cp_kp_cur cur;
	char text[64];
	uint8_t type, got[16];
	long len;
	size_t n;

	(void)state;
	cp_kp_put_error(&b, 7, -13, "identity \"x\" serves no backend");
	len = cp_kp_peek(&b, &type);
	assert_int_equal(type, CP_KP_ERROR);
	cur = (struct cp_kp_cur){ .p = b.p + CP_KP_HDR, .left = (size_t)len };
	assert_true(cp_kp_get_u64(&cur) == 7);
	assert_int_equal((int32_t)cp_kp_get_u32(&cur), -13);
	n = cp_kp_get_u16(&cur);
	assert_int_equal(n, strlen("identity \"x\" serves no backend"));
	cp_kp_get_bytes(&cur, text, n);
	text[n] = '\0';
	assert_string_equal(text, "identity \"x\" serves no backend");
	assert_int_equal(cur.left, 0);
	cp_kp_buf_consume(&b, CP_KP_HDR + (size_t)len);

	cp_kp_put_names(&b, names, 2);
	cur = (struct cp_kp_cur){ .p = b.p, .left = b.len };
	assert_int_equal(cp_kp_get_u16(&cur), 2);
	cp_kp_get_bytes(&cur, got, 16);
	assert_memory_equal(got, names[0], 16);
	cp_kp_get_bytes(&cur, got, 16);
	assert_memory_equal(got, names[1], 16);
	assert_int_equal(cur.left, 0);
	cp_kp_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyset_round_trip),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_error_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
