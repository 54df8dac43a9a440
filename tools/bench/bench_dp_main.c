/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-bench-dp [EAL args] -- [--mode l4|tls] [--flows N[,N...]] [--runs R]
 *                               [--seconds S] [--direction both|c2s]
 *                               [--cps N] [--hello-flows N]
 *
 * Established-flow forwarding of tlslb's packet path on one lcore, beside a
 * bare forwarder (receive, swap MACs, send) on the same net_ring port in the
 * same run, and the memory each established flow costs.
 *
 * --mode tls adds, at each flow count, a mode-tls service whose flows are
 * opened by whole spliced handshakes (cookie, real ClientHello, backend
 * handshake, replay, scanned server flight) and forwarded beside the l4 one;
 * then new connections per second through the whole tls path (R runs of
 * --cps connections, each on fresh tables) and the memory of a flow waiting
 * in HELLO (--hello-flows of them).
 *
 * The port is a pair of rings: a generator on the same lcore tops up the
 * receive ring and recycles what was sent. Only the forwarding is timed
 * (rx burst, processing, tx burst, from TSC to TSC), so both forwarders are
 * charged for exactly their own work. A timed run in which tlslb forwarded
 * less than 99.9% of what it received fails the program (exit status 1),
 * after the figures and tlslb's counters.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
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
#include "bench_dp_tlspeer.h"
#include "bench_dp_tlsrun.h"
#include "bench_dp_traffic.h"
#include "bench_stats.h"
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
	bool tls;
	uint32_t cps_conns;
	uint32_t hello_flows;
	const char *callgrind; /* bare, l4 or tls: count instead of time (bench_count()) */
	unsigned iterations;
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
		{ "mode", required_argument, NULL, 'm' },
		{ "cps", required_argument, NULL, 'c' },
		{ "hello-flows", required_argument, NULL, 'H' },
		{ "callgrind", required_argument, NULL, 'g' },
		{ "iterations", required_argument, NULL, 'i' },
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
	o->tls = false;
	o->cps_conns = 100000;
	o->hello_flows = 16000;
	o->callgrind = NULL;
	o->iterations = 2000;
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
		case 'm':
			if (strcmp(optarg, "tls") == 0)
				o->tls = true;
			else if (strcmp(optarg, "l4") == 0)
				o->tls = false;
			else
				return -EINVAL;
			break;
		case 'c':
			o->cps_conns = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->cps_conns > (4u << 20))
				return -EINVAL;
			break;
		case 'H':
			o->hello_flows = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->hello_flows == 0 || o->hello_flows > 16384)
				return -EINVAL;
			break;
		case 'g':
			if (strcmp(optarg, "bare") != 0 && strcmp(optarg, "l4") != 0 &&
			    strcmp(optarg, "tls") != 0)
				return -EINVAL;
			o->callgrind = optarg;
			break;
		case 'i':
			o->iterations = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->iterations == 0 || o->iterations > 10000000)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	/* counting a tls flow's packets needs the tls tables */
	if (o->callgrind && strcmp(o->callgrind, "tls") == 0)
		o->tls = true;
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

/* The one function a callgrind run collects in (--toggle-collect, with a
 * trailing * for the suffix LTO may give it), so that its count is the
 * forwarder's iterations and nothing else. */
static __attribute__((noinline)) unsigned bench_counted_iterate(bench_iterate_fn iterate,
								void *arg, uint64_t now)
{
	return iterate(arg, now);
}

/* Iterations of a counted run apart on the clock the forwarder is given:
 * about 60 cycles a packet, so that timers pace as at full rate, whatever
 * the slowdown of the instrumentation. */
#define BENCH_COUNT_TSC_STEP (60u * DP_LOOP_BURST)

/*
 * --callgrind: @iterations iterations of one forwarder, each of a full burst,
 * on a synthetic clock, then what it received and forwarded. Instructions per
 * packet are callgrind's count in bench_counted_iterate() over the packets
 * forwarded (tools/bench/run-dp does the division). Fails when any packet
 * was not forwarded.
 */
static int bench_count(struct bench_gen *g, bench_iterate_fn iterate, bench_count_fn tx_count,
		       void *arg, unsigned iterations, const char *what, uint32_t flows)
{
	uint64_t now = rte_rdtsc(), rx = 0, tx = tx_count(arg);

	for (unsigned i = 0; i < iterations; i++) {
		if (bench_gen_refill(g, DP_LOOP_BURST) != 0)
			return -1;
		rx += bench_counted_iterate(iterate, arg, now);
		now += BENCH_COUNT_TSC_STEP;
	}
	tx = tx_count(arg) - tx;
	bench_gen_drain(g);
	printf("callgrind %s %u flows: %u iterations, %llu packets received, %llu forwarded\n",
	       what, flows, iterations, (unsigned long long)rx, (unsigned long long)tx);
	return rx == tx && rx > 0 ? 0 : -1;
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


/* Prepare, open and fill one device under test, sampling memory between. */
static int bench_dut_setup(struct bench_dut *d, const struct bench_env *env, uint32_t n,
			   const struct bench_tls_bytes *tb, struct bench_mem mem[3], char *err,
			   size_t err_len)
{
	uint64_t t0 = rte_rdtsc();
	int rc;

	/* The limit is the flow count itself: the table is as big as it must be. */
	rc = bench_dut_prepare(d, BENCH_DEV, n, env->pool, tb, err, err_len);
	bench_mem_sample(&mem[0]);
	if (rc == 0)
		rc = bench_dut_open(d, env->port_id, &env->mac, err, err_len);
	if (rc == 0) {
		bench_mem_sample(&mem[1]);
		rc = bench_dut_fill(d, err, err_len);
		bench_mem_sample(&mem[2]);
	}
	if (rc != 0) {
		fprintf(stderr, "tlslb-bench-dp: %s, %u flows: %s\n", tb ? "tls" : "l4", n, err);
		if (d->loop.worker)
			bench_dut_print_stats(d, stderr);
		return rc;
	}
	printf("# %s: %u flows opened by %s in %.2f s\n", tb ? "tls" : "l4", n,
	       tb ? "spliced handshakes" : "handshake",
	       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
	return 0;
}

/* New connections per second, median of the runs. */
static int bench_cps(const struct bench_env *env, const struct bench_tls_bytes *tb,
		     const struct bench_opts *o)
{
	double worker[BENCH_MAX_RUNS], wall[BENCH_MAX_RUNS], cycles[BENCH_MAX_RUNS];
	struct bench_cps c = { 0 };
	unsigned preempted = 0;
	char err[512];

	printf("\n# new connections: %u per run, on fresh tables; per connection 9 steps: SYN, "
	       "cookie ACK + %u-byte hello, backend SYN-ACK, %u-byte server flight, 100 bytes "
	       "client data, FIN, FIN, ACK\n", o->cps_conns, tb->hello_len, tb->flight_len);
	for (unsigned r = 0; r < o->runs; r++) {
		int rc = bench_cps_run(BENCH_DEV, env->port_id, &env->mac, env->pool, tb,
				       o->cps_conns, &c, err, sizeof(err));

		if (rc != 0) {
			fprintf(stderr, "tlslb-bench-dp: connections: %s\n", err);
			return rc;
		}
		worker[r] = c.worker_cps;
		wall[r] = c.wall_cps;
		cycles[r] = c.cycles_per_conn;
		preempted += c.preempted;
		printf("cps run %u: worker %.0f/s (%.0f cycles/connection), wall %.0f/s\n", r + 1,
		       c.worker_cps, c.cycles_per_conn, c.wall_cps);
	}
	printf("\nnew connections, median of %u runs (%u bursts over %d us left out as preempted):\n",
	       o->runs, preempted, BENCH_PREEMPTED_US);
	printf("  tls, worker's calls only  %9.0f /s  (%5.0f cycles/connection, %.1f frames in, "
	       "%.1f out) (target >= 250000)\n", bench_median(worker, o->runs),
	       bench_median(cycles, o->runs), c.frames_in, c.frames_out);
	printf("  tls, harness included     %9.0f /s\n", bench_median(wall, o->runs));
	return 0;
}

static int bench_hello_mem(const struct bench_env *env, const struct bench_tls_bytes *tb,
			   const struct bench_opts *o, double spliced)
{
	struct bench_hello_mem h;
	char err[512];
	int rc;

	rc = bench_hello_mem_run(BENCH_DEV, env->port_id, &env->mac, env->pool, tb, o->hello_flows,
				 &h, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tlslb-bench-dp: HELLO memory: %s\n", err);
		return rc;
	}
	printf("\nmemory per tls flow in HELLO (%u flows, each holding 100 hello bytes):\n",
	       o->hello_flows);
	printf("  hello buffers allocated   %7.1f B/flow  (pool counter %.1f B/flow)\n", h.held,
	       (double)h.pool_used / o->hello_flows);
	printf("  handshake context         %7zu B/flow  (preallocated, %u of them)\n", h.hsctx,
	       h.n_hsctx);
	printf("  HELLO in all              %7.1f B/flow  (spliced flow at %u flows + context + "
	       "buffer)\n", spliced + (double)h.hsctx + h.held, o->flows[o->n_sizes - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench_dut duts[2][BENCH_MAX_SIZES];
	static double rates[2][BENCH_MAX_SIZES][BENCH_MAX_RUNS], bare_rates[BENCH_MAX_RUNS];
	static double ratios[2][BENCH_MAX_SIZES][BENCH_MAX_RUNS];
	static double tls_l4[BENCH_MAX_SIZES][BENCH_MAX_RUNS];
	static const char *const kind_name[2] = { "l4 ", "tls" };
	struct bench_mem mem[2][BENCH_MAX_SIZES][3];
	struct bench_tls_bytes tb;
	struct bench_opts o;
	struct bench_env env;
	struct bench_bare bare;
	struct bench_gen gen_bare;
	double min_delivered = 1.0, ghz, mpps, spliced_mem = 0;
	unsigned preempted = 0, kinds;
	bool lost = false;
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
		fprintf(stderr, "usage: tlslb-bench-dp [EAL args] -- [--mode l4|tls] "
				"[--flows N[,N...]] [--runs R] [--seconds S] [--direction both|c2s] "
				"[--cps N] [--hello-flows N] [--callgrind bare|l4|tls [--iterations N]]\n");
		rte_eal_cleanup();
		return 2;
	}
	kinds = o.tls ? 2 : 1;
	memset(&env, 0, sizeof(env));
	rc = bench_env_open(&env, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tlslb-bench-dp: %s\n", err);
		goto out;
	}
	if (o.tls && bench_tls_bytes_get(&tb) != 0) {
		fprintf(stderr, "tlslb-bench-dp: tlsgen could not record a handshake\n");
		rc = -1;
		goto out;
	}

	printf("# tlslb-bench-dp: one lcore, net_ring port, 64-byte TCP frames, %s, "
	       "%u runs of %.1f s, TSC %.2f GHz\n",
	       o.both_directions ? "both directions alternating" : "client to server only",
	       o.runs, o.seconds, (double)rte_get_tsc_hz() / 1e9);
	for (unsigned s = 0; s < o.n_sizes; s++)
		for (unsigned k = 0; k < kinds; k++) {
			rc = bench_dut_setup(&duts[k][s], &env, o.flows[s], k ? &tb : NULL,
					     mem[k][s], err, sizeof(err));
			if (rc != 0)
				goto out;
		}

	memset(&bare, 0, sizeof(bare));
	bare.port_id = env.port_id;
	/* The bare forwarder is fed the same frames as the largest table. */
	bench_gen_init(&gen_bare, env.rx, env.tx, env.pool, &env.mac,
		       duts[0][o.n_sizes - 1].backend_of, o.flows[o.n_sizes - 1], o.both_directions);
	bench_measure(&gen_bare, bench_iter_bare, bench_tx_bare, &bare, BENCH_WARMUP_S);
	for (unsigned s = 0; s < o.n_sizes; s++)
		for (unsigned k = 0; k < kinds; k++) {
			struct bench_gen g;

			bench_gen_init(&g, env.rx, env.tx, env.pool, &env.mac, duts[k][s].backend_of,
				       o.flows[s], o.both_directions);
			bench_measure(&g, bench_iter_dut, bench_tx_dut, &duts[k][s].loop,
				      BENCH_WARMUP_S);
		}

	if (o.callgrind) {
		struct bench_gen g;
		unsigned k = strcmp(o.callgrind, "tls") == 0;

		if (strcmp(o.callgrind, "bare") == 0) {
			rc = bench_count(&gen_bare, bench_iter_bare, bench_tx_bare, &bare,
					 o.iterations, "bare", o.flows[o.n_sizes - 1]);
		} else {
			bench_gen_init(&g, env.rx, env.tx, env.pool, &env.mac, duts[k][0].backend_of,
				       o.flows[0], o.both_directions);
			rc = bench_count(&g, bench_iter_dut, bench_tx_dut, &duts[k][0].loop,
					 o.iterations, o.callgrind, o.flows[0]);
		}
		goto out;
	}

	/* Interleaved, so that drift (turbo, neighbours) hits every figure alike. */
	for (unsigned r = 0; r < o.runs; r++) {
		struct bench_rate b = bench_measure(&gen_bare, bench_iter_bare, bench_tx_bare, &bare,
						    o.seconds);

		bare_rates[r] = b.mpps;
		preempted += b.preempted;
		printf("run %u: bare %.2f Mpps", r + 1, b.mpps);
		for (unsigned s = 0; s < o.n_sizes; s++) {
			for (unsigned k = 0; k < kinds; k++) {
				struct bench_gen g;
				struct bench_rate t;

				bench_gen_init(&g, env.rx, env.tx, env.pool, &env.mac,
					       duts[k][s].backend_of, o.flows[s], o.both_directions);
				t = bench_measure(&g, bench_iter_dut, bench_tx_dut, &duts[k][s].loop,
						  o.seconds);
				rates[k][s][r] = t.mpps;
				ratios[k][s][r] = b.mpps > 0 ? t.mpps / b.mpps : 0;
				preempted += t.preempted;
				if (t.delivered < min_delivered)
					min_delivered = t.delivered;
				printf(", %s %u flows %.2f Mpps (%.1f%%, %.4f forwarded)", kind_name[k],
				       o.flows[s], t.mpps, 100 * ratios[k][s][r], t.delivered);
			}
			if (kinds == 2)
				tls_l4[s][r] = rates[0][s][r] > 0 ? rates[1][s][r] / rates[0][s][r] : 0;
		}
		printf("\n");
	}

	printf("\nmedian of %u runs (%u iterations over %d us left out as preempted):\n", o.runs,
	       preempted, BENCH_PREEMPTED_US);
	ghz = (double)rte_get_tsc_hz() / 1e9;
	mpps = bench_median(bare_rates, o.runs);
	printf("  bare forwarder (rx, swap MACs, tx)   %8.2f Mpps  (%4.0f cycles/packet)\n", mpps,
	       mpps > 0 ? ghz * 1e3 / mpps : 0);
	for (unsigned s = 0; s < o.n_sizes; s++)
		for (unsigned k = 0; k < kinds; k++) {
			mpps = bench_median(rates[k][s], o.runs);
			printf("  %s, %8u established flows  %8.2f Mpps  (%4.0f cycles/packet) = %5.1f%% "
			       "of bare (target >= %s)",
			       kind_name[k], o.flows[s], mpps, mpps > 0 ? ghz * 1e3 / mpps : 0,
			       100 * bench_median(ratios[k][s], o.runs), k ? "45%" : "50%");
			if (k == 1)
				printf(", %5.1f%% of l4", 100 * bench_median(tls_l4[s], o.runs));
			printf("\n");
		}
	printf("\ntimers: one dp_worker_tick() without traffic (paid once per loop iteration):\n");
	for (unsigned s = 0; s < o.n_sizes; s++)
		for (unsigned k = 0; k < kinds; k++)
			printf("  %s, %8u flows: %6.0f cycles\n", kind_name[k], o.flows[s],
			       bench_dut_tick_cycles(&duts[k][s], 100000));
	printf("\nmemory per established flow (DPDK heap + libc heap + flow tables mapped apart, table sized to the flows):\n");
	for (unsigned s = 0; s < o.n_sizes; s++)
		for (unsigned k = 0; k < kinds; k++) {
			double all = bench_mem_per(&mem[k][s][0], &mem[k][s][2], o.flows[s]);

			printf("  %s %8u flows: %7.1f B/flow  (tables %.1f B/flow, opening the flows "
			       "%.1f B/flow) (target <= %s)\n",
			       kind_name[k], o.flows[s], all,
			       bench_mem_per(&mem[k][s][0], &mem[k][s][1], o.flows[s]),
			       bench_mem_per(&mem[k][s][1], &mem[k][s][2], o.flows[s]),
			       k ? "160" : "128");
			if (k == 1)
				spliced_mem = all; /* the largest table: fixed costs amortised */
		}
	if (o.n_sizes >= 2 && o.flows[o.n_sizes - 1] > o.flows[0]) {
		/* two table sizes separate what each flow adds from what any table costs */
		uint32_t n0 = o.flows[0], n1 = o.flows[o.n_sizes - 1];

		for (unsigned k = 0; k < kinds; k++) {
			double b0 = bench_mem_per(&mem[k][0][0], &mem[k][0][2], 1);
			double b1 = bench_mem_per(&mem[k][o.n_sizes - 1][0], &mem[k][o.n_sizes - 1][2], 1);
			double per = (b1 - b0) / (double)(n1 - n0);

			printf("  %s marginal (%u to %u flows): %.1f B/flow, fixed %.1f MB\n", kind_name[k],
			       n0, n1, per, (b0 - per * n0) / 1e6);
		}
	}
	/* a rate over packets that were lost is no rate: the run fails */
	lost = min_delivered < 0.999;
	if (lost) {
		printf("\nFAILED: tlslb forwarded only %.2f%% of what it received; its counters:\n",
		       100 * min_delivered);
		for (unsigned s = 0; s < o.n_sizes; s++)
			for (unsigned k = 0; k < kinds; k++)
				bench_dut_print_stats(&duts[k][s], stdout);
	}
	rc = 0;
	if (o.tls) {
		/* the forwarding tables go first: the next figures count from a clean heap */
		for (unsigned s = 0; s < o.n_sizes; s++)
			for (unsigned k = 0; k < kinds; k++)
				if (duts[k][s].cfg)
					bench_dut_close(&duts[k][s]);
		rc = bench_hello_mem(&env, &tb, &o, spliced_mem);
		if (rc == 0 && o.cps_conns)
			rc = bench_cps(&env, &tb, &o);
	}
out:
	for (unsigned s = 0; s < o.n_sizes && s < BENCH_MAX_SIZES; s++)
		for (unsigned k = 0; k < 2; k++)
			if (duts[k][s].cfg)
				bench_dut_close(&duts[k][s]);
	if (o.tls)
		bench_tls_bytes_free();
	if (env.pool)
		bench_env_close(&env);
	rte_eal_cleanup();
	return rc || lost ? 1 : 0;
}
