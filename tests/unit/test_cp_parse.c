/* SPDX-License-Identifier: BSD-3-Clause */
/* Lexer, typed value parsers and the command table of control/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_lexer.h"
#include "cp_parse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- lexer ---------------------------------------------------------------- */

struct lex_case {
	const char *desc;
	const char *line;
	int rc;
	const char *words[6]; /* expected words, NULL-terminated; or the error */
	const char *err;
};

static const struct lex_case lex_cases[] = {
	{ "empty line", "", 0, { NULL } },
	{ "blanks only", " \t  ", 0, { NULL } },
	{ "comment only", "# port add a dev b role both", 0, { NULL } },
	{ "words split on spaces and tabs", "port\tadd  a ", 0, { "port", "add", "a", NULL } },
	{ "comment after words",
	  "set limit flows 5 # five",
	  0,
	  { "set", "limit", "flows", "5", NULL } },
	{ "comment glued to a word",
	  "neigh del 10.0.0.1#x",
	  0,
	  { "neigh", "del", "10.0.0.1", NULL } },
	{ "trailing newline", "a b\n", 0, { "a", "b", NULL } },
	{ "trailing CRLF", "a b\r\n", 0, { "a", "b", NULL } },
	{ "CR alone", "a b\r", -EINVAL, { NULL }, "control character 0x0d at column 4" },
	{ "newline inside", "a\nb", -EINVAL, { NULL }, "control character 0x0a at column 2" },
	{ "escape character",
	  "a \x1b[0m",
	  -EINVAL,
	  { NULL },
	  "control character 0x1b at column 3" },
	{ "DEL", "ab\x7f", -EINVAL, { NULL }, "control character 0x7f at column 3" },
	{ "UTF-8 in a word",
	  "port add caf\xc3\xa9",
	  -EINVAL,
	  { NULL },
	  "non-ASCII byte 0xc3 at column 13" },
	{ "UTF-8 in a comment",
	  "# caf\xc3\xa9",
	  -EINVAL,
	  { NULL },
	  "non-ASCII byte 0xc3 at column 6" },
	{ "33 words",
	  "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a",
	  -EINVAL,
	  { NULL },
	  "more than 32 words" },
};

static void
test_lexer(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(lex_cases); i++) {
		const struct lex_case *c = &lex_cases[i];
		struct cp_words w;
		char err[256] = "";
		struct cp_err e = { err, sizeof(err) };
		unsigned n = 0, j;
		int rc;

		print_message("# lexer: %s\n", c->desc);
		rc = cp_lex(c->line, &w, &e);
		assert_int_equal(rc, c->rc);
		if (rc < 0) {
			assert_string_equal(err, c->err);
			continue;
		}
		while (c->words[n] != NULL)
			n++;
		assert_int_equal(w.n, n);
		for (j = 0; j < n; j++)
			assert_string_equal(w.w[j], c->words[j]);
	}
}

static void
test_lexer_length(void **state)
{
	static char line[CP_LINE_MAX + 8];
	struct cp_words w;
	char err[128];
	struct cp_err e = { err, sizeof(err) };

	(void)state;
	/* Exactly the limit passes, with or without a terminator; one more byte fails. */
	memset(line, 'x', CP_LINE_MAX);
	line[CP_LINE_MAX] = '\0';
	assert_int_equal(cp_lex(line, &w, &e), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(strlen(w.w[0]), CP_LINE_MAX);
	strcpy(line + CP_LINE_MAX, "\r\n");
	assert_int_equal(cp_lex(line, &w, &e), 0);
	line[CP_LINE_MAX] = 'x';
	line[CP_LINE_MAX + 1] = '\0';
	assert_int_equal(cp_lex(line, &w, &e), -EINVAL);
	assert_string_equal(err, "line longer than 1024 bytes");
}

/* --- value parsers --------------------------------------------------------- */

enum vkind { V_IP, V_PREFIX, V_ENDPOINT, V_MAC, V_UINT, V_RANGE, V_KEYWORD, V_NAME, V_DEV };

struct value_case {
	const char *desc;
	enum vkind kind;
	const char *in;
	const char *err; /* NULL: must parse */
	const char *ip;  /* expected address, checked with inet_pton */
	uint32_t a, b;   /* prefix length / port / number / low-high / keyword index */
	uint8_t mac[6];
};

static const char *const kw[] = { "client", "server", "both", NULL };
static const char *const kw1[] = { "wrr", NULL };
static const char *const kw2[] = { "l4", "tls", NULL };

static const struct value_case value_cases[] = {
	{ "ip: plain", V_IP, "10.99.0.10", NULL, "10.99.0.10" },
	{ "ip: zeros", V_IP, "0.0.0.0", NULL, "0.0.0.0" },
	{ "ip: all ones", V_IP, "255.255.255.255", NULL, "255.255.255.255" },
	{ "ip: octet 256", V_IP, "10.0.0.256", "bad IPv4 address: \"256\" is not in 0..255" },
	{ "ip: octet 300", V_IP, "10.0.300.1", "bad IPv4 address: \"300\" is not in 0..255" },
	{ "ip: huge octet", V_IP, "1.2.3.99999999999999999999",
	  "bad IPv4 address: \"99999999999999999999\" is not in 0..255" },
	{ "ip: leading zero", V_IP, "10.0.0.010",
	  "bad IPv4 address: leading zero in \"010\" (octal or decimal?)" },
	{ "ip: double zero", V_IP, "00.1.2.3",
	  "bad IPv4 address: leading zero in \"00\" (octal or decimal?)" },
	{ "ip: three octets", V_IP, "10.0.1",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: five octets", V_IP, "10.0.0.1.2",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: trailing dot", V_IP, "10.0.0.1.",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: empty octet", V_IP, "10..0.1",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: trailing junk", V_IP, "10.0.0.1x",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: sign", V_IP, "+10.0.0.1",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: hex", V_IP, "0x0a.0.0.1",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: single number", V_IP, "167772161",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "ip: empty", V_IP, "",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },

	{ "prefix: /24", V_PREFIX, "10.1.0.0/24", NULL, "10.1.0.0", 24 },
	{ "prefix: /0", V_PREFIX, "0.0.0.0/0", NULL, "0.0.0.0", 0 },
	{ "prefix: /32", V_PREFIX, "10.1.0.1/32", NULL, "10.1.0.1", 32 },
	{ "prefix: /33", V_PREFIX, "10.1.0.0/33", "bad prefix length \"33\": out of range 0..32" },
	{ "prefix: /024", V_PREFIX, "10.1.0.0/024", "bad prefix length \"024\": leading zero" },
	{ "prefix: no length", V_PREFIX, "10.1.0.0/", "bad prefix length: empty" },
	{ "prefix: no slash", V_PREFIX, "10.1.0.0", "expected IP/LEN" },
	{ "prefix: junk", V_PREFIX, "10.1.0.0/2x",
	  "bad prefix length \"2x\": not a decimal number" },
	{ "prefix: two slashes", V_PREFIX, "10.1.0.0/8/8",
	  "bad prefix length \"8/8\": not a decimal number" },
	{ "prefix: bad address", V_PREFIX, "10.1.0.256/8",
	  "bad IPv4 address: \"256\" is not in 0..255" },

	{ "endpoint: plain", V_ENDPOINT, "10.99.0.10:443", NULL, "10.99.0.10", 443 },
	{ "endpoint: max port", V_ENDPOINT, "10.99.0.10:65535", NULL, "10.99.0.10", 65535 },
	{ "endpoint: port 0", V_ENDPOINT, "10.99.0.10:0", "bad port \"0\": out of range 1..65535" },
	{ "endpoint: port 65536", V_ENDPOINT, "10.99.0.10:65536",
	  "bad port \"65536\": out of range 1..65535" },
	{ "endpoint: no port", V_ENDPOINT, "10.99.0.10", "expected IP:PORT" },
	{ "endpoint: empty port", V_ENDPOINT, "10.99.0.10:", "bad port: empty" },
	{ "endpoint: bad address", V_ENDPOINT, "10.0.0.300:443",
	  "bad IPv4 address: \"300\" is not in 0..255" },
	{ "endpoint: two colons", V_ENDPOINT, "10.0.0.3:44:3",
	  "bad IPv4 address: expected four numbers 0..255 separated by dots" },
	{ "endpoint: port with leading zero", V_ENDPOINT, "10.0.0.3:0443",
	  "bad port \"0443\": leading zero" },

	{ "mac: lower case",
	  V_MAC,
	  "02:00:5e:00:53:01",
	  NULL,
	  NULL,
	  0,
	  0,
	  { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 } },
	{ "mac: upper case",
	  V_MAC,
	  "AA:BB:CC:DD:EE:FF",
	  NULL,
	  NULL,
	  0,
	  0,
	  { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
	{ "mac: dashes", V_MAC, "02-00-5e-00-53-01",
	  "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01" },
	{ "mac: short group", V_MAC,
	  "2:00:5e:00:53:01:", "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01" },
	{ "mac: five groups", V_MAC, "02:00:5e:00:53",
	  "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01" },
	{ "mac: seven groups", V_MAC, "02:00:5e:00:53:01:02",
	  "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01" },
	{ "mac: not hex", V_MAC, "02:00:5g:00:53:01",
	  "bad MAC address: expected six hex pairs like 02:00:5e:00:53:01" },

	{ "uint: in range", V_UINT, "86400", NULL, NULL, 86400 },
	{ "uint: zero", V_UINT, "0", NULL, NULL, 0 },
	{ "uint: above", V_UINT, "86401", "out of range 0..86400" },
	{ "uint: far above", V_UINT, "99999999999999999999999", "out of range 0..86400" },
	{ "uint: negative", V_UINT, "-1", "not a decimal number" },
	{ "uint: plus", V_UINT, "+1", "not a decimal number" },
	{ "uint: leading zero", V_UINT, "07", "leading zero" },
	{ "uint: suffix", V_UINT, "1k", "not a decimal number" },
	{ "uint: empty", V_UINT, "", "empty" },

	{ "range: plain", V_RANGE, "1024-65535", NULL, NULL, 1024, 65535 },
	{ "range: one port", V_RANGE, "5000-5000", NULL, NULL, 5000, 5000 },
	{ "range: reversed", V_RANGE, "2000-1000", "low end 2000 above high end 1000" },
	{ "range: zero", V_RANGE, "0-10", "low end \"0\": out of range 1..65535" },
	{ "range: too high", V_RANGE, "1-65536", "high end \"65536\": out of range 1..65535" },
	{ "range: no dash", V_RANGE, "1024", "expected LOW-HIGH" },
	{ "range: two dashes", V_RANGE, "1-2-3", "high end \"2-3\": not a decimal number" },

	{ "keyword: first", V_KEYWORD, "client", NULL, NULL, 0 },
	{ "keyword: last", V_KEYWORD, "both", NULL, NULL, 2 },
	{ "keyword: case matters", V_KEYWORD, "Client", "expected client, server or both" },
	{ "keyword: prefix is not enough", V_KEYWORD, "serv", "expected client, server or both" },

	{ "name: plain", V_NAME, "wan0", NULL },
	{ "name: punctuation", V_NAME, "a.b_c-d", NULL },
	{ "name: 31 chars", V_NAME, "abcdefghijklmnopqrstuvwxyz01234", NULL },
	{ "name: 32 chars", V_NAME, "abcdefghijklmnopqrstuvwxyz012345",
	  "name longer than 31 characters" },
	{ "name: digit first", V_NAME, "0wan", "a name starts with a letter" },
	{ "name: slash", V_NAME, "a/b", "'/' in a name (letters, digits, '_', '-', '.' only)" },

	{ "dev: pcap with args", V_DEV, "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap",
	  NULL },
	{ "dev: PCI", V_DEV, "0000:03:00.0", NULL },
};

static void
check_ip(const struct cp_ip *ip, const char *text)
{
	struct in_addr want;

	assert_int_equal(inet_pton(AF_INET, text, &want), 1);
	assert_int_equal(ip->family, AF_INET);
	assert_int_equal(ip->v4, want.s_addr);
}

static void
test_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		char err[256] = "";
		struct cp_err e = { err, sizeof(err) };
		char name[CP_DEV_MAX];
		struct cp_ip ip;
		uint8_t plen, mac[6];
		uint16_t port;
		uint32_t u, lo, hi;
		unsigned idx;
		int rc = -1;

		print_message("# value: %s\n", c->desc);
		switch (c->kind) {
		case V_IP:
			rc = cp_parse_ipv4(c->in, &ip, &e);
			break;
		case V_PREFIX:
			rc = cp_parse_prefix(c->in, &ip, &plen, &e);
			break;
		case V_ENDPOINT:
			rc = cp_parse_endpoint(c->in, &ip, &port, &e);
			break;
		case V_MAC:
			rc = cp_parse_mac(c->in, mac, &e);
			break;
		case V_UINT:
			rc = cp_parse_uint(c->in, 0, 86400, &u, &e);
			break;
		case V_RANGE:
			rc = cp_parse_range(c->in, 1, 65535, &lo, &hi, &e);
			break;
		case V_KEYWORD:
			rc = cp_parse_keyword(c->in, kw, &idx, &e);
			break;
		case V_NAME:
			rc = cp_parse_name(c->in, name, CP_NAME_MAX, &e);
			break;
		case V_DEV:
			rc = cp_parse_dev(c->in, name, CP_DEV_MAX, &e);
			break;
		}
		if (c->err != NULL) {
			assert_int_equal(rc, -EINVAL);
			assert_string_equal(err, c->err);
			continue;
		}
		assert_int_equal(rc, 0);
		switch (c->kind) {
		case V_IP:
			check_ip(&ip, c->ip);
			break;
		case V_PREFIX:
			check_ip(&ip, c->ip);
			assert_int_equal(plen, c->a);
			break;
		case V_ENDPOINT:
			check_ip(&ip, c->ip);
			assert_int_equal(port, c->a);
			break;
		case V_MAC:
			assert_memory_equal(mac, c->mac, 6);
			break;
		case V_UINT:
			assert_int_equal(u, c->a);
			break;
		case V_RANGE:
			assert_int_equal(lo, c->a);
			assert_int_equal(hi, c->b);
			break;
		case V_KEYWORD:
			assert_int_equal(idx, c->a);
			break;
		case V_NAME:
		case V_DEV:
			assert_string_equal(name, c->in);
			break;
		}
	}
}

static void
test_keyword_messages(void **state)
{
	char err[128];
	struct cp_err e = { err, sizeof(err) };
	unsigned idx;

	(void)state;
	assert_int_equal(cp_parse_keyword("x", kw1, &idx, &e), -EINVAL);
	assert_string_equal(err, "expected wrr");
	assert_int_equal(cp_parse_keyword("x", kw2, &idx, &e), -EINVAL);
	assert_string_equal(err, "expected l4 or tls");
}

/* The dotted quad parser agrees with inet_pton on every well-formed address of a sweep. */
static void
test_ipv4_sweep(void **state)
{
	uint64_t i;

	(void)state;
	/* 64-bit counter: a 32-bit one would wrap around and never end. */
	for (i = 0; i <= 0xffffffffu; i += 40009u) {
		uint32_t a = (uint32_t)i;
		char text[32];
		struct cp_ip ip;
		struct cp_err e = { NULL, 0 };

		snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
			 (a >> 8) & 0xff, a & 0xff);
		assert_int_equal(cp_parse_ipv4(text, &ip, &e), 0);
		check_ip(&ip, text);
	}
}

/* --- argument matching: hex values, the rest of a line, optional values ------ */

static const struct cp_param p_hex[] = {
	{ .meta = "VIP:PORT", .type = CP_P_ENDPOINT },
	{ .key = "id", .meta = "HEX", .type = CP_P_HEX, .min = 0, .max = 4, .optional = true },
	{ .key = "key", .meta = "HEX", .type = CP_P_HEX, .min = 2, .max = CP_HEX_MAX,
	  .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param p_rest[] = {
	{ .meta = "COMMAND...", .type = CP_P_REST, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param p_rest_required[] = {
	{ .meta = "NAME", .type = CP_P_NAME },
	{ .meta = "WORDS...", .type = CP_P_REST },
	{ .type = CP_P_END },
};

static const struct cp_param p_optpos[] = {
	{ .meta = "VIP:PORT", .type = CP_P_ENDPOINT, .optional = true },
	{ .key = "entries", .meta = "N", .type = CP_P_UINT, .min = 1, .max = 9, .optional = true },
	{ .type = CP_P_END },
};

struct args_case {
	const char *desc;
	const struct cp_param *params;
	const char *words[8]; /* NULL-terminated */
	int rc;
	const char *err;
	bool set[3];
	uint32_t u[3];
	uint8_t hex[CP_HEX_MAX]; /* of the first set CP_P_HEX value */
};

static const struct args_case args_cases[] = {
	{ "hex, both cases", p_hex, { "1.2.3.4:5", "id", "aB0f", NULL }, 0, NULL,
	  { true, true, false }, { 0, 2, 0 }, { 0xab, 0x0f } },
	{ "hex at most", p_hex, { "1.2.3.4:5", "id", "01020304", NULL }, 0, NULL,
	  { true, true, false }, { 0, 4, 0 }, { 1, 2, 3, 4 } },
	{ "hex none when min is 0", p_hex, { "1.2.3.4:5", "id", "none", NULL }, 0, NULL,
	  { true, true, false }, { 0, 0, 0 } },
	{ "hex of 32 bytes", p_hex,
	  { "1.2.3.4:5", "key", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    NULL },
	  0, NULL, { true, false, true }, { 0, 0, 32 },
	  { 0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,
	    11,   12,   13,   14,   15,   16,   17,   18,   19,   20,   21,
	    22,   23,   24,   25,   26,   27,   28,   29,   30,   31 } },
	{ "hex too long", p_hex, { "1.2.3.4:5", "id", "0102030405", NULL }, -EINVAL,
	  "id \"0102030405\": 5 bytes, expected 1..4 or none" },
	{ "hex too short", p_hex, { "1.2.3.4:5", "key", "01", NULL }, -EINVAL,
	  "key \"01\": 1 bytes, expected 2..32" },
	{ "no none without min 0", p_hex, { "1.2.3.4:5", "key", "none", NULL }, -EINVAL,
	  "key \"none\": 'n' is not a hex digit" },
	{ "hex empty", p_hex, { "1.2.3.4:5", "id", "", NULL }, -EINVAL,
	  "id \"\": 0 bytes, expected 1..4 or none" },
	{ "hex odd", p_hex, { "1.2.3.4:5", "id", "abc", NULL }, -EINVAL,
	  "id \"abc\": odd number of hex digits" },
	{ "hex with a prefix", p_hex, { "1.2.3.4:5", "id", "0x12", NULL }, -EINVAL,
	  "id \"0x12\": 'x' is not a hex digit" },
	{ "rest: nothing", p_rest, { NULL }, 0, NULL, { false }, { 0 } },
	{ "rest: anything at all", p_rest, { "backend", "add", "#x", "10.0.0.1:1", NULL }, 0, NULL,
	  { true }, { 4 } },
	{ "rest required, missing", p_rest_required, { "n", NULL }, -EINVAL, "missing WORDS..." },
	{ "rest after a value", p_rest_required, { "n", "a", "b", NULL }, 0, NULL,
	  { true, true }, { 0, 2 } },
	{ "optional value left out", p_optpos, { NULL }, 0, NULL, { false, false } },
	{ "optional value, then an option", p_optpos, { "1.2.3.4:5", "entries", "3", NULL }, 0,
	  NULL, { true, true }, { 0, 3 } },
	{ "optional value left out before an option", p_optpos, { "entries", "3", NULL }, 0, NULL,
	  { false, true }, { 0, 3 } },
	{ "optional value, bad", p_optpos, { "1.2.3.4", NULL }, -EINVAL,
	  "\"1.2.3.4\": expected IP:PORT" },
	{ "optional value given twice", p_optpos, { "1.2.3.4:5", "1.2.3.4:6", NULL }, -EINVAL,
	  "unexpected \"1.2.3.4:6\" (options: entries)" },
};

static void
test_args(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(args_cases); i++) {
		const struct args_case *c = &args_cases[i];
		struct cp_args a;
		char buf[256] = "";
		struct cp_err e = { buf, sizeof(buf) };
		unsigned n = 0, k;
		bool hex_seen = false;

		print_message("# args: %s\n", c->desc);
		while (c->words[n] != NULL)
			n++;
		assert_int_equal(cp_args_match(c->params, c->words, n, &a, &e), c->rc);
		if (c->rc != 0) {
			assert_string_equal(buf, c->err);
			continue;
		}
		for (k = 0; c->params[k].type != CP_P_END; k++) {
			assert_int_equal(a.set[k], c->set[k]);
			if (!a.set[k])
				continue;
			if (c->params[k].type == CP_P_HEX || c->params[k].type == CP_P_REST ||
			    c->params[k].type == CP_P_UINT)
				assert_int_equal(a.v[k].u, c->u[k]);
			if (c->params[k].type == CP_P_REST)
				assert_ptr_equal(a.v[k].rest, c->words + n - c->u[k]);
			if (c->params[k].type == CP_P_HEX && !hex_seen) {
				assert_memory_equal(a.v[k].hex, c->hex, a.v[k].u);
				hex_seen = true;
			}
		}
	}
}

static void
test_synopsis(void **state)
{
	char buf[128];

	(void)state;
	cp_args_synopsis(p_hex, buf, sizeof(buf));
	assert_string_equal(buf, "VIP:PORT [id HEX] [key HEX]");
	cp_args_synopsis(p_rest, buf, sizeof(buf));
	assert_string_equal(buf, "[COMMAND...]");
	cp_args_synopsis(p_rest_required, buf, sizeof(buf));
	assert_string_equal(buf, "NAME WORDS...");
	cp_args_synopsis(p_optpos, buf, sizeof(buf));
	assert_string_equal(buf, "[VIP:PORT] [entries N]");
}

/* --- the command table ------------------------------------------------------ */

static void
test_table(void **state)
{
	size_t n, i, j;
	const struct cp_command *t = cp_commands(&n);

	(void)state;
	assert_true(n >= 15);
	for (i = 0; i < n; i++) {
		char syn[256];
		unsigned np = 0;

		print_message("# table: %s %s\n", t[i].name, t[i].args);
		/* A config command has a handler, a query an id: exactly one of the two. */
		assert_true((t[i].handler != NULL) != (t[i].query != CP_Q_NONE));
		assert_true(t[i].query < CP_Q__COUNT);
		assert_non_null(t[i].params);
		assert_true(strlen(t[i].help) > 10);
		/* The synopsis `help` prints is the one the parser follows. */
		cp_args_synopsis(t[i].params, syn, sizeof(syn));
		assert_string_equal(syn, t[i].args);
		while (t[i].params[np].type != CP_P_END)
			np++;
		assert_true(np <= CP_PARAMS_MAX);
		/* No name is another's prefix, so a line names at most one command. */
		for (j = 0; j < n; j++) {
			size_t l = strlen(t[j].name);

			if (j != i)
				assert_false(strncmp(t[i].name, t[j].name, l) == 0 &&
					     (t[i].name[l] == ' ' || t[i].name[l] == '\0'));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),      cmocka_unit_test(test_lexer_length),
		cmocka_unit_test(test_values),     cmocka_unit_test(test_keyword_messages),
		cmocka_unit_test(test_ipv4_sweep), cmocka_unit_test(test_table),
		cmocka_unit_test(test_args),       cmocka_unit_test(test_synopsis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
