/* Unit tests of the run's cost estimate: which earlier run's seconds per repetition fit (lib/cmd/plan.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "cmd/plan.h"

/* An earlier run's manifest: numa-scan quick on 8 CPUs and 4 nodes, 20 repetitions in 230 s. */
static json_t *manifest(void)
{
	return json_pack("{s[{sssssssisisisfsf}]}", "plan", "bench", "numa-scan", "profile", "quick",
			 "options", "mode=disjoint duration=10", "cpus", 8, "nodes", 4, "units", 20,
			 "actual_s", 230.0, "estimate_s", 220.0);
}

static void test_rate_from_a_matching_run(void **state)
{
	json_t *m = manifest();
	double rate = 0;

	(void)state;
	assert_int_equal(plan_history_rate(m, "numa-scan", "quick", "mode=disjoint duration=10", 8, 4, &rate), 0);
	assert_true(rate > 11.49 && rate < 11.51);
	json_decref(m);
}

/* Another shape, profile, options or bench: its repetitions say nothing about this one's. */
static void test_no_rate_from_another_shape(void **state)
{
	json_t *m = manifest();
	double rate = -1;

	(void)state;
	assert_int_equal(plan_history_rate(m, "numa-scan", "quick", "mode=disjoint duration=10", 2, 4, &rate), -ENOENT);
	assert_int_equal(plan_history_rate(m, "numa-scan", "quick", "mode=disjoint duration=10", 8, 2, &rate), -ENOENT);
	assert_int_equal(plan_history_rate(m, "numa-scan", "smoke", "mode=disjoint duration=10", 8, 4, &rate), -ENOENT);
	assert_int_equal(plan_history_rate(m, "numa-scan", "quick", "mode=disjoint duration=3", 8, 4, &rate), -ENOENT);
	assert_int_equal(plan_history_rate(m, "thp", "quick", "mode=disjoint duration=10", 8, 4, &rate), -ENOENT);
	assert_true(rate == -1);
	json_decref(m);
}

/* A run that was stopped (no time or no repetitions recorded) and a manifest without a plan. */
static void test_no_rate_from_nothing(void **state)
{
	json_t *m = json_pack("{s[{sssssssisisisf}]}", "plan", "bench", "thp", "profile", "quick", "options", "",
			      "cpus", 8, "nodes", 4, "units", 0, "actual_s", 5.0);
	json_t *empty = json_object();
	double rate = -1;

	(void)state;
	assert_int_equal(plan_history_rate(m, "thp", "quick", "", 8, 4, &rate), -ENOENT);
	assert_int_equal(plan_history_rate(empty, "thp", "quick", "", 8, 4, &rate), -ENOENT);
	json_decref(m);
	json_decref(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_from_a_matching_run),
		cmocka_unit_test(test_no_rate_from_another_shape),
		cmocka_unit_test(test_no_rate_from_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
