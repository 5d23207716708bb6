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
#include "cmd/cmds.h"

#define BASE	"tests/data/run-base"
#define NEW	"tests/data/run-new"
#define TCG	"tests/data/run-tcg"
#define GOLDEN	"tests/data/golden/compare-base-new.txt"

/* Every sample of every <bench>.json under @dir multiplied by @f: a replicate run of another level. */
static void scale_samples(const char *dir, double f)
{
	static const char *const files[] = { "uffd-wp.json", "fault-scale.json", NULL };

	for (const char *const *file = files; *file; file++) {
		char path[PATH_MAX + 64];
		json_t *root, *c, *m, *v;
		size_t i, j, k;

		snprintf(path, sizeof(path), "%s/%s", dir, *file);
		root = json_load_file(path, 0, NULL);
		if (!root)
			continue;
		json_array_foreach(json_object_get(root, "cases"), i, c)
			json_array_foreach(json_object_get(c, "metrics"), j, m)
				json_array_foreach(json_object_get(m, "samples"), k, v)
					if (json_is_number(v))
						json_array_set_new(json_object_get(m, "samples"), k,
								   json_real(json_number_value(v) * f));
		assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
		json_decref(root);
	}
}

/* @dir/<name>: a copy of run @src with its samples scaled by @f (a replicate run). */
static void replicate(const char *src, const char *dir, const char *name, double f)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(tu_run(NULL, "mkdir -p %s && rm -rf %s && cp -r %s %s", dir, path, src,
				path), 0);
	scale_samples(path, f);
}

/* Run-to-run levels of a quiet host: about 1% apart. */
static const double levels[] = { 1.0, 1.011, 0.992, 1.004, 0.995 };

/* Run cmd_compare in this process with stdout and stderr caught in files. */
static int compare(char **out, char **err, int argc, const char **argv)
{
	char po[PATH_MAX], pe[PATH_MAX], *args[64];
	int so = dup(1), se = dup(2), fo, fe, rc;

	/* getopt_long reorders what it is given: the caller's array keeps its order */
	assert_true(argc < 64);
	memcpy(args, argv, argc * sizeof(*args));
	args[argc] = NULL;

	snprintf(po, sizeof(po), "%s/out", tu_tmpdir());
	snprintf(pe, sizeof(pe), "%s/err", tu_tmpdir());
	fflush(stdout);
	fflush(stderr);
	fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = cmd_compare(argc, args);
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
	const char *argv[] = { "compare", BASE, NEW, "--history", "none" };
	char *out, *err;
	int rc;

	(void)state;
	rc = compare(&out, &err, 5, argv);
	/* one run a side and no history: nothing can be told, and it says so */
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "verdicts: 0 better, 0 worse, 0 same, 16 inconclusive"));
	assert_non_null(strstr(out, "16 metrics had one replicate a side: the noise between "
				    "replicates is not\n    measured today, so nothing is called better"));
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

/* The host's history: 5 replicate runs of the base's kernel, about 1% apart. */
static const char *history(void)
{
	static char dir[PATH_MAX];
	char name[16];

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/archive", tu_tmpdir());
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(name, sizeof(name), "h%zu", i);
		replicate(BASE, dir, name, levels[i]);
	}
	/* the archive's layout: <root>/<kernel>/<run> */
	assert_int_equal(tu_run(NULL, "mkdir -p %s/6.1.0-base && mv %s/h* %s/6.1.0-base/", dir, dir,
				dir), 0);
	return dir;
}

static void test_verdicts_json(void **state)
{
	char path[PATH_MAX], *out, *err;
	char base[3 * PATH_MAX];
	const char *argv[] = { "compare", base, NEW, "--json", path, "--history", history() };
	json_t *j, *rows, *diffs, *d, *r;
	size_t i;
	int warned_cmdline = 0, warned_knob = 0;

	(void)state;
	/* three runs of the base (their noise measured today) against one run of the new */
	snprintf(base, sizeof(base), "%s,%s/6.1.0-base/h3,%s/6.1.0-base/h4", BASE, history(),
		 history());
	snprintf(path, sizeof(path), "%s/verdicts.json", tu_tmpdir());
	assert_int_equal(compare(&out, &err, 7, argv), 3);
	j = tu_json(path);
	rows = json_object_get(j, "rows");
	/* 8% faster, and the runs (today's and the history's) agree to 1%: better (lower is better) */
	assert_string_equal(verdict(rows, "uffd-wp", "mode=pre-read thp=never", "total_us"), "better");
	r = row(rows, "uffd-wp", "mode=pre-read thp=never", "total_us");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "noise"), "source")),
			    "replicates+report+history");
	assert_true(json_real_value(json_object_get(r, "mde")) < 0.08);
	/* today's noise, the history's and the report's: an F test found them alike */
	assert_true(json_real_value(json_object_get(r, "history_f_p")) > 0.05);
	/* 15% fewer faults per second (higher is better): worse */
	assert_string_equal(verdict(rows, "fault-scale", "mode=vma-lock threads=8", "faults_per_sec"),
			    "worse");
	/* 3% faster, and the runs agree to half a percent: better too */
	assert_string_equal(verdict(rows, "uffd-wp", "mode=default thp=never", "total_us"),
			    "better");
	/* 1% apart, its interval reaching past an mde of 2%: no claim either way */
	assert_string_equal(verdict(rows, "fault-scale", "mode=vma-lock threads=4", "faults_per_sec"),
			    "inconclusive");
	/* 0.8% apart, within an mde under 10%: same, and the mde says how small it could see */
	assert_string_equal(verdict(rows, "uffd-wp", "mode=default thp=always", "total_us"), "same");
	assert_true(json_real_value(json_object_get(row(rows, "uffd-wp", "mode=default thp=always",
				"total_us"), "mde")) <= 0.05);
	/* 11% noise inside the run: too noisy to tell, with how many runs would */
	r = row(rows, "fault-scale", "mode=vma-lock threads=2", "lock_waits");
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "inconclusive");
	assert_true(json_integer_value(json_object_get(r, "runs_needed")) > 1);
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")),
			       "replicates a side"));
	/* its runs (11% cv) are noisier than the quiet history: history is left out */
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "noise"),
				"source")), "history quieter than today: not used"));
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
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "verdicts"), "better")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "verdicts"),
							    "inconclusive")), 6);

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
	assert_non_null(strstr(out, "!! WARNING: the sides differ in more than the kernel"));
	assert_non_null(strstr(out, "history (3 earlier runs of these kernels and options under"));
	/* the summary: largest change first, the bench's mechanism beside it */
	assert_non_null(strstr(out, "summary: 8 changed\nfault-scale: faults_per_sec -14.8% (worse) in "
				    "mode=vma-lock threads=8\nuffd-wp: protect_us -11.8% (better)"));
	assert_non_null(strstr(out, "    mechanism: minor-faults x1.00\n"
				    "    mechanism unchanged: look for another cause\n"));
	/* the JSON carries the same first screen (ab's summary shows it), and says host runs */
	assert_non_null(strstr(out, json_string_value(json_object_get(j, "summary"))));
	assert_non_null(strstr(json_string_value(json_object_get(j, "summary")), "summary: 8 changed\n"));
	assert_true(json_is_false(json_object_get(j, "emulated")));
	json_decref(j);
	free(out);
	free(err);
}

/* @dir/<name>'s manifest records boot @boot (kernel.boot_id). */
static void set_boot(const char *dir, const char *name, const char *boot)
{
	assert_int_equal(tu_run(NULL, "cd %s/%s && jq '.kernel.boot_id = \"%s\"' manifest.json "
				"> m.tmp && mv m.tmp manifest.json", dir, name, boot), 0);
}

/*
 * The replicate is the boot when no boot is on both sides: three runs of one boot a side
 * are one replicate a side, and nothing is tested; when the sides share the boot, each run
 * is a replicate.
 */
static void test_boot_level(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], path[PATH_MAX], *out, *err;
	const char *argv[] = { "compare", a, b, "--json", path, "--history", "none" };
	json_t *j, *r;

	(void)state;
	snprintf(a, sizeof(a), "%s/bootA", tu_tmpdir());
	snprintf(b, sizeof(b), "%s/bootB", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/boots.json", tu_tmpdir());
	for (size_t i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%zu", i);
		replicate(BASE, a, name, levels[i]);
		replicate(NEW, b, name, levels[4 - i]);
		set_boot(a, name, "boot-a");
		set_boot(b, name, "boot-b");
	}
	assert_int_equal(compare(&out, &err, 7, argv), 0);
	assert_non_null(strstr(out, "replicated at the boot (no boot is on both sides"));
	j = tu_json(path);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "replicate"), "B")),
			    "boot");
	r = row(json_object_get(j, "rows"), "uffd-wp", "mode=pre-read thp=never", "total_us");
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "inconclusive");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "replicates"),
							  "base")), 1);
	json_decref(j);
	free(out);
	free(err);
	/* the same boot on both sides (two settings): runs are the replicates, 8% is found */
	for (size_t i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%zu", i);
		set_boot(b, name, "boot-a");
	}
	assert_int_equal(compare(&out, &err, 7, argv), 3);
	assert_non_null(strstr(out, "replicated at the run (the sides share a boot"));
	j = tu_json(path);
	r = row(json_object_get(j, "rows"), "uffd-wp", "mode=pre-read thp=never", "total_us");
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "better");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "replicates"),
							  "base")), 3);
	json_decref(j);
	free(out);
	free(err);
}

/* Sets of replicate runs as sides: a set directory, and a comma list. */
static void test_sets(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], list[3 * PATH_MAX], path[PATH_MAX], *out, *err;
	const char *argv[] = { "compare", a, b, "--json", path, "--history", "none" };
	json_t *j, *r;

	(void)state;
	snprintf(a, sizeof(a), "%s/setA", tu_tmpdir());
	snprintf(b, sizeof(b), "%s/setB", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/sets.json", tu_tmpdir());
	for (size_t i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%zu", i);
		replicate(BASE, a, name, levels[i]);
		replicate(NEW, b, name, levels[4 - i]);
	}
	assert_int_equal(compare(&out, &err, 7, argv), 3);
	assert_non_null(strstr(out, "A 6.1.0-base (3 runs)"));
	j = tu_json(path);
	r = row(json_object_get(j, "rows"), "uffd-wp", "mode=pre-read thp=never", "total_us");
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "better");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "noise"), "source")),
			    "replicates+report");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "base"), "runs")), 3);
	json_decref(j);
	free(out);
	free(err);

	/* the same runs named one by one */
	snprintf(list, sizeof(list), "%s/r0,%s/r1,%s/r2", a, a, a);
	argv[1] = list;
	assert_int_equal(compare(&out, &err, 7, argv), 3);
	assert_non_null(strstr(out, "A 6.1.0-base (3 runs)"));
	free(out);
	free(err);

	/* a set of one run is allowed, and says so */
	snprintf(list, sizeof(list), "%s/one", tu_tmpdir());
	replicate(BASE, list, "r0", 1);
	argv[1] = list;
	compare(&out, &err, 7, argv);
	assert_non_null(strstr(out, "A is a set of one run"));
	free(out);
	free(err);

	/* a run of another kernel in a set: one line naming it, exit 2 */
	replicate(NEW, a, "r9", 1);
	argv[1] = a;
	assert_int_equal(compare(&out, &err, 7, argv), 2);
	assert_non_null(strstr(err, "setA/r9: kernel 6.18.0-new differs from"));
	assert_int_equal(strchr(err, '\n')[1], '\0');
	free(out);
	free(err);
	/* --label narrows a set directory to the runs that carry it: none here */
	argv[1] = list;
	argv[5] = "--label";
	argv[6] = "nosuch";
	assert_int_equal(compare(&out, &err, 7, argv), 2);
	assert_non_null(strstr(err, "no whole run labelled 'nosuch'"));
	free(out);
	free(err);
}

/* What the runs were asked to do (--set, --opt) is part of the result: a difference is a warning. */
static void test_settings_differ(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], path[PATH_MAX], mpath[PATH_MAX + 32], *out, *err;
	const char *argv[] = { "compare", a, b, "--json", path, "--history", "none" };
	int set_seen = 0, opt_seen = 0;
	json_t *j, *d, *m;
	size_t i;

	(void)state;
	snprintf(a, sizeof(a), "%s", tu_copy_dir(BASE, "setsA"));
	snprintf(b, sizeof(b), "%s", tu_copy_dir(BASE, "setsB"));
	snprintf(path, sizeof(path), "%s/settings.json", tu_tmpdir());
	for (int side = 0; side < 2; side++) {
		snprintf(mpath, sizeof(mpath), "%s/manifest.json", side ? b : a);
		m = tu_json(mpath);
		json_object_set_new(m, "settings", side ?
			json_pack("{s{ss}s{s{ss}}}", "set", "thp.defrag", "never", "options",
				  "uffd-wp", "size", "2G") :
			json_pack("{s{}s{s{ss}}}", "set", "options", "uffd-wp", "size", "1G"));
		assert_int_equal(json_dump_file(m, mpath, JSON_INDENT(1)), 0);
		json_decref(m);
	}
	compare(&out, &err, 7, argv);
	assert_non_null(strstr(out, "! settings.set.thp.defrag  A (absent) | B never"));
	assert_non_null(strstr(out, "! settings.options.uffd-wp.size  A 1G | B 2G"));
	assert_non_null(strstr(out, "WARNING: the sides differ in more than the kernel: 2"));
	j = tu_json(path);
	json_array_foreach(json_object_get(j, "manifest_differences"), i, d) {
		const char *field = json_string_value(json_object_get(d, "field"));

		set_seen |= !strcmp(field, "settings.set.thp.defrag") &&
			    json_is_false(json_object_get(d, "kernel"));
		opt_seen |= !strcmp(field, "settings.options.uffd-wp.size") &&
			    json_is_false(json_object_get(d, "kernel"));
	}
	assert_true(set_seen && opt_seen);
	json_decref(j);
	free(out);
	free(err);
}

static void test_same_run_is_same(void **state)
{
	const char *argv[] = { "compare", BASE, BASE, "--history", "none" };
	char *out, *err;

	(void)state;
	/* one run against itself: no difference, and no claim of sameness either */
	assert_int_equal(compare(&out, &err, 5, argv), 0);
	assert_non_null(strstr(out, "verdicts: 0 better, 0 worse, 0 same, 18 inconclusive"));
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
	assert_non_null(strstr(out, "| metric | side | median |"));
	free(out);
	free(err);
}

static void test_plots_dir(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], *out, *err, *md;
	const char *argv[] = { "compare", BASE, NEW, "--format", "md", "--plots", dir, "--history",
			       history() };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cmp", tu_tmpdir());
	/* one run a side: the plots are drawn, and nothing can be worse */
	assert_int_equal(compare(&out, &err, 9, argv), 0);
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
	const char *argv[] = { "compare", BASE, dir, "--json", json, "--history", "none" };

	snprintf(json, sizeof(json), "%s/must-not-exist.json", tu_tmpdir());
	unlink(json);
	assert_int_equal(compare(&out, &err, 7, argv), 2);
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
	const char *fmt[] = { "compare", BASE, NEW, "--format", "pdf" };
	const char *opt[] = { "compare", BASE, NEW, "--frobnicate" };
	char *out, *err;

	(void)state;
	assert_int_equal(compare(&out, &err, 2, one), 2);
	free(out);
	free(err);
	assert_int_equal(compare(&out, &err, 5, fmt), 2);
	assert_non_null(strstr(err, "--format is text, md or html, not 'pdf'"));
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
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_boot_level),
		cmocka_unit_test(test_settings_differ),
		cmocka_unit_test(test_same_run_is_same),
		cmocka_unit_test(test_emulated_note),
		cmocka_unit_test(test_plots_dir),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
