/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tlslb daemon as a process: a capture in through net_pcap, a capture
 * out, both checked with libpcap; and the ways it must refuse to start.
 *
 * usage: test_process TLSLB
 *
 * The daemon is stopped by its --exit-after-idle option: once the input
 * capture is consumed nothing moves, and it shuts down cleanly by itself
 * (the same path as SIGTERM), which flushes and closes the output capture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proc_frame.h"
#include "proc_run.h"

#define TIMEOUT_S 30

static const char *tlslb_path;

/* The one-arm segment: everyone on 10.0.0.0/24, every neighbour static. */
#define VIP "10.0.0.100"
#define VIP_PORT 443
#define SELF "10.0.0.1"
#define BACKEND_PORT 8443

static const char *const one_arm_conf =
	"# one-arm, two-arm NAT, two backends, no ARP needed towards anyone\n"
	"port add p0 dev net_pcap0 role both\n"
	"address add " SELF "/24 port p0\n"
	"service add " VIP ":443 mode l4 nat two-arm\n"
	"backend add " VIP ":443 10.0.0.21:8443 weight 1\n"
	"backend add " VIP ":443 10.0.0.22:8443 weight 1\n"
	"neigh add 10.0.0.21 lladdr 02:00:00:00:00:21 port p0\n"
	"neigh add 10.0.0.22 lladdr 02:00:00:00:00:22 port p0\n"
	"neigh add 10.0.0.10 lladdr 02:00:00:00:00:10 port p0\n"
	"set limit flows 1024\n";

struct host {
	const char *ip, *mac;
};

static const struct host client = { "10.0.0.10", "02:00:00:00:00:10" };
static const struct host backends[2] = {
	{ "10.0.0.21", "02:00:00:00:00:21" },
	{ "10.0.0.22", "02:00:00:00:00:22" },
};

/* tlslb's MAC, learned from its ARP reply by the first test. */
static uint8_t tlslb_mac[6];
static bool tlslb_mac_known;

static void host_of(const struct host *h, struct proc_host *out)
{
	proc_mac(out->mac, h->mac);
	out->ip = proc_ip(h->ip);
}

static void run(const char *conf_text, const char *const *extra, const struct proc_frame *in,
		size_t n_in, struct proc_result *r)
{
	struct proc_dir d;
	char conf[512], inpath[512], outpath[512];

	assert_int_equal(proc_dir_make(&d), 0);
	proc_dir_file(&d, "tlslb.conf", conf, sizeof(conf));
	proc_dir_file(&d, "in.pcap", inpath, sizeof(inpath));
	proc_dir_file(&d, "out.pcap", outpath, sizeof(outpath));
	assert_int_equal(proc_write_text(conf, conf_text), 0);
	assert_int_equal(proc_write_pcap(inpath, in, n_in), 0);
	assert_int_equal(proc_run_daemon(tlslb_path, &d, inpath, outpath, conf, extra, TIMEOUT_S, r),
			 0);
	proc_dir_remove(&d);
}

/* ---- ARP ---------------------------------------------------------------- */

struct arp_case {
	const char *desc;
	const char *target;
	bool answered;
};

static const struct arp_case arp_cases[] = {
	{ "the virtual IP is answered", VIP, true },
	{ "tlslb's own address is answered", SELF, true },
	{ "a backend's address is not answered", "10.0.0.21", false },
	{ "an unknown address on the segment is not answered", "10.0.0.77", false },
};

#define N_ARP (sizeof(arp_cases) / sizeof(arp_cases[0]))

static void test_arp(void **state)
{
	struct proc_frame in[N_ARP];
	struct proc_host from;
	static struct proc_result r;
	size_t replies = 0;

	(void)state;
	host_of(&client, &from);
	for (size_t i = 0; i < N_ARP; i++)
		proc_build_arp_request(&in[i], &from, proc_ip(arp_cases[i].target));
	run(one_arm_conf, NULL, in, N_ARP, &r);
	if (r.exit_code != 0)
		print_message("daemon log:\n%s\n", r.log);
	assert_int_equal(r.exit_code, 0);

	for (size_t i = 0; i < N_ARP; i++) {
		const struct arp_case *c = &arp_cases[i];
		size_t found = 0;

		for (size_t k = 0; k < r.n_frames; k++) {
			struct proc_arp_view a;

			if (!proc_parse_arp(r.frames[k].data, r.frames[k].len, &a) ||
			    a.spa != proc_ip(c->target))
				continue;
			found++;
			print_message("# %s: reply from %02x:%02x:%02x:%02x:%02x:%02x\n", c->desc,
				      a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4], a.sha[5]);
			assert_int_equal(a.op, 2);
			assert_memory_equal(a.dmac, from.mac, 6);
			assert_memory_equal(a.tha, from.mac, 6);
			assert_int_equal(a.tpa, from.ip);
			assert_memory_equal(a.smac, a.sha, 6);
			assert_false(a.sha[0] & 1); /* unicast */
			if (tlslb_mac_known)
				assert_memory_equal(a.sha, tlslb_mac, 6);
			memcpy(tlslb_mac, a.sha, 6);
			tlslb_mac_known = true;
		}
		if (found != (c->answered ? 1u : 0u))
			print_message("# %s: %zu replies\n", c->desc, found);
		assert_int_equal(found, c->answered ? 1 : 0);
		replies += found;
	}
	/* Nothing but the replies went out. */
	assert_int_equal(r.n_frames, replies);
	assert_non_null(strstr(r.log, "tlslb: stopping"));
}

/* A device with arguments in the config is probed by the daemon itself: the
 * config alone says where the port is, no --vdev needed. */
static void test_device_args(void **state)
{
	static struct proc_result r, probed;
	struct proc_frame in;
	struct proc_host from;
	struct proc_dir d;
	char conf[2048], inpath[512], outpath[512];
	struct proc_arp_view a;

	(void)state;
	host_of(&client, &from);
	proc_build_arp_request(&in, &from, proc_ip(VIP));
	assert_int_equal(proc_dir_make(&d), 0);
	proc_dir_file(&d, "in1.pcap", inpath, sizeof(inpath));
	proc_dir_file(&d, "out1.pcap", outpath, sizeof(outpath));
	assert_int_equal(proc_write_pcap(inpath, &in, 1), 0);
	snprintf(conf, sizeof(conf),
		 "port add p0 dev net_pcap1,rx_pcap=%s,tx_pcap=%s role both\n"
		 "address add " SELF "/24 port p0\n"
		 "service add " VIP ":443\n",
		 inpath, outpath);
	/* net_pcap0 of the harness stays unused: nothing may come out of it. */
	run(conf, NULL, &in, 1, &r);
	assert_int_equal(proc_read_pcap(outpath, &probed), 0);
	proc_dir_remove(&d);
	if (r.exit_code != 0)
		print_message("daemon log:\n%s\n", r.log);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.log, "(net_pcap1,rx_pcap="));
	assert_int_equal(r.n_frames, 0);
	assert_int_equal(probed.n_frames, 1);
	assert_true(proc_parse_arp(probed.frames[0].data, probed.frames[0].len, &a));
	assert_int_equal(a.op, 2);
	assert_int_equal(a.spa, proc_ip(VIP));
}

/* ---- TCP through the balancer --------------------------------------------- */

enum { CONN_A, CONN_B, N_CONN };
enum dir { C2S, S2C };

/* One segment of the capture. Segments from the backends are sent by both
 * backends: only the one the connection was balanced to may get through. */
struct tcp_case {
	const char *desc;
	unsigned conn;
	enum dir dir;
	uint8_t flags;
	uint32_t seq, ack;
	const char *payload;
};

#define ISN_A 1000000u
#define ISN_B 2000000u
#define ISN_S 7000000u

static const struct tcp_case tcp_cases[] = {
	{ "SYN of A", CONN_A, C2S, PROC_TCP_SYN, ISN_A, 0, NULL },
	{ "SYN of B", CONN_B, C2S, PROC_TCP_SYN, ISN_B, 0, NULL },
	{ "SYN+ACK to A", CONN_A, S2C, PROC_TCP_SYN | PROC_TCP_ACK, ISN_S, ISN_A + 1, NULL },
	{ "SYN+ACK to B", CONN_B, S2C, PROC_TCP_SYN | PROC_TCP_ACK, ISN_S, ISN_B + 1, NULL },
	{ "ACK of A", CONN_A, C2S, PROC_TCP_ACK, ISN_A + 1, ISN_S + 1, NULL },
	{ "ACK of B", CONN_B, C2S, PROC_TCP_ACK, ISN_B + 1, ISN_S + 1, NULL },
	{ "data of A", CONN_A, C2S, PROC_TCP_ACK | PROC_TCP_PSH, ISN_A + 1, ISN_S + 1,
	  "GET / HTTP/1.0\r\n\r\n" },
	{ "data of B", CONN_B, C2S, PROC_TCP_ACK | PROC_TCP_PSH, ISN_B + 1, ISN_S + 1, "hello B" },
	{ "reply to A", CONN_A, S2C, PROC_TCP_ACK | PROC_TCP_PSH, ISN_S + 1, ISN_A + 19,
	  "HTTP/1.0 200 OK\r\n\r\n" },
	{ "reply to B", CONN_B, S2C, PROC_TCP_ACK | PROC_TCP_PSH, ISN_S + 1, ISN_B + 8, "bye B" },
};

#define N_TCP (sizeof(tcp_cases) / sizeof(tcp_cases[0]))

static uint16_t client_port(unsigned conn)
{
	return (uint16_t)(40000 + conn);
}

/* The segment of @c as sent by the client, or by backend @b. */
static void build_case(struct proc_frame *f, const struct tcp_case *c, unsigned b)
{
	struct proc_host cl, be;
	struct proc_tcp t = {
		.flags = c->flags, .seq = c->seq, .ack = c->ack, .payload = c->payload,
		.mss_option = (c->flags & PROC_TCP_SYN) != 0, .ttl = 64,
	};

	host_of(&client, &cl);
	host_of(&backends[b], &be);
	if (c->dir == C2S) {
		t.sip = cl.ip;
		t.dip = proc_ip(VIP);
		t.sport = client_port(c->conn);
		t.dport = VIP_PORT;
		proc_build_tcp(f, tlslb_mac, cl.mac, &t);
	} else {
		/* Two-arm: the backend answers the client's own address, through tlslb. */
		t.sip = be.ip;
		t.dip = cl.ip;
		t.sport = BACKEND_PORT;
		t.dport = client_port(c->conn);
		proc_build_tcp(f, tlslb_mac, be.mac, &t);
	}
}

static bool same_payload(const struct proc_tcp_view *v, const char *payload)
{
	size_t len = payload ? strlen(payload) : 0;

	return v->payload_len == len && (len == 0 || memcmp(v->payload, payload, len) == 0);
}

/* The output frame that carries @c, or NULL. */
static const struct proc_tcp_view *find_output(const struct proc_tcp_view *out, size_t n,
					       const struct tcp_case *c)
{
	for (size_t k = 0; k < n; k++) {
		const struct proc_tcp_view *v = &out[k];
		uint16_t cport = c->dir == C2S ? v->sport : v->dport;

		if (cport == client_port(c->conn) && v->flags == c->flags && v->seq == c->seq &&
		    v->ack == c->ack && same_payload(v, c->payload))
			return v;
	}
	return NULL;
}

static void check_rewrite(const struct tcp_case *c, const struct proc_tcp_view *v, unsigned b)
{
	struct proc_host cl, be;

	host_of(&client, &cl);
	host_of(&backends[b], &be);
	print_message("# %s: forwarded %s\n", c->desc,
		      c->dir == C2S ? backends[b].ip : client.ip);
	assert_true(v->ip_csum_ok);
	assert_true(v->tcp_csum_ok);
	assert_int_equal(v->ttl, 63);
	assert_memory_equal(v->smac, tlslb_mac, 6);
	if (c->dir == C2S) {
		assert_memory_equal(v->dmac, be.mac, 6);
		assert_int_equal(v->sip, cl.ip);
		assert_int_equal(v->dip, be.ip);
		assert_int_equal(v->sport, client_port(c->conn));
		assert_int_equal(v->dport, BACKEND_PORT);
	} else {
		assert_memory_equal(v->dmac, cl.mac, 6);
		assert_int_equal(v->sip, proc_ip(VIP));
		assert_int_equal(v->dip, cl.ip);
		assert_int_equal(v->sport, VIP_PORT);
		assert_int_equal(v->dport, client_port(c->conn));
	}
}

static void test_tcp_path(void **state)
{
	static struct proc_frame in[2 * N_TCP];
	static struct proc_tcp_view out[PROC_MAX_FRAMES];
	static struct proc_result r;
	int backend_of[N_CONN] = { -1, -1 };
	size_t n_in = 0, n_out = 0, expected = 0;

	(void)state;
	if (!tlslb_mac_known)
		fail_msg("tlslb's MAC is unknown: the ARP test did not get a reply");
	for (size_t i = 0; i < N_TCP; i++) {
		build_case(&in[n_in++], &tcp_cases[i], 0);
		if (tcp_cases[i].dir == S2C)
			build_case(&in[n_in++], &tcp_cases[i], 1);
	}
	run(one_arm_conf, NULL, in, n_in, &r);
	if (r.exit_code != 0)
		print_message("daemon log:\n%s\n", r.log);
	assert_int_equal(r.exit_code, 0);
	for (size_t k = 0; k < r.n_frames; k++) {
		if (!proc_parse_tcp(r.frames[k].data, r.frames[k].len, &out[n_out])) {
			print_message("# frame %zu out is not IPv4/TCP\n", k);
			fail();
		}
		n_out++;
	}

	/* The SYNs tell which backend each connection got; round robin over two
	 * equal backends gives them one each. */
	for (unsigned conn = 0; conn < N_CONN; conn++) {
		const struct proc_tcp_view *v = find_output(out, n_out, &tcp_cases[conn]);

		assert_non_null(v);
		for (unsigned b = 0; b < 2; b++)
			if (v->dip == proc_ip(backends[b].ip))
				backend_of[conn] = (int)b;
		assert_true(backend_of[conn] >= 0);
	}
	assert_int_not_equal(backend_of[CONN_A], backend_of[CONN_B]);

	for (size_t i = 0; i < N_TCP; i++) {
		const struct tcp_case *c = &tcp_cases[i];
		const struct proc_tcp_view *v = find_output(out, n_out, c);

		if (!v)
			print_message("# %s: not forwarded\ndaemon log:\n%s\n", c->desc, r.log);
		assert_non_null(v);
		check_rewrite(c, v, (unsigned)backend_of[c->conn]);
		/* A segment also "sent" by the other backend matched no flow. */
		expected++;
	}
	/* Exactly one frame out per segment that belonged to a flow. */
	assert_int_equal(n_out, expected);
	assert_non_null(strstr(r.log, "tlslb: stopping"));
}

/* ---- refusals ------------------------------------------------------------- */

struct refusal_case {
	const char *desc;
	const char *conf;          /* written to tlslb.conf */
	const char *extra[4];      /* more daemon options */
	int bad_line;              /* > 0: the message must name conf:LINE */
	const char *says;          /* or this must appear in the message */
};

static const struct refusal_case refusal_cases[] = {
	{ "unknown command", "port add p0 dev net_pcap0 role both\n# fine so far\nfrobnicate 1\n",
	  { NULL }, 3, NULL },
	{ "bad address", "port add p0 dev net_pcap0 role both\naddress add 10.0.0.300/24 port p0\n",
	  { NULL }, 2, NULL },
	{ "backend of a service that does not exist",
	  "port add p0 dev net_pcap0 role both\naddress add 10.0.0.1/24 port p0\n\n"
	  "service add 10.0.0.100:443\nbackend add 10.0.0.101:443 10.0.0.21:443\n",
	  { NULL }, 5, NULL },
	{ "device that was not given to EAL",
	  "port add p0 dev net_pcap0 role both\nport add p1 dev net_pcap7 role server\n",
	  { NULL }, 0, "net_pcap7" },
	{ "more workers than lcores", "port add p0 dev net_pcap0 role both\n",
	  { "--workers", "2", NULL }, 0, "worker" },
	{ "no port at all", "set limit flows 1000\n", { NULL }, 0, "no port" },
	{ "unknown option", "port add p0 dev net_pcap0 role both\n", { "--frobnicate", NULL }, 0,
	  "--frobnicate" },
};

#define N_REFUSAL (sizeof(refusal_cases) / sizeof(refusal_cases[0]))

static void test_refusals(void **state)
{
	static struct proc_result r;
	struct proc_frame none;

	(void)state;
	memset(&none, 0, sizeof(none));
	for (size_t i = 0; i < N_REFUSAL; i++) {
		const struct refusal_case *c = &refusal_cases[i];
		char want[64];
		const char *hit;
		const char *nl;

		run(c->conf, c->extra, &none, 0, &r);
		print_message("# %s: exit %d: %s", c->desc, r.exit_code, r.log);
		assert_true(r.exit_code > 0 && r.exit_code < 128);
		if (c->bad_line > 0)
			snprintf(want, sizeof(want), "tlslb.conf:%d: ", c->bad_line);
		else
			snprintf(want, sizeof(want), "%s", c->says);
		hit = strstr(r.log, want);
		if (!hit)
			print_message("# expected '%s' in the log\n", want);
		assert_non_null(hit);
		/* One line: the reason starts with "tlslb: " and ends at its newline. */
		while (hit > r.log && hit[-1] != '\n')
			hit--;
		assert_int_equal(strncmp(hit, "tlslb: ", 7), 0);
		nl = strchr(hit, '\n');
		assert_non_null(nl);
		assert_null(strstr(r.log, "tlslb: running"));
		assert_int_equal(r.n_frames, 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_tcp_path),
		cmocka_unit_test(test_device_args),
		cmocka_unit_test(test_refusals),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s TLSLB\n", argv[0]);
		return 2;
	}
	tlslb_path = argv[1];
	return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
