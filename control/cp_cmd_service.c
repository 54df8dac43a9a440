/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service add and del. Backends stay grouped by service, in service order
 * (see cp_cmd_backend.c), so deleting a service renumbers the later pools.
 */
#include <errno.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

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
	sv->session_lifetime = CP_DEFAULT_SESSION_LIFETIME;
	sv->keyname_len = CP_DEFAULT_KEYNAME_LEN;
	sv->health.interval_ms = CP_DEFAULT_HEALTH_INTERVAL_MS;
	sv->health.timeout_ms = CP_DEFAULT_HEALTH_TIMEOUT_MS;
	sv->health.rise = CP_DEFAULT_HEALTH_RISE;
	sv->health.fall = CP_DEFAULT_HEALTH_FALL;
	cfg->n_services++;
	return 0;
}

int
cp_cmd_service_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	int idx = cp_service_ref(cfg, &a->v[ARG_SVC_DEL_EP], e);
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
