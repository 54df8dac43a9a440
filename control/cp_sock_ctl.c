/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The glue between the socket server and the dispatcher: kept apart so that
 * cp_sock.c serves any handler (its tests use a fake one) and cp_ctl knows
 * nothing of sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_ctl.h"
#include "cp_reply.h"
#include "cp_sock.h"

int
cp_sock_ctl_handle(void *ctx, const char *line, bool json, char **body, size_t *body_len, char *err,
		   size_t err_len)
{
	struct cp_ctl *ctl = ctx;
	struct cp_err e = { .buf = err, .len = err_len };
	struct cp_reply *reply;
	int rc;

	*body = NULL;
	*body_len = 0;
	reply = cp_reply_new();
	if (reply == NULL)
		return cp_errf(&e, ENOMEM, "out of memory for the reply");
	rc = cp_ctl_exec(ctl, line, reply, &e);
	if (rc == 0) {
		rc = cp_reply_render(reply, json ? CP_REPLY_JSON : CP_REPLY_TEXT, body, body_len);
		if (rc < 0)
			cp_errf(&e, -rc, "rendering the reply: %s", strerror(-rc));
	}
	cp_reply_free(reply);
	return rc;
}
