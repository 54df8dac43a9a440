/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed corpora and dictionaries for fuzz_cp_line and fuzz_cp_frame, made from
 * the command table itself so they follow the grammar as it changes:
 *
 *   fuzz_cp_seedgen EXAMPLE_CONF SEED_LINES OUTDIR
 *
 * writes OUTDIR/fuzz_cp_line/ (every line of EXAMPLE_CONF, every paragraph of
 * SEED_LINES, and every command instantiated from its parameter list: all
 * options, only the required ones, and each parameter through a few values,
 * valid ones for fuzz_cp_line's starting config and some just out of range),
 * OUTDIR/fuzz_cp_frame/ (those commands as request frames in the target's
 * three modes, plus the frames the protocol refuses), and
 * OUTDIR/fuzz_cp_line.dict and OUTDIR/fuzz_cp_frame.dict (libFuzzer
 * dictionaries: every command word, option key and keyword).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cp_args.h"
#include "cp_commands.h"
#include "cp_proto.h"

#define MAX_CANDIDATES 8
#define VALUE_LEN 80

struct out {
	const char *dir;
	char line_dir[4096], frame_dir[4096];
	unsigned n_line, n_frame;
	FILE *line_dict, *frame_dict;
	/* dictionary entries already written, so each appears once */
	char **words;
	size_t n_words, cap_words;
};

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_cp_seedgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
write_file(const char *dir, const char *name, unsigned n, const void *p, size_t len)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%04u", dir, name, n);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die("writing %s: %s", path, strerror(errno));
}

static void
frame_seed(struct out *o, uint8_t mode, const void *p, size_t len)
{
	uint8_t *buf = malloc(len + 1);

	if (buf == NULL)
		die("out of memory");
	buf[0] = mode;
	memcpy(buf + 1, p, len);
	write_file(o->frame_dir, "frame", o->n_frame++, buf, len + 1);
	free(buf);
}

/* One command line as seeds of both targets (the frame target in its three modes). */
static void
line_seed(struct out *o, const char *text, bool frames_too)
{
	uint8_t *frame;
	size_t frame_len;
	bool json = (o->n_line & 1) != 0;

	write_file(o->line_dir, "line", o->n_line++, text, strlen(text));
	if (!frames_too || strpbrk(text, "\r\n") != NULL)
		return;
	if (cp_proto_request_frame(text, json, &frame, &frame_len) != 0)
		die("cannot frame \"%s\"", text);
	/* mode 0: the payload; mode 1: the whole frame, chunk byte first */
	frame_seed(o, 0, frame + CP_PROTO_HDR_LEN, frame_len - CP_PROTO_HDR_LEN);
	{
		uint8_t *s = malloc(frame_len + 1);

		if (s == NULL)
			die("out of memory");
		s[0] = (uint8_t)(o->n_frame % 5); /* 0: all at once, else that many bytes */
		memcpy(s + 1, frame, frame_len);
		frame_seed(o, 1, s, frame_len + 1);
		free(s);
	}
	free(frame);
	/* mode 2: a response whose body is the line */
	if (cp_proto_response_frame(0, text, strlen(text), &frame, &frame_len) != 0)
		die("cannot frame a response");
	frame_seed(o, 2, frame, frame_len);
	free(frame);
}

static void
dict_word(struct out *o, const char *w)
{
	size_t i;

	for (i = 0; i < o->n_words; i++)
		if (strcmp(o->words[i], w) == 0)
			return;
	if (o->n_words == o->cap_words) {
		o->cap_words = o->cap_words ? 2 * o->cap_words : 64;
		o->words = realloc(o->words, o->cap_words * sizeof(*o->words));
		if (o->words == NULL)
			die("out of memory");
	}
	o->words[o->n_words] = strdup(w);
	if (o->words[o->n_words] == NULL)
		die("out of memory");
	o->n_words++;
	/* The grammar's words are printable ASCII without quotes or backslashes. */
	fprintf(o->line_dict, "\"%s\"\n", w);
	fprintf(o->frame_dict, "\"%s\"\n", w);
}

/* ---- values for each parameter --------------------------------------------- */

struct candidates {
	unsigned n;
	char v[MAX_CANDIDATES][VALUE_LEN];
};

static void add(struct candidates *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct candidates *c, const char *fmt, ...)
{
	va_list ap;

	if (c->n == MAX_CANDIDATES)
		return;
	va_start(ap, fmt);
	vsnprintf(c->v[c->n++], VALUE_LEN, fmt, ap);
	va_end(ap);
}

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/*
 * Values for @p p, the first the most plausible for fuzz_cp_line's starting
 * config (two services 10.99.0.10:443 and 10.99.0.20:8443, ports client and
 * server, backends 10.99.1.11/12:443 and 10.99.1.21, 10.99.2.22:443).
 */
static void
candidates_for(const char *cmd, const struct cp_param *p, struct candidates *c)
{
	static const char hex[] = "00112233445566778899aabbccddeeff";
	unsigned i;

	c->n = 0;
	switch (p->type) {
	case CP_P_NAME:
		if (is(p->key, "port")) {
			add(c, "server");
			add(c, "client");
			add(c, "nosuchport");
		} else if (is(p->key, "name")) {
			add(c, "s3");
			add(c, "s1");
			add(c, "web-1_a.b");
		} else {
			add(c, "p3");
			add(c, "client");
		}
		break;
	case CP_P_DEV:
		add(c, "net_null0");
		add(c, "net_af_packet2,iface=tlslb-x");
		add(c, "0000:03:00.0");
		break;
	case CP_P_IP:
		if (is(p->key, "via")) {
			add(c, "10.99.1.254");
			add(c, "10.99.0.254");
			add(c, "203.0.113.1");
		} else if (is(p->key, "client")) {
			add(c, "198.51.100.7");
		} else {
			add(c, "10.99.1.11");
			add(c, "10.99.2.1");
			add(c, "10.99.1.99");
			add(c, "224.0.0.1");
		}
		break;
	case CP_P_PREFIX:
		if (is(p->meta, "IP/LEN")) {
			add(c, "10.99.3.1/24");
			add(c, "10.99.1.5/24");
			add(c, "10.99.4.1/31");
		} else {
			add(c, "192.0.2.0/24");
			add(c, "198.51.100.0/24");
			add(c, "0.0.0.0/0");
			add(c, "192.0.2.1/24");
		}
		break;
	case CP_P_ENDPOINT:
		if (is(p->meta, "IP:PORT")) {
			add(c, "10.99.1.11:443");
			add(c, "10.99.2.22:443");
			add(c, "10.99.1.13:443");
			add(c, "10.99.1.21:443");
		} else {
			add(c, "10.99.0.10:443");
			add(c, "10.99.0.20:8443");
			add(c, "10.99.0.30:443");
			add(c, "10.99.0.10:0");
		}
		break;
	case CP_P_MAC:
		add(c, "02:00:00:99:01:0c");
		add(c, "01:00:5e:00:00:01");
		break;
	case CP_P_UINT:
		add(c, "%u", p->min + (p->max - p->min) / 2);
		add(c, "%u", p->min);
		add(c, "%u", p->max);
		if (p->max < UINT32_MAX)
			add(c, "%u", p->max + 1);
		if (13 >= p->min && 13 <= p->max)
			add(c, "13"); /* the weight fuzz_cp_line's fake dataplane refuses */
		break;
	case CP_P_RANGE:
		add(c, "%u-%u", p->min + 1999, p->min + 2999);
		add(c, "%u-%u", p->min, p->max);
		add(c, "%u-%u", p->max, p->min);
		break;
	case CP_P_KEYWORD:
		for (i = 0; p->words[i] != NULL; i++)
			add(c, "%s", p->words[i]);
		break;
	case CP_P_FLAG:
		add(c, "%s", "");
		break;
	case CP_P_HEX:
		add(c, "%.*s", 4, hex);
		if (p->min == 0)
			add(c, "none");
		add(c, "%.*s", (int)(2 * p->max), hex);
		add(c, "%.*s", 3, hex);
		break;
	case CP_P_REST:
		add(c, "backend add");
		add(c, "service");
		add(c, "show");
		break;
	case CP_P_END:
		break;
	}
	if (c->n == 0)
		die("%s: a parameter of type %d has no example value", cmd, (int)p->type);
}

/* The line for @p cmd with value choice[i] for parameter i (-1: left out). */
static void
build_line(const struct cp_command *cmd, const struct candidates *cand, const int *choice,
	   char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", cmd->name);
	unsigned i;

	for (i = 0; cmd->params[i].type != CP_P_END; i++) {
		const struct cp_param *p = &cmd->params[i];

		if (choice[i] < 0 || used >= len)
			continue;
		if (p->key != NULL)
			used += (size_t)snprintf(buf + used, len - used, " %s", p->key);
		if (p->type != CP_P_FLAG && used < len)
			used += (size_t)snprintf(buf + used, len - used, " %s",
						 cand[i].v[choice[i]]);
	}
}

static void
command_seeds(struct out *o, const struct cp_command *cmd)
{
	struct candidates cand[CP_PARAMS_MAX];
	int choice[CP_PARAMS_MAX];
	char line[1024];
	unsigned i, n, j;
	const char *w;

	/* the command's words, its option keys and keywords for the dictionaries */
	for (w = cmd->name; *w != '\0';) {
		char word[64];
		size_t l = strcspn(w, " ");

		snprintf(word, sizeof(word), "%.*s", (int)l, w);
		dict_word(o, word);
		w += l + (w[l] == ' ');
	}
	for (n = 0; cmd->params[n].type != CP_P_END; n++) {
		if (n == CP_PARAMS_MAX)
			die("%s: more than %d parameters", cmd->name, CP_PARAMS_MAX);
		candidates_for(cmd->name, &cmd->params[n], &cand[n]);
		if (cmd->params[n].key != NULL)
			dict_word(o, cmd->params[n].key);
		if (cmd->params[n].type == CP_P_KEYWORD)
			for (j = 0; cmd->params[n].words[j] != NULL; j++)
				dict_word(o, cmd->params[n].words[j]);
	}

	/* everything given */
	for (i = 0; i < n; i++)
		choice[i] = 0;
	build_line(cmd, cand, choice, line, sizeof(line));
	line_seed(o, line, true);
	/* only what is required */
	for (i = 0; i < n; i++)
		choice[i] = cmd->params[i].optional ? -1 : 0;
	build_line(cmd, cand, choice, line, sizeof(line));
	line_seed(o, line, false);
	/* each parameter through its values, the others at their first */
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			choice[j] = 0;
		for (j = 1; j < cand[i].n; j++) {
			choice[i] = (int)j;
			build_line(cmd, cand, choice, line, sizeof(line));
			line_seed(o, line, false);
		}
	}
}

/* ---- files ----------------------------------------------------------------- */

static void
conf_seeds(struct out *o, const char *path)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	unsigned n = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		line_seed(o, line, false);
		n++;
	}
	fclose(f);
	if (n == 0)
		die("%s: no lines", path);
}

/* Paragraphs (separated by blank lines) are seeds of several lines each. */
static void
paragraph_seeds(struct out *o, const char *path)
{
	char line[2048], *para = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *p = NULL;
	unsigned n = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		bool eof = fgets(line, sizeof(line), f) == NULL;

		if (eof || line[0] == '\n') {
			if (p != NULL) {
				fclose(p);
				p = NULL;
				write_file(o->line_dir, "para", n++, para, len);
				free(para);
				para = NULL;
			}
			if (eof)
				break;
			continue;
		}
		if (p == NULL) {
			p = open_memstream(&para, &len);
			if (p == NULL)
				die("out of memory");
		}
		fputs(line, p);
	}
	fclose(f);
	if (n == 0)
		die("%s: no paragraphs", path);
}

/* What the socket protocol refuses, and what the fake handler answers specially. */
static void
protocol_seeds(struct out *o)
{
	static const uint8_t raw[][16] = {
		{ 1, 0, 0, 0, 0, 0 },                      /* length 0 */
		{ 1, 0, 0, 1, 0, 1 },                      /* length 65537 */
		{ 1, 0, 0xff, 0xff, 0xff, 0xff },          /* length 2^32 - 1 */
		{ 1, 0, 0, 0, 0, 5, 0x02, 's', 'a' },      /* unknown flag, truncated */
		{ 1, 2, 0, 0, 0, 4, 0, 'a', 0, 'b' },      /* NUL in the line */
		{ 1, 1, 0, 0, 0, 3, 1, '\r', '\n' },       /* CR LF in the line */
		{ 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },       /* empty line, then a length 0 */
		{ 1, 0, 0, 0 },                            /* half a header */
		{ 2, 0, 0, 0, 3, 0, 0, 0 },                /* response shorter than a status */
		{ 2, 1, 0, 0, 1, 0xff, 0xff, 0xff, 0xea }, /* response of 16 MiB + 1 */
		{ 2, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xea, 'b', 'a', 'd' }, /* truncated body */
	};
	static const size_t raw_len[] = { 6, 6, 6, 9, 10, 9, 11, 4, 8, 9, 12 };
	static const char *const special[] = { "Erefuse", "X", "Z", "N",
					       "B7",      "O", "",  "show version" };
	uint8_t stream[512];
	size_t i, len = 1;

	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		frame_seed(o, raw[i][0], raw[i] + 1, raw_len[i] - 1);
	/* the special answers, pipelined on one connection */
	stream[0] = 0; /* chunk byte: all at once */
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		uint8_t *frame;
		size_t frame_len;

		if (cp_proto_request_frame(special[i], i & 1, &frame, &frame_len) != 0)
			die("cannot frame \"%s\"", special[i]);
		if (len + frame_len > sizeof(stream))
			die("special stream too long");
		memcpy(stream + len, frame, frame_len);
		len += frame_len;
		free(frame);
	}
	frame_seed(o, 1, stream, len);
	/* the same, the client hanging up early (mode byte 4: 4 % 3 == 1, 4 / 3 odd) */
	frame_seed(o, 4, stream, len);
}

/*
 * `show version` in fuzz_cp_line answers with a reply its input programs
 * (see q_version there): after the line and a NUL, a table of two columns, a
 * row of a string of control, UTF-8 and broken UTF-8 bytes and a NaN, a row
 * of a u64 and a bool, a free-text block of escapes, a row of an i64 and a
 * formatted string, a row of 1e300 and a bool; then the same with a misuse.
 */
static void
reply_program_seeds(struct out *o)
{
	/* one builder operation per line */
	/* clang-format off */
	static const uint8_t program[] = {
		's', 'h', 'o', 'w', ' ', 'v', 'e', 'r', 's', 'i', 'o', 'n', '\n', 0,
		0, 1, 't', 2, 1, 'a', 1, 'b',
		1, 12, 0x01, 0x7f, 0xc3, 0xa9, 0xed, 0xa0, 0x80, 0xff, 0xf0, 0x9f, 0x98, 0x80,
		4, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 3,
		2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		5, 1,
		6, 1, 'x', 8, '\t', '\r', '\b', '\f', '\\', '"', '\n', 0x1b,
		3, 0x80, 0, 0, 0, 0, 0, 0, 0,
		7, 1, 'z',
		4, 0x7e, 0x37, 0xe4, 0x3c, 0x88, 0x00, 0x75, 0x9c, 17,
		5, 0,
	};
	/* clang-format on */
	static const uint8_t misuse[] = {
		0, 1, 't', 0,           /* a table without columns */
		1, 1, 'c',              /* a cell without a table */
		0, 1, 't', 1, 1,   'a', /* a table, then */
		6, 1, 't', 1, 'x',      /* free text under the table's name */
	};
	uint8_t buf[sizeof(program) + sizeof(misuse)];

	write_file(o->line_dir, "reply", 0, program, sizeof(program));
	memcpy(buf, program, 14);
	memcpy(buf + 14, misuse, sizeof(misuse));
	write_file(o->line_dir, "reply", 1, buf, 14 + sizeof(misuse));
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

static FILE *
open_dict(const char *dir, const char *name)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "# libFuzzer dictionary generated by fuzz_cp_seedgen from the command table\n");
	return f;
}

int
main(int argc, char **argv)
{
	static const char *const extra_words[] = {
		"#",   "none", "10.99.0.10:443",    "10.99.0.20:8443", "10.99.1.11:443",
		"/24", ":443", "02:00:00:99:01:0b", "65535",           "4294967296",
	};
	struct out o = { 0 };
	const struct cp_command *t;
	size_t n, i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s EXAMPLE_CONF SEED_LINES OUTDIR\n", argv[0]);
		return 2;
	}
	o.dir = argv[3];
	make_dir(o.dir);
	snprintf(o.line_dir, sizeof(o.line_dir), "%s/fuzz_cp_line", o.dir);
	snprintf(o.frame_dir, sizeof(o.frame_dir), "%s/fuzz_cp_frame", o.dir);
	make_dir(o.line_dir);
	make_dir(o.frame_dir);
	o.line_dict = open_dict(o.dir, "fuzz_cp_line.dict");
	o.frame_dict = open_dict(o.dir, "fuzz_cp_frame.dict");

	t = cp_commands(&n);
	for (i = 0; i < n; i++)
		command_seeds(&o, &t[i]);
	for (i = 0; i < sizeof(extra_words) / sizeof(extra_words[0]); i++)
		dict_word(&o, extra_words[i]);
	/* frame tokens: length prefixes around the limits, statuses, the JSON flag */
	fprintf(o.frame_dict, "\"\\x00\\x00\\x00\"\n\"\\x00\\x01\\x00\\x00\"\n"
			      "\"\\x00\\x01\\x00\\x01\"\n\"\\xff\\xff\\xff\\xea\"\n"
			      "\"\\x00\\x00\\x00\\x01\\x01\"\n\"\\x01\\x00\\x00\\x00\"\n");
	conf_seeds(&o, argv[1]);
	paragraph_seeds(&o, argv[2]);
	protocol_seeds(&o);
	reply_program_seeds(&o);
	if (fclose(o.line_dict) != 0 || fclose(o.frame_dict) != 0)
		die("writing the dictionaries: %s", strerror(errno));
	printf("fuzz_cp_seedgen: %zu commands, %u line seeds, %u frame seeds, %zu dictionary words\n",
	       n, o.n_line, o.n_frame, o.n_words);
	for (i = 0; i < o.n_words; i++)
		free(o.words[i]);
	free(o.words);
	return 0;
}
