/* SPDX-License-Identifier: BSD-3-Clause */
/* What the dataplane files share behind the opaque handles of dp_worker.h. */
#ifndef DP_INTERNAL_H
#define DP_INTERNAL_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "dp_flow.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "dp_route.h"
#include "dp_sched.h"
#include "dp_svc.h"
#include "dp_worker.h"

#define DP_TX_BUF 512 /* packets one worker holds per port between takes */
#define DP_BATCH 32   /* TCP packets looked up together */

struct dp_runtime;

struct dp_shared {
	/* as created: ports and limits, which never change at runtime (workers
	 * read nothing else of it; the running config is in the snapshot) */
	struct cp_config cfg;
	struct dp_port_info ports[CP_MAX_PORTS];
	unsigned n_ports;
	unsigned n_workers;
	int socket;
	unsigned id; /* instance number: rte names are global to the process */
	uint64_t tsc_per_ms;
	/* the published snapshot (dp_runtime.c): workers load it with acquire
	 * at the start of a burst and of a tick, and drop it at quiescence. Only
	 * the control thread frees snapshots (in dp_shared_apply/maintain), so
	 * code on that thread (health probes' bookkeeping, views) may read the
	 * current one between those calls: live backends are the slots below
	 * n_backends with DP_SLOT_LIVE, their service's health settings in
	 * svc[bk.service].health, their admin state in bk.admin. */
	struct dp_svc_table *snap;
	struct dp_runtime *rt; /* the control thread's bookkeeping */
	/* health: 1 = down, by backend slot (relaxed atomics, dp_health) */
	uint8_t bk_down[CP_MAX_BACKENDS];
	struct dp_neigh_table neigh;
	struct dp_flow_table flows;
	struct rte_rcu_qsbr *qs;
	struct dp_worker *workers[RTE_MAX_LCORE];
	rte_spinlock_t retired_lock;
	struct dp_stats retired; /* counters of freed workers */
	/* mode tls; created (release store) when the first tls service appears */
	struct dp_tls_shared *tls;
	struct dp_health *health; /* health checks (dp_health.c) */
};

struct dp_txbuf {
	uint16_t n;
	uint64_t bytes; /* of the n packets: counted as they come, not at send */
	struct rte_mbuf *pkts[DP_TX_BUF];
};

/* The TCP packets of a burst, between classification and forwarding. */
struct dp_batch {
	unsigned n;
	unsigned n_cand; /* slots whose candidates were taken */
	struct rte_mbuf *m[DP_BATCH];
	struct dp_pkt p[DP_BATCH];
	struct dp_flow_key key[DP_BATCH];
	uint32_t hash[DP_BATCH]; /* dp_flow_prefetch() */
	uint32_t cand[DP_BATCH]; /* dp_flow_candidate() */
};

struct dp_worker {
	struct dp_stats st; /* first: cache aligned, only this worker writes */
	struct dp_shared *sh;
	unsigned index;
	struct rte_mempool *mp;
	uint64_t now_ms;
	struct dp_flow_worker fw;
	struct dp_neigh_waitset ws;
	uint8_t snat_rr;                      /* rotates among snat addresses */
	uint16_t snat_next[CP_MAX_ADDRESSES]; /* next port to try, per snat address */
	const struct dp_svc_table *snap;      /* this burst's snapshot (dp_worker_sync) */
	uint64_t reset_seq;                   /* snapshot whose resets were swept */
	uint32_t reset_cursor;                /* position of that sweep */
	struct dp_sched_state sched;          /* smooth WRR running values */
	struct dp_txbuf tx[CP_MAX_PORTS];
	struct dp_batch batch;
	struct dp_tls_worker *tls; /* mode tls; NULL without */
};

/* The service slot of a flow record (kept in the high byte of its flags:
 * an unbound tls flow has no backend yet). */
#define DP_FLOW_SVC_SHIFT 8
static inline unsigned dp_flow_svc(const struct dp_flow *f)
{
	return f->flags >> DP_FLOW_SVC_SHIFT;
}

/* Take the current snapshot (and the tls state, once it exists): at the start
 * of a burst and right after reporting quiescence. */
void dp_worker_sync(struct dp_worker *w);

/* Count a drop and free the packet. */
static inline void dp_drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_drop why)
{
	w->st.drop[why]++;
	rte_pktmbuf_free(m);
}

/* Leaving the worker (dp_xmit.c); the steps every forwarded packet takes are
 * inline here. */

/* Queue @m, Ethernet header complete, for transmit on @port. */
static inline void dp_xmit(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct dp_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n == DP_TX_BUF)) {
		dp_drop(w, m, DP_DROP_TX_FULL);
		return;
	}
	tb->bytes += rte_pktmbuf_pkt_len(m);
	tb->pkts[tb->n++] = m;
}

/* Fill in the MACs (to @mac, from @port's) and queue @m on @port. */
static inline void dp_xmit_l2(struct dp_worker *w, uint16_t port, const struct rte_ether_addr *mac,
			      struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = *mac;
	eth->src_addr = w->sh->ports[port].mac;
	dp_xmit(w, port, m);
}

/* dp_xmit_neigh() when the neighbour is not plainly resolved. */
void dp_xmit_neigh_slow(struct dp_worker *w, uint32_t slot, struct rte_mbuf *m);

/* Send @m (L3 ready, Ethernet header present) to neighbour slot @slot:
 * at once when resolved, else queued while an ARP request goes out. The
 * destination MAC is written from the register it was read into: a copy on
 * the stack would cost every packet a store and reloads. */
static inline void dp_xmit_neigh(struct dp_worker *w, uint32_t slot, struct rte_mbuf *m)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_neigh *n = &sh->neigh.slots[slot];
	uint64_t hw = __atomic_load_n(&n->hw, __ATOMIC_ACQUIRE);
	struct rte_ether_hdr *eth;
	uint16_t port;

	if (unlikely(!dp_neigh_fresh(&sh->neigh, n, hw, w->now_ms))) {
		dp_xmit_neigh_slow(w, slot, m);
		return;
	}
	port = n->port;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(&eth->dst_addr, &hw, RTE_ETHER_ADDR_LEN);
	eth->src_addr = sh->ports[port].mac;
	dp_xmit(w, port, m);
}

/* Send an ARP request for neighbour slot @slot unless one went out recently. */
void dp_xmit_arp_request(struct dp_worker *w, uint32_t slot);

/* Send what waits for @slot if it resolved; retry or give up otherwise
 * (only when @retry is set: the tick). */
void dp_xmit_waiting(struct dp_worker *w, int32_t slot, bool retry);

/* An ARP packet received on @port (validated by dp_pkt_parse()). */
void dp_arp_input(struct dp_worker *w, uint16_t port, struct rte_mbuf *m, const struct dp_pkt *p);

/* Build an ARP request from @port for @target, or NULL when the pool is empty. */
struct rte_mbuf *dp_arp_request(struct dp_worker *w, uint16_t port, uint32_t target);

/* Full-NAT source for flow @f to @bk: fills rev->dst/dport and the record's
 * snat fields; -ENOSPC when no port is free. */
struct dp_backend;
int dp_worker_snat_pick(struct dp_worker *w, const struct dp_backend *bk, struct dp_flow *f,
			struct dp_flow_key *rev);

/* Sum the per-slot counters of @bk_slot (backend, verdicts, health) over every
 * worker (and retired ones). */
void dp_stats_slot_sum(struct dp_shared *sh, unsigned bk_slot, struct dp_backend_stats *bs,
		       struct dp_tlsstats_backend *verdict, struct dp_health_stats *health);
void dp_stats_service_sum(struct dp_shared *sh, unsigned svc_slot, struct dp_service_stats *ss);

/* The control thread's side (dp_runtime.c). */
int dp_runtime_init(struct dp_shared *sh, const struct cp_config *cfg);
void dp_runtime_fini(struct dp_shared *sh);
/* Subtract the baselines of reused slots (under the runtime lock). */
void dp_runtime_rebase(struct dp_shared *sh, struct dp_stats *st);

/* Keep the counters of worker @index, which goes away, and forget it. */
void dp_stats_retire(struct dp_shared *sh, unsigned index, const struct dp_stats *st);

#endif /* DP_INTERNAL_H */
