/* SPDX-License-Identifier: BSD-3-Clause */
/* Mode tls through dp_worker_rx/tx_take with scripted peers: the cookie
 * handshake, the hello (segments, order, retransmission, timeout, non-TLS),
 * binding (backend SYN, RST, silence), the splice's translation over a long
 * exchange, FIN and RST, and learning from a real server flight. TLS bytes
 * come from tlsgen; checksums are verified from scratch (dp_test_util). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "dp_internal.h"
#include "dp_tcpopt.h"
#include "dp_test_util.h"
#include "dp_tls_seg.h"
#include "dp_tls.h"
#include "dp_tlsroute.h"
#include "tlsgen.h"

#include <openssl/ssl.h>

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define CPORT 40000
#define BPORT 8443

static uint8_t out[512][DPT_FRAME_MAX];
static size_t lens[512];
static struct dp_stats st;

/* ---- the scenario: a client, tlslb, two backends ---- */

struct conn {
	struct dpt_env *e;
	const char *vip;     /* NULL: 10.0.0.100 (two-arm); 10.0.0.101 is full-NAT */
	uint16_t cport;
	bool ts;             /* client uses timestamps */
	uint8_t cws;         /* client window shift */
	uint32_t cisn, cookie, c_ts, my_ts, my_ts0;
	uint32_t bip;        /* backend bound to */
	uint16_t bsport;     /* port the backend sees the client on */
	uint32_t bsrc;
	uint32_t b_isn, b_ts0, b_ts;
	uint8_t bws;         /* backend window shift */
};

static void tls_tweak(struct cp_config *c)
{
	c->services[0].mode = CP_MODE_TLS;
	c->services[1].mode = CP_MODE_TLS;
}

static struct dpt_env *env(void)
{
	return dpt_env_new(tls_tweak, 1);
}

static void rx(struct conn *c, uint16_t port, const struct seg *s)
{
	uint8_t buf[DPT_FRAME_MAX];

	dpt_rx(c->e, port, buf, seg_build(buf, s));
}

static unsigned take(struct conn *c, uint16_t port)
{
	return dpt_take(c->e, port, out, lens, 512);
}

static struct seg client_seg(const struct conn *c, uint8_t flags, uint32_t off, const uint8_t *data,
			     uint16_t len)
{
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0,
			 .src = dpt_ip("10.0.0.50"), .dst = dpt_ip(c->vip ? c->vip : "10.0.0.100"),
			 .sport = c->cport, .dport = 443, .seq = c->cisn + 1 + off,
			 .ack = c->cookie + 1, .flags = flags, .win = 500,
			 .data = data, .len = len };

	if (c->ts) {
		s.o.flags = DP_TCPOPT_F_TS;
		s.o.tsval = c->c_ts;
		s.o.tsecr = c->my_ts;
	}
	return s;
}

static uint64_t tlsc(struct dpt_env *e, enum dp_tls_counter k)
{
	dpt_stats(e, &st);
	return st.tls[k];
}

/* SYN and cookie ACK; returns the SYN-ACK read back. */
static void handshake(struct conn *c, struct seg *synack)
{
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0,
			 .src = dpt_ip("10.0.0.50"), .dst = dpt_ip(c->vip ? c->vip : "10.0.0.100"),
			 .sport = c->cport, .dport = 443, .seq = c->cisn, .flags = SYN,
			 .win = 64240, .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1460 } };

	if (c->ts) {
		s.o.flags |= DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
		s.o.tsval = c->c_ts;
		s.o.wscale = c->cws;
	}
	rx(c, 0, &s);
	assert_int_equal(take(c, 0), 1);
	seg_read(out[0], lens[0], synack);
	assert_int_equal(synack->flags, SYN | ACK);
	assert_int_equal(synack->ack, c->cisn + 1);
	assert_int_equal(synack->src, dpt_ip(c->vip ? c->vip : "10.0.0.100"));
	assert_int_equal(synack->sport, 443);
	c->cookie = synack->seq;
	if (c->ts)
		c->my_ts = c->my_ts0 = synack->o.tsval;
	c->c_ts += 1;
	s = client_seg(c, ACK, 0, NULL, 0);
	rx(c, 0, &s);
	assert_int_equal(dpt_flush(c->e), 0);
}

static struct conn conn0(struct dpt_env *e, uint16_t cport, bool ts)
{
	return (struct conn){ .e = e, .cport = cport, .ts = ts, .cws = 9,
			      .cisn = 0x10000000u + cport * 7919u, .c_ts = 1000 };
}

/* Send @hello in pieces [cuts[i], cuts[i+1]) in @order; expect nothing out
 * until the last, then the backend SYN (read into @syn). */
static void send_pieces(struct conn *c, const uint8_t *hello, size_t len, const size_t *cuts,
			unsigned n, const unsigned *order, struct seg *syn)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned k = order ? order[i] : i;
		size_t a = cuts[k], b = k + 1 < n ? cuts[k + 1] : len;
		struct seg s = client_seg(c, ACK | PSH, (uint32_t)a, hello + a, (uint16_t)(b - a));

		rx(c, 0, &s);
		if (i + 1 < n)
			assert_int_equal(dpt_flush(c->e), 0);
	}
	assert_int_equal(take(c, 0), 0);
	assert_int_equal(take(c, 1), 1);
	seg_read(out[0], lens[0], syn);
}

/* The backend SYN carries the client's ISN and options; remember where it went. */
static void check_backend_syn(struct conn *c, const struct seg *syn)
{
	assert_int_equal(syn->flags, SYN);
	assert_int_equal(syn->seq, c->cisn);
	if (c->vip == NULL) {
		assert_int_equal(syn->src, dpt_ip("10.0.0.50"));
		assert_int_equal(syn->sport, c->cport);
	} else {
		assert_int_equal(syn->src, dpt_ip("10.1.0.1")); /* the snat address */
		assert_true(syn->sport >= 1024);
	}
	assert_int_equal(syn->dport, BPORT);
	assert_true(syn->o.flags & DP_TCPOPT_F_MSS);
	assert_int_equal(syn->o.mss, 1460);
	if (c->ts) {
		assert_int_equal(syn->o.flags & (DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE |
						 DP_TCPOPT_F_SACK_PERM),
				 DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM);
		assert_int_equal(syn->o.tsval, c->c_ts);
		assert_int_equal(syn->o.wscale, c->cws);
	} else {
		assert_int_equal(syn->o.flags, DP_TCPOPT_F_MSS);
	}
	c->bip = syn->dst;
	c->bsrc = syn->src;
	c->bsport = syn->sport;
}

static const char *bmac(uint32_t ip)
{
	return ip == dpt_ip("10.1.0.11") ? DPT_MAC_B11 : DPT_MAC_B12;
}

static struct seg backend_seg(const struct conn *c, uint8_t flags, uint32_t off, const uint8_t *data,
			      uint16_t len, uint32_t ack)
{
	struct seg s = { .smac = bmac(c->bip), .dmac = DPT_MAC_P1, .src = c->bip,
			 .dst = c->bsrc, .sport = BPORT, .dport = c->bsport,
			 .seq = c->b_isn + 1 + off, .ack = ack, .flags = flags, .win = 1000,
			 .data = data, .len = len };

	if (c->ts) {
		s.o.flags = DP_TCPOPT_F_TS;
		s.o.tsval = c->b_ts;
		s.o.tsecr = c->c_ts;
	}
	return s;
}

/* Backend SYN-ACK: expect its ACK and the replay of @hello[0, len). */
static void accept_backend(struct conn *c, const uint8_t *hello, size_t len)
{
	struct seg s = backend_seg(c, SYN | ACK, 0, NULL, 0, c->cisn + 1), r;
	uint8_t *got = calloc(1, len + 1);
	size_t have = 0;
	unsigned n, i;

	s.seq = c->b_isn;
	s.win = 65535; /* the whole hello fits (test_replay_window: when not) */
	s.o.flags |= DP_TCPOPT_F_MSS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
	s.o.mss = 1400;
	s.o.wscale = c->bws;
	c->b_ts0 = c->b_ts;
	rx(c, 1, &s);
	assert_int_equal(take(c, 0), 0);
	n = take(c, 1);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		seg_read(out[i], lens[i], &r);
		assert_int_equal(r.dst, c->bip);
		assert_int_equal(r.flags & (SYN | RST | FIN), 0);
		assert_int_equal(r.ack, c->b_isn + 1);
		assert_int_equal(r.seq, c->cisn + 1 + have);
		assert_true(r.len <= 1400);
		if (c->ts) {
			assert_int_equal(r.o.tsval, c->c_ts);
			assert_int_equal(r.o.tsecr, c->b_ts);
		}
		memcpy(got + have, r.data, r.len);
		have += r.len;
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, hello, len);
	free(got);
	assert_int_equal(tlsc(c->e, DP_TLSC_SPLICED) > 0, 1);
}

/* ---- fixtures: real hellos ---- */

static struct tlsgen_result r13, r13frag, r12, r12t, r13psk;

static int group_setup(void **state)
{
	struct tlsgen_params p13 = { 0 }, pfrag = { .max_fragment = 512, .alpn = "h2,http/1.1",
						     .client_groups = "ffdhe8192:x25519",
						     .sni = "a-rather-long-name.example.com" };
	struct tlsgen_params p12 = { .min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION,
				     .session_cache = true, .resume = true };

	(void)state;
	dpt_eal_init();
	assert_int_equal(tlsgen_run(&p13, &r13), 0);
	assert_int_equal(tlsgen_run(&pfrag, &r13frag), 0);
	struct tlsgen_params p12t = { .min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION,
				      .tickets = true, .resume = true };
	struct tlsgen_params p13psk = { .tickets = true, .resume = true };

	assert_int_equal(tlsgen_run(&p12, &r12), 0);
	assert_int_equal(tlsgen_run(&p12t, &r12t), 0);
	assert_int_equal(tlsgen_run(&p13psk, &r13psk), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tlsgen_result_free(&r13);
	tlsgen_result_free(&r13frag);
	tlsgen_result_free(&r12);
	tlsgen_result_free(&r12t);
	tlsgen_result_free(&r13psk);
	return 0;
}

/* ---- tests ---- */

static void test_cookie(void **state)
{
	static const struct {
		const char *desc;
		bool ts;
		uint32_t ack_add;     /* added to the correct ack */
		uint64_t wait_ms;     /* between SYN-ACK and ACK */
		int drop;             /* -1: valid */
	} cases[] = {
		{ "valid, timestamps", true, 0, 0, -1 },
		{ "valid, no timestamps", false, 0, 0, -1 },
		{ "valid after 60 s", true, 0, 60000, -1 },
		{ "forged ack", true, 1, 0, DP_DROP_COOKIE_FORGED },
		{ "forged ack, no timestamps", false, 0x400000, 0, DP_DROP_COOKIE_FORGED },
		{ "stale", true, 0, 3 * DP_SYNCOOKIE_PERIOD_MS, DP_DROP_COOKIE_STALE },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = env();
		struct conn c = conn0(e, CPORT, cases[i].ts);
		struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0,
				 .src = dpt_ip("10.0.0.50"), .dst = dpt_ip("10.0.0.100"),
				 .sport = CPORT, .dport = 443, .seq = c.cisn, .flags = SYN,
				 .win = 64240, .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1400 } }, sa;
		uint64_t before;

		print_message("# %s\n", cases[i].desc);
		if (c.ts) {
			s.o.flags |= DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
			s.o.tsval = 1000;
			s.o.wscale = 9;
		}
		rx(&c, 0, &s);
		assert_int_equal(take(&c, 0), 1);
		seg_read(out[0], lens[0], &sa);
		assert_int_equal(sa.flags, SYN | ACK);
		assert_int_equal(sa.ack, c.cisn + 1);
		assert_int_equal(sa.o.mss, 1300); /* the cookie table's entry below 1400 */
		if (c.ts) {
			assert_int_equal(sa.o.flags, DP_TCPOPT_F_MSS | DP_TCPOPT_F_TS |
							 DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM);
			assert_int_equal(sa.o.wscale, DP_TLS_WSCALE);
			assert_int_equal(sa.o.tsecr, 1000);
		} else {
			assert_int_equal(sa.o.flags, DP_TCPOPT_F_MSS);
		}
		assert_int_equal(dpt_flow_keys(e), 0); /* no state for a SYN */
		c.cookie = sa.seq + cases[i].ack_add;
		c.my_ts = sa.o.tsval;
		c.c_ts = 1001;
		dpt_advance_ms(e, cases[i].wait_ms);
		dpt_stats(e, &st);
		before = cases[i].drop >= 0 ? st.drop[cases[i].drop] : 0;
		s = client_seg(&c, ACK, 0, NULL, 0);
		rx(&c, 0, &s);
		assert_int_equal(dpt_flush(e), 0);
		dpt_stats(e, &st);
		if (cases[i].drop < 0) {
			assert_int_equal(st.tls[DP_TLSC_COOKIE_OK], 1);
			assert_int_equal(dpt_flow_keys(e), 2);
		} else {
			assert_int_equal(st.drop[cases[i].drop], before + 1);
			assert_int_equal(st.tls[DP_TLSC_COOKIE_OK], 0);
			assert_int_equal(dpt_flow_keys(e), 0);
		}
		dpt_env_delete(e);
	}
}

/* One client port towards two tls services at once (Linux reuses a source
 * port for another destination): both hellos are held, and both bind. */
static void test_one_port_two_services(void **state)
{
	struct dpt_env *e = env();
	struct conn a = conn0(e, CPORT, true), b = conn0(e, CPORT, true);
	struct seg sa, syn;

	(void)state;
	b.vip = "10.0.0.101";
	handshake(&a, &sa);
	handshake(&b, &sa);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_created, 2);
	assert_int_equal(dpt_drops(&st), 0);
	assert_int_equal(dpt_flow_keys(e), 4);
	send_pieces(&a, r13.client.data, r13.client_hello_len, (size_t[]){ 0 }, 1, NULL, &syn);
	check_backend_syn(&a, &syn);
	send_pieces(&b, r13.client.data, r13.client_hello_len, (size_t[]){ 0 }, 1, NULL, &syn);
	check_backend_syn(&b, &syn);
	dpt_env_delete(e);
}

static void test_hello_pieces(void **state)
{
	static const struct {
		const char *desc;
		bool frag;         /* the hello spread over several TLS records */
		bool ts;
		unsigned n;
		size_t cuts[4];    /* piece starts */
		unsigned order[5]; /* all zero: in order */
		unsigned dup;      /* a piece sent twice (index + 1) */
	} cases[] = {
		{ "one segment", false, true, 1, { 0 }, { 0 }, 0 },
		{ "one segment, no timestamps", false, false, 1, { 0 }, { 0 }, 0 },
		{ "two segments", false, true, 2, { 0, 100 }, { 0 }, 0 },
		{ "three segments", false, true, 3, { 0, 5, 200 }, { 0 }, 0 },
		{ "out of order", false, true, 3, { 0, 60, 130 }, { 2, 1, 0 }, 0 },
		{ "retransmission", false, true, 2, { 0, 90 }, { 0 }, 1 },
		{ "several records, four segments", true, true, 4, { 0, 150, 300, 515 },
		  { 1, 0, 3, 2 }, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = env();
		struct conn c = conn0(e, CPORT, cases[i].ts);
		const struct tlsgen_result *r = cases[i].frag ? &r13frag : &r13;
		const unsigned *order = cases[i].order[0] || cases[i].order[1] ? cases[i].order : NULL;
		struct seg sa, syn;

		print_message("# %s\n", cases[i].desc);
		if (cases[i].frag)
			assert_true(r->client_hello_len > cases[i].cuts[cases[i].n - 1]);
		handshake(&c, &sa);
		if (cases[i].dup) {
			size_t a = cases[i].cuts[cases[i].dup - 1];
			struct seg s = client_seg(&c, ACK, (uint32_t)a, r->client.data + a, 20);

			rx(&c, 0, &s);
			assert_int_equal(dpt_flush(e), 0);
		}
		send_pieces(&c, r->client.data, r->client_hello_len, cases[i].cuts, cases[i].n,
			    order, &syn);
		check_backend_syn(&c, &syn);
		c.b_isn = 0x70000000u;
		c.b_ts = 555555;
		c.bws = 8;
		accept_backend(&c, r->client.data, r->client_hello_len);
		dpt_stats(e, &st);
		assert_int_equal(st.route.hello_status[TLSP_OK], 1);
		dpt_env_delete(e);
	}
}

static void test_not_tls_round_robin(void **state)
{
	static const uint8_t get[] = "GET / HTTP/1.0\r\n\r\n";
	struct dpt_env *e = env();
	uint32_t seen[2];
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct conn c = conn0(e, (uint16_t)(CPORT + i), true);
		struct seg sa, syn, s;

		handshake(&c, &sa);
		s = client_seg(&c, ACK | PSH, 0, get, sizeof(get) - 1);
		rx(&c, 0, &s);
		assert_int_equal(take(&c, 1), 1);
		seg_read(out[0], lens[0], &syn);
		check_backend_syn(&c, &syn);
		seen[i] = syn.dst;
		c.b_isn = 0x1234;
		accept_backend(&c, get, sizeof(get) - 1);
	}
	assert_int_not_equal(seen[0], seen[1]);
	dpt_stats(e, &st);
	assert_int_equal(st.route.hello_status[TLSP_NOT_TLS], 2);
	dpt_env_delete(e);
}

static void hello2_tweak(struct cp_config *c)
{
	tls_tweak(c);
	c->timeouts.hello = 2;
}

static void hello_timeout(void (*tweak)(struct cp_config *), uint32_t timeout_ms)
{
	struct dpt_env *e = dpt_env_new(tweak, 1);
	struct conn c = conn0(e, CPORT, true);
	struct seg sa, syn, s;

	print_message("# hello timeout %u ms\n", timeout_ms);
	handshake(&c, &sa);
	s = client_seg(&c, ACK, 0, r13.client.data, 100);
	rx(&c, 0, &s);
	dpt_advance_ms(e, timeout_ms - 100);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(dpt_flush(e), 0);
	dpt_advance_ms(e, 200);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(tlsc(e, DP_TLSC_HELLO_TIMEOUT), 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	c.b_isn = 99;
	accept_backend(&c, r13.client.data, 100);
	dpt_env_delete(e);
}

static void test_hello_timeout(void **state)
{
	(void)state;
	hello_timeout(tls_tweak, 5000);    /* the default */
	hello_timeout(hello2_tweak, 2000); /* set timeout hello 2 */
}

/* Bind a fresh connection on @e with the r13 hello; the SYN read into @syn. */
static void to_binding(struct conn *c, struct seg *syn)
{
	struct seg sa, s;

	handshake(c, &sa);
	s = client_seg(c, ACK | PSH, 0, r13.client.data, (uint16_t)r13.client_hello_len);
	rx(c, 0, &s);
	assert_int_equal(take(c, 1), 1);
	seg_read(out[0], lens[0], syn);
	check_backend_syn(c, syn);
}

static void test_backend_rst(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg syn, s;
	uint32_t first;

	(void)state;
	to_binding(&c, &syn);
	first = c.bip;
	s = backend_seg(&c, RST | ACK, 0, NULL, 0, c.cisn + 1);
	s.seq = 0;
	rx(&c, 1, &s);
	assert_int_equal(tlsc(e, DP_TLSC_BACKEND_RST), 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	assert_int_not_equal(c.bip, first);
	c.b_isn = 4242;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	/* the second backend refuses too: now the first is tried before nothing
	 * is left (the service has two) */
	dpt_env_delete(e);
}

static void test_backend_silence(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg syn, rst;
	uint32_t first;

	(void)state;
	to_binding(&c, &syn);
	first = c.bip;
	/* one retransmission to the same backend */
	dpt_advance_ms(e, DP_TLS_SYN_RTO_MS + 1);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	assert_int_equal(c.bip, first);
	/* then the next backend, the first one reset: no half-open connection
	 * stays behind (RST, seq = the ISN + 1 its SYN used) */
	dpt_advance_ms(e, DP_TLS_SYN_RTO_MS + 1);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(take(&c, 1), 2);
	seg_read(out[0], lens[0], &rst);
	assert_int_equal(rst.flags, RST);
	assert_int_equal(rst.dst, first);
	assert_int_equal(rst.dport, BPORT);
	assert_int_equal(rst.sport, c.cport);
	assert_int_equal(rst.seq, c.cisn + 1);
	seg_read(out[1], lens[1], &syn);
	check_backend_syn(&c, &syn);
	assert_int_not_equal(c.bip, first);
	dpt_advance_ms(e, DP_TLS_SYN_RTO_MS + 1);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(take(&c, 1), 1);
	dpt_flush(e);
	/* both backends silent: the second is reset too, then the client, and
	 * the flow goes */
	dpt_advance_ms(e, DP_TLS_SYN_RTO_MS + 1);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &rst);
	assert_int_equal(rst.flags, RST);
	assert_int_equal(rst.dst, c.bip);
	assert_int_equal(rst.seq, c.cisn + 1);
	assert_int_equal(take(&c, 0), 1);
	seg_read(out[0], lens[0], &rst);
	assert_int_equal(rst.flags & RST, RST);
	assert_int_equal(rst.seq, c.cookie + 1);
	assert_int_equal(rst.dport, c.cport);
	dpt_stats(e, &st);
	assert_int_equal(st.tls[DP_TLSC_BACKEND_TIMEOUT], 2);
	assert_int_equal(st.tls[DP_TLSC_BIND_FAILED], 1);
	assert_int_equal(st.tls[DP_TLSC_BACKEND_SYN_RETX], 2);
	dpt_tick(e, 4);
	assert_int_equal(dpt_flow_keys(e), 0);
	dpt_env_delete(e);
}

/* The translated window the client must see: bytes rounded down, saturated. */
static uint16_t want_win(uint16_t w, unsigned from, unsigned to)
{
	uint64_t bytes = (uint64_t)w << from, v = bytes >> to;

	return (uint16_t)(v > 65535 ? 65535 : v);
}

static void test_splice_long_exchange(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	uint8_t data[1200];
	struct seg syn, s, g;
	uint32_t coff = (uint32_t)r13.client_hello_len, soff = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	to_binding(&c, &syn);
	c.b_isn = 0xfffff000u; /* wraps during the exchange */
	c.b_ts = 0xfffffff0u;
	c.bws = 10;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	for (i = 0; i < 60; i++) {
		uint16_t n = (uint16_t)(100 + i * 17);
		uint16_t win = (uint16_t)(7 + i * 1000);

		/* backend -> client */
		c.b_ts += 3;
		s = backend_seg(&c, ACK | PSH, soff, data, n, c.cisn + 1 + coff);
		s.win = win;
		if (i % 3 == 0) {
			s.o.flags |= DP_TCPOPT_F_SACK;
			s.o.n_sack = 1;
			s.o.sack[0].left = c.cisn + 1 + coff + 10;
			s.o.sack[0].right = c.cisn + 1 + coff + 20;
		}
		rx(&c, 1, &s);
		assert_int_equal(take(&c, 1), 0);
		assert_int_equal(take(&c, 0), 1);
		seg_read(out[0], lens[0], &g);
		assert_int_equal(g.src, dpt_ip("10.0.0.100"));
		assert_int_equal(g.sport, 443);
		assert_int_equal(g.dport, c.cport);
		assert_int_equal(g.seq, c.cookie + 1 + soff);
		assert_int_equal(g.ack, c.cisn + 1 + coff);
		assert_int_equal(g.win, want_win(win, c.bws, DP_TLS_WSCALE));
		assert_int_equal(g.o.tsval, c.my_ts0 + (c.b_ts - c.b_ts0));
		assert_int_equal(g.o.tsecr, c.c_ts);
		if (i % 3 == 0) {
			assert_int_equal(g.o.sack[0].left, c.cisn + 1 + coff + 10);
			assert_int_equal(g.o.sack[0].right, c.cisn + 1 + coff + 20);
		}
		assert_int_equal(g.len, n);
		assert_memory_equal(g.data, data, n);
		soff += n;
		/* client -> backend, acknowledging in tlslb's space with a SACK block */
		c.c_ts += 5;
		c.my_ts = g.o.tsval;
		s = client_seg(&c, ACK, coff, data, (uint16_t)(i % 2 ? 0 : 50));
		s.ack = c.cookie + 1 + soff;
		s.o.tsecr = g.o.tsval;
		s.win = win;
		s.o.flags |= DP_TCPOPT_F_SACK;
		s.o.n_sack = 2;
		s.o.sack[0].left = c.cookie + 1 + soff + 100;
		s.o.sack[0].right = c.cookie + 1 + soff + 200;
		s.o.sack[1].left = c.cookie + 1 + soff + 300;
		s.o.sack[1].right = c.cookie + 1 + soff + 400;
		rx(&c, 0, &s);
		assert_int_equal(take(&c, 0), 0);
		assert_int_equal(take(&c, 1), 1);
		seg_read(out[0], lens[0], &g);
		assert_int_equal(g.dst, c.bip);
		assert_int_equal(g.dport, BPORT);
		assert_int_equal(g.seq, c.cisn + 1 + coff);
		assert_int_equal(g.ack, c.b_isn + 1 + soff);
		assert_int_equal(g.win, win); /* both sides scale alike */
		assert_int_equal(g.o.tsval, c.c_ts);
		assert_int_equal(g.o.tsecr, c.b_ts);
		assert_int_equal(g.o.n_sack, 2);
		assert_int_equal(g.o.sack[0].left, c.b_isn + 1 + soff + 100);
		assert_int_equal(g.o.sack[0].right, c.b_isn + 1 + soff + 200);
		assert_int_equal(g.o.sack[1].left, c.b_isn + 1 + soff + 300);
		assert_int_equal(g.o.sack[1].right, c.b_isn + 1 + soff + 400);
		coff += s.len;
	}
	dpt_stats(e, &st);
	assert_int_equal(dpt_drops(&st), 0);
	dpt_env_delete(e);
}

static void test_fin_rst(void **state)
{
	static const struct {
		const char *desc;
		bool from_backend;
		uint8_t flags;
	} cases[] = {
		{ "client FIN", false, FIN | ACK },
		{ "backend FIN", true, FIN | ACK },
		{ "client RST", false, RST | ACK },
		{ "backend RST", true, RST | ACK },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = env();
		struct conn c = conn0(e, CPORT, true);
		struct seg syn, s, g;

		print_message("# %s\n", cases[i].desc);
		to_binding(&c, &syn);
		c.b_isn = 777;
		c.b_ts = 1;
		accept_backend(&c, r13.client.data, r13.client_hello_len);
		if (cases[i].from_backend) {
			s = backend_seg(&c, cases[i].flags, 0, NULL, 0,
					c.cisn + 1 + (uint32_t)r13.client_hello_len);
			rx(&c, 1, &s);
			assert_int_equal(take(&c, 0), 1);
			seg_read(out[0], lens[0], &g);
			assert_int_equal(g.seq, c.cookie + 1);
		} else {
			s = client_seg(&c, cases[i].flags, (uint32_t)r13.client_hello_len, NULL, 0);
			rx(&c, 0, &s);
			assert_int_equal(take(&c, 1), 1);
			seg_read(out[0], lens[0], &g);
			assert_int_equal(g.ack, c.b_isn + 1);
		}
		assert_int_equal(g.flags, cases[i].flags);
		/* the flow retires after the closing / reset timeout */
		dpt_advance_ms(e, 31000);
		dpt_tick(e, 8);
		dpt_tick(e, 8);
		assert_int_equal(dpt_flow_keys(e), 0);
		dpt_stats(e, &st);
		assert_int_equal(st.flows_closed, 1);
		dpt_env_delete(e);
	}
}

static void test_hello_rst(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg sa, s;

	(void)state;
	handshake(&c, &sa);
	s = client_seg(&c, ACK, 0, r13.client.data, 50);
	rx(&c, 0, &s);
	s = client_seg(&c, RST, 50, NULL, 0);
	rx(&c, 0, &s);
	assert_int_equal(dpt_flush(e), 0);
	assert_int_equal(tlsc(e, DP_TLSC_HELLO_RST), 1);
	dpt_tick(e, 4);
	assert_int_equal(dpt_flow_keys(e), 0);
	dpt_env_delete(e);
}

/* A client reset while the backend SYN is out: the backend is reset too. */
static void test_binding_rst(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg syn, s, r;

	(void)state;
	to_binding(&c, &syn);
	s = client_seg(&c, RST, (uint32_t)r13.client_hello_len, NULL, 0);
	rx(&c, 0, &s);
	assert_int_equal(take(&c, 0), 0);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &r);
	assert_int_equal(r.flags, RST);
	assert_int_equal(r.seq, c.cisn + 1);
	assert_int_equal(r.dst, c.bip);
	assert_int_equal(tlsc(e, DP_TLSC_HELLO_RST), 1);
	dpt_tick(e, 4);
	assert_int_equal(dpt_flow_keys(e), 0);
	dpt_env_delete(e);
}

/* Feed the backend's side of @server to the client through the splice. */
static void server_flight(struct conn *c, const uint8_t *server, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += 1000) {
		uint16_t n = (uint16_t)(len - off < 1000 ? len - off : 1000);
		struct seg s = backend_seg(c, ACK | PSH, (uint32_t)off, server + off, n, c->cisn + 1);

		rx(c, 1, &s);
		assert_int_equal(take(c, 0), 1);
	}
}

static uint16_t hello_len(const uint8_t *data, size_t len)
{
	struct tlsp_client_hello ch;
	uint8_t *scratch = malloc(TLSP_SCRATCH_SIZE);
	struct tlsp_client_opts po = { .scratch = scratch, .scratch_len = TLSP_SCRATCH_SIZE };

	assert_int_equal(tlsp_client_hello_parse(data, len, &po, &ch, NULL, NULL), TLSP_OK);
	free(scratch);
	return (uint16_t)ch.consumed;
}

/* Open a connection with hello @data and return the backend its SYN went to. */
static uint32_t connect_with(struct conn *c, const uint8_t *data, uint16_t len)
{
	struct seg sa, syn, s;

	handshake(c, &sa);
	s = client_seg(c, ACK | PSH, 0, data, len);
	rx(c, 0, &s);
	assert_int_equal(take(c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(c, &syn);
	return syn.dst;
}

static void test_learning(void **state)
{
	static const struct {
		const char *desc;
		const struct tlsgen_result *r;
		enum dp_tlsroute_rule rule;
		unsigned learned;
		bool gap;      /* a server segment lost: the scan stops, nothing learned */
		bool control;  /* the key name fed as by the control plane */
		enum dp_tlsstats_verdict verdict;
	} cases[] = {
		{ "TLS 1.2 session ID", &r12, DP_TLSROUTE_RULE_SESSION_ID, 1, false, false,
		  DP_TLSSTATS_V_FULL },
		{ "TLS 1.2 ticket key name", &r12t, DP_TLSROUTE_RULE_TICKET, 1, false, false,
		  DP_TLSSTATS_V_FULL },
		{ "TLS 1.3 PSK key name (control plane)", &r13psk, DP_TLSROUTE_RULE_PSK_KEY_NAME, 0,
		  false, true, DP_TLSSTATS_V_FULL },
		{ "TLS 1.2 session ID, gap in the server flight", &r12, DP_TLSROUTE_RULE_SESSION_ID,
		  0, true, false, DP_TLSSTATS_V_UNKNOWN },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		const struct tlsgen_result *r = cases[i].r;
		struct dpt_env *e = env();
		struct conn c1 = conn0(e, CPORT, true), c2 = conn0(e, CPORT + 1, true);
		struct conn c3 = conn0(e, CPORT + 2, true);
		uint16_t n = hello_len(r->first_client.data, r->first_client.len);
		uint32_t first, b;
		uint16_t target;

		print_message("# %s\n", cases[i].desc);
		assert_true(r->reused);
		first = connect_with(&c1, r->first_client.data, n);
		c1.b_isn = 31337;
		accept_backend(&c1, r->first_client.data, n);
		if (cases[i].gap) {
			struct seg s = backend_seg(&c1, ACK, 100, r->first_server.data + 100,
						   100, c1.cisn + 1);

			assert_true(r->first_server.len > 200);
			rx(&c1, 1, &s);
			assert_int_equal(take(&c1, 0), 1);
		}
		server_flight(&c1, r->first_server.data, r->first_server.len);
		target = first == dpt_ip("10.1.0.11") ? 0 : 1;
		if (cases[i].control) {
			/* the control plane says the other backend holds the key */
			target = (uint16_t)(1 - target);
			assert_int_equal(dp_learn_keyname_set(e->sh->tls->learn[0], r->key_name,
							      16, target), 0);
		}
		dpt_stats(e, &st);
		assert_int_equal(st.tls[DP_TLSC_SCAN_DONE], cases[i].gap ? 0 : 1);
		assert_int_equal(st.tls[DP_TLSC_SCAN_GAP], cases[i].gap ? 1 : 0);
		assert_int_equal(st.tls[DP_TLSC_LEARNED], cases[i].learned);
		assert_int_equal(st.verdict[first == dpt_ip("10.1.0.11") ? 0 : 1]
					 .v[cases[i].verdict], 1);
		/* the resumption: to the issuer, not the next in turn (which would
		 * be the other backend) */
		b = connect_with(&c2, r->client.data, (uint16_t)r->client_hello_len);
		dpt_stats(e, &st);
		if (cases[i].gap) {
			assert_int_not_equal(b, first);
			assert_int_equal(st.route.rule[cases[i].rule].miss[DP_TLSROUTE_MISS_UNKNOWN], 1);
			dpt_env_delete(e);
			continue;
		}
		assert_int_equal(b, dpt_ip(target ? "10.1.0.12" : "10.1.0.11"));
		assert_int_equal(st.route.rule[cases[i].rule].hit, 1);
		/* that backend down: round-robin, counted as a miss */
		e->sh->bk_down[target] = 1;
		b = connect_with(&c3, r->client.data, (uint16_t)r->client_hello_len);
		assert_int_not_equal(b, dpt_ip(target ? "10.1.0.12" : "10.1.0.11"));
		dpt_stats(e, &st);
		assert_int_equal(st.route.rule[cases[i].rule].miss[DP_TLSROUTE_MISS_DOWN], 1);
		dpt_env_delete(e);
	}
}

/* A client reusing its port after a FIN: the old flow goes, the SYN gets a cookie. */
static void test_port_reuse(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg syn, s, sa;

	(void)state;
	to_binding(&c, &syn);
	c.b_isn = 10;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	s = client_seg(&c, FIN | ACK, (uint32_t)r13.client_hello_len, NULL, 0);
	rx(&c, 0, &s);
	assert_int_equal(take(&c, 1), 1);
	c.cisn += 100000;
	handshake(&c, &sa);
	assert_int_equal(tlsc(e, DP_TLSC_PORT_REUSE), 1);
	assert_int_equal(tlsc(e, DP_TLSC_COOKIE_OK), 2);
	dpt_env_delete(e);
}

/* A server that never sends its flight: the scan gives up at the timeout. */
static void test_scan_timeout(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg syn;

	(void)state;
	to_binding(&c, &syn);
	c.b_isn = 10;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	dpt_advance_ms(e, DP_TLS_HELLO_TIMEOUT_MS + 1);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	dpt_stats(e, &st);
	assert_int_equal(st.tls[DP_TLSC_SCAN_TIMEOUT], 1);
	assert_int_equal(st.verdict[c.bip == dpt_ip("10.1.0.11") ? 0 : 1].v[DP_TLSSTATS_V_UNKNOWN],
			 1);
	assert_int_equal(rte_ring_count(e->sh->tls->hs_free), DP_TLS_HS_MAX);
	dpt_env_delete(e);
}

/* Full-NAT: the backend sees tlslb's snat address; the splice works the same. */
static void test_full_nat(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	static const uint8_t reply[] = "hello from the backend";
	struct seg syn, s, g;

	(void)state;
	c.vip = "10.0.0.101";
	to_binding(&c, &syn);
	c.b_isn = 5;
	c.b_ts = 100;
	c.bws = 2;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	s = backend_seg(&c, ACK | PSH, 0, reply, sizeof(reply),
			c.cisn + 1 + (uint32_t)r13.client_hello_len);
	rx(&c, 1, &s);
	assert_int_equal(take(&c, 0), 1);
	seg_read(out[0], lens[0], &g);
	assert_int_equal(g.src, dpt_ip("10.0.0.101"));
	assert_int_equal(g.dst, dpt_ip("10.0.0.50"));
	assert_int_equal(g.dport, c.cport);
	assert_int_equal(g.seq, c.cookie + 1);
	assert_int_equal(g.win, want_win(1000, 2, DP_TLS_WSCALE));
	assert_memory_equal(g.data, reply, sizeof(reply));
	dpt_env_delete(e);
}

/* A client FIN during HELLO: bound at once with what arrived; the FIN is
 * not acknowledged, so the client retransmits it through the splice. */
static void test_hello_fin(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	struct seg sa, syn, s;

	(void)state;
	handshake(&c, &sa);
	s = client_seg(&c, ACK | FIN, 0, r13.client.data, 80);
	rx(&c, 0, &s);
	assert_int_equal(tlsc(e, DP_TLSC_HELLO_FIN), 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	c.b_isn = 1;
	accept_backend(&c, r13.client.data, 80);
	dpt_env_delete(e);
}

/* ---- review fixes ---- */

#define TCP_CSUM_AT (14 + 20 + 16) /* frame offset of the TCP checksum */

/* @s as a frame with @corrupt_at (frame offset, 0: none) flipped and the
 * port's checksum verdict @ol (RTE_MBUF_F_RX_L4_CKSUM_*). */
static void rx_csum(struct conn *c, uint16_t port, const struct seg *s, size_t corrupt_at,
		    uint64_t ol)
{
	uint8_t buf[DPT_FRAME_MAX];
	size_t len = seg_build(buf, s);
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool());

	assert_non_null(m);
	assert_true(corrupt_at < len);
	if (corrupt_at)
		buf[corrupt_at] ^= 0x5a;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	m->ol_flags |= ol;
	dp_worker_rx(c->e->w, port, &m, 1, c->e->now);
}

static uint64_t drops(struct dpt_env *e, enum dp_drop why)
{
	dpt_stats(e, &st);
	return st.drop[why];
}

/* Every segment tlslb answers itself is checked: a corrupted cookie ACK opens
 * no flow, corrupted hello bytes are not buffered (the client's clean
 * retransmission is what reaches the backend), a corrupted backend SYN-ACK
 * splices nothing; the port's verdict is taken when it gives one. */
static void test_tcp_csum(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	const size_t hlen = r13.client_hello_len, payload_at = 14 + 20 + 20 + 12;
	struct seg s, sa, syn;

	(void)state;
	/* SYN with a wrong checksum: no cookie */
	s = (struct seg){ .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0, .src = dpt_ip("10.0.0.50"),
			  .dst = dpt_ip("10.0.0.100"), .sport = c.cport, .dport = 443,
			  .seq = c.cisn, .flags = SYN, .win = 64240,
			  .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1460 } };
	rx_csum(&c, 0, &s, TCP_CSUM_AT, 0);
	assert_int_equal(dpt_flush(e), 0);
	assert_int_equal(drops(e, DP_DROP_TCP_CSUM), 1);
	/* the cookie ACK: corrupted (the cookie itself intact), then flagged bad by the port */
	c.cookie = 0;
	handshake(&c, &sa);           /* opens the flow */
	assert_int_equal(dpt_flow_keys(e), 2);
	c.cport++;
	c.cisn += 1000;
	{
		struct seg syn2 = s, ack;

		syn2.sport = c.cport;
		syn2.seq = c.cisn;
		rx(&c, 0, &syn2);
		assert_int_equal(take(&c, 0), 1);
		seg_read(out[0], lens[0], &sa);
		c.cookie = sa.seq;
		c.my_ts = 0;
		c.ts = false;
		ack = client_seg(&c, ACK, 0, NULL, 0);
		rx_csum(&c, 0, &ack, TCP_CSUM_AT, 0);
		rx_csum(&c, 0, &ack, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD);
		assert_int_equal(dpt_flush(e), 0);
		assert_int_equal(drops(e, DP_DROP_TCP_CSUM), 3);
		assert_int_equal(tlsc(e, DP_TLSC_COOKIE_OK), 1);
		assert_int_equal(dpt_flow_keys(e), 2);
		/* a port that verified it: taken even though the field is wrong */
		rx_csum(&c, 0, &ack, TCP_CSUM_AT, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		assert_int_equal(tlsc(e, DP_TLSC_COOKIE_OK), 2);
		assert_int_equal(dpt_flow_keys(e), 4);
	}
	/* the hello with one byte of its random flipped: dropped, not buffered */
	s = client_seg(&c, ACK | PSH, 0, r13.client.data, (uint16_t)hlen);
	rx_csum(&c, 0, &s, payload_at + 40, 0);
	assert_int_equal(take(&c, 1), 0);
	assert_int_equal(drops(e, DP_DROP_TCP_CSUM), 4);
	rx(&c, 0, &s);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	/* a corrupted SYN-ACK binds nothing; the clean one splices */
	c.b_isn = 0x1234;
	{
		struct seg b = backend_seg(&c, SYN | ACK, 0, NULL, 0, c.cisn + 1);

		b.seq = c.b_isn;
		rx_csum(&c, 1, &b, TCP_CSUM_AT, 0);
		assert_int_equal(dpt_flush(e), 0);
		assert_int_equal(tlsc(e, DP_TLSC_SPLICED), 0);
		assert_int_equal(drops(e, DP_DROP_TCP_CSUM), 5);
	}
	accept_backend(&c, r13.client.data, hlen);
	dpt_env_delete(e);
}

/* The race of the unspliced path: the owner reads the splice flags, then the
 * backend's worker splices the flow (dp_tls_unspliced_seam runs it right
 * there), then the owner takes the context's lock. */
static struct {
	struct dp_worker *owner, *other;
	uint8_t frame[DPT_FRAME_MAX];
	size_t len;
	uint64_t now;
	bool armed;
} race;

void dp_tls_unspliced_seam(struct dp_worker *w, uint32_t rec)
{
	struct rte_mbuf *m;

	(void)rec;
	if (!race.armed || w != race.owner)
		return;
	race.armed = false;
	m = rte_pktmbuf_alloc(dpt_pool());
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)race.len), race.frame, race.len);
	dp_worker_rx(race.other, 1, &m, 1, race.now);
}

static void test_splice_race(void **state)
{
	struct dpt_env *e = dpt_env_new(tls_tweak, 2);
	struct dp_worker *w0 = e->w, *w1 = dp_worker_create(e->sh, 1, dpt_pool());
	struct conn c = conn0(e, CPORT, true);
	static const uint8_t more[] = "client bytes sent while the backend answers";
	const uint32_t hlen = (uint32_t)r13.client_hello_len;
	struct seg syn, s, g;

	(void)state;
	assert_non_null(w1);
	to_binding(&c, &syn);
	c.b_isn = 0x55aa55aa;
	c.b_ts = 77;
	s = backend_seg(&c, SYN | ACK, 0, NULL, 0, c.cisn + 1);
	s.seq = c.b_isn;
	s.o.flags |= DP_TCPOPT_F_MSS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
	s.o.mss = 1400;
	s.o.wscale = 7;
	race = (typeof(race)){ .owner = w0, .other = w1, .now = e->now, .armed = true };
	race.len = seg_build(race.frame, &s);
	/* the client's next bytes reach the owner as the backend's worker splices */
	s = client_seg(&c, ACK | PSH, hlen, more, sizeof(more));
	rx(&c, 0, &s);
	assert_false(race.armed);
	dpt_stats(e, &st);
	assert_int_equal(st.tls[DP_TLSC_SPLICED], 1);
	assert_int_equal(st.drop[DP_DROP_TLS_STRAY], 0);
	/* through the splice, acknowledging the backend's ISN */
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &g);
	assert_int_equal(g.dst, c.bip);
	assert_int_equal(g.seq, c.cisn + 1 + hlen);
	assert_int_equal(g.ack, c.b_isn + 1);
	assert_int_equal(g.len, sizeof(more));
	assert_memory_equal(g.data, more, sizeof(more));
	e->w = w1;
	assert_true(take(&c, 1) >= 2); /* the ACK of the SYN-ACK and the replay */
	dp_worker_free(w1);
	e->w = w0;
	dpt_env_delete(e);
}

/* Every drop is counted: a client segment while the backend SYN is out
 * (tls_binding); and a hello the port chained over several mbufs is taken,
 * piece by piece, not silently ignored. */
static void test_binding_drop_and_chained_hello(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	const size_t hlen = r13.client_hello_len, head = 14 + 20 + 20 + 12 + 100;
	uint8_t buf[DPT_FRAME_MAX];
	struct rte_mbuf *m;
	struct seg s, sa, syn;
	size_t len;

	(void)state;
	handshake(&c, &sa);
	s = client_seg(&c, ACK | PSH, 0, r13.client.data, (uint16_t)hlen);
	len = seg_build(buf, &s);
	assert_true(len > head);
	m = dpt_mbuf_chain2(buf, len, head);
	dp_worker_rx(e->w, 0, &m, 1, e->now);
	assert_int_equal(take(&c, 0), 0);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	/* the client sends on before the backend answers: dropped, counted */
	s = client_seg(&c, ACK | PSH, (uint32_t)hlen, (const uint8_t *)"early", 5);
	rx(&c, 0, &s);
	assert_int_equal(dpt_flush(e), 0);
	assert_int_equal(drops(e, DP_DROP_TLS_BINDING), 1);
	assert_int_equal(dpt_drops(&st), 1);
	c.b_isn = 99;
	accept_backend(&c, r13.client.data, hlen);
	dpt_env_delete(e);
}

/* The owner removes a flow while another worker moves its state (its
 * packets, dp_flow_track): the lost compare-and-swap is retried, never
 * reported as "already going" (which left the record behind). The race is
 * made exact: the record's page is read-only, so dp_flow_remove reads the
 * state, its compare-and-swap faults, and the handler plays the other
 * worker (moves the state) and lets the compare-and-swap run again. */
static struct {
	uint8_t *page;
	size_t page_len;
	uint8_t *state;
	int faults;
} mover;

static void mover_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if ((uint8_t *)si->si_addr < mover.page ||
	    (uint8_t *)si->si_addr >= mover.page + mover.page_len || mover.faults++) {
		signal(sig, SIG_DFL);
		return;
	}
	mprotect(mover.page, mover.page_len, PROT_READ | PROT_WRITE);
	__atomic_store_n(mover.state, DP_FLOW_CLOSING, __ATOMIC_RELAXED);
}

static void test_flow_remove_contended(void **state)
{
	struct dpt_env *e = env();
	struct dp_shared *sh = e->sh;
	struct dp_flow_worker *fw = &e->w->fw;
	struct dp_flow_key fwd = { .src = 1, .dst = 2, .sport = 3, .dport = 4,
				   .proto = IPPROTO_TCP, .family = AF_INET };
	struct dp_flow_key rev = fwd;
	struct sigaction sa = { .sa_sigaction = mover_segv, .sa_flags = SA_SIGINFO }, old;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t rec;
	int rc;

	(void)state;
	rev.zero = 1;
	assert_int_equal(dp_flow_alloc(fw, &sh->flows, &rec), 0);
	sh->flows.recs[rec].flags = 0;
	__atomic_store_n(&sh->flows.recs[rec].state, DP_FLOW_ESTABLISHED, __ATOMIC_RELAXED);
	assert_int_equal(dp_flow_insert(fw, &sh->flows, rec, &fwd, &rev), 0);
	mover.state = &sh->flows.recs[rec].state;
	mover.page = (uint8_t *)((uintptr_t)mover.state & ~(uintptr_t)(pg - 1));
	mover.page_len = pg;
	mover.faults = 0;
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	assert_int_equal(mprotect(mover.page, pg, PROT_READ), 0);
	rc = dp_flow_remove(fw, &sh->flows, rec, sh->qs);
	mprotect(mover.page, pg, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &old, NULL);
	assert_int_equal(mover.faults, 1); /* the race happened */
	assert_int_equal(rc, 0);
	assert_int_equal(sh->flows.recs[rec].state, DP_FLOW_DEAD);
	assert_false(dp_flow_key_exists(&sh->flows, &fwd));
	assert_false(dp_flow_key_exists(&sh->flows, &rev));
	/* gone already: -EBUSY, and the record is left as it is */
	assert_int_equal(dp_flow_remove(fw, &sh->flows, rec, sh->qs), -EBUSY);
	assert_int_equal(sh->flows.recs[rec].state, DP_FLOW_DEAD);
	dpt_env_delete(e);
}

/* getrandom(2), counted: the cookie secret must never draw on the packet path. */
static unsigned getrandom_calls;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	__atomic_fetch_add(&getrandom_calls, 1, __ATOMIC_RELAXED);
	return syscall(SYS_getrandom, buf, len, flags);
}

/* Rotation: worker 0 rotates with the key the control thread drew ahead
 * (dp_shared_maintain), without a system call; with none drawn it waits. */
static void test_cookie_rotation_off_path(void **state)
{
	struct dpt_env *e = env();
	struct dp_tls_shared *t = e->sh->tls;
	const uint64_t due = (uint64_t)(DP_SYNCOOKIE_DEFAULT_ROTATE + 1) * DP_SYNCOOKIE_PERIOD_MS;
	struct conn c = conn0(e, CPORT, true);
	const struct dp_syncookie_secret *cur;
	struct seg sa;
	unsigned calls;

	(void)state;
	assert_non_null(t);
	dpt_tick(e, 1); /* a rotation the test clock may have made due at once */
	dp_shared_maintain(e->sh);
	assert_true(__atomic_load_n(&t->next_ready, __ATOMIC_ACQUIRE));
	cur = t->cur;
	dpt_advance_ms(e, due);
	calls = getrandom_calls;
	dpt_tick(e, 1);
	assert_int_equal(getrandom_calls, calls); /* nothing drawn on the packet path */
	assert_ptr_not_equal(t->cur, cur);         /* and yet rotated */
	assert_int_equal(t->cur->n_keys, 2);
	assert_false(t->next_ready);
	/* the next rotation waits for a key */
	cur = t->cur;
	handshake(&c, &sa); /* cookies keep working meanwhile */
	dpt_advance_ms(e, due);
	dpt_tick(e, 1);
	assert_ptr_equal(t->cur, cur);
	assert_int_equal(getrandom_calls, calls);
	dp_shared_maintain(e->sh); /* the control thread draws it */
	assert_int_equal(getrandom_calls, calls + 1);
	calls = getrandom_calls;
	dpt_tick(e, 1);
	assert_ptr_not_equal(t->cur, cur);
	assert_int_equal(getrandom_calls, calls);
	assert_int_equal(tlsc(e, DP_TLSC_COOKIE_OK), 1);
	dpt_env_delete(e);
}

/* The replay respects the backend's receive window: the SYN-ACK's (never
 * scaled) admits part of the hello, the rest goes out as its ACKs open the
 * window (scaled by its shift), and nothing beyond it. */
static void test_replay_window(void **state)
{
	struct dpt_env *e = env();
	struct conn c = conn0(e, CPORT, true);
	const struct tlsgen_result *r = &r13frag;
	const uint32_t hlen = (uint32_t)r->client_hello_len;
	uint8_t *got = calloc(1, hlen);
	struct seg sa, syn, s, g;
	uint32_t have = 0;
	unsigned n, i;

	(void)state;
	assert_true(hlen > 900);
	handshake(&c, &sa);
	s = client_seg(&c, ACK | PSH, 0, r->client.data, (uint16_t)hlen);
	rx(&c, 0, &s);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	c.b_isn = 5000;
	c.b_ts = 10;
	c.bws = 2;
	s = backend_seg(&c, SYN | ACK, 0, NULL, 0, c.cisn + 1);
	s.seq = c.b_isn;
	s.win = 300;
	s.o.flags |= DP_TCPOPT_F_MSS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
	s.o.mss = 1400;
	s.o.wscale = c.bws;
	rx(&c, 1, &s);
	n = take(&c, 1);
	for (i = 1; i < n; i++) { /* [0] is the ACK of the SYN-ACK */
		seg_read(out[i], lens[i], &g);
		assert_int_equal(g.seq, c.cisn + 1 + have);
		memcpy(got + have, g.data, g.len);
		have += g.len;
	}
	assert_int_equal(have, 300);
	/* an ACK of 100 bytes, window 150 << 2: up to 100 + 600 */
	c.b_ts++;
	s = backend_seg(&c, ACK, 0, NULL, 0, c.cisn + 1 + 100);
	s.win = 150;
	rx(&c, 1, &s);
	assert_int_equal(take(&c, 0), 1); /* the ACK itself goes on to the client */
	n = take(&c, 1);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		seg_read(out[i], lens[i], &g);
		assert_int_equal(g.seq, c.cisn + 1 + have);
		assert_int_equal(g.ack, c.b_isn + 1);
		assert_int_equal(g.o.tsecr, c.b_ts);
		memcpy(got + have, g.data, g.len);
		have += g.len;
	}
	assert_int_equal(have, 700);
	/* all acknowledged, a wide window: the rest */
	c.b_ts++;
	s = backend_seg(&c, ACK, 0, NULL, 0, c.cisn + 1 + have);
	s.win = 4000;
	rx(&c, 1, &s);
	take(&c, 0);
	n = take(&c, 1);
	for (i = 0; i < n; i++) {
		seg_read(out[i], lens[i], &g);
		assert_int_equal(g.seq, c.cisn + 1 + have);
		memcpy(got + have, g.data, g.len);
		have += g.len;
	}
	assert_int_equal(have, hlen);
	assert_int_equal(g.flags & PSH, PSH);
	assert_memory_equal(got, r->client.data, hlen);
	/* the buffer is gone: a further ACK replays nothing */
	s = backend_seg(&c, ACK, 0, NULL, 0, c.cisn + 1 + have);
	rx(&c, 1, &s);
	take(&c, 0);
	assert_int_equal(take(&c, 1), 0);
	dpt_stats(e, &st);
	assert_int_equal(dpt_drops(&st), 0);
	free(got);
	dpt_env_delete(e);
}

/* Two workers: the client's packets reach worker 0 (the owner), the
 * backend's worker 1. A backend RST is left to the owner's tick; the SYN-ACK
 * splices on worker 1; data then crosses in both directions. */
static void test_two_workers(void **state)
{
	struct dpt_env *e = dpt_env_new(tls_tweak, 2);
	struct dp_worker *w0 = e->w, *w1 = dp_worker_create(e->sh, 1, dpt_pool());
	struct conn c = conn0(e, CPORT, true);
	struct seg syn, s, g;
	uint32_t first;
	static const uint8_t reply[] = "server bytes";

	(void)state;
	assert_non_null(w1);
	to_binding(&c, &syn);
	first = c.bip;
	e->w = w1;
	s = backend_seg(&c, RST | ACK, 0, NULL, 0, c.cisn + 1);
	s.seq = 0;
	rx(&c, 1, &s);
	assert_int_equal(dpt_flush(e), 0);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1); /* not worker 1's to act on */
	assert_int_equal(dpt_flush(e), 0);
	e->w = w0;
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &syn);
	check_backend_syn(&c, &syn);
	assert_int_not_equal(c.bip, first);
	e->w = w1;
	c.b_isn = 0xabcdef;
	c.b_ts = 42;
	c.bws = 7;
	accept_backend(&c, r13.client.data, r13.client_hello_len);
	s = backend_seg(&c, ACK | PSH, 0, reply, sizeof(reply),
			c.cisn + 1 + (uint32_t)r13.client_hello_len);
	rx(&c, 1, &s);
	assert_int_equal(take(&c, 0), 1);
	seg_read(out[0], lens[0], &g);
	assert_int_equal(g.seq, c.cookie + 1);
	assert_int_equal(g.o.tsval, c.my_ts0);
	e->w = w0;
	s = client_seg(&c, ACK, (uint32_t)r13.client_hello_len, NULL, 0);
	s.ack = c.cookie + 1 + sizeof(reply);
	rx(&c, 0, &s);
	assert_int_equal(take(&c, 1), 1);
	seg_read(out[0], lens[0], &g);
	assert_int_equal(g.ack, c.b_isn + 1 + sizeof(reply));
	dpt_stats(e, &st);
	assert_int_equal(st.tls[DP_TLSC_BACKEND_RST], 1);
	assert_int_equal(st.tls[DP_TLSC_SPLICED], 1);
	assert_int_equal(dpt_drops(&st), 0);
	e->w = w1;
	dpt_flush(e);
	dp_worker_free(w1);
	e->w = w0;
	dpt_env_delete(e);
}

/* A spliced flow's whole cost with a tls service (the splice array). */
static void test_memory_per_flow(void **state)
{
	struct rte_malloc_socket_stats before, after;
	struct dp_port_info ports[2] = { { 0 }, { 1 } };
	struct cp_config *cfg = calloc(1, sizeof(*cfg));
	const uint32_t flows = 1u << 20;
	struct dp_shared *sh;
	double per, fixed;

	(void)state;
	dpt_config(cfg);
	tls_tweak(cfg);
	cfg->limits.flows = flows;
	assert_int_equal(rte_malloc_get_socket_stats(0, &before), 0);
	sh = dp_shared_create(cfg, ports, 2, 1, 0);
	assert_non_null(sh);
	assert_int_equal(rte_malloc_get_socket_stats(0, &after), 0);
	/* handshake contexts and learned tables are fixed pools, not per flow */
	fixed = (double)sizeof(struct dp_hsctx) * DP_TLS_HS_MAX;
	per = ((double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes)) / flows;
	print_message("# %u flows with tls: %.1f bytes per flow all counted; handshake "
		      "contexts %zu B each, %.1f MB pool\n", flows, per, sizeof(struct dp_hsctx),
		      fixed / 1e6);
	assert_true(sizeof(struct dp_splice) == 12);
	assert_true(per <= 160.0);
	dp_shared_free(sh);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_one_port_two_services),
		cmocka_unit_test(test_hello_pieces),
		cmocka_unit_test(test_not_tls_round_robin),
		cmocka_unit_test(test_hello_timeout),
		cmocka_unit_test(test_hello_rst),
		cmocka_unit_test(test_binding_rst),
		cmocka_unit_test(test_backend_rst),
		cmocka_unit_test(test_backend_silence),
		cmocka_unit_test(test_splice_long_exchange),
		cmocka_unit_test(test_fin_rst),
		cmocka_unit_test(test_learning),
		cmocka_unit_test(test_full_nat),
		cmocka_unit_test(test_hello_fin),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_scan_timeout),
		cmocka_unit_test(test_two_workers),
		cmocka_unit_test(test_memory_per_flow),
		cmocka_unit_test(test_tcp_csum),
		cmocka_unit_test(test_splice_race),
		cmocka_unit_test(test_binding_drop_and_chained_hello),
		cmocka_unit_test(test_flow_remove_contended),
		cmocka_unit_test(test_cookie_rotation_off_path),
		cmocka_unit_test(test_replay_window),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
