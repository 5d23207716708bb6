/* Shared bench helpers: the PMD size from sysfs, aligned maps, prewarming, and a knob recorded as a case param. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "testutil.h"
#include "core/bench.h"
#include "sys/memutil.h"
#include "sys/procfs.h"

#define THP "/sys/kernel/mm/transparent_hugepage"

static char root[PATH_MAX];

static void fake(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	tu_write_file(p, text);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/root", tu_tmpdir());
	setenv("MMBENCH_SYSROOT", root, 1);
	return 0;
}

static void test_pmd_size(void **state)
{
	size_t pmd = 0;

	(void)state;
	fake(THP "/hpage_pmd_size", "2097152\n");
	assert_int_equal(mem_pmd_size(&pmd), 0);
	assert_int_equal(pmd, 2097152);
	/* callers mask with pmd - 1: zero or a non-power of two must not pass */
	fake(THP "/hpage_pmd_size", "0\n");
	assert_int_equal(mem_pmd_size(&pmd), -EINVAL);
	fake(THP "/hpage_pmd_size", "3145728\n");
	assert_int_equal(mem_pmd_size(&pmd), -EINVAL);
	assert_int_equal(pmd, 2097152);
}

static void test_map_aligned(void **state)
{
	size_t align = 2 << 20, len = 6 << 20;
	char *p = mem_map_aligned(len, align, PROT_READ | PROT_WRITE);

	(void)state;
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & (align - 1), 0);
	p[0] = 1;
	p[len - 1] = 1;
	assert_int_equal(munmap(p, len), 0);
}

/* It touches what it is asked to (faults happen), then gives it all back (RSS as before). */
static void test_prewarm(void **state)
{
	const size_t len = 32 << 20;
	long long rss0 = self_status_kb("VmRSS"), rss1;
	struct rusage a, b;
	char buf[96];

	(void)state;
	assert_int_equal(mem_prewarm(0), -EINVAL);
	getrusage(RUSAGE_SELF, &a);
	assert_int_equal(mem_prewarm(len), 0);
	getrusage(RUSAGE_SELF, &b);
	rss1 = self_status_kb("VmRSS");
	/* one fault per 2 MiB under THP at least, one per 4 KiB page without */
	assert_true(b.ru_minflt - a.ru_minflt >= (long)(len >> 21));
	assert_true(rss0 > 0 && rss1 > 0);
	assert_true(rss1 < rss0 + 1024);
	assert_string_equal(mem_prewarm_text(0, buf, sizeof(buf)), "off");
	assert_string_equal(mem_prewarm_text(len + 1, buf, sizeof(buf)),
			    "33 MiB touched and freed right before each repetition, untimed");
}

static void test_param_knob(void **state)
{
	struct case_list l = { 0 };
	struct bench_case *c;
	const struct case_param *p;

	(void)state;
	fake(THP "/khugepaged/max_ptes_none", "511\n");
	fake(THP "/enabled", "always [madvise] never\n");
	c = case_new(&l);
	case_param_str(c, "mode", "x");
	case_freeze_key(c);
	case_param_knob(c, "max_ptes_none", "khugepaged.max_ptes_none");
	case_param_knob(c, "thp", "thp.enabled");
	case_param_knob(c, "fab", "fault_around_bytes");
	p = case_param(c, "max_ptes_none");
	assert_true(p->is_num);
	assert_true(p->num == 511);
	p = case_param(c, "thp");
	assert_false(p->is_num);
	assert_string_equal(p->str, "madvise");
	/* absent here: recorded as unreadable with why, never a number */
	p = case_param(c, "fab");
	assert_false(p->is_num);
	assert_memory_equal(p->str, "unreadable: ", strlen("unreadable: "));
	/* information, not part of the key */
	assert_string_equal(c->key, "mode=x");
	case_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pmd_size),
		cmocka_unit_test(test_map_aligned),
		cmocka_unit_test(test_prewarm),
		cmocka_unit_test(test_param_knob),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
