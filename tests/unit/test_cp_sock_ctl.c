/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket glued to the real dispatcher (cp_sock_ctl_handle + cp_ctl,
 * without a dataplane: no apply hook), driven by the real tlslbctl:
 * config commands change what `save` prints, a bad command changes nothing
 * and says why, and `tlslbctl help` without a daemon prints exactly what
 * the daemon answers to `help`, as text and as JSON.
 *
 * argv[1]: the tlslbctl binary.
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
#include <spawn.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cp_config.h"
#include "cp_ctl.h"
#include "cp_proto.h"
#include "cp_sock.h"

extern char **environ;

static const char *ctl_path;
static char dir[64], sock_path[128];
static struct cp_ctl *ctl;
static struct cp_sock *server;
static pthread_t server_thread;
static atomic_bool stop;

static void *
serve(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		cp_sock_poll(server, 20);
	return NULL;
}

static int
group_setup(void **state)
{
	static struct cp_config base; /* large */
	struct cp_sock_conf conf = { .handle = cp_sock_ctl_handle };
	char err[256];

	(void)state;
	cp_config_init(&base);
	ctl = cp_ctl_create(&base, NULL);
	if (ctl == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/cp_sock_ctl.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	conf.path = sock_path;
	conf.handle_ctx = ctl;
	server = cp_sock_open(&conf, err, sizeof(err));
	if (server == NULL) {
		fprintf(stderr, "cp_sock_open: %s\n", err);
		return -1;
	}
	return pthread_create(&server_thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	atomic_store(&stop, true);
	pthread_join(server_thread, NULL);
	cp_sock_close(server);
	cp_ctl_free(ctl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct run {
	int status;
	char *out, *err;
};

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	assert_non_null(f);
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* tlslbctl @args (NULL-terminated), posix_spawn'ed: this process has a server thread. */
static struct run
ctl_runv(const char *const *args)
{
	char *argv[16], out_path[128], err_path[128];
	posix_spawn_file_actions_t fa;
	unsigned n = 0;
	struct run r;
	pid_t pid;
	int ws;

	argv[n++] = (char *)ctl_path;
	while (*args != NULL && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&pid, ctl_path, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	r.status = WEXITSTATUS(ws);
	r.out = slurp(out_path);
	r.err = slurp(err_path);
	return r;
}

#define ctl_run(...) ctl_runv((const char *const[]){ __VA_ARGS__ })

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* The daemon's answer to @line, straight through the protocol. */
static char *
daemon_answer(const char *line, bool json, int32_t *status)
{
	char err[256], *body;
	size_t len;
	int fd = cp_proto_connect(sock_path, err, sizeof(err));

	if (fd < 0)
		fail_msg("connect: %s", err);
	if (cp_proto_call(fd, line, json, 5000, status, &body, &len, err, sizeof(err)) < 0)
		fail_msg("call: %s", err);
	close(fd);
	return body;
}

static void
test_help_same_as_daemon(void **state)
{
	static const char *const lines[] = { "help", "help backend", "help service add 1.2.3.4:80",
					     "help set" };
	unsigned i, j;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		for (j = 0; j < 2; j++) {
			char *words = strdup(lines[i]), *save = NULL, *w;
			const char *args[10] = { "-s", "/nonexistent/tlslb.sock" };
			unsigned n = 2;
			int32_t status;
			char *daemon = daemon_answer(lines[i], j == 1, &status);
			struct run r;

			if (j == 1)
				args[n++] = "-j";
			for (w = strtok_r(words, " ", &save); w != NULL;
			     w = strtok_r(NULL, " ", &save))
				args[n++] = w;
			args[n] = NULL;
			r = ctl_runv(args);
			assert_int_equal(status, 0);
			assert_int_equal(r.status, 0);
			/* tlslbctl ends a body without a newline with one; help has its own. */
			if (strcmp(r.out, daemon) != 0)
				fail_msg("%s%s: tlslbctl says\n%s\nthe daemon says\n%s", lines[i],
					 j ? " (JSON)" : "", r.out, daemon);
			run_free(&r);
			free(daemon);
			free(words);
		}
	}
}

static void
test_commands_through_tlslbctl(void **state)
{
	struct run r, before, after;

	(void)state;
	r = ctl_run("-s", sock_path, "port", "add", "c", "dev", "net_ring0", "role", "client",
		    NULL);
	assert_int_equal(r.status, 0);
	run_free(&r);
	before = ctl_run("-s", sock_path, "save", NULL);
	assert_int_equal(before.status, 0);
	assert_non_null(strstr(before.out, "port add c dev net_ring0 role client\n"));

	/* Refused with the reason, nothing changed. */
	r = ctl_run("-s", sock_path, "port", "add", "c", "dev", "net_ring1", "role", "server",
		    NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_true(strncmp(r.err, "tlslbctl: port add: ", 20) == 0);
	run_free(&r);
	r = ctl_run("-s", sock_path, "port", "ad", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "port add"));
	run_free(&r);
	after = ctl_run("-s", sock_path, "save", NULL);
	assert_string_equal(before.out, after.out);
	run_free(&after);

	/* -j: save as a JSON text block. */
	r = ctl_run("-s", sock_path, "-j", "save", NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "{\"", 2) == 0);
	assert_non_null(strstr(r.out, "port add c dev net_ring0 role client\\n"));
	run_free(&r);
	run_free(&before);

	/* A query without a dataplane behind it: ENOTSUP, said as such. */
	r = ctl_run("-s", sock_path, "show", "version", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "show version: not available in this build"));
	run_free(&r);
}

/* Bad commands over the socket: each refused with its reason, `save` unchanged. */
static void
test_bad_commands_change_nothing(void **state)
{
	static const struct {
		const char *line;
		int32_t status;
		const char *reason; /* the reason starts with this */
	} cases[] = {
		{ "frobnicate now", -EINVAL, "unknown command \"frobnicate" },
		{ "port add", -EINVAL, "port add: " },
		{ "port add x dev net_ring2", -EINVAL, "port add: " },
		{ "port add x dev net_ring2 role client extra", -EINVAL, "port add: " },
		{ "port add x dev net_ring2 role sideways", -EINVAL, "port add: " },
		{ "set limit flows 0", -EINVAL, "set limit flows: " },
		{ "set limit flows 99999999999", -EINVAL, "set limit flows: " },
		{ "set timeout syn x", -EINVAL, "set timeout: " },
		{ "neigh add 10.0.0.300 lladdr 02:00:00:00:00:01 port c", -EINVAL, "neigh add: " },
		{ "address del 10.9.9.9", -ENOENT, "address del: " },
	};
	int32_t status;
	char *before = daemon_answer("save", false, &status), *after, *answer;
	unsigned i;

	(void)state;
	assert_int_equal(status, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		answer = daemon_answer(cases[i].line, false, &status);
		if (status != cases[i].status ||
		    strncmp(answer, cases[i].reason, strlen(cases[i].reason)) != 0)
			fail_msg("'%s': status %d '%s', want %d '%s...'", cases[i].line, status,
				 answer, cases[i].status, cases[i].reason);
		assert_null(strchr(answer, '\n')); /* one line */
		free(answer);
	}
	after = daemon_answer("save", false, &status);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_same_as_daemon),
		cmocka_unit_test(test_commands_through_tlslbctl),
		cmocka_unit_test(test_bad_commands_change_nothing),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s TLSLBCTL\n", argv[0]);
		return 2;
	}
	ctl_path = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
