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
 *
 * Then the two numbers behind that: the latency of one random line over the
 * --mb region (a pointer chase, one load at a time), and the cycles per load
 * of 1 to 32 such chases walked side by side. Where adding chases stops
 * helping, the machine has that many misses in flight; latency / that many
 * is the least a random line can cost, however well it is prefetched.
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

/* The chase pointer: word 1 of each line (word 0 serves probe_second()). */
static inline uint32_t *chase_word(const struct probe *p, uint64_t line)
{
	return (uint32_t *)(void *)(p->mem + line * LINE) + 1;
}

/* Link every line of @p into one random cycle. */
static int chase_link(struct probe *p)
{
	uint32_t *perm = malloc(p->lines * sizeof(*perm));

	if (perm == NULL)
		return -1;
	for (size_t i = 0; i < p->lines; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = p->lines - 1; i > 0; i--) {
		size_t j = probe_mix(i ^ 0x5bd1e995) % (i + 1);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < p->lines; i++)
		*chase_word(p, perm[i]) = perm[(i + 1) % p->lines];
	free(perm);
	return 0;
}

#define CHASE_MAX 32

/* Cycles per load of @k chases walked side by side, @loads loads in all;
 * chase c starts a fraction c/k of the way around the cycle. */
static double chase_run(struct probe *p, unsigned k, unsigned loads)
{
	uint32_t at[CHASE_MAX];
	uint64_t t0, sum = 0;
	unsigned steps = loads / k;

	at[0] = 0;
	for (unsigned c = 1; c < k; c++) {
		at[c] = at[c - 1];
		for (size_t n = 0; n < p->lines / k; n++)
			at[c] = *chase_word(p, at[c]);
	}
	t0 = rte_rdtsc();
	for (unsigned s = 0; s < steps; s++)
		for (unsigned c = 0; c < k; c++)
			at[c] = *chase_word(p, at[c]);
	t0 = rte_rdtsc() - t0;
	for (unsigned c = 0; c < k; c++)
		sum += at[c];
	p->sink = (uint32_t)sum;
	return (double)t0 / ((double)steps * k);
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
	if (chase_link(&big) < 0) {
		perror("malloc");
		return 1;
	}
	{
		static const unsigned ks[] = { 1, 2, 4, 8, 16, 32 };
		double one = 0, widest = 0;

		printf("\n# random lines over %zu MB, loads one after the other (pointer chases): "
		       "cycles per load\n", big_mb);
		for (unsigned i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
			double c = chase_run(&big, ks[i], 2000000);

			if (ks[i] == 1)
				one = c;
			widest = c;
			printf("%2u chase%s side by side: %6.1f cycles/load\n", ks[i],
			       ks[i] == 1 ? " " : "s", c);
		}
		/* a count of misses only where the region is well beyond the caches */
		printf("latency %.0f cycles; at 32 chases %.1f cycles a line: %.0f loads in "
		       "flight\n", one, widest, one / widest);
	}
	munmap(small.mem, small.lines * LINE);
	munmap(big.mem, big.lines * LINE);
	return 0;
}
