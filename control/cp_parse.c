/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_parse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cp_addr.h"

enum num_status {
	NUM_OK,
	NUM_EMPTY,
	NUM_NOT_DIGIT,
	NUM_LEADING_ZERO,
	NUM_TOO_BIG,
};

/*
 * Decimal digits of s[0..n). Leading zeros are refused because "010" means 8
 * to inet_aton() and 10 to a human; one spelling per value keeps save/load exact.
 */
static enum num_status
parse_dec(const char *s, size_t n, uint64_t limit, uint64_t *v)
{
	uint64_t acc = 0;
	size_t i;

	if (n == 0)
		return NUM_EMPTY;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return NUM_NOT_DIGIT;
	if (n > 1 && s[0] == '0')
		return NUM_LEADING_ZERO;
	for (i = 0; i < n; i++) {
		acc = acc * 10 + (uint64_t)(s[i] - '0');
		if (acc > limit)
			return NUM_TOO_BIG;
	}
	*v = acc;
	return NUM_OK;
}

/* Reason for a failed number "what" (NULL: the whole word) with text s[0..n), bounds min..max. */
static int
num_error(struct cp_err *e, enum num_status st, const char *what, const char *s, size_t n,
	  uint64_t min, uint64_t max)
{
	/* A whole word needs no repeating: the caller quotes it. */
	if (what == NULL) {
		switch (st) {
		case NUM_EMPTY:
			return cp_errf(e, EINVAL, "empty");
		case NUM_NOT_DIGIT:
			return cp_errf(e, EINVAL, "not a decimal number");
		case NUM_LEADING_ZERO:
			return cp_errf(e, EINVAL, "leading zero");
		default:
			return cp_errf(e, EINVAL, "out of range %llu..%llu",
				       (unsigned long long)min, (unsigned long long)max);
		}
	}
	switch (st) {
	case NUM_EMPTY:
		return cp_errf(e, EINVAL, "%s: empty", what);
	case NUM_NOT_DIGIT:
		return cp_errf(e, EINVAL, "%s \"%.*s\": not a decimal number", what, (int)n, s);
	case NUM_LEADING_ZERO:
		return cp_errf(e, EINVAL, "%s \"%.*s\": leading zero", what, (int)n, s);
	default:
		return cp_errf(e, EINVAL, "%s \"%.*s\": out of range %llu..%llu", what, (int)n, s,
			       (unsigned long long)min, (unsigned long long)max);
	}
}

/* Parse a number s[0..n) within min..max, naming it "what" in errors. */
static int
parse_bounded(const char *s, size_t n, const char *what, uint64_t min, uint64_t max, uint64_t *v,
	      struct cp_err *e)
{
	enum num_status st = parse_dec(s, n, max, v);

	if (st == NUM_OK && *v < min)
		st = NUM_TOO_BIG;
	if (st != NUM_OK) {
		num_error(e, st, what, s, n, min, max);
		return -EINVAL;
	}
	return 0;
}

static int
ipv4_span(const char *s, size_t n, struct cp_ip *ip, struct cp_err *e)
{
	uint32_t a = 0;
	size_t start = 0;
	unsigned octets = 0, dots = 0;
	size_t i;

	/* Shape first: "167772161" is a malformed address, not an octet out of range. */
	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	if (dots != 3)
		goto shape;
	for (i = 0; i <= n; i++) {
		enum num_status st;
		uint64_t v;

		if (i < n && s[i] != '.')
			continue;
		if (octets == 4)
			break;
		st = parse_dec(s + start, i - start, 255, &v);
		if (st == NUM_EMPTY || st == NUM_NOT_DIGIT)
			break;
		if (st == NUM_LEADING_ZERO)
			return cp_errf(
				e, EINVAL,
				"bad IPv4 address: leading zero in \"%.*s\" (octal or decimal?)",
				(int)(i - start), s + start);
		if (st == NUM_TOO_BIG)
			return cp_errf(e, EINVAL, "bad IPv4 address: \"%.*s\" is not in 0..255",
				       (int)(i - start), s + start);
		a = a << 8 | (uint32_t)v;
		octets++;
		start = i + 1;
	}
	if (octets != 4 || i != n + 1)
		goto shape;
	*ip = cp_ip4(a);
	return 0;
shape:
	return cp_errf(e, EINVAL,
		       "bad IPv4 address: expected four numbers 0..255 separated by dots");
}

int
cp_parse_ipv4(const char *s, struct cp_ip *ip, struct cp_err *e)
{
	return ipv4_span(s, strlen(s), ip, e);
}

int
cp_parse_prefix(const char *s, struct cp_ip *ip, uint8_t *len, struct cp_err *e)
{
	const char *slash = strchr(s, '/');
	struct cp_ip tmp;
	uint64_t v;
	int rc;

	if (slash == NULL)
		return cp_errf(e, EINVAL, "expected IP/LEN");
	rc = ipv4_span(s, (size_t)(slash - s), &tmp, e);
	if (rc < 0)
		return rc;
	rc = parse_bounded(slash + 1, strlen(slash + 1), "bad prefix length", 0, 32, &v, e);
	if (rc < 0)
		return rc;
	*ip = tmp;
	*len = (uint8_t)v;
	return 0;
}

int
cp_parse_endpoint(const char *s, struct cp_ip *ip, uint16_t *port, struct cp_err *e)
{
	/* The last colon: IPv6 endpoints will need brackets, and this keeps that door open. */
	const char *colon = strrchr(s, ':');
	struct cp_ip tmp;
	uint64_t v;
	int rc;

	if (colon == NULL)
		return cp_errf(e, EINVAL, "expected IP:PORT");
	rc = ipv4_span(s, (size_t)(colon - s), &tmp, e);
	if (rc < 0)
		return rc;
	rc = parse_bounded(colon + 1, strlen(colon + 1), "bad port", 1, 65535, &v, e);
	if (rc < 0)
		return rc;
	*ip = tmp;
	*port = (uint16_t)v;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cp_parse_mac(const char *s, uint8_t mac[6], struct cp_err *e)
{
	uint8_t tmp[6];
	unsigned i;

	if (strlen(s) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]);
		int lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, tmp, sizeof(tmp));
	return 0;
bad:
	return cp_errf(e, EINVAL, "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01");
}

int
cp_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v, struct cp_err *e)
{
	uint64_t tmp;
	int rc;

	rc = parse_bounded(s, strlen(s), NULL, min, max, &tmp, e);
	if (rc < 0)
		return rc;
	*v = (uint32_t)tmp;
	return 0;
}

int
cp_parse_range(const char *s, uint32_t min, uint32_t max, uint32_t *lo, uint32_t *hi,
	       struct cp_err *e)
{
	const char *dash = strchr(s, '-');
	uint64_t a, b;
	int rc;

	if (dash == NULL)
		return cp_errf(e, EINVAL, "expected LOW-HIGH");
	rc = parse_bounded(s, (size_t)(dash - s), "low end", min, max, &a, e);
	if (rc < 0)
		return rc;
	rc = parse_bounded(dash + 1, strlen(dash + 1), "high end", min, max, &b, e);
	if (rc < 0)
		return rc;
	if (a > b)
		return cp_errf(e, EINVAL, "low end %llu above high end %llu", (unsigned long long)a,
			       (unsigned long long)b);
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

int
cp_parse_keyword(const char *s, const char *const *words, unsigned *idx, struct cp_err *e)
{
	char list[256];
	size_t used = 0;
	unsigned i;

	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(s, words[i]) == 0) {
			*idx = i;
			return 0;
		}
	}
	/* "expected a, b or c": the reader sees at once what would have worked. */
	list[0] = '\0';
	for (i = 0; words[i] != NULL && used < sizeof(list); i++) {
		const char *sep = i == 0 ? "" : words[i + 1] == NULL ? " or " : ", ";
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", sep, words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return cp_errf(e, EINVAL, "expected %s", list);
}

int
cp_parse_name(const char *s, char *out, size_t size, struct cp_err *e)
{
	size_t n = strlen(s);
	size_t i;

	if (n >= size)
		return cp_errf(e, EINVAL, "name longer than %zu characters", size - 1);
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return cp_errf(e, EINVAL, "a name starts with a letter");
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return cp_errf(e, EINVAL,
				       "'%c' in a name (letters, digits, '_', '-', '.' only)", c);
	}
	memcpy(out, s, n + 1);
	return 0;
}

int
cp_parse_dev(const char *s, char *out, size_t size, struct cp_err *e)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0)
		return cp_errf(e, EINVAL, "empty device name");
	if (n >= size)
		return cp_errf(e, EINVAL, "device name longer than %zu characters", size - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '#')
			return cp_errf(e, EINVAL,
				       "device name with a blank, '#' or non-ASCII byte");
	memcpy(out, s, n + 1);
	return 0;
}
