/* A run directory from elsewhere is untrusted: each hostile or broken input gets one line naming the file, exit 2, nothing written. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "results/results_write.h"
#include "results/results_read.h"
#include "results/untrusted.h"

#define DATA	"tests/data/"

static char dir[PATH_MAX];

/* A fresh copy of the base run to spoil. */
static const char *fresh(void)
{
	snprintf(dir, sizeof(dir), "%s", tu_copy_dir(DATA "run-base", "hostile"));
	return dir;
}

static const char *in_dir(const char *file)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return path;
}

static json_t *load(const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return tu_json(path);
}

static void save(const char *file, json_t *j)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
	json_decref(j);
}

/* The first case of uffd-wp.json, and its first metric. */
static json_t *case0(json_t *b)
{
	return json_array_get(json_object_get(b, "cases"), 0);
}

static json_t *metric0(json_t *b)
{
	return json_array_get(json_object_get(case0(b), "metrics"), 0);
}

/*
 * report and compare of the spoiled run: exit 2 and exactly one line, which names @file
 * and says @what, carries no raw control character, and nothing was written.
 */
static void expect_refused(const char *file, const char *what)
{
	char *out = NULL, path[PATH_MAX + 64], name[PATH_MAX + 64];
	int lines = 0;

	assert_int_equal(tu_run(&out, "timeout 20 ./build/mmbench report %s", dir), 2);
	for (const char *p = out; *p; p++) {
		lines += *p == '\n';
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("a raw control character 0x%02x reached the terminal: %s", *p, out);
	}
	if (lines != 1 || !strstr(out, what))
		fail_msg("want one line saying '%s', got %d:\n%s", what, lines, out);
	snprintf(name, sizeof(name), "%s/%s", dir, file);
	if (!strstr(out, name))
		fail_msg("the line does not name %s: %s", name, out);
	free(out);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	/* compare reads the same way: the same one line, and nothing on stdout */
	assert_int_equal(tu_run(&out, "timeout 20 ./build/mmbench compare %s %s 2>/dev/null | wc -c",
				DATA "run-new", dir), 0);
	assert_int_equal(atoi(out), 0);
	free(out);
	assert_int_equal(tu_run(NULL, "timeout 20 ./build/mmbench compare %s %s", DATA "run-new",
				dir), 2);
}

/* Spoilt by a shell command run in the copy: one row per way a file can be wrong. */
struct spoil {
	const char *cmd, *file, *what;
};

static void refuse_each(const struct spoil *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fresh();
		assert_int_equal(tu_run(NULL, "cd %s && %s", dir, s[i].cmd), 0);
		expect_refused(s[i].file, s[i].what);
	}
}

#define REFUSE_EACH(table) refuse_each(table, sizeof(table) / sizeof(table[0]))

static void test_files(void **state)
{
	static const struct spoil rows[] = {
		{ "mv uffd-wp.json ../real.json && ln -s ../real.json uffd-wp.json", "uffd-wp.json",
		  "a symbolic link, not a file" },
		{ "mv manifest.json ../m.json && ln -s ../m.json manifest.json", "manifest.json",
		  "a symbolic link" },
		{ "ln -s /etc/passwd INCOMPLETE", "INCOMPLETE", "a symbolic link" },
		/* a FIFO must not hang the reader */
		{ "mkfifo zz.json", "zz.json", "not a regular file" },
		{ "mkdir zz.json", "zz.json", "not a regular file" },
		/* sparse: gigabytes on paper, nothing on disk */
		{ "truncate -s 3G uffd-wp.json", "uffd-wp.json", "3221225472 bytes: more than the 64 MiB" },
		{ "truncate -s 2M sweep.txt", "sweep.txt", "more than the 1 MiB" },
		/* deeper than jansson itself parses */
		{ "{ printf '{\"schema\":\"mmbench/1\",\"x\":'; for i in $(seq 5000); do printf '['; "
		  "done; } > deep.json", "deep.json", "not valid JSON" },
		/* JSON has no NaN and no infinity: as a careless tool writes them */
		{ "sed -i '0,/152.31/s//NaN/' uffd-wp.json", "uffd-wp.json", "not valid JSON" },
		{ "sed -i '0,/152.31/s//-Infinity/' uffd-wp.json", "uffd-wp.json", "not valid JSON" },
		{ "sed -i '0,/152.31/s//1e999/' uffd-wp.json", "uffd-wp.json", "not valid JSON" },
		{ "sed -i '0,/152.31/s//99999999999999999999999/' uffd-wp.json", "uffd-wp.json",
		  "not valid JSON" },
		/* the same key twice in one object: jansson would keep the last */
		{ "sed -i '0,/\"status\": \"ok\"/s//\"status\": \"ok\", \"status\": \"skip\"/' "
		  "uffd-wp.json", "uffd-wp.json", "duplicate object key" },
		{ "cp uffd-wp.json uffd-wp-copy.json", "uffd-wp.json",
		  "bench \"uffd-wp\" is also in another file" },
		{ "printf 'incomplete: \\033[31mred\\n' > INCOMPLETE", "INCOMPLETE", "the character 0x1b" },
	};

	(void)state;
	REFUSE_EACH(rows);
}

static void test_deep_nesting(void **state)
{
	json_t *m, *v = json_integer(1);

	(void)state;
	fresh();
	m = load("manifest.json");
	for (int i = 0; i < 40; i++) {
		json_t *a = json_array();

		json_array_append_new(a, v);
		v = a;
	}
	json_object_set_new(m, "extra", v);
	save("manifest.json", m);
	expect_refused("manifest.json", "nested deeper than 16 levels at extra[0][0]");
}

/* One value of a file replaced: @where is keys and array indices with dots ("cases.0.reason"). */
struct edit {
	const char *file, *where, *json, *what;
};

static void set_at(json_t *j, const char *where, json_t *v)
{
	char path[256], *save = NULL, *tok, *next;

	snprintf(path, sizeof(path), "%s", where);
	for (tok = strtok_r(path, ".", &save); (next = strtok_r(NULL, ".", &save)); tok = next)
		j = json_is_array(j) ? json_array_get(j, atoi(tok)) : json_object_get(j, tok);
	assert_non_null(j);
	if (json_is_array(j))
		assert_int_equal(json_array_set_new(j, atoi(tok), v), 0);
	else
		assert_int_equal(json_object_set_new(j, tok, v), 0);
}

static void test_values(void **state)
{
	static const struct edit rows[] = {
		{ "uffd-wp.json", "cases.0.metrics.0.samples.1", "1e300",
		  "cases[0].metrics[0].samples[1]: 1e+300 is out of range" },
		{ "uffd-wp.json", "params.reps", "-3", "params.reps is not a number of repetitions" },
		{ "manifest.json", "start_time", "1e17", "start_time 1e+17 is not a time" },
		/* clear the screen, then a window title: what a terminal would obey */
		{ "uffd-wp.json", "cases.0.reason", "\"\\u001b[2J\\u001b]0;pwned\\u0007\"",
		  "cases[0].reason: a string with the character 0x1b" },
		/* the C1 CSI, U+009B */
		{ "manifest.json", "kernel.release", "\"6.1\\u009b2J\"",
		  "kernel.release: a string with the character 0x9b" },
		{ "uffd-wp.json", "cases.0.metrics.0.unit", "\"us`touch /tmp/x`\"",
		  "a string with the character 0x60" },
		{ "uffd-wp.json", "bench", "\"../../escape\"", "bench name \"../../escape\" is not letters" },
		{ "uffd-wp.json", "cases.0.case", "\"mode=a/b\"", "case \"mode=a/b\": a key is words of" },
		{ "uffd-wp.json", "cases.0.metrics.0.name", "\"x'y\"", "metric name \"x'y\"" },
		{ "uffd-wp.json", "cases.0.counters.minor-faults", "{\"val\": -5}",
		  "counter minor-faults: val is not a count" },
		{ "uffd-wp.json", "cases.0.status", "\"fine\"", "status \"fine\" is not ok|skip|error" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *j;

		fresh();
		j = load(rows[i].file);
		set_at(j, rows[i].where, json_loads(rows[i].json, JSON_DECODE_ANY, NULL));
		save(rows[i].file, j);
		expect_refused(rows[i].file, rows[i].what);
	}
}

/* A case, then a metric, listed twice. */
static void test_duplicates(void **state)
{
	json_t *b, *cases;

	(void)state;
	fresh();
	b = load("uffd-wp.json");
	cases = json_object_get(b, "cases");
	json_array_append_new(cases, json_deep_copy(json_array_get(cases, 2)));
	save("uffd-wp.json", b);
	expect_refused("uffd-wp.json", "case \"mode=pre-read thp=never\" appears twice");
	fresh();
	b = load("uffd-wp.json");
	json_array_append_new(json_object_get(case0(b), "metrics"), json_deep_copy(metric0(b)));
	save("uffd-wp.json", b);
	expect_refused("uffd-wp.json", "metric total_us appears twice");
}

/* What the run itself left: INCOMPLETE from mmbench (not a VM transfer's) makes compare refuse. */
static void test_unwritten_run_refused(void **state)
{
	char *out = NULL;
	int lines = 0;

	(void)state;
	fresh();
	tu_write_file(in_dir("INCOMPLETE"),
		      RUN_UNWRITTEN "fault-scale.json: No space left on device\n");
	assert_int_equal(tu_run(&out, "./build/mmbench compare %s %s", DATA "run-new", dir), 2);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, "an INCOMPLETE run (not written: fault-scale.json: No space "
			       "left on device): its results are not whole"));
	free(out);
	/* the report still renders it, with the banner */
	assert_int_equal(tu_run(NULL, "./build/mmbench report %s", dir), 0);
	out = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(out, "*** INCOMPLETE run: incomplete: not written: fault-scale.json"));
	free(out);
	/* a run that never finished is refused the same way */
	fresh();
	tu_write_file(in_dir("INCOMPLETE"),
		      RUN_UNFINISHED "\n");
	assert_int_equal(tu_run(NULL, "./build/mmbench compare %s %s", DATA "run-new", dir), 2);
	/* a VM transfer's note is not mmbench's: compared, with the warning */
	fresh();
	tu_write_file(in_dir("INCOMPLETE"),
		      "incomplete: the guest was stopped at --timeout 240s\n");
	/* compared (0, or 3 if something were worse), not refused (2) */
	assert_int_equal(tu_run(&out, "./build/mmbench compare %s %s --history none", DATA "run-new",
				dir), 0);
	assert_non_null(strstr(out, "B is an INCOMPLETE run"));
	free(out);
}

/* The reader's limits hold for a good run too: the fixtures load as before. */
static void test_fixtures_load(void **state)
{
	static const char *const runs[] = { "run-base", "run-new", "run-tcg" };
	struct rl_run run;

	(void)state;
	for (int i = 0; i < 3; i++) {
		char d[PATH_MAX];

		snprintf(d, sizeof(d), DATA "%s", runs[i]);
		assert_int_equal(rl_load_whole(d, &run), 0);
		assert_true(run.nr_benches >= 1);
		rl_free(&run);
	}
}

/*
 * rl_load_light(): the same metrics with medians only (no intervals), and silent; it puts
 * the reader's quiet back as it found it, so a light load inside a quiet one stays quiet.
 */
static void test_light_load(void **state)
{
	struct rl_run full, light;
	const struct rl_metric *a, *b;

	(void)state;
	assert_int_equal(rl_load(DATA "run-base", &full), 0);
	assert_int_equal(rl_load_light(DATA "run-base", &light), 0);
	a = rl_find_metric(rl_find_case(rl_find_bench(&full, "uffd-wp"), "mode=pre-read thp=never"),
			   "total_us");
	b = rl_find_metric(rl_find_case(rl_find_bench(&light, "uffd-wp"), "mode=pre-read thp=never"),
			   "total_us");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->n, b->n);
	assert_true(a->s.median == b->s.median);
	assert_true(isfinite(a->s.ci_lo) && isnan(b->s.ci_lo));
	rl_free(&full);
	rl_free(&light);
	/* quiet before: still quiet after; and not quiet after when it was not */
	assert_false(ut_quiet(true));
	assert_int_not_equal(rl_load_light(DATA "no-such-run", &light), 0);
	assert_true(ut_quiet(false));
	assert_int_not_equal(rl_load_light(DATA "no-such-run", &light), 0);
	assert_false(ut_quiet(false));
	assert_non_null(strstr(rl_load_said(), "no-such-run"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_load),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_unwritten_run_refused),
		cmocka_unit_test(test_light_load),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
