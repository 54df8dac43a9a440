/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "cp_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cp_proto.h"

#define SOCK_FILE_MODE 0660
#define SOCK_DIR_MODE 0750
#define LISTEN_BACKLOG 64
/* Accepts per step, so a connection storm cannot starve the open connections. */
#define ACCEPTS_PER_STEP 16
#define REASON_MAX 256
/* Requests served per connection per step, so one pipelining client cannot hog a step. */
#define REQUESTS_PER_STEP 8

/* One client connection: at most one request being read, one response being written. */
struct conn {
	int fd;
	bool dead;
	bool close_after_write; /* the framing is lost: answer, then close */
	uint8_t hdr[CP_PROTO_HDR_LEN];
	size_t hdr_got;
	uint8_t *in; /* the payload being read, +1 byte for a terminating NUL */
	size_t in_len, in_got;
	uint8_t *out; /* the response frame being written */
	size_t out_len, out_done;
	int64_t progress_ms; /* last byte moved, or accept */
	int64_t request_ms;  /* first byte of the request being read */
	pid_t pid;
	uid_t uid;
};

struct cp_sock {
	struct cp_sock_conf conf;
	char *path;
	int lfd;
	int spare_fd; /* given up to accept-and-refuse when out of fds (else poll spins) */
	bool has_group;
	gid_t gid;
	uid_t self_uid;
	dev_t dev; /* our socket file, so close unlinks only what it created */
	ino_t ino;
	struct conn *conns;
	unsigned n_conns;
	struct pollfd *pfds;
	struct cp_sock_stats st;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((format(printf, 2, 3))) slog(struct cp_sock *s, const char *fmt, ...)
{
	char line[REASON_MAX + 128];
	va_list ap;

	if (s->conf.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->conf.log(s->conf.log_ctx, line);
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

/* ---- creation ---------------------------------------------------------- */

static int
lookup_group(const char *name, gid_t *gid, char *err, size_t err_len)
{
	struct group gr, *found = NULL;
	char buf[4096];
	int rc;

	rc = getgrnam_r(name, &gr, buf, sizeof(buf), &found);
	if (rc != 0)
		return fail(err, err_len, rc, "looking up group %s: %s", name, strerror(rc));
	if (found == NULL)
		return fail(err, err_len, ENOENT, "unknown group %s", name);
	*gid = gr.gr_gid;
	return 0;
}

/* Create the socket's directory when missing (the last component only). */
static int
make_dir(struct cp_sock *s, char *err, size_t err_len)
{
	char *dir = strdup(s->path);
	char *slash;
	struct stat st;
	int rc = 0;

	if (dir == NULL)
		return fail(err, err_len, ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		goto out; /* relative name in the cwd, or directly under / */
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			rc = fail(err, err_len, ENOTDIR, "%s is not a directory", dir);
		goto out;
	}
	if (errno != ENOENT) {
		rc = fail(err, err_len, errno, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* chmod after mkdir: the umask must not decide what the group may do. */
	if (mkdir(dir, SOCK_DIR_MODE) < 0 || chmod(dir, SOCK_DIR_MODE) < 0) {
		rc = fail(err, err_len, errno, "creating directory %s: %s", dir, strerror(errno));
		goto out;
	}
	if (s->has_group && chown(dir, (uid_t)-1, s->gid) < 0) {
		rc = fail(err, err_len, errno, "giving directory %s to group %s: %s", dir,
			  s->conf.group, strerror(errno));
		rmdir(dir);
		goto out;
	}
out:
	free(dir);
	return rc;
}

/*
 * Something is at the path already: a live daemon's socket (refuse), a
 * stale one (replace), or anything else (refuse: never delete a stranger's file).
 */
static int
clear_stale(struct cp_sock *s, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(s->path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(err, err_len, errno, "%s: %s", s->path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(err, err_len, EEXIST, "%s exists and is not a socket", s->path);
	strcpy(sa.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, err_len, errno, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
	close(fd);
	if (rc == 0)
		return fail(err, err_len, EADDRINUSE, "another daemon is listening on %s", s->path);
	if (rc != ECONNREFUSED)
		return fail(err, err_len, rc, "probing %s: %s", s->path, strerror(rc));
	if (unlink(s->path) < 0 && errno != ENOENT)
		return fail(err, err_len, errno, "removing stale socket %s: %s", s->path,
			    strerror(errno));
	slog(s, "replaced stale socket %s", s->path);
	return 0;
}

static int
make_listener(struct cp_sock *s, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int rc;

	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return fail(err, err_len, errno, "socket: %s", strerror(errno));
	strcpy(sa.sun_path, s->path);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(err, err_len, errno, "bind %s: %s", s->path, strerror(errno));
	/*
	 * Until listen() nobody can connect (ECONNREFUSED), so fixing the
	 * owner and mode here leaves no window with looser permissions.
	 */
	if (lstat(s->path, &st) < 0) {
		rc = fail(err, err_len, errno, "%s: %s", s->path, strerror(errno));
		goto unlink;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (s->has_group && chown(s->path, (uid_t)-1, s->gid) < 0) {
		rc = fail(err, err_len, errno, "giving %s to group %s: %s", s->path, s->conf.group,
			  strerror(errno));
		goto unlink;
	}
	if (chmod(s->path, SOCK_FILE_MODE) < 0) {
		rc = fail(err, err_len, errno, "chmod %s: %s", s->path, strerror(errno));
		goto unlink;
	}
	if (listen(s->lfd, LISTEN_BACKLOG) < 0) {
		rc = fail(err, err_len, errno, "listen %s: %s", s->path, strerror(errno));
		goto unlink;
	}
	return 0;

unlink:
	unlink(s->path);
	s->ino = 0;
	return rc;
}

struct cp_sock *
cp_sock_open(const struct cp_sock_conf *conf, char *err, size_t err_len)
{
	struct sockaddr_un sa;
	struct cp_sock *s;
	const char *path = conf->path != NULL ? conf->path : CP_SOCK_DEFAULT_PATH;
	int rc;

	if (conf->handle == NULL) {
		errno = -fail(err, err_len, EINVAL, "no request handler");
		return NULL;
	}
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		errno = -fail(err, err_len, ENAMETOOLONG,
			      "socket path '%s' is empty or longer than %zu bytes", path,
			      sizeof(sa.sun_path) - 1);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = -fail(err, err_len, ENOMEM, "out of memory");
		return NULL;
	}
	s->lfd = -1;
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->conf = *conf;
	if (s->conf.max_clients == 0)
		s->conf.max_clients = CP_SOCK_DEFAULT_MAX_CLIENTS;
	if (s->conf.stall_ms == 0)
		s->conf.stall_ms = CP_SOCK_DEFAULT_STALL_MS;
	if (s->conf.idle_ms == 0)
		s->conf.idle_ms = CP_SOCK_DEFAULT_IDLE_MS;
	s->self_uid = geteuid();
	s->path = strdup(path);
	s->conns = calloc(s->conf.max_clients, sizeof(*s->conns));
	s->pfds = calloc(s->conf.max_clients + 1, sizeof(*s->pfds));
	if (s->path == NULL || s->conns == NULL || s->pfds == NULL) {
		rc = fail(err, err_len, ENOMEM, "out of memory");
		goto error;
	}
	s->conf.path = s->path;
	if (conf->group != NULL) {
		rc = lookup_group(conf->group, &s->gid, err, err_len);
		if (rc < 0)
			goto error;
		s->has_group = true;
	}
	rc = make_dir(s, err, err_len);
	if (rc == 0)
		rc = clear_stale(s, err, err_len);
	if (rc == 0)
		rc = make_listener(s, err, err_len);
	if (rc < 0)
		goto error;
	slog(s, "control socket %s listening (group %s)", s->path,
	     s->has_group ? conf->group : "none");
	return s;

error:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	free(s->pfds);
	free(s->conns);
	free(s->path);
	free(s);
	errno = -rc;
	return NULL;
}

/* ---- peers ------------------------------------------------------------- */

static bool
gid_in(gid_t gid, const gid_t *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == gid)
			return true;
	return false;
}

/* The groups the peer process holds right now (Linux >= 4.13). */
static bool
peer_holds_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE)
			return false;
		groups = malloc(len);
		if (groups == NULL || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			goto out;
	}
	found = gid_in(gid, groups, len / sizeof(gid_t));
out:
	if (groups != small)
		free(groups);
	return found;
}

/* The group database lists the peer's user as a member. */
static bool
user_in_group(uid_t uid, gid_t gid)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	gid_t small[64], *groups = small;
	int n = 64;
	bool member = false;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
		return false;
	if (pw.pw_gid == gid)
		return true;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0) {
		groups = calloc((size_t)n, sizeof(gid_t));
		if (groups == NULL || getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
			goto out;
	}
	member = gid_in(gid, groups, (size_t)n);
out:
	if (groups != small)
		free(groups);
	return member;
}

static bool
peer_allowed(const struct cp_sock *s, int fd, const struct ucred *cred)
{
	if (cred->uid == 0 || cred->uid == s->self_uid)
		return true;
	if (!s->has_group)
		return false;
	return cred->gid == s->gid || peer_holds_group(fd, s->gid) ||
	       user_in_group(cred->uid, s->gid);
}

/*
 * Answer a connection we will not serve, then close it. A fresh connection's
 * send buffer is empty, so the short answer goes out without waiting; the
 * peer reads it even after our close.
 */
static void
refuse(int fd, int status, const char *reason)
{
	uint8_t *frame;
	size_t len;

	if (cp_proto_response_frame(status, reason, strlen(reason), &frame, &len) == 0) {
		if (send(fd, frame, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* nothing more to do: the peer is gone or stuck */
		}
		free(frame);
	}
	close(fd);
}

static void
accept_one(struct cp_sock *s, int fd, int64_t now)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		s->st.refused_peer++;
		slog(s, "control: refused a client without credentials: %s", strerror(errno));
		refuse(fd, -EACCES, "permission denied");
		return;
	}
	if (!peer_allowed(s, fd, &cred)) {
		s->st.refused_peer++;
		slog(s, "control: refused pid %d uid %u gid %u: permission denied", (int)cred.pid,
		     (unsigned)cred.uid, (unsigned)cred.gid);
		refuse(fd, -EACCES, "permission denied");
		return;
	}
	if (s->n_conns >= s->conf.max_clients) {
		char reason[64];

		s->st.refused_full++;
		snprintf(reason, sizeof(reason), "too many clients (%u)", s->conf.max_clients);
		slog(s, "control: refused pid %d uid %u: %s", (int)cred.pid, (unsigned)cred.uid,
		     reason);
		refuse(fd, -EBUSY, reason);
		return;
	}
	s->st.accepted++;
	c = &s->conns[s->n_conns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->progress_ms = now;
}

static void
accept_clients(struct cp_sock *s, int64_t now)
{
	unsigned i;

	for (i = 0; i < ACCEPTS_PER_STEP; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->spare_fd >= 0) {
			/*
			 * The pending connection would keep the listener readable and
			 * poll() spinning: free one fd to take it off the queue.
			 */
			close(s->spare_fd);
			fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				s->st.refused_fds++;
				slog(s, "control: refused a client: out of file descriptors");
				refuse(fd, -EMFILE, "the daemon is out of file descriptors");
			}
			s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			return;
		}
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				slog(s, "control: accept: %s", strerror(errno));
			return;
		}
		accept_one(s, fd, now);
	}
}

/* ---- connections ------------------------------------------------------- */

static void
conn_kill(struct conn *c)
{
	if (c->dead)
		return;
	close(c->fd);
	free(c->in);
	free(c->out);
	c->in = NULL;
	c->out = NULL;
	c->dead = true;
}

static void
conn_reset_input(struct conn *c)
{
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_got = 0;
	c->hdr_got = 0;
}

/* Write what the socket takes now; close when done and asked to. */
static void
conn_write(struct cp_sock *s, struct conn *c, int64_t now)
{
	while (c->out_done < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_done, c->out_len - c->out_done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			c->out_done += (size_t)w;
			c->progress_ms = now;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0 && errno != EPIPE && errno != ECONNRESET) {
			s->st.io_errors++;
			slog(s, "control: pid %d: write: %s", (int)c->pid, strerror(errno));
		}
		conn_kill(c);
		return;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_done = 0;
	if (c->close_after_write)
		conn_kill(c);
}

/* Queue a response and start writing it. */
static void
conn_respond(struct cp_sock *s, struct conn *c, int32_t status, const char *body, size_t len,
	     int64_t now)
{
	if (cp_proto_response_frame(status, body, len, &c->out, &c->out_len) < 0) {
		s->st.io_errors++;
		slog(s, "control: pid %d: no memory for a response", (int)c->pid);
		conn_kill(c);
		return;
	}
	c->out_done = 0;
	conn_write(s, c, now);
}

static void __attribute__((format(printf, 5, 6)))
conn_error(struct cp_sock *s, struct conn *c, int64_t now, int status, const char *fmt, ...)
{
	char reason[REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	conn_respond(s, c, status, reason, strlen(reason), now);
}

static void
run_request(struct cp_sock *s, struct conn *c, int64_t now)
{
	char err[REASON_MAX] = "";
	const char *line;
	size_t line_len, body_len = 0;
	char *body = NULL;
	bool json;
	int rc;

	rc = cp_proto_request_parse(c->in, c->in_len, &json, &line, &line_len, err, sizeof(err));
	if (rc < 0) {
		s->st.bad_payload++;
		slog(s, "control: pid %d: bad request: %s", (int)c->pid, err);
		conn_reset_input(c);
		conn_error(s, c, now, rc, "%s", err);
		return;
	}
	/* The payload buffer has room for the NUL the handler gets. */
	c->in[c->in_len] = '\0';
	s->st.requests++;
	rc = s->conf.handle(s->conf.handle_ctx, line, json, &body, &body_len, err, sizeof(err));
	conn_reset_input(c);
	if (rc > 0)
		rc = -EIO; /* the handler broke its contract: never report success */
	if (rc < 0) {
		free(body);
		s->st.requests_failed++;
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		conn_error(s, c, now, rc, "%s", err);
		return;
	}
	if (body_len > CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN) {
		s->st.oversize_reply++;
		free(body);
		slog(s, "control: pid %d: reply of %zu bytes too large", (int)c->pid, body_len);
		conn_error(
			s, c, now, -EMSGSIZE,
			"reply of %zu bytes exceeds the protocol's maximum of %u; narrow the query",
			body_len, CP_PROTO_RESP_MAX - CP_PROTO_STATUS_LEN);
		return;
	}
	conn_respond(s, c, 0, body, body_len, now);
	free(body);
}

/* The length is known: refuse it at once, or get ready for the payload. */
static void
check_length(struct cp_sock *s, struct conn *c, int64_t now)
{
	uint32_t len = cp_proto_get_u32(c->hdr);

	if (len == 0 || len > CP_PROTO_REQ_MAX) {
		s->st.bad_length++;
		slog(s, "control: pid %d: request length %u refused", (int)c->pid, len);
		c->close_after_write = true;
		if (len == 0)
			conn_error(s, c, now, -EPROTO, "empty frame (length 0)");
		else
			conn_error(s, c, now, -EMSGSIZE,
				   "request of %u bytes exceeds the maximum of %u", len,
				   CP_PROTO_REQ_MAX);
		return;
	}
	c->in = malloc((size_t)len + 1);
	if (c->in == NULL) {
		s->st.io_errors++;
		conn_kill(c);
		return;
	}
	c->in_len = len;
	c->in_got = 0;
}

/* Read what is there of the current request; run it once complete. */
static void
conn_read(struct cp_sock *s, struct conn *c, int64_t now)
{
	unsigned served = 0;

	while (!c->dead && c->out == NULL && served < REQUESTS_PER_STEP) {
		uint8_t *dst;
		size_t want;
		ssize_t r;

		if (c->in == NULL) {
			dst = c->hdr + c->hdr_got;
			want = CP_PROTO_HDR_LEN - c->hdr_got;
		} else {
			dst = c->in + c->in_got;
			want = c->in_len - c->in_got;
		}
		r = recv(c->fd, dst, want, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			if (r < 0 && errno != ECONNRESET) {
				s->st.io_errors++;
				slog(s, "control: pid %d: read: %s", (int)c->pid, strerror(errno));
			} else if (c->hdr_got > 0) {
				s->st.truncated++;
				slog(s, "control: pid %d: connection closed inside a request",
				     (int)c->pid);
			}
			conn_kill(c);
			return;
		}
		c->progress_ms = now;
		if (c->in == NULL) {
			if (c->hdr_got == 0)
				c->request_ms = now;
			c->hdr_got += (size_t)r;
			if (c->hdr_got == CP_PROTO_HDR_LEN)
				check_length(s, c, now);
		} else {
			c->in_got += (size_t)r;
			if (c->in_got == c->in_len) {
				run_request(s, c, now);
				served++;
			}
		}
	}
}

static bool
conn_busy(const struct conn *c)
{
	return c->out != NULL || c->hdr_got > 0;
}

/*
 * A request must arrive whole within stall_ms of its first byte (a client
 * has no reason to send it piecemeal, and dripping bytes must not hold a
 * slot); a response must keep draining, stall_ms at most between progress;
 * a quiet connection may stay idle_ms.
 */
static int64_t
conn_deadline(const struct cp_sock *s, const struct conn *c)
{
	if (c->out != NULL)
		return c->progress_ms + s->conf.stall_ms;
	if (c->hdr_got > 0)
		return c->request_ms + s->conf.stall_ms;
	return c->progress_ms + s->conf.idle_ms;
}

static void
conn_timeouts(struct cp_sock *s, struct conn *c, int64_t now)
{
	if (c->dead || now < conn_deadline(s, c))
		return;
	if (conn_busy(c)) {
		s->st.stalled++;
		slog(s, "control: pid %d: closed, no progress for %u ms (%s)", (int)c->pid,
		     s->conf.stall_ms, c->out != NULL ? "response not read" : "request incomplete");
		/* Say why when the socket has room; a stuck reader just gets closed. */
		if (c->out == NULL) {
			c->close_after_write = true;
			conn_error(s, c, now, -ETIMEDOUT, "request incomplete after %u ms",
				   s->conf.stall_ms);
		}
	} else {
		s->st.idle_closed++;
	}
	conn_kill(c);
}

static void
compact(struct cp_sock *s)
{
	unsigned i = 0;

	while (i < s->n_conns) {
		if (s->conns[i].dead)
			s->conns[i] = s->conns[--s->n_conns];
		else
			i++;
	}
}

int
cp_sock_poll(struct cp_sock *s, int timeout_ms)
{
	unsigned i, n = s->n_conns;
	int64_t now = now_ms();
	int rc;

	s->pfds[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	for (i = 0; i < n; i++) {
		struct conn *c = &s->conns[i];
		int64_t left = conn_deadline(s, c) - now;

		s->pfds[i + 1] = (struct pollfd){
			.fd = c->fd,
			.events = c->out != NULL ? POLLOUT : POLLIN,
		};
		if (left < 0)
			left = 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	rc = poll(s->pfds, n + 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	now = now_ms();
	/* Connections first: the ones accepted below are not in pfds yet. */
	for (i = 0; i < n; i++) {
		struct conn *c = &s->conns[i];
		short ev = s->pfds[i + 1].revents;

		if (ev == 0)
			continue;
		if (c->out != NULL)
			conn_write(s, c, now);
		if (!c->dead && c->out == NULL)
			conn_read(s, c, now);
	}
	compact(s);
	if (s->pfds[0].revents != 0)
		accept_clients(s, now);
	for (i = 0; i < s->n_conns; i++)
		conn_timeouts(s, &s->conns[i], now);
	compact(s);
	return 0;
}

unsigned
cp_sock_clients(const struct cp_sock *s)
{
	return s->n_conns;
}

void
cp_sock_get_stats(const struct cp_sock *s, struct cp_sock_stats *out)
{
	*out = s->st;
}

const char *
cp_sock_path(const struct cp_sock *s)
{
	return s->path;
}

void
cp_sock_close(struct cp_sock *s)
{
	struct stat st;
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_conns; i++)
		conn_kill(&s->conns[i]);
	close(s->lfd);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	/* Another daemon may have replaced our file meanwhile: leave its file alone. */
	if (s->ino != 0 && lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->pfds);
	free(s->conns);
	free(s->path);
	free(s);
}
