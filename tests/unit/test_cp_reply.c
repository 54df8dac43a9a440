/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reply builder: each fixture builds a reply and states the exact text
 * and JSON it must render to; misuse is sticky and fails the render.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <cmocka.h>

#include "cp_reply.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const be_cols[] = { "backend", "weight", "flows", "up" };

static void
build_empty(struct cp_reply *r)
{
	(void)r;
}

static void
build_one_table(struct cp_reply *r)
{
	cp_reply_table(r, "backends", 4, be_cols);
	cp_reply_str(r, "10.1.0.11:443");
	cp_reply_u64(r, 1);
	cp_reply_u64(r, 12345);
	cp_reply_bool(r, true);
	cp_reply_strf(r, "s%d", 2);
	cp_reply_u64(r, 100);
	cp_reply_u64(r, 0);
	cp_reply_bool(r, false);
}

static void
build_no_rows(struct cp_reply *r)
{
	cp_reply_table(r, "backends", 4, be_cols);
}

static void
build_numbers(struct cp_reply *r)
{
	static const char *const cols[] = { "n", "i", "rate", "mixed" };

	cp_reply_table(r, "numbers", 4, cols);
	cp_reply_u64(r, UINT64_MAX);
	cp_reply_i64(r, INT64_MIN);
	cp_reply_double(r, 0.5, 3);
	cp_reply_u64(r, 7);
	cp_reply_u64(r, 0);
	cp_reply_i64(r, -1);
	cp_reply_double(r, NAN, 2);
	cp_reply_str(r, "x");
}

static void
build_escapes(struct cp_reply *r)
{
	static const char *const cols[] = { "we\"ird\\", "ctl" };

	cp_reply_table(r, "t\n", 2, cols);
	cp_reply_str(r, "a\"b\\c/d");
	cp_reply_str(r, "\t\n\r\b\f\x01\x1f");
	/* Valid UTF-8 passes, a stray continuation byte and a truncated sequence do not. */
	cp_reply_str(r, "caf\xc3\xa9");
	cp_reply_str(r, "\x80z\xe2\x82");
}

static void
build_text_only(struct cp_reply *r)
{
	cp_reply_textf(r, "config", "port add %s\n", "c");
	cp_reply_textf(r, "config", "set limit flows %u\n", 5u);
}

static void
build_mixed(struct cp_reply *r)
{
	static const char *const cols[] = { "name", "value" };

	cp_reply_textf(r, "note", "no newline at the end");
	cp_reply_table(r, "a", 2, cols);
	cp_reply_str(r, "x");
	cp_reply_u64(r, 10);
	cp_reply_table(r, "b", 2, cols);
	cp_reply_str(r, "longer name");
	cp_reply_str(r, "v");
	/* Text between tables does not end the current table. */
	cp_reply_textf(r, "note", "\n");
	cp_reply_str(r, "y");
	cp_reply_str(r, "w");
}

static void
build_empty_last(struct cp_reply *r)
{
	static const char *const cols[] = { "key", "name", "note" };

	cp_reply_table(r, "entries", 3, cols);
	cp_reply_str(r, "k1");
	cp_reply_str(r, "s1");
	cp_reply_str(r, "");
	cp_reply_str(r, "k2");
	cp_reply_str(r, "");
	cp_reply_str(r, "");
}

struct render_case {
	const char *desc;
	void (*build)(struct cp_reply *r);
	const char *text, *json;
};

static const struct render_case cases[] = {
	{ "empty reply", build_empty, "", "{}\n" },
	{ "one table: header, aligned columns, numbers right", build_one_table,
	  "backend        weight  flows  up\n"
	  "10.1.0.11:443       1  12345  true\n"
	  "s2                100      0  false\n",
	  "{\"backends\":[{\"backend\":\"10.1.0.11:443\",\"weight\":1,\"flows\":12345,\"up\":true},"
	  "{\"backend\":\"s2\",\"weight\":100,\"flows\":0,\"up\":false}]}\n" },
	{ "table without rows", build_no_rows, "backend  weight  flows  up\n",
	  "{\"backends\":[]}\n" },
	{ "numbers at their limits; NaN", build_numbers,
	  "                   n                     i   rate  mixed\n"
	  "18446744073709551615  -9223372036854775808  0.500  7\n"
	  "                   0                    -1      -  x\n",
	  "{\"numbers\":[{\"n\":18446744073709551615,\"i\":-9223372036854775808,\"rate\":0.500,"
	  "\"mixed\":7},{\"n\":0,\"i\":-1,\"rate\":null,\"mixed\":\"x\"}]}\n" },
	{ "escaping", build_escapes,
	  "we\"ird\\  ctl\n"
	  "a\"b\\c/d  \t\n\r\b\f\x01\x1f\n"
	  "caf\xc3\xa9    \x80z\xe2\x82\n",
	  "{\"t\\n\":[{\"we\\\"ird\\\\\":\"a\\\"b\\\\c/d\",\"ctl\":"
	  "\"\\t\\n\\r\\b\\f\\u0001\\u001f\"},"
	  "{\"we\\\"ird\\\\\":\"caf\xc3\xa9\",\"ctl\":\"\\ufffdz\\ufffd\\ufffd\"}]}\n" },
	{ "empty cells at the end of a row: no trailing blanks", build_empty_last,
	  "key  name  note\n"
	  "k1   s1\n"
	  "k2\n",
	  "{\"entries\":[{\"key\":\"k1\",\"name\":\"s1\",\"note\":\"\"},"
	  "{\"key\":\"k2\",\"name\":\"\",\"note\":\"\"}]}\n" },
	{ "free text only: printed as is", build_text_only, "port add c\nset limit flows 5\n",
	  "{\"config\":\"port add c\\nset limit flows 5\\n\"}\n" },
	{ "several blocks: names, blank lines", build_mixed,
	  "no newline at the end\n"
	  "\n"
	  "a\n"
	  "name  value\n"
	  "x        10\n"
	  "\n"
	  "b\n"
	  "name         value\n"
	  "longer name  v\n"
	  "y            w\n",
	  "{\"note\":\"no newline at the end\\n\",\"a\":[{\"name\":\"x\",\"value\":10}],"
	  "\"b\":[{\"name\":\"longer name\",\"value\":\"v\"},{\"name\":\"y\",\"value\":\"w\"}]}\n" },
};

static void
test_render(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct cp_reply *r = cp_reply_new();
		char *out;
		size_t len;

		print_message("# %s\n", cases[i].desc);
		assert_non_null(r);
		cases[i].build(r);
		assert_int_equal(cp_reply_render(r, CP_REPLY_TEXT, &out, &len), 0);
		assert_string_equal(out, cases[i].text);
		assert_int_equal(len, strlen(cases[i].text));
		free(out);
		assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &out, &len), 0);
		assert_string_equal(out, cases[i].json);
		assert_int_equal(len, strlen(cases[i].json));
		free(out);
		cp_reply_free(r);
	}
}

static void
misuse_cell_without_table(struct cp_reply *r)
{
	cp_reply_str(r, "x");
}

static void
misuse_short_row(struct cp_reply *r)
{
	cp_reply_table(r, "backends", 4, be_cols);
	cp_reply_str(r, "x");
	cp_reply_u64(r, 1);
}

static void
misuse_duplicate_name(struct cp_reply *r)
{
	cp_reply_table(r, "backends", 4, be_cols);
	cp_reply_textf(r, "backends", "x");
}

static void
misuse_duplicate_table(struct cp_reply *r)
{
	cp_reply_table(r, "t", 1, be_cols);
	cp_reply_str(r, "x");
	cp_reply_table(r, "t", 1, be_cols);
	/* Goes nowhere: the failed table is not current, the old one is not either. */
	cp_reply_str(r, "y");
}

static void
misuse_zero_cols(struct cp_reply *r)
{
	cp_reply_table(r, "t", 0, be_cols);
}

static void
misuse_too_many_cols(struct cp_reply *r)
{
	static const char *cols[CP_REPLY_COLS_MAX + 1];
	unsigned i;

	for (i = 0; i < N(cols); i++)
		cols[i] = "c";
	cp_reply_table(r, "t", CP_REPLY_COLS_MAX + 1, cols);
}

static void
misuse_null_cell(struct cp_reply *r)
{
	cp_reply_table(r, "t", 1, be_cols);
	cp_reply_str(r, NULL);
}

static void
misuse_then_fine(struct cp_reply *r)
{
	/* Sticky: a later, correct table does not clear the error. */
	misuse_cell_without_table(r);
	build_one_table(r);
}

static void
test_sticky_errors(void **state)
{
	static void (*const misuse[])(struct cp_reply *) = {
		misuse_cell_without_table, misuse_short_row, misuse_duplicate_name,
		misuse_duplicate_table,    misuse_zero_cols, misuse_too_many_cols,
		misuse_null_cell,          misuse_then_fine,
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(misuse); i++) {
		struct cp_reply *r = cp_reply_new();
		char *out = (char *)1;
		size_t len = 1;

		assert_non_null(r);
		misuse[i](r);
		assert_int_equal(cp_reply_render(r, CP_REPLY_TEXT, &out, &len), -EINVAL);
		assert_null(out);
		assert_int_equal(len, 0);
		assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &out, &len), -EINVAL);
		cp_reply_free(r);
	}
}

static void
test_rows_and_big(void **state)
{
	static const char *const cols[] = { "k", "v" };
	struct cp_reply *r = cp_reply_new();
	char *out;
	size_t len;
	unsigned i;

	(void)state;
	assert_int_equal(cp_reply_rows(r), 0);
	cp_reply_table(r, "t", 2, cols);
	assert_int_equal(cp_reply_rows(r), 0);
	/* Enough rows to make every buffer grow several times. */
	for (i = 0; i < 5000; i++) {
		cp_reply_strf(r, "key%u", i);
		assert_int_equal(cp_reply_rows(r), i);
		cp_reply_u64(r, i);
		assert_int_equal(cp_reply_rows(r), i + 1);
	}
	assert_int_equal(cp_reply_render(r, CP_REPLY_TEXT, &out, &len), 0);
	/* Header plus 5000 lines, all as wide as the widest ("key4999  4999"). */
	assert_int_equal(len, 5001 * strlen("key4999  4999\n"));
	assert_memory_equal(out + len - 14, "key4999  4999\n", 14);
	assert_memory_equal(out + 14, "key0        0\n", 14);
	free(out);
	assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &out, &len), 0);
	assert_non_null(strstr(out, "{\"k\":\"key4999\",\"v\":4999}]}\n"));
	free(out);
	cp_reply_free(r);

	/* NULL is harmless where a handler might pass it on. */
	cp_reply_free(NULL);
	cp_reply_str(NULL, "x");
	assert_int_equal(cp_reply_rows(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_sticky_errors),
		cmocka_unit_test(test_rows_and_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
