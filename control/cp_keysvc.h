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

#endif /* CP_KEYSVC_H */
