/* SPDX-License-Identifier: BSD-3-Clause */
/* Just enough JSON to read tlslb-inspect's lines: lookups by path, member walks. */
#ifndef REPLAY_JSON_H
#define REPLAY_JSON_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The value at a dotted path in an object: "sni", "alpn.0",
 * "psk_identities.0.key_name", "cipher_suites.length" (element count).
 * Strings come back unescaped (\u00XX as that byte); anything else as its
 * literal text ("null", "7", "true", or the raw text of an array/object).
 * Returns 0, -ENOENT, -EINVAL (bad JSON) or -ENOSPC.
 */
int json_lookup(const char *json, const char *path, char *out, size_t size);

/* One member of the top-level object; value is its raw text. */
struct json_member {
	char key[64];
	const char *value;
	size_t value_len;
};

/*
 * Walk the top-level members: *cursor is NULL to start. Returns 1 with *member
 * filled, 0 after the last, -EINVAL on bad JSON.
 */
int json_next_member(const char *json, const char **cursor, struct json_member *member);

/* The whole text is one JSON object (and nothing else but white space). */
bool json_valid_object(const char *json);

#endif /* REPLAY_JSON_H */
