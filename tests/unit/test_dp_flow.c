/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow path: SYNs forwarded and replies rewritten back (two-arm and
 * full-NAT) checked against frames built from scratch, full-NAT ports, FIN and
 * RST teardown, idle expiry, a full table, and the memory a flow costs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "dp_flow.h"
#include "dp_test_util.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

static uint8_t out[512][DPT_FRAME_MAX];
static size_t lens[512];
static struct dp_stats st;

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

static const char *backend_mac(uint32_t ip)
{
	if (ip == dpt_ip("10.1.0.11"))
		return DPT_MAC_B11;
	if (ip == dpt_ip("10.1.0.12"))
		return DPT_MAC_B12;
	if (ip == dpt_ip("10.1.0.13"))
		return DPT_MAC_B13;
	fail_msg("unexpected backend %s", dpt_ip_str(ip, 0));
	return NULL;
}

/* Receive @in on @in_port, expect exactly one frame on @out_port and no
 * other output or drop; return its view. */
static void pass(struct dpt_env *e, uint16_t in_port, const struct dpt_frame *in, uint16_t out_port,
		 struct dpt_view *v)
{
	uint64_t drops;

	dpt_stats(e, &st);
	drops = dpt_drops(&st);
	dpt_rx_frame(e, in_port, in);
	assert_int_equal(dpt_take(e, out_port, out, lens, 1), 1);
	assert_int_equal(dpt_flush(e), 0);
	dpt_stats(e, &st);
	assert_int_equal(dpt_drops(&st), drops);
	assert_true(dpt_ipv4_csum_ok(out[0], lens[0]));
	assert_true(dpt_tcp_csum_ok(out[0], lens[0]));
	dpt_view(out[0], lens[0], v);
}

/* The output must be exactly @want built from scratch. */
static void expect_frame(const struct dpt_frame *want)
{
	uint8_t buf[DPT_FRAME_MAX];

	dpt_assert_frame(out[0], lens[0], buf, dpt_build(buf, want));
}

static void expect_drop(struct dpt_env *e, const struct dpt_frame *in, uint16_t port,
			enum dp_drop why)
{
	uint64_t before;

	dpt_stats(e, &st);
	before = st.drop[why];
	dpt_rx_frame(e, port, in);
	assert_int_equal(dpt_flush(e), 0);
	dpt_stats(e, &st);
	if (st.drop[why] != before + 1)
		fail_msg("want drop.%s", dp_drop_names[why]);
}

struct conv_case {
	const char *desc;
	const char *client, *client_mac; /* the client, and the MAC it comes from */
	const char *vip;
	bool full_nat;
};

static const struct conv_case conv_cases[] = {
	{ "two-arm, client on the link", "10.0.0.50", DPT_MAC_CLIENT, "10.0.0.100", false },
	{ "two-arm, client behind the router", "192.0.2.7", DPT_MAC_ROUTER, "10.0.0.100", false },
	{ "full-NAT, client on the link", "10.0.0.50", DPT_MAC_CLIENT, "10.0.0.101", true },
	{ "full-NAT, client behind the router", "198.51.100.9", DPT_MAC_ROUTER, "10.0.0.101", true },
};

/*
 * A whole conversation: SYN, SYN+ACK, ACK with data, data back, FIN both
 * ways. Every output frame must equal the input with only the addresses,
 * ports, MACs and TTL changed, checksums computed from scratch.
 */
static void test_conversation(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(conv_cases); i++) {
		const struct conv_case *c = &conv_cases[i];
		struct dpt_env *e = dpt_env_new(NULL, 1);
		struct dpt_frame up = { .smac = c->client_mac, .dmac = DPT_MAC_P0, .src = c->client,
					.dst = c->vip, .sport = 40001, .dport = 443, .flags = SYN,
					.seq = 1000, .ttl = 60 };
		struct dpt_frame down, want;
		struct dpt_view v;
		uint32_t backend, nat_src;
		uint16_t nat_port;
		uint64_t bytes;
		int step;

		print_message("# %s\n", c->desc);
		pass(e, 0, &up, 1, &v);
		backend = v.dst;
		nat_src = v.src;
		nat_port = v.sport;
		if (c->full_nat) {
			assert_int_equal(nat_src, dpt_ip("10.1.0.1"));
			assert_true(nat_port >= e->cfg.limits.snat_port_low &&
				    nat_port <= e->cfg.limits.snat_port_high);
		} else {
			assert_int_equal(nat_src, dpt_ip(c->client));
			assert_int_equal(nat_port, up.sport);
		}
		bytes = lens[0];

		/* the backend side of the conversation, as the backend sees it */
		down = (struct dpt_frame){ .smac = backend_mac(backend), .dmac = DPT_MAC_P1,
					   .src = dpt_ip_str(backend, 1),
					   .dst = dpt_ip_str(nat_src, 2), .sport = 8443,
					   .dport = nat_port, .ttl = 64 };

		for (step = 0; step < 6; step++) {
			bool client_side = step % 2 == 0;
			static const uint8_t flags[] = { SYN, SYN | ACK, ACK | PSH, ACK | PSH, FIN | ACK,
							 FIN | ACK };
			static const uint16_t payload[] = { 0, 0, 120, 700, 0, 0 };
			struct dpt_frame *in = client_side ? &up : &down;

			in->flags = flags[step];
			in->payload = payload[step];
			in->seq += 7;
			in->ack += 3;
			if (client_side) {
				pass(e, 0, in, 1, &v);
				want = *in;
				want.smac = DPT_MAC_P1;
				want.dmac = backend_mac(backend);
				want.src = dpt_ip_str(nat_src, 2);
				want.sport = nat_port;
				want.dst = dpt_ip_str(backend, 1);
				want.dport = 8443;
			} else {
				pass(e, 1, in, 0, &v);
				want = *in;
				want.smac = DPT_MAC_P0;
				want.dmac = c->client_mac;
				want.src = c->vip;
				want.sport = 443;
				want.dst = c->client;
				want.dport = up.sport;
			}
			want.ttl = in->ttl - 1;
			expect_frame(&want);
			bytes += lens[0];
		}

		/* the first SYN went twice (a retransmission) */
		dpt_stats(e, &st);
		assert_int_equal(st.flows_created, 1);
		assert_int_equal(st.port[0].rx_packets, 4);
		assert_int_equal(st.port[1].tx_packets, 4);
		assert_int_equal(st.port[1].rx_packets, 3);
		assert_int_equal(st.port[0].tx_packets, 3);
		{
			unsigned b, total_new = 0;

			for (b = 0; b < e->cfg.n_backends; b++) {
				total_new += (unsigned)st.backend[b].new_flows;
				if (st.backend[b].new_flows) {
					assert_int_equal(st.backend[b].active_flows, 1);
					assert_int_equal(st.backend[b].packets, 7);
					assert_int_equal(st.backend[b].bytes, bytes);
					assert_int_equal(e->cfg.backends[b].ip.v4, backend);
				}
			}
			assert_int_equal(total_new, 1);
		}
		dpt_env_delete(e);
	}
}

static struct dpt_frame syn_from(uint16_t sport, const char *vip)
{
	return (struct dpt_frame){ .src = "10.0.0.50", .dst = vip, .sport = sport, .dport = 443,
				   .flags = SYN };
}

/* The reply a backend would send to a forwarded frame. */
static struct dpt_frame reply_to(const struct dpt_view *v, uint8_t flags)
{
	return (struct dpt_frame){ .smac = backend_mac(v->dst), .dmac = DPT_MAC_P1,
				   .src = dpt_ip_str(v->dst, 1), .dst = dpt_ip_str(v->src, 2),
				   .sport = v->dport, .dport = v->sport, .flags = flags };
}

static void test_retransmitted_syn(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	struct dpt_frame syn = syn_from(40000, "10.0.0.100");
	struct dpt_view a, b;
	unsigned i;

	(void)state;
	pass(e, 0, &syn, 1, &a);
	for (i = 0; i < 3; i++) {
		pass(e, 0, &syn, 1, &b);
		assert_int_equal(a.dst, b.dst);
	}
	dpt_stats(e, &st);
	assert_int_equal(st.flows_created, 1);
	dpt_env_delete(e);
}

static void test_full_nat_ports(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	static struct dpt_view fwd[300];
	unsigned i, j, n = DPT_N(fwd);

	(void)state;
	for (i = 0; i < n; i++) {
		struct dpt_frame syn = syn_from((uint16_t)(20000 + i), "10.0.0.101");

		pass(e, 0, &syn, 1, &fwd[i]);
		assert_int_equal(fwd[i].src, dpt_ip("10.1.0.1"));
		assert_true(fwd[i].sport >= 1024);
		for (j = 0; j < i; j++)
			assert_false(fwd[j].dst == fwd[i].dst && fwd[j].sport == fwd[i].sport);
	}
	/* every reply finds its own client port, in any order */
	for (i = n; i-- > 0;) {
		struct dpt_frame r = reply_to(&fwd[i], SYN | ACK);
		struct dpt_view v;

		pass(e, 1, &r, 0, &v);
		assert_int_equal(v.dport, 20000 + i);
		assert_int_equal(v.dst, dpt_ip("10.0.0.50"));
		assert_int_equal(v.src, dpt_ip("10.0.0.101"));
		assert_int_equal(v.sport, 443);
	}
	dpt_env_delete(e);
}

static void tiny_snat_range(struct cp_config *c)
{
	c->limits.snat_port_low = 2000;
	c->limits.snat_port_high = 2003;
}

static void test_full_nat_exhausted(void **state)
{
	struct dpt_env *e = dpt_env_new(tiny_snat_range, 1);
	struct dpt_frame syn;
	struct dpt_view v;
	unsigned i, per_backend[2] = { 0, 0 };

	(void)state;
	/* 4 ports for each of the 2 backends */
	for (i = 0; i < 8; i++) {
		syn = syn_from((uint16_t)(30000 + i), "10.0.0.101");
		pass(e, 0, &syn, 1, &v);
		assert_true(v.sport >= 2000 && v.sport <= 2003);
		per_backend[v.dst == dpt_ip("10.1.0.12")]++;
	}
	assert_int_equal(per_backend[0], 4);
	assert_int_equal(per_backend[1], 4);
	syn = syn_from(30008, "10.0.0.101");
	expect_drop(e, &syn, 0, DP_DROP_NO_SNAT);
	dpt_env_delete(e);
}

/* Workers take ports from disjoint shares of the range. */
static void test_full_nat_worker_shares(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 2);
	struct dp_worker *w1 = dp_worker_create(e->sh, 1, dpt_pool()), *w0 = e->w;
	unsigned i;

	(void)state;
	assert_non_null(w1);
	for (i = 0; i < 40; i++) {
		struct dpt_frame syn = syn_from((uint16_t)(31000 + i), "10.0.0.101");
		struct dpt_view v;

		e->w = i % 2 ? w1 : w0;
		pass(e, 0, &syn, 1, &v);
		assert_int_equal((v.sport - e->cfg.limits.snat_port_low) % 2, i % 2);
	}
	e->w = w1;
	dpt_flush(e);
	dp_worker_free(w1);
	e->w = w0;
	dpt_env_delete(e);
}

static void short_timeouts(struct cp_config *c)
{
	c->timeouts.syn = 5;
	c->timeouts.established = 10;
	c->timeouts.closing = 2;
	c->timeouts.reset = 1;
}

/* Enough ticks for a full expiry pass over the table. */
static void sweep(struct dpt_env *e)
{
	dpt_tick(e, e->cfg.limits.flows / 64 + 4);
}

/* SYN, SYN+ACK, ACK: returns the forwarded SYN's view. */
static void handshake(struct dpt_env *e, uint16_t sport, struct dpt_view *fwd)
{
	struct dpt_frame c = syn_from(sport, "10.0.0.100"), r;
	struct dpt_view v;

	pass(e, 0, &c, 1, fwd);
	r = reply_to(fwd, SYN | ACK);
	pass(e, 1, &r, 0, &v);
	c.flags = ACK;
	pass(e, 0, &c, 1, &v);
}

static uint64_t active(struct dpt_env *e)
{
	uint64_t n = 0;
	unsigned b;

	dpt_stats(e, &st);
	for (b = 0; b < e->cfg.n_backends; b++)
		n += st.backend[b].active_flows;
	return n;
}

static void test_fin_teardown(void **state)
{
	struct dpt_env *e = dpt_env_new(short_timeouts, 1);
	struct dpt_frame c = syn_from(41000, "10.0.0.100"), r;
	struct dpt_view fwd, v;

	(void)state;
	handshake(e, 41000, &fwd);
	c.flags = FIN | ACK;
	pass(e, 0, &c, 1, &v);
	r = reply_to(&fwd, FIN | ACK);
	pass(e, 1, &r, 0, &v);
	c.flags = ACK;
	pass(e, 0, &c, 1, &v);

	/* closing: 2 s idle, not the 10 s of an established flow */
	dpt_advance_ms(e, 1500);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_closed, 0);
	dpt_advance_ms(e, 1000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_closed, 1);
	assert_int_equal(st.flows_expired, 0);
	assert_int_equal(active(e), 0);
	expect_drop(e, &c, 0, DP_DROP_NO_FLOW);
	expect_drop(e, &r, 1, DP_DROP_DST_UNKNOWN);
	dpt_env_delete(e);
}

static void test_rst_teardown(void **state)
{
	struct dpt_env *e = dpt_env_new(short_timeouts, 1);
	struct dpt_frame c = syn_from(42000, "10.0.0.100"), r;
	struct dpt_view fwd, v;

	(void)state;
	handshake(e, 42000, &fwd);
	r = reply_to(&fwd, RST);
	pass(e, 1, &r, 0, &v);
	assert_int_equal(v.flags, RST);
	dpt_advance_ms(e, 500);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_closed, 0);
	dpt_advance_ms(e, 700);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_closed, 1);
	c.flags = ACK;
	expect_drop(e, &c, 0, DP_DROP_NO_FLOW);
	dpt_env_delete(e);
}

/* A new SYN on a closing flow (client port reuse) revives it on its backend. */
static void test_port_reuse_revives(void **state)
{
	struct dpt_env *e = dpt_env_new(short_timeouts, 1);
	struct dpt_frame c = syn_from(43000, "10.0.0.100");
	struct dpt_view fwd, v;
	unsigned i;

	(void)state;
	handshake(e, 43000, &fwd);
	c.flags = FIN | ACK;
	pass(e, 0, &c, 1, &v);
	c.flags = SYN;
	for (i = 0; i < 3; i++) {
		pass(e, 0, &c, 1, &v);
		assert_int_equal(v.dst, fwd.dst);
	}
	/* back in SYN state: the 2 s closing timeout no longer applies */
	dpt_advance_ms(e, 3000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_created, 1);
	assert_int_equal(st.flows_closed + st.flows_expired, 0);
	dpt_env_delete(e);
}

static void test_idle_expiry(void **state)
{
	struct dpt_env *e = dpt_env_new(short_timeouts, 1);
	struct dpt_frame a = syn_from(44000, "10.0.0.100"), b = syn_from(44001, "10.0.0.100");
	struct dpt_view fwd_b, v;
	unsigned i;

	(void)state;
	pass(e, 0, &a, 1, &v); /* stays in SYN: 5 s */
	handshake(e, 44001, &fwd_b); /* established: 10 s */
	b.flags = ACK;

	dpt_advance_ms(e, 4000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_expired, 0);
	dpt_advance_ms(e, 2000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_expired, 1);
	a.flags = ACK;
	expect_drop(e, &a, 0, DP_DROP_NO_FLOW);

	/* traffic keeps an established flow alive well past its timeout */
	for (i = 0; i < 5; i++) {
		pass(e, 0, &b, 1, &v);
		dpt_advance_ms(e, 8000);
		sweep(e);
	}
	dpt_advance_ms(e, 1000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_expired, 1);
	dpt_advance_ms(e, 2000);
	sweep(e);
	dpt_stats(e, &st);
	assert_int_equal(st.flows_expired, 2);
	assert_int_equal(active(e), 0);
	expect_drop(e, &b, 0, DP_DROP_NO_FLOW);
	dpt_env_delete(e);
}

static void small_table(struct cp_config *c)
{
	short_timeouts(c);
	c->limits.flows = 16;
}

static void test_table_full(void **state)
{
	struct dpt_env *e = dpt_env_new(small_table, 1);
	struct dpt_frame syn;
	struct dpt_view v;
	unsigned i, round;

	(void)state;
	for (round = 0; round < 3; round++) {
		uint16_t base = (uint16_t)(50000 + round * 100);

		for (i = 0; i < 16; i++) {
			syn = syn_from((uint16_t)(base + i), "10.0.0.100");
			pass(e, 0, &syn, 1, &v);
		}
		syn = syn_from((uint16_t)(base + 16), "10.0.0.100");
		expect_drop(e, &syn, 0, DP_DROP_FLOW_TABLE_FULL);
		/* existing flows keep flowing */
		syn = syn_from(base, "10.0.0.100");
		syn.flags = ACK;
		pass(e, 0, &syn, 1, &v);
		dpt_stats(e, &st);
		assert_int_equal(st.flows_table_full, round + 1);
		/* once they expire, their records come back (after RCU) */
		dpt_advance_ms(e, 6000);
		sweep(e);
		sweep(e);
	}
	dpt_stats(e, &st);
	assert_int_equal(st.flows_created, 48);
	assert_int_equal(st.flows_expired, 48);
	/* both keys of every flow gone, and their slots given back */
	assert_int_equal(dpt_flow_keys(e), 0);
	dpt_env_delete(e);
}

static void tiny_snat_short_timeouts(struct cp_config *c)
{
	tiny_snat_range(c);
	short_timeouts(c);
}

/* Expired full-NAT flows give their ports back, and their replies no longer
 * match anything. */
static void test_full_nat_expiry(void **state)
{
	struct dpt_env *e = dpt_env_new(tiny_snat_short_timeouts, 1);
	struct dpt_view fwd[8], v;
	struct dpt_frame syn, r;
	unsigned i, round;

	(void)state;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++) {
			syn = syn_from((uint16_t)(32000 + round * 10 + i), "10.0.0.101");
			pass(e, 0, &syn, 1, &fwd[i]);
		}
		syn = syn_from((uint16_t)(32000 + round * 10 + 8), "10.0.0.101");
		expect_drop(e, &syn, 0, DP_DROP_NO_SNAT);
		r = reply_to(&fwd[0], SYN | ACK);
		pass(e, 1, &r, 0, &v);
		dpt_advance_ms(e, 6000);
		sweep(e);
		sweep(e);
		for (i = 0; i < 8; i++) {
			r = reply_to(&fwd[i], SYN | ACK);
			expect_drop(e, &r, 1, DP_DROP_DST_LOCAL);
		}
	}
	dpt_stats(e, &st);
	assert_int_equal(st.flows_expired, 24);
	assert_int_equal(active(e), 0);
	assert_int_equal(dpt_flow_keys(e), 0);
	dpt_env_delete(e);
}

static void clash_config(struct cp_config *c)
{
	struct cp_service *s = &c->services[c->n_services];
	struct cp_backend *b = &c->backends[c->n_backends++];

	*s = c->services[0];
	s->vip.v4 = dpt_ip("10.0.0.103");
	*b = c->backends[0];
	b->service = (uint16_t)c->n_services++;
	c->backends[1].weight = 0; /* service 0 always picks 10.1.0.11:8443 too */
}

static void test_two_arm_clash(void **state)
{
	struct dpt_env *e = dpt_env_new(clash_config, 1);
	struct dpt_frame a = syn_from(45000, "10.0.0.100"), b = syn_from(45000, "10.0.0.103");
	struct dpt_view v;

	(void)state;
	pass(e, 0, &a, 1, &v);
	expect_drop(e, &b, 0, DP_DROP_FLOW_CLASH);
	b.sport = 45001;
	pass(e, 0, &b, 1, &v);
	dpt_env_delete(e);
}

/*
 * Memory per flow, everything the shared tables allocate, divided by the
 * configured number of flows (the tables are allocated whole up front).
 */
static void test_memory_per_flow(void **state)
{
	static const uint32_t sizes[] = { 1000000, 1u << 20 };
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(sizes); i++) {
		struct rte_malloc_socket_stats before, after;
		size_t maps_before = dp_flow_mapped_bytes(), maps_after;
		struct dp_port_info ports[2] = { { 0 }, { 1 } };
		struct cp_config *cfg = calloc(1, sizeof(*cfg));
		struct dp_shared *sh;
		double per;

		dpt_config(cfg);
		cfg->limits.flows = sizes[i];
		assert_int_equal(rte_malloc_get_socket_stats(0, &before), 0);
		sh = dp_shared_create(cfg, ports, 2, 1, 0);
		assert_non_null(sh);
		assert_int_equal(rte_malloc_get_socket_stats(0, &after), 0);
		maps_after = dp_flow_mapped_bytes();
		/* without hugepages the flow table is mapped apart (dp_flow.c):
		 * it must be counted somewhere, or the figure below flatters */
		if (!rte_eal_has_hugepages())
			assert_true(maps_after - maps_before >=
				    (size_t)sizes[i] * sizeof(struct dp_flow));
		else
			assert_int_equal(maps_after, maps_before);
		per = (double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes +
			       (maps_after - maps_before)) / sizes[i];
		print_message("# %u flows: %.1f bytes per flow\n", sizes[i], per);
		assert_true(per <= 128.0);
		dp_shared_free(sh);
		free(cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_retransmitted_syn),
		cmocka_unit_test(test_full_nat_ports),
		cmocka_unit_test(test_full_nat_exhausted),
		cmocka_unit_test(test_full_nat_worker_shares),
		cmocka_unit_test(test_fin_teardown),
		cmocka_unit_test(test_rst_teardown),
		cmocka_unit_test(test_port_reuse_revives),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_full_nat_expiry),
		cmocka_unit_test(test_two_arm_clash),
		cmocka_unit_test(test_memory_per_flow),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
