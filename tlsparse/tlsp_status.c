/* SPDX-License-Identifier: BSD-3-Clause */
#include "tlsp_server.h"
#include "tlsp_status.h"

const char *
tlsp_status_name(enum tlsp_status status)
{
	switch (status) {
	case TLSP_OK:
		return "ok";
	case TLSP_NEED_MORE:
		return "need_more";
	case TLSP_NOT_TLS:
		return "not_tls";
	case TLSP_MALFORMED:
		return "malformed";
	}
	return "invalid";
}

static const char *const reason_names[TLSP_R__COUNT] = {
	[TLSP_R_NONE] = "none",
	[TLSP_R_RECORD_TYPE] = "record_type",
	[TLSP_R_RECORD_VERSION] = "record_version",
	[TLSP_R_RECORD_EMPTY] = "record_empty",
	[TLSP_R_RECORD_OVERFLOW] = "record_overflow",
	[TLSP_R_RECORD_INTERLEAVED] = "record_interleaved",
	[TLSP_R_HANDSHAKE_TYPE] = "handshake_type",
	[TLSP_R_HANDSHAKE_TOO_LONG] = "handshake_too_long",
	[TLSP_R_HANDSHAKE_LENGTH] = "handshake_length",
	[TLSP_R_HANDSHAKE_TRAILING] = "handshake_trailing",
	[TLSP_R_NO_SCRATCH] = "no_scratch",
	[TLSP_R_SESSION_ID_LENGTH] = "session_id_length",
	[TLSP_R_CIPHER_SUITES_LENGTH] = "cipher_suites_length",
	[TLSP_R_COMPRESSION_LENGTH] = "compression_length",
	[TLSP_R_EXTENSIONS_LENGTH] = "extensions_length",
	[TLSP_R_EXTENSION_LENGTH] = "extension_length",
	[TLSP_R_DUPLICATE_EXTENSION] = "duplicate_extension",
	[TLSP_R_TOO_MANY_EXTENSIONS] = "too_many_extensions",
	[TLSP_R_SNI] = "sni",
	[TLSP_R_ALPN] = "alpn",
	[TLSP_R_SUPPORTED_VERSIONS] = "supported_versions",
	[TLSP_R_SUPPORTED_GROUPS] = "supported_groups",
	[TLSP_R_KEY_SHARE] = "key_share",
	[TLSP_R_PSK] = "pre_shared_key",
	[TLSP_R_PSK_NOT_LAST] = "pre_shared_key_not_last",
	[TLSP_R_PSK_MODES] = "psk_key_exchange_modes",
	[TLSP_R_EARLY_DATA] = "early_data",
	[TLSP_R_SSLV2] = "sslv2",
	[TLSP_R_SERVER_HELLO] = "server_hello",
	[TLSP_R_NEW_SESSION_TICKET] = "new_session_ticket",
	[TLSP_R_UNEXPECTED_MESSAGE] = "unexpected_message",
	[TLSP_R_ALERT_LENGTH] = "alert_length",
};

const char *
tlsp_reason_name(enum tlsp_reason reason)
{
	if ((unsigned)reason >= TLSP_R__COUNT || !reason_names[reason])
		return "invalid";
	return reason_names[reason];
}

const char *
tlsp_verdict_name(enum tlsp_verdict verdict)
{
	switch (verdict) {
	case TLSP_VERDICT_UNKNOWN:
		return "unknown";
	case TLSP_VERDICT_FULL:
		return "full";
	case TLSP_VERDICT_RESUMED_SESSION_ID:
		return "resumed_session_id";
	case TLSP_VERDICT_RESUMED_TICKET:
		return "resumed_ticket";
	case TLSP_VERDICT_RESUMED_PSK:
		return "resumed_psk";
	case TLSP_VERDICT_HRR:
		return "hello_retry_request";
	}
	return "invalid";
}
