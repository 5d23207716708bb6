/*
 * Integration (root): run --max-time stops adding repetitions when the next would overrun,
 * ends within the bound, and records what it left out (never as numbers).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/*
 * numa-scan's repetitions last their `duration` (3 s in smoke) whatever the machine: 4
 * cases of 2 repetitions are about 25 s, which 10 s cannot hold.
 */
#define LIMIT_S	10
#define REPS	2

static void test_max_time_stops(void **state)
{
	struct tu_harness h = { 0 };
	char root[PATH_MAX], path[PATH_MAX + 32], line[PATH_MAX];
	json_int_t skipped = 0, listed = 0;
	json_t *m, *mt, *c, *e;
	size_t i;

	(void)state;
	tu_need_root("runs numa-scan, which sets kernel.numa_balancing");
	snprintf(root, sizeof(root), "%s/results", tu_tmpdir());
	tu_bench_run(&h, "numa-scan", root, "--profile smoke --no-report --reps 2 --max-time 10s");
	tu_need_bench(&h, "numa-scan under --max-time 10s");
	/* the run itself, less the harness's start and its files, stays within the bound */
	if (h.secs > LIMIT_S + 2)
		fail_msg("the run took %.1f s under --max-time %d s:\n%s", h.secs, LIMIT_S, h.out);
	assert_non_null(strstr(h.out, "max-time: skipped "));
	/* the run directory stays the last line of stdout */
	tu_last_line(h.out, line, sizeof(line));
	assert_non_null(strstr(line, root));

	json_array_foreach(json_object_get(h.bench, "cases"), i, c) {
		json_t *reps_skipped = json_object_get(c, "reps_skipped");
		size_t samples = 0;
		json_t *mv;
		size_t k;

		/* every repetition either ran (a sample of each metric) or is counted as skipped */
		json_array_foreach(json_object_get(c, "metrics"), k, mv)
			if (json_array_size(json_object_get(mv, "samples")) > samples)
				samples = json_array_size(json_object_get(mv, "samples"));
		assert_int_equal(samples + json_integer_value(reps_skipped), REPS);
		skipped += json_integer_value(reps_skipped);
		if (!reps_skipped)
			continue;
		if (!samples) {
			assert_string_equal(json_string_value(json_object_get(c, "status")), "skip");
			assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "--max-time"));
		} else {
			assert_non_null(strstr(json_string_value(json_object_get(c, "short")),
					       "--max-time: 1 of 2 repetitions ran"));
		}
	}
	assert_true(skipped >= 1);

	snprintf(path, sizeof(path), "%s/manifest.json", line);
	m = tu_json(path);
	mt = json_object_get(m, "max_time");
	assert_true(json_number_value(json_object_get(mt, "limit_s")) == LIMIT_S);
	assert_true(json_number_value(json_object_get(mt, "spent_s")) <= LIMIT_S);
	assert_int_equal(json_integer_value(json_object_get(mt, "reps_skipped")), skipped);
	json_array_foreach(json_object_get(mt, "skipped"), i, e) {
		assert_string_equal(json_string_value(json_object_get(e, "bench")), "numa-scan");
		assert_non_null(tu_case(h.bench, json_string_value(json_object_get(e, "case"))));
		listed += json_integer_value(json_object_get(e, "reps_skipped"));
	}
	assert_int_equal(listed, skipped);
	json_decref(m);
	tu_harness_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_time_stops),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
