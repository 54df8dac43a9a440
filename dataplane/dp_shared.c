/* SPDX-License-Identifier: BSD-3-Clause */
/* The tables all workers share; the snapshot of services and backends is
 * built by dp_runtime.c, at creation and on every change. */
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

struct dp_shared *dp_shared_create(const struct cp_config *cfg, const struct dp_port_info *ports,
				   unsigned n_ports, unsigned n_workers, int socket)
{
	struct dp_shared *sh;
	char name[24];
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
	sh->id = __atomic_fetch_add(&instance_seq, 1, __ATOMIC_RELAXED);

	snprintf(name, sizeof(name), "dp%u_nb", sh->id);
	ret = dp_neigh_init(&sh->neigh, name, DP_NEIGH_MAX, (uint64_t)cfg->timeouts.neigh * 1000,
			    socket);
	if (ret < 0)
		goto fail;
	snprintf(name, sizeof(name), "dp%u_fl", sh->id);
	ret = dp_flow_table_init(&sh->flows, name, cfg->limits.flows, n_workers, socket);
	if (ret < 0)
		goto fail_neigh;
	ret = -ENOMEM;
	qs_size = rte_rcu_qsbr_get_memsize(n_workers);
	sh->qs = rte_zmalloc_socket("dp_qsbr", qs_size, RTE_CACHE_LINE_SIZE, socket);
	if (sh->qs == NULL)
		goto fail_flows;
	if (rte_rcu_qsbr_init(sh->qs, n_workers) != 0) {
		ret = -rte_errno;
		goto fail_qs;
	}
	/* the first snapshot (and the tls state, with a tls service) */
	ret = dp_runtime_init(sh, cfg);
	if (ret < 0)
		goto fail_qs;
	ret = dp_health_init(sh);
	if (ret < 0)
		goto fail_runtime;
	return sh;
fail_runtime:
	dp_runtime_fini(sh);
fail_qs:
	dp_tls_shared_fini(sh);
	rte_free(sh->qs);
fail_flows:
	dp_flow_table_fini(&sh->flows);
fail_neigh:
	dp_neigh_fini(&sh->neigh);
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
	dp_runtime_fini(sh);
	dp_tls_shared_fini(sh);
	rte_free(sh->qs);
	dp_flow_table_fini(&sh->flows);
	dp_neigh_fini(&sh->neigh);
	rte_free(sh);
}
