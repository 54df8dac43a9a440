/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-testserver: the project's TLS test server (OpenSSL). One process,
 * one connection at a time: it is a test server, not a web server.
 *
 * Each connection: TLS handshake, read an HTTP request (or nothing), answer
 * "server NAME\n", close. One line per handshake on stdout:
 *
 *   handshake n=3 version=TLSv1.3 session=resumed ticket_in=<name|-> ticket_out=<name|-> sid=<hex>
 *
 * ticket_in is the key name of the ticket the client offered (when we hold
 * that key; "unknown" when we do not), ticket_out the key name of the ticket
 * we issued. Ticket keys come from --ticket-keys FILE (cp_keyfmt.h's openssl
 * format), re-read when the file changes (checked on every connection) or on
 * SIGHUP; without it OpenSSL's own random keys are used. SIGTERM/SIGINT end
 * the process cleanly, as does --max-conns N.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "tlsgen_internal.h"
#include "tlsserver.h"

#define TS_IO_TIMEOUT_S 5
#define TS_SID_CTX "tlslb-testserver"

struct ts_opts {
	const char *listen;
	const char *cert;
	const char *key;
	const char *name;
	const char *ticket_keys;
	int min_version;
	int max_version;
	bool tickets;
	bool cache;
	uint8_t server_id[16];
	unsigned server_id_len;
	unsigned long max_conns;
};

static volatile sig_atomic_t ts_stop;
static volatile sig_atomic_t ts_reload;
static struct ts_opts ts_o;

static void
ts_on_signal(int sig)
{
	if (sig == SIGHUP)
		ts_reload = 1;
	else
		ts_stop = 1;
}

static void
ts_usage(FILE *f)
{
	fprintf(f,
		"usage: tlslb-testserver [options]\n"
		"  --listen ADDR:PORT     IPv4 address and port (default 127.0.0.1:4433; port 0 picks one)\n"
		"  --cert FILE --key FILE PEM certificate and key (default: a self-signed P-256 one)\n"
		"  --name NAME            answer \"server NAME\" (default testserver)\n"
		"  --min-tls 1.2|1.3      lowest version (default 1.2)\n"
		"  --max-tls 1.2|1.3      highest version (default 1.3)\n"
		"  --no-tickets           no session tickets (TLS 1.3 then issues stateful tickets\n"
		"                         from the session cache when that is on)\n"
		"  --no-cache             no server session cache\n"
		"  --ticket-keys FILE     ticket keys, openssl format of control/cp_keyfmt.h, hot reloaded\n"
		"  --server-id HEX        prefix every session ID with these bytes (1-16)\n"
		"  --max-conns N          exit after N connections\n");
}

static int
ts_parse_version(const char *s, int *v)
{
	if (strcmp(s, "1.2") == 0)
		*v = TLS1_2_VERSION;
	else if (strcmp(s, "1.3") == 0)
		*v = TLS1_3_VERSION;
	else
		return -EINVAL;
	return 0;
}

static int
ts_parse_hex(const char *s, uint8_t *out, unsigned max, unsigned *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*len = (unsigned)(n / 2);
	return 0;
}

static int
ts_parse_args(int argc, char **argv, struct ts_opts *o)
{
	enum { O_LISTEN = 256, O_CERT, O_KEY, O_NAME, O_MIN, O_MAX, O_NOTICK, O_NOCACHE,
	       O_KEYS, O_SID, O_MAXC, O_HELP };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "name", required_argument, NULL, O_NAME },
		{ "min-tls", required_argument, NULL, O_MIN },
		{ "max-tls", required_argument, NULL, O_MAX },
		{ "no-tickets", no_argument, NULL, O_NOTICK },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "ticket-keys", required_argument, NULL, O_KEYS },
		{ "server-id", required_argument, NULL, O_SID },
		{ "max-conns", required_argument, NULL, O_MAXC },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct ts_opts){
		.listen = "127.0.0.1:4433", .name = "testserver",
		.min_version = TLS1_2_VERSION, .max_version = TLS1_3_VERSION,
		.tickets = true, .cache = true,
	};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: o->listen = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_MIN:
			if (ts_parse_version(optarg, &o->min_version) < 0)
				goto bad;
			break;
		case O_MAX:
			if (ts_parse_version(optarg, &o->max_version) < 0)
				goto bad;
			break;
		case O_NOTICK: o->tickets = false; break;
		case O_NOCACHE: o->cache = false; break;
		case O_KEYS: o->ticket_keys = optarg; break;
		case O_SID:
			if (ts_parse_hex(optarg, o->server_id, sizeof(o->server_id),
					 &o->server_id_len) < 0)
				goto bad;
			break;
		case O_MAXC:
			o->max_conns = strtoul(optarg, &end, 10);
			if (*end != '\0')
				goto bad;
			break;
		case O_HELP:
			ts_usage(stdout);
			exit(0);
		default:
			ts_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || (o->cert == NULL) != (o->key == NULL) ||
	    o->min_version > o->max_version) {
		ts_usage(stderr);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "tlslb-testserver: bad value \"%s\"\n", optarg);
	return -EINVAL;
}

/* Session IDs start with the server ID so a balancer can route on them. */
static int
ts_gen_session_id(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
	unsigned tries;

	for (tries = 0; tries < 10; tries++) {
		memcpy(id, ts_o.server_id, ts_o.server_id_len);
		if (RAND_bytes(id + ts_o.server_id_len, (int)(*id_len - ts_o.server_id_len)) != 1)
			return 0;
		if (!SSL_has_matching_session_id(ssl, id, *id_len))
			return 1;
	}
	return 0;
}

static SSL_CTX *
ts_make_ctx(const struct ts_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	X509 *cert;
	EVP_PKEY *pkey;

	if (ctx == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, o->min_version) ||
	    !SSL_CTX_set_max_proto_version(ctx, o->max_version))
		goto fail;
	if (o->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1)
			goto fail;
	} else {
		if (tlsgen_cert_get(&cert, &pkey) < 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
			goto fail;
	}
	/* the same context on every instance, so sessions resume across them */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)TS_SID_CTX,
				       sizeof(TS_SID_CTX) - 1);
	SSL_CTX_set_session_cache_mode(ctx, o->cache ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
	if (!o->tickets)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (o->server_id_len > 0)
		SSL_CTX_set_generate_session_id(ctx, ts_gen_session_id);
	if (o->ticket_keys != NULL && ts_keys_install(ctx) < 0)
		goto fail;
	return ctx;
fail:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

static int
ts_listen(const char *spec)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	char *end;
	unsigned long port;
	int fd, one = 1;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535 || inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -EINVAL;
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	printf("listening %s:%u\n", host, ntohs(sin.sin_port));
	return fd;
}

/* Read the request head, if the client sends one, until a blank line. */
static void
ts_read_request(SSL *ssl)
{
	char buf[4096];
	size_t have = 0;

	while (have < sizeof(buf) - 1) {
		int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));

		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return;
	}
}

static void
ts_log_handshake(unsigned long n, SSL *ssl, const struct ts_conn_note *note)
{
	char in[33] = "-", out[33] = "-", sid[65] = "-";
	const SSL_SESSION *sess = SSL_get0_session(ssl);
	unsigned sid_len = 0;
	const unsigned char *id = sess ? SSL_SESSION_get_id(sess, &sid_len) : NULL;

	if (note->ticket_in)
		ts_hex(in, note->in_name, 16);
	else if (note->ticket_unknown)
		strcpy(in, "unknown");
	if (note->ticket_out)
		ts_hex(out, note->out_name, 16);
	if (id != NULL && sid_len > 0)
		ts_hex(sid, id, sid_len);
	printf("handshake n=%lu version=%s session=%s ticket_in=%s ticket_out=%s sid=%s\n", n,
	       SSL_get_version(ssl), SSL_session_reused(ssl) ? "resumed" : "new", in, out, sid);
}

static void
ts_serve(SSL_CTX *ctx, int fd, unsigned long n)
{
	struct timeval tv = { .tv_sec = TS_IO_TIMEOUT_S };
	struct ts_conn_note note = { 0 };
	char body[256], resp[512];
	SSL *ssl;
	int blen, rlen;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		return;
	SSL_set_fd(ssl, fd);
	SSL_set_app_data(ssl, &note);
	if (SSL_accept(ssl) != 1) {
		unsigned long e = ERR_get_error();

		printf("handshake n=%lu failed: %s\n", n, e ? ERR_reason_error_string(e) : "eof");
		ERR_clear_error();
		goto out;
	}
	ts_read_request(ssl);
	/* TLS 1.3 tickets go out after the handshake: log once they are written */
	blen = snprintf(body, sizeof(body), "server %s\n", ts_o.name);
	rlen = snprintf(resp, sizeof(resp),
			"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
			"Connection: close\r\n\r\n%s", blen, body);
	SSL_write(ssl, resp, rlen);
	ts_log_handshake(n, ssl, &note);
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = ts_on_signal };
	unsigned long conns = 0;
	SSL_CTX *ctx = NULL;
	int lfd, rc = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ts_parse_args(argc, argv, &ts_o) < 0)
		return 2;
	/* no SA_RESTART: poll() must wake up for SIGTERM and SIGHUP */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (ts_o.ticket_keys != NULL && ts_keys_load(ts_o.ticket_keys) < 0)
		return 1;
	ctx = ts_make_ctx(&ts_o);
	if (ctx == NULL)
		goto out;
	lfd = ts_listen(ts_o.listen);
	if (lfd < 0) {
		fprintf(stderr, "tlslb-testserver: listen %s: %s\n", ts_o.listen, strerror(-lfd));
		goto out;
	}
	while (!ts_stop && (ts_o.max_conns == 0 || conns < ts_o.max_conns)) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int cfd;

		if (ts_reload) {
			ts_reload = 0;
			ts_keys_refresh(true);
		}
		if (poll(&p, 1, -1) < 0)
			continue; /* EINTR: look at the flags again */
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		ts_keys_refresh(false);
		ts_serve(ctx, cfd, ++conns);
		close(cfd);
	}
	printf("exiting after %lu connections\n", conns);
	close(lfd);
	rc = 0;
out:
	SSL_CTX_free(ctx);
	ts_keys_free();
	return rc;
}
