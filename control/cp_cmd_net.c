/* SPDX-License-Identifier: BSD-3-Clause */
/* port, address, route and neigh commands: where tlslb sits on the network. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

/* Port index of the name in @v, or -ENOENT with the ports that do exist. */
static int
port_ref(const struct cp_config *cfg, const struct cp_value *v, struct cp_err *e)
{
	char names[CP_MAX_PORTS * (CP_NAME_MAX + 2) + 1];
	size_t used = 0;
	int idx = cp_port_index(cfg, v->str);
	unsigned i;

	if (idx >= 0)
		return idx;
	names[0] = '\0';
	for (i = 0; i < cfg->n_ports; i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
					 cfg->ports[i].name);
	if (cfg->n_ports == 0)
		return cp_errf(e, ENOENT, "unknown port \"%s\" (no port defined yet)", v->str);
	return cp_errf(e, ENOENT, "unknown port \"%s\" (ports: %s)", v->str, names);
}

/* -EINVAL when @ip cannot be a host; @what names the argument in the reason. */
static int
check_host(const struct cp_ip *ip, const char *what, struct cp_err *e)
{
	char a[CP_IPV4_STRLEN];
	const char *why = cp_ip4_not_host(cp_ip4_host(ip));

	if (why == NULL)
		return 0;
	return cp_errf(e, EINVAL, "%s%s: %s", what, cp_ip_str(ip, a, sizeof(a)), why);
}

int
cp_cmd_port_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const char *name = a->v[ARG_PORT_NAME].str;
	const char *dev = a->v[ARG_PORT_DEV].str;
	struct cp_port *p;
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++) {
		if (strcmp(cfg->ports[i].name, name) == 0)
			return cp_errf(e, EEXIST, "port \"%s\" exists", name);
		if (strcmp(cfg->ports[i].dev, dev) == 0)
			return cp_errf(e, EEXIST, "device \"%s\" is already port \"%s\"", dev,
				       cfg->ports[i].name);
	}
	if (cfg->n_ports == CP_MAX_PORTS)
		return cp_errf(e, ENOSPC, "table full (%d ports)", CP_MAX_PORTS);

	p = &cfg->ports[cfg->n_ports];
	memset(p, 0, sizeof(*p));
	/* Lengths were checked by the argument parser. */
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	p->role = (uint8_t)(a->v[ARG_PORT_ROLE].u + 1);
	cfg->n_ports++;
	return 0;
}

int
cp_cmd_address_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *pv = &a->v[ARG_ADDR_PREFIX];
	uint32_t ip = cp_ip4_host(&pv->ip);
	char s[CP_ENDPOINT_STRLEN];
	struct cp_address *ad;
	int port, rc, old;

	cp_prefix_str(&pv->ip, pv->plen, s, sizeof(s));
	if (pv->plen == 0)
		return cp_errf(e, EINVAL, "%s: a /0 would put every address on this link", s);
	rc = check_host(&pv->ip, "", e);
	if (rc < 0)
		return rc;
	if (cp_ip4_is_net_or_bcast(ip, pv->plen))
		return cp_errf(e, EINVAL, "%s: the %s address of its subnet", s,
			       (ip & ~cp_mask4(pv->plen)) == 0 ? "network" : "broadcast");
	old = cp_address_index(cfg, &pv->ip);
	if (old >= 0) {
		char o[CP_ENDPOINT_STRLEN];
		const struct cp_address *oa = &cfg->addresses[old];

		return cp_errf(e, EEXIST, "address %s exists (%s on port \"%s\")",
			       cp_ip_str(&pv->ip, o, sizeof(o)),
			       cp_prefix_str(&oa->ip, oa->prefix_len, s, sizeof(s)),
			       cfg->ports[oa->port].name);
	}
	port = port_ref(cfg, &a->v[ARG_ADDR_PORT], e);
	if (port < 0)
		return port;
	if (a->set[ARG_ADDR_SNAT] && cfg->ports[port].role == CP_ROLE_CLIENT)
		return cp_errf(e, EINVAL,
			       "snat on port \"%s\", whose role is client: full-NAT sources face "
			       "the servers",
			       cfg->ports[port].name);
	if (cfg->n_addresses == CP_MAX_ADDRESSES)
		return cp_errf(e, ENOSPC, "table full (%d addresses)", CP_MAX_ADDRESSES);

	ad = &cfg->addresses[cfg->n_addresses];
	memset(ad, 0, sizeof(*ad));
	ad->ip = pv->ip;
	ad->prefix_len = pv->plen;
	ad->port = (uint16_t)port;
	ad->snat = a->set[ARG_ADDR_SNAT];
	cfg->n_addresses++;
	return 0;
}

int
cp_cmd_address_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_ip *ip = &a->v[ARG_ADDR_DEL_IP].ip;
	int idx = cp_address_index(cfg, ip);
	char s[CP_IPV4_STRLEN];

	if (idx < 0)
		return cp_errf(e, ENOENT, "no address %s", cp_ip_str(ip, s, sizeof(s)));
	cp_array_remove(cfg->addresses, sizeof(cfg->addresses[0]), &cfg->n_addresses,
			(unsigned)idx);
	return 0;
}

/* The prefix of @v, refused when it has host bits set (a typo more often than not). */
static int
route_prefix(const struct cp_value *v, struct cp_err *e)
{
	uint32_t net = cp_ip4_host(&v->ip);
	uint32_t mask = cp_mask4(v->plen);
	char s[CP_ENDPOINT_STRLEN], t[CP_ENDPOINT_STRLEN];
	struct cp_ip fixed;

	if ((net & ~mask) == 0)
		return 0;
	fixed = cp_ip4(net & mask);
	return cp_errf(e, EINVAL, "%s has host bits set (did you mean %s?)",
		       cp_prefix_str(&v->ip, v->plen, s, sizeof(s)),
		       cp_prefix_str(&fixed, v->plen, t, sizeof(t)));
}

static int
route_index(const struct cp_config *cfg, const struct cp_value *v)
{
	unsigned i;

	for (i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].prefix_len == v->plen &&
		    cp_ip_equal(&cfg->routes[i].prefix, &v->ip))
			return (int)i;
	return -1;
}

int
cp_cmd_route_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *pv = &a->v[ARG_ROUTE_PREFIX];
	char s[CP_ENDPOINT_STRLEN];
	struct cp_route *r;
	int port, rc;

	rc = route_prefix(pv, e);
	if (rc < 0)
		return rc;
	rc = check_host(&a->v[ARG_ROUTE_VIA].ip, "via ", e);
	if (rc < 0)
		return rc;
	if (route_index(cfg, pv) >= 0)
		return cp_errf(e, EEXIST, "route %s exists",
			       cp_prefix_str(&pv->ip, pv->plen, s, sizeof(s)));
	port = port_ref(cfg, &a->v[ARG_ROUTE_PORT], e);
	if (port < 0)
		return port;
	if (cfg->n_routes == CP_MAX_ROUTES)
		return cp_errf(e, ENOSPC, "table full (%d routes)", CP_MAX_ROUTES);

	r = &cfg->routes[cfg->n_routes];
	memset(r, 0, sizeof(*r));
	r->prefix = pv->ip;
	r->prefix_len = pv->plen;
	r->gateway = a->v[ARG_ROUTE_VIA].ip;
	r->port = (uint16_t)port;
	cfg->n_routes++;
	return 0;
}

int
cp_cmd_route_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *pv = &a->v[ARG_ROUTE_DEL_PREFIX];
	char s[CP_ENDPOINT_STRLEN];
	int rc, idx;

	rc = route_prefix(pv, e);
	if (rc < 0)
		return rc;
	idx = route_index(cfg, pv);
	if (idx < 0)
		return cp_errf(e, ENOENT, "no route %s",
			       cp_prefix_str(&pv->ip, pv->plen, s, sizeof(s)));
	cp_array_remove(cfg->routes, sizeof(cfg->routes[0]), &cfg->n_routes, (unsigned)idx);
	return 0;
}

static int
neigh_index(const struct cp_config *cfg, const struct cp_ip *ip)
{
	unsigned i;

	for (i = 0; i < cfg->n_neighs; i++)
		if (cp_ip_equal(&cfg->neighs[i].ip, ip))
			return (int)i;
	return -1;
}

int
cp_cmd_neigh_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_ip *ip = &a->v[ARG_NEIGH_IP].ip;
	const uint8_t *mac = a->v[ARG_NEIGH_MAC].mac;
	static const uint8_t zero[6];
	char s[CP_IPV4_STRLEN];
	struct cp_neigh *nb;
	int port, rc;

	rc = check_host(ip, "", e);
	if (rc < 0)
		return rc;
	if (mac[0] & 1)
		return cp_errf(e, EINVAL, "lladdr: a multicast MAC cannot be a neighbour");
	if (memcmp(mac, zero, sizeof(zero)) == 0)
		return cp_errf(e, EINVAL, "lladdr: the all-zero MAC cannot be a neighbour");
	if (neigh_index(cfg, ip) >= 0)
		return cp_errf(e, EEXIST, "neighbour %s exists", cp_ip_str(ip, s, sizeof(s)));
	port = port_ref(cfg, &a->v[ARG_NEIGH_PORT], e);
	if (port < 0)
		return port;
	if (cfg->n_neighs == CP_MAX_NEIGHS)
		return cp_errf(e, ENOSPC, "table full (%d neighbours)", CP_MAX_NEIGHS);

	nb = &cfg->neighs[cfg->n_neighs];
	memset(nb, 0, sizeof(*nb));
	nb->ip = *ip;
	memcpy(nb->mac, mac, sizeof(nb->mac));
	nb->port = (uint16_t)port;
	cfg->n_neighs++;
	return 0;
}

int
cp_cmd_neigh_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_ip *ip = &a->v[ARG_NEIGH_DEL_IP].ip;
	int idx = neigh_index(cfg, ip);
	char s[CP_IPV4_STRLEN];

	if (idx < 0)
		return cp_errf(e, ENOENT, "no neighbour %s", cp_ip_str(ip, s, sizeof(s)));
	cp_array_remove(cfg->neighs, sizeof(cfg->neighs[0]), &cfg->n_neighs, (unsigned)idx);
	return 0;
}
