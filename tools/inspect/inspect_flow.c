/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection tracking for tlslb-inspect. Each connection feeds the client's
 * bytes to the ClientHello parser until it decides, and the server's bytes to
 * the server-flight scanner; the scanner starts only once the hello is decided
 * (it needs the hello's session ID and ticket), so server bytes are held until
 * then. Everything a connection prints is taken while its bytes are in reach,
 * then the bytes are freed: memory per finished connection stays small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_flow.h"
#include "inspect_json.h"
#include "inspect_table.h"

#define FLOW_HASH_BUCKETS 16384u
#define CLIENT_BUF_INITIAL 2048u

struct flow_table {
	uint8_t key_name_len;
	unsigned n_flows;
	struct flow *first, *last;
	struct flow *buckets[FLOW_HASH_BUCKETS];
	/* one hello is parsed at a time, and rendered before the next: one scratch will do */
	uint8_t scratch[TLSP_SCRATCH_SIZE];
};

static uint32_t
endpoint_hash(const struct endpoint *ep)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(ep->addr); i++)
		h = (h ^ ep->addr[i]) * 16777619u;
	h = (h ^ ep->family) * 16777619u;
	h = (h ^ (ep->port >> 8)) * 16777619u;
	h = (h ^ (ep->port & 0xffu)) * 16777619u;
	return h;
}

/* Symmetric, so that both directions land in one bucket. */
static unsigned
tuple_bucket(const struct endpoint *a, const struct endpoint *b)
{
	return (endpoint_hash(a) + endpoint_hash(b)) % FLOW_HASH_BUCKETS;
}

static bool
endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static struct flow *
lookup(struct flow_table *table, const struct tcp_packet *pkt, int *from)
{
	struct flow *flow = table->buckets[tuple_bucket(&pkt->src, &pkt->dst)];

	for (; flow != NULL; flow = flow->hash_next) {
		if (endpoint_equal(&flow->ep[0], &pkt->src) &&
		    endpoint_equal(&flow->ep[1], &pkt->dst)) {
			*from = 0;
			return flow;
		}
		if (endpoint_equal(&flow->ep[1], &pkt->src) &&
		    endpoint_equal(&flow->ep[0], &pkt->dst)) {
			*from = 1;
			return flow;
		}
	}
	return NULL;
}

static void
unhash(struct flow_table *table, struct flow *flow)
{
	struct flow **pos = &table->buckets[tuple_bucket(&flow->ep[0], &flow->ep[1])];

	for (; *pos != NULL; pos = &(*pos)->hash_next) {
		if (*pos == flow) {
			*pos = flow->hash_next;
			flow->hash_next = NULL;
			return;
		}
	}
}

static struct flow *
flow_new(struct flow_table *table, const struct tcp_packet *pkt)
{
	unsigned bucket = tuple_bucket(&pkt->src, &pkt->dst);
	struct flow *flow = calloc(1, sizeof(*flow));

	if (flow == NULL)
		return NULL;
	flow->table = table;
	flow->id = ++table->n_flows;
	flow->ep[0] = pkt->src;
	flow->ep[1] = pkt->dst;
	flow->client = -1;
	flow->client_status = TLSP_NEED_MORE;
	flow->server_status = TLSP_NEED_MORE;
	stream_init(&flow->dir[0]);
	stream_init(&flow->dir[1]);
	flow->hash_next = table->buckets[bucket];
	table->buckets[bucket] = flow;
	if (table->last != NULL)
		table->last->next = flow;
	else
		table->first = flow;
	table->last = flow;
	return flow;
}

/* The client's stream is over as far as the parser goes: start on the server's. */
static void
finish_client(struct flow *flow, const struct tlsp_client_hello *hello)
{
	flow->client_done = true;
	/* before the buffer goes: the hello's views point into it */
	tlsp_server_scan_init(&flow->scan, hello, flow->table->key_name_len);
	free(flow->buf);
	flow->buf = NULL;
	flow->buf_cap = 0;
	stream_open(&flow->dir[flow_server(flow)]);
}

static void
parse_hello(struct flow *flow)
{
	struct flow_table *table = flow->table;
	struct tlsp_client_opts opts = {
		.key_name_len = table->key_name_len,
		.scratch = table->scratch,
		.scratch_len = sizeof(table->scratch),
	};
	struct tlsp_client_hello hello;
	enum tlsp_reason reason = TLSP_R_NONE;
	enum tlsp_status status;
	size_t need = 0;

	status = tlsp_client_hello_parse(flow->buf, flow->buf_len, &opts, &hello, &need, &reason);
	if (status == TLSP_NEED_MORE) {
		flow->parse_at = flow->buf_len + (need != 0 ? need : 1);
		return;
	}
	flow->client_status = status;
	flow->client_reason = reason;
	if (status != TLSP_OK) {
		finish_client(flow, NULL);
		return;
	}
	flow->hello_records = hello.n_records;
	flow->hello_json = json_hello_fields(&hello);
	table_hello_summary(&hello, &flow->summary);
	finish_client(flow, &hello);
}

static bool
grow_client_buf(struct flow *flow, size_t want)
{
	size_t cap = flow->buf_cap != 0 ? flow->buf_cap : CLIENT_BUF_INITIAL;
	uint8_t *buf;

	while (cap < want)
		cap *= 2;
	if (cap > INSPECT_CLIENT_CAP)
		cap = INSPECT_CLIENT_CAP;
	if (cap == flow->buf_cap)
		return true;
	buf = realloc(flow->buf, cap);
	if (buf == NULL)
		return false;
	flow->buf = buf;
	flow->buf_cap = cap;
	return true;
}

static bool
client_sink(void *ctx, const uint8_t *data, size_t len)
{
	struct flow *flow = ctx;
	size_t take = len;

	if (flow->client_done)
		return false;
	flow->hello_segments++;
	if (take > INSPECT_CLIENT_CAP - flow->buf_len)
		take = INSPECT_CLIENT_CAP - flow->buf_len;
	if (!grow_client_buf(flow, flow->buf_len + take)) {
		finish_client(flow, NULL);
		return false;
	}
	memcpy(flow->buf + flow->buf_len, data, take);
	flow->buf_len += take;
	if (flow->buf_len >= flow->parse_at)
		parse_hello(flow);
	if (!flow->client_done && flow->buf_len == INSPECT_CLIENT_CAP) {
		flow->notes |= NOTE_CLIENT_CAP;
		finish_client(flow, NULL);
	}
	return !flow->client_done;
}

static bool
server_sink(void *ctx, const uint8_t *data, size_t len)
{
	struct flow *flow = ctx;

	flow->server_fed = true;
	flow->server_status = tlsp_server_scan_feed(&flow->scan, data, len);
	return flow->server_status == TLSP_NEED_MORE;
}

static void
set_roles(struct flow *flow, int client)
{
	flow->client = client;
	stream_attach(&flow->dir[client], client_sink, flow, INSPECT_CLIENT_CAP);
	stream_attach(&flow->dir[1 - client], server_sink, flow, SIZE_MAX);
	stream_open(&flow->dir[client]);
}

/* A SYN on a finished connection's 4-tuple that is not a retransmission starts a new one. */
static bool
is_reuse(const struct flow *flow, int from, uint32_t syn_seq)
{
	const struct stream *st = &flow->dir[from];

	return flow->closed && !(st->started && st->start_seq == syn_seq + 1);
}

void
flow_table_packet(struct flow_table *table, const struct tcp_packet *pkt)
{
	bool syn = pkt->flags & TCPF_SYN, ack = pkt->flags & TCPF_ACK;
	uint32_t seq = pkt->seq;
	struct flow *flow;
	int from = 0;

	flow = lookup(table, pkt, &from);
	if (flow != NULL && syn && !ack && is_reuse(flow, from, pkt->seq)) {
		unhash(table, flow);
		flow = NULL;
	}
	if (flow == NULL) {
		flow = flow_new(table, pkt);
		from = 0;
		if (flow == NULL)
			return;
	}
	if (pkt->flags & TCPF_RST)
		flow->notes |= NOTE_RESET;
	if (pkt->flags & (TCPF_FIN | TCPF_RST))
		flow->closed = true;
	if (pkt->payload_cut)
		flow->notes |= NOTE_PAYLOAD_CUT;
	if (syn) {
		flow->syn_seen[from] = true;
		if (flow->client < 0)
			set_roles(flow, ack ? 1 - from : from);
		/* the SYN takes one sequence number; data on a SYN (TFO) follows it */
		seq++;
		stream_set_start(&flow->dir[from], seq);
	}
	if (pkt->payload_len == 0)
		return;
	if (flow->client < 0) {
		/* no SYN (yet): whoever talks first is the client */
		set_roles(flow, from);
	}
	stream_add(&flow->dir[from], seq, pkt->payload, pkt->payload_len);
	if (flow->dir[from].overflow)
		flow->notes |= NOTE_HOLD_CAP;
}

static void
settle(struct flow *flow)
{
	struct stream *client, *server;

	if (flow->client < 0)
		set_roles(flow, 0);
	client = &flow->dir[flow_client(flow)];
	server = &flow->dir[flow_server(flow)];
	if (!flow->syn_seen[flow_client(flow)])
		flow->notes |= NOTE_NO_SYN;
	if (!flow->client_done) {
		if (stream_has_gap(client))
			flow->notes |= NOTE_CLIENT_GAP;
		finish_client(flow, NULL);
	}
	if (flow->server_status == TLSP_NEED_MORE && stream_has_gap(server))
		flow->notes |= NOTE_SERVER_GAP;
	stream_release(client);
	stream_release(server);
}

void
flow_table_finish(struct flow_table *table)
{
	struct flow *flow;

	for (flow = table->first; flow != NULL; flow = flow->next)
		settle(flow);
}

struct flow_table *
flow_table_new(uint8_t key_name_len)
{
	struct flow_table *table = calloc(1, sizeof(*table));

	if (table == NULL)
		return NULL;
	table->key_name_len = key_name_len;
	return table;
}

void
flow_table_free(struct flow_table *table)
{
	struct flow *flow, *next;

	if (table == NULL)
		return;
	for (flow = table->first; flow != NULL; flow = next) {
		next = flow->next;
		stream_release(&flow->dir[0]);
		stream_release(&flow->dir[1]);
		free(flow->buf);
		free(flow->hello_json);
		free(flow);
	}
	free(table);
}

const struct flow *
flow_table_first(const struct flow_table *table)
{
	return table->first;
}

const char *
flow_note_name(unsigned bit)
{
	static const char *const names[FLOW_NOTE_COUNT] = {
		"no_syn",      "client_gap", "server_gap", "hold_cap",
		"payload_cut", "client_cap", "reset",
	};

	return bit < FLOW_NOTE_COUNT ? names[bit] : "?";
}
