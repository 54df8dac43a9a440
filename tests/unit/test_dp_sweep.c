/* SPDX-License-Identifier: BSD-3-Clause */
/* The clock-paced timer sweep (dp_sweep.h): a range once per period, however
 * the ticks fall; capped per tick; one range owed at most. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dp_sweep.h"

/* Ticks many times a millisecond: over one period the whole range, spread. */
static void test_once_per_period(void **state)
{
	struct dp_sweep s = { .last_ms = 1000 };
	unsigned total = 0, per_tick_max = 0;

	(void)state;
	for (uint32_t ms = 1000; ms < 1500; ms++)
		for (int k = 0; k < 300; k++) {
			unsigned n = dp_sweep_budget(&s, ms + 1, 1000000, 500, 1024);

			total += n;
			per_tick_max = n > per_tick_max ? n : per_tick_max;
		}
	assert_int_equal(total, 1000000);
	assert_int_equal(per_tick_max, 1024); /* 2000 owed each ms, at most 1024 a tick */
}

/* A small range: fractions carry over, nothing is lost or doubled. */
static void test_fractions_carry(void **state)
{
	struct dp_sweep s = { .last_ms = 0 };
	unsigned total = 0;

	(void)state;
	for (uint32_t ms = 1; ms <= 1000; ms++)
		total += dp_sweep_budget(&s, ms, 7, 50, 1024);
	assert_int_equal(total, 7 * 1000 / 50);
	/* no time passed: nothing owed */
	assert_int_equal(dp_sweep_budget(&s, 1000, 7, 50, 1024), 0);
}

/* After a pause (or the first call): one whole range, over several ticks,
 * then the normal pace again. */
static void test_pause_owes_one_range(void **state)
{
	struct dp_sweep s = { .last_ms = 5 };
	unsigned total = 0, n;

	(void)state;
	n = dp_sweep_budget(&s, 60005, 3000, 500, 1024);
	assert_int_equal(n, 1024);
	total = n;
	while ((n = dp_sweep_budget(&s, 60005, 3000, 500, 1024)) > 0)
		total += n;
	assert_int_equal(total, 3000);
	assert_int_equal(dp_sweep_budget(&s, 60006, 3000, 500, 1024), 6);
}

/* The worker clock wraps (uint32_t ms, every 49 days). */
static void test_clock_wraps(void **state)
{
	struct dp_sweep s = { .last_ms = UINT32_MAX - 1 };

	(void)state;
	assert_int_equal(dp_sweep_budget(&s, 2, 1000, 500, 1024), 8); /* 4 ms */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_period),
		cmocka_unit_test(test_fractions_carry),
		cmocka_unit_test(test_pause_owes_one_range),
		cmocka_unit_test(test_clock_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
