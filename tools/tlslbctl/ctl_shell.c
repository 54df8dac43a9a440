/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "ctl.h"

#define PROMPT "tlslb> "
#define HISTORY_FILE ".tlslb_history"
#define HISTORY_MAX 1000
#define WORDS_MAX 64
#define CANDIDATES_MAX 256

/* ~/.tlslb_history, or NULL without a home directory. */
static const char *
history_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");

	if (home == NULL || home[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL || (size_t)snprintf(buf, len, "%s/%s", home, HISTORY_FILE) >= len)
		return NULL;
	return buf;
}

/* Blanks off both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static bool
is_quit(const char *s)
{
	return strcmp(s, "quit") == 0 || strcmp(s, "exit") == 0;
}

/* ---- completion through readline ----------------------------------------- */

static char *candidates[CANDIDATES_MAX];
static unsigned n_candidates;

static void
collect(void *ctx, const char *candidate)
{
	(void)ctx;
	if (n_candidates < CANDIDATES_MAX)
		candidates[n_candidates++] = strdup(candidate);
}

static char *
next_candidate(const char *text, int state)
{
	static unsigned i;

	(void)text;
	if (state == 0)
		i = 0;
	while (i < n_candidates) {
		char *c = candidates[i];

		candidates[i++] = NULL;
		if (c != NULL)
			return c; /* readline frees it */
	}
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	const char *words[WORDS_MAX + 1];
	char *before = strndup(rl_line_buffer, (size_t)start);
	unsigned n = 0, i;
	char *save = NULL, *w;
	char **matches;

	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	if (before == NULL)
		return NULL;
	for (w = strtok_r(before, " \t", &save); w != NULL && n < WORDS_MAX;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	words[n++] = text;
	for (i = 0; i < n_candidates; i++)
		free(candidates[i]);
	n_candidates = 0;
	ctl_complete(words, n, collect, NULL);
	if (n == 1) {
		/* The shell's own words. */
		if (strncmp("quit", text, strlen(text)) == 0)
			collect(NULL, "quit");
	}
	matches = rl_completion_matches(text, next_candidate);
	free(before);
	return matches;
}

/* ---- the two loops -------------------------------------------------------- */

/* stdin is no terminal: a script of commands, one a line, no prompt. */
static int
batch(const struct ctl_opts *o)
{
	char *buf = NULL, *line;
	size_t cap = 0;
	int worst = CTL_EXIT_OK, rc;

	while (getline(&buf, &cap, stdin) >= 0) {
		line = trim(buf);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (is_quit(line))
			break;
		rc = ctl_run_line(o, line);
		if (rc == CTL_EXIT_UNREACHABLE) {
			worst = rc;
			break;
		}
		if (rc != CTL_EXIT_OK)
			worst = CTL_EXIT_FAILED;
	}
	free(buf);
	return worst;
}

int
ctl_shell(const struct ctl_opts *o)
{
	char pathbuf[4096];
	const char *path;
	char *raw, *line;
	HIST_ENTRY *last;

	if (!isatty(STDIN_FILENO))
		return batch(o);
	rl_readline_name = "tlslbctl";
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(HISTORY_MAX);
	path = history_path(pathbuf, sizeof(pathbuf));
	if (path != NULL) {
		/* append_history() wants the file to exist; make it private on the way. */
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
		read_history(path);
	}
	printf("tlslb control shell on %s; `help` lists the commands, `quit` leaves\n", o->socket);
	while ((raw = readline(PROMPT)) != NULL) {
		line = trim(raw);
		if (line[0] == '\0') {
			free(raw);
			continue;
		}
		last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
		if (last == NULL || strcmp(last->line, line) != 0) {
			add_history(line);
			if (path != NULL)
				append_history(1, path);
		}
		if (is_quit(line)) {
			free(raw);
			break;
		}
		ctl_run_line(o, line);
		free(raw);
	}
	if (raw == NULL)
		putchar('\n'); /* EOF (^D): end the prompt's line */
	if (path != NULL)
		history_truncate_file(path, HISTORY_MAX);
	return CTL_EXIT_OK;
}
