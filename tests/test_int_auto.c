/* Integration test of run --runs auto: smoke runs of uffd-wp until decided, and a budget that stops the set. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RUN "./build/mmbench run --bench uffd-wp --profile smoke --opt size=64M --no-report " \
	    "--runs auto"
/* a run of several seconds (a smoke run can take less than the 1 s budget below) */
#define RUN_LONG "./build/mmbench run --bench uffd-wp --profile quick --opt size=256M " \
		 "--no-report --runs auto"

/* The run directories of the set under @root, each manifest's run_set checked against @stop and their count. */
static size_t set_runs(const char *root, const char *stop)
{
	char pattern[4200];
	glob_t g;
	size_t n;

	snprintf(pattern, sizeof(pattern), "%s/*/*/manifest.json", root);
	if (glob(pattern, 0, NULL, &g))
		fail_msg("no run under %s", root);
	n = g.gl_pathc;
	for (size_t i = 0; i < n; i++) {
		json_t *m = tu_json(g.gl_pathv[i]), *rs = json_object_get(m, "run_set");

		assert_string_equal(json_string_value(json_object_get(rs, "runs")), "auto");
		assert_string_equal(json_string_value(json_object_get(rs, "stop")), stop);
		assert_int_equal(json_integer_value(json_object_get(rs, "runs_used")), n);
		json_decref(m);
	}
	globfree(&g);
	return n;
}

/* A loose mde is decided soon (3 runs at any sd under 16%), and the count said is the count made. */
static void test_decided(void **state)
{
	struct tu_harness h = { 0 };
	char root[4200], want[64];
	size_t n;

	(void)state;
	tu_need_root("run --runs auto");
	snprintf(root, sizeof(root), "%s/decided", tu_tmpdir());
	assert_int_equal(tu_run_locked(&h, RUN " --mde 50 --budget 10m --out %s", root), 0);
	assert_string_equal(h.knobs_before, h.knobs_after);
	n = set_runs(root, "decided");
	snprintf(want, sizeof(want), "runs auto used %zu runs in", n);
	if (n < 3 || !strstr(h.out, want) || !strstr(h.out, ": decided\n") ||
	    !strstr(h.out, "runs each needed: ") || strstr(h.out, "undecided"))
		fail_msg("%s", h.out);
	tu_harness_free(&h);
}

/* A budget shorter than a run: one run, every metric undecided and said so. */
static void test_budget(void **state)
{
	struct tu_harness h = { 0 };
	char root[4200];

	(void)state;
	tu_need_root("run --runs auto");
	snprintf(root, sizeof(root), "%s/budget", tu_tmpdir());
	assert_int_equal(tu_run_locked(&h, RUN_LONG " --budget 1s --out %s", root), 0);
	if (h.secs < 1)
		tu_skip("a quick run of uffd-wp took %.2f s, less than the 1 s budget", h.secs);
	if (!strstr(h.out, "runs auto used 1 run in") || !strstr(h.out, ": budget\n") ||
	    !strstr(h.out, "0 of ") || !strstr(h.out, "1 run, no between-run sd yet"))
		fail_msg("%s", h.out);
	assert_int_equal(set_runs(root, "budget"), 1);
	tu_harness_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decided),
		cmocka_unit_test(test_budget),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tu_cleanup();
	return rc;
}
