/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recorded handshakes the stream tests run on: each tlsgen scenario with
 * what it is meant to show, so that a scenario that silently stopped doing
 * its job (no resumption, no HRR, a small hello) fails rather than passes.
 */
#ifndef UNIT_SCENARIOS_H
#define UNIT_SCENARIOS_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsp_server.h"
#include "tlsgen.h"

struct unit_scenario {
	const char *name;          /* in tlsgen_scenarios[] */
	int version;               /* OpenSSL must negotiate this */
	enum tlsp_verdict verdict; /* the kind of handshake it is for */
	bool hrr;                  /* a HelloRetryRequest must happen */
	bool ticket_issued;        /* the server must issue a ticket in it */
	size_t hello_over;         /* the hello must be longer than this */
	unsigned min_records;      /* ...and span at least this many records */

	/* filled by unit_scenarios_setup() */
	const struct tlsgen_params *params;
	struct tlsgen_result result;
};

extern struct unit_scenario unit_scenarios[];
extern const size_t unit_n_scenarios;

/* cmocka group fixtures: run every scenario's handshakes once. */
int unit_scenarios_setup(void **state);
int unit_scenarios_teardown(void **state);

/* Assert the scenario did what its row says. */
void unit_scenario_check(const struct unit_scenario *sc);

/* The verdict OpenSSL's own account implies: SSL_session_reused, version, what was offered. */
enum tlsp_verdict unit_expected_verdict(const struct tlsgen_result *result);

#endif /* UNIT_SCENARIOS_H */
