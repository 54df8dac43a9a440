/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ClientHello parser: the first flight of a TLS client, read by a balancer
 * that does not terminate TLS.
 *
 * The parser is stateless: call it with the client's byte stream from its first
 * byte, as much as has arrived, and call it again with more when it says
 * ::TLSP_NEED_MORE. While the hello is incomplete it only walks record headers,
 * so the cost of the calls before the last one is tiny.
 *
 * Results are views: into the input when the hello sits in one record, into the
 * caller's scratch buffer when it was fragmented over several records. Views
 * stay valid while both buffers live and are unchanged.
 */
#ifndef TLSP_CLIENT_H
#define TLSP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsp_status.h"

/** Largest ClientHello body accepted (RFC 8446 allows more; no real client sends it). */
#define TLSP_HELLO_MAX_LEN 16384u
/** Scratch size that always suffices to reassemble a fragmented hello. */
#define TLSP_SCRATCH_SIZE (TLSP_HELLO_MAX_LEN + 4u)
/** Default length of a session-ticket key name (OpenSSL, nginx, HAProxy). */
#define TLSP_KEY_NAME_LEN_DEFAULT 16u
/** PSK identities kept in detail; more are counted. */
#define TLSP_MAX_PSK_IDENTITIES 8u
/** Extensions accepted in one hello (real clients send under 30). */
#define TLSP_MAX_EXTENSIONS 128u
/** key_share groups kept; more are counted. */
#define TLSP_MAX_KEY_SHARES 16u

/** TLS and SSL version numbers as they appear on the wire. */
#define TLSP_VERSION_SSL3 0x0300u
#define TLSP_VERSION_TLS10 0x0301u
#define TLSP_VERSION_TLS11 0x0302u
#define TLSP_VERSION_TLS12 0x0303u
#define TLSP_VERSION_TLS13 0x0304u

/** Extension code points this parser looks into (IANA registry). */
enum tlsp_ext_type {
	TLSP_EXT_SERVER_NAME = 0,
	TLSP_EXT_SUPPORTED_GROUPS = 10,
	TLSP_EXT_ALPN = 16,
	TLSP_EXT_SESSION_TICKET = 35,
	TLSP_EXT_PRE_SHARED_KEY = 41,
	TLSP_EXT_EARLY_DATA = 42,
	TLSP_EXT_SUPPORTED_VERSIONS = 43,
	TLSP_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	TLSP_EXT_KEY_SHARE = 51,
	TLSP_EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
};

/** What the client put in the SessionTicket extension (RFC 5077). */
enum tlsp_ticket {
	TLSP_TICKET_ABSENT = 0, /**< no extension: client does not do tickets */
	TLSP_TICKET_EMPTY,      /**< empty: client asks for a new ticket */
	TLSP_TICKET_PRESENT,    /**< non-empty: client resumes with this ticket */
};

/** psk_key_exchange_modes bits. */
#define TLSP_PSK_MODE_KE (1u << 0)     /**< psk_ke (0) */
#define TLSP_PSK_MODE_DHE_KE (1u << 1) /**< psk_dhe_ke (1) */

/** One offered PSK identity (RFC 8446 4.2.11). */
struct tlsp_psk_identity {
	struct tlsp_bytes identity; /**< the whole opaque identity (a ticket) */
	struct tlsp_bytes key_name; /**< its first key_name_len bytes (fewer if short) */
	uint32_t obfuscated_age;
};

/** Parse options. Zero-initialised means: 16-byte key names, no scratch. */
struct tlsp_client_opts {
	uint8_t key_name_len; /**< 0 means TLSP_KEY_NAME_LEN_DEFAULT */
	uint8_t *scratch;     /**< where a hello fragmented over records is reassembled */
	size_t scratch_len;   /**< TLSP_SCRATCH_SIZE always suffices */
};

/** A parsed ClientHello. Byte strings are views (see file comment). */
struct tlsp_client_hello {
	bool sslv2;              /**< an SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) */
	uint16_t record_version; /**< version of the first record header */
	uint16_t legacy_version; /**< ClientHello.legacy_version */
	struct tlsp_bytes random;        /**< 32 bytes (SSLv2: the challenge) */
	struct tlsp_bytes session_id;    /**< 0..32 bytes */
	struct tlsp_bytes cipher_suites; /**< 2 bytes each (SSLv2: 3 bytes each) */
	struct tlsp_bytes compression_methods;
	struct tlsp_bytes extensions;    /**< the whole extensions block, unparsed */
	uint16_t n_extensions;

	struct tlsp_bytes sni; /**< first host_name in server_name, empty if none */
	struct tlsp_bytes alpn; /**< ProtocolNameList body; walk with tlsp_alpn_next() */
	uint16_t n_alpn;

	enum tlsp_ticket ticket;
	struct tlsp_bytes ticket_data;     /**< the whole ticket */
	struct tlsp_bytes ticket_key_name; /**< its first key_name_len bytes */

	bool has_supported_versions;
	bool tls13_offered;       /**< 0x0304 in supported_versions */
	uint16_t highest_version; /**< highest non-GREASE version offered */

	bool has_psk; /**< pre_shared_key present (and last) */
	uint16_t n_psk_identities;
	struct tlsp_psk_identity psk[TLSP_MAX_PSK_IDENTITIES]; /**< the first ones */
	struct tlsp_bytes psk_binders; /**< PskBinderEntry list body */
	uint16_t n_psk_binders;

	bool has_psk_modes;
	uint8_t psk_modes; /**< TLSP_PSK_MODE_* bits; unknown modes ignored */

	bool early_data;
	bool has_key_share;
	uint16_t n_key_shares;
	uint16_t key_share_groups[TLSP_MAX_KEY_SHARES]; /**< the first ones, GREASE included */
	bool has_supported_groups;
	bool ech; /**< encrypted_client_hello present */
	bool grease; /**< a GREASE value seen (RFC 8701) anywhere we look */

	uint32_t hello_len; /**< handshake body length */
	uint16_t n_records; /**< records the hello spanned */
	size_t consumed;    /**< stream bytes up to the end of the hello's last record */
};

/**
 * Parse the client's first flight.
 *
 * @param buf, len  the client's stream from its first byte, as much as has arrived
 * @param opts      options, NULL for defaults
 * @param hello     filled on TLSP_OK; partly filled otherwise
 * @param need      if not NULL, on TLSP_NEED_MORE: a lower bound of the bytes still
 *                  missing (exact when the lengths read so far say so), else 0
 * @param reason    if not NULL, the defect on TLSP_NOT_TLS / TLSP_MALFORMED
 */
TLSP_MUST_CHECK enum tlsp_status
tlsp_client_hello_parse(const uint8_t *buf, size_t len, const struct tlsp_client_opts *opts,
			struct tlsp_client_hello *hello, size_t *need, enum tlsp_reason *reason);

/**
 * Walk an ALPN ProtocolNameList returned by the parser.
 * @param off  0 to start; advanced by each call
 * @return true and the next protocol name, or false at the end
 */
bool tlsp_alpn_next(const struct tlsp_bytes *list, size_t *off, struct tlsp_bytes *name);

/** True for the 16 reserved GREASE values 0x?a?a (RFC 8701). */
static inline bool
tlsp_is_grease(uint16_t v)
{
	return (v & 0x0f0fu) == 0x0a0au && (v >> 8) == (v & 0xffu);
}

#endif /* TLSP_CLIENT_H */
