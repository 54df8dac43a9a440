/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's one entry point for a command line, whatever brought it
 * (the Unix socket, a test): lex, find the command in the table, match its
 * arguments, then
 *  - a config command: run its handler on a COPY of the running config,
 *    check the whole copy (cp_config_validate()), hand it to the daemon's
 *    apply hook, and only when that succeeds make the copy the running config
 *    (and log "config applied: LINE"). Any failure leaves everything as it was;
 *  - a query or action (cp_command.query): `save` and `help` are answered
 *    here; the others call the daemon's handler for that id, which fills the
 *    reply (a missing handler answers -ENOTSUP "not available in this build").
 *
 * Not thread-safe: one control thread owns a cp_ctl.
 */
#ifndef CP_CTL_H
#define CP_CTL_H

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_config.h"
#include "cp_err.h"
#include "cp_reply.h"

/**
 * A query or action handler.
 * @param ctx      its cp_query_hook.ctx
 * @param running  the running configuration
 * @param args     the command's arguments, indexed like its parameters
 * @return 0, or a negative errno with a one-line reason in @p e
 */
typedef int cp_query_fn(void *ctx, const struct cp_config *running, const struct cp_args *args,
			struct cp_reply *out, struct cp_err *e);

/** A handler and its own context (views, key manager: each their own object). */
struct cp_query_hook {
	cp_query_fn *fn;
	void *ctx;
};

/** What the daemon plugs in. */
struct cp_ctl_ops {
	void *ctx;
	/**
	 * Make @p next (already validated) the dataplane's configuration, acting
	 * on next->pending too. All or nothing: on error nothing changed.
	 * NULL: config commands only change the model (tests, offline tools).
	 */
	int (*apply)(void *ctx, const struct cp_config *next, struct cp_err *e);
	struct cp_query_hook query[CP_Q__COUNT];
	/** A line for the log per applied change; NULL: not logged. */
	void (*log)(void *ctx, const char *line);
};

struct cp_ctl;

/** @param initial  the config the daemon started from (copied) */
struct cp_ctl *cp_ctl_create(const struct cp_config *initial, const struct cp_ctl_ops *ops);
void cp_ctl_free(struct cp_ctl *c);

/**
 * Run one command line.
 * @return 0 with the answer in @p out, or a negative errno with a one-line
 *         reason in @p e (prefixed by the command name when one was found)
 */
int cp_ctl_exec(struct cp_ctl *c, const char *line, struct cp_reply *out, struct cp_err *e);

/** The running configuration. */
const struct cp_config *cp_ctl_config(const struct cp_ctl *c);

#endif /* CP_CTL_H */
