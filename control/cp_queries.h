/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the query and action commands (cp_command.query) hand their handlers:
 * the index of each argument in cp_args (fixed by the parameter lists in
 * cp_commands.c) and the keyword spellings, for the daemon's cp_query_fn
 * implementations. An argument left out has cp_args.set[i] false.
 */
#ifndef CP_QUERIES_H
#define CP_QUERIES_H

/** `help [COMMAND...]`: v[].rest / v[].u are the words (answered by cp_ctl). */
enum { ARG_Q_HELP_WORDS };

/** `show backends [VIP:PORT]`, `keys rotate [VIP:PORT]`: a service filter (ip, port). */
enum { ARG_Q_SERVICE };

/** `show stats [lcore]`: set when per-lcore figures are asked for. */
enum { ARG_Q_STATS_LCORE };

/** `show flows [service VIP:PORT] [backend IP:PORT] [client IP] [limit N]` */
enum { ARG_Q_FLOWS_SERVICE, ARG_Q_FLOWS_BACKEND, ARG_Q_FLOWS_CLIENT, ARG_Q_FLOWS_LIMIT };
/** Rows `show flows` prints when no limit is given, and the most it ever prints. */
#define CP_Q_FLOWS_LIMIT_DEFAULT 100u
#define CP_Q_FLOWS_LIMIT_MAX 100000u

/** `show sessions [VIP:PORT] [entries N]`, `show keynames [VIP:PORT] [entries N]`:
 *  counts only unless entries is set. */
enum { ARG_Q_TABLE_SERVICE, ARG_Q_TABLE_ENTRIES };
#define CP_Q_ENTRIES_MAX 100000u

/** `set log level LEVEL`: v[].u indexes cp_log_level_words, which is the syslog
 *  priority (0 emerg .. 7 debug); DPDK's RTE_LOG_* level is that plus one. */
enum { ARG_Q_LOG_LEVEL };
extern const char *const cp_log_level_words[];

#endif /* CP_QUERIES_H */
