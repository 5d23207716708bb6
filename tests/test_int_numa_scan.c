/* Integration test of the numa-scan bench: a smoke run of every mode, what its numbers must say, the knob put back, and bad input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define REPS		2	/* each a child of its own and one value per metric: 2 tells that from 1 */

static const char *const modes[] = { "disjoint", "shared", "idle-vmas", "foreign", "numa01", "numa02" };
static const char *const reasons[] = {
	"skip_unsuitable", "skip_shared_ro", "skip_inaccessible", "skip_scan_delay",
	"skip_pid_inactive", "skip_ignore_pid_inactive", "skip_seq_completed",
};

static struct tu_harness run;
static json_t *bench;
static char balancing_before[32], balancing_after[32];

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

/* Per try, with the knob snapshot: a run that held the lock may have held balancing on. */
static void read_balancing_before(void)
{
	read_balancing(balancing_before, sizeof(balancing_before));
}

static int group_setup(void **state)
{
	char root[4096];

	*state = &run;	/* for tu_harness_teardown() */
	if (!tu_is_root() || access("/proc/sys/kernel/numa_balancing", F_OK))
		return 0;
	snprintf(root, sizeof(root), "%s/smoke", tu_tmpdir());
	run.before_try = read_balancing_before;
	bench = tu_bench_run(&run, "numa-scan", root, "--profile smoke --reps 2 --no-report");
	read_balancing(balancing_after, sizeof(balancing_after));
	return 0;
}

static void need_run(void)
{
	if (!tu_is_root() || access("/proc/sys/kernel/numa_balancing", F_OK))
		skip();
	tu_need_bench(&run, "smoke run");
}

/*
 * The faults by kind: every fault of the window is a hint fault or a fault on a present
 * PTE, one repetition at a time; with nothing migrated (one node) a hint fault maps the
 * page back writable, so next to no write-protect faults follow (docs/DESIGN.md).
 */
static void check_faults(json_t *c, const char *key)
{
	json_t *all = NULL, *wp = NULL, *hint = NULL, *mt;
	size_t i;

	json_array_foreach(json_object_get(c, "metrics"), i, mt) {
		const char *name = json_string_value(json_object_get(mt, "name"));
		json_t *v = json_object_get(mt, "samples");

		if (!strcmp(name, "self_faults"))
			all = v;
		else if (!strcmp(name, "self_wp_faults"))
			wp = v;
		else if (!strcmp(name, "self_hint_faults"))
			hint = v;
	}
	if (!all || !wp || !hint)
		fail_msg("%s: self_faults, self_wp_faults or self_hint_faults missing", key);
	for (size_t r = 0; r < REPS; r++) {
		double a = json_number_value(json_array_get(all, r));
		double w = json_number_value(json_array_get(wp, r)), h = json_number_value(json_array_get(hint, r));

		if (w > a || h + w != a)
			fail_msg("%s: repetition %zu: %.0f hint + %.0f wp faults, %.0f in all", key, r + 1, h, w, a);
		if (tu_median(c, "pages_migrated") == 0 && w > a / 100 + 10)
			fail_msg("%s: repetition %zu: %.0f of %.0f faults on present PTEs with nothing migrated",
				 key, r + 1, w, a);
	}
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
		bool rate = false;

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
		/* One value of every metric per repetition (not per second), and the writers got something done. */
		metrics = json_object_get(c, "metrics");
		json_array_foreach(metrics, i, mt) {
			const char *name = json_string_value(json_object_get(mt, "name"));

			if (json_array_size(json_object_get(mt, "samples")) != REPS)
				fail_msg("%s: %s has %zu samples from %d repetitions", key, name,
					 json_array_size(json_object_get(mt, "samples")), REPS);
			rate |= !strcmp(name, "work_mib_per_sec");
		}
		assert_true(rate);
		/* the scanner ran in every repetition: each a fresh mm, first scanned a second in */
		json_array_foreach(metrics, i, mt) {
			json_t *v;
			size_t k;

			if (strcmp(json_string_value(json_object_get(mt, "name")), "pte_updates"))
				continue;
			json_array_foreach(json_object_get(mt, "samples"), k, v)
				if (!(json_number_value(v) > 0))
					fail_msg("%s: repetition %zu: no PTE updated", key, k + 1);
		}
		assert_true(tu_median(c, "work_mib_per_sec") > 0);
		assert_true(tu_median(c, "sys_ms") >= 0);
		check_faults(c, key);
		if (!strcmp(modes[m], "foreign")) {
			/* the clock waited for the third pass, and the scanner got there (60 s: it never did) */
			assert_true(tu_median(c, "warmup_s") > 0);
			assert_true(tu_median(c, "warmup_s") < 59);
			/* the touchers' faults, counted: each pass of theirs rewrote every page */
			(void)tu_median(c, "foreign_hint_faults");
		}
	}
}

static void test_knobs_restored(void **state)
{
	(void)state;
	need_run();
	/* budgets are checked by running the profiles, not by timed tests: the time is shown only */
	print_message("numa-scan smoke: %.1f s\n", run.secs);
	assert_string_equal(balancing_after, balancing_before);
	assert_string_equal(run.knobs_after, run.knobs_before);
}

static void bad(const char *opt)
{
	free(tu_bad_opt("numa-scan", opt));
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
		cmocka_unit_test(test_knobs_restored),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);
}
