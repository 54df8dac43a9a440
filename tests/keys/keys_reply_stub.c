/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for the reply builder (cp_reply.h) in the keys tests, so they do
 * not depend on the branch that implements it: every table name and cell is
 * appended to one text, tables as "[name]" lines and rows as "a | b | c"
 * lines. Enough to grep what a handler printed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_reply.h"
#include "keys_reply_stub.h"

struct cp_reply {
	char *text;
	size_t len, cap;
	unsigned cols, cell, rows;
};

static void
put(struct cp_reply *r, const char *s)
{
	size_t n = strlen(s);

	if (r->len + n + 1 > r->cap) {
		size_t cap = (r->len + n + 1) * 2;
		char *t = realloc(r->text, cap);

		if (t == NULL)
			abort();
		r->text = t;
		r->cap = cap;
	}
	memcpy(r->text + r->len, s, n + 1);
	r->len += n;
}

struct cp_reply *
cp_reply_new(void)
{
	struct cp_reply *r = calloc(1, sizeof(*r));

	if (r != NULL)
		put(r, "");
	return r;
}

void
cp_reply_free(struct cp_reply *r)
{
	if (r == NULL)
		return;
	free(r->text);
	free(r);
}

void
cp_reply_table(struct cp_reply *r, const char *name, unsigned n_cols, const char *const *cols)
{
	unsigned i;

	put(r, "[");
	put(r, name);
	put(r, "]\n");
	for (i = 0; i < n_cols; i++) {
		put(r, cols[i]);
		put(r, i + 1 < n_cols ? " | " : "\n");
	}
	r->cols = n_cols;
	r->cell = 0;
}

void
cp_reply_str(struct cp_reply *r, const char *s)
{
	put(r, s);
	if (++r->cell == r->cols) {
		put(r, "\n");
		r->cell = 0;
		r->rows++;
	} else {
		put(r, " | ");
	}
}

void
cp_reply_strf(struct cp_reply *r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cp_reply_str(r, buf);
}

void
cp_reply_u64(struct cp_reply *r, uint64_t v)
{
	cp_reply_strf(r, "%llu", (unsigned long long)v);
}

void
cp_reply_i64(struct cp_reply *r, int64_t v)
{
	cp_reply_strf(r, "%lld", (long long)v);
}

void
cp_reply_double(struct cp_reply *r, double v, unsigned decimals)
{
	cp_reply_strf(r, "%.*f", (int)decimals, v);
}

void
cp_reply_bool(struct cp_reply *r, bool v)
{
	cp_reply_str(r, v ? "true" : "false");
}

void
cp_reply_textf(struct cp_reply *r, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	(void)name;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(r, buf);
}

unsigned
cp_reply_rows(const struct cp_reply *r)
{
	return r->rows;
}

int
cp_reply_render(const struct cp_reply *r, enum cp_reply_format fmt, char **out, size_t *out_len)
{
	(void)fmt;
	*out = strdup(r->text);
	if (*out == NULL)
		return -12;
	*out_len = r->len;
	return 0;
}

const char *
keys_reply_text(const struct cp_reply *r)
{
	return r->text;
}
