/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_test_util.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

const char *const cp_test_base[] = {
	"port add c dev net_ring0 role client",
	"port add s dev net_ring1 role server",
	"port add b dev net_null0 role both",
	"address add 10.0.0.1/24 port c",
	"address add 10.1.0.1/24 port s snat",
	"route add 192.168.0.0/16 via 10.1.0.254 port s",
	"neigh add 10.1.0.11 lladdr 02:00:00:01:00:0b port s",
	"service add 10.0.0.10:443",
	"service add 10.0.0.10:80",
	"backend add 10.0.0.10:443 10.1.0.11:443",
	NULL,
};

void
cp_test_apply(struct cp_config *cfg, const char *const *lines)
{
	char err[512];

	for (; *lines != NULL; lines++) {
		int rc = cp_config_apply_line(cfg, *lines, err, sizeof(err));

		if (rc != 0)
			fail_msg("\"%s\": %s", *lines, err);
	}
}

void
cp_test_base_config(struct cp_config *cfg)
{
	cp_config_init(cfg);
	cp_test_apply(cfg, cp_test_base);
}

char *
cp_test_save(const struct cp_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(cp_config_save(cfg, f), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}
