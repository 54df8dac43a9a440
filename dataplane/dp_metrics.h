/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Prometheus text exposition (format 0.0.4) of every counter and gauge of
 * the view (dp_view_walk()): `# HELP` and `# TYPE` before each family,
 * counters named `..._total`, label values escaped (\\, \", \n).
 *
 * Served by `show metrics` and by dp_metrics_http.h, for a Prometheus server
 * that scrapes without the CLI.
 */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include <stddef.h>

struct dp_view;

/** Content-Type of the exposition. */
#define DP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/**
 * Render the exposition. Control thread (or with dp_view_lock() held).
 * @param out, len  receive a malloc'ed, NUL-terminated text and its length
 * @return 0 or -ENOMEM
 */
int dp_metrics_render(struct dp_view *v, char **out, size_t *len);

#endif /* DP_METRICS_H */
