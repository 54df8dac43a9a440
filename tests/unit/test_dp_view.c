/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the operator sees: the query handlers of dp_view over a worker that
 * carried real flows (dp_worker_rx), the baseline of `clear counters`, the
 * Prometheus text (parsed line by line), and the /metrics listener.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_log.h>
#include <rte_version.h>

#include "cp_ctl.h"
#include "cp_queries.h"
#include "dp_learn.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_metrics_http.h"
#include "dp_test_util.h"
#include "dp_view.h"

#define SYN 0x02
#define SVC0 "10.0.0.100:443"
#define SVC2 "10.0.0.102:443"
#define N_FLOWS 10u

struct fixture {
	struct dpt_env *env;
	struct dp_view *v;
	struct cp_ctl_ops ops;
};

/* Service 2 in mode tls: its learned tables exist. */
static void tweak(struct cp_config *c)
{
	c->services[2].mode = CP_MODE_TLS;
	snprintf(c->backends[0].name, sizeof(c->backends[0].name), "s1");
	snprintf(c->backends[1].name, sizeof(c->backends[1].name), "s2");
}

static void open_flows(struct fixture *f, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		struct dpt_frame syn = { .src = "10.0.0.50", .dst = "10.0.0.100",
					 .sport = (uint16_t)(20000 + i), .dport = 443,
					 .flags = SYN };

		dpt_rx_frame(f->env, 0, &syn);
	}
	assert_int_equal(dpt_flush(f->env), n);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	dpt_eal_init();
	f->env = dpt_env_new(tweak, 1);
	f->v = dp_view_create(f->env->sh, NULL, err, sizeof(err));
	assert_non_null(f->v);
	dp_view_refresh(f->v, &f->env->cfg);
	dp_view_hooks(f->v, &f->ops);
	open_flows(f, 0, N_FLOWS);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dp_view_free(f->v);
	dpt_env_delete(f->env);
	free(f);
	return 0;
}

/* The running config the handlers are given; NULL: the environment's. */
static const struct cp_config *running;

/* Run query @q; returns the rendered text (caller frees) and the rows of the
 * reply's last table. */
static char *query(struct fixture *f, enum cp_query q, const struct cp_args *a, int *rc,
		   unsigned *rows)
{
	static const struct cp_args none;
	struct cp_reply *r = cp_reply_new();
	char ebuf[256] = "";
	struct cp_err e = { ebuf, sizeof(ebuf) };
	char *text = NULL;
	size_t len;

	assert_non_null(r);
	assert_non_null(f->ops.query[q].fn);
	*rc = f->ops.query[q].fn(f->ops.query[q].ctx, running ? running : &f->env->cfg,
				 a ? a : &none, r, &e);
	if (rows)
		*rows = cp_reply_rows(r);
	if (*rc == 0) {
		char *json;

		/* built right: the JSON rendering accepts it too */
		assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &json, &len), 0);
		assert_true(json[0] == '{' && json[len - 1 - (json[len - 1] == '\n')] == '}');
		free(json);
		assert_int_equal(cp_reply_render(r, CP_REPLY_TEXT, &text, &len), 0);
	} else
		text = strdup(ebuf);
	cp_reply_free(r);
	if (getenv("TEST_DP_VIEW_PRINT") != NULL) /* to look at the output */
		fprintf(stderr, "--- query %d: %d\n%s\n", (int)q, *rc, text);
	return text;
}

/* Whitespace-separated words of one line. */
static unsigned words(const char *line, size_t n, char w[][80], unsigned max)
{
	unsigned k = 0;
	size_t i = 0;

	while (i < n && k < max) {
		size_t s;

		while (i < n && isspace((unsigned char)line[i]))
			i++;
		s = i;
		while (i < n && !isspace((unsigned char)line[i]))
			i++;
		if (i > s) {
			snprintf(w[k], 80, "%.*s", (int)(i - s), line + s);
			k++;
		}
	}
	return k;
}

static int index_of(char w[][80], unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(w[i], name) == 0)
			return (int)i;
	return -1;
}

/*
 * Over the table whose header names @key_col and @col: the sum of @col over
 * the rows whose @key_col equals @key_val (NULL: every row); @rows receives
 * how many matched.
 */
static uint64_t column_sum(const char *text, const char *key_col, const char *key_val,
			   const char *col, unsigned *rows)
{
	char w[CP_REPLY_COLS_MAX + 2][80];
	const char *p = text;
	int ki = -1, ci = -1;
	uint64_t sum = 0;

	*rows = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		unsigned k = words(p, n, w, CP_REPLY_COLS_MAX + 2);

		if (ci >= 0) {
			if (k == 0)
				break;
			if ((int)k > ci && (int)k > ki &&
			    (key_val == NULL || strcmp(w[ki], key_val) == 0)) {
				sum += strtoull(w[ci], NULL, 10);
				(*rows)++;
			}
		} else if ((ki = index_of(w, k, key_col)) >= 0 && (ci = index_of(w, k, col)) >= 0) {
			/* the header: rows follow */
		} else {
			ki = ci = -1;
		}
		p += n + (nl != NULL);
	}
	assert_true(ci >= 0);
	return sum;
}

static uint64_t cell_u64(const char *text, const char *key_col, const char *key_val,
			 const char *col)
{
	unsigned rows;
	uint64_t v = column_sum(text, key_col, key_val, col, &rows);

	assert_int_equal(rows, 1);
	return v;
}

static void test_show_backends(void **state)
{
	struct fixture *f = *state;
	struct cp_args a = { 0 };
	unsigned rows;
	int rc;
	char *t = query(f, CP_Q_SHOW_BACKENDS, NULL, &rc, &rows);

	assert_int_equal(rc, 0);
	assert_int_equal(rows, f->env->cfg.n_backends);
	assert_int_equal(column_sum(t, "service", SVC0, "new_flows", &rows), N_FLOWS);
	assert_int_equal(rows, 2);
	assert_int_equal(column_sum(t, "service", SVC0, "active_flows", &rows), N_FLOWS);
	/* equal weights: the wrr alternates */
	assert_int_equal(cell_u64(t, "backend", "s1", "new_flows"), N_FLOWS / 2);
	assert_int_equal(cell_u64(t, "backend", "s2", "new_flows"), N_FLOWS / 2);
	assert_int_equal(cell_u64(t, "backend", "s2", "active_flows"), N_FLOWS / 2);
	assert_int_equal(column_sum(t, "service", SVC0, "packets", &rows), N_FLOWS);
	assert_non_null(strstr(t, "resumption_rate"));
	free(t);

	/* filtered to service 2: one backend, no flows */
	a.set[ARG_Q_SERVICE] = true;
	a.v[ARG_Q_SERVICE].ip.family = AF_INET;
	a.v[ARG_Q_SERVICE].ip.v4 = dpt_ip("10.0.0.102");
	a.v[ARG_Q_SERVICE].port = 443;
	t = query(f, CP_Q_SHOW_BACKENDS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 1);
	assert_int_equal(cell_u64(t, "service", SVC2, "new_flows"), 0);
	free(t);

	/* an unknown service is refused with a reason */
	a.v[ARG_Q_SERVICE].port = 444;
	t = query(f, CP_Q_SHOW_BACKENDS, &a, &rc, &rows);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(t, "no such service"));
	free(t);
}

static void test_show_services(void **state)
{
	struct fixture *f = *state;
	unsigned rows;
	int rc;
	char *t = query(f, CP_Q_SHOW_SERVICES, NULL, &rc, &rows);

	assert_int_equal(rc, 0);
	assert_int_equal(rows, f->env->cfg.n_services);
	assert_int_equal(cell_u64(t, "service", SVC0, "active_flows"), N_FLOWS);
	assert_int_equal(cell_u64(t, "service", SVC0, "backends"), 2);
	assert_non_null(strstr(t, "full")); /* service 1 is full-NAT */
	free(t);
}

static void test_show_stats(void **state)
{
	struct fixture *f = *state;
	struct cp_args a = { 0 };
	unsigned rows;
	int rc;
	char *t = query(f, CP_Q_SHOW_STATS, NULL, &rc, &rows);

	assert_int_equal(rc, 0);
	assert_int_equal(cell_u64(t, "counter", "flows_created_total", "total"), N_FLOWS);
	/* every drop reason has a row, zero or not */
	assert_int_equal(column_sum(t, "counter", "drops_total", "total", &rows), 0);
	assert_int_equal(rows, DP_DROP__COUNT);
	free(t);

	a.set[ARG_Q_STATS_LCORE] = true;
	a.v[ARG_Q_STATS_LCORE].u = 1;
	t = query(f, CP_Q_SHOW_STATS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(cell_u64(t, "counter", "flows_created_total", "worker0"), N_FLOWS);
	free(t);
}

static void flows_args(struct cp_args *a, unsigned limit)
{
	memset(a, 0, sizeof(*a));
	a->set[ARG_Q_FLOWS_LIMIT] = true;
	a->v[ARG_Q_FLOWS_LIMIT].u = limit;
}

static void test_show_flows(void **state)
{
	struct fixture *f = *state;
	struct cp_args a;
	unsigned rows, n;
	int rc;
	char *t;

	t = query(f, CP_Q_SHOW_FLOWS, NULL, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, N_FLOWS);
	(void)column_sum(t, "client", NULL, "idle_ms", &n);
	assert_int_equal(n, N_FLOWS);
	assert_non_null(strstr(t, "10.0.0.50:20003"));
	assert_null(strstr(t, "more flows"));
	free(t);

	flows_args(&a, 3);
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 3);
	assert_non_null(strstr(t, "7 more flows matched beyond the limit of 3"));
	free(t);

	/* by backend: only that backend's flows */
	flows_args(&a, 100);
	a.set[ARG_Q_FLOWS_BACKEND] = true;
	a.v[ARG_Q_FLOWS_BACKEND].ip.family = AF_INET;
	a.v[ARG_Q_FLOWS_BACKEND].ip.v4 = dpt_ip("10.1.0.11");
	a.v[ARG_Q_FLOWS_BACKEND].port = 8443;
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_true(rows > 0 && rows < N_FLOWS);
	(void)column_sum(t, "backend", "s1", "idle_ms", &n);
	assert_int_equal(n, rows);
	assert_int_equal(rows, N_FLOWS / 2);
	free(t);

	/* a client that sent nothing */
	flows_args(&a, 100);
	a.set[ARG_Q_FLOWS_CLIENT] = true;
	a.v[ARG_Q_FLOWS_CLIENT].ip.family = AF_INET;
	a.v[ARG_Q_FLOWS_CLIENT].ip.v4 = dpt_ip("10.0.0.51");
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 0);
	free(t);

	/* limit 0: nothing listed, everything counted */
	flows_args(&a, 0);
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rows, 0);
	assert_non_null(strstr(t, "10 more flows"));
	free(t);

	flows_args(&a, CP_Q_FLOWS_LIMIT_MAX + 1);
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rc, -ERANGE);
	free(t);
}

/* A mode-tls flow that has not sent its hello: listed with its service, no
 * backend yet, in phase hello. */
static void test_show_flows_tls_hello(void **state)
{
	struct fixture *f = *state;
	struct dpt_frame syn = { .src = "10.0.0.50", .dst = "10.0.0.102", .sport = 30000,
				 .dport = 443, .flags = SYN, .seq = 1000 };
	struct dpt_frame ack = syn;
	static uint8_t out[4][DPT_FRAME_MAX];
	size_t lens[4];
	struct cp_args a;
	unsigned rows, n;
	uint32_t cookie;
	int rc;
	char *t;

	dpt_rx_frame(f->env, 0, &syn);
	assert_int_equal(dpt_take(f->env, 0, out, lens, 4), 1); /* the cookie SYN-ACK */
	memcpy(&cookie, out[0] + 14 + 20 + 4, 4);
	ack.flags = 0x10;
	ack.seq = 1001;
	ack.ack = ntohl(cookie) + 1;
	dpt_rx_frame(f->env, 0, &ack);
	dpt_flush(f->env);

	flows_args(&a, 100);
	a.set[ARG_Q_FLOWS_SERVICE] = true;
	a.v[ARG_Q_FLOWS_SERVICE].ip.family = AF_INET;
	a.v[ARG_Q_FLOWS_SERVICE].ip.v4 = dpt_ip("10.0.0.102");
	a.v[ARG_Q_FLOWS_SERVICE].port = 443;
	t = query(f, CP_Q_SHOW_FLOWS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 1);
	(void)column_sum(t, "tls", "hello", "idle_ms", &n);
	assert_int_equal(n, 1);
	(void)column_sum(t, "backend", "-", "idle_ms", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(t, "10.0.0.50:30000"));
	free(t);
}

static void test_clear_counters(void **state)
{
	struct fixture *f = *state;
	const struct dp_stats *raw = dp_worker_stats(f->env->w);
	uint64_t raw_before = raw->backend[0].new_flows + raw->backend[1].new_flows;
	unsigned rows;
	int rc;
	char *t;

	assert_int_equal(raw_before, N_FLOWS);
	t = query(f, CP_Q_CLEAR_COUNTERS, NULL, &rc, &rows);
	assert_int_equal(rc, 0);
	free(t);

	t = query(f, CP_Q_SHOW_BACKENDS, NULL, &rc, &rows);
	assert_int_equal(column_sum(t, "service", SVC0, "new_flows", &rows), 0);
	assert_int_equal(column_sum(t, "service", SVC0, "packets", &rows), 0);
	/* a gauge: not cleared */
	assert_int_equal(column_sum(t, "service", SVC0, "active_flows", &rows), N_FLOWS);
	free(t);

	open_flows(f, 100, 2);
	/* the worker's own counters never went back */
	assert_int_equal(raw->backend[0].new_flows + raw->backend[1].new_flows, N_FLOWS + 2);
	t = query(f, CP_Q_SHOW_BACKENDS, NULL, &rc, &rows);
	assert_int_equal(column_sum(t, "service", SVC0, "new_flows", &rows), 2);
	assert_int_equal(column_sum(t, "service", SVC0, "active_flows", &rows), N_FLOWS + 2);
	free(t);
	t = query(f, CP_Q_SHOW_STATS, NULL, &rc, &rows);
	assert_int_equal(cell_u64(t, "counter", "flows_created_total", "total"), 2);
	free(t);
}

/* A slot handed to another backend after a clear restarts from the slot's
 * counters as dp_stats_sum() reports them (with runtime changes: zero), never
 * from the old owner's baseline. */
static void test_clear_then_slot_changes_hands(void **state)
{
	struct fixture *f = *state;
	static struct cp_config cfg;
	unsigned rows;
	int rc;
	char *t;

	dp_view_clear(f->v);
	cfg = f->env->cfg;
	cfg.backends[0].ip.v4 = dpt_ip("10.1.0.99"); /* slot 0: another backend */
	snprintf(cfg.backends[0].name, sizeof(cfg.backends[0].name), "s9");
	running = &cfg;
	t = query(f, CP_Q_SHOW_BACKENDS, NULL, &rc, &rows);
	running = NULL;
	assert_int_equal(rc, 0);
	/* the dataplane here still sums the old owner's 5 flows into slot 0 */
	assert_int_equal(cell_u64(t, "backend", "s9", "new_flows"), N_FLOWS / 2);
	assert_int_equal(cell_u64(t, "backend", "s2", "new_flows"), 0);
	free(t);
	dp_view_refresh(f->v, &f->env->cfg);
}

/* --- the Prometheus text --- */

static bool metric_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* Parse `name{l="v",...} value`; returns the name length, 0 when malformed. */
static size_t parse_sample(const char *line, size_t n)
{
	size_t i = 0, name_len;

	while (i < n && line[i] != '{' && line[i] != ' ')
		i++;
	name_len = i;
	if (!metric_name_ok(line, name_len))
		return 0;
	if (i < n && line[i] == '{') {
		i++;
		for (;;) {
			size_t s = i;

			while (i < n && line[i] != '=')
				i++;
			if (i + 1 >= n || line[i + 1] != '"' || !metric_name_ok(line + s, i - s))
				return 0;
			i += 2;
			while (i < n && line[i] != '"') {
				if (line[i] == '\\') {
					if (i + 1 >= n || !strchr("\\\"n", line[i + 1]))
						return 0;
					i++;
				}
				i++;
			}
			if (i >= n)
				return 0;
			i++;
			if (i < n && line[i] == ',') {
				i++;
				continue;
			}
			if (i < n && line[i] == '}') {
				i++;
				break;
			}
			return 0;
		}
	}
	if (i >= n || line[i] != ' ' || i + 1 >= n)
		return 0;
	for (i++; i < n; i++)
		if (!isdigit((unsigned char)line[i]))
			return 0;
	return name_len;
}

static void check_exposition(const char *text)
{
	char help[128] = "", type[128] = "", type_kind[16] = "";
	const char *p = text;
	unsigned samples = 0, families = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n;

		assert_non_null(nl); /* every line ends in \n */
		n = (size_t)(nl - p);
		if (strncmp(p, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(p + 7, "%127s", help), 1);
			assert_true(metric_name_ok(help, strlen(help)));
			families++;
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(p + 7, "%127s %15s", type, type_kind), 2);
			assert_string_equal(type, help); /* TYPE follows its HELP */
			assert_true(strcmp(type_kind, "counter") == 0 ||
				    strcmp(type_kind, "gauge") == 0);
		} else {
			size_t name_len = parse_sample(p, n);

			if (name_len == 0)
				fail_msg("bad sample line: %.*s", (int)n, p);
			/* the family was announced just before */
			assert_int_equal(name_len, strlen(type));
			assert_memory_equal(p, type, name_len);
			if (strcmp(type_kind, "counter") == 0)
				assert_memory_equal(p + name_len - 6, "_total", 6);
			samples++;
		}
		p = nl + 1;
	}
	assert_true(families > 20);
	assert_true(samples > families);
}

static void test_metrics_text(void **state)
{
	struct fixture *f = *state;
	struct cp_config cfg = f->env->cfg;
	char *text, want[256];
	size_t len;

	assert_int_equal(dp_metrics_render(f->v, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	check_exposition(text);
	assert_non_null(strstr(text, "tlslb_drops_total{reason=\"ip_csum\"} 0\n"));
	assert_non_null(strstr(text, "tlslb_flows_created_total "));
	snprintf(want, sizeof(want),
		 "tlslb_backend_handshakes_total{service=\"%s\",backend=\"s1\","
		 "kind=\"resumed_ticket\"} 0\n",
		 SVC0);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "tlslb_learn_entries{service=\"" SVC2 "\",table=\"key_name\"}"));
	assert_non_null(strstr(text, "tlslb_port_packets_total{port="));
	free(text);

	/* labels are escaped: a backend name with a quote and a backslash */
	snprintf(cfg.backends[0].name, sizeof(cfg.backends[0].name), "s\"1\\x");
	dp_view_refresh(f->v, &cfg);
	assert_int_equal(dp_metrics_render(f->v, &text, &len), 0);
	check_exposition(text);
	assert_non_null(strstr(text, "backend=\"s\\\"1\\\\x\""));
	free(text);
	dp_view_refresh(f->v, &f->env->cfg);
}

static void test_show_metrics(void **state)
{
	struct fixture *f = *state;
	unsigned rows;
	int rc;
	char *t = query(f, CP_Q_SHOW_METRICS, NULL, &rc, &rows);

	assert_int_equal(rc, 0);
	check_exposition(t);
	free(t);
}

static void test_keynames(void **state)
{
	struct fixture *f = *state;
	struct dp_learn *l = dp_view_learn(f->v, 2);
	struct cp_args a = { 0 };
	uint8_t name[16] = { 0xab };
	unsigned rows, i;
	int rc;
	char *t;

	assert_non_null(l);
	assert_null(dp_view_learn(f->v, 0)); /* mode l4: no tables */
	for (i = 0; i < 3; i++) {
		name[15] = (uint8_t)i;
		assert_int_equal(dp_learn_keyname_set(l, name, sizeof(name), 4), 0);
	}
	t = query(f, CP_Q_SHOW_KEYNAMES, NULL, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 1);
	assert_int_equal(cell_u64(t, "service", SVC2, "entries"), 3);
	assert_int_equal(cell_u64(t, "service", SVC2, "added"), 3);
	free(t);

	a.set[ARG_Q_TABLE_ENTRIES] = true;
	a.v[ARG_Q_TABLE_ENTRIES].u = 2;
	t = query(f, CP_Q_SHOW_KEYNAMES, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 2);
	assert_non_null(strstr(t, "ab000000000000000000000000000001") ||
			strstr(t, "ab000000000000000000000000000000"));
	assert_non_null(strstr(t, "control"));
	assert_non_null(strstr(t, "1 more entries"));
	free(t);

	t = query(f, CP_Q_SHOW_SESSIONS, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 0);
	free(t);

	/* cleared: the events start again from zero, the entries stay */
	dp_view_clear(f->v);
	t = query(f, CP_Q_SHOW_KEYNAMES, NULL, &rc, &rows);
	assert_int_equal(cell_u64(t, "service", SVC2, "added"), 0);
	assert_int_equal(cell_u64(t, "service", SVC2, "entries"), 3);
	free(t);
	name[15] = 9;
	assert_int_equal(dp_learn_keyname_set(l, name, sizeof(name), 4), 0);
	t = query(f, CP_Q_SHOW_KEYNAMES, NULL, &rc, &rows);
	assert_int_equal(cell_u64(t, "service", SVC2, "added"), 1);
	free(t);
}

static void test_neighbours_version_loglevel(void **state)
{
	struct fixture *f = *state;
	struct cp_args a = { 0 };
	unsigned rows;
	int rc;
	char *t = query(f, CP_Q_SHOW_NEIGHBOURS, NULL, &rc, &rows);

	assert_int_equal(rc, 0);
	assert_true(rows >= 4);
	assert_non_null(strstr(t, "10.0.0.254"));
	assert_non_null(strstr(t, DPT_MAC_ROUTER));
	free(t);

	t = query(f, CP_Q_SHOW_VERSION, NULL, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 3);
	assert_non_null(strstr(t, rte_version()));
	assert_non_null(strstr(t, "OpenSSL"));
	assert_non_null(strstr(t, TLSLB_TEST_VERSION));
	free(t);

	a.set[ARG_Q_LOG_LEVEL] = true;
	a.v[ARG_Q_LOG_LEVEL].u = 7; /* debug */
	t = query(f, CP_Q_SET_LOG_LEVEL, &a, &rc, &rows);
	assert_int_equal(rc, 0);
	assert_int_equal(rte_log_get_level((uint32_t)dp_logtype), RTE_LOG_DEBUG);
	free(t);
	a.v[ARG_Q_LOG_LEVEL].u = 3; /* err */
	t = query(f, CP_Q_SET_LOG_LEVEL, &a, &rc, &rows);
	assert_int_equal(rte_log_get_level((uint32_t)dp_logtype), RTE_LOG_ERR);
	free(t);
	a.v[ARG_Q_LOG_LEVEL].u = 8;
	t = query(f, CP_Q_SET_LOG_LEVEL, &a, &rc, &rows);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(rte_log_get_level((uint32_t)dp_logtype), RTE_LOG_ERR);
	free(t);
}

/* --- the /metrics listener --- */

/* Send @req, step the listener until the server closes; returns the answer. */
static char *http_exchange(struct dp_metrics_http *h, const char *req, size_t req_len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(dp_metrics_http_port(h)) };
	size_t len = 0, cap = 1 << 20;
	char *buf = calloc(1, cap + 1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned steps;

	assert_non_null(buf);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, req_len, MSG_NOSIGNAL), (ssize_t)req_len);
	for (steps = 0; steps < 2000; steps++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(dp_metrics_http_poll(h, 1), 0);
		if (poll(&p, 1, 0) <= 0)
			continue;
		n = recv(fd, buf + len, cap - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	assert_true(steps < 2000);
	close(fd);
	buf[len] = '\0';
	return buf;
}

static void test_metrics_http(void **state)
{
	struct fixture *f = *state;
	char err[256], big[DP_METRICS_HTTP_REQ_MAX + 100];
	struct dp_metrics_http *h = dp_metrics_http_create(f->v, "127.0.0.1:0", err, sizeof(err));
	char *r, *body;

	assert_non_null(h);
	assert_true(dp_metrics_http_port(h) != 0);

	r = http_exchange(h, "GET /metrics HTTP/1.0\r\n\r\n", 25);
	assert_memory_equal(r, "HTTP/1.0 200 OK\r\n", 17);
	assert_non_null(strstr(r, "Content-Type: " DP_METRICS_CONTENT_TYPE "\r\n"));
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	check_exposition(body + 4);
	free(r);

	r = http_exchange(h, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	assert_memory_equal(r, "HTTP/1.0 404", 12);
	free(r);
	r = http_exchange(h, "POST /metrics HTTP/1.0\r\n\r\n", 26);
	assert_memory_equal(r, "HTTP/1.0 405", 12);
	free(r);
	r = http_exchange(h, "garbage\r\n\r\n", 11);
	assert_memory_equal(r, "HTTP/1.0 400", 12);
	free(r);
	memset(big, 'A', sizeof(big));
	r = http_exchange(h, big, sizeof(big));
	assert_memory_equal(r, "HTTP/1.0 431", 12);
	free(r);

	/* idle connections beyond the slots do not lock a scraper out */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(dp_metrics_http_port(h)) };
		int idle[2 * DP_METRICS_HTTP_CLIENTS];

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (unsigned i = 0; i < DPT_N(idle); i++) {
			idle[i] = socket(AF_INET, SOCK_STREAM, 0);
			assert_int_equal(connect(idle[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
			assert_int_equal(dp_metrics_http_poll(h, 0), 0);
		}
		r = http_exchange(h, "GET /metrics HTTP/1.0\r\n\r\n", 25);
		assert_memory_equal(r, "HTTP/1.0 200 OK\r\n", 17);
		free(r);
		for (unsigned i = 0; i < DPT_N(idle); i++)
			close(idle[i]);
	}

	dp_metrics_http_free(h);
	assert_null(dp_metrics_http_create(f->v, "nonsense", err, sizeof(err)));
	assert_non_null(strstr(err, "IP:PORT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_backends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_flows_tls_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_then_slot_changes_hands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keynames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbours_version_loglevel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_http, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
