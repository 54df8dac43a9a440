/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker: a received burst in, per-port transmit buffers out. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dp_health.h"
#include "dp_internal.h"
#include "dp_nat.h"
#include "dp_splice.h"
#include "dp_tls.h"

void dp_worker_sync(struct dp_worker *w)
{
	struct dp_shared *sh = w->sh;

	w->snap = __atomic_load_n(&sh->snap, __ATOMIC_ACQUIRE);
	/* after the snapshot: one with a tls service comes after the tls state */
	if (unlikely(w->tls == NULL)) {
		struct dp_tls_shared *t = __atomic_load_n(&sh->tls, __ATOMIC_ACQUIRE);

		if (t != NULL)
			w->tls = t->worker[w->index];
	}
}

static void flow_removed(void *ctx, const struct dp_flow *f, uint8_t state)
{
	struct dp_worker *w = ctx;

	if (state >= DP_FLOW_CLOSING)
		w->st.flows_closed++;
	else
		w->st.flows_expired++;
	if (f->flags & DP_FLOW_F_TLS) {
		dp_tls_flow_removed(w, (uint32_t)(f - w->sh->flows.recs));
	} else {
		w->st.backend[f->backend].active_flows--;
		w->st.service[dp_flow_svc(f)].active_flows--;
	}
}

/*
 * Full-NAT source: a snat address on the backend's port (any snat address
 * when that port has none) and a port from this worker's share of the range
 * (ports low + index + k * n_workers), so workers never race for a port. A
 * port is free when no flow to the same backend uses it.
 */
int dp_worker_snat_pick(struct dp_worker *w, const struct dp_backend *bk, struct dp_flow *f,
			struct dp_flow_key *rev)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_svc_table *snap = w->snap;
	const struct cp_limits *lim = &sh->cfg.limits;
	unsigned list = snap->n_snat[bk->out_port] ? bk->out_port : CP_MAX_PORTS;
	unsigned n = snap->n_snat[list], first, count, k, tries;
	uint8_t addr;

	first = lim->snat_port_low + w->index;
	if (n == 0 || lim->snat_port_low == 0 || first > lim->snat_port_high)
		return -ENOSPC;
	count = (lim->snat_port_high - first) / sh->n_workers + 1;
	addr = snap->snat[list][w->snat_rr++ % n];
	rev->dst = snap->addr[addr].ip.v4;
	k = w->snat_next[addr] % count;
	for (tries = 0; tries < 64 && tries < count; tries++) {
		uint16_t port = (uint16_t)(first + k * sh->n_workers);

		k = k + 1 == count ? 0 : k + 1;
		rev->dport = rte_cpu_to_be_16(port);
		if (!dp_flow_key_exists(&sh->flows, rev)) {
			w->snat_next[addr] = (uint16_t)k;
			f->snat_addr = addr;
			f->snat_port = rev->dport;
			return 0;
		}
	}
	w->snat_next[addr] = (uint16_t)k;
	return -ENOSPC;
}

/* An opening SYN to a service: choose a backend and publish the flow.
 * Returns the record, or -1 when the packet was dropped, or DP_TLS_TAKEN
 * when mode tls took it and opened a flow. */
#define DP_TLS_TAKEN (-2)
static int64_t new_flow(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			const struct dp_flow_key *key)
{
	struct dp_shared *sh = w->sh;
	const struct dp_svc_table *snap = w->snap;
	const uint8_t opening = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
				RTE_TCP_FIN_FLAG;
	uint32_t local = dp_svc_local(snap, key->dst), rec, nh_ip;
	const struct dp_backend *bk;
	struct dp_flow_key rev;
	enum dp_drop why;
	struct dp_flow *f;
	uint16_t cport;
	int svc, b, cslot, ret;

	/* to tlslb itself: only health-probe answers are expected */
	if ((local & DP_LOCAL_ADDR) && dp_health_port(key->dport) &&
	    (!(local & DP_LOCAL_VIP) || dp_svc_find(snap, key->dst, key->dport) < 0)) {
		dp_health_input(w, m, p);
		return -1;
	}
	if (!(local & DP_LOCAL_VIP)) {
		dp_drop(w, m, local ? DP_DROP_DST_LOCAL : DP_DROP_DST_UNKNOWN);
		return -1;
	}
	svc = dp_svc_find(snap, key->dst, key->dport);
	if (svc < 0) {
		dp_drop(w, m, DP_DROP_NO_SERVICE);
		return -1;
	}
	if (snap->svc[svc].mode == CP_MODE_TLS)
		return dp_tls_new(w, m, p, key, svc) == 0 ? DP_TLS_TAKEN : -1;
	if ((p->tcp->tcp_flags & opening) != RTE_TCP_SYN_FLAG) {
		dp_drop(w, m, DP_DROP_NO_FLOW);
		return -1;
	}
	if (dp_flow_alloc(&w->fw, &sh->flows, &rec) < 0) {
		why = DP_DROP_FLOW_TABLE_FULL;
		goto drop;
	}
	f = &sh->flows.recs[rec];
	why = DP_DROP_NO_BACKEND;
	b = dp_sched_pick(snap, (uint16_t)svc, &w->sched, sh->bk_down);
	if (b < 0)
		goto release;
	bk = &snap->bk[b];
	why = DP_DROP_NO_ROUTE;
	if (bk->nh < 0 || dp_route_lookup(&snap->routes, key->src, &cport, &nh_ip) < 0)
		goto release;
	why = DP_DROP_NEIGH_FULL;
	cslot = dp_neigh_get(&sh->neigh, nh_ip, cport);
	if (cslot < 0)
		goto release;

	f->key[0] = *key; /* the client side (dp_flow_insert() publishes it) */
	f->backend = (uint16_t)b;
	f->client_nh = (uint16_t)cslot;
	f->last_seen = (uint32_t)w->now_ms;
	f->snat_addr = 0;
	f->snat_port = 0;
	f->flags = (uint16_t)(svc << DP_FLOW_SVC_SHIFT);
	rev = (struct dp_flow_key){ .src = bk->ip, .dst = key->src, .sport = bk->port,
				    .dport = key->sport, .proto = IPPROTO_TCP,
				    .family = AF_INET };
	if (snap->svc[svc].nat == CP_NAT_FULL) {
		why = DP_DROP_NO_SNAT;
		if (dp_worker_snat_pick(w, bk, f, &rev) < 0)
			goto release;
	}
	__atomic_store_n(&f->state, DP_FLOW_SYN, __ATOMIC_RELAXED);
	ret = dp_flow_insert(&w->fw, &sh->flows, rec, key, &rev);
	if (ret < 0) {
		/* -EEXIST: the backend would see two connections with one
		 * 4-tuple (two-arm NAT), or another worker took the key */
		why = ret == -EEXIST ? DP_DROP_FLOW_CLASH : DP_DROP_FLOW_TABLE_FULL;
		goto drop;
	}
	w->st.flows_created++;
	w->st.backend[b].new_flows++;
	w->st.backend[b].active_flows++;
	w->st.service[svc].new_flows++;
	w->st.service[svc].active_flows++;
	return rec;
release:
	dp_flow_release(&w->fw, &sh->flows, rec);
drop:
	if (why == DP_DROP_FLOW_TABLE_FULL)
		w->st.flows_table_full++;
	dp_drop(w, m, why);
	return -1;
}

/*
 * Rewrite and send a packet of flow @f. A flow's packets all carry the
 * same VIP and backend endpoints, so that part of the checksum update was
 * computed with the service table (dp_svc.h); only full-NAT's client side
 * is computed here. @d_tcp: what the caller changed in the TCP header
 * besides (a splice), as a checksum delta.
 */
static void forward(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
		    struct dp_flow *f, bool reverse, uint32_t d_tcp)
{
	const struct dp_svc_table *snap = w->snap;
	const struct dp_backend *bk = &snap->bk[f->backend];
	const struct dp_service *s = &snap->svc[dp_flow_svc(f)];
	struct dp_backend_stats *bs = &w->st.backend[f->backend];
	struct rte_ipv4_hdr *ip = p->ip;
	struct rte_tcp_hdr *tcp = p->tcp;
	uint32_t d_addr;

	dp_flow_track(f, reverse, tcp->tcp_flags, (uint32_t)w->now_ms);
	bs->packets++;
	bs->bytes += rte_pktmbuf_pkt_len(m);
	if (!reverse) {
		d_addr = bk->nat_addr_delta;
		d_tcp += bk->nat_port_delta;
		if (s->nat == CP_NAT_FULL) {
			uint32_t snat = snap->addr[f->snat_addr].ip.v4;

			d_addr += dp_csum_delta32(ip->src_addr, snat);
			d_tcp += dp_csum_delta16(tcp->src_port, f->snat_port);
			ip->src_addr = snat;
			tcp->src_port = f->snat_port;
		}
		ip->dst_addr = bk->ip;
		tcp->dst_port = bk->port;
		dp_nat4_finish(ip, tcp, d_addr, d_tcp);
		dp_xmit_neigh(w, (uint32_t)bk->nh, m);
	} else {
		d_addr = dp_csum_delta_neg(bk->nat_addr_delta);
		d_tcp += dp_csum_delta_neg(bk->nat_port_delta);
		if (s->nat == CP_NAT_FULL) {
			d_addr += dp_csum_delta32(ip->dst_addr, dp_flow_client_ip(f));
			d_tcp += dp_csum_delta16(tcp->dst_port, dp_flow_client_port(f));
			ip->dst_addr = dp_flow_client_ip(f);
			tcp->dst_port = dp_flow_client_port(f);
		}
		ip->src_addr = s->vip;
		tcp->src_port = s->port;
		dp_nat4_finish(ip, tcp, d_addr, d_tcp);
		dp_xmit_neigh(w, f->client_nh, m);
	}
}

/* Checks before the flow lookup; true when the packet goes on to it. */
static bool ipv4_classify(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			  struct dp_flow_key *key)
{
	uint32_t local;

	if (p->proto != IPPROTO_TCP) {
		local = dp_svc_local(w->snap, p->ip->dst_addr);
		dp_drop(w, m, local & DP_LOCAL_VIP ? DP_DROP_NON_TCP_VIP :
			      local ? DP_DROP_NON_TCP_LOCAL : DP_DROP_DST_UNKNOWN);
		return false;
	}
	/* everything accepted here is forwarded, so it must survive the hop */
	if (p->ip->time_to_live <= 1) {
		dp_drop(w, m, DP_DROP_IP_TTL);
		return false;
	}
	*key = dp_flow_key_tcp4(&p->ip->src_addr, &p->tcp->src_port);
	return true;
}

/* ---- backends deleted with reset ---- */

static bool reset_applies(const struct dp_worker *w, uint32_t rec, const struct dp_pkt *p)
{
	const struct dp_flow *f = &w->sh->flows.recs[rec];

	/* an RST goes on as it is; an unspliced tls flow is its context's */
	if (p->tcp->tcp_flags & RTE_TCP_RST_FLAG)
		return false;
	return !(f->flags & DP_FLOW_F_TLS) ||
	       (__atomic_load_n(&w->sh->flows.recs[rec].splice.flags, __ATOMIC_ACQUIRE) &
		DP_SPLICE_F_SPLICED);
}

static void mark_reset(struct dp_worker *w, struct dp_flow *f)
{
	if (__atomic_load_n(&f->state, __ATOMIC_RELAXED) >= DP_FLOW_RESET)
		return;
	/* retired by the owner's expiry after the reset timeout */
	__atomic_store_n(&f->last_seen, (uint32_t)w->now_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&f->state, DP_FLOW_RESET, __ATOMIC_RELAXED);
}

/*
 * tlslb tracks no sequence numbers for l4 flows, so the RSTs are cut from a
 * packet of the flow: its sender gets one at the sequence it acknowledges
 * (RFC 9293 3.10.7.4: exactly rcv_nxt, accepted at once), its peer one at the
 * packet's own sequence number. tls flows translate the server's sequence
 * space by seq_delta.
 */
static void reset_flow(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
		       uint32_t rec, bool reverse)
{
	struct dp_shared *sh = w->sh;
	struct dp_flow *f = &sh->flows.recs[rec];
	const struct dp_backend *bk = &w->snap->bk[f->backend];
	const struct dp_service *s = &w->snap->svc[dp_flow_svc(f)];
	uint8_t fl = p->tcp->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(p->tcp->sent_seq), ack = rte_be_to_cpu_32(p->tcp->recv_ack);
	uint32_t delta = (f->flags & DP_FLOW_F_TLS) ? sh->flows.recs[rec].splice.seq_delta : 0;
	uint32_t c_seq, b_seq, src = dp_flow_client_ip(f);
	uint16_t sport = dp_flow_client_port(f);
	bool has_ack = fl & RTE_TCP_ACK_FLAG;

	if (s->nat == CP_NAT_FULL) {
		src = w->snap->addr[f->snat_addr].ip.v4;
		sport = f->snat_port;
	}
	if (!reverse) {
		b_seq = seq;
		c_seq = ack;
	} else {
		b_seq = ack;
		c_seq = seq + delta;
	}
	if (has_ack || reverse)
		dp_tcpout_send(w, f->client_nh, &(struct dp_tcpout){
			.src = s->vip, .dst = dp_flow_client_ip(f), .sport = s->port,
			.dport = dp_flow_client_port(f), .seq = c_seq, .flags = RTE_TCP_RST_FLAG });
	if (bk->nh >= 0 && (has_ack || !reverse))
		dp_tcpout_send(w, (uint32_t)bk->nh, &(struct dp_tcpout){
			.src = src, .dst = bk->ip, .sport = sport, .dport = bk->port,
			.seq = b_seq, .flags = RTE_TCP_RST_FLAG });
	mark_reset(w, f);
	dp_drop(w, m, DP_DROP_BACKEND_RESET);
}

#define RESET_SCAN 1024 /* records examined per tick while resets are pending */

/* The owner's pass over its records after a reset was asked: flows that send
 * nothing more are retired too (after the reset timeout). */
static void reset_sweep(struct dp_worker *w)
{
	struct dp_shared *sh = w->sh;
	const struct dp_svc_table *snap = w->snap;
	unsigned n;

	if (likely(snap->n_reset == 0 || w->reset_seq == snap->seq))
		return;
	if (w->reset_cursor < w->fw.lo || w->reset_cursor >= w->fw.hi)
		w->reset_cursor = w->fw.lo;
	for (n = 0; n < RESET_SCAN; n++) {
		struct dp_flow *f = &sh->flows.recs[w->reset_cursor];
		uint8_t st = __atomic_load_n(&f->state, __ATOMIC_RELAXED);

		if (st >= DP_FLOW_SYN && st < DP_FLOW_RESET &&
		    (snap->bk[f->backend].flags & DP_SLOT_RESET)) {
			uint8_t sp = f->flags & DP_FLOW_F_TLS ?
					     sh->flows.recs[w->reset_cursor].splice.flags : 0;

			if (!(f->flags & DP_FLOW_F_TLS) || (sp & DP_SPLICE_F_SPLICED))
				mark_reset(w, f);
			else if (sp & DP_SPLICE_F_BOUND)
				dp_tls_flow_reset(w, w->reset_cursor);
		}
		if (++w->reset_cursor == w->fw.hi) {
			w->reset_cursor = w->fw.lo;
			w->reset_seq = snap->seq;
			return;
		}
	}
}

/*
 * The batch's lookups overlap their cache misses with the work on other
 * packets (dp_flow.h). A packet's bucket is requested as it is parsed; its
 * bucket is read (and its record requested) DP_CAND_LAG packets later in the
 * parse, or DP_CAND_AHEAD packets before its turn in the forwarding loop;
 * its record is read at its turn. Taking all the candidates at once, then
 * forwarding, stalled on the first records of every burst: at a million
 * flows about 30 cycles a packet (171 -> 142, medians of 7 A/B runs).
 */
#define DP_CAND_LAG 12u
#define DP_CAND_AHEAD 16u

static inline void batch_candidates(const struct dp_flow_table *t, struct dp_batch *b,
				    unsigned upto)
{
	for (; b->n_cand < upto; b->n_cand++)
		b->cand[b->n_cand] = dp_flow_candidate(t, b->hash[b->n_cand]);
}

static void tcp_batch_run(struct dp_worker *w, struct dp_batch *b)
{
	struct dp_shared *sh = w->sh;
	unsigned i, c, n = b->n;

	if (n == 0)
		return;
	batch_candidates(&sh->flows, b, RTE_MIN(n, DP_CAND_AHEAD));
	c = b->n_cand;
	for (i = 0; i < n; i++) {
		/* one step keeps them DP_CAND_AHEAD ahead */
		if (c < n) {
			b->cand[c] = dp_flow_candidate(&sh->flows, b->hash[c]);
			c++;
		}
		/* also finds a flow opened earlier in this batch (a retransmitted SYN) */
		int64_t ref = dp_flow_confirm(&sh->flows, &b->key[i], b->hash[i], b->cand[i]);
		uint32_t rec = (uint32_t)(ref >> 1);
		bool reverse = ref & DP_FLOW_REVERSE;
		struct dp_flow *f;
		uint32_t d_tcp;

		if (ref < 0) {
			int64_t made = new_flow(w, b->m[i], &b->p[i], &b->key[i]);

			if (made < 0)
				continue;
			rec = (uint32_t)made;
			reverse = false;
		}
		if (unlikely(w->snap->n_reset) &&
		    (w->snap->bk[sh->flows.recs[rec].backend].flags & DP_SLOT_RESET) &&
		    reset_applies(w, rec, &b->p[i])) {
			reset_flow(w, b->m[i], &b->p[i], rec, reverse);
			continue;
		}
		f = &sh->flows.recs[rec];
		d_tcp = 0;
		if (f->flags & DP_FLOW_F_TLS) {
			/* d_tls apart: an address taken would keep d_tcp in memory */
			uint32_t d_tls = 0;

			if (dp_splice_plain(&f->splice, b->p[i].tcp->tcp_flags, reverse))
				d_tls = reverse ? dp_splice_s2c(b->p[i].tcp, &f->splice) :
						  dp_splice_c2s(b->p[i].tcp, &f->splice);
			else if (dp_tls_packet(w, b->m[i], &b->p[i], rec, reverse, &d_tls))
				continue;
			d_tcp = d_tls;
		}
		forward(w, b->m[i], &b->p[i], f, reverse, d_tcp);
	}
	b->n = 0;
	b->n_cand = 0;
}

void dp_worker_rx(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **pkts, uint16_t n,
		  uint64_t now_tsc)
{
	const uint64_t mac = dp_pkt_mac_word(&w->sh->ports[cfg_port].mac);
	struct dp_port_stats *ps = &w->st.port[cfg_port];
	struct dp_batch *b = &w->batch;
	unsigned bn = b->n; /* in a register: packet stores may alias b->n */
	struct dp_flow_key key;
	enum dp_drop why;
	uint64_t bytes = 0;
	uint16_t i;

	w->now_ms = now_tsc / w->sh->tsc_per_ms;
	dp_worker_sync(w);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		/* parsed straight into the batch's next slot (bn < DP_BATCH
		 * here): a TCP packet then only has to claim it */
		struct dp_pkt *p = &b->p[bn];

		bytes += rte_pktmbuf_pkt_len(m);
		why = dp_pkt_parse(m, mac, p);
		if (why != DP_PASS) {
			dp_drop(w, m, why);
		} else if (p->kind == DP_PKT_ARP) {
			dp_arp_input(w, cfg_port, m, p);
		} else if (ipv4_classify(w, m, p, &key)) {
			/* hashed from registers: reading the key back from the
			 * batch, just written in pieces, would stall */
			b->hash[bn] = dp_flow_prefetch(&w->sh->flows, &key);
			b->key[bn] = key;
			b->m[bn] = m;
			if (++bn == DP_BATCH) {
				b->n = bn;
				tcp_batch_run(w, b);
				bn = 0;
			} else if (bn > DP_CAND_LAG) { /* one step: n_cand is bn - 1 - LAG */
				batch_candidates(&w->sh->flows, b, b->n_cand + 1);
			}
		}
	}
	b->n = bn;
	tcp_batch_run(w, b);
	ps->rx_packets += n;
	ps->rx_bytes += bytes;
}

uint16_t dp_worker_tx_take(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **out,
			   uint16_t max)
{
	struct dp_txbuf *tb = &w->tx[cfg_port];
	struct dp_port_stats *ps = &w->st.port[cfg_port];
	uint16_t n = tb->n < max ? tb->n : max, i;
	uint64_t bytes = 0;

	for (i = 0; i < n; i++) {
		out[i] = tb->pkts[i];
		bytes += rte_pktmbuf_pkt_len(out[i]);
	}
	ps->tx_packets += n;
	ps->tx_bytes += bytes;
	tb->bytes -= bytes;
	tb->n -= n;
	if (tb->n)
		memmove(tb->pkts, tb->pkts + n, tb->n * sizeof(tb->pkts[0]));
	return n;
}

void dp_worker_tx_unsent(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **pkts,
			 uint16_t n)
{
	struct dp_port_stats *ps = &w->st.port[cfg_port];
	uint16_t i;

	for (i = 0; i < n; i++) {
		ps->tx_packets--;
		ps->tx_bytes -= rte_pktmbuf_pkt_len(pkts[i]);
		dp_drop(w, pkts[i], DP_DROP_TX_UNSENT);
	}
}

uint16_t dp_worker_tx_pending(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf ***pkts)
{
	*pkts = w->tx[cfg_port].pkts;
	return w->tx[cfg_port].n;
}

void dp_worker_tx_sent(struct dp_worker *w, uint16_t cfg_port, uint16_t sent)
{
	struct dp_txbuf *tb = &w->tx[cfg_port];
	struct dp_port_stats *ps = &w->st.port[cfg_port];

	/* all counted as sent, then the refused taken back: still ours,
	 * their lengths may be read */
	ps->tx_packets += tb->n;
	ps->tx_bytes += tb->bytes;
	if (unlikely(sent < tb->n))
		dp_worker_tx_unsent(w, cfg_port, tb->pkts + sent, (uint16_t)(tb->n - sent));
	tb->bytes = 0;
	tb->n = 0;
}

void dp_worker_tick(struct dp_worker *w, uint64_t now_tsc)
{
	struct dp_shared *sh = w->sh;

	w->now_ms = now_tsc / sh->tsc_per_ms;
	/* between bursts this worker holds no flow reference, and no snapshot */
	rte_rcu_qsbr_quiescent(sh->qs, w->index);
	dp_worker_sync(w);
	dp_flow_reclaim(&w->fw, &sh->flows, sh->qs);
	reset_sweep(w);
	/* tls timers first: a hello timing out binds and refreshes its flow */
	dp_tls_tick(w);
	dp_health_tick(w);
	dp_flow_expire(&w->fw, &sh->flows, sh->qs, (uint32_t)w->now_ms, flow_removed, w);
	dp_xmit_waiting(w, -1, true);
}

const struct dp_stats *dp_worker_stats(const struct dp_worker *w)
{
	return &w->st;
}

struct dp_worker *dp_worker_create(struct dp_shared *sh, unsigned worker_index,
				   struct rte_mempool *mp)
{
	struct dp_worker *w;
	uint32_t per_neigh = sh->cfg.limits.neigh_queue;
	int ret;

	if (worker_index >= sh->n_workers || sh->workers[worker_index] != NULL || mp == NULL) {
		errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, sh->socket);
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	w->sh = sh;
	w->index = worker_index;
	w->mp = mp;
	dp_flow_worker_init(&w->fw, &sh->flows, worker_index);
	ret = dp_neigh_waitset_init(&w->ws, per_neigh > DP_TX_BUF ? DP_TX_BUF : per_neigh,
				    sh->socket);
	if (ret < 0)
		goto fail;
	if (rte_rcu_qsbr_thread_register(sh->qs, worker_index) != 0) {
		ret = -rte_errno;
		goto fail_ws;
	}
	ret = dp_tls_worker_init(w);
	if (ret < 0) {
		rte_rcu_qsbr_thread_unregister(sh->qs, worker_index);
		goto fail_ws;
	}
	rte_rcu_qsbr_thread_online(sh->qs, worker_index);
	dp_worker_sync(w);
	__atomic_store_n(&sh->workers[worker_index], w, __ATOMIC_RELEASE);
	return w;
fail_ws:
	dp_neigh_waitset_fini(&w->ws);
fail:
	rte_free(w);
	errno = -ret;
	return NULL;
}

void dp_worker_free(struct dp_worker *w)
{
	struct dp_shared *sh;
	unsigned p;

	if (w == NULL)
		return;
	sh = w->sh;
	w->st.drop[DP_DROP_NEIGH_FAILED] += dp_neigh_waitset_fini(&w->ws);
	for (p = 0; p < CP_MAX_PORTS; p++) {
		w->st.drop[DP_DROP_TX_UNSENT] += w->tx[p].n;
		rte_pktmbuf_free_bulk(w->tx[p].pkts, w->tx[p].n);
		w->tx[p].n = 0;
		w->tx[p].bytes = 0;
	}
	/* flows it was retiring keep their memory: freeing workers is for shutdown,
	 * when waiting for the other workers' quiescence could wait forever */
	rte_rcu_qsbr_thread_offline(sh->qs, w->index);
	rte_rcu_qsbr_thread_unregister(sh->qs, w->index);
	dp_stats_retire(sh, w->index, &w->st);
	dp_tls_worker_fini(w);
	rte_free(w);
}
