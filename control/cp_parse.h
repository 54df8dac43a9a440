/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Typed value parsers of the command grammar. Each reads one whole word, is
 * strict (no leading zeros, no signs, no trailing junk, no other base than
 * decimal), and on failure says why in @p e without naming the command: the
 * caller adds that. All return 0 or -EINVAL, and write their output only on
 * success.
 */
#ifndef CP_PARSE_H
#define CP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_err.h"

/** Dotted quad "a.b.c.d": four decimal numbers 0..255, "0" the only one with a leading zero. */
int cp_parse_ipv4(const char *s, struct cp_ip *ip, struct cp_err *e);

/** "a.b.c.d/LEN" with LEN 0..32; host bits are the caller's business. */
int cp_parse_prefix(const char *s, struct cp_ip *ip, uint8_t *len, struct cp_err *e);

/** "a.b.c.d:PORT" with PORT 1..65535. */
int cp_parse_endpoint(const char *s, struct cp_ip *ip, uint16_t *port, struct cp_err *e);

/** "aa:bb:cc:dd:ee:ff": exactly six pairs of hex digits, either case. */
int cp_parse_mac(const char *s, uint8_t mac[6], struct cp_err *e);

/** An unsigned decimal number in @p min..@p max. */
int cp_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v, struct cp_err *e);

/** "LOW-HIGH", both in @p min..@p max, LOW <= HIGH. */
int cp_parse_range(const char *s, uint32_t min, uint32_t max, uint32_t *lo, uint32_t *hi,
		   struct cp_err *e);

/** One of the NULL-terminated @p words; @p idx receives its position. */
int cp_parse_keyword(const char *s, const char *const *words, unsigned *idx, struct cp_err *e);

/**
 * A name: a letter, then letters, digits, '_', '-' or '.'; shorter than
 * @p size, which is also the size of @p out.
 */
int cp_parse_name(const char *s, char *out, size_t size, struct cp_err *e);

/** A device string (any printable non-blank ASCII), shorter than @p size. */
int cp_parse_dev(const char *s, char *out, size_t size, struct cp_err *e);

#endif /* CP_PARSE_H */
