/* SPDX-License-Identifier: BSD-3-Clause */
/* Mode tls: the shared state (cookie secret, handshake contexts, hello
 * memory, learned tables, splice array) and the per-worker scratch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The control thread draws the next cookie key ahead of the rotation, which
 * worker 0 then does without a system call. A getrandom failure leaves the
 * rotation waiting (the current keys stay valid) until a later try works. */
static void dp_tls_next_key(struct dp_tls_shared *t)
{
	if (__atomic_load_n(&t->next_ready, __ATOMIC_ACQUIRE))
		return;
	if (dp_syncookie_key_new(&t->next_key) == 0)
		__atomic_store_n(&t->next_ready, true, __ATOMIC_RELEASE);
}

void dp_tls_maintain(struct dp_shared *sh)
{
	if (sh->tls != NULL)
		dp_tls_next_key(sh->tls);
}

int dp_tls_shared_init(struct dp_shared *sh)
{
	struct dp_tls_shared *t;
	char nm[32];
	unsigned i;
	int ret = -ENOMEM;

	if (sh->tls != NULL)
		return 0;
	t = rte_zmalloc_socket("dp_tls", sizeof(*t), RTE_CACHE_LINE_SIZE, sh->socket);
	if (t == NULL)
		return -ENOMEM;
	rte_spinlock_init(&t->learn_del_lock);
	t->hs = rte_zmalloc_socket("dp_hsctx", sizeof(struct dp_hsctx) * DP_TLS_HS_MAX,
				   RTE_CACHE_LINE_SIZE, sh->socket);
	t->worker = rte_zmalloc_socket("dp_tls_workers", sizeof(t->worker[0]) * sh->n_workers,
				       RTE_CACHE_LINE_SIZE, sh->socket);
	snprintf(nm, sizeof(nm), "dp%u_hs", sh->id);
	t->hs_free = rte_ring_create(nm, DP_TLS_HS_MAX, sh->socket, RING_F_EXACT_SZ);
	if (t->hs == NULL || t->hs_free == NULL || t->worker == NULL)
		goto fail;
	for (i = 0; i < sh->n_workers; i++) {
		struct dp_tls_worker *tw = rte_zmalloc_socket("dp_tls_worker", sizeof(*tw),
							      RTE_CACHE_LINE_SIZE, sh->socket);

		if (tw == NULL)
			goto fail;
		tw->popts.scratch = tw->scratch;
		tw->popts.scratch_len = sizeof(tw->scratch);
		t->worker[i] = tw;
	}
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
	dp_tls_next_key(t);
	t->pool.alloc = hello_alloc;
	t->pool.free = hello_free;
	t->pool.cap = DP_TLS_HELLO_POOL_CAP;
	t->pool.min_alloc = 2048;
	/* workers find it at their next burst (dp_worker_sync), the splice
	 * array and everything else written before */
	__atomic_store_n(&sh->tls, t, __ATOMIC_RELEASE);
	return 0;
fail:
	sh->tls = t;
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
	for (i = 0; t->worker != NULL && i < sh->n_workers; i++)
		rte_free(t->worker[i]);
	rte_free(t->worker);
	rte_ring_free(t->hs_free);
	rte_free(t->hs);
	dp_syncookie_secret_clear(&t->secret[0]);
	dp_syncookie_secret_clear(&t->secret[1]);
	explicit_bzero(&t->next_key, sizeof(t->next_key));
	rte_free(t);
	sh->tls = NULL;
}

int dp_tls_worker_init(struct dp_worker *w)
{
	w->tls = NULL; /* taken from the shared state by dp_worker_sync() */
	return 0;
}

void dp_tls_worker_fini(struct dp_worker *w)
{
	w->tls = NULL; /* freed with the shared state */
}
