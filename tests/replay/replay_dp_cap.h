/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A capture read as the dataplane replay needs it: per TCP connection, in
 * order of its SYN, the data segments and FINs of both sides in capture
 * order (offsets into each side's stream), and each side's byte stream put
 * back in sequence order by tools/inspect's stream code.
 */
#ifndef REPLAY_DP_CAP_H
#define REPLAY_DP_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segments longer than this are cut (offload-coalesced captures): the
 * replayed frames must fit the tests' frame buffers. */
#define RCAP_SEG_MAX 1400u

enum rcap_dir { RCAP_C2S = 0, RCAP_S2C = 1 };

/* One segment as captured: payload [off, off + len) of its side's stream,
 * or a FIN at off. */
struct rcap_event {
	uint8_t dir; /* enum rcap_dir */
	bool fin;
	uint32_t off;
	uint16_t len;
};

struct rcap_stream {
	uint8_t *data;
	size_t len;
	bool gap;      /* bytes after a hole that nothing follows were left out */
	size_t filled; /* bytes the capture lost, replaced by filler (0xee) */
};

struct rcap_conn {
	char client[64], server[64]; /* "address port", for messages */
	uint32_t isn[2];             /* per direction: the SYN's sequence number */
	bool syn_ack_seen;
	struct rcap_stream stream[2];
	unsigned n_events, cap_events;
	struct rcap_event *events;
};

struct rcap {
	unsigned n_conns;
	struct rcap_conn *conns;
	unsigned skipped;            /* TCP segments of connections whose SYN is not in the capture */
};

/* Read @path (pcap or pcapng); 0 or a negative errno with a message in @err. */
int rcap_load(const char *path, struct rcap *cap, char *err, size_t errlen);
void rcap_free(struct rcap *cap);

/* Payload of an event. */
static inline const uint8_t *rcap_event_data(const struct rcap_conn *c, const struct rcap_event *ev)
{
	return c->stream[ev->dir].data + ev->off;
}

#endif /* REPLAY_DP_CAP_H */
