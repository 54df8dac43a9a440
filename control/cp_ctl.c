/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dispatcher. A config command never touches the running config until
 * everything said yes: handler, whole-config checks, and the daemon's apply
 * hook. Two config buffers swap roles so a change costs one copy.
 */
#include "cp_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_lexer.h"
#include "cp_queries.h"

struct cp_ctl {
	struct cp_config *running;
	struct cp_config *next; /* scratch for the command being run */
	struct cp_ctl_ops ops;
};

struct cp_ctl *
cp_ctl_create(const struct cp_config *initial, const struct cp_ctl_ops *ops)
{
	struct cp_ctl *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->running = malloc(sizeof(*c->running));
	c->next = malloc(sizeof(*c->next));
	if (c->running == NULL || c->next == NULL) {
		cp_ctl_free(c);
		return NULL;
	}
	memcpy(c->running, initial, sizeof(*c->running));
	/* Side effects asked for by whoever built @initial are not ours to replay. */
	memset(&c->running->pending, 0, sizeof(c->running->pending));
	if (ops != NULL)
		c->ops = *ops;
	return c;
}

void
cp_ctl_free(struct cp_ctl *c)
{
	if (c == NULL)
		return;
	free(c->running);
	free(c->next);
	free(c);
}

const struct cp_config *
cp_ctl_config(const struct cp_ctl *c)
{
	return c->running;
}

/* words[0..n) joined by single spaces: the line as the log shows it, comment dropped. */
static void
join(const char *const *words, unsigned n, char *buf, size_t len)
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "", words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int
run_config(struct cp_ctl *c, const struct cp_command *cmd, const struct cp_args *args,
	   const struct cp_words *words, struct cp_err *e)
{
	char line[CP_LINE_MAX + 32];
	struct cp_config *tmp;
	int rc;

	memcpy(c->next, c->running, sizeof(*c->next));
	rc = cmd->handler(c->next, args, e);
	if (rc < 0)
		return rc;
	rc = cp_config_validate(c->next, e->buf, e->len);
	if (rc < 0)
		return rc;
	if (c->ops.apply != NULL) {
		rc = c->ops.apply(c->ops.ctx, c->next, e);
		if (rc < 0)
			return rc;
	}
	/* Applied: the pending side effects were acted on and must not be replayed. */
	memset(&c->next->pending, 0, sizeof(c->next->pending));
	tmp = c->running;
	c->running = c->next;
	c->next = tmp;
	if (c->ops.log != NULL) {
		char logline[sizeof(line) + 32];

		join(words->w, words->n, line, sizeof(line));
		snprintf(logline, sizeof(logline), "config applied: %s", line);
		c->ops.log(c->ops.ctx, logline);
	}
	return 0;
}

static int
run_save(struct cp_ctl *c, struct cp_reply *out, struct cp_err *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (f == NULL)
		return cp_errf(e, ENOMEM, "out of memory");
	rc = cp_config_save(c->running, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0)
		cp_reply_textf(out, "config", "%s", text);
	else
		cp_errf(e, -rc, "the running config cannot be printed (%d)", rc);
	free(text);
	return rc;
}

/* Whether the first words of @name are @words (as many as either has). */
static bool
help_matches(const char *name, const char *const *words, unsigned n)
{
	const char *p = name;
	unsigned i;

	for (i = 0; i < n; i++) {
		size_t len = strcspn(p, " ");

		if (strlen(words[i]) != len || strncmp(words[i], p, len) != 0)
			return false;
		if (p[len] == '\0')
			return true; /* the rest are arguments: `help backend add VIP:PORT` */
		p += len + 1;
	}
	return true;
}

static int
run_help(const struct cp_args *args, struct cp_reply *out, struct cp_err *e)
{
	const struct cp_value *v = &args->v[ARG_Q_HELP_WORDS];
	const char *const *words = args->set[ARG_Q_HELP_WORDS] ? v->rest : NULL;
	unsigned n_words = words != NULL ? v->u : 0;
	size_t n, i;
	const struct cp_command *t = cp_commands(&n);
	unsigned found = 0, n_name;

	for (i = 0; i < n; i++) {
		if (!help_matches(t[i].name, words, n_words))
			continue;
		cp_reply_textf(out, "help", "%s%s%s\n    %s\n", t[i].name, t[i].args[0] ? " " : "",
			       t[i].args, t[i].help);
		found++;
	}
	if (found > 0)
		return 0;
	/* Nothing starts so: the table's own "did you mean" says what does. */
	if (cp_command_find(words, n_words, &n_name, e) == NULL)
		return -EINVAL;
	return cp_errf(e, EINVAL, "no command matches");
}

int
cp_ctl_exec(struct cp_ctl *c, const char *line, struct cp_reply *out, struct cp_err *e)
{
	const struct cp_command *cmd;
	const struct cp_query_hook *hook;
	struct cp_words *words;
	struct cp_err no_reason = { 0 };
	struct cp_args args;
	unsigned n_name;
	int rc;

	if (e == NULL)
		e = &no_reason;
	/* A cp_words is over 1 KiB and the control thread may run on a small stack. */
	words = malloc(sizeof(*words));
	if (words == NULL)
		return cp_errf(e, ENOMEM, "out of memory");
	rc = cp_lex(line, words, e);
	if (rc < 0 || words->n == 0)
		goto out;
	cmd = cp_command_find(words->w, words->n, &n_name, e);
	if (cmd == NULL) {
		rc = -EINVAL;
		goto out;
	}
	rc = cp_args_match(cmd->params, words->w + n_name, words->n - n_name, &args, e);
	if (rc < 0)
		goto prefixed;

	if (cmd->query == CP_Q_NONE) {
		rc = run_config(c, cmd, &args, words, e);
	} else if (cmd->query == CP_Q_SAVE) {
		rc = run_save(c, out, e);
	} else if (cmd->query == CP_Q_HELP) {
		rc = run_help(&args, out, e);
	} else {
		hook = cmd->query < CP_Q__COUNT ? &c->ops.query[cmd->query] : NULL;
		if (hook == NULL || hook->fn == NULL)
			rc = cp_errf(e, ENOTSUP, "not available in this build");
		else
			rc = hook->fn(hook->ctx, c->running, &args, out, e);
	}
	if (rc >= 0) {
		rc = 0;
		goto out;
	}
prefixed:
	cp_err_prefix(e, -rc, "%s: ", cmd->name);
out:
	free(words);
	return rc;
}
