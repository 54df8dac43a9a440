/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A timer sweep paced by the clock rather than by loop iterations: a range
 * of N entries is examined once per period, however often the loop ticks.
 * A busy worker ticks hundreds of times a millisecond; a fixed number of
 * entries per tick read every record many times a second, and at a million
 * flows that reading cost more than forwarding a packet.
 */
#ifndef DP_SWEEP_H
#define DP_SWEEP_H

#include <stdint.h>

struct dp_sweep {
	uint32_t last_ms; /* worker clock of the last step */
	uint64_t owed;    /* entries owed, times the period */
};

/*
 * Entries to examine now, out of @range swept once per @period_ms; never
 * more than @max (a late tick must not stall the loop), and never more than
 * one whole range owed (after a pause or a clock jump the range is swept
 * once, across the next ticks).
 */
static inline unsigned dp_sweep_budget(struct dp_sweep *s, uint32_t now_ms, uint32_t range,
				       uint32_t period_ms, unsigned max)
{
	uint32_t elapsed = now_ms - s->last_ms;
	uint64_t full = (uint64_t)range * period_ms, n;

	s->last_ms = now_ms;
	if (elapsed > period_ms)
		elapsed = period_ms;
	s->owed += (uint64_t)elapsed * range;
	if (s->owed > full)
		s->owed = full;
	n = s->owed / period_ms;
	if (n > max)
		n = max;
	s->owed -= n * period_ms;
	return (unsigned)n;
}

#endif /* DP_SWEEP_H */
