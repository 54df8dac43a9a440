/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_err.h"
#include "cp_lexer.h"
#include "ctl.h"

/*
 * The daemon lexes the line again; lexing it here with the same lexer and
 * comparing word for word shows, before anything is sent, whether each
 * argument survives as one word.
 */
int
ctl_join(int argc, char *const *argv, char **line, char *err, size_t err_len)
{
	struct cp_err e = { .buf = err, .len = err_len };
	struct cp_words *lexed;
	size_t len = 1;
	char *buf;
	int i, rc = 0;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = malloc(len);
	lexed = malloc(sizeof(*lexed));
	if (buf == NULL || lexed == NULL) {
		rc = cp_errf(&e, ENOMEM, "out of memory");
		goto out;
	}
	buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, argv[i]);
	}
	rc = cp_lex(buf, lexed, &e);
	if (rc < 0)
		goto out;
	for (i = 0; i < argc; i++) {
		if ((unsigned)i >= lexed->n || strcmp(lexed->w[i], argv[i]) != 0) {
			rc = cp_errf(&e, EINVAL,
				     "argument %d \"%s\" is not one word of the grammar (no blank, "
				     "'#' or empty word; there is no quoting)",
				     i + 1, argv[i]);
			goto out;
		}
	}
out:
	free(lexed);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*line = buf;
	return 0;
}
