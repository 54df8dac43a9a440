/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the tlsparse unit tests (cmocka). */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tlsp_client.h"
#include "tlsp_server.h"
#include "tlsgen.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A heap copy of exactly @len bytes, so that AddressSanitizer catches a parser
 * reading past the end of what it was given. Never NULL (fails the test).
 */
uint8_t *unit_memdup(const void *data, size_t len);

/* True if @type is among the extensions OpenSSL's server saw in the hello. */
bool unit_view_has_ext(const struct tlsgen_hello_view *view, uint16_t type);

/* Assert that a view holds exactly @len bytes equal to @data. */
void unit_assert_bytes(struct tlsp_bytes view, const void *data, size_t len);

/* Assert that a non-empty view lies inside [base, base + len) or the scratch. */
void unit_assert_view_inside(struct tlsp_bytes view, const uint8_t *base, size_t len,
			     const uint8_t *scratch, size_t scratch_len);

/* Assert that two parses found the same hello: every field, byte strings by content. */
void unit_assert_hello_same(const struct tlsp_client_hello *a, const struct tlsp_client_hello *b);

/* Assert that two scans learned the same things. */
void unit_assert_flight_same(const struct tlsp_server_flight *a,
			     const struct tlsp_server_flight *b);

/* Join a parsed ALPN list with commas into @out; returns the protocol count. */
unsigned unit_alpn_join(const struct tlsp_bytes *list, char *out, size_t cap);

/*
 * Test tables built at run time, one test per fixture row, each named after
 * its row so that a failure says which input failed.
 */
#define UNIT_MAX_TESTS 256

struct unit_table {
	struct CMUnitTest tests[UNIT_MAX_TESTS];
	char names[UNIT_MAX_TESTS][128];
	size_t n;
};

void unit_table_add(struct unit_table *table, const char *kind, const char *row,
		    CMUnitTestFunction fn, void *row_state);
int unit_table_run(struct unit_table *table, const char *group, CMFixtureFunction setup,
		   CMFixtureFunction teardown);

#endif /* UNIT_UTIL_H */
