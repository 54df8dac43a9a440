/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ClientHello parser. Two stages: the record walk finds where the hello
 * starts and ends (cheap, runs on every call while bytes trickle in), then the
 * body parse reads the fields once the whole message is there.
 */
#include <string.h>

#include "tlsp_client.h"
#include "tlsp_cursor.h"

#define TLS_RECORD_HEADER_LEN 5u
#define TLS_RECORD_MAX_PLAINTEXT 16384u
#define TLS_CONTENT_HANDSHAKE 22u
#define TLS_HANDSHAKE_HEADER_LEN 4u
#define TLS_HANDSHAKE_CLIENT_HELLO 1u
#define SSL2_MT_CLIENT_HELLO 1u

struct parse_ctx {
	const struct tlsp_client_opts *opts;
	struct tlsp_client_hello *hello;
	enum tlsp_reason reason;
	uint8_t key_name_len;
	uint64_t seen_low;             /* extension types 0..63 already seen */
	uint16_t seen_high[TLSP_MAX_EXTENSIONS];
	unsigned n_seen_high;
};

static enum tlsp_status
fail(struct parse_ctx *ctx, enum tlsp_status status, enum tlsp_reason reason)
{
	ctx->reason = reason;
	return status;
}

static void
note_grease(struct parse_ctx *ctx, uint16_t v)
{
	if (tlsp_is_grease(v))
		ctx->hello->grease = true;
}

static struct tlsp_bytes
prefix_view(struct tlsp_bytes b, size_t n)
{
	if (b.len > n)
		b.len = n;
	return b;
}

/*
 * struct {
 *     NameType name_type;
 *     select (name_type) { case host_name: HostName; } name;
 * } ServerName;
 * struct { ServerName server_name_list<1..2^16-1> } ServerNameList;   (RFC 6066 3)
 *
 * Every NameType defined so far is followed by a 16-bit length, so unknown
 * ones are skipped by it. The first host_name is kept.
 */
static enum tlsp_status
parse_server_name(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_cursor list, name;
	uint8_t type;

	if (!tlsp_cursor_vec16(&body, 1, &list) || !tlsp_cursor_done(&body))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_SNI);
	while (!tlsp_cursor_done(&list)) {
		if (!tlsp_cursor_u8(&list, &type) || !tlsp_cursor_vec16(&list, 1, &name))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_SNI);
		if (type == 0 && ctx->hello->sni.ptr == NULL)
			ctx->hello->sni = (struct tlsp_bytes){ name.p, name.left };
	}
	return TLSP_OK;
}

/*
 * opaque ProtocolName<1..2^8-1>;
 * struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;   (RFC 7301 3.1)
 */
static enum tlsp_status
parse_alpn(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_cursor list, name;
	struct tlsp_client_hello *h = ctx->hello;

	if (!tlsp_cursor_vec16(&body, 2, &list) || !tlsp_cursor_done(&body))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_ALPN);
	h->alpn = (struct tlsp_bytes){ list.p, list.left };
	while (!tlsp_cursor_done(&list)) {
		if (!tlsp_cursor_vec8(&list, 1, &name))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_ALPN);
		h->n_alpn++;
	}
	return TLSP_OK;
}

/* SessionTicket extension (RFC 5077 3.2): the body is the ticket, or empty. */
static enum tlsp_status
parse_session_ticket(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_client_hello *h = ctx->hello;

	h->ticket_data = (struct tlsp_bytes){ body.p, body.left };
	h->ticket = body.left ? TLSP_TICKET_PRESENT : TLSP_TICKET_EMPTY;
	h->ticket_key_name = prefix_view(h->ticket_data, ctx->key_name_len);
	return TLSP_OK;
}

/*
 * struct {
 *     select (Handshake.msg_type) {
 *         case client_hello: ProtocolVersion versions<2..254>;
 *         ...
 *     };
 * } SupportedVersions;   (RFC 8446 4.2.1)
 */
static enum tlsp_status
parse_supported_versions(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor list;
	uint16_t v;

	if (!tlsp_cursor_vec8(&body, 2, &list) || !tlsp_cursor_done(&body) || list.left % 2)
		return fail(ctx, TLSP_MALFORMED, TLSP_R_SUPPORTED_VERSIONS);
	h->has_supported_versions = true;
	while (tlsp_cursor_u16(&list, &v)) {
		if (tlsp_is_grease(v)) {
			h->grease = true;
			continue;
		}
		if (v == TLSP_VERSION_TLS13)
			h->tls13_offered = true;
		if (v > h->highest_version)
			h->highest_version = v;
	}
	return TLSP_OK;
}

/* struct { NamedGroup named_group_list<2..2^16-1>; } NamedGroupList;   (RFC 8446 4.2.7) */
static enum tlsp_status
parse_supported_groups(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_cursor list;
	uint16_t group;

	if (!tlsp_cursor_vec16(&body, 2, &list) || !tlsp_cursor_done(&body) || list.left % 2)
		return fail(ctx, TLSP_MALFORMED, TLSP_R_SUPPORTED_GROUPS);
	ctx->hello->has_supported_groups = true;
	while (tlsp_cursor_u16(&list, &group))
		note_grease(ctx, group);
	return TLSP_OK;
}

/*
 * struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 * struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;   (RFC 8446 4.2.8)
 */
static enum tlsp_status
parse_key_share(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor list, key;
	uint16_t group;

	if (!tlsp_cursor_vec16(&body, 0, &list) || !tlsp_cursor_done(&body))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_KEY_SHARE);
	h->has_key_share = true;
	while (!tlsp_cursor_done(&list)) {
		if (!tlsp_cursor_u16(&list, &group) || !tlsp_cursor_vec16(&list, 1, &key))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_KEY_SHARE);
		note_grease(ctx, group);
		if (h->n_key_shares < TLSP_MAX_KEY_SHARES)
			h->key_share_groups[h->n_key_shares] = group;
		h->n_key_shares++;
	}
	return TLSP_OK;
}

/* struct { PskKeyExchangeMode ke_modes<1..255>; } PskKeyExchangeModes;   (RFC 8446 4.2.9) */
static enum tlsp_status
parse_psk_modes(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor list;
	uint8_t mode;

	if (!tlsp_cursor_vec8(&body, 1, &list) || !tlsp_cursor_done(&body))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK_MODES);
	h->has_psk_modes = true;
	while (tlsp_cursor_u8(&list, &mode))
		if (mode <= 1)
			h->psk_modes |= (uint8_t)(1u << mode);
	return TLSP_OK;
}

/*
 * struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 * opaque PskBinderEntry<32..255>;
 * struct {
 *     PskIdentity identities<7..2^16-1>;
 *     PskBinderEntry binders<33..2^16-1>;
 * } OfferedPsks;   (RFC 8446 4.2.11)
 *
 * Each identity has exactly one binder, in the same order.
 */
static enum tlsp_status
parse_pre_shared_key(struct parse_ctx *ctx, struct tlsp_cursor body)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor ids, binders, identity, binder;
	uint32_t age;

	if (!tlsp_cursor_vec16(&body, 7, &ids) || !tlsp_cursor_vec16(&body, 33, &binders) ||
	    !tlsp_cursor_done(&body))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK);
	while (!tlsp_cursor_done(&ids)) {
		if (!tlsp_cursor_vec16(&ids, 1, &identity) || !tlsp_cursor_u32(&ids, &age))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK);
		if (h->n_psk_identities < TLSP_MAX_PSK_IDENTITIES) {
			struct tlsp_psk_identity *psk = &h->psk[h->n_psk_identities];

			psk->identity = (struct tlsp_bytes){ identity.p, identity.left };
			psk->key_name = prefix_view(psk->identity, ctx->key_name_len);
			psk->obfuscated_age = age;
		}
		h->n_psk_identities++;
	}
	h->psk_binders = (struct tlsp_bytes){ binders.p, binders.left };
	while (!tlsp_cursor_done(&binders)) {
		if (!tlsp_cursor_vec8(&binders, 32, &binder))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK);
		h->n_psk_binders++;
	}
	if (h->n_psk_binders != h->n_psk_identities)
		return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK);
	h->has_psk = true;
	return TLSP_OK;
}

/* Duplicates are a defect in every TLS version (RFC 8446 4.2, RFC 5246 7.4.1.4). */
static bool
extension_seen_before(struct parse_ctx *ctx, uint16_t type)
{
	if (type < 64) {
		uint64_t bit = UINT64_C(1) << type;
		bool seen = ctx->seen_low & bit;

		ctx->seen_low |= bit;
		return seen;
	}
	for (unsigned i = 0; i < ctx->n_seen_high; i++)
		if (ctx->seen_high[i] == type)
			return true;
	ctx->seen_high[ctx->n_seen_high++] = type;
	return false;
}

/*
 * struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 * Extension extensions<8..2^16-1>;   (RFC 8446 4.1.2)
 */
static enum tlsp_status
parse_extensions(struct parse_ctx *ctx, struct tlsp_cursor *hello_cur)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor exts, body;
	enum tlsp_status st;
	uint16_t type;

	if (!tlsp_cursor_vec16(hello_cur, 0, &exts) || !tlsp_cursor_done(hello_cur))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_EXTENSIONS_LENGTH);
	h->extensions = (struct tlsp_bytes){ exts.p, exts.left };
	while (!tlsp_cursor_done(&exts)) {
		if (!tlsp_cursor_u16(&exts, &type) || !tlsp_cursor_vec16(&exts, 0, &body))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_EXTENSION_LENGTH);
		if (h->n_extensions == TLSP_MAX_EXTENSIONS)
			return fail(ctx, TLSP_MALFORMED, TLSP_R_TOO_MANY_EXTENSIONS);
		h->n_extensions++;
		if (extension_seen_before(ctx, type))
			return fail(ctx, TLSP_MALFORMED, TLSP_R_DUPLICATE_EXTENSION);
		switch (type) {
		case TLSP_EXT_SERVER_NAME:
			st = parse_server_name(ctx, body);
			break;
		case TLSP_EXT_SUPPORTED_GROUPS:
			st = parse_supported_groups(ctx, body);
			break;
		case TLSP_EXT_ALPN:
			st = parse_alpn(ctx, body);
			break;
		case TLSP_EXT_SESSION_TICKET:
			st = parse_session_ticket(ctx, body);
			break;
		case TLSP_EXT_PRE_SHARED_KEY:
			/* The binders cover the hello up to here, so it must close it (RFC 8446 4.2.11). */
			if (!tlsp_cursor_done(&exts))
				return fail(ctx, TLSP_MALFORMED, TLSP_R_PSK_NOT_LAST);
			st = parse_pre_shared_key(ctx, body);
			break;
		case TLSP_EXT_EARLY_DATA:
			/* Empty in a ClientHello (RFC 8446 4.2.10). */
			if (!tlsp_cursor_done(&body))
				return fail(ctx, TLSP_MALFORMED, TLSP_R_EARLY_DATA);
			h->early_data = true;
			st = TLSP_OK;
			break;
		case TLSP_EXT_SUPPORTED_VERSIONS:
			st = parse_supported_versions(ctx, body);
			break;
		case TLSP_EXT_PSK_KEY_EXCHANGE_MODES:
			st = parse_psk_modes(ctx, body);
			break;
		case TLSP_EXT_KEY_SHARE:
			st = parse_key_share(ctx, body);
			break;
		case TLSP_EXT_ENCRYPTED_CLIENT_HELLO:
			h->ech = true;
			st = TLSP_OK;
			break;
		default:
			note_grease(ctx, type);
			st = TLSP_OK;
			break;
		}
		if (st != TLSP_OK)
			return st;
	}
	return TLSP_OK;
}

/*
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;   (RFC 8446 4.1.2; TLS 1.2 allows the block absent or
 *                   shorter, RFC 5246 7.4.1.2, so shorter blocks are accepted)
 */
static enum tlsp_status
parse_hello_body(struct parse_ctx *ctx, const uint8_t *body, size_t len)
{
	struct tlsp_client_hello *h = ctx->hello;
	struct tlsp_cursor cur = tlsp_cursor_make(body, len);
	struct tlsp_cursor sid, suites, comp;
	uint16_t suite;

	if (!tlsp_cursor_u16(&cur, &h->legacy_version) || !tlsp_cursor_bytes(&cur, 32, &h->random))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_HANDSHAKE_LENGTH);
	if (!tlsp_cursor_vec8(&cur, 0, &sid) || sid.left > 32)
		return fail(ctx, TLSP_MALFORMED, TLSP_R_SESSION_ID_LENGTH);
	h->session_id = (struct tlsp_bytes){ sid.p, sid.left };
	if (!tlsp_cursor_vec16(&cur, 2, &suites) || suites.left % 2)
		return fail(ctx, TLSP_MALFORMED, TLSP_R_CIPHER_SUITES_LENGTH);
	h->cipher_suites = (struct tlsp_bytes){ suites.p, suites.left };
	while (tlsp_cursor_u16(&suites, &suite))
		note_grease(ctx, suite);
	if (!tlsp_cursor_vec8(&cur, 1, &comp))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_COMPRESSION_LENGTH);
	h->compression_methods = (struct tlsp_bytes){ comp.p, comp.left };
	if (!tlsp_cursor_done(&cur)) {
		enum tlsp_status st = parse_extensions(ctx, &cur);

		if (st != TLSP_OK)
			return st;
	}
	/* Without supported_versions, legacy_version is the highest (RFC 5246 7.4.1.2). */
	if (!h->has_supported_versions && !tlsp_is_grease(h->legacy_version))
		h->highest_version = h->legacy_version;
	return TLSP_OK;
}

/*
 * uint16 msg_length;   (high bit set: 2-byte header, no padding)
 * uint8 msg_type = 1;
 * Version version;
 * uint16 cipher_spec_length;   (a multiple of 3)
 * uint16 session_id_length;    (0 or 16)
 * uint16 challenge_length;     (16..32)
 * V2CipherSpec cipher_specs[cipher_spec_length];
 * opaque session_id[session_id_length];
 * opaque challenge[challenge_length];   (RFC 5246 E.2)
 */
static enum tlsp_status
parse_sslv2(struct parse_ctx *ctx, const uint8_t *buf, size_t len, size_t *need)
{
	struct tlsp_client_hello *h = ctx->hello;
	size_t msg_len, total;
	struct tlsp_cursor cur;
	uint16_t spec_len, sid_len, challenge_len;
	uint8_t type;

	if (len >= 3 && buf[2] != SSL2_MT_CLIENT_HELLO)
		return fail(ctx, TLSP_NOT_TLS, TLSP_R_RECORD_TYPE);
	if (len >= 4 && buf[3] != 3)
		return fail(ctx, TLSP_NOT_TLS, TLSP_R_RECORD_VERSION);
	if (len < 2) {
		*need = 2 - len;
		return TLSP_NEED_MORE;
	}
	msg_len = (size_t)(buf[0] & 0x7f) << 8 | buf[1];
	total = 2 + msg_len;
	if (len < total) {
		*need = total - len;
		return TLSP_NEED_MORE;
	}
	cur = tlsp_cursor_make(buf + 2, msg_len);
	h->sslv2 = true;
	h->record_version = 0x0002;
	if (!tlsp_cursor_u8(&cur, &type) || !tlsp_cursor_u16(&cur, &h->legacy_version) ||
	    !tlsp_cursor_u16(&cur, &spec_len) || !tlsp_cursor_u16(&cur, &sid_len) ||
	    !tlsp_cursor_u16(&cur, &challenge_len) || spec_len == 0 || spec_len % 3 ||
	    (sid_len != 0 && sid_len != 16) || challenge_len < 16 || challenge_len > 32 ||
	    !tlsp_cursor_bytes(&cur, spec_len, &h->cipher_suites) ||
	    !tlsp_cursor_bytes(&cur, sid_len, &h->session_id) ||
	    !tlsp_cursor_bytes(&cur, challenge_len, &h->random) || !tlsp_cursor_done(&cur))
		return fail(ctx, TLSP_MALFORMED, TLSP_R_SSLV2);
	h->hello_len = (uint32_t)msg_len;
	h->highest_version = h->legacy_version;
	h->n_records = 1;
	h->consumed = total;
	return TLSP_OK;
}

/* Where the hello lies in the stream, as found by the record walk. */
struct hello_extent {
	size_t hs_have;       /* handshake bytes available so far */
	uint8_t hs_header[TLS_HANDSHAKE_HEADER_LEN];
	size_t msg_len;       /* header + body once the header is known, else 0 */
	unsigned n_records;
	size_t end;           /* stream offset just past the hello's last record */
};

/*
 * struct {
 *     ContentType type;
 *     ProtocolVersion legacy_record_version;
 *     uint16 length;
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext;   (RFC 8446 5.1)
 *
 * Handshake messages may be fragmented over records, but no other record type
 * may come between the fragments, and a fragment is never empty.
 */
static enum tlsp_status
walk_records(struct parse_ctx *ctx, const uint8_t *buf, size_t len, struct hello_extent *ext,
	     size_t *need)
{
	size_t off = 0;

	for (;;) {
		size_t rec_len, avail, take, msg_missing;
		bool first = ext->n_records == 0;

		if (len - off < TLS_RECORD_HEADER_LEN) {
			/* Decide NOT_TLS on what has arrived, so a dataplane can give up early. */
			if (len - off >= 1 && buf[off] != TLS_CONTENT_HANDSHAKE)
				return fail(ctx, first ? TLSP_NOT_TLS : TLSP_MALFORMED,
					    first ? TLSP_R_RECORD_TYPE : TLSP_R_RECORD_INTERLEAVED);
			if (len - off >= 2 && buf[off + 1] != 3)
				return fail(ctx, first ? TLSP_NOT_TLS : TLSP_MALFORMED,
					    TLSP_R_RECORD_VERSION);
			*need = TLS_RECORD_HEADER_LEN - (len - off);
			if (ext->msg_len)
				*need += ext->msg_len - ext->hs_have;
			return TLSP_NEED_MORE;
		}
		if (buf[off] != TLS_CONTENT_HANDSHAKE)
			return fail(ctx, first ? TLSP_NOT_TLS : TLSP_MALFORMED,
				    first ? TLSP_R_RECORD_TYPE : TLSP_R_RECORD_INTERLEAVED);
		if (buf[off + 1] != 3)
			return fail(ctx, first ? TLSP_NOT_TLS : TLSP_MALFORMED,
				    TLSP_R_RECORD_VERSION);
		if (first)
			ctx->hello->record_version = tlsp_load_u16(buf + off + 1);
		rec_len = tlsp_load_u16(buf + off + 3);
		if (rec_len == 0)
			return fail(ctx, TLSP_MALFORMED, TLSP_R_RECORD_EMPTY);
		if (rec_len > TLS_RECORD_MAX_PLAINTEXT)
			return fail(ctx, TLSP_MALFORMED, TLSP_R_RECORD_OVERFLOW);
		ext->n_records++;
		off += TLS_RECORD_HEADER_LEN;
		avail = len - off < rec_len ? len - off : rec_len;

		/* The handshake header itself may straddle records. */
		for (take = 0; ext->hs_have + take < TLS_HANDSHAKE_HEADER_LEN && take < avail; take++)
			ext->hs_header[ext->hs_have + take] = buf[off + take];
		if (ext->hs_have == 0 && avail > 0 && buf[off] != TLS_HANDSHAKE_CLIENT_HELLO)
			return fail(ctx, TLSP_MALFORMED, TLSP_R_HANDSHAKE_TYPE);
		if (!ext->msg_len && ext->hs_have + take == TLS_HANDSHAKE_HEADER_LEN) {
			size_t body = (size_t)ext->hs_header[1] << 16 |
				      (size_t)ext->hs_header[2] << 8 | ext->hs_header[3];

			if (body > TLSP_HELLO_MAX_LEN)
				return fail(ctx, TLSP_MALFORMED, TLSP_R_HANDSHAKE_TOO_LONG);
			ext->msg_len = TLS_HANDSHAKE_HEADER_LEN + body;
		}
		/* A record that runs past the hello would carry a second message in the flight. */
		if (ext->msg_len && ext->hs_have + rec_len > ext->msg_len)
			return fail(ctx, TLSP_MALFORMED, TLSP_R_HANDSHAKE_TRAILING);
		ext->hs_have += avail;
		if (avail < rec_len) {
			*need = rec_len - avail;
			msg_missing = ext->msg_len ? ext->msg_len - (ext->hs_have + *need) : 0;
			if (msg_missing)
				*need += TLS_RECORD_HEADER_LEN + msg_missing;
			return TLSP_NEED_MORE;
		}
		off += rec_len;
		if (ext->msg_len && ext->hs_have == ext->msg_len) {
			ext->end = off;
			return TLSP_OK;
		}
	}
}

/* Copy the handshake fragments of all records into one buffer. */
static void
gather_fragments(const uint8_t *buf, size_t end, uint8_t *dst)
{
	size_t off = 0;

	while (off < end) {
		size_t rec_len = tlsp_load_u16(buf + off + 3);

		memcpy(dst, buf + off + TLS_RECORD_HEADER_LEN, rec_len);
		dst += rec_len;
		off += TLS_RECORD_HEADER_LEN + rec_len;
	}
}

enum tlsp_status
tlsp_client_hello_parse(const uint8_t *buf, size_t len, const struct tlsp_client_opts *opts,
			struct tlsp_client_hello *hello, size_t *need, enum tlsp_reason *reason)
{
	static const struct tlsp_client_opts default_opts;
	struct parse_ctx ctx = { .opts = opts ? opts : &default_opts, .hello = hello };
	struct hello_extent ext = { 0 };
	const uint8_t *body;
	enum tlsp_status st;
	size_t need_local = 0;

	memset(hello, 0, sizeof(*hello));
	ctx.key_name_len = ctx.opts->key_name_len ? ctx.opts->key_name_len : TLSP_KEY_NAME_LEN_DEFAULT;
	if (len == 0) {
		need_local = TLS_RECORD_HEADER_LEN;
		st = TLSP_NEED_MORE;
	} else if (buf[0] & 0x80) {
		st = parse_sslv2(&ctx, buf, len, &need_local);
	} else {
		st = walk_records(&ctx, buf, len, &ext, &need_local);
		if (st == TLSP_OK) {
			hello->n_records = (uint16_t)ext.n_records;
			hello->hello_len = (uint32_t)(ext.msg_len - TLS_HANDSHAKE_HEADER_LEN);
			hello->consumed = ext.end;
			if (ext.n_records == 1) {
				body = buf + TLS_RECORD_HEADER_LEN + TLS_HANDSHAKE_HEADER_LEN;
			} else if (ctx.opts->scratch && ctx.opts->scratch_len >= ext.msg_len) {
				gather_fragments(buf, ext.end, ctx.opts->scratch);
				body = ctx.opts->scratch + TLS_HANDSHAKE_HEADER_LEN;
			} else {
				body = NULL;
				st = fail(&ctx, TLSP_MALFORMED, TLSP_R_NO_SCRATCH);
			}
			if (body)
				st = parse_hello_body(&ctx, body, hello->hello_len);
		}
	}
	if (need)
		*need = st == TLSP_NEED_MORE ? need_local : 0;
	if (reason)
		*reason = ctx.reason;
	return st;
}

bool
tlsp_alpn_next(const struct tlsp_bytes *list, size_t *off, struct tlsp_bytes *name)
{
	size_t n;

	if (*off >= list->len)
		return false;
	n = list->ptr[*off];
	if (n > list->len - *off - 1)
		return false;
	name->ptr = list->ptr + *off + 1;
	name->len = n;
	*off += 1 + n;
	return true;
}
