/* Integration test of the thp bench: a smoke run of fault-alloc and madv-collapse, and what the kernel must show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define SIZE		(64ul << 20)	/* passed explicitly, so the expectations below hold */
#define CSIZE		(16ul << 20)
#define PMD		(2ul << 20)
#define BUDGET_S	30

static json_t *bench;
static double reps, elapsed;
static int run_rc;
static char *run_out, *knobs_before, *knobs_after;

static int group_setup(void **state)
{
	struct timespec t0, t1;
	char path[4096];
	const char *dir;

	(void)state;
	if (!tu_is_root() || sysconf(_SC_PAGESIZE) != 4096 ||
	    access("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", F_OK))
		return 0;
	knobs_before = tu_knob_snapshot();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_rc = tu_run(&run_out, "./build/mmbench run --bench thp --profile smoke --out %s "
			"--opt phases=fault-alloc,madv-collapse --opt sizes=4K,64K,2M "
			"--opt occupancy=100 --opt size=64M --opt collapse_size=16M --no-report",
			tu_tmpdir());
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	knobs_after = tu_knob_snapshot();
	dir = tu_run_dir(tu_tmpdir());
	if (run_rc || !dir)
		return 0;	/* test_run reports it */
	snprintf(path, sizeof(path), "%s/thp.json", dir);
	bench = json_load_file(path, 0, NULL);
	reps = json_number_value(json_object_get(json_object_get(bench, "params"), "reps"));
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
	/* root, 4 KiB pages and a kernel with per-size THP controls (6.8+) */
	if (!tu_is_root() || sysconf(_SC_PAGESIZE) != 4096 ||
	    access("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", F_OK))
		skip();
	if (run_rc || !bench)
		fail_msg("mmbench run --bench thp exited %d:\n%s", run_rc, run_out ?: "");
}

/* The case with @key; it must have run. */
static json_t *ok_case(const char *key)
{
	json_t *c = tu_case(bench, key);

	if (!c)
		fail_msg("no case %s", key);
	if (strcmp(json_string_value(json_object_get(c, "status")) ?: "", "ok"))
		fail_msg("case %s: %s: %s", key, json_string_value(json_object_get(c, "status")),
			 json_string_value(json_object_get(c, "reason")) ?: "");
	return c;
}

static void test_run(void **state)
{
	(void)state;
	need_run();
	assert_string_equal(json_string_value(json_object_get(bench, "schema")), "mmbench/1");
	assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
	assert_true(reps >= 1);
	/* the options restrict the run to exactly these cases */
	assert_int_equal(json_array_size(json_object_get(bench, "cases")), 4);
	ok_case("phase=fault-alloc size=4K");
	ok_case("phase=fault-alloc size=64K");
	ok_case("phase=fault-alloc size=2M");
	ok_case("phase=madv-collapse size=2M occupancy=100");
	if (elapsed >= BUDGET_S)
		fail_msg("smoke run took %.1f s, budget %d s", elapsed, BUDGET_S);
}

static void test_fault_4k(void **state)
{
	json_t *c;

	(void)state;
	need_run();
	c = ok_case("phase=fault-alloc size=4K");
	/* every size off: one fault and one folio per 4 KiB page */
	assert_float_equal(tu_median(c, "faults_per_mib"), 256, 0);
	assert_float_equal(tu_median(c, "region_folios"), SIZE / 4096, 0);
	assert_float_equal(tu_median(c, "rss_kb"), SIZE / 1024, 0);
	/* one PTE table per PMD range at least */
	assert_true(tu_median(c, "pte_bytes") >= (double)(SIZE / PMD * 4096));
	assert_true(tu_median(c, "access_ns_per_page") > 0);
}

static void test_fault_64k(void **state)
{
	json_t *c;

	(void)state;
	need_run();
	c = ok_case("phase=fault-alloc size=64K");
	/* a 64K fault maps the whole folio: one fault per 16 pages, region/64K folios */
	assert_float_equal(tu_median(c, "faults_per_mib"), 16, 0);
	assert_float_equal(tu_median(c, "region_folios"), SIZE / (64 << 10), 0);
	/* the stat is system-wide: other processes can only add to it */
	assert_true(tu_median(c, "anon_fault_alloc") >= SIZE / (64 << 10));
	assert_true(tu_vmstat(c, "hugepages-64kB.anon_fault_alloc") >= reps * (SIZE / (64 << 10)));
	assert_float_equal(tu_median(c, "rss_kb"), SIZE / 1024, 0);
}

static void test_fault_2m(void **state)
{
	json_t *c;

	(void)state;
	need_run();
	c = ok_case("phase=fault-alloc size=2M");
	assert_float_equal(tu_median(c, "faults_per_mib"), 0.5, 0);
	assert_float_equal(tu_median(c, "region_folios"), SIZE / PMD, 0);
	assert_true(tu_vmstat(c, "thp_fault_alloc") >= reps * (SIZE / PMD));
}

static void test_madv_collapse(void **state)
{
	json_t *c;

	(void)state;
	need_run();
	c = ok_case("phase=madv-collapse size=2M occupancy=100");
	/* a fully populated region collapses whole: AnonHugePages equals the region */
	assert_float_equal(tu_median(c, "anon_huge_kb"), CSIZE / 1024, 0);
	assert_float_equal(tu_median(c, "ranges_collapsed"), CSIZE / PMD, 0);
	assert_float_equal(tu_median(c, "ranges_failed"), 0, 0);
	assert_float_equal(tu_median(c, "region_folios"), CSIZE / PMD, 0);
	assert_float_equal(tu_median(c, "bloat_ratio"), 1, 0);
	assert_true(tu_median(c, "collapse_ms_per_2m") > 0);
	assert_true(tu_vmstat(c, "thp_collapse_alloc") >= reps * (CSIZE / PMD));
}

static void test_knobs_restored(void **state)
{
	(void)state;
	need_run();
	assert_non_null(knobs_before);
	assert_non_null(knobs_after);
	assert_string_equal(knobs_before, knobs_after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_fault_4k),
		cmocka_unit_test(test_fault_64k),
		cmocka_unit_test(test_fault_2m),
		cmocka_unit_test(test_madv_collapse),
		cmocka_unit_test(test_knobs_restored),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
