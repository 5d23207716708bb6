/*
 * Integration test of ./run.sh lava submit against a real LAVA lab started here for the test
 * (tests/lava/lab.sh: PostgreSQL, lava-server, scheduler, publisher, a worker, qemu devices under
 * TCG): Debian's 6.12 cloud kernel with 2 NUMA nodes and vma-lock's smoke profile submitted,
 * waited for and collected; LAVA's own test cases; the archived run; bad input and a job that
 * ends Incomplete; and the lab taken down with nothing of it left.
 */
#include <ctype.h>
#include <glob.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define RUN_ARGS	"--profile smoke --bench vma-lock"
#define IDENTITY	"mmbench-lab"
#define LAB		"tests/lava/lab.sh"

static char image[4096], lab_dir[4096], run_dir[4096], why_skip[512], pg_before[512];
static char *submit_out;
static int submit_rc, job_id, lab_is_up, www_pid;
static double lab_secs, submit_secs, t_start;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void lab_down(void)
{
	char *out;

	if (!lab_is_up)
		return;
	lab_is_up = 0;
	if (tu_run(&out, LAB " down"))
		print_message("lab.sh down failed:\n%s", out);
	free(out);
}

/* The lab comes up, or the reason it cannot ("SKIP: ..." from lab.sh, exit 4) is kept. */
static int bring_up(void)
{
	char *out, *s, line[4096];
	double t0 = now();
	int rc;

	tu_run(&out, "pg_lsclusters -h 2>/dev/null | awk '{print $1, $2, $4}'");
	snprintf(pg_before, sizeof(pg_before), "%s", out);
	free(out);
	rc = tu_run(&out, LAB " up");
	lab_secs = now() - t0;
	if (rc == 4 && (s = strstr(out, "SKIP: "))) {
		snprintf(why_skip, sizeof(why_skip), "%.*s", (int)strcspn(s + 6, "\n"), s + 6);
	} else if (rc) {
		snprintf(why_skip, sizeof(why_skip), "FAIL: lab.sh up exited %d", rc);
		print_message("%s", out);
	} else {
		lab_is_up = 1;
		tu_last_line(out, line, sizeof(line));
		setenv("XDG_CONFIG_HOME", line, 1);
		snprintf(lab_dir, sizeof(lab_dir), "%s", dirname(line));
	}
	free(out);
	return rc;
}

/* The last "ID<TAB>HEALTH<TAB>RUN" line of a submit's output: the id, @health and @run filled. */
static int job_line(const char *out, char *health, size_t hlen, char *run, size_t rlen)
{
	const char *p = out;
	int id = -1;

	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char h[64], r[4096];
		int n;

		if (sscanf(p, "%d\t%63[^\t\n]\t%4095[^\n]", &n, h, r) == 3) {
			id = n;
			snprintf(health, hlen, "%s", h);
			snprintf(run, rlen, "%s", r);
		}
	}
	return id;
}

static int group_setup(void **state)
{
	char health[64], cmd[16384];
	glob_t g;
	double t0;

	(void)state;
	t_start = now();
	atexit(lab_down);
	if (!tu_is_root()) {
		snprintf(why_skip, sizeof(why_skip), "not root: the lab's daemons and database need root");
		return 0;
	}
	if (glob("/boot/vmlinuz-6.12*-cloud-amd64", 0, NULL, &g) || !g.gl_pathc) {
		snprintf(why_skip, sizeof(why_skip),
			 "no /boot/vmlinuz-6.12*-cloud-amd64 (make deps installs linux-image-6.12-cloud-amd64)");
		return 0;
	}
	snprintf(image, sizeof(image), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	if (bring_up())
		return 0;
	snprintf(cmd, sizeof(cmd), "./run.sh lava submit --kernel %s --identity " IDENTITY " --numa 2 --cpus 2 "
		 "--job-dir %s/jobs --out %s/archive -- " RUN_ARGS, image, tu_tmpdir(), tu_tmpdir());
	t0 = now();
	submit_rc = tu_run(&submit_out, "%s", cmd);
	submit_secs = now() - t0;
	job_id = job_line(submit_out, health, sizeof(health), run_dir, sizeof(run_dir));
	print_message("lab up %.1f s, lava submit %.1f s\n", lab_secs, submit_secs);
	return 0;
}

static int group_teardown(void **state)
{
	if (www_pid > 0)
		kill(www_pid, SIGTERM);
	lab_down();
	free(submit_out);
	print_message("whole test %.1f s\n", now() - t_start);
	return tu_teardown(state);
}

static void need_lab(void)
{
	if (why_skip[0] && strncmp(why_skip, "FAIL", 4))
		tu_skip("%s", why_skip);
	if (why_skip[0])
		fail_msg("%s", why_skip);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* lavacli's JSON answer (stderr dropped), parsed; fails the test when it does not parse. */
static json_t *lavacli_json(const char *fmt, int arg)
{
	char cmd[512], *out;
	json_error_t err;
	json_t *j;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (tu_run(&out, "(lavacli -i " IDENTITY " %s 2>/dev/null)", cmd))
		fail_msg("lavacli %s failed:\n%s", cmd, out);
	j = json_loads(out, 0, &err);
	if (!j)
		fail_msg("lavacli %s: not JSON (%s):\n%s", cmd, err.text, out);
	free(out);
	return j;
}

static void test_submit_completes(void **state)
{
	char prefix[4200];

	(void)state;
	need_lab();
	if (submit_rc)
		fail_msg("./run.sh lava submit exited %d:\n%s", submit_rc, submit_out);
	assert_true(job_id > 0);
	assert_non_null(strstr(submit_out, "\tComplete\t"));
	snprintf(prefix, sizeof(prefix), "%s/archive/6.12.", tu_tmpdir());
	assert_memory_equal(run_dir, prefix, strlen(prefix));
	/* progress went to stderr while it waited: the job's state as LAVA moved it */
	assert_non_null(strstr(submit_out, ": Running on " IDENTITY "-qemu0"));
	assert_non_null(strstr(submit_out, ": Finished on " IDENTITY "-qemu0"));
}

/* LAVA's case name for an id: lower case, each run of non-word characters one '_'. */
static void lava_name(char *buf, size_t len, const char *key)
{
	char id[1024];
	size_t n = 0;

	snprintf(id, sizeof(id), "vma-lock/%s", key);
	for (const char *p = id; *p && n + 1 < len; p++) {
		if (isalnum((unsigned char)*p) || *p == '_')
			buf[n++] = tolower((unsigned char)*p);
		else if (!n || buf[n - 1] != '_')
			buf[n++] = '_';
	}
	buf[n] = 0;
}

static json_t *lava_case(json_t *results, const char *suite, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(results, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "suite")) ?: "", suite) &&
		    !strcmp(json_string_value(json_object_get(r, "name")) ?: "", name))
			return r;
	return NULL;
}

static size_t suite_size(json_t *results, const char *suite)
{
	json_t *r;
	size_t i, n = 0;

	json_array_foreach(results, i, r)
		n += !strcmp(json_string_value(json_object_get(r, "suite")) ?: "", suite);
	return n;
}

/* What the lab's database holds (lavacli results, over XML-RPC): a test case per mmbench case. */
static void test_lava_recorded_cases(void **state)
{
	json_t *results, *bench, *c, *r, *job;
	char path[8300], name[1024];
	size_t i, n = 0;

	(void)state;
	need_lab();
	if (submit_rc || job_id <= 0)
		fail_msg("no job to look at: submit exited %d", submit_rc);
	job = lavacli_json("jobs show %d --json", job_id);
	assert_string_equal(json_string_value(json_object_get(job, "health")), "Complete");
	json_decref(job);
	results = lavacli_json("results %d --json", job_id);
	snprintf(path, sizeof(path), "%s/vma-lock.json", run_dir);
	bench = tu_json(path);
	json_array_foreach(json_object_get(bench, "cases"), i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));

		lava_name(name, sizeof(name), json_string_value(json_object_get(c, "case")));
		r = lava_case(results, "mmbench", name);
		if (!r)
			fail_msg("LAVA has no test case %s in the suite mmbench", name);
		assert_string_equal(json_string_value(json_object_get(r, "result")),
				    !strcmp(st, "ok") ? "pass" : !strcmp(st, "skip") ? "skip" : "fail");
		n++;
	}
	assert_true(n >= 10);
	assert_int_equal(suite_size(results, "mmbench"), n);
	/* the judged metrics became measurements, and LAVA's own suite says the job passed */
	assert_true(suite_size(results, "mmbench-metrics") >= n);
	r = lava_case(results, "lava", "job");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "result")), "pass");
	json_decref(bench);
	json_decref(results);
}

/* The run is in the archive with the lab's job in its manifest, and the reader takes it. */
static void test_archived(void **state)
{
	json_t *m, *l;
	char path[8300], *out;

	(void)state;
	need_lab();
	if (submit_rc || !run_dir[0])
		fail_msg("no run to look at: submit exited %d", submit_rc);
	snprintf(path, sizeof(path), "%s/manifest.json", run_dir);
	m = tu_json(path);
	l = json_object_get(m, "lava");
	assert_int_equal(atoi(json_string_value(json_object_get(l, "job_id")) ?: "0"), job_id);
	assert_string_equal(json_string_value(json_object_get(l, "device_type")), "qemu");
	assert_int_equal(strncmp(json_string_value(json_object_get(l, "device")) ?: "", IDENTITY "-qemu0", strlen(IDENTITY "-qemu0")), 0);
	assert_string_equal(json_string_value(json_object_get(l, "job_result")), "pass");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "topology"), "numa_nodes")), 2);
	assert_string_equal(json_string_value(json_object_get(m, "virtualization")), "tcg");
	json_decref(m);
	if (tu_run(&out, "./build/mmbench report %s", run_dir))
		fail_msg("mmbench report of the archived run failed:\n%s", out);
	free(out);
	out = tu_slurp("%s/report.txt", run_dir);
	assert_non_null(out);
	assert_non_null(strstr(out, "vma-lock"));
	free(out);
	/* the job's files: what LAVA said of it, kept beside the job */
	assert_int_equal(tu_run(NULL, "test -s %s/jobs/1-qemu/lava.log && test -s %s/jobs/1-qemu/results.yaml",
				tu_tmpdir(), tu_tmpdir()), 0);
}

static int jobs_in_lab(void)
{
	json_t *j = lavacli_json("jobs list --limit %d --json", 100);
	int n = json_array_size(j);

	json_decref(j);
	return n;
}

/* Bad input: one line, exit 2, nothing written, nothing submitted. */
static void test_bad_input(void **state)
{
	static const char *const cases[][2] = {
		{ "--kernel %s --db ''", "--db needs a database URL" },
		{ "--kernel /nonexistent/bzImage", "/nonexistent/bzImage" },
		{ "--kernel %s --identity no-such-lab", "no such lavacli identity" },
		{ "--kernel %s --device-type no-such-type", "the lab has no such device type" },
		{ "--kernel %s --wait 5", "--wait 5" },
		{ "--kernel %s -- --bench no-such-bench", "no-such-bench" },
	};
	char args[8600], *out;
	int before;

	(void)state;
	need_lab();
	before = jobs_in_lab();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), cases[i][0], image);
		if (tu_run(&out, "./run.sh lava submit --identity " IDENTITY " --job-dir %s/bad-%zu --out %s/bad-archive %s",
			   tu_tmpdir(), i, tu_tmpdir(), args) != 2 || lines(out) != 1 || !strstr(out, cases[i][1]))
			fail_msg("submit %s: expected exit 2 and one line with '%s', got:\n%s", args, cases[i][1], out);
		free(out);
		assert_int_equal(tu_run(NULL, "test -e %s/bad-%zu || test -e %s/bad-archive", tu_tmpdir(), i, tu_tmpdir()), 1);
	}
	assert_int_equal(jobs_in_lab(), before);
}

/*
 * A web server of the test's own that answers 404 for everything, its port in @port; its PID kept
 * for the teardown. (A port where nothing listens is no quick failure: LAVA's validation retries
 * a refused connection for over 10 minutes.)
 */
static int serve_404(int *port)
{
	char *out;

	if (tu_run(&out, "mkdir -p %1$s/www && cd %1$s/www && (setsid python3 -c 'import http.server as h\n"
		   "s = h.ThreadingHTTPServer((\"127.0.0.1\", 0), h.SimpleHTTPRequestHandler)\n"
		   "print(s.server_address[1], flush=True)\ns.serve_forever()' >%1$s/www-port 2>/dev/null </dev/null & echo $!) && "
		   "for i in $(seq 50); do [ -s %1$s/www-port ] && exit 0; sleep 0.1; done; exit 1", tu_tmpdir()))
		fail_msg("the 404 server did not start:\n%s", out);
	www_pid = atoi(out);
	free(out);
	out = tu_slurp("%s/www-port", tu_tmpdir());
	assert_non_null(out);
	*port = atoi(out);
	free(out);
	return *port > 0;
}

/* A job the lab cannot run (its kernel's URL answers 404): one line with LAVA's reason, exit 1. */
static void test_incomplete(void **state)
{
	char health[64], run[4096], *out, *line;
	int rc, id, port;

	(void)state;
	need_lab();
	assert_true(serve_404(&port));
	rc = tu_run(&out, "./run.sh lava submit --kernel http://127.0.0.1:%d/bzImage --identity " IDENTITY
		    " --job-dir %s/dead --out %s/dead-archive -- " RUN_ARGS, port, tu_tmpdir(), tu_tmpdir());
	id = job_line(out, health, sizeof(health), run, sizeof(run));
	if (rc != 1 || id <= 0 || strcmp(health, "Incomplete") || strcmp(run, "-"))
		fail_msg("a job whose kernel answers 404: expected exit 1 and Incomplete, got %d:\n%s", rc, out);
	line = strstr(out, ": Incomplete: ");
	assert_non_null(line);
	/* LAVA's reason, not ours: its error names the kernel's URL and the 404 */
	if (!strstr(line, "/bzImage' (404)"))
		fail_msg("no reason of LAVA's with the URL and its 404:\n%s", out);
	assert_int_equal(tu_run(NULL, "test -e %s/dead-archive", tu_tmpdir()), 1);
	free(out);
}

/* Down: every daemon gone, every file, the database and the cluster as they were before up. */
static void test_down_leaves_nothing(void **state)
{
	char *pids, *out;

	(void)state;
	need_lab();
	assert_int_equal(tu_run(&pids, "cat %s/pids/*.pid | paste -sd ' '", lab_dir), 0);
	pids[strcspn(pids, "\n")] = 0;
	assert_true(strlen(pids) > 0);
	lab_is_up = 0;
	if (tu_run(&out, LAB " down"))
		fail_msg("lab.sh down failed:\n%s", out);
	free(out);
	/* kill -0 of each: none may still run */
	assert_int_not_equal(tu_run(NULL, "for p in %s; do kill -0 $p 2>/dev/null && exit 0; done; exit 1", pids), 0);
	free(pids);
	assert_int_not_equal(tu_run(NULL, "ls /etc/lava-server/settings.d/99-mmbench-lab.yaml "
				    "/etc/lava-server/dispatcher-config/devices/mmbench-lab-* "
				    "/etc/lava-server/dispatcher.d/mmbench-lab-worker %s", lab_dir), 0);
	tu_run(&out, "pg_lsclusters -h 2>/dev/null | awk '{print $1, $2, $4}'");
	assert_string_equal(out, pg_before);
	free(out);
	/* a cluster that stays up: the lab's database and role are gone from it */
	if (strstr(pg_before, "online")) {
		assert_int_equal(tu_run(&out, "runuser -u postgres -- psql -XAtqc \"SELECT datname FROM pg_database "
					"WHERE datname = 'mmbench_lab' UNION SELECT rolname FROM pg_roles WHERE rolname = 'mmbench_lab'\""), 0);
		assert_string_equal(out, "");
		free(out);
	}
	/* nothing answers on the web app's port (bash: sh has no /dev/tcp) */
	assert_int_equal(tu_run(NULL, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/8000' 2>/dev/null"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_completes),
		cmocka_unit_test(test_lava_recorded_cases),
		cmocka_unit_test(test_archived),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_down_leaves_nothing),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
