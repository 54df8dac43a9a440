/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service set and service health: settings of an existing service. Options
 * left out keep their value, so one setting changes at a time at runtime and
 * `save` spells them all out for the file.
 */
#include <errno.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

/* A backend of service @svc that has a server ID, or -1. */
static int
backend_with_server_id(const struct cp_config *cfg, unsigned svc)
{
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].service == svc &&
		    !cp_server_id_none(cfg->backends[i].server_id, CP_SERVER_ID_MAX))
			return (int)i;
	return -1;
}

int
cp_cmd_service_set(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	char v[CP_ENDPOINT_STRLEN], b[CP_ENDPOINT_STRLEN];
	struct cp_service next;
	bool any = false;
	unsigned i;
	int idx, be;

	for (i = ARG_SVCSET_EP + 1; i <= ARG_SVCSET_PSK_SERVER_ID; i++)
		any |= a->set[i];
	if (!any)
		return cp_errf(e, EINVAL,
			       "nothing to set (options: mode, sched, session-lifetime, "
			       "hello-timeout, keyname-len, server-id-len, psk-server-id)");
	idx = cp_service_ref(cfg, &a->v[ARG_SVCSET_EP], e);
	if (idx < 0)
		return idx;
	next = cfg->services[idx];
	cp_endpoint_str(&next.vip, next.port, v, sizeof(v));
	if (a->set[ARG_SVCSET_MODE])
		next.mode = (uint8_t)a->v[ARG_SVCSET_MODE].u;
	if (a->set[ARG_SVCSET_SCHED])
		next.sched = (uint8_t)a->v[ARG_SVCSET_SCHED].u;
	if (a->set[ARG_SVCSET_LIFETIME])
		next.session_lifetime = a->v[ARG_SVCSET_LIFETIME].u;
	if (a->set[ARG_SVCSET_HELLO_TIMEOUT])
		next.hello_timeout = a->v[ARG_SVCSET_HELLO_TIMEOUT].u;
	if (a->set[ARG_SVCSET_KEYNAME_LEN])
		next.keyname_len = (uint8_t)a->v[ARG_SVCSET_KEYNAME_LEN].u;
	if (a->set[ARG_SVCSET_SERVER_ID_LEN])
		next.server_id_len = (uint8_t)a->v[ARG_SVCSET_SERVER_ID_LEN].u;
	if (a->set[ARG_SVCSET_PSK_SERVER_ID])
		next.psk_server_id = a->v[ARG_SVCSET_PSK_SERVER_ID].u == 1;

	if (next.psk_server_id && next.server_id_len == 0)
		return cp_errf(e, EINVAL, "psk-server-id on needs a server-id-len of 1..%d",
			       CP_SERVER_ID_MAX);
	/* IDs of the old length would silently change meaning under the new one. */
	be = backend_with_server_id(cfg, (unsigned)idx);
	if (next.server_id_len != cfg->services[idx].server_id_len && be >= 0)
		return cp_errf(e, EINVAL,
			       "backend %s has a server-id of %u bytes; clear the backends' "
			       "server-ids first (backend set %s IP:PORT server-id none)",
			       cp_endpoint_str(&cfg->backends[be].ip, cfg->backends[be].port, b,
					       sizeof(b)),
			       cfg->services[idx].server_id_len, v);
	cfg->services[idx] = next;
	return 0;
}

int
cp_cmd_service_health(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	struct cp_health h;
	int idx = cp_service_ref(cfg, &a->v[ARG_HEALTH_EP], e);

	if (idx < 0)
		return idx;
	h = cfg->services[idx].health;
	h.enabled = a->v[ARG_HEALTH_STATE].u == 1;
	if (a->set[ARG_HEALTH_INTERVAL])
		h.interval_ms = a->v[ARG_HEALTH_INTERVAL].u;
	if (a->set[ARG_HEALTH_TIMEOUT])
		h.timeout_ms = a->v[ARG_HEALTH_TIMEOUT].u;
	if (a->set[ARG_HEALTH_RISE])
		h.rise = (uint8_t)a->v[ARG_HEALTH_RISE].u;
	if (a->set[ARG_HEALTH_FALL])
		h.fall = (uint8_t)a->v[ARG_HEALTH_FALL].u;
	/* A probe still out when the next one is due would make the counts meaningless. */
	if (h.timeout_ms > h.interval_ms)
		return cp_errf(e, EINVAL, "timeout %u ms longer than the interval of %u ms",
			       h.timeout_ms, h.interval_ms);
	cfg->services[idx].health = h;
	return 0;
}
