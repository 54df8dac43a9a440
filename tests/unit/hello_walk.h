/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A deliberately small, independent walk over a well-formed ClientHello in one
 * record, so that the malformed-input tests find the length fields of a real
 * hello by its structure rather than by hard-coded offsets. It trusts its
 * input (a hello OpenSSL just sent) and checks only enough to not run off.
 */
#ifndef HELLO_WALK_H
#define HELLO_WALK_H

#include <stddef.h>
#include <stdint.h>

#define HELLO_WALK_MAX_EXT 256

struct hello_walk_ext {
	uint16_t type;
	size_t off;  /* of its type field; the length follows, then the body */
	size_t len;  /* body length */
};

struct hello_walk {
	size_t content_type;    /* offsets of the header fields */
	size_t record_version;
	size_t handshake_type;
	size_t record_len;      /* offsets of the length fields */
	size_t handshake_len;   /* 24 bits */
	size_t session_id_len;  /* 8 bits */
	size_t cipher_suites_len;
	size_t compression_len; /* 8 bits */
	size_t extensions_len;
	size_t end;             /* end of the record */
	unsigned n_ext;
	struct hello_walk_ext ext[HELLO_WALK_MAX_EXT];
};

/* 0, or -1 if the bytes are not one record holding one ClientHello with extensions. */
int hello_walk(const uint8_t *buf, size_t len, struct hello_walk *walk);

/* The extension of @type, or NULL. */
const struct hello_walk_ext *hello_walk_find(const struct hello_walk *walk, uint16_t type);

uint32_t hello_get(const uint8_t *buf, size_t off, unsigned width);
void hello_put(uint8_t *buf, size_t off, unsigned width, uint32_t value);

#endif /* HELLO_WALK_H */
