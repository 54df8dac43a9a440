/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server-flight scanner. Two layers, both streaming:
 *  - the record layer strips record headers and routes payload bytes by type;
 *  - the handshake layer is a small machine that either collects a few bytes
 *    into the carry buffer (a field it needs) or skips bytes (everything else),
 *    so a certificate chain or a post-quantum key share streams through without
 *    being buffered.
 */
#include <string.h>

#include "tlsp_cursor.h"
#include "tlsp_server.h"

#define TLS_RECORD_HEADER_LEN 5u
/* TLSCiphertext may exceed the plaintext limit by 256 (1.3) or 2048 (1.2). */
#define TLS_RECORD_MAX_LEN (16384u + 2048u)

enum content_type {
	CT_CHANGE_CIPHER_SPEC = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
};

enum handshake_type {
	HT_SERVER_HELLO = 2,
	HT_NEW_SESSION_TICKET = 4,
};

/* What the bytes being collected are for. */
enum hs_step {
	STEP_HEADER,       /* msg_type + uint24 length */
	STEP_SH_FIXED,     /* legacy_version, random, session ID length */
	STEP_SH_SESSION_ID,
	STEP_SH_SUITE,     /* cipher_suite + legacy_compression_method */
	STEP_SH_EXT_BLOCK, /* extensions length */
	STEP_SH_EXT_HEADER,
	STEP_SH_EXT_BODY,
	STEP_SH_END,
	STEP_NST_FIXED,    /* ticket_lifetime_hint + ticket length */
	STEP_NST_KEY_NAME,
	STEP_MESSAGE_END,
};

/* SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static enum tlsp_status
scan_fail(struct tlsp_server_scan *s, enum tlsp_status status, enum tlsp_reason reason)
{
	s->status = (uint8_t)status;
	s->reason = reason;
	return status;
}

static enum tlsp_status
scan_done(struct tlsp_server_scan *s)
{
	s->status = TLSP_OK;
	return TLSP_OK;
}

/* Next handshake step: collect @want bytes, after skipping @skip. */
static enum tlsp_status
expect(struct tlsp_server_scan *s, enum hs_step step, size_t skip, size_t want)
{
	/* A new message starts only where the last one ended, and no field runs past its message. */
	if (step == STEP_HEADER ? s->hs_left != 0 : skip + want > s->hs_left)
		return scan_fail(s, TLSP_MALFORMED,
				 s->hs_type == HT_NEW_SESSION_TICKET ? TLSP_R_NEW_SESSION_TICKET
								     : TLSP_R_SERVER_HELLO);
	s->hs_step = (uint8_t)step;
	s->skip = (uint32_t)skip;
	s->want = (uint16_t)want;
	s->have = 0;
	return TLSP_NEED_MORE;
}

static bool
tls13(const struct tlsp_server_scan *s)
{
	return s->result.version >= 0x0304 && s->result.version < 0x0400;
}

/*
 * TLS <= 1.2 announces resumption by echoing the client's session ID (RFC 5246
 * 7.4.1.3, RFC 5077 3.4). A ticket sent with an empty session ID leaves the
 * ServerHello ambiguous; the next message tells (STEP_HEADER).
 */
static void
decide_tls12(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;

	if (s->client_sid_len && r->session_id_len == s->client_sid_len &&
	    !memcmp(r->session_id, s->client_sid, s->client_sid_len))
		r->verdict = s->client_ticket ? TLSP_VERDICT_RESUMED_TICKET
					      : TLSP_VERDICT_RESUMED_SESSION_ID;
	else if (s->client_sid_len || !s->client_ticket)
		r->verdict = TLSP_VERDICT_FULL;
	else
		r->verdict = TLSP_VERDICT_UNKNOWN;
}

static enum tlsp_status
server_hello_end(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;

	if (r->verdict == TLSP_VERDICT_HRR) {
		/* The real ServerHello follows the client's second hello. */
		s->ext_seen = 0;
		s->n_ext_high = 0;
		return expect(s, STEP_HEADER, 0, 4);
	}
	r->server_hello_seen = true;
	if (tls13(s)) {
		/* Everything after the ServerHello is encrypted. */
		r->verdict = r->has_psk ? TLSP_VERDICT_RESUMED_PSK : TLSP_VERDICT_FULL;
		return scan_done(s);
	}
	decide_tls12(s);
	return expect(s, STEP_HEADER, 0, 4);
}

/*
 * Duplicates are a defect (RFC 8446 4.2). A ServerHello carries a handful of
 * extensions; past the few high-numbered ones we track, a further one is
 * taken as a defect too rather than left unchecked.
 */
static bool
extension_seen_before(struct tlsp_server_scan *s, uint16_t type)
{
	if (type < 64) {
		bool seen = s->ext_seen & UINT64_C(1) << type;

		s->ext_seen |= UINT64_C(1) << type;
		return seen;
	}
	for (unsigned i = 0; i < s->n_ext_high; i++)
		if (s->ext_high[i] == type)
			return true;
	if (s->n_ext_high == sizeof(s->ext_high) / sizeof(s->ext_high[0]))
		return true;
	s->ext_high[s->n_ext_high++] = type;
	return false;
}

/*
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method = 0;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;   (RFC 8446 4.1.3; TLS 1.2 allows the block absent or empty,
 *                   RFC 5246 7.4.1.3, so shorter blocks are accepted)
 */
static enum tlsp_status
step_server_hello(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;
	const uint8_t *c = s->carry;
	uint16_t ext_type, ext_len;

	switch (s->hs_step) {
	case STEP_SH_FIXED:
		r->legacy_version = tlsp_load_u16(c);
		r->version = r->legacy_version;
		if (!memcmp(c + 2, hrr_random, sizeof(hrr_random))) {
			/* Only one HelloRetryRequest per handshake (RFC 8446 4.1.4). */
			if (r->hrr_seen)
				return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
			r->hrr_seen = true;
			r->verdict = TLSP_VERDICT_HRR;
		} else {
			r->verdict = TLSP_VERDICT_UNKNOWN;
		}
		if (c[34] > 32)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
		r->session_id_len = c[34];
		return expect(s, STEP_SH_SESSION_ID, 0, r->session_id_len);
	case STEP_SH_SESSION_ID:
		memcpy(r->session_id, c, r->session_id_len);
		return expect(s, STEP_SH_SUITE, 0, 3);
	case STEP_SH_SUITE:
		r->cipher_suite = tlsp_load_u16(c);
		if (s->hs_left == 0)
			return server_hello_end(s);
		return expect(s, STEP_SH_EXT_BLOCK, 0, 2);
	case STEP_SH_EXT_BLOCK:
		s->ext_left = tlsp_load_u16(c);
		if (s->ext_left != s->hs_left)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
		return expect(s, s->ext_left ? STEP_SH_EXT_HEADER : STEP_SH_END, 0, s->ext_left ? 4 : 0);
	case STEP_SH_EXT_HEADER:
		ext_type = tlsp_load_u16(c);
		ext_len = tlsp_load_u16(c + 2);
		if (4u + ext_len > s->ext_left)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
		if (extension_seen_before(s, ext_type))
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_DUPLICATE_EXTENSION);
		s->ext_left -= 4u + ext_len;
		s->ext_type = ext_type;
		switch (ext_type) {
		case TLSP_EXT_SUPPORTED_VERSIONS: /* selected_version */
		case TLSP_EXT_PRE_SHARED_KEY:     /* selected_identity */
			if (ext_len != 2)
				return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
			return expect(s, STEP_SH_EXT_BODY, 0, 2);
		case TLSP_EXT_SESSION_TICKET: /* empty: a NewSessionTicket will come */
			if (ext_len != 0)
				return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
			r->ticket_ext = true;
			break;
		default:
			break;
		}
		return expect(s, s->ext_left ? STEP_SH_EXT_HEADER : STEP_SH_END, ext_len,
			      s->ext_left ? 4 : 0);
	case STEP_SH_EXT_BODY:
		if (s->ext_type == TLSP_EXT_SUPPORTED_VERSIONS) {
			r->version = tlsp_load_u16(c);
		} else {
			r->has_psk = true;
			r->psk_identity = tlsp_load_u16(c);
		}
		return expect(s, s->ext_left ? STEP_SH_EXT_HEADER : STEP_SH_END, 0,
			      s->ext_left ? 4 : 0);
	case STEP_SH_END:
		return server_hello_end(s);
	default:
		return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
	}
}

/*
 * struct {
 *     uint32 ticket_lifetime_hint;
 *     opaque ticket<0..2^16-1>;
 * } NewSessionTicket;   (RFC 5077 3.3)
 */
static enum tlsp_status
step_new_session_ticket(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;
	size_t key_len;

	if (s->hs_step == STEP_NST_FIXED) {
		r->nst_lifetime_hint = (uint32_t)s->carry[0] << 24 | (uint32_t)s->carry[1] << 16 |
				       (uint32_t)s->carry[2] << 8 | s->carry[3];
		r->nst_ticket_len = tlsp_load_u16(s->carry + 4);
		if (r->nst_ticket_len != s->hs_left)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_NEW_SESSION_TICKET);
		key_len = r->nst_ticket_len < s->key_name_len ? r->nst_ticket_len : s->key_name_len;
		return expect(s, STEP_NST_KEY_NAME, 0, key_len);
	}
	memcpy(r->nst_key_name, s->carry, s->have);
	r->nst_key_name_len = (uint8_t)s->have;
	r->nst_seen = true;
	/* A ticket right after the ServerHello means an abbreviated handshake (RFC 5077 3.1). */
	if (r->verdict == TLSP_VERDICT_UNKNOWN)
		r->verdict = TLSP_VERDICT_RESUMED_TICKET;
	return scan_done(s);
}

/* struct { HandshakeType msg_type; uint24 length; ... } Handshake;   (RFC 8446 4) */
static enum tlsp_status
step_header(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;
	bool want_server_hello = !r->server_hello_seen;

	s->hs_type = s->carry[0];
	s->hs_left = (uint32_t)s->carry[1] << 16 | (uint32_t)s->carry[2] << 8 | s->carry[3];
	if (want_server_hello != (s->hs_type == HT_SERVER_HELLO))
		return scan_fail(s, TLSP_MALFORMED, TLSP_R_UNEXPECTED_MESSAGE);
	switch (s->hs_type) {
	case HT_SERVER_HELLO:
		/* version, random, session ID length, suite, compression: 38 bytes at least */
		if (s->hs_left < 38)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_SERVER_HELLO);
		return expect(s, STEP_SH_FIXED, 0, 35);
	case HT_NEW_SESSION_TICKET:
		if (s->hs_left < 6)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_NEW_SESSION_TICKET);
		return expect(s, STEP_NST_FIXED, 0, 6);
	default:
		/* Certificate, ServerKeyExchange, ...: the handshake is a full one. */
		if (r->verdict == TLSP_VERDICT_UNKNOWN)
			r->verdict = TLSP_VERDICT_FULL;
		if (!r->ticket_ext)
			return scan_done(s);
		return expect(s, STEP_MESSAGE_END, s->hs_left, 0);
	}
}

static enum tlsp_status
run_step(struct tlsp_server_scan *s)
{
	switch (s->hs_step) {
	case STEP_HEADER:
		return step_header(s);
	case STEP_NST_FIXED:
	case STEP_NST_KEY_NAME:
		return step_new_session_ticket(s);
	case STEP_MESSAGE_END:
		return expect(s, STEP_HEADER, 0, 4);
	default:
		return step_server_hello(s);
	}
}

/*
 * Bytes of handshake records, in order, whatever the record boundaries.
 * @used: how many of the @n bytes the scan needed (fewer once it finishes).
 */
static enum tlsp_status
handshake_bytes(struct tlsp_server_scan *s, const uint8_t *p, size_t n, size_t *used)
{
	enum tlsp_status st = TLSP_NEED_MORE;
	const size_t total = n;

	for (;;) {
		size_t take;

		if (s->skip) {
			take = n < s->skip ? n : s->skip;
			s->skip -= (uint32_t)take;
			s->hs_left -= (uint32_t)take;
			p += take;
			n -= take;
			if (s->skip)
				return st;
		}
		if (s->have < s->want) {
			take = s->want - s->have;
			if (take > n)
				take = n;
			memcpy(s->carry + s->have, p, take);
			s->have = (uint16_t)(s->have + take);
			if (s->hs_step != STEP_HEADER)
				s->hs_left -= (uint32_t)take;
			p += take;
			n -= take;
			if (s->have < s->want)
				return st;
		}
		st = run_step(s);
		if (st != TLSP_NEED_MORE) {
			*used = total - n;
			return st;
		}
		/* A step that wants nothing runs at once; others wait for bytes. */
		if (n == 0 && (s->want || s->skip))
			return st;
	}
}

static bool
mid_message(const struct tlsp_server_scan *s)
{
	return s->hs_step != STEP_HEADER || s->have != 0;
}

/* Record header complete: decide what its payload means. */
static enum tlsp_status
record_start(struct tlsp_server_scan *s)
{
	struct tlsp_server_flight *r = &s->result;
	bool first = r->n_records == 0;
	size_t len = tlsp_load_u16(s->rec_hdr + 3);

	s->rec_type = s->rec_hdr[0];
	if (s->rec_hdr[1] != 3)
		return scan_fail(s, first ? TLSP_NOT_TLS : TLSP_MALFORMED, TLSP_R_RECORD_VERSION);
	if (s->rec_type < CT_CHANGE_CIPHER_SPEC || s->rec_type > CT_APPLICATION_DATA ||
	    (first && s->rec_type != CT_HANDSHAKE && s->rec_type != CT_ALERT))
		return scan_fail(s, first ? TLSP_NOT_TLS : TLSP_MALFORMED, TLSP_R_RECORD_TYPE);
	if (len > TLS_RECORD_MAX_LEN)
		return scan_fail(s, TLSP_MALFORMED, TLSP_R_RECORD_OVERFLOW);
	if (len == 0 && s->rec_type == CT_HANDSHAKE)
		return scan_fail(s, TLSP_MALFORMED, TLSP_R_RECORD_EMPTY);
	if (s->rec_type != CT_HANDSHAKE && mid_message(s))
		return scan_fail(s, TLSP_MALFORMED, TLSP_R_RECORD_INTERLEAVED);
	r->n_records++;
	s->rec_left = (uint16_t)len;
	switch (s->rec_type) {
	case CT_CHANGE_CIPHER_SPEC:
		/* After a HelloRetryRequest it is only TLS 1.3's middlebox camouflage. */
		if (r->verdict == TLSP_VERDICT_HRR)
			return TLSP_NEED_MORE;
		if (!r->server_hello_seen)
			return scan_fail(s, TLSP_MALFORMED, TLSP_R_UNEXPECTED_MESSAGE);
		/* No certificate before the switch: an abbreviated handshake. */
		if (r->verdict == TLSP_VERDICT_UNKNOWN && s->client_ticket)
			r->verdict = TLSP_VERDICT_RESUMED_TICKET;
		return scan_done(s);
	case CT_APPLICATION_DATA:
		return scan_done(s);
	default:
		return TLSP_NEED_MORE;
	}
}

void
tlsp_server_scan_init(struct tlsp_server_scan *s, const struct tlsp_client_hello *hello,
		      uint8_t key_name_len)
{
	memset(s, 0, sizeof(*s));
	s->status = TLSP_NEED_MORE;
	s->key_name_len = key_name_len ? key_name_len : TLSP_KEY_NAME_LEN_DEFAULT;
	if (s->key_name_len > sizeof(s->result.nst_key_name))
		s->key_name_len = sizeof(s->result.nst_key_name);
	if (hello) {
		s->client_ticket = hello->ticket == TLSP_TICKET_PRESENT;
		if (hello->session_id.len <= sizeof(s->client_sid)) {
			s->client_sid_len = (uint8_t)hello->session_id.len;
			memcpy(s->client_sid, hello->session_id.ptr, hello->session_id.len);
		}
	}
	s->hs_step = STEP_HEADER;
	s->want = 4;
}

enum tlsp_status
tlsp_server_scan_feed(struct tlsp_server_scan *s, const uint8_t *data, size_t len)
{
	struct tlsp_server_flight *r = &s->result;
	enum tlsp_status st = (enum tlsp_status)s->status;

	while (len > 0 && st == TLSP_NEED_MORE) {
		size_t take;

		if (s->rec_hdr_have < TLS_RECORD_HEADER_LEN) {
			take = TLS_RECORD_HEADER_LEN - s->rec_hdr_have;
			/* The stream's first byte alone decides NOT_TLS, however it was cut. */
			if (r->n_records == 0 && s->rec_hdr_have == 0)
				take = 1;
			if (take > len)
				take = len;
			memcpy(s->rec_hdr + s->rec_hdr_have, data, take);
			s->rec_hdr_have = (uint8_t)(s->rec_hdr_have + take);
			data += take;
			len -= take;
			r->bytes += take;
			/* Reject a stream that is not TLS from its first bytes. */
			if (s->rec_hdr_have >= 1 && r->n_records == 0 &&
			    s->rec_hdr[0] != CT_HANDSHAKE && s->rec_hdr[0] != CT_ALERT) {
				st = scan_fail(s, TLSP_NOT_TLS, TLSP_R_RECORD_TYPE);
				break;
			}
			if (s->rec_hdr_have < TLS_RECORD_HEADER_LEN)
				continue;
			st = record_start(s);
			continue;
		}
		take = len < s->rec_left ? len : s->rec_left;
		if (s->rec_type == CT_HANDSHAKE) {
			size_t used = take;

			st = handshake_bytes(s, data, take, &used);
			take = used;
		} else if (s->rec_type == CT_ALERT) {
			/* struct { AlertLevel level; AlertDescription description; } Alert; */
			size_t i;

			for (i = 0; i < take && s->have < 2; i++)
				s->carry[s->have++] = data[i];
			take = i;
			if (s->have == 2) {
				r->alert_seen = true;
				r->alert_level = s->carry[0];
				r->alert_description = s->carry[1];
				st = scan_done(s);
			}
		}
		s->rec_left = (uint16_t)(s->rec_left - take);
		data += take;
		len -= take;
		r->bytes += take;
		if (s->rec_left == 0) {
			s->rec_hdr_have = 0;
			if (s->rec_type == CT_ALERT && st == TLSP_NEED_MORE)
				st = scan_fail(s, TLSP_MALFORMED, TLSP_R_ALERT_LENGTH);
		}
	}
	return st;
}
