/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers on two lcores share the tables: worker 0 opens and refreshes
 * flows from the client side while worker 1 forwards the backend's replies,
 * and both expire flows concurrently (1 s timeouts on a fast clock). Every
 * reply must be rewritten to its own client port: a record reused before its
 * readers were done would show up as a wrong port.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dp_test_util.h"

#define SYN 0x02
#define ACK 0x10
#define PORTS 3000 /* client ports cycled through; more than the table holds */
#define ITERS 40000

static struct dpt_env *env;
static struct dp_worker *w1;
static uint64_t clock_tsc; /* shared synthetic clock, advanced by lcore 0 */
static int stop;
static uint64_t mismatches, replies_out;

static void one_arm_backend(struct cp_config *c)
{
	c->backends[1].weight = 0; /* service 0 always picks 10.1.0.11:8443 */
	c->limits.flows = 2048;
	c->timeouts.syn = 1;
	c->timeouts.established = 1;
	c->timeouts.closing = 1;
	c->timeouts.reset = 1;
}

static struct rte_mbuf *mbuf_of(const struct dpt_frame *f)
{
	uint8_t buf[DPT_FRAME_MAX];
	size_t len = dpt_build(buf, f);
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool());

	if (m == NULL)
		return NULL;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	return m;
}

/* Build a burst; frames that found no mbuf are skipped. */
static uint16_t burst(struct rte_mbuf **pkts, const struct dpt_frame *f, unsigned n)
{
	uint16_t k = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		pkts[k] = mbuf_of(&f[i]);
		if (pkts[k] != NULL)
			k++;
	}
	return k;
}

static void drain(struct dp_worker *w, bool check)
{
	struct rte_mbuf *out[64];
	uint16_t n, i, p;

	for (p = 0; p < 2; p++) {
		while ((n = dp_worker_tx_take(w, p, out, 64)) > 0) {
			for (i = 0; i < n; i++) {
				if (check && p == 0) {
					const uint8_t *f = rte_pktmbuf_mtod(out[i], const uint8_t *);
					struct dpt_view v;

					dpt_view(f, rte_pktmbuf_pkt_len(out[i]), &v);
					/* the test put the expected client port in the TCP seq */
					if (v.dport != (uint16_t)(f[14 + 20 + 4] << 8 | f[14 + 20 + 5]) ||
					    v.src != dpt_ip("10.0.0.100") || v.sport != 443)
						__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED);
					__atomic_fetch_add(&replies_out, 1, __ATOMIC_RELAXED);
				}
				rte_pktmbuf_free(out[i]);
			}
		}
	}
}

static int replies_lcore(void *arg)
{
	unsigned seed = 1, i;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		struct dpt_frame f[16];
		struct rte_mbuf *pkts[16];
		uint16_t n;

		for (i = 0; i < 16; i++) {
			uint16_t port = (uint16_t)(10000 + rand_r(&seed) % PORTS);

			f[i] = (struct dpt_frame){ .smac = DPT_MAC_B11, .dmac = DPT_MAC_P1,
						   .src = "10.1.0.11", .dst = "10.0.0.50",
						   .sport = 8443, .dport = port,
						   .flags = i % 5 ? ACK : SYN | ACK,
						   .seq = (uint32_t)port << 16 };
		}
		n = burst(pkts, f, 16);
		dp_worker_rx(w1, 1, pkts, n, __atomic_load_n(&clock_tsc, __ATOMIC_RELAXED));
		dp_worker_tick(w1, __atomic_load_n(&clock_tsc, __ATOMIC_RELAXED));
		drain(w1, true);
	}
	return 0;
}

static void test_two_workers(void **state)
{
	static struct dp_stats st;
	unsigned seed = 2, it, i, lcore;
	uint64_t active = 0;

	(void)state;
	if (rte_lcore_count() < 2)
		skip();
	env = dpt_env_new(one_arm_backend, 2);
	w1 = dp_worker_create(env->sh, 1, dpt_pool());
	assert_non_null(w1);
	clock_tsc = env->now;
	lcore = rte_get_next_lcore(-1, 1, 0);
	assert_int_equal(rte_eal_remote_launch(replies_lcore, NULL, lcore), 0);

	for (it = 0; it < ITERS; it++) {
		struct dpt_frame f[16];
		struct rte_mbuf *pkts[16];
		uint16_t n;

		for (i = 0; i < 16; i++)
			f[i] = (struct dpt_frame){ .src = "10.0.0.50", .dst = "10.0.0.100",
						   .sport = (uint16_t)(10000 +
								       rand_r(&seed) % PORTS),
						   .dport = 443, .flags = i % 3 ? ACK : SYN };
		n = burst(pkts, f, 16);
		/* 5 ms per iteration: a port comes back every ~190 iterations, after its
		 * flow has often idled out */
		__atomic_fetch_add(&clock_tsc, 5 * env->tsc_per_ms, __ATOMIC_RELAXED);
		dp_worker_rx(env->w, 0, pkts, n, clock_tsc);
		dp_worker_tick(env->w, clock_tsc);
		drain(env->w, false);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);

	assert_int_equal(mismatches, 0);
	assert_true(replies_out > 1000);
	/* everything expires in the end, both keys of every flow freed */
	clock_tsc += 10 * 1000 * env->tsc_per_ms;
	for (i = 0; i < 200; i++) {
		dp_worker_tick(env->w, clock_tsc);
		dp_worker_tick(w1, clock_tsc);
	}
	dp_stats_sum(env->sh, &st);
	for (i = 0; i < env->cfg.n_backends; i++)
		active += st.backend[i].active_flows;
	print_message("# flows created %lu, replies %lu, table full %lu\n",
		      (unsigned long)st.flows_created, (unsigned long)replies_out,
		      (unsigned long)st.flows_table_full);
	assert_true(st.flows_created > 1000);
	assert_int_equal(active, 0);
	assert_int_equal(st.flows_created, st.flows_expired + st.flows_closed);
	assert_int_equal(dpt_flow_keys(env), 0);

	drain(w1, false);
	dp_worker_free(w1);
	dpt_env_delete(env);
}

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init2();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_workers),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
