/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_telemetry.h>

#include "dp_telemetry.h"
#include "dp_view.h"

/* Telemetry callbacks take no context: the view they answer from. */
static pthread_mutex_t tele_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dp_view *tele_view;
static bool tele_registered;

/* Builds /tlslb/stats: unlabelled families as numbers, labelled ones as a
 * dict keyed by their label values joined with '/'. */
struct stats_build {
	struct rte_tel_data *d;
	struct rte_tel_data *sub; /* the current labelled family */
	const char *sub_name;
};

/* Dict keys may hold only letters, digits, '_' and '/' (rte_telemetry.h):
 * anything else ("10.0.0.1:443") becomes '_'. */
static void key_clean(char *key)
{
	for (; *key; key++)
		if (!isalnum((unsigned char)*key) && *key != '_' && *key != '/')
			*key = '_';
}

static const char *short_name(const char *name)
{
	return strncmp(name, "tlslb_", 6) == 0 ? name + 6 : name;
}

static void stats_flush(struct stats_build *b)
{
	if (b->sub == NULL)
		return;
	if (rte_tel_data_add_dict_container(b->d, b->sub_name, b->sub, 0) != 0)
		rte_tel_data_free(b->sub);
	b->sub = NULL;
}

static void stats_family(void *ctx, const struct dp_view_family *f)
{
	struct stats_build *b = ctx;

	stats_flush(b);
	if (f->labels[0] == NULL || strcmp(f->name, "tlslb_build_info") == 0)
		return;
	b->sub = rte_tel_data_alloc();
	if (b->sub == NULL)
		return;
	rte_tel_data_start_dict(b->sub);
	b->sub_name = short_name(f->name);
}

static void stats_sample(void *ctx, const struct dp_view_sample *s)
{
	struct stats_build *b = ctx;
	char key[RTE_TEL_MAX_STRING_LEN];
	size_t used = 0;
	unsigned i;

	/* versions are strings: the top-level "version" has tlslb's */
	if (strcmp(s->fam->name, "tlslb_build_info") == 0)
		return;
	if (s->fam->labels[0] == NULL) {
		rte_tel_data_add_dict_u64(b->d, short_name(s->fam->name), s->value);
		return;
	}
	if (b->sub == NULL)
		return;
	key[0] = '\0';
	for (i = 0; i < DP_VIEW_LABELS_MAX && s->fam->labels[i]; i++) {
		int n = snprintf(key + used, sizeof(key) - used, "%s%s", i ? "/" : "",
				 s->label[i] ? s->label[i] : "");

		if (n < 0 || (size_t)n >= sizeof(key) - used)
			break;
		used += (size_t)n;
	}
	key_clean(key);
	/* beyond RTE_TEL_MAX_DICT_ENTRIES the library refuses: the rest is left out */
	(void)rte_tel_data_add_dict_u64(b->sub, key, s->value);
}

static struct dp_view *view_get(void)
{
	pthread_mutex_lock(&tele_lock);
	if (tele_view == NULL) {
		pthread_mutex_unlock(&tele_lock);
		return NULL;
	}
	dp_view_lock(tele_view);
	return tele_view;
}

static void view_put(struct dp_view *v)
{
	dp_view_unlock(v);
	pthread_mutex_unlock(&tele_lock);
}

static int tele_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct stats_build b = { .d = d };
	struct dp_stats *st;
	struct dp_view *v;
	int worker = -1;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		char *end;
		long w = strtol(params, &end, 10);

		if (*end != '\0' || w < 0 || w > 100000)
			return -EINVAL;
		worker = (int)w;
	}
	st = malloc(sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	v = view_get();
	if (v == NULL) {
		free(st);
		return -ENODEV;
	}
	if (dp_view_stats(v, worker, st) < 0) {
		view_put(v);
		free(st);
		return -ENOENT;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", dp_view_version());
	dp_view_walk(v, st, 1u << DP_VIEW_SCOPE_GLOBAL | 1u << DP_VIEW_SCOPE_SERVICE,
		     stats_family, stats_sample, &b);
	stats_flush(&b);
	view_put(v);
	free(st);
	return 0;
}

static int service_index(struct dp_view *v, const char *text)
{
	char label[64];

	for (unsigned i = 0; i < dp_view_n_services(v); i++) {
		dp_view_service_label(v, i, label, sizeof(label));
		if (strcmp(label, text) == 0)
			return (int)i;
	}
	return -1;
}

static void backend_dict(struct dp_view *v, const struct dp_stats *st, unsigned i,
			 struct rte_tel_data *c)
{
	const struct cp_backend *b = dp_view_backend(v, i);
	unsigned slot = dp_view_backend_slot(v, i);
	const struct dp_backend_stats *bs = &st->backend[slot];
	struct dp_view_handshakes h;
	char buf[64];

	dp_view_handshakes(st, slot, &h);
	rte_tel_data_start_dict(c);
	dp_view_service_label(v, b->service, buf, sizeof(buf));
	rte_tel_data_add_dict_string(c, "service", buf);
	dp_view_backend_label(v, i, buf, sizeof(buf));
	rte_tel_data_add_dict_string(c, "backend", buf);
	dp_view_backend_addr(v, i, buf, sizeof(buf));
	rte_tel_data_add_dict_string(c, "address", buf);
	rte_tel_data_add_dict_string(c, "admin", dp_view_admin_name(b->admin));
	rte_tel_data_add_dict_string(c, "health", dp_view_health(v, i));
	rte_tel_data_add_dict_u64(c, "weight", b->weight);
	rte_tel_data_add_dict_u64(c, "active_flows", bs->active_flows);
	rte_tel_data_add_dict_u64(c, "new_flows", bs->new_flows);
	rte_tel_data_add_dict_u64(c, "packets", bs->packets);
	rte_tel_data_add_dict_u64(c, "bytes", bs->bytes);
	rte_tel_data_add_dict_u64(c, "handshakes_full", h.full);
	rte_tel_data_add_dict_u64(c, "resumed_session_id", h.resumed_sid);
	rte_tel_data_add_dict_u64(c, "resumed_ticket", h.resumed_ticket);
	rte_tel_data_add_dict_u64(c, "resumed_psk", h.resumed_psk);
	if (h.rate < 0)
		snprintf(buf, sizeof(buf), "-");
	else
		snprintf(buf, sizeof(buf), "%.3f", h.rate);
	rte_tel_data_add_dict_string(c, "resumption_rate", buf);
}

static int tele_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_stats *st;
	struct dp_view *v;
	int want = -1;
	unsigned i;

	(void)cmd;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	v = view_get();
	if (v == NULL) {
		free(st);
		return -ENODEV;
	}
	if (params != NULL && params[0] != '\0' && (want = service_index(v, params)) < 0) {
		view_put(v);
		free(st);
		return -ENOENT;
	}
	dp_view_stats(v, -1, st);
	/* keyed "10_0_0_1_443/s1" (clean keys); each dict has the labels as they are */
	rte_tel_data_start_dict(d);
	for (i = 0; i < dp_view_n_backends(v); i++) {
		const struct cp_backend *b = dp_view_backend(v, i);
		char svc[64], bk[64], key[RTE_TEL_MAX_STRING_LEN];
		struct rte_tel_data *c;

		if (want >= 0 && b->service != (unsigned)want)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		backend_dict(v, st, i, c);
		dp_view_service_label(v, b->service, svc, sizeof(svc));
		dp_view_backend_label(v, i, bk, sizeof(bk));
		snprintf(key, sizeof(key), "%s/%s", svc, bk);
		key_clean(key);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
			rte_tel_data_free(c);
			break; /* RTE_TEL_MAX_DICT_ENTRIES reached */
		}
	}
	view_put(v);
	free(st);
	return 0;
}

static int tele_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_stats *st;
	struct dp_view *v;
	unsigned i, k;

	(void)cmd;
	(void)params;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	v = view_get();
	if (v == NULL) {
		free(st);
		return -ENODEV;
	}
	dp_view_stats(v, -1, st);
	rte_tel_data_start_dict(d);
	for (i = 0; i < dp_view_n_services(v); i++) {
		const struct cp_service *s = dp_view_service(v, i);
		struct rte_tel_data *c = rte_tel_data_alloc();
		uint64_t active = 0, nb = 0;
		char label[64];

		if (c == NULL)
			break;
		for (k = 0; k < dp_view_n_backends(v); k++) {
			if (dp_view_backend(v, k)->service != i)
				continue;
			nb++;
			active += st->backend[dp_view_backend_slot(v, k)].active_flows;
		}
		rte_tel_data_start_dict(c);
		dp_view_service_label(v, i, label, sizeof(label));
		rte_tel_data_add_dict_string(c, "service", label);
		rte_tel_data_add_dict_string(c, "mode", dp_view_mode_name(s->mode));
		rte_tel_data_add_dict_string(c, "nat", dp_view_nat_name(s->nat));
		rte_tel_data_add_dict_string(c, "sched", dp_view_sched_name(s->sched));
		rte_tel_data_add_dict_u64(c, "backends", nb);
		rte_tel_data_add_dict_u64(c, "active_flows", active);
		rte_tel_data_add_dict_u64(c, "session_lifetime", s->session_lifetime);
		rte_tel_data_add_dict_u64(c, "hello_timeout", s->hello_timeout);
		rte_tel_data_add_dict_u64(c, "keyname_len", s->keyname_len);
		rte_tel_data_add_dict_u64(c, "server_id_len", s->server_id_len);
		rte_tel_data_add_dict_string(c, "health", s->health.enabled ? "on" : "off");
		key_clean(label);
		if (rte_tel_data_add_dict_container(d, label, c, 0) != 0) {
			rte_tel_data_free(c);
			break;
		}
	}
	view_put(v);
	free(st);
	return 0;
}

int dp_telemetry_register(struct dp_view *v)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/tlslb/stats", tele_stats,
		  "tlslb counters and gauges, summed or of one worker. Parameters: [worker]" },
		{ "/tlslb/backends", tele_backends,
		  "tlslb backends: state, flows, handshakes. Parameters: [VIP:PORT]" },
		{ "/tlslb/services", tele_services, "tlslb services and their settings" },
	};
	int rc = 0;

	pthread_mutex_lock(&tele_lock);
	tele_view = v;
	if (!tele_registered) {
		for (size_t i = 0; i < RTE_DIM(cmds) && rc == 0; i++)
			rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		tele_registered = rc == 0;
	}
	pthread_mutex_unlock(&tele_lock);
	return rc < 0 ? rc : 0;
}

void dp_telemetry_unregister(struct dp_view *v)
{
	pthread_mutex_lock(&tele_lock);
	if (tele_view == v)
		tele_view = NULL;
	pthread_mutex_unlock(&tele_lock);
}

int dp_telemetry_pdump_init(void)
{
	return rte_pdump_init() == 0 ? 0 : -(rte_errno ? rte_errno : EIO);
}

void dp_telemetry_pdump_fini(void)
{
	(void)rte_pdump_uninit();
}
