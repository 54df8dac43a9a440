/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to control/: the `keys ...` commands of the grammar (ticket-key
 * service, per-service key policy, key agents of backends), their argument
 * indices (fixed by the parameter lists in cp_commands.c), and their part of
 * save and of the config comparison.
 */
#ifndef CP_CMD_KEYS_H
#define CP_CMD_KEYS_H

#include <stdbool.h>
#include <stdio.h>

#include "cp_commands.h"

/* Keyword spellings, NULL-terminated. */
extern const char *const cp_keys_policy_words[]; /* enum cp_keys_policy */
extern const char *const cp_keys_format_words[]; /* enum cp_keys_format - 1 */
extern const char *const cp_keys_aes_words[];    /* "128", "256" */

enum { ARG_KL_EP, ARG_KL_CA, ARG_KL_CERT, ARG_KL_KEY, ARG_KL_STATE };
enum { ARG_KS_SVC, ARG_KS_POLICY, ARG_KS_ROTATE, ARG_KS_LIFETIME, ARG_KS_RETAIN, ARG_KS_AES };
enum { ARG_KA_SVC, ARG_KA_BE, ARG_KA_CN, ARG_KA_FORMAT, ARG_KA_OFF };
enum { ARG_KR_SVC };

cp_handler_fn cp_cmd_keys_listen;
cp_handler_fn cp_cmd_keys_service;
cp_handler_fn cp_cmd_keys_agent;

/* Print the keys commands of @cfg (after services and backends). */
void cp_keys_conf_save(const struct cp_config *cfg, FILE *out);

/* Whether the keys settings of @a and @b are equal (save would print the same). */
bool cp_keys_conf_equal(const struct cp_config *a, const struct cp_config *b);

#endif /* CP_CMD_KEYS_H */
