/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode tls on the packet path: the cookie handshake, the hello, binding to a
 * backend, and the server-flight scan of a spliced flow (see dp_tls.h).
 *
 * tlslb never acknowledges the hello bytes. The client keeps them for
 * retransmission, so the hello buffer can be freed right after the replay,
 * a replay segment lost on the way to the backend is retransmitted by the
 * client itself through the splice, and bytes the buffer could not hold
 * (past its capacity, a fourth hole) need no special path: the client sends
 * them again. tlslb sends the client nothing between the SYN-ACK and the
 * splice (a duplicate ACK would only invite a fast retransmission); the
 * SYN-ACK's window, what the buffer holds, is the real window. The price: a
 * binding slower than the client's RTO costs one retransmitted segment.
 * The replay sends what the backend's SYN-ACK window admits, the rest as
 * its ACKs open the window (on the backend's worker); the buffer goes when
 * all is out, or at the hello timeout (the client then retransmits).
 *
 * A client FIN during HELLO ends the wait: the backend is chosen with what
 * arrived, and the FIN, never acknowledged, is retransmitted by the client
 * through the splice. A client RST retires the flow.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_ring.h>

#include "dp_internal.h"
#include "dp_sched.h"
#include "dp_splice.h"
#include "dp_tls.h"
#include "dp_tlsroute.h"

#define FL_SYN RTE_TCP_SYN_FLAG
#define FL_ACK RTE_TCP_ACK_FLAG
#define FL_RST RTE_TCP_RST_FLAG
#define FL_FIN RTE_TCP_FIN_FLAG
#define FL_PSH RTE_TCP_PSH_FLAG

/* ---- segment views ---- */

static const uint8_t *seg_payload(const struct dp_pkt *p, uint32_t *len)
{
	unsigned ihl = (p->ip->version_ihl & 0xf) * 4u, doff = (p->tcp->data_off >> 4) * 4u;

	*len = p->ip_len - ihl - doff;
	return (const uint8_t *)p->tcp + doff;
}

static void seg_opts(const struct dp_pkt *p, struct dp_tcpopt *o)
{
	unsigned len = (p->tcp->data_off >> 4) * 4u - sizeof(struct rte_tcp_hdr);

	if (dp_tcpopt_parse((const uint8_t *)(p->tcp + 1), len, o) != DP_TCPOPT_OK)
		o->flags = 0;
}

static uint32_t seq_of(const struct dp_pkt *p)
{
	return rte_be_to_cpu_32(p->tcp->sent_seq);
}

static uint32_t ack_of(const struct dp_pkt *p)
{
	return rte_be_to_cpu_32(p->tcp->recv_ack);
}

/*
 * tlslb ends the client's connection until the splice and the backend's
 * until its SYN-ACK: a segment it answers itself (SYN, cookie ACK, hello
 * bytes, the backend's handshake, resets) must carry a right checksum, or a
 * corrupted one would validate a cookie, enter the hello or move a binding.
 * Spliced segments are not checked: their checksum is updated incrementally,
 * a wrong one stays wrong and the end host drops it. The port's verdict is
 * taken when it gives one (NONE: the data was verified, the field not set).
 */
static bool seg_csum_ok(const struct rte_mbuf *m, const struct dp_pkt *p)
{
	uint32_t l4_len, sum;
	uint16_t raw;

	switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
	case RTE_MBUF_F_RX_L4_CKSUM_NONE:
		return true;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD:
		return false;
	default:
		break;
	}
	l4_len = p->ip_len - (p->ip->version_ihl & 0xf) * 4u;
	if (m->nb_segs == 1) {
		raw = rte_raw_cksum(p->tcp, l4_len);
	} else if (rte_raw_cksum_mbuf(m, (uint32_t)((const uint8_t *)p->tcp -
						     rte_pktmbuf_mtod(m, const uint8_t *)),
				      l4_len, &raw) < 0) {
		return false;
	}
	sum = (uint32_t)rte_ipv4_phdr_cksum(p->ip, 0) + raw;
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)(sum + (sum >> 16)) == 0xffff;
}

static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ---- handshake contexts ---- */

static struct dp_hsctx *hs_of(const struct dp_shared *sh, uint32_t rec)
{
	uint16_t i = sh->flows.recs[rec].splice.hs;

	return i ? &sh->tls->hs[i - 1] : NULL;
}

/* Under the context's lock; the context goes back to the ring in hs_flush(),
 * after the lock (a new owner may clear all but the lock at once). */
static void hs_free(struct dp_worker *w, uint32_t rec)
{
	struct dp_shared *sh = w->sh;
	struct dp_splice *sp = &sh->flows.recs[rec].splice;
	struct dp_hsctx *hs = hs_of(sh, rec);

	if (hs == NULL)
		return;
	dp_hellobuf_release(&hs->hb, &sh->tls->pool);
	hs->phase = DP_HS_FREE;
	__atomic_store_n(&sp->hs, 0, __ATOMIC_RELEASE);
	if (w->tls->n_pend == DP_TLS_PEND) /* never: at most one per locked section */
		return;
	w->tls->pend[w->tls->n_pend++] = (uint32_t)(hs - sh->tls->hs);
}

static void hs_flush(struct dp_worker *w)
{
	while (w->tls->n_pend)
		rte_ring_enqueue(w->sh->tls->hs_free,
				 (void *)(uintptr_t)w->tls->pend[--w->tls->n_pend]);
}

/* The context of @rec, locked, or NULL when it has none (any more). */
static struct dp_hsctx *hs_lock(struct dp_shared *sh, uint32_t rec)
{
	struct dp_hsctx *hs = hs_of(sh, rec);

	if (hs == NULL)
		return NULL;
	rte_spinlock_lock(&hs->lock);
	if (hs->phase == DP_HS_FREE || hs->rec != rec) {
		rte_spinlock_unlock(&hs->lock);
		return NULL;
	}
	return hs;
}

/* ---- keys ---- */

/* The reverse key of a flow not yet bound to a backend: its forward key
 * marked (zero is 0 in every key built from a packet), so no packet matches
 * it and it is unique as the forward key is, even for a client that uses one
 * port towards two services at once. */
static void placeholder_key(const struct dp_flow_key *fwd, struct dp_flow_key *rev)
{
	*rev = *fwd;
	rev->zero = 1;
}

static void removed_locked(struct dp_worker *w, uint32_t rec)
{
	struct dp_shared *sh = w->sh;
	struct dp_splice *sp = &sh->flows.recs[rec].splice;

	if (sp->flags & DP_SPLICE_F_BOUND)
		w->st.backend[sh->flows.recs[rec].backend].active_flows--;
	w->st.service[dp_flow_svc(&sh->flows.recs[rec])].active_flows--;
	hs_free(w, rec);
	sp->flags = 0;
}

/* Retire a tls flow now (client reset, binding failed); its context locked.
 * Only the owner retires at once (dp_flow_remove retries a state another
 * worker moved meanwhile). Another worker (never, as the work is split, see
 * dp_tls.h) leaves the record to the owner's expiry pass: the state moves to
 * RESET unless it is already going, and the context is freed now so that
 * its timers stop; the record's counters go with the record. A record
 * already going (-EBUSY) is the expiry's: nothing to do, and no state may
 * be written back into it. */
static void flow_kill(struct dp_worker *w, uint32_t rec)
{
	struct dp_shared *sh = w->sh;
	struct dp_flow *f = &sh->flows.recs[rec];
	uint8_t s;
	int rc;

	rc = dp_flow_remove(&w->fw, &sh->flows, rec, sh->qs);
	if (rc == 0) {
		w->st.flows_closed++;
		removed_locked(w, rec);
		return;
	}
	if (rc == -EBUSY)
		return;
	s = __atomic_load_n(&f->state, __ATOMIC_RELAXED);
	while (s != DP_FLOW_FREE && s != DP_FLOW_DEAD && s != DP_FLOW_RESET &&
	       !__atomic_compare_exchange_n(&f->state, &s, DP_FLOW_RESET, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	hs_free(w, rec);
}

void dp_tls_flow_removed(struct dp_worker *w, uint32_t rec)
{
	struct dp_shared *sh = w->sh;
	struct dp_hsctx *hs = hs_lock(sh, rec);

	removed_locked(w, rec);
	if (hs != NULL)
		rte_spinlock_unlock(&hs->lock);
	hs_flush(w);
}

static bool owns(const struct dp_worker *w, uint32_t rec)
{
	return rec >= w->fw.lo && rec < w->fw.hi;
}

/* ---- the cookie handshake ---- */

static bool client_slot(struct dp_worker *w, uint32_t client, uint32_t *slot)
{
	uint32_t nh_ip;
	uint16_t port;
	int s;

	if (dp_route_lookup(&w->snap->routes, client, &port, &nh_ip) < 0)
		return false;
	s = dp_neigh_get(&w->sh->neigh, nh_ip, port);
	if (s < 0)
		return false;
	*slot = (uint32_t)s;
	return true;
}

static const struct dp_syncookie_secret *secret(const struct dp_shared *sh)
{
	return __atomic_load_n(&sh->tls->cur, __ATOMIC_ACQUIRE);
}

static void cookie_syn(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p)
{
	const struct dp_shared *sh = w->sh;
	struct dp_syncookie_opts so = { 0 };
	struct dp_syncookie_in in;
	struct dp_tcpopt o, r = { .flags = DP_TCPOPT_F_MSS };
	uint32_t slot, isn;
	uint16_t mss;

	seg_opts(p, &o);
	if (!client_slot(w, p->ip->src_addr, &slot)) {
		dp_drop(w, m, DP_DROP_NO_ROUTE);
		return;
	}
	mss = o.flags & DP_TCPOPT_F_MSS ? o.mss : 536;
	dp_syncookie_in4(&in, p->ip->src_addr, p->ip->dst_addr, p->tcp->src_port,
			 p->tcp->dst_port, seq_of(p));
	isn = dp_syncookie_make(secret(sh), &in, dp_syncookie_counter(w->now_ms), mss);
	r.mss = dp_syncookie_mss_clamp(AF_INET, mss);
	/* without timestamps the cookie remembers the MSS only: offer nothing else */
	if (o.flags & DP_TCPOPT_F_TS) {
		so.wscale_ok = o.flags & DP_TCPOPT_F_WSCALE;
		so.wscale = o.wscale;
		so.sack_ok = o.flags & DP_TCPOPT_F_SACK_PERM;
		r.flags |= DP_TCPOPT_F_TS;
		r.tsval = dp_syncookie_tsval((uint32_t)w->now_ms, &so);
		r.tsecr = o.tsval;
		if (so.wscale_ok) {
			r.flags |= DP_TCPOPT_F_WSCALE;
			r.wscale = DP_TLS_WSCALE;
		}
		if (so.sack_ok)
			r.flags |= DP_TCPOPT_F_SACK_PERM;
	}
	dp_tcpout_send(w, slot, &(struct dp_tcpout){
		.src = p->ip->dst_addr, .dst = p->ip->src_addr,
		.sport = p->tcp->dst_port, .dport = p->tcp->src_port,
		.seq = isn, .ack = seq_of(p) + 1, .flags = FL_SYN | FL_ACK,
		.win = DP_HELLOBUF_CAP_DEFAULT < 65535 ? DP_HELLOBUF_CAP_DEFAULT : 65535,
		.opts = &r });
	w->st.tls[DP_TLSC_COOKIE_SENT]++;
	rte_pktmbuf_free(m);
}

static void hello_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			uint32_t rec, struct dp_hsctx *hs);

/* The first segment after the SYN: validate the cookie, open the flow. */
static int cookie_ack(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
		      const struct dp_flow_key *key, int svc)
{
	struct dp_shared *sh = w->sh;
	struct dp_tls_shared *t = sh->tls;
	const struct dp_service *s = &w->snap->svc[svc];
	struct dp_syncookie_opts co;
	struct dp_syncookie_in in;
	struct dp_flow_key rev;
	struct dp_tcpopt o;
	struct dp_hsctx *hs;
	struct dp_flow *f;
	void *obj;
	uint32_t rec, slot;
	bool has_ts;
	int rc;

	seg_opts(p, &o);
	has_ts = o.flags & DP_TCPOPT_F_TS;
	dp_syncookie_in4(&in, key->src, key->dst, key->sport, key->dport, seq_of(p) - 1);
	rc = dp_syncookie_check(secret(sh), &in, ack_of(p) - 1, o.tsecr, has_ts,
				dp_syncookie_counter(w->now_ms), &co);
	if (rc < 0) {
		dp_drop(w, m, rc == DP_SYNCOOKIE_ESTALE ? DP_DROP_COOKIE_STALE :
			      DP_DROP_COOKIE_FORGED);
		return -1;
	}
	if (s->n == 0) {
		dp_drop(w, m, DP_DROP_NO_BACKEND);
		return -1;
	}
	if (!client_slot(w, key->src, &slot)) {
		dp_drop(w, m, DP_DROP_NO_ROUTE);
		return -1;
	}
	if (rte_ring_dequeue(t->hs_free, &obj) != 0) {
		dp_drop(w, m, DP_DROP_TLS_NO_CONTEXT);
		return -1;
	}
	if (dp_flow_alloc(&w->fw, &sh->flows, &rec) < 0) {
		rte_ring_enqueue(t->hs_free, obj);
		w->st.flows_table_full++;
		dp_drop(w, m, DP_DROP_FLOW_TABLE_FULL);
		return -1;
	}
	f = &sh->flows.recs[rec];
	f->key[0] = *key; /* the client side (dp_flow_insert() publishes it) */
	f->backend = 0; /* none until bound (DP_SPLICE_F_BOUND) */
	f->client_nh = (uint16_t)slot;
	/* kept by its own timers until bound: idle expiry counts from the deadline */
	f->last_seen = (uint32_t)w->now_ms + s->hello_timeout_ms;
	f->snat_addr = 0;
	f->snat_port = 0;
	f->flags = (uint16_t)(DP_FLOW_F_TLS | svc << DP_FLOW_SVC_SHIFT);
	hs = &t->hs[(uintptr_t)obj];
	memset(&hs->rec, 0, offsetof(struct dp_hsctx, scan) - offsetof(struct dp_hsctx, rec));
	hs->rec = rec;
	hs->phase = DP_HS_HELLO;
	hs->svc = (uint8_t)svc;
	hs->mss = co.mss;
	hs->c_wscale = co.wscale_ok ? co.wscale : 0xff;
	hs->c_sack = co.sack_ok;
	hs->c_ts = has_ts;
	hs->c_win = rte_be_to_cpu_16(p->tcp->rx_win);
	hs->client_isn = seq_of(p) - 1;
	hs->cookie_isn = ack_of(p) - 1;
	hs->c_tsval = o.tsval;
	hs->my_tsval = o.tsecr;
	hs->deadline_ms = (uint32_t)w->now_ms + s->hello_timeout_ms;
	dp_hellobuf_init(&hs->hb, hs->client_isn, DP_HELLOBUF_CAP_DEFAULT);
	sh->flows.recs[rec].splice = (struct dp_splice){ .hs = (uint16_t)((uintptr_t)obj + 1) };
	placeholder_key(key, &rev);
	__atomic_store_n(&f->state, DP_FLOW_SYN, __ATOMIC_RELAXED);
	rc = dp_flow_insert(&w->fw, &sh->flows, rec, key, &rev);
	if (rc < 0) {
		hs_free(w, rec);
		hs_flush(w);
		sh->flows.recs[rec].splice.flags = 0;
		if (rc == -EEXIST) {
			/* the same ACK, taken meanwhile by another worker */
			dp_drop(w, m, DP_DROP_FLOW_CLASH);
			return -1;
		}
		w->st.flows_table_full++;
		dp_drop(w, m, DP_DROP_FLOW_TABLE_FULL);
		return -1;
	}
	w->st.flows_created++;
	w->st.service[svc].new_flows++;
	w->st.service[svc].active_flows++;
	w->st.tls[DP_TLSC_COOKIE_OK]++;
	rte_spinlock_lock(&hs->lock);
	hello_input(w, m, p, rec, hs);
	rte_spinlock_unlock(&hs->lock);
	hs_flush(w);
	return 0;
}

int dp_tls_new(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
	       const struct dp_flow_key *key, int svc)
{
	uint8_t fl = p->tcp->tcp_flags & (FL_SYN | FL_ACK | FL_RST | FL_FIN);

	if (unlikely(w->tls == NULL)) {
		dp_drop(w, m, DP_DROP_TLS_NO_CONTEXT);
		return -1;
	}
	if (!seg_csum_ok(m, p)) {
		dp_drop(w, m, DP_DROP_TCP_CSUM);
		return -1;
	}
	if (fl == FL_SYN) {
		cookie_syn(w, m, p);
		return -1;
	}
	if ((fl & (FL_SYN | FL_RST | FL_ACK)) == FL_ACK)
		return cookie_ack(w, m, p, key, svc);
	dp_drop(w, m, DP_DROP_NO_FLOW);
	return -1;
}

/* ---- binding ---- */

static void client_rst(struct dp_worker *w, uint32_t rec, const struct dp_hsctx *hs)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_flow *f = &sh->flows.recs[rec];
	const struct dp_service *s = &w->snap->svc[hs->svc];

	dp_tcpout_send(w, f->client_nh, &(struct dp_tcpout){
		.src = s->vip, .dst = dp_flow_client_ip(f), .sport = s->port,
		.dport = dp_flow_client_port(f), .seq = hs->cookie_isn + 1, .ack = dp_hellobuf_rcv_nxt(&hs->hb),
		.flags = FL_RST | FL_ACK });
}

/* The source the backend sees: the client (two-arm) or the snat address. */
static void backend_side(const struct dp_worker *w, const struct dp_flow *f, uint32_t *src,
			 uint16_t *sport)
{
	*src = dp_flow_client_ip(f);
	*sport = dp_flow_client_port(f);
	if (w->snap->svc[dp_flow_svc(f)].nat == CP_NAT_FULL) {
		*src = w->snap->addr[f->snat_addr].ip.v4;
		*sport = f->snat_port;
	}
}

/* Reset the backend the flow is bound to (its SYN out, maybe answered with a
 * SYN-ACK that never reached us): seq = the client's ISN + 1, the only
 * number its half-open connection accepts. */
static void backend_rst(struct dp_worker *w, uint32_t rec, const struct dp_hsctx *hs)
{
	const struct dp_flow *f = &w->sh->flows.recs[rec];
	const struct dp_backend *bk = &w->snap->bk[f->backend];
	uint32_t src;
	uint16_t sport;

	if (bk->nh < 0)
		return;
	backend_side(w, f, &src, &sport);
	dp_tcpout_send(w, (uint32_t)bk->nh, &(struct dp_tcpout){
		.src = src, .dst = bk->ip, .sport = sport, .dport = bk->port,
		.seq = hs->client_isn + 1, .flags = FL_RST });
}

static uint16_t client_window_c2s(const struct dp_hsctx *hs, bool backend_scales)
{
	if (hs->c_wscale == 0xff || backend_scales)
		return hs->c_win;
	return dp_window_rescale(hs->c_win, hs->c_wscale, 0);
}

static void backend_syn(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_flow *f = &sh->flows.recs[rec];
	const struct dp_backend *bk = &w->snap->bk[f->backend];
	struct dp_tcpopt o = { .flags = DP_TCPOPT_F_MSS, .mss = hs->mss };
	uint32_t src, win = hs->c_win;
	uint16_t sport;

	if (hs->c_wscale != 0xff) {
		o.flags |= DP_TCPOPT_F_WSCALE;
		o.wscale = hs->c_wscale;
		win <<= hs->c_wscale;
	}
	if (hs->c_sack)
		o.flags |= DP_TCPOPT_F_SACK_PERM;
	if (hs->c_ts) {
		o.flags |= DP_TCPOPT_F_TS;
		o.tsval = hs->c_tsval;
		o.tsecr = 0;
	}
	backend_side(w, f, &src, &sport);
	dp_tcpout_send(w, (uint32_t)bk->nh, &(struct dp_tcpout){
		.src = src, .dst = bk->ip, .sport = sport, .dport = bk->port,
		.seq = hs->client_isn, .flags = FL_SYN,
		.win = (uint16_t)(win > 65535 ? 65535 : win), .opts = &o });
	w->st.tls[DP_TLSC_BACKEND_SYN]++;
	if (hs->syns)
		w->st.tls[DP_TLSC_BACKEND_SYN_RETX]++;
	hs->syns++;
	hs->deadline_ms = (uint32_t)w->now_ms + DP_TLS_SYN_RTO_MS;
	__atomic_store_n(&w->sh->flows.recs[rec].last_seen, hs->deadline_ms, __ATOMIC_RELAXED);
}

static bool tried(const struct dp_hsctx *hs, int b)
{
	unsigned i;

	for (i = 0; i < hs->attempts; i++)
		if (hs->tried[i] == b)
			return true;
	return false;
}

/* Point the flow at backend @b and send it the SYN. false: unusable. */
static bool bind_to(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs, int b)
{
	struct dp_shared *sh = w->sh;
	struct dp_flow *f = &sh->flows.recs[rec];
	struct dp_splice *sp = &sh->flows.recs[rec].splice;
	const struct dp_backend *bk = &w->snap->bk[b];
	struct dp_flow_key rev;
	uint8_t old_addr = f->snat_addr;
	uint16_t old_port = f->snat_port;

	hs->tried[hs->attempts++] = (uint16_t)b;
	if (bk->nh < 0)
		return false;
	rev = (struct dp_flow_key){ .src = bk->ip, .dst = dp_flow_client_ip(f), .sport = bk->port,
				    .dport = dp_flow_client_port(f), .proto = IPPROTO_TCP,
				    .family = AF_INET };
	if (w->snap->svc[hs->svc].nat == CP_NAT_FULL && dp_worker_snat_pick(w, bk, f, &rev) < 0)
		return false;
	/* -EEXIST: that backend already has a connection from this client port */
	if (dp_flow_rekey_reverse(&sh->flows, rec, &rev) < 0) {
		f->snat_addr = old_addr;
		f->snat_port = old_port;
		return false;
	}
	if (sp->flags & DP_SPLICE_F_BOUND)
		w->st.backend[f->backend].active_flows--;
	f->backend = (uint16_t)b;
	sp->flags |= DP_SPLICE_F_BOUND;
	w->st.backend[b].new_flows++;
	w->st.backend[b].active_flows++;
	hs->phase = DP_HS_BINDING;
	hs->syns = 0;
	hs->refused = false;
	backend_syn(w, rec, hs);
	return true;
}

static int pick(struct dp_worker *w, const struct dp_hsctx *hs)
{
	const struct dp_service *s = &w->snap->svc[hs->svc];
	int b = -1;
	unsigned i;

	/* round-robin over the backends that take new flows (weight, enabled,
	 * not down), passing over those this flow tried already */
	for (i = 0; i < s->n; i++) {
		b = dp_sched_pick(w->snap, hs->svc, &w->sched, w->sh->bk_down);
		if (b < 0 || !tried(hs, b))
			break;
	}
	return b;
}

/* Bind to @b, or to the next backends, or reset the client. */
static void bind_or_fail(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs, int b)
{
	while (b >= 0 && hs->attempts < DP_TLS_BACKEND_TRIES) {
		if (bind_to(w, rec, hs, b))
			return;
		w->st.tls[DP_TLSC_BIND_ERROR]++;
		b = pick(w, hs);
		if (b >= 0 && tried(hs, b))
			break;
	}
	w->st.tls[DP_TLSC_BIND_FAILED]++;
	client_rst(w, rec, hs);
	flow_kill(w, rec);
}

static void next_backend(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs)
{
	int b;

	if (hs->attempts >= DP_TLS_BACKEND_TRIES) {
		bind_or_fail(w, rec, hs, -1);
		return;
	}
	b = pick(w, hs);
	bind_or_fail(w, rec, hs, b >= 0 && tried(hs, b) ? -1 : b);
}

/* The hello is decided: choose the backend (DESIGN.md "Choosing the backend"). */
static void decide(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs,
		   enum tlsp_status status, enum tlsp_reason reason,
		   const struct tlsp_client_hello *ch)
{
	const struct dp_svc_table *snap = w->snap;
	const struct dp_service *s = &snap->svc[hs->svc];
	struct dp_tlsroute_ctx ctx = {
		.learn = s->learn,
		.bk_service = snap->bk_svc,
		.service = hs->svc,
		.down = w->sh->bk_down,
		.server_id_len = s->server_id_len,
		.psk_server_id = s->psk_server_id,
		.n_server_ids = s->n_sid,
		.server_ids = &snap->server_ids[s->sid_first],
		.now = (uint32_t)(w->now_ms / 1000),
		.stats = &w->st.route,
	};
	int b = -1;

	dp_tlsstats_hello(&w->st.route, status, reason, hs->segments);
	hs->tls_status = (uint8_t)status;
	if (status != TLSP_OK)
		ch = NULL;
	if (ch != NULL)
		tlsp_server_scan_init(&hs->scan, ch, dp_learn_key_name_len(ctx.learn));
	if (dp_tlsroute_choose(&ctx, ch, snap->bk_state, &b, NULL) < 0)
		b = pick(w, hs);
	if (b < 0) {
		w->st.drop[DP_DROP_NO_BACKEND]++;
		client_rst(w, rec, hs);
		flow_kill(w, rec);
		return;
	}
	bind_or_fail(w, rec, hs, b);
}

static void hello_decide_now(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs, bool force)
{
	struct tlsp_client_hello ch;
	enum tlsp_reason reason = TLSP_R_NONE;
	enum tlsp_status st = TLSP_NEED_MORE;
	const uint8_t *data;
	size_t len;

	data = dp_hellobuf_data(&hs->hb, &len);
	if (len)
		st = tlsp_client_hello_parse(data, len, &w->tls->popts, &ch, NULL, &reason);
	if (st == TLSP_NEED_MORE) {
		if (!force && len < hs->hb.cap)
			return;
		if (len >= hs->hb.cap)
			w->st.tls[DP_TLSC_HELLO_FULL]++;
	}
	decide(w, rec, hs, st, reason, &ch);
}

/* The payload into the hello buffer, piece by piece when the port chained
 * the frame over several mbufs (jumbo frames, scattered receive): a hello
 * that always arrives chained must not be lost to every retransmission. */
static int hello_add(struct dp_worker *w, struct dp_hsctx *hs, const struct rte_mbuf *m,
		     const struct dp_pkt *p, unsigned *ev)
{
	struct dp_hello_pool *pool = &w->sh->tls->pool;
	uint32_t len, off, n, seq = seq_of(p);
	const uint8_t *data = seg_payload(p, &len);
	unsigned piece;
	int rc = 0;

	*ev = 0;
	if (len == 0)
		return 0;
	if (m->nb_segs == 1)
		return dp_hellobuf_add(&hs->hb, pool, seq, data, len, ev);
	off = (uint32_t)(data - rte_pktmbuf_mtod(m, const uint8_t *));
	for (; m != NULL && len; m = m->next) {
		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		n = RTE_MIN((uint32_t)m->data_len - off, len);
		piece = 0;
		rc = dp_hellobuf_add(&hs->hb, pool, seq,
				     rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, &piece);
		if (rc < 0)
			break;
		*ev |= piece;
		seq += n;
		len -= n;
		off = 0;
	}
	return rc;
}

static void hello_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			uint32_t rec, struct dp_hsctx *hs)
{
	uint8_t fl = p->tcp->tcp_flags;
	struct dp_tcpopt o;
	unsigned ev = 0;

	if (fl & FL_RST) {
		w->st.tls[DP_TLSC_HELLO_RST]++;
		rte_pktmbuf_free(m);
		flow_kill(w, rec);
		return;
	}
	if (fl & FL_SYN) {
		dp_drop(w, m, DP_DROP_TLS_STRAY);
		return;
	}
	seg_opts(p, &o);
	if ((o.flags & DP_TCPOPT_F_TS) && after(o.tsval, hs->c_tsval))
		hs->c_tsval = o.tsval;
	hs->c_win = rte_be_to_cpu_16(p->tcp->rx_win);
	if (hello_add(w, hs, m, p, &ev) < 0)
		w->st.tls[DP_TLSC_HELLO_NOMEM]++;
	if (ev & DP_HB_NEW)
		hs->segments++;
	rte_pktmbuf_free(m);
	if (fl & FL_FIN) {
		w->st.tls[DP_TLSC_HELLO_FIN]++;
		hello_decide_now(w, rec, hs, true);
	} else if (ev & DP_HB_NEW) {
		hello_decide_now(w, rec, hs, false);
	}
}

void dp_tls_flow_reset(struct dp_worker *w, uint32_t rec)
{
	struct dp_shared *sh = w->sh;
	struct dp_hsctx *hs = hs_lock(sh, rec);

	if (hs == NULL)
		return;
	if (hs->phase == DP_HS_BINDING && owns(w, rec)) {
		/* the backend's half-open connection, and the client's */
		backend_rst(w, rec, hs);
		client_rst(w, rec, hs);
		flow_kill(w, rec);
	}
	rte_spinlock_unlock(&hs->lock);
	hs_flush(w);
}

/* ---- the backend's answer ---- */

/* Replay the hello bytes up to offset @limit (what the backend's window
 * admits) from where the replay stands, in segments the backend takes. */
static void replay_more(struct dp_worker *w, uint32_t rec, struct dp_hsctx *hs, uint32_t limit,
			uint32_t b_tsval)
{
	const struct dp_flow *f = &w->sh->flows.recs[rec];
	const struct dp_backend *bk = &w->snap->bk[f->backend];
	struct dp_tcpopt a = { .flags = DP_TCPOPT_F_TS, .tsval = hs->c_tsval, .tsecr = b_tsval };
	const uint8_t *data;
	uint32_t src;
	size_t len;
	uint16_t sport;

	data = dp_hellobuf_data(&hs->hb, &len);
	if (limit > len)
		limit = (uint32_t)len;
	backend_side(w, f, &src, &sport);
	while (hs->replay_sent < limit) {
		uint32_t off = hs->replay_sent;
		uint16_t n = (uint16_t)RTE_MIN(limit - off, (uint32_t)hs->replay_seg);

		dp_tcpout_send(w, (uint32_t)bk->nh, &(struct dp_tcpout){
			.src = src, .dst = bk->ip, .sport = sport, .dport = bk->port,
			.seq = hs->client_isn + 1 + off, .ack = hs->backend_isn + 1,
			.flags = (uint8_t)(FL_ACK | (off + n == len ? FL_PSH : 0)),
			.win = hs->replay_win, .opts = hs->replay_ts ? &a : NULL,
			.data = data + off, .len = n });
		w->st.tls[DP_TLSC_REPLAY_SEGMENTS]++;
		hs->replay_sent += n;
	}
	if (hs->replay_sent >= len)
		dp_hellobuf_release(&hs->hb, &w->sh->tls->pool);
}

/* A backend ACK while the replay waits for window: send what it admits now.
 * Done (or the context's only purpose): true when the context may go. */
static bool replay_ack(struct dp_worker *w, const struct dp_pkt *p, uint32_t rec,
		       struct dp_hsctx *hs)
{
	uint32_t acked = ack_of(p) - (hs->client_isn + 1), wnd;
	struct dp_tcpopt o;
	size_t len;

	(void)dp_hellobuf_data(&hs->hb, &len);
	if (!(p->tcp->tcp_flags & FL_ACK) || acked > len)
		return false;
	seg_opts(p, &o);
	wnd = (uint32_t)rte_be_to_cpu_16(p->tcp->rx_win) << hs->b_wscale;
	replay_more(w, rec, hs, acked + wnd < acked ? UINT32_MAX : acked + wnd,
		    o.flags & DP_TCPOPT_F_TS ? o.tsval : 0);
	return hs->replay_sent >= len;
}

static void splice_up(struct dp_worker *w, const struct dp_pkt *p, uint32_t rec,
		      struct dp_hsctx *hs)
{
	struct dp_shared *sh = w->sh;
	struct dp_flow *f = &sh->flows.recs[rec];
	struct dp_splice *sp = &sh->flows.recs[rec].splice;
	const struct dp_service *s = &w->snap->svc[hs->svc];
	const struct dp_backend *bk = &w->snap->bk[f->backend];
	struct dp_tcpopt o, a = { 0 };
	uint32_t b_isn = seq_of(p), src, seg;
	bool scales, pending;
	size_t len;
	uint16_t sport, win;

	seg_opts(p, &o);
	hs->backend_isn = b_isn;
	sp->seq_delta = hs->cookie_isn - b_isn;
	sp->flags &= ~(DP_SPLICE_F_TS | DP_SPLICE_F_C2S_UNSCALE);
	if (hs->c_ts && (o.flags & DP_TCPOPT_F_TS)) {
		/* the first translated TSval is the last one tlslb sent: never behind (PAWS) */
		sp->flags |= DP_SPLICE_F_TS;
		sp->ts_delta = hs->my_tsval - o.tsval;
		a.flags = DP_TCPOPT_F_TS;
		a.tsval = hs->c_tsval;
		a.tsecr = o.tsval;
	}
	scales = hs->c_wscale != 0xff && (o.flags & DP_TCPOPT_F_WSCALE);
	if (scales)
		sp->scale = (uint8_t)(o.wscale << 4 | DP_TLS_WSCALE);
	else if (hs->c_wscale != 0xff) {
		sp->scale = (uint8_t)(hs->c_wscale << 4 | DP_TLS_WSCALE);
		sp->flags |= DP_SPLICE_F_C2S_UNSCALE;
	} else {
		sp->scale = 0;
	}
	win = client_window_c2s(hs, scales);
	backend_side(w, f, &src, &sport);
	dp_tcpout_send(w, (uint32_t)bk->nh, &(struct dp_tcpout){
		.src = src, .dst = bk->ip, .sport = sport, .dport = bk->port,
		.seq = hs->client_isn + 1, .ack = b_isn + 1, .flags = FL_ACK, .win = win,
		.opts = a.flags ? &a : NULL });
	/* the replay: what arrived in order, in segments the backend takes */
	seg = o.flags & DP_TCPOPT_F_MSS ? o.mss : 536;
	if (hs->mss < seg)
		seg = hs->mss;
	/* A tiny (or zero) MSS would loop forever or shred the hello: like
	 * Linux's tcp_min_snd_mss, never go below a floor. */
	if (seg < DP_TLS_MIN_MSS)
		seg = DP_TLS_MIN_MSS;
	if (a.flags && seg > 12 + 64)
		seg -= 12;
	hs->replay_seg = (uint16_t)seg;
	hs->replay_win = win;
	hs->replay_ts = a.flags != 0;
	hs->replay_sent = 0;
	/* the SYN-ACK's window is never scaled (RFC 7323 2.2); its later ones are */
	hs->b_wscale = scales ? (o.wscale > 14 ? 14 : o.wscale) : 0;
	(void)dp_hellobuf_data(&hs->hb, &len);
	/* only what the backend's window admits; the rest on its ACKs */
	replay_more(w, rec, hs, rte_be_to_cpu_16(p->tcp->rx_win), o.tsval);
	pending = hs->replay_sent < len;
	w->st.tls[DP_TLSC_SPLICED]++;
	__atomic_store_n(&sp->flags, sp->flags | DP_SPLICE_F_SPLICED, __ATOMIC_RELEASE);
	__atomic_store_n(&f->state, DP_FLOW_ESTABLISHED, __ATOMIC_RELAXED);
	f->last_seen = (uint32_t)w->now_ms;
	hs->scanning = hs->tls_status == TLSP_OK && s->learn != NULL;
	if (hs->scanning || pending) {
		/* kept for the flight scan and/or the rest of the replay; a server
		 * that never finishes its flight or never opens its window must not
		 * pin the context (the client then retransmits what is missing) */
		hs->phase = DP_HS_SCAN;
		hs->srv_next = b_isn + 1;
		hs->deadline_ms = (uint32_t)w->now_ms + s->hello_timeout_ms;
	} else {
		hs_free(w, rec);
	}
}

static void binding_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			  uint32_t rec, struct dp_hsctx *hs, bool reverse)
{
	uint8_t fl = p->tcp->tcp_flags;
	const struct dp_backend *bk;

	if (!reverse) {
		/* the client's retransmissions and further bytes: not acknowledged,
		 * they come again through the splice */
		if (fl & FL_RST) {
			/* the backend's half-open connection goes too */
			backend_rst(w, rec, hs);
			w->st.tls[DP_TLSC_HELLO_RST]++;
			rte_pktmbuf_free(m);
			flow_kill(w, rec);
			return;
		}
		dp_drop(w, m, DP_DROP_TLS_BINDING);
		return;
	}
	bk = &w->snap->bk[w->sh->flows.recs[rec].backend];
	if (p->ip->src_addr != bk->ip || p->tcp->src_port != bk->port) {
		/* the flow moved on to another backend meanwhile */
		dp_drop(w, m, DP_DROP_TLS_STRAY);
		return;
	}
	if (fl & FL_RST) {
		w->st.tls[DP_TLSC_BACKEND_RST]++;
		rte_pktmbuf_free(m);
		if (owns(w, rec)) {
			next_backend(w, rec, hs);
		} else {
			hs->refused = true;
			hs->deadline_ms = (uint32_t)w->now_ms;
		}
		return;
	}
	if ((fl & (FL_SYN | FL_ACK)) == (FL_SYN | FL_ACK) && ack_of(p) == hs->client_isn + 1) {
		splice_up(w, p, rec, hs);
		rte_pktmbuf_free(m);
		return;
	}
	dp_drop(w, m, DP_DROP_TLS_STRAY);
}

/* In-order server bytes to the flight scanner; a gap ends the scan. */
static void scan_input(struct dp_worker *w, const struct dp_pkt *p, uint32_t rec,
		       struct dp_hsctx *hs)
{
	struct dp_shared *sh = w->sh;
	uint16_t backend = sh->flows.recs[rec].backend;
	struct dp_learn *learn = w->snap->svc[hs->svc].learn;
	const uint8_t *data;
	uint32_t len, skip;
	enum tlsp_status st;
	int rc;

	data = seg_payload(p, &len);
	if (len == 0)
		return;
	if (after(seq_of(p), hs->srv_next)) {
		w->st.tls[DP_TLSC_SCAN_GAP]++;
		dp_tlsstats_verdict(w->st.verdict, backend, &hs->scan.result);
		hs_free(w, rec);
		return;
	}
	skip = hs->srv_next - seq_of(p);
	if (skip >= len)
		return;
	hs->srv_next += len - skip;
	st = tlsp_server_scan_feed(&hs->scan, data + skip, len - skip);
	if (st == TLSP_NEED_MORE)
		return;
	dp_tlsstats_verdict(w->st.verdict, backend, &hs->scan.result);
	if (st == TLSP_OK) {
		w->st.tls[DP_TLSC_SCAN_DONE]++;
		rc = learn == NULL ? 0 :
				     dp_learn_from_server(learn, backend, NULL, &hs->scan.result,
							  (uint32_t)(w->now_ms / 1000));
		if (rc > 0)
			w->st.tls[DP_TLSC_LEARNED] += (unsigned)rc;
		else if (rc == -ENOSPC)
			w->st.tls[DP_TLSC_LEARN_FULL]++;
	} else {
		w->st.tls[DP_TLSC_SCAN_ERROR]++;
	}
	hs_free(w, rec);
}

/* A segment of a spliced flow: translated (its checksum change in @d_tcp),
 * or consumed (true). */
static bool spliced_packet(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			   uint32_t rec, bool reverse, uint32_t *d_tcp)
{
	struct dp_shared *sh = w->sh;
	struct dp_splice *sp = &sh->flows.recs[rec].splice;
	struct dp_hsctx *hs;

	if (!reverse && (p->tcp->tcp_flags & (FL_SYN | FL_ACK | FL_RST)) == FL_SYN &&
	    __atomic_load_n(&sh->flows.recs[rec].state, __ATOMIC_RELAXED) >=
		    DP_FLOW_CLOSING && owns(w, rec)) {
		/* the client reuses its port after a close: a new connection */
		if (!seg_csum_ok(m, p)) {
			dp_drop(w, m, DP_DROP_TCP_CSUM);
			return true;
		}
		hs = hs_lock(sh, rec);
		flow_kill(w, rec);
		if (hs != NULL)
			rte_spinlock_unlock(&hs->lock);
		hs_flush(w);
		w->st.tls[DP_TLSC_PORT_REUSE]++;
		cookie_syn(w, m, p);
		return true;
	}
	if (p->tcp->tcp_flags & FL_SYN) {
		/* a backend SYN-ACK again (our ACK was lost: the replay
		 * acknowledges it too) or a client's new SYN on this port */
		dp_drop(w, m, DP_DROP_TLS_STRAY);
		return true;
	}
	if (reverse) {
		/* a corrupted segment goes on (the client drops it) but
		 * must not feed the scan that learns routes */
		if (__atomic_load_n(&sp->hs, __ATOMIC_ACQUIRE) && m->nb_segs == 1 &&
		    seg_csum_ok(m, p) && (hs = hs_lock(sh, rec)) != NULL) {
			if (hs->phase == DP_HS_SCAN) {
				bool replayed = hs->replay_sent >= hs->hb.len ||
						replay_ack(w, p, rec, hs);

				if (hs->scanning)
					scan_input(w, p, rec, hs);
				else if (replayed)
					hs_free(w, rec);
			}
			rte_spinlock_unlock(&hs->lock);
			hs_flush(w);
		}
		*d_tcp = dp_splice_s2c(p->tcp, sp);
	} else {
		*d_tcp = dp_splice_c2s(p->tcp, sp);
	}
	return false;
}

__attribute__((weak)) void dp_tls_unspliced_seam(struct dp_worker *w, uint32_t rec)
{
	(void)w;
	(void)rec;
}

bool dp_tls_packet(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p, uint32_t rec,
		   bool reverse, uint32_t *d_tcp)
{
	struct dp_shared *sh = w->sh;
	struct dp_splice *sp = &sh->flows.recs[rec].splice;
	struct dp_hsctx *hs;

	if (__atomic_load_n(&sp->flags, __ATOMIC_ACQUIRE) & DP_SPLICE_F_SPLICED)
		return spliced_packet(w, m, p, rec, reverse, d_tcp);
	if (!seg_csum_ok(m, p)) {
		dp_drop(w, m, DP_DROP_TCP_CSUM);
		return true;
	}
	dp_tls_unspliced_seam(w, rec);
	hs = hs_lock(sh, rec);
	/* The backend's worker may have spliced the flow since the flags were
	 * read: it sets SPLICED under this lock, before it frees the context or
	 * moves it to SCAN, so once the lock is taken (or the context found
	 * gone) the flag is seen, and the segment goes through the splice
	 * instead of being taken for a stray. */
	if (__atomic_load_n(&sp->flags, __ATOMIC_ACQUIRE) & DP_SPLICE_F_SPLICED) {
		if (hs != NULL)
			rte_spinlock_unlock(&hs->lock);
		hs_flush(w);
		return spliced_packet(w, m, p, rec, reverse, d_tcp);
	}
	if (hs == NULL) {
		dp_drop(w, m, DP_DROP_TLS_STRAY);
		return true;
	}
	if (hs->phase == DP_HS_HELLO && !reverse)
		hello_input(w, m, p, rec, hs);
	else if (hs->phase == DP_HS_BINDING)
		binding_input(w, m, p, rec, hs, reverse);
	else
		dp_drop(w, m, DP_DROP_TLS_STRAY);
	rte_spinlock_unlock(&hs->lock);
	hs_flush(w);
	return true;
}

/* ---- timers ---- */

/* Handshake timers (SYN retransmission 1 s, hello timeout): every context
 * is looked at once per HS_SWEEP_MS, at most HS_SCAN_MAX a tick. */
#define HS_SWEEP_MS 50
#define HS_SCAN_MAX 1024

void dp_tls_tick(struct dp_worker *w)
{
	struct dp_shared *sh = w->sh;
	struct dp_tls_shared *t = sh->tls;
	uint32_t now = (uint32_t)w->now_ms, ctr;
	unsigned i, budget;

	if (t == NULL || w->tls == NULL)
		return;
	budget = dp_sweep_budget(&w->tls->hs_sweep, now, DP_TLS_HS_MAX, HS_SWEEP_MS, HS_SCAN_MAX);
	for (i = 0; i < budget; i++) {
		struct dp_hsctx *hs = &t->hs[w->tls->hs_cursor];
		uint8_t phase = __atomic_load_n(&hs->phase, __ATOMIC_RELAXED);

		w->tls->hs_cursor = (w->tls->hs_cursor + 1) % DP_TLS_HS_MAX;
		/* timers are the owner's: the worker of the client's packets */
		if (phase == DP_HS_FREE || !owns(w, hs->rec))
			continue;
		rte_spinlock_lock(&hs->lock);
		if (hs->phase != DP_HS_FREE && owns(w, hs->rec) &&
		    (int32_t)(now - hs->deadline_ms) >= 0) {
			if (hs->phase == DP_HS_SCAN) {
				if (hs->scanning) {
					w->st.tls[DP_TLSC_SCAN_TIMEOUT]++;
					dp_tlsstats_verdict(w->st.verdict,
							    sh->flows.recs[hs->rec].backend,
							    &hs->scan.result);
				} else {
					w->st.tls[DP_TLSC_REPLAY_TIMEOUT]++;
				}
				hs_free(w, hs->rec);
			} else if (hs->phase == DP_HS_HELLO) {
				w->st.tls[DP_TLSC_HELLO_TIMEOUT]++;
				hello_decide_now(w, hs->rec, hs, true);
			} else if (hs->refused) {
				next_backend(w, hs->rec, hs);
			} else if (hs->syns < DP_TLS_SYN_TRIES) {
				backend_syn(w, hs->rec, hs);
			} else {
				/* no server keeps a half-open connection of ours
				 * (its SYN-ACK may be lost on the way back) */
				w->st.tls[DP_TLSC_BACKEND_TIMEOUT]++;
				backend_rst(w, hs->rec, hs);
				next_backend(w, hs->rec, hs);
			}
		}
		rte_spinlock_unlock(&hs->lock);
		hs_flush(w);
	}
	if (w->index != 0)
		return;
	/* rotation on a copy, published by a pointer swap; the copy written
	 * next was retired rotate_every periods ago, long past any reader. The
	 * new key was drawn by the control thread (no system call here); until
	 * it is there the rotation waits, the current keys staying valid. */
	ctr = dp_syncookie_counter(w->now_ms);
	if (dp_syncookie_rotate_due(t->cur, ctr) &&
	    __atomic_load_n(&t->next_ready, __ATOMIC_ACQUIRE)) {
		struct dp_syncookie_secret *next = t->cur == &t->secret[0] ? &t->secret[1] :
									      &t->secret[0];

		*next = *t->cur;
		dp_syncookie_rotate_to(next, &t->next_key, ctr);
		explicit_bzero(&t->next_key, sizeof(t->next_key));
		__atomic_store_n(&t->next_ready, false, __ATOMIC_RELEASE);
		__atomic_store_n(&t->cur, next, __ATOMIC_RELEASE);
	}
	/* Lifetimes are seconds long: sweeping once a millisecond (64K entries a
	 * second per table) is plenty, where sweeping every loop iteration cost
	 * ~7,700 cycles per burst (tlslb-bench-dp --mode tls). */
	if (w->now_ms - w->tls->last_sweep_ms < DP_TLS_SWEEP_MS)
		return;
	w->tls->last_sweep_ms = w->now_ms;
	/* the control plane may be removing a key name: sweep next time */
	if (!rte_spinlock_trylock(&t->learn_del_lock))
		return;
	for (i = 0; i < w->snap->n_services; i++)
		if (w->snap->svc[i].learn != NULL)
			(void)dp_learn_sweep(w->snap->svc[i].learn, (uint32_t)(w->now_ms / 1000),
					     64);
	rte_spinlock_unlock(&t->learn_del_lock);
}
