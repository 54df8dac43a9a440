/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-bench-tlsparse: what tlsp_client_hello_parse() costs per ClientHello,
 * beside the cost of one plain pass over the same bytes (a byte sum), measured
 * in the same run. The target is parse <= 3x the plain pass.
 *
 *   tlslb-bench-tlsparse [--iterations N] [--repeats R]
 *	nanoseconds: the median over R timed loops of N calls each
 *   tlslb-bench-tlsparse --callgrind CASE [--iterations N]
 *	runs only CASE, N parses then N sums, for instruction counts:
 *
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_parse_once \
 *	--callgrind-out-file=cg.parse tlslb-bench-tlsparse --callgrind browser13 --iterations 1000
 *
 * gives in cg.parse a "totals:" line of the instructions of 1000 parses (use
 * --toggle-collect=bench_sum_once for the sums). tools/bench/run does this for
 * every case and prints the table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include "bench_hello.h"
#include "tlsgen.h"
#include "tlsp_client.h"

#define TARGET_RATIO 3.0
#define DEFAULT_ITERATIONS 20000u
#define DEFAULT_CALLGRIND_ITERATIONS 1000u
#define DEFAULT_REPEATS 11u
#define MAX_REPEATS 101u
#define BROWSER_HELLO_CAP 4096u

/*
 * Kept out of line, and not cloned, so that callgrind can toggle on their
 * names; cache-line aligned, because a loop that happens to straddle a line
 * runs up to twice slower and would make the figures depend on link layout.
 */
#if defined(__clang__)
#define BENCH_MEASURED __attribute__((noinline, aligned(64)))
#else
#define BENCH_MEASURED __attribute__((noipa, aligned(64)))
#endif

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "an unknown compiler"
#endif

struct bench_case {
	const char *name;
	const char *description;
	int (*make)(struct bench_case *c);
	unsigned want_records;
	uint8_t *data; /* the hello's records, nothing after them */
	size_t len;
	struct tlsp_client_hello hello;
};

static uint8_t scratch[TLSP_SCRATCH_SIZE];
static const struct tlsp_client_opts parse_opts = {
	.scratch = scratch,
	.scratch_len = sizeof(scratch),
};
static volatile uint32_t sink;

static BENCH_MEASURED void
bench_parse_once(const struct bench_case *c)
{
	struct tlsp_client_hello hello;
	enum tlsp_status st;
	size_t need;

	st = tlsp_client_hello_parse(c->data, c->len, &parse_opts, &hello, &need, NULL);
	sink = (uint32_t)st + hello.n_extensions;
}

static BENCH_MEASURED void
bench_sum_once(const struct bench_case *c)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < c->len; i++)
		sum += c->data[i];
	sink = sum;
}

/* Keep the first @len bytes of a tlsgen stream: the hello's records. */
static int
take_hello(struct bench_case *c, const struct tlsgen_params *params)
{
	struct tlsgen_result result;
	int ret;

	ret = tlsgen_run(params, &result);
	if (ret < 0)
		return ret;
	c->len = result.client_hello_len;
	c->data = malloc(c->len);
	if (!c->data) {
		ret = -ENOMEM;
	} else {
		memcpy(c->data, result.client.data, c->len);
		ret = 0;
	}
	tlsgen_result_free(&result);
	return ret;
}

/* OpenSSL's TLS 1.2-only hello, no SNI: the smallest a real client sends. */
static int
make_tls12_small(struct bench_case *c)
{
	const struct tlsgen_params params = {
		.min_version = TLS1_2_VERSION,
		.max_version = TLS1_2_VERSION,
	};

	return take_hello(c, &params);
}

static int
make_browser(struct bench_case *c, bool pq_share)
{
	const struct bench_hello_params params = {
		.sni = "www.example.com",
		.pq_share = pq_share,
		.seed = 0x7115u,
	};

	c->data = malloc(BROWSER_HELLO_CAP);
	if (!c->data)
		return -ENOMEM;
	c->len = bench_browser_hello(c->data, BROWSER_HELLO_CAP, &params);
	return c->len ? 0 : -ENOBUFS;
}

static int
make_browser13(struct bench_case *c)
{
	return make_browser(c, true);
}

static int
make_browser13_classic(struct bench_case *c)
{
	return make_browser(c, false);
}

/*
 * A resuming TLS 1.3 hello with an ffdhe8192 key share, cut into two records:
 * record it once whole to learn its size, then again with a fragment limit
 * that puts it in exactly two.
 */
static int
make_two_records(struct bench_case *c)
{
	struct tlsgen_params params = {
		.tickets = true,
		.resume = true,
		.client_groups = "ffdhe8192:x25519",
		.sni = "two-records.bench.example.test",
		.alpn = "h2,http/1.1",
	};
	size_t msg_len;
	int ret;

	ret = take_hello(c, &params);
	if (ret < 0)
		return ret;
	msg_len = c->len - 5;
	free(c->data);
	c->data = NULL;
	params.max_fragment = (unsigned)((msg_len + 1) / 2 + 16);
	if (params.max_fragment < 512 || params.max_fragment >= msg_len)
		return -ERANGE;
	return take_hello(c, &params);
}

static struct bench_case cases[] = {
	{ "tls12-small", "OpenSSL TLS 1.2-only hello, no SNI", make_tls12_small, 1 },
	{ "browser13", "Chrome-shaped TLS 1.3 hello, GREASE, ECH GREASE, X25519Kyber768 share",
	  make_browser13, 1 },
	{ "browser13-classic", "the same without the post-quantum share", make_browser13_classic,
	  1 },
	{ "two-records", "OpenSSL TLS 1.3 resumption, ffdhe8192 share, in two records",
	  make_two_records, 2 },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Build a case and check that the parser takes the path the benchmark means to time. */
static int
prepare(struct bench_case *c)
{
	enum tlsp_reason reason = TLSP_R_NONE;
	enum tlsp_status st;
	size_t need;
	int ret;

	ret = c->make(c);
	if (ret < 0) {
		fprintf(stderr, "bench: %s: cannot build the hello: %s\n", c->name, strerror(-ret));
		return ret;
	}
	st = tlsp_client_hello_parse(c->data, c->len, &parse_opts, &c->hello, &need, &reason);
	if (st != TLSP_OK) {
		fprintf(stderr, "bench: %s: parse says %s (%s)\n", c->name, tlsp_status_name(st),
			tlsp_reason_name(reason));
		return -EINVAL;
	}
	if (c->hello.consumed != c->len || c->hello.n_records != c->want_records) {
		fprintf(stderr, "bench: %s: %u records over %zu of %zu bytes, wanted %u records\n",
			c->name, c->hello.n_records, c->hello.consumed, c->len, c->want_records);
		return -EINVAL;
	}
	return 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
time_loop(void (*op)(const struct bench_case *), const struct bench_case *c, unsigned iterations)
{
	uint64_t start = now_ns();

	for (unsigned i = 0; i < iterations; i++)
		op(c);
	return (double)(now_ns() - start) / iterations;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Parse and sum loops alternate, so that a change of clock speed hits both alike. */
static void
measure(const struct bench_case *c, unsigned iterations, unsigned repeats, double *parse_ns,
	double *sum_ns)
{
	double parse[MAX_REPEATS], sum[MAX_REPEATS];

	time_loop(bench_parse_once, c, iterations); /* warm caches and branch predictors */
	time_loop(bench_sum_once, c, iterations);
	for (unsigned r = 0; r < repeats; r++) {
		parse[r] = time_loop(bench_parse_once, c, iterations);
		sum[r] = time_loop(bench_sum_once, c, iterations);
	}
	*parse_ns = median(parse, repeats);
	*sum_ns = median(sum, repeats);
}

static int
run_timed(unsigned iterations, unsigned repeats)
{
	unsigned over = 0;

	printf("tlslb-bench-tlsparse: median of %u loops of %u calls; plain pass = byte sum over "
	       "the same bytes\n",
	       repeats, iterations);
	/* Whether the compiler vectorised the byte sum changes the baseline tenfold. */
	printf("compiled by %s\n", COMPILER);
	printf("%-18s %6s %7s %10s %9s %7s  %s\n", "case", "bytes", "records", "parse ns",
	       "plain ns", "ratio", "target <= 3x");
	for (size_t i = 0; i < N_CASES; i++) {
		const struct bench_case *c = &cases[i];
		double parse_ns, sum_ns, ratio;

		measure(c, iterations, repeats, &parse_ns, &sum_ns);
		ratio = parse_ns / sum_ns;
		if (ratio > TARGET_RATIO)
			over++;
		printf("%-18s %6zu %7u %10.1f %9.1f %7.2f  %s\n", c->name, c->len,
		       c->hello.n_records, parse_ns, sum_ns, ratio,
		       ratio <= TARGET_RATIO ? "met" : "OVER");
	}
	if (over)
		printf("%u of %zu cases over the 3x target\n", over, N_CASES);
	else
		printf("all %zu cases within the 3x target\n", N_CASES);
	return 0;
}

static struct bench_case *
find_case(const char *name)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: tlslb-bench-tlsparse [--iterations N] [--repeats R]\n"
		     "       tlslb-bench-tlsparse --callgrind CASE [--iterations N]\n"
		     "       tlslb-bench-tlsparse --list\n"
		     "cases:\n");
	for (size_t i = 0; i < N_CASES; i++)
		fprintf(out, "  %-18s %s\n", cases[i].name, cases[i].description);
}

static bool
parse_count(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

int
main(int argc, char **argv)
{
	unsigned iterations = 0, repeats = DEFAULT_REPEATS;
	const char *callgrind_case = NULL;
	struct bench_case *only = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--list") == 0) {
			for (size_t k = 0; k < N_CASES; k++)
				printf("%s\n", cases[k].name);
			return 0;
		} else if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(opt, "--iterations") == 0 && arg &&
			   parse_count(arg, 100000000u, &iterations)) {
			i++;
		} else if (strcmp(opt, "--repeats") == 0 && arg &&
			   parse_count(arg, MAX_REPEATS, &repeats)) {
			i++;
		} else if (strcmp(opt, "--callgrind") == 0 && arg) {
			callgrind_case = arg;
			i++;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (callgrind_case) {
		only = find_case(callgrind_case);
		if (!only) {
			fprintf(stderr, "bench: no case %s\n", callgrind_case);
			usage(stderr);
			return 2;
		}
	}

	for (size_t k = 0; k < N_CASES; k++)
		if ((!only || only == &cases[k]) && prepare(&cases[k]) < 0)
			return 1;

	if (only) {
		if (!iterations)
			iterations = DEFAULT_CALLGRIND_ITERATIONS;
		for (unsigned n = 0; n < iterations; n++)
			bench_parse_once(only);
		for (unsigned n = 0; n < iterations; n++)
			bench_sum_once(only);
		printf("%s: %zu bytes, %u parses and %u sums\n", only->name, only->len, iterations,
		       iterations);
		return 0;
	}
	return run_timed(iterations ? iterations : DEFAULT_ITERATIONS, repeats);
}
