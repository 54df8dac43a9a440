/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One command line at a time: what a good line builds, what a bad line says,
 * and that a bad line leaves the config byte for byte as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cp_config.h"
#include "cp_test_util.h"

#define N CP_TEST_N

/* Configs are ~150 KiB: keep them off the stack. */
static struct cp_config cfg, before, want;

#define DEF_TO                     \
	{                          \
		5, 900, 30, 5, 300, 5 \
	}
#define DEF_LIM                          \
	{                                \
		1048576, 64, 1024, 65535 \
	}

enum kind { K_NONE, K_PORT, K_ADDR, K_ROUTE, K_NEIGH, K_SERVICE, K_BACKEND, K_SET, K_SVCSET, K_BESET };

/* What `service set` / `service health` leave in a service (K_SVCSET). */
struct svc_want {
	unsigned mode, lifetime, hello, keyname_len, sid_len;
	bool psk;
	struct cp_health health;
};

/* A service as `service add` leaves it, but for mode and health. */
#define SVC_DEF(mode_, health_...) \
	{ (mode_), 86400, 0, 16, 0, false, health_ }
#define HEALTH_DEF { false, 2000, 1000, 2, 3 }

struct good_case {
	const char *desc;
	const char *line;
	enum kind kind;
	unsigned index;         /* where the new entry must be */
	const char *name, *dev; /* port */
	unsigned role;
	const char *ip; /* address, route prefix, neighbour, VIP, backend */
	unsigned num;   /* prefix length, TCP port */
	unsigned port;  /* port index */
	bool snat;
	const char *gw;
	uint8_t mac[6];
	unsigned mode, nat, sched;
	unsigned weight, service;
	struct cp_timeouts to;
	struct cp_limits lim;
	const char *setup;    /* applied to the base first, or NULL */
	struct svc_want svc;  /* K_SVCSET */
	unsigned admin;       /* K_BACKEND, K_BESET */
	bool drain_resume;
	const char *be_name;  /* K_BACKEND, K_BESET: NULL means "" */
	uint8_t server_id[CP_SERVER_ID_MAX];
};

static const struct good_case good[] = {
	{ "empty line", "", K_NONE },
	{ "comment", "   # port add x dev y role both", K_NONE },
	{ "port, server role", "port add wan dev 0000:03:00.0 role server", K_PORT, 3, "wan",
	  "0000:03:00.0", CP_ROLE_SERVER },
	{ "port, options swapped, tabs, comment",
	  "port\tadd x role both\tdev net_pcap0,rx_pcap=a.pcap # x", K_PORT, 3, "x",
	  "net_pcap0,rx_pcap=a.pcap", CP_ROLE_BOTH },
	{ "port, client role", "port add C2 dev net_ring9 role client", K_PORT, 3, "C2",
	  "net_ring9", CP_ROLE_CLIENT },
	{ "address with snat on a both port", "address add 10.2.0.1/16 port b snat", K_ADDR, 2,
	  .ip = "10.2.0.1", .num = 16, .port = 2, .snat = true },
	{ "address, snat first", "address add 10.5.0.1/24 snat port s", K_ADDR, 2, .ip = "10.5.0.1",
	  .num = 24, .port = 1, .snat = true },
	{ "address /32 on a client port", "address add 10.3.0.5/32 port c", K_ADDR, 2,
	  .ip = "10.3.0.5", .num = 32, .port = 0 },
	{ "address /31 may end in .0", "address add 10.4.0.0/31 port s", K_ADDR, 2,
	  .ip = "10.4.0.0", .num = 31, .port = 1 },
	{ "default route", "route add 0.0.0.0/0 via 10.1.0.254 port s", K_ROUTE, 1, .ip = "0.0.0.0",
	  .num = 0, .port = 1, .gw = "10.1.0.254" },
	{ "route, options swapped", "route add 172.16.0.0/12 port c via 10.0.0.253", K_ROUTE, 1,
	  .ip = "172.16.0.0", .num = 12, .port = 0, .gw = "10.0.0.253" },
	{ "host route", "route add 10.7.7.7/32 via 10.1.0.254 port s", K_ROUTE, 1, .ip = "10.7.7.7",
	  .num = 32, .port = 1, .gw = "10.1.0.254" },
	{ "neighbour, mixed-case MAC", "neigh add 10.1.0.12 lladdr 02:AA:bb:Cc:dd:ee port s",
	  K_NEIGH, 1, .ip = "10.1.0.12", .port = 1, .mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee } },
	{ "neighbour, port first", "neigh add 10.0.0.100 port c lladdr 00:00:00:00:00:01", K_NEIGH,
	  1, .ip = "10.0.0.100", .port = 0, .mac = { 0, 0, 0, 0, 0, 1 } },
	{ "service, defaults", "service add 10.0.0.11:80", K_SERVICE, 2, .ip = "10.0.0.11",
	  .num = 80, .mode = CP_MODE_L4, .nat = CP_NAT_TWO_ARM, .sched = CP_SCHED_WRR },
	{ "service, every option", "service add 10.0.0.11:443 mode tls nat full sched wrr",
	  K_SERVICE, 2, .ip = "10.0.0.11", .num = 443, .mode = CP_MODE_TLS, .nat = CP_NAT_FULL },
	{ "service, options in another order",
	  "service add 10.0.0.12:8443 sched wrr nat full mode l4", K_SERVICE, 2, .ip = "10.0.0.12",
	  .num = 8443, .mode = CP_MODE_L4, .nat = CP_NAT_FULL },
	{ "service, only nat", "service add 10.0.0.12:1 nat two-arm", K_SERVICE, 2,
	  .ip = "10.0.0.12", .num = 1, .nat = CP_NAT_TWO_ARM },
	{ "backend, default weight", "backend add 10.0.0.10:443 10.1.0.12:443", K_BACKEND, 1,
	  .ip = "10.1.0.12", .num = 443, .weight = 1, .service = 0 },
	{ "backend, weight 0", "backend add 10.0.0.10:443 10.1.0.12:8443 weight 0", K_BACKEND, 1,
	  .ip = "10.1.0.12", .num = 8443, .weight = 0, .service = 0 },
	{ "backend, weight max", "backend add 10.0.0.10:443 10.1.0.13:443 weight 65535", K_BACKEND,
	  1, .ip = "10.1.0.13", .num = 443, .weight = 65535, .service = 0 },
	{ "same backend in another service", "backend add 10.0.0.10:80 10.1.0.11:443", K_BACKEND, 1,
	  .ip = "10.1.0.11", .num = 443, .weight = 1, .service = 1 },
	{ "backend, same address other port", "backend add 10.0.0.10:443 10.1.0.11:444", K_BACKEND,
	  1, .ip = "10.1.0.11", .num = 444, .weight = 1, .service = 0 },
	{ "backend with a name", "backend add 10.0.0.10:443 10.1.0.12:443 name web-2.a", K_BACKEND,
	  1, .ip = "10.1.0.12", .num = 443, .weight = 1, .be_name = "web-2.a" },
	{ "backend, name before weight", "backend add 10.0.0.10:80 10.1.0.12:80 name w weight 9",
	  K_BACKEND, 1, .ip = "10.1.0.12", .num = 80, .weight = 9, .service = 1, .be_name = "w" },
	{ "same name in another service",
	  "backend add 10.0.0.10:80 10.1.0.12:80 name a", K_BACKEND, 1, .ip = "10.1.0.12",
	  .num = 80, .weight = 1, .service = 1, .be_name = "a",
	  .setup = "backend set 10.0.0.10:443 10.1.0.11:443 name a" },

	/* service set / service health: options left out keep their value */
	{ "service set mode", "service set 10.0.0.10:443 mode tls", K_SVCSET, 0,
	  .svc = SVC_DEF(CP_MODE_TLS, HEALTH_DEF) },
	{ "service set every option",
	  "service set 10.0.0.10:443 mode tls sched wrr session-lifetime 604800 hello-timeout "
	  "86400 keyname-len 32 server-id-len 16 psk-server-id on",
	  K_SVCSET, 0,
	  .svc = { CP_MODE_TLS, 604800, 86400, 32, 16, true, { false, 2000, 1000, 2, 3 } } },
	{ "service set minima", "service set 10.0.0.10:80 session-lifetime 1 keyname-len 1",
	  K_SVCSET, 1, .svc = { CP_MODE_L4, 1, 0, 1, 0, false, HEALTH_DEF } },
	{ "service set keeps earlier settings", "service set 10.0.0.10:443 hello-timeout 3",
	  K_SVCSET, 0, .setup = "service set 10.0.0.10:443 mode tls server-id-len 4",
	  .svc = { CP_MODE_TLS, 86400, 3, 16, 4, false, HEALTH_DEF } },
	{ "service set hello-timeout 0 (the global one)", "service set 10.0.0.10:443 hello-timeout 0",
	  K_SVCSET, 0, .setup = "service set 10.0.0.10:443 hello-timeout 9", .svc = SVC_DEF(CP_MODE_L4, HEALTH_DEF) },
	{ "psk-server-id off with server-id-len 0",
	  "service set 10.0.0.10:443 psk-server-id off server-id-len 0", K_SVCSET, 0,
	  .setup = "service set 10.0.0.10:443 server-id-len 2 psk-server-id on", .svc = SVC_DEF(CP_MODE_L4, HEALTH_DEF) },
	{ "server-id-len may change while backends have none",
	  "service set 10.0.0.10:443 server-id-len 8", K_SVCSET, 0,
	  .setup = "service set 10.0.0.10:443 server-id-len 2", .svc = { CP_MODE_L4, 86400, 0, 16, 8, false, HEALTH_DEF } },
	{ "health on, defaults", "service health 10.0.0.10:443 on", K_SVCSET, 0,
	  .svc = SVC_DEF(CP_MODE_L4, { true, 2000, 1000, 2, 3 }) },
	{ "health, every option", "service health 10.0.0.10:80 on fall 10 rise 1 timeout 10 interval 100",
	  K_SVCSET, 1, .svc = SVC_DEF(CP_MODE_L4, { true, 100, 10, 1, 10 }) },
	{ "health maxima", "service health 10.0.0.10:80 on interval 3600000 timeout 3600000 rise 10",
	  K_SVCSET, 1, .svc = SVC_DEF(CP_MODE_L4, { true, 3600000, 3600000, 10, 3 }) },
	{ "health off keeps the settings", "service health 10.0.0.10:443 off", K_SVCSET, 0,
	  .setup = "service health 10.0.0.10:443 on interval 500 timeout 400 rise 4 fall 5",
	  .svc = SVC_DEF(CP_MODE_L4, { false, 500, 400, 4, 5 }) },
	{ "health timeout equal to the interval", "service health 10.0.0.10:443 on timeout 2000",
	  K_SVCSET, 0, .svc = SVC_DEF(CP_MODE_L4, { true, 2000, 2000, 2, 3 }) },

	/* backend set and admin state */
	{ "backend set weight", "backend set 10.0.0.10:443 10.1.0.11:443 weight 0", K_BESET, 0,
	  .weight = 0 },
	{ "backend set name", "backend set 10.0.0.10:443 10.1.0.11:443 name s1", K_BESET, 0,
	  .weight = 1, .be_name = "s1" },
	{ "backend set its own name again", "backend set 10.0.0.10:443 10.1.0.11:443 name s1",
	  K_BESET, 0, .weight = 1, .be_name = "s1",
	  .setup = "backend set 10.0.0.10:443 10.1.0.11:443 name s1" },
	{ "backend set server-id", "backend set 10.0.0.10:443 10.1.0.11:443 server-id 0A0b0C",
	  K_BESET, 0, .weight = 1, .setup = "service set 10.0.0.10:443 server-id-len 3",
	  .server_id = { 0x0a, 0x0b, 0x0c } },
	{ "backend set server-id of 16 bytes",
	  "backend set 10.0.0.10:443 10.1.0.11:443 server-id 00112233445566778899aabbccddeeff",
	  K_BESET, 0, .weight = 1, .setup = "service set 10.0.0.10:443 server-id-len 16",
	  .server_id = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
			 0xdd, 0xee, 0xff } },
	{ "backend set server-id none", "backend set 10.0.0.10:443 10.1.0.11:443 server-id none",
	  K_BESET, 0, .weight = 1, .setup = "service set 10.0.0.10:443 server-id-len 1" },
	{ "backend set everything",
	  "backend set 10.0.0.10:443 10.1.0.11:443 server-id 07 name x weight 65535", K_BESET, 0,
	  .weight = 65535, .be_name = "x", .setup = "service set 10.0.0.10:443 server-id-len 1",
	  .server_id = { 7 } },
	{ "drain", "backend drain 10.0.0.10:443 10.1.0.11:443", K_BESET, 0, .weight = 1,
	  .admin = CP_ADMIN_DRAINING },
	{ "drain with resumptions", "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions",
	  K_BESET, 0, .weight = 1, .admin = CP_ADMIN_DRAINING, .drain_resume = true },
	{ "drain again without resumptions", "backend drain 10.0.0.10:443 10.1.0.11:443", K_BESET,
	  0, .weight = 1, .admin = CP_ADMIN_DRAINING,
	  .setup = "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions" },
	{ "drain a disabled backend", "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions",
	  K_BESET, 0, .weight = 1, .admin = CP_ADMIN_DRAINING, .drain_resume = true,
	  .setup = "backend disable 10.0.0.10:443 10.1.0.11:443" },
	{ "undrain", "backend undrain 10.0.0.10:443 10.1.0.11:443", K_BESET, 0, .weight = 1,
	  .setup = "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions" },
	{ "undrain an enabled backend does nothing", "backend undrain 10.0.0.10:443 10.1.0.11:443",
	  K_BESET, 0, .weight = 1 },
	{ "disable", "backend disable 10.0.0.10:443 10.1.0.11:443", K_BESET, 0, .weight = 1,
	  .admin = CP_ADMIN_DISABLED },
	{ "disable a draining backend", "backend disable 10.0.0.10:443 10.1.0.11:443", K_BESET, 0,
	  .weight = 1, .admin = CP_ADMIN_DISABLED,
	  .setup = "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions" },
	{ "enable a disabled backend", "backend enable 10.0.0.10:443 10.1.0.11:443", K_BESET, 0,
	  .weight = 1, .setup = "backend disable 10.0.0.10:443 10.1.0.11:443" },
	{ "enable a draining backend", "backend enable 10.0.0.10:443 10.1.0.11:443", K_BESET, 0,
	  .weight = 1, .setup = "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions" },
	{ "timeout syn min", "set timeout syn 1", K_SET, .to = { 1, 900, 30, 5, 300, 5 },
	  .lim = DEF_LIM },
	{ "timeout established max", "set timeout established 86400", K_SET,
	  .to = { 5, 86400, 30, 5, 300, 5 }, .lim = DEF_LIM },
	{ "timeout closing", "set timeout closing 60", K_SET, .to = { 5, 900, 60, 5, 300, 5 },
	  .lim = DEF_LIM },
	{ "timeout reset", "set timeout reset 2", K_SET, .to = { 5, 900, 30, 2, 300, 5 },
	  .lim = DEF_LIM },
	{ "timeout neigh", "set timeout neigh 600", K_SET, .to = { 5, 900, 30, 5, 600, 5 },
	  .lim = DEF_LIM },
	{ "timeout hello", "set timeout hello 2", K_SET, .to = { 5, 900, 30, 5, 300, 2 },
	  .lim = DEF_LIM },
	{ "flows max", "set limit flows 16777216", K_SET, .to = DEF_TO,
	  .lim = { 16777216, 64, 1024, 65535 } },
	{ "flows min", "set limit flows 1", K_SET, .to = DEF_TO, .lim = { 1, 64, 1024, 65535 } },
	{ "neigh-queue 0", "set limit neigh-queue 0", K_SET, .to = DEF_TO,
	  .lim = { 1048576, 0, 1024, 65535 } },
	{ "neigh-queue max", "set limit neigh-queue 4096", K_SET, .to = DEF_TO,
	  .lim = { 1048576, 4096, 1024, 65535 } },
	{ "snat ports, whole range", "set snat-ports 1-65535", K_SET, .to = DEF_TO,
	  .lim = { 1048576, 64, 1, 65535 } },
	{ "snat ports, one port", "set snat-ports 40000-40000", K_SET, .to = DEF_TO,
	  .lim = { 1048576, 64, 40000, 40000 } },
};

static void
check_ip(const struct cp_ip *ip, const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	assert_int_equal(ip->family, AF_INET);
	assert_int_equal(ip->v4, a.s_addr);
}

static void
check_service(const struct cp_service *sv, const struct svc_want *w)
{
	assert_int_equal(sv->mode, w->mode);
	assert_int_equal(sv->session_lifetime, w->lifetime);
	assert_int_equal(sv->hello_timeout, w->hello);
	assert_int_equal(sv->keyname_len, w->keyname_len);
	assert_int_equal(sv->server_id_len, w->sid_len);
	assert_int_equal(sv->psk_server_id, w->psk);
	assert_int_equal(sv->health.enabled, w->health.enabled);
	assert_int_equal(sv->health.interval_ms, w->health.interval_ms);
	assert_int_equal(sv->health.timeout_ms, w->health.timeout_ms);
	assert_int_equal(sv->health.rise, w->health.rise);
	assert_int_equal(sv->health.fall, w->health.fall);
}

static void
check_backend(const struct cp_backend *be, const struct good_case *c)
{
	assert_int_equal(be->weight, c->weight);
	assert_int_equal(be->admin, c->admin);
	assert_int_equal(be->drain_resume, c->drain_resume);
	assert_string_equal(be->name, c->be_name != NULL ? c->be_name : "");
	assert_memory_equal(be->server_id, c->server_id, CP_SERVER_ID_MAX);
}

/* Counts of every table, to check that a good line adds exactly one entry. */
static void
counts(const struct cp_config *c, unsigned out[6])
{
	out[0] = c->n_ports;
	out[1] = c->n_addresses;
	out[2] = c->n_routes;
	out[3] = c->n_neighs;
	out[4] = c->n_services;
	out[5] = c->n_backends;
}

static void
test_good_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(good); i++) {
		const struct good_case *c = &good[i];
		unsigned n0[6], n1[6], j;
		char err[512] = "";

		print_message("# good: %s\n", c->desc);
		cp_test_base_config(&cfg);
		if (c->setup != NULL)
			cp_test_apply(&cfg, (const char *const[]){ c->setup, NULL });
		before = cfg;
		counts(&cfg, n0);
		if (cp_config_apply_line(&cfg, c->line, err, sizeof(err)) != 0)
			fail_msg("%s: %s", c->line, err);
		counts(&cfg, n1);
		for (j = 0; j < 6; j++)
			assert_int_equal(n1[j], n0[j] + (c->kind != K_NONE && c->kind != K_SET &&
							 (unsigned)c->kind - K_PORT == j));
		switch (c->kind) {
		case K_NONE:
			cp_assert_same_config(&cfg, &before);
			break;
		case K_PORT:
			assert_string_equal(cfg.ports[c->index].name, c->name);
			assert_string_equal(cfg.ports[c->index].dev, c->dev);
			assert_int_equal(cfg.ports[c->index].role, c->role);
			break;
		case K_ADDR:
			check_ip(&cfg.addresses[c->index].ip, c->ip);
			assert_int_equal(cfg.addresses[c->index].prefix_len, c->num);
			assert_int_equal(cfg.addresses[c->index].port, c->port);
			assert_int_equal(cfg.addresses[c->index].snat, c->snat);
			break;
		case K_ROUTE:
			check_ip(&cfg.routes[c->index].prefix, c->ip);
			assert_int_equal(cfg.routes[c->index].prefix_len, c->num);
			check_ip(&cfg.routes[c->index].gateway, c->gw);
			assert_int_equal(cfg.routes[c->index].port, c->port);
			break;
		case K_NEIGH:
			check_ip(&cfg.neighs[c->index].ip, c->ip);
			assert_memory_equal(cfg.neighs[c->index].mac, c->mac, 6);
			assert_int_equal(cfg.neighs[c->index].port, c->port);
			break;
		case K_SERVICE:
			check_ip(&cfg.services[c->index].vip, c->ip);
			assert_int_equal(cfg.services[c->index].port, c->num);
			assert_int_equal(cfg.services[c->index].mode, c->mode);
			assert_int_equal(cfg.services[c->index].nat, c->nat);
			assert_int_equal(cfg.services[c->index].sched, c->sched);
			check_service(&cfg.services[c->index], &(struct svc_want)SVC_DEF(c->mode, HEALTH_DEF));
			break;
		case K_BACKEND:
			check_ip(&cfg.backends[c->index].ip, c->ip);
			assert_int_equal(cfg.backends[c->index].port, c->num);
			assert_int_equal(cfg.backends[c->index].service, c->service);
			check_backend(&cfg.backends[c->index], c);
			break;
		case K_SVCSET:
			check_service(&cfg.services[c->index], &c->svc);
			/* Nothing but that service changed. */
			before.services[c->index] = cfg.services[c->index];
			cp_assert_same_config(&cfg, &before);
			break;
		case K_BESET:
			check_backend(&cfg.backends[c->index], c);
			before.backends[c->index] = cfg.backends[c->index];
			cp_assert_same_config(&cfg, &before);
			break;
		case K_SET:
			assert_memory_equal(&cfg.timeouts, &c->to, sizeof(c->to));
			assert_int_equal(cfg.limits.flows, c->lim.flows);
			assert_int_equal(cfg.limits.neigh_queue, c->lim.neigh_queue);
			assert_int_equal(cfg.limits.snat_port_low, c->lim.snat_port_low);
			assert_int_equal(cfg.limits.snat_port_high, c->lim.snat_port_high);
			break;
		}
	}
}

static void
test_defaults(void **state)
{
	const struct cp_timeouts to = DEF_TO;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	cp_config_init(&cfg);
	assert_int_equal(cfg.n_ports + cfg.n_addresses + cfg.n_routes + cfg.n_neighs +
				 cfg.n_services + cfg.n_backends,
			 0);
	assert_memory_equal(&cfg.timeouts, &to, sizeof(to));
	assert_int_equal(cfg.limits.flows, 1u << 20);
	assert_int_equal(cfg.limits.neigh_queue, 64);
	assert_int_equal(cfg.limits.snat_port_low, 1024);
	assert_int_equal(cfg.limits.snat_port_high, 65535);
	/* Unused slots are zero: configs compare as bytes. */
	assert_int_equal(cfg.ports[0].name[0], 0);
	assert_int_equal(cfg.backends[CP_MAX_BACKENDS - 1].weight, 0);
}

struct bad_case {
	const char *line;
	int rc;
	const char *err;   /* the whole message */
	const char *setup; /* lines applied to the base first, or NULL */
};

#define SVC "10.0.0.10:443"
#define BE SVC " 10.1.0.11:443"

static const struct bad_case bad[] = {
	/* unknown and incomplete commands */
	{ "servce add 10.0.0.20:443", -EINVAL,
	  "unknown command \"servce add\"; did you mean \"service add\"?" },
	{ "ports add x dev y role both", -EINVAL,
	  "unknown command \"ports add\"; did you mean \"port add\"?" },
	{ "set limit flow 5", -EINVAL,
	  "unknown command \"set limit flow\"; did you mean \"set limit flows\"?" },
	{ "neigh rm 10.1.0.11", -EINVAL,
	  "unknown command \"neigh rm\"; did you mean \"neigh add\", \"neigh del\"?" },
	{ "service frob", -EINVAL,
	  "unknown command \"service frob\"; did you mean \"service add\", \"service del\", "
	  "\"service set\", \"service health\"?" },
	{ "set limit", -EINVAL,
	  "incomplete command \"set limit\"; one of: \"set limit flows\", \"set limit neigh-queue\"" },
	{ "backend", -EINVAL,
	  "incomplete command \"backend\"; one of: \"backend add\", \"backend set\", "
	  "\"backend drain\", \"backend undrain\", \"backend disable\", \"backend enable\", "
	  "\"backend del\"" },
	{ "frobnicate the widgets", -EINVAL,
	  "unknown command \"frobnicate\"; commands start with: port, address, route, "
	  "neigh, service, backend, set, save, help, show, keys, clear" },
	{ "PORT add x dev y role both", -EINVAL,
	  "unknown command \"PORT add\"; did you mean \"port add\"?" },

	/* lexing */
	{ "port add c\x01 dev y role both", -EINVAL, "control character 0x01 at column 11" },
	{ "port add \xc3\xa9 dev y role both", -EINVAL, "non-ASCII byte 0xc3 at column 10" },

	/* port add */
	{ "port add", -EINVAL, "port add: missing NAME" },
	{ "port add x", -EINVAL, "port add: missing \"dev DEVICE\"" },
	{ "port add x dev d", -EINVAL, "port add: missing \"role client|server|both\"" },
	{ "port add x dev d role", -EINVAL,
	  "port add: \"role\" needs a value: client|server|both" },
	{ "port add x dev d role leader", -EINVAL,
	  "port add: role \"leader\": expected client, server or both" },
	{ "port add x dev d role both role both", -EINVAL, "port add: \"role\" given twice" },
	{ "port add x dev d role both extra", -EINVAL,
	  "port add: unexpected \"extra\" (options: dev, role)" },
	{ "port add 1x dev d role both", -EINVAL, "port add: \"1x\": a name starts with a letter" },
	{ "port add abcdefghijklmnopqrstuvwxyz0123456 dev d role both", -EINVAL,
	  "port add: \"abcdefghijklmnopqrstuvwxyz0123456\": name longer than 31 characters" },
	{ "port add c dev other role both", -EEXIST, "port add: port \"c\" exists" },
	{ "port add z dev net_ring1 role both", -EEXIST,
	  "port add: device \"net_ring1\" is already port \"s\"" },

	/* address add/del */
	{ "address add 10.0.0.1/24 port b", -EEXIST,
	  "address add: address 10.0.0.1 exists (10.0.0.1/24 on port \"c\")" },
	{ "address add 10.0.0.1/16 port c", -EEXIST,
	  "address add: address 10.0.0.1 exists (10.0.0.1/24 on port \"c\")" },
	{ "address add 10.9.0.0/24 port c", -EINVAL,
	  "address add: 10.9.0.0/24: the network address of its subnet" },
	{ "address add 10.9.0.255/24 port c", -EINVAL,
	  "address add: 10.9.0.255/24: the broadcast address of its subnet" },
	{ "address add 10.9.0.1/0 port c", -EINVAL,
	  "address add: 10.9.0.1/0: a /0 would put every address on this link" },
	{ "address add 127.0.0.1/8 port c", -EINVAL, "address add: 127.0.0.1: loopback address" },
	{ "address add 224.0.0.1/24 port c", -EINVAL, "address add: 224.0.0.1: multicast address" },
	{ "address add 0.1.2.3/24 port c", -EINVAL,
	  "address add: 0.1.2.3: in 0.0.0.0/8 (\"this network\")" },
	{ "address add 10.9.0.1/24 port nope", -ENOENT,
	  "address add: unknown port \"nope\" (ports: c, s, b)" },
	{ "address add 10.9.0.1/24 port c snat", -EINVAL,
	  "address add: snat on port \"c\", whose role is client: full-NAT sources face the servers" },
	{ "address add 10.9.0.1 port c", -EINVAL, "address add: \"10.9.0.1\": expected IP/LEN" },
	{ "address add 10.9.0.1/24 port c snat snat", -EINVAL,
	  "address add: \"snat\" given twice" },
	{ "address add 10.9.0.1/24", -EINVAL, "address add: missing \"port NAME\"" },
	{ "address del 10.9.9.9", -ENOENT, "address del: no address 10.9.9.9" },
	{ "address del 10.0.0.1/24", -EINVAL,
	  "address del: \"10.0.0.1/24\": bad IPv4 address: expected four numbers 0..255 separated "
	  "by dots" },

	/* route add/del */
	{ "route add 192.168.1.0/16 via 10.1.0.254 port s", -EINVAL,
	  "route add: 192.168.1.0/16 has host bits set (did you mean 192.168.0.0/16?)" },
	{ "route add 192.168.0.0/16 via 10.1.0.250 port s", -EEXIST,
	  "route add: route 192.168.0.0/16 exists" },
	{ "route add 10.8.0.0/16 via 0.0.0.0 port s", -EINVAL,
	  "route add: via 0.0.0.0: in 0.0.0.0/8 (\"this network\")" },
	{ "route add 10.8.0.0/16 via 255.255.255.255 port s", -EINVAL,
	  "route add: via 255.255.255.255: limited broadcast address" },
	{ "route add 10.8.0.0/16 via 10.1.0.254", -EINVAL, "route add: missing \"port NAME\"" },
	{ "route add 10.8.0.0/16 port s", -EINVAL, "route add: missing \"via IP\"" },
	{ "route add 10.8.0.0/16 via 10.1.0.254 port x", -ENOENT,
	  "route add: unknown port \"x\" (ports: c, s, b)" },
	{ "route add 10.8.0.0/33 via 10.1.0.254 port s", -EINVAL,
	  "route add: \"10.8.0.0/33\": bad prefix length \"33\": out of range 0..32" },
	{ "route del 10.8.0.0/16", -ENOENT, "route del: no route 10.8.0.0/16" },
	{ "route del 192.168.0.1/16", -EINVAL,
	  "route del: 192.168.0.1/16 has host bits set (did you mean 192.168.0.0/16?)" },

	/* neigh add/del */
	{ "neigh add 10.1.0.11 lladdr 02:00:00:00:00:01 port s", -EEXIST,
	  "neigh add: neighbour 10.1.0.11 exists" },
	{ "neigh add 10.1.0.12 lladdr 01:00:5e:00:00:01 port s", -EINVAL,
	  "neigh add: lladdr: a multicast MAC cannot be a neighbour" },
	{ "neigh add 10.1.0.12 lladdr ff:ff:ff:ff:ff:ff port s", -EINVAL,
	  "neigh add: lladdr: a multicast MAC cannot be a neighbour" },
	{ "neigh add 10.1.0.12 lladdr 00:00:00:00:00:00 port s", -EINVAL,
	  "neigh add: lladdr: the all-zero MAC cannot be a neighbour" },
	{ "neigh add 255.255.255.255 lladdr 02:00:00:00:00:01 port s", -EINVAL,
	  "neigh add: 255.255.255.255: limited broadcast address" },
	{ "neigh add 240.0.0.1 lladdr 02:00:00:00:00:01 port s", -EINVAL,
	  "neigh add: 240.0.0.1: reserved address (240.0.0.0/4)" },
	{ "neigh add 10.1.0.12 lladdr 02:00:00:00:00 port s", -EINVAL,
	  "neigh add: lladdr \"02:00:00:00:00\": bad MAC address: expected six hex pairs like "
	  "02:00:5e:00:53:01" },
	{ "neigh add 10.1.0.12 lladdr 02:00:00:00:00:01", -EINVAL,
	  "neigh add: missing \"port NAME\"" },
	{ "neigh del 10.1.0.99", -ENOENT, "neigh del: no neighbour 10.1.0.99" },

	/* service add/del */
	{ "service add 10.0.0.10:443", -EEXIST, "service add: service 10.0.0.10:443 exists" },
	{ "service add 10.0.0.10:443 mode tls", -EEXIST,
	  "service add: service 10.0.0.10:443 exists" },
	{ "service add 10.0.0.20:443 mode l7", -EINVAL,
	  "service add: mode \"l7\": expected l4 or tls" },
	{ "service add 10.0.0.20:443 mode tls mode l4", -EINVAL,
	  "service add: \"mode\" given twice" },
	{ "service add 10.0.0.20:443 nat", -EINVAL,
	  "service add: \"nat\" needs a value: two-arm|full" },
	{ "service add 10.0.0.20:443 sched rr", -EINVAL,
	  "service add: sched \"rr\": expected wrr" },
	{ "service add 10.0.0.20:443 weight 5", -EINVAL,
	  "service add: unexpected \"weight\" (options: mode, nat, sched)" },
	{ "service add 224.0.0.1:443", -EINVAL,
	  "service add: VIP 224.0.0.1:443: multicast address" },
	{ "service add 0.0.0.0:443", -EINVAL,
	  "service add: VIP 0.0.0.0:443: in 0.0.0.0/8 (\"this network\")" },
	{ "service add 255.255.255.255:443", -EINVAL,
	  "service add: VIP 255.255.255.255:443: limited broadcast address" },
	{ "service add 10.0.0.20", -EINVAL, "service add: \"10.0.0.20\": expected IP:PORT" },
	{ "service add 10.0.0.20:0", -EINVAL,
	  "service add: \"10.0.0.20:0\": bad port \"0\": out of range 1..65535" },
	{ "service add", -EINVAL, "service add: missing VIP:PORT" },
	{ "service del 10.0.0.99:443", -ENOENT, "service del: no service 10.0.0.99:443" },

	/* backend add/del */
	{ "backend add 10.0.0.10:443 10.0.0.300:443", -EINVAL,
	  "backend add: \"10.0.0.300:443\": bad IPv4 address: \"300\" is not in 0..255" },
	{ "backend add 10.0.0.99:443 10.1.0.12:443", -ENOENT,
	  "backend add: no service 10.0.0.99:443" },
	{ "backend add 10.0.0.10:443 10.1.0.11:443", -EEXIST,
	  "backend add: backend 10.1.0.11:443 exists in service 10.0.0.10:443" },
	{ "backend add 10.0.0.10:443 10.1.0.11:443 weight 7", -EEXIST,
	  "backend add: backend 10.1.0.11:443 exists in service 10.0.0.10:443" },
	{ "backend add 10.0.0.10:443 10.1.0.12:443 weight 65536", -EINVAL,
	  "backend add: weight \"65536\": out of range 0..65535" },
	{ "backend add 10.0.0.10:443 10.1.0.12:443 weight -1", -EINVAL,
	  "backend add: weight \"-1\": not a decimal number" },
	{ "backend add 10.0.0.10:443 10.1.0.12:443 weight", -EINVAL,
	  "backend add: \"weight\" needs a value: N" },
	{ "backend add 10.0.0.10:443 239.1.1.1:443", -EINVAL,
	  "backend add: backend 239.1.1.1:443: multicast address" },
	{ "backend add 10.0.0.10:443 10.0.0.10:80", -EINVAL,
	  "backend add: backend 10.0.0.10:80 is a service of tlslb's own" },
	{ "backend add 10.0.0.10:443", -EINVAL, "backend add: missing IP:PORT" },
	{ "backend del 10.0.0.10:443 10.1.0.99:443", -ENOENT,
	  "backend del: no backend 10.1.0.99:443 in service 10.0.0.10:443" },
	{ "backend del 10.0.0.10:80 10.1.0.11:443", -ENOENT,
	  "backend del: no backend 10.1.0.11:443 in service 10.0.0.10:80" },
	{ "backend del 10.0.0.99:443 10.1.0.11:443", -ENOENT,
	  "backend del: no service 10.0.0.99:443" },

	/* set */
	{ "set timeout syn 0", -EINVAL, "set timeout: \"0\": out of range 1..86400" },
	{ "set timeout syn 86401", -EINVAL, "set timeout: \"86401\": out of range 1..86400" },
	{ "set timeout ttl 5", -EINVAL,
	  "set timeout: \"ttl\": expected syn, established, closing, reset, neigh or hello" },
	{ "set timeout syn", -EINVAL, "set timeout: missing SECONDS" },
	{ "set timeout", -EINVAL, "set timeout: missing syn|established|closing|reset|neigh|hello" },
	{ "set timeout syn 5 6", -EINVAL, "set timeout: unexpected \"6\" (no more arguments)" },
	{ "set limit flows 0", -EINVAL, "set limit flows: \"0\": out of range 1..16777216" },
	{ "set limit flows 16777217", -EINVAL,
	  "set limit flows: \"16777217\": out of range 1..16777216" },
	{ "set limit flows 1M", -EINVAL, "set limit flows: \"1M\": not a decimal number" },
	{ "set limit neigh-queue 4097", -EINVAL,
	  "set limit neigh-queue: \"4097\": out of range 0..4096" },
	{ "set snat-ports 2000-1000", -EINVAL,
	  "set snat-ports: \"2000-1000\": low end 2000 above high end 1000" },
	{ "set snat-ports 0-1000", -EINVAL,
	  "set snat-ports: \"0-1000\": low end \"0\": out of range 1..65535" },
	{ "set snat-ports 1024", -EINVAL, "set snat-ports: \"1024\": expected LOW-HIGH" },

	/* backend add: name */
	{ "backend add " SVC " 10.1.0.12:443 name", -EINVAL,
	  "backend add: \"name\" needs a value: NAME" },
	{ "backend add " SVC " 10.1.0.12:443 name 9x", -EINVAL,
	  "backend add: name \"9x\": a name starts with a letter" },
	{ "backend add " SVC " 10.1.0.12:443 name a name b", -EINVAL,
	  "backend add: \"name\" given twice" },
	{ "backend add " SVC " 10.1.0.12:443 name s1", -EEXIST,
	  "backend add: name \"s1\" is already backend 10.1.0.11:443's",
	  "backend set " BE " name s1" },
	{ "backend add " SVC " 10.1.0.12:443 weight 65536", -EINVAL,
	  "backend add: weight \"65536\": out of range 0..65535" },

	/* backend set */
	{ "backend set " BE, -EINVAL, "backend set: nothing to set (options: weight, name, server-id)" },
	{ "backend set " SVC, -EINVAL, "backend set: missing IP:PORT" },
	{ "backend set " SVC " 10.1.0.99:443 weight 2", -ENOENT,
	  "backend set: no backend 10.1.0.99:443 in service 10.0.0.10:443" },
	{ "backend set 10.0.0.10:8443 10.1.0.11:443 weight 2", -ENOENT,
	  "backend set: no service 10.0.0.10:8443" },
	{ "backend set " BE " weight -1", -EINVAL,
	  "backend set: weight \"-1\": not a decimal number" },
	{ "backend set " BE " name x.y name z", -EINVAL, "backend set: \"name\" given twice" },
	{ "backend set " BE " name taken", -EEXIST,
	  "backend set: name \"taken\" is already backend 10.1.0.12:443's",
	  "backend add " SVC " 10.1.0.12:443 name taken" },
	{ "backend set " BE " server-id 0102", -EINVAL,
	  "backend set: service 10.0.0.10:443 has server-id-len 0; set it first (service set "
	  "10.0.0.10:443 server-id-len N)" },
	{ "backend set " BE " server-id 010203", -EINVAL,
	  "backend set: server-id of 3 bytes, but service 10.0.0.10:443 has server-id-len 2",
	  "service set " SVC " server-id-len 2" },
	{ "backend set " BE " server-id 01", -EINVAL,
	  "backend set: server-id of 1 bytes, but service 10.0.0.10:443 has server-id-len 2",
	  "service set " SVC " server-id-len 2" },
	{ "backend set " BE " server-id 0g", -EINVAL,
	  "backend set: server-id \"0g\": 'g' is not a hex digit" },
	{ "backend set " BE " server-id 012", -EINVAL,
	  "backend set: server-id \"012\": odd number of hex digits" },
	{ "backend set " BE " server-id 0x01", -EINVAL,
	  "backend set: server-id \"0x01\": 'x' is not a hex digit" },
	{ "backend set " BE " server-id ", -EINVAL,
	  "backend set: \"server-id\" needs a value: HEX" },
	{ "backend set " BE " server-id 00112233445566778899aabbccddeeff00", -EINVAL,
	  "backend set: server-id \"00112233445566778899aabbccddeeff00\": 17 bytes, expected "
	  "1..16 or none" },
	{ "backend set " SVC " 10.1.0.12:443 server-id abcd", -EEXIST,
	  "backend set: server-id already belongs to backend 10.1.0.11:443",
	  "service set " SVC " server-id-len 2\nbackend set " BE " server-id ABCD\n"
	  "backend add " SVC " 10.1.0.12:443" },

	/* drain, undrain, disable, enable, del */
	{ "backend drain " SVC, -EINVAL, "backend drain: missing IP:PORT" },
	{ "backend drain " BE " resumptions resumptions", -EINVAL,
	  "backend drain: \"resumptions\" given twice" },
	{ "backend drain " BE " now", -EINVAL,
	  "backend drain: unexpected \"now\" (options: resumptions)" },
	{ "backend drain " SVC " 10.1.0.99:443", -ENOENT,
	  "backend drain: no backend 10.1.0.99:443 in service 10.0.0.10:443" },
	{ "backend undrain " BE, -EINVAL,
	  "backend undrain: backend 10.1.0.11:443 is disabled, not draining (backend enable)",
	  "backend disable " BE },
	{ "backend undrain " BE " resumptions", -EINVAL,
	  "backend undrain: unexpected \"resumptions\" (no more arguments)" },
	{ "backend disable 10.0.0.10:80 10.1.0.11:443", -ENOENT,
	  "backend disable: no backend 10.1.0.11:443 in service 10.0.0.10:80" },
	{ "backend enable " BE " 1", -EINVAL,
	  "backend enable: unexpected \"1\" (no more arguments)" },
	{ "backend del " BE " reset reset", -EINVAL, "backend del: \"reset\" given twice" },
	{ "backend del " BE " hard", -EINVAL,
	  "backend del: unexpected \"hard\" (options: reset)" },

	/* service set */
	{ "service set 10.0.0.10:444 mode tls", -ENOENT, "service set: no service 10.0.0.10:444" },
	{ "service set " SVC " mode udp", -EINVAL,
	  "service set: mode \"udp\": expected l4 or tls" },
	{ "service set " SVC " nat full", -EINVAL,
	  "service set: unexpected \"nat\" (options: mode, sched, session-lifetime, "
	  "hello-timeout, keyname-len, server-id-len, psk-server-id)" },
	{ "service set " SVC " session-lifetime 0", -EINVAL,
	  "service set: session-lifetime \"0\": out of range 1..604800" },
	{ "service set " SVC " session-lifetime 604801", -EINVAL,
	  "service set: session-lifetime \"604801\": out of range 1..604800" },
	{ "service set " SVC " hello-timeout 86401", -EINVAL,
	  "service set: hello-timeout \"86401\": out of range 0..86400" },
	{ "service set " SVC " keyname-len 0", -EINVAL,
	  "service set: keyname-len \"0\": out of range 1..32" },
	{ "service set " SVC " keyname-len 33", -EINVAL,
	  "service set: keyname-len \"33\": out of range 1..32" },
	{ "service set " SVC " server-id-len 17", -EINVAL,
	  "service set: server-id-len \"17\": out of range 0..16" },
	{ "service set " SVC " psk-server-id yes", -EINVAL,
	  "service set: psk-server-id \"yes\": expected off or on" },
	{ "service set " SVC " psk-server-id on", -EINVAL,
	  "service set: psk-server-id on needs a server-id-len of 1..16" },
	{ "service set " SVC " server-id-len 0", -EINVAL,
	  "service set: psk-server-id on needs a server-id-len of 1..16",
	  "service set " SVC " server-id-len 4 psk-server-id on" },
	{ "service set " SVC " server-id-len 3", -EINVAL,
	  "service set: backend 10.1.0.11:443 has a server-id of 2 bytes; clear the backends' "
	  "server-ids first (backend set 10.0.0.10:443 IP:PORT server-id none)",
	  "service set " SVC " server-id-len 2\nbackend set " BE " server-id 0001" },
	{ "service set " SVC " mode tls mode l4", -EINVAL, "service set: \"mode\" given twice" },

	/* service health */
	{ "service health " SVC, -EINVAL, "service health: missing off|on" },
	{ "service health " SVC " maybe", -EINVAL,
	  "service health: \"maybe\": expected off or on" },
	{ "service health " SVC " on interval 99", -EINVAL,
	  "service health: interval \"99\": out of range 100..3600000" },
	{ "service health " SVC " on interval 3600001", -EINVAL,
	  "service health: interval \"3600001\": out of range 100..3600000" },
	{ "service health " SVC " on timeout 9", -EINVAL,
	  "service health: timeout \"9\": out of range 10..3600000" },
	{ "service health " SVC " on timeout 2001", -EINVAL,
	  "service health: timeout 2001 ms longer than the interval of 2000 ms" },
	{ "service health " SVC " on interval 500", -EINVAL,
	  "service health: timeout 1000 ms longer than the interval of 500 ms" },
	{ "service health " SVC " on rise 0", -EINVAL,
	  "service health: rise \"0\": out of range 1..10" },
	{ "service health " SVC " on fall 11", -EINVAL,
	  "service health: fall \"11\": out of range 1..10" },
	{ "service health 10.0.0.10:1 on", -ENOENT, "service health: no service 10.0.0.10:1" },

	/* queries are not configuration */
	{ "show services", -EINVAL, "show services: not a configuration command" },
	{ "save", -EINVAL, "save: not a configuration command" },
	{ "help backend", -EINVAL, "help: not a configuration command" },
	{ "show", -EINVAL,
	  "incomplete command \"show\"; one of: \"show services\", \"show backends\", "
	  "\"show stats\", \"show flows\", \"show sessions\", \"show keynames\", "
	  "\"show neighbours\", \"show version\", \"show metrics\", \"show keys\"" },
};

/* Apply the newline-separated lines of @setup (NULL: none). */
static void
apply_setup(struct cp_config *c, const char *setup)
{
	char line[256];

	while (setup != NULL && *setup != '\0') {
		size_t n = strcspn(setup, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, setup);
		cp_test_apply(c, (const char *const[]){ line, NULL });
		setup += n + (setup[n] == '\n');
	}
}

static void
test_bad_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		const struct bad_case *c = &bad[i];
		char err[512] = "";

		print_message("# bad: %s\n", c->line);
		cp_test_base_config(&before);
		apply_setup(&before, c->setup);
		cfg = before;
		assert_int_equal(cp_config_apply_line(&cfg, c->line, err, sizeof(err)), c->rc);
		assert_string_equal(err, c->err);
		cp_assert_same_config(&cfg, &before);
		/* No room for a message changes nothing but the message. */
		assert_int_equal(cp_config_apply_line(&cfg, c->line, NULL, 0), c->rc);
		cp_assert_same_config(&cfg, &before);
	}
}

/* A message cut to a small buffer stays a terminated prefix. */
static void
test_short_error_buffer(void **state)
{
	char err[12];

	(void)state;
	cp_test_base_config(&cfg);
	memset(err, 'x', sizeof(err));
	assert_int_equal(cp_config_apply_line(&cfg, "service add 10.0.0.10:443", err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(err, "service add");
}

static void
test_line_too_long(void **state)
{
	static char line[CP_TEST_N("# ") + 1100];
	char err[128];

	(void)state;
	cp_test_base_config(&before);
	cfg = before;
	memset(line, ' ', 1025);
	memcpy(line, "set limit flows 5", 17);
	line[1025] = '\0';
	assert_int_equal(cp_config_apply_line(&cfg, line, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line longer than 1024 bytes");
	cp_assert_same_config(&cfg, &before);
	line[1024] = '\0';
	assert_int_equal(cp_config_apply_line(&cfg, line, err, sizeof(err)), 0);
	assert_int_equal(cfg.limits.flows, 5);
}

/* A table full refuses the next entry and keeps what it has. */
struct full_case {
	const char *desc;
	const char *setup[3];
	void (*fill)(unsigned i, char *buf, size_t len);
	unsigned fill_n;
	const char *line;
	const char *err;
};

static void
fill_port(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "port add p%u dev net_null%u role both", i, i);
}

static void
fill_addr(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "address add 10.%u.0.1/24 port p", i + 1);
}

static void
fill_route(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "route add 172.%u.0.0/16 via 10.0.0.254 port p", i);
}

static void
fill_neigh(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "neigh add 10.0.%u.%u lladdr 02:00:00:00:00:01 port p", i / 200,
		 i % 200 + 1);
}

static void
fill_service(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "service add 10.9.9.9:%u", i + 1);
}

static void
fill_backend(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "backend add 10.9.9.9:%u 10.0.%u.%u:443", i % 2 + 1, i / 200, i % 200 + 1);
}

static const struct full_case fulls[] = {
	{ "ports",
	  { NULL },
	  fill_port,
	  CP_MAX_PORTS,
	  "port add q dev x role both",
	  "port add: table full (8 ports)" },
	{ "addresses",
	  { "port add p dev x role both" },
	  fill_addr,
	  CP_MAX_ADDRESSES,
	  "address add 192.168.0.1/24 port p",
	  "address add: table full (64 addresses)" },
	{ "routes",
	  { "port add p dev x role both" },
	  fill_route,
	  CP_MAX_ROUTES,
	  "route add 192.168.0.0/16 via 10.0.0.254 port p",
	  "route add: table full (64 routes)" },
	{ "neighbours",
	  { "port add p dev x role both" },
	  fill_neigh,
	  CP_MAX_NEIGHS,
	  "neigh add 10.2.0.1 lladdr 02:00:00:00:00:01 port p",
	  "neigh add: table full (256 neighbours)" },
	{ "services",
	  { NULL },
	  fill_service,
	  CP_MAX_SERVICES,
	  "service add 10.9.9.8:1",
	  "service add: table full (256 services)" },
	{ "backends",
	  { "service add 10.9.9.9:1", "service add 10.9.9.9:2" },
	  fill_backend,
	  CP_MAX_BACKENDS,
	  "backend add 10.9.9.9:1 10.1.0.1:443",
	  "backend add: table full (4096 backends over all services)" },
};

static void
test_tables_full(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(fulls); i++) {
		const struct full_case *c = &fulls[i];
		char line[128], err[256];
		unsigned j;

		print_message("# full: %s\n", c->desc);
		cp_config_init(&cfg);
		for (j = 0; j < N(c->setup) && c->setup[j] != NULL; j++)
			assert_int_equal(cp_config_apply_line(&cfg, c->setup[j], err, sizeof(err)),
					 0);
		for (j = 0; j < c->fill_n; j++) {
			c->fill(j, line, sizeof(line));
			if (cp_config_apply_line(&cfg, line, err, sizeof(err)) != 0)
				fail_msg("%s: %s", line, err);
		}
		before = cfg;
		assert_int_equal(cp_config_apply_line(&cfg, c->line, err, sizeof(err)), -ENOSPC);
		assert_string_equal(err, c->err);
		cp_assert_same_config(&cfg, &before);
	}
}

/*
 * Deletes, and the storage order: the lines on the left must build the very
 * bytes the lines on the right build (indices fixed, pools contiguous, freed
 * slots zeroed).
 */
struct same_case {
	const char *desc;
	const char *lines[16];
	const char *want[16];
};

static const struct same_case sames[] = {
	{ "backends grouped by service whatever the order of the lines",
	  { "service add 10.0.0.1:1", "service add 10.0.0.1:2", "backend add 10.0.0.1:2 10.1.0.1:1",
	    "backend add 10.0.0.1:1 10.1.0.2:1", "backend add 10.0.0.1:2 10.1.0.3:1",
	    "backend add 10.0.0.1:1 10.1.0.4:1" },
	  { "service add 10.0.0.1:1", "service add 10.0.0.1:2", "backend add 10.0.0.1:1 10.1.0.2:1",
	    "backend add 10.0.0.1:1 10.1.0.4:1", "backend add 10.0.0.1:2 10.1.0.1:1",
	    "backend add 10.0.0.1:2 10.1.0.3:1" } },
	{ "service del in the middle drops its backends and renumbers the rest",
	  { "service add 10.0.0.1:1", "service add 10.0.0.1:2", "service add 10.0.0.1:3",
	    "backend add 10.0.0.1:1 10.1.0.1:1", "backend add 10.0.0.1:2 10.1.0.2:1",
	    "backend add 10.0.0.1:3 10.1.0.3:1 weight 3", "backend add 10.0.0.1:2 10.1.0.4:1",
	    "backend add 10.0.0.1:1 10.1.0.5:1", "service del 10.0.0.1:2" },
	  { "service add 10.0.0.1:1", "service add 10.0.0.1:3", "backend add 10.0.0.1:1 10.1.0.1:1",
	    "backend add 10.0.0.1:1 10.1.0.5:1", "backend add 10.0.0.1:3 10.1.0.3:1 weight 3" } },
	{ "service del of the last service",
	  { "service add 10.0.0.1:1", "service add 10.0.0.1:2", "backend add 10.0.0.1:2 10.1.0.2:1",
	    "service del 10.0.0.1:2" },
	  { "service add 10.0.0.1:1" } },
	{ "service del then add again starts an empty pool",
	  { "service add 10.0.0.1:1", "backend add 10.0.0.1:1 10.1.0.2:1", "service del 10.0.0.1:1",
	    "service add 10.0.0.1:1 mode tls" },
	  { "service add 10.0.0.1:1 mode tls" } },
	{ "backend del keeps the other backends in order",
	  { "service add 10.0.0.1:1", "backend add 10.0.0.1:1 10.1.0.1:1",
	    "backend add 10.0.0.1:1 10.1.0.2:1 weight 2", "backend add 10.0.0.1:1 10.1.0.3:1",
	    "backend del 10.0.0.1:1 10.1.0.2:1" },
	  { "service add 10.0.0.1:1", "backend add 10.0.0.1:1 10.1.0.1:1",
	    "backend add 10.0.0.1:1 10.1.0.3:1" } },
	{ "address, route and neighbour del",
	  { "port add p dev x role both", "address add 10.0.0.1/24 port p",
	    "address add 10.0.1.1/24 port p snat", "route add 10.5.0.0/16 via 10.0.0.254 port p",
	    "route add 10.6.0.0/16 via 10.0.0.254 port p",
	    "neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 port p",
	    "neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 port p", "address del 10.0.0.1",
	    "route del 10.5.0.0/16", "neigh del 10.0.0.3" },
	  { "port add p dev x role both", "address add 10.0.1.1/24 port p snat",
	    "route add 10.6.0.0/16 via 10.0.0.254 port p",
	    "neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 port p" } },
	{ "a later set wins",
	  { "set timeout syn 7", "set timeout syn 9", "set snat-ports 1-2", "set snat-ports 3-4" },
	  { "set timeout syn 9", "set snat-ports 3-4" } },
	{ "defaults spelled out change nothing",
	  { "service add 10.0.0.1:1 mode l4 nat two-arm sched wrr",
	    "backend add 10.0.0.1:1 10.1.0.1:1 weight 1", "set timeout established 900" },
	  { "service add 10.0.0.1:1", "backend add 10.0.0.1:1 10.1.0.1:1" } },
};

static void
test_same_config(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(sames); i++) {
		print_message("# same: %s\n", sames[i].desc);
		cp_config_init(&cfg);
		cp_test_apply(&cfg, sames[i].lines);
		cp_config_init(&want);
		cp_test_apply(&want, sames[i].want);
		assert_true(cp_config_equal(&cfg, &want));
		cp_assert_same_config(&cfg, &want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines),     cmocka_unit_test(test_short_error_buffer),
		cmocka_unit_test(test_line_too_long), cmocka_unit_test(test_tables_full),
		cmocka_unit_test(test_same_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
