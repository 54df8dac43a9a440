/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the server-flight scanner.
 *
 * Input layout (tests/fuzz/seed adds a header to the recorded server streams):
 *   byte 0       what the client offered: bits 0-1 its session ID (none, the one
 *                the ServerHello carries, that one altered, empty), bit 2 a
 *                non-empty ticket, bit 3 TLS 1.3 with a PSK, bits 4-7 an index
 *                into key_name_lens[];
 *   bytes 1-3    lengths of the first three pieces fed; the rest is the fourth;
 *   the rest     the server's stream.
 *
 * The stream is scanned three ways, whole, in those pieces and byte by byte,
 * and the three must agree on the status and on every field of the result: a
 * dataplane sees arbitrary segment boundaries and must get the same answer.
 * Once the scan has finished, more bytes change nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tlsp_client.h"
#include "tlsp_server.h"
#include "tlsp_status.h"

#define HEADER_LEN 4u
#define N_HEADER_PIECES 3u
/* Where a ServerHello's session ID sits: record and handshake headers, version, random. */
#define SERVER_HELLO_SID_LEN_OFFSET (5u + 4u + 2u + 32u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static const uint8_t key_name_lens[16] = {
	0, 1, 4, 8, 12, 15, 16, 17, 20, 24, 31, 32, 0, 16, 0, 16
};

/* A ClientHello reduced to what the scanner looks at, with storage for its views. */
struct fake_client {
	struct tlsp_client_hello hello;
	uint8_t session_id[32];
	uint8_t ticket[48];
	uint8_t psk_identity[48];
};

static const struct tlsp_client_hello *
make_client(struct fake_client *fc, uint8_t selector, const uint8_t *stream, size_t len)
{
	struct tlsp_client_hello *h = &fc->hello;
	size_t sid_len = 0;

	memset(fc, 0, sizeof(*fc));
	if (len > SERVER_HELLO_SID_LEN_OFFSET) {
		sid_len = stream[SERVER_HELLO_SID_LEN_OFFSET];
		if (sid_len > 32)
			sid_len = 32;
		if (sid_len > len - SERVER_HELLO_SID_LEN_OFFSET - 1)
			sid_len = len - SERVER_HELLO_SID_LEN_OFFSET - 1;
		memcpy(fc->session_id, stream + SERVER_HELLO_SID_LEN_OFFSET + 1, sid_len);
	}
	switch (selector & 3u) {
	case 0:
		return NULL;
	case 1:
		break;
	case 2:
		fc->session_id[0] ^= 0x5a;
		if (sid_len == 0)
			sid_len = 32;
		break;
	case 3:
		sid_len = 0;
		break;
	}
	h->legacy_version = TLSP_VERSION_TLS12;
	h->highest_version = TLSP_VERSION_TLS12;
	h->session_id = (struct tlsp_bytes){ fc->session_id, sid_len };
	if (selector & 4u) {
		memset(fc->ticket, 0xab, sizeof(fc->ticket));
		h->ticket = TLSP_TICKET_PRESENT;
		h->ticket_data = (struct tlsp_bytes){ fc->ticket, sizeof(fc->ticket) };
		h->ticket_key_name = (struct tlsp_bytes){ fc->ticket, TLSP_KEY_NAME_LEN_DEFAULT };
	}
	if (selector & 8u) {
		memset(fc->psk_identity, 0xcd, sizeof(fc->psk_identity));
		h->has_supported_versions = true;
		h->tls13_offered = true;
		h->highest_version = TLSP_VERSION_TLS13;
		h->has_psk = true;
		h->n_psk_identities = 1;
		h->n_psk_binders = 1;
		h->psk[0].identity =
			(struct tlsp_bytes){ fc->psk_identity, sizeof(fc->psk_identity) };
		h->psk[0].key_name =
			(struct tlsp_bytes){ fc->psk_identity, TLSP_KEY_NAME_LEN_DEFAULT };
		h->has_psk_modes = true;
		h->psk_modes = TLSP_PSK_MODE_DHE_KE;
	}
	return h;
}

static void
check_status(const struct tlsp_server_scan *scan, enum tlsp_status st)
{
	CHECK(tlsp_status_name(st) != NULL);
	CHECK(tlsp_verdict_name(scan->result.verdict) != NULL);
	switch (st) {
	case TLSP_OK:
	case TLSP_NEED_MORE:
		break;
	case TLSP_NOT_TLS:
	case TLSP_MALFORMED:
		CHECK(scan->reason != TLSP_R_NONE && scan->reason < TLSP_R__COUNT);
		CHECK(tlsp_reason_name(scan->reason) != NULL);
		break;
	default:
		CHECK(false);
	}
}

static void
check_same_result(const struct tlsp_server_flight *a, const struct tlsp_server_flight *b)
{
	CHECK(a->verdict == b->verdict);
	CHECK(a->server_hello_seen == b->server_hello_seen);
	CHECK(a->hrr_seen == b->hrr_seen);
	CHECK(a->legacy_version == b->legacy_version);
	CHECK(a->version == b->version);
	CHECK(a->cipher_suite == b->cipher_suite);
	CHECK(a->session_id_len == b->session_id_len);
	CHECK(a->session_id_len <= sizeof(a->session_id));
	CHECK(memcmp(a->session_id, b->session_id, a->session_id_len) == 0);
	CHECK(a->ticket_ext == b->ticket_ext);
	CHECK(a->has_psk == b->has_psk);
	CHECK(a->psk_identity == b->psk_identity);
	CHECK(a->nst_seen == b->nst_seen);
	CHECK(a->nst_lifetime_hint == b->nst_lifetime_hint);
	CHECK(a->nst_ticket_len == b->nst_ticket_len);
	CHECK(a->nst_key_name_len == b->nst_key_name_len);
	CHECK(a->nst_key_name_len <= sizeof(a->nst_key_name));
	CHECK(memcmp(a->nst_key_name, b->nst_key_name, a->nst_key_name_len) == 0);
	CHECK(a->alert_seen == b->alert_seen);
	CHECK(a->alert_level == b->alert_level);
	CHECK(a->alert_description == b->alert_description);
	CHECK(a->n_records == b->n_records);
	CHECK(a->bytes == b->bytes);
}

struct scan_run {
	struct tlsp_server_scan scan;
	enum tlsp_status status;
};

/* Feed the pieces in order; a finished scan is fed the rest all the same. */
static void
scan_pieces(struct scan_run *run, const struct tlsp_client_hello *hello, uint8_t key_name_len,
	    const uint8_t *stream, size_t len, const size_t *piece_lens, size_t n_pieces)
{
	size_t off = 0;
	bool finished = false;

	tlsp_server_scan_init(&run->scan, hello, key_name_len);
	run->status = TLSP_NEED_MORE;
	for (size_t i = 0; i < n_pieces; i++) {
		enum tlsp_status st;

		st = tlsp_server_scan_feed(&run->scan, stream + off, piece_lens[i]);
		check_status(&run->scan, st);
		off += piece_lens[i];
		if (finished)
			CHECK(st == run->status);
		run->status = st;
		finished = st != TLSP_NEED_MORE;
	}
	CHECK(off == len);
	CHECK(run->scan.result.bytes <= len);
	if (run->status == TLSP_NEED_MORE)
		CHECK(run->scan.result.bytes == len);
}

static void
scan_bytewise(struct scan_run *run, const struct tlsp_client_hello *hello, uint8_t key_name_len,
	      const uint8_t *stream, size_t len)
{
	tlsp_server_scan_init(&run->scan, hello, key_name_len);
	run->status = TLSP_NEED_MORE;
	for (size_t off = 0; off < len && run->status == TLSP_NEED_MORE; off++) {
		run->status = tlsp_server_scan_feed(&run->scan, stream + off, 1);
		check_status(&run->scan, run->status);
	}
}

/* Whatever follows a finished scan is ignored, and the status sticks. */
static void
check_finished_is_sticky(struct scan_run *run, const uint8_t *stream, size_t len)
{
	struct tlsp_server_flight before = run->scan.result;
	enum tlsp_reason reason = run->scan.reason;

	if (run->status == TLSP_NEED_MORE)
		return;
	CHECK(tlsp_server_scan_feed(&run->scan, stream, len) == run->status);
	check_same_result(&before, &run->scan.result);
	CHECK(run->scan.reason == reason);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct scan_run whole, pieces, bytewise;
	size_t piece_lens[N_HEADER_PIECES + 1];
	struct fake_client client;
	const struct tlsp_client_hello *hello;
	const uint8_t *stream;
	size_t stream_len, off = 0;
	uint8_t key_name_len;

	if (len < HEADER_LEN)
		return 0;
	stream = data + HEADER_LEN;
	stream_len = len - HEADER_LEN;
	hello = make_client(&client, data[0], stream, stream_len);
	key_name_len = key_name_lens[data[0] >> 4];
	for (size_t i = 0; i < N_HEADER_PIECES; i++) {
		size_t n = data[1 + i];

		piece_lens[i] = n < stream_len - off ? n : stream_len - off;
		off += piece_lens[i];
	}
	piece_lens[N_HEADER_PIECES] = stream_len - off;

	scan_pieces(&whole, hello, key_name_len, stream, stream_len, &stream_len, 1);
	scan_pieces(&pieces, hello, key_name_len, stream, stream_len, piece_lens,
		    N_HEADER_PIECES + 1);
	scan_bytewise(&bytewise, hello, key_name_len, stream, stream_len);

	CHECK(pieces.status == whole.status);
	CHECK(bytewise.status == whole.status);
	check_same_result(&whole.scan.result, &pieces.scan.result);
	check_same_result(&whole.scan.result, &bytewise.scan.result);
	if (whole.status == TLSP_NOT_TLS || whole.status == TLSP_MALFORMED) {
		CHECK(pieces.scan.reason == whole.scan.reason);
		CHECK(bytewise.scan.reason == whole.scan.reason);
	}
	check_finished_is_sticky(&whole, stream, stream_len);
	return 0;
}
