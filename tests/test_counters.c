/* Unit tests of lib/sys/counters.c: counts that must match the work done, scopes, inherit, filters, unsupported events. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"
#include "core/bench.h"
#include "sys/counters.h"
#include "sys/tracepoint.h"

#define PAGES	2048

static long page_size;

/* Write one byte in each page of a fresh anonymous mapping: exactly @pages minor faults (THP off for it). */
static void touch_pages(size_t pages)
{
	size_t len = pages * page_size;
	char *p = tu_map_pages(len);

	tu_touch(p, pages);
	munmap(p, len);
}

/* Skip (with the reason the library gives) when perf_event_paranoid keeps @label from us. */
static void need_permitted(struct counters *c, const char *label)
{
	struct counter_value v;

	if (!counters_read(c, label, &v) && !v.supported && strstr(v.reason, "not permitted")) {
		counters_free(c);
		tu_skip("%s: %s", label, v.reason);
	}
}

static struct counters *open_self(const char *event)
{
	struct counters *c = counters_new(COUNTERS_SELF);

	assert_non_null(c);
	assert_int_equal(counters_add(c, NULL, event, NULL), 0);
	assert_int_equal(counters_open(c), 0);
	need_permitted(c, event);
	return c;
}

static void test_bad_input(void **state)
{
	struct counters *c = counters_new(COUNTERS_SELF);

	(void)state;
	assert_int_equal(counters_add(c, NULL, "page-fault", NULL), -EINVAL);
	assert_int_equal(counters_add(c, NULL, "minor-faults", "reason==4"), -EINVAL);
	assert_int_equal(counters_add(c, NULL, "", NULL), -EINVAL);
	assert_int_equal(counters_add(c, "f", "minor-faults", NULL), 0);
	assert_int_equal(counters_add(c, "f", "major-faults", NULL), -EEXIST);
	counters_free(c);
}

/* Counting only while enabled: faults before enable and after disable are not in the count. */
static void test_minor_faults_self(void **state)
{
	struct counters *c = open_self("minor-faults");
	struct counter_value v;

	(void)state;
	touch_pages(PAGES);
	counters_enable(c);
	touch_pages(PAGES);
	counters_disable(c);
	touch_pages(PAGES);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.supported);
	assert_true(v.val >= PAGES);
	assert_true(v.val < PAGES + PAGES / 4);
	assert_true(v.ena > 0);
	assert_true(v.run == v.ena);	/* software events are never multiplexed */
	assert_int_equal(counters_read(c, "nosuch", &v), -ENOENT);
	counters_free(c);
}

static void test_reset(void **state)
{
	struct counters *c = open_self("minor-faults");
	struct counter_value v;

	(void)state;
	counters_enable(c);
	touch_pages(PAGES);
	counters_disable(c);
	counters_reset(c);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.val == 0 && v.ena == 0 && v.run == 0);
	counters_enable(c);
	touch_pages(PAGES / 2);
	counters_disable(c);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.val >= PAGES / 2 && v.val < PAGES);
	counters_free(c);
}

static pthread_barrier_t barrier;

static void *faulter(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	touch_pages(PAGES);
	pthread_barrier_wait(&barrier);
	return NULL;
}

/*
 * Threads created after counters_open(), while the counter is disabled: enabling
 * the parent's event must enable their inherited events, and a read must sum them.
 */
static void test_inherit_threads(void **state)
{
	struct counters *c = open_self("minor-faults");
	struct counter_value v;
	pthread_t t[2];

	(void)state;
	pthread_barrier_init(&barrier, NULL, 3);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, faulter, NULL), 0);
	counters_enable(c);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	/* Read while the threads are alive (live child events), then after they exit (folded in). */
	counters_disable(c);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.val >= 2 * PAGES);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.val >= 2 * PAGES);
	assert_true(v.val < 2 * PAGES + PAGES / 2);
	pthread_barrier_destroy(&barrier);
	counters_free(c);
}

/* No PMU in this guest: hardware events are recorded unsupported with the reason, never an error. */
static void test_hardware_event(void **state)
{
	struct counters *c = counters_new(COUNTERS_SELF);
	struct counter_value v;
	volatile unsigned long x = 0;

	(void)state;
	assert_int_equal(counters_add(c, NULL, "cycles", NULL), 0);
	assert_int_equal(counters_add(c, "tlb", "dTLB-load-misses", NULL), 0);
	assert_int_equal(counters_open(c), 0);
	counters_enable(c);
	for (int i = 0; i < 1000000; i++)
		x += i;
	counters_disable(c);
	assert_int_equal(counters_read(c, "cycles", &v), 0);
	if (v.supported)
		assert_true(v.val > 1000000);
	else
		assert_non_null(strstr(v.reason, "not "));
	assert_int_equal(counters_read(c, "tlb", &v), 0);
	assert_true(v.supported || v.reason[0]);
	counters_free(c);
}

static void test_record(void **state)
{
	struct counters *c = counters_new(COUNTERS_SELF);
	struct bench_case bc;

	(void)state;
	memset(&bc, 0, sizeof(bc));
	assert_int_equal(counters_add(c, "faults", "minor-faults", NULL), 0);
	assert_int_equal(counters_add(c, NULL, "nosuch:event", NULL), 0);
	assert_int_equal(counters_open(c), 0);
	need_permitted(c, "faults");
	for (int rep = 0; rep < 2; rep++) {
		counters_reset(c);
		counters_enable(c);
		touch_pages(PAGES);
		counters_disable(c);
		case_counters(&bc, c);
	}
	assert_int_equal(bc.nr_counters, 2);
	assert_string_equal(bc.counters[0].name, "faults");
	assert_true(bc.counters[0].supported);
	assert_true(bc.counters[0].val >= 2 * PAGES && bc.counters[0].val < 3 * PAGES);
	assert_string_equal(bc.counters[1].name, "nosuch:event");
	assert_false(bc.counters[1].supported);
	assert_non_null(strstr(bc.counters[1].reason, "no tracepoint"));
	counters_free(c);
}

/* System-wide: our own faults are a lower bound of every CPU's. */
static void test_system_scope(void **state)
{
	struct counters *c = counters_new(COUNTERS_SYSTEM);
	struct counter_value v;

	(void)state;
	tu_need_root("counting every CPU needs CAP_PERFMON");
	assert_int_equal(counters_add(c, NULL, "minor-faults", NULL), 0);
	assert_int_equal(counters_open(c), 0);
	counters_enable(c);
	touch_pages(PAGES);
	counters_disable(c);
	assert_int_equal(counters_read(c, "minor-faults", &v), 0);
	assert_true(v.supported);
	assert_true(v.val >= PAGES);
	assert_true(v.ena > 0);
	counters_free(c);
}

/* A filtered tracepoint counts exactly the matching events: getppid() calls among all syscalls. */
static void test_tracepoint_filter(void **state)
{
	struct counters *c = counters_new(COUNTERS_SELF);
	struct counter_value v, all;
	char filter[32];

	(void)state;
	tu_need_root("tracepoints need tracefs and CAP_PERFMON");
	snprintf(filter, sizeof(filter), "id==%d", SYS_getppid);
	assert_int_equal(counters_add(c, "getppid", "raw_syscalls:sys_enter", filter), 0);
	assert_int_equal(counters_add(c, "all", "raw_syscalls:sys_enter", NULL), 0);
	assert_int_equal(counters_add(c, "bad", "raw_syscalls:sys_enter", "nosuchfield==1"), 0);
	assert_int_equal(counters_open(c), 0);
	syscall(SYS_getppid);
	counters_enable(c);
	for (int i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	counters_disable(c);
	syscall(SYS_getppid);
	assert_int_equal(counters_read(c, "getppid", &v), 0);
	assert_true(v.supported);
	assert_int_equal(v.val, 1000);
	assert_int_equal(counters_read(c, "all", &all), 0);
	assert_true(all.supported);
	assert_true(all.val >= 1000 && all.val < 1100);
	assert_int_equal(counters_read(c, "bad", &v), 0);
	assert_false(v.supported);
	assert_non_null(strstr(v.reason, "rejected"));
	counters_free(c);
}

static int mounts_before;

/* Counted in mountinfo at exit, after tracefs' own atexit handler (registered later, so run earlier). */
static void check_at_exit(void)
{
	_exit(tu_mounts("tracefs", "/sys/kernel/tracing") == mounts_before ? 0 : 3);
}

/* The machine is left as found: a tracefs mounted for us is gone when we exit. */
static void test_tracefs_left_as_found(void **state)
{
	pid_t pid;

	(void)state;
	pid = tu_fork_root();
	if (!pid) {
		mounts_before = tu_mounts("tracefs", "/sys/kernel/tracing");
		atexit(check_at_exit);
		if (!tracefs_dir() || tracepoint_id("raw_syscalls:sys_enter") <= 0)
			_exit(4);
		exit(0);
	}
	tu_wait_ok(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_minor_faults_self),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_inherit_threads),
		cmocka_unit_test(test_hardware_event),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_system_scope),
		cmocka_unit_test(test_tracepoint_filter),
		cmocka_unit_test(test_tracefs_left_as_found),
	};

	page_size = sysconf(_SC_PAGESIZE);
	return cmocka_run_group_tests_name("counters", tests, NULL, NULL);
}
