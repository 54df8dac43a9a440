/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The ticket-key service: a TLS 1.3-only server (OpenSSL) on a management
 * address, through the kernel's stack, where tlslb-keyagent processes connect
 * with a client certificate from the configured CA. The certificate's CN (or,
 * without a CN, its first DNS subjectAltName) is the agent's identity, which
 * `keys agent` maps to exactly one backend; an unknown identity, a certificate
 * from another CA, an expired one, or an agent whose HELLO names another
 * backend than its identity's is refused and logged (never with key material).
 *
 * Non-blocking, driven by cp_keysvc_poll() from the control thread (the same
 * thread as the CLI socket). Each poll ticks the key manager, saves its state
 * file when keys changed (BEFORE any agent sees the new keys: see the restart
 * design in cp_keys.h), pushes a key set to every greeted agent whose set
 * changed, and reads HELLO / ACK / ERROR frames (cp_keysvc_proto.h).
 */
#ifndef CP_KEYSVC_H
#define CP_KEYSVC_H

#include <stdint.h>

#include "cp_config.h"
#include "cp_keys.h"

struct cp_keysvc_conf {
	struct cp_ip ip;  /**< listen address (kernel stack) */
	uint16_t port;    /**< 0: an ephemeral port (tests), see cp_keysvc_port() */
	const char *ca;   /**< PEM: the CA that signs agent certificates */
	const char *cert; /**< PEM: the service's certificate chain */
	const char *key;  /**< PEM: its private key */
	const char *state; /**< state file of the key manager; NULL: keys only in memory */
	uint32_t hello_timeout_ms; /**< handshake + HELLO must finish within it; 0: 10 s */
	/** A line for the log (refusals, agents up/down, acks, errors). NULL: stderr. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/** Wall-clock seconds for the key manager; NULL: time(). */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
};

struct cp_keysvc;

/**
 * Listen and load the certificates; the service does not own @p keys.
 * @return the service, or NULL with errno set (the reason logged)
 */
struct cp_keysvc *cp_keysvc_create(const struct cp_keysvc_conf *conf, struct cp_keys *keys);

/** Close every connection (cleansing buffers) and the listener. NULL is fine. */
void cp_keysvc_free(struct cp_keysvc *s);

/** The port it listens on (the ephemeral one when conf.port was 0). */
uint16_t cp_keysvc_port(const struct cp_keysvc *s);

/**
 * One step: tick the manager, save its state when dirty, push changed sets,
 * wait up to @p timeout_ms for network events and handle them.
 * @return 0, or a negative errno when poll() itself failed
 */
int cp_keysvc_poll(struct cp_keysvc *s, int timeout_ms);

/** Connections, greeted agents; for tests and `show keys`. */
void cp_keysvc_counts(const struct cp_keysvc *s, unsigned *conns, unsigned *agents,
		      uint64_t *refused);

struct cp_config;
struct cp_args;
struct cp_reply;
struct cp_err;
/**
 * `show keys` with the service's own view first (cp_query_fn, ctx = the
 * struct cp_keysvc): a "service" table (listen address, connections, greeted
 * agents, refusals, state file and whether it is written), then cp_keys_show().
 */
int cp_keysvc_q_show(void *ctx, const struct cp_config *running, const struct cp_args *args,
		     struct cp_reply *out, struct cp_err *e);

/*
 * Wiring in the daemon (control thread):
 *   keys = cp_keys_create(&ops)      ops.keyname: find the service and backend
 *                                     config indices of vip:vport / ip:port and call
 *                                     dp_shared_keyname_set()/_remove() (name length:
 *                                     the service's keyname_len, at most 16)
 *   cp_keys_configure(keys, cfg, time(NULL)), then, when cfg->keys.listen,
 *   cp_keys_state_load(keys, cfg->keys.state, time(NULL)) and
 *   cp_keysvc_create() from cfg->keys; query hooks CP_Q_SHOW_KEYS ->
 *   cp_keysvc_q_show (svc), CP_Q_KEYS_ROTATE -> cp_keys_q_rotate (keys);
 *   after every applied config change cp_keys_configure(keys, new, time(NULL))
 *   (recreate the service when cfg->keys changed); in the loop,
 *   cp_keysvc_poll(svc, 0) after the CLI socket's own poll.
 */

#endif /* CP_KEYSVC_H */
