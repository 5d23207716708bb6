/* Unit tests of the run's cost estimate: which earlier run's seconds per repetition fit (lib/cmd/plan.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "cmd/plan.h"
#include "cmd/registry.h"
#include "core/driver.h"
#include "sys/kconfig.h"
#include "sys/topology.h"

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

static const struct bench *bench_named(const char *name)
{
	for (int i = 0; i < nr_benches; i++)
		if (!strcmp(benches[i]->name, name))
			return benches[i];
	fail_msg("no bench %s", name);
	return NULL;
}

/*
 * Before any history, the bench's own model: vma-lock's quick repetition lasts its warmup
 * and samples (200 ms + 2 x 250 ms) plus 0.04 s, for each of its 10 cases, 5 times;
 * a case skipped costs nothing. With a run of this shape under the root, its rate wins.
 */
static void test_model_then_history(void **state)
{
	const struct bench *b = bench_named("vma-lock");
	struct run_args a = { .profile = PROFILE_QUICK, .out_root = tu_tmpdir() };
	struct case_list list = { 0 };
	struct bench_ctx ctx;
	struct plan p;
	const char *why;
	char path[4096], *text;
	json_t *e;

	(void)state;
	assert_int_equal(bench_ctx_init(&ctx, b, &a, NULL, NULL), 0);
	assert_int_equal(driver_bench_start(&ctx, &list, &why), 0);
	assert_int_equal(list.nr, 10);
	plan_begin(&p, &ctx, &list, a.out_root, NULL);
	assert_true(p.est_s > 36.99 && p.est_s < 37.01);
	assert_non_null(strstr(p.source, "model"));
	list.cases[0].status = CASE_SKIP;
	plan_begin(&p, &ctx, &list, a.out_root, NULL);
	assert_int_equal(p.units, 45);
	assert_true(p.est_s > 33.29 && p.est_s < 33.31);
	/* an earlier run here of the same shape: 90 s for its 45 repetitions, 2 s each */
	list.cases[0].status = CASE_PENDING;
	e = plan_end(&p, &ctx);
	/* nothing ran here: the entry says so, and history would pass over it */
	assert_int_equal(json_integer_value(json_object_get(e, "units")), 0);
	json_object_set_new(e, "actual_s", json_real(90.0));
	json_object_set_new(e, "units", json_integer(45));
	text = json_dumps(e, 0);
	snprintf(path, sizeof(path), "%s/%s/20260101-000000/manifest.json", a.out_root, kernel_release());
	tu_write_file(path, "{\"plan\": [%s]}", text);
	free(text);
	json_decref(e);
	plan_begin(&p, &ctx, &list, a.out_root, NULL);
	assert_true(p.est_s > 99.99 && p.est_s < 100.01);
	assert_non_null(strstr(p.source, "history: run "));
	case_list_free(&list);
	bench_ctx_fini(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_from_a_matching_run),
		cmocka_unit_test(test_no_rate_from_another_shape),
		cmocka_unit_test(test_no_rate_from_nothing),
		cmocka_unit_test(test_max_time_decision),
		cmocka_unit_test(test_next_rep_estimate),
		cmocka_unit_test(test_model_then_history),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
