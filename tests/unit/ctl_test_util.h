/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the tests that run tools/tlslbctl against a control socket
 * served by a thread of the test itself (test_tlslbctl.c, test_cp_sock_ctl.c).
 */
#ifndef CTL_TEST_UTIL_H
#define CTL_TEST_UTIL_H

#include "cp_sock.h"

/* The run's private directory and the control socket in it (ctl_test_serve). */
extern char ctl_test_dir[64];
extern char ctl_test_sock[128];

/*
 * Make ctl_test_dir from @dir_template (mkdtemp's, ending in XXXXXX), open
 * the control socket ctl_test_sock there with @handle and @handle_ctx, and
 * poll it from a thread. 0, or -1 said on stderr: for a cmocka group setup.
 */
int ctl_test_serve(const char *dir_template, cp_sock_handler_fn *handle, void *handle_ctx);

/* Stop the thread, close the socket, remove the directory: 0 or -1. */
int ctl_test_unserve(void);

struct ctl_test_run {
	int status; /* exit status */
	char *out, *err;
};

/* The whole text of @path, malloc'ed ("" when it has none); fails the test if it cannot be opened. */
char *ctl_test_slurp(const char *path);

/*
 * Run @argv (NULL-terminated) with stdin from @input (NULL: /dev/null),
 * TLSLB_SOCKET unset, stdout and stderr kept in ctl_test_dir; fails the test
 * unless it exits. posix_spawn, not fork: this process has a server thread.
 */
struct ctl_test_run ctl_test_spawn(char *const *argv, const char *input);

void ctl_test_run_free(struct ctl_test_run *r);

#endif
