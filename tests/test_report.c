/* Tests of `mmbench report`: golden report.txt on a fixed run directory, markdown links, plot data, bad input. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "cmd/cmds.h"
#include "report/report.h"
#include "results/results_read.h"

#define DATA	"tests/data/"
#define GOLDEN	DATA "golden/report-base.txt"

static void test_golden_text(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-base", "run-base");
	char *txt;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(txt);
	tu_golden(GOLDEN, txt);
	tu_assert_width(txt, 80);
	/* what a reader needs, whatever the layout */
	assert_non_null(strstr(txt, "kernel      6.1.0-base"));
	assert_non_null(strstr(txt, "mode=wp-unpopulated thp=never: skip:"));
	assert_non_null(strstr(txt, "counters/rep: minor-faults 16384"));
	assert_non_null(strstr(txt, "not counted here: cycles (no PMU)"));
	free(txt);
}

static void test_markdown_and_plots(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-base", "run-base");
	char *md, *dat, *line;
	struct rl_run run;
	struct rl_metric *m;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	md = tu_slurp("%s/report.md", dir);
	assert_non_null(md);
	assert_non_null(strstr(md, "## uffd-wp"));
	assert_non_null(strstr(md, "(plots/uffd-wp--total_us.png)"));
	assert_non_null(strstr(md, "(plots/fault-scale--faults_per_sec--by-threads.png)"));
	/* bars: one row per case that ran, median and CI of the one run */
	dat = tu_slurp("%s/plots/uffd-wp--total_us.dat", dir);
	assert_non_null(dat);
	assert_int_equal(rl_load(dir, &run), 0);
	m = rl_find_metric(rl_find_case(rl_find_bench(&run, "uffd-wp"), "mode=pre-read thp=never"),
			   "total_us");
	assert_non_null(m);
	line = strstr(dat, "\"mode=pre-read thp=never\"");
	assert_non_null(line);
	{
		char want[128];

		snprintf(want, sizeof(want), "\"mode=pre-read thp=never\" %.10g %.10g %.10g\n",
			 m->s.median, m->s.ci_lo, m->s.ci_hi);
		assert_memory_equal(line, want, strlen(want));
	}
	assert_null(strstr(dat, "wp-unpopulated"));	/* skipped: no bar */
	rl_free(&run);
	free(dat);
	/* lines: x = threads in order, one block per family */
	dat = tu_slurp("%s/plots/fault-scale--faults_per_sec--by-threads.dat", dir);
	assert_non_null(dat);
	assert_non_null(strstr(dat, "\n1 "));
	assert_non_null(strstr(dat, "\n2 "));	/* else NULL < anything would pass below */
	assert_true(strstr(dat, "\n2 ") < strstr(dat, "\n16 "));
	free(dat);
	free(md);
}

static void test_emulated(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-tcg", "run-tcg");
	char *txt, *md;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = tu_slurp("%s/report.txt", dir);
	md = tu_slurp("%s/report.md", dir);
	assert_non_null(strstr(txt, "emulated CPU: timings are not comparable with hardware; "
				    "event counts are"));
	assert_non_null(strstr(md, "emulated CPU: timings are not comparable with hardware; "
				   "event counts are"));
	free(txt);
	free(md);
}

/* A run that did not come back whole says so at the top, and only then. */
static void test_incomplete(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-tcg", "run-tcg");
	char *txt;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = tu_slurp("%s/report.txt", dir);
	assert_null(strstr(txt, "INCOMPLETE"));
	free(txt);
	assert_int_equal(tu_run(NULL, "echo 'guest hit --timeout 240s' > %s/INCOMPLETE", dir), 0);
	assert_int_equal(report_render(dir), 0);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(txt, "*** INCOMPLETE run: guest hit --timeout 240s ***"));
	free(txt);
}

static void test_bad_input(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	char *argv[] = { "report", dir };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/empty", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s", dir), 0);
	assert_int_equal(cmd_report(2, argv), 2);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_not_equal(access(path, F_OK), 0);

	snprintf(dir, sizeof(dir), "%s", tu_copy_dir(DATA "run-base", "run-base"));
	snprintf(path, sizeof(path), "%s/fault-scale.json", dir);
	assert_int_equal(tu_run(NULL, "truncate -s 100 %s", path), 0);
	assert_int_equal(cmd_report(2, argv), 2);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	argv[1] = "--bogus";
	assert_int_equal(cmd_report(2, argv), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_text),
		cmocka_unit_test(test_markdown_and_plots),
		cmocka_unit_test(test_emulated),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
