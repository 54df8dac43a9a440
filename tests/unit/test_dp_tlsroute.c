/* SPDX-License-Identifier: BSD-3-Clause */
/* The routing decision (dp_tlsroute) on real OpenSSL hellos: learn from a
 * server flight or a control-plane feed, route the resuming hello, check the
 * backend, the rule, the miss reasons and every counter; then the verdict and
 * hello counters (dp_tlsstats). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dp_learn.h"
#include "dp_test_util.h"
#include "dp_tlsroute.h"
#include "dp_tlsstats.h"
#include "tlsroute_hs.h"
#include "unit_util.h"

#define T0 5000000u
#define SVC_LIFETIME 3600u
#define N_BK 8           /* backends in the state array */
#define SVC_FIRST 0      /* this service's backends: 0..3 */
#define SVC_COUNT 4
#define OTHER_SERVICE 5  /* a backend of another service */
#define SID_LEN 4        /* server-ID prefix length in the server-ID rows */
#define SID_BACKEND 2    /* where the real prefix maps */

static int group_setup(void **state)
{
	dpt_eal_init();
	return trh_setup(state);
}

/* ---- routing rows ----------------------------------------------------------------- */

enum fact_kind {
	F_NONE = 0,
	F_LEARN_FIRST, /* learn from the pair's first server flight */
	F_FEED_KEY,    /* the control plane feeds the tlsgen server's key name */
	F_HELLO_SID,   /* the routed hello's own session ID, put in the session table on purpose */
};

struct fact {
	enum fact_kind kind;
	uint16_t backend;
};

enum server_ids {
	SI_NONE = 0,
	SI_SESSION, /* rule 3 reads a server-ID prefix */
	SI_PSK,     /* rules 1 and 3 read server-ID prefixes */
};

enum prefix_from { P_NONE = 0, P_SESSION_ID, P_PSK_IDENTITY };

struct bk_state {
	uint16_t backend;
	uint8_t state; /* enum dp_backend_state; 0 ends the list */
};

struct miss {
	enum dp_tlsroute_rule rule;
	enum dp_tlsroute_miss why; /* NONE ends the list */
};

struct route_row {
	const char *desc;
	enum trh_id hs;     /* the recorded connection's hello is routed... */
	bool route_first;   /* ...or the pair's first (fresh) one */
	bool not_tls;       /* route no hello at all */
	struct fact facts[2];
	struct bk_state states[2];
	enum server_ids server_ids;
	enum prefix_from prefix; /* the routed hello's bytes that map to SID_BACKEND */
	uint32_t later;          /* seconds between learning and routing */
	/* expected */
	int backend;             /* -1: the scheduler */
	enum dp_tlsroute_rule rule;
	struct miss misses[3];   /* every rule that applied and missed, in order */
	int missed_backend;
};

#define RR DP_TLSROUTE_RULE_ROUND_ROBIN
#define UNKNOWN DP_TLSROUTE_MISS_UNKNOWN
#define DOWN DP_TLSROUTE_MISS_DOWN
#define DRAINING DP_TLSROUTE_MISS_DRAINING

static const struct route_row route_rows[] = {
	{ "TLS 1.2 session-ID resumption goes to the issuer, learned from its ServerHello",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } },
	  .backend = 1, .rule = DP_TLSROUTE_RULE_SESSION_ID, .missed_backend = -1 },
	{ "TLS 1.2 ticket goes to the issuer, learned from its NewSessionTicket",
	  TRH_T12_TICKET, .facts = { { F_LEARN_FIRST, 2 } },
	  .backend = 2, .rule = DP_TLSROUTE_RULE_TICKET, .missed_backend = -1 },
	{ "TLS 1.3 PSK goes to the server whose key name the control plane fed",
	  TRH_T13_PSK, .facts = { { F_FEED_KEY, 3 } },
	  .backend = 3, .rule = DP_TLSROUTE_RULE_PSK_KEY_NAME, .missed_backend = -1 },
	{ "TLS 1.3 hello: its random legacy session ID is ignored, though in the table",
	  TRH_T13_FULL, .facts = { { F_HELLO_SID, 1 } },
	  .backend = -1, .rule = RR, .missed_backend = -1 },
	{ "TLS 1.3 PSK unknown, legacy session ID in the table: still ignored",
	  TRH_T13_PSK, .facts = { { F_HELLO_SID, 1 } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_PSK_KEY_NAME, UNKNOWN } },
	  .missed_backend = -1 },
	{ "session-ID issuer down: round-robin",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .states = { { 1, DP_BACKEND_DOWN } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SESSION_ID, DOWN } },
	  .missed_backend = 1 },
	{ "session-ID issuer draining: round-robin",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .states = { { 1, DP_BACKEND_DRAINING } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SESSION_ID, DRAINING } },
	  .missed_backend = 1 },
	{ "ticket issuer draining: round-robin (its session ID unknown too)",
	  TRH_T12_TICKET, .facts = { { F_LEARN_FIRST, 2 } },
	  .states = { { 2, DP_BACKEND_DRAINING } },
	  .backend = -1, .rule = RR,
	  .misses = { { DP_TLSROUTE_RULE_TICKET, DRAINING },
		      { DP_TLSROUTE_RULE_SESSION_ID, UNKNOWN } },
	  .missed_backend = 2 },
	{ "PSK issuer down: round-robin",
	  TRH_T13_PSK, .facts = { { F_FEED_KEY, 3 } }, .states = { { 3, DP_BACKEND_DOWN } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_PSK_KEY_NAME, DOWN } },
	  .missed_backend = 3 },
	{ "PSK issuer draining: round-robin",
	  TRH_T13_PSK, .facts = { { F_FEED_KEY, 0 } }, .states = { { 0, DP_BACKEND_DRAINING } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_PSK_KEY_NAME, DRAINING } },
	  .missed_backend = 0 },
	{ "another backend down does not matter",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .states = { { 0, DP_BACKEND_DOWN } },
	  .backend = 1, .rule = DP_TLSROUTE_RULE_SESSION_ID, .missed_backend = -1 },
	{ "session ID never learned: unknown",
	  TRH_T12_SID,
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SESSION_ID, UNKNOWN } },
	  .missed_backend = -1 },
	{ "fresh TLS 1.2 hello: round-robin, no rule applies",
	  TRH_T12_SID, .route_first = true, .facts = { { F_LEARN_FIRST, 1 } },
	  .backend = -1, .rule = RR, .missed_backend = -1 },
	{ "not TLS: round-robin, no rule applies",
	  TRH_T12_SID, .not_tls = true, .facts = { { F_LEARN_FIRST, 1 } },
	  .backend = -1, .rule = RR, .missed_backend = -1 },
	{ "learned session a second before it expires",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .later = SVC_LIFETIME - 1,
	  .backend = 1, .rule = DP_TLSROUTE_RULE_SESSION_ID, .missed_backend = -1 },
	{ "learned session expired",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .later = SVC_LIFETIME,
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SESSION_ID, UNKNOWN } },
	  .missed_backend = -1 },
	{ "control-fed key name never expires",
	  TRH_T13_PSK, .facts = { { F_FEED_KEY, 3 } }, .later = 100 * SVC_LIFETIME,
	  .backend = 3, .rule = DP_TLSROUTE_RULE_PSK_KEY_NAME, .missed_backend = -1 },
	{ "learned backend of another service: unknown",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, OTHER_SERVICE } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SESSION_ID, UNKNOWN } },
	  .missed_backend = -1 },
	{ "ticket's key unknown, its session ID known: the next rule chooses",
	  TRH_T12_TICKET, .facts = { { F_HELLO_SID, 1 } },
	  .backend = 1, .rule = DP_TLSROUTE_RULE_SESSION_ID,
	  .misses = { { DP_TLSROUTE_RULE_TICKET, UNKNOWN } }, .missed_backend = -1 },
	{ "ticket issuer down, session ID on a server that is up",
	  TRH_T12_TICKET, .facts = { { F_LEARN_FIRST, 2 }, { F_HELLO_SID, 1 } },
	  .states = { { 2, DP_BACKEND_DOWN } },
	  .backend = 1, .rule = DP_TLSROUTE_RULE_SESSION_ID,
	  .misses = { { DP_TLSROUTE_RULE_TICKET, DOWN } }, .missed_backend = 2 },
	{ "server-ID prefix of a TLS 1.2 session ID",
	  TRH_T12_SID, .server_ids = SI_SESSION, .prefix = P_SESSION_ID,
	  .backend = SID_BACKEND, .rule = DP_TLSROUTE_RULE_SID_SERVER_ID, .missed_backend = -1 },
	{ "server-ID prefix unknown: the learned session table is not read",
	  TRH_T12_SID, .facts = { { F_LEARN_FIRST, 1 } }, .server_ids = SI_SESSION,
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_SID_SERVER_ID, UNKNOWN } },
	  .missed_backend = -1 },
	{ "server-ID prefix of a TLS 1.2 session ID, server draining",
	  TRH_T12_SID, .server_ids = SI_SESSION, .prefix = P_SESSION_ID,
	  .states = { { SID_BACKEND, DP_BACKEND_DRAINING } },
	  .backend = -1, .rule = RR,
	  .misses = { { DP_TLSROUTE_RULE_SID_SERVER_ID, DRAINING } },
	  .missed_backend = SID_BACKEND },
	{ "server-ID prefix of a TLS 1.3 PSK identity",
	  TRH_T13_PSK, .server_ids = SI_PSK, .prefix = P_PSK_IDENTITY,
	  .backend = SID_BACKEND, .rule = DP_TLSROUTE_RULE_PSK_SERVER_ID, .missed_backend = -1 },
	{ "server-ID prefix of a PSK identity, server down",
	  TRH_T13_PSK, .server_ids = SI_PSK, .prefix = P_PSK_IDENTITY,
	  .states = { { SID_BACKEND, DP_BACKEND_DOWN } },
	  .backend = -1, .rule = RR, .misses = { { DP_TLSROUTE_RULE_PSK_SERVER_ID, DOWN } },
	  .missed_backend = SID_BACKEND },
	{ "server IDs on: a TLS 1.3 legacy session ID's prefix is still ignored",
	  TRH_T13_FULL, .server_ids = SI_PSK, .prefix = P_SESSION_ID,
	  .backend = -1, .rule = RR, .missed_backend = -1 },
	{ "server IDs for session IDs only: the PSK reads the key-name table",
	  TRH_T13_PSK, .facts = { { F_FEED_KEY, 1 } }, .server_ids = SI_SESSION,
	  .prefix = P_PSK_IDENTITY,
	  .backend = 1, .rule = DP_TLSROUTE_RULE_PSK_KEY_NAME, .missed_backend = -1 },
};

static struct dp_learn *mk(void)
{
	struct dp_learn_params p = {
		.max_entries = { 64, 64 },
		.lifetime_s = SVC_LIFETIME,
		.socket = SOCKET_ID_ANY,
	};

	return dpt_learn_create(&p);
}

static void apply_fact(struct dp_learn *t, const struct trh *h, const struct fact *f)
{
	const struct tlsp_bytes *sid = &h->rec.ch.session_id;

	switch (f->kind) {
	case F_NONE:
		break;
	case F_LEARN_FIRST:
		assert_true(h->pair);
		assert_true(dp_learn_from_server(t, f->backend, &h->first.ch, &h->first.sf, T0) >=
			    1);
		break;
	case F_FEED_KEY:
		/* what the control plane knows: the key name its server encrypts with */
		assert_int_equal(dp_learn_keyname_set(t, h->r.key_name, 16, f->backend), 0);
		break;
	case F_HELLO_SID:
		assert_true(sid->len > 0);
		assert_int_equal(dp_learn_session_learn(t, sid->ptr, (uint8_t)sid->len, f->backend,
							0, T0),
				 0);
		break;
	}
}

/* Server IDs: decoys on other backends, and the real prefix when the row says. */
static unsigned server_ids(const struct route_row *row, const struct tlsp_client_hello *ch,
			   struct dp_tlsroute_server_id *ids)
{
	const struct tlsp_bytes *b = NULL;
	unsigned n = 0, i;

	for (i = 0; i < 2; i++) {
		memset(&ids[n], 0, sizeof(ids[n]));
		memcpy(ids[n].id, i ? "\xff\xfe\xfd\xfc" : "\x00\x01\x02\x03", SID_LEN);
		ids[n++].backend = (uint16_t)(i ? 3 : 0);
	}
	if (row->prefix == P_SESSION_ID)
		b = &ch->session_id;
	else if (row->prefix == P_PSK_IDENTITY)
		b = &ch->psk[0].identity;
	if (b != NULL) {
		assert_true(b->len >= SID_LEN);
		/* a decoy must not happen to be the real prefix */
		for (i = 0; i < n; i++)
			assert_memory_not_equal(ids[i].id, b->ptr, SID_LEN);
		/* and one that differs in the last byte only comes first */
		memset(&ids[n], 0, sizeof(ids[n]));
		memcpy(ids[n].id, b->ptr, SID_LEN);
		ids[n].id[SID_LEN - 1] ^= 0x80;
		ids[n++].backend = 1;
		memset(&ids[n], 0, sizeof(ids[n]));
		memcpy(ids[n].id, b->ptr, SID_LEN);
		ids[n++].backend = SID_BACKEND;
	}
	return n;
}

/* The counters the row's expected outcome implies. */
static void expected_stats(const struct route_row *row, struct dp_tlsroute_stats *st)
{
	enum dp_tlsroute_miss rr_why = DP_TLSROUTE_MISS_NOT_APPLICABLE;
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 3 && row->misses[i].why != DP_TLSROUTE_MISS_NONE; i++) {
		st->rule[row->misses[i].rule].used++;
		st->rule[row->misses[i].rule].miss[row->misses[i].why]++;
	}
	if (row->misses[0].why != DP_TLSROUTE_MISS_NONE)
		rr_why = row->misses[0].why;
	st->rule[row->rule].used++;
	if (row->backend >= 0)
		st->rule[row->rule].hit++;
	else
		st->rule[RR].miss[rr_why]++;
}

static void assert_stats_equal(const struct dp_tlsroute_stats *got,
			       const struct dp_tlsroute_stats *want)
{
	unsigned r, m;

	for (r = 0; r < DP_TLSROUTE_RULE__COUNT; r++) {
		const struct dp_tlsroute_rule_stats *g = &got->rule[r], *w = &want->rule[r];

		if (g->used != w->used || g->hit != w->hit)
			fail_msg("%s: used %" PRIu64 " hit %" PRIu64 ", want %" PRIu64 " %" PRIu64,
				 dp_tlsroute_rule_names[r], g->used, g->hit, w->used, w->hit);
		for (m = 0; m < DP_TLSROUTE_MISS__COUNT; m++)
			if (g->miss[m] != w->miss[m])
				fail_msg("%s.miss.%s: %" PRIu64 ", want %" PRIu64,
					 dp_tlsroute_rule_names[r], dp_tlsroute_miss_names[m],
					 g->miss[m], w->miss[m]);
	}
	assert_memory_equal(got, want, sizeof(*got));
}

static void test_route(void **state)
{
	const struct route_row *row = *state;
	const struct trh *h = &trh[row->hs];
	const struct tlsp_client_hello *ch = row->not_tls       ? NULL
					     : row->route_first ? &h->first.ch
								: &h->rec.ch;
	struct dp_tlsroute_server_id ids[4];
	struct dp_tlsroute_stats *st = calloc(1, sizeof(*st)), want;
	struct dp_learn *t = mk();
	struct dp_tlsroute_ctx ctx = {
		.learn = t,
		.bk_first = SVC_FIRST,
		.bk_count = SVC_COUNT,
		.now = T0 + row->later,
		.stats = st,
	};
	struct dp_tlsroute_result why;
	uint8_t state_of[N_BK] = { 0 };
	uint8_t tried = 0;
	unsigned i;
	int backend = 12345, ret;

	print_message("# %s\n", row->desc);
	assert_non_null(st);
	for (i = 0; i < 2; i++)
		apply_fact(t, h, &row->facts[i]);
	for (i = 0; i < 2 && row->states[i].state; i++)
		state_of[row->states[i].backend] = row->states[i].state;
	if (row->server_ids != SI_NONE) {
		ctx.server_id_len = SID_LEN;
		ctx.psk_server_id = row->server_ids == SI_PSK;
		ctx.n_server_ids = (uint16_t)server_ids(row, &h->rec.ch, ids);
		ctx.server_ids = ids;
	}

	ret = dp_tlsroute_choose(&ctx, ch, state_of, &backend, &why);

	assert_int_equal(ret, row->backend >= 0 ? 0 : -ENOENT);
	assert_int_equal(backend, row->backend);
	if (why.rule != row->rule)
		fail_msg("rule %s, want %s", dp_tlsroute_rule_names[why.rule],
			 dp_tlsroute_rule_names[row->rule]);
	assert_int_equal(why.hit, row->backend >= 0);
	if (row->misses[0].why != DP_TLSROUTE_MISS_NONE) {
		assert_int_equal(why.miss_rule, row->misses[0].rule);
		if (why.miss != row->misses[0].why)
			fail_msg("miss %s, want %s", dp_tlsroute_miss_names[why.miss],
				 dp_tlsroute_miss_names[row->misses[0].why]);
	} else {
		assert_int_equal(why.miss_rule, RR);
		assert_int_equal(why.miss, row->backend >= 0 ? DP_TLSROUTE_MISS_NONE
							     : DP_TLSROUTE_MISS_NOT_APPLICABLE);
	}
	assert_int_equal(why.missed_backend, row->missed_backend);
	for (i = 0; i < 3 && row->misses[i].why != DP_TLSROUTE_MISS_NONE; i++)
		tried |= (uint8_t)(1u << row->misses[i].rule);
	if (row->backend >= 0)
		tried |= (uint8_t)(1u << row->rule);
	assert_int_equal(why.tried, tried);
	expected_stats(row, &want);
	assert_stats_equal(st, &want);

	/* a NULL result and NULL counters change nothing in the decision */
	ctx.stats = NULL;
	backend = 12345;
	assert_int_equal(dp_tlsroute_choose(&ctx, ch, state_of, &backend, NULL), ret);
	assert_int_equal(backend, row->backend);
	assert_stats_equal(st, &want);
	dp_learn_free(t);
	free(st);
}

/* The two handshake facts the rows rely on, checked on OpenSSL's bytes. */
static void test_premises(void **state)
{
	const struct tlsp_client_hello *t13 = &trh[TRH_T13_FULL].rec.ch;
	const struct tlsp_client_hello *tk = &trh[TRH_T12_TICKET].rec.ch;
	const struct tlsp_client_hello *fresh = &trh[TRH_T12_SID].first.ch;

	(void)state;
	/* a TLS 1.3 client in middlebox-compatibility mode sends a random legacy ID */
	assert_true(t13->tls13_offered);
	assert_int_equal(t13->session_id.len, 32);
	/* a TLS 1.2 ticket resumption also carries a session ID */
	assert_int_equal(tk->ticket, TLSP_TICKET_PRESENT);
	assert_true(tk->session_id.len > 0);
	assert_false(tk->tls13_offered);
	/* a fresh TLS 1.2 hello offers nothing to route by */
	assert_int_equal(fresh->session_id.len, 0);
	assert_true(fresh->ticket != TLSP_TICKET_PRESENT);
	/* the PSK identity starts with the key name the tlsgen server issued */
	assert_true(trh[TRH_T13_PSK].rec.ch.has_psk);
	assert_memory_equal(trh[TRH_T13_PSK].rec.ch.psk[0].key_name.ptr,
			    trh[TRH_T13_PSK].r.key_name, 16);
}

/* ---- verdict counters ---------------------------------------------------------------- */

struct verdict_row {
	const char *desc;
	enum trh_id hs;
	bool first;
};

static const struct verdict_row verdict_rows[] = {
	{ "TLS 1.2 full handshake", TRH_T12_SID_FULL },
	{ "TLS 1.2 full handshake with a ticket", TRH_T12_TICKET_FULL },
	{ "TLS 1.2 resumed by session ID", TRH_T12_SID },
	{ "TLS 1.2 resumed by ticket", TRH_T12_TICKET },
	{ "TLS 1.3 full handshake", TRH_T13_FULL },
	{ "TLS 1.3 resumed by PSK", TRH_T13_PSK },
	{ "TLS 1.3 HelloRetryRequest, then a full handshake", TRH_T13_HRR },
	{ "first of a TLS 1.2 pair: full", TRH_T12_SID, true },
	{ "first of a TLS 1.3 pair: full", TRH_T13_PSK, true },
};

/* What OpenSSL's account of the connection says the counters must show. */
static enum dp_tlsstats_verdict openssl_verdict(const struct tlsgen_result *r, bool first)
{
	if (first || !r->reused)
		return DP_TLSSTATS_V_FULL;
	if (r->version >= TLS1_3_VERSION)
		return DP_TLSSTATS_V_RESUMED_PSK;
	return r->ticket_offered ? DP_TLSSTATS_V_RESUMED_TICKET : DP_TLSSTATS_V_RESUMED_SESSION_ID;
}

static void test_verdict(void **state)
{
	const struct verdict_row *row = *state;
	const struct trh *h = &trh[row->hs];
	const struct trh_conn *c = row->first ? &h->first : &h->rec;
	struct dp_tlsstats_backend got[N_BK], want[N_BK], sum[N_BK];
	uint16_t bk = (uint16_t)(row->hs % N_BK);

	print_message("# %s\n", row->desc);
	memset(got, 0, sizeof(got));
	memset(want, 0, sizeof(want));
	dp_tlsstats_verdict(got, bk, &c->sf);
	want[bk].v[openssl_verdict(&h->r, row->first)]++;
	if (!row->first && h->r.hrr)
		want[bk].v[DP_TLSSTATS_V_HRR]++;
	assert_memory_equal(got, want, sizeof(got));
	/* summing lcores adds */
	memcpy(sum, got, sizeof(sum));
	dp_tlsstats_backend_add(sum, got, N_BK);
	assert_int_equal(sum[bk].v[openssl_verdict(&h->r, row->first)], 2);
}

/* An abandoned scan: HRR seen, no ServerHello yet; and nothing decided at all. */
static void test_verdict_partial(void **state)
{
	const struct trh_conn *c = &trh[TRH_T13_HRR].rec;
	struct tlsp_server_scan scan;
	struct dp_tlsstats_backend v[1];
	size_t cut = 5;

	(void)state;
	/* the HRR is the first record: stop right after it */
	cut += (size_t)(c->server[3] << 8 | c->server[4]);
	tlsp_server_scan_init(&scan, &c->ch, 0);
	assert_int_equal(tlsp_server_scan_feed(&scan, c->server, cut), TLSP_NEED_MORE);
	assert_int_equal(scan.result.verdict, TLSP_VERDICT_HRR);
	memset(v, 0, sizeof(v));
	dp_tlsstats_verdict(v, 0, &scan.result);
	assert_int_equal(v[0].v[DP_TLSSTATS_V_HRR], 1);
	assert_int_equal(v[0].v[DP_TLSSTATS_V_UNKNOWN], 0);
	assert_int_equal(v[0].v[DP_TLSSTATS_V_FULL], 0);
	tlsp_server_scan_init(&scan, &c->ch, 0);
	assert_int_equal(tlsp_server_scan_feed(&scan, c->server, 3), TLSP_NEED_MORE);
	dp_tlsstats_verdict(v, 0, &scan.result);
	assert_int_equal(v[0].v[DP_TLSSTATS_V_UNKNOWN], 1);
	assert_int_equal(v[0].v[DP_TLSSTATS_V_HRR], 1);
}

/* ---- hello counters -------------------------------------------------------------------- */

enum hello_input { H_REAL, H_HALF, H_HTTP, H_BAD_SID_LEN };

struct hello_row {
	const char *desc;
	enum hello_input input;
	unsigned segments;
	/* expected */
	enum tlsp_status status;
	enum tlsp_reason reason;
	const char *bucket;
};

static const struct hello_row hello_rows[] = {
	{ "a real hello in one segment", H_REAL, 1, TLSP_OK, TLSP_R_NONE, "1" },
	{ "a real hello in two segments", H_REAL, 2, TLSP_OK, TLSP_R_NONE, "2" },
	{ "three", H_REAL, 3, TLSP_OK, TLSP_R_NONE, "3" },
	{ "four", H_REAL, 4, TLSP_OK, TLSP_R_NONE, "4" },
	{ "five", H_REAL, 5, TLSP_OK, TLSP_R_NONE, "5_8" },
	{ "eight", H_REAL, 8, TLSP_OK, TLSP_R_NONE, "5_8" },
	{ "nine", H_REAL, 9, TLSP_OK, TLSP_R_NONE, "9_16" },
	{ "sixteen", H_REAL, 16, TLSP_OK, TLSP_R_NONE, "9_16" },
	{ "seventeen", H_REAL, 17, TLSP_OK, TLSP_R_NONE, "17_up" },
	{ "forty", H_REAL, 40, TLSP_OK, TLSP_R_NONE, "17_up" },
	{ "zero counts as one", H_REAL, 0, TLSP_OK, TLSP_R_NONE, "1" },
	{ "half a hello when the wait ended", H_HALF, 1, TLSP_NEED_MORE, TLSP_R_NONE, "1" },
	{ "HTTP instead of TLS", H_HTTP, 1, TLSP_NOT_TLS, TLSP_R_RECORD_TYPE, "1" },
	{ "session ID length 33", H_BAD_SID_LEN, 2, TLSP_MALFORMED, TLSP_R_SESSION_ID_LENGTH,
	  "2" },
};

static void test_hello(void **state)
{
	const struct hello_row *row = *state;
	const struct trh_conn *c = &trh[TRH_T12_SID_FULL].rec;
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct dp_tlsroute_stats *st = calloc(1, sizeof(*st)), *want = calloc(1, sizeof(*want));
	struct tlsp_client_hello ch;
	enum tlsp_reason reason = TLSP_R_NONE;
	enum tlsp_status status;
	uint8_t *in;
	size_t len;
	unsigned b;

	print_message("# %s\n", row->desc);
	assert_non_null(st);
	assert_non_null(want);
	switch (row->input) {
	case H_HTTP:
		len = sizeof(http) - 1;
		in = unit_memdup(http, len);
		break;
	case H_HALF:
		len = c->ch.consumed / 2;
		in = unit_memdup(c->client, len);
		break;
	case H_BAD_SID_LEN:
	case H_REAL:
	default:
		len = c->ch.consumed;
		in = unit_memdup(c->client, len);
		/* record 5 + handshake 4 + version 2 + random 32: the session ID length */
		if (row->input == H_BAD_SID_LEN)
			in[5 + 4 + 2 + 32] = 33;
		break;
	}
	status = tlsp_client_hello_parse(in, len, NULL, &ch, NULL, &reason);
	assert_int_equal(status, row->status);
	assert_int_equal(reason, row->reason);
	dp_tlsstats_hello(st, status, reason, row->segments);
	want->hello_status[row->status]++;
	if (row->reason != TLSP_R_NONE)
		want->hello_reason[row->reason]++;
	for (b = 0; b < DP_TLSSTATS_SEG__COUNT; b++)
		if (strcmp(dp_tlsstats_seg_names[b], row->bucket) == 0)
			want->hello_segments[b]++;
	assert_memory_equal(st, want, sizeof(*st));
	/* summing lcores adds */
	dp_tlsstats_add(want, st);
	assert_int_equal(want->hello_status[row->status], 2);
	free(in);
	free(st);
	free(want);
}

/* Every name table is complete and its names distinct. */
static void test_names(void **state)
{
	struct {
		const char *const *names;
		unsigned n;
	} tabs[] = {
		{ dp_tlsroute_rule_names, DP_TLSROUTE_RULE__COUNT },
		{ dp_tlsroute_miss_names, DP_TLSROUTE_MISS__COUNT },
		{ dp_tlsstats_seg_names, DP_TLSSTATS_SEG__COUNT },
		{ dp_tlsstats_verdict_names, DP_TLSSTATS_V__COUNT },
		{ dp_learn_table_names, DP_LEARN__TABLES },
		{ dp_learn_counter_names, sizeof(struct dp_learn_counters) / sizeof(uint64_t) },
	};
	unsigned t, i, j;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(tabs); t++)
		for (i = 0; i < tabs[t].n; i++) {
			assert_non_null(tabs[t].names[i]);
			for (j = 0; j < i; j++)
				assert_string_not_equal(tabs[t].names[i], tabs[t].names[j]);
		}
}

int main(void)
{
	static struct unit_table tab;
	size_t i;

	unit_table_add(&tab, "premises", "what OpenSSL's hellos carry", test_premises, NULL);
	for (i = 0; i < ARRAY_SIZE(route_rows); i++)
		unit_table_add(&tab, "route", route_rows[i].desc, test_route,
			       (void *)&route_rows[i]);
	for (i = 0; i < ARRAY_SIZE(verdict_rows); i++)
		unit_table_add(&tab, "verdict", verdict_rows[i].desc, test_verdict,
			       (void *)&verdict_rows[i]);
	unit_table_add(&tab, "verdict", "an abandoned scan", test_verdict_partial, NULL);
	for (i = 0; i < ARRAY_SIZE(hello_rows); i++)
		unit_table_add(&tab, "hello", hello_rows[i].desc, test_hello,
			       (void *)&hello_rows[i]);
	unit_table_add(&tab, "names", "complete and distinct", test_names, NULL);
	return unit_table_run(&tab, "dp_tlsroute", group_setup, trh_teardown);
}
