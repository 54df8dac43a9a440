/* SPDX-License-Identifier: BSD-3-Clause */
/* The view's core: its copy of the labels, the baselines of `clear counters`,
 * and the one list of counters and gauges every output prints. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>
#include <rte_version.h>

#include "dp_internal.h"
#include "dp_learn.h"
#include "dp_log.h"
#include "dp_metrics_http.h"
#include "dp_telemetry.h"
#include "dp_tls.h"
#include "dp_view.h"

/* Health checks come with dp_health (a branch of their own): show what they
 * publish when they are built in, "-" otherwise. */
#if defined(__has_include)
#if __has_include("dp_health.h")
#define DP_VIEW_HAVE_HEALTH 1
#endif
#endif

#ifndef TLSLB_VERSION
#define TLSLB_VERSION "unknown"
#endif

/* Who a backend slot belongs to, to notice a slot handed to another backend. */
struct slot_owner {
	struct cp_ip svc_ip, ip;
	uint16_t svc_port, port;
	bool used;
};

struct dp_view {
	struct dp_shared *sh;
	pthread_mutex_t lock;
	struct cp_config *cfg;       /* labels and settings, as last applied */
	/* backend configuration index <-> counter slot, rebuilt by every refresh */
	int16_t slot_of[CP_MAX_BACKENDS];
	int16_t index_of_slot[CP_MAX_BACKENDS];
	int16_t service_of_slot[CP_MAX_SERVICES];
	int16_t svc_slot[CP_MAX_SERVICES]; /* service configuration index -> slot */
	struct slot_owner owner[CP_MAX_BACKENDS];
	struct dp_metrics_http *metrics; /* NULL: no listener */
	bool cleared;
	struct dp_stats *base;       /* sum over workers at the last clear */
	struct dp_stats *base_lcore; /* per worker, n_workers of them */
	struct dp_learn_stats base_learn[CP_MAX_SERVICES];
};

const char *dp_view_version(void)
{
	return TLSLB_VERSION;
}

/* The one place that knows where a backend's counters live. */
static int slot_lookup(const struct dp_view *v, unsigned cfg_index)
{
	return dp_shared_backend_slot(v->sh, cfg_index);
}

/* Likewise for a service's learned tables. */
static int service_slot_lookup(const struct dp_view *v, unsigned cfg_index)
{
	return dp_shared_service_slot(v->sh, cfg_index);
}

static const struct dp_stats *worker_stats(const struct dp_view *v, unsigned i);

static bool same_owner(const struct slot_owner *a, const struct slot_owner *b)
{
	return a->used == b->used && a->svc_port == b->svc_port && a->port == b->port &&
	       memcmp(&a->svc_ip, &b->svc_ip, sizeof(a->svc_ip)) == 0 &&
	       memcmp(&a->ip, &b->ip, sizeof(a->ip)) == 0;
}

/* A slot that changed hands reads from zero in dp_stats_sum(): its baseline
 * must restart there too, or a cleared view would subtract the old owner's
 * counts from the new one's. */
static void rebase_slot(struct dp_view *v, unsigned slot)
{
	memset(&v->base->backend[slot], 0, sizeof(v->base->backend[slot]));
	memset(&v->base->verdict[slot], 0, sizeof(v->base->verdict[slot]));
#ifdef DP_VIEW_HAVE_HEALTH
	memset(&v->base->health[slot], 0, sizeof(v->base->health[slot]));
#endif
	for (unsigned w = 0; w < v->sh->n_workers; w++) {
		const struct dp_stats *st = worker_stats(v, w);

		if (st == NULL)
			continue;
		v->base_lcore[w].backend[slot] = st->backend[slot];
		v->base_lcore[w].verdict[slot] = st->verdict[slot];
#ifdef DP_VIEW_HAVE_HEALTH
		v->base_lcore[w].health[slot] = st->health[slot];
#endif
	}
}

static void map_slots(struct dp_view *v)
{
	unsigned i;
	struct slot_owner *prev = malloc(sizeof(v->owner));

	if (prev != NULL)
		memcpy(prev, v->owner, sizeof(v->owner));
	memset(v->owner, 0, sizeof(v->owner));

	for (i = 0; i < CP_MAX_BACKENDS; i++)
		v->slot_of[i] = v->index_of_slot[i] = -1;
	for (i = 0; i < CP_MAX_SERVICES; i++)
		v->service_of_slot[i] = v->svc_slot[i] = -1;
	for (i = 0; i < v->cfg->n_services; i++) {
		int slot = service_slot_lookup(v, i);

		if (slot < 0 || slot >= CP_MAX_SERVICES)
			continue;
		v->service_of_slot[slot] = (int16_t)i;
		v->svc_slot[i] = (int16_t)slot;
	}
	for (i = 0; i < v->cfg->n_backends; i++) {
		int slot = slot_lookup(v, i);

		if (slot < 0 || slot >= CP_MAX_BACKENDS)
			continue;
		v->slot_of[i] = (int16_t)slot;
		v->index_of_slot[slot] = (int16_t)i;
		v->owner[slot] = (struct slot_owner){
			.svc_ip = v->cfg->services[v->cfg->backends[i].service].vip,
			.svc_port = v->cfg->services[v->cfg->backends[i].service].port,
			.ip = v->cfg->backends[i].ip,
			.port = v->cfg->backends[i].port,
			.used = true,
		};
	}
	if (prev != NULL && v->cleared)
		for (i = 0; i < CP_MAX_BACKENDS; i++)
			if (v->owner[i].used && !same_owner(&prev[i], &v->owner[i]))
				rebase_slot(v, i);
	free(prev);
}

/* DPDK's tools, once per process. */
static void dpdk_tools(struct dp_view *v)
{
	static bool pdump_done;
	int rc;

	rc = dp_telemetry_register(v);
	if (rc < 0)
		DP_LOG(WARNING, "telemetry commands not registered: %s", strerror(-rc));
	if (!pdump_done) {
		pdump_done = true;
		rc = dp_telemetry_pdump_init();
		if (rc < 0)
			DP_LOG(NOTICE, "packet capture (dpdk-dumpcap) unavailable: %s",
			       strerror(-rc));
	}
}

struct dp_view *dp_view_create(struct dp_shared *sh, const char *metrics_listen, char *err,
			       size_t err_len)
{
	struct dp_view *v;
	int e = ENOMEM;

	if (sh == NULL) {
		snprintf(err, err_len, "no dataplane to view");
		errno = EINVAL;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		goto fail;
	pthread_mutex_init(&v->lock, NULL);
	v->sh = sh;
	v->cfg = malloc(sizeof(*v->cfg));
	v->base = calloc(1, sizeof(*v->base));
	v->base_lcore = calloc(sh->n_workers, sizeof(*v->base_lcore));
	if (v->cfg == NULL || v->base == NULL || v->base_lcore == NULL)
		goto fail;
	*v->cfg = sh->cfg; /* what the dataplane was created from */
	map_slots(v);
	if (metrics_listen != NULL) {
		v->metrics = dp_metrics_http_create(v, metrics_listen, err, err_len);
		if (v->metrics == NULL) {
			e = errno;
			goto fail_quiet;
		}
		DP_LOG(NOTICE, "metrics on port %u (http://%s/metrics)",
		       dp_metrics_http_port(v->metrics), metrics_listen);
	}
	dpdk_tools(v);
	return v;
fail:
	snprintf(err, err_len, "out of memory");
fail_quiet:
	dp_view_free(v);
	errno = e;
	return NULL;
}

void dp_view_free(struct dp_view *v)
{
	if (v == NULL)
		return;
	dp_telemetry_unregister(v);
	dp_metrics_http_free(v->metrics);
	pthread_mutex_destroy(&v->lock);
	free(v->base_lcore);
	free(v->base);
	free(v->cfg);
	free(v);
}

void dp_view_poll(struct dp_view *v)
{
	if (v->metrics != NULL)
		(void)dp_metrics_http_poll(v->metrics, 0);
}

uint16_t dp_view_metrics_port(const struct dp_view *v)
{
	return v->metrics != NULL ? dp_metrics_http_port(v->metrics) : 0;
}

void dp_view_lock(struct dp_view *v)
{
	pthread_mutex_lock(&v->lock);
}

void dp_view_unlock(struct dp_view *v)
{
	pthread_mutex_unlock(&v->lock);
}

void dp_view_refresh(struct dp_view *v, const struct cp_config *running)
{
	if (running == v->cfg)
		return;
	pthread_mutex_lock(&v->lock);
	*v->cfg = *running;
	map_slots(v);
	pthread_mutex_unlock(&v->lock);
}

struct dp_shared *dp_view_shared(const struct dp_view *v)
{
	return v->sh;
}

unsigned dp_view_n_workers(const struct dp_view *v)
{
	return v->sh->n_workers;
}

/* A worker's counters, or NULL once it is gone. */
static const struct dp_stats *worker_stats(const struct dp_view *v, unsigned i)
{
	const struct dp_worker *w = __atomic_load_n(&v->sh->workers[i], __ATOMIC_ACQUIRE);

	return w != NULL ? dp_worker_stats(w) : NULL;
}

static void copy_counters(struct dp_stats *to, const struct dp_stats *from)
{
	uint64_t *t = (uint64_t *)to;
	const uint64_t *f = (const uint64_t *)from;

	for (size_t i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
		t[i] = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
}

void dp_view_clear(struct dp_view *v)
{
	/* sized like dp_stats: far too big for the stack */
	struct dp_stats *now = malloc(sizeof(*now));
	unsigned i;

	if (now == NULL)
		return;
	dp_stats_sum(v->sh, now);
	pthread_mutex_lock(&v->lock);
	*v->base = *now;
	for (i = 0; i < v->sh->n_workers; i++) {
		const struct dp_stats *st = worker_stats(v, i);

		if (st != NULL)
			copy_counters(&v->base_lcore[i], st);
	}
	/* by service slot, like the tables, so the baseline follows them */
	memset(v->base_learn, 0, sizeof(v->base_learn));
	for (i = 0; i < v->cfg->n_services; i++) {
		struct dp_learn *l = dp_view_learn(v, i);

		if (l != NULL)
			dp_learn_stats_sum(l, &v->base_learn[v->svc_slot[i]]);
	}
	v->cleared = true;
	pthread_mutex_unlock(&v->lock);
	free(now);
}

/* @st -= @base, except the gauges, which the baseline must not touch. */
static void subtract(struct dp_stats *st, const struct dp_stats *base)
{
	uint64_t *s = (uint64_t *)st;
	const uint64_t *b = (const uint64_t *)base;
	unsigned i;

	for (size_t k = 0; k < sizeof(*st) / sizeof(uint64_t); k++)
		s[k] -= b[k];
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		st->backend[i].active_flows += base->backend[i].active_flows;
}

int dp_view_stats(struct dp_view *v, int worker, struct dp_stats *out)
{
	if (worker < 0) {
		dp_stats_sum(v->sh, out);
		if (v->cleared)
			subtract(out, v->base);
		return 0;
	}
	if ((unsigned)worker >= v->sh->n_workers)
		return -ENOENT;
	{
		const struct dp_stats *st = worker_stats(v, (unsigned)worker);

		if (st == NULL) {
			memset(out, 0, sizeof(*out));
			return 0;
		}
		copy_counters(out, st);
	}
	if (v->cleared)
		subtract(out, &v->base_lcore[worker]);
	return 0;
}

/* --- services and backends: the one place that knows how they are stored --- */

unsigned dp_view_n_services(const struct dp_view *v)
{
	return v->cfg->n_services;
}

const struct cp_service *dp_view_service(const struct dp_view *v, unsigned svc)
{
	return &v->cfg->services[svc];
}

unsigned dp_view_n_backends(const struct dp_view *v)
{
	return v->cfg->n_backends;
}

const struct cp_backend *dp_view_backend(const struct dp_view *v, unsigned i)
{
	return &v->cfg->backends[i];
}

unsigned dp_view_backend_slot(const struct dp_view *v, unsigned i)
{
	/* a backend without a slot reads slot 0's counters never: callers only
	 * pass configured backends, which all have one */
	return v->slot_of[i] >= 0 ? (unsigned)v->slot_of[i] : 0;
}

int dp_view_backend_of_slot(const struct dp_view *v, unsigned slot)
{
	return slot < CP_MAX_BACKENDS ? v->index_of_slot[slot] : -1;
}

int dp_view_service_of_slot(const struct dp_view *v, unsigned slot)
{
	return slot < CP_MAX_SERVICES ? v->service_of_slot[slot] : -1;
}

const char *dp_view_health(const struct dp_view *v, unsigned i)
{
#ifdef DP_VIEW_HAVE_HEALTH
	const struct cp_backend *b = dp_view_backend(v, i);
	const struct cp_service *s = dp_view_service(v, b->service);
	unsigned slot = dp_view_backend_slot(v, i);

	if (!s->health.enabled || b->admin == CP_ADMIN_DISABLED)
		return "unknown";
	return __atomic_load_n(&v->sh->bk_down[slot], __ATOMIC_RELAXED) ? "down" : "up";
#else
	(void)v;
	(void)i;
	return "-";
#endif
}

struct dp_learn *dp_view_learn(const struct dp_view *v, unsigned svc)
{
	/* the map of the last refresh: what the telemetry thread may read
	 * (tables of services deleted since are freed only after it) */
	int slot = svc < v->cfg->n_services ? v->svc_slot[svc] : -1;
	/* the tls state may appear at runtime (published with a release store) */
	struct dp_tls_shared *tls = __atomic_load_n(&v->sh->tls, __ATOMIC_ACQUIRE);

	if (tls == NULL || slot < 0 || slot >= CP_MAX_SERVICES)
		return NULL;
	return __atomic_load_n(&tls->learn[slot], __ATOMIC_ACQUIRE);
}

bool dp_view_learn_stats(struct dp_view *v, unsigned svc, void *out)
{
	struct dp_learn_stats *st = out;
	struct dp_learn *l = dp_view_learn(v, svc);
	uint64_t *o = (uint64_t *)st;
	const uint64_t *b;

	memset(st, 0, sizeof(*st));
	if (l == NULL)
		return false;
	b = (const uint64_t *)&v->base_learn[v->svc_slot[svc]];
	dp_learn_stats_sum(l, st);
	if (v->cleared)
		for (size_t k = 0; k < sizeof(*st) / sizeof(uint64_t); k++)
			o[k] -= b[k];
	return true;
}

static void ip_port(const struct cp_ip *ip, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ip->family == AF_INET)
		inet_ntop(AF_INET, &ip->v4, a, sizeof(a));
	else if (ip->family == AF_INET6)
		inet_ntop(AF_INET6, ip->v6, a, sizeof(a));
	snprintf(buf, len, ip->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

void dp_view_service_label(const struct dp_view *v, unsigned svc, char *buf, size_t len)
{
	const struct cp_service *s = dp_view_service(v, svc);

	ip_port(&s->vip, s->port, buf, len);
}

void dp_view_backend_addr(const struct dp_view *v, unsigned i, char *buf, size_t len)
{
	const struct cp_backend *b = dp_view_backend(v, i);

	ip_port(&b->ip, b->port, buf, len);
}

void dp_view_backend_label(const struct dp_view *v, unsigned i, char *buf, size_t len)
{
	const struct cp_backend *b = dp_view_backend(v, i);

	if (b->name[0] != '\0')
		snprintf(buf, len, "%.*s", CP_NAME_MAX, b->name);
	else
		dp_view_backend_addr(v, i, buf, len);
}

const char *dp_view_mode_name(unsigned mode)
{
	return mode == CP_MODE_TLS ? "tls" : mode == CP_MODE_L4 ? "l4" : "?";
}

const char *dp_view_nat_name(unsigned nat)
{
	return nat == CP_NAT_FULL ? "full" : nat == CP_NAT_TWO_ARM ? "two-arm" : "?";
}

const char *dp_view_sched_name(unsigned sched)
{
	return sched == CP_SCHED_WRR ? "wrr" : "?";
}

const char *dp_view_admin_name(unsigned admin)
{
	static const char *const names[] = {
		[CP_ADMIN_ENABLED] = "enabled",
		[CP_ADMIN_DRAINING] = "draining",
		[CP_ADMIN_DISABLED] = "disabled",
	};

	return admin < RTE_DIM(names) ? names[admin] : "?";
}

void dp_view_handshakes(const struct dp_stats *st, unsigned slot, struct dp_view_handshakes *h)
{
	const uint64_t *c = st->verdict[slot].v;

	h->full = c[DP_TLSSTATS_V_FULL];
	h->resumed_sid = c[DP_TLSSTATS_V_RESUMED_SESSION_ID];
	h->resumed_ticket = c[DP_TLSSTATS_V_RESUMED_TICKET];
	h->resumed_psk = c[DP_TLSSTATS_V_RESUMED_PSK];
	h->hrr = c[DP_TLSSTATS_V_HRR];
	h->unknown = c[DP_TLSSTATS_V_UNKNOWN];
	h->resumed = h->resumed_sid + h->resumed_ticket + h->resumed_psk;
	h->rate = h->full + h->resumed ? (double)h->resumed / (double)(h->full + h->resumed) : -1;
}

/* --- the families --- */

#define FAM(n, h, g, sc, ...) { .name = n, .help = h, .gauge = g, .scope = sc, .labels = { __VA_ARGS__ } }
#define G DP_VIEW_SCOPE_GLOBAL
#define S DP_VIEW_SCOPE_SERVICE
#define B DP_VIEW_SCOPE_BACKEND

enum fam_id {
	F_INFO, F_WORKERS, F_PORT_PACKETS, F_PORT_BYTES, F_DROPS, F_ARP_ANSWERED, F_ARP_IGNORED,
	F_ARP_LEARNED, F_ARP_SENT, F_NEIGH_MISSES, F_NEIGH_QUEUED, F_NEIGH_RELEASED,
	F_NEIGH_ENTRIES, F_FLOWS_CREATED, F_FLOWS_EXPIRED, F_FLOWS_CLOSED, F_FLOWS_FULL,
	F_FLOWS_ACTIVE, F_FLOWS_CAPACITY, F_TLS, F_RULE_USED, F_RULE_HIT, F_RULE_MISS,
	F_HELLO_STATUS, F_HELLO_REASON, F_HELLO_SEGMENTS, F_SVC_ACTIVE, F_SVC_BACKENDS,
	F_LEARN_ENTRIES, F_LEARN_CAPACITY, F_LEARN_EVENTS, F_BK_NEW, F_BK_ACTIVE, F_BK_PACKETS,
	F_BK_BYTES, F_BK_HANDSHAKES, F_BK_HRR, F_BK_WEIGHT, F_BK_ADMIN, F_BK_UP,
#ifdef DP_VIEW_HAVE_HEALTH
	F_BK_PROBES, F_BK_TRANSITIONS,
#endif
	F__COUNT
};

static const struct dp_view_family families[F__COUNT] = {
	[F_INFO] = FAM("tlslb_build_info", "Versions of tlslb, DPDK and OpenSSL (value 1)", true,
		       G, "version", "dpdk", "openssl"),
	[F_WORKERS] = FAM("tlslb_workers", "Worker lcores running the packet path", true, G),
	[F_PORT_PACKETS] = FAM("tlslb_port_packets_total", "Frames received and sent per port",
			       false, G, "port", "direction"),
	[F_PORT_BYTES] = FAM("tlslb_port_bytes_total", "Bytes received and sent per port", false,
			     G, "port", "direction"),
	[F_DROPS] = FAM("tlslb_drops_total", "Packets dropped, by reason", false, G, "reason"),
	[F_ARP_ANSWERED] = FAM("tlslb_arp_requests_answered_total",
			       "ARP requests for tlslb's addresses answered", false, G),
	[F_ARP_IGNORED] = FAM("tlslb_arp_ignored_total", "ARP packets not for tlslb", false, G),
	[F_ARP_LEARNED] = FAM("tlslb_arp_replies_learned_total",
			      "Neighbour entries filled or refreshed by ARP replies", false, G),
	[F_ARP_SENT] = FAM("tlslb_arp_requests_sent_total", "ARP requests sent to resolve next hops",
			   false, G),
	[F_NEIGH_MISSES] = FAM("tlslb_neigh_misses_total",
			       "Packets that found no usable neighbour entry", false, G),
	[F_NEIGH_QUEUED] = FAM("tlslb_neigh_queued_total",
			       "Packets queued while their next hop resolved", false, G),
	[F_NEIGH_RELEASED] = FAM("tlslb_neigh_released_total",
				 "Queued packets sent after resolution", false, G),
	[F_NEIGH_ENTRIES] = FAM("tlslb_neigh_entries", "Neighbour table slots in use", true, G),
	[F_FLOWS_CREATED] = FAM("tlslb_flows_created_total", "Flow records created", false, G),
	[F_FLOWS_EXPIRED] = FAM("tlslb_flows_expired_total", "Flows removed idle", false, G),
	[F_FLOWS_CLOSED] = FAM("tlslb_flows_closed_total", "Flows removed after FIN or RST", false,
			       G),
	[F_FLOWS_FULL] = FAM("tlslb_flows_table_full_total", "Opening SYNs refused: flow table full",
			     false, G),
	[F_FLOWS_ACTIVE] = FAM("tlslb_flows_active",
			       "Flow records in the table (removals awaiting RCU included)", true, G),
	[F_FLOWS_CAPACITY] = FAM("tlslb_flows_capacity", "Flow records the table holds", true, G),
	[F_TLS] = FAM("tlslb_tls_events_total", "Mode tls events (cookies, hellos, binding, scans)",
		      false, G, "event"),
	[F_RULE_USED] = FAM("tlslb_route_rule_used_total",
			    "Routing rules consulted for a hello", false, G, "rule"),
	[F_RULE_HIT] = FAM("tlslb_route_rule_hits_total", "Routing rules that chose the backend",
			   false, G, "rule"),
	[F_RULE_MISS] = FAM("tlslb_route_rule_misses_total",
			    "Routing rules that did not choose, by reason", false, G, "rule", "reason"),
	[F_HELLO_STATUS] = FAM("tlslb_hello_status_total", "ClientHellos by parser status at decision",
			       false, G, "status"),
	[F_HELLO_REASON] = FAM("tlslb_hello_defects_total",
			       "ClientHellos not TLS or malformed, by defect", false, G, "reason"),
	[F_HELLO_SEGMENTS] = FAM("tlslb_hello_segments_total",
				 "ClientHellos by the number of TCP segments they spanned", false, G,
				 "segments"),
	[F_SVC_ACTIVE] = FAM("tlslb_service_active_flows", "Flows bound to the service's backends",
			     true, S, "service"),
	[F_SVC_BACKENDS] = FAM("tlslb_service_backends", "Backends configured for the service", true,
			       S, "service"),
	[F_LEARN_ENTRIES] = FAM("tlslb_learn_entries",
				"Entries in a learned routing table (awaiting RCU included)", true, S,
				"service", "table"),
	[F_LEARN_CAPACITY] = FAM("tlslb_learn_capacity", "Size of a learned routing table", true, S,
				 "service", "table"),
	[F_LEARN_EVENTS] = FAM("tlslb_learn_events_total", "Learned routing table changes, by event",
			       false, S, "service", "table", "event"),
	[F_BK_NEW] = FAM("tlslb_backend_new_flows_total", "Flows sent to the backend", false, B,
			 "service", "backend"),
	[F_BK_ACTIVE] = FAM("tlslb_backend_active_flows", "Flows bound to the backend now", true, B,
			    "service", "backend"),
	[F_BK_PACKETS] = FAM("tlslb_backend_packets_total",
			     "Packets of the backend's flows, both directions", false, B, "service",
			     "backend"),
	[F_BK_BYTES] = FAM("tlslb_backend_bytes_total", "Bytes of the backend's flows, both directions",
			   false, B, "service", "backend"),
	[F_BK_HANDSHAKES] = FAM("tlslb_backend_handshakes_total",
				"TLS handshakes by the server's verdict: full, resumed by kind, unknown",
				false, B, "service", "backend", "kind"),
	[F_BK_HRR] = FAM("tlslb_backend_hello_retry_requests_total",
			 "HelloRetryRequests the backend sent", false, B, "service", "backend"),
	[F_BK_WEIGHT] = FAM("tlslb_backend_weight", "Configured scheduling weight", true, B,
			    "service", "backend"),
	[F_BK_ADMIN] = FAM("tlslb_backend_admin_state",
			   "Administrative state: 0 enabled, 1 draining, 2 disabled", true, B,
			   "service", "backend"),
	[F_BK_UP] = FAM("tlslb_backend_up",
			"0 when the backend failed its health checks, else 1", true, B, "service",
			"backend"),
#ifdef DP_VIEW_HAVE_HEALTH
	[F_BK_PROBES] = FAM("tlslb_backend_health_probes_total", "Health probes, by outcome", false,
			    B, "service", "backend", "result"),
	[F_BK_TRANSITIONS] = FAM("tlslb_backend_health_transitions_total",
				 "Health state changes, by new state", false, B, "service", "backend",
				 "to"),
#endif
};

#undef G
#undef S
#undef B

struct walk {
	struct dp_view *v;
	const struct dp_stats *st;
	unsigned scopes;
	dp_view_family_fn *family;
	dp_view_sample_fn *sample;
	void *ctx;
	int announced; /* family id told last, -1: none */
};

static void emit(struct walk *w, enum fam_id f, long off, uint64_t value, const char *l0,
		 const char *l1, const char *l2)
{
	struct dp_view_sample s = {
		.fam = &families[f],
		.label = { l0, l1, l2 },
		.off = off,
		.value = value,
	};

	if (!(w->scopes & (1u << families[f].scope)))
		return;
	if (w->announced != (int)f) {
		if (w->family)
			w->family(w->ctx, s.fam);
		w->announced = (int)f;
	}
	if (off >= 0)
		s.value = dp_view_sample_value(&s, w->st);
	w->sample(w->ctx, &s);
}

#define OFF(field) ((long)offsetof(struct dp_stats, field))

static void walk_global(struct walk *w)
{
	struct dp_view *v = w->v;
	static const char *const dir[2] = { "rx", "tx" };
	unsigned i, k, d;

	emit(w, F_INFO, -1, 1, dp_view_version(), rte_version(), OpenSSL_version(OPENSSL_VERSION));
	emit(w, F_WORKERS, -1, v->sh->n_workers, NULL, NULL, NULL);
	for (d = 0; d < 2; d++)
		for (i = 0; i < v->cfg->n_ports; i++)
			emit(w, F_PORT_PACKETS,
			     d ? OFF(port[i].tx_packets) : OFF(port[i].rx_packets), 0,
			     v->cfg->ports[i].name, dir[d], NULL);
	for (d = 0; d < 2; d++)
		for (i = 0; i < v->cfg->n_ports; i++)
			emit(w, F_PORT_BYTES, d ? OFF(port[i].tx_bytes) : OFF(port[i].rx_bytes), 0,
			     v->cfg->ports[i].name, dir[d], NULL);
	for (i = 0; i < DP_DROP__COUNT; i++)
		emit(w, F_DROPS, OFF(drop[i]), 0, dp_drop_names[i], NULL, NULL);
	emit(w, F_ARP_ANSWERED, OFF(arp_requests_answered), 0, NULL, NULL, NULL);
	emit(w, F_ARP_IGNORED, OFF(arp_ignored), 0, NULL, NULL, NULL);
	emit(w, F_ARP_LEARNED, OFF(arp_replies_learned), 0, NULL, NULL, NULL);
	emit(w, F_ARP_SENT, OFF(arp_requests_sent), 0, NULL, NULL, NULL);
	emit(w, F_NEIGH_MISSES, OFF(neigh_misses), 0, NULL, NULL, NULL);
	emit(w, F_NEIGH_QUEUED, OFF(neigh_queued), 0, NULL, NULL, NULL);
	emit(w, F_NEIGH_RELEASED, OFF(neigh_released), 0, NULL, NULL, NULL);
	emit(w, F_NEIGH_ENTRIES, -1, __atomic_load_n(&v->sh->neigh.used, __ATOMIC_RELAXED), NULL,
	     NULL, NULL);
	emit(w, F_FLOWS_CREATED, OFF(flows_created), 0, NULL, NULL, NULL);
	emit(w, F_FLOWS_EXPIRED, OFF(flows_expired), 0, NULL, NULL, NULL);
	emit(w, F_FLOWS_CLOSED, OFF(flows_closed), 0, NULL, NULL, NULL);
	emit(w, F_FLOWS_FULL, OFF(flows_table_full), 0, NULL, NULL, NULL);
	/* two keys per flow */
	emit(w, F_FLOWS_ACTIVE, -1, dp_flow_key_count(&v->sh->flows) / 2, NULL, NULL, NULL);
	emit(w, F_FLOWS_CAPACITY, -1, v->sh->flows.n_recs, NULL, NULL, NULL);
	for (i = 0; i < DP_TLSC__COUNT; i++)
		emit(w, F_TLS, OFF(tls[i]), 0, dp_tls_counter_names[i], NULL, NULL);
	for (i = 0; i < DP_TLSROUTE_RULE__COUNT; i++)
		emit(w, F_RULE_USED, OFF(route.rule[i].used), 0, dp_tlsroute_rule_names[i], NULL,
		     NULL);
	for (i = 0; i < DP_TLSROUTE_RULE__COUNT; i++)
		emit(w, F_RULE_HIT, OFF(route.rule[i].hit), 0, dp_tlsroute_rule_names[i], NULL,
		     NULL);
	for (i = 0; i < DP_TLSROUTE_RULE__COUNT; i++)
		for (k = 1; k < DP_TLSROUTE_MISS__COUNT; k++)
			emit(w, F_RULE_MISS, OFF(route.rule[i].miss[k]), 0,
			     dp_tlsroute_rule_names[i], dp_tlsroute_miss_names[k], NULL);
	for (i = 0; i < DP_TLSSTATS_STATUS_COUNT; i++)
		emit(w, F_HELLO_STATUS, OFF(route.hello_status[i]), 0,
		     tlsp_status_name((enum tlsp_status)i), NULL, NULL);
	for (i = 1; i < TLSP_R__COUNT; i++)
		emit(w, F_HELLO_REASON, OFF(route.hello_reason[i]), 0,
		     tlsp_reason_name((enum tlsp_reason)i), NULL, NULL);
	for (i = 0; i < DP_TLSSTATS_SEG__COUNT; i++)
		emit(w, F_HELLO_SEGMENTS, OFF(route.hello_segments[i]), 0, dp_tlsstats_seg_names[i],
		     NULL, NULL);
}

static void walk_services(struct walk *w)
{
	struct dp_view *v = w->v;
	unsigned n = dp_view_n_services(v), i, t, c;
	char svc[64];

	for (i = 0; i < n; i++) {
		uint64_t active = 0;
		unsigned k;

		for (k = 0; k < dp_view_n_backends(v); k++)
			if (dp_view_backend(v, k)->service == i)
				active += w->st->backend[dp_view_backend_slot(v, k)].active_flows;
		dp_view_service_label(v, i, svc, sizeof(svc));
		emit(w, F_SVC_ACTIVE, -1, active, svc, NULL, NULL);
	}
	for (i = 0; i < n; i++) {
		unsigned nb = 0, k;

		for (k = 0; k < dp_view_n_backends(v); k++)
			nb += dp_view_backend(v, k)->service == i;
		dp_view_service_label(v, i, svc, sizeof(svc));
		emit(w, F_SVC_BACKENDS, -1, nb, svc, NULL, NULL);
	}
	for (i = 0; i < n; i++) {
		struct dp_learn *l = dp_view_learn(v, i);

		if (l == NULL)
			continue;
		dp_view_service_label(v, i, svc, sizeof(svc));
		for (t = 0; t < DP_LEARN__TABLES; t++)
			emit(w, F_LEARN_ENTRIES, -1, dp_learn_count(l, t), svc,
			     dp_learn_table_names[t], NULL);
	}
	for (i = 0; i < n; i++) {
		struct dp_learn *l = dp_view_learn(v, i);

		if (l == NULL)
			continue;
		dp_view_service_label(v, i, svc, sizeof(svc));
		for (t = 0; t < DP_LEARN__TABLES; t++)
			emit(w, F_LEARN_CAPACITY, -1, dp_learn_capacity(l, t), svc,
			     dp_learn_table_names[t], NULL);
	}
	for (i = 0; i < n; i++) {
		struct dp_learn_stats ls;

		if (!dp_view_learn_stats(v, i, &ls))
			continue;
		dp_view_service_label(v, i, svc, sizeof(svc));
		for (t = 0; t < DP_LEARN__TABLES; t++) {
			const uint64_t *cv = (const uint64_t *)&ls.t[t];

			for (c = 0; c < RTE_DIM(dp_learn_counter_names); c++)
				emit(w, F_LEARN_EVENTS, -1, cv[c], svc, dp_learn_table_names[t],
				     dp_learn_counter_names[c]);
		}
	}
}

/* Every backend, one family at a time. */
static void walk_backends(struct walk *w)
{
	struct dp_view *v = w->v;
	unsigned n = dp_view_n_backends(v), f, i, k;
	char svc[64], bk[64];

	for (f = F_BK_NEW; f < F__COUNT; f++) {
		for (i = 0; i < n; i++) {
			const struct cp_backend *b = dp_view_backend(v, i);
			unsigned s = dp_view_backend_slot(v, i);

			dp_view_service_label(v, b->service, svc, sizeof(svc));
			dp_view_backend_label(v, i, bk, sizeof(bk));
			switch ((enum fam_id)f) {
			case F_BK_NEW:
				emit(w, f, OFF(backend[s].new_flows), 0, svc, bk, NULL);
				break;
			case F_BK_ACTIVE:
				emit(w, f, OFF(backend[s].active_flows), 0, svc, bk, NULL);
				break;
			case F_BK_PACKETS:
				emit(w, f, OFF(backend[s].packets), 0, svc, bk, NULL);
				break;
			case F_BK_BYTES:
				emit(w, f, OFF(backend[s].bytes), 0, svc, bk, NULL);
				break;
			case F_BK_HANDSHAKES:
				for (k = 0; k < DP_TLSSTATS_V__COUNT; k++) {
					char kind[32];

					if (k == DP_TLSSTATS_V_HRR)
						continue;
					snprintf(kind, sizeof(kind), "%s",
						 dp_tlsstats_verdict_names[k]);
					emit(w, f, OFF(verdict[s].v[k]), 0, svc, bk, kind);
				}
				break;
			case F_BK_HRR:
				emit(w, f, OFF(verdict[s].v[DP_TLSSTATS_V_HRR]), 0, svc, bk, NULL);
				break;
			case F_BK_WEIGHT:
				emit(w, f, -1, b->weight, svc, bk, NULL);
				break;
			case F_BK_ADMIN:
				emit(w, f, -1, b->admin, svc, bk, NULL);
				break;
			case F_BK_UP:
				emit(w, f, -1, strcmp(dp_view_health(v, i), "down") != 0, svc, bk,
				     NULL);
				break;
#ifdef DP_VIEW_HAVE_HEALTH
			case F_BK_PROBES:
				emit(w, f, OFF(health[s].ok), 0, svc, bk, "ok");
				emit(w, f, OFF(health[s].refused), 0, svc, bk, "refused");
				emit(w, f, OFF(health[s].timeout), 0, svc, bk, "timeout");
				emit(w, f, OFF(health[s].skipped), 0, svc, bk, "skipped");
				break;
			case F_BK_TRANSITIONS:
				emit(w, f, OFF(health[s].went_up), 0, svc, bk, "up");
				emit(w, f, OFF(health[s].went_down), 0, svc, bk, "down");
				break;
#endif
			default:
				break;
			}
		}
	}
}

void dp_view_walk(struct dp_view *v, const struct dp_stats *st, unsigned scopes,
		  dp_view_family_fn *family, dp_view_sample_fn *sample, void *ctx)
{
	struct walk w = {
		.v = v,
		.st = st,
		.scopes = scopes,
		.family = family,
		.sample = sample,
		.ctx = ctx,
		.announced = -1,
	};

	if (scopes & (1u << DP_VIEW_SCOPE_GLOBAL))
		walk_global(&w);
	if (scopes & (1u << DP_VIEW_SCOPE_SERVICE))
		walk_services(&w);
	if (scopes & (1u << DP_VIEW_SCOPE_BACKEND))
		walk_backends(&w);
}
