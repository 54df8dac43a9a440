/* SPDX-License-Identifier: BSD-3-Clause */
/* The learned tables (dp_learn): what real server flights teach, lifetimes,
 * control-plane entries, a full table, the incremental sweep and its RCU
 * deferral, flushes, threads without an lcore id, and the memory an entry costs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_learn.h"
#include "dp_test_util.h"
#include "tlsroute_hs.h"
#include "unit_util.h"

#define T0 1000000u /* seconds: any clock value will do */
#define SVC_LIFETIME 3600u

static struct rte_rcu_qsbr *qs;

static int group_setup(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);

	dpt_eal_init();
	qs = rte_zmalloc("test_qs", sz, RTE_CACHE_LINE_SIZE);
	if (qs == NULL || rte_rcu_qsbr_init(qs, 1) != 0)
		return -1;
	return trh_setup(state);
}

static int group_teardown(void **state)
{
	rte_free(qs);
	return trh_teardown(state);
}

static struct dp_learn *mk(uint32_t kn, uint32_t sid, uint32_t lifetime)
{
	struct dp_learn_params p = {
		.max_entries = { [DP_LEARN_KEY_NAME] = kn, [DP_LEARN_SESSION] = sid },
		.lifetime_s = lifetime,
		.qs = qs,
		.socket = SOCKET_ID_ANY,
	};

	return dpt_learn_create(&p);
}

static struct dp_learn_counters counters(const struct dp_learn *t, enum dp_learn_table table)
{
	struct dp_learn_stats st;

	memset(&st, 0, sizeof(st));
	dp_learn_stats_sum(t, &st);
	return st.t[table];
}

/* A synthetic 32-byte session ID or key name for filling tables. */
static void synth(uint8_t out[32], uint32_t i)
{
	unsigned k;

	for (k = 0; k < 32; k++)
		out[k] = (uint8_t)(i >> (8 * (k % 4))) ^ (uint8_t)(k * 37);
}

/* ---- creation ----------------------------------------------------------------------- */

struct create_row {
	const char *desc;
	const char *name;
	uint32_t kn, sid, lifetime;
	uint8_t key_name_len;
	int err; /* rte_errno, 0: created */
};

static const struct create_row create_rows[] = {
	{ "smallest tables, 20-character name", "abcdefghijklmnopqrst", 8, 8, 1, 0, 0 },
	{ "2^20 entries, 32-byte key names", "big", 1u << 20, 8, 1, 32, 0 },
	{ "no name", NULL, 8, 8, 1, 0, EINVAL },
	{ "21-character name", "abcdefghijklmnopqrstu", 8, 8, 1, 0, EINVAL },
	{ "fewer than 8 entries", "small", 7, 8, 1, 0, EINVAL },
	{ "more than 2^24 entries", "huge", 8, (1u << 24) + 1, 1, 0, EINVAL },
	{ "no lifetime", "nolife", 8, 8, 0, 0, EINVAL },
	{ "33-byte key names", "kn33", 8, 8, 1, 33, EINVAL },
};

static void test_create(void **state)
{
	const struct create_row *row = *state;
	struct dp_learn_params p = {
		.name = row->name,
		.max_entries = { row->kn, row->sid },
		.lifetime_s = row->lifetime,
		.key_name_len = row->key_name_len,
		.qs = qs,
		.socket = SOCKET_ID_ANY,
	};
	struct dp_learn *t, *again;
	FILE *quiet;

	print_message("# %s\n", row->desc);
	rte_errno = 0;
	t = dp_learn_create(&p);
	if (row->err) {
		assert_null(t);
		assert_int_equal(rte_errno, row->err);
		return;
	}
	assert_non_null(t);
	assert_int_equal(dp_learn_key_name_len(t), row->key_name_len ? row->key_name_len : 16);
	assert_int_equal(dp_learn_capacity(t, DP_LEARN_KEY_NAME), row->kn);
	/* names are unique (DPDK logs the clash: keep it out of the TAP stream) */
	quiet = fopen("/dev/null", "w");
	assert_non_null(quiet);
	rte_openlog_stream(quiet);
	again = dp_learn_create(&p);
	rte_openlog_stream(NULL);
	fclose(quiet);
	assert_null(again);
	assert_int_equal(rte_errno, EEXIST);
	dp_learn_free(t);
}

/* ---- what server flights teach --------------------------------------------------- */

struct flight_row {
	const char *desc;
	enum trh_id hs;
	bool first;     /* the pair's first connection, else the recorded one */
	bool no_hello;  /* learn without the client's hello */
	bool blind_scan; /* the scan did not see the hello (learning does) */
};

static const struct flight_row flight_rows[] = {
	{ "TLS 1.2 full handshake, session cache: its new session ID", TRH_T12_SID_FULL },
	{ "TLS 1.2 full handshake issuing a ticket: its key name", TRH_T12_TICKET_FULL },
	{ "TLS 1.2 session-ID resumption: the echoed ID, where it was resumed", TRH_T12_SID },
	{ "TLS 1.2 echo, hello unknown: the scan's verdict tells", TRH_T12_SID, false, true },
	{ "TLS 1.2 echo the scan could not tell: the hello tells", TRH_T12_SID, false, false,
	  true },
	{ "TLS 1.2 ticket resumption", TRH_T12_TICKET },
	{ "first of a session-ID pair: the ID the client offers later", TRH_T12_SID, true },
	{ "first of a ticket pair: the key name its ticket carries", TRH_T12_TICKET, true },
	{ "TLS 1.3 full handshake: tickets are encrypted, nothing", TRH_T13_FULL },
	{ "TLS 1.3 PSK resumption: nothing", TRH_T13_PSK },
	{ "TLS 1.3 full handshake, hello unknown: nothing", TRH_T13_FULL, false, true },
	{ "TLS 1.3 PSK resumption, hello unknown: nothing", TRH_T13_PSK, false, true },
	{ "TLS 1.3 first of a PSK pair: nothing", TRH_T13_PSK, true },
	{ "TLS 1.3 with HelloRetryRequest: nothing", TRH_T13_HRR },
};

/* What OpenSSL's own account says the flight must teach. */
struct expect {
	const uint8_t *sid;
	size_t sid_len;
	const uint8_t *key;
};

static void expected(const struct flight_row *row, struct expect *e)
{
	const struct trh *h = &trh[row->hs];
	const struct tlsgen_result *r = &h->r;

	memset(e, 0, sizeof(*e));
	if (r->version >= TLS1_3_VERSION)
		return;
	if (row->first) {
		/* the resuming client offers what the first connection gave it */
		if (!r->ticket_offered) {
			e->sid = r->offered_session_id;
			e->sid_len = r->offered_session_id_len;
		} else {
			assert_true(r->offered_ticket.len >= 16);
			assert_memory_equal(r->offered_ticket.data, r->key_name, 16);
			e->key = r->key_name;
			/* a ticketing server may also name the session: the flight says */
			e->sid = h->first.sf.session_id;
			e->sid_len = h->first.sf.session_id_len;
		}
		return;
	}
	/* a new session's ID, or the ID of a session resumed by it (not by a ticket) */
	if (!r->reused || !r->ticket_offered) {
		e->sid = r->server_session_id;
		e->sid_len = r->server_session_id_len;
	}
	if (r->ticket_issued)
		e->key = r->key_name;
}

static void test_flight(void **state)
{
	const struct flight_row *row = *state;
	const struct trh *h = &trh[row->hs];
	const struct trh_conn *c = row->first ? &h->first : &h->rec;
	struct dp_learn *t = mk(64, 64, SVC_LIFETIME);
	struct tlsp_server_flight sf;
	struct expect e;
	uint16_t bk = 0;
	int ret, n;

	print_message("# %s\n", row->desc);
	expected(row, &e);
	sf = c->sf;
	if (row->blind_scan) {
		struct tlsp_server_scan scan;

		tlsp_server_scan_init(&scan, NULL, 0);
		assert_int_equal(tlsp_server_scan_feed(&scan, c->server, c->server_len), TLSP_OK);
		sf = scan.result;
	}
	ret = dp_learn_from_server(t, 3, row->no_hello ? NULL : &c->ch, &sf, T0);
	n = (e.sid_len > 0) + (e.key != NULL);
	assert_int_equal(ret, n);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), e.sid_len > 0);
	assert_int_equal(dp_learn_count(t, DP_LEARN_KEY_NAME), e.key != NULL);
	assert_int_equal(counters(t, DP_LEARN_SESSION).added, e.sid_len > 0);
	assert_int_equal(counters(t, DP_LEARN_KEY_NAME).added, e.key != NULL);
	if (e.sid_len) {
		assert_int_equal(dp_learn_session_lookup(t, e.sid, (uint8_t)e.sid_len, T0, &bk), 0);
		assert_int_equal(bk, 3);
	}
	if (e.key) {
		assert_int_equal(dp_learn_keyname_lookup(t, e.key, 16, T0, &bk), 0);
		assert_int_equal(bk, 3);
	}
	/* what the client will offer when it resumes is findable: the pairs' point */
	if (row->first && e.sid_len && !h->rec.ch.tls13_offered && !h->r.ticket_offered) {
		const struct tlsp_bytes *offered = &h->rec.ch.session_id;

		assert_int_equal(dp_learn_session_lookup(t, offered->ptr, (uint8_t)offered->len,
							 T0, &bk),
				 0);
	}
	if (row->first && e.key)
		assert_int_equal(dp_learn_keyname_lookup(t, h->rec.ch.ticket_key_name.ptr,
							 (uint8_t)h->rec.ch.ticket_key_name.len,
							 T0, &bk),
				 0);
	dp_learn_free(t);
}

/* ---- lifetimes --------------------------------------------------------------------- */

struct life_row {
	const char *desc;
	enum dp_learn_table table;
	uint32_t svc_num, svc_den; /* service lifetime = NST hint * num / den */
	bool hint_zero;            /* the NST says "unspecified" */
	uint32_t now;
};

static const struct life_row life_rows[] = {
	{ "ticket: service lifetime below the hint caps it", DP_LEARN_KEY_NAME, 1, 2, false, T0 },
	{ "ticket: the hint below the service lifetime", DP_LEARN_KEY_NAME, 3, 1, false, T0 },
	{ "ticket: hint 0 means the service lifetime", DP_LEARN_KEY_NAME, 3, 1, true, T0 },
	{ "ticket: the clock wraps during the lifetime", DP_LEARN_KEY_NAME, 1, 1, false,
	  UINT32_MAX - 100 },
	{ "session ID: the service lifetime", DP_LEARN_SESSION, 1, 3, false, T0 },
	{ "session ID: the clock wraps", DP_LEARN_SESSION, 1, 1, false, UINT32_MAX - 5 },
};

static void test_lifetime(void **state)
{
	const struct life_row *row = *state;
	const struct trh *h = row->table == DP_LEARN_KEY_NAME ? &trh[TRH_T12_TICKET_FULL]
							   : &trh[TRH_T12_SID_FULL];
	struct tlsp_server_flight sf = h->rec.sf;
	uint32_t hint = trh[TRH_T12_TICKET_FULL].r.ticket_lifetime_hint, svc, life;
	const uint8_t *key;
	uint8_t key_len;
	uint16_t bk;
	struct dp_learn *t;

	print_message("# %s\n", row->desc);
	/* OpenSSL's hint: its session timeout; the scanner must agree */
	assert_true(hint > 10);
	if (row->table == DP_LEARN_KEY_NAME)
		assert_int_equal(sf.nst_lifetime_hint, hint);
	svc = hint * row->svc_num / row->svc_den;
	if (row->hint_zero)
		sf.nst_lifetime_hint = 0;
	if (row->table == DP_LEARN_SESSION || row->hint_zero)
		life = svc;
	else
		life = hint < svc ? hint : svc;
	t = mk(64, 64, svc);
	assert_true(dp_learn_from_server(t, 1, &h->rec.ch, &sf, row->now) >= 1);
	if (row->table == DP_LEARN_KEY_NAME) {
		key = h->r.key_name;
		key_len = 16;
	} else {
		key = h->r.server_session_id;
		key_len = (uint8_t)h->r.server_session_id_len;
	}
#define LOOK(now) (row->table == DP_LEARN_KEY_NAME \
			   ? dp_learn_keyname_lookup(t, key, key_len, (now), &bk) \
			   : dp_learn_session_lookup(t, key, key_len, (now), &bk))
	assert_int_equal(LOOK(row->now), 0);
	assert_int_equal(LOOK(row->now + life - 1), 0);
	assert_int_equal(LOOK(row->now + life), -ENOENT);
	assert_int_equal(LOOK(row->now + life + 1000), -ENOENT);
	/* expired but not swept: still a key, invisible; the sweep takes it */
	assert_int_equal(dp_learn_count(t, row->table), 1);
	assert_int_equal(dp_learn_sweep(t, row->now + life - 1, dp_learn_positions(t, row->table)),
			 0);
	assert_int_equal(dp_learn_sweep(t, row->now + life, dp_learn_positions(t, row->table)), 1);
	assert_int_equal(counters(t, row->table).expired, 1);
	/* the slot waits for a grace period: the next call frees it */
	assert_int_equal(dp_learn_count(t, row->table), 1);
	assert_int_equal(dp_learn_sweep(t, row->now + life, 0), 0);
	assert_int_equal(dp_learn_count(t, row->table), 0);
#undef LOOK
	dp_learn_free(t);
}

/* ---- control-plane entries --------------------------------------------------------- */

static void test_control_entries(void **state)
{
	const uint8_t *kn = trh[TRH_T12_TICKET_FULL].r.key_name;
	const struct trh_conn *c = &trh[TRH_T12_TICKET_FULL].rec;
	struct dp_learn *t = mk(64, 64, SVC_LIFETIME);
	struct dp_learn_counters k;
	uint16_t bk;

	(void)state;
	/* fed: never expires, survives sweeps */
	assert_int_equal(dp_learn_keyname_set(t, kn, 16, 2), 0);
	assert_int_equal(dp_learn_keyname_lookup(t, kn, 16, T0 + 10 * 365 * 86400u, &bk), 0);
	assert_int_equal(bk, 2);
	assert_int_equal(dp_learn_sweep(t, T0 + 10 * 365 * 86400u, dp_learn_positions(t, 0)), 0);
	/* a learned NST of the same key does not replace what the control plane said */
	assert_int_equal(dp_learn_from_server(t, 1, &c->ch, &c->sf, T0), c->sf.session_id_len > 0);
	assert_int_equal(dp_learn_keyname_lookup(t, kn, 16, T0, &bk), 0);
	assert_int_equal(bk, 2);
	k = counters(t, DP_LEARN_KEY_NAME);
	assert_int_equal(k.kept_control, 1);
	assert_int_equal(k.added, 1);
	/* given more than the key name (a whole ticket), only key_name_len bytes count */
	assert_int_equal(dp_learn_keyname_lookup(t, c->sf.nst_key_name, 16, T0, &bk), 0);
	{
		uint8_t longer[32];

		synth(longer, 5);
		memcpy(longer, kn, 16);
		assert_int_equal(dp_learn_keyname_lookup(t, longer, 32, T0, &bk), 0);
		assert_int_equal(dp_learn_keyname_lookup(t, kn, 15, T0, &bk), -ENOENT);
	}
	/* removal */
	assert_int_equal(dp_learn_keyname_remove(t, kn, 16), 0);
	assert_int_equal(dp_learn_keyname_lookup(t, kn, 16, T0, &bk), -ENOENT);
	assert_int_equal(dp_learn_keyname_remove(t, kn, 16), -ENOENT);
	assert_int_equal(counters(t, DP_LEARN_KEY_NAME).removed, 1);
	/* now learning works, and a later feed replaces the learned entry */
	assert_int_equal(dp_learn_from_server(t, 1, &c->ch, &c->sf, T0),
			 1 + (c->sf.session_id_len > 0));
	assert_int_equal(dp_learn_keyname_lookup(t, kn, 16, T0, &bk), 0);
	assert_int_equal(bk, 1);
	assert_int_equal(dp_learn_keyname_set(t, kn, 16, 0), 0);
	assert_int_equal(dp_learn_keyname_lookup(t, kn, 16, T0 + 2 * SVC_LIFETIME, &bk), 0);
	assert_int_equal(bk, 0);
	assert_int_equal(counters(t, DP_LEARN_KEY_NAME).refreshed, 1);
	/* bad arguments */
	assert_int_equal(dp_learn_keyname_set(t, kn, 0, 0), -EINVAL);
	assert_int_equal(dp_learn_session_learn(t, kn, 33, 0, 0, T0), -EINVAL);
	dp_learn_free(t);
}

/* ---- a full table ------------------------------------------------------------------ */

struct full_row {
	const char *desc;
	uint32_t configured;
};

static const struct full_row full_rows[] = {
	{ "8 entries", 8 },
	{ "100 entries (rounded up to 128)", 100 },
	{ "4096 entries", 4096 },
};

static void test_table_full(void **state)
{
	const struct full_row *row = *state;
	struct dp_learn *t = mk(8, row->configured, 60);
	uint32_t cap = dp_learn_capacity(t, DP_LEARN_SESSION), i, n = 0, refused = 0;
	uint8_t id[32];
	uint16_t bk;
	int ret;

	print_message("# %s\n", row->desc);
	assert_true(cap >= row->configured && cap < 2 * row->configured);
	for (i = 0; i < 2 * cap; i++) {
		synth(id, i);
		ret = dp_learn_session_learn(t, id, 32, (uint16_t)(i % 4), 0, T0);
		if (ret == 0) {
			n++;
		} else {
			assert_int_equal(ret, -ENOSPC);
			refused++;
		}
	}
	print_message("# capacity %u: %u stored, %u refused\n", cap, n, refused);
	/* bounded by the capacity, and not far below it (cuckoo fills to ~95%+) */
	assert_true(n <= cap);
	assert_true(n >= cap - cap / 8);
	assert_int_equal(n + refused, 2 * cap);
	assert_int_equal(counters(t, DP_LEARN_SESSION).full, refused);
	assert_int_equal(counters(t, DP_LEARN_SESSION).added, n);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), n);
	/* what was stored is still found, with its backend */
	for (i = 0; i < 2 * cap; i++) {
		synth(id, i);
		if (dp_learn_session_lookup(t, id, 32, T0, &bk) == 0)
			assert_int_equal(bk, i % 4);
	}
	/* updating a stored entry needs no new slot, even when full */
	for (i = 0; i < 2 * cap; i++) {
		synth(id, i);
		if (dp_learn_session_lookup(t, id, 32, T0, &bk) == 0)
			break;
	}
	assert_int_equal(dp_learn_session_learn(t, id, 32, 3, 0, T0 + 1), 0);
	/* expiry makes room again */
	assert_int_equal(dp_learn_sweep(t, T0 + 61, dp_learn_positions(t, DP_LEARN_SESSION)),
			 (int)n);
	synth(id, 5 * cap);
	assert_int_equal(dp_learn_session_learn(t, id, 32, 1, 0, T0 + 61), 0);
	dp_learn_free(t);
}

/* ---- the incremental sweep --------------------------------------------------------- */

struct sweep_row {
	const char *desc;
	uint32_t entries;
	unsigned budget;
};

static const struct sweep_row sweep_rows[] = {
	{ "a few entries, small budget", 20, 16 },
	{ "many entries, budget 64", 500, 64 },
	{ "many entries, budget 1", 100, 1 },
};

/* Every call removes at most @budget per table; a full cycle of calls removes all. */
static void test_sweep_bounded(void **state)
{
	const struct sweep_row *row = *state;
	struct dp_learn *t = mk(1024, 1024, 100);
	uint32_t pos = dp_learn_positions(t, DP_LEARN_SESSION), i, calls, removed = 0;
	uint8_t id[32];

	print_message("# %s\n", row->desc);
	assert_true(pos >= 1024);
	for (i = 0; i < row->entries; i++) {
		synth(id, i);
		assert_int_equal(dp_learn_session_learn(t, id, 32, 0, 0, T0), 0);
		assert_int_equal(dp_learn_keyname_learn(t, id, 16, 0, 0, T0), 0);
	}
	/* nothing expired: a whole cycle removes nothing */
	for (calls = 0; calls * row->budget < pos; calls++)
		assert_int_equal(dp_learn_sweep(t, T0 + 99, row->budget), 0);
	for (calls = 0; calls * row->budget < pos; calls++) {
		int n = dp_learn_sweep(t, T0 + 100, row->budget);

		assert_true(n >= 0 && (unsigned)n <= 2 * row->budget);
		removed += (uint32_t)n;
	}
	assert_int_equal(removed, 2 * row->entries);
	assert_int_equal(dp_learn_sweep(t, T0 + 100, 0), 0);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), 0);
	assert_int_equal(dp_learn_count(t, DP_LEARN_KEY_NAME), 0);
	assert_int_equal(counters(t, DP_LEARN_SESSION).expired, row->entries);
	dp_learn_free(t);
}

/* Above 7/8 full, the sweep evicts learned entries in the older half of their
 * life, and only those; below it, nothing that has not expired. */
static void test_pressure_eviction(void **state)
{
	struct dp_learn *t = mk(8, 256, 1000);
	uint32_t cap = dp_learn_capacity(t, DP_LEARN_SESSION), i, old_n, young_n;
	uint8_t id[32];
	uint16_t bk;
	int n;

	(void)state;
	assert_int_equal(cap, 256);
	old_n = cap / 2;
	young_n = cap * 3 / 8 - 1; /* total: one short of 7/8, the mark */
	for (i = 0; i < old_n; i++) {
		synth(id, i);
		assert_int_equal(dp_learn_session_learn(t, id, 32, 1, 0, T0), 0);
	}
	for (i = 0; i < young_n; i++) {
		synth(id, 1000 + i);
		assert_int_equal(dp_learn_session_learn(t, id, 32, 2, 0, T0 + 600), 0);
	}
	/* one short of the mark: old entries stay */
	assert_int_equal(dp_learn_sweep(t, T0 + 700, dp_learn_positions(t, DP_LEARN_SESSION)), 0);
	synth(id, 1000 + young_n);
	assert_int_equal(dp_learn_session_learn(t, id, 32, 2, 0, T0 + 600), 0);
	young_n++;
	/* at T0 + 700 the old ones have 300 s left (< 500), the young 900 */
	n = dp_learn_sweep(t, T0 + 700, dp_learn_positions(t, DP_LEARN_SESSION));
	assert_int_equal(n, (int)old_n);
	assert_int_equal(counters(t, DP_LEARN_SESSION).evicted, old_n);
	assert_int_equal(counters(t, DP_LEARN_SESSION).expired, 0);
	for (i = 0; i < young_n; i++) {
		synth(id, 1000 + i);
		assert_int_equal(dp_learn_session_lookup(t, id, 32, T0 + 700, &bk), 0);
	}
	/* below the mark now: the young age past half their life, and stay */
	n = dp_learn_sweep(t, T0 + 1500, dp_learn_positions(t, DP_LEARN_SESSION));
	assert_int_equal(n, 0);
	dp_learn_free(t);
}

/* Deleted slots wait for every reader's quiescence before reuse. */
static void test_rcu_deferral(void **state)
{
	struct dp_learn *t = mk(64, 64, 10);
	uint8_t id[32];
	uint16_t bk;
	unsigned i;

	(void)state;
	assert_int_equal(rte_rcu_qsbr_thread_register(qs, 0), 0);
	rte_rcu_qsbr_thread_online(qs, 0);
	for (i = 0; i < 10; i++) {
		synth(id, i);
		assert_int_equal(dp_learn_session_learn(t, id, 32, 0, 0, T0), 0);
	}
	assert_int_equal(dp_learn_sweep(t, T0 + 10, dp_learn_positions(t, DP_LEARN_SESSION)), 10);
	/* gone for lookups, but the slots are still held */
	synth(id, 3);
	assert_int_equal(dp_learn_session_lookup(t, id, 32, T0 + 10, &bk), -ENOENT);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), 10);
	assert_int_equal(dp_learn_sweep(t, T0 + 11, 1), 0);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), 10);
	/* the reader passes a quiescent point: the next sweep frees them */
	rte_rcu_qsbr_quiescent(qs, 0);
	assert_int_equal(dp_learn_sweep(t, T0 + 12, 1), 0);
	assert_int_equal(dp_learn_count(t, DP_LEARN_SESSION), 0);
	rte_rcu_qsbr_thread_offline(qs, 0);
	assert_int_equal(rte_rcu_qsbr_thread_unregister(qs, 0), 0);
	dp_learn_free(t);
}

/* A small deferral queue: the sweep stops when it is full, resumes after. */
static void test_defer_full(void **state)
{
	struct dp_learn_params p = {
		.name = "tl_defer",
		.max_entries = { 64, 64 },
		.lifetime_s = 10,
		.defer_max = 4,
		.qs = qs,
		.socket = SOCKET_ID_ANY,
	};
	struct dp_learn *t = dp_learn_create(&p);
	uint8_t id[32];
	unsigned i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(rte_rcu_qsbr_thread_register(qs, 0), 0);
	rte_rcu_qsbr_thread_online(qs, 0);
	for (i = 0; i < 10; i++) {
		synth(id, i);
		assert_int_equal(dp_learn_session_learn(t, id, 32, 0, 0, T0), 0);
	}
	assert_int_equal(dp_learn_sweep(t, T0 + 10, 1000), 4);
	assert_int_equal(dp_learn_sweep(t, T0 + 10, 1000), 0);
	assert_int_equal(dp_learn_keyname_set(t, id, 16, 1), 0);
	assert_int_equal(dp_learn_keyname_remove(t, id, 16), -EBUSY);
	rte_rcu_qsbr_quiescent(qs, 0);
	assert_int_equal(dp_learn_sweep(t, T0 + 10, 1000), 4);
	rte_rcu_qsbr_quiescent(qs, 0);
	assert_int_equal(dp_learn_keyname_remove(t, id, 16), 0);
	rte_rcu_qsbr_quiescent(qs, 0);
	assert_int_equal(dp_learn_sweep(t, T0 + 10, 1000), 2);
	rte_rcu_qsbr_thread_offline(qs, 0);
	assert_int_equal(rte_rcu_qsbr_thread_unregister(qs, 0), 0);
	dp_learn_free(t);
}

/* ---- flush --------------------------------------------------------------------------- */

struct flush_row {
	const char *desc;
	bool learned_only;
};

static const struct flush_row flush_rows[] = {
	{ "learned entries only", true },
	{ "everything", false },
};

static void test_flush(void **state)
{
	const struct flush_row *row = *state;
	const struct trh *h = &trh[TRH_T12_SID_FULL];
	struct dp_learn *t = mk(64, 64, SVC_LIFETIME);
	uint8_t fed[32];
	uint16_t bk;
	int ret;

	print_message("# %s\n", row->desc);
	synth(fed, 77);
	assert_int_equal(dp_learn_keyname_set(t, fed, 16, 1), 0);
	assert_int_equal(dp_learn_from_server(t, 2, &h->rec.ch, &h->rec.sf, T0), 1);
	dp_learn_flush(t, row->learned_only);
	assert_int_equal(dp_learn_session_lookup(t, h->r.server_session_id,
						 (uint8_t)h->r.server_session_id_len, T0, &bk),
			 -ENOENT);
	ret = dp_learn_keyname_lookup(t, fed, 16, T0, &bk);
	assert_int_equal(ret, row->learned_only ? 0 : -ENOENT);
	assert_int_equal(dp_learn_sweep(t, T0, dp_learn_positions(t, DP_LEARN_SESSION)),
			 row->learned_only ? 1 : 2);
	assert_int_equal(counters(t, DP_LEARN_SESSION).removed, 1);
	/* and the same session learned again is live */
	assert_int_equal(dp_learn_from_server(t, 2, &h->rec.ch, &h->rec.sf, T0), 1);
	assert_int_equal(dp_learn_session_lookup(t, h->r.server_session_id,
						 (uint8_t)h->r.server_session_id_len, T0, &bk),
			 0);
	assert_int_equal(bk, 2);
	dp_learn_free(t);
}

/* ---- threads without an lcore id ----------------------------------------------------- */

struct no_lcore {
	struct dp_learn *t;
	int learn, set, sweep, lookup;
};

static void *no_lcore_thread(void *arg)
{
	struct no_lcore *a = arg;
	uint8_t id[32];
	uint16_t bk;

	synth(id, 1);
	a->learn = dp_learn_session_learn(a->t, id, 32, 0, 0, T0);
	a->set = dp_learn_keyname_set(a->t, id, 16, 0);
	a->sweep = dp_learn_sweep(a->t, T0, 10);
	synth(id, 2);
	a->lookup = dp_learn_session_lookup(a->t, id, 32, T0, &bk);
	return NULL;
}

static void test_no_lcore(void **state)
{
	struct no_lcore a = { .t = mk(64, 64, 10) };
	uint8_t id[32];
	pthread_t th;

	(void)state;
	synth(id, 2);
	assert_int_equal(dp_learn_session_learn(a.t, id, 32, 0, 0, T0), 0);
	assert_int_equal(pthread_create(&th, NULL, no_lcore_thread, &a), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.learn, -EPERM);
	assert_int_equal(a.set, -EPERM);
	assert_int_equal(a.sweep, -EPERM);
	assert_int_equal(a.lookup, 0); /* readers need no lcore id */
	dp_learn_free(a.t);
}

/* ---- memory ------------------------------------------------------------------------- */

/*
 * Heap bytes of a table set at two sizes: the slope is the cost of an entry,
 * the rest the fixed part. Both tables get the same size, so an entry of
 * each is counted.
 */
static void test_memory_per_entry(void **state)
{
	static const uint32_t sizes[2] = { 1u << 14, 1u << 17 };
	uint64_t bytes[2];
	double per, fixed;
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct rte_malloc_socket_stats before, after;
		struct dp_learn *t;

		assert_int_equal(rte_malloc_get_socket_stats(0, &before), 0);
		t = mk(sizes[i], sizes[i], 60);
		assert_int_equal(rte_malloc_get_socket_stats(0, &after), 0);
		bytes[i] = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
		print_message("# %u + %u entries: %" PRIu64 " bytes\n", sizes[i], sizes[i],
			      bytes[i]);
		dp_learn_free(t);
	}
	per = (double)(bytes[1] - bytes[0]) / (2.0 * (sizes[1] - sizes[0]));
	fixed = (double)bytes[0] - per * 2.0 * sizes[0];
	print_message("# %.1f bytes per entry per table, %.0f KiB fixed per table set\n", per,
		      fixed / 1024);
	/* dp_learn.h: 48 B key slot + 8 B bucket + 4 B ring = 60 B */
	assert_true(per >= 56.0 && per <= 64.0);
	assert_true(fixed < 2.0 * 1024 * 1024);
}

int main(void)
{
	static struct unit_table tab;
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_control_entries),
		cmocka_unit_test(test_pressure_eviction),
		cmocka_unit_test(test_rcu_deferral),
		cmocka_unit_test(test_defer_full),
		cmocka_unit_test(test_no_lcore),
		cmocka_unit_test(test_memory_per_entry),
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(create_rows); i++)
		unit_table_add(&tab, "create", create_rows[i].desc, test_create,
			       (void *)&create_rows[i]);
	for (i = 0; i < ARRAY_SIZE(flight_rows); i++)
		unit_table_add(&tab, "flight", flight_rows[i].desc, test_flight,
			       (void *)&flight_rows[i]);
	for (i = 0; i < ARRAY_SIZE(life_rows); i++)
		unit_table_add(&tab, "lifetime", life_rows[i].desc, test_lifetime,
			       (void *)&life_rows[i]);
	for (i = 0; i < ARRAY_SIZE(full_rows); i++)
		unit_table_add(&tab, "full", full_rows[i].desc, test_table_full,
			       (void *)&full_rows[i]);
	for (i = 0; i < ARRAY_SIZE(sweep_rows); i++)
		unit_table_add(&tab, "sweep", sweep_rows[i].desc, test_sweep_bounded,
			       (void *)&sweep_rows[i]);
	for (i = 0; i < ARRAY_SIZE(flush_rows); i++)
		unit_table_add(&tab, "flush", flush_rows[i].desc, test_flush,
			       (void *)&flush_rows[i]);
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		unit_table_add(&tab, "table", fixed[i].name, fixed[i].test_func, NULL);
	return unit_table_run(&tab, "dp_learn", group_setup, group_teardown);
}
