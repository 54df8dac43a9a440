/* SPDX-License-Identifier: BSD-3-Clause */
/* The tables all workers share, built once from the config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "dp_health.h"
#include "dp_internal.h"
#include "dp_tls.h"

/* rte_hash and rte_ring names are global to the process */
static unsigned instance_seq;

static int resolve_backends(struct dp_shared *sh)
{
	unsigned i;

	for (i = 0; i < sh->svc.n_backends; i++) {
		struct dp_backend *bk = &sh->svc.bk[i];
		uint32_t nh_ip;
		uint16_t port;
		int slot;

		if (sh->cfg.backends[i].ip.family != AF_INET)
			continue;
		/* unreachable backends stay configured; their SYNs count no_route */
		if (dp_route_lookup(&sh->routes, bk->ip, &port, &nh_ip) < 0)
			continue;
		slot = dp_neigh_get(&sh->neigh, nh_ip, port);
		if (slot < 0)
			return slot;
		bk->nh = slot;
		bk->out_port = port;
	}
	return 0;
}

static void set_timeouts(struct dp_shared *sh)
{
	const struct cp_timeouts *to = &sh->cfg.timeouts;
	uint32_t *ms = sh->flows.timeout_ms;

	ms[DP_FLOW_SYN] = to->syn * 1000;
	ms[DP_FLOW_SYN_ACK] = to->syn * 1000;
	ms[DP_FLOW_ESTABLISHED] = to->established * 1000;
	ms[DP_FLOW_CLOSING] = to->closing * 1000;
	ms[DP_FLOW_RESET] = to->reset * 1000;
}

struct dp_shared *dp_shared_create(const struct cp_config *cfg, const struct dp_port_info *ports,
				   unsigned n_ports, unsigned n_workers, int socket)
{
	struct dp_shared *sh;
	char name[24];
	unsigned id, i;
	size_t qs_size;
	int ret = -EINVAL;

	if (cfg == NULL || ports == NULL || n_ports != cfg->n_ports || n_ports > CP_MAX_PORTS ||
	    n_workers == 0 || n_workers > RTE_MAX_LCORE || cfg->limits.flows < n_workers) {
		errno = EINVAL;
		return NULL;
	}
	sh = rte_zmalloc_socket("dp_shared", sizeof(*sh), RTE_CACHE_LINE_SIZE, socket);
	if (sh == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	sh->cfg = *cfg;
	memcpy(sh->ports, ports, sizeof(ports[0]) * n_ports);
	sh->n_ports = n_ports;
	sh->n_workers = n_workers;
	sh->socket = socket;
	sh->tsc_per_ms = rte_get_tsc_hz() / 1000;
	if (sh->tsc_per_ms == 0)
		sh->tsc_per_ms = 1;
	rte_spinlock_init(&sh->retired_lock);
	id = __atomic_fetch_add(&instance_seq, 1, __ATOMIC_RELAXED);

	snprintf(name, sizeof(name), "dp%u", id);
	ret = dp_svc_init(&sh->svc, cfg, name, socket);
	if (ret < 0)
		goto fail;
	dp_route_build(&sh->routes, cfg);
	snprintf(name, sizeof(name), "dp%u_nb", id);
	ret = dp_neigh_init(&sh->neigh, name, DP_NEIGH_MAX, (uint64_t)cfg->timeouts.neigh * 1000,
			    socket);
	if (ret < 0)
		goto fail_svc;
	for (i = 0; i < cfg->n_neighs; i++) {
		const struct cp_neigh *n = &cfg->neighs[i];

		if (n->ip.family != AF_INET)
			continue;
		ret = dp_neigh_add_static(&sh->neigh, n->ip.v4, n->mac, n->port);
		if (ret < 0)
			goto fail_neigh;
	}
	ret = resolve_backends(sh);
	if (ret < 0)
		goto fail_neigh;
	snprintf(name, sizeof(name), "dp%u_fl", id);
	ret = dp_flow_table_init(&sh->flows, name, cfg->limits.flows, n_workers, socket);
	if (ret < 0)
		goto fail_neigh;
	set_timeouts(sh);
	ret = -ENOMEM;
	qs_size = rte_rcu_qsbr_get_memsize(n_workers);
	sh->qs = rte_zmalloc_socket("dp_qsbr", qs_size, RTE_CACHE_LINE_SIZE, socket);
	if (sh->qs == NULL)
		goto fail_flows;
	if (rte_rcu_qsbr_init(sh->qs, n_workers) != 0) {
		ret = -rte_errno;
		goto fail_qs;
	}
	snprintf(name, sizeof(name), "dp%u", id);
	ret = dp_tls_shared_init(sh, name);
	if (ret < 0)
		goto fail_qs;
	ret = dp_health_init(sh);
	if (ret < 0)
		goto fail_tls;
	return sh;
fail_tls:
	dp_tls_shared_fini(sh);
fail_qs:
	rte_free(sh->qs);
fail_flows:
	dp_flow_table_fini(&sh->flows);
fail_neigh:
	dp_neigh_fini(&sh->neigh);
fail_svc:
	dp_svc_fini(&sh->svc);
fail:
	rte_free(sh);
	errno = ret < 0 ? -ret : EINVAL;
	return NULL;
}

void dp_shared_free(struct dp_shared *sh)
{
	if (sh == NULL)
		return;
	dp_health_fini(sh);
	dp_tls_shared_fini(sh);
	rte_free(sh->qs);
	dp_flow_table_fini(&sh->flows);
	dp_neigh_fini(&sh->neigh);
	dp_svc_fini(&sh->svc);
	rte_free(sh);
}
