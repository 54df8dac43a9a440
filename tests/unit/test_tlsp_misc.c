/* SPDX-License-Identifier: BSD-3-Clause */
/* The small helpers: names of statuses, reasons and verdicts; GREASE; the ALPN walker. */
#include <stdlib.h>
#include <string.h>

#include "tlsp_client.h"
#include "tlsp_server.h"
#include "tlsp_status.h"
#include "unit_util.h"

typedef const char *(*name_fn)(int value);

static const char *
status_name(int v)
{
	return tlsp_status_name((enum tlsp_status)v);
}

static const char *
reason_name(int v)
{
	return tlsp_reason_name((enum tlsp_reason)v);
}

static const char *
verdict_name(int v)
{
	return tlsp_verdict_name((enum tlsp_verdict)v);
}

struct names_case {
	const char *desc;
	name_fn fn;
	int count;               /* values 0 .. count-1 */
	int known_value;         /* one the header documents by name */
	const char *known_name;
};

static const struct names_case names_cases[] = {
	{ "status", status_name, TLSP_MALFORMED + 1, TLSP_NEED_MORE, "need_more" },
	{ "status ok", status_name, TLSP_MALFORMED + 1, TLSP_OK, "ok" },
	{ "reason", reason_name, TLSP_R__COUNT, TLSP_R_DUPLICATE_EXTENSION,
	  "duplicate_extension" },
	{ "verdict", verdict_name, TLSP_VERDICT_HRR + 1, TLSP_VERDICT_RESUMED_PSK,
	  "resumed_psk" },
	{ "verdict full", verdict_name, TLSP_VERDICT_HRR + 1, TLSP_VERDICT_FULL, "full" },
};

/* Counters and logs key on these names: each must exist, be printable and be unique. */
static void
test_names(void **state)
{
	const struct names_case *c = *state;
	int i, j;

	for (i = 0; i < c->count; i++) {
		const char *name = c->fn(i);
		size_t k;

		assert_non_null(name);
		assert_true(strlen(name) > 0);
		for (k = 0; name[k]; k++)
			assert_true(name[k] > ' ' && name[k] < 0x7f);
		for (j = 0; j < i; j++)
			assert_string_not_equal(name, c->fn(j));
	}
	assert_string_equal(c->fn(c->known_value), c->known_name);
}

/* RFC 8701 section 2: the 16 values 0x0A0A, 0x1A1A, ..., 0xFAFA and no other. */
static void
test_grease_all_values(void **state)
{
	bool grease[65536] = { false };
	unsigned v, i, found = 0;

	(void)state;
	for (i = 0; i < 16; i++)
		grease[(i << 12) | 0x0a00 | (i << 4) | 0x0a] = true;
	for (v = 0; v < 65536; v++) {
		if (tlsp_is_grease((uint16_t)v) != grease[v])
			fail_msg("tlsp_is_grease(0x%04x) = %d", v, tlsp_is_grease((uint16_t)v));
		found += grease[v];
	}
	assert_int_equal(found, 16);
}

struct alpn_case {
	const char *desc;
	const char *list;   /* a ProtocolNameList body (RFC 7301 3.1) */
	size_t list_len;
	const char *names;  /* what a walk must yield, comma-joined */
	unsigned count;
};

#define LIST(s) s, sizeof(s) - 1

static const struct alpn_case alpn_cases[] = {
	{ "empty list", LIST(""), "", 0 },
	{ "one name", LIST("\x02h2"), "h2", 1 },
	{ "two names", LIST("\x02h2\x08http/1.1"), "h2,http/1.1", 2 },
	/* a walker handed a damaged list stops instead of reading past it */
	{ "name overruns the list", LIST("\x02h2\x09http/1.1"), "h2", 1 },
	{ "length byte alone at the end", LIST("\x02h2\x05"), "h2", 1 },
};

static void
test_alpn_walk(void **state)
{
	const struct alpn_case *c = *state;
	uint8_t *copy = unit_memdup(c->list, c->list_len);
	struct tlsp_bytes list = { copy, c->list_len };
	char joined[600];
	unsigned n;

	n = unit_alpn_join(&list, joined, sizeof(joined));
	assert_int_equal(n, c->count);
	assert_string_equal(joined, c->names);
	free(copy);
}

/* The offset the walker keeps is where the next name's length byte is. */
static void
test_alpn_offsets(void **state)
{
	static const uint8_t body[] = "\x02h2\x08http/1.1";
	struct tlsp_bytes list = { body, sizeof(body) - 1 }, name;
	size_t off = 0;

	(void)state;
	assert_true(tlsp_alpn_next(&list, &off, &name));
	assert_int_equal(off, 3);
	assert_ptr_equal(name.ptr, body + 1);
	assert_int_equal(name.len, 2);
	assert_true(tlsp_alpn_next(&list, &off, &name));
	assert_int_equal(off, list.len);
	assert_ptr_equal(name.ptr, body + 4);
	assert_int_equal(name.len, 8);
	assert_false(tlsp_alpn_next(&list, &off, &name));
	assert_false(tlsp_alpn_next(&list, &off, &name));
}

/* RFC 7301: ProtocolName<1..2^8-1>, so a name can be 255 bytes long. */
static void
test_alpn_longest_name(void **state)
{
	uint8_t body[1 + 255 + 1 + 1];
	struct tlsp_bytes list = { body, sizeof(body) }, name;
	size_t off = 0;

	(void)state;
	body[0] = 255;
	memset(body + 1, 'a', 255);
	body[256] = 1;
	body[257] = 'b';
	assert_true(tlsp_alpn_next(&list, &off, &name));
	assert_ptr_equal(name.ptr, body + 1);
	assert_int_equal(name.len, 255);
	assert_true(tlsp_alpn_next(&list, &off, &name));
	assert_ptr_equal(name.ptr, body + 257);
	assert_int_equal(name.len, 1);
	assert_false(tlsp_alpn_next(&list, &off, &name));
}

int
main(void)
{
	static struct unit_table table;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names_cases); i++)
		unit_table_add(&table, "names", names_cases[i].desc, test_names,
			       (void *)&names_cases[i]);
	unit_table_add(&table, "grease", "all 65536 values", test_grease_all_values, NULL);
	for (i = 0; i < ARRAY_SIZE(alpn_cases); i++)
		unit_table_add(&table, "alpn walk", alpn_cases[i].desc, test_alpn_walk,
			       (void *)&alpn_cases[i]);
	unit_table_add(&table, "alpn walk", "offsets and views", test_alpn_offsets, NULL);
	unit_table_add(&table, "alpn walk", "255-byte name", test_alpn_longest_name, NULL);
	return unit_table_run(&table, "tlsp_misc", NULL, NULL);
}
