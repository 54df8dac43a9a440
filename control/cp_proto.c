/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_proto.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void
cp_proto_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t
cp_proto_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t err_len, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

/* The index of the first NUL, CR or LF in @p s, or @p len. */
static size_t
forbidden_byte(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
			return i;
	return len;
}

int
cp_proto_request_parse(const uint8_t *payload, size_t len, bool *json, const char **line,
		       size_t *line_len, char *err, size_t err_len)
{
	size_t bad;

	if (len < 1)
		return fail(err, err_len, EPROTO, "empty request (no flags byte)");
	if (len > CP_PROTO_REQ_MAX)
		return fail(err, err_len, EPROTO, "request of %zu bytes exceeds the maximum of %u",
			    len, CP_PROTO_REQ_MAX);
	if ((payload[0] & ~CP_PROTO_F_ALL) != 0)
		return fail(err, err_len, EPROTO, "unknown request flags 0x%02x", payload[0]);
	*json = (payload[0] & CP_PROTO_F_JSON) != 0;
	*line = (const char *)payload + 1;
	*line_len = len - 1;
	bad = forbidden_byte(*line, *line_len);
	if (bad < *line_len)
		return fail(err, err_len, EPROTO, "byte 0x%02x at column %zu of the request line",
			    (unsigned char)(*line)[bad], bad + 1);
	return 0;
}

int
cp_proto_request_frame(const char *line, bool json, uint8_t **frame, size_t *frame_len)
{
	size_t n = strlen(line);
	uint8_t *f;

	if (forbidden_byte(line, n) < n)
		return -EINVAL;
	if (n + 1 > CP_PROTO_REQ_MAX)
		return -EMSGSIZE;
	f = malloc(CP_PROTO_HDR_LEN + 1 + n);
	if (f == NULL)
		return -ENOMEM;
	cp_proto_put_u32(f, (uint32_t)(n + 1));
	f[CP_PROTO_HDR_LEN] = json ? CP_PROTO_F_JSON : 0;
	memcpy(f + CP_PROTO_HDR_LEN + 1, line, n);
	*frame = f;
	*frame_len = CP_PROTO_HDR_LEN + 1 + n;
	return 0;
}

int
cp_proto_response_frame(int32_t status, const char *body, size_t body_len, uint8_t **frame,
			size_t *frame_len)
{
	uint8_t *f;

	if (body_len > CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN)
		return -EMSGSIZE;
	f = malloc(CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN + body_len);
	if (f == NULL)
		return -ENOMEM;
	cp_proto_put_u32(f, (uint32_t)(CP_PROTO_STATUS_LEN + body_len));
	cp_proto_put_u32(f + CP_PROTO_HDR_LEN, (uint32_t)status);
	if (body_len > 0)
		memcpy(f + CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN, body, body_len);
	*frame = f;
	*frame_len = CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN + body_len;
	return 0;
}

int
cp_proto_connect(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, err_len, ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, err_len, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno;
		close(fd);
		return fail(err, err_len, rc, "cannot connect to %s: %s", path, strerror(rc));
	}
	return fd;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @p events on @p fd until @p deadline (< 0: none). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int left, rc;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			int64_t d = deadline - now_ms();

			if (d <= 0)
				return -ETIMEDOUT;
			left = d > 1000000 ? 1000000 : (int)d;
		}
		rc = poll(&p, 1, left);
		if (rc > 0)
			return 0;
		if (rc == 0)
			continue;
		if (errno != EINTR)
			return -errno;
	}
}

static int
send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		ssize_t w = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Read exactly @p len bytes; -ECONNRESET when the peer closes first. */
static int
recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		ssize_t r = recv(fd, buf + done, len - done, MSG_DONTWAIT);

		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
recv_response(int fd, int64_t deadline, int32_t *status, char **body, size_t *body_len, char *err,
	      size_t err_len)
{
	uint8_t hdr[CP_PROTO_HDR_LEN + CP_PROTO_STATUS_LEN];
	uint32_t len;
	char *b;
	int rc;

	rc = recv_all(fd, hdr, CP_PROTO_HDR_LEN, deadline);
	if (rc < 0)
		goto io_error;
	len = cp_proto_get_u32(hdr);
	if (len < CP_PROTO_STATUS_LEN || len > CP_PROTO_RESP_MAX)
		return fail(err, err_len, EPROTO, "malformed response: length %u", len);
	rc = recv_all(fd, hdr + CP_PROTO_HDR_LEN, CP_PROTO_STATUS_LEN, deadline);
	if (rc < 0)
		goto io_error;
	len -= CP_PROTO_STATUS_LEN;
	b = malloc((size_t)len + 1);
	if (b == NULL)
		return fail(err, err_len, ENOMEM, "out of memory for a %u-byte response", len);
	rc = recv_all(fd, (uint8_t *)b, len, deadline);
	if (rc < 0) {
		free(b);
		goto io_error;
	}
	b[len] = '\0';
	*status = (int32_t)cp_proto_get_u32(hdr + CP_PROTO_HDR_LEN);
	*body = b;
	*body_len = len;
	return 0;

io_error:
	if (rc == -ETIMEDOUT)
		return fail(err, err_len, ETIMEDOUT, "no response from the daemon in time");
	if (rc == -ECONNRESET)
		return fail(err, err_len, ECONNRESET, "the daemon closed the connection");
	return fail(err, err_len, -rc, "receiving the response: %s", strerror(-rc));
}

int
cp_proto_call(int fd, const char *line, bool json, int timeout_ms, int32_t *status, char **body,
	      size_t *body_len, char *err, size_t err_len)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint8_t *frame;
	size_t frame_len;
	int rc;

	rc = cp_proto_request_frame(line, json, &frame, &frame_len);
	if (rc == -EINVAL)
		return fail(err, err_len, EINVAL, "the command contains a NUL or newline byte");
	if (rc == -EMSGSIZE)
		return fail(err, err_len, EMSGSIZE, "the command is longer than %u bytes",
			    CP_PROTO_REQ_MAX - 1);
	if (rc < 0)
		return fail(err, err_len, -rc, "building the request: %s", strerror(-rc));
	rc = send_all(fd, frame, frame_len, deadline);
	free(frame);
	if (rc == -ETIMEDOUT)
		return fail(err, err_len, ETIMEDOUT, "the daemon did not take the request in time");
	/*
	 * The daemon may answer and close before taking the whole request (a
	 * refused peer): its answer is still worth reading.
	 */
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET)
		return fail(err, err_len, -rc, "sending the request: %s", strerror(-rc));
	return recv_response(fd, deadline, status, body, body_len, err, err_len);
}
