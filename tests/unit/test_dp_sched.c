/* SPDX-License-Identifier: BSD-3-Clause */
/* Smooth weighted round-robin: over many connections through the worker, and
 * for many weight sets directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_sched.h"
#include "dp_svc.h"
#include "dp_test_util.h"

#define SYN 0x02

static uint8_t out[4][DPT_FRAME_MAX];
static size_t lens[4];

static int group_setup(void **state)
{
	(void)state;
	dpt_eal_init();
	return 0;
}

/*
 * The properties every pick sequence must have, given the weights:
 * - each aligned run of sum(weights) picks holds each backend exactly
 *   weight times (the state is back to zero after such a run);
 * - in any window, a backend's count is within 2 of its exact share
 *   (smoothness: a heavy backend's picks are spread, not bunched);
 * - a zero weight is never picked.
 */
static void check_sequence(const int *seq, unsigned n, const uint32_t *w, unsigned nb)
{
	uint32_t total = 0;
	unsigned i, b, start, len;

	for (b = 0; b < nb; b++)
		total += w[b];
	for (i = 0; i < n; i++) {
		assert_true(seq[i] >= 0 && (unsigned)seq[i] < nb);
		assert_int_not_equal(w[seq[i]], 0);
	}
	for (start = 0; start + total <= n; start += total) {
		for (b = 0; b < nb; b++) {
			unsigned count = 0;

			for (i = start; i < start + total; i++)
				count += seq[i] == (int)b;
			if (count != w[b])
				fail_msg("run at %u: backend %u picked %u times, weight %u", start, b,
					 count, w[b]);
		}
	}
	for (len = 1; len <= 2 * total && len <= n; len++) {
		for (start = 0; start + len <= n; start++) {
			for (b = 0; b < nb; b++) {
				unsigned count = 0;

				for (i = start; i < start + len; i++)
					count += seq[i] == (int)b;
				if (fabs(count - (double)len * w[b] / total) >= 2.0)
					fail_msg("window %u+%u: backend %u picked %u times", start, len,
						 b, count);
			}
		}
	}
}

static const uint32_t worker_weights[] = { 5, 1, 1, 0 };
static const char *const worker_backends[] = { "10.1.0.11", "10.1.0.12", "10.1.0.21",
					       "10.1.0.22" };

static void weighted(struct cp_config *c)
{
	unsigned i;

	c->n_backends = 0;
	c->n_neighs = 0;
	for (i = 0; i < DPT_N(worker_weights); i++) {
		struct cp_backend *b = &c->backends[c->n_backends++];
		struct cp_neigh *n = &c->neighs[c->n_neighs++];

		b->ip.family = AF_INET;
		b->ip.v4 = dpt_ip(worker_backends[i]);
		b->port = 8443;
		b->weight = worker_weights[i];
		b->service = 0;
		n->ip = b->ip;
		dpt_mac(n->mac, "02:00:00:00:07:00");
		n->mac[5] = (uint8_t)i;
		n->port = 1;
	}
	c->neighs[c->n_neighs].ip.family = AF_INET;
	c->neighs[c->n_neighs].ip.v4 = dpt_ip("10.0.0.50");
	dpt_mac(c->neighs[c->n_neighs++].mac, DPT_MAC_CLIENT);
}

static void test_weights_over_connections(void **state)
{
	struct dpt_env *e = dpt_env_new(weighted, 1);
	enum { N = 7 * 60 };
	static int seq[N];
	static struct dp_stats st;
	unsigned i, b;

	(void)state;
	for (i = 0; i < N; i++) {
		struct dpt_frame syn = { .src = "10.0.0.50", .dst = "10.0.0.100",
					 .sport = (uint16_t)(10000 + i), .dport = 443, .flags = SYN };
		struct dpt_view v;

		dpt_rx_frame(e, 0, &syn);
		assert_int_equal(dpt_take(e, 1, out, lens, 4), 1);
		dpt_view(out[0], lens[0], &v);
		seq[i] = -1;
		for (b = 0; b < DPT_N(worker_backends); b++)
			if (v.dst == dpt_ip(worker_backends[b]))
				seq[i] = (int)b;
	}
	check_sequence(seq, N, worker_weights, DPT_N(worker_weights));
	dpt_stats(e, &st);
	for (b = 0; b < DPT_N(worker_weights); b++)
		assert_int_equal(st.backend[b].new_flows, N / 7 * worker_weights[b]);
	dpt_env_delete(e);
}

/* Many weight sets, including single backends, equal weights and zeros. */
static void test_weight_sets(void **state)
{
	struct cp_config *cfg = calloc(1, sizeof(*cfg));
	struct dp_svc_table *t = calloc(1, sizeof(*t));
	static struct dp_sched_state cur;
	static int seq[4096];
	int16_t svc_slot[1] = { 0 }, bk_slot[8];
	uint32_t w[8];
	unsigned set, i;

	(void)state;
	srand(7);
	for (set = 0; set < 300; set++) {
		unsigned nb = 1 + (unsigned)rand() % 8, total = 0, n;

		for (i = 0; i < nb; i++) {
			w[i] = set % 5 == 0 ? 1 : (uint32_t)(rand() % 10);
			total += w[i];
		}
		dpt_config_defaults(cfg);
		cfg->n_services = 1;
		cfg->services[0].vip.family = AF_INET;
		cfg->services[0].vip.v4 = dpt_ip("10.0.0.100");
		cfg->services[0].port = 443;
		for (i = 0; i < nb; i++) {
			cfg->backends[i].ip.family = AF_INET;
			cfg->backends[i].ip.v4 = dpt_ip("10.1.0.10") + (i << 24);
			cfg->backends[i].port = 443;
			cfg->backends[i].weight = w[i];
		}
		cfg->n_backends = nb;
		for (i = 0; i < nb; i++)
			bk_slot[i] = (int16_t)i;
		memset(t, 0, sizeof(*t));
		assert_int_equal(dp_svc_fill(t, cfg, svc_slot, bk_slot), 0);
		memset(&cur, 0, sizeof(cur));
		if (total == 0) {
			assert_int_equal(dp_sched_pick(t, 0, &cur, NULL), -ENOENT);
		} else {
			n = total * 5 > DPT_N(seq) ? DPT_N(seq) : total * 5;
			for (i = 0; i < n; i++)
				seq[i] = dp_sched_pick(t, 0, &cur, NULL);
			check_sequence(seq, n, w, nb);
		}
	}
	free(t);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_over_connections),
		cmocka_unit_test(test_weight_sets),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
