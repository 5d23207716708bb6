/*
 * Integration test of the thp bench: a smoke run of fault-alloc and madv-collapse, and
 * what the kernel must show; and the cases it lists on fake 6.1- and 6.18-shaped sysfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/registry.h"
#include "core/bench.h"
#include "core/options.h"
#include "testutil.h"

#define SIZE		(64ul << 20)	/* passed explicitly, so the expectations below hold */
#define CSIZE		(16ul << 20)
#define PMD		(2ul << 20)

static struct tu_harness run;
static json_t *bench;
static double reps;

static int group_setup(void **state)
{
	*state = &run;	/* for tu_harness_teardown() */
	if (!tu_is_root() || sysconf(_SC_PAGESIZE) != 4096 ||
	    access("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", F_OK))
		return 0;
	/* NULL when it failed: test_run reports it */
	bench = tu_bench_run(&run, "thp", tu_tmpdir(), "--profile smoke "
			     "--opt phases=fault-alloc,madv-collapse --opt sizes=4K,64K,2M "
			     "--opt occupancy=100 --opt size=64M --opt collapse_size=16M --no-report");
	reps = json_number_value(json_object_get(json_object_get(bench, "params"), "reps"));
	return 0;
}

static void need_run(void)
{
	/* root, 4 KiB pages and a kernel with per-size THP controls (6.8+) */
	if (!tu_is_root() || sysconf(_SC_PAGESIZE) != 4096 ||
	    access("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", F_OK))
		skip();
	tu_need_bench(&run, "mmbench run --bench thp");
}

/* The case with @key; it must have run. */
static json_t *ok_case(const char *key)
{
	return tu_ok_case(bench, key);
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
	/* budgets are checked by running the profiles, not by timed tests: the time is shown only */
	print_message("thp smoke: %.1f s\n", run.secs);
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
	assert_non_null(run.knobs_before);
	assert_non_null(run.knobs_after);
	assert_string_equal(run.knobs_before, run.knobs_after);
}

/* The cases of the thp bench: every fault size and phase, each with its knobs. */
static const char *const all_keys[] = {
	"phase=fault-alloc size=4K", "phase=fault-alloc size=16K", "phase=fault-alloc size=32K",
	"phase=fault-alloc size=64K", "phase=fault-alloc size=128K", "phase=fault-alloc size=256K",
	"phase=fault-alloc size=512K", "phase=fault-alloc size=1M", "phase=fault-alloc size=2M",
	"phase=madv-collapse size=2M occupancy=100",
	"phase=khugepaged-pmd size=2M occupancy=100 max_ptes_none=0",
	"phase=khugepaged-pmd size=2M occupancy=100 max_ptes_none=511",
	"phase=khugepaged-mthp size=64K occupancy=100 max_ptes_none=0",
	"phase=khugepaged-mthp size=64K occupancy=100 max_ptes_none=511",
};
#define NR_KEYS	(sizeof(all_keys) / sizeof(all_keys[0]))

static char fake_root[4096];
static struct case_list fake_list;

static void fake_file(const char *rel, const char *text)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/transparent_hugepage/%s", fake_root, rel);
	tu_write_file(path, "%s\n", text);
}

/*
 * A THP sysfs tree: 6.1 has hpage_pmd_size, enabled, defrag and khugepaged/ only;
 * 6.18 adds hugepages-<N>kB/ (8kB without an enabled file: not an anonymous size).
 */
static void fake_tree(const char *name, int per_size)
{
	snprintf(fake_root, sizeof(fake_root), "%s/%s", tu_tmpdir(), name);
	fake_file("hpage_pmd_size", "2097152");
	fake_file("enabled", "always [madvise] never");
	fake_file("defrag", "always defer defer+madvise [madvise] never");
	fake_file("khugepaged/max_ptes_none", "511");
	fake_file("khugepaged/pages_to_scan", "4096");
	fake_file("khugepaged/scan_sleep_millisecs", "10000");
	fake_file("khugepaged/alloc_sleep_millisecs", "60000");
	if (per_size) {
		fake_file("hugepages-8kB/shmem_enabled", "always inherit within_size advise [never]");
		for (unsigned kb = 16; kb <= 2048; kb *= 2) {
			char rel[64];

			snprintf(rel, sizeof(rel), "hugepages-%ukB/enabled", kb);
			fake_file(rel, kb == 2048 ? "always [inherit] madvise never" :
				  "always inherit madvise [never]");
		}
	}
}

/* probe() and cases() of the thp bench on the fake tree, with @opts ("name=value" pairs) set. */
static void list_cases(const char *const *opts)
{
	const struct bench *b = bench_find("thp");
	struct bench_ctx ctx = { .bench = b, .profile = PROFILE_SMOKE, .reps = 1, .ncpus = 1 };
	struct opt_values *v;
	void *o;
	char err[256];

	assert_non_null(b);
	v = opt_values_new(b, PROFILE_SMOKE);
	assert_non_null(v);
	for (; *opts; opts += 2)
		assert_int_equal(opt_values_set(v, opts[0], opts[1], err, sizeof(err)), 0);
	o = calloc(1, b->opts_size);
	assert_non_null(o);
	assert_int_equal(opt_values_fill(v, o, err, sizeof(err)), 0);
	ctx.opts = v;
	ctx.o = o;
	case_list_free(&fake_list);
	memset(&fake_list, 0, sizeof(fake_list));
	setenv("MMBENCH_SYSROOT", fake_root, 1);
	assert_null(b->probe(&ctx));
	assert_int_equal(b->cases(&ctx, &fake_list), 0);
	unsetenv("MMBENCH_SYSROOT");
	for (int i = 0; i < fake_list.nr; i++)
		case_freeze_key(&fake_list.cases[i]);
	free(o);
	opt_values_free(v);
}

static const char *const fake_opts[] = {
	"sizes", "all", "occupancy", "100", "max_ptes_none", "0,511", NULL,
};

static struct bench_case *fake_case(const char *key)
{
	for (int i = 0; i < fake_list.nr; i++)
		if (!strcmp(fake_list.cases[i].key, key))
			return &fake_list.cases[i];
	fail_msg("no case %s", key);
	return NULL;
}

/* The case's knobs as "name=value name=value", in the order declared. */
static const char *knobs_of(const struct bench_case *c)
{
	static char buf[2048];
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < c->nr_knobs; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s=%s", i ? " " : "",
				c->knobs[i].knob, c->knobs[i].value);
	return buf;
}

static void assert_keys(void)
{
	assert_int_equal(fake_list.nr, NR_KEYS);
	for (size_t i = 0; i < NR_KEYS; i++)
		assert_string_equal(fake_list.cases[i].key, all_keys[i]);
}

/* 6.1: the same keys as 6.18; the PMD size runs through thp.enabled, mTHP skips. */
static void test_cases_6_1(void **state)
{
	struct bench_case *c;

	(void)state;
	fake_tree("sys61", 0);
	list_cases(fake_opts);
	assert_keys();

	c = fake_case("phase=fault-alloc size=4K");
	assert_int_not_equal(c->status, CASE_SKIP);
	assert_string_equal(knobs_of(c), "thp.enabled=never");
	c = fake_case("phase=fault-alloc size=2M");
	assert_int_not_equal(c->status, CASE_SKIP);
	assert_string_equal(knobs_of(c), "thp.enabled=always");
	for (int i = 1; i <= 7; i++) {
		c = fake_case(all_keys[i]);
		assert_int_equal(c->status, CASE_SKIP);
		assert_string_equal(c->reason, "kernel has no per-size THP controls (6.8)");
	}
	/* MADV_COLLAPSE is probed on the running kernel (root not needed): this one has it */
	c = fake_case("phase=madv-collapse size=2M occupancy=100");
	assert_int_not_equal(c->status, CASE_SKIP);
	assert_string_equal(knobs_of(c), "thp.enabled=never");
	c = fake_case("phase=khugepaged-pmd size=2M occupancy=100 max_ptes_none=511");
	assert_int_not_equal(c->status, CASE_SKIP);
	assert_string_equal(knobs_of(c), "thp.enabled=madvise khugepaged.scan_sleep_millisecs=10 "
			    "khugepaged.alloc_sleep_millisecs=10 khugepaged.pages_to_scan=262144 "
			    "khugepaged.max_ptes_none=511");
	c = fake_case("phase=khugepaged-mthp size=64K occupancy=100 max_ptes_none=0");
	assert_int_equal(c->status, CASE_SKIP);
	assert_string_equal(c->reason, "kernel has no per-size THP controls (6.8)");

	/* a size named explicitly: 2M runs, an mTHP size skips with the same reason */
	list_cases((const char *const[]){ "phases", "fault-alloc", "sizes", "64K,2M", NULL });
	assert_int_equal(fake_list.nr, 2);
	assert_int_equal(fake_case("phase=fault-alloc size=64K")->status, CASE_SKIP);
	assert_int_not_equal(fake_case("phase=fault-alloc size=2M")->status, CASE_SKIP);
}

/* 6.18: the same keys; each size is enabled alone through its own control. */
static void test_cases_6_18(void **state)
{
	struct bench_case *c;

	(void)state;
	fake_tree("sys618", 1);
	list_cases(fake_opts);
	assert_keys();
	for (size_t i = 0; i < 9; i++)
		assert_int_not_equal(fake_case(all_keys[i])->status, CASE_SKIP);
	c = fake_case("phase=fault-alloc size=2M");
	/* the knob family is listed in readdir order: check the ones that matter */
	assert_non_null(strstr(knobs_of(c), "thp.enabled=never"));
	assert_non_null(strstr(knobs_of(c), "thp.hugepages-2048kB.enabled=always"));
	assert_non_null(strstr(knobs_of(c), "thp.hugepages-64kB.enabled=never"));
	assert_null(strstr(knobs_of(c), "hugepages-8kB"));
	c = fake_case("phase=khugepaged-mthp size=64K occupancy=100 max_ptes_none=511");
	assert_int_not_equal(c->status, CASE_SKIP);
	assert_non_null(strstr(knobs_of(c), "thp.hugepages-64kB.enabled=madvise"));
	assert_non_null(strstr(knobs_of(c), "thp.hugepages-2048kB.enabled=never"));
}

static int fake_teardown(void **state)
{
	case_list_free(&fake_list);
	return tu_teardown(state);
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
	const struct CMUnitTest fake[] = {
		cmocka_unit_test(test_cases_6_1),
		cmocka_unit_test(test_cases_6_18),
	};
	int failed = cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);

	return failed + cmocka_run_group_tests_name("thp cases on fake sysfs", fake, NULL, fake_teardown);
}
