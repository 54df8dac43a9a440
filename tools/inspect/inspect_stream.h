/* SPDX-License-Identifier: BSD-3-Clause */
/* One direction of a TCP connection, put back in sequence order. */
#ifndef INSPECT_STREAM_H
#define INSPECT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Receives the stream's bytes in order, one call per segment that brought new
 * bytes; returns false once it wants no more.
 */
typedef bool (*stream_sink)(void *ctx, const uint8_t *data, size_t len);

struct stream_segment;

struct stream {
	stream_sink sink;
	void *ctx;
	size_t limit;                /* bytes past this stream offset are never needed */
	bool started;                /* start_seq and next_seq are known */
	bool open;                   /* the sink takes bytes; until then everything is held */
	bool done;                   /* the sink wants no more */
	bool overflow;               /* a segment was dropped at the hold cap */
	uint32_t start_seq;          /* sequence number of the first data byte */
	uint32_t next_seq;           /* next byte the sink expects */
	uint64_t delivered;          /* bytes handed to the sink */
	struct stream_segment *held; /* segments waiting for a gap or for open, by seq */
	size_t held_bytes;
	unsigned held_count;
};

/* A closed stream without a sink: it holds what it is given. */
void stream_init(struct stream *st);

/* Who takes the bytes; limit: stream offset past which bytes are dropped (SIZE_MAX: none). */
void stream_attach(struct stream *st, stream_sink sink, void *ctx, size_t limit);

/* The first data byte has this sequence number (a SYN's plus one); no-op once started. */
void stream_set_start(struct stream *st, uint32_t seq);

/* A segment's payload, in any order, duplicates and overlaps allowed. */
void stream_add(struct stream *st, uint32_t seq, const uint8_t *data, size_t len);

/* Start delivering to the attached sink, beginning with what was held. */
void stream_open(struct stream *st);

/* Bytes are held waiting for a hole to fill. */
bool stream_has_gap(const struct stream *st);

/* Free what is held; the stream takes nothing more. */
void stream_release(struct stream *st);

#endif /* INSPECT_STREAM_H */
