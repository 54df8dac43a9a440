/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend choice for a new flow: smooth weighted round-robin. */
#ifndef DP_SCHED_H
#define DP_SCHED_H

#include <stdint.h>

#include "dp_svc.h"

/*
 * Pick a backend of service @svc. @cur holds one running value per backend
 * (indexed like the backends, zero at start) and belongs to one worker, so the
 * sequence each worker produces follows the weights exactly.
 * Returns the backend index, or -ENOENT when no backend has a weight.
 */
int dp_sched_pick(const struct dp_svc_table *t, uint16_t svc, int64_t *cur);

/*
 * The same, passing over backends with @down[b] set (failed health checks;
 * NULL: none), their running values untouched so the others keep their
 * shares. When every backend with a weight is down, picks among them all:
 * a probe that cannot get through must not take the whole service down.
 */
int dp_sched_pick_up(const struct dp_svc_table *t, uint16_t svc, int64_t *cur,
		     const uint8_t *down);

#endif /* DP_SCHED_H */
