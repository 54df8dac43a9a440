/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <string.h>

#include "dp_internal.h"

const char *const dp_drop_names[DP_DROP__COUNT] = {
	[DP_DROP_ETH_TRUNC] = "eth_trunc",
	[DP_DROP_ETH_DST] = "eth_dst",
	[DP_DROP_ETH_TYPE] = "eth_type",
	[DP_DROP_ARP_MALFORMED] = "arp_malformed",
	[DP_DROP_ARP_IGNORED] = "arp_ignored",
	[DP_DROP_IP_TRUNC] = "ip_trunc",
	[DP_DROP_IP_VERSION] = "ip_version",
	[DP_DROP_IP_IHL] = "ip_ihl",
	[DP_DROP_IP_LEN] = "ip_len",
	[DP_DROP_IP_CSUM] = "ip_csum",
	[DP_DROP_IP_OPTIONS] = "ip_options",
	[DP_DROP_IP_FRAG] = "ip_frag",
	[DP_DROP_IP_TTL] = "ip_ttl",
	[DP_DROP_IP_SRC] = "ip_src",
	[DP_DROP_TCP_TRUNC] = "tcp_trunc",
	[DP_DROP_TCP_DOFF] = "tcp_doff",
	[DP_DROP_NON_TCP_VIP] = "non_tcp_vip",
	[DP_DROP_NON_TCP_LOCAL] = "non_tcp_local",
	[DP_DROP_NO_SERVICE] = "no_service",
	[DP_DROP_DST_LOCAL] = "dst_local",
	[DP_DROP_DST_UNKNOWN] = "dst_unknown",
	[DP_DROP_NO_FLOW] = "no_flow",
	[DP_DROP_FLOW_CLASH] = "flow_clash",
	[DP_DROP_FLOW_TABLE_FULL] = "flow_table_full",
	[DP_DROP_NO_BACKEND] = "no_backend",
	[DP_DROP_NO_SNAT] = "no_snat",
	[DP_DROP_NO_ROUTE] = "no_route",
	[DP_DROP_NEIGH_FULL] = "neigh_full",
	[DP_DROP_NEIGH_QUEUE_FULL] = "neigh_queue_full",
	[DP_DROP_NEIGH_FAILED] = "neigh_failed",
	[DP_DROP_NO_MBUF] = "no_mbuf",
	[DP_DROP_TX_FULL] = "tx_full",
	[DP_DROP_TX_UNSENT] = "tx_unsent",
	[DP_DROP_COOKIE_FORGED] = "cookie_forged",
	[DP_DROP_COOKIE_STALE] = "cookie_stale",
	[DP_DROP_TLS_NO_CONTEXT] = "tls_no_context",
	[DP_DROP_TLS_STRAY] = "tls_stray",
	[DP_DROP_TLS_BINDING] = "tls_binding",
	[DP_DROP_TCP_CSUM] = "tcp_csum",
	[DP_DROP_HEALTH_STRAY] = "health_stray",
	[DP_DROP_BACKEND_RESET] = "backend_reset",
};

const char *const dp_tls_counter_names[DP_TLSC__COUNT] = {
	[DP_TLSC_COOKIE_SENT] = "cookie_sent",
	[DP_TLSC_COOKIE_OK] = "cookie_ok",
	[DP_TLSC_HELLO_RST] = "hello_rst",
	[DP_TLSC_HELLO_FIN] = "hello_fin",
	[DP_TLSC_HELLO_TIMEOUT] = "hello_timeout",
	[DP_TLSC_HELLO_FULL] = "hello_full",
	[DP_TLSC_HELLO_NOMEM] = "hello_nomem",
	[DP_TLSC_BACKEND_SYN] = "backend_syn",
	[DP_TLSC_BACKEND_SYN_RETX] = "backend_syn_retx",
	[DP_TLSC_BACKEND_RST] = "backend_rst",
	[DP_TLSC_BACKEND_TIMEOUT] = "backend_timeout",
	[DP_TLSC_BIND_FAILED] = "bind_failed",
	[DP_TLSC_BIND_ERROR] = "bind_error",
	[DP_TLSC_SPLICED] = "spliced",
	[DP_TLSC_REPLAY_SEGMENTS] = "replay_segments",
	[DP_TLSC_SCAN_DONE] = "scan_done",
	[DP_TLSC_SCAN_GAP] = "scan_gap",
	[DP_TLSC_SCAN_ERROR] = "scan_error",
	[DP_TLSC_SCAN_TIMEOUT] = "scan_timeout",
	[DP_TLSC_PORT_REUSE] = "port_reuse",
	[DP_TLSC_LEARNED] = "learned",
	[DP_TLSC_LEARN_FULL] = "learn_full",
	[DP_TLSC_REPLAY_TIMEOUT] = "replay_timeout",
};

/* dp_stats is nothing but uint64_t counters (and zeroed tail padding), so it
 * can be summed as an array. */
_Static_assert(sizeof(struct dp_stats) % sizeof(uint64_t) == 0, "dp_stats is all counters");

static void add(struct dp_stats *to, const struct dp_stats *from)
{
	uint64_t *t = (uint64_t *)to;
	const uint64_t *f = (const uint64_t *)from;
	size_t i;

	for (i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
		t[i] += __atomic_load_n(&f[i], __ATOMIC_RELAXED);
}

void dp_stats_retire(struct dp_shared *sh, unsigned index, const struct dp_stats *st)
{
	/* under the lock dp_stats_sum() holds, so the counters are never seen twice */
	rte_spinlock_lock(&sh->retired_lock);
	add(&sh->retired, st);
	__atomic_store_n(&sh->workers[index], NULL, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&sh->retired_lock);
}

void dp_stats_sum(struct dp_shared *sh, struct dp_stats *out)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	rte_spinlock_lock(&sh->retired_lock);
	add(out, &sh->retired);
	for (i = 0; i < sh->n_workers; i++) {
		struct dp_worker *w = __atomic_load_n(&sh->workers[i], __ATOMIC_ACQUIRE);

		if (w != NULL)
			add(out, &w->st);
	}
	rte_spinlock_unlock(&sh->retired_lock);
	dp_runtime_rebase(sh, out);
}

static void add_words(uint64_t *to, const uint64_t *from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

#define WORDS(x) (sizeof(x) / sizeof(uint64_t))

static void add_slot(const struct dp_stats *from, unsigned bk_slot, struct dp_backend_stats *bs,
		     struct dp_tlsstats_backend *verdict, struct dp_health_stats *health)
{
	add_words((uint64_t *)bs, (const uint64_t *)&from->backend[bk_slot], WORDS(*bs));
	add_words((uint64_t *)verdict, (const uint64_t *)&from->verdict[bk_slot], WORDS(*verdict));
	add_words((uint64_t *)health, (const uint64_t *)&from->health[bk_slot], WORDS(*health));
}

void dp_stats_slot_sum(struct dp_shared *sh, unsigned bk_slot, struct dp_backend_stats *bs,
		       struct dp_tlsstats_backend *verdict, struct dp_health_stats *health)
{
	unsigned i;

	memset(bs, 0, sizeof(*bs));
	memset(verdict, 0, sizeof(*verdict));
	memset(health, 0, sizeof(*health));
	rte_spinlock_lock(&sh->retired_lock);
	add_slot(&sh->retired, bk_slot, bs, verdict, health);
	for (i = 0; i < sh->n_workers; i++) {
		struct dp_worker *w = __atomic_load_n(&sh->workers[i], __ATOMIC_ACQUIRE);

		if (w != NULL)
			add_slot(&w->st, bk_slot, bs, verdict, health);
	}
	rte_spinlock_unlock(&sh->retired_lock);
}

void dp_stats_service_sum(struct dp_shared *sh, unsigned svc_slot, struct dp_service_stats *ss)
{
	unsigned i;

	memset(ss, 0, sizeof(*ss));
	rte_spinlock_lock(&sh->retired_lock);
	add_words((uint64_t *)ss, (const uint64_t *)&sh->retired.service[svc_slot], WORDS(*ss));
	for (i = 0; i < sh->n_workers; i++) {
		struct dp_worker *w = __atomic_load_n(&sh->workers[i], __ATOMIC_ACQUIRE);

		if (w != NULL)
			add_words((uint64_t *)ss, (const uint64_t *)&w->st.service[svc_slot],
				  WORDS(*ss));
	}
	rte_spinlock_unlock(&sh->retired_lock);
}

static void line(FILE *out, const char *prefix, const char *name, uint64_t v)
{
	if (v)
		fprintf(out, "%s%s %" PRIu64 "\n", prefix, name, v);
}

void dp_stats_print(const struct dp_stats *st, FILE *out)
{
	char prefix[32];
	unsigned i;

	for (i = 0; i < CP_MAX_PORTS; i++) {
		const struct dp_port_stats *p = &st->port[i];

		snprintf(prefix, sizeof(prefix), "port%u.", i);
		line(out, prefix, "rx_packets", p->rx_packets);
		line(out, prefix, "rx_bytes", p->rx_bytes);
		line(out, prefix, "tx_packets", p->tx_packets);
		line(out, prefix, "tx_bytes", p->tx_bytes);
	}
	for (i = 0; i < DP_DROP__COUNT; i++)
		line(out, "drop.", dp_drop_names[i], st->drop[i]);
	line(out, "", "arp_requests_answered", st->arp_requests_answered);
	line(out, "", "arp_ignored", st->arp_ignored);
	line(out, "", "arp_replies_learned", st->arp_replies_learned);
	line(out, "", "arp_requests_sent", st->arp_requests_sent);
	line(out, "", "neigh_misses", st->neigh_misses);
	line(out, "", "neigh_queued", st->neigh_queued);
	line(out, "", "neigh_released", st->neigh_released);
	line(out, "", "flows_created", st->flows_created);
	line(out, "", "flows_expired", st->flows_expired);
	line(out, "", "flows_closed", st->flows_closed);
	line(out, "", "flows_table_full", st->flows_table_full);
	for (i = 0; i < CP_MAX_BACKENDS; i++) {
		const struct dp_backend_stats *b = &st->backend[i];

		snprintf(prefix, sizeof(prefix), "backend%u.", i);
		line(out, prefix, "new_flows", b->new_flows);
		line(out, prefix, "active_flows", b->active_flows);
		line(out, prefix, "packets", b->packets);
		line(out, prefix, "bytes", b->bytes);
		for (unsigned v = 0; v < DP_TLSSTATS_V__COUNT; v++)
			line(out, prefix, dp_tlsstats_verdict_names[v], st->verdict[i].v[v]);
		line(out, prefix, "health_probes", st->health[i].probes);
		line(out, prefix, "health_ok", st->health[i].ok);
		line(out, prefix, "health_refused", st->health[i].refused);
		line(out, prefix, "health_timeout", st->health[i].timeout);
		line(out, prefix, "health_skipped", st->health[i].skipped);
		line(out, prefix, "health_went_down", st->health[i].went_down);
		line(out, prefix, "health_went_up", st->health[i].went_up);
	}
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		snprintf(prefix, sizeof(prefix), "service%u.", i);
		line(out, prefix, "new_flows", st->service[i].new_flows);
		line(out, prefix, "active_flows", st->service[i].active_flows);
	}
	for (i = 0; i < DP_TLSC__COUNT; i++)
		line(out, "tls.", dp_tls_counter_names[i], st->tls[i]);
	for (i = 0; i < DP_TLSROUTE_RULE__COUNT; i++) {
		snprintf(prefix, sizeof(prefix), "route.%s.", dp_tlsroute_rule_names[i]);
		line(out, prefix, "used", st->route.rule[i].used);
		line(out, prefix, "hit", st->route.rule[i].hit);
		for (unsigned k = 1; k < DP_TLSROUTE_MISS__COUNT; k++)
			line(out, prefix, dp_tlsroute_miss_names[k], st->route.rule[i].miss[k]);
	}
	for (i = 0; i < DP_TLSSTATS_STATUS_COUNT; i++)
		line(out, "hello.", tlsp_status_name((enum tlsp_status)i), st->route.hello_status[i]);
	for (i = 1; i < TLSP_R__COUNT; i++)
		line(out, "hello.reason.", tlsp_reason_name((enum tlsp_reason)i),
		     st->route.hello_reason[i]);
	for (i = 0; i < DP_TLSSTATS_SEG__COUNT; i++)
		line(out, "hello.segments.", dp_tlsstats_seg_names[i], st->route.hello_segments[i]);
}
