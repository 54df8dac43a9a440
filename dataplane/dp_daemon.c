/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_loop.h"
#include "dp_port.h"
#include "dp_worker.h"

#define DP_DAEMON_RXD 1024
#define DP_DAEMON_TXD 1024
#define DP_DAEMON_POOL_CACHE 256
/* Packets a worker may hold between the rings: its rx burst, its transmit
 * staging per port, and what it builds itself (ARP), with room to spare. */
#define DP_DAEMON_WORKER_HELD(n_ports) (4 * DP_LOOP_BURST * ((n_ports) + 1) + 1024)

struct dp_daemon {
	const struct cp_config *cfg;
	unsigned n_ports;
	unsigned n_workers;
	struct dp_port_info info[CP_MAX_PORTS];
	struct dp_port_state state[CP_MAX_PORTS];
	unsigned n_opened; /* ports configured so far, closed on the way out */
	struct rte_mempool *pool;
	struct dp_shared *shared;
	struct dp_worker **workers;
	struct dp_loop *loops;
	unsigned *lcores;
	bool launched;
};

static unsigned dp_daemon_worker_lcores(void)
{
	unsigned n = 0, lc;

	RTE_LCORE_FOREACH_WORKER(lc)
		n++;
	return n;
}

/* Descriptors of every queue, what every worker holds, and what waits on
 * neighbour resolution (full queues for a handful of neighbours at once; beyond
 * that an empty pool only makes receive drop until mbufs come back);
 * rounded up to 2^k - 1, which the mempool likes best. */
static unsigned dp_daemon_pool_size(const struct dp_daemon *d)
{
	uint64_t n = 0;
	unsigned size = 1;

	for (unsigned p = 0; p < d->n_ports; p++)
		n += (uint64_t)d->n_workers * (d->state[p].nb_rxd + d->state[p].nb_txd);
	n += (uint64_t)d->n_workers * (DP_DAEMON_POOL_CACHE + DP_DAEMON_WORKER_HELD(d->n_ports));
	n += (uint64_t)d->cfg->limits.neigh_queue * 16;
	while (size - 1 < n && size < (1u << 30))
		size <<= 1;
	return size - 1;
}

static int dp_daemon_ports(struct dp_daemon *d, FILE *log, char *err, size_t err_len)
{
	const struct cp_config *cfg = d->cfg;
	struct dp_port_conf pc = {
		.n_queues = (uint16_t)d->n_workers,
		.nb_rxd = DP_DAEMON_RXD,
		.nb_txd = DP_DAEMON_TXD,
		/* The packet path fixes checksums itself (RFC 1624) and sets no
		 * ol_flags, so there is no offload worth asking for yet. */
		.rx_offloads = 0,
		.tx_offloads = 0,
	};
	char why[256];
	int rc;

	for (unsigned p = 0; p < d->n_ports; p++) {
		const struct cp_port *cp = &cfg->ports[p];

		rc = dp_port_configure(d->info[p].port_id, &pc, &d->state[p], why, sizeof(why));
		if (rc != 0) {
			snprintf(err, err_len, "port %s (%s): %s", cp->name, cp->dev, why);
			return rc;
		}
		d->n_opened = p + 1;
		d->info[p].mac = d->state[p].mac;
	}
	d->pool = rte_pktmbuf_pool_create("tlslb_mbufs", dp_daemon_pool_size(d),
					  DP_DAEMON_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!d->pool) {
		snprintf(err, err_len, "cannot create the mbuf pool of %u: %s",
			 dp_daemon_pool_size(d), rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (unsigned p = 0; p < d->n_ports; p++) {
		const struct cp_port *cp = &cfg->ports[p];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rc = dp_port_start(d->info[p].port_id, (uint16_t)d->n_workers, &d->state[p], d->pool,
				   why, sizeof(why));
		if (rc != 0) {
			snprintf(err, err_len, "port %s (%s): %s", cp->name, cp->dev, why);
			return rc;
		}
		rte_ether_format_addr(mac, sizeof(mac), &d->state[p].mac);
		if (log)
			fprintf(log, "tlslb: port %s (%s): dpdk port %u, driver %s, mac %s, %u queue%s%s\n",
				cp->name, cp->dev, d->info[p].port_id, d->state[p].driver, mac,
				d->n_workers, d->n_workers > 1 ? "s" : "",
				d->state[p].rss ? ", rss" : "");
	}
	return 0;
}

/* Map every configured port to its device, and settle the worker count. */
static int dp_daemon_devices(struct dp_daemon *d, unsigned want, char *err, size_t err_len)
{
	const struct cp_config *cfg = d->cfg;
	unsigned lcores = dp_daemon_worker_lcores();
	unsigned usable = lcores;

	if (cfg->n_ports == 0) {
		snprintf(err, err_len, "the configuration has no port");
		return -EINVAL;
	}
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct cp_port *cp = &cfg->ports[p];
		char why[256];
		uint16_t max;
		int rc = dp_port_find(cp->dev, &d->info[p].port_id, why, sizeof(why));

		if (rc != 0) {
			snprintf(err, err_len, "port %s: %s", cp->name, why);
			return rc;
		}
		for (unsigned q = 0; q < p; q++) {
			if (d->info[q].port_id == d->info[p].port_id) {
				snprintf(err, err_len, "port %s: device %s already used by port %s",
					 cp->name, cp->dev, cfg->ports[q].name);
				return -EINVAL;
			}
		}
		max = dp_port_max_queues(d->info[p].port_id);
		if (max < usable)
			usable = max;
	}
	d->n_ports = cfg->n_ports;
	if (lcores == 0) {
		snprintf(err, err_len, "no worker lcore: give EAL at least two (-l 0-1)");
		return -EINVAL;
	}
	if (want > lcores) {
		snprintf(err, err_len, "%u workers asked for, but only %u worker lcores", want, lcores);
		return -EINVAL;
	}
	/* An explicit count that a port cannot serve fails in dp_port_configure()
	 * with the port named; the default quietly fits the ports. */
	d->n_workers = want ? want : RTE_MAX(usable, 1u);
	return 0;
}

static int dp_daemon_workers(struct dp_daemon *d, char *err, size_t err_len)
{
	unsigned lc, i = 0;

	d->shared = dp_shared_create(d->cfg, d->info, d->n_ports, d->n_workers, (int)rte_socket_id());
	if (!d->shared) {
		int e = errno ? errno : ENOMEM;

		snprintf(err, err_len, "cannot build the tables: %s", strerror(e));
		return -e;
	}
	d->workers = calloc(d->n_workers, sizeof(*d->workers));
	d->lcores = calloc(d->n_workers, sizeof(*d->lcores));
	d->loops = rte_zmalloc("tlslb_loops", d->n_workers * sizeof(*d->loops), RTE_CACHE_LINE_SIZE);
	if (!d->workers || !d->lcores || !d->loops) {
		snprintf(err, err_len, "out of memory for %u workers", d->n_workers);
		return -ENOMEM;
	}
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dp_loop *l = &d->loops[i];

		if (i == d->n_workers)
			break;
		d->workers[i] = dp_worker_create(d->shared, i, d->pool);
		if (!d->workers[i]) {
			int e = errno ? errno : ENOMEM;

			snprintf(err, err_len, "cannot create worker %u: %s", i, strerror(e));
			return -e;
		}
		l->worker = d->workers[i];
		l->n_ports = (uint16_t)d->n_ports;
		l->queue = (uint16_t)i;
		for (unsigned p = 0; p < d->n_ports; p++)
			l->port_id[p] = d->info[p].port_id;
		d->lcores[i++] = lc;
	}
	return 0;
}

struct dp_daemon *dp_daemon_open(const struct cp_config *cfg, unsigned n_workers, FILE *log,
				 char *err, size_t err_len)
{
	struct dp_daemon *d = calloc(1, sizeof(*d));
	int rc;

	if (!d) {
		snprintf(err, err_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	d->cfg = cfg;
	rc = dp_daemon_devices(d, n_workers, err, err_len);
	if (rc == 0)
		rc = dp_daemon_ports(d, log, err, err_len);
	if (rc == 0)
		rc = dp_daemon_workers(d, err, err_len);
	if (rc != 0)
		goto fail;
	return d;
fail:
	dp_daemon_close(d);
	errno = -rc;
	return NULL;
}

int dp_daemon_launch(struct dp_daemon *d, char *err, size_t err_len)
{
	for (unsigned i = 0; i < d->n_workers; i++) {
		int rc = rte_eal_remote_launch(dp_loop_run, &d->loops[i], d->lcores[i]);

		if (rc != 0) {
			snprintf(err, err_len, "cannot launch worker %u on lcore %u: %s", i,
				 d->lcores[i], strerror(-rc));
			dp_daemon_stop(d);
			return rc;
		}
		d->launched = true;
	}
	return 0;
}

void dp_daemon_stop(struct dp_daemon *d)
{
	if (!d->launched)
		return;
	dp_loop_request_stop();
	rte_eal_mp_wait_lcore();
	d->launched = false;
}

uint64_t dp_daemon_activity(const struct dp_daemon *d)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < d->n_workers && d->loops; i++)
		sum += dp_loop_activity(&d->loops[i]);
	return sum;
}

int dp_daemon_print_stats(struct dp_daemon *d, FILE *out)
{
	/* Too big for a stack frame: one counter block per backend. */
	struct dp_stats *st = rte_zmalloc("tlslb_stats", sizeof(*st), RTE_CACHE_LINE_SIZE);

	if (!st)
		return -ENOMEM;
	dp_stats_sum(d->shared, st);
	dp_stats_print(st, out);
	fflush(out);
	rte_free(st);
	return 0;
}

void dp_daemon_close(struct dp_daemon *d)
{
	if (!d)
		return;
	dp_daemon_stop(d);
	for (unsigned p = 0; p < d->n_opened; p++)
		dp_port_close(d->info[p].port_id);
	for (unsigned i = 0; i < d->n_workers && d->workers; i++)
		dp_worker_free(d->workers[i]);
	dp_shared_free(d->shared);
	rte_mempool_free(d->pool);
	rte_free(d->loops);
	free(d->lcores);
	free(d->workers);
	free(d);
}

struct dp_shared *dp_daemon_shared(struct dp_daemon *d)
{
	return d->shared;
}
