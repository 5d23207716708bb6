/* Cases and results: keys from params, samples, counters and vmstat written as mmbench/1 and read back. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include "testutil.h"
#include "core/bench.h"
#include "core/options.h"
#include "results/results_write.h"

static const struct bench_opt opts[] = {
	{ .name = "size", .type = OPT_SIZE, .def = { "64M" }, .min = 4096, .help = "region" },
	{ 0 },
};

static const struct bench fake = {
	.name = "fake-bench", .summary = "a test", .unit_of_work = "one thing", .opts = opts,
	.families = (const char *const[]){ "total_us us_per_thing", NULL },
};

static void test_case_key(void **state)
{
	struct case_list l = { 0 };
	struct bench_case *c;

	(void)state;
	c = case_new(&l);
	case_param_str(c, "mode", "pre-read");
	case_param_num(c, "threads", 2);
	case_freeze_key(c);
	/* a param added at run time is information, not part of the key */
	case_param_str(c, "fault_around_bytes", "unreadable: EPERM");
	case_freeze_key(c);
	assert_string_equal(c->key, "mode=pre-read threads=2");
	assert_false(case_param(c, "fault_around_bytes")->in_key);
	/* setting a param again replaces it */
	case_param_num(c, "threads", 4);
	assert_int_equal(c->nr_params, 3);
	assert_true(case_param(c, "threads")->num == 4);
	case_list_free(&l);
}

static void test_round_trip(void **state)
{
	struct opt_values *v = opt_values_new(&fake, PROFILE_SMOKE);
	struct bench_ctx ctx = { .bench = &fake, .opts = v, .reps = 3, .profile = PROFILE_SMOKE };
	struct case_list l = { 0 };
	struct bench_case *c;
	char path[PATH_MAX];
	json_t *j, *jc, *m;

	(void)state;
	c = case_new(&l);
	case_param_str(c, "mode", "pre-read");
	case_param_num(c, "threads", 2);
	case_knob(c, "thp.enabled", "never");
	case_freeze_key(c);
	for (int i = 0; i < 5; i++)
		case_metric(c, "total_us", "us", BETTER_LOWER, 100 + i);
	case_metric(c, "odd", "ns", BETTER_HIGHER, NAN);
	case_metric(c, "us_per_thing", "us", BETTER_LOWER, 1);
	case_counter(c, "minor-faults", true, NULL, 10, 5, 5);
	case_counter(c, "minor-faults", true, NULL, 20, 5, 5);
	case_counter(c, "cycles", false, "not supported", 0, 0, 0);
	case_vmstat(c, "thp_fault_alloc", 3);
	case_vmstat(c, "thp_fault_alloc", 4);
	c->status = CASE_OK;
	c = case_new(&l);
	case_param_str(c, "mode", "wp-unpopulated");
	case_freeze_key(c);
	case_skip(c, "kernel lacks UFFD_FEATURE_WP_UNPOPULATED");

	assert_int_equal(results_write(tu_tmpdir(), &ctx, &l, "ok", NULL), 0);
	snprintf(path, sizeof(path), "%s/fake-bench.json", tu_tmpdir());
	j = tu_json(path);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "mmbench/1");
	assert_string_equal(json_string_value(json_object_get(j, "bench")), "fake-bench");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "params"), "size")), "64M");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "params"), "reps")), 3);

	jc = tu_case(j, "mode=pre-read threads=2");
	assert_non_null(jc);
	assert_string_equal(json_string_value(json_object_get(jc, "status")), "ok");
	assert_true(json_is_null(json_object_get(jc, "reason")));
	assert_true(json_number_value(json_object_get(json_object_get(jc, "params"), "threads")) == 2);
	assert_true(tu_median(jc, "total_us") == 102);
	m = json_array_get(json_object_get(jc, "metrics"), 0);
	assert_int_equal(json_array_size(json_object_get(m, "samples")), 5);
	assert_string_equal(json_string_value(json_object_get(m, "better")), "lower");
	assert_string_equal(json_string_value(json_object_get(m, "unit")), "us");
	/* a family is named by its first metric, on every member, and on no other metric */
	assert_string_equal(json_string_value(json_object_get(m, "family")), "total_us");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(jc,
			    "metrics"), 2), "family")), "total_us");
	assert_null(json_object_get(json_array_get(json_object_get(jc, "metrics"), 1), "family"));
	/* a value that is not a number is written as null, and the file still parses */
	m = json_array_get(json_object_get(jc, "metrics"), 1);
	assert_true(json_is_null(json_array_get(json_object_get(m, "samples"), 0)));
	assert_true(tu_counter(jc, "minor-faults") == 30);
	assert_true(tu_counter(jc, "cycles") == -1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_object_get(jc, "counters"), "cycles"), "reason")), "not supported");
	assert_true(tu_vmstat(jc, "thp_fault_alloc") == 7);
	assert_string_equal(json_string_value(json_object_get(json_object_get(jc, "knobs"),
							       "thp.enabled")), "never");

	jc = tu_case(j, "mode=wp-unpopulated");
	assert_non_null(jc);
	assert_string_equal(json_string_value(json_object_get(jc, "status")), "skip");
	assert_string_equal(json_string_value(json_object_get(jc, "reason")),
			    "kernel lacks UFFD_FEATURE_WP_UNPOPULATED");
	json_decref(j);
	case_list_free(&l);
	opt_values_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_key),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);	/* the temp dir, also after a failure */
}
