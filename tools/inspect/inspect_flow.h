/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP connections of one capture, each running the two tlsparse parsers. */
#ifndef INSPECT_FLOW_H
#define INSPECT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsp_client.h"
#include "tlsp_server.h"

#include "inspect_decode.h"
#include "inspect_stream.h"

/* Client bytes kept while the hello is incomplete: the largest hello, fragmented over records. */
#define INSPECT_CLIENT_CAP (20u * 1024u)

/* Things worth telling about a connection (bits of flow.notes). */
enum flow_note {
	NOTE_NO_SYN = 1u << 0,      /* the client's SYN was not captured */
	NOTE_CLIENT_GAP = 1u << 1,  /* client bytes missing before the hello completed */
	NOTE_SERVER_GAP = 1u << 2,  /* server bytes missing before the scan finished */
	NOTE_HOLD_CAP = 1u << 3,    /* out-of-order bytes dropped at the hold cap */
	NOTE_PAYLOAD_CUT = 1u << 4, /* a payload was cut by the snapshot length */
	NOTE_CLIENT_CAP = 1u << 5,  /* hello still incomplete after INSPECT_CLIENT_CAP bytes */
	NOTE_RESET = 1u << 6,       /* an RST was seen */
};
#define FLOW_NOTE_COUNT 7

/* What the table view shows of a ClientHello, copied before its bytes go. */
struct hello_summary {
	char sni[64];       /* printable, cut */
	char route_key[24]; /* "psk:", "tkt:" or "sid:" and a hex prefix, or "-" */
};

struct flow {
	struct flow *hash_next;
	struct flow *next; /* in order of first packet */
	struct flow_table *table;
	unsigned id;           /* 1-based, in order of first packet */
	struct endpoint ep[2]; /* ep[0] sent the first packet seen */
	int client;            /* index into ep, -1 until known */
	bool syn_seen[2];      /* ep[i] sent a SYN */
	bool closed;           /* FIN or RST seen */
	unsigned notes;
	struct stream dir[2]; /* dir[i]: the bytes ep[i] sent */

	/* client side */
	uint8_t *buf;
	size_t buf_len, buf_cap;
	size_t parse_at; /* buffer length worth parsing again at */
	bool client_done;
	enum tlsp_status client_status;
	enum tlsp_reason client_reason;
	unsigned hello_segments;
	unsigned hello_records;
	char *hello_json; /* the hello's fields, rendered while they were in reach */
	struct hello_summary summary;

	/* server side */
	bool server_fed;
	enum tlsp_status server_status;
	struct tlsp_server_scan scan;
};

struct flow_table;

/* key_name_len: 0 for the default. NULL with errno set on failure. */
struct flow_table *flow_table_new(uint8_t key_name_len);
void flow_table_free(struct flow_table *table);

/* One decoded TCP segment, in capture order. */
void flow_table_packet(struct flow_table *table, const struct tcp_packet *pkt);

/* End of capture: settle every connection (incomplete hellos, held bytes). */
void flow_table_finish(struct flow_table *table);

/* Connections in order of their first packet. */
const struct flow *flow_table_first(const struct flow_table *table);

/* Indices of client and server in flow.ep (settled after flow_table_finish). */
static inline int
flow_client(const struct flow *flow)
{
	return flow->client < 0 ? 0 : flow->client;
}

static inline int
flow_server(const struct flow *flow)
{
	return 1 - flow_client(flow);
}

/* Short name of one note bit. */
const char *flow_note_name(unsigned bit);

#endif /* INSPECT_FLOW_H */
