/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <openssl/ssl.h>

#include "tlsgen_scenarios.h"

const struct tlsgen_scenario tlsgen_scenarios[] = {
	{ "tls12_full_session_id", "TLS 1.2 full handshake, server issues a session ID",
	  { .max_version = TLS1_2_VERSION, .session_cache = true } },
	{ "tls12_resume_session_id", "TLS 1.2 resumption by session ID",
	  { .max_version = TLS1_2_VERSION, .session_cache = true, .resume = true } },
	{ "tls12_ticket_issue", "TLS 1.2 full handshake, server issues a ticket",
	  { .max_version = TLS1_2_VERSION, .tickets = true } },
	{ "tls12_ticket_resume", "TLS 1.2 resumption by session ticket",
	  { .max_version = TLS1_2_VERSION, .tickets = true, .resume = true } },
	{ "tls13_full", "TLS 1.3 full handshake",
	  { .tickets = true } },
	{ "tls13_psk_resume", "TLS 1.3 resumption with a PSK ticket",
	  { .tickets = true, .resume = true } },
	{ "tls13_hrr", "TLS 1.3 HelloRetryRequest: the server wants another group",
	  { .tickets = true, .client_groups = "x25519:P-256", .server_groups = "P-256" } },
	{ "big_hello", "ClientHello over 1460 bytes: ffdhe8192 key share and a PSK",
	  { .tickets = true, .resume = true, .client_groups = "ffdhe8192:x25519",
	    .sni = "big.example.test", .alpn = "h2,http/1.1" } },
	{ "many_records", "ClientHello fragmented over 512-byte records",
	  { .tickets = true, .client_groups = "ffdhe8192:x25519", .max_fragment = 512,
	    .sni = "fragmented.example.test" } },
	{ "sni_alpn", "server name and ALPN",
	  { .tickets = true, .sni = "www.example.test", .alpn = "h2,http/1.1" } },
};

const size_t tlsgen_n_scenarios = sizeof(tlsgen_scenarios) / sizeof(tlsgen_scenarios[0]);

const struct tlsgen_scenario *
tlsgen_scenario_find(const char *name)
{
	size_t i;

	for (i = 0; i < tlsgen_n_scenarios; i++)
		if (strcmp(tlsgen_scenarios[i].name, name) == 0)
			return &tlsgen_scenarios[i];
	return NULL;
}
