/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet port bring-up for the tlslb daemon: find a DPDK port by device name,
 * configure one rx and one tx queue per worker, start, stop and close it.
 * Only the daemon and the benchmark use this; the packet path never does.
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

/** What the daemon asks of a port. */
struct dp_port_conf {
	uint16_t n_queues;    /**< rx queues = tx queues = workers */
	uint16_t nb_rxd;      /**< wanted rx descriptors per queue (adjusted to the device) */
	uint16_t nb_txd;      /**< wanted tx descriptors per queue (adjusted to the device) */
	uint64_t rx_offloads; /**< wanted; only those the device reports are enabled */
	uint64_t tx_offloads; /**< wanted; only those the device reports are enabled */
};

/** What the port ended up with, filled by dp_port_configure(). */
struct dp_port_state {
	struct rte_ether_addr mac;
	uint16_t nb_rxd, nb_txd; /**< descriptors per queue after adjustment */
	uint64_t rx_offloads;    /**< enabled */
	uint64_t tx_offloads;    /**< enabled */
	bool rss;                /**< several queues and the device hashes IPv4/TCP */
	const char *driver;      /**< driver name, for the start-up log line */
};

/**
 * Find the DPDK port of a device: a name as given to `--vdev` or on the PCI
 * bus ("net_pcap0", "0000:03:00.0"), or a name with device arguments
 * ("net_af_packet0,iface=eth1"), which is probed here unless EAL already
 * has a device of that name.
 * @param err, err_len  a one-line reason on error
 * @return 0, -ENODEV when there is no such device, or the probe's error
 */
int dp_port_find(const char *dev, uint16_t *port_id, char *err, size_t err_len);

/**
 * The number of rx/tx queue pairs worth asking of the device: the smaller of
 * its rx and tx queue limits, but 1 when it cannot spread IPv4/TCP by RSS
 * (several queues without RSS would strand flows); 0 on error.
 */
uint16_t dp_port_max_queues(uint16_t port_id);

/**
 * Configure the device (queues, RSS, offloads) and read its MAC address.
 * No queue is set up yet: the caller sizes its mempool from @p st first.
 * @param err, err_len  a one-line reason on error
 * @return 0 or a negative errno
 */
int dp_port_configure(uint16_t port_id, const struct dp_port_conf *conf,
		      struct dp_port_state *st, char *err, size_t err_len);

/**
 * Set up every queue of a configured port with mbufs from @p pool, turn
 * promiscuous mode off where the device allows, and start it.
 * @return 0 or a negative errno
 */
int dp_port_start(uint16_t port_id, uint16_t n_queues, const struct dp_port_state *st,
		  struct rte_mempool *pool, char *err, size_t err_len);

/** Stop and close a port; safe on a port that was only configured. */
void dp_port_close(uint16_t port_id);

#endif /* DP_PORT_H */
