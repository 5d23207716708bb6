/* Unit tests of lib/sys/procfs.c: a fake sysroot for meminfo and CPUs, the real /proc/self for status and smaps. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"
#include "sys/procfs.h"

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	tu_write_file(path, "%s", text);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s", tu_tmpdir());
	return 0;
}

static void test_fake_root(void **state)
{
	(void)state;
	put("/proc/meminfo", "MemTotal:       24576000 kB\nMemFree:        1000 kB\n"
			     "MemAvailable:   20000000 kB\nHugePages_Total:       0\n");
	put("/sys/devices/system/cpu/online", "0-5\n");
	setenv("MMBENCH_SYSROOT", root, 1);
	assert_int_equal(meminfo_kb("MemTotal"), 24576000);
	assert_int_equal(meminfo_kb("MemAvailable"), 20000000);
	assert_int_equal(meminfo_kb("Mem"), -ENOENT);	/* a prefix is not a field */
	assert_int_equal(meminfo_kb("HugePages_Total"), 0);
	assert_int_equal(online_cpus(), 6);
	/* a node's meminfo: every line "Node N Field: value kB" */
	put("/sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:        2031616 kB\n"
		"Node 1 MemFree:         1500000 kB\nNode 1 Inactive(file):    12345 kB\n");
	assert_int_equal(node_meminfo_kb(1, "MemFree"), 1500000);
	assert_int_equal(node_meminfo_kb(1, "Inactive(file)"), 12345);
	assert_int_equal(node_meminfo_kb(1, "Mem"), -ENOENT);
	assert_int_equal(node_meminfo_kb(2, "MemFree"), -ENOENT);
	put("/sys/devices/system/cpu/online", "0,2-3,8\n");
	assert_int_equal(online_cpus(), 4);
	/* /proc/self is never faked. */
	assert_true(self_status_kb("VmRSS") > 0);
	unsetenv("MMBENCH_SYSROOT");
	assert_true(meminfo_kb("MemTotal") > 0);
	assert_int_equal(online_cpus(), sysconf(_SC_NPROCESSORS_ONLN));
}

static void test_cpulist(void **state)
{
	(void)state;
	assert_int_equal(cpulist_count("0"), 1);
	assert_int_equal(cpulist_count("0-3,8,10-11"), 7);
	assert_int_equal(cpulist_count("0-1\n"), 2);
	assert_int_equal(cpulist_count("3-1"), -EINVAL);
	assert_int_equal(cpulist_count("a"), -EINVAL);
	assert_int_equal(cpulist_count("0;1"), -EINVAL);
}

static void test_text_files(void **state)
{
	char path[PATH_MAX + 16], buf[16];
	uint64_t v;

	(void)state;
	snprintf(path, sizeof(path), "%s/num", root);
	fclose(fopen(path, "w"));
	assert_int_equal(write_text(path, "4096\n\n"), 0);
	assert_int_equal(read_text(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4096");
	assert_int_equal(read_u64(path, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(write_text(path, "always [madvise] never\n"), 0);
	assert_int_equal(read_text(path, buf, 8), 0);	/* truncated to fit, NUL-terminated */
	assert_string_equal(buf, "always ");
	assert_int_equal(read_u64(path, &v), -EINVAL);
	snprintf(path, sizeof(path), "%s/none", root);
	assert_int_equal(read_text(path, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_u64(path, &v), -ENOENT);
	assert_int_equal(write_text(path, "1"), -ENOENT);	/* never creates: a typo'd knob path must fail */
}

/* 512 of 1024 pages written: Rss of the range is 512 pages, VmRSS grows by at least that. */
static void test_self_smaps(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t pages = 1024, len = pages * ps;
	long long rss0, rss1;
	char *p;

	(void)state;
	p = tu_map_pages(len);
	rss0 = self_status_kb("VmRSS");
	assert_true(rss0 > 0);
	assert_int_equal(self_smaps_range_kb(p, len, "Rss"), 0);
	tu_touch(p, pages / 2);
	rss1 = self_status_kb("VmRSS");
	assert_true(rss1 - rss0 >= (long long)(pages / 2 * ps / 1024));
	assert_int_equal(self_smaps_range_kb(p, len, "Rss"), pages / 2 * ps / 1024);
	assert_int_equal(self_smaps_range_kb(p, len, "Anonymous"), pages / 2 * ps / 1024);
	assert_int_equal(self_smaps_range_kb(p, len, "AnonHugePages"), 0);
	assert_int_equal(self_smaps_range_kb(p, len, "NoSuchField"), -ENOENT);
	assert_true(self_smaps_rollup_kb("Rss") >= (long long)(pages / 2 * ps / 1024));
	assert_true(self_status_kb("VmPTE") > 0);
	assert_int_equal(self_status_kb("NoSuchField"), -ENOENT);
	munmap(p, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_root),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_text_files),
		cmocka_unit_test(test_self_smaps),
	};

	return cmocka_run_group_tests_name("procfs", tests, setup, tu_teardown);
}
