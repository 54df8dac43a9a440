/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What random memory costs on this machine, whatever tlslb does with it.
 *
 *   tlslb-bench-memprobe [--mb N] [--work W] [--bursts B]
 *
 * A packet of an established flow at a million flows reads two random cache
 * lines from a table of about 96 MB (its bucket, then the record the bucket
 * names), and tlslb requests both well ahead (dp_worker.c). This program
 * does the same with no packets: per element of a burst of 32, a random
 * line, then a second line that the first one's contents name, each
 * prefetched as far ahead as tlslb does it, plus W units of made-up work.
 * It runs over a region that fits in L2 (1 MB) and over an --mb region (96 MB
 * by default), and prints the cycles per element of each and their
 * difference: what the memory adds per element once prefetching has done
 * all it can. On a machine where prefetches overlap fully with the work,
 * that difference is near zero while the work is longer than the memory
 * latency divided by the misses in flight.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_prefetch.h>

#include "bench_stats.h"

#define LINE 64
#define BURST 32
#define LAG 12   /* first line read this many elements after its prefetch */
#define AHEAD 16 /* second line requested this many elements before its use */

struct probe {
	uint8_t *mem;
	size_t lines;
	unsigned work;
	uint64_t seed;
	volatile uint32_t sink;
};

static inline uint64_t probe_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static inline const uint32_t *probe_line(const struct probe *p, uint64_t i)
{
	return (const uint32_t *)(const void *)(p->mem + i * LINE);
}

/* Stands for the per-packet work: a dependent chain the prefetches can hide behind. */
static inline void probe_work(struct probe *p, uint32_t v)
{
	for (unsigned i = 0; i < p->work; i++)
		v = v * 2654435761u + i;
	p->sink = v;
}

/* Second line: named by the first line's contents, as a bucket names a record. */
static inline uint64_t probe_second(const struct probe *p, uint64_t first)
{
	return (first + *probe_line(p, first)) % p->lines;
}

static void probe_burst(struct probe *p, unsigned depth)
{
	uint64_t first[BURST], second[BURST];
	unsigned done = 0, i;

	for (i = 0; i < BURST; i++) {
		first[i] = probe_mix(p->seed++) % p->lines;
		rte_prefetch0(probe_line(p, first[i]));
		if (depth == 2 && i >= LAG) {
			second[done] = probe_second(p, first[done]);
			rte_prefetch0(probe_line(p, second[done]));
			done++;
		}
		probe_work(p, (uint32_t)i);
	}
	for (i = 0; i < BURST; i++) {
		uint64_t use = first[i];

		if (depth == 2) {
			for (; done < BURST && done < i + 1 + AHEAD; done++) {
				second[done] = probe_second(p, first[done]);
				rte_prefetch0(probe_line(p, second[done]));
			}
			use = second[i];
		}
		probe_work(p, *probe_line(p, use));
	}
}

static double probe_run(struct probe *p, unsigned depth, unsigned bursts)
{
	uint64_t t0 = rte_rdtsc();

	for (unsigned b = 0; b < bursts; b++)
		probe_burst(p, depth);
	return (double)(rte_rdtsc() - t0) / ((double)bursts * BURST);
}

static int probe_map(struct probe *p, size_t bytes)
{
	p->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->mem == MAP_FAILED)
		return -1;
	/* as the flow table does without hugepages (dp_flow.c) */
	madvise(p->mem, bytes, MADV_HUGEPAGE);
	p->lines = bytes / LINE;
	for (size_t i = 0; i < p->lines; i++)
		*(uint32_t *)(void *)(p->mem + i * LINE) = (uint32_t)probe_mix(i);
	return 0;
}

int main(int argc, char **argv)
{
	size_t big_mb = 96, small_mb = 1;
	unsigned work = 20, bursts = 100000, reps = 5;
	struct probe small = { 0 }, big = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--mb") == 0 && arg)
			big_mb = strtoul(arg, NULL, 10);
		else if (strcmp(argv[i], "--work") == 0 && arg)
			work = (unsigned)strtoul(arg, NULL, 10);
		else if (strcmp(argv[i], "--bursts") == 0 && arg)
			bursts = (unsigned)strtoul(arg, NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--mb N] [--work W] [--bursts B]\n", argv[0]);
			return 2;
		}
		i++;
	}
	if (big_mb < 2 || bursts == 0) {
		fprintf(stderr, "%s: --mb must be at least 2, --bursts at least 1\n", argv[0]);
		return 2;
	}
	if (probe_map(&small, small_mb << 20) < 0 || probe_map(&big, big_mb << 20) < 0) {
		perror("mmap");
		return 1;
	}
	printf("# random cache lines per element, prefetched as tlslb does; TSC cycles, medians "
	       "of %u runs of %u bursts of %u\n",
	       reps, bursts, BURST);
	for (unsigned depth = 1; depth <= 2; depth++) {
		for (unsigned w = 0; w <= 1; w++) {
			double s[5], b[5], ms, mb;

			small.work = big.work = w ? work : 0;
			for (unsigned r = 0; r < reps; r++) {
				s[r] = probe_run(&small, depth, bursts);
				b[r] = probe_run(&big, depth, bursts);
			}
			ms = bench_median(s, reps);
			mb = bench_median(b, reps);

			printf("%u line%s, work %2u: %4zu MB %6.1f cycles/element, %3zu MB %6.1f, "
			       "memory adds %6.1f\n",
			       depth, depth == 1 ? " " : "s", small.work, small_mb, ms, big_mb, mb,
			       mb - ms);
		}
	}
	munmap(small.mem, small.lines * LINE);
	munmap(big.mem, big.lines * LINE);
	return 0;
}
