/* SPDX-License-Identifier: BSD-3-Clause */
/* Header checks: every malformed frame is dropped with its own counter and
 * nothing else happens; well-formed variants are forwarded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dp_test_util.h"

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01

struct drop_case {
	const char *desc;
	struct dpt_frame f;
	enum dp_drop want;
};

/* Each case alters a client SYN to the two-arm VIP: fields left zero take
 * those of the SYN (see base()). */
static struct dpt_frame base(const struct dpt_frame *c)
{
	struct dpt_frame f = *c;

	if (f.sport == 0)
		f.sport = 40000;
	if (f.dport == 0)
		f.dport = 443;
	if (f.flags == 0)
		f.flags = SYN;
	return f;
}

static const struct drop_case drop_cases[] = {
	{ "one-byte frame", { .cut = 1 }, DP_DROP_ETH_TRUNC },
	{ "Ethernet header truncated", { .cut = 13 }, DP_DROP_ETH_TRUNC },
	{ "unicast MAC not ours", { .dmac = "02:00:00:00:99:99" }, DP_DROP_ETH_DST },
	/* the port's MAC is DPT_MAC_P0, 02:00:00:00:00:01: off by its first or last byte */
	{ "MAC off by its last byte", { .dmac = "02:00:00:00:00:02" }, DP_DROP_ETH_DST },
	{ "MAC off by its first byte", { .dmac = "06:00:00:00:00:01" }, DP_DROP_ETH_DST },
	{ "MAC one byte short of broadcast", { .dmac = "ff:ff:ff:ff:ff:fe" }, DP_DROP_ETH_DST },
	{ "multicast MAC", { .dmac = "01:00:5e:00:00:01" }, DP_DROP_ETH_DST },
	{ "IPv6 ethertype", { .ether_type = 0x86dd, .payload = 40 }, DP_DROP_ETH_TYPE },
	{ "VLAN tag", { .ether_type = 0x8100, .payload = 46 }, DP_DROP_ETH_TYPE },
	{ "IP header truncated", { .cut = 14 + 12 }, DP_DROP_IP_TRUNC },
	{ "IP options truncated by the frame", { .ihl = 15, .cut = 14 + 40 }, DP_DROP_IP_TRUNC },
	{ "IP version 6 in an IPv4 frame", { .version = 6 }, DP_DROP_IP_VERSION },
	{ "IHL below 5", { .ihl = 4 }, DP_DROP_IP_IHL },
	{ "IHL 0", { .ihl = 0x10 }, DP_DROP_IP_IHL },
	{ "total length beyond the frame", { .len_delta = 1 }, DP_DROP_IP_LEN },
	{ "total length below the header", { .len_delta = -21 }, DP_DROP_IP_LEN },
	{ "total length zero", { .len_delta = -40 }, DP_DROP_IP_LEN },
	{ "bad header checksum", { .bad_csum = true }, DP_DROP_IP_CSUM },
	{ "IP options", { .ihl = 6 }, DP_DROP_IP_OPTIONS },
	{ "IP options, maximum", { .ihl = 15 }, DP_DROP_IP_OPTIONS },
	{ "first fragment (MF)", { .frag = 0x2000 }, DP_DROP_IP_FRAG },
	{ "later fragment (offset)", { .frag = 0x0010 }, DP_DROP_IP_FRAG },
	{ "last fragment", { .frag = 0x4001 }, DP_DROP_IP_FRAG },
	{ "TTL 1", { .ttl = 1 }, DP_DROP_IP_TTL },
	{ "source 0.0.0.0", { .src = "0.0.0.0" }, DP_DROP_IP_SRC },
	{ "source loopback", { .src = "127.0.0.1" }, DP_DROP_IP_SRC },
	{ "source multicast", { .src = "224.0.0.5" }, DP_DROP_IP_SRC },
	{ "source broadcast", { .src = "255.255.255.255" }, DP_DROP_IP_SRC },
	/* told by the first byte alone */
	{ "source in 0/8", { .src = "0.1.2.3" }, DP_DROP_IP_SRC },
	{ "source in 127/8", { .src = "127.255.255.254" }, DP_DROP_IP_SRC },
	{ "source multicast, last", { .src = "239.255.255.255" }, DP_DROP_IP_SRC },
	{ "source class E", { .src = "240.0.0.1" }, DP_DROP_IP_SRC },
	{ "TCP header truncated", { .len_delta = -10, .pad = 0 }, DP_DROP_TCP_TRUNC },
	{ "TCP header missing", { .len_delta = -20 }, DP_DROP_TCP_TRUNC },
	{ "TCP data offset below 5", { .doff = 4 }, DP_DROP_TCP_DOFF },
	{ "TCP data offset beyond the segment", { .doff = 15, .payload = 8 }, DP_DROP_TCP_DOFF },
	{ "UDP to a VIP", { .proto = 17 }, DP_DROP_NON_TCP_VIP },
	{ "ICMP to a VIP", { .proto = 1 }, DP_DROP_NON_TCP_VIP },
	{ "ICMP to a tlslb address", { .proto = 1, .dst = "10.0.0.1" }, DP_DROP_NON_TCP_LOCAL },
	{ "UDP to an unknown address", { .proto = 17, .dst = "10.9.9.9" }, DP_DROP_DST_UNKNOWN },
	{ "TCP to an unknown address", { .dst = "10.9.9.9" }, DP_DROP_DST_UNKNOWN },
	{ "TCP to broadcast", { .dst = "255.255.255.255", .dmac = "ff:ff:ff:ff:ff:ff" },
	  DP_DROP_DST_UNKNOWN },
	{ "TCP SYN to a tlslb address", { .dst = "10.0.0.1", .dport = 22 }, DP_DROP_DST_LOCAL },
	{ "TCP to a VIP port without service", { .dport = 80 }, DP_DROP_NO_SERVICE },
	{ "ACK of no flow", { .flags = ACK }, DP_DROP_NO_FLOW },
	{ "SYN+ACK of no flow", { .flags = SYN | ACK }, DP_DROP_NO_FLOW },
	{ "SYN+FIN", { .flags = SYN | FIN }, DP_DROP_NO_FLOW },
	{ "RST of no flow", { .flags = 0x04 }, DP_DROP_NO_FLOW },
};

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

static int env_setup(void **state)
{
	struct dpt_env *e = calloc(1, sizeof(*e));

	dpt_config(&e->cfg);
	dpt_env_up(e, 1);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct dpt_env *e = *state;

	dpt_env_down(e);
	free(e);
	return 0;
}

/* Exactly one drop, of the expected reason, and no other effect. */
static void expect_only_drop(struct dpt_env *e, const char *desc, enum dp_drop want)
{
	static struct dp_stats st;
	unsigned i;

	dpt_stats(e, &st);
	if (st.drop[want] != 1 || dpt_drops(&st) != 1) {
		for (i = 0; i < DP_DROP__COUNT; i++)
			if (st.drop[i])
				print_error("  %s: drop.%s = %lu\n", desc, dp_drop_names[i],
					    (unsigned long)st.drop[i]);
		fail_msg("%s: want exactly one drop.%s", desc, dp_drop_names[want]);
	}
	assert_int_equal(st.flows_created, 0);
	assert_int_equal(dpt_flush(e), 0);
}

/* A SYN whose TCP options straddle two mbuf segments: the header would be
 * read past the first segment, so it is refused as truncated. */
static void test_options_beyond_first_segment(void **state)
{
	struct dpt_env *e = *state;
	struct dpt_frame f = base(&(struct dpt_frame){ .doff = 8, .payload = 12 });
	uint8_t buf[DPT_FRAME_MAX];
	size_t len = dpt_build(buf, &f), first = 14 + 20 + 24;
	struct rte_mbuf *m = dpt_mbuf_chain2(buf, len, first);

	dp_worker_rx(e->w, 0, &m, 1, e->now);
	expect_only_drop(e, "options in the second segment", DP_DROP_TCP_TRUNC);
}

static void test_malformed_dropped(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(drop_cases); i++) {
		struct dpt_frame f = base(&drop_cases[i].f);
		struct dpt_env *e;

		env_setup((void **)&e);
		dpt_rx_frame(e, 0, &f);
		expect_only_drop(e, drop_cases[i].desc, drop_cases[i].want);
		env_teardown((void **)&e);
	}
}

struct arp_case {
	const char *desc;
	unsigned offset; /* byte to overwrite, 0: none */
	uint8_t value;
	unsigned cut;
	enum dp_drop want;
};

static const struct arp_case arp_cases[] = {
	{ "ARP truncated", 0, 0, 14 + 20, DP_DROP_ARP_MALFORMED },
	{ "ARP hardware type not Ethernet", 14 + 1, 6, 0, DP_DROP_ARP_MALFORMED },
	{ "ARP protocol not IPv4", 14 + 2, 0x86, 0, DP_DROP_ARP_MALFORMED },
	{ "ARP hardware length 8", 14 + 4, 8, 0, DP_DROP_ARP_MALFORMED },
	{ "ARP protocol length 16", 14 + 5, 16, 0, DP_DROP_ARP_MALFORMED },
	{ "ARP opcode 3", 14 + 7, 3, 0, DP_DROP_ARP_MALFORMED },
	{ "ARP sender MAC multicast", 14 + 8, 0x01, 0, DP_DROP_ARP_IGNORED },
};

static void test_arp_malformed_dropped(void **state)
{
	uint8_t buf[DPT_FRAME_MAX];
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(arp_cases); i++) {
		const struct arp_case *c = &arp_cases[i];
		struct dpt_env *e;
		size_t len;

		env_setup((void **)&e);
		len = dpt_build_arp(buf, DPT_MAC_CLIENT, "ff:ff:ff:ff:ff:ff", 1, DPT_MAC_CLIENT,
				    "10.0.0.50", "00:00:00:00:00:00", "10.0.0.1");
		if (c->offset)
			buf[c->offset] = c->value;
		dpt_rx(e, 0, buf, c->cut ? c->cut : len);
		expect_only_drop(e, c->desc, c->want);
		env_teardown((void **)&e);
	}
}

struct pass_case {
	const char *desc;
	struct dpt_frame f;
};

static const struct pass_case pass_cases[] = {
	{ "plain SYN", { 0 } },
	{ "SYN with DF", { .frag = 0x4000 } },
	{ "SYN with Ethernet padding", { .pad = 6 } },
	{ "SYN with TCP options", { .doff = 8, .payload = 12 } },
	{ "SYN with data", { .payload = 100 } },
	{ "SYN with TTL 2", { .ttl = 2 } },
	{ "SYN broadcast MAC", { .dmac = "ff:ff:ff:ff:ff:ff" } },
};

static void test_wellformed_forwarded(void **state)
{
	static uint8_t out[4][DPT_FRAME_MAX];
	uint8_t in[DPT_FRAME_MAX];
	size_t lens[4];
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(pass_cases); i++) {
		const struct pass_case *c = &pass_cases[i];
		static struct dp_stats st;
		struct dpt_frame f = base(&c->f);
		struct dpt_env *e;
		size_t in_len;

		env_setup((void **)&e);
		in_len = dpt_build(in, &f);
		dpt_rx(e, 0, in, in_len);
		dpt_stats(e, &st);
		if (dpt_drops(&st) != 0)
			fail_msg("%s: dropped", c->desc);
		assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
		/* padding is not forwarded */
		assert_int_equal(lens[0], in_len - c->f.pad);
		assert_int_equal(out[0][14 + 8], c->f.ttl ? c->f.ttl - 1 : 63);
		assert_true(dpt_ipv4_csum_ok(out[0], lens[0]));
		assert_true(dpt_tcp_csum_ok(out[0], lens[0]));
		assert_int_equal(st.flows_created, 1);
		env_teardown((void **)&e);
	}
}

/* Random damage to valid frames: never a crash, every packet accounted for. */
static void test_random_damage(void **state)
{
	struct dpt_env *e = *state;
	static struct dp_stats st;
	uint8_t buf[DPT_FRAME_MAX];
	unsigned i, out = 0, n = 20000;

	srand(12345);
	for (i = 0; i < n; i++) {
		struct dpt_frame c = { .sport = (uint16_t)(1024 + i), .payload = (uint16_t)(rand() % 64) };
		struct dpt_frame f = base(&c);
		size_t len = dpt_build(buf, &f);
		unsigned flips = 1 + rand() % 4, k;

		if (i % 3 == 0)
			len = dpt_build_arp(buf, DPT_MAC_CLIENT, "ff:ff:ff:ff:ff:ff", 1, DPT_MAC_CLIENT,
					    "10.0.0.50", "00:00:00:00:00:00", "10.0.0.100");
		for (k = 0; k < flips; k++)
			buf[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		if (rand() % 4 == 0)
			len = (size_t)rand() % (len + 1);
		dpt_rx(e, (uint16_t)(rand() % 2), buf, len);
		out += dpt_flush(e);
		if (i % 64 == 0)
			dpt_tick(e, 1);
	}
	dpt_stats(e, &st);
	assert_int_equal(st.port[0].rx_packets + st.port[1].rx_packets, n);
	/* a packet is dropped, forwarded, answered, consumed (ARP reply) or waiting */
	assert_true(dpt_drops(&st) + out <= n + st.arp_requests_sent);
	assert_true(dpt_drops(&st) > n / 2);
}

static void test_drop_names(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < DP_DROP__COUNT; i++) {
		assert_non_null(dp_drop_names[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(dp_drop_names[i], dp_drop_names[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_malformed_dropped),
		cmocka_unit_test(test_arp_malformed_dropped),
		cmocka_unit_test(test_wellformed_forwarded),
		cmocka_unit_test_setup_teardown(test_random_damage, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_options_beyond_first_segment, env_setup,
						env_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
