/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture reading for the dataplane replay. Frames are decoded by
 * tools/inspect (inspect_decode.c: every link type tlslb-inspect reads,
 * IPv4 and IPv6) and each direction is put in order by its stream code
 * (inspect_stream.c), so the replay and tlslb-inspect see the same bytes.
 * A connection starts at a SYN without ACK; the SYN's sender is the client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "inspect_decode.h"
#include "inspect_stream.h"
#include "replay_dp_cap.h"

/* Per connection while reading: the streams being reassembled. */
struct building {
	struct endpoint ep[2]; /* client, server */
	struct stream st[2];
	size_t cap[2];
};

struct sink_ctx {
	struct rcap_stream *s;
	size_t *cap;
};

static bool endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

static bool append(void *ctx, const uint8_t *data, size_t len)
{
	struct sink_ctx *k = ctx;
	struct rcap_stream *s = k->s;

	if (s->len + len > *k->cap) {
		size_t n = (*k->cap ? *k->cap * 2 : 4096);
		uint8_t *p;

		while (n < s->len + len)
			n *= 2;
		p = realloc(s->data, n);
		if (p == NULL)
			return false;
		s->data = p;
		*k->cap = n;
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	return true;
}

static int add_event(struct rcap_conn *c, const struct rcap_event *ev)
{
	if (c->n_events == c->cap_events) {
		unsigned n = c->cap_events ? c->cap_events * 2 : 64;
		struct rcap_event *p = realloc(c->events, n * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		c->events = p;
		c->cap_events = n;
	}
	c->events[c->n_events++] = *ev;
	return 0;
}

static void name_of(const struct endpoint *ep, char *buf, size_t size)
{
	char a[ENDPOINT_ADDRSTRLEN];

	endpoint_address(ep, a, sizeof(a));
	snprintf(buf, size, "%s %u", a, ep->port);
}

/* The connection @p belongs to (dir set), a new one for a SYN, or -1. */
static int find_conn(struct rcap *cap, struct building *b, const struct tcp_packet *p, int *dir)
{
	int i;

	for (i = (int)cap->n_conns - 1; i >= 0; i--) {
		if (endpoint_eq(&p->src, &b[i].ep[0]) && endpoint_eq(&p->dst, &b[i].ep[1]))
			*dir = RCAP_C2S;
		else if (endpoint_eq(&p->src, &b[i].ep[1]) && endpoint_eq(&p->dst, &b[i].ep[0]))
			*dir = RCAP_S2C;
		else
			continue;
		/* a new SYN after this one's: the client reused its port */
		if (*dir == RCAP_C2S && (p->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
		    p->seq != cap->conns[i].isn[RCAP_C2S])
			return -1;
		return i;
	}
	return -1;
}

/* Record @p in connection @i: the stream and, cut to RCAP_SEG_MAX, the events. */
static int take_packet(struct rcap *cap, struct building *b, int i, int dir,
		       const struct tcp_packet *p)
{
	struct rcap_conn *c = &cap->conns[i];
	uint32_t base = c->isn[dir] + 1, off = p->seq - base;
	size_t done;
	int rc;

	if (p->flags & TCPF_SYN) {
		if (dir == RCAP_S2C && !c->syn_ack_seen) {
			c->syn_ack_seen = true;
			c->isn[RCAP_S2C] = p->seq;
			stream_set_start(&b[i].st[RCAP_S2C], p->seq + 1);
		}
		return 0;
	}
	if (dir == RCAP_S2C && !c->syn_ack_seen)
		return 0; /* no SYN-ACK yet: no sequence origin */
	if (p->payload_len > 0 && !p->payload_cut) {
		stream_add(&b[i].st[dir], p->seq, p->payload, p->payload_len);
		for (done = 0; done < p->payload_len; done += RCAP_SEG_MAX) {
			size_t n = p->payload_len - done;
			struct rcap_event ev = { .dir = (uint8_t)dir, .off = off + (uint32_t)done,
						 .len = (uint16_t)(n < RCAP_SEG_MAX ? n : RCAP_SEG_MAX) };

			rc = add_event(c, &ev);
			if (rc < 0)
				return rc;
		}
	}
	if (p->flags & TCPF_FIN) {
		struct rcap_event ev = { .dir = (uint8_t)dir, .fin = true,
					 .off = off + (uint32_t)p->payload_len };

		return add_event(c, &ev);
	}
	return 0;
}

static int new_conn(struct rcap *cap, struct building **bp, const struct tcp_packet *p)
{
	struct rcap_conn *c = realloc(cap->conns, (cap->n_conns + 1) * sizeof(*c));
	struct building *b;
	unsigned i = cap->n_conns;

	if (c == NULL)
		return -ENOMEM;
	cap->conns = c;
	b = realloc(*bp, (i + 1) * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	*bp = b;
	memset(&c[i], 0, sizeof(c[i]));
	memset(&b[i], 0, sizeof(b[i]));
	b[i].ep[0] = p->src;
	b[i].ep[1] = p->dst;
	c[i].isn[RCAP_C2S] = p->seq;
	name_of(&p->src, c[i].client, sizeof(c[i].client));
	name_of(&p->dst, c[i].server, sizeof(c[i].server));
	cap->n_conns++;
	return (int)i;
}

/* The first stream offset past @hole where direction @dir's capture goes on, or 0. */
static uint32_t hole_end(const struct rcap_conn *c, unsigned dir, uint32_t hole)
{
	uint32_t end = 0;
	unsigned k;

	for (k = 0; k < c->n_events; k++) {
		const struct rcap_event *ev = &c->events[k];

		if (ev->dir == dir && ev->off > hole && (end == 0 || ev->off < end))
			end = ev->off;
	}
	return end;
}

/*
 * Bytes the capture lost (a later segment or the FIN lies past them: the
 * receiver acknowledged them, the capture never
 * saw them) cannot be replayed as they were: they become filler, sent where
 * the capture resumes, so the streams stay whole and each side must still
 * receive exactly what the other sent.
 */
static int fill_holes(struct rcap_conn *c, struct stream *st, unsigned dir,
		      struct rcap_event **holes, unsigned *n_holes)
{
	static const uint8_t filler[RCAP_SEG_MAX] = { [0 ... RCAP_SEG_MAX - 1] = 0xee };
	uint32_t base = c->isn[dir] + 1;

	while (!st->done) {
		uint32_t hole = st->next_seq - base, end = hole_end(c, dir, hole), off;
		struct rcap_event *p;

		if (end == 0)
			break;
		for (off = hole; off < end; off += RCAP_SEG_MAX) {
			uint16_t n = (uint16_t)(end - off < RCAP_SEG_MAX ? end - off : RCAP_SEG_MAX);

			p = realloc(*holes, (*n_holes + 1) * sizeof(*p));
			if (p == NULL)
				return -ENOMEM;
			*holes = p;
			p[(*n_holes)++] = (struct rcap_event){ .dir = (uint8_t)dir, .off = off,
							       .len = n };
			stream_add(st, base + off, filler, n);
			c->stream[dir].filled += n;
		}
	}
	return 0;
}

/* Merge the filler segments in before the segment that follows each hole. */
static int merge_holes(struct rcap_conn *c, const struct rcap_event *holes, unsigned n_holes)
{
	struct rcap_event *ev = malloc((c->n_events + n_holes) * sizeof(*ev));
	unsigned k, h, n = 0;
	bool *done = calloc(n_holes, sizeof(*done));

	if (ev == NULL || done == NULL) {
		free(ev);
		free(done);
		return -ENOMEM;
	}
	for (k = 0; k < c->n_events; k++) {
		for (h = 0; h < n_holes; h++)
			if (!done[h] && holes[h].dir == c->events[k].dir &&
			    holes[h].off + holes[h].len <= c->events[k].off) {
				ev[n++] = holes[h];
				done[h] = true;
			}
		ev[n++] = c->events[k];
	}
	for (h = 0; h < n_holes; h++)
		if (!done[h])
			ev[n++] = holes[h];
	free(c->events);
	free(done);
	c->events = ev;
	c->n_events = c->cap_events = n;
	return 0;
}

static int finish(struct rcap *cap, struct building *b)
{
	unsigned i, d;
	int rc = 0;

	for (i = 0; i < cap->n_conns; i++) {
		struct rcap_conn *c = &cap->conns[i];
		struct rcap_event *holes = NULL;
		unsigned k, n = 0, n_holes = 0;

		for (d = 0; d < 2; d++) {
			struct sink_ctx k2 = { &c->stream[d], &b[i].cap[d] };

			/* attach late: the sink's context must not move with the arrays */
			stream_attach(&b[i].st[d], append, &k2, SIZE_MAX);
			stream_open(&b[i].st[d]);
			if (rc == 0)
				rc = fill_holes(c, &b[i].st[d], d, &holes, &n_holes);
			c->stream[d].gap = stream_has_gap(&b[i].st[d]) || b[i].st[d].overflow ||
					   b[i].st[d].done;
			stream_release(&b[i].st[d]);
		}
		if (rc == 0 && n_holes > 0)
			rc = merge_holes(c, holes, n_holes);
		free(holes);
		/* events past a hole left open were never delivered: they cannot be replayed */
		for (k = 0; k < c->n_events; k++) {
			const struct rcap_event *ev = &c->events[k];

			if ((size_t)ev->off + ev->len <= c->stream[ev->dir].len ||
			    (ev->fin && ev->off == c->stream[ev->dir].len))
				c->events[n++] = *ev;
		}
		c->n_events = n;
	}
	return rc;
}

int rcap_load(const char *path, struct rcap *cap, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE];
	struct building *b = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int dlt, rc = 0, r;

	memset(cap, 0, sizeof(*cap));
	pc = pcap_open_offline(path, pe);
	if (pc == NULL) {
		snprintf(err, errlen, "%s", pe);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (!decode_link_supported(dlt)) {
		snprintf(err, errlen, "link type %d not supported", dlt);
		pcap_close(pc);
		return -ENOTSUP;
	}
	/* Holding every segment until the end keeps ordering simple: the
	 * streams are opened once the whole capture is read. */
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		struct tcp_packet p;
		int i, dir = RCAP_C2S;

		if (decode_frame(dlt, data, h->caplen, &p) != DECODE_TCP || (p.flags & TCPF_RST))
			continue;
		i = find_conn(cap, b, &p, &dir);
		if (i < 0) {
			if ((p.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN) {
				cap->skipped++;
				continue;
			}
			i = new_conn(cap, &b, &p);
			if (i < 0) {
				rc = i;
				break;
			}
			stream_init(&b[i].st[0]);
			stream_init(&b[i].st[1]);
			stream_set_start(&b[i].st[0], p.seq + 1);
		}
		rc = take_packet(cap, b, i, dir, &p);
		if (rc < 0)
			break;
	}
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	else if (r == -1) {
		snprintf(err, errlen, "%s", pcap_geterr(pc));
		rc = -EIO;
	}
	pcap_close(pc);
	if (rc == 0) {
		rc = finish(cap, b);
		if (rc < 0)
			snprintf(err, errlen, "out of memory");
	} else {
		unsigned k;

		for (k = 0; k < cap->n_conns; k++) {
			stream_release(&b[k].st[0]);
			stream_release(&b[k].st[1]);
		}
	}
	free(b);
	if (rc < 0)
		rcap_free(cap);
	return rc;
}

void rcap_free(struct rcap *cap)
{
	unsigned i;

	for (i = 0; i < cap->n_conns; i++) {
		free(cap->conns[i].events);
		free(cap->conns[i].stream[0].data);
		free(cap->conns[i].stream[1].data);
	}
	free(cap->conns);
	memset(cap, 0, sizeof(*cap));
}
