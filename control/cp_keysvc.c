/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key service (cp_keysvc.h): OpenSSL on non-blocking sockets, one state
 * per connection (handshake -> hello -> ready), every connection serviced on
 * every poll step (a few agents per tlslb: simplicity over an event loop).
 * Send buffers hold key material: they are cleansed when consumed and freed.
 */
#define _GNU_SOURCE /* accept4 */
#include "cp_keysvc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cp_addr.h"
#include "cp_keysvc_proto.h"
#include "cp_reply.h"

#define MAX_CONNS 256

enum conn_state { C_HANDSHAKE, C_HELLO, C_READY, C_DEAD };

struct conn {
	int fd;
	SSL *ssl;
	enum conn_state state;
	char peer[CP_ENDPOINT_STRLEN];
	char cn[CP_KEYS_CN_MAX];
	bool sent;        /* a set went out on this connection */
	uint64_t sent_gen;
	uint64_t deadline; /* monotonic ms: handshake and HELLO done by then */
	bool closing;      /* flush what is queued (an ERROR), then close */
	bool want_write;   /* OpenSSL waits for the socket to take more */
	int set_err;       /* last failure to build its set, logged once */
	struct cp_kp_buf rx, tx;
};

struct cp_keysvc {
	struct cp_keysvc_conf conf;
	struct cp_keys *keys;
	SSL_CTX *ctx;
	int lfd;
	uint16_t port;
	struct conn *conns[MAX_CONNS];
	unsigned n_conns;
	uint64_t refused;
	int save_err; /* last state-file error, logged once */
	uint64_t saves; /* state file writes */
};

static void __attribute__((format(printf, 2, 3)))
slog(const struct cp_keysvc *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (s->conf.log != NULL)
		s->conf.log(s->conf.log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
wall(const struct cp_keysvc *s)
{
	if (s->conf.clock != NULL)
		return s->conf.clock(s->conf.clock_ctx);
	return (uint64_t)time(NULL);
}

/* Printable ASCII only: identities and agents' texts go into logs. */
static void
sanitize(char *dst, size_t len, const char *src, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++)
		dst[o++] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[o] = '\0';
}

/* The OpenSSL error queue as one line (certificate and protocol errors only). */
static void
ssl_reason(SSL *ssl, char *buf, size_t len)
{
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	unsigned long e = ERR_peek_last_error();

	if (vr != X509_V_OK)
		snprintf(buf, len, "certificate refused: %s", X509_verify_cert_error_string(vr));
	else if (e != 0)
		snprintf(buf, len, "%s", ERR_reason_error_string(e) ? ERR_reason_error_string(e)
								    : "TLS error");
	else
		snprintf(buf, len, "connection closed during the handshake");
	ERR_clear_error();
}

static int
load_ctx(struct cp_keysvc *s)
{
	STACK_OF(X509_NAME) *cas;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];

	if (ctx == NULL)
		return -ENOMEM;
	s->ctx = ctx;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
		goto fail;
	if (SSL_CTX_load_verify_locations(ctx, s->conf.ca, NULL) != 1) {
		slog(s, "keys: cannot load CA %s", s->conf.ca);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, s->conf.cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->conf.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		slog(s, "keys: cannot load certificate %s / key %s", s->conf.cert, s->conf.key);
		goto fail;
	}
	cas = SSL_load_client_CA_file(s->conf.ca);
	if (cas != NULL)
		SSL_CTX_set_client_CA_list(ctx, cas);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	/* No resumption on the key channel: every connection proves its certificate. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
fail:
	ssl_reason(NULL, why, sizeof(why));
	slog(s, "keys: TLS set-up failed: %s", why);
	return -EINVAL;
}

static int
listen_on(struct cp_keysvc *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = s->conf.ip.v4;
	sa.sin_port = htons(s->conf.port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	s->lfd = fd;
	s->port = ntohs(sa.sin_port);
	return 0;
}

struct cp_keysvc *
cp_keysvc_create(const struct cp_keysvc_conf *conf, struct cp_keys *keys)
{
	struct cp_keysvc *s = calloc(1, sizeof(*s));
	char ep[CP_ENDPOINT_STRLEN];
	int rc;

	if (s == NULL)
		return NULL;
	s->conf = *conf;
	s->keys = keys;
	s->lfd = -1;
	if (s->conf.hello_timeout_ms == 0)
		s->conf.hello_timeout_ms = 10000;
	rc = load_ctx(s);
	if (rc == 0) {
		rc = listen_on(s);
		if (rc < 0)
			slog(s, "keys: cannot listen on %s: %s",
			     cp_endpoint_str(&conf->ip, conf->port, ep, sizeof(ep)), strerror(-rc));
	}
	if (rc < 0) {
		cp_keysvc_free(s);
		errno = -rc;
		return NULL;
	}
	slog(s, "keys: key service listening on %s",
	     cp_endpoint_str(&conf->ip, s->port, ep, sizeof(ep)));
	return s;
}

uint16_t
cp_keysvc_port(const struct cp_keysvc *s)
{
	return s->port;
}

static bool
member_of(const struct cp_keysvc *s, const struct conn *c, struct cp_keys_member_ref *ref)
{
	return c->cn[0] != '\0' && cp_keys_member_find(s->keys, c->cn, ref) == 0;
}

static void
conn_kill(struct cp_keysvc *s, struct conn *c)
{
	struct cp_keys_member_ref ref;

	if (c->state == C_READY && member_of(s, c, &ref)) {
		cp_keys_agent_reachable(s->keys, ref, false);
		slog(s, "keys: agent %s (%s) gone", c->cn, c->peer);
	}
	c->state = C_DEAD;
}

static void
conn_free(struct conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	cp_kp_buf_free(&c->rx);
	cp_kp_buf_free(&c->tx);
	free(c);
}

void
cp_keysvc_free(struct cp_keysvc *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_conns; i++) {
		conn_kill(s, s->conns[i]);
		conn_free(s->conns[i]);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	SSL_CTX_free(s->ctx);
	free(s);
}

/* Refuse: log, tell the agent why (no secrets either way), close after the flush. */
static void __attribute__((format(printf, 3, 4)))
refuse(struct cp_keysvc *s, struct conn *c, const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	s->refused++;
	slog(s, "keys: refused agent at %s: %s", c->peer, why);
	if (c->ssl != NULL && c->state != C_HANDSHAKE) {
		cp_kp_put_error(&c->tx, 0, -EACCES, why);
		c->closing = true;
	} else {
		c->state = C_DEAD;
	}
}

/* The identity: the subject's CN, else the first DNS subjectAltName. */
static int
peer_identity(SSL *ssl, char *out, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	X509_NAME *subj;
	int idx;

	if (cert == NULL)
		return -ENOENT;
	subj = X509_get_subject_name(cert);
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
		const unsigned char *p = ASN1_STRING_get0_data(d);
		int n = ASN1_STRING_length(d);

		/* A NUL inside would let "be1\0.evil" pass as "be1". */
		if (n <= 0 || (size_t)n >= len || memchr(p, 0, (size_t)n) != NULL)
			return -EINVAL;
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
		return 0;
	}
	{
		GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
		int i, rc = -ENOENT;

		for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
			const unsigned char *p;
			int n;

			if (g->type != GEN_DNS)
				continue;
			p = ASN1_STRING_get0_data(g->d.dNSName);
			n = ASN1_STRING_length(g->d.dNSName);
			rc = -EINVAL;
			if (n > 0 && (size_t)n < len && memchr(p, 0, (size_t)n) == NULL) {
				memcpy(out, p, (size_t)n);
				out[n] = '\0';
				rc = 0;
			}
			break;
		}
		GENERAL_NAMES_free(sans);
		return rc;
	}
}

static void
on_handshake(struct cp_keysvc *s, struct conn *c)
{
	struct cp_keys_member_ref ref;
	char id[CP_KEYS_CN_MAX], shown[CP_KEYS_CN_MAX];

	c->state = C_HELLO;
	if (peer_identity(c->ssl, id, sizeof(id)) < 0) {
		refuse(s, c, "certificate names no usable identity (CN or DNS name)");
		return;
	}
	sanitize(shown, sizeof(shown), id, strlen(id));
	if (cp_keys_member_find(s->keys, id, &ref) < 0) {
		refuse(s, c, "identity \"%s\" serves no backend (keys agent)", shown);
		return;
	}
	memcpy(c->cn, id, sizeof(c->cn));
}

/* A set that is not on disk yet must not reach a server (restart design, cp_keys.h). */
static bool
can_push(const struct cp_keysvc *s)
{
	return s->conf.state == NULL || !cp_keys_dirty(s->keys);
}

static void
push(struct cp_keysvc *s, struct conn *c, bool force)
{
	struct cp_keys_member_ref ref;
	struct cp_stek *keys;
	uint8_t *states;
	struct cp_keyset set;
	uint64_t gen;
	int rc;

	if (!member_of(s, c, &ref)) {
		slog(s, "keys: agent %s (%s) no longer configured, closing", c->cn, c->peer);
		conn_kill(s, c);
		return;
	}
	/* A slow reader gets the newest set once it took the last one, not a backlog. */
	if (!force && c->tx.len > 0)
		return;
	keys = calloc(CP_KP_MAX_KEYS, sizeof(*keys));
	states = calloc(CP_KP_MAX_KEYS, 1);
	if (keys == NULL || states == NULL)
		goto out;
	rc = cp_keys_member_set(s->keys, ref, keys, states, CP_KP_MAX_KEYS, &set, &gen);
	if (rc < 0 && rc != c->set_err)
		slog(s, "keys: no set for agent %s: %s (more than %d live keys: rotate less often "
		     "or retain less)", c->cn, strerror(-rc), CP_KP_MAX_KEYS);
	c->set_err = rc < 0 ? rc : 0;
	if (rc < 0 || set.n == 0 || (!force && c->sent && gen == c->sent_gen))
		goto out;
	cp_kp_put_keyset(&c->tx, gen, &set, states);
	c->sent = true;
	c->sent_gen = gen;
	slog(s, "keys: pushing %u keys (gen %llu) to agent %s (%s)", set.n,
	     (unsigned long long)gen, c->cn, c->peer);
out:
	if (keys != NULL) {
		OPENSSL_cleanse(keys, CP_KP_MAX_KEYS * sizeof(*keys));
		free(keys);
	}
	free(states);
}

static void
read_names(struct cp_kp_cur *cur, uint8_t (**names)[16], size_t *n)
{
	size_t i, count = cp_kp_get_u16(cur);

	*n = 0;
	*names = NULL;
	if (cur->err || count * 16 > cur->left) {
		cur->err = -EPROTO;
		return;
	}
	*names = calloc(count ? count : 1, 16);
	if (*names == NULL) {
		cur->err = -ENOMEM;
		return;
	}
	for (i = 0; i < count; i++)
		cp_kp_get_bytes(cur, (*names)[i], 16);
	*n = count;
}

static void
on_hello(struct cp_keysvc *s, struct conn *c, struct cp_kp_cur *cur)
{
	static const char *const fmts[] = { "none", "openssl", "nginx", "haproxy" };
	char be[CP_ENDPOINT_STRLEN], claim[CP_ENDPOINT_STRLEN];
	struct cp_keys_member_ref ref;
	struct cp_ip vip, ip, cip = { .family = AF_INET };
	uint16_t vport, port, cport;
	uint8_t format, has_be, my_format;
	uint8_t(*names)[16];
	size_t n, i;

	format = cp_kp_get_u8(cur);
	has_be = cp_kp_get_u8(cur);
	cip.v4 = htonl(cp_kp_get_u32(cur));
	cport = cp_kp_get_u16(cur);
	read_names(cur, &names, &n);
	free(names);
	if (cur->err || cur->left != 0) {
		refuse(s, c, "malformed HELLO");
		return;
	}
	if (!member_of(s, c, &ref) ||
	    cp_keys_member_backend(s->keys, ref, &vip, &vport, &ip, &port, &my_format) < 0) {
		refuse(s, c, "identity \"%s\" serves no backend (keys agent)", c->cn);
		return;
	}
	cp_endpoint_str(&ip, port, be, sizeof(be));
	if (has_be && (cport != port || !cp_ip_equal(&cip, &ip))) {
		refuse(s, c, "identity \"%s\" serves backend %s, the agent says it serves %s", c->cn,
		       be, cp_endpoint_str(&cip, cport, claim, sizeof(claim)));
		return;
	}
	if (format != my_format) {
		refuse(s, c, "agent \"%s\" writes format %s, backend %s is configured with %s",
		       c->cn, format < 4 ? fmts[format] : "?", be,
		       my_format < 4 ? fmts[my_format] : "?");
		return;
	}
	/* One connection per identity: a newer one means the agent restarted. */
	for (i = 0; i < s->n_conns; i++) {
		struct conn *o = s->conns[i];

		if (o != c && o->state == C_READY && strcmp(o->cn, c->cn) == 0) {
			slog(s, "keys: agent %s reconnected from %s, dropping %s", c->cn, c->peer,
			     o->peer);
			conn_kill(s, o);
		}
	}
	c->state = C_READY;
	cp_keys_agent_reachable(s->keys, ref, true);
	slog(s, "keys: agent %s (%s) up for backend %s, holding %zu keys", c->cn, c->peer, be, n);
	if (can_push(s))
		push(s, c, true);
}

static void
on_ack(struct cp_keysvc *s, struct conn *c, struct cp_kp_cur *cur)
{
	struct cp_keys_member_ref ref;
	uint64_t gen = cp_kp_get_u64(cur);
	int32_t status = (int32_t)cp_kp_get_u32(cur);
	uint8_t(*names)[16];
	size_t n;

	read_names(cur, &names, &n);
	if (cur->err || cur->left != 0) {
		free(names);
		refuse(s, c, "malformed ACK");
		return;
	}
	if (member_of(s, c, &ref))
		cp_keys_agent_ack(s->keys, ref, (const uint8_t(*)[16])names, n, wall(s));
	slog(s, "keys: agent %s holds gen %llu (%zu keys), reload status %d", c->cn,
	     (unsigned long long)gen, n, status);
	free(names);
}

static void
on_error(struct cp_keysvc *s, struct conn *c, struct cp_kp_cur *cur)
{
	char text[300], raw[256];
	uint64_t gen = cp_kp_get_u64(cur);
	int32_t code = (int32_t)cp_kp_get_u32(cur);
	size_t len = cp_kp_get_u16(cur);

	if (len > sizeof(raw))
		len = sizeof(raw);
	cp_kp_get_bytes(cur, raw, len);
	if (cur->err) {
		refuse(s, c, "malformed ERROR");
		return;
	}
	sanitize(text, sizeof(text), raw, len);
	slog(s, "keys: agent %s failed gen %llu: %s (%d)", c->cn, (unsigned long long)gen, text,
	     code);
}

static void
handle_frames(struct cp_keysvc *s, struct conn *c)
{
	for (;;) {
		uint8_t type;
		long len = cp_kp_peek(&c->rx, &type);
		struct cp_kp_cur cur;

		if (len == -EAGAIN || c->closing || c->state == C_DEAD)
			return;
		if (len < 0) {
			refuse(s, c, "not speaking the key protocol");
			return;
		}
		cur = (struct cp_kp_cur){ .p = c->rx.p + CP_KP_HDR, .left = (size_t)len };
		if (c->state == C_HELLO && type != CP_KP_HELLO)
			refuse(s, c, "first message is not HELLO");
		else if (type == CP_KP_HELLO && c->state == C_HELLO)
			on_hello(s, c, &cur);
		else if (type == CP_KP_ACK && c->state == C_READY)
			on_ack(s, c, &cur);
		else if (type == CP_KP_ERROR)
			on_error(s, c, &cur);
		else
			refuse(s, c, "unexpected message type %u", type);
		cp_kp_buf_consume(&c->rx, CP_KP_HDR + (size_t)len);
	}
}

static void
conn_read(struct cp_keysvc *s, struct conn *c)
{
	uint8_t buf[16384];

	for (;;) {
		int r = SSL_read(c->ssl, buf, sizeof(buf));

		if (r > 0) {
			if (c->rx.len + (size_t)r > CP_KP_HDR + CP_KP_MAX_PAYLOAD ||
			    cp_kp_buf_put(&c->rx, buf, (size_t)r) < 0) {
				refuse(s, c, "message too long");
				break;
			}
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			break;
		default:
			ERR_clear_error();
			conn_kill(s, c);
		}
		break;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (c->state != C_DEAD)
		handle_frames(s, c);
}

static void
conn_flush(struct cp_keysvc *s, struct conn *c)
{
	while (c->tx.len > 0 && c->state != C_DEAD) {
		int w = SSL_write(c->ssl, c->tx.p, (int)(c->tx.len > 1 << 30 ? 1 << 30 : c->tx.len));

		if (w > 0) {
			cp_kp_buf_consume(&c->tx, (size_t)w);
			continue;
		}
		switch (SSL_get_error(c->ssl, w)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return;
		default:
			ERR_clear_error();
			conn_kill(s, c);
			return;
		}
	}
	if (c->closing && c->tx.len == 0) {
		SSL_shutdown(c->ssl);
		conn_kill(s, c);
	}
}

static void
conn_step(struct cp_keysvc *s, struct conn *c, uint64_t now_ms)
{
	if (c->state == C_HANDSHAKE) {
		int r = SSL_accept(c->ssl);

		if (r == 1) {
			on_handshake(s, c);
		} else {
			int e = SSL_get_error(c->ssl, r);

			c->want_write = e == SSL_ERROR_WANT_WRITE;
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				char why[256];

				ssl_reason(c->ssl, why, sizeof(why));
				refuse(s, c, "%s", why);
				return;
			}
		}
	}
	if (c->state == C_HELLO || c->state == C_READY)
		conn_read(s, c);
	if (c->state == C_HELLO || c->state == C_READY)
		conn_flush(s, c);
	if ((c->state == C_HANDSHAKE || c->state == C_HELLO) && now_ms > c->deadline &&
	    !c->closing) {
		s->refused++;
		slog(s, "keys: refused agent at %s: no HELLO within %u ms", c->peer,
		     s->conf.hello_timeout_ms);
		conn_kill(s, c);
	}
}

static void
accept_all(struct cp_keysvc *s, uint64_t now_ms)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		struct cp_ip ip = { .family = AF_INET };
		struct conn *c;
		int fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		ip.v4 = sa.sin_addr.s_addr;
		if (s->n_conns == MAX_CONNS) {
			slog(s, "keys: refused a connection: %d already open", MAX_CONNS);
			s->refused++;
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->ssl = SSL_new(s->ctx)) == NULL) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		SSL_set_fd(c->ssl, fd);
		SSL_set_accept_state(c->ssl);
		c->state = C_HANDSHAKE;
		c->deadline = now_ms + s->conf.hello_timeout_ms;
		cp_endpoint_str(&ip, ntohs(sa.sin_port), c->peer, sizeof(c->peer));
		s->conns[s->n_conns++] = c;
	}
}

static void
save_state(struct cp_keysvc *s)
{
	int rc;

	if (s->conf.state == NULL || !cp_keys_dirty(s->keys))
		return;
	rc = cp_keys_state_save(s->keys, s->conf.state);
	if (rc < 0 && rc != s->save_err)
		slog(s, "keys: cannot write state file %s: %s; new keys are held back",
		     s->conf.state, strerror(-rc));
	else if (rc == 0 && s->save_err != 0)
		slog(s, "keys: state file %s written again", s->conf.state);
	s->save_err = rc;
	s->saves += rc == 0;
}

int
cp_keysvc_poll(struct cp_keysvc *s, int timeout_ms)
{
	struct pollfd pfd[MAX_CONNS + 1];
	unsigned i, kept;
	int n;

	cp_keys_tick(s->keys, wall(s));
	save_state(s);
	if (can_push(s))
		for (i = 0; i < s->n_conns; i++)
			if (s->conns[i]->state == C_READY && !s->conns[i]->closing)
				push(s, s->conns[i], false);

	pfd[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	for (i = 0; i < s->n_conns; i++) {
		struct conn *c = s->conns[i];

		conn_flush(s, c);
		pfd[i + 1] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (c->tx.len > 0 || c->want_write)
			pfd[i + 1].events |= POLLOUT;
	}
	n = poll(pfd, s->n_conns + 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_all(s, mono_ms());
	for (i = 0; i < s->n_conns; i++)
		if (s->conns[i]->state != C_DEAD)
			conn_step(s, s->conns[i], mono_ms());
	for (i = 0, kept = 0; i < s->n_conns; i++) {
		if (s->conns[i]->state == C_DEAD) {
			conn_free(s->conns[i]);
			continue;
		}
		s->conns[kept++] = s->conns[i];
	}
	s->n_conns = kept;
	return 0;
}

void
cp_keysvc_counts(const struct cp_keysvc *s, unsigned *conns, unsigned *agents, uint64_t *refused)
{
	unsigned i, ready = 0;

	for (i = 0; i < s->n_conns; i++)
		ready += s->conns[i]->state == C_READY;
	*conns = s->n_conns;
	*agents = ready;
	*refused = s->refused;
}

int
cp_keysvc_q_show(void *ctx, const struct cp_config *running, const struct cp_args *args,
		 struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = { "listen", "connections", "agents", "refused",
					    "state_file", "state" };
	const struct cp_keysvc *s = ctx;
	char ep[CP_ENDPOINT_STRLEN];
	unsigned conns, agents;
	uint64_t refused;

	(void)running;
	(void)args;
	(void)e;
	cp_keysvc_counts(s, &conns, &agents, &refused);
	cp_reply_table(out, "service", 6, cols);
	cp_reply_str(out, cp_endpoint_str(&s->conf.ip, s->port, ep, sizeof(ep)));
	cp_reply_u64(out, conns);
	cp_reply_u64(out, agents);
	cp_reply_u64(out, refused);
	cp_reply_str(out, s->conf.state != NULL ? s->conf.state : "-");
	if (s->conf.state == NULL)
		cp_reply_str(out, "none: keys are lost when tlslb restarts");
	else if (s->save_err != 0)
		cp_reply_strf(out, "write failed: %s; new keys held back", strerror(-s->save_err));
	else
		cp_reply_strf(out, "ok (%llu writes)", (unsigned long long)s->saves);
	cp_keys_show(s->keys, out, wall(s));
	return 0;
}
