/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental checksum updates (RFC 1624) and the NAT rewrite, from deltas
 * taken from the packet or prepared ahead, checked against sums computed
 * from scratch by the test's own code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dp_csum.h"
#include "dp_nat.h"
#include "dp_test_util.h"

static uint32_t rnd32(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

static const char *rnd_ip(unsigned slot)
{
	return dpt_ip_str(rnd32(), slot);
}

/* A random TCP segment at @f, TTL at least @ttl_min; returns the frame's
 * length. */
static size_t rnd_frame(uint8_t *f, unsigned ttl_min)
{
	struct dpt_frame spec = { .src = rnd_ip(0), .dst = rnd_ip(1),
				  .sport = (uint16_t)rand(), .dport = (uint16_t)rand(),
				  .flags = (uint8_t)rand(), .seq = rnd32(), .ack = rnd32(),
				  .ttl = (uint8_t)(ttl_min + (unsigned)rand() % (256 - ttl_min)),
				  .payload = (uint16_t)(rand() % 40) };

	return dpt_build(f, &spec);
}

/* Random packets, random rewrites of any subset of the fields, each field's
 * delta taken from the packet as it was. */
static void test_rewrite_random(void **state)
{
	/* an mbuf-like offset: the IP header only 2-byte aligned */
	static uint8_t frame[DPT_FRAME_MAX + 2] __attribute__((aligned(8)));
	uint8_t *f = frame + 2;
	unsigned i;

	(void)state;
	srand(99);
	for (i = 0; i < 200000; i++) {
		size_t len = rnd_frame(f, 2);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + 34);
		uint32_t src = ip->src_addr, dst = ip->dst_addr;
		uint16_t sport = tcp->src_port, dport = tcp->dst_port;
		uint8_t ttl = ip->time_to_live;
		unsigned which = (unsigned)rand();
		uint32_t d_addr, d_tcp;

		if (which & 1)
			src = rnd32();
		if (which & 2)
			dst = rnd32();
		if (which & 4)
			sport = (uint16_t)rand();
		if (which & 8)
			dport = (uint16_t)rand();
		if (which & 16) /* the all-ones and zero words are the classic traps */
			src = which & 32 ? 0xffffffff : 0;
		d_addr = (uint32_t)dp_csum_delta32(ip->src_addr, src) +
			 dp_csum_delta32(ip->dst_addr, dst);
		d_tcp = (uint32_t)dp_csum_delta16(tcp->src_port, sport) +
			dp_csum_delta16(tcp->dst_port, dport);
		ip->src_addr = src;
		ip->dst_addr = dst;
		tcp->src_port = sport;
		tcp->dst_port = dport;
		dp_nat4_finish(ip, tcp, d_addr, d_tcp);
		if (!dpt_ipv4_csum_ok(f, len) || !dpt_tcp_csum_ok(f, len))
			fail_msg("iteration %u: checksum wrong after rewrite", i);
		assert_int_equal(ip->time_to_live, ttl - 1);
	}
}

/*
 * The forwarding path's form: deltas prepared from the two endpoints alone
 * (as the service table does for a VIP and its backend), the reply's taken
 * as their negation, a splice's sequence change added to the TCP update.
 */
static void test_rewrite_prepared(void **state)
{
	static uint8_t frame[DPT_FRAME_MAX + 2] __attribute__((aligned(8)));
	uint8_t *f = frame + 2;
	unsigned i;

	(void)state;
	srand(7);
	for (i = 0; i < 200000; i++) {
		size_t len = rnd_frame(f, 3); /* two hops */
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + 34);
		uint32_t vip = ip->dst_addr, bk = i & 1 ? rnd32() : (i & 2 ? 0xffffffff : 0);
		uint16_t vport = tcp->dst_port, bport = (uint16_t)rand();
		uint16_t d_addr = dp_csum_delta32(vip, bk), d_port = dp_csum_delta16(vport, bport);
		uint32_t seq, new_seq;
		uint8_t ttl = ip->time_to_live;

		/* to the backend, with the sequence number moved as a splice does */
		memcpy(&seq, &tcp->sent_seq, 4);
		new_seq = seq + rnd32();
		memcpy(&tcp->sent_seq, &new_seq, 4);
		ip->dst_addr = bk;
		tcp->dst_port = bport;
		dp_nat4_finish(ip, tcp, d_addr, (uint32_t)d_port + dp_csum_delta32(seq, new_seq));
		if (!dpt_ipv4_csum_ok(f, len) || !dpt_tcp_csum_ok(f, len))
			fail_msg("iteration %u: checksum wrong to the backend", i);
		/* and back, the same deltas negated */
		ip->dst_addr = vip;
		tcp->dst_port = vport;
		dp_nat4_finish(ip, tcp, dp_csum_delta_neg(d_addr), dp_csum_delta_neg(d_port));
		if (!dpt_ipv4_csum_ok(f, len) || !dpt_tcp_csum_ok(f, len))
			fail_msg("iteration %u: checksum wrong back from the backend", i);
		assert_int_equal(ip->time_to_live, ttl - 2);
	}
}

/* The receive check agrees with the test's sum on good headers, on headers
 * with one bit flipped, and on the all-zero and all-ones sums. */
static void test_ipv4_check(void **state)
{
	static uint8_t frame[DPT_FRAME_MAX];
	unsigned i;

	(void)state;
	srand(11);
	for (i = 0; i < 200000; i++) {
		uint8_t *ip = frame + 14;

		rnd_frame(frame, 0);
		assert_true(dp_csum_ipv4_ok(ip, 20));
		if (i & 1)
			ip[rand() % 20] ^= (uint8_t)(1u << (rand() % 8));
		else if (i & 2)
			memset(ip, i & 4 ? 0xff : 0, 20);
		assert_int_equal(!!dp_csum_ipv4_ok(ip, 20), dpt_sum(ip, 20, 0) == 0xffff);
	}
}

/* The one-rotate fold equals folding twice, on the edges and at random. */
static void test_fold(void **state)
{
	static const uint32_t edges[] = { 0, 1, 0xfffe, 0xffff, 0x10000, 0x10001, 0x1fffe,
					  0x1ffff, 0xfffeffff, 0xffff0000, 0xffff0001, 0xffffffff };
	unsigned i;

	(void)state;
	srand(13);
	for (i = 0; i < 1000000 + sizeof(edges) / sizeof(edges[0]); i++) {
		uint32_t x = i < sizeof(edges) / sizeof(edges[0]) ? edges[i] : rnd32();
		uint32_t twice = (x & 0xffff) + (x >> 16);

		twice = (twice & 0xffff) + (twice >> 16);
		if (dp_csum_fold(x) != twice)
			fail_msg("fold of %#x: %#x, not %#x", x, dp_csum_fold(x), twice);
	}
}

/* dp_csum's own sum agrees with the test's on any length and alignment. */
static void test_sum_agrees(void **state)
{
	uint8_t buf[128];
	unsigned i, j;

	(void)state;
	srand(5);
	for (i = 0; i < 20000; i++) {
		unsigned off = (unsigned)rand() % 3, len = (unsigned)rand() % 100;

		for (j = 0; j < sizeof(buf); j++)
			buf[j] = (uint8_t)rand();
		/* network-order result vs the test's host-order one */
		assert_int_equal(rte_be_to_cpu_16(dp_csum_fold(dp_csum_add(0, buf + off, len))),
				 dpt_sum(buf + off, len, 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_random),
		cmocka_unit_test(test_rewrite_prepared),
		cmocka_unit_test(test_ipv4_check),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_sum_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
