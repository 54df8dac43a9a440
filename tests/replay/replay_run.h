/* SPDX-License-Identifier: BSD-3-Clause */
/* Run tlslb-inspect and keep what it printed. */
#ifndef REPLAY_RUN_H
#define REPLAY_RUN_H

#include <stddef.h>

struct run_result {
	int status; /* exit status, or -1 if it did not exit normally */
	char *out;  /* stdout, NUL-terminated */
	char *err;  /* stderr, NUL-terminated */
};

/*
 * Run exe with argv (NULL-terminated, argv[0] included), stdout and stderr
 * captured through files in tmpdir. Returns 0 or a negative errno.
 */
int run_program(const char *tmpdir, const char *exe, char *const argv[], struct run_result *res);
void run_result_free(struct run_result *res);

/* Lines of a text (a last line without a newline counts). */
size_t count_lines(const char *text);

/* A malloc'd copy of line i (0-based) without its newline, or NULL. */
char *line_at(const char *text, size_t i);

/* A whole file, NUL-terminated, malloc'd; NULL with errno set. */
char *read_file(const char *path, size_t *len);

#endif /* REPLAY_RUN_H */
