/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_control.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "cp_ctl.h"
#include "cp_sock.h"
#include "dp_daemon.h"
#include "dp_log.h"
#include "dp_view.h"
#include "dp_worker.h"

/* How long one poll step may sleep: also the period of the housekeeping. */
#define DP_CONTROL_STEP_MS 50

struct dp_control {
	struct dp_daemon *d;
	struct dp_shared *sh;
	struct cp_ctl *ctl;
	struct cp_sock *sock;
	struct dp_view *view;
	pthread_t thread;
	bool started;
	bool stop; /* atomic */
};

static void dp_control_log(void *ctx, const char *line)
{
	(void)ctx;
	DP_LOG(INFO, "%s", line);
}

static int dp_control_apply(void *ctx, const struct cp_config *next, struct cp_err *e)
{
	struct dp_control *c = ctx;
	int rc = dp_shared_apply(c->sh, next, e->buf, e->len);

	/* labels of metrics and telemetry follow; and they stop reading what
	 * the dataplane is about to free */
	if (rc == 0)
		dp_view_refresh(c->view, next);
	return rc;
}

static void *dp_control_main(void *arg)
{
	struct dp_control *c = arg;

	/* An lcore id: learned-table writers and the flow table's RCU need one. */
	if (rte_thread_register() != 0)
		DP_LOG(ERR, "control thread: no lcore id (%s); runtime changes may fail",
		       rte_strerror(rte_errno));
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		cp_sock_poll(c->sock, DP_CONTROL_STEP_MS);
		dp_view_poll(c->view);
		dp_shared_maintain(c->sh);
	}
	rte_thread_unregister();
	return NULL;
}

struct dp_control *dp_control_start(struct dp_daemon *d, const struct cp_config *cfg,
				    const struct dp_control_conf *conf, char *err, size_t err_len)
{
	struct dp_control *c = calloc(1, sizeof(*c));
	struct cp_ctl_ops ops = { .apply = dp_control_apply, .log = dp_control_log };
	struct cp_sock_conf sc = {
		.path = conf->socket_path,
		.group = conf->socket_group,
		.handle = cp_sock_ctl_handle,
		.log = dp_control_log,
	};
	int rc;

	if (c == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	c->d = d;
	c->sh = dp_daemon_shared(d);
	ops.ctx = c;
	c->view = dp_view_create(c->sh, conf->metrics_listen, err, err_len);
	if (c->view == NULL)
		goto fail;
	dp_view_hooks(c->view, &ops);
	c->ctl = cp_ctl_create(cfg, &ops);
	if (c->ctl == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	sc.handle_ctx = c->ctl;
	c->sock = cp_sock_open(&sc, err, err_len);
	if (c->sock == NULL)
		goto fail;
	rc = rte_ctrl_thread_create(&c->thread, "tlslb-ctl", NULL, dp_control_main, c);
	if (rc != 0) {
		snprintf(err, err_len, "cannot start the control thread: %s", strerror(-rc));
		goto fail;
	}
	c->started = true;
	DP_LOG(INFO, "control socket %s", cp_sock_path(c->sock));
	return c;
fail:
	dp_control_stop(c);
	return NULL;
}

void dp_control_stop(struct dp_control *c)
{
	if (c == NULL)
		return;
	if (c->started) {
		__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
		pthread_join(c->thread, NULL);
	}
	cp_sock_close(c->sock);
	cp_ctl_free(c->ctl);
	dp_view_free(c->view);
	free(c);
}
