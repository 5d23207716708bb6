/*
 * Unit tests of `mmbench trend` and `mmbench bisect-decide` on synthetic archives: version
 * order, a step found at the right kernel, a noisy flat series without change points, a
 * kernel of one run that cannot start one, corrupt runs skipped by name, bad input refused.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "synrun.h"

#define TREND	"./build/mmbench trend --bench fake --metric m"

static json_t *trend_json(const char *root, char **out)
{
	char path[4200];
	json_t *j;

	snprintf(path, sizeof(path), "%s/trend.json", tu_tmpdir());
	if (tu_run(out, TREND " --root %s --json %s", root, path))
		fail_msg("trend failed:\n%s", out ? *out : "");
	j = tu_json(path);
	unlink(path);
	return j;
}

static json_t *rows_of(json_t *j)
{
	return json_object_get(json_array_get(json_object_get(j, "cases"), 0), "kernels");
}

static const char *kernel_at(json_t *j, size_t i)
{
	return json_string_value(json_object_get(json_array_get(rows_of(j), i), "kernel"));
}

static void test_order(void **state)
{
	static const char *const order[] = {
		"6.1.0-56-cloud-amd64", "6.1.0-57-cloud-amd64", "6.12.0-rc3", "6.12.0-rc10",
		"6.12.117+deb12-cloud-amd64", "6.18.44-fc-v657", "zz-old", "my-kernel",
	};
	/* written out of order; the unparsable two by the date of their first run */
	static const int written[] = { 4, 2, 7, 0, 5, 3, 6, 1 };
	char root[4200];
	double x[3] = { 1, 1.01, 0.99 };
	json_t *j;

	(void)state;
	snprintf(root, sizeof(root), "%s/order", tu_tmpdir());
	for (int i = 0; i < 8; i++) {
		int k = written[i];

		syn_run(root, order[k], k == 6 ? "2025-01-01T00:00:00Z" : "2026-01-01T00:00:00Z",
			"r1", x, 3, "mmbench/1");
	}
	j = trend_json(root, NULL);
	assert_int_equal(json_array_size(rows_of(j)), 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(kernel_at(j, i), order[i]);
	json_decref(j);
}

/* Six kernels, two runs each, at @level[k] with a little spread (@spread). */
static void series(const char *root, const double *level, double spread)
{
	char rel[32];

	for (int k = 0; k < 6; k++) {
		snprintf(rel, sizeof(rel), "6.%d.0", k + 1);
		syn_level(root, rel, "r1", level[k], spread, k);
		syn_level(root, rel, "r2", level[k] * (1 + spread * ((k % 2) ? 1 : -1)), spread, k + 1);
	}
}

static void test_step_at_the_right_kernel(void **state)
{
	static const double level[6] = { 100, 101, 99, 70, 71, 70 };
	char root[4200], *out = NULL;
	json_t *j, *cps, *row;

	(void)state;
	snprintf(root, sizeof(root), "%s/step", tu_tmpdir());
	series(root, level, 0.01);
	j = trend_json(root, &out);
	cps = json_object_get(json_array_get(json_object_get(j, "cases"), 0), "change_points");
	assert_int_equal(json_array_size(cps), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cps, 0), "at")), "6.4.0");
	/* lower is better: 30% down is better */
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(cps, 0), "result"), "verdict")), "better");
	row = json_array_get(rows_of(j), 3);
	assert_true(json_is_true(json_object_get(row, "change_point")));
	assert_true(json_real_value(json_object_get(row, "centre")) < 72);
	assert_false(json_is_true(json_object_get(json_array_get(rows_of(j), 4), "change_point")));
	if (!strstr(out, "change point at 6.4.0: better"))
		fail_msg("no change point line in:\n%s", out);
	free(out);
	json_decref(j);
}

static void test_noisy_flat_has_none(void **state)
{
	static const double level[6] = { 100, 112, 93, 104, 90, 108 };
	char root[4200], *out = NULL;
	json_t *j;

	(void)state;
	snprintf(root, sizeof(root), "%s/flat", tu_tmpdir());
	series(root, level, 0.12);
	j = trend_json(root, &out);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(j, "cases"),
								       0), "change_points")), 0);
	assert_non_null(strstr(out, "no change point"));
	free(out);
	json_decref(j);
}

/* The last kernel, one run far off: shown, judged as a step, but no change point alone. */
static void test_single_run_cannot_start_one(void **state)
{
	static const double level[6] = { 100, 101, 99, 100, 101, 100 };
	char root[4200];
	json_t *j, *last;

	(void)state;
	snprintf(root, sizeof(root), "%s/single", tu_tmpdir());
	series(root, level, 0.01);
	syn_level(root, "6.7.0", "r1", 300, 0.01, 0);
	j = trend_json(root, NULL);
	last = json_array_get(rows_of(j), 6);
	assert_string_equal(json_string_value(json_object_get(last, "kernel")), "6.7.0");
	assert_int_equal(json_integer_value(json_object_get(last, "runs")), 1);
	assert_false(json_is_true(json_object_get(last, "change_point")));
	/* 3x with the samples separated: the step itself is worse */
	assert_string_equal(json_string_value(json_object_get(json_object_get(last, "step"),
							      "verdict")), "worse");
	json_decref(j);
}

static void test_corrupt_run_skipped(void **state)
{
	static const double level[6] = { 100, 101, 99, 70, 71, 70 };
	char root[4200], path[4400], *out = NULL;
	json_t *j;

	(void)state;
	snprintf(root, sizeof(root), "%s/corrupt", tu_tmpdir());
	series(root, level, 0.01);
	snprintf(path, sizeof(path), "%s/6.2.0/r3/fake.json", root);
	syn_level(root, "6.2.0", "r3", 100, 0.01, 0);
	tu_write_file(path, "{\"schema\": \"mmbench/1\", \"bench\": \"fake\", \"cases\": [");
	j = trend_json(root, &out);
	/* said with the file's name, listed, and the rest used */
	if (!strstr(out, path))
		fail_msg("the corrupt file is not named:\n%s", out);
	assert_int_equal(json_array_size(json_object_get(j, "skipped")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows_of(j), 1), "runs")), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(j, "cases"),
								       0), "change_points")), 1);
	free(out);
	json_decref(j);
}

/* Markdown tables, and runs of other bench options left out and said, not mixed in. */
static void test_md_and_other_options(void **state)
{
	static const double level[6] = { 100, 101, 99, 70, 71, 70 };
	char root[4200], *out = NULL;
	const char *dir;

	(void)state;
	snprintf(root, sizeof(root), "%s/md", tu_tmpdir());
	series(root, level, 0.01);
	dir = syn_level(root, "6.3.0", "r9", 500, 0.01, 0);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"1M\"/\"2M\"/' %s/fake.json", dir), 0);
	/* a bisect step's run measured a commit, not the release: not part of the trend */
	dir = syn_level(root, "6.3.0", "r8", 900, 0.01, 0);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"virtualization\"/\"vm\": {\"bisect\": "
				"{\"commit\": \"c0ffee\"}}, &/' %s/manifest.json", dir), 0);
	assert_int_equal(tu_run(&out, TREND " --root %s --format md --case mode=a", root), 0);
	assert_non_null(strstr(out, "# mmbench trend: fake m (ns, lower is better): 6 kernels, 12 runs"));
	assert_non_null(strstr(out, "\n## mode=a\n"));
	assert_non_null(strstr(out, "| 6.4.0 | 2 | 70.35 | [63.92, 77.43] | x0.714 | better |"));
	assert_non_null(strstr(out, "| better |"));
	assert_non_null(strstr(out, "1 runs with other fake options left out"));
	assert_non_null(strstr(out, "1 runs of bisect-run steps left out"));
	/* the steps may use the history of the same kernels, as compare does, unless told not to */
	assert_non_null(strstr(out, "with this host's history of the same kernels"));
	free(out);
	assert_int_equal(tu_run(&out, TREND " --root %s --history none", root), 0);
	assert_null(strstr(out, "history"));
	free(out);
}

/* One line on stderr, exit 2, no JSON written. */
static void expect_bad(const char *args, const char *says)
{
	bool trend = !strncmp(args, "trend", 5);
	char *out = NULL;

	assert_int_equal(tu_run(&out, "(./build/mmbench %s%s%s%s 2>&1 >/dev/null)", args,
				trend ? " --json " : "", trend ? tu_tmpdir() : "", trend ? "/bad.json" : ""), 2);
	if (!strstr(out, says))
		fail_msg("%s: expected '%s' in:\n%s", args, says, out);
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
	assert_int_equal(tu_run(NULL, "test -e %s/bad.json", tu_tmpdir()), 1);
	free(out);
}

static void test_bad_input(void **state)
{
	static const double level[6] = { 100, 101, 99, 70, 71, 70 };
	char root[4200], args[9000];
	double x[3] = { 1, 1, 1 };

	(void)state;
	snprintf(root, sizeof(root), "%s/badin", tu_tmpdir());
	series(root, level, 0.01);
	snprintf(args, sizeof(args), "trend --bench nope --metric m --root %s", root);
	expect_bad(args, "no run under");
	snprintf(args, sizeof(args), "trend --bench fake --metric nope --root %s", root);
	expect_bad(args, "has the metric 'nope'");
	snprintf(args, sizeof(args), "trend --bench fake --metric m --case mode=b --root %s", root);
	expect_bad(args, "has the case 'mode=b'");
	snprintf(args, sizeof(args), "trend --bench fake --metric m --root %s --format html", root);
	expect_bad(args, "--format html: not text or md");
	snprintf(args, sizeof(args), "trend --metric m --root %s", root);
	expect_bad(args, "--bench and --metric are required");
	snprintf(args, sizeof(args), "trend --bench fake --metric m --root %s/empty", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s/empty", tu_tmpdir()), 0);
	expect_bad(args, "no run directories");
	syn_run(root, "6.9.0", "2026-01-01T00:00:00Z", "r1", x, 3, "mmbench/2");
	snprintf(args, sizeof(args), "trend --bench fake --metric m --root %s", root);
	expect_bad(args, "schema \"mmbench/2\" is not the \"mmbench/1\" trend reads");
}

#define DECIDE "./build/mmbench bisect-decide --bench fake --metric m --case mode=a"

/* ROOT/good, ROOT/bad, ROOT/mid and ROOT/likegood: 3 runs each, 5% apart. */
static void make_refs(const char *root)
{
	for (int r = 0; r < 3; r++) {
		char id[8];

		snprintf(id, sizeof(id), "r%d", r);
		syn_level(root, "good", id, 0.15 * (1 + 0.05 * r), 0.05, r);
		syn_level(root, "bad", id, 1000 * (1 + 0.05 * r), 0.05, r);
		syn_level(root, "mid", id, 12 * (1 + 0.05 * r), 0.05, r);
		syn_level(root, "likegood", id, 0.16 * (1 - 0.04 * r), 0.05, r);
	}
}

static void test_bisect_decide(void **state)
{
	char root[4200], good[9000], bad[9000], step[9000], *out = NULL;
	const char *dir;

	(void)state;
	snprintf(root, sizeof(root), "%s/bisect", tu_tmpdir());
	make_refs(root);
	snprintf(good, sizeof(good), "--good %s/good --bad %s/bad", root, root);
	assert_int_equal(tu_run(&out, DECIDE " --check %s", good), 0);
	assert_non_null(strstr(out, "bad against good: worse"));
	free(out);
	snprintf(step, sizeof(step), "%s/likegood/r0,%s/likegood/r1", root, root);
	assert_int_equal(tu_run(&out, DECIDE " %s %s", good, step), 0);
	assert_true(!strncmp(out, "good: 2 runs", 12));
	free(out);
	assert_int_equal(tu_run(NULL, DECIDE " %s %s/bad/r1", good, root), 1);
	assert_int_equal(tu_run(NULL, DECIDE " %s %s/mid", good, root), 3);
	/* runs of other options than the references': refused; runs without the metric: 4 */
	dir = syn_level(root, "other", "r1", 0.15, 0.05, 0);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"1M\"/\"2M\"/' %s/fake.json", dir), 0);
	assert_int_equal(tu_run(&out, DECIDE " %s %s", good, dir), 2);
	assert_non_null(strstr(out, "the step ran fake with options {\"size\":\"2M\"}"));
	free(out);
	dir = syn_level(root, "nometric", "r1", 0.15, 0.05, 0);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"name\": \"m\"/\"name\": \"m2\"/' "
				"%s/fake.json", dir), 0);
	assert_int_equal(tu_run(&out, DECIDE " %s %s", good, dir), 4);
	assert_non_null(strstr(out, "no run measured m in fake case 'mode=a'"));
	free(out);
	/* the same references twice cannot be told apart: refused, with the runs it would take */
	snprintf(bad, sizeof(bad), "bisect-decide --bench fake --metric m --case mode=a --check "
		 "--good %s/good --bad %s/likegood", root, root);
	expect_bad(bad, "a side would see");
	snprintf(bad, sizeof(bad), "bisect-decide --bench fake --metric nope --case mode=a "
		 "--check --good %s/good --bad %s/bad", root, root);
	expect_bad(bad, "no run measured nope");
	snprintf(bad, sizeof(bad), "bisect-decide --bench fake --metric m --case mode=a "
		 "--good %s/good --bad %s/bad", root, root);
	expect_bad(bad, "the step's RUNS are missing");
}

/*
 * flows/bisect.sh without a boot: a build that fails, and one that prints no image, are each
 * skipped (125) and logged, never judged; bad input is refused before the build runs.
 */
static void test_bisect_run_skips(void **state)
{
	char root[4200], refs[9000], *out = NULL, *log;

	(void)state;
	snprintf(root, sizeof(root), "%s/bsh", tu_tmpdir());
	make_refs(root);
	snprintf(refs, sizeof(refs), "--good %s/good --bad %s/bad --bench fake --metric m "
		 "--case mode=a --out %s/out", root, root, root);
	assert_int_equal(tu_run(&out, "./flows/bisect.sh --build 'echo broken >&2; exit 1' %s -- "
				"--profile smoke --bench vma-lock", refs), 125);
	assert_non_null(strstr(out, "skip (exit 125): the build failed: broken"));
	free(out);
	assert_int_equal(tu_run(&out, "./flows/bisect.sh --build 'echo /etc/passwd' %s -- "
				"--profile smoke --bench vma-lock", refs), 125);
	assert_non_null(strstr(out, "'/etc/passwd' is not a kernel image"));
	free(out);
	log = tu_slurp("%s/out/bisect.log", root);
	assert_non_null(log);
	assert_non_null(strstr(log, " step=1 commit="));
	assert_non_null(strstr(log, " step=2 commit="));
	assert_non_null(strstr(log, "verdict=skip exit=125 boots=0"));
	free(log);
	/* refused before the build runs: the build would leave a file */
	assert_int_equal(tu_run(&out, "./flows/bisect.sh --build 'touch %s/built' %s --boots 0",
				root, refs), 2);
	assert_non_null(strstr(out, "--boots 0: a number from 1 to 20"));
	free(out);
	assert_int_equal(tu_run(&out, "./flows/bisect.sh --build 'touch %s/built' %s -- --profile quik",
				root, refs), 2);
	assert_non_null(strstr(out, "RUN_ARGS: --profile takes smoke, quick or full"));
	free(out);
	assert_int_equal(tu_run(NULL, "test -e %s/built", root), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_step_at_the_right_kernel),
		cmocka_unit_test(test_noisy_flat_has_none),
		cmocka_unit_test(test_single_run_cannot_start_one),
		cmocka_unit_test(test_corrupt_run_skipped),
		cmocka_unit_test(test_md_and_other_options),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_bisect_decide),
		cmocka_unit_test(test_bisect_run_skips),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tu_cleanup();
	return rc;
}
