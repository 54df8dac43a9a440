/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small validating JSON reader (RFC 8259 grammar, no number semantics).
 * It reads values in place and never builds a tree: the lines it reads are a
 * few kilobytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_json.h"

#define JSON_MAX_DEPTH 32

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
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

/*
 * The string starting at p (its opening quote): returns the byte after the
 * closing quote, or NULL. If out is not NULL, the unescaped text goes there.
 * Code points above U+00FF are refused: tlslb-inspect never writes them.
 */
static const char *
read_string(const char *p, char *out, size_t size, int *err)
{
	size_t n = 0;

	*err = -EINVAL;
	if (*p != '"')
		return NULL;
	for (p++; *p != '"'; p++) {
		unsigned c = (unsigned char)*p;

		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			switch (*p) {
			case '"':
			case '\\':
			case '/':
				c = (unsigned char)*p;
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				int i, d;

				c = 0;
				for (i = 1; i <= 4; i++) {
					d = hex_digit(p[i]);
					if (d < 0)
						return NULL;
					c = c << 4 | (unsigned)d;
				}
				if (c > 0xff)
					return NULL;
				p += 4;
				break;
			}
			default:
				return NULL;
			}
		}
		if (out != NULL) {
			if (n + 1 >= size) {
				*err = -ENOSPC;
				return NULL;
			}
			out[n] = (char)c;
		}
		n++;
	}
	if (out != NULL)
		out[n] = '\0';
	*err = 0;
	return p + 1;
}

static bool
is_literal_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

static const char *skip_value(const char *p, int depth);

/* A container's elements; for objects each is a "key": value pair. */
static const char *
skip_container(const char *p, int depth, char close)
{
	int err;

	p = skip_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = read_string(skip_ws(p), NULL, 0, &err);
			if (p == NULL)
				return NULL;
			p = skip_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = skip_value(p, depth + 1);
		if (p == NULL)
			return NULL;
		p = skip_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
skip_value(const char *p, int depth)
{
	const char *start;
	int err;

	if (depth > JSON_MAX_DEPTH)
		return NULL;
	p = skip_ws(p);
	switch (*p) {
	case '"':
		return read_string(p, NULL, 0, &err);
	case '{':
		return skip_container(p, depth, '}');
	case '[':
		return skip_container(p, depth, ']');
	default:
		start = p;
		while (is_literal_char(*p))
			p++;
		if (p == start)
			return NULL;
		if (!((*start >= '0' && *start <= '9') || *start == '-') &&
		    strncmp(start, "true", 4) != 0 && strncmp(start, "false", 5) != 0 &&
		    strncmp(start, "null", 4) != 0)
			return NULL;
		return p;
	}
}

int
json_next_member(const char *json, const char **cursor, struct json_member *member)
{
	const char *p = *cursor, *end;
	int err;

	if (p == NULL) {
		p = skip_ws(json);
		if (*p != '{')
			return -EINVAL;
		p = skip_ws(p + 1);
		if (*p == '}')
			goto done;
	} else {
		p = skip_ws(p);
		if (*p == '}')
			goto done;
		if (*p != ',')
			return -EINVAL;
		p = skip_ws(p + 1);
	}
	p = read_string(p, member->key, sizeof(member->key), &err);
	if (p == NULL)
		return err;
	p = skip_ws(p);
	if (*p != ':')
		return -EINVAL;
	p = skip_ws(p + 1);
	end = skip_value(p, 1);
	if (end == NULL)
		return -EINVAL;
	member->value = p;
	member->value_len = (size_t)(end - p);
	*cursor = end;
	return 1;
done:
	*cursor = p;
	return 0;
}

/* Step into one path component: a member of an object or an element of an array. */
static int
step(const char **p, const char *name, bool *counted, char *out, size_t size)
{
	const char *v = skip_ws(*p);
	struct json_member m;
	unsigned long index, i;
	char *end;
	int rc;

	if (*v == '{') {
		const char *cursor = NULL;

		while ((rc = json_next_member(v, &cursor, &m)) == 1) {
			if (strcmp(m.key, name) == 0) {
				*p = m.value;
				return 0;
			}
		}
		return rc < 0 ? rc : -ENOENT;
	}
	if (*v != '[')
		return -ENOENT;
	v = skip_ws(v + 1);
	if (strcmp(name, "length") == 0) {
		unsigned long n = 0;

		if (*v != ']') {
			for (;;) {
				v = skip_value(v, 1);
				if (v == NULL)
					return -EINVAL;
				n++;
				v = skip_ws(v);
				if (*v == ']')
					break;
				if (*v++ != ',')
					return -EINVAL;
			}
		}
		*counted = true;
		return snprintf(out, size, "%lu", n) < (int)size ? 0 : -ENOSPC;
	}
	index = strtoul(name, &end, 10);
	if (*name == '\0' || *end != '\0' || *v == ']')
		return -ENOENT;
	for (i = 0; i < index; i++) {
		v = skip_value(v, 1);
		if (v == NULL)
			return -EINVAL;
		v = skip_ws(v);
		if (*v++ != ',')
			return -ENOENT;
	}
	*p = v;
	return 0;
}

int
json_lookup(const char *json, const char *path, char *out, size_t size)
{
	const char *p = json, *end;
	bool counted = false;
	char name[64];
	int err;

	while (*path != '\0') {
		size_t len = strcspn(path, ".");

		if (counted || len == 0 || len >= sizeof(name))
			return -ENOENT;
		memcpy(name, path, len);
		name[len] = '\0';
		path += len + (path[len] == '.');
		err = step(&p, name, &counted, out, size);
		if (err < 0)
			return err;
	}
	if (counted)
		return 0;
	p = skip_ws(p);
	if (*p == '"')
		return read_string(p, out, size, &err) != NULL ? 0 : err;
	end = skip_value(p, 1);
	if (end == NULL)
		return -EINVAL;
	if ((size_t)(end - p) >= size)
		return -ENOSPC;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return 0;
}

bool
json_valid_object(const char *json)
{
	const char *p = skip_ws(json), *end;

	if (*p != '{')
		return false;
	end = skip_value(p, 0);
	return end != NULL && *skip_ws(end) == '\0';
}
