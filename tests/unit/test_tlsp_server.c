/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server-flight scanner on real OpenSSL server flights: its verdict must be
 * the one OpenSSL's own account implies (SSL_session_reused, version, what the
 * client offered), its fields the ones OpenSSL reports; and fed in two pieces
 * split at every byte, or byte by byte, it must learn exactly the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "hello_walk.h"
#include "tlsp_client.h"
#include "tlsp_server.h"
#include "unit_scenarios.h"
#include "unit_util.h"

static uint8_t scratch[TLSP_SCRATCH_SIZE];

/* The client's hello, which tells the scanner what a TLS 1.2 session-ID echo means. */
struct client_side {
	uint8_t *buf;
	struct tlsp_client_hello hello;
};

static void
client_side_parse(const struct unit_scenario *sc, struct client_side *cs)
{
	const struct tlsgen_stream *stream = &sc->result.client;
	struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };
	enum tlsp_status st;

	cs->buf = unit_memdup(stream->data, stream->len);
	st = tlsp_client_hello_parse(cs->buf, stream->len, &opts, &cs->hello, NULL, NULL);
	assert_int_equal(st, TLSP_OK);
}

/* Feed the pieces [0, cut) and [cut, len), each from a buffer of exactly its size. */
static enum tlsp_status
scan_in_two(const struct tlsp_client_hello *hello, const struct tlsgen_stream *stream,
	    size_t cut, struct tlsp_server_scan *scan)
{
	uint8_t *first = unit_memdup(stream->data, cut);
	uint8_t *second = unit_memdup(stream->data + cut, stream->len - cut);
	enum tlsp_status st;

	tlsp_server_scan_init(scan, hello, 0);
	st = tlsp_server_scan_feed(scan, first, cut);
	if (st != TLSP_OK && st != TLSP_NEED_MORE)
		fail_msg("first %zu bytes: %s (%s)", cut, tlsp_status_name(st),
			 tlsp_reason_name(scan->reason));
	st = tlsp_server_scan_feed(scan, second, stream->len - cut);
	free(first);
	free(second);
	return st;
}

static void
check_session_id(const struct unit_scenario *sc, const struct tlsp_server_flight *f)
{
	const struct tlsgen_result *r = &sc->result;

	if (r->version >= TLS1_3_VERSION) {
		/* RFC 8446 4.1.3: legacy_session_id_echo is the client's legacy_session_id */
		assert_int_equal(f->session_id_len, r->hello.session_id_len);
		assert_memory_equal(f->session_id, r->hello.session_id, f->session_id_len);
	} else {
		assert_int_equal(f->session_id_len, r->server_session_id_len);
		assert_memory_equal(f->session_id, r->server_session_id, f->session_id_len);
		if (r->reused)
			assert_memory_equal(f->session_id, r->offered_session_id,
					    r->offered_session_id_len);
	}
}

/* RFC 5077 3.3: the NewSessionTicket a TLS 1.2 server sends travels in the clear. */
static void
check_ticket(const struct unit_scenario *sc, const struct tlsp_server_flight *f)
{
	const struct tlsgen_result *r = &sc->result;
	bool tls12_ticket = r->version < TLS1_3_VERSION && r->ticket_issued;

	assert_int_equal(f->ticket_ext, tls12_ticket);
	assert_int_equal(f->nst_seen, tls12_ticket);
	if (!tls12_ticket)
		return;
	assert_int_equal(f->nst_lifetime_hint, r->ticket_lifetime_hint);
	assert_int_equal(f->nst_ticket_len, r->ticket.len);
	assert_int_equal(f->nst_key_name_len, TLSP_KEY_NAME_LEN_DEFAULT);
	/* the key name the server's ticket-key callback issued with */
	assert_memory_equal(f->nst_key_name, r->key_name, TLSP_KEY_NAME_LEN_DEFAULT);
	assert_memory_equal(f->nst_key_name, r->ticket.data, TLSP_KEY_NAME_LEN_DEFAULT);
}

static void
check_flight(const struct unit_scenario *sc, const struct tlsp_client_hello *hello,
	     const struct tlsp_server_flight *f)
{
	const struct tlsgen_result *r = &sc->result;
	bool tls13 = r->version >= TLS1_3_VERSION;

	assert_int_equal(f->verdict, unit_expected_verdict(r));
	assert_true(f->server_hello_seen);
	assert_int_equal(f->hrr_seen, r->hrr);
	assert_int_equal(f->version, r->version);
	/* RFC 8446 4.1.3: a TLS 1.3 ServerHello says 1.2 here and the truth in supported_versions */
	assert_int_equal(f->legacy_version, tls13 ? TLS1_2_VERSION : r->version);
	assert_int_equal(f->cipher_suite, r->cipher_suite);
	check_session_id(sc, f);
	check_ticket(sc, f);
	assert_int_equal(f->has_psk, tls13 && r->reused);
	if (f->has_psk)
		assert_true(f->psk_identity < hello->n_psk_identities);
	assert_false(f->alert_seen);
	assert_true(f->n_records >= 1);
	assert_true(f->bytes > 0 && f->bytes <= r->server.len);
}

static void
test_whole(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.server;
	struct tlsp_server_scan scan;
	struct client_side cs;
	enum tlsp_status st;

	unit_scenario_check(sc);
	client_side_parse(sc, &cs);
	st = scan_in_two(&cs.hello, stream, stream->len, &scan);
	if (st != TLSP_OK)
		fail_msg("%s (%s)", tlsp_status_name(st), tlsp_reason_name(scan.reason));
	check_flight(sc, &cs.hello, &scan.result);
	free(cs.buf);
}

static void
test_two_pieces(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.server;
	struct tlsp_server_scan whole, split;
	struct client_side cs;
	enum tlsp_status st;
	size_t cut;

	client_side_parse(sc, &cs);
	st = scan_in_two(&cs.hello, stream, stream->len, &whole);
	assert_int_equal(st, TLSP_OK);
	for (cut = 0; cut <= stream->len; cut++) {
		st = scan_in_two(&cs.hello, stream, cut, &split);
		if (st != TLSP_OK)
			fail_msg("cut at %zu: %s (%s)", cut, tlsp_status_name(st),
				 tlsp_reason_name(split.reason));
		unit_assert_flight_same(&split.result, &whole.result);
	}
	free(cs.buf);
}

static void
test_byte_by_byte(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.server;
	struct tlsp_server_scan whole, bytewise;
	enum tlsp_status st = TLSP_NEED_MORE;
	struct client_side cs;
	bool done = false;
	size_t i;

	client_side_parse(sc, &cs);
	st = scan_in_two(&cs.hello, stream, stream->len, &whole);
	assert_int_equal(st, TLSP_OK);
	tlsp_server_scan_init(&bytewise, &cs.hello, 0);
	for (i = 0; i < stream->len; i++) {
		uint8_t *byte = unit_memdup(stream->data + i, 1);

		st = tlsp_server_scan_feed(&bytewise, byte, 1);
		free(byte);
		/* once finished, it stays finished */
		if (done)
			assert_int_equal(st, TLSP_OK);
		if (st != TLSP_OK && st != TLSP_NEED_MORE)
			fail_msg("byte %zu: %s (%s)", i, tlsp_status_name(st),
				 tlsp_reason_name(bytewise.reason));
		done = st == TLSP_OK;
	}
	assert_int_equal(st, TLSP_OK);
	unit_assert_flight_same(&bytewise.result, &whole.result);
	free(cs.buf);
}

/*
 * A second HelloRetryRequest is a defect (RFC 8446 4.1.4). Made from a real
 * HRR flight: the real ServerHello gets the HRR's own random, copied from
 * the stream; the scan must stop with MALFORMED rather than wait forever.
 */
static void
test_second_hrr(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.server;
	size_t off = 0, hello_at[2], n_hellos = 0;
	struct tlsp_server_scan scan;
	struct client_side cs;
	enum tlsp_status st;
	uint8_t *copy;

	/* handshake records whose first message is a ServerHello (type 2) */
	while (off + 9 <= stream->len && n_hellos < 2) {
		size_t len = (size_t)stream->data[off + 3] << 8 | stream->data[off + 4];

		if (stream->data[off] == 22 && stream->data[off + 5] == 2)
			hello_at[n_hellos++] = off + 5;
		off += 5 + len;
	}
	assert_int_equal(n_hellos, 2);
	copy = unit_memdup(stream->data, stream->len);
	/* msg_type(1) length(3) legacy_version(2), then the 32-byte random */
	memcpy(copy + hello_at[1] + 6, stream->data + hello_at[0] + 6, 32);
	client_side_parse(sc, &cs);
	tlsp_server_scan_init(&scan, &cs.hello, 0);
	st = tlsp_server_scan_feed(&scan, copy, stream->len);
	assert_int_equal(st, TLSP_MALFORMED);
	assert_int_equal(scan.reason, TLSP_R_SERVER_HELLO);
	assert_true(scan.result.hrr_seen);
	free(copy);
	free(cs.buf);
}

/*
 * A ServerHello with an extension numbered 64 or above twice is a defect
 * (RFC 8446 4.2). Made from a real TLS 1.2 flight: its first such extension
 * (renegotiation_info from OpenSSL) is repeated, and the extensions block,
 * handshake and record lengths grow to match, so only the duplicate is wrong.
 */
static void
test_duplicate_high_extension(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.server;
	size_t ext_block, off, end, ext_at = 0, ext_len = 0, n;
	struct tlsp_server_scan scan;
	struct client_side cs;
	enum tlsp_status st;
	uint8_t *copy;

	/* record(5) msg_type(1) length(3) legacy_version(2) random(32) */
	assert_int_equal(stream->data[0], 22);
	assert_int_equal(stream->data[5], 2);
	off = 5 + 4 + 2 + 32;
	off += 1 + stream->data[off]; /* session ID */
	off += 2 + 1;                 /* cipher suite, compression */
	ext_block = off;
	end = off + 2 + ((size_t)stream->data[off] << 8 | stream->data[off + 1]);
	for (off += 2; off + 4 <= end; off += 4 + ext_len) {
		ext_len = (size_t)stream->data[off + 2] << 8 | stream->data[off + 3];
		if (((unsigned)stream->data[off] << 8 | stream->data[off + 1]) >= 64) {
			ext_at = off;
			break;
		}
	}
	assert_true(ext_at != 0);
	n = 4 + ext_len;
	copy = malloc(stream->len + n);
	assert_non_null(copy);
	memcpy(copy, stream->data, ext_at + n);
	memcpy(copy + ext_at + n, stream->data + ext_at, stream->len - ext_at);
	hello_put(copy, 3, 2, hello_get(copy, 3, 2) + (uint32_t)n);
	hello_put(copy, 6, 3, hello_get(copy, 6, 3) + (uint32_t)n);
	hello_put(copy, ext_block, 2, hello_get(copy, ext_block, 2) + (uint32_t)n);
	client_side_parse(sc, &cs);
	tlsp_server_scan_init(&scan, &cs.hello, 0);
	st = tlsp_server_scan_feed(&scan, copy, stream->len + n);
	assert_int_equal(st, TLSP_MALFORMED);
	assert_int_equal(scan.reason, TLSP_R_DUPLICATE_EXTENSION);
	free(copy);
	free(cs.buf);
}

int
main(void)
{
	static struct unit_table table;
	size_t i;

	for (i = 0; i < unit_n_scenarios; i++) {
		struct unit_scenario *sc = &unit_scenarios[i];

		unit_table_add(&table, "whole", sc->name, test_whole, sc);
		unit_table_add(&table, "two pieces", sc->name, test_two_pieces, sc);
		unit_table_add(&table, "byte by byte", sc->name, test_byte_by_byte, sc);
		if (sc->hrr)
			unit_table_add(&table, "second HRR", sc->name, test_second_hrr, sc);
		if (sc->version == TLS1_2_VERSION)
			unit_table_add(&table, "duplicate high extension", sc->name,
				       test_duplicate_high_extension, sc);
	}
	return unit_table_run(&table, "tlsp_server", unit_scenarios_setup,
			      unit_scenarios_teardown);
}
