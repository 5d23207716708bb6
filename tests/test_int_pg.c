/*
 * Integration test of the shared archive in PostgreSQL: a real, throwaway server (Debian's
 * postgresql: initdb and pg_ctl in a temporary directory, as the postgres user when root,
 * on a Unix socket only, stopped at the end). Two archive roots of two hosts pushed (one
 * twice) read as one archive by trend --db, their index rows in the database as in each
 * root's own index, once each; pull gives back run directories byte for byte
 * that compare accepts, and trend --db (the database's index, no file) says of them what
 * trend --root says; a database that does not answer and a schema from the future are
 * one line and exit 2; a push killed mid-way leaves every run in the database whole or absent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "testutil.h"

#define MMBENCH	"./build/mmbench"
#define PGBIN	"/usr/lib/postgresql/15/bin"
#define CASE	"--bench uffd-wp --metric total_us --case 'mode=default thp=never'"

static char pgdir[256], url[512], roots[2][300];
static int port;
static bool started;

/* @cmd as the server's owner: postgres when we are root (initdb refuses root). */
static int as_owner(const char *cmd)
{
	return tu_is_root() ? tu_run(NULL, "runuser -u postgres -- %s", cmd) : tu_run(NULL, "%s", cmd);
}

static int start_server(void **state)
{
	char cmd[1024];

	(void)state;
	if (access(PGBIN "/initdb", X_OK) || access(PGBIN "/pg_ctl", X_OK))
		return 0;
	snprintf(pgdir, sizeof(pgdir), "/tmp/mmbench-pg.XXXXXX");
	if (!mkdtemp(pgdir))
		return -1;
	port = 40000 + getpid() % 20000;
	if (tu_is_root() && tu_run(NULL, "chown postgres %s", pgdir))
		return -1;
	snprintf(cmd, sizeof(cmd), PGBIN "/initdb -D %s/data -A trust -U postgres", pgdir);
	if (as_owner(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), PGBIN "/pg_ctl -D %s/data -l %s/log -w -o \"-k %s -p %d "
		 "-c listen_addresses=''\" start", pgdir, pgdir, pgdir, port);
	if (as_owner(cmd))
		return -1;
	started = true;
	snprintf(url, sizeof(url), "postgresql:///postgres?host=%s&port=%d&user=postgres", pgdir,
		 port);
	/* two hosts' archives: 40 runs of 4 kernels on the first, 20 of 2 on "cpu B" */
	for (int i = 0; i < 2; i++) {
		snprintf(roots[i], sizeof(roots[i]), "%s/root%d", pgdir, i);
		if (tu_run(NULL, "python3 scripts/archive-synth.py --from tests/data/run-base "
			   "--runs %d --kernels %d --seed %d %s --out %s", i ? 20 : 40, i ? 2 : 4,
			   i + 1, i ? "--host 'cpu B'" : "", roots[i]))
			return -1;
	}
	return 0;
}

static int stop_server(void **state)
{
	char cmd[1024];

	if (started) {
		snprintf(cmd, sizeof(cmd), PGBIN "/pg_ctl -D %s/data -m immediate -w stop", pgdir);
		as_owner(cmd);
	}
	if (pgdir[0])
		tu_run(NULL, "rm -rf %s", pgdir);
	return tu_teardown(state);
}

static void need_server(void)
{
	if (!started)
		tu_skip("no PostgreSQL server binaries in " PGBIN " (scripts/deps.sh installs "
			"postgresql)");
}

/* What `CMD --db URL` says; it must exit 0. */
static char *ok_out(const char *cmd)
{
	char *out = NULL;
	int rc = tu_run(&out, "%s --db '%s'", cmd, url);

	if (rc)
		fail_msg("exit %d:\n%s", rc, out ? out : "");
	return out;
}

static double psql(const char *sql)
{
	char *out = NULL;
	double v;

	assert_int_equal(tu_run(&out, "psql '%s' -tAc \"%s\"", url, sql), 0);
	v = atof(out);
	free(out);
	return v;
}

/* The first column of the first row of @sql in the database's index, as text. */
static char *psql_str(const char *sql)
{
	char *out = NULL;

	assert_int_equal(tu_run(&out, "PGOPTIONS='-c search_path=mmbench_index' psql '%s' "
				"-tAc \"%s\"", url, sql), 0);
	out[strcspn(out, "\n")] = 0;
	return out;
}

/* The same of ROOT/index.sqlite. */
static char *local_str(const char *root, const char *sql)
{
	char path[400], *v = NULL;
	sqlite3_stmt *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/index.sqlite", root);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_non_null(v);
	return v;
}

/* A metric's samples of run .../20260000-0003 (uffd-wp's second case) alike in both. */
static void same_samples(const char *root, const char *host)
{
	static const char where[] = "FROM metrics m JOIN cases c ON c.id = m.case_ref JOIN "
		"benches b ON b.id = c.bench_ref JOIN runs r ON r.id = b.run_ref JOIN hosts h ON "
		"h.id = r.host_ref WHERE h.fingerprint = '%s' AND r.sub = '20260000-0003' AND "
		"b.name = 'uffd-wp' AND c.ord = 1 AND m.ord = 0";
	char sql[1024], fmt[1024], *local, *db;

	snprintf(fmt, sizeof(fmt), "SELECT lower(hex(m.samples)) %s", where);
	snprintf(sql, sizeof(sql), fmt, host);
	local = local_str(root, sql);
	/* PostgreSQL's hex() is encode(, 'hex') */
	snprintf(fmt, sizeof(fmt), "SELECT encode(m.samples, 'hex') %s", where);
	snprintf(sql, sizeof(sql), fmt, host);
	db = psql_str(sql);
	assert_true(strlen(local) > 16);
	assert_string_equal(db, local);
	free(db);
	free(local);
}

/*
 * Every table of the index holds as many rows of each host in the database as that host's
 * root has in its own index, and the same samples, bit for bit: one SQL for both engines.
 */
static void same_rows_as_local(void)
{
	static const char *const tables[][2] = {
		{ "runs r", "" },
		{ "files t", "JOIN runs r ON r.id = t.run_ref" },
		{ "knobs t", "JOIN runs r ON r.id = t.run_ref" },
		{ "benches t", "JOIN runs r ON r.id = t.run_ref" },
		{ "cases t", "JOIN benches b ON b.id = t.bench_ref JOIN runs r ON r.id = b.run_ref" },
		{ "metrics t", "JOIN cases c ON c.id = t.case_ref JOIN benches b ON "
		  "b.id = c.bench_ref JOIN runs r ON r.id = b.run_ref" },
		{ "counters t", "JOIN cases c ON c.id = t.case_ref JOIN benches b ON "
		  "b.id = c.bench_ref JOIN runs r ON r.id = b.run_ref" },
	};
	char sql[1024];

	for (int i = 0; i < 2; i++) {
		char *host = local_str(roots[i], "SELECT fingerprint FROM hosts");

		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
			char *db, *local;

			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s %s JOIN hosts h ON "
				 "h.id = r.host_ref WHERE r.refused IS NULL AND h.fingerprint = '%s'",
				 tables[t][0], tables[t][1], host);
			db = psql_str(sql);
			local = local_str(roots[i], sql);
			if (strcmp(db, local) || !strcmp(local, "0"))
				fail_msg("%s: %s rows in the database, %s in %s", tables[t][0], db,
					 local, roots[i]);
			free(db);
			free(local);
		}
		same_samples(roots[i], host);
		free(host);
	}
}

/* trend's row of @kernel: kernel, runs, centre and interval (the step depends on neighbours). */
static void row_of(const char *out, const char *kernel, char *buf, size_t len)
{
	const char *p = strstr(out, kernel);
	char k[64], runs[16], centre[32], lo[32], hi[32];

	assert_non_null(p);
	assert_int_equal(sscanf(p, "%63s %15s %31s %31s %31s", k, runs, centre, lo, hi), 5);
	snprintf(buf, len, "%s %s %s %s %s", k, runs, centre, lo, hi);
}

static void test_two_roots_one_archive(void **state)
{
	char a[1024], b[256], *out, *local = NULL;

	(void)state;
	need_server();
	snprintf(a, sizeof(a), MMBENCH " push %s", roots[0]);
	out = ok_out(a);
	assert_non_null(strstr(out, "40 runs sent, 0 there already"));
	free(out);
	/* the second root, and the first again: nothing of it sent twice */
	snprintf(a, sizeof(a), MMBENCH " push %s %s", roots[1], roots[0]);
	out = ok_out(a);
	assert_non_null(strstr(out, "20 runs sent, 0 there already"));
	assert_non_null(strstr(out, "0 runs sent, 40 there already"));
	free(out);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_runs"), 60);
	assert_int_equal(psql("SELECT count(DISTINCT host) FROM mmbench_runs"), 2);
	/* the index's rows too: 60 runs, each once, of their two hosts */
	assert_int_equal(psql("SELECT count(*) FROM mmbench_index.runs"), 60);
	assert_int_equal(psql("SELECT count(DISTINCT host_ref) FROM mmbench_index.runs"), 2);
	same_rows_as_local();
	/* a run of the second root changed: pushed again, its rows replaced, not added */
	assert_int_equal(tu_run(NULL, "python3 -c \"import json, sys; p = sys.argv[1]; "
				"j = json.load(open(p)); m = j['cases'][1]['metrics'][0]; "
				"m['samples'] = [x * 2 for x in m['samples']]; m.pop('median', None); "
				"json.dump(j, open(p, 'w'))\" %s/6.1.0-synth/20260000-0003/uffd-wp.json",
				roots[1]), 0);
	snprintf(a, sizeof(a), MMBENCH " push %s", roots[1]);
	out = ok_out(a);
	assert_non_null(strstr(out, "1 runs sent, 19 there already"));
	free(out);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_index.runs"), 60);
	same_rows_as_local();
	snprintf(a, sizeof(a), "MMBENCH_DB_CACHE=%s/cache " MMBENCH " trend " CASE, pgdir);
	out = ok_out(a);
	assert_non_null(strstr(out, "4 kernels, 60 runs"));
	/* read in the database: nothing pulled */
	assert_int_equal(tu_run(NULL, "test -e %s/cache", pgdir), 1);
	/* 6.3 only the first host ran: its row as the first root alone has it */
	assert_int_equal(tu_run(&local, MMBENCH " trend " CASE " --root %s", roots[0]), 0);
	row_of(out, "6.3.0-synth", a, sizeof(a));
	row_of(local, "6.3.0-synth", b, sizeof(b));
	assert_string_equal(a, b);
	assert_non_null(strstr(a, " 10 "));
	free(out);
	free(local);
}

/*
 * trend --db reads the database's index, no file: its stdout and --json byte for byte those
 * of trend --root of the same runs pulled (the archive's name in place of the root's), the
 * cache it no longer needs left empty.
 */
static void same_trend(const char *args, const char *pulled)
{
	char cmd[2048], name[512], *db, *root, *dbj, *rootj;
	const char *p;

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/empty && MMBENCH_DB_CACHE=%s/empty " MMBENCH
		 " trend %s --json %s/db.json > %s/db.txt --db '%s'", pgdir, pgdir, args, pgdir,
		 pgdir, url);
	assert_int_equal(tu_run(NULL, "%s", cmd), 0);
	assert_int_equal(tu_run(NULL, "test -z \"$(ls -A %s/empty)\"", pgdir), 0);
	db = tu_slurp("%s/db.txt", pgdir);
	assert_non_null(db);
	/* the archive's name: never the URL (it may hold a password) */
	p = strstr(db, " runs under ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, " runs under %511s", name), 1);
	assert_null(strstr(name, "user="));
	assert_null(strchr(name, '#'));
	/* the root's name as the database's, in its text and JSON */
	assert_int_equal(tu_run(NULL, MMBENCH " trend %s --root %s --json %s/root.json | "
				"sed 's#%s#%s#g' > %s/root.txt && sed -i 's#%s#%s#g' %s/root.json",
				args, pulled, pgdir, pulled, name, pgdir, pulled, name, pgdir), 0);
	root = tu_slurp("%s/root.txt", pgdir);
	dbj = tu_slurp("%s/db.json", pgdir);
	rootj = tu_slurp("%s/root.json", pgdir);
	assert_non_null(root);
	assert_non_null(dbj);
	assert_non_null(rootj);
	assert_string_equal(db, root);
	assert_string_equal(dbj, rootj);
	free(db);
	free(root);
	free(dbj);
	free(rootj);
}

/* Both hosts' runs, the second host's beside the first's of the same name (as pulled). */
static void test_trend_reads_db(void **state)
{
	char pulled[300];

	(void)state;
	need_server();
	snprintf(pulled, sizeof(pulled), "%s/pulled", pgdir);
	same_trend(CASE, pulled);
	same_trend("--bench uffd-wp --metric total_us --format md", pulled);
	same_trend("--bench fault-scale --metric faults_per_sec --history none", pulled);
}

static void test_pull_gives_runs_back(void **state)
{
	char dst[300], cmd[512], *out;

	(void)state;
	need_server();
	snprintf(dst, sizeof(dst), "%s/pulled", pgdir);
	snprintf(cmd, sizeof(cmd), MMBENCH " pull --out %s", dst);
	out = ok_out(cmd);
	assert_non_null(strstr(out, "60 runs written, 0 there already"));
	free(out);
	out = ok_out(cmd);
	assert_non_null(strstr(out, "0 runs written, 60 there already"));
	free(out);
	/* byte for byte; the second host's run of the same name beside it, by its database id */
	assert_int_equal(tu_run(NULL, "cmp %s/6.2.0-synth/20260001-0003/uffd-wp.json "
				"%s/6.2.0-synth/20260001-0003/uffd-wp.json", roots[0], dst), 0);
	assert_int_equal(tu_run(NULL, "ls -d %s/6.2.0-synth/20260001-0003.db* | wc -l | "
				"grep -qx 1", dst), 0);
	snprintf(dst + strlen(dst), sizeof(dst) - strlen(dst), "/6.1.0-synth/20260000-000");
	out = NULL;
	if (tu_run(&out, MMBENCH " compare %s1 %s2", dst, dst) == 2)
		fail_msg("compare refused the pulled runs:\n%s", out);
	if (!strstr(out, "2 sides") || !strstr(out, "summary:"))
		fail_msg("compare of the pulled runs:\n%s", out);
	free(out);
}

/* push killed at once and later: each run in the database whole (its 3 files, its rows) or not there */
static void test_kill9_push(void **state)
{
	char root[300], cmd[1024], *out;
	bool caught = false;

	(void)state;
	need_server();
	snprintf(root, sizeof(root), "%s/root-kill", pgdir);
	assert_int_equal(tu_run(NULL, "python3 scripts/archive-synth.py --from tests/data/run-base "
				"--runs 300 --kernels 10 --host 'cpu C' --out %s", root), 0);
	for (int delay = 50; delay <= 3200 && !caught; delay *= 2) {
		pid_t pid = fork();
		double n;

		assert_true(pid >= 0);
		if (!pid) {
			if (!freopen("/dev/null", "w", stdout))
				_exit(126);
			execl(MMBENCH, "mmbench", "push", root, "--db", url, (char *)NULL);
			_exit(127);
		}
		usleep(delay * 1000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		assert_int_equal(psql("SELECT count(*) FROM mmbench_runs r WHERE (SELECT count(*) "
				      "FROM mmbench_files f WHERE f.run_ref = r.id) <> 3"), 0);
		/* and its rows of the index with it, all of them (its 2 benches) */
		assert_int_equal(psql("SELECT count(*) FROM mmbench_runs r WHERE (SELECT count(*) "
				      "FROM mmbench_index.benches b WHERE b.run_ref = r.id) <> 2"), 0);
		n = psql("SELECT count(*) FROM mmbench_runs WHERE host LIKE 'cpu C/%'");
		caught = n > 0 && n < 300;
	}
	if (!caught)
		printf("note: no kill landed mid-push; the database was checked whole at each\n");
	snprintf(cmd, sizeof(cmd), MMBENCH " push %s", root);
	out = ok_out(cmd);
	assert_non_null(strstr(out, "there already"));
	free(out);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_runs WHERE host LIKE 'cpu C/%'"), 300);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_files f JOIN mmbench_runs r ON "
			      "r.id = f.run_ref WHERE r.host LIKE 'cpu C/%'"), 900);
}

static void expect_refused(const char *cmd, const char *says)
{
	char *out = NULL;
	int rc = tu_run(&out, "%s", cmd);

	if (rc != 2 || !strstr(out, says))
		fail_msg("%s: exit %d, not 2 with '%s':\n%s", cmd, rc, says, out ? out : "");
	free(out);
}

static void test_hostile(void **state)
{
	char cmd[2048];

	(void)state;
	need_server();
	snprintf(cmd, sizeof(cmd), MMBENCH " push %s --db 'postgresql:///x?host=%s/none&port=1'",
		 roots[0], pgdir);
	expect_refused(cmd, "the database: cannot connect");
	snprintf(cmd, sizeof(cmd), "MMBENCH_DB_CACHE=%s/cache2 " MMBENCH " trend " CASE
		 " --db 'postgresql:///x?host=%s/none&port=1'", pgdir, pgdir);
	expect_refused(cmd, "trend: the database: cannot connect");
	/* a database push never wrote to: refused, and trend makes nothing there */
	snprintf(cmd, sizeof(cmd), MMBENCH " trend " CASE " --db 'postgresql:///template1?"
		 "host=%s&port=%d&user=postgres'", pgdir, port);
	expect_refused(cmd, "trend: the database holds no mmbench archive");
	assert_int_equal(tu_run(NULL, "psql 'postgresql:///template1?host=%s&port=%d&user=postgres'"
				" -tAc \"SELECT count(*) FROM pg_tables WHERE tablename = "
				"'mmbench_meta'\" | grep -qx 0", pgdir, port), 0);
	psql("UPDATE mmbench_meta SET value = '99' WHERE key = 'schema_version'");
	snprintf(cmd, sizeof(cmd), MMBENCH " push %s --db '%s'", roots[1], url);
	expect_refused(cmd, "schema version 99 is not the 2");
	snprintf(cmd, sizeof(cmd), MMBENCH " trend " CASE " --db '%s'", url);
	expect_refused(cmd, "trend: the database: schema version 99");
	snprintf(cmd, sizeof(cmd), MMBENCH " pull --out %s/p2 --db '%s'", pgdir, url);
	expect_refused(cmd, "schema version 99");
	assert_int_equal(tu_run(NULL, "test -e %s/p2", pgdir), 1);
	/* version 1 (runs and files, no index): taken up to 2, its runs' rows kept */
	psql("UPDATE mmbench_meta SET value = '1' WHERE key = 'schema_version'");
	snprintf(cmd, sizeof(cmd), MMBENCH " push %s", roots[1]);
	free(ok_out(cmd));
	assert_int_equal(psql("SELECT value::int FROM mmbench_meta WHERE key = 'schema_version'"),
			 2);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_runs"), 60);
	assert_int_equal(psql("SELECT count(*) FROM mmbench_index.runs"), 60);
}

/* compare and publish read the shared archive as trend does: sides are its directories */
static void test_db_readers(void **state)
{
	char cmd[1024], *out = NULL;
	int rc;

	(void)state;
	need_server();
	rc = tu_run(&out, "MMBENCH_DB_CACHE=%s/cache " MMBENCH " compare 6.1.0-synth "
		    "6.2.0-synth --db '%s'", pgdir, url);
	if ((rc != 0 && rc != 3) || !strstr(out, "summary:") || !strstr(out, "2 sides"))
		fail_msg("compare --db: exit %d:\n%s", rc, out);
	/* both sides from the local copy of the database, which is also the history */
	assert_non_null(strstr(out, "/cache/db-"));
	free(out);
	/* a path of this host, or one out of the archive: refused, one line, exit 2 */
	assert_int_equal(tu_run(NULL, MMBENCH " compare %s/6.1.0-synth 6.2.0-synth --db '%s'",
				roots[0], url), 2);
	assert_int_equal(tu_run(NULL, MMBENCH " compare ../x 6.2.0-synth --db '%s'", url), 2);
	snprintf(cmd, sizeof(cmd), "MMBENCH_DB_CACHE=%s/cache " MMBENCH " publish --out %s/site",
		 pgdir, pgdir);
	out = ok_out(cmd);
	free(out);
	assert_int_equal(tu_run(NULL, "test -s %s/site/index.html && grep -q 6.3.0-synth "
				"%s/site/index.html", pgdir, pgdir), 0);
	assert_int_equal(tu_run(NULL, MMBENCH " publish --root %s --out %s/site2 --db '%s'",
				roots[0], pgdir, url), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_roots_one_archive),
		cmocka_unit_test(test_pull_gives_runs_back),
		cmocka_unit_test(test_trend_reads_db),
		cmocka_unit_test(test_db_readers),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_kill9_push),
	};

	return cmocka_run_group_tests(tests, start_server, stop_server);
}
