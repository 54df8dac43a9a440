/* SPDX-License-Identifier: BSD-3-Clause */
/* `help` and completion, both read from control's command table. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_err.h"
#include "cp_lexer.h"
#include "ctl.h"

#define WRAP_COLUMN 78
#define HELP_INDENT 6

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

static void
wrap(FILE *out, const char *text)
{
	unsigned col = HELP_INDENT;

	fprintf(out, "%*s", HELP_INDENT, "");
	while (*text != '\0') {
		size_t len = strcspn(text, " ");

		if (col > HELP_INDENT && col + 1 + len > WRAP_COLUMN) {
			fprintf(out, "\n%*s", HELP_INDENT, "");
			col = HELP_INDENT;
		} else if (col > HELP_INDENT) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, len, out);
		col += (unsigned)len;
		text += len;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void
print_command(FILE *out, const struct cp_command *c, bool json, bool first)
{
	char syn[512];

	synopsis(c, syn, sizeof(syn));
	if (json) {
		fputs(first ? "" : ",", out);
		fputs("{\"command\":", out);
		json_string(out, c->name);
		fputs(",\"synopsis\":", out);
		json_string(out, syn);
		fputs(",\"help\":", out);
		json_string(out, c->help != NULL ? c->help : "");
		fputc('}', out);
		return;
	}
	fprintf(out, "  %s%s%s\n", c->name, syn[0] != '\0' ? " " : "", syn);
	if (c->help != NULL)
		wrap(out, c->help);
}

int
ctl_help(FILE *out, const char *const *words, unsigned n_words, bool json, char *err,
	 size_t err_len)
{
	struct cp_err e = { .buf = err, .len = err_len };
	const struct cp_command *c;
	unsigned shown = 0, n_name;
	size_t i;

	/* The commands whose names start with all the words (all of them without words). */
	for (i = 0; (c = command_at(i)) != NULL; i++) {
		bool whole;

		if (name_prefix(c->name, words, n_words, &whole) != n_words)
			continue;
		if (shown == 0 && json)
			fputs("{\"commands\":[", out);
		else if (shown == 0 && n_words == 0)
			fputs("commands (help COMMAND for fewer):\n", out);
		print_command(out, c, json, shown == 0);
		shown++;
	}
	if (shown == 0) {
		/* Words past a whole command name: its arguments, as the daemon reads them. */
		c = cp_command_find(words, n_words, &n_name, &e);
		if (c == NULL)
			return -EINVAL;
		if (json)
			fputs("{\"commands\":[", out);
		print_command(out, c, json, true);
		shown = 1;
	}
	if (json)
		fputs("]}\n", out);
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

	/* Positional values first, in order. */
	for (i = 0; params[i].type != CP_P_END && params[i].key == NULL; i++) {
		if (a == n_args) {
			offer_keywords(em, &params[i]);
			return;
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
