/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_lexer.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static size_t
strip_terminator(const char *line, size_t n)
{
	if (n > 0 && line[n - 1] == '\n') {
		n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
	}
	return n;
}

int
cp_lex(const char *line, struct cp_words *out, struct cp_err *e)
{
	/* Look two bytes further than the limit so "\r\n" after a full line still fits. */
	size_t n = strip_terminator(line, strnlen(line, CP_LINE_MAX + 3));
	bool in_word = false;
	size_t i;

	out->n = 0;
	if (n > CP_LINE_MAX)
		return cp_errf(e, EINVAL, "line longer than %d bytes", CP_LINE_MAX);
	memcpy(out->buf, line, n);
	out->buf[n] = '\0';

	/* Check every byte, comments included: the rule is about the file, not the words. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out->buf[i];

		if (c >= 0x80)
			return cp_errf(e, EINVAL, "non-ASCII byte 0x%02x at column %zu", c, i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cp_errf(e, EINVAL, "control character 0x%02x at column %zu", c,
				       i + 1);
	}

	for (i = 0; i < n; i++) {
		char c = out->buf[i];

		if (c == '#') {
			out->buf[i] = '\0';
			break;
		}
		if (c == ' ' || c == '\t') {
			out->buf[i] = '\0';
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (out->n == CP_WORDS_MAX)
				return cp_errf(e, EINVAL, "more than %d words", CP_WORDS_MAX);
			out->w[out->n++] = &out->buf[i];
			in_word = true;
		}
	}
	return 0;
}
