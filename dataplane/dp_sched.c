/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "dp_sched.h"

/*
 * Smooth WRR: every backend's value grows by its weight, the largest wins and
 * pays back the total. Over each run of sum(weights) picks every backend is
 * chosen exactly weight times, and the picks of a heavy backend are spread
 * between the others instead of coming in a block.
 */
int dp_sched_pick(const struct dp_svc_table *t, uint16_t svc, struct dp_sched_state *st,
		  const uint8_t *down)
{
	const struct dp_service *s = &t->svc[svc];
	int64_t *cur = st->cur;
	int64_t total = 0;
	int best = -ENOENT;
	unsigned i;

	for (i = s->first; i < (unsigned)s->first + s->n; i++) {
		uint16_t b = t->bk_order[i];
		uint32_t w = t->bk[b].weight;

		if (w == 0 || (down != NULL && __atomic_load_n(&down[b], __ATOMIC_RELAXED)))
			continue;
		if (st->gen[b] != t->bk[b].gen) {
			st->gen[b] = t->bk[b].gen;
			cur[b] = 0;
		}
		cur[b] += w;
		total += w;
		if (best < 0 || cur[b] > cur[best])
			best = b;
	}
	if (best >= 0)
		cur[best] -= total;
	else if (down)
		/* every backend with a weight is down: a probe path that cannot get
		 * through must not take the whole service down (fail open) */
		return dp_sched_pick(t, svc, st, NULL);
	return best;
}
