/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the tests that run tlslbctl against a control socket of their own. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "ctl_test_util.h"

extern char **environ;

char ctl_test_dir[64];
char ctl_test_sock[128];

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

int
ctl_test_serve(const char *dir_template, cp_sock_handler_fn *handle, void *handle_ctx)
{
	struct cp_sock_conf conf = { .handle = handle, .handle_ctx = handle_ctx };
	char err[256];

	snprintf(ctl_test_dir, sizeof(ctl_test_dir), "%s", dir_template);
	if (mkdtemp(ctl_test_dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(ctl_test_sock, sizeof(ctl_test_sock), "%s/ctl.sock", ctl_test_dir);
	conf.path = ctl_test_sock;
	server = cp_sock_open(&conf, err, sizeof(err));
	if (server == NULL) {
		fprintf(stderr, "cp_sock_open: %s\n", err);
		return -1;
	}
	atomic_store(&stop, false);
	return pthread_create(&server_thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

int
ctl_test_unserve(void)
{
	char cmd[128];

	atomic_store(&stop, true);
	pthread_join(server_thread, NULL);
	cp_sock_close(server);
	server = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ctl_test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

char *
ctl_test_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	return buf;
}

struct ctl_test_run
ctl_test_spawn(char *const *argv, const char *input)
{
	char out_path[128], err_path[128], in_path[128];
	posix_spawn_file_actions_t fa;
	struct ctl_test_run r;
	pid_t pid;
	int ws;

	snprintf(out_path, sizeof(out_path), "%s/out", ctl_test_dir);
	snprintf(err_path, sizeof(err_path), "%s/err", ctl_test_dir);
	snprintf(in_path, sizeof(in_path), "%s/in", ctl_test_dir);
	if (input != NULL) {
		FILE *f = fopen(in_path, "w");

		assert_non_null(f);
		fputs(input, f);
		fclose(f);
	}
	unsetenv("TLSLB_SOCKET");
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, input != NULL ? in_path : "/dev/null", O_RDONLY,
					 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	r.status = WEXITSTATUS(ws);
	r.out = ctl_test_slurp(out_path);
	r.err = ctl_test_slurp(err_path);
	return r;
}

void
ctl_test_run_free(struct ctl_test_run *r)
{
	free(r->out);
	free(r->err);
}
