/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks across lines: each line was valid when applied, but only the whole
 * config says whether tlslb can reach what it was told to balance.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_config.h"
#include "cp_err.h"
#include "cp_handlers.h"
#include "cp_parse.h"

static bool
role_has(uint8_t role, enum cp_port_role r)
{
	return (role & r) != 0;
}

/* The address whose connected subnet on @port (any port if < 0) covers @a, longest first. */
static int
connected(const struct cp_config *cfg, uint32_t a, int port)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *ad = &cfg->addresses[i];

		if (port >= 0 && ad->port != port)
			continue;
		if (!cp_same_subnet4(a, cp_ip4_host(&ad->ip), ad->prefix_len))
			continue;
		if (best < 0 || ad->prefix_len > cfg->addresses[best].prefix_len)
			best = (int)i;
	}
	return best;
}

/* How packets to @a leave: a port index, or -1. Connected subnets win ties with routes. */
static int
egress_port(const struct cp_config *cfg, uint32_t a, int *via_addr)
{
	int addr = connected(cfg, a, -1);
	int best_len = addr >= 0 ? cfg->addresses[addr].prefix_len : -1;
	int port = addr >= 0 ? cfg->addresses[addr].port : -1;
	unsigned i;

	*via_addr = addr;
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cp_route *r = &cfg->routes[i];

		if (r->prefix_len > best_len &&
		    cp_same_subnet4(a, cp_ip4_host(&r->prefix), r->prefix_len)) {
			best_len = r->prefix_len;
			port = r->port;
			*via_addr = -1;
		}
	}
	return port;
}

/* A host on a connected subnet must not be its network/broadcast address nor tlslb's own. */
static int
check_on_link(const struct cp_config *cfg, const struct cp_ip *ip, int addr, const char *what,
	      struct cp_err *e)
{
	const struct cp_address *ad = &cfg->addresses[addr];
	char s[CP_IPV4_STRLEN], p[CP_ENDPOINT_STRLEN];

	if (cp_ip4_is_net_or_bcast(cp_ip4_host(ip), ad->prefix_len))
		return cp_errf(e, EINVAL, "%s %s: the network or broadcast address of %s", what,
			       cp_ip_str(ip, s, sizeof(s)),
			       cp_prefix_str(&ad->ip, ad->prefix_len, p, sizeof(p)));
	if (cp_address_index(cfg, ip) >= 0)
		return cp_errf(e, EINVAL, "%s %s: an address of tlslb's own", what,
			       cp_ip_str(ip, s, sizeof(s)));
	return 0;
}

/* Configs built by hand (tests, later code) may break what the grammar guarantees. */
static int
check_indices(const struct cp_config *cfg, struct cp_err *e)
{
	unsigned i;

	if (cfg->n_ports > CP_MAX_PORTS || cfg->n_addresses > CP_MAX_ADDRESSES ||
	    cfg->n_routes > CP_MAX_ROUTES || cfg->n_neighs > CP_MAX_NEIGHS ||
	    cfg->n_services > CP_MAX_SERVICES || cfg->n_backends > CP_MAX_BACKENDS)
		return cp_errf(e, EINVAL, "a table count exceeds its table");
	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role < CP_ROLE_CLIENT || cfg->ports[i].role > CP_ROLE_BOTH)
			return cp_errf(e, EINVAL, "port %u: bad role %u", i, cfg->ports[i].role);
	for (i = 0; i < cfg->n_addresses; i++)
		if (cfg->addresses[i].port >= cfg->n_ports)
			return cp_errf(e, EINVAL, "address %u: bad port index", i);
	for (i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].port >= cfg->n_ports)
			return cp_errf(e, EINVAL, "route %u: bad port index", i);
	for (i = 0; i < cfg->n_neighs; i++)
		if (cfg->neighs[i].port >= cfg->n_ports)
			return cp_errf(e, EINVAL, "neighbour %u: bad port index", i);
	for (i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].service >= cfg->n_services)
			return cp_errf(e, EINVAL, "backend %u: bad service index", i);
	return 0;
}

static int
check_ports(const struct cp_config *cfg, struct cp_err *e)
{
	unsigned i;

	if (cfg->n_ports == 0)
		return cp_errf(e, EINVAL,
			       "no port: add one with \"port add NAME dev DEVICE role "
			       "client|server|both\"");
	if (cfg->n_services == 0)
		return 0;
	for (i = 0; i < cfg->n_ports; i++)
		if (role_has(cfg->ports[i].role, CP_ROLE_CLIENT))
			return 0;
	return cp_errf(e, EINVAL, "services need a port with role client or both");
}

static int
check_subnets(const struct cp_config *cfg, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN], t[CP_ENDPOINT_STRLEN];
	unsigned i, j;

	/* Overlapping subnets on two ports make the egress port of a host ambiguous. */
	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *x = &cfg->addresses[i];

		for (j = i + 1; j < cfg->n_addresses; j++) {
			const struct cp_address *y = &cfg->addresses[j];
			unsigned len =
				x->prefix_len < y->prefix_len ? x->prefix_len : y->prefix_len;

			if (x->port == y->port ||
			    !cp_same_subnet4(cp_ip4_host(&x->ip), cp_ip4_host(&y->ip), len))
				continue;
			return cp_errf(
				e, EINVAL,
				"address %s on port \"%s\" and %s on port \"%s\": overlapping "
				"subnets",
				cp_prefix_str(&x->ip, x->prefix_len, s, sizeof(s)),
				cfg->ports[x->port].name,
				cp_prefix_str(&y->ip, y->prefix_len, t, sizeof(t)),
				cfg->ports[y->port].name);
		}
	}
	return 0;
}

static int
check_routes(const struct cp_config *cfg, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN], g[CP_IPV4_STRLEN];
	unsigned i;
	int rc;

	for (i = 0; i < cfg->n_routes; i++) {
		const struct cp_route *r = &cfg->routes[i];
		int addr = connected(cfg, cp_ip4_host(&r->gateway), r->port);

		cp_prefix_str(&r->prefix, r->prefix_len, s, sizeof(s));
		if (addr < 0)
			return cp_errf(e, EINVAL,
				       "route %s via %s: gateway not on a subnet of port \"%s\"", s,
				       cp_ip_str(&r->gateway, g, sizeof(g)),
				       cfg->ports[r->port].name);
		rc = check_on_link(cfg, &r->gateway, addr, "gateway", e);
		if (rc < 0)
			return cp_err_prefix(e, EINVAL, "route %s: ", s);
	}
	return 0;
}

static int
check_neighs(const struct cp_config *cfg, struct cp_err *e)
{
	char s[CP_IPV4_STRLEN];
	unsigned i;

	for (i = 0; i < cfg->n_neighs; i++) {
		const struct cp_neigh *nb = &cfg->neighs[i];
		int addr = connected(cfg, cp_ip4_host(&nb->ip), nb->port);

		if (addr < 0)
			return cp_errf(e, EINVAL, "neighbour %s: not on a subnet of port \"%s\"",
				       cp_ip_str(&nb->ip, s, sizeof(s)), cfg->ports[nb->port].name);
		if (check_on_link(cfg, &nb->ip, addr, "neighbour", e) < 0)
			return -EINVAL;
	}
	return 0;
}

static bool
port_has_snat(const struct cp_config *cfg, int port)
{
	unsigned i;

	for (i = 0; i < cfg->n_addresses; i++)
		if (cfg->addresses[i].snat && (port < 0 || cfg->addresses[i].port == port))
			return true;
	return false;
}

static int
check_services(const struct cp_config *cfg, struct cp_err *e)
{
	char v[CP_ENDPOINT_STRLEN], b[CP_ENDPOINT_STRLEN];
	unsigned i;

	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service *sv = &cfg->services[i];
		int addr = connected(cfg, cp_ip4_host(&sv->vip), -1);

		cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
		if (addr >= 0 &&
		    cp_ip4_is_net_or_bcast(cp_ip4_host(&sv->vip), cfg->addresses[addr].prefix_len))
			return cp_errf(
				e, EINVAL,
				"service %s: VIP is the network or broadcast address of %s", v,
				cp_prefix_str(&cfg->addresses[addr].ip,
					      cfg->addresses[addr].prefix_len, b, sizeof(b)));
		if (sv->nat == CP_NAT_FULL && !port_has_snat(cfg, -1))
			return cp_errf(e, EINVAL, "service %s has nat full but no address has snat",
				       v);
	}

	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *be = &cfg->backends[i];
		const struct cp_service *sv = &cfg->services[be->service];
		int addr, port;

		cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
		cp_endpoint_str(&be->ip, be->port, b, sizeof(b));
		port = egress_port(cfg, cp_ip4_host(&be->ip), &addr);
		if (port < 0)
			return cp_errf(e, EINVAL,
				       "service %s: backend %s: no address or route reaches it", v,
				       b);
		if (!role_has(cfg->ports[port].role, CP_ROLE_SERVER))
			return cp_errf(e, EINVAL,
				       "service %s: backend %s: reached through port \"%s\", whose "
				       "role is client",
				       v, b, cfg->ports[port].name);
		if (addr >= 0 && check_on_link(cfg, &be->ip, addr, "backend", e) < 0)
			return cp_err_prefix(e, EINVAL, "service %s: ", v);
		if (sv->nat == CP_NAT_FULL && !port_has_snat(cfg, port))
			return cp_errf(e, EINVAL,
				       "service %s (nat full): backend %s is reached through port "
				       "\"%s\", which has no snat address",
				       v, b, cfg->ports[port].name);
	}
	return 0;
}

static int
check_service_settings(const struct cp_service *sv, struct cp_err *e)
{
	const struct cp_health *h = &sv->health;
	char v[CP_ENDPOINT_STRLEN];

	cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
	if (sv->mode > CP_MODE_TLS || sv->nat > CP_NAT_FULL || sv->sched > CP_SCHED_WRR)
		return cp_errf(e, EINVAL, "service %s: bad mode, nat or sched", v);
	if (sv->session_lifetime < 1 || sv->session_lifetime > 604800)
		return cp_errf(e, EINVAL, "service %s: session-lifetime %u not in 1..604800", v,
			       sv->session_lifetime);
	if (sv->hello_timeout > 86400)
		return cp_errf(e, EINVAL, "service %s: hello-timeout %u not in 0..86400", v,
			       sv->hello_timeout);
	if (sv->keyname_len < 1 || sv->keyname_len > 32)
		return cp_errf(e, EINVAL, "service %s: keyname-len %u not in 1..32", v,
			       sv->keyname_len);
	if (sv->server_id_len > CP_SERVER_ID_MAX)
		return cp_errf(e, EINVAL, "service %s: server-id-len %u not in 0..%d", v,
			       sv->server_id_len, CP_SERVER_ID_MAX);
	if (sv->psk_server_id && sv->server_id_len == 0)
		return cp_errf(e, EINVAL, "service %s: psk-server-id on with server-id-len 0", v);
	if (h->interval_ms < 100 || h->interval_ms > 3600000 || h->timeout_ms < 10 ||
	    h->timeout_ms > h->interval_ms || h->rise < 1 || h->rise > 10 || h->fall < 1 ||
	    h->fall > 10)
		return cp_errf(e, EINVAL,
			       "service %s: health interval %u timeout %u rise %u fall %u out of "
			       "range",
			       v, h->interval_ms, h->timeout_ms, h->rise, h->fall);
	return 0;
}

static int
check_backend_settings(const struct cp_config *cfg, unsigned i, struct cp_err *e)
{
	const struct cp_backend *be = &cfg->backends[i];
	const struct cp_service *sv = &cfg->services[be->service];
	char v[CP_ENDPOINT_STRLEN], b[CP_ENDPOINT_STRLEN], o[CP_ENDPOINT_STRLEN];
	char name[CP_NAME_MAX];
	unsigned j;

	cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
	cp_endpoint_str(&be->ip, be->port, b, sizeof(b));
	if (i > 0 && cfg->backends[i - 1].service > be->service)
		return cp_errf(e, EINVAL, "backend %s: backends not grouped by service", b);
	if (be->weight > 65535)
		return cp_errf(e, EINVAL, "service %s: backend %s: weight %u not in 0..65535", v,
			       b, be->weight);
	if (be->admin > CP_ADMIN_DISABLED || (be->drain_resume && be->admin != CP_ADMIN_DRAINING))
		return cp_errf(e, EINVAL, "service %s: backend %s: bad admin state", v, b);
	if (memchr(be->name, '\0', sizeof(be->name)) == NULL ||
	    (be->name[0] != '\0' && cp_parse_name(be->name, name, sizeof(name), e) < 0))
		return cp_errf(e, EINVAL, "service %s: backend %s: bad name", v, b);
	if (!cp_server_id_none(be->server_id + sv->server_id_len,
			       CP_SERVER_ID_MAX - sv->server_id_len))
		return cp_errf(e, EINVAL,
			       "service %s: backend %s: server-id longer than server-id-len %u", v,
			       b, sv->server_id_len);
	/* Pools are contiguous (checked above), so the rest of this one follows. */
	for (j = i + 1; j < cfg->n_backends && cfg->backends[j].service == be->service; j++) {
		const struct cp_backend *x = &cfg->backends[j];

		cp_endpoint_str(&x->ip, x->port, o, sizeof(o));
		if (be->name[0] != '\0' && strcmp(be->name, x->name) == 0)
			return cp_errf(e, EINVAL, "service %s: backends %s and %s both named \"%s\"",
				       v, b, o, be->name);
		if (!cp_server_id_none(be->server_id, CP_SERVER_ID_MAX) &&
		    memcmp(be->server_id, x->server_id, CP_SERVER_ID_MAX) == 0)
			return cp_errf(e, EINVAL, "service %s: backends %s and %s have one server-id",
				       v, b, o);
		if (cp_ip_equal(&be->ip, &x->ip) && be->port == x->port)
			return cp_errf(e, EINVAL, "service %s: backend %s twice", v, b);
	}
	return 0;
}

int
cp_check_settings(const struct cp_config *cfg, struct cp_err *e)
{
	unsigned i;
	int rc;

	for (i = 0; i < cfg->n_services; i++) {
		rc = check_service_settings(&cfg->services[i], e);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < cfg->n_backends; i++) {
		rc = check_backend_settings(cfg, i, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
cp_config_validate(const struct cp_config *cfg, char *err, size_t err_len)
{
	struct cp_err e = { .buf = err, .len = err_len };
	int rc;

	rc = check_indices(cfg, &e);
	if (rc == 0)
		rc = cp_check_settings(cfg, &e);
	if (rc == 0)
		rc = check_ports(cfg, &e);
	if (rc == 0)
		rc = check_subnets(cfg, &e);
	if (rc == 0)
		rc = check_routes(cfg, &e);
	if (rc == 0)
		rc = check_neighs(cfg, &e);
	if (rc == 0)
		rc = check_services(cfg, &e);
	return rc;
}
