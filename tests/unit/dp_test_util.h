/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the dataplane (dp_) unit tests: EAL in-process, a frame
 * builder, an independent checksum, a test topology, and a worker to drive. */
#ifndef DP_TEST_UTIL_H
#define DP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "cp_config.h"
#include "dp_learn.h"
#include "dp_worker.h"

#define DPT_N(a) (sizeof(a) / sizeof((a)[0]))
#define DPT_FRAME_MAX 1600

/*
 * Test topology (ports: 0 client-facing, 1 server-facing):
 *   port 0 MAC 02:00:00:00:00:01, address 10.0.0.1/24
 *   port 1 MAC 02:00:00:00:01:01, address 10.1.0.1/24 snat
 *   route 0.0.0.0/0 via 10.0.0.254 port 0
 *   static neighbours: 10.0.0.50 (client) 02:00:00:00:00:50, 10.0.0.254
 *     (router) 02:00:00:00:00:fe, 10.1.0.11 02:00:00:00:01:11, 10.1.0.12
 *     02:00:00:00:01:12; 10.1.0.13 is resolved by ARP (02:00:00:00:01:13)
 *   service 0: 10.0.0.100:443 two-arm, backends 0,1 = 10.1.0.11:8443, 10.1.0.12:8443
 *   service 1: 10.0.0.101:443 full-NAT, backends 2,3 = 10.1.0.11:8443, 10.1.0.12:8443
 *   service 2: 10.0.0.102:443 two-arm, backend 4 = 10.1.0.13:443
 */
#define DPT_MAC_P0 "02:00:00:00:00:01"
#define DPT_MAC_P1 "02:00:00:00:01:01"
#define DPT_MAC_CLIENT "02:00:00:00:00:50"
#define DPT_MAC_ROUTER "02:00:00:00:00:fe"
#define DPT_MAC_B11 "02:00:00:00:01:11"
#define DPT_MAC_B12 "02:00:00:00:01:12"
#define DPT_MAC_B13 "02:00:00:00:01:13"

/* The defaults of cp_config_init(), without linking control/. */
void dpt_config_defaults(struct cp_config *c);
/* The topology above. */
void dpt_config(struct cp_config *c);

/* Start EAL once (--no-huge --no-pci -m 256 --file-prefix dp_test_<pid>). */
void dpt_eal_init(void);
/* Same with two lcores (0 and 1, on two CPUs when the affinity allows). */
void dpt_eal_init2(void);
struct rte_mempool *dpt_pool(void);

/* The frame @buf of @len bytes as a chain of two mbufs, the first holding
 * @first bytes (as a port that scatters a frame over segments hands it). */
struct rte_mbuf *dpt_mbuf_chain2(const uint8_t *buf, size_t len, size_t first);

uint32_t dpt_ip(const char *dotted);    /* network order */
void dpt_mac(uint8_t out[6], const char *s);

/* A frame to build; zero fields take defaults (IPv4, TCP, TTL 64, IHL 5). */
struct dpt_frame {
	const char *smac, *dmac; /* default: DPT_MAC_CLIENT -> DPT_MAC_P0 */
	uint16_t ether_type;     /* default IPv4 */
	const char *src, *dst;   /* dotted */
	uint8_t proto;           /* default TCP; UDP and ICMP get an 8-byte header */
	uint8_t ttl;             /* default 64 */
	uint8_t version;         /* default 4 */
	uint8_t ihl;             /* 32-bit words, default 5; more adds NOP options */
	uint16_t frag;           /* flags and offset, host order */
	int16_t len_delta;       /* added to the correct total length */
	bool bad_csum;
	uint16_t sport, dport;
	uint8_t flags;           /* TCP flags */
	uint32_t seq, ack;
	uint8_t doff;            /* TCP words, default 5 */
	uint16_t payload;        /* bytes after the L4 header */
	uint16_t cut;            /* non-zero: keep only this many bytes */
	uint16_t pad;            /* Ethernet padding after the IP packet */
};

/* Build @f into @buf; returns the frame length. */
size_t dpt_build(uint8_t *buf, const struct dpt_frame *f);

/* An ARP frame. */
size_t dpt_build_arp(uint8_t *buf, const char *eth_src, const char *eth_dst, uint16_t op,
		     const char *sha, const char *spa, const char *tha, const char *tpa);

/* RFC 1071 sum computed from scratch, byte by byte (not dp_csum). */
uint16_t dpt_sum(const uint8_t *p, size_t len, uint32_t acc);
/* True when the IPv4 header and the TCP checksum (pseudo-header included)
 * of the frame at @p verify. */
bool dpt_ipv4_csum_ok(const uint8_t *frame, size_t len);
bool dpt_tcp_csum_ok(const uint8_t *frame, size_t len);

/* A shared table set and one worker over a config. */
struct dpt_env {
	struct cp_config cfg;
	struct dp_shared *sh;
	struct dp_worker *w;
	uint64_t now;        /* tsc */
	uint64_t tsc_per_ms;
};

/* Build sh and w from e->cfg (n workers; w is worker 0). */
void dpt_env_up(struct dpt_env *e, unsigned n_workers);
void dpt_env_down(struct dpt_env *e);

/* Receive one frame on @port. */
void dpt_rx(struct dpt_env *e, uint16_t port, const uint8_t *buf, size_t len);
/* Receive a built frame on @port. */
void dpt_rx_frame(struct dpt_env *e, uint16_t port, const struct dpt_frame *f);
/* Take everything queued on @port into @out (mbufs freed); returns count. */
unsigned dpt_take(struct dpt_env *e, uint16_t port, uint8_t out[][DPT_FRAME_MAX], size_t *lens,
		  unsigned max);
/* Packets queued on all ports, taken and freed. */
unsigned dpt_flush(struct dpt_env *e);
void dpt_advance_ms(struct dpt_env *e, uint64_t ms);
void dpt_tick(struct dpt_env *e, unsigned n);

/* Flow-table key slots in use (white box: includes slots awaiting RCU). */
int32_t dpt_flow_keys(struct dpt_env *e);

/* Counters summed over workers. */
void dpt_stats(struct dpt_env *e, struct dp_stats *st);
uint64_t dpt_drops(const struct dp_stats *st);

/* The fields of an IPv4/TCP frame the tests look at (addresses network order,
 * ports host order). */
struct dpt_view {
	uint8_t dmac[6], smac[6];
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t ttl, flags;
};
void dpt_view(const uint8_t *frame, size_t len, struct dpt_view *v);
/* Format a MAC for dpt_frame fields (static buffer per slot 0..3). */
const char *dpt_mac_str(const uint8_t mac[6], unsigned slot);
/* Dotted form (static buffer per slot 0..3). */
const char *dpt_ip_str(uint32_t ip, unsigned slot);

/* A fresh environment over dpt_config(), changed by @tweak when not NULL. */
struct dpt_env *dpt_env_new(void (*tweak)(struct cp_config *), unsigned n_workers);
void dpt_env_delete(struct dpt_env *e);

/* dp_learn_create(@p) under a name no other table of the run has; fails the test on error. */
struct dp_learn *dpt_learn_create(struct dp_learn_params *p);

/* Assert frames equal, printing the first differing offset. */
void dpt_assert_frame(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len);

#endif
