/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp_internal.h"
#include "dp_test_util.h"

static struct rte_mempool *pool;

void dpt_config_defaults(struct cp_config *c)
{
	/* control's defaults, so tests follow them; a small table keeps tests quick */
	cp_config_init(c);
	c->limits.flows = 1024;
}

static struct cp_ip v4(const char *s)
{
	struct cp_ip ip = { .family = AF_INET, .v4 = dpt_ip(s) };

	return ip;
}

static void port(struct cp_config *c, const char *name, uint8_t role)
{
	struct cp_port *p = &c->ports[c->n_ports++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dev, sizeof(p->dev), "net_null%u", c->n_ports - 1);
	p->role = role;
}

static void address(struct cp_config *c, const char *ip, uint8_t len, uint16_t port_i, bool snat)
{
	struct cp_address *a = &c->addresses[c->n_addresses++];

	a->ip = v4(ip);
	a->prefix_len = len;
	a->port = port_i;
	a->snat = snat;
}

static void neigh(struct cp_config *c, const char *ip, const char *mac, uint16_t port_i)
{
	struct cp_neigh *n = &c->neighs[c->n_neighs++];

	n->ip = v4(ip);
	dpt_mac(n->mac, mac);
	n->port = port_i;
}

static void service(struct cp_config *c, const char *vip, uint16_t p, uint8_t nat)
{
	struct cp_service *s = &c->services[c->n_services++];
	struct cp_ip ip = v4(vip);

	cp_service_init(s, &ip, p);
	s->mode = CP_MODE_L4;
	s->nat = nat;
	s->sched = CP_SCHED_WRR;
}

static void backend(struct cp_config *c, uint16_t svc, const char *ip, uint16_t p, uint32_t weight)
{
	struct cp_backend *b = &c->backends[c->n_backends++];

	b->ip = v4(ip);
	b->port = p;
	b->weight = weight;
	b->service = svc;
}

void dpt_config(struct cp_config *c)
{
	struct cp_route *r;

	dpt_config_defaults(c);
	port(c, "client", CP_ROLE_CLIENT);
	port(c, "server", CP_ROLE_SERVER);
	address(c, "10.0.0.1", 24, 0, false);
	address(c, "10.1.0.1", 24, 1, true);
	r = &c->routes[c->n_routes++];
	r->prefix = v4("0.0.0.0");
	r->prefix_len = 0;
	r->gateway = v4("10.0.0.254");
	r->port = 0;
	neigh(c, "10.0.0.50", DPT_MAC_CLIENT, 0);
	neigh(c, "10.0.0.254", DPT_MAC_ROUTER, 0);
	neigh(c, "10.1.0.11", DPT_MAC_B11, 1);
	neigh(c, "10.1.0.12", DPT_MAC_B12, 1);
	service(c, "10.0.0.100", 443, CP_NAT_TWO_ARM);
	service(c, "10.0.0.101", 443, CP_NAT_FULL);
	service(c, "10.0.0.102", 443, CP_NAT_TWO_ARM);
	backend(c, 0, "10.1.0.11", 8443, 1);
	backend(c, 0, "10.1.0.12", 8443, 1);
	backend(c, 1, "10.1.0.11", 8443, 1);
	backend(c, 1, "10.1.0.12", 8443, 1);
	backend(c, 2, "10.1.0.13", 443, 1);
}

/* With --no-shconf EAL still makes an (empty) runtime directory: leave nothing behind. */
static void remove_runtime_dir(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

static void eal_init(const char *lcores)
{
	char prefix[64], lc[64];
	char *argv[] = {
		"dp_test", "--no-huge", "--no-pci", "-m", "256", lc, "--no-shconf",
		"--log-level=lib.eal:error", "--no-telemetry", "--file-prefix", prefix,
	};

	if (pool != NULL)
		return;
	snprintf(lc, sizeof(lc), "--lcores=%s", lcores);
	snprintf(prefix, sizeof(prefix), "dp_test_%d", (int)getpid());
	if (rte_eal_init((int)DPT_N(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		_exit(1);
	}
	atexit(remove_runtime_dir);
	pool = rte_pktmbuf_pool_create("dpt_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mempool failed\n");
		_exit(1);
	}
}

void dpt_eal_init(void)
{
	eal_init("0");
}

void dpt_eal_init2(void)
{
	int cpu[2] = { -1, -1 }, n = 0, i;
	char lcores[64];
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (i = 0; i < CPU_SETSIZE && n < 2; i++)
			if (CPU_ISSET(i, &set))
				cpu[n++] = i;
	if (n == 0)
		cpu[n++] = 0;
	if (n == 1)
		cpu[1] = cpu[0];
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d", cpu[0], cpu[1]);
	eal_init(lcores);
}

struct rte_mempool *dpt_pool(void)
{
	return pool;
}

struct rte_mbuf *dpt_mbuf_chain2(const uint8_t *buf, size_t len, size_t first)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *tail = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	assert_non_null(tail);
	assert_true(first < len);
	memcpy(rte_pktmbuf_append(m, (uint16_t)first), buf, first);
	memcpy(rte_pktmbuf_append(tail, (uint16_t)(len - first)), buf + first, len - first);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	return m;
}

uint32_t dpt_ip(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1)
		fail_msg("bad address %s", dotted);
	return a.s_addr;
}

void dpt_mac(uint8_t out[6], const char *s)
{
	unsigned v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		fail_msg("bad mac %s", s);
	for (i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t dpt_sum(const uint8_t *p, size_t len, uint32_t acc)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint32_t pseudo(const uint8_t *ip, uint16_t l4_len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	put16(ph + 10, l4_len);
	return dpt_sum(ph, sizeof(ph), 0);
}

size_t dpt_build(uint8_t *buf, const struct dpt_frame *f)
{
	uint8_t *ip = buf + 14, *l4;
	unsigned ihl = f->ihl ? f->ihl : 5, l4_hdr, doff = f->doff ? f->doff : 5, i;
	uint8_t proto = f->proto ? f->proto : IPPROTO_TCP;
	uint16_t total;
	size_t len;

	memset(buf, 0, DPT_FRAME_MAX);
	dpt_mac(buf, f->dmac ? f->dmac : DPT_MAC_P0);
	dpt_mac(buf + 6, f->smac ? f->smac : DPT_MAC_CLIENT);
	put16(buf + 12, f->ether_type ? f->ether_type : 0x0800);
	if (f->ether_type && f->ether_type != 0x0800) {
		len = 14 + f->payload;
		return f->cut ? f->cut : len;
	}
	ip[0] = (uint8_t)((f->version ? f->version : 4) << 4 | (ihl & 0xf));
	put16(ip + 4, 0x1234);
	put16(ip + 6, f->frag);
	ip[8] = f->ttl ? f->ttl : 64;
	ip[9] = proto;
	memcpy(ip + 12, &(uint32_t){ dpt_ip(f->src ? f->src : "10.0.0.50") }, 4);
	memcpy(ip + 16, &(uint32_t){ dpt_ip(f->dst ? f->dst : "10.0.0.100") }, 4);
	for (i = 20; i < ihl * 4; i++)
		ip[i] = 1; /* NOP options */
	l4 = ip + ihl * 4;
	if (proto == IPPROTO_TCP) {
		l4_hdr = 20;
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put32(l4 + 4, f->seq);
		put32(l4 + 8, f->ack);
		l4[12] = (uint8_t)(doff << 4);
		l4[13] = f->flags;
		put16(l4 + 14, 65535);
	} else {
		l4_hdr = 8;
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		if (proto == IPPROTO_ICMP)
			l4[0] = 8; /* echo request */
	}
	for (i = 0; i < f->payload; i++)
		l4[l4_hdr + i] = (uint8_t)(i * 7 + 1);
	total = (uint16_t)(ihl * 4 + l4_hdr + f->payload);
	if (proto == IPPROTO_TCP)
		put16(l4 + 16, (uint16_t)~dpt_sum(l4, total - ihl * 4, pseudo(ip, total - ihl * 4)));
	put16(ip + 2, (uint16_t)(total + f->len_delta));
	put16(ip + 10, (uint16_t)~dpt_sum(ip, ihl * 4, 0));
	if (f->bad_csum)
		ip[10] ^= 0x5a;
	len = 14 + total + f->pad;
	return f->cut ? f->cut : len;
}

size_t dpt_build_arp(uint8_t *buf, const char *eth_src, const char *eth_dst, uint16_t op,
		     const char *sha, const char *spa, const char *tha, const char *tpa)
{
	uint8_t *a = buf + 14;
	uint32_t ip;

	memset(buf, 0, DPT_FRAME_MAX);
	dpt_mac(buf, eth_dst);
	dpt_mac(buf + 6, eth_src);
	put16(buf + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	dpt_mac(a + 8, sha);
	ip = dpt_ip(spa);
	memcpy(a + 14, &ip, 4);
	dpt_mac(a + 18, tha);
	ip = dpt_ip(tpa);
	memcpy(a + 24, &ip, 4);
	return 42;
}

bool dpt_ipv4_csum_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + 14;
	size_t ihl;

	if (len < 34)
		return false;
	ihl = (ip[0] & 0xf) * 4u;
	return len >= 14 + ihl && dpt_sum(ip, ihl, 0) == 0xffff;
}

bool dpt_tcp_csum_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + 14;
	size_t ihl = (ip[0] & 0xf) * 4u;
	uint16_t total = (uint16_t)(ip[2] << 8 | ip[3]);

	if (len < 14 + (size_t)total || total < ihl + 20)
		return false;
	return dpt_sum(ip + ihl, total - ihl, pseudo(ip, (uint16_t)(total - ihl))) == 0xffff;
}

void dpt_env_up(struct dpt_env *e, unsigned n_workers)
{
	struct dp_port_info ports[CP_MAX_PORTS];
	const char *macs[] = { DPT_MAC_P0, DPT_MAC_P1, "02:00:00:00:02:01", "02:00:00:00:03:01" };
	unsigned i;

	memset(ports, 0, sizeof(ports));
	for (i = 0; i < e->cfg.n_ports; i++) {
		ports[i].port_id = (uint16_t)i;
		dpt_mac(ports[i].mac.addr_bytes, macs[i % DPT_N(macs)]);
	}
	e->tsc_per_ms = rte_get_tsc_hz() / 1000;
	e->now = 1000 * 1000 * e->tsc_per_ms; /* 1000 s: clear of any zero edge */
	e->sh = dp_shared_create(&e->cfg, ports, e->cfg.n_ports, n_workers, SOCKET_ID_ANY);
	assert_non_null(e->sh);
	e->w = dp_worker_create(e->sh, 0, pool);
	assert_non_null(e->w);
}

void dpt_env_down(struct dpt_env *e)
{
	dpt_flush(e);
	dp_worker_free(e->w);
	dp_shared_free(e->sh);
	e->w = NULL;
	e->sh = NULL;
	/* every packet the tests made came back */
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

void dpt_rx(struct dpt_env *e, uint16_t port_i, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_true(d != NULL || len == 0);
	if (len)
		memcpy(d, buf, len);
	dp_worker_rx(e->w, port_i, &m, 1, e->now);
}

void dpt_rx_frame(struct dpt_env *e, uint16_t port_i, const struct dpt_frame *f)
{
	uint8_t buf[DPT_FRAME_MAX];

	dpt_rx(e, port_i, buf, dpt_build(buf, f));
}

unsigned dpt_take(struct dpt_env *e, uint16_t port_i, uint8_t out[][DPT_FRAME_MAX], size_t *lens,
		  unsigned max)
{
	struct rte_mbuf *m[64];
	unsigned total = 0;
	uint16_t n, i;

	while ((n = dp_worker_tx_take(e->w, port_i, m, 64)) > 0) {
		for (i = 0; i < n; i++, total++) {
			assert_int_equal(m[i]->nb_segs, 1);
			if (out != NULL && total < max) {
				lens[total] = rte_pktmbuf_pkt_len(m[i]);
				assert_true(lens[total] <= DPT_FRAME_MAX);
				memcpy(out[total], rte_pktmbuf_mtod(m[i], void *), lens[total]);
			}
			rte_pktmbuf_free(m[i]);
		}
	}
	return total;
}

unsigned dpt_flush(struct dpt_env *e)
{
	unsigned p, n = 0;

	if (e->w == NULL)
		return 0;
	for (p = 0; p < e->cfg.n_ports; p++)
		n += dpt_take(e, (uint16_t)p, NULL, NULL, 0);
	return n;
}

void dpt_advance_ms(struct dpt_env *e, uint64_t ms)
{
	e->now += ms * e->tsc_per_ms;
}

void dpt_tick(struct dpt_env *e, unsigned n)
{
	while (n--)
		dp_worker_tick(e->w, e->now);
}

void dpt_stats(struct dpt_env *e, struct dp_stats *st)
{
	dp_stats_sum(e->sh, st);
}

uint64_t dpt_drops(const struct dp_stats *st)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < DP_DROP__COUNT; i++)
		n += st->drop[i];
	return n;
}

void dpt_assert_frame(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	size_t i;

	for (i = 0; i < got_len && i < want_len; i++)
		if (got[i] != want[i])
			fail_msg("frames differ at byte %zu: got %02x want %02x", i, got[i], want[i]);
	assert_int_equal(got_len, want_len);
}

void dpt_view(const uint8_t *f, size_t len, struct dpt_view *v)
{
	const uint8_t *ip = f + 14, *tcp;

	assert_true(len >= 14 + 20 + 20);
	assert_int_equal(f[12] << 8 | f[13], 0x0800);
	tcp = ip + (ip[0] & 0xf) * 4;
	memcpy(v->dmac, f, 6);
	memcpy(v->smac, f + 6, 6);
	memcpy(&v->src, ip + 12, 4);
	memcpy(&v->dst, ip + 16, 4);
	v->ttl = ip[8];
	v->sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	v->dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	v->flags = tcp[13];
}

const char *dpt_mac_str(const uint8_t m[6], unsigned slot)
{
	static char buf[4][18];

	snprintf(buf[slot & 3], sizeof(buf[0]), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf[slot & 3];
}

const char *dpt_ip_str(uint32_t ip, unsigned slot)
{
	static char buf[4][INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ip, buf[slot & 3], sizeof(buf[0]));
	return buf[slot & 3];
}

struct dpt_env *dpt_env_new(void (*tweak)(struct cp_config *), unsigned n_workers)
{
	struct dpt_env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	dpt_config(&e->cfg);
	if (tweak != NULL)
		tweak(&e->cfg);
	dpt_env_up(e, n_workers);
	return e;
}

void dpt_env_delete(struct dpt_env *e)
{
	dpt_env_down(e);
	free(e);
}

int32_t dpt_flow_keys(struct dpt_env *e)
{
	return (int32_t)dp_flow_key_count(&e->sh->flows);
}

struct dp_learn *dpt_learn_create(struct dp_learn_params *p)
{
	static unsigned serial;
	char name[24];
	struct dp_learn *t;

	snprintf(name, sizeof(name), "dpt_learn%u", serial++);
	p->name = name;
	t = dp_learn_create(p);
	if (t == NULL)
		fail_msg("dp_learn_create: %s", rte_strerror(rte_errno));
	return t;
}
