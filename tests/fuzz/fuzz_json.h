/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict JSON checker (RFC 8259) for the fuzz targets: the replies tlslb
 * renders must be read by any JSON parser, so "looks balanced" is not enough.
 */
#ifndef FUZZ_JSON_H
#define FUZZ_JSON_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Whether @p s (of @p len bytes, not necessarily NUL-terminated) is one JSON
 * object, optionally surrounded by whitespace: strings are valid UTF-8 with no
 * raw control character and only the escapes JSON knows, numbers follow the
 * JSON number grammar, nesting is at most 64 deep.
 */
bool fuzz_json_object_valid(const char *s, size_t len);

#endif /* FUZZ_JSON_H */
