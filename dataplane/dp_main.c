/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb [EAL args] -- --config FILE [--workers N] [--stats-interval S]
 *                     [--exit-after-idle MS] [--socket PATH] [--socket-group GROUP]
 *                     [--metrics-listen IP:PORT]
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "cp_config.h"
#include "dp_control.h"
#include "dp_daemon.h"
#include "dp_log.h"
#include "dp_loop.h"
#include "dp_view.h"

#define DP_MAIN_TICK_MS 10

struct dp_main_opts {
	const char *config;
	unsigned workers;          /* 0: one per worker lcore */
	unsigned stats_interval_s; /* 0: only at exit */
	unsigned exit_idle_ms;     /* 0: run until signalled */
	struct dp_control_conf control;
};

static void dp_main_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL args] -- --config FILE [--workers N] [--stats-interval S]\n"
		"          [--exit-after-idle MS] [--socket PATH] [--socket-group GROUP]\n"
		"          [--metrics-listen IP:PORT]\n"
		"  --config FILE         commands to start from, one per line\n"
		"  --workers N           worker lcores to use (default: all, as the ports allow)\n"
		"  --stats-interval S    print the counters every S seconds (default: at exit only)\n"
		"  --exit-after-idle MS  exit once no packet went in or out for MS milliseconds\n"
		"                        (for tests that replay a capture)\n"
		"  --socket PATH         control socket for tlslbctl (default /run/tlslb/tlslb.sock)\n"
		"  --socket-group GROUP  group whose members may use the socket (default: root only)\n"
		"  --metrics-listen IP:PORT  serve Prometheus metrics at http://IP:PORT/metrics\n",
		prog);
}

static int dp_main_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Returns 0, or 1 after --help, or a negative errno with the reason printed. */
static int dp_main_parse(int argc, char **argv, struct dp_main_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "exit-after-idle", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 'S' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "metrics-listen", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	int c, idx = 0;

	memset(o, 0, sizeof(*o));
	/* EAL ran getopt over the same argv already. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
		int rc = 0;

		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'w':
			rc = dp_main_uint(optarg, RTE_MAX_LCORE, &o->workers);
			if (rc == 0 && o->workers == 0)
				rc = -EINVAL;
			break;
		case 's':
			rc = dp_main_uint(optarg, 86400, &o->stats_interval_s);
			break;
		case 'i':
			rc = dp_main_uint(optarg, 24u * 3600 * 1000, &o->exit_idle_ms);
			break;
		case 'S':
			o->control.socket_path = optarg;
			break;
		case 'G':
			o->control.socket_group = optarg;
			break;
		case 'M':
			o->control.metrics_listen = optarg;
			break;
		case 'h':
			dp_main_usage(stdout, prog);
			return 1;
		case ':':
			fprintf(stderr, "tlslb: %s needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "tlslb: unknown option %s (see --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
		if (rc != 0) {
			fprintf(stderr, "tlslb: bad value '%s' for --%s\n", optarg, longopts[idx].name);
			return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlslb: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->config) {
		fprintf(stderr, "tlslb: --config FILE is required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

static void dp_main_on_signal(int sig)
{
	(void)sig;
	dp_loop_request_stop();
}

static int dp_main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dp_main_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -errno;
	return 0;
}

static uint64_t dp_main_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The main lcore watches while the workers poll: signals, idleness, stats. */
static void dp_main_watch(struct dp_daemon *d, const struct dp_main_opts *o)
{
	const struct timespec tick = { .tv_nsec = DP_MAIN_TICK_MS * 1000000L };
	uint64_t now = dp_main_now_ms(), start = now;
	uint64_t last_change = now, next_stats = now + (uint64_t)o->stats_interval_s * 1000;
	uint64_t activity = dp_daemon_activity(d);

	while (!dp_loop_stopping()) {
		nanosleep(&tick, NULL);
		now = dp_main_now_ms();
		if (o->exit_idle_ms) {
			uint64_t a = dp_daemon_activity(d);

			if (a != activity) {
				activity = a;
				last_change = now;
			} else if (now - last_change >= o->exit_idle_ms) {
				dp_loop_request_stop();
			}
		}
		if (o->stats_interval_s && now >= next_stats) {
			printf("tlslb: counters after %llu s\n",
			       (unsigned long long)((now - start) / 1000));
			dp_daemon_print_stats(d, stdout);
			next_stats = now + (uint64_t)o->stats_interval_s * 1000;
		}
	}
}

int main(int argc, char **argv)
{
	static struct cp_config cfg; /* large: keep it off the stack */
	struct dp_main_opts opts;
	struct dp_daemon *d = NULL;
	struct dp_control *ctl = NULL;
	char err[512];
	int rc, status = EXIT_FAILURE;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "tlslb: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= rc;
	argv += rc;
	rc = dp_main_parse(argc, argv, &opts);
	if (rc != 0) {
		status = rc > 0 ? EXIT_SUCCESS : 2;
		goto out;
	}
	rc = cp_config_load(&cfg, opts.config, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tlslb: %s\n", err);
		goto out;
	}
	rc = dp_main_signals();
	if (rc != 0) {
		fprintf(stderr, "tlslb: cannot catch signals: %s\n", strerror(-rc));
		goto out;
	}
	d = dp_daemon_open(&cfg, opts.workers, stdout, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "tlslb: %s\n", err);
		goto out;
	}
	if (dp_daemon_launch(d, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlslb: %s\n", err);
		goto out;
	}
	ctl = dp_control_start(d, &cfg, &opts.control, err, sizeof(err));
	if (!ctl) {
		fprintf(stderr, "tlslb: %s\n", err);
		goto out;
	}
	printf("tlslb: running\n");
	fflush(stdout);
	dp_main_watch(d, &opts);
	dp_control_stop(ctl);
	ctl = NULL;
	dp_daemon_stop(d);
	printf("tlslb: stopping\n");
	dp_daemon_print_stats(d, stdout);
	status = EXIT_SUCCESS;
out:
	dp_control_stop(ctl);
	dp_daemon_close(d);
	rte_eal_cleanup();
	return status;
}
