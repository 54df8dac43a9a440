/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON lines. Every connection line has the same keys, null where a value is
 * unknown, so that consumers (jq, the replay test) need no special cases.
 * Byte strings are lowercase hex. Text that came off the wire (SNI, ALPN) may
 * hold any byte: bytes are mapped to U+0000..U+00FF and anything outside
 * printable ASCII is written as a \u escape, so the output is always valid
 * JSON in plain ASCII.
 */
#include <stdlib.h>

#include "tlsp_server.h"

#include "inspect_json.h"

typedef void (*hello_put)(FILE *out, const struct tlsp_client_hello *hello);

static void
put_string(FILE *out, const uint8_t *s, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void
put_cstring(FILE *out, const char *s)
{
	const char *end = s;

	while (*end != '\0')
		end++;
	put_string(out, (const uint8_t *)s, (size_t)(end - s));
}

static void
put_hex(FILE *out, const uint8_t *p, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++)
		fprintf(out, "%02x", p[i]);
	fputc('"', out);
}

static void
put_bytes(FILE *out, const struct tlsp_bytes *b)
{
	put_hex(out, b->ptr, b->len);
}

static void
put_u16_hex(FILE *out, uint16_t v)
{
	fprintf(out, "\"0x%04x\"", v);
}

static void
put_bool(FILE *out, bool v)
{
	fputs(v ? "true" : "false", out);
}

static void
put_key(FILE *out, const char *key)
{
	fprintf(out, ",\"%s\":", key);
}

static void
put_sslv2(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->sslv2);
}

static void
put_record_version(FILE *out, const struct tlsp_client_hello *h)
{
	put_u16_hex(out, h->record_version);
}

static void
put_legacy_version(FILE *out, const struct tlsp_client_hello *h)
{
	put_u16_hex(out, h->legacy_version);
}

static void
put_hello_len(FILE *out, const struct tlsp_client_hello *h)
{
	fprintf(out, "%u", (unsigned)h->hello_len);
}

static void
put_random(FILE *out, const struct tlsp_client_hello *h)
{
	put_bytes(out, &h->random);
}

static void
put_session_id(FILE *out, const struct tlsp_client_hello *h)
{
	put_bytes(out, &h->session_id);
}

/* Two bytes each; an SSLv2 hello lists three-byte cipher specs. */
static void
put_cipher_suites(FILE *out, const struct tlsp_client_hello *h)
{
	size_t width = h->sslv2 ? 3 : 2, i;
	const uint8_t *p = h->cipher_suites.ptr;

	fputc('[', out);
	for (i = 0; i + width <= h->cipher_suites.len; i += width) {
		if (i != 0)
			fputc(',', out);
		if (width == 3)
			fprintf(out, "\"0x%02x%02x%02x\"", p[i], p[i + 1], p[i + 2]);
		else
			put_u16_hex(out, (uint16_t)(p[i] << 8 | p[i + 1]));
	}
	fputc(']', out);
}

static void
put_compression_methods(FILE *out, const struct tlsp_client_hello *h)
{
	put_bytes(out, &h->compression_methods);
}

static void
put_extension_count(FILE *out, const struct tlsp_client_hello *h)
{
	fprintf(out, "%u", h->n_extensions);
}

static void
put_sni(FILE *out, const struct tlsp_client_hello *h)
{
	if (h->sni.len == 0)
		fputs("null", out);
	else
		put_string(out, h->sni.ptr, h->sni.len);
}

static void
put_alpn(FILE *out, const struct tlsp_client_hello *h)
{
	struct tlsp_bytes name;
	size_t off = 0;
	bool first = true;

	if (h->alpn.len == 0) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	while (tlsp_alpn_next(&h->alpn, &off, &name)) {
		if (!first)
			fputc(',', out);
		first = false;
		put_string(out, name.ptr, name.len);
	}
	fputc(']', out);
}

static void
put_ticket(FILE *out, const struct tlsp_client_hello *h)
{
	static const char *const names[] = {
		[TLSP_TICKET_ABSENT] = "absent",
		[TLSP_TICKET_EMPTY] = "empty",
		[TLSP_TICKET_PRESENT] = "present",
	};

	put_cstring(out, (unsigned)h->ticket <= TLSP_TICKET_PRESENT ? names[h->ticket] : "?");
}

static void
put_ticket_len(FILE *out, const struct tlsp_client_hello *h)
{
	fprintf(out, "%zu", h->ticket_data.len);
}

static void
put_ticket_key_name(FILE *out, const struct tlsp_client_hello *h)
{
	if (h->ticket != TLSP_TICKET_PRESENT)
		fputs("null", out);
	else
		put_bytes(out, &h->ticket_key_name);
}

static void
put_supported_versions(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->has_supported_versions);
}

static void
put_tls13_offered(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->tls13_offered);
}

static void
put_highest_version(FILE *out, const struct tlsp_client_hello *h)
{
	if (h->highest_version == 0)
		fputs("null", out);
	else
		put_u16_hex(out, h->highest_version);
}

static void
put_psk_count(FILE *out, const struct tlsp_client_hello *h)
{
	fprintf(out, "%u", h->has_psk ? h->n_psk_identities : 0u);
}

static void
put_psk_identities(FILE *out, const struct tlsp_client_hello *h)
{
	unsigned i, n = h->n_psk_identities;

	if (!h->has_psk) {
		fputs("null", out);
		return;
	}
	if (n > TLSP_MAX_PSK_IDENTITIES)
		n = TLSP_MAX_PSK_IDENTITIES;
	fputc('[', out);
	for (i = 0; i < n; i++) {
		const struct tlsp_psk_identity *psk = &h->psk[i];

		fputs(i != 0 ? ",{\"identity\":" : "{\"identity\":", out);
		put_bytes(out, &psk->identity);
		fputs(",\"key_name\":", out);
		put_bytes(out, &psk->key_name);
		fprintf(out, ",\"obfuscated_age\":%u}", (unsigned)psk->obfuscated_age);
	}
	fputc(']', out);
}

static void
put_psk_modes(FILE *out, const struct tlsp_client_hello *h)
{
	bool first = true;

	if (!h->has_psk_modes) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	if (h->psk_modes & TLSP_PSK_MODE_KE) {
		fputs("\"psk_ke\"", out);
		first = false;
	}
	if (h->psk_modes & TLSP_PSK_MODE_DHE_KE)
		fputs(first ? "\"psk_dhe_ke\"" : ",\"psk_dhe_ke\"", out);
	fputc(']', out);
}

static void
put_early_data(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->early_data);
}

static void
put_key_share_groups(FILE *out, const struct tlsp_client_hello *h)
{
	unsigned i, n = h->n_key_shares;

	if (!h->has_key_share) {
		fputs("null", out);
		return;
	}
	if (n > TLSP_MAX_KEY_SHARES)
		n = TLSP_MAX_KEY_SHARES;
	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i != 0)
			fputc(',', out);
		put_u16_hex(out, h->key_share_groups[i]);
	}
	fputc(']', out);
}

static void
put_ech(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->ech);
}

static void
put_grease(FILE *out, const struct tlsp_client_hello *h)
{
	put_bool(out, h->grease);
}

/* The keys of a parsed hello, in output order. */
static const struct {
	const char *key;
	hello_put put;
} hello_fields[] = {
	{ "sslv2", put_sslv2 },
	{ "record_version", put_record_version },
	{ "legacy_version", put_legacy_version },
	{ "hello_len", put_hello_len },
	{ "random", put_random },
	{ "session_id", put_session_id },
	{ "cipher_suites", put_cipher_suites },
	{ "compression_methods", put_compression_methods },
	{ "extension_count", put_extension_count },
	{ "sni", put_sni },
	{ "alpn", put_alpn },
	{ "ticket", put_ticket },
	{ "ticket_len", put_ticket_len },
	{ "ticket_key_name", put_ticket_key_name },
	{ "supported_versions", put_supported_versions },
	{ "tls13_offered", put_tls13_offered },
	{ "highest_version", put_highest_version },
	{ "psk_count", put_psk_count },
	{ "psk_identities", put_psk_identities },
	{ "psk_modes", put_psk_modes },
	{ "early_data", put_early_data },
	{ "key_share_groups", put_key_share_groups },
	{ "ech", put_ech },
	{ "grease", put_grease },
};

#define N_HELLO_FIELDS (sizeof(hello_fields) / sizeof(hello_fields[0]))

char *
json_hello_fields(const struct tlsp_client_hello *hello)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *out;

	out = open_memstream(&text, &len);
	if (out == NULL)
		return NULL;
	for (i = 0; i < N_HELLO_FIELDS; i++) {
		put_key(out, hello_fields[i].key);
		hello_fields[i].put(out, hello);
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void
put_null_hello(FILE *out)
{
	size_t i;

	for (i = 0; i < N_HELLO_FIELDS; i++) {
		put_key(out, hello_fields[i].key);
		fputs("null", out);
	}
}

static void
put_endpoint(FILE *out, const char *role, const struct endpoint *ep)
{
	char addr[ENDPOINT_ADDRSTRLEN];

	endpoint_address(ep, addr, sizeof(addr));
	fprintf(out, ",\"%s\":\"%s\",\"%s_port\":%u", role, addr, role, ep->port);
}

static const char *
client_status_name(const struct flow *flow)
{
	if (flow->dir[flow_client(flow)].delivered == 0)
		return "no_payload";
	return tlsp_status_name(flow->client_status);
}

static void
put_server(FILE *out, const struct flow *flow)
{
	const struct tlsp_server_flight *res = &flow->scan.result;
	bool hello = flow->server_fed && res->server_hello_seen;
	bool nst = flow->server_fed && res->nst_seen;
	bool alert = flow->server_fed && res->alert_seen;

	put_key(out, "server_status");
	put_cstring(out, flow->server_fed ? tlsp_status_name(flow->server_status) : "no_payload");
	put_key(out, "server_reason");
	put_cstring(out, tlsp_reason_name(flow->server_fed ? flow->scan.reason : TLSP_R_NONE));
	put_key(out, "verdict");
	put_cstring(out, tlsp_verdict_name(flow->server_fed ? res->verdict : TLSP_VERDICT_UNKNOWN));
	put_key(out, "hrr_seen");
	put_bool(out, flow->server_fed && res->hrr_seen);

	put_key(out, "version");
	if (hello)
		put_u16_hex(out, res->version);
	else
		fputs("null", out);
	put_key(out, "cipher_suite");
	if (hello)
		put_u16_hex(out, res->cipher_suite);
	else
		fputs("null", out);
	put_key(out, "server_session_id");
	if (hello)
		put_hex(out, res->session_id, res->session_id_len);
	else
		fputs("null", out);
	put_key(out, "server_psk_identity");
	if (hello && res->has_psk)
		fprintf(out, "%u", res->psk_identity);
	else
		fputs("null", out);

	put_key(out, "nst_lifetime_hint");
	if (nst)
		fprintf(out, "%u", (unsigned)res->nst_lifetime_hint);
	else
		fputs("null", out);
	put_key(out, "nst_ticket_len");
	if (nst)
		fprintf(out, "%u", res->nst_ticket_len);
	else
		fputs("null", out);
	put_key(out, "nst_key_name");
	if (nst)
		put_hex(out, res->nst_key_name, res->nst_key_name_len);
	else
		fputs("null", out);

	put_key(out, "alert");
	if (alert)
		fprintf(out, "[%u,%u]", res->alert_level, res->alert_description);
	else
		fputs("null", out);
}

static void
put_notes(FILE *out, unsigned notes)
{
	bool first = true;
	unsigned bit;

	put_key(out, "notes");
	fputc('[', out);
	for (bit = 0; bit < FLOW_NOTE_COUNT; bit++) {
		if (!(notes & (1u << bit)))
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		put_cstring(out, flow_note_name(bit));
	}
	fputc(']', out);
}

void
json_print_flow(FILE *out, const char *file, const struct flow *flow)
{
	fputs("{\"file\":", out);
	put_cstring(out, file);
	fprintf(out, ",\"conn\":%u", flow->id);
	put_endpoint(out, "client", &flow->ep[flow_client(flow)]);
	put_endpoint(out, "server", &flow->ep[flow_server(flow)]);

	put_key(out, "status");
	put_cstring(out, client_status_name(flow));
	put_key(out, "reason");
	put_cstring(out, tlsp_reason_name(flow->client_reason));
	fprintf(out, ",\"client_bytes\":%llu",
		(unsigned long long)flow->dir[flow_client(flow)].delivered);
	fprintf(out, ",\"hello_segments\":%u", flow->hello_segments);
	put_key(out, "hello_records");
	if (flow->hello_json != NULL) {
		fprintf(out, "%u", flow->hello_records);
		fputs(flow->hello_json, out);
	} else {
		fputs("null", out);
		put_null_hello(out);
	}
	put_server(out, flow);
	put_notes(out, flow->notes);
	fputs("}\n", out);
}
