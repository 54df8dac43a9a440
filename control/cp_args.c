/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_parse.h"

/* "IP:PORT", or "l4|tls" for a keyword without a placeholder. */
static const char *
meta_of(const struct cp_param *p, char *buf, size_t len)
{
	size_t used = 0;
	unsigned i;

	if (p->meta != NULL || p->type != CP_P_KEYWORD)
		return p->meta != NULL ? p->meta : "";
	buf[0] = '\0';
	for (i = 0; p->words[i] != NULL && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? "|" : "", p->words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Pairs of hex digits, p->min..p->max bytes; "none" is zero bytes when p->min allows it. */
static int
parse_hex(const struct cp_param *p, const char *word, struct cp_value *v, struct cp_err *e)
{
	size_t n = strlen(word);
	size_t i;

	if (p->min == 0 && strcmp(word, "none") == 0) {
		v->u = 0;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (hex_digit(word[i]) < 0)
			return cp_errf(e, EINVAL, "'%c' is not a hex digit", word[i]);
	if (n % 2 != 0)
		return cp_errf(e, EINVAL, "odd number of hex digits");
	if (n / 2 < (p->min ? p->min : 1) || n / 2 > p->max || n / 2 > CP_HEX_MAX)
		return cp_errf(e, EINVAL, "%zu bytes, expected %u..%u%s", n / 2,
			       p->min ? p->min : 1, p->max, p->min == 0 ? " or none" : "");
	for (i = 0; i < n / 2; i++)
		v->hex[i] = (uint8_t)(hex_digit(word[2 * i]) << 4 | hex_digit(word[2 * i + 1]));
	v->u = (uint32_t)(n / 2);
	return 0;
}

static int
parse_value(const struct cp_param *p, const char *word, struct cp_value *v, struct cp_err *e)
{
	/* Names are only checked here; cp_value keeps the word and the handler copies it. */
	char scratch[CP_DEV_MAX];
	unsigned idx;

	memset(v, 0, sizeof(*v));
	switch (p->type) {
	case CP_P_NAME:
		v->str = word;
		return cp_parse_name(word, scratch, CP_NAME_MAX, e);
	case CP_P_DEV:
		v->str = word;
		return cp_parse_dev(word, scratch, CP_DEV_MAX, e);
	case CP_P_IP:
		return cp_parse_ipv4(word, &v->ip, e);
	case CP_P_PREFIX:
		return cp_parse_prefix(word, &v->ip, &v->plen, e);
	case CP_P_ENDPOINT:
		return cp_parse_endpoint(word, &v->ip, &v->port, e);
	case CP_P_MAC:
		return cp_parse_mac(word, v->mac, e);
	case CP_P_UINT:
		return cp_parse_uint(word, p->min, p->max, &v->u, e);
	case CP_P_RANGE:
		return cp_parse_range(word, p->min, p->max, &v->lo, &v->hi, e);
	case CP_P_KEYWORD:
		if (cp_parse_keyword(word, p->words, &idx, e) < 0)
			return -EINVAL;
		v->u = idx;
		return 0;
	case CP_P_HEX:
		return parse_hex(p, word, v, e);
	case CP_P_FLAG:
	case CP_P_REST:
	case CP_P_END:
		break;
	}
	v->u = 1;
	return 0;
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

static int
unexpected(const struct cp_param *params, const char *word, struct cp_err *e)
{
	char keys[128];
	size_t used = 0;
	unsigned i;

	keys[0] = '\0';
	for (i = 0; params[i].type != CP_P_END && used < sizeof(keys); i++) {
		int w;

		if (params[i].key == NULL)
			continue;
		w = snprintf(keys + used, sizeof(keys) - used, "%s%s", used ? ", " : "",
			     params[i].key);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		return cp_errf(e, EINVAL, "unexpected \"%s\" (no more arguments)", word);
	return cp_errf(e, EINVAL, "unexpected \"%s\" (options: %s)", word, keys);
}

int
cp_args_match(const struct cp_param *params, const char *const *words, unsigned n_words,
	      struct cp_args *out, struct cp_err *e)
{
	char meta[128];
	unsigned w = 0;
	unsigned i;

	memset(out, 0, sizeof(*out));

	for (i = 0; params[i].type != CP_P_END && params[i].key == NULL; i++) {
		if (params[i].type == CP_P_REST) {
			if (w == n_words && !params[i].optional)
				return cp_errf(e, EINVAL, "missing %s",
					       meta_of(&params[i], meta, sizeof(meta)));
			out->v[i].rest = words + w;
			out->v[i].u = n_words - w;
			out->set[i] = w < n_words;
			w = n_words;
			continue;
		}
		/* An optional value left out: the line ends or goes on with an option. */
		if (params[i].optional && (w == n_words || find_key(params, words[w]) >= 0))
			continue;
		if (w == n_words)
			return cp_errf(e, EINVAL, "missing %s",
				       meta_of(&params[i], meta, sizeof(meta)));
		if (parse_value(&params[i], words[w], &out->v[i], e) < 0)
			return cp_err_prefix(e, EINVAL, "\"%s\": ", words[w]);
		out->set[i] = true;
		w++;
	}

	while (w < n_words) {
		int k = find_key(params, words[w]);
		const struct cp_param *p;

		if (k < 0)
			return unexpected(params, words[w], e);
		p = &params[k];
		if (out->set[k])
			return cp_errf(e, EINVAL, "\"%s\" given twice", p->key);
		w++;
		if (p->type != CP_P_FLAG) {
			if (w == n_words)
				return cp_errf(e, EINVAL, "\"%s\" needs a value: %s", p->key,
					       meta_of(p, meta, sizeof(meta)));
			if (parse_value(p, words[w], &out->v[k], e) < 0)
				return cp_err_prefix(e, EINVAL, "%s \"%s\": ", p->key, words[w]);
			w++;
		} else {
			out->v[k].u = 1;
		}
		out->set[k] = true;
	}

	for (i = 0; params[i].type != CP_P_END; i++) {
		if (out->set[i] || params[i].optional)
			continue;
		if (params[i].type == CP_P_FLAG)
			return cp_errf(e, EINVAL, "missing \"%s\"", params[i].key);
		return cp_errf(e, EINVAL, "missing \"%s %s\"", params[i].key,
			       meta_of(&params[i], meta, sizeof(meta)));
	}
	return 0;
}

void
cp_args_synopsis(const struct cp_param *params, char *buf, size_t len)
{
	char meta[128];
	size_t used = 0;
	unsigned i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; params[i].type != CP_P_END && used < len; i++) {
		const struct cp_param *p = &params[i];
		const char *m = meta_of(p, meta, sizeof(meta));
		const char *sp = i ? " " : "";
		const char *open = p->optional ? "[" : "";
		const char *close = p->optional ? "]" : "";
		int w;

		if (p->key == NULL)
			w = snprintf(buf + used, len - used, "%s%s%s%s", sp, open, m, close);
		else if (p->type == CP_P_FLAG)
			w = snprintf(buf + used, len - used, "%s%s%s%s", sp, open, p->key, close);
		else
			w = snprintf(buf + used, len - used, "%s%s%s %s%s", sp, open, p->key, m,
				     close);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
