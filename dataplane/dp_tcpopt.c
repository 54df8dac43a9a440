/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dp_csum.h"
#include "dp_tcpopt.h"

/* Fixed lengths of the known kinds, kind and length bytes included. */
#define LEN_MSS 4u
#define LEN_WSCALE 3u
#define LEN_SACK_PERM 2u
#define LEN_TS 10u
#define LEN_SACK_BLOCK 8u

static const char *const status_names[DP_TCPOPT__COUNT] = {
	[DP_TCPOPT_OK] = "ok",
	[DP_TCPOPT_E_TRUNCATED] = "truncated",
	[DP_TCPOPT_E_LENGTH] = "length",
	[DP_TCPOPT_E_OVERRUN] = "overrun",
	[DP_TCPOPT_E_MSS] = "mss_length",
	[DP_TCPOPT_E_WSCALE] = "wscale_length",
	[DP_TCPOPT_E_SACK_PERM] = "sack_perm_length",
	[DP_TCPOPT_E_SACK] = "sack_length",
	[DP_TCPOPT_E_TS] = "ts_length",
};

const char *dp_tcpopt_status_name(enum dp_tcpopt_status status)
{
	if ((unsigned)status >= DP_TCPOPT__COUNT)
		return "unknown";
	return status_names[status];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 9293 3.1: an option is either a single kind byte (EOL, NOP) or a kind
 * byte, a length byte counting both, and length - 2 bytes of data. A length
 * below 2 would stall the walk, so it is an error rather than skipped.
 * The known kinds' lengths are checked here, so that parse and translate
 * refuse the same inputs. Sets *olen to the option's length, 0 at the end.
 */
static enum dp_tcpopt_status opt_next(const uint8_t *opts, size_t len, size_t off, size_t *olen)
{
	uint8_t kind, l;

	*olen = 0;
	if (off >= len || opts[off] == DP_TCPOPT_EOL)
		return DP_TCPOPT_OK;
	kind = opts[off];
	if (kind == DP_TCPOPT_NOP) {
		*olen = 1;
		return DP_TCPOPT_OK;
	}
	if (len - off < 2)
		return DP_TCPOPT_E_TRUNCATED;
	l = opts[off + 1];
	if (l < 2)
		return DP_TCPOPT_E_LENGTH;
	if (l > len - off)
		return DP_TCPOPT_E_OVERRUN;
	switch (kind) {
	case DP_TCPOPT_MSS:
		if (l != LEN_MSS)
			return DP_TCPOPT_E_MSS;
		break;
	case DP_TCPOPT_WSCALE:
		if (l != LEN_WSCALE)
			return DP_TCPOPT_E_WSCALE;
		break;
	case DP_TCPOPT_SACK_PERM:
		if (l != LEN_SACK_PERM)
			return DP_TCPOPT_E_SACK_PERM;
		break;
	case DP_TCPOPT_SACK:
		/* RFC 2018 3: length 8n + 2; 40 option bytes bound n to 4 */
		if (l < 2 + LEN_SACK_BLOCK || (l - 2) % LEN_SACK_BLOCK)
			return DP_TCPOPT_E_SACK;
		break;
	case DP_TCPOPT_TS:
		if (l != LEN_TS)
			return DP_TCPOPT_E_TS;
		break;
	default:
		break;
	}
	*olen = l;
	return DP_TCPOPT_OK;
}

enum dp_tcpopt_status dp_tcpopt_parse(const uint8_t *opts, size_t len, struct dp_tcpopt *out)
{
	enum dp_tcpopt_status st;
	size_t off = 0, olen, i;
	const uint8_t *o;

	memset(out, 0, sizeof(*out));
	for (;;) {
		st = opt_next(opts, len, off, &olen);
		if (st != DP_TCPOPT_OK)
			return st;
		if (olen == 0)
			return DP_TCPOPT_OK;
		o = opts + off;
		switch (o[0]) {
		case DP_TCPOPT_NOP:
			break;
		case DP_TCPOPT_MSS:
			out->flags |= DP_TCPOPT_F_MSS;
			out->mss = (uint16_t)(o[2] << 8 | o[3]);
			break;
		case DP_TCPOPT_WSCALE:
			/* RFC 7323 2.3: log the error but use 14 */
			out->flags |= DP_TCPOPT_F_WSCALE;
			out->wscale = o[2];
			if (o[2] > DP_TCPOPT_WSCALE_MAX) {
				out->wscale = DP_TCPOPT_WSCALE_MAX;
				out->flags |= DP_TCPOPT_F_WSCALE_CLAMPED;
			}
			break;
		case DP_TCPOPT_SACK_PERM:
			out->flags |= DP_TCPOPT_F_SACK_PERM;
			break;
		case DP_TCPOPT_SACK:
			out->flags |= DP_TCPOPT_F_SACK;
			out->n_sack = (uint8_t)((olen - 2) / LEN_SACK_BLOCK);
			for (i = 0; i < out->n_sack; i++) {
				out->sack[i].left = get32(o + 2 + i * LEN_SACK_BLOCK);
				out->sack[i].right = get32(o + 6 + i * LEN_SACK_BLOCK);
			}
			break;
		case DP_TCPOPT_TS:
			out->flags |= DP_TCPOPT_F_TS;
			out->tsval = get32(o + 2);
			out->tsecr = get32(o + 6);
			break;
		default:
			out->flags |= DP_TCPOPT_F_UNKNOWN;
			break;
		}
		off += olen;
	}
}

/* Sizes of the word groups dp_tcpopt_build() writes. */
static int build_len(const struct dp_tcpopt *o)
{
	int n = 0;

	if (o->flags & DP_TCPOPT_F_MSS)
		n += 4;
	if (o->flags & DP_TCPOPT_F_TS)
		n += 12; /* SACK-permitted rides in its two spare bytes */
	else if (o->flags & DP_TCPOPT_F_SACK_PERM)
		n += 4;
	if (o->flags & DP_TCPOPT_F_WSCALE) {
		if (o->wscale > DP_TCPOPT_WSCALE_MAX)
			return -EINVAL;
		n += 4;
	}
	if (o->flags & DP_TCPOPT_F_SACK) {
		if (o->n_sack == 0 || o->n_sack > DP_TCPOPT_MAX_SACK)
			return -EINVAL;
		n += 4 + (int)(o->n_sack * LEN_SACK_BLOCK);
	}
	return n;
}

int dp_tcpopt_build(uint8_t *buf, size_t cap, const struct dp_tcpopt *o)
{
	int need = build_len(o);
	uint8_t *p = buf;
	unsigned i;

	if (need < 0)
		return need;
	if ((size_t)need > DP_TCPOPT_MAX_LEN)
		return -EMSGSIZE;
	if ((size_t)need > cap)
		return -ENOSPC;

	/* Linux's order and padding: peers and middleboxes have seen this
	 * layout for decades, and a SYN that looks like Linux's stands out less */
	if (o->flags & DP_TCPOPT_F_MSS) {
		*p++ = DP_TCPOPT_MSS;
		*p++ = LEN_MSS;
		*p++ = (uint8_t)(o->mss >> 8);
		*p++ = (uint8_t)o->mss;
	}
	if (o->flags & DP_TCPOPT_F_TS) {
		if (o->flags & DP_TCPOPT_F_SACK_PERM) {
			*p++ = DP_TCPOPT_SACK_PERM;
			*p++ = LEN_SACK_PERM;
		} else {
			*p++ = DP_TCPOPT_NOP;
			*p++ = DP_TCPOPT_NOP;
		}
		*p++ = DP_TCPOPT_TS;
		*p++ = LEN_TS;
		put32(p, o->tsval);
		put32(p + 4, o->tsecr);
		p += 8;
	} else if (o->flags & DP_TCPOPT_F_SACK_PERM) {
		*p++ = DP_TCPOPT_NOP;
		*p++ = DP_TCPOPT_NOP;
		*p++ = DP_TCPOPT_SACK_PERM;
		*p++ = LEN_SACK_PERM;
	}
	if (o->flags & DP_TCPOPT_F_WSCALE) {
		*p++ = DP_TCPOPT_NOP;
		*p++ = DP_TCPOPT_WSCALE;
		*p++ = LEN_WSCALE;
		*p++ = o->wscale;
	}
	if (o->flags & DP_TCPOPT_F_SACK) {
		*p++ = DP_TCPOPT_NOP;
		*p++ = DP_TCPOPT_NOP;
		*p++ = DP_TCPOPT_SACK;
		*p++ = (uint8_t)(2 + o->n_sack * LEN_SACK_BLOCK);
		for (i = 0; i < o->n_sack; i++, p += LEN_SACK_BLOCK) {
			put32(p, o->sack[i].left);
			put32(p + 4, o->sack[i].right);
		}
	}
	return (int)(p - buf);
}

/*
 * Store @v at opts[at, at + 4) and add the change to the RFC 1624 eqn. 3
 * accumulator @acc (~HC + sum of ~m + m'). The checksum sums 16-bit words
 * from the TCP header's start and the options start at its byte 20, so the
 * words are the even offsets of @opts: a field at an odd offset touches
 * three of them. A word half past @len (an odd-length caller buffer) is
 * taken as 0 before and after: its other half does not change, and
 * ~(a|x) + (b|x) equals ~a + b.
 */
static void put32_csum(uint8_t *opts, size_t len, size_t at, uint32_t v, uint32_t *acc)
{
	size_t lo = at & ~(size_t)1, hi = (at + 4 + 1) & ~(size_t)1, i;
	uint8_t before[6] = { 0 }, after[6] = { 0 };
	uint16_t ow, nw;

	if (hi > len) /* only when len is odd: at + 4 <= len */
		hi = len;
	memcpy(before, opts + lo, hi - lo);
	put32(opts + at, v);
	memcpy(after, opts + lo, hi - lo);
	for (i = 0; i < sizeof(before); i += 2) {
		memcpy(&ow, before + i, 2);
		memcpy(&nw, after + i, 2);
		if (ow != nw) {
			*acc += (uint16_t)~ow;
			*acc += nw;
		}
	}
}

static uint32_t xlate_ts(uint32_t old, uint32_t arg, int set)
{
	return set ? arg : old + arg;
}

enum dp_tcpopt_status dp_tcpopt_translate(uint8_t *opts, size_t len,
					  const struct dp_tcpopt_xlate *x, uint16_t *csum)
{
	enum dp_tcpopt_status st;
	size_t off = 0, olen, i;
	uint32_t acc = csum ? (uint16_t)~*csum : 0;
	uint8_t *o;

	/* at most 4 SACK blocks and a timestamp: 10 fields x 3 words x 2
	 * terms of 0xffff, far from overflowing the 32-bit accumulator */
	for (;;) {
		st = opt_next(opts, len, off, &olen);
		if (st != DP_TCPOPT_OK || olen == 0)
			break;
		o = opts + off;
		if (o[0] == DP_TCPOPT_SACK && x->sack_add) {
			for (i = 2; i < olen; i += 4)
				put32_csum(opts, len, off + i, get32(o + i) + x->sack_add, &acc);
		} else if (o[0] == DP_TCPOPT_TS) {
			put32_csum(opts, len, off + 2,
				   xlate_ts(get32(o + 2), x->tsval, x->flags & DP_TCPOPT_XLATE_TSVAL_SET),
				   &acc);
			put32_csum(opts, len, off + 6,
				   xlate_ts(get32(o + 6), x->tsecr, x->flags & DP_TCPOPT_XLATE_TSECR_SET),
				   &acc);
		}
		off += olen;
	}
	if (csum)
		*csum = (uint16_t)~dp_csum_fold(acc);
	return st;
}

uint16_t dp_window_rescale(uint16_t win, uint8_t from_scale, uint8_t to_scale)
{
	uint32_t bytes;

	if (from_scale > DP_TCPOPT_WSCALE_MAX)
		from_scale = DP_TCPOPT_WSCALE_MAX;
	if (to_scale > DP_TCPOPT_WSCALE_MAX)
		to_scale = DP_TCPOPT_WSCALE_MAX;
	/* 65535 << 14 fits in 32 bits; the right shift rounds down */
	bytes = (uint32_t)win << from_scale;
	bytes >>= to_scale;
	return bytes > 0xffff ? 0xffff : (uint16_t)bytes;
}
