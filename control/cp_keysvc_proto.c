/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_keysvc_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void
cp_kp_buf_free(struct cp_kp_buf *b)
{
	if (b->p != NULL) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

void
cp_kp_buf_consume(struct cp_kp_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	memmove(b->p, b->p + n, b->len - n);
	OPENSSL_cleanse(b->p + b->len - n, n);
	b->len -= n;
}

int
cp_kp_buf_put(struct cp_kp_buf *b, const void *p, size_t n)
{
	if (b->err)
		return b->err;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		/* Not realloc: the old block holds keys and must be cleansed. */
		np = malloc(cap);
		if (np == NULL) {
			b->err = -ENOMEM;
			return b->err;
		}
		if (b->len > 0)
			memcpy(np, b->p, b->len);
		if (b->p != NULL) {
			OPENSSL_cleanse(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void
cp_kp_u8(struct cp_kp_buf *b, uint8_t v)
{
	cp_kp_buf_put(b, &v, 1);
}

void
cp_kp_u16(struct cp_kp_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	cp_kp_buf_put(b, x, 2);
}

void
cp_kp_u32(struct cp_kp_buf *b, uint32_t v)
{
	cp_kp_u16(b, (uint16_t)(v >> 16));
	cp_kp_u16(b, (uint16_t)v);
}

void
cp_kp_u64(struct cp_kp_buf *b, uint64_t v)
{
	cp_kp_u32(b, (uint32_t)(v >> 32));
	cp_kp_u32(b, (uint32_t)v);
}

void
cp_kp_frame(struct cp_kp_buf *b, uint8_t type, uint32_t len)
{
	cp_kp_u8(b, 'T');
	cp_kp_u8(b, 'K');
	cp_kp_u8(b, CP_KP_VERSION);
	cp_kp_u8(b, type);
	cp_kp_u32(b, len);
}

long
cp_kp_peek(const struct cp_kp_buf *b, uint8_t *type)
{
	uint32_t len;

	if (b->len < CP_KP_HDR)
		return -EAGAIN;
	if (b->p[0] != 'T' || b->p[1] != 'K' || b->p[2] != CP_KP_VERSION)
		return -EPROTO;
	len = (uint32_t)b->p[4] << 24 | (uint32_t)b->p[5] << 16 | (uint32_t)b->p[6] << 8 |
	      b->p[7];
	if (len > CP_KP_MAX_PAYLOAD)
		return -EPROTO;
	if (b->len < CP_KP_HDR + (size_t)len)
		return -EAGAIN;
	*type = b->p[3];
	return (long)len;
}

void
cp_kp_get_bytes(struct cp_kp_cur *c, void *out, size_t n)
{
	if (c->err || c->left < n) {
		c->err = -EPROTO;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}

uint8_t
cp_kp_get_u8(struct cp_kp_cur *c)
{
	uint8_t v;

	cp_kp_get_bytes(c, &v, 1);
	return v;
}

uint16_t
cp_kp_get_u16(struct cp_kp_cur *c)
{
	uint8_t x[2];

	cp_kp_get_bytes(c, x, 2);
	return (uint16_t)(x[0] << 8 | x[1]);
}

uint32_t
cp_kp_get_u32(struct cp_kp_cur *c)
{
	uint32_t hi = cp_kp_get_u16(c);

	return hi << 16 | cp_kp_get_u16(c);
}

uint64_t
cp_kp_get_u64(struct cp_kp_cur *c)
{
	uint64_t hi = cp_kp_get_u32(c);

	return hi << 32 | cp_kp_get_u32(c);
}

void
cp_kp_put_keyset(struct cp_kp_buf *b, uint64_t gen, const struct cp_keyset *set,
		 const uint8_t *states)
{
	unsigned i;

	cp_kp_frame(b, CP_KP_KEYSET, 8 + 2 + 2 + set->n * CP_KP_KEY_WIRE);
	cp_kp_u64(b, gen);
	cp_kp_u16(b, (uint16_t)set->n);
	cp_kp_u16(b, (uint16_t)set->encrypt);
	for (i = 0; i < set->n; i++) {
		const struct cp_stek *k = &set->keys[i];
		uint8_t aes[32] = { 0 };

		memcpy(aes, k->aes, k->aes_len <= 32 ? k->aes_len : 32);
		cp_kp_u8(b, states != NULL ? states[i] : 0);
		cp_kp_u8(b, k->aes_len);
		cp_kp_buf_put(b, k->name, 16);
		cp_kp_buf_put(b, k->hmac, 32);
		cp_kp_buf_put(b, aes, 32);
		OPENSSL_cleanse(aes, sizeof(aes));
	}
}

void
cp_kp_put_error(struct cp_kp_buf *b, uint64_t gen, int32_t code, const char *text)
{
	size_t n = strlen(text);

	if (n > 1024)
		n = 1024;
	cp_kp_frame(b, CP_KP_ERROR, (uint32_t)(8 + 4 + 2 + n));
	cp_kp_u64(b, gen);
	cp_kp_u32(b, (uint32_t)code);
	cp_kp_u16(b, (uint16_t)n);
	cp_kp_buf_put(b, text, n);
}

void
cp_kp_put_names(struct cp_kp_buf *b, const uint8_t (*names)[16], size_t n)
{
	size_t i;

	cp_kp_u16(b, (uint16_t)n);
	for (i = 0; i < n; i++)
		cp_kp_buf_put(b, names[i], 16);
}
