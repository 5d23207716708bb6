/* Integration (root): reproduce runs a smoke run again beside it, with its seed and options, and compares the two. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define SMOKE	"--profile smoke --bench vma-lock"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/results", tu_tmpdir());
	return 0;
}

static void test_reproduce(void **state)
{
	char *out = NULL, orig[PATH_MAX], pat[PATH_MAX + 32], path[PATH_MAX + 32], again[PATH_MAX];
	json_t *a, *b;
	int rc;

	(void)state;
	tu_need_root("runs a bench twice");
	rc = tu_run(&out, "./build/mmbench run " SMOKE " --seed 4242 --opt threads=1 --out %s "
		    "--label orig", root);
	if (rc)
		fail_msg("the run exited %d:\n%s", rc, out);
	free(out);
	snprintf(pat, sizeof(pat), "%s/*/*-orig", root);
	assert_int_equal(tu_glob_last(pat, orig, sizeof(orig)), 0);
	rc = tu_run(&out, "./build/mmbench reproduce %s", orig);
	if (rc != 0 && rc != 3)
		fail_msg("reproduce exited %d:\n%s", rc, out);
	assert_non_null(strstr(out, "the original's machine (A) against this one (B)"));
	/* the same machine a moment later: nothing of the run itself counts as a difference */
	assert_non_null(strstr(out, "  none: the same kernel, host and knobs"));
	assert_non_null(strstr(out, "--seed=4242"));
	assert_non_null(strstr(out, "mmbench compare: 2 sides, A is the base"));
	free(out);
	/* beside the original: the same results root, the same label */
	snprintf(pat, sizeof(pat), "%s/*/*-orig", root);
	assert_int_equal(tu_glob_last(pat, again, sizeof(again)), 0);
	assert_string_not_equal(orig, again);
	snprintf(path, sizeof(path), "%s/manifest.json", orig);
	a = tu_json(path);
	snprintf(path, sizeof(path), "%s/manifest.json", again);
	b = tu_json(path);
	assert_true(json_equal(json_object_get(a, "settings"), json_object_get(b, "settings")));
	assert_true(json_equal(json_object_get(json_object_get(a, "run_set"), "bench_order"),
			       json_object_get(json_object_get(b, "run_set"), "bench_order")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "run_set"), "seed")),
			 4242);
	json_decref(a);
	json_decref(b);

	/* bad input: one line, exit 2, nothing run */
	assert_int_equal(tu_run(&out, "./build/mmbench reproduce /nonexistent/run"), 2);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench reproduce tests/data/run-base"), 2);
	assert_non_null(strstr(out, "run_set.seed"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench reproduce %s --runs 0", orig), 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reproduce),
	};

	return cmocka_run_group_tests_name("int_reproduce", tests, setup, tu_teardown);
}
