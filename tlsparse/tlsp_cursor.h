/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked reading cursor, private to tlsparse. Every read either
 * succeeds whole or fails leaving the cursor where it was, so a parser can
 * map a failed read straight to a defect code.
 */
#ifndef TLSP_CURSOR_H
#define TLSP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsp_status.h"

struct tlsp_cursor {
	const uint8_t *p;
	size_t left;
};

static inline struct tlsp_cursor
tlsp_cursor_make(const uint8_t *p, size_t len)
{
	return (struct tlsp_cursor){ .p = p, .left = len };
}

static inline bool
tlsp_cursor_u8(struct tlsp_cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return true;
}

static inline bool
tlsp_cursor_u16(struct tlsp_cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

static inline bool
tlsp_cursor_u32(struct tlsp_cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

static inline bool
tlsp_cursor_bytes(struct tlsp_cursor *c, size_t n, struct tlsp_bytes *out)
{
	if (c->left < n)
		return false;
	out->ptr = c->p;
	out->len = n;
	c->p += n;
	c->left -= n;
	return true;
}

/* opaque vector<floor..2^8-1>: a sub-cursor over its body. */
static inline bool
tlsp_cursor_vec8(struct tlsp_cursor *c, size_t floor, struct tlsp_cursor *sub)
{
	size_t n;

	if (c->left < 1)
		return false;
	n = c->p[0];
	if (n < floor || c->left - 1 < n)
		return false;
	*sub = tlsp_cursor_make(c->p + 1, n);
	c->p += 1 + n;
	c->left -= 1 + n;
	return true;
}

/* opaque vector<floor..2^16-1>: a sub-cursor over its body. */
static inline bool
tlsp_cursor_vec16(struct tlsp_cursor *c, size_t floor, struct tlsp_cursor *sub)
{
	size_t n;

	if (c->left < 2)
		return false;
	n = (size_t)c->p[0] << 8 | c->p[1];
	if (n < floor || c->left - 2 < n)
		return false;
	*sub = tlsp_cursor_make(c->p + 2, n);
	c->p += 2 + n;
	c->left -= 2 + n;
	return true;
}

static inline bool
tlsp_cursor_done(const struct tlsp_cursor *c)
{
	return c->left == 0;
}

static inline uint16_t
tlsp_load_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif /* TLSP_CURSOR_H */
