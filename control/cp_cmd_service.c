/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service and backend commands. Backends stay grouped by service, in service
 * order, so that a service's pool is one contiguous slice and `save` prints
 * the arrays back in the order `load` rebuilds them.
 */
#include <errno.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

static int
service_ref(const struct cp_config *cfg, const struct cp_value *v, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN];
	int idx = cp_service_index(cfg, &v->ip, v->port);

	if (idx < 0)
		return cp_errf(e, ENOENT, "no service %s",
			       cp_endpoint_str(&v->ip, v->port, s, sizeof(s)));
	return idx;
}

static int
backend_index(const struct cp_config *cfg, unsigned svc, const struct cp_value *v)
{
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		if (b->service == svc && b->port == v->port && cp_ip_equal(&b->ip, &v->ip))
			return (int)i;
	}
	return -1;
}

int
cp_cmd_service_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *ep = &a->v[ARG_SVC_EP];
	char s[CP_ENDPOINT_STRLEN];
	const char *why = cp_ip4_not_host(cp_ip4_host(&ep->ip));
	struct cp_service *sv;

	cp_endpoint_str(&ep->ip, ep->port, s, sizeof(s));
	if (why != NULL)
		return cp_errf(e, EINVAL, "VIP %s: %s", s, why);
	if (cp_service_index(cfg, &ep->ip, ep->port) >= 0)
		return cp_errf(e, EEXIST, "service %s exists", s);
	if (cfg->n_services == CP_MAX_SERVICES)
		return cp_errf(e, ENOSPC, "table full (%d services)", CP_MAX_SERVICES);

	sv = &cfg->services[cfg->n_services];
	memset(sv, 0, sizeof(*sv));
	sv->vip = ep->ip;
	sv->port = ep->port;
	/* Unset options are 0 in cp_args, which is each enum's default. */
	sv->mode = (uint8_t)a->v[ARG_SVC_MODE].u;
	sv->nat = (uint8_t)a->v[ARG_SVC_NAT].u;
	sv->sched = (uint8_t)a->v[ARG_SVC_SCHED].u;
	cfg->n_services++;
	return 0;
}

int
cp_cmd_service_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	int idx = service_ref(cfg, &a->v[ARG_SVC_DEL_EP], e);
	unsigned svc, i;

	if (idx < 0)
		return idx;
	svc = (unsigned)idx;
	for (i = 0; i < cfg->n_backends;) {
		struct cp_backend *b = &cfg->backends[i];

		if (b->service == svc) {
			cp_array_remove(cfg->backends, sizeof(*b), &cfg->n_backends, i);
			continue;
		}
		if (b->service > svc)
			b->service--;
		i++;
	}
	cp_array_remove(cfg->services, sizeof(cfg->services[0]), &cfg->n_services, svc);
	return 0;
}

int
cp_cmd_backend_add(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *ep = &a->v[ARG_BE_EP];
	char s[CP_ENDPOINT_STRLEN], v[CP_ENDPOINT_STRLEN];
	const char *why = cp_ip4_not_host(cp_ip4_host(&ep->ip));
	struct cp_backend *b;
	unsigned svc, pos;
	int idx;

	cp_endpoint_str(&ep->ip, ep->port, s, sizeof(s));
	if (why != NULL)
		return cp_errf(e, EINVAL, "backend %s: %s", s, why);
	idx = service_ref(cfg, &a->v[ARG_BE_SVC], e);
	if (idx < 0)
		return idx;
	svc = (unsigned)idx;
	cp_endpoint_str(&cfg->services[svc].vip, cfg->services[svc].port, v, sizeof(v));
	if (cp_service_index(cfg, &ep->ip, ep->port) >= 0)
		return cp_errf(e, EINVAL, "backend %s is a service of tlslb's own", s);
	if (backend_index(cfg, svc, ep) >= 0)
		return cp_errf(e, EEXIST, "backend %s exists in service %s", s, v);
	if (cfg->n_backends == CP_MAX_BACKENDS)
		return cp_errf(e, ENOSPC, "table full (%d backends over all services)",
			       CP_MAX_BACKENDS);

	/* After the last backend of this service, keeping the pools contiguous. */
	for (pos = 0; pos < cfg->n_backends && cfg->backends[pos].service <= svc; pos++)
		;
	memmove(&cfg->backends[pos + 1], &cfg->backends[pos],
		(cfg->n_backends - pos) * sizeof(cfg->backends[0]));
	b = &cfg->backends[pos];
	memset(b, 0, sizeof(*b));
	b->ip = ep->ip;
	b->port = ep->port;
	b->weight = a->set[ARG_BE_WEIGHT] ? a->v[ARG_BE_WEIGHT].u : CP_DEFAULT_WEIGHT;
	b->service = (uint16_t)svc;
	cfg->n_backends++;
	return 0;
}

int
cp_cmd_backend_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_value *ep = &a->v[ARG_BE_EP];
	char s[CP_ENDPOINT_STRLEN], v[CP_ENDPOINT_STRLEN];
	int svc, idx;

	svc = service_ref(cfg, &a->v[ARG_BE_SVC], e);
	if (svc < 0)
		return svc;
	idx = backend_index(cfg, (unsigned)svc, ep);
	if (idx < 0)
		return cp_errf(e, ENOENT, "no backend %s in service %s",
			       cp_endpoint_str(&ep->ip, ep->port, s, sizeof(s)),
			       cp_endpoint_str(&cfg->services[svc].vip, cfg->services[svc].port, v,
					       sizeof(v)));
	cp_array_remove(cfg->backends, sizeof(cfg->backends[0]), &cfg->n_backends, (unsigned)idx);
	return 0;
}
