/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The command table: every command of the grammar, with its argument
 * synopsis, its handler and a help line. The config file, the CLI and `help`
 * all go through this one table.
 */
#ifndef CP_COMMANDS_H
#define CP_COMMANDS_H

#include <stddef.h>

#include "cp_args.h"
#include "cp_config.h"
#include "cp_err.h"

/**
 * Applies one parsed command to @p cfg. Checks everything first, and changes
 * @p cfg only when it returns 0.
 * @return 0 or a negative errno (-EINVAL, -EEXIST, -ENOENT, -ENOSPC) with the
 *         reason in @p e, not prefixed by the command name
 */
typedef int cp_handler_fn(struct cp_config *cfg, const struct cp_args *args, struct cp_err *e);

/**
 * Commands that do not change the configuration: views of the running daemon
 * and actions on it. The control plane (cp_ctl.h) runs them through handlers
 * the daemon provides, so this table (and `help`) stays free of the dataplane.
 */
enum cp_query {
	CP_Q_NONE = 0,        /**< a config command: cp_command.handler */
	CP_Q_SAVE,            /**< `save`: answered by cp_ctl itself */
	CP_Q_HELP,            /**< `help [COMMAND...]`: answered by cp_ctl itself */
	CP_Q_SHOW_SERVICES,
	CP_Q_SHOW_BACKENDS,
	CP_Q_SHOW_STATS,
	CP_Q_SHOW_FLOWS,
	CP_Q_SHOW_SESSIONS,
	CP_Q_SHOW_KEYNAMES,
	CP_Q_SHOW_NEIGHBOURS,
	CP_Q_SHOW_VERSION,
	CP_Q_SHOW_METRICS,
	CP_Q_SHOW_KEYS,
	CP_Q_KEYS_ROTATE,
	CP_Q_CLEAR_COUNTERS,
	CP_Q_SET_LOG_LEVEL,
	CP_Q__COUNT
};

/** One command of the grammar. */
struct cp_command {
	const char *name; /**< command path, words separated by one space: "service add" */
	const char *args; /**< synopsis of the arguments: "VIP:PORT [weight N]" */
	cp_handler_fn *handler; /**< config commands; NULL when query is set */
	const char *help;              /**< one line, for `help` */
	const struct cp_param *params; /**< the synopsis as data, CP_P_END-terminated */
	enum cp_query query;           /**< CP_Q_NONE for config commands */
};

/**
 * The command table.
 * @param n  receives the number of entries
 */
const struct cp_command *cp_commands(size_t *n);

/**
 * Find the command that @p words start with.
 * @param n_name  receives how many of @p words name the command
 * @return the command, or NULL with a reason in @p e that names the closest
 *         commands when the words look like a typo or an incomplete command
 */
const struct cp_command *cp_command_find(const char *const *words, unsigned n_words,
					 unsigned *n_name, struct cp_err *e);

#endif /* CP_COMMANDS_H */
