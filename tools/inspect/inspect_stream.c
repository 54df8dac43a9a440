/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-order delivery of one TCP direction. Bytes at the expected sequence number
 * go straight to the sink; segments ahead of a hole are copied and held, sorted,
 * until the hole fills. Retransmitted bytes are trimmed, so the sink sees every
 * stream byte exactly once, the first copy winning (as a receiving stack does).
 * Holding is capped, so that a capture with a lost segment cannot make a flow
 * grow without bound.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect_stream.h"

#define STREAM_HOLD_MAX_BYTES (256u * 1024u)
#define STREAM_HOLD_MAX_SEGMENTS 1024u

struct stream_segment {
	struct stream_segment *next;
	uint32_t seq;
	size_t len;
	uint8_t data[];
};

/* Sequence-space distance from b to a (RFC 9293 modular comparison). */
static int64_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

void
stream_init(struct stream *st)
{
	memset(st, 0, sizeof(*st));
	st->limit = SIZE_MAX;
}

void
stream_attach(struct stream *st, stream_sink sink, void *ctx, size_t limit)
{
	st->sink = sink;
	st->ctx = ctx;
	st->limit = limit;
}

void
stream_set_start(struct stream *st, uint32_t seq)
{
	if (st->started)
		return;
	st->started = true;
	st->start_seq = seq;
	st->next_seq = seq;
}

static void
free_held(struct stream *st)
{
	struct stream_segment *seg, *next;

	for (seg = st->held; seg != NULL; seg = next) {
		next = seg->next;
		free(seg);
	}
	st->held = NULL;
	st->held_bytes = 0;
	st->held_count = 0;
}

/* Hand over the part of [seq, seq+len) not delivered yet; seq <= next_seq. */
static void
deliver(struct stream *st, uint32_t seq, const uint8_t *data, size_t len)
{
	size_t skip = (size_t)seq_diff(st->next_seq, seq);

	if (skip >= len)
		return;
	data += skip;
	len -= skip;
	st->next_seq += (uint32_t)len;
	st->delivered += len;
	if (!st->sink(st->ctx, data, len)) {
		st->done = true;
		free_held(st);
	}
}

static void
drain(struct stream *st)
{
	while (st->open && !st->done && st->held != NULL &&
	       seq_diff(st->held->seq, st->next_seq) <= 0) {
		struct stream_segment *seg = st->held;

		st->held = seg->next;
		st->held_bytes -= seg->len;
		st->held_count--;
		deliver(st, seg->seq, seg->data, seg->len);
		free(seg);
	}
}

static void
hold(struct stream *st, uint32_t seq, const uint8_t *data, size_t len)
{
	struct stream_segment *seg, **pos;

	if (st->held_bytes + len > STREAM_HOLD_MAX_BYTES ||
	    st->held_count >= STREAM_HOLD_MAX_SEGMENTS) {
		st->overflow = true;
		return;
	}
	seg = malloc(sizeof(*seg) + len);
	if (seg == NULL) {
		st->overflow = true;
		return;
	}
	seg->seq = seq;
	seg->len = len;
	memcpy(seg->data, data, len);
	/* after equal starts, so that the first copy of a byte is the one kept */
	for (pos = &st->held; *pos != NULL; pos = &(*pos)->next)
		if (seq_diff((*pos)->seq, seq) > 0)
			break;
	seg->next = *pos;
	*pos = seg;
	st->held_bytes += len;
	st->held_count++;
}

void
stream_add(struct stream *st, uint32_t seq, const uint8_t *data, size_t len)
{
	int64_t ahead, offset;

	if (len == 0 || st->done)
		return;
	stream_set_start(st, seq);
	ahead = seq_diff(seq, st->next_seq);
	if (ahead + (int64_t)len <= 0)
		return; /* a retransmission of delivered bytes */
	offset = seq_diff(seq, st->start_seq);
	if (offset > 0 && (uint64_t)offset >= st->limit)
		return;
	if (st->open && ahead <= 0) {
		deliver(st, seq, data, len);
		drain(st);
		return;
	}
	hold(st, seq, data, len);
}

void
stream_open(struct stream *st)
{
	if (st->sink == NULL)
		return;
	st->open = true;
	drain(st);
}

bool
stream_has_gap(const struct stream *st)
{
	return st->held != NULL;
}

void
stream_release(struct stream *st)
{
	free_held(st);
	st->done = true;
}
