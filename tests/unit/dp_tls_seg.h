/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4/TCP segments with options and payload for the mode-tls tests and
 * benchmark: written from fields, read back with checksums verified from
 * scratch (dp_test_util). */
#ifndef DP_TLS_SEG_H
#define DP_TLS_SEG_H

#include <stddef.h>
#include <stdint.h>

#include "dp_tcpopt.h"

/* One TCP segment, as the tests write and read them (host order). */
struct seg {
	const char *smac, *dmac;
	uint32_t src, dst; /* network order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	struct dp_tcpopt o;
	const uint8_t *data;
	uint16_t len;
};

/* Build @s as an Ethernet frame into @buf; returns its length. */
size_t seg_build(uint8_t *buf, const struct seg *s);
/* Read a frame the worker sent (checksums must verify); views into @f. */
void seg_read(const uint8_t *f, size_t len, struct seg *s);

#endif
