/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recursive descent over the RFC 8259 grammar. Written apart from
 * control/cp_reply.c on purpose: a checker that shared the renderer's idea of
 * an escape would agree with the renderer's bugs.
 */
#include "fuzz_json.h"

#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 64

struct cursor {
	const unsigned char *p, *end;
};

static bool parse_value(struct cursor *c, unsigned depth);

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool
eat(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == (unsigned char)ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool
is_digit(struct cursor *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

static bool
is_hex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* One UTF-8 sequence of two to four bytes: no overlong form, surrogate, or code point past
 * U+10FFFF. */
static bool
utf8_sequence(struct cursor *c)
{
	unsigned char lead = *c->p;
	size_t len, i;
	uint32_t cp;

	if (lead >= 0xc0 && lead <= 0xdf)
		len = 2;
	else if (lead >= 0xe0 && lead <= 0xef)
		len = 3;
	else if (lead >= 0xf0 && lead <= 0xf7)
		len = 4;
	else
		return false;
	if ((size_t)(c->end - c->p) < len)
		return false;
	cp = lead & (0xffu >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((c->p[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (c->p[i] & 0x3fu);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	c->p += len;
	return true;
}

static bool
parse_string(struct cursor *c)
{
	if (!eat(c, '"'))
		return false;
	while (c->p < c->end) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch >= 0x80) {
			if (!utf8_sequence(c))
				return false;
			continue;
		}
		c->p++;
		if (ch != '\\')
			continue;
		if (c->p >= c->end)
			return false;
		ch = *c->p++;
		if (ch == 'u') {
			if (c->end - c->p < 4 || !is_hex(c->p[0]) || !is_hex(c->p[1]) ||
			    !is_hex(c->p[2]) || !is_hex(c->p[3]))
				return false;
			c->p += 4;
		} else if (strchr("\"\\/bfnrt", ch) == NULL || ch == '\0') {
			return false;
		}
	}
	return false;
}

static bool
parse_number(struct cursor *c)
{
	eat(c, '-');
	if (eat(c, '0')) {
		/* no leading zeros */
	} else if (is_digit(c)) {
		while (is_digit(c))
			c->p++;
	} else {
		return false;
	}
	if (eat(c, '.')) {
		if (!is_digit(c))
			return false;
		while (is_digit(c))
			c->p++;
	}
	if (eat(c, 'e') || eat(c, 'E')) {
		if (!eat(c, '+'))
			eat(c, '-');
		if (!is_digit(c))
			return false;
		while (is_digit(c))
			c->p++;
	}
	return true;
}

static bool
parse_literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool
parse_object(struct cursor *c, unsigned depth)
{
	if (!eat(c, '{'))
		return false;
	skip_ws(c);
	if (eat(c, '}'))
		return true;
	for (;;) {
		skip_ws(c);
		if (!parse_string(c))
			return false;
		skip_ws(c);
		if (!eat(c, ':') || !parse_value(c, depth + 1))
			return false;
		skip_ws(c);
		if (eat(c, '}'))
			return true;
		if (!eat(c, ','))
			return false;
	}
}

static bool
parse_array(struct cursor *c, unsigned depth)
{
	if (!eat(c, '['))
		return false;
	skip_ws(c);
	if (eat(c, ']'))
		return true;
	for (;;) {
		if (!parse_value(c, depth + 1))
			return false;
		skip_ws(c);
		if (eat(c, ']'))
			return true;
		if (!eat(c, ','))
			return false;
	}
}

static bool
parse_value(struct cursor *c, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return false;
	skip_ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		return parse_object(c, depth);
	case '[':
		return parse_array(c, depth);
	case '"':
		return parse_string(c);
	case 't':
		return parse_literal(c, "true");
	case 'f':
		return parse_literal(c, "false");
	case 'n':
		return parse_literal(c, "null");
	default:
		return parse_number(c);
	}
}

bool
fuzz_json_object_valid(const char *s, size_t len)
{
	struct cursor c = { (const unsigned char *)s, (const unsigned char *)s + len };

	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{' || !parse_value(&c, 0))
		return false;
	skip_ws(&c);
	return c.p == c.end;
}
