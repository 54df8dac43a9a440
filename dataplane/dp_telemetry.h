/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * tlslb in DPDK's own tools: telemetry commands under /tlslb/ for the stock
 * `dpdk-telemetry.py` client, and packet capture with `dpdk-dumpcap`.
 *
 *   /tlslb/stats[,WORKER]      every global and per-service counter and gauge,
 *                              summed or of one worker: unlabelled families as
 *                              numbers, labelled ones as a dict keyed by their
 *                              label values joined by '/' (characters other than
 *                              letters, digits, '_' and '/' become '_', as
 *                              telemetry keys require: "10_0_0_1_443/key_name/added")
 *   /tlslb/backends[,VIP:PORT] a dict per backend, keyed "SERVICE/BACKEND" cleaned
 *                              the same way, holding service, backend (as they
 *                              are), state, health, weight, flows, handshakes and
 *                              the resumption rate (up to 256 backends)
 *   /tlslb/services            a dict per service, keyed by its cleaned VIP:PORT:
 *                              service, settings, backends, active flows
 * (DPDK 22.11 arrays cannot hold dicts, so these are dicts of dicts.)
 * Replies larger than the telemetry output buffer (16 KiB in 22.11) lose
 * their last entries; per-backend counters live in /tlslb/backends for that.
 *
 * The callbacks run on DPDK's telemetry thread: they read the view only under
 * dp_view_lock(), and counters with atomic loads.
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

struct dp_view;

/**
 * Answer the /tlslb/ commands from @p v (registered once per process; later
 * calls only switch the view). Call after rte_eal_init(); dp_view_create()
 * does.
 * @return 0 or a negative errno
 */
int dp_telemetry_register(struct dp_view *v);

/** Stop answering from @p v if it is the view answering (the commands then fail). */
void dp_telemetry_unregister(struct dp_view *v);

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
