/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the operator sees of the running daemon: the `show` commands, `clear
 * counters`, `set log level`, the Prometheus exposition (dp_metrics.h) and the
 * DPDK telemetry commands (dp_telemetry.h) all read the dataplane through one
 * struct dp_view.
 *
 * Counters: workers own theirs and nobody else writes them. `clear counters`
 * takes a baseline snapshot that every reading subtracts (gauges such as
 * active flows are never subtracted), so what `show` reports restarts from
 * zero while the workers keep counting.
 *
 * Threads: the control thread owns the view (create, refresh, clear, the
 * query handlers, the metrics listener). DPDK's telemetry thread reads it too:
 * it takes dp_view_lock() around every reading, and the control thread takes
 * the same lock whenever it changes what the view holds (the labels copied
 * from the configuration, the baselines). Counters themselves are read with
 * relaxed atomic loads (dp_stats_sum()), so no lock is needed against workers.
 *
 * The query handlers read their arguments as control/cp_queries.h lays them out.
 *
 * Backends and services are read through the accessors below only (one
 * place that knows how they are stored): the labels from the view's copy of
 * the running configuration, counters by backend SLOT.
 */
#ifndef DP_VIEW_H
#define DP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_config.h"
#include "dp_worker.h"

struct cp_ctl_ops;
struct dp_learn;

struct dp_view;

/**
 * Create the view of the daemon running on @p sh, starting from the
 * configuration @p sh was created with. Also makes the daemon visible to
 * DPDK's tools (once per process, after rte_eal_init()): registers the
 * /tlslb/ telemetry commands (dp_telemetry.h, answered from this view) and
 * calls rte_pdump_init() for dpdk-dumpcap (a failure is logged, not fatal:
 * --no-huge runs have no shared memory to capture from).
 * @param metrics_listen  "IP:PORT" of the /metrics listener (dp_metrics_http.h,
 *                        stepped by dp_view_poll()), or NULL for none
 * @param err             a one-line reason on failure
 * @return a view, or NULL with errno set
 */
struct dp_view *dp_view_create(struct dp_shared *sh, const char *metrics_listen, char *err,
			       size_t err_len);
/** Stops answering telemetry from it too. NULL is fine. */
void dp_view_free(struct dp_view *v);

/**
 * The running configuration changed: call it from the apply hook after the
 * dataplane took @p running (the query handlers also refresh from the config
 * they are given; the metrics listener and telemetry only see refreshes).
 */
void dp_view_refresh(struct dp_view *v, const struct cp_config *running);

/** One non-blocking step of the view's listeners (the /metrics endpoint). */
void dp_view_poll(struct dp_view *v);

/** The port the /metrics listener took (host order), 0 without one. */
uint16_t dp_view_metrics_port(const struct dp_view *v);

/** Fill ops->query[] for the commands the view answers; ctx is @p v. */
void dp_view_hooks(struct dp_view *v, struct cp_ctl_ops *ops);

/** `clear counters`: from now on readings start from the counters' present values. */
void dp_view_clear(struct dp_view *v);

/** Readers off the control thread hold this around every use of the view. */
void dp_view_lock(struct dp_view *v);
void dp_view_unlock(struct dp_view *v);

/**
 * Counters as `show` reports them (baseline subtracted, gauges as they are).
 * @param worker  a worker index, or -1 for the sum over workers
 * @return 0, or -ENOENT for a worker that does not exist
 */
int dp_view_stats(struct dp_view *v, int worker, struct dp_stats *out);

/** The shared tables (flows, neighbours: read-only for the view). */
struct dp_shared *dp_view_shared(const struct dp_view *v);

/** Number of workers. */
unsigned dp_view_n_workers(const struct dp_view *v);

/* --- the view's model of services and backends (one place to change when
 * they become RCU snapshots with stable slots) --- */

unsigned dp_view_n_services(const struct dp_view *v);
const struct cp_service *dp_view_service(const struct dp_view *v, unsigned svc);
unsigned dp_view_n_backends(const struct dp_view *v);
/** Backend @p i in configuration order (services' pools are contiguous). */
const struct cp_backend *dp_view_backend(const struct dp_view *v, unsigned i);
/** The slot that indexes the backend's counters and health. */
unsigned dp_view_backend_slot(const struct dp_view *v, unsigned i);
/** The configuration index of the backend in @p slot, or -1 when none. */
int dp_view_backend_of_slot(const struct dp_view *v, unsigned slot);
/** The configuration index of the service in @p slot (flow contexts, learned tables), or -1. */
int dp_view_service_of_slot(const struct dp_view *v, unsigned slot);
/** "up", "down", "unknown" (health off), or "-" (no health checks in this build). */
const char *dp_view_health(const struct dp_view *v, unsigned i);
/** The learned tables of service @p svc, or NULL (not mode tls). */
struct dp_learn *dp_view_learn(const struct dp_view *v, unsigned svc);
/** Learn counters of @p svc, baseline subtracted; false when it has no tables. */
bool dp_view_learn_stats(struct dp_view *v, unsigned svc, void *out /* struct dp_learn_stats */);

/** "VIP:PORT" of a service. */
void dp_view_service_label(const struct dp_view *v, unsigned svc, char *buf, size_t len);
/** The backend's name, or "IP:PORT" when it has none. */
void dp_view_backend_label(const struct dp_view *v, unsigned i, char *buf, size_t len);
/** "IP:PORT" of a backend. */
void dp_view_backend_addr(const struct dp_view *v, unsigned i, char *buf, size_t len);

/** Stable names. */
const char *dp_view_mode_name(unsigned mode);
const char *dp_view_nat_name(unsigned nat);
const char *dp_view_sched_name(unsigned sched);
const char *dp_view_admin_name(unsigned admin);

/** Handshake counts of a backend slot, from the verdict counters. */
struct dp_view_handshakes {
	uint64_t full, resumed_sid, resumed_ticket, resumed_psk, hrr, unknown;
	uint64_t resumed; /**< the three resumed kinds */
	/** resumed / (full + resumed), or -1 before any handshake */
	double rate;
};
void dp_view_handshakes(const struct dp_stats *st, unsigned slot, struct dp_view_handshakes *h);

/* --- every counter and gauge, as labelled samples (the one list that
 * `show stats`, the Prometheus text and telemetry all print) --- */

/** Which part of the daemon a family describes. */
enum dp_view_scope {
	DP_VIEW_SCOPE_GLOBAL = 0, /**< ports, drops, tls events, routing, process */
	DP_VIEW_SCOPE_SERVICE,    /**< labelled by service (learned tables) */
	DP_VIEW_SCOPE_BACKEND,    /**< labelled by service and backend */
};

#define DP_VIEW_LABELS_MAX 3

/** A metric family (the Prometheus sense). */
struct dp_view_family {
	const char *name; /**< full name: tlslb_..._total for counters */
	const char *help;
	bool gauge;
	enum dp_view_scope scope;
	const char *labels[DP_VIEW_LABELS_MAX]; /**< label names, NULL-terminated early */
};

/** One sample. */
struct dp_view_sample {
	const struct dp_view_family *fam;
	const char *label[DP_VIEW_LABELS_MAX]; /**< values, like fam->labels */
	/** >= 0: a counter of struct dp_stats at this byte offset (per worker
	 *  values exist); < 0: @p value holds it */
	long off;
	uint64_t value;
};

/** Read a sample's dp_stats counter from @p st. */
static inline uint64_t dp_view_sample_value(const struct dp_view_sample *s,
					    const struct dp_stats *st)
{
	return s->off < 0 ? s->value : *(const uint64_t *)(const void *)((const char *)st + s->off);
}

/** Told the family before its first sample (and only families with samples). */
typedef void dp_view_family_fn(void *ctx, const struct dp_view_family *fam);
typedef void dp_view_sample_fn(void *ctx, const struct dp_view_sample *s);

/**
 * Walk every family and its samples, grouped by family. Samples read from
 * @p st (the values dp_view_sample_value() gives); @p value is filled from
 * @p st for dp_stats counters.
 * @param scopes  bit mask of 1u << enum dp_view_scope to include
 */
void dp_view_walk(struct dp_view *v, const struct dp_stats *st, unsigned scopes,
		  dp_view_family_fn *family, dp_view_sample_fn *sample, void *ctx);

/** tlslb's version (meson project version). */
const char *dp_view_version(void);

#endif /* DP_VIEW_H */
