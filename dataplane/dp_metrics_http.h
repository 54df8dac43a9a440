/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A tiny HTTP/1.0 server for `GET /metrics`, so a Prometheus server scrapes
 * tlslb directly (pull, as Prometheus expects: fresh values at scrape time,
 * `up` tells whether tlslb answers) without a CLI run or node_exporter.
 *
 * It listens on a kernel TCP socket (a management address, never a DPDK
 * port) and runs inside the control thread's loop: every step is a bounded,
 * non-blocking poll, so a slow or hostile client costs at most one of
 * DP_METRICS_HTTP_CLIENTS slots for DP_METRICS_HTTP_TIMEOUT_MS, and when all
 * are taken the oldest one that has not sent its request gives way to a new
 * connection (idle connections cannot lock a scraper out). Requests are
 * capped at DP_METRICS_HTTP_REQ_MAX bytes; one request per connection
 * (`Connection: close`). Only GET and HEAD of /metrics (404 elsewhere).
 *
 * Single-threaded: the thread that calls dp_metrics_http_poll() must be the
 * view's control thread.
 */
#ifndef DP_METRICS_HTTP_H
#define DP_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct dp_view;
struct dp_metrics_http;

#define DP_METRICS_HTTP_CLIENTS 8
#define DP_METRICS_HTTP_REQ_MAX 2048
#define DP_METRICS_HTTP_TIMEOUT_MS 5000

/**
 * Listen on @p addr ("IP:PORT", "[IPv6]:PORT"; port 0 picks a free one).
 * @return the listener, or NULL with errno set and a reason in @p err
 */
struct dp_metrics_http *dp_metrics_http_create(struct dp_view *v, const char *addr, char *err,
					       size_t err_len);
void dp_metrics_http_free(struct dp_metrics_http *h);

/** The port it listens on (host order), useful after port 0. */
uint16_t dp_metrics_http_port(const struct dp_metrics_http *h);

/**
 * One step: wait up to @p timeout_ms (0: do not wait) for activity, then
 * accept, read, answer and close what is ready.
 * @return 0, or a negative errno when poll() itself failed
 */
int dp_metrics_http_poll(struct dp_metrics_http *h, int timeout_ms);

#endif /* DP_METRICS_HTTP_H */
