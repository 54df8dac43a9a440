/* SPDX-License-Identifier: BSD-3-Clause */
/* Mode tls: the shared state (cookie secret, handshake contexts, hello
 * memory, learned tables, splice array) and the per-worker scratch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dp_internal.h"
#include "dp_tls.h"
#include "dp_tlsroute.h"

static void *hello_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void hello_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

int dp_tls_shared_init(struct dp_shared *sh, const char *name)
{
	struct dp_tls_shared *t;
	char nm[32];
	unsigned i;
	bool any = false;
	int ret = -ENOMEM;

	for (i = 0; i < sh->svc.n_services; i++)
		any |= sh->svc.svc[i].mode == CP_MODE_TLS;
	if (!any)
		return 0;
	t = rte_zmalloc_socket("dp_tls", sizeof(*t), RTE_CACHE_LINE_SIZE, sh->socket);
	if (t == NULL)
		return -ENOMEM;
	sh->tls = t;
	sh->flows.splice = rte_zmalloc_socket("dp_splice",
					      sizeof(struct dp_splice) * (size_t)sh->flows.n_recs,
					      RTE_CACHE_LINE_SIZE, sh->socket);
	t->hs = rte_zmalloc_socket("dp_hsctx", sizeof(struct dp_hsctx) * DP_TLS_HS_MAX,
				   RTE_CACHE_LINE_SIZE, sh->socket);
	snprintf(nm, sizeof(nm), "%s_hs", name);
	t->hs_free = rte_ring_create(nm, DP_TLS_HS_MAX, sh->socket, RING_F_EXACT_SZ);
	if (sh->flows.splice == NULL || t->hs == NULL || t->hs_free == NULL)
		goto fail;
	for (i = 0; i < DP_TLS_HS_MAX; i++) {
		rte_spinlock_init(&t->hs[i].lock);
		rte_ring_enqueue(t->hs_free, (void *)(uintptr_t)i);
	}
	ret = dp_syncookie_secret_init(&t->secret[0], DP_SYNCOOKIE_DEFAULT_MAX_AGE,
				       DP_SYNCOOKIE_DEFAULT_ROTATE,
				       dp_syncookie_counter(rte_get_tsc_cycles() / sh->tsc_per_ms));
	if (ret < 0)
		goto fail;
	t->cur = &t->secret[0];
	/* weight 0 takes no new flows: no rule may send one there either */
	for (i = 0; i < sh->svc.n_backends; i++)
		t->bk_state[i] = sh->svc.bk[i].weight ? DP_BACKEND_UP : DP_BACKEND_DRAINING;
	t->pool.alloc = hello_alloc;
	t->pool.free = hello_free;
	t->pool.cap = DP_TLS_HELLO_POOL_CAP;
	t->pool.min_alloc = 2048;
	t->hello_timeout_ms = sh->cfg.timeouts.hello ? sh->cfg.timeouts.hello * 1000 :
							  DP_TLS_HELLO_TIMEOUT_MS;
	for (i = 0; i < sh->svc.n_services; i++) {
		struct dp_learn_params lp = {
			.name = nm,
			.max_entries = { DP_TLS_LEARN_ENTRIES, DP_TLS_LEARN_ENTRIES },
			.lifetime_s = DP_TLS_LEARN_LIFETIME_S,
			.qs = sh->qs,
			.socket = sh->socket,
		};

		if (sh->svc.svc[i].mode != CP_MODE_TLS)
			continue;
		snprintf(nm, sizeof(nm), "%s_l%u", name, i);
		t->learn[i] = dp_learn_create(&lp);
		if (t->learn[i] == NULL) {
			ret = -rte_errno;
			goto fail;
		}
	}
	return 0;
fail:
	dp_tls_shared_fini(sh);
	return ret < 0 ? ret : -ENOMEM;
}

void dp_tls_shared_fini(struct dp_shared *sh)
{
	struct dp_tls_shared *t = sh->tls;
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; t->hs != NULL && i < DP_TLS_HS_MAX; i++)
		if (t->hs[i].phase != DP_HS_FREE)
			dp_hellobuf_release(&t->hs[i].hb, &t->pool);
	for (i = 0; i < CP_MAX_SERVICES; i++)
		dp_learn_free(t->learn[i]);
	rte_ring_free(t->hs_free);
	rte_free(t->hs);
	rte_free(sh->flows.splice);
	sh->flows.splice = NULL;
	dp_syncookie_secret_clear(&t->secret[0]);
	dp_syncookie_secret_clear(&t->secret[1]);
	rte_free(t);
	sh->tls = NULL;
}

int dp_tls_worker_init(struct dp_worker *w)
{
	if (w->sh->tls == NULL)
		return 0;
	w->tls = rte_zmalloc_socket("dp_tls_worker", sizeof(*w->tls), RTE_CACHE_LINE_SIZE,
				    w->sh->socket);
	if (w->tls == NULL)
		return -ENOMEM;
	w->tls->popts.scratch = w->tls->scratch;
	w->tls->popts.scratch_len = sizeof(w->tls->scratch);
	return 0;
}

void dp_tls_worker_fini(struct dp_worker *w)
{
	rte_free(w->tls);
	w->tls = NULL;
}
