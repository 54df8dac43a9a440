/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_err.h"
#include "cp_lexer.h"
#include "cp_proto.h"
#include "ctl.h"

#define REASON_MAX 512

static int
run_help(const struct ctl_opts *o, const char *line)
{
	struct cp_err e;
	struct cp_words *w = malloc(sizeof(*w));
	char err[REASON_MAX];
	int rc;

	if (w == NULL) {
		fprintf(stderr, "tlslbctl: out of memory\n");
		return CTL_EXIT_FAILED;
	}
	e = (struct cp_err){ .buf = err, .len = sizeof(err) };
	rc = cp_lex(line, w, &e);
	if (rc == 0)
		rc = ctl_help(stdout, w->w + 1, w->n - 1, o->json, err, sizeof(err));
	free(w);
	if (rc < 0) {
		fprintf(stderr, "tlslbctl: help: %s\n", err);
		return CTL_EXIT_FAILED;
	}
	return CTL_EXIT_OK;
}

/* Whether @line's first word is "help" (blanks before it allowed). */
static bool
is_help(const char *line)
{
	line += strspn(line, " \t");
	return strncmp(line, "help", 4) == 0 &&
	       (line[4] == '\0' || line[4] == ' ' || line[4] == '\t' || line[4] == '#');
}

int
ctl_run_line(const struct ctl_opts *o, const char *line)
{
	char err[REASON_MAX];
	int32_t status;
	char *body;
	size_t len;
	int fd, rc;

	if (is_help(line))
		return run_help(o, line);
	fd = cp_proto_connect(o->socket, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "tlslbctl: %s (is tlslb running?)\n", err);
		return CTL_EXIT_UNREACHABLE;
	}
	rc = cp_proto_call(fd, line, o->json, o->timeout_ms, &status, &body, &len, err,
			   sizeof(err));
	close(fd);
	if (rc == -EINVAL || rc == -EMSGSIZE) {
		fprintf(stderr, "tlslbctl: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "tlslbctl: %s: %s\n", o->socket, err);
		return CTL_EXIT_UNREACHABLE;
	}
	if (status != 0) {
		fprintf(stderr, "tlslbctl: %s\n", len > 0 ? body : strerror(-status));
		free(body);
		return CTL_EXIT_FAILED;
	}
	if (len > 0) {
		fwrite(body, 1, len, stdout);
		if (body[len - 1] != '\n')
			fputc('\n', stdout);
	}
	free(body);
	fflush(stdout);
	return CTL_EXIT_OK;
}
