/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/cp_keyfmt: what each writer puts where (read back with the parse
 * helpers; the servers themselves are tests/keys/keys_*.sh), the openssl
 * reader's refusals, and the file guarantees: 0600, atomic replacement seen
 * by a concurrent reader, refused directories, unwritable directories and a
 * full filesystem reported with the old files intact.
 *
 * Root only for the filesystem cases: they mount tmpfs instances in a private
 * mount namespace (gone with the process) and switch to another uid in a
 * child.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cp_keyfmt.h"

#define NKEYS 6

static char base[64]; /* private temp dir, 0700 */
static bool have_ns;  /* private mount namespace: tmpfs tests possible */
static struct cp_stek keys[NKEYS];
static char why[512];
static struct cp_err err = { why, sizeof(why) };

/* Deterministic distinct test keys: key i has every byte derived from i. */
static void
make_key(struct cp_stek *k, unsigned i, unsigned aes_len)
{
	memset(k, 0, sizeof(*k));
	for (unsigned b = 0; b < 16; b++)
		k->name[b] = (uint8_t)(0xa0 + i * 16 + b);
	for (unsigned b = 0; b < 32; b++) {
		k->hmac[b] = (uint8_t)(0x10 * i + b + 1);
		k->aes[b] = (uint8_t)(0x80 + 0x10 * i + b);
	}
	k->aes_len = (uint8_t)aes_len;
	if (aes_len == 16) {
		memset(k->hmac + 16, 0, 16);
		memset(k->aes + 16, 0, 16);
	}
}

static bool
same_key(const struct cp_stek *a, const struct cp_stek *b)
{
	return a->aes_len == b->aes_len && memcmp(a->name, b->name, 16) == 0 &&
	       memcmp(a->hmac, b->hmac, cp_stek_hmac_len(a)) == 0 &&
	       memcmp(a->aes, b->aes, a->aes_len) == 0;
}

static void
subdir(char *out, size_t len, const char *name, mode_t mode)
{
	snprintf(out, len, "%s/%s", base, name);
	assert_int_equal(mkdir(out, mode), 0);
	assert_int_equal(chmod(out, mode), 0);
}

/* Bytes of file @dir/@name into @buf; returns the length or -1. */
static ssize_t
slurp(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return n;
}

static unsigned
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* ---- formats -------------------------------------------------------- */

static void
test_names(void **state)
{
	enum cp_keyfmt f;
	char name[64];

	(void)state;
	assert_int_equal(cp_keyfmt_from_name("nginx", &f), 0);
	assert_int_equal(f, CP_KEYFMT_NGINX);
	assert_int_equal(cp_keyfmt_from_name("apache", &f), -EINVAL);
	assert_string_equal(cp_keyfmt_name(CP_KEYFMT_HAPROXY), "haproxy");
	assert_int_equal(cp_keyfmt_file_count(CP_KEYFMT_NGINX, NULL), CP_KEYFMT_NGINX_SLOTS);
	assert_int_equal(cp_keyfmt_file_name(CP_KEYFMT_NGINX, NULL, 3, name, sizeof(name)), 0);
	assert_string_equal(name, "ticket.3.key");
	assert_int_equal(cp_keyfmt_file_name(CP_KEYFMT_NGINX, NULL, CP_KEYFMT_NGINX_SLOTS, name,
					     sizeof(name)), -ERANGE);
	assert_int_equal(cp_keyfmt_file_name(CP_KEYFMT_OPENSSL, NULL, 0, name, sizeof(name)), 0);
	assert_string_equal(name, "tickets.keys");
	assert_int_equal(cp_keyfmt_file_name(CP_KEYFMT_HAPROXY,
					     &(struct cp_keyfmt_opts){ .file_name = "x.keys" }, 0,
					     name, sizeof(name)), 0);
	assert_string_equal(name, "x.keys");
	assert_int_equal(cp_keyfmt_file_name(CP_KEYFMT_HAPROXY, NULL, 1, name, sizeof(name)),
			 -ERANGE);
}

static void
test_openssl_roundtrip(void **state)
{
	struct cp_stek set_keys[4], back[8];
	char dir[256], path[300];
	unsigned n = 0, enc = 99;

	(void)state;
	subdir(dir, sizeof(dir), "openssl", 0700);
	make_key(&set_keys[0], 0, 32);
	make_key(&set_keys[1], 1, 16);
	make_key(&set_keys[2], 2, 32);
	make_key(&set_keys[3], 3, 32);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir,
					 &(struct cp_keyset){ set_keys, 4, 2 }, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/tickets.keys", dir);
	assert_int_equal(cp_keyfmt_read_openssl(path, back, 8, &n, &enc, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(enc, 2);
	for (unsigned i = 0; i < 4; i++)
		assert_true(same_key(&back[i], &set_keys[i]));
	/* too little room: refused, and the output cleansed */
	assert_int_equal(cp_keyfmt_read_openssl(path, back, 3, &n, &enc, &err), -E2BIG);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(back[i].aes_len, 0);
}

/* nginx: slot 0 encrypts, the other keys follow in set order, fillers after. */
static void
test_nginx_slots(void **state)
{
	struct cp_keyfmt_opts opts = { .nginx_slots = 6 };
	struct cp_stek set_keys[3], back[8];
	uint8_t raw[100];
	char dir[256];
	unsigned n = 0;

	(void)state;
	subdir(dir, sizeof(dir), "nginx", 0700);
	make_key(&set_keys[0], 0, 32);
	make_key(&set_keys[1], 1, 32);
	make_key(&set_keys[2], 2, 32);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir,
					 &(struct cp_keyset){ set_keys, 3, 1 }, &opts, &err), 0);
	assert_int_equal(count_entries(dir), 6); /* no temporary file left */
	assert_int_equal(cp_keyfmt_read_nginx(dir, &opts, back, 8, &n, &err), 0);
	assert_int_equal(n, 6);
	assert_true(same_key(&back[0], &set_keys[1]));
	assert_true(same_key(&back[1], &set_keys[0]));
	assert_true(same_key(&back[2], &set_keys[2]));
	/* fillers: AES-256 like the encrypting key, names nobody else has */
	for (unsigned s = 3; s < 6; s++) {
		assert_int_equal(back[s].aes_len, 32);
		for (unsigned i = 0; i < 3; i++)
			assert_memory_not_equal(back[s].name, set_keys[i].name, 16);
		for (unsigned o = 3; o < s; o++)
			assert_memory_not_equal(back[s].name, back[o].name, 16);
	}
	/* the byte layout itself: 80 = name | HMAC | AES */
	assert_int_equal(slurp(dir, "ticket.0.key", raw, sizeof(raw)), 80);
	assert_memory_equal(raw, set_keys[1].name, 16);
	assert_memory_equal(raw + 16, set_keys[1].hmac, 32);
	assert_memory_equal(raw + 48, set_keys[1].aes, 32);

	/* 48 = name | AES-128 | HMAC[16] */
	make_key(&set_keys[0], 4, 16);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir,
					 &(struct cp_keyset){ set_keys, 1, 0 }, &opts, &err), 0);
	assert_int_equal(slurp(dir, "ticket.0.key", raw, sizeof(raw)), 48);
	assert_memory_equal(raw, set_keys[0].name, 16);
	assert_memory_equal(raw + 16, set_keys[0].aes, 16);
	assert_memory_equal(raw + 32, set_keys[0].hmac, 16);
	assert_int_equal(slurp(dir, "ticket.5.key", raw, sizeof(raw)), 48);

	/* more keys than files */
	opts.nginx_slots = 2;
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir,
					 &(struct cp_keyset){ set_keys, 3, 0 }, &opts, &err), -E2BIG);
}

struct ha_case {
	const char *desc;
	unsigned n, encrypt;
	int rc;
	int line[3]; /* set index on each line, -1 = filler */
};

static const struct ha_case ha_cases[] = {
	{ "previous, current, next", 3, 1, 0, { 0, 1, 2 } },
	{ "current only", 1, 0, 0, { -1, 0, -1 } },
	{ "current, next", 2, 0, 0, { -1, 0, 1 } },
	{ "previous, current", 2, 1, 0, { 0, 1, -1 } },
	{ "two before the current", 3, 2, -E2BIG, { 0 } },
	{ "two after the current", 3, 0, -E2BIG, { 0 } },
	{ "four keys", 4, 1, -E2BIG, { 0 } },
};

static void
test_haproxy_lines(void **state)
{
	struct cp_stek set_keys[4], back[4];
	char dir[256], path[300];
	uint8_t raw[400], dec[100];
	unsigned n = 0;

	(void)state;
	subdir(dir, sizeof(dir), "haproxy", 0700);
	snprintf(path, sizeof(path), "%s/tls-ticket-keys", dir);
	for (unsigned i = 0; i < 4; i++)
		make_key(&set_keys[i], i, 32);
	for (size_t c = 0; c < sizeof(ha_cases) / sizeof(ha_cases[0]); c++) {
		const struct ha_case *hc = &ha_cases[c];
		int rc = cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
					 &(struct cp_keyset){ set_keys, hc->n, hc->encrypt }, NULL,
					 &err);

		print_message("# %s\n", hc->desc);
		assert_int_equal(rc, hc->rc);
		if (rc < 0)
			continue;
		assert_int_equal(cp_keyfmt_read_haproxy(path, back, 4, &n, &err), 0);
		assert_int_equal(n, 3);
		for (unsigned l = 0; l < 3; l++) {
			if (hc->line[l] >= 0) {
				assert_true(same_key(&back[l], &set_keys[hc->line[l]]));
			} else {
				for (unsigned i = 0; i < 4; i++)
					assert_memory_not_equal(back[l].name, set_keys[i].name, 16);
			}
		}
	}
	/* the byte layout: base64 of name | AES | HMAC */
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
					 &(struct cp_keyset){ set_keys, 3, 1 }, NULL, &err), 0);
	assert_int_equal(slurp(dir, "tls-ticket-keys", raw, sizeof(raw)), 3 * 109);
	assert_int_equal(raw[108], '\n');
	assert_int_equal(EVP_DecodeBlock(dec, raw + 109, 108), 81); /* 80 + 1 for the '=' */
	assert_memory_equal(dec, set_keys[1].name, 16);
	assert_memory_equal(dec + 16, set_keys[1].aes, 32);
	assert_memory_equal(dec + 48, set_keys[1].hmac, 32);
	/* one AES length per file (HAProxy's rule) */
	make_key(&set_keys[0], 0, 16);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
					 &(struct cp_keyset){ set_keys, 2, 1 }, NULL, &err), -EINVAL);
	make_key(&set_keys[1], 1, 16);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
					 &(struct cp_keyset){ set_keys, 2, 1 }, NULL, &err), 0);
	assert_int_equal(slurp(dir, "tls-ticket-keys", raw, sizeof(raw)), 3 * 65);
}

static void
test_haproxy_cmd(void **state)
{
	char cmd[CP_KEYFMT_HAPROXY_CMD_MAX], small[40];
	struct cp_stek k, back;
	const char *prefix = "set ssl tls-key /etc/haproxy/tls-ticket-keys ";
	int n;

	(void)state;
	make_key(&k, 3, 32);
	n = cp_keyfmt_haproxy_cmd("/etc/haproxy/tls-ticket-keys", &k, cmd, sizeof(cmd));
	assert_int_equal(n, (int)strlen(prefix) + 108 + 1);
	assert_memory_equal(cmd, prefix, strlen(prefix));
	assert_int_equal(cmd[n - 1], '\n');
	assert_int_equal(cp_keyfmt_parse_haproxy_line(cmd + strlen(prefix), &back), 0);
	assert_true(same_key(&back, &k));
	assert_int_equal(cp_keyfmt_haproxy_cmd("#1", &k, cmd, sizeof(cmd)),
			 (int)strlen("set ssl tls-key #1 ") + 109);
	assert_int_equal(cp_keyfmt_haproxy_cmd("a b", &k, cmd, sizeof(cmd)), -EINVAL);
	assert_int_equal(cp_keyfmt_haproxy_cmd("a;show", &k, cmd, sizeof(cmd)), -EINVAL);
	assert_int_equal(cp_keyfmt_haproxy_cmd("#1", &k, small, sizeof(small)), -ENOSPC);
	for (size_t i = 0; i < sizeof(small); i++)
		assert_int_equal(small[i], 0); /* no partial key left in the buffer */
}

static void
test_parse_helpers(void **state)
{
	uint8_t raw[80];
	struct cp_stek k;

	(void)state;
	memset(raw, 7, sizeof(raw));
	assert_int_equal(cp_keyfmt_parse_nginx(raw, 80, &k), 0);
	assert_int_equal(k.aes_len, 32);
	assert_int_equal(cp_keyfmt_parse_nginx(raw, 48, &k), 0);
	assert_int_equal(k.aes_len, 16);
	assert_int_equal(cp_keyfmt_parse_nginx(raw, 79, &k), -EINVAL);
	assert_int_equal(cp_keyfmt_parse_haproxy_line("AAAA", &k), -EINVAL);
	assert_int_equal(cp_keyfmt_parse_haproxy_line(
				 "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", &k),
			 -EINVAL);
}

struct bad_file {
	const char *desc;
	const char *text;
};

#define KEYLINE "key a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 128 01020304050607080910111213141516 " \
		"80818283848586878889909192939495\n"
#define GOOD_FILE "# comment\ntlslb-ticket-keys 1\n\nencrypt 0\n" KEYLINE "end\n"
#define HMAC_HEX "0102030405060708091011121314151617181920212223242526272829303132"

static const struct bad_file bad_files[] = {
	{ "empty", "" },
	{ "wrong magic", "tlslb-ticket-keyz 1\nencrypt 0\n" KEYLINE "end\n" },
	{ "wrong version", "tlslb-ticket-keys 2\nencrypt 0\n" KEYLINE "end\n" },
	{ "no end (truncated)", "tlslb-ticket-keys 1\nencrypt 0\n" KEYLINE },
	{ "cut inside a key line", "tlslb-ticket-keys 1\nencrypt 0\nkey a0a1a2a3 128\nend\n" },
	{ "no encrypt line", "tlslb-ticket-keys 1\n" KEYLINE "end\n" },
	{ "encrypt out of range", "tlslb-ticket-keys 1\nencrypt 1\n" KEYLINE "end\n" },
	{ "no keys", "tlslb-ticket-keys 1\nencrypt 0\nend\n" },
	{ "odd AES size", "tlslb-ticket-keys 1\nencrypt 0\nkey a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 192 "
			  HMAC_HEX " 00\nend\n" },
	{ "HMAC too short for AES-256", "tlslb-ticket-keys 1\nencrypt 0\n"
					"key a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 256 0102 "
					HMAC_HEX "\nend\n" },
	{ "non-hex", "tlslb-ticket-keys 1\nencrypt 0\nkey zz\nend\n" },
	{ "text after end", "tlslb-ticket-keys 1\nencrypt 0\n" KEYLINE "end\nkey\n" },
	{ "unknown line", "tlslb-ticket-keys 1\nencrypt 0\nfoo\n" KEYLINE "end\n" },
};

static void
test_openssl_reader_refuses(void **state)
{
	char dir[256], path[300];
	struct cp_stek back[4];
	unsigned n, enc;

	(void)state;
	subdir(dir, sizeof(dir), "bad", 0700);
	snprintf(path, sizeof(path), "%s/t.keys", dir);
	for (size_t c = 0; c < sizeof(bad_files) / sizeof(bad_files[0]); c++) {
		FILE *f = fopen(path, "w");

		print_message("# %s\n", bad_files[c].desc);
		assert_non_null(f);
		fputs(bad_files[c].text, f);
		fclose(f);
		why[0] = '\0';
		assert_int_equal(cp_keyfmt_read_openssl(path, back, 4, &n, &enc, &err), -EBADMSG);
		assert_true(why[0] != '\0');
		assert_null(strstr(why, "0102030405")); /* reasons never quote key bytes */
	}
	/* the lines the bad files are built from do parse */
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(GOOD_FILE, f);
	fclose(f);
	assert_int_equal(cp_keyfmt_read_openssl(path, back, 4, &n, &enc, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(back[0].aes_len, 16);
	assert_int_equal(back[0].aes[15], 0x95);
	assert_int_equal(cp_keyfmt_read_openssl("/nonexistent/t.keys", back, 4, &n, &enc, &err),
			 -ENOENT);
}

/* ---- file guarantees ------------------------------------------------ */

static void
test_mode_0600(void **state)
{
	const enum cp_keyfmt fmts[] = { CP_KEYFMT_OPENSSL, CP_KEYFMT_NGINX, CP_KEYFMT_HAPROXY };
	struct cp_keyfmt_opts opts = { .nginx_slots = 3 };
	mode_t old = umask(0);
	char dir[256], name[64], path[400];
	struct stat st;

	(void)state;
	subdir(dir, sizeof(dir), "mode", 0700);
	for (size_t f = 0; f < 3; f++) {
		assert_int_equal(cp_keyfmt_write(fmts[f], dir, &(struct cp_keyset){ keys, 2, 0 },
						 &opts, &err), 0);
		for (unsigned s = 0; s < cp_keyfmt_file_count(fmts[f], &opts); s++) {
			cp_keyfmt_file_name(fmts[f], &opts, s, name, sizeof(name));
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(st.st_mode & 07777, 0600);
			assert_int_equal(st.st_uid, geteuid());
		}
	}
	umask(old);
}

struct dir_case {
	const char *desc;
	mode_t mode;
	uid_t owner; /* (uid_t)-1: ours */
	int rc;
	const char *why; /* the reason contains this */
};

static const struct dir_case dir_cases[] = {
	{ "0700, ours", 0700, (uid_t)-1, 0, NULL },
	{ "0755, ours", 0755, (uid_t)-1, 0, NULL },
	{ "group-writable", 0770, (uid_t)-1, -EPERM, "group- or world-writable" },
	{ "world-writable", 0707, (uid_t)-1, -EPERM, "group- or world-writable" },
	{ "sticky /tmp-like", 01777, (uid_t)-1, -EPERM, "group- or world-writable" },
	{ "owned by someone else", 0700, 4242, -EPERM, "owned by uid 4242" },
};

static void
test_dir_refused(void **state)
{
	char dir[256], name[32];
	uint8_t raw[100];

	(void)state;
	for (size_t c = 0; c < sizeof(dir_cases) / sizeof(dir_cases[0]); c++) {
		const struct dir_case *dc = &dir_cases[c];

		print_message("# %s\n", dc->desc);
		snprintf(name, sizeof(name), "dir%zu", c);
		subdir(dir, sizeof(dir), name, dc->mode);
		if (dc->owner != (uid_t)-1) {
			if (geteuid() != 0)
				continue;
			assert_int_equal(chown(dir, dc->owner, 0), 0);
		}
		why[0] = '\0';
		assert_int_equal(cp_keyfmt_check_dir(dir, &err), dc->rc);
		assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
						 &(struct cp_keyset){ keys, 3, 1 }, NULL, &err),
				 dc->rc);
		if (dc->why != NULL)
			assert_non_null(strstr(why, dc->why));
		assert_int_equal(slurp(dir, "tls-ticket-keys", raw, sizeof(raw)) < 0, dc->rc < 0);
	}
	snprintf(dir, sizeof(dir), "%s/dir0/tls-ticket-keys", base);
	assert_int_equal(cp_keyfmt_check_dir(dir, &err), -ENOTDIR);
	snprintf(dir, sizeof(dir), "%s/missing", base);
	assert_int_equal(cp_keyfmt_check_dir(dir, &err), -ENOENT);
	assert_non_null(strstr(why, "missing"));
}

/* Old files of all three formats in @dir, their bytes kept in @old. */
struct snapshot {
	char name[16][256];
	uint8_t data[16][1024];
	ssize_t len[16];
	unsigned n;
};

static void
snap(const char *dir, struct snapshot *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	s->n = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(s->n < 16);
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", e->d_name);
		s->len[s->n] = slurp(dir, e->d_name, s->data[s->n], sizeof(s->data[0]));
		s->n++;
	}
	closedir(d);
}

static void
assert_unchanged(const char *dir, const struct snapshot *old)
{
	struct snapshot *now = calloc(1, sizeof(*now));

	assert_non_null(now);
	snap(dir, now);
	assert_int_equal(now->n, old->n);
	for (unsigned i = 0; i < old->n; i++) {
		uint8_t buf[1024];
		ssize_t n = slurp(dir, old->name[i], buf, sizeof(buf));

		assert_int_equal(n, old->len[i]);
		assert_memory_equal(buf, old->data[i], (size_t)n);
	}
	free(now);
	/* and no temporary file left behind (they start with '.') */
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    e->d_name[0] != '.');
	closedir(d);
}

static void
write_all_formats(const char *dir, const struct cp_stek *k, unsigned n, int want)
{
	struct cp_keyfmt_opts opts = { .nginx_slots = 4 };

	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir,
					 &(struct cp_keyset){ k, n, 0 }, &opts, &err), want);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir,
					 &(struct cp_keyset){ k, n, 0 }, &opts, &err), want);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir,
					 &(struct cp_keyset){ k, n < 3 ? n : 2, 0 }, &opts, &err), want);
}

static void
tmpfs_at(char *dir, size_t len, const char *name, const char *opts)
{
	subdir(dir, len, name, 0700);
	assert_int_equal(mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts), 0);
}

static void
test_disk_full(void **state)
{
	struct snapshot *old = calloc(1, sizeof(*old));
	char dir[256], path[300];
	static uint8_t junk[4096];
	int fd;

	(void)state;
	if (!have_ns)
		skip();
	tmpfs_at(dir, sizeof(dir), "full", "size=64k,mode=0700");
	write_all_formats(dir, &keys[0], 2, 0);
	snap(dir, old);
	/* fill the filesystem to the last byte */
	snprintf(path, sizeof(path), "%s/ballast", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	while (write(fd, junk, 1) > 0)
		;
	close(fd);

	why[0] = '\0';
	write_all_formats(dir, &keys[2], 3, -ENOSPC);
	assert_non_null(strstr(why, "No space left"));
	unlink(path);
	assert_unchanged(dir, old);
	/* room again: the write goes through */
	write_all_formats(dir, &keys[2], 3, 0);
	umount2(dir, MNT_DETACH);
	free(old);
}

static void
test_read_only(void **state)
{
	struct snapshot *old = calloc(1, sizeof(*old));
	char dir[256];

	(void)state;
	if (!have_ns)
		skip();
	tmpfs_at(dir, sizeof(dir), "ro", "size=64k,mode=0700");
	write_all_formats(dir, &keys[0], 2, 0);
	snap(dir, old);
	assert_int_equal(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	why[0] = '\0';
	write_all_formats(dir, &keys[2], 3, -EROFS);
	assert_non_null(strstr(why, "Read-only file system"));
	assert_unchanged(dir, old);
	umount2(dir, MNT_DETACH);
	free(old);
}

/* A directory the (unprivileged) writer may not write into: EACCES. */
static void
test_unwritable(void **state)
{
	char dir[256];
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	subdir(dir, sizeof(dir), "unwritable", 0500);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(chmod(base, 0711), 0); /* let the child reach it */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char reason[256] = "";
		struct cp_err e = { reason, sizeof(reason) };
		int rc;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		rc = cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &(struct cp_keyset){ keys, 1, 0 },
				     NULL, &e);
		_exit(rc == -EACCES && strstr(reason, "Permission denied") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(base, 0700), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(dir), 0);
}

/*
 * A reader loop in a child reads the file while the parent replaces it 1000
 * times, alternating two sets: every read must be one whole set or the other.
 */
static void
test_atomic_replace(void **state)
{
	enum { REWRITES = 1000 };
	struct cp_keyset sets[2] = { { &keys[0], 2, 0 }, { &keys[2], 3, 2 } };
	char dir[256], path[300];
	int pipefd[2];
	pid_t pid;
	int status;

	(void)state;
	subdir(dir, sizeof(dir), "atomic", 0700);
	snprintf(path, sizeof(path), "%s/tickets.keys", dir);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &sets[0], NULL, &err), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cp_stek back[8];
		long counts[2] = { 0, 0 };
		char stop;

		close(pipefd[1]);
		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		/* read until the parent closes the pipe */
		while (read(pipefd[0], &stop, 1) < 0 && errno == EAGAIN) {
			char reason[256];
			struct cp_err e = { reason, sizeof(reason) };
			unsigned n = 0, enc = 0;

			counts[0]++;
			if (cp_keyfmt_read_openssl(path, back, 8, &n, &enc, &e) < 0) {
				counts[1]++;
				continue;
			}
			bool a = n == 2 && enc == 0 && same_key(&back[0], &keys[0]) &&
				 same_key(&back[1], &keys[1]);
			bool b = n == 3 && enc == 2 && same_key(&back[0], &keys[2]) &&
				 same_key(&back[1], &keys[3]) && same_key(&back[2], &keys[4]);
			if (!a && !b)
				counts[1]++;
		}
		/* report through the exit status: 0 = no bad read and enough reads */
		_exit(counts[1] != 0 ? 1 : counts[0] < 100 ? 2 : 0);
	}
	close(pipefd[0]);
	for (unsigned i = 0; i < REWRITES; i++)
		assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &sets[i % 2], NULL, &err),
				 0);
	close(pipefd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	print_message("# reader exit %d (0: every read whole, 1: a partial or mixed read, 2: too few reads)\n",
		      WEXITSTATUS(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(dir), 1);
}

static void
test_bad_sets(void **state)
{
	char dir[256];
	struct cp_stek odd;

	(void)state;
	subdir(dir, sizeof(dir), "sets", 0700);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &(struct cp_keyset){ keys, 0, 0 },
					 NULL, &err), -EINVAL);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &(struct cp_keyset){ keys, 2, 2 },
					 NULL, &err), -EINVAL);
	make_key(&odd, 9, 24);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir, &(struct cp_keyset){ &odd, 1, 0 },
					 NULL, &err), -EINVAL);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_HAPROXY, dir, &(struct cp_keyset){ keys, 1, 0 },
					 &(struct cp_keyfmt_opts){ .file_name = "../escape" }, &err),
			 -EINVAL);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_OPENSSL, dir, &(struct cp_keyset){ keys, 1, 0 },
					 &(struct cp_keyfmt_opts){ .file_name = ".hidden" }, &err),
			 -EINVAL);
	assert_int_equal(cp_keyfmt_write(CP_KEYFMT_NGINX, dir, &(struct cp_keyset){ keys, 1, 0 },
					 &(struct cp_keyfmt_opts){ .nginx_slots = 65 }, &err),
			 -E2BIG);
	assert_int_equal(cp_keyfmt_write((enum cp_keyfmt)7, dir, &(struct cp_keyset){ keys, 1, 0 },
					 NULL, &err), -EINVAL);
	assert_int_equal(count_entries(dir), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/test-keyfmt.XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	for (unsigned i = 0; i < NKEYS; i++)
		make_key(&keys[i], i, 32);
	/* tmpfs mounts only in a namespace of our own: nothing leaks out */
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		have_ns = true;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const mounts[] = { "full", "ro" };
	char cmd[128];

	(void)state;
	/* a failed assertion may have left a tmpfs mounted (in our namespace) */
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", base, mounts[i]);
		umount2(cmd, MNT_DETACH);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_openssl_roundtrip),
		cmocka_unit_test(test_nginx_slots),
		cmocka_unit_test(test_haproxy_lines),
		cmocka_unit_test(test_haproxy_cmd),
		cmocka_unit_test(test_parse_helpers),
		cmocka_unit_test(test_openssl_reader_refuses),
		cmocka_unit_test(test_bad_sets),
		cmocka_unit_test(test_mode_0600),
		cmocka_unit_test(test_dir_refused),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_atomic_replace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
