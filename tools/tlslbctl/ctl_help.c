/* SPDX-License-Identifier: BSD-3-Clause */
/* `help` and completion, both read from control's command table. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_err.h"
#include "cp_lexer.h"
#include "ctl.h"

/* `help` itself, for a table that does not list it: tlslbctl answers it anyway. */
static const struct cp_param help_params[] = {
	{ .type = CP_P_END },
};
static const struct cp_command local_help = {
	.name = "help",
	.args = "[COMMAND...]",
	.help = "show every command, or those whose name starts with COMMAND (works without "
		"a daemon)",
	.params = help_params,
	.query = CP_Q_HELP,
};

/* The table's commands, then the local ones it lacks; NULL after the last. */
static const struct cp_command *
command_at(size_t i)
{
	size_t n, j;
	const struct cp_command *t = cp_commands(&n);

	if (i < n)
		return &t[i];
	if (i > n)
		return NULL;
	for (j = 0; j < n; j++)
		if (strcmp(t[j].name, "help") == 0)
			return NULL;
	return &local_help;
}

static void
synopsis(const struct cp_command *c, char *buf, size_t len)
{
	if (c == &local_help || c->params == NULL)
		snprintf(buf, len, "%s", c->args != NULL ? c->args : "");
	else
		cp_args_synopsis(c->params, buf, len);
}

/* How many of @words the name of @c starts with, as whole words. */
static unsigned
name_prefix(const char *name, const char *const *words, unsigned n_words, bool *whole_name)
{
	const char *p = name;
	unsigned i;

	*whole_name = false;
	for (i = 0; i < n_words; i++) {
		size_t len = strcspn(p, " ");

		if (strlen(words[i]) != len || strncmp(words[i], p, len) != 0)
			return i;
		if (p[len] == '\0') {
			*whole_name = true;
			return i + 1;
		}
		p += len + 1;
	}
	return i;
}

/*
 * `help WORDS` shows the commands whose name starts with WORDS, or the one
 * command whose whole name WORDS start with (the rest being its arguments):
 * the rule cp_ctl applies in the daemon, so both answer alike.
 */
static bool
help_matches(const char *name, const char *const *words, unsigned n_words)
{
	bool whole;
	unsigned m = name_prefix(name, words, n_words, &whole);

	return m == n_words || whole;
}

/* The JSON string escapes of cp_reply's renderer, for the table's ASCII text. */
static void
json_string(FILE *out, const char *s, size_t n)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

int
ctl_help(FILE *out, const char *const *words, unsigned n_words, bool json, char *err,
	 size_t err_len)
{
	struct cp_err e = { .buf = err, .len = err_len };
	const struct cp_command *c;
	unsigned shown = 0, n_name;
	char *text = NULL;
	size_t text_len = 0;
	FILE *t;
	size_t i;

	t = open_memstream(&text, &text_len);
	if (t == NULL)
		return cp_errf(&e, ENOMEM, "out of memory");
	/* What cp_ctl puts in its "help" text block, command by command. */
	for (i = 0; (c = command_at(i)) != NULL; i++) {
		char syn[512];

		if (!help_matches(c->name, words, n_words))
			continue;
		synopsis(c, syn, sizeof(syn));
		fprintf(t, "%s%s%s\n    %s\n", c->name, syn[0] != '\0' ? " " : "", syn,
			c->help != NULL ? c->help : "");
		shown++;
	}
	fclose(t);
	if (shown == 0) {
		free(text);
		/* Nothing starts so: the table's own "did you mean" says what does. */
		if (cp_command_find(words, n_words, &n_name, &e) == NULL)
			return -EINVAL;
		return cp_errf(&e, EINVAL, "no command matches");
	}
	/* Rendered as cp_reply renders one text block: as is, or {"help": text}. */
	if (json) {
		fputs("{\"help\":", out);
		json_string(out, text, text_len);
		fputs("}\n", out);
	} else {
		fwrite(text, 1, text_len, out);
	}
	free(text);
	return 0;
}

/* ---- completion ---------------------------------------------------------- */

struct emitter {
	void (*emit)(void *ctx, const char *candidate);
	void *ctx;
	const char *cur;
	char seen[64][64]; /* candidates already given, to give each once */
	unsigned n_seen;
};

static void
offer(struct emitter *em, const char *cand, size_t len)
{
	char word[64];
	unsigned i;

	if (len >= sizeof(word))
		return;
	memcpy(word, cand, len);
	word[len] = '\0';
	if (strncmp(word, em->cur, strlen(em->cur)) != 0)
		return;
	for (i = 0; i < em->n_seen; i++)
		if (strcmp(em->seen[i], word) == 0)
			return;
	if (em->n_seen < sizeof(em->seen) / sizeof(em->seen[0]))
		memcpy(em->seen[em->n_seen++], word, len + 1);
	em->emit(em->ctx, word);
}

/* The next word of every command name that @words begin. */
static void
complete_name(struct emitter *em, const char *const *words, unsigned n_words)
{
	const struct cp_command *c;
	size_t i;

	for (i = 0; (c = command_at(i)) != NULL; i++) {
		bool whole;
		const char *p = c->name;
		unsigned k;

		if (name_prefix(c->name, words, n_words, &whole) != n_words || whole)
			continue;
		for (k = 0; k < n_words; k++)
			p += strcspn(p, " ") + 1;
		offer(em, p, strcspn(p, " "));
	}
}

static void
offer_keywords(struct emitter *em, const struct cp_param *p)
{
	unsigned i;

	if (p->type != CP_P_KEYWORD || p->words == NULL)
		return;
	for (i = 0; p->words[i] != NULL; i++)
		offer(em, p->words[i], strlen(p->words[i]));
}

static int
find_key(const struct cp_param *params, const char *word)
{
	int i;

	for (i = 0; params[i].type != CP_P_END; i++)
		if (params[i].key != NULL && strcmp(params[i].key, word) == 0)
			return i;
	return -1;
}

/* After a whole command name: what may come after the arguments @args. */
static void
complete_args(struct emitter *em, const struct cp_param *params, const char *const *args,
	      unsigned n_args)
{
	bool used[CP_PARAMS_MAX] = { false };
	unsigned a = 0;
	int i;

	/*
	 * Positional values first, in order; an optional one may be left out
	 * before an option key, so at its place the keys are offered too.
	 */
	for (i = 0; params[i].type != CP_P_END && params[i].key == NULL; i++) {
		if (params[i].optional && a < n_args && find_key(params, args[a]) >= 0)
			break;
		if (a == n_args) {
			offer_keywords(em, &params[i]);
			if (!params[i].optional)
				return;
			break;
		}
		a++;
	}
	/* Then `key [value]` options in any order. */
	while (a < n_args) {
		int k = find_key(params, args[a]);

		a++;
		if (k < 0)
			continue; /* a word the daemon will refuse; keep offering the rest */
		used[k] = true;
		if (params[k].type == CP_P_FLAG)
			continue;
		if (a == n_args) {
			offer_keywords(em, &params[k]);
			return;
		}
		a++;
	}
	for (i = 0; params[i].type != CP_P_END; i++)
		if (params[i].key != NULL && !used[i])
			offer(em, params[i].key, strlen(params[i].key));
}

void
ctl_complete(const char *const *words, unsigned n_words,
	     void (*emit)(void *ctx, const char *candidate), void *ctx)
{
	struct emitter em = { .emit = emit, .ctx = ctx };
	const struct cp_command *c;
	unsigned n_prev, n_name;
	struct cp_err quiet = { 0 };

	if (n_words == 0)
		em.cur = "";
	else
		em.cur = words[n_words - 1];
	n_prev = n_words > 0 ? n_words - 1 : 0;
	/* `help` takes command names. */
	if (n_prev > 0 && strcmp(words[0], "help") == 0) {
		complete_name(&em, words + 1, n_prev - 1);
		return;
	}
	complete_name(&em, words, n_prev);
	if (n_prev == 0)
		return;
	c = cp_command_find(words, n_prev, &n_name, &quiet);
	if (c != NULL && c->params != NULL)
		complete_args(&em, c->params, words + n_name, n_prev - n_name);
}
