/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control socket server: a Unix stream socket speaking cp_proto.h,
 * served by the daemon's control thread one poll(2) step at a time.
 *
 * - The socket file is created 0660, owned by the configured group, in a
 *   directory created 0750 (same group) when missing. A stale socket file
 *   (nobody answers) is replaced; a live one (another daemon) is an error;
 *   anything else at the path is left alone and is an error.
 * - Every connection's peer credentials (SO_PEERCRED) are checked: uid 0,
 *   the daemon's own uid, and members of the configured group (the peer's
 *   gid, its supplementary groups, or the group database's list for its uid)
 *   are allowed. Anybody else gets one response, -EACCES "permission
 *   denied", and is closed; the refusal is logged and counted.
 * - Every fd is non-blocking and the server never waits on one client: a
 *   request must arrive whole within stall_ms of its first byte, a response
 *   that makes no progress for stall_ms is dropped with its connection, and
 *   a connection idle for idle_ms is closed; each connection holds at most one
 *   request being read and one response being written (so a slow reader
 *   costs at most one response of memory), and reads no further request
 *   while its response is pending.
 *
 * Not thread-safe: one thread calls cp_sock_poll(); the handler runs in it.
 */
#ifndef CP_SOCK_H
#define CP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Where the daemon listens unless told otherwise. */
#define CP_SOCK_DEFAULT_PATH "/run/tlslb/tlslb.sock"
/** Defaults of cp_sock_conf's zero fields. */
#define CP_SOCK_DEFAULT_MAX_CLIENTS 32u
#define CP_SOCK_DEFAULT_STALL_MS 5000u
#define CP_SOCK_DEFAULT_IDLE_MS 600000u

/**
 * Answers one request.
 * @param line      the command line, NUL-terminated
 * @param json      the client asked for JSON
 * @param body, body_len  on success: a malloc'ed body (the server frees it),
 *                  or NULL and 0 for an empty one
 * @param err, err_len  on failure: the one-line reason
 * @return 0 or a negative errno
 */
typedef int cp_sock_handler_fn(void *ctx, const char *line, bool json, char **body,
			       size_t *body_len, char *err, size_t err_len);

/**
 * The daemon's handler (control/cp_sock_ctl.c): runs @p line through
 * cp_ctl_exec() and renders the reply with cp_reply_render(), as JSON when
 * asked. @p ctx is the daemon's struct cp_ctl *.
 */
cp_sock_handler_fn cp_sock_ctl_handle;

/** Receives one log line (no terminator) per notable event: refusals, bad frames, timeouts. */
typedef void cp_sock_log_fn(void *ctx, const char *line);

struct cp_sock_conf {
	/** NULL: CP_SOCK_DEFAULT_PATH */
	const char *path;
	/** Group allowed to connect (by name); NULL: root and the daemon's uid only. */
	const char *group;
	/** Connections at once; more are refused with a reason. 0: default. */
	unsigned max_clients;
	/** Most time for a request to arrive whole, or between progress on a reply. 0: default. */
	unsigned stall_ms;
	/** An idle connection is closed after this. 0: default. */
	unsigned idle_ms;
	cp_sock_handler_fn *handle;
	void *handle_ctx;
	/** NULL: not logged */
	cp_sock_log_fn *log;
	void *log_ctx;
};

/** What happened so far; every refusal and drop has its counter. */
struct cp_sock_stats {
	uint64_t accepted;        /**< connections accepted (allowed peers) */
	uint64_t refused_peer;    /**< refused: credentials outside the allowed set */
	uint64_t refused_full;    /**< refused: max_clients reached */
	uint64_t refused_fds;     /**< refused: the daemon ran out of file descriptors */
	uint64_t requests;        /**< requests handed to the handler */
	uint64_t requests_failed; /**< ... that it answered with an error */
	uint64_t bad_length;      /**< frames with a length of 0 or above the maximum */
	uint64_t bad_payload;     /**< well-framed requests that broke the protocol */
	uint64_t truncated;       /**< connections closed in the middle of a request */
	uint64_t stalled;         /**< connections closed by the stall timeout */
	uint64_t idle_closed;     /**< connections closed by the idle timeout */
	uint64_t oversize_reply;  /**< answers too large for a response, replaced by an error */
	uint64_t io_errors;       /**< connections lost to a read/write error */
};

struct cp_sock;

/**
 * Create the socket file and listen.
 * @return the server, or NULL with errno set and the reason in @p err
 */
struct cp_sock *cp_sock_open(const struct cp_sock_conf *conf, char *err, size_t err_len);

/**
 * One step: wait up to @p timeout_ms (-1: until something happens) for the
 * listening socket and the connections, then serve what is ready (accept,
 * read, answer, write) and apply the timeouts. Call it in a loop; between
 * calls the caller may check its own stop flag.
 * @return 0, or a negative errno when poll(2) itself failed
 */
int cp_sock_poll(struct cp_sock *s, int timeout_ms);

/** Open connections right now. */
unsigned cp_sock_clients(const struct cp_sock *s);

/** Copy the counters. */
void cp_sock_get_stats(const struct cp_sock *s, struct cp_sock_stats *out);

/** The path being served. */
const char *cp_sock_path(const struct cp_sock *s);

/** Close every connection, the listener, and unlink the socket file (when still ours). */
void cp_sock_close(struct cp_sock *s);

#endif /* CP_SOCK_H */
