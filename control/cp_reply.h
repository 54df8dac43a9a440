/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The body of a control-plane answer, built once and rendered either as
 * aligned text tables (what a person reads) or as JSON (`tlslbctl -j`,
 * scripts). Handlers describe data, never layout, so both renderings agree.
 *
 * A reply is a sequence of blocks, each either a table (named columns, rows of
 * cells) or free text (`save`, `show metrics`, `help`).
 *
 * Text rendering: a table prints a header line of its column names and one
 * line per row, columns padded to their widest cell, numbers right-aligned;
 * when a reply has more than one block, each table is preceded by its name
 * and blocks are separated by a blank line. Free text is printed as is.
 *
 * JSON rendering: one object; each table is a member named after the table
 * whose value is an array of row objects (column name -> cell, numbers as
 * JSON numbers, strings escaped); a free-text block is a member named after
 * the block holding the text as a string. Block names are unique in a reply.
 *
 * Errors inside the builder (out of memory, a row with too few cells) are
 * sticky: cp_reply_render() then fails with -ENOMEM / -EINVAL.
 */
#ifndef CP_REPLY_H
#define CP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most columns of one table. */
#define CP_REPLY_COLS_MAX 24

enum cp_reply_format { CP_REPLY_TEXT = 0, CP_REPLY_JSON = 1 };

struct cp_reply;

/** @return an empty reply, or NULL (ENOMEM) */
struct cp_reply *cp_reply_new(void);
void cp_reply_free(struct cp_reply *r);

/**
 * Start a table; following cells fill its rows left to right, a row ends
 * after @p n_cols cells. @p name and @p cols are copied.
 */
void cp_reply_table(struct cp_reply *r, const char *name, unsigned n_cols,
		    const char *const *cols);

/** Append a cell to the current row of the current table. */
void cp_reply_str(struct cp_reply *r, const char *s);
void cp_reply_strf(struct cp_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cp_reply_u64(struct cp_reply *r, uint64_t v);
void cp_reply_i64(struct cp_reply *r, int64_t v);
/** A number with @p decimals digits after the point (JSON: a number too). */
void cp_reply_double(struct cp_reply *r, double v, unsigned decimals);
void cp_reply_bool(struct cp_reply *r, bool v);

/** Append to the free-text block @p name (created on first use). */
void cp_reply_textf(struct cp_reply *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Rows in the current table so far (handlers that honour a limit use it). */
unsigned cp_reply_rows(const struct cp_reply *r);

/**
 * Render into a malloc'ed, NUL-terminated buffer.
 * @param out, out_len  receive the buffer (caller frees) and its length
 * @return 0, -ENOMEM, or -EINVAL when the reply was built wrong
 */
int cp_reply_render(const struct cp_reply *r, enum cp_reply_format fmt, char **out,
		    size_t *out_len);

#endif /* CP_REPLY_H */
