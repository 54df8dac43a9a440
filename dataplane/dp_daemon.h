/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The daemon's assembly of the packet path: ports from the configuration,
 * one mempool, the shared tables, one worker and one loop per worker lcore.
 */
#ifndef DP_DAEMON_H
#define DP_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cp_config.h"

struct dp_daemon;
struct dp_shared;

/**
 * Bring everything up, ports started, workers not yet launched.
 * @param cfg        the loaded configuration (kept by pointer: keep it alive)
 * @param n_workers  0 for one per worker lcore (as many as every port can serve)
 * @param log        where the one line per port goes (NULL: nowhere)
 * @param err        a one-line reason on failure
 * @return the daemon, or NULL with errno set
 */
struct dp_daemon *dp_daemon_open(const struct cp_config *cfg, unsigned n_workers, FILE *log,
				 char *err, size_t err_len);

/** Launch the loops on the worker lcores. @return 0 or a negative errno */
int dp_daemon_launch(struct dp_daemon *d, char *err, size_t err_len);

/** Ask the loops to return and wait for them; nothing is freed. Idempotent. */
void dp_daemon_stop(struct dp_daemon *d);

/** Packets received plus sent by all loops so far (for the idle watch). */
uint64_t dp_daemon_activity(const struct dp_daemon *d);

/** Sum the counters of every worker and print them with dp_stats_print(). */
int dp_daemon_print_stats(struct dp_daemon *d, FILE *out);

/** Stop the loops (waiting for them), stop and close the ports, free everything. */
void dp_daemon_close(struct dp_daemon *d);

/** The tables the workers share (for the control thread). */
struct dp_shared *dp_daemon_shared(struct dp_daemon *d);

#endif /* DP_DAEMON_H */
