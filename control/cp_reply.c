/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reply builder keeps every cell as its final text plus a kind, so the
 * two renderings only differ in layout and quoting, never in the values.
 */
#include "cp_reply.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cell_kind { CELL_STR, CELL_NUM, CELL_BOOL };

struct cell {
	char *text;
	enum cell_kind kind;
};

enum block_kind { BLOCK_TABLE, BLOCK_TEXT };

/* A growable byte buffer, always NUL-terminated once allocated. */
struct sbuf {
	char *p;
	size_t len, cap;
};

struct block {
	enum block_kind kind;
	char *name;
	/* BLOCK_TABLE */
	unsigned n_cols;
	char *cols[CP_REPLY_COLS_MAX];
	struct cell *cells;
	size_t n_cells, cap_cells;
	/* BLOCK_TEXT */
	struct sbuf text;
};

struct cp_reply {
	struct block *blocks;
	size_t n_blocks, cap_blocks;
	struct block *table; /* the table cells go to, or NULL */
	int error;           /* sticky: 0, ENOMEM or EINVAL */
};

static void
fail(struct cp_reply *r, int err)
{
	/* The first error wins: ENOMEM after a misuse would hide the misuse. */
	if (r->error == 0)
		r->error = err;
}

static int
sbuf_reserve(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	b->p[b->len] = '\0';
	return 0;
}

static int
sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
sbuf_puts(struct sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

static int sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int
sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return -EINVAL;
	if (sbuf_reserve(b, (size_t)n) < 0)
		return -ENOMEM;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

static int
sbuf_pad(struct sbuf *b, size_t n)
{
	if (sbuf_reserve(b, n) < 0)
		return -ENOMEM;
	memset(b->p + b->len, ' ', n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

struct cp_reply *
cp_reply_new(void)
{
	return calloc(1, sizeof(struct cp_reply));
}

void
cp_reply_free(struct cp_reply *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_blocks; i++) {
		struct block *b = &r->blocks[i];

		free(b->name);
		for (j = 0; j < b->n_cols; j++)
			free(b->cols[j]);
		for (j = 0; j < b->n_cells; j++)
			free(b->cells[j].text);
		free(b->cells);
		free(b->text.p);
	}
	free(r->blocks);
	free(r);
}

static struct block *
find_block(struct cp_reply *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_blocks; i++)
		if (strcmp(r->blocks[i].name, name) == 0)
			return &r->blocks[i];
	return NULL;
}

/* A new zeroed block named @name; the current table pointer is refreshed. */
static struct block *
add_block(struct cp_reply *r, const char *name, enum block_kind kind)
{
	size_t table_idx = r->table != NULL ? (size_t)(r->table - r->blocks) : 0;
	struct block *b;

	if (r->n_blocks == r->cap_blocks) {
		size_t cap = r->cap_blocks ? r->cap_blocks * 2 : 4;
		struct block *nb = realloc(r->blocks, cap * sizeof(*nb));

		if (nb == NULL) {
			fail(r, ENOMEM);
			return NULL;
		}
		r->blocks = nb;
		r->cap_blocks = cap;
		if (r->table != NULL)
			r->table = &r->blocks[table_idx];
	}
	b = &r->blocks[r->n_blocks];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->name = strdup(name);
	if (b->name == NULL) {
		fail(r, ENOMEM);
		return NULL;
	}
	r->n_blocks++;
	return b;
}

void
cp_reply_table(struct cp_reply *r, const char *name, unsigned n_cols, const char *const *cols)
{
	struct block *b;
	unsigned i;

	if (r == NULL)
		return;
	/* Cells after a failed table must not land in the previous one. */
	r->table = NULL;
	if (name == NULL || n_cols == 0 || n_cols > CP_REPLY_COLS_MAX || cols == NULL ||
	    find_block(r, name) != NULL) {
		fail(r, EINVAL);
		return;
	}
	for (i = 0; i < n_cols; i++) {
		if (cols[i] == NULL) {
			fail(r, EINVAL);
			return;
		}
	}
	b = add_block(r, name, BLOCK_TABLE);
	if (b == NULL)
		return;
	for (i = 0; i < n_cols; i++) {
		b->cols[i] = strdup(cols[i]);
		if (b->cols[i] == NULL) {
			fail(r, ENOMEM);
			return;
		}
		b->n_cols++;
	}
	r->table = b;
}

/* Takes ownership of @text (NULL: out of memory). */
static void
add_cell(struct cp_reply *r, char *text, enum cell_kind kind)
{
	struct block *t = r->table;

	if (text == NULL) {
		fail(r, ENOMEM);
		return;
	}
	if (t == NULL) {
		free(text);
		fail(r, EINVAL);
		return;
	}
	if (t->n_cells == t->cap_cells) {
		size_t cap = t->cap_cells ? t->cap_cells * 2 : 32;
		struct cell *nc = realloc(t->cells, cap * sizeof(*nc));

		if (nc == NULL) {
			free(text);
			fail(r, ENOMEM);
			return;
		}
		t->cells = nc;
		t->cap_cells = cap;
	}
	t->cells[t->n_cells].text = text;
	t->cells[t->n_cells].kind = kind;
	t->n_cells++;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
format(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0 || sbuf_reserve(&b, 0) < 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

void
cp_reply_str(struct cp_reply *r, const char *s)
{
	if (r == NULL)
		return;
	if (s == NULL) {
		fail(r, EINVAL);
		return;
	}
	add_cell(r, strdup(s), CELL_STR);
}

void
cp_reply_strf(struct cp_reply *r, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	int rc;

	if (r == NULL)
		return;
	va_start(ap, fmt);
	rc = sbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = sbuf_reserve(&b, 0);
	if (rc < 0) {
		free(b.p);
		fail(r, -rc);
		return;
	}
	add_cell(r, b.p, CELL_STR);
}

void
cp_reply_u64(struct cp_reply *r, uint64_t v)
{
	if (r != NULL)
		add_cell(r, format("%" PRIu64, v), CELL_NUM);
}

void
cp_reply_i64(struct cp_reply *r, int64_t v)
{
	if (r != NULL)
		add_cell(r, format("%" PRId64, v), CELL_NUM);
}

void
cp_reply_double(struct cp_reply *r, double v, unsigned decimals)
{
	if (r == NULL)
		return;
	if (decimals > 17)
		decimals = 17;
	/* JSON has no NaN or infinity; "-" reads as "no value" in text and becomes null. */
	if (!isfinite(v)) {
		add_cell(r, strdup("-"), CELL_NUM);
		return;
	}
	add_cell(r, format("%.*f", (int)decimals, v), CELL_NUM);
}

void
cp_reply_bool(struct cp_reply *r, bool v)
{
	if (r != NULL)
		add_cell(r, strdup(v ? "true" : "false"), CELL_BOOL);
}

void
cp_reply_textf(struct cp_reply *r, const char *name, const char *fmt, ...)
{
	struct block *b;
	va_list ap;
	int rc;

	if (r == NULL)
		return;
	if (name == NULL) {
		fail(r, EINVAL);
		return;
	}
	b = find_block(r, name);
	if (b != NULL && b->kind != BLOCK_TEXT) {
		fail(r, EINVAL);
		return;
	}
	if (b == NULL) {
		b = add_block(r, name, BLOCK_TEXT);
		if (b == NULL)
			return;
	}
	va_start(ap, fmt);
	rc = sbuf_vprintf(&b->text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		fail(r, -rc);
}

unsigned
cp_reply_rows(const struct cp_reply *r)
{
	if (r == NULL || r->table == NULL)
		return 0;
	return (unsigned)(r->table->n_cells / r->table->n_cols);
}

/* --- text ------------------------------------------------------------------ */

/* A column is right-aligned when it has cells and all of them are numbers. */
static bool
numeric_column(const struct block *t, unsigned col)
{
	size_t i;

	if (t->n_cells == 0)
		return false;
	for (i = col; i < t->n_cells; i += t->n_cols)
		if (t->cells[i].kind != CELL_NUM)
			return false;
	return true;
}

/*
 * One line of @n cells; no line ends in blanks: empty cells at the end are
 * left out (with their separators) and the last cell printed is not padded.
 */
static int
text_line(struct sbuf *out, const char *const *cells, unsigned n, const size_t *width,
	  const bool *right)
{
	unsigned i;

	while (n > 1 && cells[n - 1][0] == '\0')
		n--;
	for (i = 0; i < n; i++) {
		size_t len = strlen(cells[i]);
		size_t pad = width[i] - len;
		bool last = i + 1 == n;

		if (i > 0 && sbuf_puts(out, "  ") < 0)
			return -ENOMEM;
		if (right[i] && sbuf_pad(out, pad) < 0)
			return -ENOMEM;
		if (sbuf_puts(out, cells[i]) < 0)
			return -ENOMEM;
		if (!right[i] && !last && sbuf_pad(out, pad) < 0)
			return -ENOMEM;
	}
	return sbuf_puts(out, "\n");
}

static int
text_table(struct sbuf *out, const struct block *t)
{
	size_t width[CP_REPLY_COLS_MAX];
	bool right[CP_REPLY_COLS_MAX];
	const char *row[CP_REPLY_COLS_MAX];
	unsigned c;
	size_t i;
	int rc;

	for (c = 0; c < t->n_cols; c++) {
		width[c] = strlen(t->cols[c]);
		right[c] = numeric_column(t, c);
	}
	for (i = 0; i < t->n_cells; i++) {
		size_t len = strlen(t->cells[i].text);

		if (len > width[i % t->n_cols])
			width[i % t->n_cols] = len;
	}
	rc = text_line(out, (const char *const *)t->cols, t->n_cols, width, right);
	for (i = 0; rc == 0 && i < t->n_cells; i += t->n_cols) {
		for (c = 0; c < t->n_cols; c++)
			row[c] = t->cells[i + c].text;
		rc = text_line(out, row, t->n_cols, width, right);
	}
	return rc;
}

static int
render_text(const struct cp_reply *r, struct sbuf *out)
{
	bool several = r->n_blocks > 1;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < r->n_blocks; i++) {
		const struct block *b = &r->blocks[i];

		if (i > 0) {
			/* Free text need not end its last line; the blank line must stay blank. */
			if (out->len > 0 && out->p[out->len - 1] != '\n')
				rc = sbuf_puts(out, "\n");
			if (rc == 0)
				rc = sbuf_puts(out, "\n");
		}
		if (rc == 0 && b->kind == BLOCK_TEXT)
			rc = b->text.len ? sbuf_put(out, b->text.p, b->text.len) : 0;
		else if (rc == 0) {
			if (several)
				rc = sbuf_puts(out, b->name) < 0 || sbuf_puts(out, "\n") < 0
					     ? -ENOMEM
					     : 0;
			if (rc == 0)
				rc = text_table(out, b);
		}
	}
	return rc;
}

/* --- JSON ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at @s (of @n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* @s as a JSON string; bytes that are not UTF-8 become U+FFFD so the output stays valid. */
static int
json_string(struct sbuf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	char esc[8];

	if (sbuf_puts(out, "\"") < 0)
		return -ENOMEM;
	while (i < n) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t run;
		int rc;

		switch (c) {
		case '"':
			rep = "\\\"";
			break;
		case '\\':
			rep = "\\\\";
			break;
		case '\n':
			rep = "\\n";
			break;
		case '\r':
			rep = "\\r";
			break;
		case '\t':
			rep = "\\t";
			break;
		case '\b':
			rep = "\\b";
			break;
		case '\f':
			rep = "\\f";
			break;
		default:
			break;
		}
		if (rep == NULL && c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			rep = esc;
		}
		if (rep != NULL) {
			rc = sbuf_puts(out, rep);
			i++;
		} else if (c < 0x80) {
			rc = sbuf_put(out, s + i, 1);
			i++;
		} else if ((run = utf8_len(u + i, n - i)) > 0) {
			rc = sbuf_put(out, s + i, run);
			i += run;
		} else {
			rc = sbuf_puts(out, "\\ufffd");
			i++;
		}
		if (rc < 0)
			return -ENOMEM;
	}
	return sbuf_puts(out, "\"");
}

static int
json_cell(struct sbuf *out, const struct cell *c)
{
	switch (c->kind) {
	case CELL_NUM:
		/* Not finite (see cp_reply_double). */
		if (strcmp(c->text, "-") == 0)
			return sbuf_puts(out, "null");
		return sbuf_puts(out, c->text);
	case CELL_BOOL:
		return sbuf_puts(out, c->text);
	case CELL_STR:
		break;
	}
	return json_string(out, c->text, strlen(c->text));
}

static int
json_table(struct sbuf *out, const struct block *t)
{
	size_t i;
	unsigned c;

	if (sbuf_puts(out, "[") < 0)
		return -ENOMEM;
	for (i = 0; i < t->n_cells; i += t->n_cols) {
		if (sbuf_puts(out, i ? ",{" : "{") < 0)
			return -ENOMEM;
		for (c = 0; c < t->n_cols; c++) {
			if ((c > 0 && sbuf_puts(out, ",") < 0) ||
			    json_string(out, t->cols[c], strlen(t->cols[c])) < 0 ||
			    sbuf_puts(out, ":") < 0 || json_cell(out, &t->cells[i + c]) < 0)
				return -ENOMEM;
		}
		if (sbuf_puts(out, "}") < 0)
			return -ENOMEM;
	}
	return sbuf_puts(out, "]");
}

static int
render_json(const struct cp_reply *r, struct sbuf *out)
{
	size_t i;

	if (sbuf_puts(out, "{") < 0)
		return -ENOMEM;
	for (i = 0; i < r->n_blocks; i++) {
		const struct block *b = &r->blocks[i];
		int rc;

		if ((i > 0 && sbuf_puts(out, ",") < 0) ||
		    json_string(out, b->name, strlen(b->name)) < 0 || sbuf_puts(out, ":") < 0)
			return -ENOMEM;
		if (b->kind == BLOCK_TABLE)
			rc = json_table(out, b);
		else
			rc = json_string(out, b->text.p != NULL ? b->text.p : "", b->text.len);
		if (rc < 0)
			return rc;
	}
	return sbuf_puts(out, "}\n");
}

int
cp_reply_render(const struct cp_reply *r, enum cp_reply_format fmt, char **out, size_t *out_len)
{
	struct sbuf b = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (r == NULL)
		return -EINVAL;
	if (r->error != 0)
		return -r->error;
	for (i = 0; i < r->n_blocks; i++)
		if (r->blocks[i].kind == BLOCK_TABLE &&
		    r->blocks[i].n_cells % r->blocks[i].n_cols != 0)
			return -EINVAL;
	if (fmt != CP_REPLY_TEXT && fmt != CP_REPLY_JSON)
		return -EINVAL;
	rc = sbuf_reserve(&b, 0);
	if (rc == 0)
		rc = fmt == CP_REPLY_TEXT ? render_text(r, &b) : render_json(r, &b);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
