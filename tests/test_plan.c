/* Unit tests of the run's cost estimate: which earlier run's seconds per repetition fit (lib/cmd/plan.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "cmd/plan.h"
#include "core/driver.h"

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

#define S	1000000000ull	/* ns */

/* --max-time: a repetition starts only if it would end by the deadline; one of unknown cost while time is left. */
static void test_max_time_decision(void **state)
{
	(void)state;
	/* no bound: everything runs, however late or long */
	assert_true(driver_rep_fits(1000 * S, 0, 1e6));
	/* 10 s left: a 9.9 s repetition fits, 10 s just does, 10.1 s does not */
	assert_true(driver_rep_fits(90 * S, 100 * S, 9.9));
	assert_true(driver_rep_fits(90 * S, 100 * S, 10.0));
	assert_false(driver_rep_fits(90 * S, 100 * S, 10.1));
	/* unknown cost: runs while any time is left, never after the deadline */
	assert_true(driver_rep_fits(99 * S, 100 * S, -1));
	assert_false(driver_rep_fits(100 * S, 100 * S, -1));
	assert_false(driver_rep_fits(101 * S, 100 * S, 0.0));
}

/* The next repetition's cost: the bench's own so far (setup shared among them), else the plan's. */
static void test_next_rep_estimate(void **state)
{
	struct bench_ctx ctx = { .start_ns = 100 * S, .rep_est_s = 11.0 };
	struct plan p = { .units = 20, .est_s = 220.0 };
	struct plan none = { .units = 20, .est_s = -1 };

	(void)state;
	assert_true(driver_next_rep_s(&ctx, 130 * S) == 11.0);
	ctx.reps_run = 3;
	/* 30 s for 3 repetitions: 10 s each, whatever the plan said */
	assert_true(driver_next_rep_s(&ctx, 130 * S) > 9.999 && driver_next_rep_s(&ctx, 130 * S) < 10.001);
	ctx.reps_run = 0;
	ctx.rep_est_s = -1;
	assert_true(driver_next_rep_s(&ctx, 130 * S) < 0);
	/* the plan's estimate a repetition: 220 s over 20 */
	assert_true(plan_rep_s(&p) > 10.999 && plan_rep_s(&p) < 11.001);
	assert_true(plan_rep_s(&none) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_from_a_matching_run),
		cmocka_unit_test(test_no_rate_from_another_shape),
		cmocka_unit_test(test_no_rate_from_nothing),
		cmocka_unit_test(test_max_time_decision),
		cmocka_unit_test(test_next_rep_estimate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
