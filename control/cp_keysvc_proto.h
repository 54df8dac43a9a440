/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The framed protocol between tlslb's key service and tlslb-keyagent, inside
 * TLS 1.3 with certificates on both sides. libc only (framing, no I/O).
 *
 * Every message is a frame: "TK", version (1), type, payload length (u32), all
 * integers big-endian, payload at most CP_KP_MAX_PAYLOAD bytes.
 *
 *   HELLO  agent -> tlslb, first frame:
 *          u8 format (enum cp_keys_format), u8 has_backend,
 *          u32 backend IPv4, u16 backend port   (the backend the agent's config
 *                                                says it serves; checked against
 *                                                its certificate's mapping),
 *          u16 n, n x name[16]                   (keys it holds, for the log)
 *   KEYSET tlslb -> agent: u64 gen, u16 n, u16 encrypt,
 *          n x { u8 state, u8 aes_len, name[16], hmac[32], aes[32] }
 *          (oldest first: previous, current, next; aes beyond aes_len is zero)
 *   ACK    agent -> tlslb, after the set is written and the reload command
 *          succeeded: u64 gen, i32 reload status (exit code), u16 n, n x name[16]
 *          (the keys it now holds)
 *   ERROR  either way: u64 gen (0: none), i32 code (negative errno, or reload
 *          exit status), u16 len, text (never key material)
 *
 * Resync: every connection starts with HELLO and tlslb answers with the whole
 * current set, so a restart on either side is just a new connection.
 */
#ifndef CP_KEYSVC_PROTO_H
#define CP_KEYSVC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cp_stek.h"

#define CP_KP_VERSION 1
#define CP_KP_HDR 8
#define CP_KP_MAX_PAYLOAD (1u << 20)
#define CP_KP_MAX_KEYS 1024
#define CP_KP_KEY_WIRE (2 + 16 + 32 + 32)

enum cp_kp_type { CP_KP_HELLO = 1, CP_KP_KEYSET = 2, CP_KP_ACK = 3, CP_KP_ERROR = 4 };

/** A growable byte buffer; cleansed when freed (it carries keys). */
struct cp_kp_buf {
	uint8_t *p;
	size_t len, cap;
	int err; /**< sticky -ENOMEM */
};

void cp_kp_buf_free(struct cp_kp_buf *b);
/** Drop the first @p n bytes (cleansing what moved). */
void cp_kp_buf_consume(struct cp_kp_buf *b, size_t n);
int cp_kp_buf_put(struct cp_kp_buf *b, const void *p, size_t n);

/** Append a frame header for @p type with payload length @p len. */
void cp_kp_frame(struct cp_kp_buf *b, uint8_t type, uint32_t len);
void cp_kp_u8(struct cp_kp_buf *b, uint8_t v);
void cp_kp_u16(struct cp_kp_buf *b, uint16_t v);
void cp_kp_u32(struct cp_kp_buf *b, uint32_t v);
void cp_kp_u64(struct cp_kp_buf *b, uint64_t v);

/**
 * Is a whole frame at the head of @p b?
 * @return payload length (>= 0) with *@p type set, -EAGAIN (need more), or
 *         -EPROTO (bad magic, version, or length)
 */
long cp_kp_peek(const struct cp_kp_buf *b, uint8_t *type);

/** A cursor over a payload. */
struct cp_kp_cur {
	const uint8_t *p;
	size_t left;
	int err; /**< sticky -EPROTO when read past the end */
};

uint8_t cp_kp_get_u8(struct cp_kp_cur *c);
uint16_t cp_kp_get_u16(struct cp_kp_cur *c);
uint32_t cp_kp_get_u32(struct cp_kp_cur *c);
uint64_t cp_kp_get_u64(struct cp_kp_cur *c);
void cp_kp_get_bytes(struct cp_kp_cur *c, void *out, size_t n);

/** Encode a whole KEYSET frame. */
void cp_kp_put_keyset(struct cp_kp_buf *b, uint64_t gen, const struct cp_keyset *set,
		      const uint8_t *states);

/** Encode an ERROR frame. */
void cp_kp_put_error(struct cp_kp_buf *b, uint64_t gen, int32_t code, const char *text);

/** Encode a names list frame (HELLO tail / ACK tail): u16 n, names. */
void cp_kp_put_names(struct cp_kp_buf *b, const uint8_t (*names)[16], size_t n);

#endif /* CP_KEYSVC_PROTO_H */
