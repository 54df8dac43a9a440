/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --table view: one aligned line per connection with what an operator
 * looks at first: endpoints, SNI, parse status, resumption verdict, how the
 * hello was split, and the key that would route it.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsp_server.h"

#include "inspect_table.h"

enum table_column {
	COL_CONN,
	COL_CLIENT,
	COL_SERVER,
	COL_SNI,
	COL_STATUS,
	COL_VERDICT,
	COL_SPLIT,
	COL_KEY,
	COL_NST,
	COL__COUNT
};

#define CELL_MAX 80

struct table_row {
	char cell[COL__COUNT][CELL_MAX];
};

static const char *const column_titles[COL__COUNT] = {
	"CONN", "CLIENT", "SERVER", "SNI", "STATUS", "VERDICT", "SEG/REC", "ROUTE-KEY", "NST-KEY",
};

/* Hex of at most max bytes, into buf (at least 2 * max + 1 bytes). */
static void
hex_prefix(char *buf, const uint8_t *p, size_t len, size_t max)
{
	size_t i;

	if (len > max)
		len = max;
	for (i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * len] = '\0';
}

void
table_hello_summary(const struct tlsp_client_hello *hello, struct hello_summary *summary)
{
	const struct tlsp_bytes *key = NULL;
	const char *kind = "";
	char hex[17];
	size_t i, n = hello->sni.len;

	if (n > sizeof(summary->sni) - 1)
		n = sizeof(summary->sni) - 1;
	for (i = 0; i < n; i++) {
		uint8_t c = hello->sni.ptr[i];

		summary->sni[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	summary->sni[n] = '\0';

	/* the same order of preference as the balancer's routing rules */
	if (hello->has_psk && hello->n_psk_identities > 0) {
		key = &hello->psk[0].key_name;
		kind = "psk:";
	} else if (hello->ticket == TLSP_TICKET_PRESENT) {
		key = &hello->ticket_key_name;
		kind = "tkt:";
	} else if (hello->session_id.len != 0 && !hello->tls13_offered) {
		key = &hello->session_id;
		kind = "sid:";
	}
	if (key == NULL) {
		strcpy(summary->route_key, "-");
		return;
	}
	hex_prefix(hex, key->ptr, key->len, 8);
	snprintf(summary->route_key, sizeof(summary->route_key), "%s%s", kind, hex);
}

static void
endpoint_cell(char *cell, const struct endpoint *ep)
{
	char addr[ENDPOINT_ADDRSTRLEN];

	endpoint_address(ep, addr, sizeof(addr));
	if (ep->family == 6)
		snprintf(cell, CELL_MAX, "[%s]:%u", addr, ep->port);
	else
		snprintf(cell, CELL_MAX, "%s:%u", addr, ep->port);
}

static void
fill_row(struct table_row *row, const struct flow *flow)
{
	const struct tlsp_server_flight *res = &flow->scan.result;
	bool hello_ok = flow->hello_json != NULL;

	snprintf(row->cell[COL_CONN], CELL_MAX, "%u", flow->id);
	endpoint_cell(row->cell[COL_CLIENT], &flow->ep[flow_client(flow)]);
	endpoint_cell(row->cell[COL_SERVER], &flow->ep[flow_server(flow)]);
	snprintf(row->cell[COL_SNI], CELL_MAX, "%s",
		 hello_ok && flow->summary.sni[0] != '\0' ? flow->summary.sni : "-");

	if (flow->dir[flow_client(flow)].delivered == 0)
		snprintf(row->cell[COL_STATUS], CELL_MAX, "no_payload");
	else if (flow->client_status == TLSP_OK || flow->client_status == TLSP_NEED_MORE)
		snprintf(row->cell[COL_STATUS], CELL_MAX, "%s",
			 tlsp_status_name(flow->client_status));
	else
		snprintf(row->cell[COL_STATUS], CELL_MAX, "%s/%s",
			 tlsp_status_name(flow->client_status),
			 tlsp_reason_name(flow->client_reason));

	if (!flow->server_fed)
		snprintf(row->cell[COL_VERDICT], CELL_MAX, "-");
	else if (flow->server_status == TLSP_NOT_TLS || flow->server_status == TLSP_MALFORMED)
		snprintf(row->cell[COL_VERDICT], CELL_MAX, "%s/%s",
			 tlsp_status_name(flow->server_status),
			 tlsp_reason_name(flow->scan.reason));
	else
		snprintf(row->cell[COL_VERDICT], CELL_MAX, "%s", tlsp_verdict_name(res->verdict));

	if (hello_ok)
		snprintf(row->cell[COL_SPLIT], CELL_MAX, "%u/%u", flow->hello_segments,
			 flow->hello_records);
	else
		snprintf(row->cell[COL_SPLIT], CELL_MAX, "%u/-", flow->hello_segments);
	snprintf(row->cell[COL_KEY], CELL_MAX, "%s", hello_ok ? flow->summary.route_key : "-");
	if (flow->server_fed && res->nst_seen)
		hex_prefix(row->cell[COL_NST], res->nst_key_name, res->nst_key_name_len, 8);
	else
		snprintf(row->cell[COL_NST], CELL_MAX, "-");
}

static void
print_row(FILE *out, const char *const *cells, const size_t *width)
{
	int col;

	for (col = 0; col < COL__COUNT; col++) {
		if (col == COL__COUNT - 1)
			fprintf(out, "%s\n", cells[col]);
		else
			fprintf(out, "%-*s  ", (int)width[col], cells[col]);
	}
}

void
table_print(FILE *out, const char *file, const struct flow_table *table)
{
	const struct flow *flow;
	struct table_row *rows;
	size_t width[COL__COUNT], n = 0, i;
	const char *cells[COL__COUNT];
	int col;

	for (flow = flow_table_first(table); flow != NULL; flow = flow->next)
		n++;
	fprintf(out, "# %s: %zu connection%s\n", file, n, n == 1 ? "" : "s");
	rows = calloc(n != 0 ? n : 1, sizeof(*rows));
	if (rows == NULL) {
		fprintf(out, "# (out of memory)\n");
		return;
	}
	for (col = 0; col < COL__COUNT; col++)
		width[col] = strlen(column_titles[col]);
	for (flow = flow_table_first(table), i = 0; flow != NULL; flow = flow->next, i++) {
		fill_row(&rows[i], flow);
		for (col = 0; col < COL__COUNT; col++)
			if (strlen(rows[i].cell[col]) > width[col])
				width[col] = strlen(rows[i].cell[col]);
	}
	print_row(out, column_titles, width);
	for (i = 0; i < n; i++) {
		for (col = 0; col < COL__COUNT; col++)
			cells[col] = rows[i].cell[col];
		print_row(out, cells, width);
	}
	free(rows);
}
