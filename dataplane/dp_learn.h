/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The learned routing tables of one TLS service: which backend issued a
 * session-ticket key name, and which backend issued a TLS 1.2 session ID.
 *
 * Both are rte_hash tables with lock-free readers and several adding writers.
 * The value is packed into the hash's data word (backend, source, expiry), so
 * a lookup touches the bucket and the key slot and nothing else, and an update
 * of an existing key is one atomic store.
 *
 * Threads:
 *  - lookups: any thread, lock-free; a worker that looks up must be an online
 *    reader of the RCU QSBR variable given at creation (the workers' one);
 *  - adds and updates (learning, control-plane feeding): any thread that has
 *    an lcore id (EAL lcores, or threads that called rte_thread_register()):
 *    the multi-writer rte_hash keeps a free-slot cache per lcore id. Without
 *    one they fail with -EPERM;
 *  - deletions (dp_learn_sweep(), dp_learn_keyname_remove()): ONE maintenance
 *    thread at a time, with an lcore id too. Deleted key slots
 *    are reused only after a QSBR grace period, checked without blocking.
 *
 * Expiry: every learned entry carries an absolute expiry in seconds of the
 * caller's monotonic clock (`now`). Expired entries are invisible to lookups
 * at once and removed by the incremental sweep. Entries fed by the control
 * plane never expire; they go when the control plane removes them.
 *
 * When a table is full, an add is refused and counted (a worker never pays for
 * eviction). The sweep keeps room: above a high-water mark (7/8 of the
 * configured size) it also evicts learned entries in the older half of the
 * service lifetime, so fresh sessions, the ones a client is most likely to
 * resume, displace old ones within one sweep cycle.
 *
 * Memory per entry, per table (DPDK 22.11 rte_hash, 36-byte key):
 *   key slot   8 B data word + 36 B key, 16-aligned        = 48 B
 *   bucket     64 B bucket of 8 entries                     =  8 B
 *   free ring  4 B slot index, for entries + the lcore-cache
 *              slots, rounded up to a power of two: 4-8 B   =  8 B
 *                                                              64 B
 * Sizes are rounded up to a power of two (the cuckoo buckets would be anyway);
 * test_dp_learn fills such tables to 100% before the first refusal. Each table also carries a
 * fixed ~0.45 MB: the key slots the per-lcore caches may hold (RTE_MAX_LCORE x
 * 63) and the counters. Measured by test_dp_learn: 64.0 B per entry per table,
 * 915 KiB fixed per table set (two tables).
 */
#ifndef DP_LEARN_H
#define DP_LEARN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "tlsp_client.h"
#include "tlsp_server.h"

/** Longest key name or session ID kept (RFC 5246: session IDs are 0..32 bytes). */
#define DP_LEARN_KEY_MAX 32u

/** Longest name prefix of a table set. */
#define DP_LEARN_NAME_MAX 20u

/** The two tables. */
enum dp_learn_table {
	DP_LEARN_KEY_NAME = 0, /**< ticket key name -> issuing backend */
	DP_LEARN_SESSION,      /**< TLS 1.2 session ID -> issuing backend */
	DP_LEARN__TABLES
};

/** Where an entry came from. */
enum dp_learn_source {
	DP_LEARN_SRC_LEARNED = 0, /**< seen in a server flight; expires */
	DP_LEARN_SRC_CONTROL,     /**< fed by the control plane; never expires */
};

/** Creation parameters. */
struct dp_learn_params {
	const char *name;          /**< unique prefix of the rte_hash names (DP_LEARN_NAME_MAX) */
	uint32_t max_entries[DP_LEARN__TABLES]; /**< table sizes, 8 .. 2^24 */
	uint32_t lifetime_s;       /**< service lifetime: default and cap of learned entries */
	uint8_t key_name_len;      /**< bytes of a ticket that name its key; 0: 16 */
	uint32_t defer_max;        /**< deletions awaiting RCU; 0: 4096 */
	struct rte_rcu_qsbr *qs;   /**< the readers' QSBR variable */
	int socket;                /**< NUMA socket, or SOCKET_ID_ANY */
};

/** Counters of one table. Plain uint64_t, written by the lcore that owns the slot. */
struct dp_learn_counters {
	uint64_t added;     /**< new entries */
	uint64_t refreshed; /**< existing entries given a new backend or expiry */
	uint64_t kept_control; /**< learned values not stored over a control entry */
	uint64_t full;      /**< adds refused: table full */
	uint64_t expired;   /**< removed by the sweep: past their expiry */
	uint64_t evicted;   /**< removed by the sweep: table above its high-water mark */
	uint64_t removed;   /**< removed on request (control plane) or after a flush */
};

/** All counters of a table set. */
struct dp_learn_stats {
	struct dp_learn_counters t[DP_LEARN__TABLES];
};

/** Stable names of the counters of struct dp_learn_counters, in field order. */
extern const char *const dp_learn_counter_names[sizeof(struct dp_learn_counters) /
						 sizeof(uint64_t)];
/** Stable names of enum dp_learn_table. */
extern const char *const dp_learn_table_names[DP_LEARN__TABLES];

struct dp_learn;

/** Create a table set; NULL with rte_errno set (EINVAL, ENOMEM, EEXIST). */
struct dp_learn *dp_learn_create(const struct dp_learn_params *params);

/** Free a table set; no reader may use it any more. */
void dp_learn_free(struct dp_learn *t);

/** Change the service lifetime (applies to entries learned from now on). */
void dp_learn_set_lifetime(struct dp_learn *t, uint32_t lifetime_s);

/** The key-name length the set was made with. */
uint8_t dp_learn_key_name_len(const struct dp_learn *t);

/**
 * Look a key name (the first key_name_len bytes of a ticket) up.
 * @return 0 and the backend, or -ENOENT (unknown or expired)
 */
int dp_learn_keyname_lookup(const struct dp_learn *t, const uint8_t *name, uint8_t len,
			    uint32_t now, uint16_t *backend);

/** Look a TLS 1.2 session ID up. @return 0 and the backend, or -ENOENT */
int dp_learn_session_lookup(const struct dp_learn *t, const uint8_t *id, uint8_t len,
			    uint32_t now, uint16_t *backend);

/**
 * Note that @backend issued tickets under key name @name, for @lifetime_s
 * seconds (capped by the service lifetime; 0: the service lifetime). A learned
 * value does not replace a control entry.
 * @return 0, -EINVAL, -ENOSPC (table full, counted), -EPERM (no lcore id)
 */
int dp_learn_keyname_learn(struct dp_learn *t, const uint8_t *name, uint8_t len,
			   uint16_t backend, uint32_t lifetime_s, uint32_t now);

/** Note that @backend issued session ID @id; same rules and returns. */
int dp_learn_session_learn(struct dp_learn *t, const uint8_t *id, uint8_t len, uint16_t backend,
			   uint32_t lifetime_s, uint32_t now);

/**
 * Control plane: @backend encrypts (or will) with key name @name. The entry
 * never expires and replaces any learned one. Same returns as the above.
 */
int dp_learn_keyname_set(struct dp_learn *t, const uint8_t *name, uint8_t len,
			 uint16_t backend);

/**
 * Control plane: forget key name @name, whatever its source. Maintenance thread.
 * @return 0, -ENOENT, -EINVAL, -EBUSY (too many deletions awaiting RCU; retry later)
 */
int dp_learn_keyname_remove(struct dp_learn *t, const uint8_t *name, uint8_t len);

/**
 * What a server flight teaches (TLS <= 1.2 only; TLS 1.3 tickets are encrypted):
 * a ServerHello session ID that is not an echo of the client's enters the
 * session table, a NewSessionTicket's key name enters the key-name table with
 * the ticket's lifetime hint (capped by the service lifetime).
 *
 * @param ch   the client's hello, or NULL: then the scan's verdict alone
 *             tells an echo (scan and learning must see the same hello)
 * @param sf   the scan result; nothing is read before server_hello_seen
 * @return the number of entries added or changed (0..2; a learned key name
 *         does not replace a control entry), or -ENOSPC if a table was full
 *         (the other one may still have learned), -EPERM
 */
int dp_learn_from_server(struct dp_learn *t, uint16_t backend, const struct tlsp_client_hello *ch,
			 const struct tlsp_server_flight *sf, uint32_t now);

/**
 * Incremental maintenance, on the maintenance thread: frees slots whose grace
 * period ended, then examines up to @budget key positions of each table,
 * removing expired and flushed entries (and, above the high-water mark, old
 * learned ones). Stops early while too many deletions await RCU.
 * @return entries removed by this call, or -EPERM (no lcore id)
 */
int dp_learn_sweep(struct dp_learn *t, uint32_t now, unsigned budget);

/**
 * Forget every learned entry (and the control entries too unless
 * @learned_only), at once and without blocking: e.g. a config change
 * renumbered the backends. The entries become invisible to lookups now and
 * are removed by later sweeps. Any thread; 32767 flushes must not happen
 * within one sweep cycle (dp_learn_positions() / budget calls).
 */
void dp_learn_flush(struct dp_learn *t, bool learned_only);

/** Entries in a table, slots awaiting RCU included. */
uint32_t dp_learn_count(const struct dp_learn *t, enum dp_learn_table table);

/** Configured size of a table, rounded up to a power of two; adds start
 *  failing at about 95-98% of it (cuckoo hashing). */
uint32_t dp_learn_capacity(const struct dp_learn *t, enum dp_learn_table table);

/** Key positions a full sweep cycle walks (the sweep's period is this / budget calls). */
uint32_t dp_learn_positions(const struct dp_learn *t, enum dp_learn_table table);

/** Add every lcore's counters into @out (zero it first). */
void dp_learn_stats_sum(const struct dp_learn *t, struct dp_learn_stats *out);

/** One entry, as dp_learn_iterate() reports it. */
struct dp_learn_entry {
	uint8_t len;                  /**< bytes of @p key */
	uint8_t key[DP_LEARN_KEY_MAX];
	uint16_t backend;
	uint8_t source;               /**< enum dp_learn_source */
	uint32_t expires_in;          /**< seconds left; 0 for control entries */
};

/**
 * Walk the live entries of @p table (expired and flushed ones are skipped).
 * Any thread; entries added or removed meanwhile may be missed or seen.
 * @param next  cursor: 0 to start, kept between calls
 * @return 0 with an entry in @p e, or -ENOENT past the last one
 */
int dp_learn_iterate(const struct dp_learn *t, enum dp_learn_table table, uint32_t now,
		     uint32_t *next, struct dp_learn_entry *e);

#endif /* DP_LEARN_H */
