/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-keyagent: runs on a TLS server's host, connects to tlslb's key service
 * over TLS 1.3 with its own certificate (which names the backend it serves),
 * writes every key set it is pushed in the format of its server (cp_keyfmt.h:
 * temp file 0600, fsync, rename), runs the reload command, and acknowledges
 * with the key names it now holds, or reports the error. Reconnects with
 * exponential backoff; every connection starts over with HELLO, so either side
 * may restart. Key material never goes to the log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cp_keyfmt.h"
#include "cp_keysvc_proto.h"
#include "cp_stek.h"

#define MAX_HELD 1024

struct opts {
	char connect[64];
	struct sockaddr_in server;
	char ca[4096], cert[4096], key[4096];
	char server_name[256];
	bool has_backend;
	uint32_t backend_ip; /* host order */
	uint16_t backend_port;
	enum cp_keyfmt format;
	bool format_set;
	char dir[4096];
	unsigned slots;
	char file[256];
	char reload[4096];
	unsigned backoff_max;
	unsigned connect_timeout;
};

static volatile sig_atomic_t stop;
static uint8_t held[MAX_HELD][16]; /* names of the keys written last (not secret) */
static size_t n_held;

static void __attribute__((format(printf, 1, 2)))
alog(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld tlslb-keyagent: %s\n", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, line);
	fflush(stderr);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_endpoint(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int
copy_opt(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -ENAMETOOLONG;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* One option by its long name; the config file and the command line share it. */
static int
set_opt(struct opts *o, const char *name, const char *v)
{
	if (strcmp(name, "connect") == 0) {
		copy_opt(o->connect, sizeof(o->connect), v);
		return parse_endpoint(v, &o->server);
	}
	if (strcmp(name, "ca") == 0)
		return copy_opt(o->ca, sizeof(o->ca), v);
	if (strcmp(name, "cert") == 0)
		return copy_opt(o->cert, sizeof(o->cert), v);
	if (strcmp(name, "key") == 0)
		return copy_opt(o->key, sizeof(o->key), v);
	if (strcmp(name, "server-name") == 0)
		return copy_opt(o->server_name, sizeof(o->server_name), v);
	if (strcmp(name, "backend") == 0) {
		struct sockaddr_in sa;

		if (parse_endpoint(v, &sa) < 0)
			return -EINVAL;
		o->has_backend = true;
		o->backend_ip = ntohl(sa.sin_addr.s_addr);
		o->backend_port = ntohs(sa.sin_port);
		return 0;
	}
	if (strcmp(name, "format") == 0) {
		o->format_set = true;
		return cp_keyfmt_from_name(v, &o->format);
	}
	if (strcmp(name, "dir") == 0)
		return copy_opt(o->dir, sizeof(o->dir), v);
	if (strcmp(name, "slots") == 0) {
		o->slots = (unsigned)strtoul(v, NULL, 10);
		return o->slots >= 1 && o->slots <= 64 ? 0 : -EINVAL;
	}
	if (strcmp(name, "file") == 0)
		return copy_opt(o->file, sizeof(o->file), v);
	if (strcmp(name, "reload") == 0)
		return copy_opt(o->reload, sizeof(o->reload), v);
	if (strcmp(name, "backoff-max") == 0) {
		o->backoff_max = (unsigned)strtoul(v, NULL, 10);
		return o->backoff_max >= 1 ? 0 : -EINVAL;
	}
	return -ENOENT;
}

/* "name value" lines; '#' comments. */
static int
load_config(struct opts *o, const char *path)
{
	char line[8192];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		alog("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *name, *val;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		name = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		val = p;
		if (set_opt(o, name, val) < 0) {
			alog("%s:%u: bad option \"%s\"", path, lineno, name);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: tlslb-keyagent [--config FILE] --connect IP:PORT --ca FILE --cert FILE "
		"--key FILE\n"
		"       --format openssl|nginx|haproxy --dir DIR [--slots N] [--file NAME]\n"
		"       [--reload CMD] [--backend IP:PORT] [--server-name NAME] "
		"[--backoff-max S]\n"
		"The config file holds the same options, one \"name value\" per line.\n");
}

static int
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "connect", required_argument, NULL, 0 },
		{ "ca", required_argument, NULL, 0 },
		{ "cert", required_argument, NULL, 0 },
		{ "key", required_argument, NULL, 0 },
		{ "server-name", required_argument, NULL, 0 },
		{ "backend", required_argument, NULL, 0 },
		{ "format", required_argument, NULL, 0 },
		{ "dir", required_argument, NULL, 0 },
		{ "slots", required_argument, NULL, 0 },
		{ "file", required_argument, NULL, 0 },
		{ "reload", required_argument, NULL, 0 },
		{ "backoff-max", required_argument, NULL, 0 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->backoff_max = 30;
	o->connect_timeout = 5;
	while ((c = getopt_long(argc, argv, "C:h", longs, &idx)) != -1) {
		if (c == 'C') {
			if (load_config(o, optarg) < 0)
				return -1;
		} else if (c == 0) {
			if (set_opt(o, longs[idx].name, optarg) < 0) {
				alog("bad --%s \"%s\"", longs[idx].name, optarg);
				return -1;
			}
		} else {
			usage();
			return -1;
		}
	}
	if (optind != argc || o->connect[0] == '\0' || o->ca[0] == '\0' || o->cert[0] == '\0' ||
	    o->key[0] == '\0' || !o->format_set || o->dir[0] == '\0') {
		usage();
		return -1;
	}
	return 0;
}

static SSL_CTX *
make_ctx(const struct opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		unsigned long e = ERR_get_error();

		alog("cannot load CA %s / certificate %s / key %s: %s", o->ca, o->cert, o->key,
		      e ? ERR_reason_error_string(e) : "?");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static int
tcp_connect(const struct opts *o)
{
	struct timeval tv = { .tv_sec = o->connect_timeout };
	int one = 1, idle = 30, intvl = 10, cnt = 3;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* connect() honours the send timeout; the keepalives find a dead tlslb. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	if (connect(fd, (const struct sockaddr *)&o->server, sizeof(o->server)) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static int
send_buf(SSL *ssl, struct cp_kp_buf *b)
{
	int rc = 0;

	if (b->err)
		rc = b->err;
	else if (b->len > 0 && SSL_write(ssl, b->p, (int)b->len) != (int)b->len)
		rc = -EIO;
	cp_kp_buf_free(b);
	return rc;
}

static int
send_error(SSL *ssl, uint64_t gen, int code, const char *text)
{
	struct cp_kp_buf b = { 0 };

	cp_kp_put_error(&b, gen, code, text);
	return send_buf(ssl, &b);
}

/* Run the reload command: its exit status (128 + signal), or -errno. */
static int
run_reload(const char *cmd)
{
	int status;
	pid_t pid;

	if (cmd[0] == '\0')
		return 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * Drop the oldest keys that do not fit the format (nginx slots; HAProxy's
 * three lines around the encrypting key). What was dropped is not
 * acknowledged, so tlslb never counts on it.
 */
static void
fit(const struct opts *o, struct cp_keyset *set, struct cp_stek *keys)
{
	unsigned cap = o->format == CP_KEYFMT_NGINX ? (o->slots ? o->slots : CP_KEYFMT_NGINX_SLOTS)
						    : CP_KEYFMT_MAX_KEYS;

	if (o->format == CP_KEYFMT_HAPROXY) {
		unsigned first = set->encrypt > 0 ? set->encrypt - 1 : 0;
		unsigned last = set->encrypt + 1 < set->n ? set->encrypt + 1 : set->encrypt;

		memmove(keys, keys + first, (last - first + 1) * sizeof(*keys));
		OPENSSL_cleanse(keys + (last - first + 1),
				(set->n - (last - first + 1)) * sizeof(*keys));
		set->n = last - first + 1;
		set->encrypt -= first;
		return;
	}
	while (set->n > cap) {
		unsigned drop = set->encrypt == 0 ? 1 : 0;

		memmove(keys + drop, keys + drop + 1, (set->n - drop - 1) * sizeof(*keys));
		set->n--;
		OPENSSL_cleanse(keys + set->n, sizeof(*keys));
		if (drop < set->encrypt)
			set->encrypt--;
	}
}

static int
on_keyset(const struct opts *o, SSL *ssl, struct cp_kp_cur *cur)
{
	struct cp_keyfmt_opts fo = { .nginx_slots = o->slots,
				     .file_name = o->file[0] ? o->file : NULL };
	char why[512] = "";
	struct cp_err err = { .buf = why, .len = sizeof(why) };
	struct cp_stek *keys;
	struct cp_keyset set;
	struct cp_kp_buf b = { 0 };
	uint64_t gen = cp_kp_get_u64(cur);
	unsigned n = cp_kp_get_u16(cur), enc = cp_kp_get_u16(cur), i;
	int rc, status;

	if (cur->err || n == 0 || n > CP_KP_MAX_KEYS || enc >= n ||
	    cur->left != (size_t)n * CP_KP_KEY_WIRE) {
		alog("malformed key set");
		return send_error(ssl, gen, -EPROTO, "malformed key set") < 0 ? -EIO : -EPROTO;
	}
	keys = calloc(n, sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint8_t aes[32];

		(void)cp_kp_get_u8(cur); /* state: the order already says it */
		keys[i].aes_len = cp_kp_get_u8(cur);
		cp_kp_get_bytes(cur, keys[i].name, 16);
		cp_kp_get_bytes(cur, keys[i].hmac, 32);
		cp_kp_get_bytes(cur, aes, 32);
		memcpy(keys[i].aes, aes, 32);
		OPENSSL_cleanse(aes, sizeof(aes));
		if (keys[i].aes_len != 16 && keys[i].aes_len != 32)
			cur->err = -EPROTO;
	}
	set = (struct cp_keyset){ .keys = keys, .n = n, .encrypt = enc };
	if (cur->err) {
		rc = send_error(ssl, gen, -EPROTO, "malformed key");
		goto out;
	}
	fit(o, &set, keys);
	alog("key set gen %llu: %u keys, keeping %u", (unsigned long long)gen, n, set.n);
	rc = cp_keyfmt_write(o->format, o->dir, &set, &fo, &err);
	if (rc < 0) {
		alog("writing %s keys to %s failed: %s", cp_keyfmt_name(o->format), o->dir, why);
		rc = send_error(ssl, gen, rc, why);
		goto out;
	}
	/* Held now, whatever the reload says: the files are in place. */
	n_held = 0;
	for (i = 0; i < set.n && n_held < MAX_HELD; i++)
		memcpy(held[n_held++], keys[i].name, 16);
	status = run_reload(o->reload);
	alog("wrote %u %s keys to %s; reload exit status %d", set.n, cp_keyfmt_name(o->format),
	      o->dir, status);
	if (status != 0) {
		snprintf(why, sizeof(why), "reload command failed with status %d", status);
		rc = send_error(ssl, gen, status, why);
		goto out;
	}
	cp_kp_frame(&b, CP_KP_ACK, (uint32_t)(8 + 4 + 2 + 16 * n_held));
	cp_kp_u64(&b, gen);
	cp_kp_u32(&b, (uint32_t)status);
	cp_kp_put_names(&b, (const uint8_t(*)[16])held, n_held);
	rc = send_buf(ssl, &b);
out:
	OPENSSL_cleanse(keys, n * sizeof(*keys));
	free(keys);
	return rc;
}

static void
on_error_frame(struct cp_kp_cur *cur)
{
	char text[300];
	size_t len, i;

	(void)cp_kp_get_u64(cur);
	(void)cp_kp_get_u32(cur);
	len = cp_kp_get_u16(cur);
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	cp_kp_get_bytes(cur, text, len);
	for (i = 0; i < len; i++)
		if (text[i] < 0x20 || text[i] >= 0x7f)
			text[i] = '?';
	text[len] = '\0';
	alog("tlslb refused us: %s", text);
}

/* One connection. @return 1 when a key set was applied, 0 otherwise. */
static int
session(const struct opts *o, SSL_CTX *ctx)
{
	struct cp_kp_buf rx = { 0 }, hello = { 0 };
	uint8_t buf[16384];
	int fd, applied = 0;
	SSL *ssl = NULL;

	fd = tcp_connect(o);
	if (fd < 0) {
		alog("cannot connect to %s: %s", o->connect, strerror(-fd));
		return 0;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	if (o->server_name[0] != '\0') {
		SSL_set_tlsext_host_name(ssl, o->server_name);
		SSL_set1_host(ssl, o->server_name);
	}
	if (SSL_connect(ssl) != 1) {
		long vr = SSL_get_verify_result(ssl);
		unsigned long e = ERR_get_error();

		alog("TLS with %s failed: %s", o->connect,
		      vr != X509_V_OK ? X509_verify_cert_error_string(vr)
		      : e		 ? ERR_reason_error_string(e)
					 : "closed");
		goto out;
	}
	alog("connected to %s (%s)", o->connect, SSL_get_version(ssl));
	cp_kp_frame(&hello, CP_KP_HELLO, (uint32_t)(1 + 1 + 4 + 2 + 2 + 16 * n_held));
	cp_kp_u8(&hello, (uint8_t)(o->format + 1)); /* enum cp_keys_format */
	cp_kp_u8(&hello, o->has_backend);
	cp_kp_u32(&hello, o->backend_ip);
	cp_kp_u16(&hello, o->backend_port);
	cp_kp_put_names(&hello, (const uint8_t(*)[16])held, n_held);
	if (send_buf(ssl, &hello) < 0)
		goto out;

	while (!stop) {
		int r = SSL_read(ssl, buf, sizeof(buf));
		uint8_t type;
		long len;

		if (r <= 0) {
			int e = SSL_get_error(ssl, r);
			unsigned long ee = ERR_get_error();

			if (e == SSL_ERROR_ZERO_RETURN)
				alog("tlslb closed the connection");
			else
				alog("connection to %s lost: %s", o->connect,
				      ee ? ERR_reason_error_string(ee) : "closed");
			break;
		}
		if (cp_kp_buf_put(&rx, buf, (size_t)r) < 0)
			break;
		while ((len = cp_kp_peek(&rx, &type)) >= 0) {
			struct cp_kp_cur cur = { .p = rx.p + CP_KP_HDR, .left = (size_t)len };

			if (type == CP_KP_KEYSET) {
				int rc = on_keyset(o, ssl, &cur);

				if (rc == -EIO)
					goto out;
				applied |= rc == 0;
			} else if (type == CP_KP_ERROR) {
				on_error_frame(&cur);
			}
			cp_kp_buf_consume(&rx, CP_KP_HDR + (size_t)len);
		}
		if (len == -EPROTO) {
			alog("tlslb sent something that is not the key protocol");
			break;
		}
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	cp_kp_buf_free(&rx);
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	ERR_clear_error();
	close(fd);
	return applied;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned backoff = 1;
	struct opts o;
	SSL_CTX *ctx;

	if (parse_args(&o, argc, argv) < 0)
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctx = make_ctx(&o);
	if (ctx == NULL)
		return 1;
	alog("serving %s keys in %s, tlslb at %s", cp_keyfmt_name(o.format), o.dir, o.connect);
	while (!stop) {
		unsigned slept;

		if (session(&o, ctx) > 0)
			backoff = 1;
		if (stop)
			break;
		alog("reconnecting in %u s", backoff);
		for (slept = 0; slept < backoff * 10 && !stop; slept++)
			usleep(100000);
		backoff = backoff * 2 > o.backoff_max ? o.backoff_max : backoff * 2;
	}
	SSL_CTX_free(ctx);
	alog("stopped");
	return 0;
}
