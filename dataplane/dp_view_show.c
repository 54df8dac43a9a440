/* SPDX-License-Identifier: BSD-3-Clause */
/* The query handlers: `show ...`, `clear counters`, `set log level`. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>
#include <rte_version.h>

#include "cp_ctl.h"
#include "cp_queries.h"
#include "dp_internal.h"
#include "dp_learn.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_tls.h"
#include "dp_view.h"

static struct dp_stats *stats_alloc(struct cp_err *e)
{
	struct dp_stats *st = malloc(sizeof(*st));

	if (st == NULL)
		cp_errf(e, ENOMEM, "out of memory");
	return st;
}

static bool svc_filter(struct dp_view *v, const struct cp_args *a, unsigned idx, int *svc,
		       struct cp_err *e)
{
	const struct cp_value *val = &a->v[idx];
	unsigned i;

	*svc = -1;
	if (!a->set[idx])
		return true;
	for (i = 0; i < dp_view_n_services(v); i++) {
		const struct cp_service *s = dp_view_service(v, i);

		if (s->port == val->port && s->vip.family == val->ip.family &&
		    s->vip.v4 == val->ip.v4) {
			*svc = (int)i;
			return true;
		}
	}
	cp_errf(e, ENOENT, "no such service");
	return false;
}

static int show_services(void *ctx, const struct cp_config *running, const struct cp_args *a,
			 struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = {
		"service", "mode", "nat", "sched", "backends", "active_flows", "session_lifetime",
		"hello_timeout", "keyname_len", "server_id_len", "psk_server_id", "health",
	};
	struct dp_view *v = ctx;
	struct dp_stats *st;
	unsigned i, k;
	char label[64];

	(void)a;
	dp_view_refresh(v, running);
	st = stats_alloc(e);
	if (st == NULL)
		return -ENOMEM;
	dp_view_stats(v, -1, st);
	cp_reply_table(out, "services", RTE_DIM(cols), cols);
	for (i = 0; i < dp_view_n_services(v); i++) {
		const struct cp_service *s = dp_view_service(v, i);
		uint64_t active = 0;
		unsigned nb = 0;

		for (k = 0; k < dp_view_n_backends(v); k++) {
			if (dp_view_backend(v, k)->service != i)
				continue;
			nb++;
			active += st->backend[dp_view_backend_slot(v, k)].active_flows;
		}
		dp_view_service_label(v, i, label, sizeof(label));
		cp_reply_str(out, label);
		cp_reply_str(out, dp_view_mode_name(s->mode));
		cp_reply_str(out, dp_view_nat_name(s->nat));
		cp_reply_str(out, dp_view_sched_name(s->sched));
		cp_reply_u64(out, nb);
		cp_reply_u64(out, active);
		cp_reply_u64(out, s->session_lifetime);
		cp_reply_u64(out, s->hello_timeout);
		cp_reply_u64(out, s->keyname_len);
		cp_reply_u64(out, s->server_id_len);
		cp_reply_bool(out, s->psk_server_id);
		if (s->health.enabled)
			cp_reply_strf(out, "%u/%u/%u/%u", s->health.interval_ms,
				      s->health.timeout_ms, s->health.rise, s->health.fall);
		else
			cp_reply_str(out, "off");
	}
	free(st);
	return 0;
}

static int show_backends(void *ctx, const struct cp_config *running, const struct cp_args *a,
			 struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = {
		"service", "backend", "address", "admin", "health", "weight", "active_flows",
		"new_flows", "packets", "bytes", "full", "resumed_session_id", "resumed_ticket",
		"resumed_psk", "resumption_rate",
	};
	struct dp_view *v = ctx;
	struct dp_stats *st;
	int want;
	unsigned i;
	char buf[64];

	dp_view_refresh(v, running);
	if (!svc_filter(v, a, ARG_Q_SERVICE, &want, e))
		return -ENOENT;
	st = stats_alloc(e);
	if (st == NULL)
		return -ENOMEM;
	dp_view_stats(v, -1, st);
	cp_reply_table(out, "backends", RTE_DIM(cols), cols);
	for (i = 0; i < dp_view_n_backends(v); i++) {
		const struct cp_backend *b = dp_view_backend(v, i);
		unsigned slot = dp_view_backend_slot(v, i);
		const struct dp_backend_stats *bs = &st->backend[slot];
		struct dp_view_handshakes h;

		if (want >= 0 && b->service != (unsigned)want)
			continue;
		dp_view_handshakes(st, slot, &h);
		dp_view_service_label(v, b->service, buf, sizeof(buf));
		cp_reply_str(out, buf);
		dp_view_backend_label(v, i, buf, sizeof(buf));
		cp_reply_str(out, buf);
		dp_view_backend_addr(v, i, buf, sizeof(buf));
		cp_reply_str(out, buf);
		cp_reply_str(out, dp_view_admin_name(b->admin));
		cp_reply_str(out, dp_view_health(v, i));
		cp_reply_u64(out, b->weight);
		cp_reply_u64(out, bs->active_flows);
		cp_reply_u64(out, bs->new_flows);
		cp_reply_u64(out, bs->packets);
		cp_reply_u64(out, bs->bytes);
		cp_reply_u64(out, h.full);
		cp_reply_u64(out, h.resumed_sid);
		cp_reply_u64(out, h.resumed_ticket);
		cp_reply_u64(out, h.resumed_psk);
		if (h.rate < 0)
			cp_reply_str(out, "-");
		else
			cp_reply_double(out, h.rate, 3);
	}
	free(st);
	return 0;
}

/* --- show stats --- */

struct stats_walk {
	struct cp_reply *out;
	unsigned n_cols;                    /* value columns */
	const struct dp_stats *cols[CP_REPLY_COLS_MAX];
};

static void stats_row(void *ctx, const struct dp_view_sample *s)
{
	struct stats_walk *sw = ctx;
	char labels[160] = "";
	size_t used = 0;
	unsigned i;

	/* versions, not a count: `show version` has them */
	if (strcmp(s->fam->name, "tlslb_build_info") == 0)
		return;
	for (i = 0; i < DP_VIEW_LABELS_MAX && s->fam->labels[i]; i++) {
		int n = snprintf(labels + used, sizeof(labels) - used, "%s%s=%s", i ? "," : "",
				 s->fam->labels[i], s->label[i] ? s->label[i] : "");

		if (n < 0 || (size_t)n >= sizeof(labels) - used)
			break;
		used += (size_t)n;
	}
	/* "tlslb_" is the same on every row */
	cp_reply_str(sw->out, strncmp(s->fam->name, "tlslb_", 6) ? s->fam->name : s->fam->name + 6);
	cp_reply_str(sw->out, used ? labels : "-");
	cp_reply_u64(sw->out, s->value);
	for (i = 1; i < sw->n_cols; i++) {
		if (s->off < 0)
			cp_reply_str(sw->out, "-");
		else
			cp_reply_u64(sw->out, dp_view_sample_value(s, sw->cols[i]));
	}
}

static int show_stats(void *ctx, const struct cp_config *running, const struct cp_args *a,
		      struct cp_reply *out, struct cp_err *e)
{
	struct dp_view *v = ctx;
	struct stats_walk sw = { .out = out, .n_cols = 1 };
	struct dp_stats *st;
	const char *cols[CP_REPLY_COLS_MAX] = { "counter", "labels", "total" };
	char names[CP_REPLY_COLS_MAX][24];
	unsigned i, n_workers = dp_view_n_workers(v);
	dp_view_refresh(v, running);
	if (a->set[ARG_Q_STATS_LCORE]) {
		/* a column per worker, as many as a table holds */
		sw.n_cols = 1 + RTE_MIN(n_workers, (unsigned)CP_REPLY_COLS_MAX - 3);
	}
	st = calloc(sw.n_cols, sizeof(*st));
	if (st == NULL)
		return cp_errf(e, ENOMEM, "out of memory");
	dp_view_stats(v, -1, &st[0]);
	sw.cols[0] = &st[0];
	for (i = 1; i < sw.n_cols; i++) {
		snprintf(names[i], sizeof(names[i]), "worker%u", i - 1);
		cols[2 + i] = names[i];
		dp_view_stats(v, (int)i - 1, &st[i]);
		sw.cols[i] = &st[i];
	}
	cp_reply_table(out, "stats", 2 + sw.n_cols, cols);
	dp_view_walk(v, &st[0],
		     1u << DP_VIEW_SCOPE_GLOBAL | 1u << DP_VIEW_SCOPE_SERVICE |
			     1u << DP_VIEW_SCOPE_BACKEND,
		     NULL, stats_row, &sw);
	if (a->set[ARG_Q_STATS_LCORE] && sw.n_cols - 1 < n_workers)
		cp_reply_textf(out, "note", "%u workers; the first %u shown\n", n_workers,
			       sw.n_cols - 1);
	free(st);
	return 0;
}

/* --- show flows --- */

static const char *flow_state_name(uint8_t state)
{
	static const char *const names[] = {
		[DP_FLOW_FREE] = "free",         [DP_FLOW_SYN] = "syn",
		[DP_FLOW_SYN_ACK] = "syn_ack",   [DP_FLOW_ESTABLISHED] = "established",
		[DP_FLOW_CLOSING] = "closing",   [DP_FLOW_RESET] = "reset",
		[DP_FLOW_DEAD] = "dead",
	};

	return state < RTE_DIM(names) ? names[state] : "?";
}

static const char *hs_phase_name(uint8_t phase)
{
	static const char *const names[] = {
		[DP_HS_FREE] = "spliced", [DP_HS_HELLO] = "hello",
		[DP_HS_BINDING] = "binding", [DP_HS_SCAN] = "scan",
	};

	return phase < RTE_DIM(names) ? names[phase] : "?";
}

/* What a flow record says, read once (the record may change under us). */
struct flow_row {
	struct dp_flow f;
	int backend; /* configuration index, -1: not bound yet */
	int svc;     /* -1: unknown */
	const char *phase;
};

static bool flow_read(struct dp_view *v, struct dp_shared *sh, uint32_t rec, struct flow_row *r)
{
	const struct dp_flow *f = &sh->flows.recs[rec];
	uint8_t state = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);

	if (state == DP_FLOW_FREE || state == DP_FLOW_DEAD)
		return false;
	r->f = *f;
	r->f.state = state;
	r->phase = "-";
	r->backend = dp_view_backend_of_slot(v, r->f.backend);
	if (r->f.flags & DP_FLOW_F_TLS) {
		const struct dp_splice *sp = &sh->flows.recs[rec].splice;
		const struct dp_tls_shared *tls = __atomic_load_n(&sh->tls, __ATOMIC_ACQUIRE);
		uint16_t hs = __atomic_load_n(&sp->hs, __ATOMIC_RELAXED);

		if (!(__atomic_load_n(&sp->flags, __ATOMIC_RELAXED) & DP_SPLICE_F_BOUND))
			r->backend = -1;
		if (hs == 0 || tls == NULL || hs > DP_TLS_HS_MAX) {
			r->phase = "spliced";
			r->svc = -1;
		} else {
			/* a snapshot of a context another lcore owns: good enough to show */
			r->phase = hs_phase_name(__atomic_load_n(&tls->hs[hs - 1].phase,
								 __ATOMIC_RELAXED));
			r->svc = dp_view_service_of_slot(v, tls->hs[hs - 1].svc);
		}
	}
	if (r->backend >= 0)
		r->svc = dp_view_backend(v, (unsigned)r->backend)->service;
	else if (!(r->f.flags & DP_FLOW_F_TLS))
		r->svc = -1;
	return true;
}

static int show_flows(void *ctx, const struct cp_config *running, const struct cp_args *a,
		      struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = {
		"client", "service", "backend", "address", "state", "tls", "idle_ms",
	};
	struct dp_view *v = ctx;
	struct dp_shared *sh;
	const struct cp_value *bk = &a->v[ARG_Q_FLOWS_BACKEND];
	const struct cp_value *cl = &a->v[ARG_Q_FLOWS_CLIENT];
	uint32_t limit = CP_Q_FLOWS_LIMIT_DEFAULT, rec, now_ms;
	uint64_t matched = 0, shown = 0;
	int want_svc;
	char buf[64], ip[INET_ADDRSTRLEN];

	dp_view_refresh(v, running);
	sh = dp_view_shared(v);
	if (!svc_filter(v, a, ARG_Q_FLOWS_SERVICE, &want_svc, e))
		return -ENOENT;
	if (a->set[ARG_Q_FLOWS_LIMIT]) {
		if (a->v[ARG_Q_FLOWS_LIMIT].u > CP_Q_FLOWS_LIMIT_MAX) {
			return cp_errf(e, ERANGE, "limit above %u", CP_Q_FLOWS_LIMIT_MAX);
		}
		limit = a->v[ARG_Q_FLOWS_LIMIT].u;
	}
	now_ms = (uint32_t)(rte_rdtsc() / sh->tsc_per_ms);
	cp_reply_table(out, "flows", RTE_DIM(cols), cols);
	for (rec = 0; rec < sh->flows.n_recs; rec++) {
		struct flow_row r;

		if (!flow_read(v, sh, rec, &r))
			continue;
		if (want_svc >= 0 && r.svc != want_svc)
			continue;
		if (a->set[ARG_Q_FLOWS_CLIENT] && dp_flow_client_ip(&r.f) != cl->ip.v4)
			continue;
		if (a->set[ARG_Q_FLOWS_BACKEND]) {
			const struct cp_backend *b;

			if (r.backend < 0)
				continue;
			b = dp_view_backend(v, (unsigned)r.backend);
			if (b->port != bk->port || b->ip.v4 != bk->ip.v4)
				continue;
		}
		matched++;
		if (shown >= limit)
			continue;
		shown++;
		inet_ntop(AF_INET, &r.f.key[0].src, ip, sizeof(ip));
		cp_reply_strf(out, "%s:%u", ip, rte_be_to_cpu_16(dp_flow_client_port(&r.f)));
		if (r.svc >= 0) {
			dp_view_service_label(v, (unsigned)r.svc, buf, sizeof(buf));
			cp_reply_str(out, buf);
		} else {
			cp_reply_str(out, "-");
		}
		if (r.backend >= 0) {
			dp_view_backend_label(v, (unsigned)r.backend, buf, sizeof(buf));
			cp_reply_str(out, buf);
			dp_view_backend_addr(v, (unsigned)r.backend, buf, sizeof(buf));
			cp_reply_str(out, buf);
		} else {
			cp_reply_str(out, "-");
			cp_reply_str(out, "-");
		}
		cp_reply_str(out, flow_state_name(r.f.state));
		cp_reply_str(out, r.phase);
		cp_reply_u64(out, (uint32_t)(now_ms - r.f.last_seen));
	}
	if (matched > shown)
		cp_reply_textf(out, "more",
			       "%" PRIu64 " more flows matched beyond the limit of %u\n",
			       matched - shown, limit);
	return 0;
}

/* --- show sessions, show keynames --- */

static int show_learned(struct dp_view *v, const struct cp_config *running,
			const struct cp_args *a, struct cp_reply *out, struct cp_err *e,
			enum dp_learn_table table)
{
	static const char *const cols[] = {
		"service", "entries", "capacity", "added", "refreshed", "kept_control", "full",
		"expired", "evicted", "removed",
	};
	static const char *const ecols[] = { "service", "key", "backend", "source", "expires_in" };
	struct dp_shared *sh;
	uint32_t want_entries = 0, shown = 0, now;
	uint64_t total = 0;
	int want;
	unsigned i, c;
	char label[64];

	dp_view_refresh(v, running);
	sh = dp_view_shared(v);
	if (!svc_filter(v, a, ARG_Q_TABLE_SERVICE, &want, e))
		return -ENOENT;
	if (a->set[ARG_Q_TABLE_ENTRIES]) {
		if (a->v[ARG_Q_TABLE_ENTRIES].u > CP_Q_ENTRIES_MAX) {
			return cp_errf(e, ERANGE, "entries above %u", CP_Q_ENTRIES_MAX);
		}
		want_entries = a->v[ARG_Q_TABLE_ENTRIES].u;
	}
	cp_reply_table(out, table == DP_LEARN_SESSION ? "sessions" : "keynames", RTE_DIM(cols),
		       cols);
	for (i = 0; i < dp_view_n_services(v); i++) {
		struct dp_learn *l = dp_view_learn(v, i);
		struct dp_learn_stats ls;
		const uint64_t *cv = (const uint64_t *)&ls.t[table];

		if (l == NULL || (want >= 0 && (unsigned)want != i))
			continue;
		dp_view_learn_stats(v, i, &ls);
		dp_view_service_label(v, i, label, sizeof(label));
		cp_reply_str(out, label);
		cp_reply_u64(out, dp_learn_count(l, table));
		cp_reply_u64(out, dp_learn_capacity(l, table));
		for (c = 0; c < RTE_DIM(dp_learn_counter_names); c++)
			cp_reply_u64(out, cv[c]);
	}
	if (!a->set[ARG_Q_TABLE_ENTRIES])
		return 0;
	now = (uint32_t)(rte_rdtsc() / sh->tsc_per_ms / 1000);
	cp_reply_table(out, "entries", RTE_DIM(ecols), ecols);
	for (i = 0; i < dp_view_n_services(v); i++) {
		struct dp_learn *l = dp_view_learn(v, i);
		struct dp_learn_entry en;
		uint32_t next = 0;

		if (l == NULL || (want >= 0 && (unsigned)want != i))
			continue;
		dp_view_service_label(v, i, label, sizeof(label));
		while (dp_learn_iterate(l, table, now, &next, &en) == 0) {
			char hex[2 * DP_LEARN_KEY_MAX + 1];
			int bi = dp_view_backend_of_slot(v, en.backend);

			total++;
			if (shown >= want_entries)
				continue;
			shown++;
			for (c = 0; c < en.len; c++)
				snprintf(hex + 2 * c, 3, "%02x", en.key[c]);
			hex[2 * en.len] = '\0';
			cp_reply_str(out, label);
			cp_reply_str(out, hex);
			if (bi >= 0) {
				char bname[64];

				dp_view_backend_label(v, (unsigned)bi, bname, sizeof(bname));
				cp_reply_str(out, bname);
			} else {
				cp_reply_strf(out, "slot%u", en.backend);
			}
			cp_reply_str(out, en.source == DP_LEARN_SRC_CONTROL ? "control" : "learned");
			if (en.source == DP_LEARN_SRC_CONTROL)
				cp_reply_str(out, "-");
			else
				cp_reply_u64(out, en.expires_in);
		}
	}
	if (total > shown)
		cp_reply_textf(out, "more", "%" PRIu64 " more entries beyond the %u shown\n",
			       total - shown, want_entries);
	return 0;
}

static int show_sessions(void *ctx, const struct cp_config *running, const struct cp_args *a,
			 struct cp_reply *out, struct cp_err *e)
{
	return show_learned(ctx, running, a, out, e, DP_LEARN_SESSION);
}

static int show_keynames(void *ctx, const struct cp_config *running, const struct cp_args *a,
			 struct cp_reply *out, struct cp_err *e)
{
	return show_learned(ctx, running, a, out, e, DP_LEARN_KEY_NAME);
}

/* --- show neighbours --- */

static int show_neighbours(void *ctx, const struct cp_config *running, const struct cp_args *a,
			   struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = { "address", "mac", "port", "state", "age_ms" };
	struct dp_view *v = ctx;
	struct dp_shared *sh;
	const struct dp_neigh_table *t;
	uint64_t now_ms;
	uint32_t i, used;
	char ip[INET_ADDRSTRLEN];

	(void)a;
	(void)e;
	dp_view_refresh(v, running);
	sh = dp_view_shared(v);
	t = &sh->neigh;
	now_ms = rte_rdtsc() / sh->tsc_per_ms;
	used = __atomic_load_n(&t->used, __ATOMIC_ACQUIRE);
	cp_reply_table(out, "neighbours", RTE_DIM(cols), cols);
	for (i = 0; i < used && i < t->cap; i++) {
		const struct dp_neigh *n = &t->slots[i];
		uint64_t hw = __atomic_load_n(&n->hw, __ATOMIC_RELAXED);
		uint64_t seen = __atomic_load_n(&n->confirmed_ms, __ATOMIC_RELAXED);
		struct rte_ether_addr mac;
		enum dp_neigh_state s = dp_neigh_resolve(t, i, now_ms, &mac);
		const char *port = n->port < running->n_ports ? running->ports[n->port].name : "?";

		(void)hw;
		inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
		cp_reply_str(out, ip);
		if (s == DP_NEIGH_UNRESOLVED)
			cp_reply_str(out, "-");
		else
			cp_reply_strf(out, "%02x:%02x:%02x:%02x:%02x:%02x",
				      RTE_ETHER_ADDR_BYTES(&mac));
		cp_reply_str(out, port);
		cp_reply_str(out, n->is_static ? "static"
				  : s == DP_NEIGH_OK ? "reachable"
				  : s == DP_NEIGH_REFRESH ? "stale"
							  : "incomplete");
		if (n->is_static || s == DP_NEIGH_UNRESOLVED)
			cp_reply_str(out, "-");
		else
			cp_reply_u64(out, now_ms - seen);
	}
	return 0;
}

/* --- show version, show metrics, clear counters, set log level --- */

static int show_version(void *ctx, const struct cp_config *running, const struct cp_args *a,
			struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = { "component", "version" };

	(void)ctx;
	(void)running;
	(void)a;
	(void)e;
	cp_reply_table(out, "version", RTE_DIM(cols), cols);
	cp_reply_str(out, "tlslb");
	cp_reply_str(out, dp_view_version());
	cp_reply_str(out, "dpdk");
	cp_reply_str(out, rte_version());
	cp_reply_str(out, "openssl");
	cp_reply_str(out, OpenSSL_version(OPENSSL_VERSION));
	return 0;
}

static int show_metrics(void *ctx, const struct cp_config *running, const struct cp_args *a,
			struct cp_reply *out, struct cp_err *e)
{
	struct dp_view *v = ctx;
	char *text;
	size_t len;
	int rc;

	(void)a;
	dp_view_refresh(v, running);
	rc = dp_metrics_render(v, &text, &len);
	if (rc < 0)
		return cp_errf(e, -rc, "cannot render the metrics: %s", strerror(-rc));
	cp_reply_textf(out, "metrics", "%s", text);
	free(text);
	return 0;
}

static int clear_counters(void *ctx, const struct cp_config *running, const struct cp_args *a,
			  struct cp_reply *out, struct cp_err *e)
{
	struct dp_view *v = ctx;

	(void)running;
	(void)a;
	(void)out;
	(void)e;
	dp_view_clear(v);
	DP_LOG(NOTICE, "counters cleared");
	return 0;
}

static int set_log_level(void *ctx, const struct cp_config *running, const struct cp_args *a,
			 struct cp_reply *out, struct cp_err *e)
{
	unsigned idx = a->v[ARG_Q_LOG_LEVEL].u;

	(void)ctx;
	(void)running;
	(void)out;
	/* syslog priorities 0..7; DPDK counts from 1 */
	if (!a->set[ARG_Q_LOG_LEVEL] || idx > RTE_LOG_DEBUG - RTE_LOG_EMERG ||
	    dp_log_set_level(idx + RTE_LOG_EMERG) < 0)
		return cp_errf(e, EINVAL, "no such log level");
	DP_LOG(NOTICE, "log level %s", cp_log_level_words[idx]);
	return 0;
}

void dp_view_hooks(struct dp_view *v, struct cp_ctl_ops *ops)
{
	static cp_query_fn *const fns[CP_Q__COUNT] = {
		[CP_Q_SHOW_SERVICES] = show_services,
		[CP_Q_SHOW_BACKENDS] = show_backends,
		[CP_Q_SHOW_STATS] = show_stats,
		[CP_Q_SHOW_FLOWS] = show_flows,
		[CP_Q_SHOW_SESSIONS] = show_sessions,
		[CP_Q_SHOW_KEYNAMES] = show_keynames,
		[CP_Q_SHOW_NEIGHBOURS] = show_neighbours,
		[CP_Q_SHOW_VERSION] = show_version,
		[CP_Q_SHOW_METRICS] = show_metrics,
		[CP_Q_CLEAR_COUNTERS] = clear_counters,
		[CP_Q_SET_LOG_LEVEL] = set_log_level,
	};
	unsigned q;

	for (q = 0; q < CP_Q__COUNT; q++)
		if (fns[q] != NULL) {
			ops->query[q].fn = fns[q];
			ops->query[q].ctx = v;
		}
}
