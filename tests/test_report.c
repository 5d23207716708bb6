/* Tests of `mmbench report`: golden report.txt on a fixed run directory, markdown links, plot data, bad input. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "cmds.h"
#include "report.h"
#include "runload.h"

#define GOLDEN	"tests/data/golden/report-base.txt"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* A copy of a fixture run directory to render into (tests/data stays untouched). */
static const char *copy_run(const char *name)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", tu_tmpdir(), name);
	assert_int_equal(tu_run(NULL, "rm -rf %s && cp -r tests/data/%s %s", dir, name, dir), 0);
	return dir;
}

static char *file_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp(path);
}

static void test_golden_text(void **state)
{
	const char *dir = copy_run("run-base");
	char *txt, *want;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = file_in(dir, "report.txt");
	assert_non_null(txt);
	if (getenv("MMBENCH_GOLDEN_UPDATE")) {
		FILE *f = fopen(GOLDEN, "w");

		assert_non_null(f);
		fputs(txt, f);
		fclose(f);
	}
	want = slurp(GOLDEN);
	assert_non_null(want);
	assert_string_equal(txt, want);
	for (char *line = txt, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if ((nl ? nl - line : (long)strlen(line)) > 80)
			fail_msg("line over 80 columns: %.100s", line);
	}
	/* what a reader needs, whatever the layout */
	assert_non_null(strstr(txt, "kernel      6.1.0-base"));
	assert_non_null(strstr(txt, "mode=wp-unpopulated thp=never: skip:"));
	assert_non_null(strstr(txt, "counters/rep: minor-faults 16384"));
	assert_non_null(strstr(txt, "not counted here: cycles (no PMU)"));
	free(txt);
	free(want);
}

static void test_markdown_and_plots(void **state)
{
	const char *dir = copy_run("run-base");
	char *md, *dat, *line;
	struct rl_run run;
	struct rl_metric *m;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	md = file_in(dir, "report.md");
	assert_non_null(md);
	assert_non_null(strstr(md, "## uffd-wp"));
	assert_non_null(strstr(md, "(plots/uffd-wp--total_us.png)"));
	assert_non_null(strstr(md, "(plots/fault-scale--faults_per_sec--by-threads.png)"));
	/* bars: one row per case that ran, median and CI of the one run */
	dat = file_in(dir, "plots/uffd-wp--total_us.dat");
	assert_non_null(dat);
	assert_int_equal(run_load(dir, &run), 0);
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
	run_free(&run);
	free(dat);
	/* lines: x = threads in order, one block per family */
	dat = file_in(dir, "plots/fault-scale--faults_per_sec--by-threads.dat");
	assert_non_null(dat);
	assert_non_null(strstr(dat, "\n1 "));
	assert_true(strstr(dat, "\n2 ") < strstr(dat, "\n16 "));
	free(dat);
	free(md);
}

static void test_emulated(void **state)
{
	const char *dir = copy_run("run-tcg");
	char *txt, *md;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = file_in(dir, "report.txt");
	md = file_in(dir, "report.md");
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
	const char *dir = copy_run("run-tcg");
	char *txt;

	(void)state;
	assert_int_equal(report_render(dir), 0);
	txt = file_in(dir, "report.txt");
	assert_null(strstr(txt, "INCOMPLETE"));
	free(txt);
	assert_int_equal(tu_run(NULL, "echo 'guest hit --timeout 240s' > %s/INCOMPLETE", dir), 0);
	assert_int_equal(report_render(dir), 0);
	txt = file_in(dir, "report.txt");
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

	snprintf(dir, sizeof(dir), "%s", copy_run("run-base"));
	snprintf(path, sizeof(path), "%s/fault-scale.json", dir);
	assert_int_equal(tu_run(NULL, "truncate -s 100 %s", path), 0);
	assert_int_equal(cmd_report(2, argv), 2);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	argv[1] = "--bogus";
	assert_int_equal(cmd_report(2, argv), 2);
}

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
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

	return cmocka_run_group_tests(tests, NULL, teardown);
}
