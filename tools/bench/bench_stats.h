/* SPDX-License-Identifier: BSD-3-Clause */
/* Statistics the benchmark programs share. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

/* Median of @n (> 0) values; sorts @v in place. */
double bench_median(double *v, unsigned n);

#endif /* BENCH_STATS_H */
