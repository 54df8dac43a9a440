/* SPDX-License-Identifier: BSD-3-Clause */
/* Health checks (dp_health): probes on the wire, their verdicts, rise and fall,
 * what the schedulers make of a down backend, ARP, workers, the config check.
 * A synthetic clock: every interval passes in no time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring_elem.h>

#include "dp_health.h"
#include "dp_internal.h"
#include "dp_test_util.h"
#include "dp_tls.h"
#include "dp_tls_seg.h"
#include "dp_tlsroute.h"
#include "tlsgen.h"

#include <openssl/ssl.h>

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define INTERVAL 1000u
#define TIMEOUT 500u
#define RISE 2u
#define FALL 3u

static uint8_t out[256][DPT_FRAME_MAX];
static size_t lens[256];
static struct dp_stats st;

/* ---- configuration ---- */

/* What the tweak applies on top of dpt_config(). */
static struct {
	uint32_t services;     /* bit per service with health on */
	uint8_t rise, fall;
	bool tls;              /* service 0 in mode tls */
	int disabled;          /* backend slot administratively disabled, -1: none */
	bool no_source;        /* a backend behind a port with no address of tlslb's */
	uint16_t weight0;      /* backend 0's weight when non-zero */
	uint32_t interval_ms, timeout_ms; /* 0: INTERVAL, TIMEOUT */
	bool vip_on_address;   /* service 3: 10.1.0.1:600, a VIP that is tlslb's address */
} opt;

static void reset_opt(void)
{
	memset(&opt, 0, sizeof(opt));
	opt.services = 1;
	opt.rise = RISE;
	opt.fall = FALL;
	opt.disabled = -1;
}

static void tweak(struct cp_config *c)
{
	unsigned i;

	for (i = 0; i < c->n_services; i++)
		if (opt.services & (1u << i))
			c->services[i].health = (struct cp_health){
				.enabled = true,
				.interval_ms = opt.interval_ms ? opt.interval_ms : INTERVAL,
				.timeout_ms = opt.timeout_ms ? opt.timeout_ms : TIMEOUT,
				.rise = opt.rise, .fall = opt.fall };
	if (opt.tls)
		c->services[0].mode = CP_MODE_TLS;
	if (opt.disabled >= 0)
		c->backends[opt.disabled].admin = CP_ADMIN_DISABLED;
	if (opt.weight0)
		c->backends[0].weight = opt.weight0;
	if (opt.vip_on_address) {
		struct cp_service *sv = &c->services[c->n_services++];
		struct cp_backend *b = &c->backends[c->n_backends++];

		sv->vip.family = AF_INET;
		sv->vip.v4 = dpt_ip("10.1.0.1");
		sv->port = 600;
		b->ip.family = AF_INET;
		b->ip.v4 = dpt_ip("10.1.0.12");
		b->port = 8443;
		b->weight = 1;
		b->service = (uint16_t)(c->n_services - 1);
	}
	if (opt.no_source) {
		/* port 2, no address on it, a route through it (not a config
		 * cp_config_validate() would pass: the dataplane copes anyway) */
		struct cp_route *r = &c->routes[c->n_routes++];
		struct cp_backend *b = &c->backends[c->n_backends++];

		snprintf(c->ports[2].name, CP_NAME_MAX, "extra");
		c->ports[2].role = CP_ROLE_SERVER;
		c->n_ports = 3;
		r->prefix.family = AF_INET;
		r->prefix.v4 = dpt_ip("10.3.0.0");
		r->prefix_len = 24;
		r->gateway.family = AF_INET;
		r->gateway.v4 = dpt_ip("10.3.0.254");
		r->port = 2;
		b->ip.family = AF_INET;
		b->ip.v4 = dpt_ip("10.3.0.5");
		b->port = 443;
		b->weight = 1;
		b->service = 2;
	}
}

/* ---- the log ---- */

static char log_lines[16][256];
static unsigned n_log;

static void capture(void *arg, const char *line)
{
	(void)arg;
	if (n_log < DPT_N(log_lines))
		snprintf(log_lines[n_log], sizeof(log_lines[0]), "%s", line);
	n_log++;
}

static struct dpt_env *env(unsigned n_workers)
{
	struct dpt_env *e = dpt_env_new(tweak, n_workers);

	n_log = 0;
	dp_health_set_log(e->sh, capture, NULL);
	return e;
}

static bool logged(const char *what)
{
	unsigned i;

	for (i = 0; i < n_log && i < DPT_N(log_lines); i++)
		if (strstr(log_lines[i], what))
			return true;
	return false;
}

/* ---- probes and answers ---- */

static const char *bmac(uint32_t ip)
{
	if (ip == dpt_ip("10.1.0.11"))
		return DPT_MAC_B11;
	if (ip == dpt_ip("10.1.0.12"))
		return DPT_MAC_B12;
	return DPT_MAC_B13;
}

/* Everything queued on the server port, read back (checksums verified). */
static unsigned take_segs(struct dpt_env *e, struct seg *segs, unsigned max)
{
	unsigned n = dpt_take(e, 1, out, lens, DPT_N(out)), i;

	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		struct dpt_view v;

		seg_read(out[i], lens[i], &segs[i]);
		dpt_view(out[i], lens[i], &v);
		assert_string_equal(dpt_mac_str(v.smac, 0), DPT_MAC_P1);
		assert_string_equal(dpt_mac_str(v.dmac, 1), bmac(segs[i].dst));
	}
	return n;
}

/* A probe as it must be: SYN from 10.1.0.1, a probe port, to a backend. */
static unsigned check_probe(struct dpt_env *e, const struct seg *s)
{
	unsigned slot = s->seq & (CP_MAX_BACKENDS - 1);

	assert_int_equal(s->flags, SYN);
	assert_int_equal(s->src, dpt_ip("10.1.0.1"));
	assert_true(s->sport >= CP_HEALTH_PORT_LOW && s->sport <= CP_HEALTH_PORT_HIGH);
	assert_int_equal(s->ack, 0);
	assert_int_equal(s->len, 0);
	assert_true(s->o.flags & DP_TCPOPT_F_MSS);
	assert_true(slot < e->sh->snap->n_backends);
	assert_int_equal(s->dst, e->cfg.backends[slot].ip.v4);
	assert_int_equal(s->dport, e->cfg.backends[slot].port);
	return slot;
}

/* The backend's answer to probe @p on worker @w. */
static void answer_on(struct dpt_env *e, struct dp_worker *w, const struct seg *p, uint8_t flags,
		      uint32_t ack)
{
	struct seg a = { .smac = bmac(p->dst), .dmac = DPT_MAC_P1, .src = p->dst, .dst = p->src,
			 .sport = p->dport, .dport = p->sport, .seq = 0x5000, .ack = ack,
			 .flags = flags, .win = 29200 };
	uint8_t buf[DPT_FRAME_MAX];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool());
	size_t len;

	if (flags & SYN)
		a.o = (struct dp_tcpopt){ .flags = DP_TCPOPT_F_MSS, .mss = 1460 };
	len = seg_build(buf, &a);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	dp_worker_rx(w, 1, &m, 1, e->now);
}

static void answer(struct dpt_env *e, const struct seg *p, uint8_t flags)
{
	answer_on(e, e->w, p, flags, p->seq + 1);
}

static void check_rst(const struct seg *r, const struct seg *p)
{
	assert_int_equal(r->flags, RST);
	assert_int_equal(r->src, p->src);
	assert_int_equal(r->dst, p->dst);
	assert_int_equal(r->sport, p->sport);
	assert_int_equal(r->dport, p->dport);
	assert_int_equal(r->seq, p->seq + 1);
}

/*
 * One interval: the probes due go out, each is answered as @v[slot] says
 * ('o' SYN-ACK, 'r' RST, 't' nothing, '-' no probe expected), the timeout
 * passes and the verdicts are taken; the clock ends one interval later.
 */
static void round_(struct dpt_env *e, const char *v)
{
	struct seg p[64], r[64];
	bool seen[64] = { false };
	unsigned n, i;

	dpt_tick(e, 1);
	n = take_segs(e, p, DPT_N(p));
	for (i = 0; i < n; i++) {
		unsigned slot = check_probe(e, &p[i]);

		assert_true(slot < strlen(v));
		assert_false(seen[slot]);
		seen[slot] = true;
		if (v[slot] == 'o') {
			answer(e, &p[i], SYN | ACK);
			assert_int_equal(take_segs(e, r, DPT_N(r)), 1);
			check_rst(&r[0], &p[i]);
		} else if (v[slot] == 'r') {
			answer(e, &p[i], RST | ACK);
			assert_int_equal(dpt_flush(e), 0);
		}
	}
	for (i = 0; i < strlen(v); i++)
		assert_int_equal(seen[i], v[i] != '-');
	dpt_advance_ms(e, TIMEOUT);
	dpt_tick(e, 1);
	assert_int_equal(dpt_flush(e), 0);
	dpt_advance_ms(e, INTERVAL - TIMEOUT);
}

static int test_setup(void **state)
{
	(void)state;
	reset_opt();
	return 0;
}

/* ---- tests ---- */

/* Probes leave at the interval, not before; only the service with health on. */
static void test_probe_interval(void **state)
{
	struct dpt_env *e;
	struct seg p[8];
	unsigned i;

	(void)state;
	e = env(1);
	dpt_tick(e, 3);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 2);
	assert_int_equal(check_probe(e, &p[0]), 0);
	assert_int_equal(check_probe(e, &p[1]), 1);
	assert_int_not_equal(p[0].sport, p[1].sport);
	for (i = 0; i < 2; i++)
		answer(e, &p[i], SYN | ACK);
	assert_int_equal(dpt_flush(e), 2); /* the resets */
	dpt_advance_ms(e, INTERVAL - 1);
	dpt_tick(e, 3);
	assert_int_equal(dpt_flush(e), 0);
	dpt_advance_ms(e, 1);
	dpt_tick(e, 1);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 2);
	assert_int_not_equal(p[0].seq, p[1].seq);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].probes, 2);
	assert_int_equal(st.health[1].probes, 2);
	assert_int_equal(st.health[0].ok, 1);
	assert_int_equal(st.health[2].probes, 0); /* service 1: health off */
	assert_int_equal(st.health[4].probes, 0);
	assert_int_equal(dpt_drops(&st), 0);
	dpt_env_delete(e);
}

/* Each answer's verdict, and what goes back to the backend. */
static void test_verdicts(void **state)
{
	static const struct {
		const char *desc;
		char v;
		uint64_t ok, refused, timeout;
	} cases[] = {
		{ "SYN-ACK: success, reset", 'o', 1, 0, 0 },
		{ "RST: refused", 'r', 0, 1, 0 },
		{ "silence: timeout", 't', 0, 0, 1 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e;
		char v[3] = { cases[i].v, 'o', 0 };

		print_message("# %s\n", cases[i].desc);
		reset_opt();
		e = env(1);
		round_(e, v);
		dpt_stats(e, &st);
		assert_int_equal(st.health[0].probes, 1);
		assert_int_equal(st.health[0].ok, cases[i].ok);
		assert_int_equal(st.health[0].refused, cases[i].refused);
		assert_int_equal(st.health[0].timeout, cases[i].timeout);
		assert_int_equal(st.health[1].ok, 1);
		assert_int_equal(dpt_drops(&st), 0);
		dpt_env_delete(e);
	}
}

/* Silence counts only once the timeout has passed. */
static void test_timeout_edge(void **state)
{
	struct dpt_env *e;
	struct seg p[4];

	(void)state;
	e = env(1);
	dpt_tick(e, 1);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 2);
	dpt_advance_ms(e, TIMEOUT - 1);
	dpt_tick(e, 2);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].timeout, 0);
	/* a late answer is still taken before the timeout */
	answer(e, &p[0], SYN | ACK);
	assert_int_equal(dpt_flush(e), 1);
	dpt_advance_ms(e, 1);
	dpt_tick(e, 1);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].ok, 1);
	assert_int_equal(st.health[0].timeout, 0);
	assert_int_equal(st.health[1].timeout, 1);
	/* one after the timeout is a stray, reset all the same */
	answer(e, &p[1], SYN | ACK);
	assert_int_equal(take_segs(e, p + 2, 2), 1);
	check_rst(&p[2], &p[1]);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_HEALTH_STRAY], 1);
	assert_int_equal(st.health[1].ok, 0);
	dpt_env_delete(e);
}

/* Rise and fall over sequences of verdicts of backend 0 ('u'/'d': its state after each). */
static void test_rise_fall(void **state)
{
	static const struct {
		const char *desc;
		uint8_t rise, fall;
		const char *verdicts, *states;
	} cases[] = {
		{ "fall 3 refusals", 3, 3, "rrrr", "uudd" },
		{ "fall 3 timeouts", 2, 3, "ttt", "uud" },
		{ "a success in between resets the count", 2, 3, "rrorrr", "uuuuud" },
		{ "mixed failures count together", 2, 3, "rtr", "uud" },
		{ "rise 2 after going down", 2, 2, "rrooo", "udduu" },
		{ "a failure in between resets the rise", 2, 2, "rrorooo", "udddduu" },
		{ "fall 1, rise 1", 1, 1, "rorr", "dudd" },
	};
	unsigned i, k;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e;
		unsigned downs = 0, ups = 0;

		print_message("# %s\n", cases[i].desc);
		reset_opt();
		opt.rise = cases[i].rise;
		opt.fall = cases[i].fall;
		e = env(1);
		for (k = 0; cases[i].verdicts[k]; k++) {
			char v[3] = { cases[i].verdicts[k], 'o', 0 };
			bool down = cases[i].states[k] == 'd';
			struct dp_health_info info;

			round_(e, v);
			assert_int_equal(e->sh->bk_down[0], down);
			assert_int_equal(e->sh->bk_down[1], 0);
			assert_int_equal(dp_health_read(e->sh, 0, &info), 0);
			assert_int_equal(info.down, down);
			assert_int_equal(info.why, DP_HEALTH_PROBED);
			if (cases[i].states[k] != (k ? cases[i].states[k - 1] : 'u'))
				*(down ? &downs : &ups) += 1;
		}
		dpt_stats(e, &st);
		assert_int_equal(st.health[0].went_down, downs);
		assert_int_equal(st.health[0].went_up, ups);
		assert_int_equal(n_log, downs + ups);
		if (downs)
			assert_true(logged("backend 10.1.0.11:8443 of 10.0.0.100:443 (slot 0) down"));
		if (ups)
			assert_true(logged("(slot 0) up"));
		dpt_env_delete(e);
	}
}

/* Client SYNs to service 0 (l4, two-arm); the backend each went to. */
static void l4_syns(struct dpt_env *e, unsigned n, unsigned *to11, unsigned *to12)
{
	static uint16_t next_port = 20000;
	unsigned i;

	*to11 = *to12 = 0;
	for (i = 0; i < n; i++) {
		struct dpt_frame f = { .src = "10.0.0.50", .dst = "10.0.0.100",
				       .sport = next_port++, .dport = 443, .flags = SYN, .seq = 1 };
		struct seg s;

		dpt_rx_frame(e, 0, &f);
		assert_int_equal(take_segs(e, &s, 1), 1);
		assert_int_equal(s.flags, SYN);
		if (s.dst == dpt_ip("10.1.0.11"))
			(*to11)++;
		else if (s.dst == dpt_ip("10.1.0.12"))
			(*to12)++;
	}
}

/* A down backend takes no new l4 flows, and rejoins when up. */
static void test_l4_avoids_down(void **state)
{
	static const struct {
		const char *desc;
		uint16_t weight0; /* backend 0 heavier: its picks must not spill into drops */
	} cases[] = {
		{ "equal weights", 0 },
		{ "down backend 10 times heavier", 10 },
	};
	unsigned i, to11, to12;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e;

		print_message("# %s\n", cases[i].desc);
		reset_opt();
		opt.weight0 = cases[i].weight0;
		e = env(1);
		round_(e, "ro");
		round_(e, "ro");
		round_(e, "ro");
		assert_int_equal(e->sh->bk_down[0], 1);
		l4_syns(e, 10, &to11, &to12);
		assert_int_equal(to11, 0);
		assert_int_equal(to12, 10);
		dpt_stats(e, &st);
		assert_int_equal(st.backend[0].new_flows, 0);
		assert_int_equal(dpt_drops(&st), 0);
		round_(e, "oo");
		round_(e, "oo");
		assert_int_equal(e->sh->bk_down[0], 0);
		l4_syns(e, 2 * (1 + (cases[i].weight0 ? cases[i].weight0 : 1)), &to11, &to12);
		assert_true(to11 > 0);
		assert_true(to12 > 0);
		dpt_env_delete(e);
	}
}

/* Worker 0 looks at DP_HEALTH_SCAN slots a millisecond: twice over them all. */
#define SCAN_ROUNDS (2 * CP_MAX_BACKENDS / DP_HEALTH_SCAN)

/* A slot handed to another backend counts its health from zero, like its
 * other counters: the new owner must not inherit the old one's refusals. */
static void test_reused_slot_from_zero(void **state)
{
	static const struct dp_health_stats zero;
	struct cp_config *c = malloc(sizeof(*c));
	char err[160] = "";
	bool answered = false;
	unsigned i, k;
	struct dpt_env *e;

	(void)state;
	assert_non_null(c);
	e = env(1);
	for (i = 0; i < FALL; i++)
		round_(e, "ro");
	assert_int_equal(e->sh->bk_down[0], 1);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].refused, FALL);
	assert_int_equal(st.health[0].went_down, 1);

	/* backend 0 (slot 0) deleted; no flow holds it, so its slot is freed */
	*c = e->cfg;
	memmove(&c->backends[0], &c->backends[1], (c->n_backends - 1) * sizeof(c->backends[0]));
	c->n_backends--;
	if (dp_shared_apply(e->sh, c, err, sizeof(err)) != 0)
		fail_msg("delete refused: %s", err);
	dpt_tick(e, 2);
	assert_int_equal(dp_shared_maintain(e->sh), 1);

	/* every other slot taken (service 2, health off), so the next backend
	 * of service 0 gets slot 0 */
	for (i = 0; c->n_backends < CP_MAX_BACKENDS - 1; i++) {
		struct cp_backend *b = &c->backends[c->n_backends++];

		*b = (struct cp_backend){ .ip = { .family = AF_INET, .v4 = dpt_ip("10.1.0.13") },
					  .port = (uint16_t)(10000 + i), .weight = 1, .service = 2 };
	}
	c->backends[c->n_backends++] = (struct cp_backend){
		.ip = { .family = AF_INET, .v4 = dpt_ip("10.1.0.11") }, .port = 7000, .weight = 1 };
	if (dp_shared_apply(e->sh, c, err, sizeof(err)) != 0)
		fail_msg("add refused: %s", err);
	assert_int_equal(dp_shared_backend_slot(e->sh, CP_MAX_BACKENDS - 1), 0);
	assert_int_equal(e->sh->bk_down[0], 0);
	dpt_stats(e, &st);
	assert_memory_equal(&st.health[0], &zero, sizeof(zero));

	/* and its own probes count from there: one answered, and the old
	 * owner's state is not its own (no "up" where it never was down) */
	dpt_advance_ms(e, INTERVAL);
	for (k = 0; k < SCAN_ROUNDS && !answered; k++) {
		struct seg p[DP_HEALTH_BURST], r[2];
		unsigned n;

		dpt_advance_ms(e, 1);
		dpt_tick(e, 1);
		n = take_segs(e, p, DPT_N(p));
		for (i = 0; i < n; i++) {
			if ((p[i].seq & (CP_MAX_BACKENDS - 1)) != 0)
				continue;
			assert_int_equal(p[i].dport, 7000);
			answer(e, &p[i], SYN | ACK);
			assert_int_equal(take_segs(e, r, DPT_N(r)), 1);
			check_rst(&r[0], &p[i]);
			answered = true;
		}
	}
	assert_true(answered);
	dpt_advance_ms(e, TIMEOUT);
	dpt_stats(e, &st);
	for (k = 0; k < SCAN_ROUNDS && st.health[0].ok == 0; k++) {
		dpt_advance_ms(e, 1);
		dpt_tick(e, 1);
		assert_int_equal(dpt_flush(e), 0);
		dpt_stats(e, &st);
	}
	assert_int_equal(st.health[0].probes, 1);
	assert_int_equal(st.health[0].ok, 1);
	assert_int_equal(st.health[0].refused, 0);
	assert_int_equal(st.health[0].went_down, 0);
	assert_int_equal(st.health[0].went_up, 0);
	assert_int_equal(e->sh->bk_down[0], 0);
	free(c);
	dpt_env_delete(e);
}

/* Every backend down: the service still takes flows (a probe path broken
 * must not take the whole service down). */
static void test_all_down_fails_open(void **state)
{
	struct dpt_env *e;
	unsigned to11, to12;

	(void)state;
	e = env(1);
	round_(e, "rr");
	round_(e, "rr");
	round_(e, "rr");
	assert_int_equal(e->sh->bk_down[0], 1);
	assert_int_equal(e->sh->bk_down[1], 1);
	l4_syns(e, 4, &to11, &to12);
	assert_int_equal(to11, 2);
	assert_int_equal(to12, 2);
	dpt_env_delete(e);
}

/* Disabled backends and services with health off are not probed, nor down. */
static void test_not_probed(void **state)
{
	struct dp_health_info info;
	struct dpt_env *e;

	(void)state;
	opt.disabled = 1;
	e = env(1);
	round_(e, "r-");
	round_(e, "r-");
	round_(e, "r-");
	assert_int_equal(e->sh->bk_down[0], 1);
	assert_int_equal(e->sh->bk_down[1], 0);
	assert_int_equal(dp_health_read(e->sh, 1, &info), 0);
	assert_int_equal(info.why, DP_HEALTH_DISABLED);
	assert_int_equal(dp_health_read(e->sh, 2, &info), 0);
	assert_int_equal(info.why, DP_HEALTH_OFF);
	assert_int_equal(dp_health_read(e->sh, 99, &info), -EINVAL);
	/* health turned off at runtime: no opinion any more, so not down */
	{
		static struct cp_config off;
		char err[256];

		off = e->cfg;
		off.services[0].health.enabled = false;
		assert_int_equal(dp_shared_apply(e->sh, &off, err, sizeof(err)), 0);
	}
	round_(e, "--");
	assert_int_equal(e->sh->bk_down[0], 0);
	dpt_stats(e, &st);
	assert_int_equal(st.health[1].probes, 0);
	assert_int_equal(st.health[0].probes, 3);
	dpt_env_delete(e);
}

/* A backend whose next hop is not resolved yet: ARP first, the probe after. */
static void test_probe_through_arp(void **state)
{
	uint8_t buf[DPT_FRAME_MAX];
	struct seg p[4];
	struct dpt_view v;
	size_t len;

	(void)state;
	opt.services = 1u << 2; /* service 2: backend 10.1.0.13, no static entry */
	{
		struct dpt_env *e = env(1);

		dpt_tick(e, 1);
		assert_int_equal(dpt_take(e, 1, out, lens, DPT_N(out)), 1);
		len = dpt_build_arp(buf, DPT_MAC_P1, "ff:ff:ff:ff:ff:ff", 1, DPT_MAC_P1,
				    "10.1.0.1", "00:00:00:00:00:00", "10.1.0.13");
		dpt_assert_frame(out[0], lens[0], buf, len);
		len = dpt_build_arp(buf, DPT_MAC_B13, DPT_MAC_P1, 2, DPT_MAC_B13, "10.1.0.13",
				    DPT_MAC_P1, "10.1.0.1");
		dpt_rx(e, 1, buf, len);
		assert_int_equal(take_segs(e, p, DPT_N(p)), 1);
		assert_int_equal(check_probe(e, &p[0]), 4);
		dpt_view(out[0], lens[0], &v);
		assert_string_equal(dpt_mac_str(v.dmac, 0), DPT_MAC_B13);
		dpt_stats(e, &st);
		assert_int_equal(st.neigh_queued, 1);
		assert_int_equal(st.neigh_released, 1);
		dpt_env_delete(e);
	}
}

/* No address of tlslb's on the port that reaches the backend: counted, logged once. */
static void test_no_source(void **state)
{
	struct dp_health_info info;
	struct dpt_env *e;

	(void)state;
	opt.services = 1u << 2;
	opt.no_source = true;
	e = env(1);
	assert_int_equal(dp_health_read(e->sh, 5, &info), 0);
	assert_int_equal(info.why, DP_HEALTH_NO_SOURCE);
	assert_int_equal(info.src, 0);
	/* backend 4 (10.1.0.13) waits for ARP meanwhile */
	dpt_tick(e, 1);
	dpt_flush(e);
	dpt_advance_ms(e, INTERVAL);
	dpt_tick(e, 1);
	dpt_flush(e);
	dpt_stats(e, &st);
	assert_int_equal(st.health[5].skipped, 2);
	assert_int_equal(st.health[5].probes, 0);
	assert_int_equal(e->sh->bk_down[5], 0);
	assert_int_equal(n_log, 1);
	assert_true(logged("10.3.0.5:443 of 10.0.0.102:443 (slot 5) cannot be probed: no_source"));
	dpt_env_delete(e);
}

/* A service on tlslb's own address, on a port of the probe range: probes
 * never leave from that port, and its clients are not taken for answers. */
static void test_vip_on_probe_port(void **state)
{
	struct dpt_frame f = { .src = "10.0.0.50", .dst = "10.1.0.1", .sport = 33333,
			       .dport = 600, .flags = SYN, .seq = 1 };
	bool seen[CP_HEALTH_PORT_HIGH + 1] = { false };
	struct dpt_env *e;
	struct seg p[4];
	unsigned i, k, n;

	(void)state;
	opt.vip_on_address = true;
	e = env(1);
	for (i = 0; i < 300; i++) {
		dpt_tick(e, 1);
		n = take_segs(e, p, DPT_N(p));
		assert_int_equal(n, 2);
		for (k = 0; k < n; k++) {
			check_probe(e, &p[k]);
			seen[p[k].sport] = true;
		}
		dpt_advance_ms(e, INTERVAL);
	}
	assert_false(seen[600]);
	assert_true(seen[599]);
	assert_true(seen[601]);
	dpt_rx_frame(e, 0, &f);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 1);
	assert_int_equal(p[0].dst, dpt_ip("10.1.0.12"));
	assert_int_equal(p[0].sport, 33333);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_HEALTH_STRAY], 0);
	assert_int_equal(st.backend[5].new_flows, 1);
	dpt_env_delete(e);
}

/* Answers that match no probe: wrong ISN, wrong source, no ACK, a plain ACK. */
static void test_strays(void **state)
{
	struct dpt_env *e;
	struct seg p[4], r[4];

	(void)state;
	e = env(1);
	dpt_tick(e, 1);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 2);
	/* same slot, other random bits: a stale or forged answer (reset, not counted) */
	answer_on(e, e->w, &p[0], SYN | ACK, p[0].seq + 1 + CP_MAX_BACKENDS);
	assert_int_equal(take_segs(e, r, DPT_N(r)), 1);
	assert_int_equal(r[0].flags, RST);
	answer_on(e, e->w, &p[0], RST | ACK, p[0].seq + 1 + CP_MAX_BACKENDS);
	answer_on(e, e->w, &p[0], ACK, p[0].seq + 1);
	answer_on(e, e->w, &p[0], SYN, 0);
	/* backend 1's answer claiming to be for slot 0 */
	answer_on(e, e->w, &p[1], SYN | ACK, p[0].seq + 1);
	assert_int_equal(dpt_flush(e), 0);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_HEALTH_STRAY], 5);
	/* the real answers still count */
	answer(e, &p[0], SYN | ACK);
	answer(e, &p[1], RST | ACK);
	assert_int_equal(dpt_flush(e), 1);
	dpt_tick(e, 1); /* worker 0 looks once per millisecond */
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].ok, 0);
	dpt_advance_ms(e, 1);
	dpt_tick(e, 1);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].ok, 1);
	assert_int_equal(st.health[1].refused, 1);
	assert_int_equal(st.drop[DP_DROP_HEALTH_STRAY], 5);
	/* a second answer to an answered probe is a stray */
	answer(e, &p[1], RST | ACK);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_HEALTH_STRAY], 6);
	dpt_env_delete(e);
}

/* The answer lands on another worker (RSS): it resets and records, worker 0 counts. */
static void test_answer_on_other_worker(void **state)
{
	struct dpt_env *e;
	struct dp_worker *w1;
	struct rte_mbuf *m[4];
	struct seg p[4], r;
	uint16_t n;

	(void)state;
	e = env(2);
	w1 = dp_worker_create(e->sh, 1, dpt_pool());
	assert_non_null(w1);
	dp_worker_tick(w1, e->now); /* worker 1 sends no probes */
	assert_int_equal(dp_worker_tx_take(w1, 1, m, 4), 0);
	dpt_tick(e, 1);
	assert_int_equal(take_segs(e, p, DPT_N(p)), 2);
	answer_on(e, w1, &p[0], SYN | ACK, p[0].seq + 1);
	answer_on(e, w1, &p[1], RST | ACK, p[1].seq + 1);
	n = dp_worker_tx_take(w1, 1, m, 4);
	assert_int_equal(n, 1);
	seg_read(rte_pktmbuf_mtod(m[0], const uint8_t *), rte_pktmbuf_pkt_len(m[0]), &r);
	check_rst(&r, &p[0]);
	rte_pktmbuf_free(m[0]);
	dpt_advance_ms(e, 1);
	dpt_tick(e, 1);
	dpt_stats(e, &st);
	assert_int_equal(st.health[0].ok, 1);
	assert_int_equal(st.health[1].refused, 1);
	dp_worker_free(w1);
	dpt_env_delete(e);
}

/* ---- answers racing with timeouts, on two lcores ---- */

/* A probe handed to the answering lcore. */
struct probe_desc {
	uint32_t isn, src, dst;
	uint16_t sport, dport;
};

static struct {
	struct dpt_env *e;
	struct dp_worker *w1;
	struct rte_ring *ring;
	uint64_t now;
	int stop;
	uint64_t answers, synacks, resets_out;
} race;

/* Worker 1's lcore: answers every probe, SYN-ACK or RST by the ISN's bit 12. */
static int answer_lcore(void *arg)
{
	struct probe_desc d;
	struct rte_mbuf *m[32];
	unsigned n = 0;
	uint16_t k;

	(void)arg;
	for (;;) {
		if (rte_ring_sc_dequeue_elem(race.ring, &d, sizeof(d)) != 0) {
			if (__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		struct seg a = { .smac = bmac(d.dst), .dmac = DPT_MAC_P1, .src = d.dst,
				 .dst = d.src, .sport = d.dport, .dport = d.sport, .seq = 1,
				 .ack = d.isn + 1, .win = 1000,
				 .flags = (d.isn & 0x1000) ? (RST | ACK) : (SYN | ACK) };
		uint8_t buf[DPT_FRAME_MAX];
		struct rte_mbuf *in = rte_pktmbuf_alloc(dpt_pool());
		size_t len = seg_build(buf, &a);

		if (in == NULL)
			break;
		memcpy(rte_pktmbuf_append(in, (uint16_t)len), buf, len);
		race.synacks += !(d.isn & 0x1000);
		dp_worker_rx(race.w1, 1, &in, 1, race.now);
		__atomic_store_n(&race.answers, race.answers + 1, __ATOMIC_RELEASE);
		if (++n % 16 == 0)
			dp_worker_tick(race.w1, race.now);
		while ((k = dp_worker_tx_take(race.w1, 1, m, 32)) > 0) {
			race.resets_out += k;
			rte_pktmbuf_free_bulk(m, k);
		}
	}
	return 0;
}

/*
 * Worker 0 times probes out after 1 ms while worker 1 answers them whenever
 * it gets to them: every probe must end up counted exactly once (ok, refused
 * or timeout), and every answer exactly once (a verdict, or a stray).
 */
static void test_race(void **state)
{
	struct dpt_env *e;
	unsigned it, i, slot, lcore, outstanding;
	uint64_t enqueued = 0, verdicts = 0, probes = 0, ok_refused = 0, timeouts = 0;

	(void)state;
	assert_true(rte_lcore_count() >= 2);
	opt.interval_ms = 2;
	opt.timeout_ms = 1;
	opt.fall = 255;
	e = env(2);
	memset(&race, 0, sizeof(race));
	race.e = e;
	race.now = e->now;
	race.w1 = dp_worker_create(e->sh, 1, dpt_pool());
	assert_non_null(race.w1);
	race.ring = rte_ring_create_elem("health_race", sizeof(struct probe_desc), 1024,
					 SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(race.ring);
	lcore = rte_get_next_lcore(-1, 1, 0);
	assert_int_equal(rte_eal_remote_launch(answer_lcore, NULL, lcore), 0);
	for (it = 0; it < 20000; it++) {
		struct seg p[8];
		unsigned n;

		dpt_advance_ms(e, 1);
		dpt_tick(e, 1);
		n = dpt_take(e, 1, out, lens, DPT_N(out));
		assert_true(n <= DPT_N(p));
		for (i = 0; i < n; i++) {
			struct probe_desc d;

			seg_read(out[i], lens[i], &p[i]);
			check_probe(e, &p[i]);
			d = (struct probe_desc){ .isn = p[i].seq, .src = p[i].src, .dst = p[i].dst,
						 .sport = p[i].sport, .dport = p[i].dport };
			while (rte_ring_sp_enqueue_elem(race.ring, &d, sizeof(d)) != 0)
				rte_pause();
			enqueued++;
		}
		/* two iterations in three, let the answers in before the next
		 * tick; the third races them with the timeout */
		if (it % 3)
			while (__atomic_load_n(&race.answers, __ATOMIC_ACQUIRE) < enqueued)
				rte_pause();
	}
	__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	/* the last verdicts and timeouts; the probes this sends stay unanswered */
	dpt_advance_ms(e, 1);
	dpt_tick(e, 1);
	outstanding = dpt_flush(e);
	dpt_stats(e, &st);
	for (slot = 0; slot < 2; slot++) {
		const struct dp_health_stats *h = &st.health[slot];

		probes += h->probes;
		verdicts += h->ok + h->refused + h->timeout;
		ok_refused += h->ok + h->refused;
		timeouts += h->timeout;
	}
	print_message("# %" PRIu64 " probes, %" PRIu64 " answered in time, %" PRIu64
		      " timed out, %" PRIu64 " strays\n",
		      probes, ok_refused, timeouts, st.drop[DP_DROP_HEALTH_STRAY]);
	assert_true(probes >= 19000);
	assert_int_equal(verdicts + outstanding, probes);
	assert_int_equal(race.answers, probes - outstanding);
	assert_int_equal(ok_refused + st.drop[DP_DROP_HEALTH_STRAY], race.answers);
	assert_int_equal(race.resets_out, race.synacks);
	assert_true(ok_refused > 0);
	dp_worker_free(race.w1);
	rte_ring_free(race.ring);
	dpt_env_delete(e);
}

/* full-NAT's source ports and the probes' must not meet while health is on. */
static void test_validate_ports(void **state)
{
	static const struct {
		const char *desc;
		bool health;
		uint16_t low, high;
		int rc;
	} cases[] = {
		{ "defaults", true, 1024, 65535, 0 },
		{ "overlap, health on", true, 1, 65535, -EINVAL },
		{ "overlap at the top end", true, 100, 512, -EINVAL },
		{ "overlap, health off", false, 1, 65535, 0 },
		{ "just below", true, 1, 511, 0 },
	};
	struct cp_config *c = calloc(1, sizeof(*c));
	char err[256];
	unsigned i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < DPT_N(cases); i++) {
		print_message("# %s\n", cases[i].desc);
		dpt_config(c);
		c->services[0].health.enabled = cases[i].health;
		c->limits.snat_port_low = cases[i].low;
		c->limits.snat_port_high = cases[i].high;
		assert_int_equal(cp_config_validate(c, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc)
			assert_non_null(strstr(err, "overlap the health-probe source ports 512-1023"));
	}
	free(c);
}

/* ---- mode tls: round-robin and resumptions avoid a down backend ---- */

static struct tlsgen_result r12t;

struct conn {
	struct dpt_env *e;
	uint16_t cport;
	uint32_t cisn, cookie;
};

static void tls_rx(struct dpt_env *e, uint16_t port, const struct seg *s)
{
	uint8_t buf[DPT_FRAME_MAX];

	dpt_rx(e, port, buf, seg_build(buf, s));
}

/* Cookie handshake, then @data: returns the backend the SYN went to. */
static uint32_t tls_connect(struct conn *c, const uint8_t *data, uint16_t len)
{
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0, .src = dpt_ip("10.0.0.50"),
			 .dst = dpt_ip("10.0.0.100"), .sport = c->cport, .dport = 443,
			 .seq = c->cisn, .flags = SYN, .win = 64240,
			 .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1460 } };
	struct seg a;

	tls_rx(c->e, 0, &s);
	assert_int_equal(dpt_take(c->e, 0, out, lens, DPT_N(out)), 1);
	seg_read(out[0], lens[0], &a);
	assert_int_equal(a.flags, SYN | ACK);
	c->cookie = a.seq;
	s = (struct seg){ .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0, .src = dpt_ip("10.0.0.50"),
			  .dst = dpt_ip("10.0.0.100"), .sport = c->cport, .dport = 443,
			  .seq = c->cisn + 1, .ack = c->cookie + 1, .flags = ACK, .win = 500 };
	tls_rx(c->e, 0, &s);
	s.flags = ACK | PSH;
	s.data = data;
	s.len = len;
	tls_rx(c->e, 0, &s);
	assert_int_equal(dpt_take(c->e, 1, out, lens, DPT_N(out)), 1);
	seg_read(out[0], lens[0], &a);
	assert_int_equal(a.flags, SYN);
	assert_int_equal(a.seq, c->cisn);
	/* the backend accepts: spliced, no timer of the flow sends anything later */
	s = (struct seg){ .smac = bmac(a.dst), .dmac = DPT_MAC_P1, .src = a.dst, .dst = a.src,
			  .sport = a.dport, .dport = a.sport, .seq = 0x7000, .ack = c->cisn + 1,
			  .flags = SYN | ACK, .win = 1000,
			  .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1400 } };
	tls_rx(c->e, 1, &s);
	assert_true(dpt_flush(c->e) >= 1);
	return a.dst;
}

/* A client connection on a port of its own. */
static struct conn next_conn(struct dpt_env *e)
{
	static unsigned k;

	k++;
	return (struct conn){ .e = e, .cport = (uint16_t)(40000 + k), .cisn = 0x1000 * k };
}

static void test_tls_avoids_down(void **state)
{
	static const uint8_t get[] = "GET / HTTP/1.0\r\n\r\n";
	struct dpt_env *e;
	unsigned i;

	(void)state;
	opt.tls = true;
	e = env(1);
	/* the control plane says backend 0 holds the ticket's key */
	assert_int_equal(dp_learn_keyname_set(e->sh->tls->learn[0], r12t.key_name, 16, 0), 0);
	for (i = 0; i < 2; i++) {
		struct conn c = next_conn(e);

		assert_int_equal(tls_connect(&c, r12t.client.data, (uint16_t)r12t.client_hello_len),
				 dpt_ip("10.1.0.11"));
	}
	round_(e, "ro");
	round_(e, "ro");
	round_(e, "ro");
	assert_int_equal(e->sh->bk_down[0], 1);
	for (i = 0; i < 4; i++) {
		struct conn c = next_conn(e);

		assert_int_equal(tls_connect(&c, get, sizeof(get) - 1), dpt_ip("10.1.0.12"));
	}
	for (i = 0; i < 2; i++) {
		struct conn c = next_conn(e);

		assert_int_equal(tls_connect(&c, r12t.client.data, (uint16_t)r12t.client_hello_len),
				 dpt_ip("10.1.0.12"));
	}
	dpt_stats(e, &st);
	assert_int_equal(st.route.rule[DP_TLSROUTE_RULE_TICKET].hit, 2);
	assert_int_equal(st.route.rule[DP_TLSROUTE_RULE_TICKET].miss[DP_TLSROUTE_MISS_DOWN], 2);
	/* back up: resumptions go to it again */
	round_(e, "oo");
	round_(e, "oo");
	assert_int_equal(e->sh->bk_down[0], 0);
	{
		struct conn c = next_conn(e);

		assert_int_equal(tls_connect(&c, r12t.client.data, (uint16_t)r12t.client_hello_len),
				 dpt_ip("10.1.0.11"));
	}
	dpt_env_delete(e);
}

static int group_setup(void **state)
{
	struct tlsgen_params p12t = { .min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION,
				      .tickets = true, .resume = true };

	(void)state;
	dpt_eal_init2();
	assert_int_equal(tlsgen_run(&p12t, &r12t), 0);
	assert_true(r12t.ticket_offered);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tlsgen_result_free(&r12t);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe_interval, test_setup),
		cmocka_unit_test_setup(test_verdicts, test_setup),
		cmocka_unit_test_setup(test_timeout_edge, test_setup),
		cmocka_unit_test_setup(test_rise_fall, test_setup),
		cmocka_unit_test_setup(test_l4_avoids_down, test_setup),
		cmocka_unit_test_setup(test_reused_slot_from_zero, test_setup),
		cmocka_unit_test_setup(test_all_down_fails_open, test_setup),
		cmocka_unit_test_setup(test_not_probed, test_setup),
		cmocka_unit_test_setup(test_probe_through_arp, test_setup),
		cmocka_unit_test_setup(test_no_source, test_setup),
		cmocka_unit_test_setup(test_vip_on_probe_port, test_setup),
		cmocka_unit_test_setup(test_strays, test_setup),
		cmocka_unit_test_setup(test_answer_on_other_worker, test_setup),
		cmocka_unit_test_setup(test_race, test_setup),
		cmocka_unit_test_setup(test_validate_ports, test_setup),
		cmocka_unit_test_setup(test_tls_avoids_down, test_setup),
	};

	return cmocka_run_group_tests_name("dp_health", tests, group_setup, group_teardown);
}
