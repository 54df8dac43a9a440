/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime configuration changes on the packet path (dp_shared_apply): new
 * backends take new flows; weight 0, drain and disable stop new flows while
 * existing flows go on; a drained backend with drain_resume still gets its
 * resumptions (mode tls, real hellos); a deleted backend keeps its flows
 * until they end, then its slot is freed, and a reused slot counts from
 * zero; delete with reset answers the flows' packets with RSTs both ways;
 * refused changes change nothing. Last, a stress test: one thread applies
 * configs continuously while two workers on two lcores carry traffic
 * (built and run under AddressSanitizer by tools/check's build-asan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dp_internal.h"
#include "dp_learn.h"
#include "dp_tls.h"
#include "dp_test_util.h"
#include "dp_tls_seg.h"
#include "tlsgen.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

static uint8_t out[512][DPT_FRAME_MAX];
static size_t lens[512];
static struct dp_stats st;

/* ---- helpers ---- */

static void small(struct cp_config *c)
{
	c->limits.flows = 4096;
}

static struct cp_config *copy_cfg(const struct dpt_env *e)
{
	struct cp_config *c = malloc(sizeof(*c));

	assert_non_null(c);
	*c = e->cfg;
	return c;
}

static void apply_ok(struct dpt_env *e, struct cp_config *c)
{
	char err[160] = "";
	int ret = dp_shared_apply(e->sh, c, err, sizeof(err));

	if (ret != 0)
		fail_msg("apply refused: %s", err);
	e->cfg = *c;
	memset(&e->cfg.pending, 0, sizeof(e->cfg.pending));
}

static void add_backend(struct cp_config *c, uint16_t svc, const char *ip, uint16_t port,
			uint32_t weight)
{
	struct cp_backend *b = &c->backends[c->n_backends++];

	memset(b, 0, sizeof(*b));
	b->ip.family = AF_INET;
	b->ip.v4 = dpt_ip(ip);
	b->port = port;
	b->weight = weight;
	b->service = svc;
}

static void del_backend(struct cp_config *c, unsigned i)
{
	memmove(&c->backends[i], &c->backends[i + 1],
		(c->n_backends - i - 1) * sizeof(c->backends[0]));
	c->n_backends--;
}

static const char *bmac(uint32_t ip)
{
	if (ip == dpt_ip("10.1.0.11"))
		return DPT_MAC_B11;
	return ip == dpt_ip("10.1.0.12") ? DPT_MAC_B12 : DPT_MAC_B13;
}

/* A client segment to @vip:443; returns what went to the backends (port 1). */
static unsigned client(struct dpt_env *e, const char *vip, uint16_t cport, uint8_t flags,
		       uint32_t seq, uint32_t ack, uint16_t payload)
{
	struct dpt_frame f = { .src = "10.0.0.50", .dst = vip, .sport = cport, .dport = 443,
			       .flags = flags, .seq = seq, .ack = ack, .payload = payload };

	dpt_rx_frame(e, 0, &f);
	return dpt_take(e, 1, out, lens, 512);
}

/* A SYN; returns the backend it was sent to (ip in network order << 16 | port). */
static uint64_t open_flow(struct dpt_env *e, const char *vip, uint16_t cport)
{
	struct dpt_view v;

	assert_int_equal(client(e, vip, cport, SYN, 100, 0, 0), 1);
	dpt_view(out[0], lens[0], &v);
	assert_int_equal(v.flags, SYN);
	return (uint64_t)v.dst << 16 | v.dport;
}

static uint64_t bk(const char *ip, uint16_t port)
{
	return (uint64_t)dpt_ip(ip) << 16 | port;
}

/* A backend segment to the client (two-arm); returns what went to port 0. */
static unsigned server(struct dpt_env *e, uint64_t b, uint16_t cport, uint8_t flags, uint32_t seq,
		       uint32_t ack)
{
	uint32_t ip = (uint32_t)(b >> 16);
	struct dpt_frame f = { .smac = bmac(ip), .dmac = DPT_MAC_P1,
			       .src = dpt_ip_str(ip, 0), .dst = "10.0.0.50",
			       .sport = (uint16_t)b, .dport = cport, .flags = flags,
			       .seq = seq, .ack = ack };

	dpt_rx_frame(e, 1, &f);
	return dpt_take(e, 0, out, lens, 512);
}

/* SYN, SYN-ACK, ACK. */
static uint64_t establish(struct dpt_env *e, const char *vip, uint16_t cport)
{
	uint64_t b = open_flow(e, vip, cport);

	assert_int_equal(server(e, b, cport, SYN | ACK, 500, 101), 1);
	assert_int_equal(client(e, vip, cport, ACK, 101, 501, 0), 1);
	return b;
}

/* Where a data segment of an existing flow goes. */
static uint64_t data_to(struct dpt_env *e, const char *vip, uint16_t cport)
{
	struct dpt_view v;

	assert_int_equal(client(e, vip, cport, ACK | PSH, 101, 501, 10), 1);
	dpt_view(out[0], lens[0], &v);
	return (uint64_t)v.dst << 16 | v.dport;
}

/* ---- tests ---- */

static void test_backend_added(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);
	unsigned i, n9443 = 0;
	void *before = e->sh->snap;

	(void)state;
	add_backend(c, 0, "10.1.0.12", 9443, 1);
	apply_ok(e, c);
	assert_ptr_not_equal(e->sh->snap, before);
	assert_int_equal(dp_shared_backend_slot(e->sh, 5), 5);
	assert_int_equal(dp_shared_backend_slot(e->sh, 0), 0);
	for (i = 0; i < 6; i++)
		n9443 += open_flow(e, "10.0.0.100", (uint16_t)(1000 + i)) == bk("10.1.0.12", 9443);
	/* three equal weights: every third new flow */
	assert_int_equal(n9443, 2);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[5].new_flows, 2);
	assert_int_equal(st.backend[5].active_flows, 2);
	assert_int_equal(st.service[0].new_flows, 6);
	free(c);
	dpt_env_delete(e);
}

/* The round-robin goes on across a change: after .11, .12 (a scheduler
 * restarted from zero would pick .11 again, the first of equals). */
static void test_wrr_continues(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);

	(void)state;
	assert_true(open_flow(e, "10.0.0.100", 1500) == bk("10.1.0.11", 8443));
	add_backend(c, 0, "10.1.0.12", 9443, 1);
	apply_ok(e, c);
	assert_true(open_flow(e, "10.0.0.100", 1501) == bk("10.1.0.12", 8443));
	free(c);
	dpt_env_delete(e);
}

static void weight0(struct cp_backend *b)
{
	b->weight = 0;
}

static void drain(struct cp_backend *b)
{
	b->admin = CP_ADMIN_DRAINING;
}

static void disable(struct cp_backend *b)
{
	b->admin = CP_ADMIN_DISABLED;
}

static void health_down(struct cp_backend *b)
{
	(void)b; /* the health checks' array instead, below */
}

static void test_no_new_flows(void **state)
{
	static const struct {
		const char *desc;
		void (*change)(struct cp_backend *b);
		bool down;
	} cases[] = {
		{ "weight 0", weight0, false },
		{ "drain", drain, false },
		{ "disable", disable, false },
		{ "health down", health_down, true },
	};
	unsigned i, k;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = dpt_env_new(small, 1);
		struct cp_config *c = copy_cfg(e);
		uint64_t b11 = bk("10.1.0.11", 8443), b12 = bk("10.1.0.12", 8443);

		print_message("# %s\n", cases[i].desc);
		assert_true(establish(e, "10.0.0.100", 2000) == b11);
		cases[i].change(&c->backends[0]);
		apply_ok(e, c);
		if (cases[i].down)
			__atomic_store_n(&dp_shared_backend_down(e->sh)[0], 1, __ATOMIC_RELAXED);
		for (k = 0; k < 4; k++)
			assert_true(open_flow(e, "10.0.0.100", (uint16_t)(2100 + k)) == b12);
		/* the existing flow, both ways */
		for (k = 0; k < 3; k++) {
			struct dpt_view v;

			assert_true(data_to(e, "10.0.0.100", 2000) == b11);
			assert_int_equal(server(e, b11, 2000, ACK, 501, 111), 1);
			dpt_view(out[0], lens[0], &v);
			assert_int_equal(v.src, dpt_ip("10.0.0.100"));
			assert_int_equal(v.dport, 2000);
		}
		dpt_stats(e, &st);
		assert_int_equal(st.backend[0].new_flows, 1);
		assert_int_equal(st.backend[0].active_flows, 1);
		assert_int_equal(st.backend[1].new_flows, 4);
		free(c);
		dpt_env_delete(e);
	}
}

/* Delete: the flow finishes on its backend, then the slot is freed; a
 * backend that later takes the slot counts from zero. */
static void test_delete_then_reuse(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);
	uint64_t b11 = bk("10.1.0.11", 8443);
	unsigned i, k;

	(void)state;
	assert_true(establish(e, "10.0.0.100", 3000) == b11);
	del_backend(c, 0);
	add_backend(c, 0, "10.1.0.12", 9443, 1);
	apply_ok(e, c);
	/* the survivors keep their slots, the new one takes a fresh slot */
	assert_int_equal(dp_shared_backend_slot(e->sh, 0), 1);
	assert_int_equal(dp_shared_backend_slot(e->sh, 3), 4);
	assert_int_equal(dp_shared_backend_slot(e->sh, 4), 5);
	for (k = 0; k < 4; k++)
		assert_true(open_flow(e, "10.0.0.100", (uint16_t)(3100 + k)) != b11);
	for (k = 0; k < 3; k++)
		assert_true(data_to(e, "10.0.0.100", 3000) == b11);
	dpt_tick(e, 2);
	assert_int_equal(dp_shared_maintain(e->sh), 0);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[0].active_flows, 1);
	/* the flow ends */
	assert_int_equal(client(e, "10.0.0.100", 3000, RST | ACK, 111, 501, 0), 1);
	dpt_advance_ms(e, 6000);
	dpt_tick(e, 200);
	assert_int_equal(dp_shared_maintain(e->sh), 1);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[0].active_flows, 0);
	assert_true(st.backend[0].new_flows == 1 && st.backend[0].packets > 0);

	/* every other slot taken, so the next backend must get slot 0 */
	for (i = 0; c->n_backends < CP_MAX_BACKENDS - 1; i++)
		add_backend(c, 2, "10.1.0.13", (uint16_t)(10000 + i), 1);
	add_backend(c, 0, "10.1.0.11", 7000, 1);
	apply_ok(e, c);
	assert_int_equal(dp_shared_backend_slot(e->sh, CP_MAX_BACKENDS - 1), 0);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[0].new_flows, 0);
	assert_int_equal(st.backend[0].packets, 0);
	assert_int_equal(st.backend[0].bytes, 0);
	assert_int_equal(st.backend[0].active_flows, 0);
	for (k = 0, i = 0; k < 3; k++)
		i += open_flow(e, "10.0.0.100", (uint16_t)(3200 + k)) == bk("10.1.0.11", 7000);
	assert_int_equal(i, 1);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[0].new_flows, 1);
	/* no slot left: a backend that needs a new one is refused, and changes nothing */
	{
		char err[160] = "";
		void *snap = e->sh->snap;

		c->backends[CP_MAX_BACKENDS - 2].port = 65000;
		assert_int_equal(dp_shared_apply(e->sh, c, err, sizeof(err)), -ENOSPC);
		assert_non_null(strstr(err, "no free backend slot"));
		assert_ptr_equal(e->sh->snap, snap);
		assert_int_equal(dp_shared_backend_slot(e->sh, CP_MAX_BACKENDS - 2),
				 CP_MAX_BACKENDS - 1);
	}
	free(c);
	dpt_env_delete(e);
}

static void test_delete_with_reset(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);
	uint64_t b11 = bk("10.1.0.11", 8443), b12 = bk("10.1.0.12", 8443);
	struct seg s;
	int32_t keys;

	(void)state;
	assert_true(establish(e, "10.0.0.100", 4000) == b11);
	assert_true(establish(e, "10.0.0.100", 4001) == b12);
	assert_true(establish(e, "10.0.0.100", 4002) == b11); /* stays silent */
	del_backend(c, 0);
	c->pending.n_resets = 1;
	c->pending.reset[0].vip.family = AF_INET;
	c->pending.reset[0].vip.v4 = dpt_ip("10.0.0.100");
	c->pending.reset[0].vport = 443;
	c->pending.reset[0].ip.family = AF_INET;
	c->pending.reset[0].ip.v4 = dpt_ip("10.1.0.11");
	c->pending.reset[0].port = 8443;
	apply_ok(e, c);

	/* the client speaks: RST to it at what it acknowledged, RST to the
	 * backend at the client's sequence */
	assert_int_equal(client(e, "10.0.0.100", 4000, ACK | PSH, 101, 501, 10), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags & RST, RST);
	assert_int_equal(s.src, dpt_ip("10.0.0.50"));
	assert_int_equal(s.sport, 4000);
	assert_int_equal(s.dst, dpt_ip("10.1.0.11"));
	assert_int_equal(s.dport, 8443);
	assert_int_equal(s.seq, 101);
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags & RST, RST);
	assert_int_equal(s.src, dpt_ip("10.0.0.100"));
	assert_int_equal(s.sport, 443);
	assert_int_equal(s.dst, dpt_ip("10.0.0.50"));
	assert_int_equal(s.dport, 4000);
	assert_int_equal(s.seq, 501);
	/* the backend speaks: the same, mirrored */
	assert_int_equal(server(e, b11, 4000, ACK, 501, 111), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags & RST, RST);
	assert_int_equal(s.dport, 4000);
	assert_int_equal(s.seq, 501);
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags & RST, RST);
	assert_int_equal(s.dst, dpt_ip("10.1.0.11"));
	assert_int_equal(s.seq, 111);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_BACKEND_RESET], 2);
	/* another backend's flow is untouched */
	assert_true(data_to(e, "10.0.0.100", 4001) == b12);
	/* the silent flow is retired as well, after the reset timeout */
	keys = dpt_flow_keys(e);
	assert_int_equal(keys, 6);
	dpt_tick(e, 10);
	dpt_advance_ms(e, 6000);
	dpt_tick(e, 200);
	assert_int_equal(dpt_flow_keys(e), 2);
	assert_int_equal(dp_shared_maintain(e->sh), 1);
	dpt_stats(e, &st);
	assert_int_equal(st.backend[0].active_flows, 0);
	assert_int_equal(st.backend[1].active_flows, 1);
	free(c);
	dpt_env_delete(e);
}

static void add_port(struct cp_config *c)
{
	strcpy(c->ports[c->n_ports].name, "extra");
	strcpy(c->ports[c->n_ports].dev, "net_null9");
	c->ports[c->n_ports++].role = CP_ROLE_SERVER;
}

static void more_flows(struct cp_config *c)
{
	c->limits.flows *= 2;
}

static void snat_gone(struct cp_config *c)
{
	c->addresses[1].snat = false;
}

static void neigh_gone(struct cp_config *c)
{
	c->n_neighs--;
}

static void snat_ports(struct cp_config *c)
{
	c->limits.snat_port_low++;
}

static void test_refused(void **state)
{
	static const struct {
		const char *desc;
		void (*change)(struct cp_config *c);
		const char *reason;
	} cases[] = {
		{ "a port added", add_port, "ports" },
		{ "flow limit", more_flows, "limits" },
		{ "snat address removed", snat_gone, "snat address 10.1.0.1" },
		{ "static neighbour removed", neigh_gone, "neighbours" },
		{ "snat ports", snat_ports, "snat ports" },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = dpt_env_new(small, 1);
		struct cp_config *c = copy_cfg(e);
		void *snap = e->sh->snap;
		char err[160] = "";

		print_message("# %s\n", cases[i].desc);
		/* with other changes that would be fine alone */
		add_backend(c, 0, "10.1.0.12", 9443, 5);
		c->backends[0].weight = 0;
		cases[i].change(c);
		assert_int_equal(dp_shared_apply(e->sh, c, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, cases[i].reason));
		assert_ptr_equal(e->sh->snap, snap);
		assert_int_equal(dp_shared_backend_slot(e->sh, 5), -ENOENT);
		assert_true(open_flow(e, "10.0.0.100", 5000) == bk("10.1.0.11", 8443));
		assert_true(open_flow(e, "10.0.0.100", 5001) == bk("10.1.0.12", 8443));
		free(c);
		dpt_env_delete(e);
	}
}

static void test_service_runtime(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);
	struct cp_service *s;
	struct seg sa;

	(void)state;
	assert_null(e->sh->tls);
	s = &c->services[c->n_services++];
	memset(s, 0, sizeof(*s));
	s->vip.family = AF_INET;
	s->vip.v4 = dpt_ip("10.0.0.103");
	s->port = 443;
	s->mode = CP_MODE_TLS;
	add_backend(c, 3, "10.1.0.12", 8443, 1);
	apply_ok(e, c);
	assert_non_null(e->sh->tls);
	assert_int_equal(dp_shared_service_slot(e->sh, 3), 3);
	/* tls: the SYN is answered with a cookie */
	assert_int_equal(client(e, "10.0.0.103", 6000, SYN, 100, 0, 0), 0);
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	seg_read(out[0], lens[0], &sa);
	assert_int_equal(sa.flags, SYN | ACK);
	assert_int_equal(sa.src, dpt_ip("10.0.0.103"));
	/* l4: forwarded */
	c->services[3].mode = CP_MODE_L4;
	apply_ok(e, c);
	assert_true(open_flow(e, "10.0.0.103", 6001) == bk("10.1.0.12", 8443));
	dpt_stats(e, &st);
	assert_int_equal(st.service[3].new_flows, 1);
	/* gone: new flows dropped, the existing one still passes */
	c->n_services--;
	c->n_backends--;
	apply_ok(e, c);
	assert_int_equal(client(e, "10.0.0.103", 6002, SYN, 100, 0, 0), 0);
	dpt_stats(e, &st);
	assert_int_equal(st.drop[DP_DROP_NO_SERVICE], 1);
	assert_int_equal(client(e, "10.0.0.103", 6001, ACK, 101, 501, 0), 1);
	assert_int_equal(dp_shared_service_slot(e->sh, 3), -ENOENT);
	free(c);
	dpt_env_delete(e);
}

/* A route and a static neighbour added at runtime carry the replies of new
 * flows; an address added at runtime is answered for (ARP). */
static void test_routes_at_runtime(void **state)
{
	struct dpt_env *e = dpt_env_new(small, 1);
	struct cp_config *c = copy_cfg(e);
	struct dpt_frame f = { .src = "192.168.1.1", .dst = "10.0.0.100", .sport = 8000,
			       .dport = 443, .flags = SYN, .seq = 100 };
	uint8_t buf[DPT_FRAME_MAX];
	struct cp_route *r;
	struct cp_neigh *n;
	struct cp_address *a;
	struct dpt_view v;

	(void)state;
	r = &c->routes[c->n_routes++];
	memset(r, 0, sizeof(*r));
	r->prefix.family = AF_INET;
	r->prefix.v4 = dpt_ip("192.168.0.0");
	r->prefix_len = 16;
	r->gateway.family = AF_INET;
	r->gateway.v4 = dpt_ip("10.0.0.253");
	r->port = 0;
	n = &c->neighs[c->n_neighs++];
	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.v4 = dpt_ip("10.0.0.253");
	dpt_mac(n->mac, "02:00:00:00:00:fd");
	n->port = 0;
	a = &c->addresses[c->n_addresses++];
	memset(a, 0, sizeof(*a));
	a->ip.family = AF_INET;
	a->ip.v4 = dpt_ip("10.0.0.2");
	a->prefix_len = 24;
	a->port = 0;
	apply_ok(e, c);
	dpt_rx_frame(e, 0, &f);
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 1);
	dpt_view(out[0], lens[0], &v);
	assert_int_equal(v.src, dpt_ip("192.168.1.1"));
	f = (struct dpt_frame){ .smac = DPT_MAC_B11, .dmac = DPT_MAC_P1, .src = dpt_ip_str(v.dst, 0),
				.dst = "192.168.1.1", .sport = v.dport, .dport = 8000,
				.flags = SYN | ACK, .seq = 500, .ack = 101 };
	dpt_rx_frame(e, 1, &f);
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	dpt_view(out[0], lens[0], &v);
	assert_string_equal(dpt_mac_str(v.dmac, 0), "02:00:00:00:00:fd");
	assert_int_equal(v.src, dpt_ip("10.0.0.100"));
	/* ARP for the new address, on its port */
	dpt_rx(e, 0, buf, dpt_build_arp(buf, DPT_MAC_CLIENT, "ff:ff:ff:ff:ff:ff", 1,
					DPT_MAC_CLIENT, "10.0.0.50", "00:00:00:00:00:00",
					"10.0.0.2"));
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	free(c);
	dpt_env_delete(e);
}

/* ---- mode tls: drain with resumptions ---- */

static struct tlsgen_result r13psk;

static void tls_small(struct cp_config *c)
{
	c->limits.flows = 4096;
	c->services[0].mode = CP_MODE_TLS;
}

/* Cookie handshake, then the hello; returns the backend the SYN went to. */
static uint32_t tls_connect(struct dpt_env *e, uint16_t cport, const uint8_t *hello, uint16_t len)
{
	uint32_t cisn = 0x1000000u + cport * 7919u;
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0, .src = dpt_ip("10.0.0.50"),
			 .dst = dpt_ip("10.0.0.100"), .sport = cport, .dport = 443, .seq = cisn,
			 .flags = SYN, .win = 64240,
			 .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1460 } }, r;
	uint8_t buf[DPT_FRAME_MAX];

	dpt_rx(e, 0, buf, seg_build(buf, &s));
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	seg_read(out[0], lens[0], &r);
	assert_int_equal(r.flags, SYN | ACK);
	s.o.flags = 0;
	s.seq = cisn + 1;
	s.ack = r.seq + 1;
	s.flags = ACK;
	dpt_rx(e, 0, buf, seg_build(buf, &s));
	assert_int_equal(dpt_flush(e), 0);
	s.flags = ACK | PSH;
	s.data = hello;
	s.len = len;
	dpt_rx(e, 0, buf, seg_build(buf, &s));
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 1);
	seg_read(out[0], lens[0], &r);
	assert_int_equal(r.flags, SYN);
	return r.dst;
}

/* The first connection's hello: one record (checked). */
static uint16_t first_hello_len(const struct tlsgen_result *r)
{
	const uint8_t *d = r->first_client.data;
	uint16_t n;

	assert_true(r->first_client.len > 5 && d[0] == 22);
	n = (uint16_t)(5 + (d[3] << 8 | d[4]));
	assert_true(n <= r->first_client.len);
	return n;
}

static void test_drain_resume(void **state)
{
	static const struct {
		const char *desc;
		uint8_t admin;
		bool resume;
		bool to_issuer;
		enum dp_tlsroute_miss miss;
	} cases[] = {
		{ "enabled", CP_ADMIN_ENABLED, false, true, DP_TLSROUTE_MISS_NONE },
		{ "draining, resumptions on", CP_ADMIN_DRAINING, true, true, DP_TLSROUTE_MISS_NONE },
		{ "draining", CP_ADMIN_DRAINING, false, false, DP_TLSROUTE_MISS_DRAINING },
		{ "disabled", CP_ADMIN_DISABLED, true, false, DP_TLSROUTE_MISS_DRAINING },
	};
	const struct tlsgen_result *r = &r13psk;
	unsigned i;

	(void)state;
	assert_true(r->reused);
	for (i = 0; i < DPT_N(cases); i++) {
		struct dpt_env *e = dpt_env_new(tls_small, 1);
		struct cp_config *c = copy_cfg(e);
		uint32_t b;
		unsigned k;

		print_message("# %s\n", cases[i].desc);
		/* the control plane: backend 1 (10.1.0.12) encrypts with this key */
		assert_int_equal(dp_shared_keyname_set(e->sh, 0, r->key_name, 16, 1), 0);
		c->backends[1].admin = cases[i].admin;
		c->backends[1].drain_resume = cases[i].resume;
		apply_ok(e, c);
		b = tls_connect(e, 7000, r->client.data, (uint16_t)r->client_hello_len);
		dpt_stats(e, &st);
		if (cases[i].to_issuer) {
			assert_int_equal(b, dpt_ip("10.1.0.12"));
			assert_int_equal(st.route.rule[DP_TLSROUTE_RULE_PSK_KEY_NAME].hit, 1);
		} else {
			assert_int_equal(b, dpt_ip("10.1.0.11"));
			assert_int_equal(st.route.rule[DP_TLSROUTE_RULE_PSK_KEY_NAME].miss[cases[i].miss],
					 1);
		}
		/* new connections without a resumption: never to a non-enabled backend */
		for (k = 0; k < 4; k++) {
			b = tls_connect(e, (uint16_t)(7100 + k), r->first_client.data,
					first_hello_len(r));
			if (cases[i].admin != CP_ADMIN_ENABLED)
				assert_int_equal(b, dpt_ip("10.1.0.11"));
		}
		free(c);
		dpt_env_delete(e);
	}
}

/* Delete with reset while a tls flow waits for its backend's SYN-ACK. */
static void test_reset_binding(void **state)
{
	struct dpt_env *e = dpt_env_new(tls_small, 1);
	struct cp_config *c = copy_cfg(e);
	uint32_t b = tls_connect(e, 7700, r13psk.first_client.data, first_hello_len(&r13psk));
	unsigned bi = b == dpt_ip("10.1.0.11") ? 0 : 1;
	struct seg s;

	(void)state;
	c->pending.n_resets = 1;
	c->pending.reset[0].vip.family = AF_INET;
	c->pending.reset[0].vip.v4 = dpt_ip("10.0.0.100");
	c->pending.reset[0].vport = 443;
	c->pending.reset[0].ip = c->backends[bi].ip;
	c->pending.reset[0].port = c->backends[bi].port;
	del_backend(c, bi);
	apply_ok(e, c);
	dpt_tick(e, 1);
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags, RST);
	assert_int_equal(s.dst, b);
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	seg_read(out[0], lens[0], &s);
	assert_int_equal(s.flags & RST, RST);
	assert_int_equal(s.dport, 7700);
	dpt_tick(e, 2);
	assert_int_equal(dpt_flow_keys(e), 0); /* retired at once */
	assert_int_equal(dp_shared_maintain(e->sh), 1);
	free(c);
	dpt_env_delete(e);
}

/* Per-service tls settings reach the snapshot and the packet path. */
static void test_tls_settings(void **state)
{
	struct dpt_env *e = dpt_env_new(tls_small, 1);
	struct cp_config *c = copy_cfg(e);
	const struct dp_svc_table *t;
	struct dp_learn *before = e->sh->snap->svc[0].learn;
	uint8_t buf[DPT_FRAME_MAX];
	struct seg s = { .smac = DPT_MAC_CLIENT, .dmac = DPT_MAC_P0, .src = dpt_ip("10.0.0.50"),
			 .dst = dpt_ip("10.0.0.100"), .sport = 7500, .dport = 443, .seq = 1000,
			 .flags = SYN, .win = 64240,
			 .o = { .flags = DP_TCPOPT_F_MSS, .mss = 1460 } }, r;

	(void)state;
	assert_non_null(before);
	assert_int_equal(dp_learn_key_name_len(before), 16);
	c->services[0].hello_timeout = 2;
	c->services[0].keyname_len = 8;
	c->services[0].session_lifetime = 600;
	c->services[0].server_id_len = 4;
	memcpy(c->backends[1].server_id, "\x01\x02\x03\x04", 4);
	apply_ok(e, c);
	t = e->sh->snap;
	assert_int_equal(t->svc[0].hello_timeout_ms, 2000);
	assert_int_equal(t->svc[0].server_id_len, 4);
	assert_int_equal(t->svc[0].n_sid, 1);
	assert_int_equal(t->server_ids[t->svc[0].sid_first].backend, 1);
	assert_memory_equal(t->server_ids[t->svc[0].sid_first].id, "\x01\x02\x03\x04", 4);
	/* another key-name length: another table (the old one freed after a grace period) */
	assert_ptr_not_equal(t->svc[0].learn, before);
	assert_int_equal(dp_learn_key_name_len(t->svc[0].learn), 8);
	dpt_tick(e, 1);
	dp_shared_maintain(e->sh);
	/* the hello timeout: 2 s, not the global 5 s */
	dpt_rx(e, 0, buf, seg_build(buf, &s));
	assert_int_equal(dpt_take(e, 0, out, lens, 512), 1);
	seg_read(out[0], lens[0], &r);
	s.o.flags = 0;
	s.seq = 1001;
	s.ack = r.seq + 1;
	s.flags = ACK;
	dpt_rx(e, 0, buf, seg_build(buf, &s));
	assert_int_equal(dpt_flush(e), 0);
	dpt_advance_ms(e, 1900);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 0);
	dpt_advance_ms(e, 200);
	dpt_tick(e, DP_TLS_HS_MAX / 64 + 1);
	assert_int_equal(dpt_take(e, 1, out, lens, 512), 1);
	seg_read(out[0], lens[0], &r);
	assert_int_equal(r.flags, SYN);
	dpt_stats(e, &st);
	assert_int_equal(st.tls[DP_TLSC_HELLO_TIMEOUT], 1);
	free(c);
	dpt_env_delete(e);
}

/* ---- stress: configs applied continuously under traffic ---- */

#define S_PORTS 1500
#define S_SECONDS 3
#define S_BURST 16

static struct dpt_env *senv;
static struct dp_worker *sw1;
static uint64_t s_clock;
static int s_stop, s_ctl_done;
static uint64_t s_misrouted, s_replies, s_checked, s_applies, s_refusals;
static uint64_t s_expect[2][S_PORTS]; /* by service (100, 103), client port: backend */

static struct rte_mbuf *mbuf_of(const struct dpt_frame *f)
{
	uint8_t buf[DPT_FRAME_MAX];
	size_t len = dpt_build(buf, f);
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool());

	if (m != NULL)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	return m;
}

static uint16_t burst(struct rte_mbuf **pkts, const struct dpt_frame *f, unsigned n)
{
	uint16_t k = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		if ((pkts[k] = mbuf_of(&f[i])) != NULL)
			k++;
	return k;
}

/* Worker 0's output to the backends: a flow's packets keep their backend. */
static void check_to_backends(const uint8_t *f, size_t len)
{
	struct dpt_view v;
	uint64_t b;
	unsigned svc;

	dpt_view(f, len, &v);
	if (v.sport < 20000 || v.sport >= 20000 + 2 * S_PORTS)
		return;
	svc = (v.sport - 20000) / S_PORTS;
	b = (uint64_t)v.dst << 16 | v.dport;
	if (v.flags == SYN) {
		s_expect[svc][(v.sport - 20000) % S_PORTS] = b;
		return;
	}
	s_checked++;
	if (s_expect[svc][(v.sport - 20000) % S_PORTS] != b)
		__atomic_fetch_add(&s_misrouted, 1, __ATOMIC_RELAXED);
}

static void s_drain(struct dp_worker *w, bool replies)
{
	struct rte_mbuf *o[64];
	uint16_t n, i, p;

	for (p = 0; p < 2; p++) {
		while ((n = dp_worker_tx_take(w, p, o, 64)) > 0) {
			for (i = 0; i < n; i++) {
				const uint8_t *f = rte_pktmbuf_mtod(o[i], const uint8_t *);
				size_t len = rte_pktmbuf_pkt_len(o[i]);

				if (!replies && p == 1)
					check_to_backends(f, len);
				if (replies && p == 0) {
					struct dpt_view v;
					uint16_t want = (uint16_t)(f[14 + 20 + 4] << 8 | f[14 + 20 + 5]);
					uint32_t vip = want < 20000 + S_PORTS ? dpt_ip("10.0.0.100") :
										dpt_ip("10.0.0.103");

					dpt_view(f, len, &v);
					/* RSTs of reset flows carry their own sequence */
					if (!(v.flags & RST) &&
					    (v.dport != want || v.src != vip || v.sport != 443))
						__atomic_fetch_add(&s_misrouted, 1, __ATOMIC_RELAXED);
					__atomic_fetch_add(&s_replies, 1, __ATOMIC_RELAXED);
				}
				rte_pktmbuf_free(o[i]);
			}
		}
	}
}

static const char *const s_backends[] = { "10.1.0.11", "10.1.0.12" };
static const uint16_t s_bports[] = { 8443, 9443 };

/* Worker 1: backend replies to random client ports of both services. */
static int s_replies_lcore(void *arg)
{
	unsigned seed = 11, i;

	(void)arg;
	while (!__atomic_load_n(&s_stop, __ATOMIC_ACQUIRE)) {
		struct dpt_frame f[S_BURST];
		struct rte_mbuf *pkts[S_BURST];
		uint16_t n;

		for (i = 0; i < S_BURST; i++) {
			uint16_t port = (uint16_t)(20000 + rand_r(&seed) % (2 * S_PORTS));
			unsigned b = rand_r(&seed) % 2;

			f[i] = (struct dpt_frame){ .smac = bmac(dpt_ip(s_backends[b])),
						   .dmac = DPT_MAC_P1, .src = s_backends[b],
						   .dst = "10.0.0.50",
						   .sport = s_bports[rand_r(&seed) % 2], .dport = port,
						   .flags = i % 7 ? ACK : SYN | ACK,
						   .seq = (uint32_t)port << 16 };
		}
		n = burst(pkts, f, S_BURST);
		dp_worker_rx(sw1, 1, pkts, n, __atomic_load_n(&s_clock, __ATOMIC_RELAXED));
		dp_worker_tick(sw1, __atomic_load_n(&s_clock, __ATOMIC_RELAXED));
		s_drain(sw1, true);
	}
	return 0;
}

/* The control thread: a new config every iteration, drawn at random. */
static void *s_control(void *arg)
{
	struct cp_config *base = arg, *c = malloc(sizeof(*c));
	unsigned seed = 5, it = 0;
	char err[160];

	assert_non_null(c);
	if (rte_thread_register() != 0) {
		fprintf(stderr, "rte_thread_register failed\n");
		abort();
	}
	while (!__atomic_load_n(&s_stop, __ATOMIC_ACQUIRE)) {
		unsigned r = (unsigned)rand_r(&seed), b;

		*c = *base;
		c->n_backends = 0;
		/* service 0 (10.0.0.100): a changing pool of up to four */
		for (b = 0; b < 4; b++) {
			if (r >> b & 1)
				continue;
			add_backend(c, 0, s_backends[b / 2], s_bports[b % 2],
				    (unsigned)rand_r(&seed) % 4);
			c->backends[c->n_backends - 1].admin = (uint8_t)(rand_r(&seed) % 5 == 0 ?
					CP_ADMIN_DRAINING : CP_ADMIN_ENABLED);
		}
		add_backend(c, 1, "10.1.0.11", 8443, 1);
		add_backend(c, 2, "10.1.0.13", 443, 1);
		/* service 3 (10.0.0.103): comes and goes, changes mode */
		if (r >> 4 & 3) {
			struct cp_service *s = &c->services[c->n_services++];

			memset(s, 0, sizeof(*s));
			s->vip.family = AF_INET;
			s->vip.v4 = dpt_ip("10.0.0.103");
			s->port = 443;
			s->mode = (r >> 6 & 7) == 0 ? CP_MODE_TLS : CP_MODE_L4;
			/* another length replaces the learned tables under the sweep */
			s->keyname_len = (r >> 20 & 15) == 0 ? 8 : 16;
			add_backend(c, 3, s_backends[r >> 9 & 1], 8443, 1);
			add_backend(c, 3, "10.1.0.12", 9443, 1 + (r >> 10 & 3));
		}
		if ((r >> 12 & 15) == 0 && c->n_backends > 0) {
			/* a deleted backend of service 0 is reset */
			c->pending.n_resets = 1;
			c->pending.reset[0].vip.family = AF_INET;
			c->pending.reset[0].vip.v4 = dpt_ip("10.0.0.100");
			c->pending.reset[0].vport = 443;
			c->pending.reset[0].ip.family = AF_INET;
			c->pending.reset[0].ip.v4 = dpt_ip(s_backends[r >> 16 & 1]);
			c->pending.reset[0].port = s_bports[r >> 17 & 1];
		}
		if (dp_shared_apply(senv->sh, c, err, sizeof(err)) == 0) {
			__atomic_fetch_add(&s_applies, 1, __ATOMIC_RELAXED);
		} else {
			fprintf(stderr, "# refused: %s\n", err);
			__atomic_fetch_add(&s_refusals, 1, __ATOMIC_RELAXED);
		}
		if (c->n_services > 3 && c->services[3].mode == CP_MODE_TLS) {
			/* the key manager's feeding and removals, against worker 0's sweep */
			uint8_t name[16] = { (uint8_t)it, 0x5a };

			if (dp_shared_keyname_set(senv->sh, 3, name, 16, c->n_backends - 1) != 0 ||
			    dp_shared_keyname_remove(senv->sh, 3, name, 16) != 0)
				__atomic_fetch_add(&s_refusals, 1, __ATOMIC_RELAXED);
		}
		if (++it % 4 == 0)
			dp_shared_maintain(senv->sh);
	}
	/* the base config again, for the final accounting */
	if (dp_shared_apply(senv->sh, base, err, sizeof(err)) != 0)
		__atomic_fetch_add(&s_refusals, 1, __ATOMIC_RELAXED);
	rte_thread_unregister();
	free(c);
	__atomic_store_n(&s_ctl_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void stress_cfg(struct cp_config *c)
{
	c->limits.flows = 4096;
	c->timeouts.syn = 1;
	c->timeouts.established = 1;
	c->timeouts.closing = 1;
	c->timeouts.reset = 1;
}

static void test_stress(void **state)
{
	struct cp_config *base;
	pthread_t ctl;
	struct timespec t0, t1;
	unsigned seed = 3, i, lcore, b, s;
	uint64_t active_bk = 0, active_svc = 0, new_bk = 0, new_svc = 0;

	(void)state;
	if (rte_lcore_count() < 2)
		skip();
	senv = dpt_env_new(stress_cfg, 2);
	sw1 = dp_worker_create(senv->sh, 1, dpt_pool());
	assert_non_null(sw1);
	base = copy_cfg(senv);
	s_clock = senv->now;
	lcore = rte_get_next_lcore(-1, 1, 0);
	assert_int_equal(rte_eal_remote_launch(s_replies_lcore, NULL, lcore), 0);
	assert_int_equal(pthread_create(&ctl, NULL, s_control, base), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct dpt_frame f[S_BURST];
		struct rte_mbuf *pkts[S_BURST];
		uint16_t n;

		for (i = 0; i < S_BURST; i++) {
			uint16_t port = (uint16_t)(20000 + rand_r(&seed) % (2 * S_PORTS));

			f[i] = (struct dpt_frame){ .src = "10.0.0.50",
						   .dst = port < 20000 + S_PORTS ? "10.0.0.100" :
										   "10.0.0.103",
						   .sport = port, .dport = 443,
						   .flags = i % 3 ? ACK : SYN, .seq = 100, .ack = 1 };
		}
		n = burst(pkts, f, S_BURST);
		/* 2 ms per burst: a flow idles out (1 s) now and then */
		__atomic_store_n(&s_clock, s_clock + 2 * senv->tsc_per_ms, __ATOMIC_RELAXED);
		dp_worker_rx(senv->w, 0, pkts, n, s_clock);
		dp_worker_tick(senv->w, s_clock);
		s_drain(senv->w, false);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < S_SECONDS);
	__atomic_store_n(&s_stop, 1, __ATOMIC_RELEASE);
	/* the control thread may wait for a grace period: keep ticking */
	while (!__atomic_load_n(&s_ctl_done, __ATOMIC_ACQUIRE)) {
		dp_worker_tick(senv->w, s_clock);
		s_drain(senv->w, false);
	}
	pthread_join(ctl, NULL);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	s_drain(sw1, true);

	print_message("# %" PRIu64 " configs applied (%" PRIu64 " refused), %" PRIu64
		      " packets checked, %" PRIu64 " replies\n",
		      s_applies, s_refusals, s_checked, s_replies);
	assert_int_equal(s_misrouted, 0);
	assert_int_equal(s_refusals, 0);
	assert_true(s_applies > 50);
	assert_true(s_checked > 1000);

	/* every flow idles out; the counters must come back to zero */
	for (i = 0; i < 400; i++) {
		s_clock += 10 * senv->tsc_per_ms;
		dp_worker_tick(senv->w, s_clock);
		dp_worker_tick(sw1, s_clock);
	}
	s_drain(senv->w, false);
	s_drain(sw1, true);
	assert_int_equal(dpt_flow_keys(senv), 0);
	dp_shared_maintain(senv->sh);
	dp_stats_sum(senv->sh, &st);
	for (b = 0; b < CP_MAX_BACKENDS; b++) {
		active_bk += st.backend[b].active_flows;
		new_bk += st.backend[b].new_flows;
	}
	for (s = 0; s < CP_MAX_SERVICES; s++) {
		active_svc += st.service[s].active_flows;
		new_svc += st.service[s].new_flows;
	}
	print_message("# flows %" PRIu64 ", reset answers %" PRIu64 ", cookies %" PRIu64
		      ", no backend %" PRIu64 ", no service %" PRIu64 "\n",
		      st.flows_created, st.drop[DP_DROP_BACKEND_RESET], st.tls[DP_TLSC_COOKIE_SENT],
		      st.drop[DP_DROP_NO_BACKEND], st.drop[DP_DROP_NO_SERVICE]);
	assert_int_equal(active_bk, 0);
	assert_int_equal(active_svc, 0);
	assert_int_equal(new_svc, st.flows_created);
	assert_true(new_bk <= new_svc);
	assert_int_equal(st.flows_created, st.flows_expired + st.flows_closed);
	/* only the base config's slots are left */
	for (b = 0; b < 5; b++)
		assert_true(dp_shared_backend_slot(senv->sh, b) >= 0);
	dp_worker_free(sw1);
	free(base);
	dpt_env_delete(senv);
}

static int group_setup(void **state)
{
	struct tlsgen_params p13psk = { .tickets = true, .resume = true };

	(void)state;
	dpt_eal_init2();
	assert_int_equal(tlsgen_run(&p13psk, &r13psk), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tlsgen_result_free(&r13psk);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_added),
		cmocka_unit_test(test_wrr_continues),
		cmocka_unit_test(test_no_new_flows),
		cmocka_unit_test(test_delete_then_reuse),
		cmocka_unit_test(test_delete_with_reset),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_service_runtime),
		cmocka_unit_test(test_routes_at_runtime),
		cmocka_unit_test(test_drain_resume),
		cmocka_unit_test(test_tls_settings),
		cmocka_unit_test(test_reset_binding),
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
