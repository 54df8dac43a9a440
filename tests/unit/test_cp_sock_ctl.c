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
#include <unistd.h>
#include <cmocka.h>

#include "cp_config.h"
#include "cp_ctl.h"
#include "cp_proto.h"
#include "cp_sock.h"
#include "ctl_test_util.h"

static const char *ctl_path;
static struct cp_ctl *ctl;

static int
group_setup(void **state)
{
	static struct cp_config base; /* large */

	(void)state;
	cp_config_init(&base);
	ctl = cp_ctl_create(&base, NULL);
	if (ctl == NULL)
		return -1;
	return ctl_test_serve("/tmp/cp_sock_ctl.XXXXXX", cp_sock_ctl_handle, ctl);
}

static int
group_teardown(void **state)
{
	int rc;

	(void)state;
	rc = ctl_test_unserve();
	cp_ctl_free(ctl);
	return rc;
}

/* tlslbctl @args (NULL-terminated). */
static struct ctl_test_run
ctl_runv(const char *const *args)
{
	char *argv[16];
	unsigned n = 0;

	argv[n++] = (char *)ctl_path;
	while (*args != NULL && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	return ctl_test_spawn(argv, NULL);
}

#define ctl_run(...) ctl_runv((const char *const[]){ __VA_ARGS__ })

/* The daemon's answer to @line, straight through the protocol. */
static char *
daemon_answer(const char *line, bool json, int32_t *status)
{
	char err[256], *body;
	size_t len;
	int fd = cp_proto_connect(ctl_test_sock, err, sizeof(err));

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
			struct ctl_test_run r;

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
			ctl_test_run_free(&r);
			free(daemon);
			free(words);
		}
	}
}

static void
test_commands_through_tlslbctl(void **state)
{
	struct ctl_test_run r, before, after;

	(void)state;
	r = ctl_run("-s", ctl_test_sock, "port", "add", "c", "dev", "net_ring0", "role", "client",
		    NULL);
	assert_int_equal(r.status, 0);
	ctl_test_run_free(&r);
	before = ctl_run("-s", ctl_test_sock, "save", NULL);
	assert_int_equal(before.status, 0);
	assert_non_null(strstr(before.out, "port add c dev net_ring0 role client\n"));

	/* Refused with the reason, nothing changed. */
	r = ctl_run("-s", ctl_test_sock, "port", "add", "c", "dev", "net_ring1", "role", "server",
		    NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_true(strncmp(r.err, "tlslbctl: port add: ", 20) == 0);
	ctl_test_run_free(&r);
	r = ctl_run("-s", ctl_test_sock, "port", "ad", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "port add"));
	ctl_test_run_free(&r);
	after = ctl_run("-s", ctl_test_sock, "save", NULL);
	assert_string_equal(before.out, after.out);
	ctl_test_run_free(&after);

	/* -j: save as a JSON text block. */
	r = ctl_run("-s", ctl_test_sock, "-j", "save", NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "{\"", 2) == 0);
	assert_non_null(strstr(r.out, "port add c dev net_ring0 role client\\n"));
	ctl_test_run_free(&r);
	ctl_test_run_free(&before);

	/* A query without a dataplane behind it: ENOTSUP, said as such. */
	r = ctl_run("-s", ctl_test_sock, "show", "version", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "show version: not available in this build"));
	ctl_test_run_free(&r);
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
