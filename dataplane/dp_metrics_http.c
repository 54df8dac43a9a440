/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "dp_metrics.h"
#include "dp_metrics_http.h"

struct client {
	int fd; /* -1: free */
	uint64_t deadline_ms;
	size_t req_len;
	char req[DP_METRICS_HTTP_REQ_MAX + 1];
	char *resp; /* NULL while reading */
	size_t resp_len, resp_off;
};

struct dp_metrics_http {
	struct dp_view *v;
	int fd;
	uint16_t port;
	struct client c[DP_METRICS_HTTP_CLIENTS];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "IP:PORT" or "[IPv6]:PORT" into host and port strings. */
static int split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t n;

	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= plen)
		return -EINVAL;
	n = (size_t)(colon - addr);
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

struct dp_metrics_http *dp_metrics_http_create(struct dp_view *v, const char *addr, char *err,
					       size_t err_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct dp_metrics_http *h;
	char host[64], port[8];
	int one = 1, rc, e;

	if (v == NULL || addr == NULL || split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, err_len, "metrics address '%s': want IP:PORT", addr ? addr : "");
		errno = EINVAL;
		return NULL;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, err_len, "metrics address '%s': %s", addr, gai_strerror(rc));
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		e = errno;
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	h->v = v;
	for (unsigned i = 0; i < DP_METRICS_HTTP_CLIENTS; i++)
		h->c[i].fd = -1;
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(h->fd, 16) < 0 ||
	    getsockname(h->fd, (struct sockaddr *)&ss, &sl) < 0) {
		e = errno;
		snprintf(err, err_len, "metrics address %s: %s", addr, strerror(e));
		goto fail;
	}
	h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(ai);
	return h;
fail:
	if (h != NULL && h->fd >= 0)
		close(h->fd);
	free(h);
	freeaddrinfo(ai);
	errno = e;
	return NULL;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->req_len = c->resp_len = c->resp_off = 0;
}

void dp_metrics_http_free(struct dp_metrics_http *h)
{
	if (h == NULL)
		return;
	for (unsigned i = 0; i < DP_METRICS_HTTP_CLIENTS; i++)
		client_close(&h->c[i]);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

uint16_t dp_metrics_http_port(const struct dp_metrics_http *h)
{
	return h->port;
}

static void respond(struct client *c, const char *status, const char *type, const char *body,
		    size_t body_len, bool head)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, type, body_len);
	size_t blen = head ? 0 : body_len;

	c->resp = malloc((size_t)n + blen);
	if (c->resp == NULL) {
		client_close(c);
		return;
	}
	memcpy(c->resp, hdr, (size_t)n);
	if (blen)
		memcpy(c->resp + n, body, blen);
	c->resp_len = (size_t)n + blen;
	c->resp_off = 0;
}

static void answer(struct dp_metrics_http *h, struct client *c)
{
	static const char text[] = "text/plain; charset=utf-8";
	char method[8], path[256], version[16];
	bool head;

	c->req[c->req_len] = '\0';
	if (sscanf(c->req, "%7s %255s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		respond(c, "400 Bad Request", text, "bad request\n", 12, false);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		respond(c, "405 Method Not Allowed", text, "GET only\n", 9, false);
		return;
	}
	if (strcmp(path, "/metrics") != 0 && strncmp(path, "/metrics?", 9) != 0) {
		respond(c, "404 Not Found", text, "try /metrics\n", 13, head);
		return;
	}
	{
		char *body;
		size_t len;

		if (dp_metrics_render(h->v, &body, &len) < 0) {
			respond(c, "500 Internal Server Error", text, "out of memory\n", 14, head);
			return;
		}
		respond(c, "200 OK", DP_METRICS_CONTENT_TYPE, body, len, head);
		free(body);
	}
}

static void client_read(struct dp_metrics_http *h, struct client *c)
{
	ssize_t n = read(c->fd, c->req + c->req_len, DP_METRICS_HTTP_REQ_MAX - c->req_len);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n < 0)
		return;
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") != NULL)
		answer(h, c);
	else if (c->req_len == DP_METRICS_HTTP_REQ_MAX)
		respond(c, "431 Request Header Fields Too Large", "text/plain",
			"request too large\n", 18, false);
}

static void client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->resp + c->resp_off, c->resp_len - c->resp_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	c->resp_off += (size_t)n;
	if (c->resp_off == c->resp_len) {
		shutdown(c->fd, SHUT_WR);
		client_close(c);
	}
}

/* A free slot, else the oldest connection that has not sent a whole request
 * yet (NULL when every slot is sending an answer). */
static struct client *slot_for_new(struct dp_metrics_http *h)
{
	struct client *oldest = NULL;

	for (unsigned i = 0; i < DP_METRICS_HTTP_CLIENTS; i++) {
		struct client *c = &h->c[i];

		if (c->fd < 0)
			return c;
		if (c->resp == NULL && (oldest == NULL || c->deadline_ms < oldest->deadline_ms))
			oldest = c;
	}
	return oldest;
}

static void accept_new(struct dp_metrics_http *h, uint64_t now)
{
	/* a bounded number per step: the control thread has other work */
	for (unsigned n = 0; n < 2 * DP_METRICS_HTTP_CLIENTS; n++) {
		struct client *c = slot_for_new(h);
		int fd;

		if (c == NULL)
			return; /* every slot is sending an answer: the rest wait */
		fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* idle connections give way, so they cannot lock scrapers out */
		if (c->fd >= 0)
			client_close(c);
		c->fd = fd;
		c->deadline_ms = now + DP_METRICS_HTTP_TIMEOUT_MS;
		c->req_len = 0;
	}
}

int dp_metrics_http_poll(struct dp_metrics_http *h, int timeout_ms)
{
	struct pollfd pfd[1 + DP_METRICS_HTTP_CLIENTS];
	int slot[1 + DP_METRICS_HTTP_CLIENTS];
	unsigned n = 0, i;
	uint64_t now;
	int rc;

	pfd[n].fd = h->fd;
	pfd[n].events = POLLIN;
	slot[n++] = -1;
	for (i = 0; i < DP_METRICS_HTTP_CLIENTS; i++) {
		if (h->c[i].fd < 0)
			continue;
		pfd[n].fd = h->c[i].fd;
		pfd[n].events = h->c[i].resp ? POLLOUT : POLLIN;
		slot[n++] = (int)i;
	}
	rc = poll(pfd, n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	now = now_ms();
	for (i = 1; i < n; i++) {
		struct client *c = &h->c[slot[i]];

		if (pfd[i].revents & (POLLERR | POLLNVAL)) {
			client_close(c);
			continue;
		}
		if (c->resp == NULL && (pfd[i].revents & (POLLIN | POLLHUP)))
			client_read(h, c);
		if (c->fd >= 0 && c->resp != NULL && (pfd[i].revents & POLLOUT))
			client_write(c);
		if (c->fd >= 0 && now >= c->deadline_ms)
			client_close(c);
	}
	if (pfd[0].revents & POLLIN)
		accept_new(h, now);
	return 0;
}
