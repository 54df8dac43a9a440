/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session-ticket keys in the formats servers read: encoders, the atomic
 * multi-file writer, and readers. The byte layouts are documented in
 * cp_keyfmt.h; they come from nginx's ngx_ssl_session_ticket_keys() and
 * HAProxy's tls-ticket-keys loader and are checked against both servers by
 * tests/keys.
 */
#define _GNU_SOURCE
#include "cp_keyfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define KF_MAX_FILES 64        /* nginx slots at most */
#define KF_OPENSSL_MAX (16 * 1024)
#define KF_HAPROXY_MAX 1024
#define KF_HAPROXY_LINES 3     /* HAProxy's TLS_TICKETS_NO */
#define KF_NAME_MAX 256

/* "key" lines are 171 bytes at most: the whole set always fits */
_Static_assert(KF_OPENSSL_MAX > CP_KEYFMT_MAX_KEYS * 180 + 256, "openssl-format buffer too small");

static const char *const kf_names[] = {
	[CP_KEYFMT_OPENSSL] = "openssl",
	[CP_KEYFMT_NGINX] = "nginx",
	[CP_KEYFMT_HAPROXY] = "haproxy",
};

static const char *const kf_default_file[] = {
	[CP_KEYFMT_OPENSSL] = "tickets.keys",
	[CP_KEYFMT_NGINX] = NULL,
	[CP_KEYFMT_HAPROXY] = "tls-ticket-keys",
};

/* One file of a write: its final name, contents, and the temporary name. */
struct kf_out {
	char name[KF_NAME_MAX];
	char tmp[KF_NAME_MAX + 48];
	uint8_t *data;
	size_t len;
	bool tmp_made;
};

const char *
cp_keyfmt_name(enum cp_keyfmt fmt)
{
	if ((unsigned)fmt >= sizeof(kf_names) / sizeof(kf_names[0]))
		return "?";
	return kf_names[fmt];
}

int
cp_keyfmt_from_name(const char *name, enum cp_keyfmt *fmt)
{
	for (unsigned i = 0; i < sizeof(kf_names) / sizeof(kf_names[0]); i++) {
		if (strcmp(name, kf_names[i]) == 0) {
			*fmt = (enum cp_keyfmt)i;
			return 0;
		}
	}
	return -EINVAL;
}

static unsigned
kf_nginx_slots(const struct cp_keyfmt_opts *opts)
{
	if (opts == NULL || opts->nginx_slots == 0)
		return CP_KEYFMT_NGINX_SLOTS;
	return opts->nginx_slots;
}

unsigned
cp_keyfmt_file_count(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts)
{
	return fmt == CP_KEYFMT_NGINX ? kf_nginx_slots(opts) : 1;
}

int
cp_keyfmt_file_name(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts,
		    unsigned slot, char *buf, size_t len)
{
	int n;

	if ((unsigned)fmt >= sizeof(kf_names) / sizeof(kf_names[0]) ||
	    slot >= cp_keyfmt_file_count(fmt, opts))
		return -ERANGE;
	if (fmt == CP_KEYFMT_NGINX)
		n = snprintf(buf, len, "ticket.%u.key", slot);
	else if (opts != NULL && opts->file_name != NULL)
		n = snprintf(buf, len, "%s", opts->file_name);
	else
		n = snprintf(buf, len, "%s", kf_default_file[fmt]);
	if (n < 0 || (size_t)n >= len)
		return -ERANGE;
	return 0;
}

/* ---- the directory ---------------------------------------------------- */

static int
kf_check_dir_fd(int dfd, const char *dir, struct cp_err *err)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(dfd, &st) < 0)
		return cp_errf(err, errno, "%s: stat: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cp_errf(err, ENOTDIR, "%s: not a directory", dir);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return cp_errf(err, EPERM,
			       "%s: directory is group- or world-writable (mode %04o): others could replace the key files",
			       dir, (unsigned)(st.st_mode & 07777));
	if (st.st_uid != me && st.st_uid != 0)
		return cp_errf(err, EPERM,
			       "%s: directory owned by uid %u, neither us (uid %u) nor root",
			       dir, (unsigned)st.st_uid, (unsigned)me);
	return 0;
}

static int
kf_open_dir(const char *dir, struct cp_err *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return cp_errf(err, errno, "%s: %s", dir, strerror(errno));
	return dfd;
}

int
cp_keyfmt_check_dir(const char *dir, struct cp_err *err)
{
	int dfd = kf_open_dir(dir, err);
	int rc;

	if (dfd < 0)
		return dfd;
	rc = kf_check_dir_fd(dfd, dir, err);
	close(dfd);
	return rc;
}

/* ---- encoding helpers ------------------------------------------------- */

static void
kf_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
kf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly @len bytes from a token of exactly 2*@len hex digits. */
static int
kf_unhex(uint8_t *out, size_t len, const char *tok, size_t toklen)
{
	if (toklen != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = kf_hexval(tok[2 * i]), lo = kf_hexval(tok[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool
kf_key_valid(const struct cp_stek *k)
{
	return k->aes_len == 16 || k->aes_len == 32;
}

/* A key nobody holds: fills the slots a server insists on having. */
static int
kf_filler(struct cp_stek *k, uint8_t aes_len, struct cp_err *err)
{
	memset(k, 0, sizeof(*k));
	k->aes_len = aes_len;
	if (RAND_priv_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_priv_bytes(k->hmac, sizeof(k->hmac)) != 1 ||
	    RAND_priv_bytes(k->aes, sizeof(k->aes)) != 1)
		return cp_errf(err, EIO, "random filler key: RAND_priv_bytes failed");
	return 0;
}

static int
kf_check_set(const struct cp_keyset *set, struct cp_err *err)
{
	if (set == NULL || set->keys == NULL || set->n == 0)
		return cp_errf(err, EINVAL, "empty key set");
	if (set->n > CP_KEYFMT_MAX_KEYS)
		return cp_errf(err, E2BIG, "%u keys, at most %u", set->n, CP_KEYFMT_MAX_KEYS);
	if (set->encrypt >= set->n)
		return cp_errf(err, EINVAL, "encrypting key %u of %u keys", set->encrypt, set->n);
	for (unsigned i = 0; i < set->n; i++)
		if (!kf_key_valid(&set->keys[i]))
			return cp_errf(err, EINVAL, "key %u: AES length %u, not 16 or 32",
				       i, set->keys[i].aes_len);
	return 0;
}

/* A file name inside the directory, never a path, never one of our temporaries. */
static int
kf_check_opts(const struct cp_keyfmt_opts *opts, struct cp_err *err)
{
	const char *name = opts != NULL ? opts->file_name : NULL;

	if (opts != NULL && opts->nginx_slots > KF_MAX_FILES)
		return cp_errf(err, E2BIG, "nginx: %u slots, at most %u", opts->nginx_slots,
			       KF_MAX_FILES);
	if (name == NULL)
		return 0;
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
	    strlen(name) >= KF_NAME_MAX)
		return cp_errf(err, EINVAL,
			       "key file name \"%.64s\": a plain name inside the directory, not starting with '.'",
			       name);
	return 0;
}

static void
kf_outs_free(struct kf_out *outs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		OPENSSL_clear_free(outs[i].data, outs[i].len);
		outs[i].data = NULL;
		outs[i].len = 0;
	}
}

static int
kf_out_alloc(struct kf_out *out, size_t cap, struct cp_err *err)
{
	out->data = OPENSSL_zalloc(cap);
	if (out->data == NULL)
		return cp_errf(err, ENOMEM, "out of memory");
	out->len = 0;
	return 0;
}

/* ---- encoders: a key set -> the files of one format ------------------- */

static int
kf_encode_openssl(const struct cp_keyset *set, const struct cp_keyfmt_opts *opts,
		  struct kf_out *outs, unsigned *nouts, struct cp_err *err)
{
	char name[2 * CP_STEK_NAME_LEN + 1];
	char hmac[2 * CP_STEK_HMAC_LEN + 1];
	char aes[2 * CP_STEK_AES_MAX + 1];
	struct kf_out *o = &outs[0];
	size_t cap = KF_OPENSSL_MAX;
	int rc, n;

	rc = kf_out_alloc(o, cap, err);
	if (rc < 0)
		return rc;
	*nouts = 1;
	cp_keyfmt_file_name(CP_KEYFMT_OPENSSL, opts, 0, o->name, sizeof(o->name));
	n = snprintf((char *)o->data, cap,
		     "# tlslb session-ticket keys, written by tlslb; do not edit\n"
		     "tlslb-ticket-keys 1\nencrypt %u\n", set->encrypt);
	o->len = (size_t)n;
	for (unsigned i = 0; i < set->n; i++) {
		const struct cp_stek *k = &set->keys[i];

		kf_hex(name, k->name, sizeof(k->name));
		kf_hex(hmac, k->hmac, cp_stek_hmac_len(k));
		kf_hex(aes, k->aes, k->aes_len);
		n = snprintf((char *)o->data + o->len, cap - o->len, "key %s %u %s %s\n",
			     name, k->aes_len * 8u, hmac, aes);
		o->len += (size_t)n;
	}
	n = snprintf((char *)o->data + o->len, cap - o->len, "end\n");
	o->len += (size_t)n;
	OPENSSL_cleanse(hmac, sizeof(hmac));
	OPENSSL_cleanse(aes, sizeof(aes));
	return 0;
}

/* nginx: 80 = name | hmac[32] | aes[32]; 48 = name | aes[16] | hmac[16]. */
static size_t
kf_nginx_bytes(const struct cp_stek *k, uint8_t *buf)
{
	memcpy(buf, k->name, 16);
	if (k->aes_len == 32) {
		memcpy(buf + 16, k->hmac, 32);
		memcpy(buf + 48, k->aes, 32);
		return 80;
	}
	memcpy(buf + 16, k->aes, 16);
	memcpy(buf + 32, k->hmac, 16);
	return 48;
}

static int
kf_encode_nginx(const struct cp_keyset *set, const struct cp_keyfmt_opts *opts,
		struct kf_out *outs, unsigned *nouts, struct cp_err *err)
{
	unsigned slots = kf_nginx_slots(opts);
	unsigned next = 0;
	struct cp_stek filler;
	int rc = 0;

	if (set->n > slots)
		return cp_errf(err, E2BIG,
			       "nginx: %u keys but only %u ticket key files configured", set->n, slots);
	/*
	 * Outputs are listed in rename order: decrypt-only slots first and the
	 * encrypting slot 0 last, so a reload racing the renames never has a
	 * new encrypting key before the keys that decrypt beside it.
	 */
	for (unsigned s = slots; s-- > 0;) {
		struct kf_out *o = &outs[next++];
		const struct cp_stek *k;

		rc = kf_out_alloc(o, 80, err);
		if (rc < 0)
			break;
		cp_keyfmt_file_name(CP_KEYFMT_NGINX, opts, s, o->name, sizeof(o->name));
		if (s == 0) {
			k = &set->keys[set->encrypt];
		} else {
			/* slot s holds the s-th key that is not the encrypting one */
			unsigned idx = s - 1 < set->encrypt ? s - 1 : s;

			if (idx < set->n) {
				k = &set->keys[idx];
			} else {
				rc = kf_filler(&filler, set->keys[set->encrypt].aes_len, err);
				if (rc < 0)
					break;
				k = &filler;
			}
		}
		o->len = kf_nginx_bytes(k, o->data);
	}
	*nouts = next;
	OPENSSL_cleanse(&filler, sizeof(filler));
	return rc;
}

/* HAProxy: 80 = name | aes[32] | hmac[32]; 48 = name | aes[16] | hmac[16]. */
static size_t
kf_haproxy_bytes(const struct cp_stek *k, uint8_t *buf)
{
	memcpy(buf, k->name, 16);
	memcpy(buf + 16, k->aes, k->aes_len);
	memcpy(buf + 16 + k->aes_len, k->hmac, k->aes_len);
	return 16 + 2u * k->aes_len;
}

/* base64 of one key, NUL-terminated; returns the text length. */
static int
kf_haproxy_b64(const struct cp_stek *k, char *out)
{
	uint8_t raw[80];
	size_t len = kf_haproxy_bytes(k, raw);
	int n = EVP_EncodeBlock((unsigned char *)out, raw, (int)len);

	OPENSSL_cleanse(raw, sizeof(raw));
	return n;
}

static int
kf_encode_haproxy(const struct cp_keyset *set, const struct cp_keyfmt_opts *opts,
		  struct kf_out *outs, unsigned *nouts, struct cp_err *err)
{
	const struct cp_stek *enc = &set->keys[set->encrypt];
	const struct cp_stek *line[KF_HAPROXY_LINES];
	struct cp_stek fillers[2];
	struct kf_out *o = &outs[0];
	char b64[128];
	int rc;

	if (set->encrypt > 1 || set->n - set->encrypt > 2)
		return cp_errf(err, E2BIG,
			       "haproxy: decrypts with 3 keys (previous, current, next); set has %u keys, encrypting one is #%u",
			       set->n, set->encrypt);
	for (unsigned i = 0; i < set->n; i++)
		if (set->keys[i].aes_len != enc->aes_len)
			return cp_errf(err, EINVAL,
				       "haproxy: all keys of a file need the same AES length");
	rc = kf_filler(&fillers[0], enc->aes_len, err);
	if (rc == 0)
		rc = kf_filler(&fillers[1], enc->aes_len, err);
	if (rc < 0)
		goto out;
	/* penultimate line encrypts; the older key before it, the newer after */
	line[0] = set->encrypt == 1 ? &set->keys[0] : &fillers[0];
	line[1] = enc;
	line[2] = set->encrypt + 1 < set->n ? &set->keys[set->encrypt + 1] : &fillers[1];

	rc = kf_out_alloc(o, KF_HAPROXY_MAX, err);
	if (rc < 0)
		goto out;
	*nouts = 1;
	cp_keyfmt_file_name(CP_KEYFMT_HAPROXY, opts, 0, o->name, sizeof(o->name));
	for (unsigned i = 0; i < KF_HAPROXY_LINES; i++) {
		int n = kf_haproxy_b64(line[i], b64);

		memcpy(o->data + o->len, b64, (size_t)n);
		o->len += (size_t)n;
		o->data[o->len++] = '\n';
	}
out:
	OPENSSL_cleanse(b64, sizeof(b64));
	OPENSSL_cleanse(fillers, sizeof(fillers));
	return rc;
}

typedef int (*kf_encoder)(const struct cp_keyset *, const struct cp_keyfmt_opts *,
			  struct kf_out *, unsigned *, struct cp_err *);

static const kf_encoder kf_encoders[] = {
	[CP_KEYFMT_OPENSSL] = kf_encode_openssl,
	[CP_KEYFMT_NGINX] = kf_encode_nginx,
	[CP_KEYFMT_HAPROXY] = kf_encode_haproxy,
};

/* ---- the atomic writer ------------------------------------------------ */

static int
kf_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write one output to a fresh temporary file in the directory, synced. */
static int
kf_write_tmp(int dfd, const char *dir, struct kf_out *o, struct cp_err *err)
{
	uint8_t rnd[6];
	char rhex[13];
	int fd, rc;

	for (int attempt = 0; attempt < 8; attempt++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return cp_errf(err, EIO, "RAND_bytes failed");
		kf_hex(rhex, rnd, sizeof(rnd));
		snprintf(o->tmp, sizeof(o->tmp), ".%s.tmp-%s", o->name, rhex);
		fd = openat(dfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return cp_errf(err, errno, "%s: create temporary file for %s: %s",
			       dir, o->name, strerror(errno));
	o->tmp_made = true;
	/* the umask may have taken bits away, never add any: say exactly 0600 */
	if (fchmod(fd, 0600) < 0) {
		rc = cp_errf(err, errno, "%s/%s: chmod: %s", dir, o->tmp, strerror(errno));
		goto fail;
	}
	rc = kf_write_all(fd, o->data, o->len);
	if (rc < 0) {
		cp_errf(err, -rc, "%s: write %s: %s", dir, o->name, strerror(-rc));
		goto fail;
	}
	if (fsync(fd) < 0) {
		rc = cp_errf(err, errno, "%s: fsync %s: %s", dir, o->name, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0)
		return cp_errf(err, errno, "%s: close %s: %s", dir, o->name, strerror(errno));
	return 0;
fail:
	close(fd);
	return rc;
}

static void
kf_unlink_tmps(int dfd, struct kf_out *outs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (outs[i].tmp_made)
			unlinkat(dfd, outs[i].tmp, 0);
		outs[i].tmp_made = false;
	}
}

static int
kf_commit(const char *dir, struct kf_out *outs, unsigned n, struct cp_err *err)
{
	int dfd, rc = 0;
	unsigned i;

	dfd = kf_open_dir(dir, err);
	if (dfd < 0)
		return dfd;
	rc = kf_check_dir_fd(dfd, dir, err);
	if (rc < 0)
		goto out;
	/* phase 1: every file written and synced beside the old ones */
	for (i = 0; i < n; i++) {
		rc = kf_write_tmp(dfd, dir, &outs[i], err);
		if (rc < 0) {
			kf_unlink_tmps(dfd, outs, n);
			goto out;
		}
	}
	/* phase 2: renames (no space needed), then the directory entry synced */
	for (i = 0; i < n; i++) {
		if (renameat(dfd, outs[i].tmp, dfd, outs[i].name) < 0) {
			rc = cp_errf(err, errno, "%s: rename %s: %s (%u of %u files replaced)",
				     dir, outs[i].name, strerror(errno), i, n);
			kf_unlink_tmps(dfd, outs + i, n - i);
			goto out;
		}
		outs[i].tmp_made = false;
	}
	if (fsync(dfd) < 0)
		rc = cp_errf(err, errno, "%s: fsync directory: %s", dir, strerror(errno));
out:
	close(dfd);
	return rc;
}

int
cp_keyfmt_write(enum cp_keyfmt fmt, const char *dir, const struct cp_keyset *set,
		const struct cp_keyfmt_opts *opts, struct cp_err *err)
{
	struct kf_out *outs;
	unsigned nouts = 0;
	int rc;

	if ((unsigned)fmt >= sizeof(kf_encoders) / sizeof(kf_encoders[0]))
		return cp_errf(err, EINVAL, "unknown key file format %d", (int)fmt);
	rc = kf_check_opts(opts, err);
	if (rc == 0)
		rc = kf_check_set(set, err);
	if (rc < 0)
		return rc;
	outs = calloc(KF_MAX_FILES, sizeof(*outs));
	if (outs == NULL)
		return cp_errf(err, ENOMEM, "out of memory");
	rc = kf_encoders[fmt](set, opts, outs, &nouts, err);
	if (rc == 0)
		rc = kf_commit(dir, outs, nouts, err);
	kf_outs_free(outs, nouts);
	free(outs);
	return rc;
}

/* ---- readers ---------------------------------------------------------- */

/* Whole small file into a NUL-terminated buffer the caller clear-frees. */
static int
kf_slurp(const char *path, size_t max, char **out, size_t *len, struct cp_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t have = 0;
	char *buf;

	if (fd < 0)
		return cp_errf(err, errno, "%s: %s", path, strerror(errno));
	buf = OPENSSL_zalloc(max + 1);
	if (buf == NULL) {
		close(fd);
		return cp_errf(err, ENOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, max + 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			OPENSSL_clear_free(buf, max + 1);
			return cp_errf(err, e, "%s: read: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {
			close(fd);
			OPENSSL_clear_free(buf, max + 1);
			return cp_errf(err, EFBIG, "%s: larger than %zu bytes", path, max);
		}
	}
	close(fd);
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
}

/* Split @s at whitespace into at most @max tokens (in place). */
static unsigned
kf_tokens(char *s, char **tok, unsigned max)
{
	unsigned n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t\r", &save); t != NULL; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return max + 1;
		tok[n++] = t;
	}
	return n;
}

static int
kf_parse_key_line(char **tok, unsigned ntok, struct cp_stek *k)
{
	unsigned long bits;
	char *end;

	if (ntok != 5)
		return -EBADMSG;
	bits = strtoul(tok[2], &end, 10);
	if (*end != '\0' || (bits != 128 && bits != 256))
		return -EBADMSG;
	memset(k, 0, sizeof(*k));
	k->aes_len = (uint8_t)(bits / 8);
	if (kf_unhex(k->name, sizeof(k->name), tok[1], strlen(tok[1])) < 0 ||
	    kf_unhex(k->hmac, cp_stek_hmac_len(k), tok[3], strlen(tok[3])) < 0 ||
	    kf_unhex(k->aes, k->aes_len, tok[4], strlen(tok[4])) < 0)
		return -EBADMSG;
	return 0;
}

int
cp_keyfmt_read_openssl(const char *path, struct cp_stek *keys, unsigned max,
		       unsigned *n, unsigned *encrypt, struct cp_err *err)
{
	unsigned count = 0, enc = 0, lineno = 0;
	bool header = false, have_enc = false, ended = false;
	char *buf = NULL, *save = NULL, *line;
	size_t len;
	int rc;

	rc = kf_slurp(path, KF_OPENSSL_MAX, &buf, &len, err);
	if (rc < 0)
		return rc;
	if (memchr(buf, '\0', len) != NULL) {
		rc = cp_errf(err, EBADMSG, "%s: NUL byte in a text file", path);
		goto out;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *tok[6];
		unsigned ntok;

		lineno++;
		if (line[0] == '#')
			continue;
		ntok = kf_tokens(line, tok, 5);
		if (ntok == 0)
			continue;
		if (ended) {
			rc = cp_errf(err, EBADMSG, "%s:%u: text after \"end\"", path, lineno);
			goto out;
		}
		if (!header) {
			if (ntok != 2 || strcmp(tok[0], "tlslb-ticket-keys") != 0 ||
			    strcmp(tok[1], "1") != 0) {
				rc = cp_errf(err, EBADMSG, "%s:%u: not \"tlslb-ticket-keys 1\"",
					     path, lineno);
				goto out;
			}
			header = true;
		} else if (strcmp(tok[0], "encrypt") == 0 && ntok == 2 && !have_enc) {
			char *end;
			unsigned long v = strtoul(tok[1], &end, 10);

			if (*end != '\0' || v >= CP_KEYFMT_MAX_KEYS) {
				rc = cp_errf(err, EBADMSG, "%s:%u: bad encrypt index", path, lineno);
				goto out;
			}
			enc = (unsigned)v;
			have_enc = true;
		} else if (strcmp(tok[0], "key") == 0) {
			struct cp_stek k;

			if (count == max) {
				rc = cp_errf(err, E2BIG, "%s:%u: more than %u keys", path, lineno, max);
				goto out;
			}
			rc = kf_parse_key_line(tok, ntok, &k);
			if (rc == 0)
				keys[count++] = k;
			OPENSSL_cleanse(&k, sizeof(k));
			if (rc < 0) {
				/* the reason names the line, never its contents */
				cp_errf(err, EBADMSG, "%s:%u: malformed key line", path, lineno);
				goto out;
			}
		} else if (strcmp(tok[0], "end") == 0 && ntok == 1) {
			ended = true;
		} else {
			rc = cp_errf(err, EBADMSG, "%s:%u: unknown line \"%.16s\"", path, lineno,
				     tok[0]);
			goto out;
		}
	}
	if (!header || !have_enc || !ended) {
		rc = cp_errf(err, EBADMSG, "%s: incomplete (%s missing)", path,
			     !header ? "header" : !have_enc ? "encrypt line" : "end line");
		goto out;
	}
	if (count == 0 || enc >= count) {
		rc = cp_errf(err, EBADMSG, "%s: encrypt index %u but %u keys", path, enc, count);
		goto out;
	}
	*n = count;
	*encrypt = enc;
out:
	if (rc < 0)
		OPENSSL_cleanse(keys, sizeof(*keys) * max);
	OPENSSL_clear_free(buf, KF_OPENSSL_MAX + 1);
	return rc;
}

int
cp_keyfmt_parse_nginx(const uint8_t *buf, size_t len, struct cp_stek *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, buf, len >= 16 ? 16 : 0);
	if (len == 80) {
		out->aes_len = 32;
		memcpy(out->hmac, buf + 16, 32);
		memcpy(out->aes, buf + 48, 32);
		return 0;
	}
	if (len == 48) {
		out->aes_len = 16;
		memcpy(out->aes, buf + 16, 16);
		memcpy(out->hmac, buf + 32, 16);
		return 0;
	}
	return -EINVAL;
}

int
cp_keyfmt_parse_haproxy_line(const char *line, struct cp_stek *out)
{
	uint8_t raw[84]; /* EVP_DecodeBlock writes whole 3-byte groups */
	size_t len = strlen(line), pad = 0;
	int n, rc = -EINVAL;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len != 64 && len != 108)
		return -EINVAL;
	n = EVP_DecodeBlock(raw, (const unsigned char *)line, (int)len);
	if (n < 0)
		goto out;
	/* EVP_DecodeBlock counts the bytes '=' padding stands for: take them off */
	while (pad < 2 && line[len - 1 - pad] == '=')
		pad++;
	n -= (int)pad;
	memset(out, 0, sizeof(*out));
	if (n == 80 || n == 48) {
		out->aes_len = n == 80 ? 32 : 16;
		memcpy(out->name, raw, 16);
		memcpy(out->aes, raw + 16, out->aes_len);
		memcpy(out->hmac, raw + 16 + out->aes_len, out->aes_len);
		rc = 0;
	}
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int
cp_keyfmt_read_nginx(const char *dir, const struct cp_keyfmt_opts *opts,
		     struct cp_stek *keys, unsigned max, unsigned *n, struct cp_err *err)
{
	unsigned slots = kf_nginx_slots(opts);
	char name[KF_NAME_MAX], path[4096 + KF_NAME_MAX];
	int rc = 0;

	if (slots > max)
		return cp_errf(err, E2BIG, "%u nginx slots, room for %u keys", slots, max);
	for (unsigned s = 0; s < slots && rc == 0; s++) {
		char *buf;
		size_t len;

		cp_keyfmt_file_name(CP_KEYFMT_NGINX, opts, s, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rc = kf_slurp(path, 80, &buf, &len, err);
		if (rc < 0)
			break;
		if (cp_keyfmt_parse_nginx((const uint8_t *)buf, len, &keys[s]) < 0)
			rc = cp_errf(err, EBADMSG, "%s: %zu bytes, not 48 or 80", path, len);
		OPENSSL_clear_free(buf, 81);
	}
	if (rc < 0)
		OPENSSL_cleanse(keys, sizeof(*keys) * max);
	else
		*n = slots;
	return rc;
}

int
cp_keyfmt_read_haproxy(const char *path, struct cp_stek *keys, unsigned max,
		       unsigned *n, struct cp_err *err)
{
	char *buf = NULL, *save = NULL;
	unsigned count = 0;
	size_t len;
	int rc;

	rc = kf_slurp(path, KF_HAPROXY_MAX * 4, &buf, &len, err);
	if (rc < 0)
		return rc;
	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (count == max) {
			rc = cp_errf(err, E2BIG, "%s: more than %u lines", path, max);
			break;
		}
		if (cp_keyfmt_parse_haproxy_line(line, &keys[count]) < 0) {
			rc = cp_errf(err, EBADMSG, "%s: line %u is not a base64 key of 48 or 80 bytes",
				     path, count + 1);
			break;
		}
		count++;
	}
	if (rc < 0)
		OPENSSL_cleanse(keys, sizeof(*keys) * max);
	else
		*n = count;
	OPENSSL_clear_free(buf, KF_HAPROXY_MAX * 4 + 1);
	return rc;
}

int
cp_keyfmt_haproxy_cmd(const char *ref, const struct cp_stek *key, char *buf, size_t len)
{
	char b64[128];
	int n;

	if (ref == NULL || ref[0] == '\0' || strpbrk(ref, " \t\r\n;") != NULL ||
	    !kf_key_valid(key))
		return -EINVAL;
	kf_haproxy_b64(key, b64);
	n = snprintf(buf, len, "set ssl tls-key %s %s\n", ref, b64);
	OPENSSL_cleanse(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			OPENSSL_cleanse(buf, len);
		return -ENOSPC;
	}
	return n;
}
