/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_util.h"

uint8_t *
unit_memdup(const void *data, size_t len)
{
	/* malloc(0) may return NULL; one spare byte is never handed to the parser. */
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	return copy;
}

bool
unit_view_has_ext(const struct tlsgen_hello_view *view, uint16_t type)
{
	unsigned i;

	for (i = 0; i < view->n_ext && i < ARRAY_SIZE(view->ext_types); i++)
		if (view->ext_types[i] == type)
			return true;
	return false;
}

void
unit_assert_bytes(struct tlsp_bytes view, const void *data, size_t len)
{
	assert_int_equal(view.len, len);
	if (len) {
		assert_non_null(view.ptr);
		assert_memory_equal(view.ptr, data, len);
	}
}

void
unit_assert_view_inside(struct tlsp_bytes view, const uint8_t *base, size_t len,
			const uint8_t *scratch, size_t scratch_len)
{
	bool in_input, in_scratch;

	if (view.len == 0)
		return;
	assert_non_null(view.ptr);
	in_input = view.ptr >= base && view.ptr + view.len <= base + len;
	in_scratch = scratch && view.ptr >= scratch && view.ptr + view.len <= scratch + scratch_len;
	assert_true(in_input || in_scratch);
}

static void
assert_views_same(struct tlsp_bytes a, struct tlsp_bytes b)
{
	assert_int_equal(a.len, b.len);
	if (a.len)
		assert_memory_equal(a.ptr, b.ptr, a.len);
}

void
unit_assert_hello_same(const struct tlsp_client_hello *a, const struct tlsp_client_hello *b)
{
	unsigned i;

	assert_int_equal(a->sslv2, b->sslv2);
	assert_int_equal(a->record_version, b->record_version);
	assert_int_equal(a->legacy_version, b->legacy_version);
	assert_views_same(a->random, b->random);
	assert_views_same(a->session_id, b->session_id);
	assert_views_same(a->cipher_suites, b->cipher_suites);
	assert_views_same(a->compression_methods, b->compression_methods);
	assert_views_same(a->extensions, b->extensions);
	assert_int_equal(a->n_extensions, b->n_extensions);
	assert_views_same(a->sni, b->sni);
	assert_views_same(a->alpn, b->alpn);
	assert_int_equal(a->n_alpn, b->n_alpn);
	assert_int_equal(a->ticket, b->ticket);
	assert_views_same(a->ticket_data, b->ticket_data);
	assert_views_same(a->ticket_key_name, b->ticket_key_name);
	assert_int_equal(a->has_supported_versions, b->has_supported_versions);
	assert_int_equal(a->tls13_offered, b->tls13_offered);
	assert_int_equal(a->highest_version, b->highest_version);
	assert_int_equal(a->has_psk, b->has_psk);
	assert_int_equal(a->n_psk_identities, b->n_psk_identities);
	for (i = 0; i < a->n_psk_identities && i < TLSP_MAX_PSK_IDENTITIES; i++) {
		assert_views_same(a->psk[i].identity, b->psk[i].identity);
		assert_views_same(a->psk[i].key_name, b->psk[i].key_name);
		assert_int_equal(a->psk[i].obfuscated_age, b->psk[i].obfuscated_age);
	}
	assert_views_same(a->psk_binders, b->psk_binders);
	assert_int_equal(a->n_psk_binders, b->n_psk_binders);
	assert_int_equal(a->has_psk_modes, b->has_psk_modes);
	assert_int_equal(a->psk_modes, b->psk_modes);
	assert_int_equal(a->early_data, b->early_data);
	assert_int_equal(a->has_key_share, b->has_key_share);
	assert_int_equal(a->n_key_shares, b->n_key_shares);
	for (i = 0; i < a->n_key_shares && i < TLSP_MAX_KEY_SHARES; i++)
		assert_int_equal(a->key_share_groups[i], b->key_share_groups[i]);
	assert_int_equal(a->has_supported_groups, b->has_supported_groups);
	assert_int_equal(a->ech, b->ech);
	assert_int_equal(a->grease, b->grease);
	assert_int_equal(a->hello_len, b->hello_len);
	assert_int_equal(a->n_records, b->n_records);
	assert_int_equal(a->consumed, b->consumed);
}

void
unit_assert_flight_same(const struct tlsp_server_flight *a, const struct tlsp_server_flight *b)
{
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->server_hello_seen, b->server_hello_seen);
	assert_int_equal(a->hrr_seen, b->hrr_seen);
	assert_int_equal(a->legacy_version, b->legacy_version);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->cipher_suite, b->cipher_suite);
	assert_int_equal(a->session_id_len, b->session_id_len);
	assert_memory_equal(a->session_id, b->session_id, a->session_id_len);
	assert_int_equal(a->ticket_ext, b->ticket_ext);
	assert_int_equal(a->has_psk, b->has_psk);
	assert_int_equal(a->psk_identity, b->psk_identity);
	assert_int_equal(a->nst_seen, b->nst_seen);
	assert_int_equal(a->nst_lifetime_hint, b->nst_lifetime_hint);
	assert_int_equal(a->nst_ticket_len, b->nst_ticket_len);
	assert_int_equal(a->nst_key_name_len, b->nst_key_name_len);
	assert_memory_equal(a->nst_key_name, b->nst_key_name, a->nst_key_name_len);
	assert_int_equal(a->alert_seen, b->alert_seen);
	assert_int_equal(a->alert_level, b->alert_level);
	assert_int_equal(a->alert_description, b->alert_description);
	assert_int_equal(a->n_records, b->n_records);
	assert_int_equal(a->bytes, b->bytes);
}

unsigned
unit_alpn_join(const struct tlsp_bytes *list, char *out, size_t cap)
{
	struct tlsp_bytes name;
	size_t off = 0, used = 0;
	unsigned n = 0;

	out[0] = '\0';
	while (tlsp_alpn_next(list, &off, &name)) {
		size_t sep = n ? 1 : 0;

		assert_true(used + sep + name.len < cap);
		if (sep)
			out[used++] = ',';
		memcpy(out + used, name.ptr, name.len);
		used += name.len;
		out[used] = '\0';
		n++;
	}
	return n;
}

void
unit_table_add(struct unit_table *table, const char *kind, const char *row, CMUnitTestFunction fn,
	       void *row_state)
{
	struct CMUnitTest *test;

	if (table->n == UNIT_MAX_TESTS) {
		fprintf(stderr, "unit_table_add: raise UNIT_MAX_TESTS\n");
		abort();
	}
	snprintf(table->names[table->n], sizeof(table->names[0]), "%s: %s", kind, row);
	test = &table->tests[table->n];
	*test = (struct CMUnitTest){
		.name = table->names[table->n],
		.test_func = fn,
		.initial_state = row_state,
	};
	table->n++;
}

int
unit_table_run(struct unit_table *table, const char *group, CMFixtureFunction setup,
	       CMFixtureFunction teardown)
{
	/* The public macros take sizeof of a static array; this table is filled at run time. */
	return _cmocka_run_group_tests(group, table->tests, table->n, setup, teardown);
}
