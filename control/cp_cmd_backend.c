/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend commands: membership, weight and labels, and the operator's admin
 * state. Backends stay grouped by service, in service order, so that a
 * service's pool is one contiguous slice and `save` prints the arrays back in
 * the order `load` rebuilds them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

int
cp_service_ref(const struct cp_config *cfg, const struct cp_value *v, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN];
	int idx = cp_service_index(cfg, &v->ip, v->port);

	if (idx < 0)
		return cp_errf(e, ENOENT, "no service %s",
			       cp_endpoint_str(&v->ip, v->port, s, sizeof(s)));
	return idx;
}

int
cp_backend_index(const struct cp_config *cfg, unsigned svc, const struct cp_value *v)
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
cp_backend_ref(const struct cp_config *cfg, const struct cp_value *svc_v,
	       const struct cp_value *be_v, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN], v[CP_ENDPOINT_STRLEN];
	int svc = cp_service_ref(cfg, svc_v, e);
	int idx;

	if (svc < 0)
		return svc;
	idx = cp_backend_index(cfg, (unsigned)svc, be_v);
	if (idx < 0)
		return cp_errf(e, ENOENT, "no backend %s in service %s",
			       cp_endpoint_str(&be_v->ip, be_v->port, s, sizeof(s)),
			       cp_endpoint_str(&cfg->services[svc].vip, cfg->services[svc].port, v,
					       sizeof(v)));
	return idx;
}

bool
cp_server_id_none(const uint8_t *id, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if (id[i] != 0)
			return false;
	return true;
}

/* -EEXIST when another backend of service @svc (not @self, -1: none) is called @name. */
static int
check_name_free(const struct cp_config *cfg, unsigned svc, int self, const char *name,
		struct cp_err *e)
{
	char b[CP_ENDPOINT_STRLEN];
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *be = &cfg->backends[i];

		if (be->service == svc && (int)i != self && strcmp(be->name, name) == 0)
			return cp_errf(e, EEXIST, "name \"%s\" is already backend %s's", name,
				       cp_endpoint_str(&be->ip, be->port, b, sizeof(b)));
	}
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
	idx = cp_service_ref(cfg, &a->v[ARG_BE_SVC], e);
	if (idx < 0)
		return idx;
	svc = (unsigned)idx;
	cp_endpoint_str(&cfg->services[svc].vip, cfg->services[svc].port, v, sizeof(v));
	if (cp_service_index(cfg, &ep->ip, ep->port) >= 0)
		return cp_errf(e, EINVAL, "backend %s is a service of tlslb's own", s);
	if (cp_backend_index(cfg, svc, ep) >= 0)
		return cp_errf(e, EEXIST, "backend %s exists in service %s", s, v);
	if (a->set[ARG_BE_NAME] && check_name_free(cfg, svc, -1, a->v[ARG_BE_NAME].str, e) < 0)
		return -EEXIST;
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
	b->admin = CP_ADMIN_ENABLED;
	/* The parser checked the length against CP_NAME_MAX. */
	if (a->set[ARG_BE_NAME])
		snprintf(b->name, sizeof(b->name), "%s", a->v[ARG_BE_NAME].str);
	cfg->n_backends++;
	return 0;
}

int
cp_cmd_backend_del(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	const struct cp_backend *b;
	int idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);

	if (idx < 0)
		return idx;
	b = &cfg->backends[idx];
	if (a->set[ARG_BE_DEL_RESET]) {
		struct cp_pending *p = &cfg->pending;
		const struct cp_service *sv = &cfg->services[b->service];

		/* Pending resets are cleared after every applied command, so this is a
		 * bound per command, not over time. */
		if (p->n_resets == CP_MAX_PENDING_RESETS)
			return cp_errf(e, ENOSPC, "too many resets pending (%d)",
				       CP_MAX_PENDING_RESETS);
		p->reset[p->n_resets].vip = sv->vip;
		p->reset[p->n_resets].vport = sv->port;
		p->reset[p->n_resets].ip = b->ip;
		p->reset[p->n_resets].port = b->port;
		p->n_resets++;
	}
	cp_array_remove(cfg->backends, sizeof(cfg->backends[0]), &cfg->n_backends, (unsigned)idx);
	return 0;
}

/* The server ID of `backend set`: its length must be the service's, and it must be unique. */
static int
check_server_id(const struct cp_config *cfg, unsigned self, const struct cp_value *id,
		struct cp_err *e)
{
	const struct cp_backend *b = &cfg->backends[self];
	const struct cp_service *sv = &cfg->services[b->service];
	char v[CP_ENDPOINT_STRLEN], o[CP_ENDPOINT_STRLEN];
	unsigned i;

	cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
	if (id->u == 0)
		return 0; /* "none" */
	if (sv->server_id_len == 0)
		return cp_errf(e, EINVAL,
			       "service %s has server-id-len 0; set it first (service set %s "
			       "server-id-len N)",
			       v, v);
	if (id->u != sv->server_id_len)
		return cp_errf(e, EINVAL,
			       "server-id of %u bytes, but service %s has server-id-len %u", id->u,
			       v, sv->server_id_len);
	if (cp_server_id_none(id->hex, id->u))
		return 0;
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *x = &cfg->backends[i];

		if (i != self && x->service == b->service &&
		    memcmp(x->server_id, id->hex, id->u) == 0)
			return cp_errf(e, EEXIST, "server-id already belongs to backend %s",
				       cp_endpoint_str(&x->ip, x->port, o, sizeof(o)));
	}
	return 0;
}

int
cp_cmd_backend_set(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	struct cp_backend *b;
	int idx;

	if (!a->set[ARG_BE_WEIGHT] && !a->set[ARG_BE_NAME] && !a->set[ARG_BE_SERVER_ID])
		return cp_errf(e, EINVAL, "nothing to set (options: weight, name, server-id)");
	idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);
	if (idx < 0)
		return idx;
	b = &cfg->backends[idx];
	if (a->set[ARG_BE_NAME] &&
	    check_name_free(cfg, b->service, idx, a->v[ARG_BE_NAME].str, e) < 0)
		return -EEXIST;
	if (a->set[ARG_BE_SERVER_ID]) {
		int rc = check_server_id(cfg, (unsigned)idx, &a->v[ARG_BE_SERVER_ID], e);

		if (rc < 0)
			return rc;
	}

	if (a->set[ARG_BE_WEIGHT])
		b->weight = a->v[ARG_BE_WEIGHT].u;
	if (a->set[ARG_BE_NAME])
		snprintf(b->name, sizeof(b->name), "%s", a->v[ARG_BE_NAME].str);
	if (a->set[ARG_BE_SERVER_ID]) {
		memset(b->server_id, 0, sizeof(b->server_id));
		memcpy(b->server_id, a->v[ARG_BE_SERVER_ID].hex, a->v[ARG_BE_SERVER_ID].u);
	}
	return 0;
}

int
cp_cmd_backend_drain(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	int idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);

	if (idx < 0)
		return idx;
	/* From any state: draining a disabled backend lets its resumptions back in. */
	cfg->backends[idx].admin = CP_ADMIN_DRAINING;
	cfg->backends[idx].drain_resume = a->set[ARG_BE_DRAIN_RESUME];
	return 0;
}

int
cp_cmd_backend_undrain(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	char b[CP_ENDPOINT_STRLEN];
	int idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);

	if (idx < 0)
		return idx;
	/* Undrain must not quietly re-enable what someone disabled on purpose. */
	if (cfg->backends[idx].admin == CP_ADMIN_DISABLED)
		return cp_errf(e, EINVAL, "backend %s is disabled, not draining (backend enable)",
			       cp_endpoint_str(&cfg->backends[idx].ip, cfg->backends[idx].port, b,
					       sizeof(b)));
	cfg->backends[idx].admin = CP_ADMIN_ENABLED;
	cfg->backends[idx].drain_resume = false;
	return 0;
}

int
cp_cmd_backend_disable(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	int idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);

	if (idx < 0)
		return idx;
	cfg->backends[idx].admin = CP_ADMIN_DISABLED;
	cfg->backends[idx].drain_resume = false;
	return 0;
}

int
cp_cmd_backend_enable(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	int idx = cp_backend_ref(cfg, &a->v[ARG_BE_SVC], &a->v[ARG_BE_EP], e);

	if (idx < 0)
		return idx;
	cfg->backends[idx].admin = CP_ADMIN_ENABLED;
	cfg->backends[idx].drain_resume = false;
	return 0;
}
