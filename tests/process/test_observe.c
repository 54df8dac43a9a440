/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running daemon seen from outside with the ecosystem's own tools: the
 * stock dpdk-telemetry.py reads /tlslb/stats, /tlslb/backends and
 * /tlslb/services, and an HTTP client scrapes /metrics, while tlslb runs on a
 * net_pcap port that replayed a few ARP requests and SYNs. When the daemon
 * has its control socket (--socket), the query handlers are checked through
 * it too: show backends/flows/version/metrics, JSON, clear counters.
 *
 * argv[1]: the tlslb binary; argv[2]: dpdk-telemetry.py.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cp_proto.h"
#include "proc_frame.h"
#include "proc_run.h"

#define VIP "10.0.0.100"
#define SELF "10.0.0.1"
#define N_ARP 3
#define N_SYN 4
#define DEADLINE_MS 20000

static const char *tlslb_path, *telemetry_path;

static const char *const conf_text =
	"port add p0 dev net_pcap0 role both\n"
	"address add " SELF "/24 port p0\n"
	"service add " VIP ":443 mode l4 nat two-arm\n"
	"backend add " VIP ":443 10.0.0.21:8443 weight 1\n"
	"backend add " VIP ":443 10.0.0.22:8443 weight 1\n"
	"neigh add 10.0.0.21 lladdr 02:00:00:00:00:21 port p0\n"
	"neigh add 10.0.0.22 lladdr 02:00:00:00:00:22 port p0\n"
	"neigh add 10.0.0.10 lladdr 02:00:00:00:00:10 port p0\n"
	"set limit flows 1024\n";

struct daemon {
	struct proc_dir dir;
	char prefix[64];
	char log[512];
	pid_t pid;
	unsigned metrics_port;
	bool has_socket;
	char sock[512];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n = 0;

	assert_non_null(buf);
	if (f != NULL) {
		n = fread(buf, 1, 65535, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* The input: ARP requests for tlslb's address, then SYNs to the service. */
static void write_input(const char *path)
{
	struct proc_frame in[N_ARP + N_SYN];
	struct proc_host client;
	uint8_t any_mac[6];
	size_t n = 0;

	proc_mac(client.mac, "02:00:00:00:00:10");
	client.ip = proc_ip("10.0.0.10");
	for (unsigned i = 0; i < N_ARP; i++)
		proc_build_arp_request(&in[n++], &client, proc_ip(SELF));
	/* net_pcap's MAC is fixed (02:70:63:61:70:00 for net_pcap0); broadcast
	 * would be refused, so ask for it the way the process test learns it */
	proc_mac(any_mac, "02:70:63:61:70:00");
	for (unsigned i = 0; i < N_SYN; i++) {
		struct proc_tcp t = {
			.sip = client.ip,
			.dip = proc_ip(VIP),
			.sport = (uint16_t)(40000 + i),
			.dport = 443,
			.seq = 1000 * i,
			.flags = PROC_TCP_SYN,
			.ttl = 64,
			.mss_option = true,
		};

		proc_build_tcp(&in[n++], any_mac, client.mac, &t);
	}
	assert_int_equal(proc_write_pcap(path, in, n), 0);
}

/* Returns false when the daemon refused --socket (no control thread yet). */
static bool start_once(struct daemon *d, bool with_socket)
{
	char conf[512], in[512], out[512], vdev[1200];
	uint64_t deadline;
	bool refused = false;

	memset(d, 0, sizeof(*d));
	assert_int_equal(proc_dir_make(&d->dir), 0);
	d->has_socket = with_socket;
	proc_dir_file(&d->dir, "ctl.sock", d->sock, sizeof(d->sock));
	proc_dir_file(&d->dir, "tlslb.conf", conf, sizeof(conf));
	proc_dir_file(&d->dir, "in.pcap", in, sizeof(in));
	proc_dir_file(&d->dir, "out.pcap", out, sizeof(out));
	proc_dir_file(&d->dir, "daemon.log", d->log, sizeof(d->log));
	assert_int_equal(proc_write_text(conf, conf_text), 0);
	write_input(in);
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", in, out);
	snprintf(d->prefix, sizeof(d->prefix), "obs_%d", (int)getpid());

	fflush(NULL);
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		/* telemetry on (the point of the test): no --no-telemetry */
		if (with_socket)
			execl(tlslb_path, tlslb_path, "--no-huge", "--no-pci", "-m", "256",
			      "--file-prefix", d->prefix, "--lcores=0@0,1@0",
			      "--log-level=lib.eal:error", "--vdev", vdev, "--", "--config", conf,
			      "--metrics-listen", "127.0.0.1:0", "--socket", d->sock, (char *)NULL);
		else
			execl(tlslb_path, tlslb_path, "--no-huge", "--no-pci", "-m", "256",
			      "--file-prefix", d->prefix, "--lcores=0@0,1@0",
			      "--log-level=lib.eal:error", "--vdev", vdev, "--", "--config", conf,
			      "--metrics-listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	deadline = now_ms() + DEADLINE_MS;
	while (now_ms() < deadline) {
		char *log = slurp(d->log);
		const char *m = strstr(log, "tlslb: metrics on port ");
		bool running = strstr(log, "tlslb: running") != NULL;

		if (m != NULL)
			d->metrics_port = (unsigned)strtoul(m + 23, NULL, 10);
		if (running || waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			if (!running)
				d->pid = -1;
			free(log);
			break;
		}
		free(log);
		sleep_ms(50);
	}
	if (d->pid < 0) {
		char *log = slurp(d->log);

		refused = with_socket && strstr(log, "unknown option --socket") != NULL;
		if (!refused)
			fail_msg("tlslb exited at start:\n%s", log);
		free(log);
		proc_dir_remove(&d->dir);
		return false;
	}
	assert_true(d->metrics_port > 0);
	return true;
}

static void start(struct daemon *d)
{
	if (!start_once(d, true)) {
		print_message("# this tlslb has no control socket yet: socket checks left out\n");
		assert_true(start_once(d, false));
	}
}

static void stop(struct daemon *d)
{
	uint64_t deadline = now_ms() + 10000;
	int status = -1;
	char path[256];

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		while (waitpid(d->pid, &status, WNOHANG) == 0 && now_ms() < deadline)
			sleep_ms(20);
		if (now_ms() >= deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
		}
	}
	proc_dir_remove(&d->dir);
	/* EAL's runtime directory (as root: /var/run/dpdk/PREFIX) */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", d->prefix);
	{
		struct proc_dir rd;

		snprintf(rd.path, sizeof(rd.path), "%s", path);
		proc_dir_remove(&rd);
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Run dpdk-telemetry.py -f PREFIX with @cmds on its stdin; returns its output. */
static char *telemetry(const struct daemon *d, const char *cmds)
{
	char cmd[1024], *out = calloc(1, 65536);
	size_t n = 0;
	FILE *p;

	assert_non_null(out);
	snprintf(cmd, sizeof(cmd), "printf '%s' | timeout 10 python3 %s -f %s 2>&1", cmds,
		 telemetry_path, d->prefix);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

/* The number after "@key": in @text, or -1. */
static long json_number(const char *text, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(text, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static char *http_get(unsigned port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	size_t cap = 1 << 20, len = 0;
	char *buf = calloc(1, cap + 1), req[256];
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	assert_non_null(buf);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	while ((n = recv(fd, buf + len, cap - len, 0)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One command through the control socket; returns the body (status 0). */
static char *ctl(const struct daemon *d, const char *line, bool json)
{
	char err[256];
	char *body = NULL;
	size_t len;
	int32_t status = -1;
	int fd = cp_proto_connect(d->sock, err, sizeof(err));

	if (fd < 0)
		fail_msg("connect %s: %s", d->sock, err);
	if (cp_proto_call(fd, line, json, 5000, &status, &body, &len, err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
	close(fd);
	if (status != 0)
		fail_msg("%s: status %d: %s", line, (int)status, body ? body : "");
	return body;
}

/* The line of @text that holds @key, copied into @row (NULL when none). */
static const char *row_with(const char *text, const char *key, char *row, size_t len)
{
	const char *p = strstr(text, key), *start, *end;

	if (p == NULL)
		return NULL;
	for (start = p; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	snprintf(row, len, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
	return row;
}

static void socket_checks(const struct daemon *d)
{
	char row[512], *b;

	b = ctl(d, "show backends", false);
	print_message("# show backends:\n# %s\n", row_with(b, "10.0.0.21:8443", row, sizeof(row)));
	assert_non_null(row_with(b, "resumption_rate", row, sizeof(row)));
	/* service, backend, address, admin, health, weight, active, new_flows ... */
	assert_non_null(row_with(b, "10.0.0.21:8443", row, sizeof(row)));
	assert_non_null(strstr(row, " enabled "));
	free(b);

	b = ctl(d, "show flows limit 1", false);
	assert_non_null(strstr(b, "3 more flows matched beyond the limit of 1"));
	free(b);
	b = ctl(d, "show backends " VIP ":443", true);
	assert_true(b[0] == '{');
	assert_non_null(strstr(b, "\"new_flows\":2"));
	free(b);
	b = ctl(d, "show version", false);
	assert_non_null(strstr(b, "DPDK"));
	free(b);
	b = ctl(d, "show metrics", false);
	assert_non_null(strstr(b, "# TYPE tlslb_drops_total counter\n"));
	free(b);
	b = ctl(d, "clear counters", false);
	free(b);
	b = ctl(d, "show backends " VIP ":443", true);
	assert_null(strstr(b, "\"new_flows\":2"));
	assert_non_null(strstr(b, "\"new_flows\":0"));
	assert_non_null(strstr(b, "\"active_flows\":2")); /* a gauge: not cleared */
	free(b);
	b = ctl(d, "set log level debug", false);
	free(b);
}

static void test_observe(void **state)
{
	struct daemon d;
	uint64_t deadline;
	char *out = NULL;
	long rx = -1;

	(void)state;
	start(&d);
	/* the capture replays at once; wait until the counters show all of it */
	deadline = now_ms() + DEADLINE_MS;
	while (now_ms() < deadline) {
		free(out);
		out = telemetry(&d, "/tlslb/stats\\n");
		rx = json_number(out, "p0/rx");
		if (rx == N_ARP + N_SYN)
			break;
		sleep_ms(200);
	}
	print_message("# dpdk-telemetry.py /tlslb/stats: %.300s...\n", out);
	assert_non_null(strstr(out, "{\"/tlslb/stats\": {"));
	assert_int_equal(rx, N_ARP + N_SYN);
	assert_int_equal(json_number(out, "arp_requests_answered_total"), N_ARP);
	assert_int_equal(json_number(out, "flows_created_total"), N_SYN);
	assert_int_equal(json_number(out, "workers"), 1);
	assert_int_equal(json_number(out, "ip_csum"), 0);
	free(out);

	out = telemetry(&d, "/tlslb/services\\n/tlslb/backends\\n/tlslb/backends,10.0.0.99:443\\n");
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		print_message("# %s\n", line);
	free(out);
	out = telemetry(&d, "/tlslb/services\n/tlslb/backends\n/tlslb/backends,10.0.0.99:443\n");
	assert_non_null(strstr(out, "\"service\": \"" VIP ":443\""));
	assert_int_equal(json_number(out, "active_flows"), N_SYN); /* the service, first */
	{
		const char *s1 = strstr(out, "\"backend\": \"10.0.0.21:8443\"");
		const char *s2 = strstr(out, "\"backend\": \"10.0.0.22:8443\"");

		assert_non_null(s1);
		assert_non_null(s2);
		assert_int_equal(json_number(s1, "new_flows"), N_SYN / 2);
		assert_int_equal(json_number(s2, "new_flows"), N_SYN / 2);
	}
	assert_non_null(strstr(out, "{\"/tlslb/backends\": null}")); /* no such service */
	free(out);

	out = http_get(d.metrics_port, "/metrics");
	assert_memory_equal(out, "HTTP/1.0 200 OK\r\n", 17);
	assert_non_null(strstr(out, "\ntlslb_port_packets_total{port=\"p0\",direction=\"rx\"} 7\n"));
	assert_non_null(strstr(out, "\ntlslb_backend_new_flows_total{service=\"" VIP
				    ":443\",backend=\"10.0.0.21:8443\"} 2\n"));
	assert_non_null(strstr(out, "# TYPE tlslb_drops_total counter\n"));
	free(out);
	if (d.has_socket)
		socket_checks(&d);
	stop(&d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observe),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s TLSLB DPDK-TELEMETRY.PY\n", argv[0]);
		return 2;
	}
	tlslb_path = argv[1];
	telemetry_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
