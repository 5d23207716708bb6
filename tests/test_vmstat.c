/* Unit tests of lib/sys/vmstat.c: snapshots of a fake /proc/vmstat and THP stats tree, deltas, recording by pattern. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core/bench.h"
#include "sys/vmstat.h"

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	tu_write_file(path, "%s", text);
}

#define THP "/sys/kernel/mm/transparent_hugepage"

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s", tu_tmpdir());
	put("/proc/vmstat", "nr_free_pages 1000\npgfault 500\nthp_fault_alloc 3\n"
			    "thp_fault_fallback 1\nthp_collapse_alloc 0\n");
	put(THP "/hugepages-64kB/stats/anon_fault_alloc", "7\n");
	put(THP "/hugepages-64kB/stats/anon_fault_fallback", "2\n");
	put(THP "/hugepages-2048kB/stats/anon_fault_alloc", "11\n");
	put(THP "/hugepages-2048kB/enabled", "always inherit madvise [never]\n");
	put(THP "/enabled", "always [madvise] never\n");
	setenv("MMBENCH_SYSROOT", root, 1);
	return 0;
}

static void test_fake_snapshot(void **state)
{
	struct vmstat_snap a, b;
	struct bench_case bc;
	static const char *const names[] = {
		"pgfault", "thp_fault_*", "hugepages-*.anon_fault_alloc", "no_such_counter", NULL
	};

	(void)state;
	assert_int_equal(vmstat_snap(&a), 0);
	assert_int_equal(a.nr, 8);
	assert_int_equal(vmstat_get(&a, "pgfault"), 500);
	assert_int_equal(vmstat_get(&a, "hugepages-64kB.anon_fault_alloc"), 7);
	assert_int_equal(vmstat_get(&a, "hugepages-2048kB.anon_fault_alloc"), 11);
	assert_int_equal(vmstat_get(&a, "hugepages-2048kB.enabled"), -1);
	assert_int_equal(vmstat_get(&a, "nope"), -1);

	put("/proc/vmstat", "nr_free_pages 900\npgfault 1500\nthp_fault_alloc 5\n"
			    "thp_fault_fallback 1\nthp_collapse_alloc 0\n");
	put(THP "/hugepages-64kB/stats/anon_fault_alloc", "27\n");
	assert_int_equal(vmstat_snap(&b), 0);
	assert_int_equal(vmstat_delta(&a, &b, "pgfault"), 1000);
	assert_int_equal(vmstat_delta(&a, &b, "nr_free_pages"), -100);
	assert_int_equal(vmstat_delta(&a, &b, "hugepages-64kB.anon_fault_alloc"), 20);
	assert_int_equal(vmstat_delta(&a, &b, "nope"), 0);

	memset(&bc, 0, sizeof(bc));
	case_vmstat_deltas(&bc, &a, &b, names);
	case_vmstat_deltas(&bc, &a, &b, names);	/* a second repetition adds up */
	assert_int_equal(bc.nr_vmstat, 5);
	assert_string_equal(bc.vmstat[0].name, "pgfault");
	assert_int_equal(bc.vmstat[0].delta, 2000);
	assert_string_equal(bc.vmstat[1].name, "thp_fault_alloc");
	assert_int_equal(bc.vmstat[1].delta, 4);
	assert_string_equal(bc.vmstat[2].name, "thp_fault_fallback");
	assert_int_equal(bc.vmstat[2].delta, 0);
	for (int i = 3; i < 5; i++) {
		if (!strcmp(bc.vmstat[i].name, "hugepages-64kB.anon_fault_alloc"))
			assert_int_equal(bc.vmstat[i].delta, 40);
		else
			assert_string_equal(bc.vmstat[i].name, "hugepages-2048kB.anon_fault_alloc");
	}
	vmstat_snap_free(&a);
	vmstat_snap_free(&b);
	assert_int_equal(a.nr, 0);
}

static void test_missing_vmstat(void **state)
{
	struct vmstat_snap s;

	(void)state;
	setenv("MMBENCH_SYSROOT", "/nonexistent-mmbench-root", 1);
	assert_int_equal(vmstat_snap(&s), -ENOENT);
	setenv("MMBENCH_SYSROOT", root, 1);
}

/* The real kernel: faulting pages in shows up in pgfault. */
static void test_real_pgfault(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t pages = 4096, len = pages * ps;
	struct vmstat_snap a, b;
	char *p;

	(void)state;
	unsetenv("MMBENCH_SYSROOT");
	p = tu_map_pages(len);
	assert_int_equal(vmstat_snap(&a), 0);
	tu_touch(p, pages);
	assert_int_equal(vmstat_snap(&b), 0);
	assert_true(vmstat_get(&a, "pgfault") > 0);
	assert_true(vmstat_delta(&a, &b, "pgfault") >= (int64_t)pages);
	vmstat_snap_free(&a);
	vmstat_snap_free(&b);
	munmap(p, len);
	setenv("MMBENCH_SYSROOT", root, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_snapshot),
		cmocka_unit_test(test_missing_vmstat),
		cmocka_unit_test(test_real_pgfault),
	};

	return cmocka_run_group_tests_name("vmstat", tests, setup, tu_teardown);
}
