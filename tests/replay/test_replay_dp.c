/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay of captured TLS conversations through an in-process dataplane
 * (issue 4, "Replay from pcap files").
 *
 *   test_replay_dp FILE... [--lossy FILE...]
 *
 * Every TCP connection of a capture, in order, is one connection of a single
 * client reconnecting (new port each time) to a mode-tls service with two
 * backends (dp_test_util's topology, service 0). The client side sends the
 * capture's client segments (same boundaries) to tlslb; a scripted backend
 * with its own ISN answers with the capture's server segments, in the
 * capture's order. Asserted per connection: the backend it lands on (what
 * tlslb should choose, computed here from the capture alone: an offered
 * session ID, ticket or PSK on the backend of the earlier connection that
 * issued it, otherwise round-robin, starting with backend 0), that the
 * backend receives exactly the capture's client stream and the client
 * exactly the capture's server stream, that FINs get through, and that
 * tlslb's counters agree (the routing rule that chose; the server flight's
 * verdict counted for that backend).
 * --lossy: the client's hello segments are cut into three or more pieces;
 * the second is lost and the rest arrive first; 200 ms later the client
 * retransmits from the lost piece on (go-back-N, as Linux does on an RTO).
 */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_internal.h"
#include "dp_learn.h"
#include "dp_test_util.h"
#include "dp_tls.h"
#include "dp_tls_seg.h"
#include "replay_dp_cap.h"
#include "tlsp_client.h"
#include "tlsp_server.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define CPORT0 40000
#define BPORT 8443
#define N_BACKENDS 2
#define RETRANSMIT_MS 200

static uint8_t out[512][DPT_FRAME_MAX];
static size_t lens[512];

struct replay_case {
	const char *path;
	bool lossy;
};

/* A receiver's copy of the stream it is sent: each byte must arrive with
 * the same value every time, and none beyond the expected length. */
struct rx_side {
	const uint8_t *want;
	size_t len;
	uint8_t *buf;
	bool *got;
	size_t next;       /* first byte not received: what this side acknowledges */
	bool fin;
	uint32_t segments; /* with payload */
};

/* One connection being replayed. */
struct run {
	struct dpt_env *e;
	const struct rcap_conn *c;
	uint16_t cport;
	uint32_t cisn, cookie, c_ts, my_ts;
	uint32_t bisn, b_ts, b_tsecr;
	uint32_t bip, bsrc;
	uint16_t bsport;
	int backend; /* -1 until tlslb sends the backend its SYN */
	struct rx_side at_backend, at_client;
};

/* What the capture says about an earlier connection, for the expectations. */
struct conn_info {
	int backend;
	bool tls13;       /* negotiated TLS 1.3: its tickets' key names are the server's */
	int verdict;      /* enum dp_tlsstats_verdict tlslb must count, -1: none */
	uint8_t sid_len;  /* a TLS 1.2 session ID the server issued */
	uint8_t sid[32];
	uint8_t nst_len;  /* a TLS 1.2 NewSessionTicket's key name */
	uint8_t nst[32];
};

static const char *const backend_ip[N_BACKENDS] = { "10.1.0.11", "10.1.0.12" };
static const char *const backend_mac[N_BACKENDS] = { DPT_MAC_B11, DPT_MAC_B12 };

static void tweak(struct cp_config *c)
{
	c->services[0].mode = CP_MODE_TLS;
}

static void side_init(struct rx_side *s, const struct rcap_stream *want)
{
	memset(s, 0, sizeof(*s));
	s->want = want->data;
	s->len = want->len;
	s->buf = calloc(1, want->len + 1);
	s->got = calloc(1, want->len + 1);
	assert_non_null(s->buf);
	assert_non_null(s->got);
}

static void side_free(struct rx_side *s)
{
	free(s->buf);
	free(s->got);
}

static void side_put(struct rx_side *s, const char *who, uint32_t off, const uint8_t *data,
		     uint16_t len)
{
	uint32_t i;

	if ((size_t)off + len > s->len) {
		print_message("# %s got bytes [%u, %zu) past the stream's end %zu\n", who, off,
			      (size_t)off + len, s->len);
		fail();
	}
	for (i = 0; i < len; i++) {
		if (s->got[off + i] && s->buf[off + i] != data[i]) {
			print_message("# %s: byte %u differs from its first copy\n", who, off + i);
			fail();
		}
		s->buf[off + i] = data[i];
		s->got[off + i] = true;
	}
	while (s->next < s->len && s->got[s->next])
		s->next++;
	s->segments++;
}

static void rx(struct run *r, uint16_t port, const struct seg *s)
{
	uint8_t buf[DPT_FRAME_MAX];

	dpt_rx(r->e, port, buf, seg_build(buf, s));
}

static struct seg client_seg(struct run *r, uint8_t flags, uint32_t off, const uint8_t *data,
			     uint16_t len)
{
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0,
			 .src = dpt_ip("10.0.0.50"), .dst = dpt_ip("10.0.0.100"),
			 .sport = r->cport, .dport = 443, .seq = r->cisn + 1 + off,
			 .ack = r->cookie + 1 + (uint32_t)r->at_client.next, .flags = flags,
			 .win = 500, .data = data, .len = len,
			 .o = { .flags = DP_TCPOPT_F_TS, .tsval = r->c_ts++, .tsecr = r->my_ts } };

	return s;
}

static struct seg backend_seg(struct run *r, uint8_t flags, uint32_t off, const uint8_t *data,
			      uint16_t len)
{
	struct seg s = { .smac = backend_mac[r->backend], .dmac = DPT_MAC_P1, .src = r->bip,
			 .dst = r->bsrc, .sport = BPORT, .dport = r->bsport,
			 .seq = r->bisn + 1 + off,
			 .ack = r->cisn + 1 + (uint32_t)r->at_backend.next, .flags = flags,
			 .win = 1000, .data = data, .len = len,
			 .o = { .flags = DP_TCPOPT_F_TS, .tsval = r->b_ts++, .tsecr = r->b_tsecr } };

	return s;
}

/* tlslb's SYN to a backend: the client's ISN; answer with our own. */
static void backend_accept(struct run *r, const struct seg *syn)
{
	struct seg sa;
	int b;

	assert_int_equal(syn->flags, SYN);
	assert_int_equal(syn->seq, r->cisn);
	assert_int_equal(syn->dport, BPORT);
	assert_int_equal(syn->src, dpt_ip("10.0.0.50")); /* two-arm: the client's address */
	assert_int_equal(syn->sport, r->cport);
	for (b = 0; b < N_BACKENDS; b++)
		if (syn->dst == dpt_ip(backend_ip[b]))
			break;
	assert_true(b < N_BACKENDS);
	r->backend = b;
	r->bip = syn->dst;
	r->bsrc = syn->src;
	r->bsport = syn->sport;
	r->b_tsecr = syn->o.tsval;
	sa = backend_seg(r, SYN | ACK, 0, NULL, 0);
	sa.seq = r->bisn;
	sa.ack = r->cisn + 1;
	sa.win = 65535; /* the server took the whole hello at once, as in the capture */
	sa.o.flags |= DP_TCPOPT_F_MSS | DP_TCPOPT_F_WSCALE | DP_TCPOPT_F_SACK_PERM;
	sa.o.mss = 1460;
	sa.o.wscale = 7;
	rx(r, 1, &sa);
}

static void at_client(struct run *r, const struct seg *s)
{
	assert_int_equal(s->dst, dpt_ip("10.0.0.50"));
	assert_int_equal(s->src, dpt_ip("10.0.0.100"));
	assert_int_equal(s->sport, 443);
	assert_int_equal(s->dport, r->cport);
	if (s->flags & RST) {
		print_message("# tlslb reset the client\n");
		fail();
	}
	if (s->o.flags & DP_TCPOPT_F_TS)
		r->my_ts = s->o.tsval;
	if (s->len)
		side_put(&r->at_client, "client", s->seq - (r->cookie + 1), s->data, s->len);
	if (s->flags & FIN) {
		assert_int_equal(s->seq + s->len, r->cookie + 1 + r->at_client.len);
		r->at_client.fin = true;
	}
}

static void at_backend(struct run *r, const struct seg *s)
{
	if (s->flags & SYN) {
		assert_int_equal(r->backend, -1); /* one binding: no backend refused */
		backend_accept(r, s);
		return;
	}
	assert_true(r->backend >= 0);
	assert_int_equal(s->dst, r->bip);
	assert_int_equal(s->dport, BPORT);
	assert_int_equal(s->sport, r->cport);
	assert_int_equal(s->flags & RST, 0);
	assert_int_equal(s->ack, r->bisn + 1 + (uint32_t)r->at_client.next);
	if (s->o.flags & DP_TCPOPT_F_TS)
		r->b_tsecr = s->o.tsval;
	if (s->len)
		side_put(&r->at_backend, "backend", s->seq - (r->cisn + 1), s->data, s->len);
	if (s->flags & FIN) {
		assert_int_equal(s->seq + s->len, r->cisn + 1 + r->at_backend.len);
		r->at_backend.fin = true;
	}
}

/* Everything tlslb sent, to whichever side, until it is quiet (a backend
 * SYN is answered at once, which makes tlslb replay the hello). */
static void deliver(struct run *r)
{
	for (;;) {
		unsigned n0 = dpt_take(r->e, 0, out, lens, DPT_N(out)), n1, i;
		struct seg s;

		for (i = 0; i < n0; i++) {
			seg_read(out[i], lens[i], &s);
			at_client(r, &s);
		}
		n1 = dpt_take(r->e, 1, out, lens, DPT_N(out));
		for (i = 0; i < n1; i++) {
			seg_read(out[i], lens[i], &s);
			at_backend(r, &s);
		}
		if (n0 == 0 && n1 == 0)
			return;
	}
}

/* SYN, the cookie SYN-ACK, the ACK: a flow in HELLO. */
static void client_connect(struct run *r)
{
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0,
			 .src = dpt_ip("10.0.0.50"), .dst = dpt_ip("10.0.0.100"),
			 .sport = r->cport, .dport = 443, .seq = r->cisn, .flags = SYN,
			 .win = 64240,
			 .o = { .flags = DP_TCPOPT_F_MSS | DP_TCPOPT_F_TS | DP_TCPOPT_F_WSCALE |
					 DP_TCPOPT_F_SACK_PERM,
				.mss = 1460, .wscale = 7, .tsval = r->c_ts++ } }, sa;

	rx(r, 0, &s);
	assert_int_equal(dpt_take(r->e, 0, out, lens, DPT_N(out)), 1);
	seg_read(out[0], lens[0], &sa);
	assert_int_equal(sa.flags, SYN | ACK);
	assert_int_equal(sa.ack, r->cisn + 1);
	r->cookie = sa.seq;
	r->my_ts = sa.o.tsval;
	s = client_seg(r, ACK, 0, NULL, 0);
	rx(r, 0, &s);
	assert_int_equal(dpt_flush(r->e), 0);
}

static void play(struct run *r, const struct rcap_event *ev)
{
	const uint8_t *data = rcap_event_data(r->c, ev);
	uint8_t flags = (uint8_t)(ACK | (ev->fin ? FIN : PSH));
	struct seg s;

	if (ev->len == 0 && !ev->fin) {
		/* the lossy variant's pause: the lost piece is still missing */
		assert_int_equal(r->backend, -1);
		dpt_advance_ms(r->e, RETRANSMIT_MS);
		dpt_tick(r->e, 1);
		deliver(r);
		return;
	}
	if (ev->dir == RCAP_C2S) {
		s = client_seg(r, flags, ev->off, data, ev->len);
		rx(r, 0, &s);
	} else {
		if (r->backend < 0) {
			print_message("# the server sent before tlslb bound the connection: "
				      "server-speaks-first protocols cannot be replayed\n");
			fail();
		}
		s = backend_seg(r, flags, ev->off, data, ev->len);
		rx(r, 1, &s);
	}
	deliver(r);
}

/* The --lossy rewrite of one connection's events: the leading client data
 * segments (the hello) in >= 3 pieces, the second lost, the rest delivered,
 * a pause, then all from the second on again. NULL: too short to cut. */
static struct rcap_event *lossy_events(const struct rcap_conn *c, unsigned *n_out)
{
	struct rcap_event *ev, piece[64];
	unsigned lead = 0, n = 0, i, k = 0;

	/* room for the two cuts a short hello may need */
	while (lead < c->n_events && lead + 2 < DPT_N(piece) && c->events[lead].dir == RCAP_C2S &&
	       !c->events[lead].fin)
		lead++;
	for (i = 0; i < lead; i++)
		piece[n++] = c->events[i];
	while (n < 3) {
		unsigned big = 0;

		for (i = 1; i < n; i++)
			if (piece[i].len > piece[big].len)
				big = i;
		if (n == 0 || piece[big].len < 2)
			return NULL;
		memmove(&piece[big + 2], &piece[big + 1], (n - big - 1) * sizeof(piece[0]));
		piece[big + 1] = piece[big];
		piece[big].len /= 2;
		piece[big + 1].off += piece[big].len;
		piece[big + 1].len = (uint16_t)(piece[big + 1].len - piece[big].len);
		n++;
	}
	ev = calloc(c->n_events - lead + 2 * n + 1, sizeof(*ev));
	assert_non_null(ev);
	ev[k++] = piece[0];
	for (i = 2; i < n; i++)
		ev[k++] = piece[i];
	ev[k++] = (struct rcap_event){ .dir = RCAP_C2S }; /* pause */
	for (i = 1; i < n; i++)
		ev[k++] = piece[i];
	for (i = lead; i < c->n_events; i++)
		ev[k++] = c->events[i];
	*n_out = k;
	return ev;
}

/* What the capture alone says about a connection: its hello and its server flight. */
static bool study(const struct rcap_conn *c, struct tlsp_client_hello *ch, struct conn_info *info,
		  uint8_t *scratch)
{
	struct tlsp_client_opts po = { .scratch = scratch, .scratch_len = TLSP_SCRATCH_SIZE };
	struct tlsp_server_scan scan;
	const struct tlsp_server_flight *f = &scan.result;

	info->verdict = -1;
	if (tlsp_client_hello_parse(c->stream[RCAP_C2S].data, c->stream[RCAP_C2S].len, &po, ch,
				    NULL, NULL) != TLSP_OK)
		return false;
	tlsp_server_scan_init(&scan, ch, 0);
	if (tlsp_server_scan_feed(&scan, c->stream[RCAP_S2C].data, c->stream[RCAP_S2C].len) !=
	    TLSP_OK)
		return true;
	info->tls13 = f->version == 0x0304;
	switch (f->verdict) {
	case TLSP_VERDICT_FULL:
		info->verdict = DP_TLSSTATS_V_FULL;
		break;
	case TLSP_VERDICT_RESUMED_SESSION_ID:
		info->verdict = DP_TLSSTATS_V_RESUMED_SESSION_ID;
		break;
	case TLSP_VERDICT_RESUMED_TICKET:
		info->verdict = DP_TLSSTATS_V_RESUMED_TICKET;
		break;
	case TLSP_VERDICT_RESUMED_PSK:
		info->verdict = DP_TLSSTATS_V_RESUMED_PSK;
		break;
	default:
		break;
	}
	if (!info->tls13 && f->verdict == TLSP_VERDICT_FULL && f->session_id_len > 0) {
		info->sid_len = f->session_id_len;
		memcpy(info->sid, f->session_id, f->session_id_len);
	}
	if (f->nst_seen && f->nst_key_name_len > 0) {
		info->nst_len = f->nst_key_name_len;
		memcpy(info->nst, f->nst_key_name, f->nst_key_name_len);
	}
	return true;
}

static int latest(const struct conn_info *info, unsigned j, bool (*match)(const struct conn_info *,
		  const struct tlsp_bytes *), const struct tlsp_bytes *key)
{
	int k;

	for (k = (int)j - 1; k >= 0; k--)
		if (match(&info[k], key))
			return k;
	return -1;
}

static bool is_tls13(const struct conn_info *i, const struct tlsp_bytes *key)
{
	(void)key;
	return i->tls13;
}

static bool has_nst(const struct conn_info *i, const struct tlsp_bytes *key)
{
	return i->nst_len == key->len && memcmp(i->nst, key->ptr, key->len) == 0;
}

static bool has_sid(const struct conn_info *i, const struct tlsp_bytes *key)
{
	return i->sid_len == key->len && memcmp(i->sid, key->ptr, key->len) == 0;
}

/*
 * The backend connection @j must land on, and why (rules of DESIGN.md
 * "Choosing the backend", in order), from the capture and the earlier
 * connections' backends. *rr: the next round-robin backend.
 */
static int expect_backend(struct dpt_env *e, const struct rcap_conn *c, struct conn_info *info,
			  unsigned j, int *rr, enum dp_tlsroute_rule *rule, const char **why,
			  uint8_t *scratch)
{
	struct tlsp_client_hello ch;
	int k, b;

	if (!study(c, &ch, &info[j], scratch))
		goto round_robin;
	if (ch.tls13_offered && ch.has_psk && ch.n_psk_identities > 0) {
		/*
		 * A TLS 1.3 ticket is encrypted in the server flight: tlslb cannot
		 * learn its key name and relies on the key manager (control plane)
		 * to feed the key-name table. This stands in for it: the capture's
		 * one server issued the ticket on an earlier TLS 1.3 connection,
		 * and its key name is the first PSK identity's first bytes.
		 */
		k = latest(info, j, is_tls13, NULL);
		if (k >= 0) {
			assert_int_equal(dp_learn_keyname_set(e->sh->tls->learn[0],
							      ch.psk[0].key_name.ptr,
							      (uint8_t)ch.psk[0].key_name.len,
							      (uint16_t)info[k].backend), 0);
			*rule = DP_TLSROUTE_RULE_PSK_KEY_NAME;
			*why = "TLS 1.3 PSK key name (fed as the key manager would)";
			return info[k].backend;
		}
	}
	if (ch.ticket == TLSP_TICKET_PRESENT) {
		k = latest(info, j, has_nst, &ch.ticket_key_name);
		if (k >= 0) {
			*rule = DP_TLSROUTE_RULE_TICKET;
			*why = "TLS 1.2 ticket key name learned from a NewSessionTicket";
			return info[k].backend;
		}
	}
	if (!ch.tls13_offered && ch.session_id.len > 0) {
		k = latest(info, j, has_sid, &ch.session_id);
		if (k >= 0) {
			*rule = DP_TLSROUTE_RULE_SESSION_ID;
			*why = "TLS 1.2 session ID learned from a ServerHello";
			return info[k].backend;
		}
	}
round_robin:
	b = *rr;
	*rr = (*rr + 1) % N_BACKENDS;
	*rule = DP_TLSROUTE_RULE_ROUND_ROBIN;
	*why = "round-robin";
	return b;
}

static void replay_conn(struct dpt_env *e, const struct rcap_conn *c, unsigned j, bool lossy,
			struct conn_info *info, int *rr, uint8_t *scratch)
{
	struct run r = { .e = e, .c = c, .cport = (uint16_t)(CPORT0 + j),
			 .cisn = 0x10000000u + j * 7919u, .c_ts = 1000 + j * 100,
			 .bisn = 0x50000000u + j * 104729u, .b_ts = 90000 + j * 100, .backend = -1 };
	const struct rcap_event *ev = c->events;
	struct rcap_event *rewritten = NULL;
	unsigned n = c->n_events, i, c_fin = 0, s_fin = 0;
	static struct dp_stats before, after;
	enum dp_tlsroute_rule rule;
	const char *why = NULL;
	int want, k;

	want = expect_backend(e, c, info, j, rr, &rule, &why, scratch);
	dpt_stats(e, &before);
	if (lossy) {
		rewritten = lossy_events(c, &n);
		assert_non_null(rewritten);
		ev = rewritten;
	}
	side_init(&r.at_backend, &c->stream[RCAP_C2S]);
	side_init(&r.at_client, &c->stream[RCAP_S2C]);
	client_connect(&r);
	for (i = 0; i < n; i++) {
		play(&r, &ev[i]);
		c_fin += ev[i].fin && ev[i].dir == RCAP_C2S;
		s_fin += ev[i].fin && ev[i].dir == RCAP_S2C;
	}
	print_message("# conn %u (%s -> %s): backend %d, expected %d (%s); %zu/%zu bytes "
		      "c->s in %u segments, %zu/%zu s->c in %u\n", j + 1, c->client, c->server,
		      r.backend, want, why, r.at_backend.next, r.at_backend.len,
		      r.at_backend.segments, r.at_client.next, r.at_client.len,
		      r.at_client.segments);
	assert_int_equal(r.backend, want);
	info[j].backend = r.backend;
	/* tlslb's own account: the rule that chose, and the flight it scanned */
	dpt_stats(e, &after);
	for (k = 0; k < DP_TLSROUTE_RULE_ROUND_ROBIN; k++)
		assert_int_equal(after.route.rule[k].hit - before.route.rule[k].hit,
				 k == (int)rule ? 1 : 0);
	if (info[j].verdict >= 0)
		assert_int_equal(after.verdict[r.backend].v[info[j].verdict] -
					 before.verdict[r.backend].v[info[j].verdict], 1);
	assert_int_equal(r.at_backend.next, c->stream[RCAP_C2S].len);
	assert_memory_equal(r.at_backend.buf, c->stream[RCAP_C2S].data, r.at_backend.len);
	assert_int_equal(r.at_client.next, c->stream[RCAP_S2C].len);
	assert_memory_equal(r.at_client.buf, c->stream[RCAP_S2C].data, r.at_client.len);
	assert_int_equal(r.at_backend.fin, c_fin > 0);
	assert_int_equal(r.at_client.fin, s_fin > 0);
	side_free(&r.at_backend);
	side_free(&r.at_client);
	free(rewritten);
	/* the client comes back a little later */
	dpt_advance_ms(e, 10);
	dpt_tick(e, 1);
	assert_int_equal(dpt_flush(e), 0);
}

static void test_replay(void **state)
{
	const struct replay_case *rc = *state;
	struct conn_info *info;
	uint8_t *scratch = malloc(TLSP_SCRATCH_SIZE);
	struct dpt_env *e;
	struct rcap cap;
	char err[256] = "";
	unsigned j;
	int rr = 0;

	assert_non_null(scratch);
	if (rcap_load(rc->path, &cap, err, sizeof(err)) < 0) {
		print_message("# %s: %s\n", rc->path, err);
		fail();
	}
	print_message("# %s%s: %u connections, %u segments outside them skipped\n", rc->path,
		      rc->lossy ? " (hello lost and reordered)" : "", cap.n_conns, cap.skipped);
	assert_true(cap.n_conns > 0);
	info = calloc(cap.n_conns, sizeof(*info));
	assert_non_null(info);
	e = dpt_env_new(tweak, 1);
	for (j = 0; j < cap.n_conns; j++) {
		const struct rcap_conn *c = &cap.conns[j];

		if (!c->syn_ack_seen || c->stream[0].gap || c->stream[1].gap) {
			print_message("# conn %u (%s -> %s): %s\n", j + 1, c->client, c->server,
				      !c->syn_ack_seen ? "no SYN-ACK captured"
						       : "bytes missing from the capture");
			fail();
		}
		if (c->stream[0].filled || c->stream[1].filled)
			print_message("# conn %u: the capture lost %zu bytes c->s, %zu s->c: "
				      "replayed as filler\n", j + 1, c->stream[0].filled,
				      c->stream[1].filled);
		replay_conn(e, c, j, rc->lossy, info, &rr, scratch);
	}
	dpt_env_delete(e);
	free(info);
	free(scratch);
	rcap_free(&cap);
}

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests = calloc((size_t)argc, sizeof(*tests));
	struct replay_case *cases = calloc((size_t)argc, sizeof(*cases));
	bool lossy = false;
	unsigned n = 0;
	int i;

	if (tests == NULL || cases == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		char *name, *copy;

		if (strcmp(argv[i], "--lossy") == 0) {
			lossy = true;
			continue;
		}
		copy = strdup(argv[i]);
		if (copy == NULL || asprintf(&name, "%s %s", lossy ? "lossy" : "replay",
					     basename(copy)) < 0)
			return 1;
		free(copy);
		cases[n] = (struct replay_case){ .path = argv[i], .lossy = lossy };
		tests[n] = (struct CMUnitTest){ .name = name, .test_func = test_replay,
						.initial_state = &cases[n] };
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "usage: %s FILE.pcap[ng]... [--lossy FILE...]\n", argv[0]);
		return 2;
	}
	return _cmocka_run_group_tests("replay_dp", tests, n, group_setup, NULL);
}
