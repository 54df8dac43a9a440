/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ClientHello parser on real OpenSSL client flights: fed whole, the fields
 * it finds must be the ones OpenSSL's own server parsed (tlsgen's hello view)
 * and the ones the scenario configured; fed every prefix, it must say NEED_MORE
 * until the hello is complete and then give the same answer as fed whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "tlsp_client.h"
#include "unit_scenarios.h"
#include "unit_util.h"

#define RECORD_HEADER 5u
#define HANDSHAKE_HEADER 4u

/* Two scratch buffers: views of a whole-stream parse must survive the split parses. */
static uint8_t scratch_whole[TLSP_SCRATCH_SIZE];
static uint8_t scratch_split[TLSP_SCRATCH_SIZE];

static enum tlsp_status
parse(const uint8_t *buf, size_t len, uint8_t *scratch, uint8_t key_name_len,
      struct tlsp_client_hello *hello, size_t *need, enum tlsp_reason *reason)
{
	struct tlsp_client_opts opts = {
		.key_name_len = key_name_len,
		.scratch = scratch,
		.scratch_len = TLSP_SCRATCH_SIZE,
	};

	memset(hello, 0xa5, sizeof(*hello)); /* stale garbage must not leak into results */
	*need = 12345;
	*reason = TLSP_R__COUNT;
	return tlsp_client_hello_parse(buf, len, &opts, hello, need, reason);
}

/* An independent GREASE test (RFC 8701: 0x?a?a with both bytes equal). */
static bool
is_grease_value(unsigned v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool
view_has_grease(const struct tlsgen_hello_view *v)
{
	size_t i;

	for (i = 0; i + 1 < v->cipher_suites.len; i += 2)
		if (is_grease_value((unsigned)v->cipher_suites.data[i] << 8 |
				    v->cipher_suites.data[i + 1]))
			return true;
	for (i = 0; i < v->n_ext && i < ARRAY_SIZE(v->ext_types); i++)
		if (is_grease_value(v->ext_types[i]))
			return true;
	return false;
}

static void
check_records(const struct unit_scenario *sc, const struct tlsp_client_hello *h)
{
	const struct tlsgen_result *r = &sc->result;
	unsigned max_fragment = sc->params->max_fragment;

	assert_int_equal(h->consumed, r->client_hello_len);
	assert_int_equal(h->hello_len + HANDSHAKE_HEADER + RECORD_HEADER * (size_t)h->n_records,
			 r->client_hello_len);
	assert_true(h->n_records >= (sc->min_records ? sc->min_records : 1));
	if (max_fragment) {
		size_t handshake = h->hello_len + HANDSHAKE_HEADER;

		assert_int_equal(h->n_records, (handshake + max_fragment - 1) / max_fragment);
	} else {
		assert_int_equal(h->n_records, 1);
	}
}

/* legacy_version .. compression_methods, against OpenSSL's parse of the same hello */
static void
check_fixed_fields(const struct unit_scenario *sc, const struct tlsp_client_hello *h)
{
	const struct tlsgen_result *r = &sc->result;
	const struct tlsgen_hello_view *v = &r->hello;
	size_t body;

	assert_false(h->sslv2);
	assert_int_equal(h->legacy_version, v->legacy_version);
	unit_assert_bytes(h->random, v->random, v->random_len);
	unit_assert_bytes(h->session_id, v->session_id, v->session_id_len);
	if (r->offered_session_id_len)
		unit_assert_bytes(h->session_id, r->offered_session_id, r->offered_session_id_len);
	unit_assert_bytes(h->cipher_suites, v->cipher_suites.data, v->cipher_suites.len);
	unit_assert_bytes(h->compression_methods, v->compression_methods.data,
			  v->compression_methods.len);
	assert_int_equal(h->n_extensions, v->n_ext);
	/* RFC 5246 7.4.1.2: every byte of the body belongs to one of its fields */
	body = 2 + h->random.len + 1 + h->session_id.len + 2 + h->cipher_suites.len + 1 +
	       h->compression_methods.len + 2 + h->extensions.len;
	assert_int_equal(body, h->hello_len);
}

static void
check_sni_alpn(const struct unit_scenario *sc, const struct tlsp_client_hello *h)
{
	const struct tlsgen_params *p = sc->params;
	char joined[512];
	unsigned n;

	if (p->sni)
		unit_assert_bytes(h->sni, p->sni, strlen(p->sni));
	else
		assert_int_equal(h->sni.len, 0);
	n = unit_alpn_join(&h->alpn, joined, sizeof(joined));
	assert_int_equal(h->n_alpn, n);
	if (p->alpn) {
		assert_string_equal(joined, p->alpn);
		assert_true(n > 0);
	} else {
		assert_int_equal(n, 0);
		assert_int_equal(h->alpn.len, 0);
	}
}

static void
check_ticket(const struct unit_scenario *sc, const struct tlsp_client_hello *h,
	     uint8_t key_name_len)
{
	const struct tlsgen_result *r = &sc->result;

	if (!unit_view_has_ext(&r->hello, TLSP_EXT_SESSION_TICKET)) {
		assert_int_equal(h->ticket, TLSP_TICKET_ABSENT);
		return;
	}
	/* A TLS 1.3 session travels in pre_shared_key; its SessionTicket extension stays empty. */
	if (r->ticket_offered && sc->version < TLS1_3_VERSION) {
		assert_int_equal(h->ticket, TLSP_TICKET_PRESENT);
		unit_assert_bytes(h->ticket_data, r->offered_ticket.data, r->offered_ticket.len);
		unit_assert_bytes(h->ticket_key_name, r->key_name, key_name_len);
	} else {
		assert_int_equal(h->ticket, TLSP_TICKET_EMPTY);
		assert_int_equal(h->ticket_data.len, 0);
	}
}

static void
check_versions(const struct unit_scenario *sc, const struct tlsp_client_hello *h)
{
	int max = sc->params->max_version ? sc->params->max_version : TLS1_3_VERSION;
	bool tls13 = max >= TLS1_3_VERSION;

	assert_int_equal(h->has_supported_versions,
			 unit_view_has_ext(&sc->result.hello, TLSP_EXT_SUPPORTED_VERSIONS));
	assert_int_equal(h->tls13_offered, tls13);
	/* Without supported_versions the offer is legacy_version (RFC 8446 4.2.1). */
	assert_int_equal(h->highest_version, tls13 ? TLS1_3_VERSION : h->legacy_version);
	assert_int_equal(h->highest_version, max);
}

static void
check_psk(const struct unit_scenario *sc, const struct tlsp_client_hello *h, uint8_t key_name_len)
{
	const struct tlsgen_result *r = &sc->result;
	const struct tlsgen_hello_view *v = &r->hello;

	assert_int_equal(h->has_psk, unit_view_has_ext(v, TLSP_EXT_PRE_SHARED_KEY));
	assert_int_equal(h->has_psk_modes, unit_view_has_ext(v, TLSP_EXT_PSK_KEY_EXCHANGE_MODES));
	if (h->has_psk_modes)
		assert_true(h->psk_modes != 0);
	assert_int_equal(h->early_data, unit_view_has_ext(v, TLSP_EXT_EARLY_DATA));
	if (!h->has_psk) {
		assert_int_equal(h->n_psk_identities, 0);
		return;
	}
	assert_true(r->ticket_offered);
	assert_true(h->n_psk_identities >= 1);
	assert_int_equal(h->n_psk_binders, h->n_psk_identities);
	assert_true(h->psk_binders.len > 0);
	/* The identity is the ticket the first connection left in the session. */
	unit_assert_bytes(h->psk[0].identity, r->offered_ticket.data, r->offered_ticket.len);
	unit_assert_bytes(h->psk[0].key_name, r->key_name, key_name_len);
}

static void
check_other_extensions(const struct unit_scenario *sc, const struct tlsp_client_hello *h)
{
	const struct tlsgen_hello_view *v = &sc->result.hello;

	assert_int_equal(h->has_key_share, unit_view_has_ext(v, TLSP_EXT_KEY_SHARE));
	if (h->has_key_share)
		assert_true(h->n_key_shares >= 1);
	else
		assert_int_equal(h->n_key_shares, 0);
	assert_int_equal(h->has_supported_groups, unit_view_has_ext(v, TLSP_EXT_SUPPORTED_GROUPS));
	assert_int_equal(h->ech, unit_view_has_ext(v, TLSP_EXT_ENCRYPTED_CLIENT_HELLO));
	assert_int_equal(h->grease, view_has_grease(v));
}

static void
check_views_inside(const struct tlsp_client_hello *h, const uint8_t *buf, size_t len,
		   const uint8_t *scratch)
{
	const struct tlsp_bytes views[] = {
		h->random, h->session_id, h->cipher_suites, h->compression_methods,
		h->extensions, h->sni, h->alpn, h->ticket_data, h->ticket_key_name,
		h->psk_binders, h->psk[0].identity, h->psk[0].key_name,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(views); i++)
		unit_assert_view_inside(views[i], buf, len, scratch, TLSP_SCRATCH_SIZE);
}

static void
check_hello(const struct unit_scenario *sc, const struct tlsp_client_hello *h,
	    uint8_t key_name_len)
{
	check_records(sc, h);
	check_fixed_fields(sc, h);
	check_sni_alpn(sc, h);
	check_ticket(sc, h, key_name_len);
	check_versions(sc, h);
	check_psk(sc, h, key_name_len);
	check_other_extensions(sc, h);
}

static void
test_whole(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.client;
	struct tlsp_client_hello hello;
	enum tlsp_reason reason;
	enum tlsp_status st;
	uint8_t *buf;
	size_t need;

	unit_scenario_check(sc);
	buf = unit_memdup(stream->data, stream->len);
	st = parse(buf, stream->len, scratch_whole, 0, &hello, &need, &reason);
	assert_int_equal(st, TLSP_OK);
	assert_int_equal(need, 0);
	check_hello(sc, &hello, TLSP_KEY_NAME_LEN_DEFAULT);
	check_views_inside(&hello, buf, stream->len, scratch_whole);

	/* A shorter key name is a prefix of the same bytes. */
	st = parse(buf, stream->len, scratch_whole, 8, &hello, &need, &reason);
	assert_int_equal(st, TLSP_OK);
	check_hello(sc, &hello, 8);
	free(buf);
}

/*
 * Before the hello is complete: NEED_MORE with a lower bound of what is
 * missing; once a single record's header and the handshake header are in,
 * the lengths say exactly how much is missing.
 */
static void
check_need(const struct unit_scenario *sc, size_t have, size_t need)
{
	size_t total = sc->result.client_hello_len;

	assert_true(need >= 1);
	assert_true(have + need <= total);
	if (sc->params->max_fragment == 0 && have >= RECORD_HEADER + HANDSHAKE_HEADER)
		assert_int_equal(have + need, total);
}

static void
test_every_prefix(void **state)
{
	const struct unit_scenario *sc = *state;
	const struct tlsgen_stream *stream = &sc->result.client;
	struct tlsp_client_hello whole, part;
	enum tlsp_reason reason;
	enum tlsp_status st;
	size_t need, k;
	uint8_t *full;

	unit_scenario_check(sc);
	full = unit_memdup(stream->data, stream->len);
	st = parse(full, stream->len, scratch_whole, 0, &whole, &need, &reason);
	assert_int_equal(st, TLSP_OK);

	for (k = 0; k <= stream->len; k++) {
		uint8_t *prefix = unit_memdup(stream->data, k);

		st = parse(prefix, k, scratch_split, 0, &part, &need, &reason);
		if (k < sc->result.client_hello_len) {
			if (st != TLSP_NEED_MORE)
				fail_msg("prefix of %zu bytes: %s (%s), want need_more", k,
					 tlsp_status_name(st), tlsp_reason_name(reason));
			check_need(sc, k, need);
		} else {
			if (st != TLSP_OK)
				fail_msg("prefix of %zu bytes: %s (%s), want ok", k,
					 tlsp_status_name(st), tlsp_reason_name(reason));
			unit_assert_hello_same(&part, &whole);
		}
		free(prefix);
	}
	free(full);
}

int
main(void)
{
	static struct unit_table table;
	size_t i;

	for (i = 0; i < unit_n_scenarios; i++) {
		unit_table_add(&table, "whole", unit_scenarios[i].name, test_whole,
			       &unit_scenarios[i]);
		unit_table_add(&table, "every prefix", unit_scenarios[i].name, test_every_prefix,
			       &unit_scenarios[i]);
	}
	return unit_table_run(&table, "tlsp_client", unit_scenarios_setup,
			      unit_scenarios_teardown);
}
