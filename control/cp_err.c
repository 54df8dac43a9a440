/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
cp_errf(struct cp_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL && e->buf != NULL && e->len > 0) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

int
cp_err_prefix(struct cp_err *e, int errnum, const char *fmt, ...)
{
	char head[256];
	char tail[512];
	va_list ap;

	if (e == NULL || e->buf == NULL || e->len == 0)
		return -errnum;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(tail, sizeof(tail), "%s", e->buf);
	snprintf(e->buf, e->len, "%s%s", head, tail);
	return -errnum;
}
