/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Splits one command line into words: blanks (space, tab) separate words, `#`
 * starts a comment that runs to the end of the line. There is no quoting: no
 * value of the grammar contains a blank or a `#`. A line is ASCII text of at
 * most CP_LINE_MAX bytes; anything else is refused, so what `save` prints and
 * what `load` reads can never differ by an invisible byte.
 */
#ifndef CP_LEXER_H
#define CP_LEXER_H

#include "cp_err.h"

/** Longest line accepted, in bytes, without its line terminator. */
#define CP_LINE_MAX 1024
/** Most words in one line (the longest command has 9). */
#define CP_WORDS_MAX 32

/** The words of one line; they point into @c buf. */
struct cp_words {
	unsigned n;
	const char *w[CP_WORDS_MAX];
	char buf[CP_LINE_MAX + 1];
};

/**
 * Split @p line into @p out. One trailing "\n" or "\r\n" is allowed (lines
 * read with fgets); any other control character, a byte above 0x7f, or more
 * than CP_WORDS_MAX words is an error.
 * @return 0, or -EINVAL with the reason (and 1-based column) in @p e
 */
int cp_lex(const char *line, struct cp_words *out, struct cp_err *e);

#endif /* CP_LEXER_H */
