/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode `tls`: delayed binding by TCP splicing (DESIGN.md "Why the dataplane
 * must splice TCP"). The packet path of dp_worker.c calls in at four points:
 * a packet to a tls service that matches no flow, a packet of a tls flow,
 * the tick, and the removal of a flow.
 *
 * Life of a tls flow:
 *   SYN        answered with a cookie SYN-ACK (dp_syncookie), nothing kept;
 *   ACK        cookie valid: flow record (state DP_FLOW_SYN, reverse key a
 *              placeholder no packet can match) + handshake context: HELLO;
 *   HELLO      client bytes into the hello buffer until the parser decides
 *              or the hello timeout passes; the backend is chosen;
 *   BINDING    SYN to the backend with the client's ISN and options, the
 *              reverse key now the backend's; RST or silence: next backend;
 *   SPLICED    backend SYN-ACK: ACK it, replay the hello, flow ESTABLISHED;
 *              from then on dp_splice_*() translate every segment and the
 *              server flight is scanned for learning (phase SCAN), after
 *              which the handshake context is freed.
 *
 * Workers: RSS sends the client's packets of a flow to one worker, the
 * owner (it took the cookie ACK, so the record is of its range), and the
 * backend's to one worker that may be another. The owner does everything
 * that changes the flow table or picks backends (hello, timers, binding,
 * retirement); the backend's worker only splices up on the SYN-ACK, sends
 * the rest of the replay as the backend's window opens, scans the server
 * flight, and, on a backend RST, marks the context for the
 * owner's next tick. A spinlock per context orders the two; contexts go
 * back to the free ring only after it is released.
 */
#ifndef DP_TLS_H
#define DP_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_spinlock.h>
#include <rte_tcp.h>

#include "cp_config.h"
#include "dp_flow.h"
#include "dp_hellobuf.h"
#include "dp_learn.h"
#include "dp_syncookie.h"
#include "dp_tcpopt.h"
#include "tlsp_client.h"
#include "tlsp_server.h"

struct dp_worker;
struct dp_shared;
struct dp_pkt;

/* What tlslb announces to clients: its window shift, and the SYN-ACK's window
 * (unscaled in a SYN): no more than the hello buffer holds. */
#define DP_TLS_WSCALE 7u
#define DP_TLS_HELLO_TIMEOUT_MS 5000u
#define DP_TLS_SYN_RTO_MS 1000u   /* backend SYN retransmission */
#define DP_TLS_SYN_TRIES 2u       /* SYNs per backend (one retransmission) */
#define DP_TLS_BACKEND_TRIES 3u   /* backends tried before the client is reset */
#define DP_TLS_HS_MAX 16384u      /* handshake contexts (hellos in flight + scans) */
#define DP_TLS_HELLO_POOL_CAP (64ull << 20) /* all hello buffers together */
#define DP_TLS_LEARN_ENTRIES 65536u
#define DP_TLS_LEARN_LIFETIME_S 86400u

/* SCAN: spliced, the context kept for the server-flight scan and/or the rest
 * of a replay the backend's window did not admit at once. */
enum dp_hs_phase { DP_HS_FREE = 0, DP_HS_HELLO, DP_HS_BINDING, DP_HS_SCAN };

/* Per-handshake context: from the cookie ACK until the server flight has
 * been scanned. */
struct dp_hsctx {
	rte_spinlock_t lock;   /* first: never cleared while the context is reused */
	uint32_t rec;          /* the flow record */
	uint8_t phase;         /* enum dp_hs_phase */
	uint8_t svc;           /* service slot */
	uint8_t attempts;      /* backends tried */
	uint8_t syns;          /* SYNs sent to the current backend */
	bool refused;          /* the backend reset: the owner moves on at its tick */
	uint16_t tried[DP_TLS_BACKEND_TRIES];
	uint16_t mss;          /* the client's MSS (cookie table entry) */
	uint8_t c_wscale;      /* client's shift; 0xff: none */
	bool c_sack, c_ts;
	uint8_t tls_status;    /* enum tlsp_status at decision */
	uint16_t c_win;        /* client's last window field */
	uint16_t segments;     /* client segments with payload */
	uint32_t client_isn, cookie_isn;
	uint32_t c_tsval;      /* client's last TSval */
	uint32_t my_tsval;     /* last TSval tlslb sent the client */
	uint32_t backend_isn;
	uint32_t deadline_ms;  /* hello timeout, or SYN retransmission */
	uint32_t srv_next;     /* SCAN: next server seq (backend space) */
	/* the replay, sent as the backend's window admits (SCAN: the rest on
	 * its ACKs, the hello buffer kept until all is out) */
	uint32_t replay_sent;  /* hello bytes sent */
	uint16_t replay_seg;   /* segment size */
	uint16_t replay_win;   /* window field of the replay segments */
	uint8_t b_wscale;      /* the backend's window shift (0: none) */
	bool replay_ts;        /* replay segments carry timestamps */
	bool scanning;         /* SCAN: the server flight is scanned (else only replaying) */
	struct dp_hellobuf hb;
	struct tlsp_server_scan scan;
};

/* Shared by all workers, created with the tables when a tls service exists. */
struct dp_tls_shared {
	struct dp_syncookie_secret secret[2];
	struct dp_syncookie_secret *cur; /* published copy (atomic pointer) */
	/* The next rotation's key, drawn from getrandom by the control thread
	 * (dp_tls_maintain) so that worker 0 rotates without a system call;
	 * next_ready (atomic) hands it over: false, the control thread writes
	 * the key; true, worker 0 takes it, wipes it and sets false. */
	struct dp_siphash_key next_key;
	bool next_ready;
	struct dp_hello_pool pool;
	struct dp_hsctx *hs;             /* DP_TLS_HS_MAX contexts */
	struct rte_ring *hs_free;        /* free context indices */
	/* by service slot; the control thread's (workers use the snapshot's copy) */
	struct dp_learn *learn[CP_MAX_SERVICES];
	/* deletions in the learned tables: worker 0's sweep (trylock, in its
	 * tick) against the control plane's key-name removals */
	rte_spinlock_t learn_del_lock;
	struct dp_tls_worker **worker; /* per worker, made with the rest */
};

#define DP_TLS_MIN_MSS 64u /* floor for the replay's segment size */
#define DP_TLS_SWEEP_MS 1 /* learned tables swept at most this often */
#define DP_TLS_PEND 8 /* contexts freed under their lock, returned after it */

/* Per worker. */
struct dp_tls_worker {
	uint32_t hs_cursor; /* timer scan position */
	struct dp_sweep hs_sweep; /* timer scan pace */
	uint64_t last_sweep_ms; /* learned-table sweep, worker 0 only */
	unsigned n_pend;
	uint32_t pend[DP_TLS_PEND];
	struct tlsp_client_opts popts;
	uint8_t scratch[TLSP_SCRATCH_SIZE];
};

/* Create the shared state (control thread, while applying a config with the
 * first tls service); published with a release store on sh->tls. */
int dp_tls_shared_init(struct dp_shared *sh);
void dp_tls_shared_fini(struct dp_shared *sh);
/* Control thread, periodically (dp_shared_maintain): draw the next cookie
 * key when worker 0 has taken the last one. */
void dp_tls_maintain(struct dp_shared *sh);
int dp_tls_worker_init(struct dp_worker *w);
void dp_tls_worker_fini(struct dp_worker *w);

/* A packet to tls service @svc matching no flow: SYN (cookie) or cookie ACK.
 * Consumes the packet. 0: a flow was created; -1: none. */
int dp_tls_new(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
		const struct dp_flow_key *key, int svc);
/* A packet of a tls flow (DP_FLOW_F_TLS). true: consumed; false: translated for splicing,
 * the caller forwards it as l4 does, adding @d_tcp to the checksum update. */
bool dp_tls_packet(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p, uint32_t rec,
		   bool reverse, uint32_t *d_tcp);
/* Test seam, a no-op (weak): called on the unspliced path between the read
 * of the splice flags and the context lock, where another worker may splice
 * the flow; tests define it to run that worker there. */
void dp_tls_unspliced_seam(struct dp_worker *w, uint32_t rec);
/* Timers: hello timeouts, backend SYN retransmissions; cookie rotation (with
 * the key the control thread drew ahead: no system call). */
void dp_tls_tick(struct dp_worker *w);
/* The owner resets flow @rec, bound to a backend deleted with reset but not
 * spliced yet: RST to the backend and the client, flow retired. */
void dp_tls_flow_reset(struct dp_worker *w, uint32_t rec);
/* The flow @rec goes away: free its handshake context. */
void dp_tls_flow_removed(struct dp_worker *w, uint32_t rec);

/* A segment tlslb writes itself (to a client or a backend). */
struct dp_tcpout {
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* network order */
	uint32_t seq, ack;     /* host order */
	uint8_t flags;
	uint16_t win;
	const struct dp_tcpopt *opts; /* NULL: none */
	const uint8_t *data;
	uint16_t len;
};

/* Build it whole (checksums from scratch) and send it to neighbour slot @slot;
 * an empty mempool is counted as drop no_mbuf. */
void dp_tcpout_send(struct dp_worker *w, uint32_t slot, const struct dp_tcpout *o);

#endif /* DP_TLS_H */
