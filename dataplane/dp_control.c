/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_control.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "cp_addr.h"
#include "cp_ctl.h"
#include "cp_keys.h"
#include "cp_keysvc.h"
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
	struct cp_keys *keys;
	struct cp_keysvc *keysvc; /* NULL without `keys listen` */
	struct cp_keys_conf keys_conf; /* what keysvc was made from */
	/* the config key names are looked up in: the running one, or the one
	 * being applied while the key manager reconfigures */
	const struct cp_config *cfg_now;
	pthread_t thread;
	bool started;
	bool stop; /* atomic */
};

static void dp_control_log(void *ctx, const char *line)
{
	(void)ctx;
	DP_LOG(INFO, "%s", line);
}

static int cfg_service(const struct cp_config *cfg, const struct cp_ip *vip, uint16_t vport)
{
	for (unsigned i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].port == vport && cp_ip_equal(&cfg->services[i].vip, vip))
			return (int)i;
	return -1;
}

static int cfg_backend(const struct cp_config *cfg, int svc, const struct cp_ip *ip,
		       uint16_t port)
{
	for (unsigned i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		if ((int)b->service == svc && b->port == port && cp_ip_equal(&b->ip, ip))
			return (int)i;
	}
	return -1;
}

/* The key manager says which key name a backend encrypts with: the
 * dataplane's key-name table sends tickets and PSKs by that name to it. */
static void dp_control_keyname(void *ctx, const struct cp_ip *vip, uint16_t vport,
			       const struct cp_ip *ip, uint16_t port, const uint8_t name[16],
			       bool add)
{
	struct dp_control *c = ctx;
	const struct cp_config *cfg = c->cfg_now;
	int svc = cfg_service(cfg, vip, vport), be;
	uint8_t len;
	int rc;

	if (svc < 0 || cfg->services[svc].mode != CP_MODE_TLS)
		return;
	len = cfg->services[svc].keyname_len;
	if (len == 0 || len > 16)
		len = 16; /* the dataplane's default; key names are 16 bytes */
	if (!add) {
		dp_shared_keyname_remove(c->sh, (unsigned)svc, name, len);
		return;
	}
	be = cfg_backend(cfg, svc, ip, port);
	if (be < 0)
		return;
	rc = dp_shared_keyname_set(c->sh, (unsigned)svc, name, len, (unsigned)be);
	if (rc < 0)
		DP_LOG(WARNING, "key name of backend %u of service %u not routed: %s", be, svc,
		       strerror(-rc));
}

static void dp_control_keys_log(void *ctx, const char *line)
{
	(void)ctx;
	DP_LOG(NOTICE, "%s", line);
}

/* The key service follows `keys listen`: (re)created when it changes. */
static int dp_control_keysvc(struct dp_control *c, const struct cp_config *cfg, char *err,
			     size_t err_len)
{
	const struct cp_keys_conf *kc = &cfg->keys;
	struct cp_keysvc_conf sc = {
		.ip = kc->ip,
		.port = kc->port,
		.ca = kc->ca,
		.cert = kc->cert,
		.key = kc->key,
		.state = kc->state[0] ? kc->state : NULL,
		.log = dp_control_keys_log,
	};

	if (c->keysvc != NULL && memcmp(&c->keys_conf, kc, sizeof(*kc)) == 0)
		return 0;
	cp_keysvc_free(c->keysvc);
	c->keysvc = NULL;
	c->keys_conf = *kc;
	if (!kc->listen)
		return 0;
	if (sc.state != NULL) {
		int rc = cp_keys_state_load(c->keys, sc.state, (uint64_t)time(NULL));

		if (rc < 0 && rc != -ENOENT) {
			snprintf(err, err_len, "keys state %s: %s", sc.state, strerror(-rc));
			return rc;
		}
	}
	c->keysvc = cp_keysvc_create(&sc, c->keys);
	if (c->keysvc == NULL) {
		int rc = -(errno ? errno : EINVAL);

		snprintf(err, err_len, "keys listen: cannot serve the key service (see the log): %s",
			 strerror(-rc));
		return rc;
	}
	DP_LOG(NOTICE, "key service on port %u", cp_keysvc_port(c->keysvc));
	return 0;
}

/* `show keys`: the key service's side too when there is one (it may be
 * recreated by a config change, so it is looked up at each call). */
static int dp_control_show_keys(void *ctx, const struct cp_config *running,
				const struct cp_args *args, struct cp_reply *out, struct cp_err *e)
{
	struct dp_control *c = ctx;

	if (c->keysvc != NULL)
		return cp_keysvc_q_show(c->keysvc, running, args, out, e);
	return cp_keys_q_show(c->keys, running, args, out, e);
}

/* tls services of @next whose learned tables the change replaced (new to
 * mode tls, or another key-name length): the key names the key manager fed
 * them are gone, and are fed again. */
static void dp_control_reannounce(struct dp_control *c, const struct cp_config *prev,
				  const struct cp_config *next)
{
	for (unsigned i = 0; i < next->n_services; i++) {
		const struct cp_service *s = &next->services[i];
		int old = cfg_service(prev, &s->vip, s->port);

		if (s->mode != CP_MODE_TLS)
			continue;
		if (old < 0 || prev->services[old].mode != CP_MODE_TLS ||
		    prev->services[old].keyname_len != s->keyname_len)
			cp_keys_reannounce(c->keys, &s->vip, s->port);
	}
}

static int dp_control_apply(void *ctx, const struct cp_config *next, struct cp_err *e)
{
	struct dp_control *c = ctx;
	const struct cp_config *prev = c->cfg_now;
	int rc = dp_shared_apply(c->sh, next, e->buf, e->len);

	if (rc != 0)
		return rc;
	/* labels of metrics and telemetry follow; and they stop reading what
	 * the dataplane is about to free */
	dp_view_refresh(c->view, next);
	c->cfg_now = next;
	cp_keys_configure(c->keys, next, (uint64_t)time(NULL));
	dp_control_reannounce(c, prev, next);
	rc = dp_control_keysvc(c, next, e->buf, e->len);
	c->cfg_now = cp_ctl_config(c->ctl);
	/* the dataplane has the change already: a key service that cannot
	 * follow is logged, not undone */
	if (rc != 0)
		DP_LOG(ERR, "%s", e->buf);
	return 0;
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
		if (c->keysvc != NULL)
			cp_keysvc_poll(c->keysvc, 0);
		else
			cp_keys_tick(c->keys, (uint64_t)time(NULL));
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
	struct cp_keys_ops kops = { .keyname = dp_control_keyname, .log = dp_control_keys_log };
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
	kops.ctx = c;
	c->keys = cp_keys_create(&kops);
	if (c->keys == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	ops.query[CP_Q_KEYS_ROTATE] = (struct cp_query_hook){ cp_keys_q_rotate, c->keys };
	ops.query[CP_Q_SHOW_KEYS] = (struct cp_query_hook){ dp_control_show_keys, c };
	c->ctl = cp_ctl_create(cfg, &ops);
	if (c->ctl == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	c->cfg_now = cp_ctl_config(c->ctl);
	cp_keys_configure(c->keys, c->cfg_now, (uint64_t)time(NULL));
	if (dp_control_keysvc(c, c->cfg_now, err, err_len) != 0)
		goto fail;

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
	cp_keysvc_free(c->keysvc);
	cp_keys_free(c->keys);
	dp_view_free(c->view);
	free(c);
}
