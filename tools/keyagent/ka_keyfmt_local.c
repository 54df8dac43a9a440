/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STAND-IN for control/cp_keyfmt.c (branch keyfmt), behind the same function
 * names, so tlslb-keyagent builds and its tests run before that lands. Only
 * what the agent calls; same file formats and names as cp_keyfmt.h describes,
 * each file written to a 0600 temp file, fsynced and renamed. When the real
 * cp_keyfmt.c is in control/, delete this file and its line in meson.build.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cp_keyfmt.h"

static const char *const names[] = { "openssl", "nginx", "haproxy" };

const char *
cp_keyfmt_name(enum cp_keyfmt fmt)
{
	return (unsigned)fmt < 3 ? names[fmt] : "?";
}

int
cp_keyfmt_from_name(const char *name, enum cp_keyfmt *fmt)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*fmt = (enum cp_keyfmt)i;
			return 0;
		}
	return -EINVAL;
}

unsigned
cp_keyfmt_file_count(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts)
{
	if (fmt != CP_KEYFMT_NGINX)
		return 1;
	return opts != NULL && opts->nginx_slots ? opts->nginx_slots : CP_KEYFMT_NGINX_SLOTS;
}

int
cp_keyfmt_file_name(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts, unsigned slot,
		    char *buf, size_t len)
{
	int n;

	if (slot >= cp_keyfmt_file_count(fmt, opts))
		return -ERANGE;
	if (fmt == CP_KEYFMT_NGINX)
		n = snprintf(buf, len, "ticket.%u.key", slot);
	else if (opts != NULL && opts->file_name != NULL)
		n = snprintf(buf, len, "%s", opts->file_name);
	else
		n = snprintf(buf, len, "%s",
			     fmt == CP_KEYFMT_OPENSSL ? "tickets.keys" : "tls-ticket-keys");
	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

int
cp_keyfmt_check_dir(const char *dir, struct cp_err *err)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return cp_errf(err, errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cp_errf(err, ENOTDIR, "%s: not a directory", dir);
	if (st.st_mode & 022)
		return cp_errf(err, EPERM, "%s: writable by group or others", dir);
	if (st.st_uid != getuid() && st.st_uid != 0)
		return cp_errf(err, EPERM, "%s: owned by another user", dir);
	return 0;
}

/* name | hmac | aes (nginx 80) or name | aes16 | hmac16 (nginx 48) or name | aes | hmac (haproxy). */
static size_t
pack(const struct cp_stek *k, bool haproxy, uint8_t *out)
{
	unsigned hl = cp_stek_hmac_len(k);

	memcpy(out, k->name, 16);
	if (k->aes_len == 32 && !haproxy) {
		memcpy(out + 16, k->hmac, 32);
		memcpy(out + 48, k->aes, 32);
		return 80;
	}
	memcpy(out + 16, k->aes, k->aes_len);
	memcpy(out + 16 + k->aes_len, k->hmac, hl);
	return 16 + k->aes_len + hl;
}

static int
write_tmp(const char *dir, const char *name, const uint8_t *p, size_t n, char *tmp, size_t tlen,
	  struct cp_err *err)
{
	int fd;

	snprintf(tmp, tlen, "%s/.%s.tmp", dir, name);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cp_errf(err, errno, "%s: %s", tmp, strerror(errno));
	if (write(fd, p, n) != (ssize_t)n || fsync(fd) != 0) {
		int e = errno ? errno : EIO;

		close(fd);
		unlink(tmp);
		return cp_errf(err, e, "%s: %s", tmp, strerror(e));
	}
	close(fd);
	return 0;
}

static void
random_key(struct cp_stek *k, uint8_t aes_len)
{
	RAND_priv_bytes((unsigned char *)k, sizeof(*k));
	k->aes_len = aes_len;
}

int
cp_keyfmt_write(enum cp_keyfmt fmt, const char *dir, const struct cp_keyset *set,
		const struct cp_keyfmt_opts *opts, struct cp_err *err)
{
	unsigned files = cp_keyfmt_file_count(fmt, opts), i;
	char (*tmp)[4200] = NULL;
	char fname[256], path[4200];
	uint8_t *buf = NULL;
	size_t cap = 4096 + (size_t)set->n * 300, len = 0;
	int rc;

	if (set->n == 0 || set->encrypt >= set->n)
		return cp_errf(err, EINVAL, "empty key set or encrypt index out of range");
	if (files > 64)
		return cp_errf(err, E2BIG, "too many slots");
	rc = cp_keyfmt_check_dir(dir, err);
	if (rc < 0)
		return rc;
	buf = calloc(1, cap);
	tmp = calloc(files, sizeof(*tmp));
	if (buf == NULL || tmp == NULL) {
		free(buf);
		free(tmp);
		return cp_errf(err, ENOMEM, "out of memory");
	}
	if (fmt == CP_KEYFMT_NGINX && set->n > files) {
		rc = cp_errf(err, E2BIG, "%u keys do not fit %u nginx slots", set->n, files);
		goto out;
	}
	for (i = 0; i < files; i++) {
		struct cp_stek k;

		len = 0;
		cp_keyfmt_file_name(fmt, opts, i, fname, sizeof(fname));
		if (fmt == CP_KEYFMT_NGINX) {
			unsigned idx = i == 0 ? set->encrypt : i <= set->encrypt ? i - 1 : i;

			if (i < set->n)
				k = set->keys[idx];
			else
				random_key(&k, set->keys[0].aes_len);
			len = pack(&k, false, buf);
			OPENSSL_cleanse(&k, sizeof(k));
		} else if (fmt == CP_KEYFMT_HAPROXY) {
			int line;

			if (set->n > 3 || set->encrypt > 1 || set->n - set->encrypt > 2) {
				rc = cp_errf(err, E2BIG, "haproxy holds 3 keys around the encrypting one");
				goto out;
			}
			for (line = -1; line <= 1; line++) {
				long idx = (long)set->encrypt + line;
				uint8_t raw[80];
				size_t rl;

				if (idx >= 0 && idx < (long)set->n)
					k = set->keys[idx];
				else
					random_key(&k, set->keys[set->encrypt].aes_len);
				rl = pack(&k, true, raw);
				len += (size_t)EVP_EncodeBlock(buf + len, raw, (int)rl);
				buf[len++] = '\n';
				OPENSSL_cleanse(raw, sizeof(raw));
				OPENSSL_cleanse(&k, sizeof(k));
			}
		} else {
			unsigned j, b;

			len += (size_t)snprintf((char *)buf + len, cap - len,
						"tlslb-ticket-keys 1\nencrypt %u\n", set->encrypt);
			for (j = 0; j < set->n; j++) {
				const struct cp_stek *kk = &set->keys[j];

				len += (size_t)snprintf((char *)buf + len, cap - len, "key ");
				for (b = 0; b < 16; b++)
					len += (size_t)snprintf((char *)buf + len, cap - len, "%02x",
								kk->name[b]);
				len += (size_t)snprintf((char *)buf + len, cap - len, " %u ",
							kk->aes_len * 8u);
				for (b = 0; b < cp_stek_hmac_len(kk); b++)
					len += (size_t)snprintf((char *)buf + len, cap - len, "%02x",
								kk->hmac[b]);
				len += (size_t)snprintf((char *)buf + len, cap - len, " ");
				for (b = 0; b < kk->aes_len; b++)
					len += (size_t)snprintf((char *)buf + len, cap - len, "%02x",
								kk->aes[b]);
				len += (size_t)snprintf((char *)buf + len, cap - len, "\n");
			}
			len += (size_t)snprintf((char *)buf + len, cap - len, "end\n");
		}
		rc = write_tmp(dir, fname, buf, len, tmp[i], sizeof(tmp[i]), err);
		OPENSSL_cleanse(buf, cap);
		if (rc < 0) {
			while (i-- > 0)
				unlink(tmp[i]);
			goto out;
		}
	}
	for (i = 0; i < files; i++) {
		cp_keyfmt_file_name(fmt, opts, i, fname, sizeof(fname));
		snprintf(path, sizeof(path), "%s/%s", dir, fname);
		if (rename(tmp[i], path) != 0) {
			rc = cp_errf(err, errno, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	rc = 0;
out:
	OPENSSL_cleanse(buf, cap);
	free(buf);
	free(tmp);
	return rc;
}
