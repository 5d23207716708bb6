/* Tests of `mmbench compare`: golden text on fixed run directories, verdicts, manifest warnings, bad input. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "cmds.h"

#define BASE	"tests/data/run-base"
#define NEW	"tests/data/run-new"
#define TCG	"tests/data/run-tcg"
#define GOLDEN	"tests/data/golden/compare-base-new.txt"

/* Run cmd_compare in this process with stdout and stderr caught in files. */
static int compare(char **out, char **err, int argc, const char **argv)
{
	char po[PATH_MAX], pe[PATH_MAX];
	int so = dup(1), se = dup(2), fo, fe, rc;

	snprintf(po, sizeof(po), "%s/out", tu_tmpdir());
	snprintf(pe, sizeof(pe), "%s/err", tu_tmpdir());
	fflush(stdout);
	fflush(stderr);
	fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = cmd_compare(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	*out = tu_slurp("%s", po);
	*err = tu_slurp("%s", pe);
	return rc;
}

static void test_golden_text(void **state)
{
	const char *argv[] = { "compare", BASE, NEW };
	char *out, *err;
	int rc;

	(void)state;
	rc = compare(&out, &err, 3, argv);
	assert_int_equal(rc, 3);		/* fault-scale threads=8 got worse */
	tu_golden(GOLDEN, out);
	/* an email: no line past 80 columns */
	tu_assert_width(out, 80);
	free(out);
	free(err);
}

static json_t *row(json_t *rows, const char *bench, const char *key, const char *metric)
{
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "bench")), bench) &&
		    !strcmp(json_string_value(json_object_get(r, "case")), key) &&
		    !strcmp(json_string_value(json_object_get(r, "metric")), metric))
			return r;
	fail_msg("no row %s / %s / %s", bench, key, metric);
	return NULL;
}

static const char *verdict(json_t *rows, const char *bench, const char *key, const char *metric)
{
	return json_string_value(json_object_get(row(rows, bench, key, metric), "verdict"));
}

static void test_verdicts_json(void **state)
{
	char path[PATH_MAX], *out, *err;
	const char *argv[] = { "compare", BASE, NEW, "--json", path };
	json_t *j, *rows, *diffs, *d;
	size_t i;
	int warned_cmdline = 0, warned_knob = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/verdicts.json", tu_tmpdir());
	assert_int_equal(compare(&out, &err, 5, argv), 3);
	j = tu_json(path);
	rows = json_object_get(j, "rows");
	/* 10% faster at cv 2%, 5 samples each: better (lower is better) */
	assert_string_equal(verdict(rows, "uffd-wp", "mode=pre-read thp=never", "total_us"), "better");
	/* 15% fewer faults per second (higher is better): worse */
	assert_string_equal(verdict(rows, "fault-scale", "mode=vma-lock threads=8", "faults_per_sec"),
			    "worse");
	assert_string_equal(verdict(rows, "uffd-wp", "mode=default thp=never", "total_us"), "same");
	/* 2 samples a side */
	assert_string_equal(verdict(rows, "fault-scale", "mode=vma-lock threads=1", "lock_waits"), "n/a");
	assert_string_equal(json_string_value(json_object_get(row(rows, "fault-scale",
			    "mode=vma-lock threads=1", "lock_waits"), "reason")), "fewer than 3 samples");
	/* a metric with no better direction is shown, never judged */
	assert_string_equal(verdict(rows, "uffd-wp", "mode=default thp=never", "faults"), "info");
	/* one side only: listed, with why */
	assert_string_equal(verdict(rows, "fault-scale", "mode=vma-lock threads=16", "faults_per_sec"),
			    "n/a");
	assert_string_equal(json_string_value(json_object_get(row(rows, "fault-scale",
			    "mode=vma-lock threads=16", "faults_per_sec"), "reason")), "no case in B");
	assert_string_equal(json_string_value(json_object_get(row(rows, "uffd-wp",
			    "mode=wp-unpopulated thp=never", "total_us"), "reason")), "skip in A");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "verdicts"), "worse")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "verdicts"), "better")), 4);

	/* The knob differs (a warning); the command line differs only by the image name (not one). */
	diffs = json_object_get(j, "manifest_differences");
	json_array_foreach(diffs, i, d) {
		const char *field = json_string_value(json_object_get(d, "field"));
		int kernel = json_is_true(json_object_get(d, "kernel"));

		if (!strcmp(field, "kernel.cmdline"))
			warned_cmdline = !kernel;
		if (!strcmp(field, "knobs.khugepaged.max_ptes_none"))
			warned_knob = !kernel;
	}
	assert_int_equal(warned_cmdline, 0);
	assert_int_equal(warned_knob, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "non_kernel_differences")), 1);
	assert_non_null(strstr(out, "!! WARNING: the runs differ in more than the kernel"));
	json_decref(j);
	free(out);
	free(err);
}

static void test_same_run_is_same(void **state)
{
	const char *argv[] = { "compare", BASE, BASE };
	char *out, *err;

	(void)state;
	assert_int_equal(compare(&out, &err, 3, argv), 0);
	assert_non_null(strstr(out, "verdicts: 0 better, 0 worse, 13 same"));
	assert_non_null(strstr(out, "manifest differences: none"));
	assert_null(strstr(out, "WARNING"));
	free(out);
	free(err);
}

static void test_emulated_note(void **state)
{
	const char *argv[] = { "compare", BASE, TCG, "--format", "md" };
	char *out, *err;

	(void)state;
	compare(&out, &err, 5, argv);
	assert_non_null(strstr(out, "emulated CPU: timings are not comparable with hardware; "
				    "event counts are"));
	assert_non_null(strstr(out, "| metric | run | median |"));
	free(out);
	free(err);
}

static void test_plots_dir(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], *out, *err, *md;
	const char *argv[] = { "compare", BASE, NEW, "--format", "md", "--plots", dir };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cmp", tu_tmpdir());
	assert_int_equal(compare(&out, &err, 7, argv), 3);
	snprintf(path, sizeof(path), "%s/plots/fault-scale--faults_per_sec--by-threads.vars", dir);
	assert_int_equal(access(path, F_OK), 0);
	md = tu_slurp("%s/compare.md", dir);
	assert_non_null(md);
	assert_non_null(strstr(md, "](plots/uffd-wp--total_us.png)"));
	assert_non_null(strstr(out, "](" ));
	free(md);
	free(out);
	free(err);
}

/* A scratch run directory: a copy of the base with @file replaced by @text. */
static const char *broken_run(const char *name, const char *file, const char *text)
{
	const char *dir = tu_copy_dir(BASE, name);
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (text)
		tu_write_file(path, "%s", text);
	else
		unlink(path);
	return dir;
}

static void expect_bad(const char *dir, const char *names)
{
	char json[PATH_MAX], *out, *err;
	const char *argv[] = { "compare", BASE, dir, "--json", json };

	snprintf(json, sizeof(json), "%s/must-not-exist.json", tu_tmpdir());
	unlink(json);
	assert_int_equal(compare(&out, &err, 5, argv), 2);
	assert_non_null(strstr(err, names));
	/* one line */
	assert_non_null(strchr(err, '\n'));
	assert_int_equal(strchr(err, '\n')[1], '\0');
	assert_string_equal(out, "");
	assert_int_not_equal(access(json, F_OK), 0);
	free(out);
	free(err);
}

static void test_bad_input(void **state)
{
	const char *d;

	(void)state;
	expect_bad("tests/data/no-such-run", "tests/data/no-such-run: No such file or directory");
	d = broken_run("nomanifest", "manifest.json", NULL);
	expect_bad(d, "no manifest.json");
	d = broken_run("truncated", "uffd-wp.json", "{\"schema\": \"mmbench/1\", \"bench\": \"uf");
	expect_bad(d, "uffd-wp.json: not valid JSON");
	d = broken_run("schema2", "uffd-wp.json", "{\"schema\": \"mmbench/2\", \"bench\": \"uffd-wp\"}");
	expect_bad(d, "uffd-wp.json: schema \"mmbench/2\" is not the supported \"mmbench/1\"");
	d = broken_run("badsample", "uffd-wp.json",
		       "{\"schema\": \"mmbench/1\", \"bench\": \"uffd-wp\", \"cases\": [{\"case\": \"x\","
		       " \"metrics\": [{\"name\": \"t\", \"samples\": [1, \"two\"]}]}]}");
	expect_bad(d, "uffd-wp.json: case \"x\" metric t: sample 1 is not a number");
	d = broken_run("manifest2", "manifest.json", "{\"schema\": \"mmbench-manifest/2\"}");
	expect_bad(d, "manifest.json: schema \"mmbench-manifest/2\" differs from the base's");
}

static void test_usage(void **state)
{
	const char *one[] = { "compare", BASE };
	const char *fmt[] = { "compare", BASE, NEW, "--format", "html" };
	const char *opt[] = { "compare", BASE, NEW, "--frobnicate" };
	char *out, *err;

	(void)state;
	assert_int_equal(compare(&out, &err, 2, one), 2);
	free(out);
	free(err);
	assert_int_equal(compare(&out, &err, 5, fmt), 2);
	assert_non_null(strstr(err, "--format is text or md"));
	free(out);
	free(err);
	assert_int_equal(compare(&out, &err, 4, opt), 2);
	assert_non_null(strstr(err, "unknown option '--frobnicate'"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_text),
		cmocka_unit_test(test_verdicts_json),
		cmocka_unit_test(test_same_run_is_same),
		cmocka_unit_test(test_emulated_note),
		cmocka_unit_test(test_plots_dir),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
