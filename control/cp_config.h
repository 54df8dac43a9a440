/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The running configuration as data: what the command grammar builds and what
 * the dataplane is set up from. One grammar serves the config file and the CLI,
 * so this model is also what `save` prints back.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CP_NAME_MAX 32
#define CP_DEV_MAX 128
#define CP_MAX_PORTS 8
#define CP_MAX_ADDRESSES 64
#define CP_MAX_ROUTES 64
#define CP_MAX_NEIGHS 256
#define CP_MAX_SERVICES 256
#define CP_MAX_BACKENDS 4096 /* over all services */

/** An IP address; IPv4 only for now, shaped so IPv6 can follow. */
struct cp_ip {
	uint8_t family; /**< AF_INET (AF_INET6 later) */
	union {
		uint32_t v4; /**< network byte order */
		uint8_t v6[16];
	};
};

enum cp_port_role {
	CP_ROLE_CLIENT = 1, /**< faces the clients, owns the virtual IPs */
	CP_ROLE_SERVER = 2, /**< faces the backends (two-arm) */
	CP_ROLE_BOTH = 3,   /**< one-arm */
};

/** `port add NAME dev DEVICE role client|server|both` */
struct cp_port {
	char name[CP_NAME_MAX];
	char dev[CP_DEV_MAX]; /**< DPDK device name: net_pcap0, 0000:03:00.0, ... */
	uint8_t role;         /**< enum cp_port_role */
};

/** `address add IP/LEN port NAME [snat]`: an address of tlslb's own. */
struct cp_address {
	struct cp_ip ip;
	uint8_t prefix_len;
	uint16_t port;        /**< index into cp_config.ports */
	bool snat;            /**< usable as a full-NAT source */
};

/** `route add PREFIX/LEN via GATEWAY port NAME` */
struct cp_route {
	struct cp_ip prefix;
	uint8_t prefix_len;
	struct cp_ip gateway;
	uint16_t port;
};

/** `neigh add IP lladdr MAC port NAME`: a static neighbour entry. */
struct cp_neigh {
	struct cp_ip ip;
	uint8_t mac[6];
	uint16_t port;
};

enum cp_mode { CP_MODE_L4 = 0, CP_MODE_TLS = 1 };
enum cp_nat { CP_NAT_TWO_ARM = 0, CP_NAT_FULL = 1 };
enum cp_sched { CP_SCHED_WRR = 0 };

/** Longest server-ID prefix a service may configure (DP_TLSROUTE_SERVER_ID_MAX). */
#define CP_SERVER_ID_MAX 16

/** What the operator wants of a backend (health is the dataplane's own view). */
enum cp_backend_admin {
	CP_ADMIN_ENABLED = 0, /**< takes new flows (if healthy and weight > 0) */
	CP_ADMIN_DRAINING,    /**< `backend drain`: no new flows; existing flows continue, and
				   with drain_resume so do resumptions aimed at it */
	CP_ADMIN_DISABLED,    /**< `backend disable`: no new flows, no resumptions, no health
				   probes; existing flows continue */
};

/** Longest certificate identity (CN) of a key agent, with its NUL. */
#define CP_KEYS_CN_MAX 64
/** Longest file path in the keys commands, with its NUL (CP_DEV_MAX: parsed as a device string). */
#define CP_KEYS_PATH_MAX CP_DEV_MAX

/** What a backend's TLS server reads its ticket keys as (0: no agent). */
enum cp_keys_format {
	CP_KEYS_FMT_NONE = 0,
	CP_KEYS_FMT_OPENSSL,
	CP_KEYS_FMT_NGINX,
	CP_KEYS_FMT_HAPROXY,
};

/** `keys agent VIP:PORT IP:PORT cn NAME format openssl|nginx|haproxy` */
struct cp_backend_keys {
	char cn[CP_KEYS_CN_MAX]; /**< the agent's certificate CN; "" (and format 0): no agent */
	uint8_t format;          /**< enum cp_keys_format */
};

/** Ticket-key policy of a service (cp_keys.h says what each means). */
enum cp_keys_policy {
	CP_KEYS_POLICY_AUTO = 0,     /**< per-server unless a backend's format cannot hold it */
	CP_KEYS_POLICY_PER_SERVER,
	CP_KEYS_POLICY_FLEET_SHARED,
	CP_KEYS_POLICY_OFF,
};

/**
 * `keys service VIP:PORT [policy auto|per-server|fleet-shared|off] [rotate S] [lifetime S]
 * [retain S] [aes 128|256]`. Zero fields mean the defaults (cp_keys.h), so that a
 * service never configured and one given the defaults are the same bytes.
 */
struct cp_service_keys {
	uint8_t policy;    /**< enum cp_keys_policy */
	uint8_t aes_bits;  /**< 0 (256), 128 or 256 */
	uint32_t rotate;   /**< s between rotations; 0: CP_KEYS_DEFAULT_ROTATE */
	uint32_t lifetime; /**< s, longest ticket lifetime of the servers; 0: default */
	uint32_t retain;   /**< s a previous key is kept; 0: the lifetime */
};

/** `keys listen IP:PORT ca FILE cert FILE key FILE state FILE` */
struct cp_keys_conf {
	bool listen;       /**< the key service is configured */
	struct cp_ip ip;   /**< management address (kernel stack, not DPDK) */
	uint16_t port;
	char ca[CP_KEYS_PATH_MAX];    /**< CA that signs the agents' certificates */
	char cert[CP_KEYS_PATH_MAX];  /**< the service's own certificate and key */
	char key[CP_KEYS_PATH_MAX];
	char state[CP_KEYS_PATH_MAX]; /**< 0600 state file: keys survive a restart */
};

/** `backend add VIP:PORT IP:PORT [weight N] [name NAME]` (weight 0: no new flows) */
struct cp_backend {
	struct cp_ip ip;
	uint16_t port;   /**< host byte order */
	uint32_t weight;
	uint16_t service; /**< index into cp_config.services */
	uint8_t admin;    /**< enum cp_backend_admin */
	bool drain_resume; /**< CP_ADMIN_DRAINING only: resumptions still routed to it */
	char name[CP_NAME_MAX]; /**< label in show/metrics output; "" means IP:PORT */
	/** `backend set ... server-id HEX`: the prefix its servers put in session IDs
	 *  (first cp_service.server_id_len bytes count); all zero: none */
	uint8_t server_id[CP_SERVER_ID_MAX];
	struct cp_backend_keys keys; /**< `keys agent`: who fetches its ticket keys */
};

/** Source ports of the dataplane's health probes on tlslb's own addresses; full-NAT's
 *  `set snat-ports` range must stay clear of them while any service has health on. */
#define CP_HEALTH_PORT_LOW 512
#define CP_HEALTH_PORT_HIGH 1023

/** `service set VIP:PORT health on|off [interval MS] [timeout MS] [rise N] [fall N]` */
struct cp_health {
	bool enabled;          /**< default off: a backend is up until probes say otherwise */
	uint32_t interval_ms;  /**< between probes of one backend (default 2000) */
	uint32_t timeout_ms;   /**< a probe unanswered this long failed (default 1000) */
	uint8_t rise, fall;    /**< consecutive successes to go up / failures to go down (2, 3) */
};

/** `service add VIP:PORT [mode l4|tls] [nat two-arm|full] [sched wrr]`, then `service set`. */
struct cp_service {
	struct cp_ip vip;
	uint16_t port;   /**< host byte order */
	uint8_t mode;    /**< enum cp_mode */
	uint8_t nat;     /**< enum cp_nat */
	uint8_t sched;   /**< enum cp_sched */
	/* mode tls settings (kept, and saved, whatever the mode) */
	uint32_t session_lifetime; /**< s, lifetime of learned sessions and key names (86400) */
	uint32_t hello_timeout;    /**< s; 0: the global `set timeout hello` */
	uint8_t keyname_len;       /**< bytes of a ticket that name its key, 1..32 (16) */
	uint8_t server_id_len;     /**< 0: servers embed no ID; else 1..CP_SERVER_ID_MAX */
	bool psk_server_id;        /**< TLS 1.3 PSK identities carry the server ID too */
	struct cp_health health;
	struct cp_service_keys keys; /**< `keys service`: ticket-key policy */
};

/**
 * Side effects a command asks for beyond the config it leaves behind, for the
 * code that applies the config (`backend del ... reset`). Not saved, not
 * compared; cleared by whoever applies the config.
 */
#define CP_MAX_PENDING_RESETS 16
struct cp_pending {
	unsigned n_resets;
	struct {
		struct cp_ip vip, ip; /**< service VIP and backend address */
		uint16_t vport, port; /**< host byte order */
	} reset[CP_MAX_PENDING_RESETS]; /**< deleted backends whose flows are reset */
};

/** `set timeout syn|established|closing|reset|neigh|hello SECONDS`; hello: how long a
 *  mode-tls flow waits for the ClientHello before binding by round-robin */
struct cp_timeouts {
	uint32_t syn, established, closing, reset, neigh, hello;
};

/** `set limit flows|neigh-queue N`, `set snat-ports LOW-HIGH` */
struct cp_limits {
	uint32_t flows;
	uint32_t neigh_queue;
	uint16_t snat_port_low, snat_port_high;
};

/**
 * The whole configuration. Plain data: copy it, compare it, free nothing.
 * The grammar keeps it canonical: unused slots are zero, and backends are
 * grouped by service in service order (each pool a contiguous slice), so two
 * configs built by the same lines are equal bytes as well as equal fields.
 */
struct cp_config {
	struct cp_port ports[CP_MAX_PORTS];
	unsigned n_ports;
	struct cp_address addresses[CP_MAX_ADDRESSES];
	unsigned n_addresses;
	struct cp_route routes[CP_MAX_ROUTES];
	unsigned n_routes;
	struct cp_neigh neighs[CP_MAX_NEIGHS];
	unsigned n_neighs;
	struct cp_service services[CP_MAX_SERVICES];
	unsigned n_services;
	struct cp_backend backends[CP_MAX_BACKENDS];
	unsigned n_backends;
	struct cp_timeouts timeouts;
	struct cp_limits limits;
	struct cp_pending pending; /**< not part of the configuration proper */
	struct cp_keys_conf keys;  /**< `keys listen`: the ticket-key service */
};

/** Defaults: no ports or services; timeouts syn 5, established 900, closing 30, reset 5,
 *  neigh 300, hello 5 seconds; 1M (2^20) flows; 64 packets waiting per neighbour; snat ports 1024-65535. */
void cp_config_init(struct cp_config *cfg);

/** A service at @p vip:@p port with every default `service add` gives it
 *  (mode l4, nat two-arm, wrr, the tls settings, health off). */
void cp_service_init(struct cp_service *sv, const struct cp_ip *vip, uint16_t port);

/**
 * Apply one command line (the grammar of the config file and the CLI) to @p cfg.
 * The whole line is validated before anything changes: on error @p cfg is untouched.
 * @param err, err_len  receives a one-line reason on error
 * @return 0 or a negative errno
 */
int cp_config_apply_line(struct cp_config *cfg, const char *line, char *err, size_t err_len);

/**
 * Load a config file: cp_config_init() then every line in order; `#` starts a comment.
 * On error @p err reads "FILE:LINE: reason" and @p cfg is unspecified.
 */
int cp_config_load(struct cp_config *cfg, const char *path, char *err, size_t err_len);

/**
 * Like cp_config_load(), from an open stream; @p name stands for the file in
 * messages ("FILE:LINE: reason").
 */
int cp_config_load_stream(struct cp_config *cfg, FILE *in, const char *name, char *err,
			  size_t err_len);

/**
 * The checks that only make sense on a whole config, run by cp_config_load()
 * after the last line (and by whoever applies runtime commands to a copy):
 * at least one port; services need a client-facing port; every backend is
 * reached (connected subnet or route) through a server-facing port; gateways
 * and static neighbours sit on a connected subnet of their port; a full-NAT
 * service has an snat address on the port that reaches each backend; subnets
 * of different ports do not overlap.
 * @return 0, or -EINVAL with a one-line reason that names the objects involved
 */
int cp_config_validate(const struct cp_config *cfg, char *err, size_t err_len);

/**
 * Print @p cfg as commands that cp_config_load() turns back into an equal config,
 * in a canonical order: ports, addresses, routes, neighbours, every `set`
 * (defaults included, so the file means the same under other defaults), then
 * each service followed by its backends; every option is spelled out.
 * @return 0, -EINVAL if @p cfg is not one the grammar can build, -EIO on a write error
 */
int cp_config_save(const struct cp_config *cfg, FILE *out);

/**
 * Field-wise equality of the counted entries and the settings (what `save`
 * would print identically); unused slots and padding are not compared.
 */
bool cp_config_equal(const struct cp_config *a, const struct cp_config *b);

#endif /* CP_CONFIG_H */
