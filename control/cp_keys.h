/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The session-ticket key manager: generates ticket keys (STEKs), rotates them
 * and says which keys each backend's server must hold and which one it
 * encrypts with. A pure state machine: time comes in as an argument
 * (cp_keys_tick()), agents' news comes in through calls, key sets and key-name
 * changes go out through calls and a callback. The key service (cp_keysvc.h)
 * moves the sets over the network.
 *
 * Domains. Every service with at least one backend that has a key agent
 * (`keys agent`), and whose policy is not off, is a key domain; its members
 * are those backends. Agents of backends without `keys agent` do not exist.
 *
 * Policies (`keys service ... policy`):
 *  - per-server: each member has its own chain of keys and encrypts new tickets
 *    with the current key of its chain; every member holds every live key of
 *    every chain of the service, so any server resumes any ticket, and the
 *    dataplane routes a ticket to its issuer by key name (the keyname
 *    callback). A member holds 2 + retained previous keys per member.
 *  - fleet-shared: one chain for the whole service: previous, current, next
 *    (at most one previous), exactly HAProxy's three lines. No key-name routing
 *    (every server issues the same name).
 *  - auto (default): per-server, unless a member's format cannot hold that many
 *    keys (haproxy decrypts with its last 3 lines only): then fleet-shared.
 *    cp_keys_show() says which policy is in force and why.
 *
 * Lifecycle of a key: next (held by everyone, decrypt-only) -> current
 * (encrypts) -> previous (decrypt-only, kept `retain` seconds, default the
 * ticket lifetime; fleet-shared also drops it at the next rotation) ->
 * destroyed (OPENSSL_cleanse). A rotation of a domain promotes every chain's
 * next at once, and only when every REACHABLE member (agent connected and
 * greeted) has acknowledged holding every next key: no server is handed a
 * ticket it cannot decrypt because of rotation order. An unreachable member
 * does not hold rotation up; when it comes back it receives the whole set in
 * one push and rotation waits for its acknowledgement again. The very first key
 * of a chain (a new domain or member) is born current: there is nothing older
 * to wait for, and until the member's agent has it, tickets with its name are
 * routed to that member only.
 *
 * Restart design: tlslb PERSISTS its key state. Every change of a domain's keys
 * is written (cp_keys_state_save(): temp file 0600 in the same directory,
 * fsync, rename, fsync of the directory) BEFORE any agent is sent the new set,
 * and cp_keys_state_load() reads it back at start-up, keeping states and ages
 * (times are wall-clock seconds) for the members and services that still
 * exist; the confirmations are not kept (every agent re-acknowledges after it
 * reconnects). So a server never loses a key it encrypted with because tlslb
 * restarted, and a key's expiry does not move. Rejected alternative: adopting
 * the keys that reconnecting agents report. It keeps no key on tlslb's disk,
 * but then an agent (authenticated for ONE backend) would inject keys that
 * tlslb hands to every server of the service, keys of an agent that is down
 * at the restart are lost for everyone else, and ages/expiry would be the
 * agents' word. The state file holds the same material the servers' key files
 * hold, with the same protection (0600, directory not writable by others).
 * Without a state file (lost, unreadable, first start) tlslb starts new
 * chains; the servers then lose the old keys at their next push (full
 * handshakes for one ticket lifetime, never a wrong decryption).
 *
 * Not thread-safe: one control thread owns it.
 */
#ifndef CP_KEYS_H
#define CP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_stek.h"

#define CP_KEYS_DEFAULT_ROTATE 3600u    /**< s: hourly */
#define CP_KEYS_DEFAULT_LIFETIME 43200u /**< s: 12 h, well under RFC 8446's 7 days */
/** Most members (backends with an agent) in one service. */
#define CP_KEYS_MAX_MEMBERS 64
/** Most keys one member is sent (one push). */
#define CP_KEYS_MAX_SET 1024

enum cp_key_state { CP_KEY_NEXT = 0, CP_KEY_CURRENT, CP_KEY_PREVIOUS };

struct cp_keys;

/** Where the manager reports to. Every member may be NULL. */
struct cp_keys_ops {
	void *ctx;
	/**
	 * A per-server member starts (@p add) or stops encrypting with the key
	 * named @p name, or a key it encrypted with is destroyed (!@p add): the
	 * dataplane's key-name table routes tickets with that name to the member.
	 * Added when a key becomes current, removed when it is destroyed.
	 */
	void (*keyname)(void *ctx, const struct cp_ip *vip, uint16_t vport, const struct cp_ip *ip,
			uint16_t port, const uint8_t name[16], bool add);
	/** A one-line event (rotation, destruction, blocked rotation); no key material. */
	void (*log)(void *ctx, const char *line);
};

/** A member as the key service sees it: service index and member index. */
struct cp_keys_member_ref {
	int svc, mem;
};

/** @return a manager with no domains, or NULL (ENOMEM) */
struct cp_keys *cp_keys_create(const struct cp_keys_ops *ops);
/** Cleanses every key and frees. NULL is fine. */
void cp_keys_free(struct cp_keys *k);

/**
 * Take the domains and members from @p cfg (services, `keys service`, `keys
 * agent`). Domains and members that stay keep their keys; a member that goes
 * away has its current and next keys retired (previous) so tickets it issued
 * still resume elsewhere; a domain that goes away (or turns off) is destroyed.
 * Call it at start-up and after each applied config change.
 * @return 0 or -ENOSPC (too many members in a service: the extra are ignored)
 */
int cp_keys_configure(struct cp_keys *k, const struct cp_config *cfg, uint64_t now);

/**
 * Tell the keyname callback again of every key name routed for the service
 * at @p vip:@p vport: its consumer lost them (a new learned table, after the
 * service's key-name length changed).
 */
void cp_keys_reannounce(struct cp_keys *k, const struct cp_ip *vip, uint16_t vport);

/**
 * Advance to wall-clock second @p now: generate missing keys, rotate domains
 * that are due and whose next keys every reachable member confirmed, destroy
 * expired previous keys.
 */
void cp_keys_tick(struct cp_keys *k, uint64_t now);

/**
 * `keys rotate`: make the domain of @p vip:@p vport (all domains when @p vip is
 * NULL) due now; the rotation itself still waits for the confirmations.
 * @return 0 or -ENOENT (no such domain)
 */
int cp_keys_rotate(struct cp_keys *k, const struct cp_ip *vip, uint16_t vport, uint64_t now);

/** The member whose agent has certificate identity @p cn. @return 0 or -ENOENT */
int cp_keys_member_find(const struct cp_keys *k, const char *cn, struct cp_keys_member_ref *ref);

/** The backend of a member (for checks and logs). @return 0 or -ENOENT */
int cp_keys_member_backend(const struct cp_keys *k, struct cp_keys_member_ref ref,
			   struct cp_ip *vip, uint16_t *vport, struct cp_ip *ip, uint16_t *port,
			   uint8_t *format);

/** The member's agent is connected and greeted (@p up) or gone. */
void cp_keys_agent_reachable(struct cp_keys *k, struct cp_keys_member_ref ref, bool up);

/**
 * The member's agent holds the keys named @p names (its server reloaded them).
 * Marks those of the domain's next keys as confirmed by it.
 */
void cp_keys_agent_ack(struct cp_keys *k, struct cp_keys_member_ref ref, const uint8_t (*names)[16],
		       size_t n, uint64_t now);

/**
 * The set the member must hold now: every live key of its domain, oldest
 * first as cp_stek.h wants it (previous keys by age, current keys, next keys),
 * with the one it encrypts with (set->encrypt; set->n == 0 before the first
 * tick), written into @p buf (@p max entries; the caller cleanses it), the
 * state of each in @p states (enum cp_key_state; may be NULL), and numbered by
 * @p gen, which changes whenever the domain's keys do.
 * @return 0, -ENOENT, or -ENOSPC (@p max too small)
 */
int cp_keys_member_set(const struct cp_keys *k, struct cp_keys_member_ref ref, struct cp_stek *buf,
		       uint8_t *states, size_t max, struct cp_keyset *set, uint64_t *gen);

/** Keys were created, changed state or destroyed since the last state save. */
bool cp_keys_dirty(const struct cp_keys *k);

/**
 * Write every domain's keys to @p path atomically, mode 0600 (see the restart
 * design above). Clears the dirty flag on success.
 * @return 0 or a negative errno
 */
int cp_keys_state_save(struct cp_keys *k, const char *path);

/**
 * Read @p path back after cp_keys_configure(): keys of domains and members
 * still configured are adopted with their states and times (and current and
 * previous per-server keys reported to the keyname callback); the rest are
 * cleansed. A missing file is not an error (-ENOENT, nothing changes).
 * @return 0, -ENOENT, -EINVAL (malformed: nothing adopted) or another -errno
 */
int cp_keys_state_load(struct cp_keys *k, const char *path, uint64_t now);

struct cp_reply;
/**
 * `show keys`: domains (policy in force and why, timers, rotation due or
 * blocked and by whom), keys (name as hex, owner, state, age, confirmations),
 * members (reachable, last ack). Never key material.
 */
void cp_keys_show(const struct cp_keys *k, struct cp_reply *out, uint64_t now);

struct cp_config;
struct cp_args;
struct cp_err;
/**
 * Query hooks (cp_ctl.h cp_query_fn) with ctx = the struct cp_keys, on the
 * wall clock: `show keys` (CP_Q_SHOW_KEYS) and `keys rotate [service
 * VIP:PORT]` (CP_Q_KEYS_ROTATE: marks the domains due; the key service's next
 * poll rotates them once confirmed, and pushes). Without key management (NULL
 * ctx) they answer -ENOTSUP.
 */
int cp_keys_q_show(void *ctx, const struct cp_config *running, const struct cp_args *args,
		   struct cp_reply *out, struct cp_err *e);
int cp_keys_q_rotate(void *ctx, const struct cp_config *running, const struct cp_args *args,
		     struct cp_reply *out, struct cp_err *e);

/** For tests and show: the number of live keys of a domain, or -ENOENT. */
int cp_keys_count(const struct cp_keys *k, const struct cp_ip *vip, uint16_t vport);

/** The policy in force for a domain (CP_KEYS_POLICY_PER_SERVER or _FLEET_SHARED), or -ENOENT. */
int cp_keys_policy(const struct cp_keys *k, const struct cp_ip *vip, uint16_t vport);

#endif /* CP_KEYS_H */
