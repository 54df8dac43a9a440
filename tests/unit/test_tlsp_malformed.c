/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ClientHello parser on broken input: mutations of real hellos from
 * tlsgen, each length field one too long and one too short, duplicated and
 * misplaced extensions, streams that are not TLS, every truncation. The fields
 * are found by walking the real hello (hello_walk), never by fixed offsets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "hello_walk.h"
#include "sslv2_cases.h"
#include "tlsgen_scenarios.h"
#include "tlsp_client.h"
#include "unit_util.h"

#define RECORD_HEADER 5u

/* The real hellos the mutations start from. */
enum base {
	BASE_PSK,        /* TLS 1.3 resumption: SNI, ALPN, key_share, pre_shared_key last */
	BASE_FULL,       /* TLS 1.3 full handshake with SNI and ALPN, no pre_shared_key */
	BASE_FRAGMENTED, /* a hello over several 512-byte records */
	BASE_COUNT,
	BASE_NONE = BASE_COUNT, /* the row builds its input from nothing */
};

static const struct tlsgen_params psk_params = {
	.tickets = true,
	.resume = true,
	.sni = "malformed.example.test",
	.alpn = "h2,http/1.1",
};

static struct tlsgen_result base_results[BASE_COUNT];
static uint8_t scratch[TLSP_SCRATCH_SIZE];

/* A growable copy of a hello being mutated. */
struct edit {
	uint8_t *p;
	size_t len;
};

static void
edit_insert(struct edit *e, size_t off, const void *data, size_t n)
{
	uint8_t *grown = realloc(e->p, e->len + n);

	assert_non_null(grown);
	memmove(grown + off + n, grown + off, e->len - off);
	if (n)
		memcpy(grown + off, data, n);
	e->p = grown;
	e->len += n;
}

static void
edit_remove(struct edit *e, size_t off, size_t n)
{
	assert_true(off + n <= e->len);
	memmove(e->p + off, e->p + off + n, e->len - off - n);
	e->len -= n;
}

static void
edit_add(struct edit *e, size_t off, unsigned width, int delta)
{
	hello_put(e->p, off, width, hello_get(e->p, off, width) + (uint32_t)delta);
}

static struct hello_walk
edit_walk(const struct edit *e)
{
	struct hello_walk w;

	assert_int_equal(hello_walk(e->p, e->len, &w), 0);
	return w;
}

static const struct hello_walk_ext *
ext_of(const struct hello_walk *w, uint16_t type)
{
	const struct hello_walk_ext *ext = hello_walk_find(w, type);

	if (!ext)
		fail_msg("base hello has no extension %u", type);
	return ext;
}

/* Bytes inserted into the extensions block: the block, message and record grow too. */
static void
grow_outer(struct edit *e, const struct hello_walk *w, int delta)
{
	edit_add(e, w->extensions_len, 2, delta);
	edit_add(e, w->handshake_len, 3, delta);
	edit_add(e, w->record_len, 2, delta);
}

static void
insert_extension(struct edit *e, size_t off, uint16_t type, const void *body, size_t body_len)
{
	struct hello_walk w = edit_walk(e);
	uint8_t header[4];

	hello_put(header, 0, 2, type);
	hello_put(header, 2, 2, (uint32_t)body_len);
	edit_insert(e, off, body, body_len);
	edit_insert(e, off, header, sizeof(header));
	grow_outer(e, &w, (int)(sizeof(header) + body_len));
}

/* Where an extension inserted "before pre_shared_key" goes, so that it stays last. */
static size_t
before_psk(const struct edit *e)
{
	struct hello_walk w = edit_walk(e);
	const struct hello_walk_ext *psk = hello_walk_find(&w, TLSP_EXT_PRE_SHARED_KEY);

	return psk ? psk->off : w.end;
}

static void
move_extension(struct edit *e, uint16_t type, bool to_front)
{
	struct hello_walk w = edit_walk(e);
	const struct hello_walk_ext *ext = ext_of(&w, type);
	size_t size = 4 + ext->len, first = w.ext[0].off;
	uint8_t *copy = unit_memdup(e->p + ext->off, size);

	edit_remove(e, ext->off, size);
	edit_insert(e, to_front ? first : w.end - size, copy, size);
	free(copy);
}

/* The length fields a row may change by one. */
enum field {
	F_NONE,
	F_RECORD,
	F_HANDSHAKE,
	F_SESSION_ID,
	F_CIPHER_SUITES,
	F_COMPRESSION,
	F_EXTENSIONS,
	F_EXT_PSK,       /* the pre_shared_key extension's own length */
	F_EXT_LAST,      /* the last extension's own length */
	F_SNI_LIST,
	F_SNI_NAME,
	F_ALPN_LIST,
	F_ALPN_FIRST,
	F_VERSIONS,
	F_GROUPS,
	F_KEY_SHARES,
	F_KEY_SHARE_KEY, /* the first entry's key_exchange length */
	F_PSK_MODES,
	F_PSK_IDENTITIES,
	F_PSK_IDENTITY,  /* the first identity's length */
	F_PSK_BINDERS,
};

/* Width of each length field in bytes; the others are 16-bit. */
static const unsigned field_width[] = {
	[F_HANDSHAKE] = 3,
	[F_SESSION_ID] = 1,
	[F_COMPRESSION] = 1,
	[F_ALPN_FIRST] = 1,
	[F_VERSIONS] = 1,
	[F_PSK_MODES] = 1,
	[F_PSK_BINDERS] = 2, /* sizes the table */
};

/* Offset of a field @rel bytes into the body of the extension of @type. */
static size_t
in_ext(const struct hello_walk *w, uint16_t type, size_t rel)
{
	return ext_of(w, type)->off + 4 + rel;
}

static size_t
field_offset(const struct edit *e, const struct hello_walk *w, enum field field)
{
	size_t ids;

	switch (field) {
	case F_RECORD:
		return w->record_len;
	case F_HANDSHAKE:
		return w->handshake_len;
	case F_SESSION_ID:
		return w->session_id_len;
	case F_CIPHER_SUITES:
		return w->cipher_suites_len;
	case F_COMPRESSION:
		return w->compression_len;
	case F_EXTENSIONS:
		return w->extensions_len;
	case F_EXT_PSK:
		return ext_of(w, TLSP_EXT_PRE_SHARED_KEY)->off + 2;
	case F_EXT_LAST:
		return w->ext[w->n_ext - 1].off + 2;
	/* ServerNameList: list<2>, then name_type(1) HostName<2> (RFC 6066 3) */
	case F_SNI_LIST:
		return in_ext(w, TLSP_EXT_SERVER_NAME, 0);
	case F_SNI_NAME:
		return in_ext(w, TLSP_EXT_SERVER_NAME, 3);
	/* ProtocolNameList<2> of ProtocolName<1> (RFC 7301 3.1) */
	case F_ALPN_LIST:
		return in_ext(w, TLSP_EXT_ALPN, 0);
	case F_ALPN_FIRST:
		return in_ext(w, TLSP_EXT_ALPN, 2);
	case F_VERSIONS:
		return in_ext(w, TLSP_EXT_SUPPORTED_VERSIONS, 0);
	case F_GROUPS:
		return in_ext(w, TLSP_EXT_SUPPORTED_GROUPS, 0);
	/* client_shares<2> of { group(2), key_exchange<2> } (RFC 8446 4.2.8) */
	case F_KEY_SHARES:
		return in_ext(w, TLSP_EXT_KEY_SHARE, 0);
	case F_KEY_SHARE_KEY:
		return in_ext(w, TLSP_EXT_KEY_SHARE, 4);
	case F_PSK_MODES:
		return in_ext(w, TLSP_EXT_PSK_KEY_EXCHANGE_MODES, 0);
	/* identities<2> of { identity<2>, age(4) }, then binders<2> (RFC 8446 4.2.11) */
	case F_PSK_IDENTITIES:
		return in_ext(w, TLSP_EXT_PRE_SHARED_KEY, 0);
	case F_PSK_IDENTITY:
		return in_ext(w, TLSP_EXT_PRE_SHARED_KEY, 2);
	case F_PSK_BINDERS:
		ids = in_ext(w, TLSP_EXT_PRE_SHARED_KEY, 0);
		return ids + 2 + hello_get(e->p, ids, 2);
	case F_NONE:
		break;
	}
	fail_msg("no field %d", field);
	return 0;
}

static void
field_change(struct edit *e, const struct hello_walk *w, enum field field, int delta)
{
	unsigned width = field_width[field] ? field_width[field] : 2;

	edit_add(e, field_offset(e, w, field), width, delta);
}

enum scratch_kind { SCRATCH_FULL, SCRATCH_NONE, SCRATCH_SMALL };

struct mut_case {
	const char *desc;
	enum base base;
	void (*prepare)(struct edit *e);   /* before the length change; may be NULL */
	enum field field;                 /* the length to change, F_NONE for none */
	int delta;
	void (*finish)(struct edit *e, const struct hello_walk *w); /* after it; may be NULL */
	enum tlsp_status status;
	enum tlsp_reason reason;          /* checked on NOT_TLS and MALFORMED */
	void (*check)(const struct tlsp_client_hello *hello, const struct edit *e);
	enum scratch_kind scratch;
};

/* ---- edits used by the rows ---- */

static void
append_zero(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	edit_insert(e, e->len, "", 1);
}

static void
drop_last(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	edit_remove(e, e->len - 1, 1);
}

/* The body shrank by one: shrink the record to match and drop the byte now outside. */
static void
trim_record(struct edit *e, const struct hello_walk *w)
{
	edit_add(e, w->record_len, 2, -1);
	edit_remove(e, e->len - 1, 1);
}

/* The body grew by one: grow the record and supply the byte, after the extensions. */
static void
grow_record(struct edit *e, const struct hello_walk *w)
{
	edit_add(e, w->record_len, 2, +1);
	edit_insert(e, e->len, "", 1);
}

static void
set_record_len_0(struct edit *e, const struct hello_walk *w)
{
	hello_put(e->p, w->record_len, 2, 0);
}

static void
set_record_len_big(struct edit *e, const struct hello_walk *w)
{
	hello_put(e->p, w->record_len, 2, (1u << 14) + 1); /* RFC 8446 5.1 */
}

static void
set_type_appdata(struct edit *e, const struct hello_walk *w)
{
	e->p[w->content_type] = 0x17;
}

static void
set_type_alert(struct edit *e, const struct hello_walk *w)
{
	e->p[w->content_type] = 0x15;
}

static void
set_major_2(struct edit *e, const struct hello_walk *w)
{
	e->p[w->record_version] = 2;
}

static void
set_major_4(struct edit *e, const struct hello_walk *w)
{
	e->p[w->record_version] = 4;
}

static void
set_hs_type_2(struct edit *e, const struct hello_walk *w)
{
	e->p[w->handshake_type] = 2;
}


static void
set_hs_len_too_long(struct edit *e, const struct hello_walk *w)
{
	hello_put(e->p, w->handshake_len, 3, TLSP_HELLO_MAX_LEN + 1);
}

/* The byte a one-shorter session ID leaves over becomes the cipher_suites length's high byte. */
static void
sid_last_byte_ff(struct edit *e)
{
	struct hello_walk w = edit_walk(e);
	unsigned sid_len = e->p[w.session_id_len];

	assert_true(sid_len > 0);
	e->p[w.session_id_len + sid_len] = 0xff;
}

/*
 * One more compression method swallows the extensions length's high byte; the
 * row is about a garbled extensions length, so make sure it is garbled.
 */
static void
check_compression_shift(struct edit *e, const struct hello_walk *w)
{
	size_t ext_len_off = w->extensions_len;
	size_t garbled = hello_get(e->p, ext_len_off + 1, 2);

	assert_int_not_equal(garbled, w->end - (ext_len_off + 3));
}

static void
move_ec_point_formats_last(struct edit *e)
{
	move_extension(e, 11, false); /* ec_point_formats, RFC 8422 */
}

static void
move_psk_first(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	move_extension(e, TLSP_EXT_PRE_SHARED_KEY, true);
}

static void
duplicate_extension(struct edit *e, uint16_t type)
{
	struct hello_walk w = edit_walk(e);
	const struct hello_walk_ext *ext = ext_of(&w, type);
	uint8_t *body = unit_memdup(e->p + ext->off + 4, ext->len); /* e->p moves on insert */

	/* right after the original, so neither is after pre_shared_key */
	insert_extension(e, ext->off + 4 + ext->len, type, body, ext->len);
	free(body);
}

static void
dup_ems(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	duplicate_extension(e, 23); /* extended_master_secret, RFC 7627 */
}

static void
dup_sni(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	duplicate_extension(e, TLSP_EXT_SERVER_NAME);
}

/* 0x4469: unassigned; a type far above the low ones a bitmap may cover */
static void
dup_unknown(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	insert_extension(e, before_psk(e), 0x4469, NULL, 0);
	insert_extension(e, before_psk(e), 0x4469, NULL, 0);
}

static void
early_data_with_body(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	insert_extension(e, before_psk(e), TLSP_EXT_EARLY_DATA, "\x00", 1);
}

static void
early_data_empty(struct edit *e)
{
	insert_extension(e, before_psk(e), TLSP_EXT_EARLY_DATA, NULL, 0);
}

/* RFC 7301 3.1: ProtocolName<1..2^8-1>: an empty name first in the list */
static void
alpn_empty_name(struct edit *e, const struct hello_walk *w)
{
	const struct hello_walk_ext *alpn = ext_of(w, TLSP_EXT_ALPN);

	edit_insert(e, alpn->off + 6, "", 1);
	edit_add(e, alpn->off + 4, 2, 1);
	edit_add(e, alpn->off + 2, 2, 1);
	grow_outer(e, w, 1);
}

/* RFC 6066 3: HostName<1..2^16-1>: the name cut to nothing */
static void
sni_empty_name(struct edit *e, const struct hello_walk *w)
{
	const struct hello_walk_ext *sni = ext_of(w, TLSP_EXT_SERVER_NAME);
	size_t name_len_off = sni->off + 4 + 3;
	int name_len = (int)hello_get(e->p, name_len_off, 2);

	edit_remove(e, name_len_off + 2, (size_t)name_len);
	hello_put(e->p, name_len_off, 2, 0);
	edit_add(e, sni->off + 4, 2, -name_len);
	edit_add(e, sni->off + 2, 2, -name_len);
	grow_outer(e, w, -name_len);
}

/* Two bytes after the last extension: not enough for an extension header. */
static void
stray_extension_bytes(struct edit *e, const struct hello_walk *w)
{
	edit_insert(e, w->end, "\x00\x00", 2);
	grow_outer(e, w, 2);
}

static void
insert_grease_extension(struct edit *e)
{
	struct hello_walk w = edit_walk(e);

	insert_extension(e, w.ext[0].off, 0x1a1a, NULL, 0);
}

static void
insert_ech_extension(struct edit *e)
{
	/* ECHClientHello with type inner(1): the parser only notes the extension */
	insert_extension(e, before_psk(e), TLSP_EXT_ENCRYPTED_CLIENT_HELLO, "\x01", 1);
}

/* Unknown, empty extensions up to a total of @total. */
static void
pad_extensions_to(struct edit *e, unsigned total)
{
	struct hello_walk w = edit_walk(e);
	unsigned n = w.n_ext, i;

	assert_true(n <= total);
	for (i = 0; n + i < total; i++)
		insert_extension(e, before_psk(e), (uint16_t)(0x5000 + i), NULL, 0);
}

static void
extensions_at_max(struct edit *e)
{
	pad_extensions_to(e, TLSP_MAX_EXTENSIONS);
}

static void
extensions_over_max(struct edit *e)
{
	pad_extensions_to(e, TLSP_MAX_EXTENSIONS + 1);
}

/* The second record of a fragmented hello gets another content type. */
static void
second_record_type(struct edit *e, uint8_t type)
{
	size_t second = RECORD_HEADER + hello_get(e->p, 3, 2);

	assert_true(second < e->len);
	assert_int_equal(e->p[second], 22);
	e->p[second] = type;
}

static void
second_record_appdata(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	second_record_type(e, 0x17);
}

static void
second_record_alert(struct edit *e, const struct hello_walk *w)
{
	(void)w;
	second_record_type(e, 0x15);
}


static void
http_request(struct edit *e)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n";

	edit_remove(e, 0, e->len);
	edit_insert(e, 0, req, sizeof(req) - 1);
}

/* ---- checks of the rows that parse ---- */

static void
check_psk_base(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_true(h->has_psk);
	assert_true(h->tls13_offered);
	unit_assert_bytes(h->sni, psk_params.sni, strlen(psk_params.sni));
	assert_int_equal(h->n_records, 1);
}

static void
check_grease(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_true(h->grease);
	assert_int_equal(h->n_extensions, base_results[BASE_FULL].hello.n_ext + 1);
}

static void
check_no_grease(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_false(h->grease);
	assert_false(h->ech);
	assert_false(h->early_data);
}

static void
check_ech(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_true(h->ech);
}

static void
check_early_data(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_true(h->early_data);
	assert_true(h->has_psk);
}

static void
check_max_extensions(const struct tlsp_client_hello *h, const struct edit *e)
{
	(void)e;
	assert_int_equal(h->n_extensions, TLSP_MAX_EXTENSIONS);
	assert_true(h->has_psk);
}

static void
check_fragmented(const struct tlsp_client_hello *h, const struct edit *e)
{
	assert_true(h->n_records > 1);
	assert_int_equal(h->consumed, e->len);
}

#define OK TLSP_OK, TLSP_R_NONE
#define NEED TLSP_NEED_MORE, TLSP_R_NONE
#define MAL(r) TLSP_MALFORMED, TLSP_R_##r
#define NOT_TLS(r) TLSP_NOT_TLS, TLSP_R_##r

static const struct mut_case mut_cases[] = {
	/* record layer */
	{ "unchanged", BASE_PSK, .status = TLSP_OK, .check = check_psk_base },
	/* A client's first flight holds the ClientHello alone, so a record longer than
	 * the hello can only carry trailing handshake bytes: a defect, known at once. */
	{ "record length +1", BASE_PSK, NULL, F_RECORD, +1, NULL, MAL(HANDSHAKE_TRAILING) },
	{ "record length +1, the byte supplied", BASE_PSK, NULL, F_RECORD, +1, append_zero,
	  MAL(HANDSHAKE_TRAILING) },
	{ "record length -1: the hello goes on in a record yet to come", BASE_PSK, NULL, F_RECORD,
	  -1, drop_last, NEED },
	{ "record length 0", BASE_PSK, NULL, F_NONE, 0, set_record_len_0, MAL(RECORD_EMPTY) },
	{ "record length 2^14 + 1", BASE_PSK, NULL, F_NONE, 0, set_record_len_big,
	  MAL(RECORD_OVERFLOW) },
	{ "record type application_data", BASE_PSK, NULL, F_NONE, 0, set_type_appdata,
	  NOT_TLS(RECORD_TYPE) },
	{ "record type alert", BASE_PSK, NULL, F_NONE, 0, set_type_alert, NOT_TLS(RECORD_TYPE) },
	{ "record version major 2", BASE_PSK, NULL, F_NONE, 0, set_major_2,
	  NOT_TLS(RECORD_VERSION) },
	{ "record version major 4", BASE_PSK, NULL, F_NONE, 0, set_major_4,
	  NOT_TLS(RECORD_VERSION) },
	{ "plain HTTP request", BASE_PSK, http_request, .status = TLSP_NOT_TLS,
	  .reason = TLSP_R_RECORD_TYPE },

	/* handshake layer */
	{ "handshake type server_hello", BASE_PSK, NULL, F_NONE, 0, set_hs_type_2,
	  MAL(HANDSHAKE_TYPE) },
	{ "handshake length +1: the hello goes on in a record yet to come", BASE_PSK, NULL,
	  F_HANDSHAKE, +1, NULL, NEED },
	{ "handshake length -1: a byte left over in the record", BASE_PSK, NULL, F_HANDSHAKE, -1,
	  NULL, MAL(HANDSHAKE_TRAILING) },
	{ "handshake length -1, record trimmed: the extensions overrun the body", BASE_PSK, NULL,
	  F_HANDSHAKE, -1, trim_record, MAL(EXTENSIONS_LENGTH) },
	{ "handshake length +1, record grown: a byte after the extensions", BASE_PSK, NULL,
	  F_HANDSHAKE, +1, grow_record, MAL(EXTENSIONS_LENGTH) },
	{ "handshake length above TLSP_HELLO_MAX_LEN", BASE_PSK, NULL, F_NONE, 0,
	  set_hs_len_too_long, MAL(HANDSHAKE_TOO_LONG) },

	/* hello body */
	{ "session_id length +1 (33)", BASE_PSK, NULL, F_SESSION_ID, +1, NULL,
	  MAL(SESSION_ID_LENGTH) },
	{ "session_id length -1: its last byte, 0xff, read as the cipher_suites length",
	  BASE_PSK, sid_last_byte_ff, F_SESSION_ID, -1, NULL, MAL(CIPHER_SUITES_LENGTH) },
	{ "cipher_suites length +1", BASE_PSK, NULL, F_CIPHER_SUITES, +1, NULL,
	  MAL(CIPHER_SUITES_LENGTH) },
	{ "cipher_suites length -1", BASE_PSK, NULL, F_CIPHER_SUITES, -1, NULL,
	  MAL(CIPHER_SUITES_LENGTH) },
	{ "compression_methods length -1 (none)", BASE_PSK, NULL, F_COMPRESSION, -1, NULL,
	  MAL(COMPRESSION_LENGTH) },
	{ "compression_methods length +1: the extensions length garbled", BASE_PSK, NULL,
	  F_COMPRESSION, +1, check_compression_shift, MAL(EXTENSIONS_LENGTH) },
	{ "extensions length +1", BASE_PSK, NULL, F_EXTENSIONS, +1, NULL,
	  MAL(EXTENSIONS_LENGTH) },
	{ "extensions length -1", BASE_PSK, NULL, F_EXTENSIONS, -1, NULL,
	  MAL(EXTENSIONS_LENGTH) },
	{ "pre_shared_key extension length +1: overruns the block", BASE_PSK, NULL, F_EXT_PSK,
	  +1, NULL, MAL(EXTENSION_LENGTH) },
	{ "ec_point_formats moved last", BASE_FULL, move_ec_point_formats_last, .status = TLSP_OK,
	  .check = check_no_grease },
	{ "last extension length +1: overruns the block", BASE_FULL, move_ec_point_formats_last,
	  F_EXT_LAST, +1, NULL, MAL(EXTENSION_LENGTH) },
	{ "last extension length -1: a byte left in the block", BASE_FULL,
	  move_ec_point_formats_last, F_EXT_LAST, -1, NULL, MAL(EXTENSION_LENGTH) },
	{ "two stray bytes after the last extension", BASE_FULL, NULL, F_NONE, 0,
	  stray_extension_bytes, MAL(EXTENSION_LENGTH) },
	{ "too many extensions", BASE_PSK, extensions_over_max, .status = TLSP_MALFORMED,
	  .reason = TLSP_R_TOO_MANY_EXTENSIONS },
	{ "TLSP_MAX_EXTENSIONS extensions", BASE_PSK, extensions_at_max, .status = TLSP_OK,
	  .check = check_max_extensions },

	/* extensions the parser reads */
	{ "server_name list length +1", BASE_PSK, NULL, F_SNI_LIST, +1, NULL, MAL(SNI) },
	{ "server_name list length -1", BASE_PSK, NULL, F_SNI_LIST, -1, NULL, MAL(SNI) },
	{ "host_name length +1", BASE_PSK, NULL, F_SNI_NAME, +1, NULL, MAL(SNI) },
	{ "host_name length -1", BASE_PSK, NULL, F_SNI_NAME, -1, NULL, MAL(SNI) },
	{ "host_name empty", BASE_PSK, NULL, F_NONE, 0, sni_empty_name, MAL(SNI) },
	{ "ALPN list length +1", BASE_PSK, NULL, F_ALPN_LIST, +1, NULL, MAL(ALPN) },
	{ "ALPN list length -1", BASE_PSK, NULL, F_ALPN_LIST, -1, NULL, MAL(ALPN) },
	{ "ALPN first name length +1", BASE_PSK, NULL, F_ALPN_FIRST, +1, NULL, MAL(ALPN) },
	{ "ALPN first name length -1", BASE_PSK, NULL, F_ALPN_FIRST, -1, NULL, MAL(ALPN) },
	{ "ALPN empty name", BASE_PSK, NULL, F_NONE, 0, alpn_empty_name, MAL(ALPN) },
	{ "supported_versions length +1", BASE_PSK, NULL, F_VERSIONS, +1, NULL,
	  MAL(SUPPORTED_VERSIONS) },
	{ "supported_versions length -1", BASE_PSK, NULL, F_VERSIONS, -1, NULL,
	  MAL(SUPPORTED_VERSIONS) },
	{ "supported_groups length +1", BASE_PSK, NULL, F_GROUPS, +1, NULL,
	  MAL(SUPPORTED_GROUPS) },
	{ "supported_groups length -1", BASE_PSK, NULL, F_GROUPS, -1, NULL,
	  MAL(SUPPORTED_GROUPS) },
	{ "key_share list length +1", BASE_PSK, NULL, F_KEY_SHARES, +1, NULL, MAL(KEY_SHARE) },
	{ "key_share list length -1", BASE_PSK, NULL, F_KEY_SHARES, -1, NULL, MAL(KEY_SHARE) },
	{ "key_share key length +1", BASE_PSK, NULL, F_KEY_SHARE_KEY, +1, NULL, MAL(KEY_SHARE) },
	{ "key_share key length -1", BASE_PSK, NULL, F_KEY_SHARE_KEY, -1, NULL, MAL(KEY_SHARE) },
	{ "psk_key_exchange_modes length +1", BASE_PSK, NULL, F_PSK_MODES, +1, NULL,
	  MAL(PSK_MODES) },
	{ "psk_key_exchange_modes length -1", BASE_PSK, NULL, F_PSK_MODES, -1, NULL,
	  MAL(PSK_MODES) },
	{ "PSK identities length +1", BASE_PSK, NULL, F_PSK_IDENTITIES, +1, NULL, MAL(PSK) },
	{ "PSK identities length -1", BASE_PSK, NULL, F_PSK_IDENTITIES, -1, NULL, MAL(PSK) },
	{ "PSK identity length +1", BASE_PSK, NULL, F_PSK_IDENTITY, +1, NULL, MAL(PSK) },
	{ "PSK identity length -1", BASE_PSK, NULL, F_PSK_IDENTITY, -1, NULL, MAL(PSK) },
	{ "PSK binders length +1", BASE_PSK, NULL, F_PSK_BINDERS, +1, NULL, MAL(PSK) },
	{ "PSK binders length -1", BASE_PSK, NULL, F_PSK_BINDERS, -1, NULL, MAL(PSK) },
	{ "early_data, empty", BASE_PSK, early_data_empty, .status = TLSP_OK,
	  .check = check_early_data },
	{ "early_data with a body", BASE_PSK, NULL, F_NONE, 0, early_data_with_body,
	  MAL(EARLY_DATA) },

	/* placement */
	{ "extended_master_secret twice", BASE_PSK, NULL, F_NONE, 0, dup_ems,
	  MAL(DUPLICATE_EXTENSION) },
	{ "server_name twice", BASE_PSK, NULL, F_NONE, 0, dup_sni, MAL(DUPLICATE_EXTENSION) },
	{ "unassigned extension 0x4469 twice", BASE_PSK, NULL, F_NONE, 0, dup_unknown,
	  MAL(DUPLICATE_EXTENSION) },
	{ "pre_shared_key moved first", BASE_PSK, NULL, F_NONE, 0, move_psk_first,
	  MAL(PSK_NOT_LAST) },

	/* values only noted */
	{ "a GREASE extension", BASE_FULL, insert_grease_extension, .status = TLSP_OK,
	  .check = check_grease },
	{ "an encrypted_client_hello extension", BASE_FULL, insert_ech_extension,
	  .status = TLSP_OK, .check = check_ech },

	/* fragmented over records */
	{ "fragmented, scratch given", BASE_FRAGMENTED, .status = TLSP_OK,
	  .check = check_fragmented },
	{ "fragmented, no scratch", BASE_FRAGMENTED, .status = TLSP_MALFORMED,
	  .reason = TLSP_R_NO_SCRATCH, .scratch = SCRATCH_NONE },
	{ "fragmented, scratch too small", BASE_FRAGMENTED, .status = TLSP_MALFORMED,
	  .reason = TLSP_R_NO_SCRATCH, .scratch = SCRATCH_SMALL },
	{ "fragmented, second record application_data", BASE_FRAGMENTED, NULL, F_NONE, 0,
	  second_record_appdata, MAL(RECORD_INTERLEAVED) },
	{ "fragmented, second record an alert", BASE_FRAGMENTED, NULL, F_NONE, 0,
	  second_record_alert, MAL(RECORD_INTERLEAVED) },
};

static struct edit
build_input(const struct mut_case *c)
{
	const struct tlsgen_result *base = &base_results[c->base];
	struct edit e = { .p = unit_memdup(base->client.data, base->client_hello_len),
			  .len = base->client_hello_len };
	struct hello_walk w = { 0 };

	if (c->prepare)
		c->prepare(&e);
	/* Only single-record hellos are walked; rows on others use no field offsets. */
	if (c->base != BASE_FRAGMENTED && (c->field != F_NONE || c->finish))
		w = edit_walk(&e);
	if (c->field != F_NONE)
		field_change(&e, &w, c->field, c->delta);
	if (c->finish)
		c->finish(&e, &w);
	return e;
}

static enum tlsp_status
parse_as(const struct mut_case *c, const uint8_t *buf, size_t len,
	 struct tlsp_client_hello *hello, size_t *need, enum tlsp_reason *reason)
{
	struct tlsp_client_opts opts = { 0 };

	if (c->scratch == SCRATCH_FULL) {
		opts.scratch = scratch;
		opts.scratch_len = sizeof(scratch);
	} else if (c->scratch == SCRATCH_SMALL) {
		opts.scratch = scratch;
		opts.scratch_len = 64;
	}
	*reason = TLSP_R__COUNT;
	return tlsp_client_hello_parse(buf, len, &opts, hello, need, reason);
}

static void
test_mutation(void **state)
{
	const struct mut_case *c = *state;
	struct tlsp_client_hello hello;
	struct edit e = build_input(c);
	enum tlsp_reason reason;
	enum tlsp_status st;
	size_t need, k;

	st = parse_as(c, e.p, e.len, &hello, &need, &reason);
	if (st != c->status || ((st == TLSP_MALFORMED || st == TLSP_NOT_TLS) && reason != c->reason))
		fail_msg("got %s (%s), want %s (%s)", tlsp_status_name(st), tlsp_reason_name(reason),
			 tlsp_status_name(c->status), tlsp_reason_name(c->reason));
	if (st == TLSP_NEED_MORE)
		assert_true(need >= 1);
	if (c->check)
		c->check(&hello, &e);

	/* No prefix of a defective hello may parse, and none may read out of bounds. */
	for (k = 0; k < e.len; k++) {
		uint8_t *prefix = unit_memdup(e.p, k);

		st = parse_as(c, prefix, k, &hello, &need, &reason);
		if (c->status != TLSP_OK && st == TLSP_OK)
			fail_msg("prefix of %zu bytes parsed", k);
		free(prefix);
	}
	free(e.p);
}

/* Every truncation of a valid hello asks for more, and for at least one byte. */
static void
test_truncations(void **state)
{
	const struct tlsgen_result *base = *state;
	struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };
	struct tlsp_client_hello hello;
	enum tlsp_reason reason;
	enum tlsp_status st;
	size_t need, k;

	for (k = 0; k < base->client_hello_len; k++) {
		uint8_t *prefix = unit_memdup(base->client.data, k);

		st = tlsp_client_hello_parse(prefix, k, &opts, &hello, &need, &reason);
		if (st != TLSP_NEED_MORE)
			fail_msg("prefix of %zu bytes: %s (%s)", k, tlsp_status_name(st),
				 tlsp_reason_name(reason));
		assert_true(need >= 1 && k + need <= base->client_hello_len);
		free(prefix);
	}
}

static int
bases_setup(void **state)
{
	const struct tlsgen_params *params[BASE_COUNT] = {
		[BASE_PSK] = &psk_params,
		[BASE_FULL] = &tlsgen_scenario_find("sni_alpn")->params,
		[BASE_FRAGMENTED] = &tlsgen_scenario_find("many_records")->params,
	};
	int i;

	(void)state;
	for (i = 0; i < BASE_COUNT; i++) {
		if (tlsgen_run(params[i], &base_results[i]) < 0) {
			fprintf(stderr, "tlsgen failed for base %d\n", i);
			return -1;
		}
	}
	/* a resumption is what gives the PSK base its pre_shared_key */
	if (!base_results[BASE_PSK].reused || base_results[BASE_PSK].version != TLS1_3_VERSION) {
		fprintf(stderr, "the PSK base did not resume with TLS 1.3\n");
		return -1;
	}
	return 0;
}

static int
bases_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < BASE_COUNT; i++)
		tlsgen_result_free(&base_results[i]);
	return 0;
}

int
main(void)
{
	static const char *const base_names[BASE_COUNT] = {
		[BASE_PSK] = "TLS 1.3 PSK hello",
		[BASE_FULL] = "TLS 1.3 full hello",
		[BASE_FRAGMENTED] = "fragmented hello",
	};
	static struct unit_table table;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mut_cases); i++)
		unit_table_add(&table, "mutation", mut_cases[i].desc, test_mutation,
			       (void *)&mut_cases[i]);
	for (i = 0; i < BASE_COUNT; i++)
		unit_table_add(&table, "every truncation", base_names[i], test_truncations,
			       &base_results[i]);
	sslv2_add_tests(&table);
	return unit_table_run(&table, "tlsp_malformed", bases_setup, bases_teardown);
}
