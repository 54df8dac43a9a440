/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-segment translation of a spliced flow. The client talks to tlslb's
 * sequence space (the cookie ISN) and timestamps clock, the backend to its
 * own; the two TCP connections differ by constant offsets only, so every
 * field is rewritten by adding one of them. The checksum field is left
 * alone: each function returns what its rewrite adds to the checksum (a sum
 * of 16-bit deltas, dp_csum.h), which the NAT folds into its one update.
 *
 * Always inlined (LTO left them calls, two callers each), with the options
 * (rare on a data path: SACK, timestamps) out of line: every segment of a
 * spliced flow takes it.
 */
#ifndef DP_SPLICE_H
#define DP_SPLICE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_tcp.h>

#include "dp_csum.h"
#include "dp_flow.h"
#include "dp_tcpopt.h"

/* The options' part: SACK blocks and timestamps, when the header has options. */
uint32_t dp_splice_c2s_options(struct rte_tcp_hdr *tcp, const struct dp_splice *sp);
uint32_t dp_splice_s2c_options(struct rte_tcp_hdr *tcp, const struct dp_splice *sp);

static inline uint32_t dp_splice_rewrite32(void *field, uint32_t add)
{
	rte_be32_t old, new;

	memcpy(&old, field, 4);
	new = rte_cpu_to_be_32(rte_be_to_cpu_32(old) + add);
	memcpy(field, &new, 4);
	return dp_csum_delta32(old, new);
}

static inline uint32_t dp_splice_rescale(struct rte_tcp_hdr *tcp, uint8_t from, uint8_t to)
{
	rte_be16_t old = tcp->rx_win, new;

	if (from == to)
		return 0;
	new = rte_cpu_to_be_16(dp_window_rescale(rte_be_to_cpu_16(old), from, to));
	tcp->rx_win = new;
	return dp_csum_delta16(old, new);
}

static inline bool dp_splice_has_options(const struct rte_tcp_hdr *tcp)
{
	return (tcp->data_off >> 4) > sizeof(*tcp) / 4;
}

/* Client -> backend: the ACK and SACK blocks name tlslb's sequence space,
 * TSecr echoes tlslb's clock; both move back to the backend's. */
static __rte_always_inline uint32_t dp_splice_c2s(struct rte_tcp_hdr *tcp,
						  const struct dp_splice *sp)
{
	uint32_t d = 0;

	if (tcp->tcp_flags & RTE_TCP_ACK_FLAG)
		d += dp_splice_rewrite32(&tcp->recv_ack, -sp->seq_delta);
	if (sp->flags & DP_SPLICE_F_C2S_UNSCALE)
		d += dp_splice_rescale(tcp, sp->scale >> 4, 0);
	if (unlikely(dp_splice_has_options(tcp)))
		d += dp_splice_c2s_options(tcp, sp);
	return d;
}

/* Backend -> client: its sequence numbers and TSvals move to tlslb's; its
 * SACK blocks describe client data (one space for both). */
static __rte_always_inline uint32_t dp_splice_s2c(struct rte_tcp_hdr *tcp,
						  const struct dp_splice *sp)
{
	uint8_t from = sp->flags & DP_SPLICE_F_C2S_UNSCALE ? 0 : sp->scale >> 4;
	uint32_t d = dp_splice_rewrite32(&tcp->sent_seq, sp->seq_delta);

	if (!(tcp->tcp_flags & RTE_TCP_SYN_FLAG))
		d += dp_splice_rescale(tcp, from, sp->scale & 0xf);
	if (unlikely(dp_splice_has_options(tcp)))
		d += dp_splice_s2c_options(tcp, sp);
	return d;
}

/*
 * Whether a segment of a flow with splice state @sp needs its translation
 * and nothing else: spliced, no SYN (a client's new connection on the port,
 * or a stray), and, from the backend, the server flight already scanned
 * (no handshake context left). The worker translates such segments itself;
 * dp_tls_packet() takes the others, and would do the same with these.
 */
static inline bool dp_splice_plain(const struct dp_splice *sp, uint8_t tcp_flags, bool reverse)
{
	return (__atomic_load_n(&sp->flags, __ATOMIC_ACQUIRE) & DP_SPLICE_F_SPLICED) &&
	       !(tcp_flags & RTE_TCP_SYN_FLAG) &&
	       (!reverse || __atomic_load_n(&sp->hs, __ATOMIC_ACQUIRE) == 0);
}

#endif /* DP_SPLICE_H */
