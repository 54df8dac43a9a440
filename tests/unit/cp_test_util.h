/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the control/ (cp_) unit tests. */
#ifndef CP_TEST_UTIL_H
#define CP_TEST_UTIL_H

#include <stddef.h>
#include <string.h>

#include "cp_config.h"

#define CP_TEST_N(a) (sizeof(a) / sizeof((a)[0]))

/* Byte equality of two configs (cmocka's assert_memory_equal is slow on 150 KiB). */
#define cp_assert_same_config(a, b)                                   \
	do {                                                          \
		if (memcmp((a), (b), sizeof(struct cp_config)) != 0)  \
			fail_msg("configs differ: %s vs %s", #a, #b); \
	} while (0)

/*
 * A small two-arm config every line fixture starts from: ports c (client),
 * s (server), b (both); addresses 10.0.0.1/24 on c, 10.1.0.1/24 snat on s;
 * a route 192.168.0.0/16 via 10.1.0.254 on s; a neighbour 10.1.0.11 on s;
 * services 10.0.0.10:443 and 10.0.0.10:80; backend 10.1.0.11:443 in the first.
 */
extern const char *const cp_test_base[];

/* Apply NULL-terminated @lines to @cfg, failing the test on any error. */
void cp_test_apply(struct cp_config *cfg, const char *const *lines);

/* cp_config_init() then cp_test_base. */
void cp_test_base_config(struct cp_config *cfg);

/* Text of cp_config_save(@cfg), malloc'ed; fails the test on error. */
char *cp_test_save(const struct cp_config *cfg);

#endif
