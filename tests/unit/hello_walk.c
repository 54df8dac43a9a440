/* SPDX-License-Identifier: BSD-3-Clause */
#include "hello_walk.h"

/* RFC 5246 6.2.1 record header, 7.4 handshake header, 7.4.1.2 ClientHello. */
#define RECORD_HEADER 5u
#define HANDSHAKE_HEADER 4u
#define RANDOM_LEN 32u

uint32_t
hello_get(const uint8_t *buf, size_t off, unsigned width)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < width; i++)
		v = v << 8 | buf[off + i];
	return v;
}

void
hello_put(uint8_t *buf, size_t off, unsigned width, uint32_t value)
{
	unsigned i;

	for (i = 0; i < width; i++)
		buf[off + i] = (uint8_t)(value >> (8 * (width - 1 - i)));
}

/* Step over a vector whose length field (of @width bytes) sits at *off. */
static int
skip_vector(const uint8_t *buf, size_t end, size_t *off, unsigned width)
{
	size_t body;

	if (*off + width > end)
		return -1;
	body = hello_get(buf, *off, width);
	if (*off + width + body > end)
		return -1;
	*off += width + body;
	return 0;
}

static int
walk_extensions(const uint8_t *buf, size_t off, size_t end, struct hello_walk *walk)
{
	walk->n_ext = 0;
	while (off < end) {
		struct hello_walk_ext *ext;

		if (walk->n_ext == HELLO_WALK_MAX_EXT || off + 4 > end)
			return -1;
		ext = &walk->ext[walk->n_ext++];
		ext->type = (uint16_t)hello_get(buf, off, 2);
		ext->off = off;
		ext->len = hello_get(buf, off + 2, 2);
		off += 4 + ext->len;
	}
	return off == end ? 0 : -1;
}

int
hello_walk(const uint8_t *buf, size_t len, struct hello_walk *walk)
{
	size_t off;

	if (len < RECORD_HEADER + HANDSHAKE_HEADER || buf[0] != 22 || buf[5] != 1)
		return -1;
	walk->content_type = 0;
	walk->record_version = 1;
	walk->record_len = 3;
	walk->handshake_type = 5;
	walk->end = RECORD_HEADER + hello_get(buf, 3, 2);
	walk->handshake_len = 6;
	if (walk->end > len ||
	    RECORD_HEADER + HANDSHAKE_HEADER + hello_get(buf, 6, 3) != walk->end)
		return -1;
	off = RECORD_HEADER + HANDSHAKE_HEADER + 2 + RANDOM_LEN;
	walk->session_id_len = off;
	if (skip_vector(buf, walk->end, &off, 1) < 0)
		return -1;
	walk->cipher_suites_len = off;
	if (skip_vector(buf, walk->end, &off, 2) < 0)
		return -1;
	walk->compression_len = off;
	if (skip_vector(buf, walk->end, &off, 1) < 0)
		return -1;
	walk->extensions_len = off;
	if (off + 2 + hello_get(buf, off, 2) != walk->end)
		return -1;
	return walk_extensions(buf, off + 2, walk->end, walk);
}

const struct hello_walk_ext *
hello_walk_find(const struct hello_walk *walk, uint16_t type)
{
	unsigned i;

	for (i = 0; i < walk->n_ext; i++)
		if (walk->ext[i].type == type)
			return &walk->ext[i];
	return NULL;
}
