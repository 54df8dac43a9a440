/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * tlslb in DPDK's own tools: telemetry commands under /tlslb/ for the stock
 * `dpdk-telemetry.py` client, and packet capture with `dpdk-dumpcap`.
 *
 *   /tlslb/stats[,WORKER]      every global and per-service counter and gauge
 *                              (one dict per labelled family), summed or of one worker
 *   /tlslb/backends[,VIP:PORT] per backend: state, health, weight, flows,
 *                              handshakes and the resumption rate (<= 256 backends)
 *   /tlslb/services            per service: settings, backends, active flows
 *
 * The callbacks run on DPDK's telemetry thread: they read the view only under
 * dp_view_lock(), and counters with atomic loads.
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

struct dp_view;

/**
 * Answer the /tlslb/ commands from @p v (registered once per process; later
 * calls only switch the view). Call after rte_eal_init().
 * @return 0 or a negative errno
 */
int dp_telemetry_register(struct dp_view *v);

/** Stop answering from the view (the commands then fail); before dp_view_free(). */
void dp_telemetry_unregister(void);

/**
 * Let `dpdk-dumpcap` capture tlslb's ports: rte_pdump_init(), after
 * rte_eal_init() (a primary process). Hugepage-less runs (--no-huge) cannot
 * share memory with the capture process; the call still succeeds.
 * @return 0 or a negative errno
 */
int dp_telemetry_pdump_init(void);

/** Undo dp_telemetry_pdump_init() before rte_eal_cleanup(). */
void dp_telemetry_pdump_fini(void);

#endif /* DP_TELEMETRY_H */
