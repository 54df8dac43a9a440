/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Where the grammar writes its one-line reasons. Every layer (lexer, value
 * parsers, argument matcher, handlers) fills the same buffer, so the caller
 * gets the most precise reason without stitching messages together.
 */
#ifndef CP_ERR_H
#define CP_ERR_H

#include <stddef.h>

/** A caller-owned message buffer; @c len may be 0 (then messages are dropped). */
struct cp_err {
	char *buf;
	size_t len;
};

/**
 * Format a reason into @p e (replacing what was there).
 * @return -@p errnum, so that `return cp_errf(e, EINVAL, ...)` reads naturally
 */
int cp_errf(struct cp_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Put @p fmt in front of the reason already in @p e ("backend add: " + reason).
 * @return -@p errnum
 */
int cp_err_prefix(struct cp_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* CP_ERR_H */
