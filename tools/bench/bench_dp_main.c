/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-bench-dp [EAL args] -- [--flows N[,N...]] [--runs R] [--seconds S]
 *                               [--direction both|c2s]
 *
 * Established-flow forwarding of tlslb's packet path on one lcore, beside a
 * bare forwarder (receive, swap MACs, send) on the same net_ring port in the
 * same run, and the memory each established flow costs.
 *
 * The port is a pair of rings: a generator on the same lcore tops up the
 * receive ring and recycles what was sent. Only the forwarding is timed
 * (rx burst, processing, tx burst, from TSC to TSC), so both forwarders are
 * charged for exactly their own work.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench_dp_bare.h"
#include "bench_dp_dut.h"
#include "bench_dp_mem.h"
#include "bench_dp_traffic.h"
#include "dp_loop.h"
#include "dp_port.h"

#define BENCH_MAX_SIZES 4
#define BENCH_MAX_RUNS 31
#define BENCH_RING_SIZE 1024
#define BENCH_POOL_SIZE 8191
#define BENCH_DEV "bench_ring0"
#define BENCH_WARMUP_S 0.2

struct bench_opts {
	uint32_t flows[BENCH_MAX_SIZES];
	unsigned n_sizes;
	unsigned runs;
	double seconds;
	bool both_directions;
};

struct bench_rate {
	double mpps;      /* forwarded per second of forwarding time, millions */
	double delivered; /* share of received packets that were forwarded */
	unsigned preempted; /* iterations left out */
};

struct bench_env {
	uint16_t port_id;
	struct rte_ring *rx, *tx;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
};

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "runs", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "direction", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->flows[0] = 1000;
	o->flows[1] = 1000000;
	o->n_sizes = 2;
	o->runs = 5;
	o->seconds = 1.0;
	o->both_directions = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end, *tok, *save = NULL;

		switch (c) {
		case 'f':
			o->n_sizes = 0;
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				unsigned long v = strtoul(tok, &end, 10);

				if (*end != '\0' || v == 0 || v > (16ul << 20) ||
				    o->n_sizes == BENCH_MAX_SIZES)
					return -EINVAL;
				o->flows[o->n_sizes++] = (uint32_t)v;
			}
			if (o->n_sizes == 0)
				return -EINVAL;
			break;
		case 'r':
			o->runs = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->runs == 0 || o->runs > BENCH_MAX_RUNS)
				return -EINVAL;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end != '\0' || o->seconds <= 0 || o->seconds > 60)
				return -EINVAL;
			break;
		case 'd':
			if (strcmp(optarg, "both") == 0)
				o->both_directions = true;
			else if (strcmp(optarg, "c2s") == 0)
				o->both_directions = false;
			else
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static int bench_env_open(struct bench_env *e, char *err, size_t err_len)
{
	struct dp_port_conf pc = { .n_queues = 1, .nb_rxd = BENCH_RING_SIZE, .nb_txd = BENCH_RING_SIZE };
	struct dp_port_state st;
	char why[256];
	int port, rc;

	e->pool = rte_pktmbuf_pool_create("bench_mbufs", BENCH_POOL_SIZE, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	e->rx = rte_ring_create("bench_rx", BENCH_RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	e->tx = rte_ring_create("bench_tx", BENCH_RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!e->pool || !e->rx || !e->tx) {
		snprintf(err, err_len, "pool or rings: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	port = rte_eth_from_rings(BENCH_DEV, &e->rx, 1, &e->tx, 1, (unsigned)rte_socket_id());
	if (port < 0) {
		snprintf(err, err_len, "net_ring port: %s", rte_strerror(rte_errno));
		return -ENODEV;
	}
	e->port_id = (uint16_t)port;
	rc = dp_port_configure(e->port_id, &pc, &st, why, sizeof(why));
	if (rc == 0)
		rc = dp_port_start(e->port_id, 1, &st, e->pool, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, err_len, "port %s: %s", BENCH_DEV, why);
		return rc;
	}
	e->mac = st.mac;
	return 0;
}

static void bench_env_close(struct bench_env *e)
{
	dp_port_close(e->port_id);
	rte_ring_free(e->rx);
	rte_ring_free(e->tx);
	rte_mempool_free(e->pool);
}

typedef unsigned (*bench_iterate_fn)(void *arg, uint64_t now);
typedef uint64_t (*bench_count_fn)(const void *arg);

static unsigned bench_iter_bare(void *arg, uint64_t now)
{
	(void)now;
	return bench_bare_iterate(arg);
}

static uint64_t bench_tx_bare(const void *arg)
{
	return ((const struct bench_bare *)arg)->tx;
}

static unsigned bench_iter_dut(void *arg, uint64_t now)
{
	return dp_loop_iterate(arg, now);
}

static uint64_t bench_tx_dut(const void *arg)
{
	return ((const struct dp_loop *)arg)->tx_packets;
}

/*
 * Run a forwarder for @p seconds of wall time; the rate is over its own cycles.
 * An iteration that took longer than BENCH_PREEMPTED_US was the lcore being
 * taken away (the machine is shared), not forwarding: it is left out, and counted.
 */
#define BENCH_PREEMPTED_US 500

static struct bench_rate bench_measure(struct bench_gen *g, bench_iterate_fn iterate,
				       bench_count_fn tx_count, void *arg, double seconds)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)hz);
	uint64_t limit = hz / 1000000 * BENCH_PREEMPTED_US;
	uint64_t busy = 0, rx = 0, tx = 0, tx_prev = tx_count(arg);
	struct bench_rate r = { 0, 0, 0 };

	while (rte_rdtsc() < end) {
		uint64_t t0, t1, sent;
		unsigned got;

		if (bench_gen_refill(g, DP_LOOP_BURST) != 0)
			break;
		t0 = rte_rdtsc();
		got = iterate(arg, t0);
		t1 = rte_rdtsc();
		sent = tx_count(arg) - tx_prev;
		tx_prev += sent;
		if (t1 - t0 > limit) {
			r.preempted++;
			continue;
		}
		busy += t1 - t0;
		rx += got;
		tx += sent;
	}
	if (busy)
		r.mpps = (double)tx / ((double)busy / (double)hz) / 1e6;
	r.delivered = rx ? (double)tx / (double)rx : 0;
	bench_gen_drain(g);
	return r;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double bench_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static struct bench_dut duts[BENCH_MAX_SIZES];
	static double rates[BENCH_MAX_SIZES + 1][BENCH_MAX_RUNS];
	static double ratios[BENCH_MAX_SIZES][BENCH_MAX_RUNS];
	struct bench_mem mem[BENCH_MAX_SIZES][3];
	struct bench_opts o;
	struct bench_env env;
	struct bench_bare bare;
	struct bench_gen gen_bare;
	double min_delivered = 1.0, ghz, mpps;
	unsigned preempted = 0;
	char err[512];
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "tlslb-bench-dp: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	if (bench_parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: tlslb-bench-dp [EAL args] -- [--flows N[,N...]] [--runs R] "
				"[--seconds S] [--direction both|c2s]\n");
		rte_eal_cleanup();
		return 2;
	}
	memset(&env, 0, sizeof(env));
	rc = bench_env_open(&env, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tlslb-bench-dp: %s\n", err);
		goto out;
	}

	printf("# tlslb-bench-dp: one lcore, net_ring port, 64-byte TCP frames, %s, "
	       "%u runs of %.1f s, TSC %.2f GHz\n",
	       o.both_directions ? "both directions alternating" : "client to server only",
	       o.runs, o.seconds, (double)rte_get_tsc_hz() / 1e9);
	for (unsigned s = 0; s < o.n_sizes; s++) {
		uint64_t t0 = rte_rdtsc();

		/* The limit is the flow count itself: the table is as big as it must be. */
		rc = bench_dut_prepare(&duts[s], BENCH_DEV, o.flows[s], env.pool, err, sizeof(err));
		bench_mem_sample(&mem[s][0]);
		if (rc == 0)
			rc = bench_dut_open(&duts[s], env.port_id, &env.mac, err, sizeof(err));
		if (rc == 0) {
			bench_mem_sample(&mem[s][1]);
			rc = bench_dut_fill(&duts[s], err, sizeof(err));
			bench_mem_sample(&mem[s][2]);
		}
		if (rc != 0) {
			fprintf(stderr, "tlslb-bench-dp: %u flows: %s\n", o.flows[s], err);
			if (duts[s].loop.worker)
				bench_dut_print_stats(&duts[s], stderr);
			goto out;
		}
		printf("# %u flows opened by handshake in %.2f s\n", o.flows[s],
		       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
	}

	memset(&bare, 0, sizeof(bare));
	bare.port_id = env.port_id;
	/* The bare forwarder is fed the same frames as the largest table. */
	bench_gen_init(&gen_bare, env.rx, env.tx, env.pool, &env.mac,
		       duts[o.n_sizes - 1].backend_of, o.flows[o.n_sizes - 1], o.both_directions);
	bench_measure(&gen_bare, bench_iter_bare, bench_tx_bare, &bare, BENCH_WARMUP_S);
	for (unsigned s = 0; s < o.n_sizes; s++) {
		struct bench_gen g;

		bench_gen_init(&g, env.rx, env.tx, env.pool, &env.mac, duts[s].backend_of,
			       o.flows[s], o.both_directions);
		bench_measure(&g, bench_iter_dut, bench_tx_dut, &duts[s].loop, BENCH_WARMUP_S);
	}

	/* Interleaved, so that drift (turbo, neighbours) hits every figure alike. */
	for (unsigned r = 0; r < o.runs; r++) {
		struct bench_rate b = bench_measure(&gen_bare, bench_iter_bare, bench_tx_bare, &bare,
						    o.seconds);

		rates[0][r] = b.mpps;
		preempted += b.preempted;
		printf("run %u: bare %.2f Mpps", r + 1, b.mpps);
		for (unsigned s = 0; s < o.n_sizes; s++) {
			struct bench_gen g;
			struct bench_rate t;

			bench_gen_init(&g, env.rx, env.tx, env.pool, &env.mac, duts[s].backend_of,
				       o.flows[s], o.both_directions);
			t = bench_measure(&g, bench_iter_dut, bench_tx_dut, &duts[s].loop, o.seconds);
			rates[s + 1][r] = t.mpps;
			ratios[s][r] = b.mpps > 0 ? t.mpps / b.mpps : 0;
			preempted += t.preempted;
			if (t.delivered < min_delivered)
				min_delivered = t.delivered;
			printf(", %u flows %.2f Mpps (%.1f%%, %.4f forwarded)", o.flows[s], t.mpps,
			       100 * ratios[s][r], t.delivered);
		}
		printf("\n");
	}

	printf("\nmedian of %u runs (%u iterations over %d us left out as preempted):\n", o.runs,
	       preempted, BENCH_PREEMPTED_US);
	ghz = (double)rte_get_tsc_hz() / 1e9;
	mpps = bench_median(rates[0], o.runs);
	printf("  bare forwarder (rx, swap MACs, tx)   %8.2f Mpps  (%4.0f cycles/packet)\n", mpps,
	       mpps > 0 ? ghz * 1e3 / mpps : 0);
	for (unsigned s = 0; s < o.n_sizes; s++) {
		mpps = bench_median(rates[s + 1], o.runs);
		printf("  tlslb, %8u established flows   %8.2f Mpps  (%4.0f cycles/packet) = %5.1f%% "
		       "of bare (target >= 50%%)\n",
		       o.flows[s], mpps, mpps > 0 ? ghz * 1e3 / mpps : 0,
		       100 * bench_median(ratios[s], o.runs));
	}
	printf("\nmemory per established flow (DPDK heap + libc heap, table sized to the flows):\n");
	for (unsigned s = 0; s < o.n_sizes; s++)
		printf("  %8u flows: %7.1f B/flow  (tables %.1f B/flow, opening the flows %.1f B/flow)"
		       " (target <= 128)\n",
		       o.flows[s], bench_mem_per(&mem[s][0], &mem[s][2], o.flows[s]),
		       bench_mem_per(&mem[s][0], &mem[s][1], o.flows[s]),
		       bench_mem_per(&mem[s][1], &mem[s][2], o.flows[s]));
	if (min_delivered < 0.999) {
		printf("\nWARNING: tlslb forwarded only %.2f%% of what it received; its counters:\n",
		       100 * min_delivered);
		for (unsigned s = 0; s < o.n_sizes; s++)
			bench_dut_print_stats(&duts[s], stdout);
	}
	rc = 0;
out:
	for (unsigned s = 0; s < o.n_sizes && s < BENCH_MAX_SIZES; s++)
		if (duts[s].cfg)
			bench_dut_close(&duts[s]);
	if (env.pool)
		bench_env_close(&env);
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
