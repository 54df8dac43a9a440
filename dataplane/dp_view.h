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
 * Argument layout the query handlers expect (cp_args.v[] index: meaning):
 *   show backends  0: service VIP:PORT (optional)
 *   show stats     0: flag "lcore" (one column per worker)
 *   show flows     0: service VIP:PORT, 1: backend IP:PORT, 2: client IP,
 *                  3: limit N (all optional; limit defaults to DP_VIEW_FLOWS_DEFAULT)
 *   show sessions, show keynames
 *                  0: service VIP:PORT (optional), 1: entries N (optional: counts only)
 *   set log level  0: keyword, index into dp_log_level_names[] (emerg .. debug)
 */
#ifndef DP_VIEW_H
#define DP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_config.h"
#include "dp_worker.h"

struct cp_ctl_ops;
struct dp_learn;

/** Rows `show flows` prints without a limit, and the most it ever prints. */
#define DP_VIEW_FLOWS_DEFAULT 100u
#define DP_VIEW_FLOWS_MAX 100000u
/** Most entries `show sessions|keynames entries N` prints. */
#define DP_VIEW_ENTRIES_MAX 100000u

/** Argument indices (see the file comment). */
enum {
	DP_VIEW_ARG_SERVICE = 0,
	DP_VIEW_ARG_LCORE = 0,
	DP_VIEW_ARG_LEVEL = 0,
	DP_VIEW_ARG_FLOW_BACKEND = 1,
	DP_VIEW_ARG_FLOW_CLIENT = 2,
	DP_VIEW_ARG_FLOW_LIMIT = 3,
	DP_VIEW_ARG_ENTRIES = 1,
};

struct dp_view;

/**
 * @param sh   the shared tables the workers run on (kept by pointer)
 * @param cfg  the running configuration (copied: labels, service settings)
 * @return a view, or NULL with errno set
 */
struct dp_view *dp_view_create(struct dp_shared *sh, const struct cp_config *cfg);
/** Unregister from telemetry first (dp_telemetry_unregister()). NULL is fine. */
void dp_view_free(struct dp_view *v);

/** The configuration changed (call it from the apply hook, after the dataplane took it). */
void dp_view_refresh(struct dp_view *v, const struct cp_config *running);

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
