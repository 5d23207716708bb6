/* Integration test of the vma-lock bench: a smoke run of every mode, what its numbers must say, and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "testutil.h"


static const char *const modes[] = {
	"shared-vma", "private-vma", "mmap-churn", "map-touch-unmap", "processes",
};
static const char *const kinds[] = { "anon-read", "tmpfs-read", "tmpfs-write" };

/* Two repetitions of the modes' run, so that one value per repetition can be told from one per interval. */
#define REPS	2

static struct tu_harness run, krun;
static json_t *bench, *kbench;

/* A smoke run under @sub of the temp dir, once no other run holds the machine; its JSON or NULL. */
static json_t *run_under(struct tu_harness *h, const char *sub, const char *opts)
{
	char root[4096], args[512];

	snprintf(root, sizeof(root), "%s/%s", tu_tmpdir(), sub);
	snprintf(args, sizeof(args), "--profile smoke --no-report %s", opts);
	return tu_bench_run(h, "vma-lock", root, args);
}

static int group_setup(void **state)
{
	(void)state;
	if (!tu_is_root())
		return 0;
	bench = run_under(&run, "modes", "--reps 2");
	kbench = run_under(&krun, "kinds",
			   "--opt mode=shared-vma --opt kind=anon-read,tmpfs-read,tmpfs-write");
	return 0;
}

static int group_teardown(void **state)
{
	tu_harness_free(&run);
	tu_harness_free(&krun);
	return tu_teardown(state);
}

static void need_run(void)
{
	if (!tu_is_root())
		skip();
	tu_need_bench(&run, "mmbench run --bench vma-lock");
	tu_need_bench(&krun, "mmbench run --bench vma-lock (kinds)");
}

/* A metric's samples; fails the test when the case has no such metric. */
static json_t *samples_of(json_t *c, const char *name)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(c, "metrics"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "name")) ?: "", name))
			return json_object_get(m, "samples");
	fail_msg("case %s: no metric %s", json_string_value(json_object_get(c, "case")), name);
	return NULL;
}

/* Sum of a metric's samples (one per repetition for "faults"). */
static double metric_sum(json_t *c, const char *name)
{
	json_t *s;
	size_t j;
	double sum = 0;

	json_array_foreach(samples_of(c, name), j, s)
		sum += json_number_value(s);
	return sum;
}

/*
 * Each repetition is one measurement over all its intervals (smoke: 2): exactly
 * one value of each metric per repetition, scaling too, whatever the case order.
 */
static void check_one_per_rep(json_t *c)
{
	static const char *const names[] = {
		"faults_per_sec", "faults_per_sec_thread_min", "faults_per_sec_thread_max",
		"lat_p50_ns", "lat_p99_ns", "mmap_lock_per_kfault", "scaling", "faults",
		"reclaim_pct",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_array_size(samples_of(c, names[i])) != REPS)
			fail_msg("case %s: %s has %zu samples from %d repetitions",
				 json_string_value(json_object_get(c, "case")), names[i],
				 json_array_size(samples_of(c, names[i])), REPS);
}

/*
 * The bench's own count of faults agrees with the kernel's minor-fault count.
 * Below 10000 faults (workers starved by other load) 2% is a handful of
 * faults the main thread may take itself: noted, not judged.
 */
static void check_faults(json_t *c)
{
	const char *key = json_string_value(json_object_get(c, "case"));
	double mine = metric_sum(c, "faults"), perf = tu_counter(c, "minor-faults");

	if (perf <= 0)
		fail_msg("case %s: minor-faults missing", key);
	if (mine < 10000) {
		print_message("note: %s: only %.0f faults (minor-faults %.0f), worker_cpu_pct %.0f: "
			      "agreement unchecked\n", key, mine, perf, tu_median(c, "worker_cpu_pct"));
		return;
	}
	if (mine < perf * 0.98 || mine > perf * 1.02)
		fail_msg("case %s: bench counted %.0f faults, minor-faults %.0f", key, mine, perf);
}

static void test_smoke_modes(void **state)
{
	char key[96];

	(void)state;
	need_run();
	assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
	assert_int_equal(json_array_size(json_object_get(bench, "cases")), 10);
	for (int m = 0; m < 5; m++)
		for (int t = 1; t <= 2; t++) {
			json_t *c;
			double fps, lo, hi;

			snprintf(key, sizeof(key), "mode=%s threads=%d", modes[m], t);
			c = tu_ok_case(bench, key);
			check_faults(c);
			check_one_per_rep(c);
			if (metric_sum(c, "faults") < 10000)
				continue;	/* starved by other load: noted above */
			fps = tu_median(c, "faults_per_sec");
			lo = tu_median(c, "faults_per_sec_thread_min");
			hi = tu_median(c, "faults_per_sec_thread_max");
			assert_true(fps > 0);
			/* the slowest worker is below the mean, the fastest above it */
			assert_true(lo <= hi);
			assert_true(lo * t <= fps * 1.001 && hi * t >= fps * 0.999);
			assert_true(tu_median(c, "lat_p50_ns") > 0);
			assert_true(tu_median(c, "lat_p50_ns") <= tu_median(c, "lat_p99_ns"));
		}
}

/*
 * scaling divides by the 1-thread rate; where other load on the machine took
 * the workers' CPUs in either case (the bench records worker_cpu_pct), the
 * ratio says nothing about the kernel and is left unchecked, with a note.
 * The smoke profile has one sample a case, and on the development guest a
 * 1-thread rate moves by +-15% from one moment to the next with the workers on
 * their CPUs all the time (388k to 530k faults/s over 4 runs minutes apart,
 * worker_cpu_pct 100): a ratio of two such samples reaches 1.3 with nothing
 * wrong. The bound catches what is wrong whatever the noise (a ratio against
 * the wrong case, a rate counted twice: 2 and above); SCALING_MAX says so.
 */
#define SCALING_MAX	1.5
static void test_scaling(void **state)
{
	char key[96], key1[96];

	(void)state;
	need_run();
	for (int m = 0; m < 5; m++)
		for (int t = 1; t <= 2; t++) {
			json_t *c, *c1;
			double s, cpu, cpu1;

			snprintf(key, sizeof(key), "mode=%s threads=%d", modes[m], t);
			snprintf(key1, sizeof(key1), "mode=%s threads=1", modes[m]);
			c = tu_ok_case(bench, key);
			c1 = tu_ok_case(bench, key1);
			s = tu_median(c, "scaling");
			cpu = tu_median(c, "worker_cpu_pct");
			cpu1 = tu_median(c1, "worker_cpu_pct");
			assert_true(cpu >= 0 && cpu1 >= 0);
			if (cpu < 90 || cpu1 < 90) {
				print_message("note: %s: scaling %.2f unchecked: workers had %.0f%% "
					      "(1 thread %.0f%%) of their CPUs\n", key, s, cpu, cpu1);
				assert_true(s >= 0);
				continue;
			}
			if (!(s > 0 && s <= SCALING_MAX))
				fail_msg("%s: scaling %.3f not in (0, %.1f]", key, s, SCALING_MAX);
			if (s > 1.1)
				print_message("note: %s: scaling %.2f: the 1-thread sample was a slow moment\n",
					      key, s);
		}
}

static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &a, &b);
	return a > major || (a == major && b >= minor);
}

/*
 * Per-VMA locks (6.4) keep faults off mmap_lock: a few acquisitions per 1000
 * faults at most; before them every fault took it. map-touch-unmap's own mmap
 * and munmap take it, which shows the tracepoint counts at all.
 */
static void test_mmap_lock(void **state)
{
	json_t *c;
	double v;

	(void)state;
	need_run();
	c = tu_ok_case(bench, "mode=map-touch-unmap threads=1");
	assert_true(tu_counter(c, "mmap_lock_start_locking") > 0);
	for (int t = 1; t <= 2; t++) {
		char key[64];

		snprintf(key, sizeof(key), "mode=shared-vma threads=%d", t);
		v = tu_median(tu_ok_case(bench, key), "mmap_lock_per_kfault");
		if (kernel_at_least(6, 4) && v >= 5)
			fail_msg("%s: %.2f mmap_lock per 1000 faults on a kernel with per-VMA locks", key, v);
		if (!kernel_at_least(6, 4) && v < 500)
			fail_msg("%s: %.2f mmap_lock per 1000 faults before per-VMA locks", key, v);
	}
}

/* Each fault kind counts what the kernel counts; tmpfs read steps by the fault-around window. */
static void test_kinds(void **state)
{
	(void)state;
	need_run();
	for (int k = 0; k < 3; k++)
		for (int t = 1; t <= 2; t++) {
			char key[96];
			json_t *c, *ppf;

			snprintf(key, sizeof(key), "mode=shared-vma kind=%s threads=%d", kinds[k], t);
			c = tu_ok_case(kbench, key);
			check_faults(c);
			/* only tmpfs read faults map more than the faulting page */
			ppf = json_object_get(json_object_get(c, "params"), "pages_per_fault");
			if (k == 1)
				assert_true(json_number_value(ppf) >= 1);
			else
				assert_null(ppf);
		}
}

static void test_knobs_restored(void **state)
{
	(void)state;
	need_run();
	/* budgets are checked by running the profiles, not by timed tests: the time is shown only */
	print_message("vma-lock smoke: %.1f s\n", run.secs);
	assert_string_equal(run.knobs_before, run.knobs_after);
}

/* Bad input: exit 2, one line on stderr, no run directory. */
static void bad(const char *opt)
{
	char *out = tu_bad_opt("vma-lock", opt);

	assert_non_null(strstr(out, "vma-lock"));
	free(out);
}

static void test_bad_input(void **state)
{
	char opt[64];

	(void)state;
	bad("threads=0");
	snprintf(opt, sizeof(opt), "threads=%ld", 8 * sysconf(_SC_NPROCESSORS_ONLN) + 1);
	bad(opt);
	bad("threads=1,0");
	bad("mode=shared-vmas");
	bad("placement=spread");
	bad("kind=file-write");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smoke_modes),
		cmocka_unit_test(test_scaling),
		cmocka_unit_test(test_mmap_lock),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_knobs_restored),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
