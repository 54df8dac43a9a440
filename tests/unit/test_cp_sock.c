/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server (cp_sock) and its framing (cp_proto), served
 * in-process with a fake handler: requests and responses, malformed and
 * oversize frames, several clients at once, clients that stall or never
 * read, peers outside the allowed set, and the socket file itself.
 *
 * Most tests run the server in a thread and talk to it from the test
 * thread. Tests that fork a child with other credentials stop that thread
 * first and serve from the test thread, so that fork() happens in a
 * single-threaded process.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cp_proto.h"
#include "cp_sock.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STALL_MS 800
#define MAX_CLIENTS 6
#define NOBODY 65534

/* ---- the fake handler ---------------------------------------------------- */

static atomic_uint handled;

/*
 * "echo WORDS" answers WORDS ("json:WORDS" when JSON was asked);
 * "fail" answers -EINVAL; "big N" answers N bytes of 'x';
 * "len ..." answers the line's length; anything else -ENOENT.
 */
static int
fake_handle(void *ctx, const char *line, bool json, char **body, size_t *body_len, char *err,
	    size_t err_len)
{
	(void)ctx;
	atomic_fetch_add(&handled, 1);
	if (strncmp(line, "echo ", 5) == 0) {
		if (asprintf(body, "%s%s", json ? "json:" : "", line + 5) < 0)
			return -ENOMEM;
		*body_len = strlen(*body);
		return 0;
	}
	if (strcmp(line, "fail") == 0) {
		snprintf(err, err_len, "fake failure");
		return -EINVAL;
	}
	if (strncmp(line, "big ", 4) == 0) {
		size_t n = strtoul(line + 4, NULL, 10);

		*body = malloc(n + 1);
		if (*body == NULL)
			return -ENOMEM;
		memset(*body, 'x', n);
		*body_len = n;
		return 0;
	}
	if (strncmp(line, "len", 3) == 0) {
		if (asprintf(body, "%zu", strlen(line)) < 0)
			return -ENOMEM;
		*body_len = strlen(*body);
		return 0;
	}
	snprintf(err, err_len, "unknown command");
	return -ENOENT;
}

/* Every log line of the current test, one per line (read only while no server thread runs). */
static char logs[8192];

static void
fake_log(void *ctx, const char *line)
{
	size_t used = strlen(logs);

	(void)ctx;
	snprintf(logs + used, sizeof(logs) - used, "%s\n", line);
}

/* ---- the server under test ------------------------------------------------- */

struct srv {
	char dir[64];
	char path[128];
	struct cp_sock *s;
	pthread_t thread;
	atomic_bool stop;
	bool running;
};

static void *
srv_loop(void *arg)
{
	struct srv *v = arg;

	while (!atomic_load(&v->stop))
		if (cp_sock_poll(v->s, 20) < 0)
			break;
	return NULL;
}

static struct cp_sock_conf
srv_conf(const struct srv *v, const char *group)
{
	return (struct cp_sock_conf){
		.path = v->path,
		.group = group,
		.max_clients = MAX_CLIENTS,
		.stall_ms = STALL_MS,
		.handle = fake_handle,
		.log = fake_log,
	};
}

static void
srv_start_thread(struct srv *v)
{
	atomic_store(&v->stop, false);
	assert_int_equal(pthread_create(&v->thread, NULL, srv_loop, v), 0);
	v->running = true;
}

static void
srv_stop_thread(struct srv *v)
{
	if (!v->running)
		return;
	atomic_store(&v->stop, true);
	pthread_join(v->thread, NULL);
	v->running = false;
}

/* A fresh directory everybody may enter, so that a child as nobody reaches the socket. */
static int
setup(void **state)
{
	struct srv *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return -1;
	snprintf(v->dir, sizeof(v->dir), "/tmp/cp_sock_test.XXXXXX");
	if (mkdtemp(v->dir) == NULL || chmod(v->dir, 0755) < 0)
		return -1;
	snprintf(v->path, sizeof(v->path), "%s/ctl.sock", v->dir);
	atomic_store(&handled, 0);
	logs[0] = '\0';
	*state = v;
	return 0;
}

static int
teardown(void **state)
{
	struct srv *v = *state;
	char cmd[256];

	srv_stop_thread(v);
	cp_sock_close(v->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", v->dir);
	if (system(cmd) != 0)
		return -1;
	free(v);
	return 0;
}

/* Open the server with a group (or none) and serve it from a thread. */
static struct srv *
serve(void **state, const char *group)
{
	struct srv *v = *state;
	struct cp_sock_conf conf = srv_conf(v, group);
	char err[256];

	v->s = cp_sock_open(&conf, err, sizeof(err));
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	srv_start_thread(v);
	return v;
}

static struct cp_sock_stats
stats_after_stop(struct srv *v)
{
	struct cp_sock_stats st;

	srv_stop_thread(v);
	cp_sock_get_stats(v->s, &st);
	return st;
}

/* ---- a client written independently of cp_proto_call --------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
client(const struct srv *v)
{
	char err[256];
	int fd = cp_proto_connect(v->path, err, sizeof(err));

	if (fd < 0)
		fail_msg("connect: %s", err);
	return fd;
}

static void
send_raw(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read exactly @len bytes within @timeout_ms; returns the bytes read (less at EOF/timeout). */
static size_t
recv_within(int fd, void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r = recv(fd, (char *)buf + got, len - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

struct answer {
	int32_t status;
	char *body; /* NUL-terminated */
	size_t len;
};

/* Read one response; fails the test unless a whole one arrives in time. */
static struct answer
read_answer(int fd, int timeout_ms)
{
	uint8_t hdr[8];
	struct answer a;
	uint32_t len;

	if (recv_within(fd, hdr, 8, timeout_ms) != 8)
		fail_msg("no response header within %d ms", timeout_ms);
	len = cp_proto_get_u32(hdr);
	assert_true(len >= 4 && len <= CP_PROTO_RESP_MAX);
	a.status = (int32_t)cp_proto_get_u32(hdr + 4);
	a.len = len - 4;
	a.body = malloc(a.len + 1);
	assert_non_null(a.body);
	if (recv_within(fd, a.body, a.len, timeout_ms) != a.len)
		fail_msg("response body shorter than %zu bytes", a.len);
	a.body[a.len] = '\0';
	return a;
}

/* The server closed the connection (EOF, after any answer was read). */
static void
assert_closed(int fd, int timeout_ms)
{
	char c;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, timeout_ms), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0);
}

static void
send_request(int fd, uint8_t flags, const char *line)
{
	uint8_t hdr[5];
	size_t n = strlen(line);

	cp_proto_put_u32(hdr, (uint32_t)(n + 1));
	hdr[4] = flags;
	send_raw(fd, hdr, 5);
	send_raw(fd, line, n);
}

static void
expect(int fd, int32_t status, const char *body)
{
	struct answer a = read_answer(fd, 2000);

	assert_int_equal(a.status, status);
	assert_string_equal(a.body, body);
	free(a.body);
}

/* ---- framing helpers (pure) ------------------------------------------------ */

static void
test_proto_frames(void **state)
{
	uint8_t *f;
	size_t len;
	bool json;
	const char *line;
	size_t line_len;
	char err[128];
	char *longline;

	(void)state;
	assert_int_equal(cp_proto_request_frame("show version", true, &f, &len), 0);
	assert_int_equal(len, 4 + 1 + 12);
	assert_int_equal(cp_proto_get_u32(f), 13);
	assert_int_equal(
		cp_proto_request_parse(f + 4, len - 4, &json, &line, &line_len, err, sizeof(err)),
		0);
	assert_true(json);
	assert_int_equal(line_len, 12);
	assert_memory_equal(line, "show version", 12);
	free(f);

	assert_int_equal(cp_proto_request_frame("a\nb", false, &f, &len), -EINVAL);
	longline = malloc(CP_PROTO_REQ_MAX + 1);
	assert_non_null(longline);
	memset(longline, 'a', CP_PROTO_REQ_MAX);
	longline[CP_PROTO_REQ_MAX] = '\0';
	assert_int_equal(cp_proto_request_frame(longline, false, &f, &len), -EMSGSIZE);
	longline[CP_PROTO_REQ_MAX - 1] = '\0'; /* + the flags byte: exactly the maximum */
	assert_int_equal(cp_proto_request_frame(longline, false, &f, &len), 0);
	free(f);
	free(longline);

	assert_int_equal(cp_proto_response_frame(-EINVAL, "why", 3, &f, &len), 0);
	assert_int_equal(len, 11);
	assert_int_equal(cp_proto_get_u32(f), 7);
	assert_int_equal((int32_t)cp_proto_get_u32(f + 4), -EINVAL);
	assert_memory_equal(f + 8, "why", 3);
	free(f);
	assert_int_equal(cp_proto_response_frame(0, "", CP_PROTO_RESP_MAX, &f, &len), -EMSGSIZE);
}

/* ---- requests -------------------------------------------------------------- */

static void
test_request_response(void **state)
{
	struct srv *v = serve(state, NULL);
	int fd = client(v);
	int32_t status;
	char *body, err[256];
	size_t len;

	/* Several requests on one connection, in order. */
	send_request(fd, 0, "echo hello world");
	expect(fd, 0, "hello world");
	send_request(fd, CP_PROTO_F_JSON, "echo hello");
	expect(fd, 0, "json:hello");
	send_request(fd, 0, "fail");
	expect(fd, -EINVAL, "fake failure");
	send_request(fd, 0, "nonsense");
	expect(fd, -ENOENT, "unknown command");
	/* Two requests sent back to back are answered in order. */
	send_request(fd, 0, "echo one");
	send_request(fd, 0, "echo two");
	expect(fd, 0, "one");
	expect(fd, 0, "two");

	/* The client side used by tlslbctl. */
	assert_int_equal(cp_proto_call(fd, "echo via call", true, 2000, &status, &body, &len, err,
				       sizeof(err)),
			 0);
	assert_int_equal(status, 0);
	assert_string_equal(body, "json:via call");
	free(body);
	close(fd);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.requests, 7);
	assert_int_equal(st.requests_failed, 2);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(atomic_load(&handled), 7);
}

/* A request of exactly the maximum is served; one byte more is refused unread. */
static void
test_request_size_limit(void **state)
{
	struct srv *v = serve(state, NULL);
	size_t n = CP_PROTO_REQ_MAX - 1;
	char *line = malloc(n + 2), want[32];
	int fd = client(v);

	assert_non_null(line);
	memcpy(line, "len", 3);
	memset(line + 3, 'a', n - 3);
	line[n] = '\0';
	send_request(fd, 0, line);
	snprintf(want, sizeof(want), "%zu", n);
	expect(fd, 0, want);

	/* One byte more: only the header is sent, the answer must not wait for the rest. */
	send_raw(fd, "\0\x01\0\x01\0", 5);
	struct answer a = read_answer(fd, STALL_MS / 2);

	assert_int_equal(a.status, -EMSGSIZE);
	assert_non_null(strstr(a.body, "65537 bytes exceeds the maximum of 65536"));
	free(a.body);
	free(line);
	close(fd);
}

/* Malformed frames: each answered with its reason; framing errors also close. */
struct frame_case {
	const char *desc;
	const char *bytes;
	size_t len;
	int32_t status;
	const char *reason; /* a substring of the answer */
	bool closes;        /* the framing is lost: answer, then close */
};

#define B(s) s, sizeof(s) - 1

static const struct frame_case frame_cases[] = {
	{ "zero length", B("\0\0\0\0"), -EPROTO, "empty frame", true },
	{ "length of 1 GB, header only", B("\x40\0\0\0"), -EMSGSIZE,
	  "1073741824 bytes exceeds the maximum of 65536", true },
	{ "length of 4 GB - 1", B("\xff\xff\xff\xff"), -EMSGSIZE, "exceeds the maximum", true },
	{ "one above the maximum", B("\0\x01\0\x01"), -EMSGSIZE, "65537 bytes exceeds", true },
	{ "an HTTP request", B("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), -EMSGSIZE,
	  "1195725856 bytes exceeds", true },
	{ "unknown flag",
	  B("\0\0\0\x05\x80"
	    "echo"),
	  -EPROTO, "unknown request flags 0x80", false },
	{ "NUL in the line", B("\0\0\0\x06\0ec\0ho"), -EPROTO, "byte 0x00 at column 3", false },
	{ "newline in the line", B("\0\0\0\x06\0echo\n"), -EPROTO, "byte 0x0a at column 5", false },
	{ "CR in the line", B("\0\0\0\x03\0\ra"), -EPROTO, "byte 0x0d at column 1", false },
};

static void
test_malformed_frames(void **state)
{
	struct srv *v = serve(state, NULL);
	unsigned i;

	for (i = 0; i < N(frame_cases); i++) {
		const struct frame_case *fc = &frame_cases[i];
		int fd = client(v);
		int64_t t0 = now_ms();
		struct answer a;

		print_message("# frame: %s\n", fc->desc);
		send_raw(fd, fc->bytes, fc->len);
		/* Before the stall timeout: the length alone decided, no payload awaited. */
		a = read_answer(fd, STALL_MS / 2);
		assert_true(now_ms() - t0 < STALL_MS / 2);
		assert_int_equal(a.status, fc->status);
		if (strstr(a.body, fc->reason) == NULL)
			fail_msg("%s: answer '%s' lacks '%s'", fc->desc, a.body, fc->reason);
		free(a.body);
		if (fc->closes) {
			assert_closed(fd, 2000);
		} else {
			/* Still in sync: the next request works. */
			send_request(fd, 0, "echo again");
			expect(fd, 0, "again");
		}
		close(fd);
	}

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.bad_length, 5);
	assert_int_equal(st.bad_payload, 4);
	assert_int_equal(st.requests, 4);
}

/* A connection closed inside a request: counted, nothing answered, others fine. */
static void
test_truncated(void **state)
{
	struct srv *v = serve(state, NULL);
	int fd = client(v), other = client(v);

	send_raw(fd, "\0\0", 2); /* half a header */
	close(fd);
	fd = client(v);
	send_raw(fd, "\0\0\0\x0a\0ech", 8); /* half a payload */
	close(fd);
	send_request(other, 0, "echo fine");
	expect(other, 0, "fine");
	close(other);
	usleep(100 * 1000);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.truncated, 2);
	assert_int_equal(st.requests, 1);
}

/* Requests split into pieces over several connections, interleaved. */
static void
test_interleaved_clients(void **state)
{
	struct srv *v = serve(state, NULL);
	enum { CLIENTS = 5 };
	uint8_t *frame[CLIENTS];
	size_t len[CLIENTS];
	int fd[CLIENTS];
	char line[32], want[32];
	unsigned i, piece;

	for (i = 0; i < CLIENTS; i++) {
		fd[i] = client(v);
		snprintf(line, sizeof(line), "echo client %u", i);
		assert_int_equal(cp_proto_request_frame(line, i % 2, &frame[i], &len[i]), 0);
	}
	/* Piece 0: 2 bytes, piece 1: up to 7, piece 2: the rest; clients in a rotating order. */
	for (piece = 0; piece < 3; piece++) {
		for (i = 0; i < CLIENTS; i++) {
			unsigned c = (i + piece * 2) % CLIENTS;
			size_t from = piece == 0 ? 0 : piece == 1 ? 2 : 7;
			size_t to = piece == 0 ? 2 : piece == 1 ? 7 : len[c];

			send_raw(fd[c], frame[c] + from, to - from);
		}
		usleep(20 * 1000);
	}
	/* Answers read in reverse order. */
	for (i = CLIENTS; i-- > 0;) {
		snprintf(want, sizeof(want), "%sclient %u", i % 2 ? "json:" : "", i);
		expect(fd[i], 0, want);
		close(fd[i]);
		free(frame[i]);
	}
}

/* A stalled half request does not delay another client, and is closed with a reason. */
static void
test_stalled_client(void **state)
{
	struct srv *v = serve(state, NULL);
	int stalled = client(v), other = client(v);
	int64_t t0;
	struct answer a;

	send_raw(stalled, "\0\0\0\x20\0echo", 9); /* 32 bytes announced, 5 sent */
	t0 = now_ms();
	send_request(other, 0, "echo quick");
	expect(other, 0, "quick");
	assert_true(now_ms() - t0 < STALL_MS / 2);

	/* The stalled one is answered and closed after the stall timeout, not before. */
	a = read_answer(stalled, STALL_MS * 3);
	assert_true(now_ms() - t0 >= STALL_MS - 50);
	assert_int_equal(a.status, -ETIMEDOUT);
	assert_string_equal(a.body, "request incomplete after 800 ms");
	free(a.body);
	assert_closed(stalled, 1000);
	/* The other one, idle, is still served. */
	send_request(other, 0, "echo still");
	expect(other, 0, "still");
	close(stalled);
	close(other);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.stalled, 1);
	assert_int_equal(st.idle_closed, 0);
}

/* Bytes dripping in, each before the stall timeout, still lose the slot in time. */
static void
test_dripping_client(void **state)
{
	struct srv *v = serve(state, NULL);
	static const char frame[] = "\0\0\0\x0b\0echo drip!"; /* 4 bytes of it are sent */
	int fd = client(v);
	int64_t t0 = now_ms();
	struct answer a;
	unsigned i;

	for (i = 0; i < 4; i++) { /* at 0, 200, 400, 600 ms: every gap under the timeout */
		send_raw(fd, frame + i, 1);
		usleep(STALL_MS / 4 * 1000);
	}
	a = read_answer(fd, STALL_MS * 2);
	assert_int_equal(a.status, -ETIMEDOUT);
	free(a.body);
	/* Within the stall time of the first byte, give or take a poll tick. */
	assert_true(now_ms() - t0 < STALL_MS + STALL_MS / 2);
	close(fd);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.stalled, 1);
	assert_int_equal(st.requests, 0);
}

/* A client that never reads its 8 MB answer blocks nobody and is dropped. */
static void
test_slow_reader(void **state)
{
	struct srv *v = serve(state, NULL);
	int slow = client(v), other = client(v);
	int64_t t0;
	int i;

	send_request(slow, 0, "big 8000000");
	usleep(50 * 1000);
	t0 = now_ms();
	for (i = 0; i < 20; i++) {
		send_request(other, 0, "echo ok");
		expect(other, 0, "ok");
	}
	assert_true(now_ms() - t0 < STALL_MS / 2);
	/* After the stall timeout the server gives up on it: EOF after a partial answer. */
	usleep((STALL_MS + 300) * 1000);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(cp_sock_clients(v->s), 1);
	close(slow);
	close(other);

	assert_int_equal(st.stalled, 1);
	assert_int_equal(st.requests, 21);
}

/* A slow reader that does read gets the whole 8 MB answer intact. */
static void
test_big_answer(void **state)
{
	struct srv *v = serve(state, NULL);
	int fd = client(v);
	struct answer a;
	size_t i;

	send_request(fd, 0, "big 8000000");
	a = read_answer(fd, 5000);
	assert_int_equal(a.status, 0);
	assert_int_equal(a.len, 8000000);
	for (i = 0; i < a.len; i++)
		if (a.body[i] != 'x')
			fail_msg("byte %zu is 0x%02x", i, (unsigned char)a.body[i]);
	free(a.body);

	/* An answer over the protocol's maximum is replaced by a reason. */
	send_request(fd, 0, "big 16777213");
	a = read_answer(fd, 5000);
	assert_int_equal(a.status, -EMSGSIZE);
	assert_non_null(strstr(a.body, "reply of 16777213 bytes exceeds"));
	free(a.body);
	send_request(fd, 0, "echo after");
	expect(fd, 0, "after");
	close(fd);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.oversize_reply, 1);
}

static void
test_too_many_clients(void **state)
{
	struct srv *v = serve(state, NULL);
	int fd[MAX_CLIENTS], extra;
	unsigned i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		fd[i] = client(v);
		send_request(fd[i], 0, "echo in");
		expect(fd[i], 0, "in");
	}
	extra = client(v);
	expect(extra, -EBUSY, "too many clients (6)");
	assert_closed(extra, 1000);
	close(extra);
	/* Room again once one leaves. */
	close(fd[0]);
	usleep(100 * 1000);
	fd[0] = client(v);
	send_request(fd[0], 0, "echo back");
	expect(fd[0], 0, "back");
	for (i = 0; i < MAX_CLIENTS; i++)
		close(fd[i]);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.refused_full, 1);
	assert_int_equal(st.accepted, MAX_CLIENTS + 1);
}

/* Out of file descriptors: the pending client is refused with a reason, no spinning. */
static void
test_out_of_fds(void **state)
{
	struct srv *v = serve(state, NULL);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), filler[1024], n = 0, other;

	assert_true(fd >= 0);
	strcpy(sa.sun_path, v->path);
	/* Take every descriptor left (the process shares its table with the server). */
	while (n < (int)N(filler) && (filler[n] = dup(0)) >= 0)
		n++;
	if (n == (int)N(filler))
		skip(); /* a limit this high: the test cannot exhaust it cheaply */
	assert_int_equal(errno, EMFILE);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	expect(fd, -EMFILE, "the daemon is out of file descriptors");
	close(fd);
	while (n > 0)
		close(filler[--n]);
	/* Served again once descriptors are back. */
	other = client(v);
	send_request(other, 0, "echo back");
	expect(other, 0, "back");
	close(other);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.refused_fds, 1);
	assert_int_equal(st.accepted, 1);
}

/* ---- peers ------------------------------------------------------------------ */

/* A group to allow that nobody (65534) is not a member of. */
static const char *
test_group(gid_t *gid)
{
	static const char *const names[] = { "adm", "sys", "daemon", "disk" };
	unsigned i;

	for (i = 0; i < N(names); i++) {
		struct group *g = getgrnam(names[i]);

		if (g != NULL && g->gr_gid != NOBODY) {
			char **m;
			bool nobody_in = false;

			for (m = g->gr_mem; *m != NULL; m++)
				nobody_in |= strcmp(*m, "nobody") == 0;
			if (!nobody_in) {
				*gid = g->gr_gid;
				return names[i];
			}
		}
	}
	fail_msg("no suitable system group for the test");
	return NULL;
}

struct peer_case {
	const char *desc;
	uid_t uid;
	gid_t gid;                /* 0: the test group */
	bool supplementary_group; /* the test group as a supplementary group */
	int32_t status;
	const char *body;
};

static const struct peer_case peer_cases[] = {
	{ "nobody", NOBODY, NOBODY, false, -EACCES, "permission denied" },
	{ "nobody, primary gid in the group", NOBODY, 0, false, 0, "peer" },
	{ "nobody, supplementary group", NOBODY, NOBODY, true, 0, "peer" },
	{ "uid 1234 without groups", 1234, 1234, false, -EACCES, "permission denied" },
};

/*
 * In a child: drop to the case's credentials, send "echo peer", and write
 * what came back (status, then body) into @out. Exit 0 if an answer came.
 */
static void __attribute__((noreturn))
peer_child(const struct srv *v, const struct peer_case *pc, gid_t group, int out)
{
	gid_t gid = pc->gid != 0 ? pc->gid : group;
	int32_t status;
	char *body, err[256];
	size_t len;
	int fd;

	if (setgroups(pc->supplementary_group ? 1 : 0, &group) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(pc->uid, pc->uid, pc->uid) < 0)
		_exit(10);
	fd = cp_proto_connect(v->path, err, sizeof(err));
	if (fd < 0)
		_exit(11);
	if (cp_proto_call(fd, "echo peer", false, 3000, &status, &body, &len, err, sizeof(err)) < 0)
		_exit(12);
	if (write(out, &status, sizeof(status)) != sizeof(status) ||
	    write(out, body, len) != (ssize_t)len)
		_exit(13);
	_exit(0);
}

/* Serve from this thread until the child exits; returns its exit status. */
static int
serve_until_exit(struct srv *v, pid_t pid)
{
	int64_t deadline = now_ms() + 10000;
	int wstatus;

	for (;;) {
		pid_t r = waitpid(pid, &wstatus, WNOHANG);

		if (r == pid)
			return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
			return 129;
		}
		cp_sock_poll(v->s, 10);
	}
}

static void
test_peer_credentials(void **state)
{
	struct srv *v = *state;
	gid_t group;
	const char *name = test_group(&group);
	struct cp_sock_conf conf = srv_conf(v, name);
	char err[256];
	unsigned i;

	if (geteuid() != 0)
		skip();
	v->s = cp_sock_open(&conf, err, sizeof(err));
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	/*
	 * The file mode (0660) is the kernel's guard: an outsider cannot even
	 * connect. Open it up so that the server's own check is what refuses.
	 */
	assert_int_equal(chmod(v->path, 0666), 0);
	for (i = 0; i < N(peer_cases); i++) {
		const struct peer_case *pc = &peer_cases[i];
		int pipefd[2], rc;
		char got[128] = "";
		int32_t status = 1;
		ssize_t n;
		pid_t pid;

		print_message("# peer: %s\n", pc->desc);
		assert_int_equal(pipe(pipefd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pipefd[0]);
			peer_child(v, pc, group, pipefd[1]);
		}
		close(pipefd[1]);
		rc = serve_until_exit(v, pid);
		assert_int_equal(rc, 0);
		assert_int_equal(read(pipefd[0], &status, sizeof(status)), sizeof(status));
		n = read(pipefd[0], got, sizeof(got) - 1);
		got[n > 0 ? n : 0] = '\0';
		close(pipefd[0]);
		assert_int_equal(status, pc->status);
		assert_string_equal(got, pc->body);
		if (pc->status == -EACCES) {
			char want[64];

			snprintf(want, sizeof(want), "uid %u gid %u: permission denied",
				 (unsigned)pc->uid, (unsigned)pc->gid);
			if (strstr(logs, want) == NULL)
				fail_msg("no log line '%s' in:\n%s", want, logs);
		}
	}

	struct cp_sock_stats st;

	cp_sock_get_stats(v->s, &st);
	assert_int_equal(st.refused_peer, 2);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.requests, 2);
}

/* With the file at 0660, an outsider is stopped by the kernel before the server sees it. */
static void
test_file_mode_guards(void **state)
{
	struct srv *v = *state;
	gid_t group;
	const char *name = test_group(&group);
	struct cp_sock_conf conf = srv_conf(v, name);
	char err[256];
	int wstatus;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	v->s = cp_sock_open(&conf, err, sizeof(err));
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(10);
		fd = cp_proto_connect(v->path, err, sizeof(err));
		_exit(fd == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
}

/* ---- the socket file -------------------------------------------------------- */

static void
test_file_mode_and_group(void **state)
{
	struct srv *v = *state;
	gid_t group;
	const char *name = test_group(&group);
	struct cp_sock_conf conf;
	struct stat st;
	char err[256];

	if (geteuid() != 0)
		skip();
	/* In a directory that does not exist yet: created 0750, same group. */
	snprintf(v->path, sizeof(v->path), "%s/run/ctl.sock", v->dir);
	conf = srv_conf(v, name);
	/* A strict umask must not take the group's access away. */
	mode_t old = umask(077);

	v->s = cp_sock_open(&conf, err, sizeof(err));
	umask(old);
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	assert_int_equal(lstat(v->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, group);
	assert_int_equal(st.st_uid, geteuid());
	snprintf(err, sizeof(err), "%s/run", v->dir);
	assert_int_equal(stat(err, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_gid, group);
	assert_string_equal(cp_sock_path(v->s), v->path);

	/* Closing unlinks the file. */
	cp_sock_close(v->s);
	v->s = NULL;
	assert_int_equal(lstat(v->path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_stale_socket_replaced(void **state)
{
	struct srv *v = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cp_sock_conf conf = srv_conf(v, NULL);
	char err[256];
	int fd;

	/* A socket file nobody listens on: what a crashed daemon leaves. */
	strcpy(sa.sun_path, v->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	v->s = cp_sock_open(&conf, err, sizeof(err));
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	if (strstr(logs, "replaced stale socket") == NULL)
		fail_msg("no log of the replacement in:\n%s", logs);
	srv_start_thread(v);
	fd = client(v);
	send_request(fd, 0, "echo replaced");
	expect(fd, 0, "replaced");
	close(fd);
}

static void
test_live_socket_refused(void **state)
{
	struct srv *v = serve(state, NULL);
	struct cp_sock_conf conf = srv_conf(v, NULL);
	char err[256];
	int fd;

	errno = 0;
	assert_null(cp_sock_open(&conf, err, sizeof(err)));
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "another daemon is listening on"));
	/* The first server still owns its file and serves. */
	fd = client(v);
	send_request(fd, 0, "echo first");
	expect(fd, 0, "first");
	close(fd);
}

struct open_case {
	const char *desc;
	const char *group;
	const char *file_at_path; /* contents of a regular file put at the path, or NULL */
	const char *sub;          /* path below the test dir; NULL: ctl.sock */
	int err;
	const char *reason;
};

static const struct open_case open_cases[] = {
	{ "unknown group", "no-such-group-tlslb", NULL, NULL, ENOENT,
	  "unknown group no-such-group-tlslb" },
	{ "a regular file at the path", NULL, "keep me", NULL, EEXIST,
	  "exists and is not a socket" },
	{ "two missing directories", NULL, NULL, "a/b/ctl.sock", ENOENT, "creating directory" },
	{ "path too long", NULL, NULL,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaa/s",
	  ENAMETOOLONG, "longer than 107 bytes" },
};

static void
test_open_errors(void **state)
{
	struct srv *v = *state;
	unsigned i;

	for (i = 0; i < N(open_cases); i++) {
		const struct open_case *oc = &open_cases[i];
		struct cp_sock_conf conf;
		char err[256] = "", buf[16] = "";
		FILE *f;

		print_message("# open: %s\n", oc->desc);
		if (oc->sub != NULL)
			snprintf(v->path, sizeof(v->path), "%s/%s", v->dir, oc->sub);
		else
			snprintf(v->path, sizeof(v->path), "%s/ctl.sock", v->dir);
		if (oc->file_at_path != NULL) {
			f = fopen(v->path, "w");
			assert_non_null(f);
			fputs(oc->file_at_path, f);
			fclose(f);
		}
		conf = srv_conf(v, oc->group);
		errno = 0;
		assert_null(cp_sock_open(&conf, err, sizeof(err)));
		assert_int_equal(errno, oc->err);
		if (strstr(err, oc->reason) == NULL)
			fail_msg("%s: reason '%s' lacks '%s'", oc->desc, err, oc->reason);
		if (oc->file_at_path != NULL) {
			/* Never deleted or changed. */
			f = fopen(v->path, "r");
			assert_non_null(f);
			assert_non_null(fgets(buf, sizeof(buf), f));
			fclose(f);
			assert_string_equal(buf, oc->file_at_path);
			unlink(v->path);
		}
	}
}

/* The idle timeout closes a quiet connection; a test-sized one, set here. */
static void
test_idle_timeout(void **state)
{
	struct srv *v = *state;
	struct cp_sock_conf conf = srv_conf(v, NULL);
	char err[256];
	int fd;

	conf.idle_ms = 300;
	v->s = cp_sock_open(&conf, err, sizeof(err));
	if (v->s == NULL)
		fail_msg("cp_sock_open: %s", err);
	srv_start_thread(v);
	fd = client(v);
	send_request(fd, 0, "echo idle");
	expect(fd, 0, "idle");
	assert_closed(fd, 2000);
	close(fd);

	struct cp_sock_stats st = stats_after_stop(v);

	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.stalled, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	/* A low descriptor limit, so that test_out_of_fds can reach it. */
	struct rlimit rl = { .rlim_cur = 256, .rlim_max = 256 };

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur > 256)
		rl.rlim_cur = 256;
	setrlimit(RLIMIT_NOFILE, &rl);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_frames),
		T(test_request_response),
		T(test_request_size_limit),
		T(test_malformed_frames),
		T(test_truncated),
		T(test_interleaved_clients),
		T(test_stalled_client),
		T(test_dripping_client),
		T(test_slow_reader),
		T(test_big_answer),
		T(test_too_many_clients),
		T(test_out_of_fds),
		T(test_peer_credentials),
		T(test_file_mode_guards),
		T(test_file_mode_and_group),
		T(test_stale_socket_replaced),
		T(test_live_socket_refused),
		T(test_open_errors),
		T(test_idle_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
