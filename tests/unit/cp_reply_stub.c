/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A throwaway stand-in for control/cp_reply.c (branch gram) so the view's
 * tests build before it lands: tables and free text, rendered as text the way
 * cp_reply.h describes (JSON is not rendered). meson uses it only while
 * control/cp_reply.c is missing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_reply.h"

#define STUB_BLOCKS 16

struct block {
	char name[64];
	unsigned n_cols;
	char *cols[CP_REPLY_COLS_MAX];
	char **cells;
	size_t n_cells, cap;
	char *text; /* free text; NULL for a table */
	size_t text_len;
};

struct cp_reply {
	struct block b[STUB_BLOCKS];
	unsigned n;
	int table; /* current table, -1: none */
	int err;
};

struct cp_reply *cp_reply_new(void)
{
	struct cp_reply *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->table = -1;
	return r;
}

void cp_reply_free(struct cp_reply *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->n; i++) {
		for (unsigned c = 0; c < r->b[i].n_cols; c++)
			free(r->b[i].cols[c]);
		for (size_t c = 0; c < r->b[i].n_cells; c++)
			free(r->b[i].cells[c]);
		free(r->b[i].cells);
		free(r->b[i].text);
	}
	free(r);
}

void cp_reply_table(struct cp_reply *r, const char *name, unsigned n_cols,
		    const char *const *cols)
{
	struct block *b;

	if (r->n == STUB_BLOCKS || n_cols == 0 || n_cols > CP_REPLY_COLS_MAX) {
		r->err = -EINVAL;
		return;
	}
	b = &r->b[r->n];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->n_cols = n_cols;
	for (unsigned c = 0; c < n_cols; c++)
		b->cols[c] = strdup(cols[c]);
	r->table = (int)r->n++;
}

void cp_reply_str(struct cp_reply *r, const char *s)
{
	struct block *b;

	if (r->table < 0) {
		r->err = -EINVAL;
		return;
	}
	b = &r->b[r->table];
	if (b->n_cells == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		char **p = realloc(b->cells, cap * sizeof(*p));

		if (p == NULL) {
			r->err = -ENOMEM;
			return;
		}
		b->cells = p;
		b->cap = cap;
	}
	b->cells[b->n_cells++] = strdup(s);
}

void cp_reply_strf(struct cp_reply *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cp_reply_str(r, buf);
}

void cp_reply_u64(struct cp_reply *r, uint64_t v)
{
	cp_reply_strf(r, "%" PRIu64, v);
}

void cp_reply_i64(struct cp_reply *r, int64_t v)
{
	cp_reply_strf(r, "%" PRId64, v);
}

void cp_reply_double(struct cp_reply *r, double v, unsigned decimals)
{
	cp_reply_strf(r, "%.*f", (int)decimals, v);
}

void cp_reply_bool(struct cp_reply *r, bool v)
{
	cp_reply_str(r, v ? "true" : "false");
}

void cp_reply_textf(struct cp_reply *r, const char *name, const char *fmt, ...)
{
	struct block *b = NULL;
	va_list ap;
	int n;
	char *p;

	for (unsigned i = 0; i < r->n; i++)
		if (r->b[i].text != NULL && strcmp(r->b[i].name, name) == 0)
			b = &r->b[i];
	if (b == NULL) {
		if (r->n == STUB_BLOCKS) {
			r->err = -EINVAL;
			return;
		}
		b = &r->b[r->n++];
		snprintf(b->name, sizeof(b->name), "%s", name);
		b->text = calloc(1, 1);
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = realloc(b->text, b->text_len + (size_t)n + 1);
	if (p == NULL) {
		r->err = -ENOMEM;
		return;
	}
	b->text = p;
	va_start(ap, fmt);
	vsnprintf(b->text + b->text_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->text_len += (size_t)n;
}

unsigned cp_reply_rows(const struct cp_reply *r)
{
	return r->table < 0 ? 0 : (unsigned)(r->b[r->table].n_cells / r->b[r->table].n_cols);
}

int cp_reply_render(const struct cp_reply *r, enum cp_reply_format fmt, char **out,
		    size_t *out_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (r->err)
		return r->err;
	if (fmt != CP_REPLY_TEXT)
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < r->n; i++) {
		const struct block *b = &r->b[i];

		if (i)
			fputc('\n', f);
		if (r->n > 1 && b->text == NULL)
			fprintf(f, "%s\n", b->name);
		if (b->text != NULL) {
			fputs(b->text, f);
			continue;
		}
		for (unsigned c = 0; c < b->n_cols; c++)
			fprintf(f, "%s%s", c ? "  " : "", b->cols[c]);
		fputc('\n', f);
		for (size_t k = 0; k + b->n_cols <= b->n_cells; k += b->n_cols) {
			for (unsigned c = 0; c < b->n_cols; c++)
				fprintf(f, "%s%s", c ? "  " : "", b->cells[k + c]);
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*out = buf;
	*out_len = len;
	return 0;
}
