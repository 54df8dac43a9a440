/* SPDX-License-Identifier: BSD-3-Clause */
/* The options' part of a spliced segment's translation (dp_splice.h). */
#include "dp_splice.h"

/* A defect leaves what follows it untouched, which the peer then rejects or
 * ignores as it would have anyway; the checksum stays right. */
static uint32_t translate(struct rte_tcp_hdr *tcp, const struct dp_tcpopt_xlate *x)
{
	unsigned len = ((tcp->data_off >> 4) * 4u) - sizeof(*tcp);
	/* a checksum of all ones is a zero sum: what the translation
	 * changes is then its complement */
	uint16_t c = 0xffff;
	enum dp_tcpopt_status st;

	st = dp_tcpopt_translate((uint8_t *)(tcp + 1), len, x, &c);
	(void)st;
	return (uint16_t)~c;
}

uint32_t dp_splice_c2s_options(struct rte_tcp_hdr *tcp, const struct dp_splice *sp)
{
	struct dp_tcpopt_xlate x = { .sack_add = -sp->seq_delta };

	if (sp->flags & DP_SPLICE_F_TS)
		x.tsecr = -sp->ts_delta;
	return translate(tcp, &x);
}

uint32_t dp_splice_s2c_options(struct rte_tcp_hdr *tcp, const struct dp_splice *sp)
{
	struct dp_tcpopt_xlate x = { 0 };

	if (sp->flags & DP_SPLICE_F_TS)
		x.tsval = sp->ts_delta;
	return translate(tcp, &x);
}
