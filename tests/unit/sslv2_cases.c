/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5246 E.2, the SSLv2-compatible CLIENT-HELLO:
 *
 *   uint8 V2CipherSpec[3];
 *   struct {
 *       uint16 msg_length;          (high bit set; the length of what follows)
 *       uint8 msg_type;             (1)
 *       Version version;
 *       uint16 cipher_spec_length;  (a multiple of 3)
 *       uint16 session_id_length;
 *       uint16 challenge_length;
 *       V2CipherSpec cipher_specs[V2ClientHello.cipher_spec_length];
 *       opaque session_id[V2ClientHello.session_id_length];
 *       opaque challenge[V2ClientHello.challenge_length;
 *   } V2ClientHello;
 */
#include <stdlib.h>
#include <string.h>

#include "sslv2_cases.h"
#include "tlsp_client.h"

struct sslv2_case {
	const char *desc;
	uint16_t version;
	unsigned spec_len;      /* cipher_spec_length, and the spec bytes present */
	unsigned challenge_len;
	int msg_len_delta;      /* added to msg_length after building */
	int extra;              /* bytes added (> 0) or cut (< 0) at the end */
	enum tlsp_status status;
	enum tlsp_reason reason;
};

static const struct sslv2_case sslv2_cases[] = {
	{ "TLS 1.0 client, 3 specs, 32-byte challenge", 0x0301, 9, 32, 0, 0, TLSP_OK },
	{ "TLS 1.2 client, 2 specs, 16-byte challenge", 0x0303, 6, 16, 0, 0, TLSP_OK },
	{ "msg_length +1: more to come", 0x0301, 9, 32, +1, 0, TLSP_NEED_MORE },
	{ "msg_length +1, the byte supplied: longer than its fields", 0x0301, 9, 32, +1, +1,
	  TLSP_MALFORMED, TLSP_R_SSLV2 },
	{ "msg_length -1, the last byte gone: fields overrun", 0x0301, 9, 32, -1, -1,
	  TLSP_MALFORMED, TLSP_R_SSLV2 },
	{ "cipher_spec_length not a multiple of 3", 0x0301, 8, 32, 0, 0, TLSP_MALFORMED,
	  TLSP_R_SSLV2 },
	{ "15-byte challenge", 0x0301, 9, 15, 0, 0, TLSP_MALFORMED, TLSP_R_SSLV2 },
	{ "33-byte challenge", 0x0301, 9, 33, 0, 0, TLSP_MALFORMED, TLSP_R_SSLV2 },
	{ "SSL 2.0-only client", 0x0002, 9, 32, 0, 0, TLSP_NOT_TLS, TLSP_R_RECORD_VERSION },
};

struct sslv2_hello {
	uint8_t bytes[2 + 9 + 64 + 64];
	size_t len;
	const uint8_t *specs;
	const uint8_t *challenge;
};

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
sslv2_build(const struct sslv2_case *c, struct sslv2_hello *h)
{
	uint8_t *p = h->bytes + 2;
	unsigned i, msg_len;

	*p++ = 1; /* CLIENT-HELLO */
	put16(p, c->version);
	put16(p + 2, c->spec_len);
	put16(p + 4, 0);
	put16(p + 6, c->challenge_len);
	p += 8;
	h->specs = p;
	for (i = 0; i < c->spec_len; i++)
		*p++ = (uint8_t)(i % 3 == 2 ? 0x2f + i : 0); /* 00 00 xx: TLS suites in v2 form */
	h->challenge = p;
	for (i = 0; i < c->challenge_len; i++)
		*p++ = (uint8_t)(0xc0 + i);
	msg_len = (unsigned)(p - (h->bytes + 2)) + (unsigned)c->msg_len_delta;
	h->bytes[0] = (uint8_t)(0x80 | msg_len >> 8);
	h->bytes[1] = (uint8_t)msg_len;
	h->len = (size_t)(p - h->bytes);
	if (c->extra > 0)
		memset(p, 0, (size_t)c->extra);
	h->len = (size_t)((long)h->len + c->extra);
	assert_true(h->len <= sizeof(h->bytes));
}

static void
test_sslv2(void **state)
{
	const struct sslv2_case *c = *state;
	struct tlsp_client_hello hello;
	struct sslv2_hello h;
	enum tlsp_reason reason = TLSP_R__COUNT;
	enum tlsp_status st;
	uint8_t *buf;
	size_t need;

	sslv2_build(c, &h);
	buf = unit_memdup(h.bytes, h.len);
	st = tlsp_client_hello_parse(buf, h.len, NULL, &hello, &need, &reason);
	if (st != c->status || ((st == TLSP_MALFORMED || st == TLSP_NOT_TLS) && reason != c->reason))
		fail_msg("got %s (%s), want %s (%s)", tlsp_status_name(st), tlsp_reason_name(reason),
			 tlsp_status_name(c->status), tlsp_reason_name(c->reason));
	if (st == TLSP_NEED_MORE)
		assert_int_equal(need, 1);
	if (st == TLSP_OK) {
		assert_true(hello.sslv2);
		assert_int_equal(hello.legacy_version, c->version);
		assert_int_equal(hello.highest_version, c->version);
		assert_false(hello.tls13_offered);
		unit_assert_bytes(hello.cipher_suites, h.specs, c->spec_len);
		assert_int_equal(hello.session_id.len, 0);
		unit_assert_bytes(hello.random, h.challenge, c->challenge_len);
		assert_int_equal(hello.consumed, h.len);
		assert_int_equal(hello.n_extensions, 0);
		assert_int_equal(hello.sni.len, 0);
		assert_int_equal(hello.ticket, TLSP_TICKET_ABSENT);
		assert_false(hello.has_psk);
	}
	free(buf);
}

/* Every truncation of a valid one asks for more. */
static void
test_sslv2_truncations(void **state)
{
	const struct sslv2_case *c = *state;
	struct tlsp_client_hello hello;
	struct sslv2_hello h;
	enum tlsp_reason reason;
	enum tlsp_status st;
	size_t need, k;

	sslv2_build(c, &h);
	for (k = 0; k < h.len; k++) {
		uint8_t *prefix = unit_memdup(h.bytes, k);

		st = tlsp_client_hello_parse(prefix, k, NULL, &hello, &need, &reason);
		if (st != TLSP_NEED_MORE)
			fail_msg("prefix of %zu bytes: %s (%s)", k, tlsp_status_name(st),
				 tlsp_reason_name(reason));
		assert_true(need >= 1 && k + need <= h.len);
		free(prefix);
	}
}

void
sslv2_add_tests(struct unit_table *table)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sslv2_cases); i++) {
		unit_table_add(table, "sslv2", sslv2_cases[i].desc, test_sslv2,
			       (void *)&sslv2_cases[i]);
		if (sslv2_cases[i].status == TLSP_OK)
			unit_table_add(table, "sslv2 every truncation", sslv2_cases[i].desc,
				       test_sslv2_truncations, (void *)&sslv2_cases[i]);
	}
}
