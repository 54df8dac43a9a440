/* SPDX-License-Identifier: BSD-3-Clause */
/* Leaving the worker: the per-port transmit buffers and the neighbour step
 * (fill in the MACs, or hold the packet while its next hop resolves). */
#include "dp_internal.h"

void dp_xmit_arp_request(struct dp_worker *w, uint32_t slot)
{
	struct dp_neigh *n = &w->sh->neigh.slots[slot];
	struct rte_mbuf *m;

	if (!dp_neigh_may_request(&w->sh->neigh, slot, w->now_ms))
		return;
	m = dp_arp_request(w, n->port, n->ip);
	if (m == NULL) {
		w->st.drop[DP_DROP_NO_MBUF]++;
		return;
	}
	w->st.arp_requests_sent++;
	dp_xmit(w, n->port, m);
}

void dp_xmit_neigh_slow(struct dp_worker *w, uint32_t slot, struct rte_mbuf *m)
{
	struct dp_neigh_table *t = &w->sh->neigh;
	struct rte_ether_addr mac;
	struct dp_neigh_wait *q;
	bool fresh;

	switch (dp_neigh_resolve(t, slot, w->now_ms, &mac)) {
	case DP_NEIGH_OK: /* refreshed since the caller looked */
		dp_xmit_l2(w, t->slots[slot].port, &mac, m);
		return;
	case DP_NEIGH_REFRESH:
		/* the old MAC is still the best guess meanwhile */
		dp_xmit_arp_request(w, slot);
		dp_xmit_l2(w, t->slots[slot].port, &mac, m);
		return;
	default:
		break;
	}
	w->st.neigh_misses++;
	q = dp_neigh_wait_push(&w->ws, slot, m, w->now_ms, &fresh);
	if (q == NULL) {
		dp_drop(w, m, DP_DROP_NEIGH_QUEUE_FULL);
		return;
	}
	w->st.neigh_queued++;
	if (fresh) {
		dp_xmit_arp_request(w, slot);
		q->probes = 1;
		q->next_probe_ms = w->now_ms + DP_NEIGH_PROBE_MS;
	}
}

static void service(struct dp_worker *w, struct dp_neigh_wait *q, bool retry)
{
	struct dp_neigh_table *t = &w->sh->neigh;
	struct rte_ether_addr mac;
	unsigned i;

	if (dp_neigh_resolve(t, (uint32_t)q->slot, w->now_ms, &mac) != DP_NEIGH_UNRESOLVED) {
		for (i = 0; i < q->n; i++)
			dp_xmit_l2(w, t->slots[q->slot].port, &mac, q->pkts[i]);
		w->st.neigh_released += q->n;
		goto done;
	}
	if (!retry || w->now_ms < q->next_probe_ms)
		return;
	if (q->probes < DP_NEIGH_PROBES) {
		dp_xmit_arp_request(w, (uint32_t)q->slot);
		q->probes++;
		q->next_probe_ms = w->now_ms + DP_NEIGH_PROBE_MS;
		return;
	}
	for (i = 0; i < q->n; i++)
		dp_drop(w, q->pkts[i], DP_DROP_NEIGH_FAILED);
done:
	q->n = 0;
	q->slot = -1;
	w->ws.active &= (uint16_t)~(1u << (q - w->ws.q));
}

void dp_xmit_waiting(struct dp_worker *w, int32_t slot, bool retry)
{
	uint32_t m;

	/* every tick asks: the queues in use only */
	for (m = w->ws.active; m; m &= m - 1) {
		struct dp_neigh_wait *q = &w->ws.q[__builtin_ctz(m)];

		if (slot < 0 || q->slot == slot)
			service(w, q, retry);
	}
}
