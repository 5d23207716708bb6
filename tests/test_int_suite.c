/* Integration: ./run.sh --profile smoke end to end: every bench's JSON, the manifest, the report, knobs as before. */
#include <glob.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "cmd/registry.h"

/*
 * A repetition is one measurement: no metric has more samples than the case had
 * repetitions (per-second or per-interval values would), and some metric has one
 * from each of them. Fewer is allowed: a metric a repetition could not take (a
 * collapse that did not finish has no wait time) is left out of that repetition.
 */
static void check_samples(const char *name, json_t *c, size_t reps)
{
	const char *key = json_string_value(json_object_get(c, "case"));
	size_t i, most = 0;
	json_t *m;

	json_array_foreach(json_object_get(c, "metrics"), i, m) {
		size_t n = json_array_size(json_object_get(m, "samples"));

		if (n > reps)
			fail_msg("%s %s: metric %s has %zu samples from %zu repetitions", name, key,
				 json_string_value(json_object_get(m, "name")), n, reps);
		most = n > most ? n : most;
	}
	if (most != reps)
		fail_msg("%s %s: no metric has a sample from each of %zu repetitions", name, key, reps);
}

static void check_bench(const char *dir, const char *name)
{
	char path[PATH_MAX];
	json_t *j, *c;
	size_t i, reps;
	const char *st;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	j = tu_json(path);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "mmbench/1");
	st = json_string_value(json_object_get(j, "status"));
	assert_non_null(st);
	if (!strcmp(st, "skip")) {
		/* a bench that cannot run here says why */
		assert_true(json_string_length(json_object_get(j, "reason")) > 0);
		json_decref(j);
		return;
	}
	assert_string_equal(st, "ok");
	assert_true(json_array_size(json_object_get(j, "cases")) > 0);
	reps = (size_t)json_number_value(json_object_get(json_object_get(j, "params"), "reps"));
	assert_true(reps >= 1);
	json_array_foreach(json_object_get(j, "cases"), i, c) {
		const char *cs = json_string_value(json_object_get(c, "status"));
		const char *key = json_string_value(json_object_get(c, "case"));

		if (!strcmp(cs, "skip")) {
			if (json_string_length(json_object_get(c, "reason")) == 0)
				fail_msg("%s %s: skipped without a reason", name, key);
			continue;
		}
		if (strcmp(cs, "ok"))
			fail_msg("%s %s: %s: %s", name, key, cs,
				 json_string_value(json_object_get(c, "reason")));
		/* an ok case measured something */
		assert_true(json_array_size(json_object_get(c, "metrics")) > 0);
		check_samples(name, c, reps);
	}
	json_decref(j);
}

static struct tu_harness run;

static int group_setup(void **state)
{
	*state = &run;	/* for tu_harness_teardown(): frees it and removes the temp dir */
	return 0;
}

static void test_smoke_suite(void **state)
{
	char path[PATH_MAX];
	const char *dir;
	json_t *m;

	(void)state;
	if (!tu_is_root())
		skip();
	/* waits while another run holds the machine; knobs snapshotted around the try that ran */
	tu_run_locked(&run, "./run.sh --profile smoke --label ci --out %s", tu_tmpdir());
	if (run.rc)
		fail_msg("./run.sh --profile smoke: exit %d\n%s", run.rc, run.out);
	assert_string_equal(run.knobs_before, run.knobs_after);

	dir = tu_run_dir(tu_tmpdir());
	assert_non_null(dir);
	assert_non_null(strstr(dir, "-ci"));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = tu_json(path);
	assert_non_null(json_object_get(m, "kernel"));
	assert_non_null(json_object_get(m, "knobs"));
	assert_non_null(json_object_get(m, "end_time"));
	assert_string_equal(json_string_value(json_object_get(m, "label")), "ci");
	json_decref(m);
	/* every bench of the registry: a new one is checked without a line here */
	for (int i = 0; i < nr_benches; i++)
		check_bench(dir, benches[i]->name);
	snprintf(path, sizeof(path), "%s/topology.xml", dir);
	assert_int_equal(tu_run(NULL, "grep -q '<topology' %s", path), 0);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_equal(access(path, R_OK), 0);
	/* fits an email */
	assert_int_equal(tu_run(NULL, "awk 'length > 80 { exit 1 }' %s", path), 0);
	snprintf(path, sizeof(path), "%s/log.txt", dir);
	assert_int_equal(tu_run(NULL, "grep -q 'rep 1/' %s", path), 0);
}

/* A --set value the knob does not take: one line, exit 2, no run directory, knobs as before. */
static void test_bad_set(void **state)
{
	static const char *const sets[] = { "thp.enabled=bogus", "khugepaged.max_ptes_none=100000" };
	struct tu_harness h = { 0 };

	(void)state;
	if (!tu_is_root())
		skip();
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		tu_run_locked(&h, "./build/mmbench run --bench uffd-wp --set %s --out %s/bad", sets[i],
			      tu_tmpdir());
		assert_int_equal(h.rc, 2);
		assert_non_null(strstr(h.out, "--set"));
		assert_non_null(strchr(h.out, '\n'));
		assert_null(strchr(strchr(h.out, '\n') + 1, '\n'));
		assert_string_equal(h.knobs_before, h.knobs_after);
		assert_int_equal(tu_run(NULL, "test -e %s/bad", tu_tmpdir()), 1);
	}
	tu_harness_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_set),
		cmocka_unit_test(test_smoke_suite),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);
}
