/* Integration test of the numa-scan bench: a smoke run of every mode, what its numbers must say, the knob put back, and bad input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define SMOKE_BUDGET_S	12.0
#define SMOKE_SECONDS	3	/* the smoke profile's duration: one sample a second */
#define LOCK_TRIES	300	/* 2 s apart: another run may hold the machine for minutes */

static const char *const modes[] = { "disjoint", "shared", "idle-vmas" };
static const char *const reasons[] = {
	"skip_unsuitable", "skip_shared_ro", "skip_inaccessible", "skip_scan_delay",
	"skip_pid_inactive", "skip_ignore_pid_inactive", "skip_seq_completed",
};

static json_t *bench;
static int run_rc;
static double run_secs;
static char *run_out, *knobs_before, *knobs_after;
static char balancing_before[32], balancing_after[32];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void read_balancing(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/numa_balancing", "re");

	snprintf(buf, len, "absent");
	if (f) {
		if (!fgets(buf, len, f))
			snprintf(buf, len, "unreadable");
		fclose(f);
	}
}

/* The smoke run, once no other run holds the machine; its numa-scan.json or NULL. */
static json_t *run(void)
{
	char root[4096], path[4096 + 32];
	const char *dir;

	snprintf(root, sizeof(root), "%s/smoke", tu_tmpdir());
	for (int tries = 0; tries < LOCK_TRIES; tries++) {
		double t0 = now_s();

		/* taken again per try: a run that held the lock may have held knobs set too */
		free(knobs_before);
		knobs_before = tu_knob_snapshot();
		read_balancing(balancing_before, sizeof(balancing_before));
		free(run_out);
		run_rc = tu_run(&run_out, "./build/mmbench run --bench numa-scan --profile smoke "
				"--out %s --no-report", root);
		run_secs = now_s() - t0;
		if (run_rc != 1 || !run_out || !strstr(run_out, "one run at a time"))
			break;
		sleep(2);
	}
	knobs_after = tu_knob_snapshot();
	read_balancing(balancing_after, sizeof(balancing_after));
	dir = tu_run_dir(root);
	if (run_rc || !dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/numa-scan.json", dir);
	return json_load_file(path, 0, NULL);
}

static int group_setup(void **state)
{
	(void)state;
	if (tu_is_root() && !access("/proc/sys/kernel/numa_balancing", F_OK))
		bench = run();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(bench);
	free(run_out);
	free(knobs_before);
	free(knobs_after);
	tu_cleanup();
	return 0;
}

static void need_run(void)
{
	if (!tu_is_root() || access("/proc/sys/kernel/numa_balancing", F_OK))
		skip();
	if (!bench)
		fail_msg("smoke run: exit %d\n%s", run_rc, run_out ? run_out : "");
}

static void test_smoke_modes(void **state)
{
	(void)state;
	need_run();
	assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		char key[64];
		json_t *c, *metrics;
		double sum = 0, all;
		size_t i;
		json_t *mt;
		bool per_s = false;

		snprintf(key, sizeof(key), "mode=%s threads=%ld", modes[m],
			 sysconf(_SC_NPROCESSORS_ONLN));
		c = tu_case(bench, key);
		if (!c)
			fail_msg("no case %s", key);
		assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
		/* Balancing was on: the scanner made PTEs PROT_NONE somewhere (system-wide counter). */
		if (!(tu_vmstat(c, "numa_pte_updates") > 0))
			fail_msg("%s: numa_pte_updates did not grow", key);
		/* Every reason of this kernel counted; the per-reason events add up to the unfiltered one. */
		for (unsigned r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++) {
			double v = tu_counter(c, reasons[r]);

			if (v < 0)
				fail_msg("%s: counter %s absent or unsupported", key, reasons[r]);
			sum += v;
		}
		all = tu_counter(c, "skip_all");
		assert_true(all >= 0);
		if (sum != all)
			fail_msg("%s: per-reason skips add up to %.0f, skip_all is %.0f", key, sum, all);
		/* One sample a second, and the writers got something done. */
		metrics = json_object_get(c, "metrics");
		json_array_foreach(metrics, i, mt) {
			if (strcmp(json_string_value(json_object_get(mt, "name")), "pte_updates_per_s"))
				continue;
			assert_int_equal(json_array_size(json_object_get(mt, "samples")), SMOKE_SECONDS);
			per_s = true;
		}
		assert_true(per_s);
		assert_true(tu_median(c, "work_mib_per_sec") > 0);
		assert_true(tu_median(c, "sys_ms") >= 0);
	}
}

static void test_budget_and_knobs(void **state)
{
	(void)state;
	need_run();
	if (run_secs > SMOKE_BUDGET_S)
		fail_msg("smoke took %.1f s, budget %.0f s", run_secs, SMOKE_BUDGET_S);
	assert_string_equal(balancing_after, balancing_before);
	assert_string_equal(knobs_after, knobs_before);
}

static void bad(const char *opt)
{
	char *out = NULL, root[4096];
	int rc, lines = 0;

	snprintf(root, sizeof(root), "%s/bad", tu_tmpdir());
	rc = tu_run(&out, "./build/mmbench run --bench numa-scan --profile smoke --out %s "
		    "--no-report --opt %s", root, opt);
	for (const char *p = out; p && *p; p++)
		lines += *p == '\n';
	if (rc != 2 || lines != 1)
		fail_msg("--opt %s: exit %d, %d lines:\n%s", opt, rc, lines, out ? out : "");
	assert_int_not_equal(access(root, F_OK), 0);
	free(out);
}

static void test_bad_input(void **state)
{
	(void)state;
	bad("threads=0");
	bad("duration=0");
	bad("duration=3601");
	bad("mode=interleaved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smoke_modes),
		cmocka_unit_test(test_budget_and_knobs),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
