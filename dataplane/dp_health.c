/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP health checks of the backends (dp_health.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp_health.h"
#include "dp_internal.h"
#include "dp_tls.h"
#include "dp_tlsroute.h"

RTE_LOG_REGISTER(dp_health_logtype, tlslb.health, NOTICE);

/* The probe word: ISN << 32 | source port (network order) << 16 | status. */
enum probe_status { PROBE_IDLE = 0, PROBE_WAITING, PROBE_OK, PROBE_REFUSED };

#define SLOT_MASK ((uint32_t)CP_MAX_BACKENDS - 1)
_Static_assert((CP_MAX_BACKENDS & (CP_MAX_BACKENDS - 1)) == 0,
	       "the slot rides in the low bits of the probe ISN");
#define N_PORTS (CP_HEALTH_PORT_HIGH - CP_HEALTH_PORT_LOW + 1)

struct dp_health_bk {
	uint64_t probe;      /* atomic, see above */
	uint64_t sent_ms;    /* worker 0 only, like the rest but src */
	uint64_t next_ms;    /* next probe due */
	uint64_t changed_ms;
	uint32_t src;        /* last probe's source (network order), 0: none (atomic: the
				answer may come to another worker) */
	int32_t nh;          /* last probe's neighbour slot (atomic, likewise) */
	uint8_t why;         /* why not probed at the last look (enum dp_health_why) */
	uint8_t run;         /* results in a row against the state */
	uint8_t last;        /* enum dp_health_result */
	bool down;
	bool active;         /* being probed (health on, enabled) */
	bool reported;       /* an unprobeable backend was logged once */
};

struct dp_health {
	uint64_t last_ms;    /* worker 0's last look */
	uint32_t cursor;     /* next slot worker 0 looks at */
	uint16_t next_port;  /* rotates over the probe ports */
	dp_health_log_fn *log;
	void *log_arg;
	struct dp_health_bk bk[CP_MAX_BACKENDS];
};

const char *const dp_health_why_names[DP_HEALTH_WHY__COUNT] = {
	[DP_HEALTH_PROBED] = "probed",
	[DP_HEALTH_OFF] = "off",
	[DP_HEALTH_DISABLED] = "disabled",
	[DP_HEALTH_NOT_IPV4] = "not_ipv4",
	[DP_HEALTH_NO_ROUTE] = "no_route",
	[DP_HEALTH_NO_SOURCE] = "no_source",
};

const char *const dp_health_result_names[DP_HEALTH_R__COUNT] = {
	[DP_HEALTH_R_NONE] = "none",
	[DP_HEALTH_R_OK] = "ok",
	[DP_HEALTH_R_REFUSED] = "refused",
	[DP_HEALTH_R_TIMEOUT] = "timeout",
};

struct params {
	uint32_t interval_ms, timeout_ms;
	uint8_t rise, fall;
};

static struct params params_of(const struct cp_health *h)
{
	return (struct params){
		.interval_ms = h->interval_ms ? h->interval_ms : DP_HEALTH_INTERVAL_MS,
		.timeout_ms = h->timeout_ms ? h->timeout_ms : DP_HEALTH_TIMEOUT_MS,
		.rise = h->rise ? h->rise : DP_HEALTH_RISE,
		.fall = h->fall ? h->fall : DP_HEALTH_FALL,
	};
}

static inline uint64_t word(uint32_t isn, uint16_t sport_be, enum probe_status s)
{
	return (uint64_t)isn << 32 | (uint64_t)sport_be << 16 | s;
}

static inline enum probe_status word_status(uint64_t wd)
{
	return (enum probe_status)(wd & 0xff);
}

static void ip_str(uint32_t ip_be, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&ip_be;

	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static void logf_bk(const struct dp_worker *w, unsigned slot, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "health: backend IP:PORT of VIP:PORT (slot N) " + the rest. */
static void logf_bk(const struct dp_worker *w, unsigned slot, const char *fmt, ...)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_backend *bk = &w->snap->bk[slot];
	const struct dp_service *s = &w->snap->svc[bk->service];
	char line[256], b[16], v[16];
	va_list ap;
	int n;

	ip_str(bk->ip, b, sizeof(b));
	ip_str(s->vip, v, sizeof(v));
	n = snprintf(line, sizeof(line), "health: backend %s:%u of %s:%u (slot %u) ", b,
		     rte_be_to_cpu_16(bk->port), v, rte_be_to_cpu_16(s->port), slot);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (sh->health->log)
		sh->health->log(sh->health->log_arg, line);
	else
		rte_log(RTE_LOG_NOTICE, (uint32_t)dp_health_logtype, "tlslb: %s\n", line);
}

/* An address of tlslb's on @port, preferably on the subnet of @nh. */
static uint32_t source_for(const struct dp_svc_table *snap, uint16_t port, uint32_t nh)
{
	uint32_t first = 0;
	unsigned i;

	for (i = 0; i < snap->n_addr; i++) {
		const struct cp_address *a = &snap->addr[i];
		uint32_t mask;

		if (a->ip.family != AF_INET || a->port != port)
			continue;
		mask = a->prefix_len ? rte_cpu_to_be_32(~0u << (32 - a->prefix_len)) : 0;
		if (((a->ip.v4 ^ nh) & mask) == 0)
			return a->ip.v4;
		if (first == 0)
			first = a->ip.v4;
	}
	return first;
}

static void slot_init(struct dp_shared *sh, unsigned slot)
{
	struct dp_health_bk *hb = &sh->health->bk[slot];

	__atomic_store_n(&hb->probe, word(0, 0, PROBE_IDLE), __ATOMIC_RELAXED);
	*hb = (struct dp_health_bk){ .why = DP_HEALTH_PROBED, .nh = -1 };
	__atomic_store_n(&sh->bk_down[slot], 0, __ATOMIC_RELAXED);
}

/* Whether slot @slot of @snap can be probed, and from where: routes and
 * addresses change at runtime, so this is asked of each snapshot. */
static enum dp_health_why reach(const struct dp_svc_table *snap, unsigned slot, uint32_t *src)
{
	const struct dp_backend *bk = &snap->bk[slot];
	uint32_t nh_ip = 0;
	uint16_t port;

	*src = 0;
	if (bk->nh < 0 || dp_route_lookup(&snap->routes, bk->ip, &port, &nh_ip) < 0)
		return DP_HEALTH_NO_ROUTE;
	*src = source_for(snap, port, nh_ip);
	return *src ? DP_HEALTH_PROBED : DP_HEALTH_NO_SOURCE;
}

int dp_health_init(struct dp_shared *sh)
{
	unsigned i;

	sh->health = rte_zmalloc_socket("dp_health", sizeof(*sh->health), RTE_CACHE_LINE_SIZE,
					sh->socket);
	if (sh->health == NULL)
		return -ENOMEM;
	for (i = 0; i < CP_MAX_BACKENDS; i++)
		slot_init(sh, i);
	return 0;
}

void dp_health_fini(struct dp_shared *sh)
{
	rte_free(sh->health);
	sh->health = NULL;
}

void dp_health_set_log(struct dp_shared *sh, dp_health_log_fn *fn, void *arg)
{
	sh->health->log = fn;
	sh->health->log_arg = arg;
}

void dp_health_slot_reset(struct dp_shared *sh, unsigned slot)
{
	if (slot < CP_MAX_BACKENDS)
		slot_init(sh, slot);
}

/* The schedulers and the tls routing rules read bk_down beside the snapshot. */
static void publish(struct dp_shared *sh, unsigned slot, bool down)
{
	__atomic_store_n(&sh->bk_down[slot], down, __ATOMIC_RELAXED);
}

static void set_state(struct dp_worker *w, unsigned slot, bool down, const struct params *pr)
{
	struct dp_health_bk *hb = &w->sh->health->bk[slot];
	unsigned run = hb->run;

	hb->down = down;
	hb->run = 0;
	hb->changed_ms = w->now_ms;
	publish(w->sh, slot, down);
	if (down) {
		w->st.health[slot].went_down++;
		logf_bk(w, slot, "down: %u failed probes in a row (last: %s, fall %u)", run,
			dp_health_result_names[hb->last], pr->fall);
	} else {
		w->st.health[slot].went_up++;
		logf_bk(w, slot, "up: %u good probes in a row (rise %u)", run, pr->rise);
	}
}

static void result(struct dp_worker *w, unsigned slot, enum dp_health_result r,
		   const struct params *pr)
{
	struct dp_health_bk *hb = &w->sh->health->bk[slot];
	struct dp_health_stats *hs = &w->st.health[slot];
	bool ok = r == DP_HEALTH_R_OK;

	hb->last = (uint8_t)r;
	if (ok)
		hs->ok++;
	else if (r == DP_HEALTH_R_REFUSED)
		hs->refused++;
	else
		hs->timeout++;
	if (ok != hb->down) {
		/* agrees with the state */
		hb->run = 0;
		return;
	}
	if (hb->run < UINT8_MAX)
		hb->run++;
	if (hb->run >= (ok ? pr->rise : pr->fall))
		set_state(w, slot, !ok, pr);
}

/* Take the verdict of the outstanding probe, if any; false while one waits. */
static bool collect(struct dp_worker *w, unsigned slot, const struct params *pr)
{
	struct dp_health_bk *hb = &w->sh->health->bk[slot];
	uint64_t wd = __atomic_load_n(&hb->probe, __ATOMIC_ACQUIRE);

	switch (word_status(wd)) {
	case PROBE_IDLE:
		return true;
	case PROBE_WAITING:
		if (w->now_ms - hb->sent_ms < pr->timeout_ms)
			return false;
		if (__atomic_compare_exchange_n(&hb->probe, &wd, word(0, 0, PROBE_IDLE), false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			result(w, slot, DP_HEALTH_R_TIMEOUT, pr);
			return true;
		}
		/* the answer came in just now: wd holds it */
		break;
	default:
		break;
	}
	__atomic_store_n(&hb->probe, word(0, 0, PROBE_IDLE), __ATOMIC_RELAXED);
	result(w, slot, word_status(wd) == PROBE_OK ? DP_HEALTH_R_OK : DP_HEALTH_R_REFUSED, pr);
	return true;
}

/* The next probe port, passing over services on @src (a VIP may also be an
 * address of tlslb's, and its service's port in the probe range). */
static uint16_t next_sport(struct dp_worker *w, uint32_t src)
{
	struct dp_health *h = w->sh->health;
	unsigned tries;
	uint16_t port = 0;

	for (tries = 0; tries < N_PORTS; tries++) {
		port = rte_cpu_to_be_16((uint16_t)(CP_HEALTH_PORT_LOW + h->next_port));
		h->next_port = (uint16_t)((h->next_port + 1) % N_PORTS);
		if (!(dp_svc_local(w->snap, src) & DP_LOCAL_VIP) ||
		    dp_svc_find(w->snap, src, port) < 0)
			break;
	}
	return port;
}

static void send_probe(struct dp_worker *w, unsigned slot, uint32_t src)
{
	struct dp_health_bk *hb = &w->sh->health->bk[slot];
	const struct dp_backend *bk = &w->snap->bk[slot];
	const struct dp_tcpopt opts = { .flags = DP_TCPOPT_F_MSS, .mss = DP_HEALTH_MSS };
	uint32_t isn = ((uint32_t)rte_rand() & ~SLOT_MASK) | slot;
	uint16_t sport;

	/* the answer is matched against it: set before the probe can be answered */
	__atomic_store_n(&hb->src, src, __ATOMIC_RELAXED);
	__atomic_store_n(&hb->nh, bk->nh, __ATOMIC_RELAXED);
	sport = next_sport(w, src);
	struct dp_tcpout o = {
		.src = hb->src, .dst = bk->ip, .sport = sport, .dport = bk->port,
		.seq = isn, .flags = RTE_TCP_SYN_FLAG, .win = 1024, .opts = &opts,
	};

	hb->sent_ms = w->now_ms;
	__atomic_store_n(&hb->probe, word(isn, sport, PROBE_WAITING), __ATOMIC_RELEASE);
	w->st.health[slot].probes++;
	dp_tcpout_send(w, (uint32_t)bk->nh, &o);
}

/* Why slot @slot of @snap is not probed now, DP_HEALTH_PROBED if it is
 * (then @src is where the probe leaves from). */
static enum dp_health_why why_not(const struct dp_svc_table *snap, unsigned slot,
				  const struct cp_health **hc, uint32_t *src)
{
	const struct dp_backend *b = &snap->bk[slot];
	static const struct cp_health off;

	*src = 0;
	*hc = &off;
	if (slot >= snap->n_backends || !(b->flags & DP_SLOT_LIVE) ||
	    (b->flags & DP_SLOT_RETIRED))
		return DP_HEALTH_OFF;
	*hc = &snap->svc[b->service].health;
	if (!(*hc)->enabled)
		return DP_HEALTH_OFF;
	if (b->admin == CP_ADMIN_DISABLED)
		return DP_HEALTH_DISABLED;
	return reach(snap, slot, src);
}

static void look_at(struct dp_worker *w, unsigned slot, unsigned *burst)
{
	struct dp_health_bk *hb = &w->sh->health->bk[slot];
	const struct cp_health *hc;
	uint32_t src;
	enum dp_health_why why = why_not(w->snap, slot, &hc, &src);
	struct params pr;

	if (why == DP_HEALTH_OFF || why == DP_HEALTH_DISABLED) {
		/* not watched: no opinion, so not down; back on, it starts afresh */
		if (hb->active) {
			hb->active = false;
			hb->run = 0;
			hb->down = false;
			publish(w->sh, slot, false);
			__atomic_store_n(&hb->probe, word(0, 0, PROBE_IDLE), __ATOMIC_RELAXED);
		}
		return;
	}
	pr = params_of(hc);
	if (!hb->active) {
		hb->active = true;
		hb->next_ms = w->now_ms;
	}
	hb->why = (uint8_t)why;
	if (why != DP_HEALTH_PROBED) {
		if (w->now_ms < hb->next_ms)
			return;
		w->st.health[slot].skipped++;
		hb->next_ms = w->now_ms + pr.interval_ms;
		if (!hb->reported)
			logf_bk(w, slot, "cannot be probed: %s", dp_health_why_names[why]);
		hb->reported = true;
		return;
	}
	if (!collect(w, slot, &pr) || w->now_ms < hb->next_ms || *burst == 0)
		return;
	(*burst)--;
	hb->next_ms = w->now_ms + pr.interval_ms;
	send_probe(w, slot, src);
}

void dp_health_tick(struct dp_worker *w)
{
	struct dp_shared *sh = w->sh;
	struct dp_health *h = sh->health;
	unsigned n = w->snap->n_backends, look, burst = DP_HEALTH_BURST;

	/* once per millisecond, the clock's grain: the burst loop stays light */
	if (w->index != 0 || n == 0 || w->now_ms == h->last_ms)
		return;
	h->last_ms = w->now_ms;
	for (look = n < DP_HEALTH_SCAN ? n : DP_HEALTH_SCAN; look > 0; look--) {
		unsigned slot = h->cursor;

		h->cursor = slot + 1 >= n ? 0 : slot + 1;
		look_at(w, slot, &burst);
	}
}

void dp_health_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p)
{
	struct dp_shared *sh = w->sh;
	const struct rte_tcp_hdr *tcp = p->tcp;
	uint8_t fl = tcp->tcp_flags;
	uint32_t ack = rte_be_to_cpu_32(tcp->recv_ack), isn = ack - 1;
	unsigned slot = isn & SLOT_MASK;
	const struct dp_backend *bk;
	struct dp_health_bk *hb;
	uint32_t src;
	int32_t nh;
	uint64_t wd;
	bool match;

	if (!(fl & RTE_TCP_ACK_FLAG) || slot >= w->snap->n_backends)
		goto stray;
	bk = &w->snap->bk[slot];
	hb = &sh->health->bk[slot];
	src = __atomic_load_n(&hb->src, __ATOMIC_RELAXED);
	nh = __atomic_load_n(&hb->nh, __ATOMIC_RELAXED);
	if (p->ip->src_addr != bk->ip || tcp->src_port != bk->port || p->ip->dst_addr != src ||
	    src == 0 || nh < 0)
		goto stray;
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG) {
		/* whether it answers this probe or an old one, leave nothing open */
		struct dp_tcpout rst = {
			.src = p->ip->dst_addr, .dst = p->ip->src_addr,
			.sport = tcp->dst_port, .dport = tcp->src_port,
			.seq = ack, .flags = RTE_TCP_RST_FLAG,
		};

		dp_tcpout_send(w, (uint32_t)nh, &rst);
	} else if (!(fl & RTE_TCP_RST_FLAG)) {
		goto stray;
	}
	wd = __atomic_load_n(&hb->probe, __ATOMIC_ACQUIRE);
	match = word_status(wd) == PROBE_WAITING && wd == word(isn, tcp->dst_port, PROBE_WAITING);
	if (!match ||
	    !__atomic_compare_exchange_n(&hb->probe, &wd,
					 word(isn, tcp->dst_port,
					      fl & RTE_TCP_RST_FLAG ? PROBE_REFUSED : PROBE_OK),
					 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		goto stray;
	rte_pktmbuf_free(m);
	return;
stray:
	dp_drop(w, m, DP_DROP_HEALTH_STRAY);
}

int dp_health_read(const struct dp_shared *sh, unsigned slot, struct dp_health_info *out)
{
	const struct dp_svc_table *snap = __atomic_load_n(&sh->snap, __ATOMIC_ACQUIRE);
	const struct dp_health_bk *hb;
	const struct cp_health *hc;
	uint32_t src;

	/* the control thread's view: it alone frees snapshots */
	if (slot >= snap->n_backends)
		return -EINVAL;
	hb = &sh->health->bk[slot];
	*out = (struct dp_health_info){
		.down = __atomic_load_n(&sh->bk_down[slot], __ATOMIC_RELAXED) != 0,
		.why = (uint8_t)why_not(snap, slot, &hc, &src),
		.last = hb->last,
		.run = hb->run,
		.src = hb->src,
		.changed_ms = hb->changed_ms,
	};
	return 0;
}
