/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session-ticket keys written in the formats TLS servers read, atomically,
 * and read back. libc + OpenSSL (libcrypto) only, no DPDK: tlslb-keyagent,
 * the test server and the tests link it.
 *
 * Every write goes through the same steps: check the directory (a directory,
 * not group/world-writable, owned by the running user or root), write each
 * output file to a temporary file in that directory (O_EXCL, mode 0600),
 * fsync it, and only when ALL files of the set are safely written rename them
 * over the old ones and fsync the directory. A failure before the renames
 * (disk full, I/O error, unwritable directory) removes the temporary files and
 * leaves every old file as it was. One writer per directory at a time (the
 * caller serialises): two concurrent nginx writes could interleave their
 * renames. Key material is never put into @c err
 * reasons, and every buffer that held it is cleansed with OPENSSL_cleanse().
 *
 * ## Formats and file names (inside the directory given)
 *
 * - @b openssl (tlslb-testserver --ticket-keys): one file, default
 *   "tickets.keys", text, lines ending in "\n":
 *
 *       tlslb-ticket-keys 1
 *       encrypt <index of the encrypting key, 0-based>
 *       key <name: 32 hex> <aes bits: 128|256> <hmac: 32|64 hex> <aes: 32|64 hex>
 *       ... one "key" line per key, in set order ...
 *       end
 *
 *   Lines starting with '#' and empty lines are ignored; anything else, a
 *   missing "end", or an encrypt index out of range makes the reader fail.
 *   The HMAC key is written at its used length (cp_stek_hmac_len()).
 *
 * - @b nginx (ssl_session_ticket_key): one key per file, files
 *   "ticket.0.key" .. "ticket.<slots-1>.key", slots fixed per server (opts)
 *   so the nginx config never changes:
 *
 *       ssl_session_ticket_key DIR/ticket.0.key;   # encrypts (nginx: first listed)
 *       ssl_session_ticket_key DIR/ticket.1.key;   # decrypt only
 *       ...
 *
 *   80 bytes = name[16] | HMAC key[32] | AES-256 key[32];
 *   48 bytes = name[16] | AES-128 key[16] | HMAC key[16].
 *   Slot 0 holds the encrypting key, slots 1.. the other keys in set order.
 *   Unused slots get a fresh random filler key (random name, random keys,
 *   generated per write and held by nobody): nginx needs every configured
 *   file to exist, an all-zero key would be a key anyone can forge tickets
 *   with, and a random one can neither decrypt a real ticket nor be used to
 *   make one. More keys than slots fails with -E2BIG.
 *
 * - @b haproxy (bind ... tls-ticket-keys FILE): one file, default
 *   "tls-ticket-keys", three lines of base64 (no "#" lines):
 *   80 bytes = name[16] | AES-256 key[32] | HMAC key[32];
 *   48 bytes = name[16] | AES-128 key[16] | HMAC key[16].
 *   HAProxy keeps the last 3 lines (TLS_TICKETS_NO), decrypts with all three
 *   and encrypts with the penultimate. The writer therefore puts the set's
 *   encrypting key on line 2, the key listed just before it in the set on
 *   line 1 and the one just after it on line 3 (sets are listed oldest
 *   first: previous, current, next), random fillers where there is none.
 *   A set that does not fit that (more than 3 keys, or 2 before/after the
 *   encrypting one) fails with -E2BIG. All keys of one file must have the
 *   same AES length (HAProxy's rule), else -EINVAL.
 */
#ifndef CP_KEYFMT_H
#define CP_KEYFMT_H

#include <stddef.h>
#include <stdint.h>

#include "cp_err.h"
#include "cp_stek.h"

/** What a server reads. */
enum cp_keyfmt {
	CP_KEYFMT_OPENSSL,
	CP_KEYFMT_NGINX,
	CP_KEYFMT_HAPROXY,
};

/** Most keys a set (and the openssl-format reader) handles. */
#define CP_KEYFMT_MAX_KEYS 64
/** nginx slots when the options say 0: room for previous, current and next of 5 servers (per-server policy) */
#define CP_KEYFMT_NGINX_SLOTS 16
/** Room for "set ssl tls-key <ref> <base64 of 80 bytes>\n" with a path-long ref. */
#define CP_KEYFMT_HAPROXY_CMD_MAX (4096 + 160)

/** Per-server choices; a NULL pointer or zero fields take the defaults. */
struct cp_keyfmt_opts {
	unsigned nginx_slots;  /**< nginx: number of ticket.N.key files, 0 = CP_KEYFMT_NGINX_SLOTS */
	const char *file_name; /**< openssl/haproxy: file name in the directory, NULL = default */
};

/** "openssl", "nginx", "haproxy". */
const char *cp_keyfmt_name(enum cp_keyfmt fmt);

/** Parse a format name. @return 0 or -EINVAL */
int cp_keyfmt_from_name(const char *name, enum cp_keyfmt *fmt);

/**
 * Name (not path) of output file @p slot of @p fmt: slot 0 for the one-file
 * formats, 0..slots-1 for nginx. @return 0, -ERANGE (no such slot or @p len
 * too small)
 */
int cp_keyfmt_file_name(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts,
			unsigned slot, char *buf, size_t len);

/** Number of files @p fmt writes (1, or the nginx slots). */
unsigned cp_keyfmt_file_count(enum cp_keyfmt fmt, const struct cp_keyfmt_opts *opts);

/**
 * Refuse a directory that is not one, is group- or world-writable, or is
 * owned by someone other than the running user or root.
 * @return 0, or -errno with the reason in @p err
 */
int cp_keyfmt_check_dir(const char *dir, struct cp_err *err);

/**
 * Write @p set into @p dir in format @p fmt, atomically (see the file
 * comment). @return 0; -EINVAL (bad set: empty, encrypt out of range, AES
 * length not 16/32), -E2BIG (does not fit the format), -EPERM/-EACCES
 * (directory refused or unwritable), -ENOSPC/-EIO/...; the reason in @p err.
 */
int cp_keyfmt_write(enum cp_keyfmt fmt, const char *dir, const struct cp_keyset *set,
		    const struct cp_keyfmt_opts *opts, struct cp_err *err);

/**
 * Read an openssl-format file into @p keys (room for @p max). On success
 * *@p n keys were read and *@p encrypt indexes the encrypting one. On failure
 * @p keys is cleansed. The caller cleanses @p keys when done.
 * @return 0, or -errno (-EBADMSG for a malformed file) with the reason in @p err
 */
int cp_keyfmt_read_openssl(const char *path, struct cp_stek *keys, unsigned max,
			   unsigned *n, unsigned *encrypt, struct cp_err *err);

/** Decode one nginx key file's bytes (48 or 80). @return 0 or -EINVAL */
int cp_keyfmt_parse_nginx(const uint8_t *buf, size_t len, struct cp_stek *out);

/**
 * Decode one HAProxy tls-ticket-keys line (base64 of 48 or 80 bytes; a
 * trailing "\n" or "\r\n" is allowed). @return 0 or -EINVAL
 */
int cp_keyfmt_parse_haproxy_line(const char *line, struct cp_stek *out);

/**
 * Read back the files cp_keyfmt_write() made for nginx (all slots, slot order,
 * fillers included) or haproxy (all lines, file order), for tests and for the
 * agent's "is it in place" check. @return 0 or -errno with the reason in @p err
 */
int cp_keyfmt_read_nginx(const char *dir, const struct cp_keyfmt_opts *opts,
			 struct cp_stek *keys, unsigned max, unsigned *n, struct cp_err *err);
int cp_keyfmt_read_haproxy(const char *path, struct cp_stek *keys, unsigned max,
			   unsigned *n, struct cp_err *err);

/**
 * The HAProxy runtime API command that pushes @p key live:
 * "set ssl tls-key <ref> <base64>\n", @p ref being the tls-ticket-keys file
 * path as configured or "#<id>" (see "show tls-keys"). HAProxy makes the
 * pushed key the newest (decrypt-only) and the one pushed before it the
 * encrypting key: push the set's NEXT key. @p buf holds key material:
 * cleanse it after sending.
 * @return length written (without the NUL), or -EINVAL / -ENOSPC
 */
int cp_keyfmt_haproxy_cmd(const char *ref, const struct cp_stek *key, char *buf, size_t len);

#endif /* CP_KEYFMT_H */
