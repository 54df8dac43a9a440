/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend choice for a new flow: smooth weighted round-robin. */
#ifndef DP_SCHED_H
#define DP_SCHED_H

#include <stdint.h>

#include "dp_svc.h"

/* One worker's running values, by backend slot; zeroed at start. They
 * survive snapshots: a weight change goes on from where the sequence was,
 * only a slot given to a new backend (another generation) starts at 0. */
struct dp_sched_state {
	int64_t cur[CP_MAX_BACKENDS];
	uint32_t gen[CP_MAX_BACKENDS];
};

/*
 * Pick a backend of service slot @svc among those with a weight and not
 * marked in @down (by slot, written by the health checks; NULL: none down).
 * @st belongs to one worker, so the sequence each worker produces follows
 * the weights exactly. Returns the backend slot, or -ENOENT when none is
 * eligible.
 */
int dp_sched_pick(const struct dp_svc_table *t, uint16_t svc, struct dp_sched_state *st,
		  const uint8_t *down);

#endif /* DP_SCHED_H */
