/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: requests answered or ignored; resolution of backends and clients with
 * packets held meanwhile; queue limits, give-up, expiry, static entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dp_test_util.h"

#define SYN 0x02
#define ACK 0x10
#define BCAST "ff:ff:ff:ff:ff:ff"
#define ZERO_MAC "00:00:00:00:00:00"

static uint8_t out[128][DPT_FRAME_MAX];
static size_t lens[128];
static struct dp_stats st;

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

struct arp_case {
	const char *desc;
	uint16_t port;
	const char *eth_dst, *sender_mac, *sender_ip, *target_ip;
	uint16_t op;
	const char *answer_mac; /* NULL: ignored */
};

static const struct arp_case arp_cases[] = {
	{ "address on its port", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.1", 1, DPT_MAC_P0 },
	{ "two-arm VIP on the client port", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.100", 1,
	  DPT_MAC_P0 },
	{ "full-NAT VIP on the client port", 0, BCAST, DPT_MAC_ROUTER, "10.0.0.254", "10.0.0.101", 1,
	  DPT_MAC_P0 },
	{ "snat address on the server port", 1, BCAST, DPT_MAC_B11, "10.1.0.11", "10.1.0.1", 1,
	  DPT_MAC_P1 },
	{ "unicast request to our MAC", 0, DPT_MAC_P0, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.1", 1,
	  DPT_MAC_P0 },
	{ "probe from 0.0.0.0", 0, BCAST, DPT_MAC_CLIENT, "0.0.0.0", "10.0.0.100", 1, DPT_MAC_P0 },
	{ "VIP asked on the server port", 1, BCAST, DPT_MAC_B11, "10.1.0.11", "10.0.0.100", 1, NULL },
	{ "server address asked on the client port", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50",
	  "10.1.0.1", 1, NULL },
	{ "someone else's address", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.77", 1, NULL },
	{ "gratuitous ARP", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.50", 1, NULL },
	{ "unsolicited reply", 0, DPT_MAC_P0, "02:00:00:00:00:60", "10.0.0.60", "10.0.0.1", 2, NULL },
	{ "reply for someone else", 0, BCAST, DPT_MAC_CLIENT, "10.0.0.50", "10.0.0.77", 2, NULL },
};

static void test_arp_requests(void **state)
{
	uint8_t in[DPT_FRAME_MAX], want[DPT_FRAME_MAX];
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(arp_cases); i++) {
		const struct arp_case *c = &arp_cases[i];
		struct dpt_env *e = dpt_env_new(NULL, 1);
		size_t len;

		print_message("# %s\n", c->desc);
		len = dpt_build_arp(in, c->sender_mac, c->eth_dst, c->op, c->sender_mac,
				    c->sender_ip, ZERO_MAC, c->target_ip);
		dpt_rx(e, c->port, in, len);
		dpt_stats(e, &st);
		if (c->answer_mac) {
			assert_int_equal(dpt_take(e, c->port, out, lens, 2), 1);
			len = dpt_build_arp(want, c->answer_mac, c->sender_mac, 2, c->answer_mac,
					    c->target_ip, c->sender_mac, c->sender_ip);
			dpt_assert_frame(out[0], lens[0], want, len);
			assert_int_equal(st.arp_requests_answered, 1);
			assert_int_equal(st.arp_ignored, 0);
			assert_int_equal(dpt_drops(&st), 0);
		} else {
			assert_int_equal(st.arp_requests_answered, 0);
			assert_int_equal(st.arp_ignored, 1);
			assert_int_equal(st.drop[DP_DROP_ARP_IGNORED], 1);
			assert_int_equal(dpt_drops(&st), 1);
		}
		assert_int_equal(dpt_flush(e), 0);
		dpt_env_delete(e);
	}
}

static struct dpt_frame syn_to_b13(uint16_t sport)
{
	return (struct dpt_frame){ .src = "10.0.0.50", .dst = "10.0.0.102", .sport = sport,
				   .dport = 443, .flags = SYN };
}

/* The ARP request tlslb must send for @target from @port. */
static void expect_request(const uint8_t *frame, size_t len, const char *port_mac,
			   const char *our_ip, const char *target)
{
	uint8_t want[DPT_FRAME_MAX];

	dpt_assert_frame(frame, len, want,
			 dpt_build_arp(want, port_mac, BCAST, 1, port_mac, our_ip, ZERO_MAC, target));
}

static void b13_reply(struct dpt_env *e, const char *mac)
{
	uint8_t in[DPT_FRAME_MAX];

	dpt_rx(e, 1, in, dpt_build_arp(in, mac, DPT_MAC_P1, 2, mac, "10.1.0.13", DPT_MAC_P1,
				       "10.1.0.1"));
}

static void test_backend_resolution(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	struct dpt_frame syn;
	struct dpt_view v;
	unsigned i;

	(void)state;
	/* two SYNs wait; one request goes out */
	syn = syn_to_b13(40000);
	dpt_rx_frame(e, 0, &syn);
	syn = syn_to_b13(40001);
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 0, out, lens, 4), 0);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	expect_request(out[0], lens[0], DPT_MAC_P1, "10.1.0.1", "10.1.0.13");
	dpt_stats(e, &st);
	assert_int_equal(st.neigh_misses, 2);
	assert_int_equal(st.neigh_queued, 2);
	assert_int_equal(st.arp_requests_sent, 1);
	assert_int_equal(st.flows_created, 2);
	assert_int_equal(dpt_drops(&st), 0);

	/* the answer releases both, in order, to the learned MAC */
	b13_reply(e, DPT_MAC_B13);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 2);
	for (i = 0; i < 2; i++) {
		dpt_view(out[i], lens[i], &v);
		assert_string_equal(dpt_mac_str(v.dmac, 0), DPT_MAC_B13);
		assert_string_equal(dpt_mac_str(v.smac, 1), DPT_MAC_P1);
		assert_int_equal(v.dst, dpt_ip("10.1.0.13"));
		assert_int_equal(v.sport, 40000 + i);
		assert_true(dpt_ipv4_csum_ok(out[i], lens[i]));
		assert_true(dpt_tcp_csum_ok(out[i], lens[i]));
	}
	dpt_stats(e, &st);
	assert_int_equal(st.arp_replies_learned, 1);
	assert_int_equal(st.neigh_released, 2);

	/* later packets go straight through */
	syn = syn_to_b13(40002);
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	dpt_stats(e, &st);
	assert_int_equal(st.neigh_misses, 2);
	assert_int_equal(dpt_drops(&st), 0);
	dpt_env_delete(e);
}

static void short_queue(struct cp_config *c)
{
	c->limits.neigh_queue = 4;
}

static void test_queue_full(void **state)
{
	struct dpt_env *e = dpt_env_new(short_queue, 1);
	unsigned i;

	(void)state;
	for (i = 0; i < 7; i++) {
		struct dpt_frame syn = syn_to_b13((uint16_t)(41000 + i));

		dpt_rx_frame(e, 0, &syn);
	}
	dpt_stats(e, &st);
	assert_int_equal(st.neigh_queued, 4);
	assert_int_equal(st.drop[DP_DROP_NEIGH_QUEUE_FULL], 3);
	assert_int_equal(dpt_drops(&st), 3);
	dpt_flush(e);
	b13_reply(e, DPT_MAC_B13);
	assert_int_equal(dpt_take(e, 1, out, lens, 8), 4);
	dpt_env_delete(e);
}

static void test_resolution_gives_up(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	struct dpt_frame syn = syn_to_b13(42000);
	unsigned i;

	(void)state;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1); /* request 1 */
	dpt_tick(e, 3);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 0); /* not before a second */
	for (i = 2; i <= 3; i++) {
		dpt_advance_ms(e, 1000);
		dpt_tick(e, 1);
		assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
		expect_request(out[0], lens[0], DPT_MAC_P1, "10.1.0.1", "10.1.0.13");
	}
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_NEIGH_FAILED], 0);
	dpt_advance_ms(e, 1000);
	dpt_tick(e, 1);
	dpt_stats(e, &st);
	assert_int_equal(st.arp_requests_sent, 3);
	assert_int_equal(st.drop[DP_DROP_NEIGH_FAILED], 1);
	assert_int_equal(dpt_flush(e), 0);

	/* a later packet starts over */
	syn.sport = 42001;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	dpt_stats(e, &st);
	assert_int_equal(st.arp_requests_sent, 4);
	dpt_env_delete(e);
}

static void neigh_10s(struct cp_config *c)
{
	c->timeouts.neigh = 10;
}

static void test_neighbour_expiry(void **state)
{
	struct dpt_env *e = dpt_env_new(neigh_10s, 1);
	struct dpt_frame syn = syn_to_b13(43000);
	struct dpt_view v;

	(void)state;
	dpt_rx_frame(e, 0, &syn);
	dpt_flush(e);
	b13_reply(e, DPT_MAC_B13);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);

	/* past the timeout the entry is still used while it is asked again */
	dpt_advance_ms(e, 10500);
	syn.sport = 43001;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 2);
	expect_request(out[0], lens[0], DPT_MAC_P1, "10.1.0.1", "10.1.0.13");
	dpt_view(out[1], lens[1], &v);
	assert_int_equal(v.sport, 43001);
	assert_string_equal(dpt_mac_str(v.dmac, 0), DPT_MAC_B13);

	/* an answer refreshes it, possibly with a new MAC */
	b13_reply(e, "02:00:00:00:01:99");
	syn.sport = 43002;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	dpt_view(out[0], lens[0], &v);
	assert_string_equal(dpt_mac_str(v.dmac, 0), "02:00:00:00:01:99");

	/* unanswered past timeout + probes: packets wait again */
	dpt_advance_ms(e, 14000);
	syn.sport = 43003;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	expect_request(out[0], lens[0], DPT_MAC_P1, "10.1.0.1", "10.1.0.13");
	dpt_stats(e, &st);
	assert_int_equal(st.neigh_queued, 2);
	dpt_env_delete(e);
}

/* Config wins over ARP: a static neighbour keeps its MAC. */
static void test_static_not_overwritten(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	struct dpt_frame syn = { .src = "10.0.0.50", .dst = "10.0.0.100", .sport = 44000,
				 .dport = 443, .flags = SYN };
	uint8_t in[DPT_FRAME_MAX];
	struct dpt_view v;
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++)
		dpt_rx(e, 1, in, dpt_build_arp(in, "02:00:00:00:66:66", DPT_MAC_P1, 2,
					       "02:00:00:00:66:66", i ? "10.1.0.12" : "10.1.0.11",
					       DPT_MAC_P1, "10.1.0.1"));
	dpt_stats(e, &st);
	assert_int_equal(st.arp_replies_learned, 0);
	assert_int_equal(st.arp_ignored, 2);
	for (i = 0; i < 2; i++) {
		syn.sport = (uint16_t)(44000 + i);
		dpt_rx_frame(e, 0, &syn);
		assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
		dpt_view(out[0], lens[0], &v);
		assert_string_equal(dpt_mac_str(v.dmac, 0),
				    v.dst == dpt_ip("10.1.0.11") ? DPT_MAC_B11 : DPT_MAC_B12);
	}
	dpt_env_delete(e);
}

/* Replies towards a client on the link that is not in the static table:
 * resolved on the client port; an ARP request from it also teaches us. */
static void test_client_resolution(void **state)
{
	struct dpt_env *e = dpt_env_new(NULL, 1);
	struct dpt_frame syn = { .smac = "02:00:00:00:00:61", .src = "10.0.0.61",
				 .dst = "10.0.0.100", .sport = 45000, .dport = 443, .flags = SYN };
	struct dpt_frame r;
	uint8_t in[DPT_FRAME_MAX];
	struct dpt_view fwd, v;

	(void)state;
	dpt_rx_frame(e, 0, &syn);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
	dpt_view(out[0], lens[0], &fwd);
	r = (struct dpt_frame){ .smac = fwd.dst == dpt_ip("10.1.0.11") ? DPT_MAC_B11 : DPT_MAC_B12,
				.dmac = DPT_MAC_P1, .src = dpt_ip_str(fwd.dst, 1),
				.dst = "10.0.0.61", .sport = 8443, .dport = 45000,
				.flags = SYN | ACK };
	dpt_rx_frame(e, 1, &r);
	assert_int_equal(dpt_take(e, 1, out, lens, 4), 0);
	assert_int_equal(dpt_take(e, 0, out, lens, 4), 1);
	expect_request(out[0], lens[0], DPT_MAC_P0, "10.0.0.1", "10.0.0.61");

	/* the client asks for our address: answered, and its MAC learned */
	dpt_rx(e, 0, in, dpt_build_arp(in, "02:00:00:00:00:61", BCAST, 1, "02:00:00:00:00:61",
				       "10.0.0.61", ZERO_MAC, "10.0.0.1"));
	assert_int_equal(dpt_take(e, 0, out, lens, 4), 2);
	dpt_view(out[0], lens[0], &v);
	assert_string_equal(dpt_mac_str(v.dmac, 0), "02:00:00:00:00:61");
	assert_int_equal(v.src, dpt_ip("10.0.0.100"));
	assert_int_equal(v.dport, 45000);
	dpt_stats(e, &st);
	assert_int_equal(st.arp_requests_answered, 1);
	assert_int_equal(st.arp_replies_learned, 1);
	assert_int_equal(dpt_drops(&st), 0);
	dpt_env_delete(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_requests),
		cmocka_unit_test(test_backend_resolution),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_resolution_gives_up),
		cmocka_unit_test(test_neighbour_expiry),
		cmocka_unit_test(test_static_not_overwritten),
		cmocka_unit_test(test_client_resolution),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
