/*
 * Unit tests of the archive's index (lib/archive/, `mmbench index`): brought up to date run by
 * run (added, changed, touched, removed), refused runs listed and never indexed, an index of
 * a newer schema refused untouched, one not of this archive rebuilt, a kill -9 mid-way leaving
 * it consistent; and trend and compare's history reading the same through it as without it.
 */
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "archive_fixture.h"
#include "testutil.h"

static char *index_root(const char *root, int want_rc)
{
	char *out = NULL;
	int rc = tu_run(&out, MMBENCH " index --root %s", root);

	if (rc != want_rc)
		fail_msg("index exited %d, not %d:\n%s", rc, want_rc, out ? out : "");
	return out;
}

static void expect_tally(const char *root, const char *tally)
{
	char *out = index_root(root, 0);

	if (!strstr(out, tally))
		fail_msg("no '%s' in:\n%s", tally, out);
	free(out);
}

/* One number asked of ROOT/index.sqlite. */
static double ask(const char *root, const char *sql)
{
	char path[4200];
	sqlite3 *db;
	sqlite3_stmt *st;
	double v = -1;

	snprintf(path, sizeof(path), "%s/index.sqlite", root);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_incremental(void **state)
{
	char root[4200];
	const char *dir;

	(void)state;
	snprintf(root, sizeof(root), "%s/inc", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	plain_run(root, "6.1.0", "r2", 101);
	plain_run(root, "6.2.0", "r1", 90);
	expect_tally(root, "3 runs: 3 added, 0 updated, 0 unchanged, 0 removed; 0 refused");
	assert_int_equal(ask(root, "SELECT count(*) FROM metrics"), 9);
	assert_int_equal(ask(root, "SELECT val FROM counters WHERE name = 'pgfault'"), 82);
	expect_tally(root, "3 runs: 0 added, 0 updated, 3 unchanged, 0 removed");
	/* new samples: read again; the index has the new median */
	plain_run(root, "6.2.0", "r1", 50);
	expect_tally(root, "3 runs: 0 added, 1 updated, 2 unchanged");
	assert_true(ask(root, "SELECT m.median FROM metrics m JOIN cases c ON c.id = m.case_ref "
			"JOIN benches b ON b.id = c.bench_ref JOIN runs r ON r.id = b.run_ref "
			"WHERE r.top = '6.2.0' AND c.key = 'mode=a' AND m.name = 'm'") < 60);
	/* the same content with new times: not read again, the times kept */
	dir = plain_run(root, "6.1.0", "r1", 100);
	assert_int_equal(tu_run(NULL, "touch -d '2030-01-01' %s/fake.json", dir), 0);
	expect_tally(root, "3 runs: 0 added, 0 updated, 3 unchanged");
	assert_true(ask(root, "SELECT max(mtime_ns) FROM files") > 1.8e18);
	plain_run(root, "6.3.0", "r1", 80);
	expect_tally(root, "4 runs: 1 added, 0 updated, 3 unchanged");
}

static void test_removed(void **state)
{
	char root[4200];

	(void)state;
	snprintf(root, sizeof(root), "%s/rm", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	plain_run(root, "6.2.0", "r1", 100);
	expect_tally(root, "2 added");
	assert_int_equal(tu_run(NULL, "rm -r %s/6.2.0", root), 0);
	expect_tally(root, "1 runs: 0 added, 0 updated, 1 unchanged, 1 removed");
	assert_int_equal(ask(root, "SELECT count(*) FROM runs"), 1);
	/* what only the removed run named goes with it */
	assert_int_equal(ask(root, "SELECT count(*) FROM kernels"), 1);
	assert_int_equal(ask(root, "SELECT count(*) FROM cases"), 2);
}

static void test_refused_listed_not_indexed(void **state)
{
	char root[4200], want[4400], *out;
	const char *dir;

	(void)state;
	snprintf(root, sizeof(root), "%s/bad", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	dir = plain_run(root, "6.1.0", "r2", 100);
	snprintf(want, sizeof(want), "%s/fake.json", dir);
	tu_write_file(want, "{\"schema\": \"mmbench/1\", \"bench\": \"fake\", \"cases\": [");
	out = index_root(root, 0);
	snprintf(want, sizeof(want), "refused: %s: %s/fake.json: ", dir, dir);
	if (!strstr(out, "1 refused") || !strstr(out, want))
		fail_msg("no refusal naming the file in:\n%s", out);
	free(out);
	assert_int_equal(ask(root, "SELECT count(*) FROM runs WHERE refused_file = 'fake.json'"), 1);
	assert_int_equal(ask(root, "SELECT count(*) FROM benches b JOIN runs r ON r.id = b.run_ref "
			 "WHERE r.refused IS NOT NULL"), 0);
	/* mended: indexed whole */
	plain_run(root, "6.1.0", "r2", 100);
	expect_tally(root, "1 updated, 1 unchanged, 0 removed; 0 refused");
	assert_int_equal(ask(root, "SELECT count(*) FROM benches"), 2);
}

static char *file_digest(const char *path)
{
	char *out = NULL;

	assert_int_equal(tu_run(&out, "sha256sum %s", path), 0);
	return out;
}

static void test_newer_schema_refused(void **state)
{
	char root[4200], db[4300], *before, *after, *out = NULL;

	(void)state;
	snprintf(root, sizeof(root), "%s/future", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	expect_tally(root, "1 added");
	snprintf(db, sizeof(db), "%s/index.sqlite", root);
	assert_int_equal(tu_run(NULL, "sqlite3 %s \"UPDATE meta SET value = '99' WHERE key = "
				"'schema_version'; PRAGMA wal_checkpoint(TRUNCATE)\" >/dev/null", db), 0);
	plain_run(root, "6.2.0", "r1", 100);
	before = file_digest(db);
	out = index_root(root, 2);
	if (!strstr(out, "schema version 99 is newer") || strchr(out, '\n') != strrchr(out, '\n'))
		fail_msg("not one line naming the version:\n%s", out);
	free(out);
	assert_int_equal(tu_run(&out, MMBENCH " trend --bench fake --metric m --root %s", root), 2);
	assert_non_null(strstr(out, "newer"));
	free(out);
	after = file_digest(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_not_ours_rebuilt(void **state)
{
	char root[4200], copy[4300], *out;

	(void)state;
	snprintf(root, sizeof(root), "%s/garbage", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	snprintf(copy, sizeof(copy), "%s/index.sqlite", root);
	tu_write_file(copy, "not a database at all, %d\n", 42);
	out = index_root(root, 0);
	assert_non_null(strstr(out, "rebuilt from the runs"));
	assert_non_null(strstr(out, "1 added"));
	free(out);
	/* a copy of the archive elsewhere: its index is of the original, so made again */
	snprintf(copy, sizeof(copy), "%s/garbage-copy", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "cp -a %s %s", root, copy), 0);
	out = index_root(copy, 0);
	assert_non_null(strstr(out, "rebuilt from the runs"));
	assert_non_null(strstr(out, "1 runs: 1 added"));
	free(out);
}

/* Every run of the index whole: its bench, cases and metrics, or nothing at all. */
static void assert_consistent(const char *root)
{
	assert_int_equal(ask(root, "SELECT count(*) FROM pragma_integrity_check WHERE "
			 "integrity_check <> 'ok'"), 0);
	assert_int_equal(ask(root, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM "
			 "metrics m JOIN cases c ON c.id = m.case_ref JOIN benches b ON "
			 "b.id = c.bench_ref WHERE b.run_ref = r.id) <> 3"), 0);
	assert_int_equal(ask(root, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM files f "
			 "WHERE f.run_ref = r.id) <> 2"), 0);
}

static void test_kill9_leaves_it_consistent(void **state)
{
	char root[4200], rel[32], id[32];
	bool caught = false;

	(void)state;
	snprintf(root, sizeof(root), "%s/kill", tu_tmpdir());
	for (int i = 0; i < 600; i++) {
		snprintf(rel, sizeof(rel), "6.%d.0", i / 20);
		snprintf(id, sizeof(id), "r%03d", i);
		plain_run(root, rel, id, 100 + i % 7);
	}
	for (int delay = 10; delay <= 640 && !caught; delay *= 2) {
		pid_t pid = fork();
		double n;

		assert_true(pid >= 0);
		if (!pid) {
			execl(MMBENCH, "mmbench", "index", "--root", root, (char *)NULL);
			_exit(127);
		}
		usleep(delay * 1000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* killed before its schema was committed: an empty index, nothing to check */
		if (tu_run(NULL, "test -s %s/index.sqlite", root) ||
		    !ask(root, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"))
			continue;
		n = ask(root, "SELECT count(*) FROM runs");
		assert_consistent(root);
		caught = n > 0 && n < 600;
		assert_int_equal(tu_run(NULL, "rm -f %s/index.sqlite*", root), 0);
	}
	if (!caught)
		printf("note: no kill landed mid-way; consistency checked at each\n");
	/* killed again mid-way, then brought up to date: the same as built in one go */
	expect_tally(root, "600 added");
	assert_consistent(root);
	assert_int_equal(ask(root, "SELECT count(*) FROM runs"), 600);
}

/* Two indexers at once, and a trend reading meanwhile: every run indexed once, none lost */
static void test_concurrent_writers(void **state)
{
	char root[4200], rel[32], id[32], *out = NULL;
	pid_t pid[3];
	int st;

	(void)state;
	snprintf(root, sizeof(root), "%s/conc", tu_tmpdir());
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "6.%d.0", i / 30);
		snprintf(id, sizeof(id), "r%03d", i);
		plain_run(root, rel, id, 100 + i % 7);
	}
	for (int i = 0; i < 3; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (!pid[i]) {
			/* stdout away: the parent checks exits and the index, not words */
			if (!freopen("/dev/null", "w", stdout))
				_exit(126);
			if (i < 2)
				execl(MMBENCH, "mmbench", "index", "--root", root, (char *)NULL);
			else
				execl(MMBENCH, "mmbench", "trend", "--bench", "fake", "--metric", "m",
				      "--root", root, "--history", "none", (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail_msg("process %d of 3 ended with status %#x", i, st);
	}
	assert_int_equal(ask(root, "SELECT count(*) FROM runs"), 300);
	assert_consistent(root);
	assert_int_equal(tu_run(&out, MMBENCH " index --root %s", root), 0);
	assert_non_null(strstr(out, "300 runs: 0 added, 0 updated, 300 unchanged, 0 removed"));
	free(out);
}

/* trend's text and JSON with MMBENCH_INDEX=@mode. */
static char *trend_out(const char *root, const char *mode, const char *args, const char *json)
{
	char *out = NULL;

	if (tu_run(&out, "MMBENCH_INDEX=%s " MMBENCH " trend --bench fake --metric m --root %s "
		   "--json %s %s", mode, root, json, args))
		fail_msg("trend (index %s) failed:\n%s", mode, out ? out : "");
	return out;
}

static void same_both_ways(const char *root, const char *args)
{
	char a[4200], b[4200], *ta, *tb, *ja, *jb;

	snprintf(a, sizeof(a), "%s/direct.json", tu_tmpdir());
	snprintf(b, sizeof(b), "%s/indexed.json", tu_tmpdir());
	ta = trend_out(root, "off", args, a);
	tb = trend_out(root, "on", args, b);
	ja = tu_slurp("%s", a);
	jb = tu_slurp("%s", b);
	assert_string_equal(ta, tb);
	assert_string_equal(ja, jb);
	if (!strstr(jb, "history"))
		fail_msg("no step used the history:\n%s", jb);
	free(ta);
	free(tb);
	free(ja);
	free(jb);
}

static void test_trend_same_through_index(void **state)
{
	char root[4200];

	(void)state;
	snprintf(root, sizeof(root), "%s/rich", tu_tmpdir());
	rich_archive(root);
	same_both_ways(root, "--label a");
	/* again on the index as now made, and after a run changed under it */
	same_both_ways(root, "--label a --case mode=b");
	arc_run(root, "6.6.0", "2026-1", "a", "boot-5-0", "cpu A", "1M", 140, 29);
	same_both_ways(root, "--label a");
	/* 6.6.0/2026-1 was there: changed in place, not added */
	assert_int_equal(ask(root, "SELECT count(*) FROM runs"), 36);
	assert_true(ask(root, "SELECT m.median FROM metrics m JOIN cases c ON c.id = m.case_ref "
			"JOIN benches b ON b.id = c.bench_ref JOIN runs r ON r.id = b.run_ref "
			"WHERE r.top = '6.6.0' AND r.sub = '2026-1' AND c.key = 'mode=a' "
			"AND m.name = 'm'") > 130);
}

static void test_compare_history_same_through_index(void **state)
{
	char root[4200], a[4300], b[4300], *ta = NULL, *tb = NULL, *ja, *jb;

	(void)state;
	snprintf(root, sizeof(root), "%s/cmp", tu_tmpdir());
	rich_archive(root);
	expect_tally(root, "added");
	snprintf(a, sizeof(a), "%s/cmp-direct.json", tu_tmpdir());
	snprintf(b, sizeof(b), "%s/cmp-indexed.json", tu_tmpdir());
	tu_run(&ta, "MMBENCH_INDEX=off " MMBENCH " compare %s/6.1.0 %s/6.2.0 --label a --json %s",
	       root, root, a);
	tu_run(&tb, MMBENCH " compare %s/6.1.0 %s/6.2.0 --label a --json %s", root, root, b);
	assert_string_equal(ta, tb);
	if (!strstr(tb, "history"))
		fail_msg("compare used no history:\n%s", tb);
	ja = tu_slurp("%s", a);
	jb = tu_slurp("%s", b);
	assert_non_null(ja);
	assert_string_equal(ja, jb);
	free(ta);
	free(tb);
	free(ja);
	free(jb);
}

/* compare's history of a root with no index: every run read, no index made (history never makes one) */
static void test_history_without_index(void **state)
{
	char root[4200], *out = NULL;
	int rc;

	(void)state;
	snprintf(root, sizeof(root), "%s/noidx", tu_tmpdir());
	rich_archive(root);
	rc = tu_run(&out, MMBENCH " compare %s/6.1.0 %s/6.2.0 --label a", root, root);
	if (rc != 0 && rc != 3)
		fail_msg("compare exited %d:\n%s", rc, out ? out : "");
	assert_non_null(strstr(out, "history"));
	assert_int_equal(tu_run(NULL, "test -e %s/index.sqlite", root), 1);
	free(out);
}

/* export --kcidb: one test per run, case and metric, the median its number, samples in misc */
static void test_export_kcidb(void **state)
{
	char root[4200], path[4300];
	json_t *j, *tests, *t = NULL, *v;
	size_t i, pass = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s/kcidb", tu_tmpdir());
	plain_run(root, "6.1.0", "r1", 100);
	plain_run(root, "6.2.0", "r1", 90);
	snprintf(path, sizeof(path), "%s/k.json", tu_tmpdir());
	assert_int_equal(tu_run(NULL, MMBENCH " export --kcidb --root %s > %s", root, path), 0);
	j = tu_json(path);
	assert_non_null(j);
	tests = json_object_get(j, "tests");
	/* 2 runs x (mode=a: m, n; mode=b: m) */
	assert_int_equal(json_array_size(tests), 6);
	assert_int_equal(json_array_size(json_object_get(j, "builds")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "version"),
							    "major")), 4);
	json_array_foreach(tests, i, v) {
		pass += !strcmp(json_string_value(json_object_get(v, "status")), "PASS");
		if (!strcmp(json_string_value(json_object_get(v, "path")), "mmbench.fake.mode=a.m") &&
		    !strcmp(json_string_value(json_object_get(v, "build_id")), "mmbench:6.2.0"))
			t = v;
	}
	assert_int_equal(pass, 6);
	assert_non_null(t);
	/* samples 90 x (1 + 0.01 x {-2, 1, -1}) (arc_run's noise for seed 90): median 89.1 */
	assert_true(fabs(json_real_value(json_object_get(json_object_get(t, "number"), "value")) -
			 89.1) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "number"),
							      "unit")), "ns");
	assert_int_equal(json_array_size(json_object_get(json_object_get(t, "misc"), "samples")), 3);
	json_decref(j);
	assert_int_equal(tu_run(NULL, MMBENCH " export --root %s >/dev/null 2>&1", root), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_refused_listed_not_indexed),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_not_ours_rebuilt),
		cmocka_unit_test(test_kill9_leaves_it_consistent),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_trend_same_through_index),
		cmocka_unit_test(test_compare_history_same_through_index),
		cmocka_unit_test(test_history_without_index),
		cmocka_unit_test(test_export_kcidb),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tu_cleanup();
	return rc;
}
