/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsgen_scenarios.h"
#include "tlsroute_hs.h"

struct trh trh[TRH__COUNT] = {
	[TRH_T12_SID] = { .scenario = "tls12_resume_session_id" },
	[TRH_T12_TICKET] = { .scenario = "tls12_ticket_resume" },
	[TRH_T13_PSK] = { .scenario = "tls13_psk_resume" },
	[TRH_T12_SID_FULL] = { .scenario = "tls12_full_session_id" },
	[TRH_T12_TICKET_FULL] = { .scenario = "tls12_ticket_issue" },
	[TRH_T13_FULL] = { .scenario = "tls13_full" },
	[TRH_T13_HRR] = { .scenario = "tls13_hrr" },
};

static uint8_t *dup(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d != NULL && len)
		memcpy(d, p, len);
	return d;
}

/* Parse the hello at the start of the client stream, scan the whole server stream. */
static int conn_load(struct trh_conn *c, const struct tlsgen_stream *client,
		     const struct tlsgen_stream *server, const char *what)
{
	struct tlsp_client_opts opts = { 0 };
	struct tlsp_server_scan scan;
	enum tlsp_reason reason = TLSP_R_NONE;
	enum tlsp_status st;

	c->client = dup(client->data, client->len);
	c->server = dup(server->data, server->len);
	c->scratch = malloc(TLSP_SCRATCH_SIZE);
	if (c->client == NULL || c->server == NULL || c->scratch == NULL)
		return -1;
	c->client_len = client->len;
	c->server_len = server->len;
	opts.scratch = c->scratch;
	opts.scratch_len = TLSP_SCRATCH_SIZE;
	st = tlsp_client_hello_parse(c->client, c->client_len, &opts, &c->ch, NULL, &reason);
	if (st != TLSP_OK) {
		fprintf(stderr, "%s: hello %s (%s)\n", what, tlsp_status_name(st),
			tlsp_reason_name(reason));
		return -1;
	}
	tlsp_server_scan_init(&scan, &c->ch, 0);
	c->scan = tlsp_server_scan_feed(&scan, c->server, c->server_len);
	c->sf = scan.result;
	if (c->scan != TLSP_OK) {
		fprintf(stderr, "%s: server flight %s\n", what, tlsp_status_name(c->scan));
		return -1;
	}
	return 0;
}

static void conn_free(struct trh_conn *c)
{
	free(c->client);
	free(c->server);
	free(c->scratch);
	memset(c, 0, sizeof(*c));
}

int trh_setup(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < TRH__COUNT; i++) {
		struct trh *h = &trh[i];
		const struct tlsgen_scenario *sc = tlsgen_scenario_find(h->scenario);

		if (sc == NULL || tlsgen_run(&sc->params, &h->r) < 0) {
			fprintf(stderr, "tlsgen scenario %s failed\n", h->scenario);
			return -1;
		}
		h->pair = sc->params.resume;
		if (h->pair && conn_load(&h->first, &h->r.first_client, &h->r.first_server,
					 h->scenario) < 0)
			return -1;
		if (conn_load(&h->rec, &h->r.client, &h->r.server, h->scenario) < 0)
			return -1;
	}
	return 0;
}

int trh_teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < TRH__COUNT; i++) {
		conn_free(&trh[i].first);
		conn_free(&trh[i].rec);
		tlsgen_result_free(&trh[i].r);
	}
	return 0;
}

const char *trh_hex(const uint8_t *b, size_t n)
{
	static char buf[2 * 32 + 1];
	size_t i;

	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	buf[2 * n] = '\0';
	return buf;
}
