/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-segment translation of a spliced flow. The client talks to tlslb's
 * sequence space (the cookie ISN) and timestamps clock, the backend to its
 * own; the two TCP connections differ by constant offsets only, so every
 * field is rewritten by adding one of them, and the checksum change is
 * returned for the NAT's update (RFC 1624).
 */
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "dp_nat.h"
#include "dp_tls.h"

/* Each step returns what it adds to the TCP checksum (dp_nat.h); the caller
 * folds their sum into the NAT's one update. */
static uint32_t rewrite32(void *field, uint32_t add)
{
	rte_be32_t old, new;

	memcpy(&old, field, 4);
	new = rte_cpu_to_be_32(rte_be_to_cpu_32(old) + add);
	memcpy(field, &new, 4);
	return dp_nat_delta32(old, new);
}

static uint32_t rescale(struct rte_tcp_hdr *tcp, uint8_t from, uint8_t to)
{
	rte_be16_t old = tcp->rx_win, new;

	if (from == to)
		return 0;
	new = rte_cpu_to_be_16(dp_window_rescale(rte_be_to_cpu_16(old), from, to));
	tcp->rx_win = new;
	return dp_nat_delta16(old, new);
}

/* Options: a defect leaves what follows it untouched, which the peer then
 * rejects or ignores as it would have anyway; the checksum stays right. */
static uint32_t options(struct rte_tcp_hdr *tcp, const struct dp_tcpopt_xlate *x)
{
	unsigned len = ((tcp->data_off >> 4) * 4u) - sizeof(*tcp);
	/* a checksum of all ones is a zero sum: what the translation
	 * changes is then its complement */
	uint16_t c = 0xffff;
	enum dp_tcpopt_status st;

	if (len == 0)
		return 0;
	st = dp_tcpopt_translate((uint8_t *)(tcp + 1), len, x, &c);
	(void)st;
	return (uint16_t)~c;
}

uint32_t dp_splice_c2s(struct rte_tcp_hdr *tcp, const struct dp_splice *sp)
{
	/* client -> backend: the ACK and SACK blocks name tlslb's sequence
	 * space, TSecr echoes tlslb's clock; both move back to the backend's */
	struct dp_tcpopt_xlate x = { .sack_add = -sp->seq_delta };
	uint32_t d = 0;

	if (sp->flags & DP_SPLICE_F_TS)
		x.tsecr = -sp->ts_delta;
	if (tcp->tcp_flags & RTE_TCP_ACK_FLAG)
		d += rewrite32((uint8_t *)tcp + offsetof(struct rte_tcp_hdr, recv_ack), -sp->seq_delta);
	if (sp->flags & DP_SPLICE_F_C2S_UNSCALE)
		d += rescale(tcp, sp->scale >> 4, 0);
	return d + options(tcp, &x);
}

uint32_t dp_splice_s2c(struct rte_tcp_hdr *tcp, const struct dp_splice *sp)
{
	/* backend -> client: its sequence numbers and TSvals move to tlslb's;
	 * its SACK blocks describe client data (one space for both) */
	struct dp_tcpopt_xlate x = { 0 };
	uint8_t from = sp->flags & DP_SPLICE_F_C2S_UNSCALE ? 0 : sp->scale >> 4;
	uint32_t d;

	if (sp->flags & DP_SPLICE_F_TS)
		x.tsval = sp->ts_delta;
	d = rewrite32((uint8_t *)tcp + offsetof(struct rte_tcp_hdr, sent_seq), sp->seq_delta);
	if (!(tcp->tcp_flags & RTE_TCP_SYN_FLAG))
		d += rescale(tcp, from, sp->scale & 0xf);
	return d + options(tcp, &x);
}
