/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The framed protocol of tlslb's control socket (a Unix stream socket).
 *
 * Every message, in both directions, is one frame:
 *
 *     uint32 length (big-endian)   bytes of payload that follow, not counting itself
 *     payload[length]
 *
 * Request payload (client -> daemon), 1..CP_PROTO_REQ_MAX bytes:
 *
 *     uint8  flags                 bit 0 (CP_PROTO_F_JSON): render the answer as JSON;
 *                                  the other bits must be 0
 *     char   line[length - 1]      one command line of the grammar, without a line
 *                                  terminator: no NUL, CR or LF byte (the daemon's
 *                                  lexer then accepts only ASCII text)
 *
 * Response payload (daemon -> client), 4..CP_PROTO_RESP_MAX bytes:
 *
 *     int32  status (big-endian)   0, or a negative errno
 *     char   body[length - 4]      status 0: the rendered answer (text or JSON), may be
 *                                  empty; otherwise the one-line reason, no terminator
 *
 * One request, one response, in order; a client may send several requests
 * over one connection. The daemon checks a request's length against
 * CP_PROTO_REQ_MAX as soon as it has the 4 length bytes, before reading the
 * payload: a length of 0 or above the maximum is answered with a reason
 * (-EMSGSIZE or -EPROTO) and the connection is closed, since the framing is
 * lost. A well-framed but malformed payload (unknown flag, NUL or newline in
 * the line) is answered with -EPROTO and the reason, and the connection
 * stays usable. A peer that is not allowed gets one response, status -EACCES
 * "permission denied", and the connection is closed.
 *
 * The encoders/decoders below are pure functions; cp_proto_call() is the
 * blocking client side that `tlslbctl` and the tests use.
 */
#ifndef CP_PROTO_H
#define CP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bytes of the length prefix of every frame. */
#define CP_PROTO_HDR_LEN 4u
/** Most payload bytes of a request (flags byte + line). */
#define CP_PROTO_REQ_MAX (64u * 1024u)
/** Most payload bytes of a response (status + body). */
#define CP_PROTO_RESP_MAX (16u * 1024u * 1024u)
/** Bytes of the status at the start of a response payload. */
#define CP_PROTO_STATUS_LEN 4u

/** Request flag: the answer is wanted as JSON rather than text. */
#define CP_PROTO_F_JSON 0x01u
/** Every flag this version knows. */
#define CP_PROTO_F_ALL CP_PROTO_F_JSON

/** Store @p v big-endian at @p p. */
void cp_proto_put_u32(uint8_t *p, uint32_t v);
/** Read a big-endian uint32 at @p p. */
uint32_t cp_proto_get_u32(const uint8_t *p);

/**
 * Check a request payload and take it apart.
 * @param payload, len  the payload (without the length prefix)
 * @param json          receives the JSON flag
 * @param line, line_len receive a view of the command line (not NUL-terminated)
 * @param err, err_len  receive the reason on failure
 * @return 0, or -EPROTO when the payload breaks the rules above
 */
int cp_proto_request_parse(const uint8_t *payload, size_t len, bool *json, const char **line,
			   size_t *line_len, char *err, size_t err_len);

/**
 * Build a whole request frame (length prefix included) in a malloc'ed buffer.
 * @return 0, -EINVAL (a NUL, CR or LF in @p line), -EMSGSIZE (too long) or -ENOMEM
 */
int cp_proto_request_frame(const char *line, bool json, uint8_t **frame, size_t *frame_len);

/**
 * Build a whole response frame in a malloc'ed buffer. A body longer than a
 * response can carry is refused (the caller answers with an error instead).
 * @return 0, -EMSGSIZE or -ENOMEM
 */
int cp_proto_response_frame(int32_t status, const char *body, size_t body_len, uint8_t **frame,
			    size_t *frame_len);

/**
 * Connect to the control socket at @p path (blocking).
 * @return a connected socket fd, or a negative errno with the reason in @p err
 */
int cp_proto_connect(const char *path, char *err, size_t err_len);

/**
 * Send one request on @p fd and wait for its response.
 * @param timeout_ms  for the whole exchange; < 0 waits forever
 * @param status      receives the daemon's status
 * @param body, body_len receive the body, malloc'ed and NUL-terminated (caller frees)
 * @return 0 when a response arrived (whatever its status), or a negative errno
 *         when the exchange failed (-ETIMEDOUT, -ECONNRESET, -EPROTO...) with
 *         the reason in @p err
 */
int cp_proto_call(int fd, const char *line, bool json, int timeout_ms, int32_t *status, char **body,
		  size_t *body_len, char *err, size_t err_len);

#endif /* CP_PROTO_H */
