/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP health checks, done by the dataplane because it owns the NIC.
 *
 * For each backend of a service with health on (and not administratively
 * disabled), worker 0 sends a SYN every interval from an address of tlslb's
 * on the port that reaches the backend, with a source port from
 * CP_HEALTH_PORT_LOW..HIGH, through the neighbour step (so ARP resolves the
 * backend like any other next hop). A SYN-ACK is a success (tlslb resets the
 * half-open connection at once), a RST or silence for the timeout a failure;
 * rise successes in a row bring a down backend up, fall failures in a row
 * take an up backend down. Backends start up: a freshly started or added
 * backend takes traffic until the probes say otherwise, rather than a whole
 * service being refused for rise intervals after every start.
 *
 * The result is published as dp_shared.bk_down[slot] (and, in mode tls, as
 * DP_BACKEND_DOWN in the routing states), which the schedulers skip.
 *
 * Workers: only worker 0 sends probes and changes states, but with RSS the
 * answer may reach any worker. Each backend has one 64-bit word holding the
 * outstanding probe (its ISN, source port and status); the worker that
 * receives the answer moves it from WAITING to OK or REFUSED with a
 * compare-and-swap, worker 0 takes the verdict at its next tick (or moves
 * WAITING to IDLE itself at the timeout, with the same CAS, so a verdict and
 * a timeout can never both count). No ring, no lock, nothing to drain.
 * The receiving worker sends the RST after a SYN-ACK itself. The probe's
 * ISN carries the backend's slot in its low bits, so an answer finds its
 * backend in O(1); the other bits are random, so a stale or forged answer
 * does not match.
 */
#ifndef DP_HEALTH_H
#define DP_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "cp_config.h"

struct dp_shared;
struct dp_worker;
struct dp_pkt;

/* Used when the service's cp_health leaves a field 0. */
#define DP_HEALTH_INTERVAL_MS 2000u
#define DP_HEALTH_TIMEOUT_MS 1000u
#define DP_HEALTH_RISE 2u
#define DP_HEALTH_FALL 3u
/* Backends looked at per millisecond by worker 0 (its ticks in between do
 * nothing), and probes sent at most per look. */
#define DP_HEALTH_SCAN 64u
#define DP_HEALTH_BURST 16u
/* MSS announced in probes: any value works, some stacks want one. */
#define DP_HEALTH_MSS 1460u

/** Why a backend is not being probed (DP_HEALTH_PROBED when it is). */
enum dp_health_why {
	DP_HEALTH_PROBED = 0,
	DP_HEALTH_OFF,       /**< health off for its service */
	DP_HEALTH_DISABLED,  /**< administratively disabled */
	DP_HEALTH_NOT_IPV4,  /**< not an IPv4 backend */
	DP_HEALTH_NO_ROUTE,  /**< no route or connected subnet reaches it */
	DP_HEALTH_NO_SOURCE, /**< no address of tlslb's on the port that reaches it */
	DP_HEALTH_WHY__COUNT
};

/** Stable lower-case names of enum dp_health_why ("probed", "off", ...). */
extern const char *const dp_health_why_names[DP_HEALTH_WHY__COUNT];

/** The last probe's outcome. */
enum dp_health_result {
	DP_HEALTH_R_NONE = 0, /**< no verdict yet */
	DP_HEALTH_R_OK,       /**< SYN-ACK */
	DP_HEALTH_R_REFUSED,  /**< RST */
	DP_HEALTH_R_TIMEOUT,  /**< silence */
	DP_HEALTH_R__COUNT
};

extern const char *const dp_health_result_names[DP_HEALTH_R__COUNT];

/** What the control plane shows of a backend's health (counters: dp_stats.health). */
struct dp_health_info {
	bool down;            /**< as published in dp_shared.bk_down */
	uint8_t why;          /**< enum dp_health_why */
	uint8_t last;         /**< enum dp_health_result */
	uint8_t run;          /**< results in a row against the current state */
	uint32_t src;         /**< probe source address (network order), 0: none */
	uint64_t changed_ms;  /**< worker clock (ms) of the last state change, 0: never */
};

/** One line per state change and per backend found unprobeable; no newline. */
typedef void dp_health_log_fn(void *arg, const char *line);

/* Called by dp_shared_create() / dp_shared_free(). */
int dp_health_init(struct dp_shared *sh);
void dp_health_fini(struct dp_shared *sh);

/**
 * Where the log lines go. Default (fn NULL): rte_log() at level NOTICE with
 * the log type "tlslb.health". Set before the workers run.
 */
void dp_health_set_log(struct dp_shared *sh, dp_health_log_fn *fn, void *arg);

/** Worker 0's part of dp_worker_tick(): verdicts, timeouts, probes due. */
void dp_health_tick(struct dp_worker *w);

/** Whether TCP port @p port_be (network order) is a probe source port. */
static inline bool dp_health_port(uint16_t port_be)
{
	uint16_t p = rte_be_to_cpu_16(port_be);

	return p >= CP_HEALTH_PORT_LOW && p <= CP_HEALTH_PORT_HIGH;
}

/**
 * A TCP packet to one of tlslb's addresses, on a probe port, matching no
 * flow: a probe's answer (any worker). Consumes @p m; what answers no
 * outstanding probe is dropped as DP_DROP_HEALTH_STRAY (a SYN-ACK from the
 * backend is reset all the same).
 */
void dp_health_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p);

/**
 * Forget what is known of slot @p slot (a backend put into it or changed):
 * up, no probe outstanding, source address chosen again from the config.
 * For the control thread while the workers run: a probe answer racing with it
 * may still count once for the old backend.
 */
void dp_health_slot_reset(struct dp_shared *sh, unsigned slot);

/** The health of slot @p slot. @return 0, or -EINVAL beyond the backends */
int dp_health_read(const struct dp_shared *sh, unsigned slot, struct dp_health_info *out);

#endif /* DP_HEALTH_H */
