/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The client's bytes of a flow in state HELLO, held until the backend is
 * chosen: a bounded, in-order reassembly buffer per flow and a global cap on
 * the memory all of them take.
 *
 * Bytes are stored at their offset from the client's ISN + 1, so the
 * contiguous prefix is always one flat array that tlsp_client_hello_parse()
 * reads in place and that is replayed to the backend as is. Out-of-order
 * data is kept as up to DP_HELLOBUF_RANGES disjoint ranges past the prefix.
 * A byte once held never changes: a retransmission that disagrees is ignored.
 *
 * Memory is taken lazily, on the first byte, from the caller's allocator, and
 * grows by doubling (from ::dp_hello_pool.min_alloc up to the flow's
 * capacity), so a 300-byte hello does not pin 16 KiB. The global cap counts
 * the bytes allocated, not the bytes held: it bounds memory. Release the
 * buffer as soon as the backend has the bytes (a spliced flow must not keep
 * it); if tlslb acknowledged them to the client, the client will not send
 * them again, so that is when the backend acknowledges the replay.
 *
 * A buffer belongs to one lcore; the pool is shared and its counter atomic.
 */
#ifndef DP_HELLOBUF_H
#define DP_HELLOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef DP_MUST_CHECK
#define DP_MUST_CHECK __attribute__((warn_unused_result))
#endif

/** Out-of-order ranges kept past the contiguous prefix (as many as SACK can report). */
#define DP_HELLOBUF_RANGES 4u
/** Records a hello may span within the default capacity (512-byte fragments: 33). */
#define DP_HELLOBUF_RECORDS 64u
/**
 * Default capacity: the largest hello tlsparse accepts with its handshake
 * header (TLSP_SCRATCH_SIZE, 16384 + 4) plus DP_HELLOBUF_RECORDS 5-byte
 * record headers. Spelled out so that the dataplane need not include
 * tlsparse for it; the unit test checks it against TLSP_SCRATCH_SIZE.
 */
#define DP_HELLOBUF_CAP_DEFAULT (16384u + 4u + 5u * DP_HELLOBUF_RECORDS)

/**
 * Memory shared by every flow's buffer, on every lcore. Set the fields up
 * before any use; only @ref used changes afterwards.
 */
struct dp_hello_pool {
	/** Allocate @p size bytes; NULL on failure. Sizes are those of the
	 *  growth steps: min_alloc doubled, and a flow's capacity. */
	void *(*alloc)(void *ctx, size_t size);
	/** Free what alloc returned, with the size it was asked for. */
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
	uint64_t cap;       /**< most bytes allocated at once, all flows together */
	uint32_t min_alloc; /**< first allocation; 0 (or >= a flow's capacity): the capacity */
	/** Bytes allocated now (atomic). Its own cache line: all lcores write it. */
	_Alignas(64) uint64_t used;
};

/** One flow's buffer. Zero it (or dp_hellobuf_init()) before use. */
struct dp_hellobuf {
	uint8_t *buf;   /**< NULL until the first byte */
	uint32_t isn;   /**< the client's ISN: offset 0 is sequence isn + 1 */
	uint32_t cap;   /**< most bytes held: offsets [0, cap) */
	uint32_t alloc; /**< bytes allocated */
	uint32_t len;   /**< contiguous bytes from offset 0 */
	uint8_t n_ranges;
	struct {
		uint32_t lo, hi; /**< offsets [lo, hi); sorted, lo > len, not touching */
	} ranges[DP_HELLOBUF_RANGES];
};

/** dp_hellobuf_add() events: what a segment's bytes were. Several may be set. */
#define DP_HB_NEW (1u << 0)      /**< some bytes were new and are now held */
#define DP_HB_DUP (1u << 1)      /**< some were held already (retransmission, overlap) */
#define DP_HB_CONFLICT (1u << 2) /**< ...and some of those differed: the held value stays */
#define DP_HB_BEFORE (1u << 3)   /**< some lie before ISN + 1 (or 2^31 behind): ignored */
#define DP_HB_BEYOND (1u << 4)   /**< some lie past the capacity: ignored */

/** Start an empty buffer for a client whose ISN is @p isn, holding up to @p cap bytes. */
void dp_hellobuf_init(struct dp_hellobuf *hb, uint32_t isn, uint32_t cap);

/**
 * Take a segment's payload. @p seq is the sequence number of its first
 * payload byte (one past the ISN if the segment carries a SYN). The parts
 * before ISN + 1 and past the capacity are cut off (and reported in
 * @p events); what remains is stored where it is not held yet.
 *
 * @param events  set to the DP_HB_* of this segment (0 when it was refused)
 * @return 0; or, with nothing stored: -ENOBUFS when the pool's cap would be
 *         exceeded, -ENOMEM when the allocator failed, -ENOSPC when the bytes
 *         would open a gap beyond DP_HELLOBUF_RANGES out-of-order ranges
 */
DP_MUST_CHECK int dp_hellobuf_add(struct dp_hellobuf *hb, struct dp_hello_pool *pool, uint32_t seq,
				  const uint8_t *data, size_t len, unsigned *events);

/** The contiguous bytes from ISN + 1 (NULL when none); their count in @p len. */
static inline const uint8_t *dp_hellobuf_data(const struct dp_hellobuf *hb, size_t *len)
{
	*len = hb->len;
	return hb->len ? hb->buf : NULL;
}

/** Next sequence number expected from the client: the ACK to send. */
static inline uint32_t dp_hellobuf_rcv_nxt(const struct dp_hellobuf *hb)
{
	return hb->isn + 1 + hb->len;
}

/** Bytes the client may still send past rcv_nxt: the window to offer, unscaled. */
static inline uint32_t dp_hellobuf_window(const struct dp_hellobuf *hb)
{
	return hb->cap - hb->len;
}

/** True when bytes past the contiguous prefix are held (a hole to report, e.g. by SACK). */
static inline bool dp_hellobuf_has_gap(const struct dp_hellobuf *hb)
{
	return hb->n_ranges != 0;
}

/** Free the memory, give it back to the pool's count, and empty the buffer
 *  (ISN and capacity kept). Safe on a buffer that never took memory. */
void dp_hellobuf_release(struct dp_hellobuf *hb, struct dp_hello_pool *pool);

#endif /* DP_HELLOBUF_H */
