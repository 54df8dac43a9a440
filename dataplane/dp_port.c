/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

/*
 * A key of one repeated 16-bit pattern makes the Toeplitz hash symmetric:
 * swapping source and destination gives the same queue, so both directions of
 * an un-NATed 4-tuple meet on one worker.
 */
#define DP_RSS_KEY_LEN 40
static uint8_t dp_rss_key[DP_RSS_KEY_LEN];

static void dp_rss_key_init(void)
{
	for (unsigned i = 0; i < DP_RSS_KEY_LEN; i += 2) {
		dp_rss_key[i] = 0x6d;
		dp_rss_key[i + 1] = 0x5a;
	}
}

int dp_port_find(const char *dev, uint16_t *port_id, char *err, size_t err_len)
{
	const char *comma = strchr(dev, ',');
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = comma ? (size_t)(comma - dev) : strlen(dev);
	int rc;

	if (len == 0 || len >= sizeof(name)) {
		snprintf(err, err_len, "bad device name %s", dev);
		return -EINVAL;
	}
	memcpy(name, dev, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	if (!comma) {
		snprintf(err, err_len, "no device %s (give it with --vdev, or bind it to DPDK)", dev);
		return -ENODEV;
	}
	/* Arguments in the config make it self-contained: no --vdev needed. */
	rc = rte_dev_probe(dev);
	if (rc != 0) {
		snprintf(err, err_len, "cannot probe device %s: %s", dev, strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, err_len, "device %s was probed but is no Ethernet port", dev);
		return -ENODEV;
	}
	return 0;
}

uint16_t dp_port_max_queues(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return 0;
	if ((info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP)) == 0)
		return RTE_MIN(info.max_rx_queues, 1);
	return RTE_MIN(info.max_rx_queues, info.max_tx_queues);
}

int dp_port_configure(uint16_t port_id, const struct dp_port_conf *conf,
		      struct dp_port_state *st, char *err, size_t err_len)
{
	struct rte_eth_conf ec;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = conf->nb_rxd, nb_txd = conf->nb_txd;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&ec, 0, sizeof(ec));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read device info: %s", strerror(-rc));
		return rc;
	}
	st->driver = info.driver_name;
	if (conf->n_queues == 0 || conf->n_queues > info.max_rx_queues ||
	    conf->n_queues > info.max_tx_queues) {
		snprintf(err, err_len, "%u queue pairs wanted, the device offers %u rx and %u tx",
			 conf->n_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}

	st->rx_offloads = conf->rx_offloads & info.rx_offload_capa;
	st->tx_offloads = conf->tx_offloads & info.tx_offload_capa;
	ec.rxmode.offloads = st->rx_offloads;
	ec.txmode.offloads = st->tx_offloads;

	if (conf->n_queues > 1) {
		uint64_t hf = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);

		if (hf == 0) {
			snprintf(err, err_len, "%u queues need RSS, which the device does not offer",
				 conf->n_queues);
			return -ENOTSUP;
		}
		dp_rss_key_init();
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = hf;
		if (info.hash_key_size == DP_RSS_KEY_LEN) {
			ec.rx_adv_conf.rss_conf.rss_key = dp_rss_key;
			ec.rx_adv_conf.rss_conf.rss_key_len = DP_RSS_KEY_LEN;
		}
		st->rss = true;
	}

	rc = rte_eth_dev_configure(port_id, conf->n_queues, conf->n_queues, &ec);
	if (rc != 0) {
		snprintf(err, err_len, "configure failed: %s", strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		snprintf(err, err_len, "descriptor counts refused: %s", strerror(-rc));
		return rc;
	}
	st->nb_rxd = nb_rxd;
	st->nb_txd = nb_txd;
	rc = rte_eth_macaddr_get(port_id, &st->mac);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read MAC address: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

int dp_port_start(uint16_t port_id, uint16_t n_queues, const struct dp_port_state *st,
		  struct rte_mempool *pool, char *err, size_t err_len)
{
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read device info: %s", strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < n_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = st->rx_offloads;
		txc.offloads = st->tx_offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, st->nb_rxd, (unsigned)socket, &rxc, pool);
		if (rc != 0) {
			snprintf(err, err_len, "rx queue %u setup failed: %s", q, strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, st->nb_txd, (unsigned)socket, &txc);
		if (rc != 0) {
			snprintf(err, err_len, "tx queue %u setup failed: %s", q, strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, err_len, "start failed: %s", strerror(-rc));
		return rc;
	}
	/* Frames for other hosts only cost cycles; virtual devices may not know the mode. */
	rc = rte_eth_promiscuous_disable(port_id);
	if (rc != 0 && rc != -ENOTSUP) {
		snprintf(err, err_len, "cannot turn promiscuous mode off: %s", strerror(-rc));
		rte_eth_dev_stop(port_id);
		return rc;
	}
	return 0;
}

void dp_port_close(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
