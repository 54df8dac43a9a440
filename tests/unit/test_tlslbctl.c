/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslbctl as a process, against a fake daemon: the control socket server
 * (cp_sock) in a thread of this test with a handler that echoes what it
 * got. Exit statuses, the JSON flag, argument joining, help and completion
 * without any daemon (checked against control's command table), the batch
 * shell on a non-terminal stdin, and the bash completion file.
 *
 * argv[1]: the tlslbctl binary; argv[2]: tlslbctl.bash-completion.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_sock.h"
#include "ctl_test_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ARGS_MAX 16

extern char **environ;

static const char *ctl_path;
static const char *completion_path;

/* ---- the fake daemon ------------------------------------------------------- */

static atomic_uint handled;
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_line[1200];

/* "fail ..." fails with a reason; anything else answers "json=J line=LINE". */
static int
fake_handle(void *ctx, const char *line, bool json, char **body, size_t *body_len, char *err,
	    size_t err_len)
{
	(void)ctx;
	atomic_fetch_add(&handled, 1);
	pthread_mutex_lock(&last_lock);
	snprintf(last_line, sizeof(last_line), "%s", line);
	pthread_mutex_unlock(&last_lock);
	if (strncmp(line, "fail", 4) == 0) {
		snprintf(err, err_len, "fake failure: %s", line);
		return -EINVAL;
	}
	if (strcmp(line, "empty") == 0)
		return 0;
	if (asprintf(body, "json=%d line=%s", json, line) < 0)
		return -ENOMEM;
	*body_len = strlen(*body);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	return ctl_test_serve("/tmp/tlslbctl_test.XXXXXX", fake_handle, NULL);
}

static int
group_teardown(void **state)
{
	(void)state;
	return ctl_test_unserve();
}

/* ---- running tlslbctl -------------------------------------------------------- */

/* tlslbctl with @args (NULL-terminated), "-s SOCKET" first unless @args has its own. */
static struct ctl_test_run
ctl(const char *input, const char *const *args)
{
	char *argv[ARGS_MAX + 4];
	unsigned n = 0, i;
	bool own_socket = false;

	for (i = 0; args[i] != NULL; i++)
		own_socket |= strcmp(args[i], "-s") == 0;
	argv[n++] = (char *)ctl_path;
	if (!own_socket) {
		argv[n++] = (char *)"-s";
		argv[n++] = ctl_test_sock;
	}
	for (i = 0; args[i] != NULL && i < ARGS_MAX; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return ctl_test_spawn(argv, input);
}

/* ---- one command -------------------------------------------------------------- */

struct cmd_case {
	const char *desc;
	const char *args[ARGS_MAX];
	int status;
	const char *out;      /* exact stdout */
	const char *err;      /* a substring of stderr ("" : stderr empty) */
	const char *received; /* the line the daemon got; NULL: it got nothing */
};

static const struct cmd_case cmd_cases[] = {
	{ "a command",
	  { "show", "backends", NULL },
	  0,
	  "json=0 line=show backends\n",
	  "",
	  "show backends" },
	{ "-j asks for JSON",
	  { "-j", "show", "stats", NULL },
	  0,
	  "json=1 line=show stats\n",
	  "",
	  "show stats" },
	{ "--json too", { "--json", "save", NULL }, 0, "json=1 line=save\n", "", "save" },
	{ "values with colons and slashes",
	  { "backend", "add", "10.0.0.10:443", "10.1.0.11:443", "weight", "3", NULL },
	  0,
	  "json=0 line=backend add 10.0.0.10:443 10.1.0.11:443 weight 3\n",
	  "",
	  "backend add 10.0.0.10:443 10.1.0.11:443 weight 3" },
	{ "an empty answer prints nothing", { "empty", NULL }, 0, "", "", "empty" },
	{ "the daemon refuses",
	  { "fail", "this", NULL },
	  1,
	  "",
	  "tlslbctl: fake failure: fail this\n",
	  "fail this" },
	{ "no daemon",
	  { "-s", "/nonexistent/tlslb.sock", "show", "version", NULL },
	  3,
	  "",
	  "cannot connect to /nonexistent/tlslb.sock",
	  NULL },
	{ "unknown option", { "-x", "show", NULL }, 2, "", "usage: tlslbctl", NULL },
	{ "a word with a blank",
	  { "service", "add", "1.2.3.4:80 mode", NULL },
	  2,
	  "",
	  "argument 3 \"1.2.3.4:80 mode\" is not one word",
	  NULL },
	{ "a word with a #",
	  { "neigh", "del", "1.2.3.4#x", NULL },
	  2,
	  "",
	  "is not one word",
	  NULL },
	{ "an empty word",
	  { "neigh", "del", "", NULL },
	  2,
	  "",
	  "argument 3 \"\" is not one word",
	  NULL },
	{ "a non-ASCII word",
	  { "port", "add", "caf\xc3\xa9", NULL },
	  2,
	  "",
	  "non-ASCII byte 0xc3",
	  NULL },
	{ "a bad timeout", { "-t", "soon", "show", NULL }, 2, "", "-t wants whole seconds", NULL },
	{ "--help", { "--help", NULL }, 0, NULL, "", NULL },
};

static void
test_commands(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < N(cmd_cases); i++) {
		const struct cmd_case *cc = &cmd_cases[i];
		unsigned before = atomic_load(&handled);
		struct ctl_test_run r;

		print_message("# tlslbctl: %s\n", cc->desc);
		last_line[0] = '\0';
		r = ctl(NULL, cc->args);
		if (r.status != cc->status)
			fail_msg("%s: exit %d, not %d; stderr: %s", cc->desc, r.status, cc->status,
				 r.err);
		if (cc->out != NULL)
			assert_string_equal(r.out, cc->out);
		if (cc->err[0] == '\0')
			assert_string_equal(r.err, "");
		else if (strstr(r.err, cc->err) == NULL)
			fail_msg("%s: stderr '%s' lacks '%s'", cc->desc, r.err, cc->err);
		if (cc->received != NULL) {
			assert_int_equal(atomic_load(&handled), before + 1);
			pthread_mutex_lock(&last_lock);
			assert_string_equal(last_line, cc->received);
			pthread_mutex_unlock(&last_lock);
		} else {
			assert_int_equal(atomic_load(&handled), before);
		}
		ctl_test_run_free(&r);
	}
}

/* A daemon that takes the connection and never answers: -t bounds the wait. */
static void
test_timeout(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *args[] = { "-s", sa.sun_path, "-t", "1", "show", "version", NULL };
	struct ctl_test_run r;
	int fd;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mute.sock", ctl_test_dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	r = ctl(NULL, args);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "no response from the daemon in time"));
	ctl_test_run_free(&r);
	close(fd);
}

/* ---- help and completion: no daemon, the command table ---------------------- */

static void
test_help_lists_the_table(void **state)
{
	const char *args[] = { "-s", "/nonexistent/tlslb.sock", "help", NULL };
	const char *json_args[] = { "-s", "/nonexistent/tlslb.sock", "-j", "help", NULL };
	unsigned before = atomic_load(&handled);
	const struct cp_command *t;
	struct ctl_test_run r, j;
	size_t n, i;

	(void)state;
	t = cp_commands(&n);
	assert_true(n > 0);
	r = ctl(NULL, args);
	j = ctl(NULL, json_args);
	assert_int_equal(r.status, 0);
	assert_int_equal(j.status, 0);
	assert_string_equal(r.err, "");
	/* The text must be found at a line start; JSON escapes the newline. */
	char *text = malloc(strlen(r.out) + 2);

	assert_non_null(text);
	snprintf(text, strlen(r.out) + 2, "\n%s", r.out);
	for (i = 0; i < n; i++) {
		char syn[512], want[600];

		/* Each command with its synopsis rendered from its parameters, then its help. */
		if (t[i].params != NULL)
			cp_args_synopsis(t[i].params, syn, sizeof(syn));
		else
			snprintf(syn, sizeof(syn), "%s", t[i].args);
		snprintf(want, sizeof(want), "\n%s%s%s\n    %s\n", t[i].name, syn[0] ? " " : "",
			 syn, t[i].help);
		if (strstr(text, want) == NULL)
			fail_msg("help lacks '%s'", want + 1);
		snprintf(want, sizeof(want), "%s%s%s\\n    ", t[i].name, syn[0] ? " " : "", syn);
		if (strstr(j.out, want) == NULL)
			fail_msg("help -j lacks '%s'", want);
	}
	free(text);
	/* One text block, rendered as cp_reply renders it. */
	assert_true(strncmp(j.out, "{\"help\":\"", 9) == 0);
	assert_string_equal(j.out + strlen(j.out) - 5, "\\n\"}\n");
	assert_int_equal(atomic_load(&handled), before);
	ctl_test_run_free(&r);
	ctl_test_run_free(&j);
}

struct help_case {
	const char *desc;
	const char *args[6];
	int status;
	const char *out;     /* substring of stdout */
	const char *not_out; /* must not be in stdout */
	const char *err;
};

static const struct help_case help_cases[] = {
	{ "one command",
	  { "help", "backend", "add", NULL },
	  0,
	  "backend add VIP:PORT IP:PORT [weight N]",
	  "backend del",
	  "" },
	{ "a verb: its commands",
	  { "help", "backend", NULL },
	  0,
	  "\nbackend del VIP:PORT IP:PORT",
	  "service add",
	  "" },
	{ "a command and arguments",
	  { "help", "service", "add", "1.2.3.4:80", NULL },
	  0,
	  "service add VIP:PORT [mode l4|tls]",
	  "service del",
	  "" },
	{ "help of help", { "help", "help", NULL }, 0, "help [COMMAND...]\n    ", "backend", "" },
	{ "no such command",
	  { "help", "frobnicate", NULL },
	  1,
	  "",
	  NULL,
	  "tlslbctl: help: unknown command \"frobnicate\"" },
	{ "a typo", { "help", "servise", "add", NULL }, 1, "", NULL, "service add" },
};

static void
test_help_cases(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < N(help_cases); i++) {
		const struct help_case *hc = &help_cases[i];
		const char *args[10] = { "-s", "/nonexistent/tlslb.sock" };
		struct ctl_test_run r;
		unsigned k;

		print_message("# help: %s\n", hc->desc);
		for (k = 0; hc->args[k] != NULL; k++)
			args[2 + k] = hc->args[k];
		r = ctl(NULL, args);
		if (r.status != hc->status)
			fail_msg("%s: exit %d; stderr %s", hc->desc, r.status, r.err);
		if (strstr(r.out, hc->out) == NULL)
			fail_msg("%s: stdout '%s' lacks '%s'", hc->desc, r.out, hc->out);
		if (hc->not_out != NULL && strstr(r.out, hc->not_out) != NULL)
			fail_msg("%s: stdout '%s' has '%s'", hc->desc, r.out, hc->not_out);
		if (hc->err[0] == '\0')
			assert_string_equal(r.err, "");
		else if (strstr(r.err, hc->err) == NULL)
			fail_msg("%s: stderr '%s' lacks '%s'", hc->desc, r.err, hc->err);
		ctl_test_run_free(&r);
	}
}

/* The first words of the table, each once, in table order, and help. */
static char *
first_words(void)
{
	static char buf[1024];
	const struct cp_command *t;
	size_t n, i;

	buf[0] = '\n'; /* so that every word, the first too, is found as "\nWORD\n" */
	buf[1] = '\0';
	t = cp_commands(&n);
	for (i = 0; i < n; i++) {
		char line[80];

		snprintf(line, sizeof(line), "\n%.*s\n", (int)strcspn(t[i].name, " "), t[i].name);
		if (strstr(buf, line) == NULL)
			strcat(buf, line + 1);
	}
	if (strstr(buf, "\nhelp\n") == NULL)
		strcat(buf, "help\n");
	return buf + 1;
}

/*
 * Other helpers' commands join the table: a case names the candidates that
 * must be offered and those that must not, rather than the exact list,
 * except where nothing may be offered.
 */
struct complete_case {
	const char *desc;
	const char *words[10];
	const char *must;     /* lines that must all be there; NULL: no output at all */
	const char *must_not; /* lines that must not be there */
};

static const struct complete_case complete_cases[] = {
	{ "second word", { "service", "", NULL }, "add\ndel\n", "service\n" },
	{ "second word, a prefix", { "set", "l", NULL }, "limit\n", "timeout\n" },
	{ "third word", { "set", "limit", "", NULL }, "flows\nneigh-queue\n", "limit\n" },
	{ "options of a command",
	  { "service", "add", "10.0.0.1:443", "", NULL },
	  "mode\nnat\nsched\n",
	  "add\n" },
	{ "options not used yet",
	  { "service", "add", "10.0.0.1:443", "mode", "tls", "", NULL },
	  "nat\nsched\n",
	  "mode\n" },
	{ "a keyword value",
	  { "service", "add", "10.0.0.1:443", "mode", "", NULL },
	  "l4\ntls\n",
	  "nat\n" },
	{ "a keyword value, prefix",
	  { "service", "add", "10.0.0.1:443", "nat", "f", NULL },
	  "full\n",
	  "two-arm\n" },
	{ "a keyword positional", { "set", "timeout", "e", NULL }, "established\n", "syn\n" },
	{ "an address: nothing to offer", { "backend", "add", "", NULL }, NULL, NULL },
	{ "a flag",
	  { "address", "add", "10.0.0.1/24", "port", "c", "", NULL },
	  "snat\n",
	  "port\n" },
	{ "after help", { "help", "backend", "", NULL }, "add\ndel\n", "backend\n" },
	{ "no match", { "zzz", NULL }, NULL, NULL },
};

/* Each line of @lines is (@present) or is not a line of @out. */
static void
check_lines(const char *desc, const char *out, const char *lines, bool present)
{
	char haystack[4096], needle[128];
	const char *p;

	snprintf(haystack, sizeof(haystack), "\n%s", out);
	for (p = lines; p != NULL && *p != '\0'; p += strcspn(p, "\n") + 1) {
		snprintf(needle, sizeof(needle), "\n%.*s\n", (int)strcspn(p, "\n"), p);
		if ((strstr(haystack, needle) != NULL) != present)
			fail_msg("%s: '%.*s' %s in:\n%s", desc, (int)strcspn(p, "\n"), p,
				 present ? "missing" : "offered", out);
	}
}

static void
test_completion(void **state)
{
	const char *args[] = { "--complete", "--", "", NULL };
	struct ctl_test_run r;
	unsigned i;

	(void)state;
	r = ctl(NULL, args);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, first_words());
	ctl_test_run_free(&r);
	for (i = 0; i < N(complete_cases); i++) {
		const struct complete_case *cc = &complete_cases[i];
		const char *a[14] = { "--complete", "--" };
		unsigned k;

		print_message("# complete: %s\n", cc->desc);
		for (k = 0; cc->words[k] != NULL; k++)
			a[2 + k] = cc->words[k];
		r = ctl(NULL, a);
		assert_int_equal(r.status, 0);
		if (cc->must == NULL)
			assert_string_equal(r.out, "");
		check_lines(cc->desc, r.out, cc->must, true);
		check_lines(cc->desc, r.out, cc->must_not, false);
		ctl_test_run_free(&r);
	}
}

/* The bash function, through a real bash: words from COMP_LINE, options skipped. */
static void
test_bash_completion(void **state)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "tlslbctl service add 10.0.0.1:443 mo", "mode\n" },
		{ "tlslbctl -j -s /x/y service add 10.0.0.1:443 nat ", "two-arm\nfull\n" },
		{ "tlslbctl --js", "--json\n" },
		{ "tlslbctl set t", "timeout\n" },
	};
	char bindir[256], script[2048];
	unsigned i;

	(void)state;
	snprintf(bindir, sizeof(bindir), "%s", ctl_path);
	*strrchr(bindir, '/') = '\0';
	for (i = 0; i < N(cases); i++) {
		char *argv[] = { (char *)"/bin/bash", (char *)"-c", script, NULL };
		struct ctl_test_run r;

		snprintf(script, sizeof(script),
			 "PATH='%s':$PATH; source '%s' || exit 9; COMP_LINE='%s'; "
			 "COMP_POINT=${#COMP_LINE}; _tlslbctl; printf '%%s\\n' \"${COMPREPLY[@]}\"",
			 bindir, completion_path, cases[i].line);
		r = ctl_test_spawn(argv, NULL);
		assert_int_equal(r.status, 0);
		if (strcmp(r.out, cases[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s' (stderr %s)", cases[i].line, r.out,
				 cases[i].want, r.err);
		ctl_test_run_free(&r);
	}
}

/* Without a command and with stdin not a terminal: one command a line. */
static void
test_batch_shell(void **state)
{
	const char *args[] = { NULL };
	const char *json[] = { "-j", NULL };
	unsigned before = atomic_load(&handled);
	struct ctl_test_run r;

	(void)state;
	r = ctl("show services\n\n   # a comment\n  save  \nhelp set timeout\n", args);
	assert_int_equal(r.status, 0);
	/* The help text is the table's; its synopsis line is enough here. */
	static const char want[] = "json=0 line=show services\njson=0 line=save\n"
				   "set timeout syn|established|closing|reset|neigh|hello SECONDS\n"
				   "    ";

	if (strncmp(r.out, want, strlen(want)) != 0)
		fail_msg("batch output:\n%s", r.out);
	assert_int_equal(atomic_load(&handled), before + 2);
	ctl_test_run_free(&r);

	/* A failing line is reported and the rest still runs; exit 1. quit stops. */
	r = ctl("fail one\nshow x\nquit\nshow never\n", json);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "json=1 line=show x\n");
	assert_string_equal(r.err, "tlslbctl: fake failure: fail one\n");
	assert_int_equal(atomic_load(&handled), before + 4);
	ctl_test_run_free(&r);
}

/* ---- the interactive shell, on a pseudo-terminal ------------------------------ */

/* A conversation on a pseudo-terminal: what was read, and how far it was matched. */
struct pty {
	int fd;
	char buf[16384];
	size_t got, pos;
};

/* Read until @want appears after what was matched so far (then past it), or 5 s pass. */
static bool
pty_wait(struct pty *t, const char *want)
{
	time_t end = time(NULL) + 5;
	char *hit;

	while ((hit = strstr(t->buf + t->pos, want)) == NULL) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		ssize_t r;

		if (time(NULL) > end || t->got + 1 >= sizeof(t->buf) || poll(&p, 1, 500) < 0)
			return false;
		if (!(p.revents & POLLIN))
			continue;
		r = read(t->fd, t->buf + t->got, sizeof(t->buf) - t->got - 1);
		if (r <= 0)
			return false;
		t->got += (size_t)r;
		t->buf[t->got] = '\0';
	}
	t->pos = (size_t)(hit - t->buf) + strlen(want);
	return true;
}

/*
 * Type @line once the prompt is there (readline may drop what is typed
 * before it sets the terminal up), then wait for @answer.
 */
static void
pty_talk(struct pty *t, const char *line, const char *answer)
{
	if (!pty_wait(t, "tlslb> "))
		fail_msg("no prompt; the terminal shows:\n%s", t->buf);
	assert_int_equal(write(t->fd, line, strlen(line)), (ssize_t)strlen(line));
	if (answer != NULL && !pty_wait(t, answer))
		fail_msg("no '%s'; the terminal shows:\n%s", answer, t->buf);
}

/* Wait up to 10 s for @pid to end, reading its terminal meanwhile. */
static bool
pty_exit(struct pty *t, pid_t pid, int *ws)
{
	time_t end = time(NULL) + 10;

	while (time(NULL) <= end) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN };

		if (waitpid(pid, ws, WNOHANG) == pid)
			return true;
		if (poll(&p, 1, 100) > 0 && (p.revents & POLLIN) && t->got + 1 < sizeof(t->buf)) {
			ssize_t r = read(t->fd, t->buf + t->got, sizeof(t->buf) - t->got - 1);

			if (r > 0) {
				t->got += (size_t)r;
				t->buf[t->got] = '\0';
			}
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, ws, 0);
	return false;
}

/*
 * Prompt, a command and its answer, local help, completion by TAB, the
 * history file, `quit`; then a second session finds the first one's
 * history (up-arrow) and leaves by EOF.
 */
static void
test_interactive_shell(void **state)
{
	char home[128], hist[160], env_home[160];
	char *argv[] = { (char *)ctl_path, (char *)"-s", ctl_test_sock, NULL };
	char *envp[] = { env_home, (char *)"TERM=dumb", NULL };
	static struct pty t;
	posix_spawn_file_actions_t fa;
	unsigned before = atomic_load(&handled);
	int ws, session;
	pid_t pid;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", ctl_test_dir);
	assert_int_equal(mkdir(home, 0700), 0);
	snprintf(env_home, sizeof(env_home), "HOME=%s", home);
	snprintf(hist, sizeof(hist), "%s/.tlslb_history", home);
	for (session = 0; session < 2; session++) {
		memset(&t, 0, sizeof(t));
		t.fd = posix_openpt(O_RDWR | O_NOCTTY);
		assert_true(t.fd >= 0);
		assert_int_equal(grantpt(t.fd), 0);
		assert_int_equal(unlockpt(t.fd), 0);
		assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
		posix_spawn_file_actions_addopen(&fa, 0, ptsname(t.fd), O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, 0, 1);
		posix_spawn_file_actions_adddup2(&fa, 0, 2);
		assert_int_equal(posix_spawn(&pid, ctl_path, &fa, NULL, argv, envp), 0);
		posix_spawn_file_actions_destroy(&fa);
		if (session == 0) {
			pty_talk(&t, "show flows limit 3\r", "json=0 line=show flows limit 3");
			/* TAB completes from the table: "service a" -> "service add ". */
			pty_talk(&t, "help service a\t\r", "\nservice add VIP:PORT");
			pty_talk(&t, "fail here\r", "tlslbctl: fake failure: fail here");
			pty_talk(&t, "quit\r", NULL);
		} else {
			/* Up arrow four times (quit, fail, help, show): the first command. */
			pty_talk(&t, "\x1b[A\x1b[A\x1b[A\x1b[A\r",
				 "json=0 line=show flows limit 3");
			pty_talk(&t, "\x04", NULL); /* EOF */
		}
		/* Drain the terminal while waiting: a child blocked on a full pty never exits. */
		if (!pty_exit(&t, pid, &ws))
			fail_msg("tlslbctl did not exit; its terminal shows:\n%s", t.buf);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			fail_msg("tlslbctl ended with %#x; its terminal shows:\n%s", ws, t.buf);
		close(t.fd);
	}
	assert_int_equal(atomic_load(&handled), before + 3);

	/* The history file: private, one command a line, in order. */
	struct stat st;
	char *text;

	assert_int_equal(stat(hist, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = ctl_test_slurp(hist);
	assert_string_equal(text, "show flows limit 3\nhelp service add\nfail here\nquit\n"
				  "show flows limit 3\n");
	free(text);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_help_lists_the_table),
		cmocka_unit_test(test_help_cases),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_bash_completion),
		cmocka_unit_test(test_batch_shell),
		cmocka_unit_test(test_interactive_shell),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s TLSLBCTL BASH_COMPLETION_FILE\n", argv[0]);
		return 2;
	}
	ctl_path = argv[1];
	completion_path = argv[2];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
