/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The named handshakes that the unit tests check and the fuzzers start from.
 */
#ifndef TLSGEN_SCENARIOS_H
#define TLSGEN_SCENARIOS_H

#include <stddef.h>

#include "tlsgen.h"

struct tlsgen_scenario {
	const char *name;        /**< file-name safe, stable */
	const char *description;
	struct tlsgen_params params;
};

extern const struct tlsgen_scenario tlsgen_scenarios[];
extern const size_t tlsgen_n_scenarios;

/** The scenario called @p name, or NULL. */
const struct tlsgen_scenario *tlsgen_scenario_find(const char *name);

#endif /* TLSGEN_SCENARIOS_H */
