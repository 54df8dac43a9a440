/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to control/: the handlers behind the command table, the indices of
 * their arguments (fixed by the parameter lists in cp_commands.c), the keyword
 * spellings shared with `save`, and lookups the handlers and the cross-line
 * checks share.
 */
#ifndef CP_HANDLERS_H
#define CP_HANDLERS_H

#include "cp_commands.h"

/* Keyword spellings, NULL-terminated, indexed by the enum values of cp_config.h. */
extern const char *const cp_role_words[];    /* index = role - 1 */
extern const char *const cp_mode_words[];    /* enum cp_mode */
extern const char *const cp_nat_words[];     /* enum cp_nat */
extern const char *const cp_sched_words[];   /* enum cp_sched */
extern const char *const cp_timeout_words[]; /* enum cp_timeout_kind */
extern const char *const cp_onoff_words[];   /* 0 off, 1 on */

enum cp_timeout_kind { CP_TO_SYN, CP_TO_ESTABLISHED, CP_TO_CLOSING, CP_TO_RESET, CP_TO_NEIGH, CP_TO_HELLO };

/* Argument indices, per command. */
enum { ARG_PORT_NAME, ARG_PORT_DEV, ARG_PORT_ROLE };
enum { ARG_ADDR_PREFIX, ARG_ADDR_PORT, ARG_ADDR_SNAT };
enum { ARG_ADDR_DEL_IP };
enum { ARG_ROUTE_PREFIX, ARG_ROUTE_VIA, ARG_ROUTE_PORT };
enum { ARG_ROUTE_DEL_PREFIX };
enum { ARG_NEIGH_IP, ARG_NEIGH_MAC, ARG_NEIGH_PORT };
enum { ARG_NEIGH_DEL_IP };
enum { ARG_SVC_EP, ARG_SVC_MODE, ARG_SVC_NAT, ARG_SVC_SCHED };
enum { ARG_SVC_DEL_EP };
/* backend add uses up to NAME, backend set up to SERVER_ID */
enum { ARG_BE_SVC, ARG_BE_EP, ARG_BE_WEIGHT, ARG_BE_NAME, ARG_BE_SERVER_ID };
enum { ARG_BE_DEL_RESET = ARG_BE_EP + 1 };
enum { ARG_BE_DRAIN_RESUME = ARG_BE_EP + 1 };
enum {
	ARG_SVCSET_EP,
	ARG_SVCSET_MODE,
	ARG_SVCSET_SCHED,
	ARG_SVCSET_LIFETIME,
	ARG_SVCSET_HELLO_TIMEOUT,
	ARG_SVCSET_KEYNAME_LEN,
	ARG_SVCSET_SERVER_ID_LEN,
	ARG_SVCSET_PSK_SERVER_ID,
};
enum {
	ARG_HEALTH_EP,
	ARG_HEALTH_STATE,
	ARG_HEALTH_INTERVAL,
	ARG_HEALTH_TIMEOUT,
	ARG_HEALTH_RISE,
	ARG_HEALTH_FALL,
};
enum { ARG_SET_TIMEOUT_KIND, ARG_SET_TIMEOUT_SECS };
enum { ARG_SET_VALUE };

/* Defaults that are also argument defaults. */
#define CP_DEFAULT_WEIGHT 1u
#define CP_DEFAULT_SESSION_LIFETIME 86400u
#define CP_DEFAULT_KEYNAME_LEN 16u
#define CP_DEFAULT_HEALTH_INTERVAL_MS 2000u
#define CP_DEFAULT_HEALTH_TIMEOUT_MS 1000u
#define CP_DEFAULT_HEALTH_RISE 2u
#define CP_DEFAULT_HEALTH_FALL 3u

cp_handler_fn cp_cmd_port_add;
cp_handler_fn cp_cmd_address_add;
cp_handler_fn cp_cmd_address_del;
cp_handler_fn cp_cmd_route_add;
cp_handler_fn cp_cmd_route_del;
cp_handler_fn cp_cmd_neigh_add;
cp_handler_fn cp_cmd_neigh_del;
cp_handler_fn cp_cmd_service_add;
cp_handler_fn cp_cmd_service_del;
cp_handler_fn cp_cmd_backend_add;
cp_handler_fn cp_cmd_backend_del;
cp_handler_fn cp_cmd_backend_set;
cp_handler_fn cp_cmd_backend_drain;
cp_handler_fn cp_cmd_backend_undrain;
cp_handler_fn cp_cmd_backend_disable;
cp_handler_fn cp_cmd_backend_enable;
cp_handler_fn cp_cmd_service_set;
cp_handler_fn cp_cmd_service_health;
cp_handler_fn cp_cmd_set_timeout;
cp_handler_fn cp_cmd_set_limit_flows;
cp_handler_fn cp_cmd_set_limit_neigh_queue;
cp_handler_fn cp_cmd_set_snat_ports;

/* Index of the port named @name, or -1. */
int cp_port_index(const struct cp_config *cfg, const char *name);

/* Index of the service at @vip:@port, or -1. */
int cp_service_index(const struct cp_config *cfg, const struct cp_ip *vip, uint16_t port);

/* Index of the service named by @v (an endpoint), or -ENOENT with the reason in @e. */
int cp_service_ref(const struct cp_config *cfg, const struct cp_value *v, struct cp_err *e);

/* Index of the backend @v (an endpoint) in service @svc, or -1. */
int cp_backend_index(const struct cp_config *cfg, unsigned svc, const struct cp_value *v);

/* Index of the backend named by @svc_v and @be_v, or -ENOENT with the reason in @e. */
int cp_backend_ref(const struct cp_config *cfg, const struct cp_value *svc_v,
		   const struct cp_value *be_v, struct cp_err *e);

/* Whether the first @len bytes of @id are all zero (a backend without a server ID). */
bool cp_server_id_none(const uint8_t *id, unsigned len);

/*
 * The per-entry settings of services and backends are in range and consistent
 * (what the handlers guarantee; configs built by hand may not). Indices must
 * have been checked. @return 0 or -EINVAL with the reason in @e.
 */
int cp_check_settings(const struct cp_config *cfg, struct cp_err *e);

/* Index of the address @ip, or -1. */
int cp_address_index(const struct cp_config *cfg, const struct cp_ip *ip);

/* Remove element @i of an array of @n elements of @size bytes; the freed slot is zeroed. */
void cp_array_remove(void *base, size_t size, unsigned *n, unsigned i);

#endif /* CP_HANDLERS_H */
