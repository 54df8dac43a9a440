/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_metrics.h"
#include "dp_view.h"

/* A growing text buffer; a failed allocation sticks. */
struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool reserve(struct text *t, size_t more)
{
	size_t cap;
	char *p;

	if (t->oom)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	cap = t->cap ? t->cap : 16384;
	while (cap < t->len + more + 1)
		cap *= 2;
	p = realloc(t->p, cap);
	if (p == NULL) {
		t->oom = true;
		return false;
	}
	t->p = p;
	t->cap = cap;
	return true;
}

static void put(struct text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void __attribute__((format(printf, 2, 3))) putf(struct text *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if ((size_t)n < sizeof(buf)) {
		put(t, buf, (size_t)n);
		return;
	}
	if (!reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Label values escape backslash, double quote and newline; HELP text only
 * backslash and newline (exposition format 0.0.4). */
static void put_escaped(struct text *t, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(t, "\\\\", 2);
		else if (*s == '\n')
			put(t, "\\n", 2);
		else if (quote && *s == '"')
			put(t, "\\\"", 2);
		else
			put(t, s, 1);
	}
}

static void family(void *ctx, const struct dp_view_family *f)
{
	struct text *t = ctx;

	putf(t, "# HELP %s ", f->name);
	put_escaped(t, f->help, false);
	putf(t, "\n# TYPE %s %s\n", f->name, f->gauge ? "gauge" : "counter");
}

static void sample(void *ctx, const struct dp_view_sample *s)
{
	struct text *t = ctx;
	unsigned i;

	put(t, s->fam->name, strlen(s->fam->name));
	for (i = 0; i < DP_VIEW_LABELS_MAX && s->fam->labels[i]; i++) {
		putf(t, "%s%s=\"", i ? "," : "{", s->fam->labels[i]);
		put_escaped(t, s->label[i] ? s->label[i] : "", true);
		put(t, "\"", 1);
	}
	putf(t, "%s %" PRIu64 "\n", i ? "}" : "", s->value);
}

int dp_metrics_render(struct dp_view *v, char **out, size_t *len)
{
	struct text t = { 0 };
	struct dp_stats *st = malloc(sizeof(*st));

	if (st == NULL)
		return -ENOMEM;
	dp_view_stats(v, -1, st);
	reserve(&t, 0);
	dp_view_walk(v, st,
		     1u << DP_VIEW_SCOPE_GLOBAL | 1u << DP_VIEW_SCOPE_SERVICE |
			     1u << DP_VIEW_SCOPE_BACKEND,
		     family, sample, &t);
	free(st);
	if (t.oom) {
		free(t.p);
		return -ENOMEM;
	}
	*out = t.p;
	*len = t.len;
	return 0;
}
