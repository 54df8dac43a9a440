/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay tests: tlslb-inspect on the real captures in pcaps/, checked against
 * the NAME.expected file beside each (written by tools/make-pcaps from tshark
 * and s_client, not from tlslb-inspect); on captures derived from them at test
 * time (reordered, duplicated, resegmented, other link types), which must give
 * the same answers; and on bad input.
 *
 * usage: test_replay INSPECT PCAPS_DIR
 */
#define _GNU_SOURCE /* asprintf, nftw */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h> /* cmocka.h wants stdarg, stddef and setjmp first */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "replay_json.h"
#include "replay_pcap.h"
#include "replay_run.h"

#define PROG_NAME "tlslb-inspect"
#define VALUE_MAX 4096
#define MAX_ARGS 8

static const char *inspect_path;
static const char *pcaps_dir;
static char tmpdir[] = "/tmp/tlslb-replay.XXXXXX";

/* ---------------------------------------------------------------- helpers */

static char *
path_in(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

/* Run tlslb-inspect with a NULL-terminated list of at most MAX_ARGS arguments. */
static void
run_inspect_argv(struct run_result *res, const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int n = 0, rc;

	argv[n++] = (char *)inspect_path;
	for (; *args != NULL && n <= MAX_ARGS; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	rc = run_program(tmpdir, inspect_path, argv, res);
	if (rc < 0)
		fail_msg("cannot run %s: %s", inspect_path, strerror(-rc));
}

#define run_inspect(res, ...) run_inspect_argv((res), (const char *const[]){ __VA_ARGS__, NULL })

struct expect_pair {
	char key[64];
	char value[VALUE_MAX];
};

/* One line of a .expected file: a connection and what must be said of it. */
struct expect_line {
	unsigned conn;
	struct expect_pair *pairs;
	size_t n_pairs;
};

struct expectations {
	struct expect_line *lines;
	size_t n;
};

static void
expectations_free(struct expectations *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++)
		free(ex->lines[i].pairs);
	free(ex->lines);
	ex->lines = NULL;
	ex->n = 0;
}

static int
parse_expect_line(char *text, struct expect_line *line)
{
	char *save = NULL, *tok;

	memset(line, 0, sizeof(*line));
	for (tok = strtok_r(text, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		struct expect_pair *pairs, *pair;

		if (eq == NULL || eq == tok || (size_t)(eq - tok) >= sizeof(pair->key) ||
		    strlen(eq + 1) >= sizeof(pair->value))
			return -EINVAL;
		pairs = realloc(line->pairs, (line->n_pairs + 1) * sizeof(*pairs));
		if (pairs == NULL)
			return -ENOMEM;
		line->pairs = pairs;
		pair = &pairs[line->n_pairs++];
		memcpy(pair->key, tok, (size_t)(eq - tok));
		pair->key[eq - tok] = '\0';
		snprintf(pair->value, sizeof(pair->value), "%s", eq + 1);
		if (strcmp(pair->key, "conn") == 0)
			line->conn = (unsigned)strtoul(pair->value, NULL, 10);
	}
	return line->conn != 0 ? 0 : -EINVAL;
}

static void
load_expectations(const char *path, struct expectations *ex)
{
	char *text = read_file(path, NULL), *save = NULL, *row;

	memset(ex, 0, sizeof(*ex));
	if (text == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	for (row = strtok_r(text, "\n", &save); row != NULL; row = strtok_r(NULL, "\n", &save)) {
		struct expect_line *lines;

		if (row[0] == '#' || row[strspn(row, " \t")] == '\0')
			continue;
		lines = realloc(ex->lines, (ex->n + 1) * sizeof(*lines));
		assert_non_null(lines);
		ex->lines = lines;
		if (parse_expect_line(row, &ex->lines[ex->n]) < 0)
			fail_msg("%s: bad line: %s", path, row);
		ex->n++;
	}
	free(text);
}

/* The .expected file beside a capture. */
static char *
expected_path(const char *capture)
{
	char *name = strdup(capture), *dot, *path;

	assert_non_null(name);
	dot = strrchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	if (asprintf(&path, "%s/%s.expected", pcaps_dir, name) < 0)
		path = NULL;
	free(name);
	assert_non_null(path);
	return path;
}

/* The output line whose "conn" is conn; NULL if none. */
static char *
json_line_for_conn(const char *out, unsigned conn)
{
	char value[32], want[32];
	size_t i, n = count_lines(out);

	snprintf(want, sizeof(want), "%u", conn);
	for (i = 0; i < n; i++) {
		char *line = line_at(out, i);

		if (line != NULL && json_lookup(line, "conn", value, sizeof(value)) == 0 &&
		    strcmp(value, want) == 0)
			return line;
		free(line);
	}
	return NULL;
}

static void
check_pairs(const char *what, const char *json, const struct expect_line *line,
	    size_t key_name_hex_len)
{
	static char got[VALUE_MAX];
	size_t i;
	int rc;

	for (i = 0; i < line->n_pairs; i++) {
		const struct expect_pair *pair = &line->pairs[i];
		const char *want = pair->value;
		char cut[VALUE_MAX];

		/* with a shorter key name, a key name is a prefix of the default one */
		if (key_name_hex_len != 0 && strstr(pair->key, "key_name") != NULL &&
		    strcmp(want, "null") != 0) {
			snprintf(cut, sizeof(cut), "%.*s", (int)key_name_hex_len, want);
			want = cut;
		}
		rc = json_lookup(json, pair->key, got, sizeof(got));
		if (rc < 0)
			fail_msg("%s conn %u: key %s: %s", what, line->conn, pair->key,
				 strerror(-rc));
		if (strcmp(got, want) != 0)
			fail_msg("%s conn %u: %s is \"%s\", expected \"%s\"", what, line->conn,
				 pair->key, got, want);
	}
}

static const char *
find_pair(const struct expect_line *line, const char *key)
{
	size_t i;

	for (i = 0; i < line->n_pairs; i++)
		if (strcmp(line->pairs[i].key, key) == 0)
			return line->pairs[i].value;
	return NULL;
}

/* A copy of src with its last cut bytes gone (cut > size: keep none). */
static void
copy_truncated(const char *src, const char *dst, size_t keep_or_cut, bool keep)
{
	size_t len, n;
	char *data = read_file(src, &len);
	FILE *fp;

	if (data == NULL)
		fail_msg("%s: %s", src, strerror(errno));
	n = keep ? keep_or_cut : (len > keep_or_cut ? len - keep_or_cut : 0);
	if (n > len)
		n = len;
	fp = fopen(dst, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	free(data);
}

/* ---------------------------------------------- captures and their truth */

struct capture_row {
	const char *description;
	const char *file;
};

static const struct capture_row captures[] = {
	{ "TLS 1.2 resumption by session ID (Ethernet, IPv4)", "tls12-session-id-resumption.pcap" },
	{ "TLS 1.2 resumption by ticket (Linux cooked v1, IPv6)", "tls12-ticket-resumption.pcap" },
	{ "TLS 1.3 PSK resumption (pcapng)", "tls13-psk-resumption.pcapng" },
	{ "ClientHello over two TCP segments (Linux cooked v2)", "tls13-hello-split.pcap" },
	{ "ClientHello over three TLS records (IPv6)", "tls12-hello-records.pcap" },
};

#define N_CAPTURES (sizeof(captures) / sizeof(captures[0]))

/* Every key=value of the .expected file is in the JSON line of its connection. */
static void
test_capture_expected(void **state)
{
	const struct capture_row *row = *state;
	char *capture = path_in(pcaps_dir, row->file), *exp_path = expected_path(row->file);
	struct expectations ex;
	struct run_result res;
	char file[VALUE_MAX];
	size_t i;

	load_expectations(exp_path, &ex);
	assert_true(ex.n > 0);
	run_inspect(&res, capture);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	assert_int_equal(count_lines(res.out), ex.n);
	for (i = 0; i < ex.n; i++) {
		char *line = line_at(res.out, i);

		assert_non_null(line);
		if (!json_valid_object(line))
			fail_msg("line %zu is not a JSON object: %s", i + 1, line);
		assert_int_equal(json_lookup(line, "file", file, sizeof(file)), 0);
		assert_string_equal(file, capture);
		free(line);
	}
	for (i = 0; i < ex.n; i++) {
		char *line = json_line_for_conn(res.out, ex.lines[i].conn);

		if (line == NULL)
			fail_msg("%s: no output line for conn %u", row->file, ex.lines[i].conn);
		check_pairs(row->file, line, &ex.lines[i], 0);
		free(line);
	}
	run_result_free(&res);
	expectations_free(&ex);
	free(capture);
	free(exp_path);
}

/* --table: a title, a header, then a line per connection with its SNI and verdict. */
static void
test_capture_table(void **state)
{
	const struct capture_row *row = *state;
	char *capture = path_in(pcaps_dir, row->file), *exp_path = expected_path(row->file);
	struct expectations ex;
	struct run_result res;
	size_t i;

	load_expectations(exp_path, &ex);
	run_inspect(&res, "--table", capture);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	assert_int_equal(count_lines(res.out), 2 + ex.n);
	for (i = 0; i < ex.n; i++) {
		char *line = line_at(res.out, 2 + i), conn[16];
		const char *sni = find_pair(&ex.lines[i], "sni");
		const char *verdict = find_pair(&ex.lines[i], "verdict");

		assert_non_null(line);
		snprintf(conn, sizeof(conn), "%u ", ex.lines[i].conn);
		assert_true(strncmp(line, conn, strlen(conn)) == 0);
		if (sni != NULL && strstr(line, sni) == NULL)
			fail_msg("table line lacks SNI %s: %s", sni, line);
		if (verdict != NULL && strstr(line, verdict) == NULL)
			fail_msg("table line lacks verdict %s: %s", verdict, line);
		free(line);
	}
	run_result_free(&res);
	expectations_free(&ex);
	free(capture);
	free(exp_path);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* No capture in pcaps/ goes untested, and each has its .expected. */
static void
test_every_capture_listed(void **state)
{
	DIR *dir = opendir(pcaps_dir);
	struct dirent *de;
	unsigned seen = 0;

	(void)state;
	if (dir == NULL)
		fail_msg("%s: %s", pcaps_dir, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		bool listed = false;
		char *exp_path;
		size_t i;

		if (!has_suffix(de->d_name, ".pcap") && !has_suffix(de->d_name, ".pcapng"))
			continue;
		for (i = 0; i < N_CAPTURES; i++)
			listed |= strcmp(captures[i].file, de->d_name) == 0;
		if (!listed)
			fail_msg("%s/%s has no row in the captures table", pcaps_dir, de->d_name);
		exp_path = expected_path(de->d_name);
		if (access(exp_path, R_OK) != 0)
			fail_msg("%s: %s", exp_path, strerror(errno));
		free(exp_path);
		seen++;
	}
	closedir(dir);
	assert_int_equal(seen, N_CAPTURES);
}

/* ------------------------------------------- same traffic, other shapes */

struct transform_row {
	const char *description;
	const char *file;
	enum pcap_transform xf;
	const char *ignored; /* space-separated keys allowed to differ besides "file" */
	const char *note;    /* what stderr must say (NULL: nothing) */
};

static const struct transform_row transforms[] = {
	{ "split hello: segments swapped and retransmitted", "tls13-hello-split.pcap", XF_REORDER,
	  "" },
	{ "ticket resumption: segments swapped and retransmitted", "tls12-ticket-resumption.pcap",
	  XF_REORDER, "" },
	{ "PSK resumption: segments swapped and retransmitted", "tls13-psk-resumption.pcapng",
	  XF_REORDER, "" },
	/* more, overlapping segments: only the segment count and bytes read may change */
	{ "split hello: resegmented with overlaps", "tls13-hello-split.pcap", XF_RESEGMENT,
	  "hello_segments client_bytes" },
	{ "record-fragmented hello: resegmented with overlaps", "tls12-hello-records.pcap",
	  XF_RESEGMENT, "hello_segments client_bytes" },
	{ "session ID resumption as raw IP (DLT_RAW)", "tls12-session-id-resumption.pcap", XF_RAW,
	  "" },
	{ "PSK resumption from pcapng as raw IP", "tls13-psk-resumption.pcapng", XF_RAW, "" },
	{ "IPv6 ticket resumption as Ethernet with an 802.1Q tag", "tls12-ticket-resumption.pcap",
	  XF_VLAN, "" },
	{ "split hello as Ethernet with an 802.1Q tag", "tls13-hello-split.pcap", XF_VLAN, "" },
	{ "split hello as BSD loopback (DLT_NULL)", "tls13-hello-split.pcap", XF_NULL, "" },
	{ "IPv4 capture as LINKTYPE_IPV4", "tls12-session-id-resumption.pcap", XF_IP_TYPE, "" },
	{ "IPv6 capture as LINKTYPE_IPV6", "tls12-hello-records.pcap", XF_IP_TYPE, "" },
	{ "IPv6 with hop-by-hop and destination options headers", "tls12-ticket-resumption.pcap",
	  XF_IPV6_EXT, "" },
	{ "IPv4 fragments are skipped with a note", "tls12-session-id-resumption.pcap",
	  XF_FRAGMENT_ACKS, "", "skipped (IP fragment)" },
};

static bool
key_ignored(const char *ignored, const char *key)
{
	size_t len = strlen(key);
	const char *p = ignored;

	if (strcmp(key, "file") == 0)
		return true;
	while ((p = strstr(p, key)) != NULL) {
		if ((p == ignored || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* Same members in the same order with the same values, but for the ignored keys. */
static void
compare_lines(const char *a, const char *b, const char *ignored, size_t lineno)
{
	const char *ca = NULL, *cb = NULL;
	struct json_member ma, mb;
	int ra, rb;

	for (;;) {
		ra = json_next_member(a, &ca, &ma);
		rb = json_next_member(b, &cb, &mb);
		assert_true(ra >= 0 && rb >= 0);
		if (ra == 0 || rb == 0)
			break;
		assert_string_equal(ma.key, mb.key);
		if (key_ignored(ignored, ma.key))
			continue;
		if (ma.value_len != mb.value_len || memcmp(ma.value, mb.value, ma.value_len) != 0)
			fail_msg("line %zu: %s differs: %.*s vs %.*s", lineno, ma.key,
				 (int)ma.value_len, ma.value, (int)mb.value_len, mb.value);
	}
	assert_int_equal(ra, rb);
}

static void
test_transform(void **state)
{
	const struct transform_row *row = *state;
	char *src = path_in(pcaps_dir, row->file), *dst, errbuf[PCAP_ERRBUF_SIZE + 128];
	struct run_result orig, derived;
	unsigned changes = 0;
	size_t i, n;
	int rc;

	assert_true(asprintf(&dst, "%s/derived-%d.pcap", tmpdir, (int)(row - transforms)) > 0);
	rc = pcap_transform_file(src, dst, row->xf, &changes, errbuf, sizeof(errbuf));
	if (rc < 0)
		fail_msg("%s", errbuf);
	/* a transform that changed nothing would prove nothing */
	assert_true(changes > 0);

	run_inspect(&orig, src);
	run_inspect(&derived, dst);
	assert_int_equal(orig.status, 0);
	assert_int_equal(derived.status, 0);
	if (row->note == NULL)
		assert_string_equal(derived.err, "");
	else if (count_lines(derived.err) != 1 || strstr(derived.err, row->note) == NULL ||
		 strstr(derived.err, dst) == NULL)
		fail_msg("stderr should be one note naming %s and saying '%s': %s", dst, row->note,
			 derived.err);
	n = count_lines(orig.out);
	assert_true(n > 0);
	assert_int_equal(count_lines(derived.out), n);
	for (i = 0; i < n; i++) {
		char *a = line_at(orig.out, i), *b = line_at(derived.out, i);

		assert_non_null(a);
		assert_non_null(b);
		compare_lines(a, b, row->ignored, i + 1);
		free(a);
		free(b);
	}
	run_result_free(&orig);
	run_result_free(&derived);
	free(src);
	free(dst);
}

/* ------------------------------------- connections that do not parse */

struct damage_row {
	const char *description;
	const char *file;
	enum pcap_transform xf;
	const char *expect; /* an .expected line for the damaged connection */
};

/* Connections that cannot be parsed are still reported, with why. */
static const struct damage_row damages[] = {
	{ "client speaks first but not TLS", "tls13-hello-split.pcap", XF_CLIENT_NOT_TLS,
	  "conn=1 status=not_tls reason=record_type hello_segments=1 hello_records=null sni=null" },
	{ "handshake not captured: the first to send data is the client", "tls13-hello-split.pcap",
	  XF_DROP_SYNS,
	  "conn=1 status=ok server_port=4433 hello_segments=2 verdict=full notes.0=no_syn "
	  "notes.length=1" },
	{ "client data lost: no payload", "tls12-hello-records.pcap", XF_NO_CLIENT_PAYLOAD,
	  "conn=1 status=no_payload client_bytes=0 hello_segments=0 sni=null notes.length=0" },
	{ "second hello segment lost: incomplete, with a gap", "tls13-hello-split.pcap",
	  XF_LOSE_SECOND_SEGMENT,
	  "conn=1 status=need_more reason=none hello_segments=1 sni=null "
	  "notes.0=client_gap notes.length=1" },
};

static void
test_damage(void **state)
{
	const struct damage_row *row = *state;
	char *src = path_in(pcaps_dir, row->file), *dst, errbuf[PCAP_ERRBUF_SIZE + 128];
	char expect[1024];
	struct expect_line want;
	struct run_result res;
	unsigned changes = 0;
	char *line;
	int rc;

	assert_true(asprintf(&dst, "%s/damaged-%d.pcap", tmpdir, (int)(row - damages)) > 0);
	rc = pcap_transform_file(src, dst, row->xf, &changes, errbuf, sizeof(errbuf));
	if (rc < 0)
		fail_msg("%s", errbuf);
	assert_true(changes > 0);
	snprintf(expect, sizeof(expect), "%s", row->expect);
	assert_int_equal(parse_expect_line(expect, &want), 0);

	run_inspect(&res, dst);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	line = json_line_for_conn(res.out, want.conn);
	if (line == NULL)
		fail_msg("no line for conn %u in: %s", want.conn, res.out);
	check_pairs(row->description, line, &want, 0);
	free(line);
	free(want.pairs);
	run_result_free(&res);
	free(src);
	free(dst);
}

/* ---------------------------------------------------------- bad input */

struct bad_row {
	const char *description;
	/* writes the bad file (or not) and returns its malloc'd path */
	char *(*make)(void);
	int expect_lines; /* stdout lines still expected, -1: do not check */
};

static char *
make_missing(void)
{
	return path_in(tmpdir, "no-such-capture.pcap");
}

static char *
make_text(void)
{
	char *path = path_in(tmpdir, "notes.txt");
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs("this is a text file, not a capture\n", fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static char *
make_empty_file(void)
{
	char *path = path_in(tmpdir, "empty.pcap");
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* The last 10 bytes gone: the last frame (at least 40 bytes of headers) is cut. */
static char *
make_truncated_pcap(void)
{
	char *src = path_in(pcaps_dir, "tls12-session-id-resumption.pcap");
	char *path = path_in(tmpdir, "truncated.pcap");

	copy_truncated(src, path, 10, false);
	free(src);
	return path;
}

static char *
make_truncated_pcapng(void)
{
	char *src = path_in(pcaps_dir, "tls13-psk-resumption.pcapng");
	char *path = path_in(tmpdir, "truncated.pcapng");

	copy_truncated(src, path, 10, false);
	free(src);
	return path;
}

static char *
make_truncated_header(void)
{
	char *src = path_in(pcaps_dir, "tls12-session-id-resumption.pcap");
	char *path = path_in(tmpdir, "header-only.pcap");

	copy_truncated(src, path, 12, true);
	free(src);
	return path;
}

static char *
make_wrong_linktype(void)
{
	static const uint8_t frame[64];
	struct pcap_pkthdr hdr = { .caplen = sizeof(frame), .len = sizeof(frame) };
	char *path = path_in(tmpdir, "wifi.pcap");
	pcap_t *dead = pcap_open_dead(DLT_IEEE802_11, 65535);
	pcap_dumper_t *dumper;

	assert_non_null(dead);
	dumper = pcap_dump_open(dead, path);
	assert_non_null(dumper);
	pcap_dump((u_char *)dumper, &hdr, frame);
	pcap_dump_close(dumper);
	pcap_close(dead);
	return path;
}

static const struct bad_row bad_inputs[] = {
	{ "missing file", make_missing, 0 },
	{ "text file", make_text, 0 },
	{ "empty file", make_empty_file, 0 },
	{ "pcap cut inside its last frame", make_truncated_pcap, 2 },
	{ "pcapng cut inside its last block", make_truncated_pcapng, 2 },
	{ "pcap cut inside its file header", make_truncated_header, 0 },
	{ "unsupported link type (802.11)", make_wrong_linktype, 0 },
};

/* Exit 1 and exactly one line on stderr, naming the file. */
static void
test_bad_input(void **state)
{
	const struct bad_row *row = *state;
	char *path = row->make(), prefix[4200];
	struct run_result res;
	size_t plen;

	run_inspect(&res, path);
	assert_int_equal(res.status, 1);
	assert_int_equal(count_lines(res.err), 1);
	plen = (size_t)snprintf(prefix, sizeof(prefix), PROG_NAME ": %s: ", path);
	if (strncmp(res.err, prefix, plen) != 0)
		fail_msg("stderr does not start with '%s': %s", prefix, res.err);
	/* and says why */
	assert_true(strlen(res.err) > plen + 1);
	if (row->expect_lines >= 0)
		assert_int_equal(count_lines(res.out), (size_t)row->expect_lines);
	run_result_free(&res);
	free(path);
}

/* A bad file among good ones: the good ones are still reported, exit is 1. */
static void
test_bad_among_good(void **state)
{
	char *missing = make_missing(), *text = make_text();
	char *good = path_in(pcaps_dir, captures[0].file),
	     *exp_path = expected_path(captures[0].file);
	struct expectations ex;
	struct run_result res;

	(void)state;
	load_expectations(exp_path, &ex);
	run_inspect(&res, missing, good, text);
	assert_int_equal(res.status, 1);
	assert_int_equal(count_lines(res.err), 2);
	assert_non_null(strstr(res.err, missing));
	assert_non_null(strstr(res.err, text));
	assert_int_equal(count_lines(res.out), ex.n);
	run_result_free(&res);
	expectations_free(&ex);
	free(missing);
	free(text);
	free(good);
	free(exp_path);
}

/* A capture with no packets is fine: nothing to say, exit 0. */
static void
test_empty_capture(void **state)
{
	char *path = path_in(tmpdir, "no-packets.pcap");
	struct run_result res;

	(void)state;
	assert_int_equal(pcap_write_empty(path), 0);
	run_inspect(&res, path);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "");
	run_result_free(&res);
	free(path);
}

/* ------------------------------------------------------------- options */

struct key_name_row {
	const char *description;
	const char *file;
	const char *len; /* --key-name-len */
};

/* Key names in .expected are 16 bytes; with N, every key name is their first N. */
static const struct key_name_row key_name_rows[] = {
	{ "4-byte key names: TLS 1.2 ticket and NewSessionTicket", "tls12-ticket-resumption.pcap",
	  "4" },
	{ "8-byte key names: TLS 1.3 PSK identity", "tls13-psk-resumption.pcapng", "8" },
	{ "16-byte key names, the default, given explicitly", "tls12-ticket-resumption.pcap",
	  "16" },
};

static void
test_key_name_len(void **state)
{
	const struct key_name_row *row = *state;
	char *capture = path_in(pcaps_dir, row->file), *exp_path = expected_path(row->file);
	struct expectations ex;
	struct run_result res;
	size_t i, checked = 0;

	load_expectations(exp_path, &ex);
	run_inspect(&res, "--key-name-len", row->len, capture);
	assert_int_equal(res.status, 0);
	for (i = 0; i < ex.n; i++) {
		char *line = json_line_for_conn(res.out, ex.lines[i].conn);
		size_t k;

		assert_non_null(line);
		check_pairs(row->file, line, &ex.lines[i], 2 * strtoul(row->len, NULL, 10));
		for (k = 0; k < ex.lines[i].n_pairs; k++)
			checked += strstr(ex.lines[i].pairs[k].key, "key_name") != NULL &&
				   strcmp(ex.lines[i].pairs[k].value, "null") != 0;
		free(line);
	}
	/* the row must have exercised at least one key name */
	assert_true(checked > 0);
	run_result_free(&res);
	expectations_free(&ex);
	free(capture);
	free(exp_path);
}

struct usage_row {
	const char *description;
	const char *args[4]; /* NULL-terminated */
	int status;
};

static const struct usage_row usage_rows[] = {
	{ "no file", { NULL }, 2 },
	{ "key name length 0", { "--key-name-len", "0", "x.pcap" }, 2 },
	{ "key name length 33", { "--key-name-len", "33", "x.pcap" }, 2 },
	{ "key name length not a number", { "--key-name-len", "16x", "x.pcap" }, 2 },
	{ "unknown option", { "--frobnicate", "x.pcap", NULL }, 2 },
	{ "help", { "--help", NULL }, 0 },
};

static void
test_usage(void **state)
{
	const struct usage_row *row = *state;
	struct run_result res;

	run_inspect_argv(&res, row->args);
	assert_int_equal(res.status, row->status);
	if (row->status != 0)
		assert_true(count_lines(res.err) >= 1);
	else
		assert_non_null(strstr(res.out, "usage:"));
	run_result_free(&res);
}

/* ---------------------------------------------------------------- main */

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
add_test(struct CMUnitTest *tests, size_t *n, const char *name, CMUnitTestFunction fn,
	 const void *row)
{
	tests[*n] = (struct CMUnitTest){
		.name = name,
		.test_func = fn,
		.initial_state = (void *)row,
	};
	(*n)++;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	size_t n = 0, i, max;
	char **names;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TLSLB-INSPECT PCAPS-DIR\n", argv[0]);
		return 2;
	}
	inspect_path = argv[1];
	pcaps_dir = argv[2];

	max = 2 * N_CAPTURES + COUNT(transforms) + COUNT(damages) + COUNT(bad_inputs) +
	      COUNT(key_name_rows) + COUNT(usage_rows) + 3;
	tests = calloc(max, sizeof(*tests));
	names = calloc(2 * N_CAPTURES, sizeof(*names));
	if (tests == NULL || names == NULL)
		return 1;
	for (i = 0; i < N_CAPTURES; i++) {
		if (asprintf(&names[2 * i], "expected: %s", captures[i].description) < 0 ||
		    asprintf(&names[2 * i + 1], "table: %s", captures[i].description) < 0)
			return 1;
		add_test(tests, &n, names[2 * i], test_capture_expected, &captures[i]);
		add_test(tests, &n, names[2 * i + 1], test_capture_table, &captures[i]);
	}
	add_test(tests, &n, "every capture in pcaps/ is listed", test_every_capture_listed, NULL);
	for (i = 0; i < COUNT(transforms); i++)
		add_test(tests, &n, transforms[i].description, test_transform, &transforms[i]);
	for (i = 0; i < COUNT(damages); i++)
		add_test(tests, &n, damages[i].description, test_damage, &damages[i]);
	for (i = 0; i < COUNT(bad_inputs); i++)
		add_test(tests, &n, bad_inputs[i].description, test_bad_input, &bad_inputs[i]);
	add_test(tests, &n, "bad files among good ones", test_bad_among_good, NULL);
	add_test(tests, &n, "capture without packets", test_empty_capture, NULL);
	for (i = 0; i < COUNT(key_name_rows); i++)
		add_test(tests, &n, key_name_rows[i].description, test_key_name_len,
			 &key_name_rows[i]);
	for (i = 0; i < COUNT(usage_rows); i++)
		add_test(tests, &n, usage_rows[i].description, test_usage, &usage_rows[i]);

	rc = _cmocka_run_group_tests("replay", tests, n, group_setup, group_teardown);
	for (i = 0; i < 2 * N_CAPTURES; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
