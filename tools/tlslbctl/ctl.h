/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslbctl, the command-line client of tlslb's control socket: one command
 * from the arguments, or an interactive shell. Help and completion come from
 * control's command table, the one the daemon dispatches through, so they
 * work without a daemon and cannot drift from it.
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (documented in --help and the README). */
enum ctl_exit {
	CTL_EXIT_OK = 0,          /* the daemon answered status 0 */
	CTL_EXIT_FAILED = 1,      /* the daemon (or local help) refused the command */
	CTL_EXIT_USAGE = 2,       /* bad options, or words the grammar cannot carry */
	CTL_EXIT_UNREACHABLE = 3, /* no daemon, timeout, connection lost, garbled answer */
};

struct ctl_opts {
	const char *socket;
	bool json;
	int timeout_ms; /* < 0: wait forever */
};

/*
 * Join @argv into one command line. The grammar has no quoting, so a word
 * that the lexer would split or drop (a blank or a '#' inside, an empty
 * word) or refuse (control or non-ASCII bytes) is an error, said in @err.
 * @return 0 with a malloc'ed @line, or -EINVAL
 */
int ctl_join(int argc, char *const *argv, char **line, char *err, size_t err_len);

/*
 * Run one line: `help ...` locally, anything else through the daemon.
 * Prints the answer to stdout, a failure as "tlslbctl: REASON" to stderr.
 * @return an enum ctl_exit value
 */
int ctl_run_line(const struct ctl_opts *o, const char *line);

/*
 * `help [WORD...]` from the command table, as text or JSON, to @out.
 * @return 0, or -EINVAL with the reason in @err (no such command)
 */
int ctl_help(FILE *out, const char *const *words, unsigned n_words, bool json, char *err,
	     size_t err_len);

/*
 * Candidates for the last of @words (possibly empty), given the ones before
 * it: command words, then option keys and keyword values of that command.
 * Each candidate starts with the last word; @emit gets them one by one.
 */
void ctl_complete(const char *const *words, unsigned n_words,
		  void (*emit)(void *ctx, const char *candidate), void *ctx);

/* The interactive shell (or, with stdin not a terminal, one command per line). */
int ctl_shell(const struct ctl_opts *o);

#endif /* CTL_H */
