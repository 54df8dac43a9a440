/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The packet path of mode `l4` as a library: tables shared by all workers
 * (flows, services and backends, neighbours, full-NAT port pools) and one
 * worker per receive queue that turns received bursts into transmit bursts.
 *
 * The daemon owns the ports and the loop; one iteration of a worker lcore is:
 * @code
 *	for each (cfg_port, queue) this worker polls:
 *		n = rte_eth_rx_burst(port_id, queue, pkts, BURST);
 *		dp_worker_rx(w, cfg_port, pkts, n, rte_rdtsc());
 *	dp_worker_tick(w, rte_rdtsc());
 *	for each cfg_port:
 *		n = dp_worker_tx_pending(w, cfg_port, &out);
 *		sent = rte_eth_tx_burst(port_id, queue, out, n);
 *		dp_worker_tx_sent(w, cfg_port, sent);
 * @endcode
 * Every worker must call dp_worker_tick() regularly: it is also where the
 * worker reports RCU quiescence, without which no flow memory is reclaimed
 * and no old configuration snapshot freed (see dp_shared_apply()).
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "cp_config.h"
#include "dp_tlsstats.h"

/** A configured port as the dataplane sees it; indexed like cp_config.ports. */
struct dp_port_info {
	uint16_t port_id;          /**< DPDK port id */
	struct rte_ether_addr mac; /**< source MAC of frames sent on it */
};

/** Tables shared by all workers. */
struct dp_shared;
/** Per-lcore state of one worker; used only from its own lcore. */
struct dp_worker;

/** Why a packet was dropped: one counter each in dp_stats.drop[]. */
enum dp_drop {
	DP_DROP_ETH_TRUNC,       /**< frame shorter than an Ethernet header */
	DP_DROP_ETH_DST,         /**< destination MAC neither ours nor broadcast */
	DP_DROP_ETH_TYPE,        /**< neither IPv4 nor ARP (VLAN, IPv6, ...) */
	DP_DROP_ARP_MALFORMED,   /**< ARP not Ethernet/IPv4, truncated, bad opcode */
	DP_DROP_ARP_IGNORED,     /**< ARP not for us (also counted in arp_ignored) */
	DP_DROP_IP_TRUNC,        /**< frame shorter than the IPv4 header */
	DP_DROP_IP_VERSION,      /**< version is not 4 */
	DP_DROP_IP_IHL,          /**< IHL below 5 */
	DP_DROP_IP_LEN,          /**< total length below the header or beyond the frame */
	DP_DROP_IP_CSUM,         /**< header checksum wrong */
	DP_DROP_IP_OPTIONS,      /**< IP options present: not handled, dropped */
	DP_DROP_IP_FRAG,         /**< fragment (MF set or offset non-zero) */
	DP_DROP_IP_TTL,          /**< TTL would reach zero when forwarded */
	DP_DROP_IP_SRC,          /**< source is zero, multicast, broadcast or loopback */
	DP_DROP_TCP_TRUNC,       /**< IP payload shorter than a TCP header */
	DP_DROP_TCP_DOFF,        /**< TCP data offset below 5 or beyond the payload */
	DP_DROP_NON_TCP_VIP,     /**< not TCP, to a virtual IP */
	DP_DROP_NON_TCP_LOCAL,   /**< not TCP, to one of tlslb's own addresses */
	DP_DROP_NO_SERVICE,      /**< TCP to a virtual IP on a port without a service */
	DP_DROP_DST_LOCAL,       /**< TCP to a tlslb address, matching no flow */
	DP_DROP_DST_UNKNOWN,     /**< to an address that is not ours, matching no flow */
	DP_DROP_NO_FLOW,         /**< not an opening SYN and no flow */
	DP_DROP_FLOW_CLASH,      /**< two-arm: backend-side 4-tuple already used by another flow */
	DP_DROP_FLOW_TABLE_FULL, /**< opening SYN while the flow table is full */
	DP_DROP_NO_BACKEND,      /**< service has no backend with weight above 0 */
	DP_DROP_NO_SNAT,         /**< full-NAT: no snat address or no free port */
	DP_DROP_NO_ROUTE,        /**< no route or connected prefix to the next hop */
	DP_DROP_NEIGH_FULL,      /**< neighbour table full */
	DP_DROP_NEIGH_QUEUE_FULL, /**< too many packets waiting for one neighbour */
	DP_DROP_NEIGH_FAILED,    /**< neighbour never answered: waiting packets dropped */
	DP_DROP_NO_MBUF,         /**< mempool empty when building an ARP packet */
	DP_DROP_TX_FULL,         /**< worker transmit buffer full */
	DP_DROP_TX_UNSENT,       /**< the port did not take it (dp_worker_tx_unsent) */
	DP_DROP_COOKIE_FORGED,   /**< tls: ACK whose SYN cookie does not validate */
	DP_DROP_COOKIE_STALE,    /**< tls: authentic SYN cookie, too old */
	DP_DROP_TLS_NO_CONTEXT,  /**< tls: no free handshake context */
	DP_DROP_TLS_STRAY,       /**< tls: segment that fits no step of the handshake */
	DP_DROP_TLS_BINDING,     /**< tls: client segment while the backend SYN is out; not
				  *   acknowledged, the client sends it again */
	DP_DROP_TCP_CSUM,        /**< tls: TCP checksum wrong on a segment tlslb answers itself
				  *   (SYN, cookie ACK, hello bytes, backend handshake) */
	DP_DROP_HEALTH_STRAY,    /**< to a probe port, answering no outstanding probe */
	DP_DROP_BACKEND_RESET,   /**< packet of a flow of a backend deleted with reset:
				      answered with RSTs both ways */
	DP_DROP__COUNT
};

/** Stable lower-case names of enum dp_drop, for printing and the control plane. */
extern const char *const dp_drop_names[DP_DROP__COUNT];

/** Events of mode tls: one counter each in dp_stats.tls[]. */
enum dp_tls_counter {
	DP_TLSC_COOKIE_SENT,      /**< SYN answered with a cookie SYN-ACK */
	DP_TLSC_COOKIE_OK,        /**< cookie ACK validated: flow in HELLO */
	DP_TLSC_HELLO_RST,        /**< client reset during HELLO */
	DP_TLSC_HELLO_FIN,        /**< client FIN during HELLO: client reset */
	DP_TLSC_HELLO_TIMEOUT,    /**< hello incomplete at the timeout: bound round-robin */
	DP_TLSC_HELLO_FULL,       /**< hello buffer full before a decision: bound round-robin */
	DP_TLSC_HELLO_NOMEM,      /**< hello bytes refused (global cap, allocator, ranges) */
	DP_TLSC_BACKEND_SYN,      /**< SYNs sent to backends (retransmissions included) */
	DP_TLSC_BACKEND_SYN_RETX, /**< of those, retransmissions */
	DP_TLSC_BACKEND_RST,      /**< backend refused the SYN: next backend */
	DP_TLSC_BACKEND_TIMEOUT,  /**< backend silent: next backend */
	DP_TLSC_BIND_FAILED,      /**< every attempt failed: client reset */
	DP_TLSC_BIND_ERROR,       /**< no route, snat port or key for the backend: client reset */
	DP_TLSC_SPLICED,          /**< backend SYN-ACK: hello replayed, flow spliced */
	DP_TLSC_REPLAY_SEGMENTS,  /**< segments of replayed hello bytes */
	DP_TLSC_SCAN_DONE,        /**< server flight scanned to a verdict */
	DP_TLSC_SCAN_GAP,         /**< scan abandoned at a gap in the server's bytes */
	DP_TLSC_SCAN_ERROR,       /**< server flight not TLS or malformed */
	DP_TLSC_SCAN_TIMEOUT,     /**< server flight incomplete after the hello timeout */
	DP_TLSC_PORT_REUSE,       /**< client SYN on a closing tls flow: retired, SYN answered */
	DP_TLSC_LEARNED,          /**< routing table entries added or refreshed */
	DP_TLSC_LEARN_FULL,       /**< learning refused: table full */
	DP_TLSC_REPLAY_TIMEOUT,   /**< backend window never admitted the whole replay: the
				   *   client retransmits the rest */
	DP_TLSC__COUNT
};

/** Stable lower-case names of enum dp_tls_counter. */
extern const char *const dp_tls_counter_names[DP_TLSC__COUNT];

/** Per port counters (frames as received and as handed to the port). */
struct dp_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
};

/** Per backend counters; packets and bytes count both directions. */
struct dp_backend_stats {
	uint64_t new_flows;
	/** Created minus removed by this lcore: meaningful summed over lcores
	 *  (wraps modulo 2^64 on one lcore when another removes). */
	uint64_t active_flows;
	uint64_t packets, bytes;
};

/** Health-check counters of one backend (dp_health.h). */
struct dp_health_stats {
	uint64_t probes;    /**< SYNs sent */
	uint64_t ok;        /**< answered by a SYN-ACK */
	uint64_t refused;   /**< answered by a RST */
	uint64_t timeout;   /**< not answered in time */
	uint64_t skipped;   /**< probes due but not sent: no route or no source address */
	uint64_t went_down; /**< state changes up -> down */
	uint64_t went_up;   /**< state changes down -> up */
};

/** Per service counters (by service slot). */
struct dp_service_stats {
	uint64_t new_flows;
	uint64_t active_flows; /**< like dp_backend_stats.active_flows; unbound tls flows too */
};

/** Counters of one worker (plain, written only by it); dp_stats_sum() adds them up. */
struct dp_stats {
	struct dp_port_stats port[CP_MAX_PORTS];
	uint64_t drop[DP_DROP__COUNT];
	uint64_t arp_requests_answered; /**< ARP requests for our addresses answered */
	uint64_t arp_ignored;           /**< ARP packets not for us */
	uint64_t arp_replies_learned;   /**< neighbour entries filled or refreshed */
	uint64_t arp_requests_sent;     /**< resolution requests we sent */
	uint64_t neigh_misses;          /**< packets that found no usable neighbour entry */
	uint64_t neigh_queued;          /**< of those, queued while resolving */
	uint64_t neigh_released;        /**< queued packets sent after resolution */
	uint64_t flows_created;
	uint64_t flows_expired;         /**< removed idle in syn or established state */
	uint64_t flows_closed;          /**< removed after FIN or RST (their timeouts) */
	uint64_t flows_table_full;      /**< same as drop[DP_DROP_FLOW_TABLE_FULL] */
	struct dp_backend_stats backend[CP_MAX_BACKENDS];
	uint64_t tls[DP_TLSC__COUNT];   /**< mode tls events */
	struct dp_tlsroute_stats route; /**< mode tls: routing rules and hellos */
	struct dp_tlsstats_backend verdict[CP_MAX_BACKENDS]; /**< mode tls: server flights */
	struct dp_health_stats health[CP_MAX_BACKENDS]; /**< health checks, per backend slot */
	struct dp_service_stats service[CP_MAX_SERVICES];
} __rte_cache_aligned;

/**
 * Build the shared tables from a configuration.
 * @param cfg        config (copied; services, backends, addresses, routes, neighbours, limits)
 * @param ports      one entry per cfg->ports[i]
 * @param n_ports    must equal cfg->n_ports
 * @param n_workers  number of workers that will be created (1..RTE_MAX_LCORE);
 *                   flow records and full-NAT ports are split evenly among them
 * @param socket     NUMA socket for the tables (SOCKET_ID_ANY is fine)
 * @return tables, or NULL with errno set (EINVAL, ENOMEM, ...)
 */
struct dp_shared *dp_shared_create(const struct cp_config *cfg, const struct dp_port_info *ports,
				   unsigned n_ports, unsigned n_workers, int socket);

/** Free the tables; all workers must have been freed first. NULL is fine. */
void dp_shared_free(struct dp_shared *sh);

/**
 * Create worker @p worker_index (0 .. n_workers-1, each once). Call it on the
 * lcore that will run the worker, or at least run the worker on one EAL lcore
 * that no other worker uses (the flow table keeps per-lcore free-slot caches).
 * @param mp  mempool for packets the worker builds itself (ARP)
 * @return worker, or NULL with errno set
 */
struct dp_worker *dp_worker_create(struct dp_shared *sh, unsigned worker_index,
				   struct rte_mempool *mp);

/**
 * Free a worker at shutdown: frees the packets it still holds (counted as
 * drops) and keeps its counters in the dp_stats_sum() total. Flow records it
 * was retiring are not returned to the table. NULL is fine.
 */
void dp_worker_free(struct dp_worker *w);

/**
 * Process a burst received on configured port @p cfg_port. Takes ownership of
 * every mbuf: each is either queued for transmit (dp_worker_tx_pending()),
 * held while its next hop resolves, or freed and counted as a drop. The
 * frames' first cache lines are best prefetched by the caller as the burst
 * arrives (dp_loop.c does).
 * @param cfg_port  index into cp_config.ports (< n_ports) the burst came in on
 * @param now_tsc   rte_rdtsc() (tests pass a synthetic clock)
 */
void dp_worker_rx(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **pkts, uint16_t n,
		  uint64_t now_tsc);

/**
 * Take up to @p max packets queued for configured port @p cfg_port (they are
 * counted as transmitted), copied out: for tests and tools that read what
 * would be sent. The caller owns them: send them, or hand back what the port
 * did not take with dp_worker_tx_unsent().
 * @return number of packets stored in @p out
 */
uint16_t dp_worker_tx_take(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **out,
			   uint16_t max);

/** Free packets the port refused, moving them from the tx counters to DP_DROP_TX_UNSENT. */
void dp_worker_tx_unsent(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf **pkts,
			 uint16_t n);

/**
 * The loop's way, without copying: the packets queued for @p cfg_port, in
 * the worker's own buffer (*@p pkts, the count returned); give them to the
 * port, then say how many it took with dp_worker_tx_sent() before the next
 * dp_worker_rx() or dp_worker_tick(). Those are counted as transmitted; the
 * rest, the port's refusals, are freed and counted as DP_DROP_TX_UNSENT.
 */
uint16_t dp_worker_tx_pending(struct dp_worker *w, uint16_t cfg_port, struct rte_mbuf ***pkts);
void dp_worker_tx_sent(struct dp_worker *w, uint16_t cfg_port, uint16_t sent);

/**
 * Housekeeping, once per loop iteration: report RCU quiescence, reclaim flow
 * memory, expire a bounded number of flow records, retry or give up neighbour
 * resolutions. May queue packets for transmit (ARP requests, released packets).
 */
void dp_worker_tick(struct dp_worker *w, uint64_t now_tsc);

/** The worker's own counters (read-only for others; racy but word-atomic). */
const struct dp_stats *dp_worker_stats(const struct dp_worker *w);

/**
 * Sum the counters of every worker created on @p sh into @p out (zeroed
 * first). backend[], verdict[] and service[] are indexed by SLOT (see
 * dp_shared_backend_slot()); a slot given to a new backend or service reads
 * from zero (the old owner's counts are subtracted).
 */
void dp_stats_sum(struct dp_shared *sh, struct dp_stats *out);

/** Print non-zero counters, one `name value` per line, ports and backends labelled. */
void dp_stats_print(const struct dp_stats *st, FILE *out);

/**
 * @name Runtime changes (control thread)
 *
 * Workers read an immutable snapshot of services, backends, addresses and
 * routes; dp_shared_apply() builds the next one and publishes it with an
 * atomic pointer store; the old one is freed once every worker has reported
 * quiescence (dp_worker_tick()), checked without blocking by later calls.
 *
 * Services and backends are kept in stable SLOTS: a backend keeps its slot
 * (dp_stats.backend[], flow records, learned tables) for its whole life,
 * matched across configs by service VIP:port (and nat) + backend IP:port. A
 * deleted backend whose flows may finish stays in a retired slot (no new
 * flows, no resumptions) until its active flows reach 0; its slot is then
 * freed by a later dp_shared_apply() or dp_shared_maintain().
 *
 * All of these run on ONE control thread that has an lcore id
 * (rte_thread_register()); the slot accessors may be called from any thread.
 * @{
 */

/**
 * Make @p next the running configuration, all or nothing.
 * Refused (-EINVAL, -EBUSY, -ENOSPC, ... with a one-line reason in @p err):
 * changes to ports or limits, removal or reordering of snat addresses
 * (flows name them by index), removal of static neighbours; no free slot.
 * Applied: services add/del/set (mode l4 <-> tls, tls settings), backends
 * add/del/weight/name/admin/server-id, addresses, routes, new static
 * neighbours, timeouts; next->pending.reset[]: the flows of those deleted
 * backends are reset by the workers (RST both ways at their next packet,
 * records retired after the reset timeout).
 */
int dp_shared_apply(struct dp_shared *sh, const struct cp_config *next, char *err,
		    size_t err_len);

/**
 * Periodic housekeeping on the control thread (say once a second): frees old
 * snapshots and learned tables whose grace period ended, and the slots of
 * deleted backends and services whose last flow is gone.
 * @return number of slots freed
 */
int dp_shared_maintain(struct dp_shared *sh);

/** Slot of the backend at @p cfg_index of the running config, or -ENOENT. */
int dp_shared_backend_slot(const struct dp_shared *sh, unsigned cfg_index);

/** Slot of the service at @p cfg_index of the running config, or -ENOENT. */
int dp_shared_service_slot(const struct dp_shared *sh, unsigned cfg_index);

/**
 * Health state by backend SLOT, 1 = down: written by the health checks with
 * relaxed atomic stores, read by backend selection (a down backend takes no
 * new flows and no resumptions). Array of CP_MAX_BACKENDS. dp_shared_apply()
 * clears the entry of a slot it gives to a new backend.
 */
uint8_t *dp_shared_backend_down(struct dp_shared *sh);

/**
 * Control plane feeding the key-name table of tls service @p svc_cfg_index:
 * backend @p backend_cfg_index encrypts with key name @p name (never
 * expires). @return 0, -ENOENT (no such tls service or backend), or
 * dp_learn_keyname_set()'s errors.
 */
int dp_shared_keyname_set(struct dp_shared *sh, unsigned svc_cfg_index, const uint8_t *name,
			  uint8_t len, unsigned backend_cfg_index);

/** Forget key name @p name of tls service @p svc_cfg_index. */
int dp_shared_keyname_remove(struct dp_shared *sh, unsigned svc_cfg_index, const uint8_t *name,
			     uint8_t len);

/** @} */

#endif /* DP_WORKER_H */
