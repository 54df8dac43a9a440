/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <openssl/ssl.h>

#include "tlsgen_scenarios.h"
#include "unit_scenarios.h"
#include "unit_util.h"

/* A TCP segment on a 1500-byte Ethernet MTU. */
#define ONE_SEGMENT 1460u

struct unit_scenario unit_scenarios[] = {
	{ .name = "tls12_full_session_id", .version = TLS1_2_VERSION,
	  .verdict = TLSP_VERDICT_FULL },
	{ .name = "tls12_resume_session_id", .version = TLS1_2_VERSION,
	  .verdict = TLSP_VERDICT_RESUMED_SESSION_ID },
	{ .name = "tls12_ticket_issue", .version = TLS1_2_VERSION,
	  .verdict = TLSP_VERDICT_FULL, .ticket_issued = true },
	{ .name = "tls12_ticket_resume", .version = TLS1_2_VERSION,
	  .verdict = TLSP_VERDICT_RESUMED_TICKET },
	{ .name = "tls13_full", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_FULL, .ticket_issued = true },
	{ .name = "tls13_psk_resume", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_RESUMED_PSK },
	{ .name = "tls13_hrr", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_FULL, .hrr = true, .ticket_issued = true },
	{ .name = "big_hello", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_RESUMED_PSK, .hello_over = ONE_SEGMENT },
	{ .name = "many_records", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_FULL, .ticket_issued = true, .min_records = 3 },
	{ .name = "sni_alpn", .version = TLS1_3_VERSION,
	  .verdict = TLSP_VERDICT_FULL, .ticket_issued = true },
};

const size_t unit_n_scenarios = sizeof(unit_scenarios) / sizeof(unit_scenarios[0]);

int
unit_scenarios_setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < unit_n_scenarios; i++) {
		struct unit_scenario *sc = &unit_scenarios[i];
		const struct tlsgen_scenario *gen = tlsgen_scenario_find(sc->name);

		if (!gen) {
			fprintf(stderr, "no tlsgen scenario '%s'\n", sc->name);
			return -1;
		}
		sc->params = &gen->params;
		if (tlsgen_run(sc->params, &sc->result) < 0) {
			fprintf(stderr, "tlsgen failed for '%s'\n", sc->name);
			return -1;
		}
	}
	return 0;
}

int
unit_scenarios_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < unit_n_scenarios; i++)
		tlsgen_result_free(&unit_scenarios[i].result);
	return 0;
}

enum tlsp_verdict
unit_expected_verdict(const struct tlsgen_result *r)
{
	if (!r->reused)
		return TLSP_VERDICT_FULL;
	if (r->version >= TLS1_3_VERSION)
		return TLSP_VERDICT_RESUMED_PSK;
	return r->ticket_offered ? TLSP_VERDICT_RESUMED_TICKET : TLSP_VERDICT_RESUMED_SESSION_ID;
}

void
unit_scenario_check(const struct unit_scenario *sc)
{
	const struct tlsgen_result *r = &sc->result;

	assert_int_equal(r->version, sc->version);
	assert_int_equal(unit_expected_verdict(r), sc->verdict);
	assert_int_equal(r->hrr, sc->hrr);
	assert_int_equal(r->ticket_issued, sc->ticket_issued);
	assert_true(r->hello.seen);
	assert_true(r->client_hello_len > 0);
	assert_true(r->client_hello_len <= r->client.len);
	assert_true(r->client_hello_len > sc->hello_over);
	assert_true(r->server.len > 0);
	/* min_records: checked where the records are counted, by the parser test */
}
