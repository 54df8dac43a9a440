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
enum { ARG_BE_SVC, ARG_BE_EP, ARG_BE_WEIGHT };
enum { ARG_SET_TIMEOUT_KIND, ARG_SET_TIMEOUT_SECS };
enum { ARG_SET_VALUE };

/* Defaults that are also argument defaults. */
#define CP_DEFAULT_WEIGHT 1u

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
cp_handler_fn cp_cmd_set_timeout;
cp_handler_fn cp_cmd_set_limit_flows;
cp_handler_fn cp_cmd_set_limit_neigh_queue;
cp_handler_fn cp_cmd_set_snat_ports;

/* Index of the port named @name, or -1. */
int cp_port_index(const struct cp_config *cfg, const char *name);

/* Index of the service at @vip:@port, or -1. */
int cp_service_index(const struct cp_config *cfg, const struct cp_ip *vip, uint16_t port);

/* Index of the address @ip, or -1. */
int cp_address_index(const struct cp_config *cfg, const struct cp_ip *ip);

/* Remove element @i of an array of @n elements of @size bytes; the freed slot is zeroed. */
void cp_array_remove(void *base, size_t size, unsigned *n, unsigned i);

#endif /* CP_HANDLERS_H */
