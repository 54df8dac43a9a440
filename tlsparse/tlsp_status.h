/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Status and defect codes shared by the tlsparse parsers.
 */
#ifndef TLSP_STATUS_H
#define TLSP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TLSP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define TLSP_MUST_CHECK
#endif

/** Outcome of a parse step. */
enum tlsp_status {
	TLSP_OK = 0,    /**< a complete message was parsed (client) / scan finished (server) */
	TLSP_NEED_MORE, /**< the input ends before the message does */
	TLSP_NOT_TLS,   /**< the stream does not start like TLS */
	TLSP_MALFORMED, /**< TLS, but a length or value is inconsistent; see ::tlsp_reason */
};

/**
 * Why a stream is NOT_TLS or MALFORMED: one code per kind of defect, so that
 * a dataplane can keep one counter per code.
 */
enum tlsp_reason {
	TLSP_R_NONE = 0,
	/* record layer */
	TLSP_R_RECORD_TYPE,        /**< first record is not a handshake (NOT_TLS) */
	TLSP_R_RECORD_VERSION,     /**< record major version is not 3 (NOT_TLS on the first record) */
	TLSP_R_RECORD_EMPTY,       /**< zero-length handshake record */
	TLSP_R_RECORD_OVERFLOW,    /**< record length above 2^14 (+2048 for ciphertext) */
	TLSP_R_RECORD_INTERLEAVED, /**< another record type inside a fragmented handshake */
	/* handshake layer */
	TLSP_R_HANDSHAKE_TYPE,     /**< first handshake message is not the expected one */
	TLSP_R_HANDSHAKE_TOO_LONG, /**< ClientHello longer than TLSP_HELLO_MAX_LEN */
	TLSP_R_HANDSHAKE_LENGTH,   /**< message body shorter/longer than its fields */
	TLSP_R_HANDSHAKE_TRAILING, /**< more handshake bytes after the ClientHello */
	TLSP_R_NO_SCRATCH,         /**< hello spans records and no big enough scratch given */
	/* hello body */
	TLSP_R_SESSION_ID_LENGTH,
	TLSP_R_CIPHER_SUITES_LENGTH,
	TLSP_R_COMPRESSION_LENGTH,
	TLSP_R_EXTENSIONS_LENGTH,  /**< extensions block length vs. message */
	TLSP_R_EXTENSION_LENGTH,   /**< one extension overruns the block */
	TLSP_R_DUPLICATE_EXTENSION,
	TLSP_R_TOO_MANY_EXTENSIONS, /**< more than TLSP_MAX_EXTENSIONS: no real client sends that */
	TLSP_R_SNI,
	TLSP_R_ALPN,
	TLSP_R_SUPPORTED_VERSIONS,
	TLSP_R_SUPPORTED_GROUPS,
	TLSP_R_KEY_SHARE,
	TLSP_R_PSK,                /**< pre_shared_key body inconsistent */
	TLSP_R_PSK_NOT_LAST,       /**< pre_shared_key is not the last extension */
	TLSP_R_PSK_MODES,
	TLSP_R_EARLY_DATA,
	TLSP_R_SSLV2,              /**< SSLv2-compatible hello with bad lengths */
	/* server flight */
	TLSP_R_SERVER_HELLO,       /**< ServerHello fields inconsistent */
	TLSP_R_NEW_SESSION_TICKET, /**< NewSessionTicket shorter than its fixed part */
	TLSP_R_UNEXPECTED_MESSAGE, /**< server flight does not start with ServerHello */
	TLSP_R_ALERT_LENGTH,       /**< alert record shorter than an alert */
	TLSP_R__COUNT
};

/** Short stable name of a status ("ok", "need_more", ...). */
const char *tlsp_status_name(enum tlsp_status status);

/** Short stable name of a reason ("duplicate_extension", ...), for counters and logs. */
const char *tlsp_reason_name(enum tlsp_reason reason);

/** A view into bytes owned by someone else (the input or a caller's scratch). */
struct tlsp_bytes {
	const uint8_t *ptr;
	size_t len;
};

#endif /* TLSP_STATUS_H */
