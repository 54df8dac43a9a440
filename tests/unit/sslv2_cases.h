/* SPDX-License-Identifier: BSD-3-Clause */
/* SSLv2-compatible ClientHellos, built by the test from RFC 5246 appendix E.2. */
#ifndef SSLV2_CASES_H
#define SSLV2_CASES_H

#include "unit_util.h"

void sslv2_add_tests(struct unit_table *table);

#endif /* SSLV2_CASES_H */
