/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control socket's framed protocol (cp_proto.h) and
 * the server that speaks it (cp_sock.h). The first byte picks what the rest
 * of the input is:
 *  0  a request payload for cp_proto_request_parse(), and a status and body
 *     for cp_proto_response_frame(): the parse must answer exactly what the
 *     protocol's rules say, and what parses must encode back to the same bytes;
 *  1  the byte stream a client sends to a real cp_sock server, in-process on a
 *     socket in a scratch directory, with a fake handler (the next byte sets
 *     how many bytes go out between two server steps). A model of the rules
 *     predicts every response (status and body, in order), every handler call
 *     and when the server closes; the server must match it, never crash,
 *     never answer twice, close after a bad length or a truncated request,
 *     and end with no connection left open. When the first byte says so
 *     (4 or 7 rather than 1), the client hangs up as soon as it has sent
 *     everything or the first answer arrives: the server must then just
 *     drop the connection, quietly (a hang-up is no I/O error);
 *  2  the bytes a daemon answers, read by the client side, cp_proto_call():
 *     a response is returned as sent, anything else is refused with a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cp_proto.h"
#include "cp_sock.h"

#define REASON_LEN 256
/* How long the server may take to answer and close one input's stream. */
#define SERVER_DEADLINE_MS 5000
/* A body larger than the socket buffers, so the server writes it in pieces. */
#define BIG_BODY_LEN (300u * 1024u)
/* A body one byte longer than a response can carry. */
#define OVERSIZE_BODY_LEN (CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN + 1u)
/* Most bytes mode 2 writes into a socketpair (its buffer holds them all). */
#define CLIENT_INPUT_MAX (64u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_cp_frame: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                             \
			abort();                                                              \
		}                                                                             \
	} while (0)

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
check_reason(const char *reason)
{
	CHECK(reason[0] != '\0');
	CHECK(strchr(reason, '\n') == NULL && strchr(reason, '\r') == NULL);
}

/* A growable byte buffer. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void
bytes_put(struct bytes *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		CHECK(b->p != NULL);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

/* ---- mode 0: the pure encoders and decoders --------------------------------- */

static bool
forbidden(uint8_t c)
{
	return c == '\0' || c == '\r' || c == '\n';
}

static void
check_response_frame(int32_t status, const char *body, size_t body_len)
{
	uint8_t *frame;
	size_t frame_len;

	CHECK(cp_proto_response_frame(status, body, body_len, &frame, &frame_len) == 0);
	CHECK(frame_len == CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN + body_len);
	CHECK(cp_proto_get_u32(frame) == CP_PROTO_STATUS_LEN + body_len);
	CHECK((int32_t)cp_proto_get_u32(frame + CP_PROTO_HDR_LEN) == status);
	CHECK(memcmp(frame + CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN, body, body_len) == 0);
	free(frame);
	/* Refused before the body is read. */
	CHECK(cp_proto_response_frame(status, body,
				      CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN + 1 + body_len,
				      &frame, &frame_len) == -EMSGSIZE);
}

static void
fuzz_codec(const uint8_t *payload, size_t n)
{
	char err[REASON_LEN] = "";
	const char *line = NULL;
	size_t line_len = 0, frame_len, i;
	uint8_t *frame;
	bool json = false,
	     ok = n >= 1 && n <= CP_PROTO_REQ_MAX && (payload[0] & ~CP_PROTO_F_ALL) == 0;
	char *copy;
	int rc;

	for (i = 1; ok && i < n; i++)
		ok = !forbidden(payload[i]);
	rc = cp_proto_request_parse(payload, n, &json, &line, &line_len, err, sizeof(err));
	if (!ok) {
		CHECK(rc == -EPROTO);
		check_reason(err);
	} else {
		CHECK(rc == 0);
		CHECK(json == ((payload[0] & CP_PROTO_F_JSON) != 0));
		CHECK(line == (const char *)payload + 1 && line_len == n - 1);
		/* What parses encodes back to the same frame. */
		copy = malloc(line_len + 1);
		CHECK(copy != NULL);
		memcpy(copy, line, line_len);
		copy[line_len] = '\0';
		CHECK(cp_proto_request_frame(copy, json, &frame, &frame_len) == 0);
		CHECK(frame_len == CP_PROTO_HDR_LEN + n);
		CHECK(cp_proto_get_u32(frame) == n);
		CHECK(memcmp(frame + CP_PROTO_HDR_LEN, payload, n) == 0);
		free(frame);
		free(copy);
	}

	/* The payload's bytes as a C string line: encodable unless it holds CR or LF. */
	if (n > 0) {
		copy = malloc(n);
		CHECK(copy != NULL);
		memcpy(copy, payload + 1, n - 1);
		copy[n - 1] = '\0';
		rc = cp_proto_request_frame(copy, payload[0] & 1, &frame, &frame_len);
		if (strpbrk(copy, "\r\n") != NULL) {
			CHECK(rc == -EINVAL);
		} else {
			CHECK(rc == 0);
			CHECK(cp_proto_request_parse(frame + CP_PROTO_HDR_LEN,
						     frame_len - CP_PROTO_HDR_LEN, &json, &line,
						     &line_len, err, sizeof(err)) == 0);
			CHECK(json == (payload[0] & 1) && line_len == strlen(copy));
			CHECK(memcmp(line, copy, line_len) == 0);
			free(frame);
		}
		free(copy);
	}

	/* A response: the first four bytes as the status, the rest as the body. */
	if (n >= 4)
		check_response_frame((int32_t)cp_proto_get_u32(payload), (const char *)payload + 4,
				     n - 4);
	else
		check_response_frame(-(int32_t)n, "", 0);
}

/* ---- mode 1: the server ------------------------------------------------------ */

static struct cp_sock *server;
static char server_dir[64];
static unsigned long handler_calls;

/* What the fake handler answers to @p line; the model asks the same function. */
struct answer {
	int rc;         /* what the handler returns */
	int32_t status; /* what the client must receive */
	struct bytes body;
};

static void
fake_answer(const char *line, bool json, struct answer *a)
{
	static const char refusal[] = "fake refusal";

	memset(a, 0, sizeof(*a));
	switch (line[0]) {
	case 'E': /* refused with a reason */
		a->rc = a->status = -EINVAL;
		bytes_put(&a->body, refusal, strlen(refusal));
		break;
	case 'X': /* refused without one: the server says strerror */
		a->rc = a->status = -ENOENT;
		bytes_put(&a->body, strerror(ENOENT), strlen(strerror(ENOENT)));
		break;
	case 'Z': /* a handler breaking its contract must not pass for success */
		a->rc = 1;
		a->status = -EIO;
		bytes_put(&a->body, strerror(EIO), strlen(strerror(EIO)));
		break;
	case 'N': /* success, empty body */
		break;
	case 'O': { /* success, a body too large for a response: refused instead */
		char reason[REASON_LEN];

		a->status = -EMSGSIZE;
		snprintf(reason, sizeof(reason),
			 "reply of %u bytes exceeds the protocol's maximum of %u; narrow the query",
			 OVERSIZE_BODY_LEN, CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN);
		bytes_put(&a->body, reason, strlen(reason));
		break;
	}
	case 'B': { /* success, a body the server cannot write in one go */
		uint8_t chunk[256];
		size_t i;

		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(i * 7 + (unsigned char)line[1]);
		while (a->body.len < BIG_BODY_LEN)
			bytes_put(&a->body, chunk, sizeof(chunk));
		break;
	}
	default: /* success, the line echoed */
		bytes_put(&a->body, json ? "J:" : "T:", 2);
		bytes_put(&a->body, line, strlen(line));
		break;
	}
}

static int
fake_handle(void *ctx, const char *line, bool json, char **body, size_t *body_len, char *err,
	    size_t err_len)
{
	struct answer a;

	(void)ctx;
	handler_calls++;
	fake_answer(line, json, &a);
	*body = NULL;
	*body_len = 0;
	if (line[0] == 'O') {
		/* The server must refuse it without reading it: left uninitialised. */
		free(a.body.p);
		*body = malloc(OVERSIZE_BODY_LEN);
		CHECK(*body != NULL);
		*body_len = OVERSIZE_BODY_LEN;
		return 0;
	}
	if (a.rc == 0) {
		/* An empty body may come as NULL or as a buffer. */
		*body = (char *)a.body.p;
		*body_len = a.body.len;
		return 0;
	}
	if (line[0] == 'E')
		snprintf(err, err_len, "%.*s", (int)a.body.len, (const char *)a.body.p);
	free(a.body.p);
	return a.rc;
}

/* What the model expects the server to send, and how the connection ends. */
struct expect {
	struct bytes stream; /* the response frames, concatenated */
	unsigned long handler_calls, bad_payload, bad_length, truncated;
};

static void
expect_response(struct expect *x, int32_t status, const void *body, size_t len)
{
	uint8_t hdr[CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN];

	cp_proto_put_u32(hdr, (uint32_t)(CP_PROTO_STATUS_LEN + len));
	cp_proto_put_u32(hdr + CP_PROTO_HDR_LEN, (uint32_t)status);
	bytes_put(&x->stream, hdr, sizeof(hdr));
	bytes_put(&x->stream, body, len);
}

/* The protocol's rules (cp_proto.h, cp_sock.h) applied to a whole client stream. */
static void
model(const uint8_t *in, size_t n, struct expect *x)
{
	size_t off = 0;

	memset(x, 0, sizeof(*x));
	while (off < n) {
		char err[REASON_LEN] = "";
		const char *line;
		size_t line_len;
		uint32_t len;
		bool json;

		if (n - off < CP_PROTO_HDR_LEN) {
			x->truncated++;
			return;
		}
		len = cp_proto_get_u32(in + off);
		if (len == 0) {
			x->bad_length++;
			expect_response(x, -EPROTO, "empty frame (length 0)", 22);
			return;
		}
		if (len > CP_PROTO_REQ_MAX) {
			x->bad_length++;
			snprintf(err, sizeof(err), "request of %u bytes exceeds the maximum of %u",
				 len, CP_PROTO_REQ_MAX);
			expect_response(x, -EMSGSIZE, err, strlen(err));
			return;
		}
		off += CP_PROTO_HDR_LEN;
		if (n - off < len) {
			x->truncated++;
			return;
		}
		if (cp_proto_request_parse(in + off, len, &json, &line, &line_len, err,
					   sizeof(err)) < 0) {
			x->bad_payload++;
			expect_response(x, -EPROTO, err, strlen(err));
		} else {
			char *copy = strndup(line, line_len);
			struct answer a;

			CHECK(copy != NULL);
			x->handler_calls++;
			fake_answer(copy, json, &a);
			expect_response(x, a.status, a.body.p, a.body.len);
			free(a.body.p);
			free(copy);
		}
		off += len;
	}
}

static void
close_server(void)
{
	char path[sizeof(server_dir) + 16];

	cp_sock_close(server);
	server = NULL;
	snprintf(path, sizeof(path), "%s/ctl.sock", server_dir);
	unlink(path);
	rmdir(server_dir);
}

static void
open_server(void)
{
	char path[sizeof(server_dir) + 16], err[REASON_LEN];
	struct cp_sock_conf conf = {
		.path = path,
		.max_clients = 4,
		.handle = fake_handle,
	};

	snprintf(server_dir, sizeof(server_dir), "/tmp/fuzz_cp_frame.XXXXXX");
	CHECK(mkdtemp(server_dir) != NULL);
	snprintf(path, sizeof(path), "%s/ctl.sock", server_dir);
	server = cp_sock_open(&conf, err, sizeof(err));
	if (server == NULL) {
		fprintf(stderr, "fuzz_cp_frame: cp_sock_open %s: %s\n", path, err);
		abort();
	}
	atexit(close_server);
}

static int
connect_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", server_dir);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
	return fd;
}

/* After a hang-up: the server drops the connection by itself, quietly. */
static void
wait_for_drop(const struct cp_sock_stats *before, const struct expect *x)
{
	struct cp_sock_stats after;
	int64_t deadline = now_ms() + SERVER_DEADLINE_MS;

	/* The connection may still wait in the listen queue: accepted, then dropped. */
	for (;;) {
		cp_sock_get_stats(server, &after);
		if (after.accepted - before->accepted == 1 && cp_sock_clients(server) == 0)
			break;
		CHECK(cp_sock_poll(server, 0) == 0);
		if (now_ms() > deadline) {
			fprintf(stderr, "fuzz_cp_frame: server kept a hung-up client for %d ms\n",
				SERVER_DEADLINE_MS);
			abort();
		}
	}
	CHECK(handler_calls <= x->handler_calls);
	CHECK(after.requests - before->requests == handler_calls);
	CHECK(after.stalled == before->stalled && after.io_errors == before->io_errors);
}

static void
fuzz_server(const uint8_t *in, size_t n, size_t chunk, bool hang_up)
{
	struct cp_sock_stats before, after;
	struct bytes got = { 0 };
	struct expect x;
	int64_t deadline = now_ms() + SERVER_DEADLINE_MS;
	size_t sent = 0;
	bool shut = false, closed = false;
	int fd;

	model(in, n, &x);
	cp_sock_get_stats(server, &before);
	handler_calls = 0;
	fd = connect_client();
	while (!closed) {
		uint8_t buf[16384];
		ssize_t r;

		if (!shut && sent < n) {
			size_t want = n - sent < chunk ? n - sent : chunk;
			ssize_t w = send(fd, in + sent, want, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
				shut = true; /* closed first: fine after a bad length */
			else
				CHECK(w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
		}
		if (!shut && sent == n) {
			CHECK(shutdown(fd, SHUT_WR) == 0);
			shut = true;
		}
		if (hang_up && (shut || got.len > 0))
			break;
		CHECK(cp_sock_poll(server, 0) == 0);
		for (;;) {
			r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0) {
				bytes_put(&got, buf, (size_t)r);
				continue;
			}
			if (r == 0 || (r < 0 && errno == ECONNRESET))
				closed = true;
			else
				CHECK(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
			break;
		}
		if (now_ms() > deadline) {
			fprintf(stderr,
				"fuzz_cp_frame: server has not closed after %d ms (%zu of %zu bytes "
				"sent, %zu received, %zu expected)\n",
				SERVER_DEADLINE_MS, sent, n, got.len, x.stream.len);
			abort();
		}
	}
	close(fd);
	/* Whatever arrived is a prefix of what the model expects. */
	if (got.len > x.stream.len || (got.len > 0 && memcmp(got.p, x.stream.p, got.len) != 0)) {
		fprintf(stderr, "fuzz_cp_frame: server sent %zu bytes the model does not expect\n",
			got.len);
		abort();
	}
	if (hang_up) {
		wait_for_drop(&before, &x);
		goto out;
	}
	if (got.len != x.stream.len) {
		fprintf(stderr, "fuzz_cp_frame: server sent %zu bytes, the model expects %zu\n",
			got.len, x.stream.len);
		abort();
	}
	cp_sock_get_stats(server, &after);
	CHECK(handler_calls == x.handler_calls);
	CHECK(after.requests - before.requests == x.handler_calls);
	CHECK(after.bad_payload - before.bad_payload == x.bad_payload);
	CHECK(after.bad_length - before.bad_length == x.bad_length);
	CHECK(after.truncated - before.truncated == x.truncated);
	CHECK(after.accepted - before.accepted == 1);
	CHECK(after.stalled == before.stalled && after.io_errors == before.io_errors);
	CHECK(cp_sock_clients(server) == 0);
out:
	free(got.p);
	free(x.stream.p);
}

/* ---- mode 2: the client reading a response ------------------------------------ */

static void
fuzz_client(const uint8_t *in, size_t n)
{
	char err[REASON_LEN] = "";
	size_t body_len = 0, off = 0;
	char *body = NULL;
	int32_t status = 0;
	uint32_t len = n >= 4 ? cp_proto_get_u32(in) : 0;
	int sv[2], rc, want;

	if (n > CLIENT_INPUT_MAX)
		n = CLIENT_INPUT_MAX;
	if (n < CP_PROTO_HDR_LEN)
		want = -ECONNRESET;
	else if (len < CP_PROTO_STATUS_LEN || len > CP_PROTO_RESP_MAX)
		want = -EPROTO;
	else if (n - CP_PROTO_HDR_LEN < len)
		want = -ECONNRESET;
	else
		want = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	while (off < n) {
		ssize_t w = send(sv[1], in + off, n - off, MSG_NOSIGNAL);

		CHECK(w > 0);
		off += (size_t)w;
	}
	/* The "daemon" said all it had to say; the request goes nowhere. */
	close(sv[1]);
	rc = cp_proto_call(sv[0], "show version", false, 1000, &status, &body, &body_len, err,
			   sizeof(err));
	close(sv[0]);
	CHECK(rc == want);
	if (rc < 0) {
		check_reason(err);
		CHECK(body == NULL);
		return;
	}
	CHECK(body != NULL && body_len == len - CP_PROTO_STATUS_LEN);
	CHECK(status == (int32_t)cp_proto_get_u32(in + CP_PROTO_HDR_LEN));
	CHECK(memcmp(body, in + CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN, body_len) == 0);
	CHECK(body[body_len] == '\0');
	free(body);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	open_server();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_codec(data + 1, len - 1);
		break;
	case 1:
		if (len < 2)
			return 0;
		fuzz_server(data + 2, len - 2, data[1] ? data[1] : SIZE_MAX, (data[0] / 3) & 1);
		break;
	default:
		fuzz_client(data + 1, len - 1);
		break;
	}
	return 0;
}
