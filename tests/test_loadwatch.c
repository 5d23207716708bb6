/* Unit tests of lib/sys/loadwatch.c: /proc/stat's per-CPU lines, the shared rule against ticks, a hog seen on this machine. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "sys/loadwatch.h"

static const char stat_text[] =
	"cpu  9198 356 12759 35116 1045 0 94 37 0 0\n"
	"cpu0 4389 185 2995 21498 190 0 13 19 0 0\n"
	"cpu1 4809 170 9763 13617 855 7 80 18 0 0\n"
	"cpu2 1 2 3 4 5 6 7 8 0 0\n"
	"intr 408113 0 0\n"
	"ctxt 1234\n";

/* A watch over the CPUs of @mask, 100 ticks a second. */
static void watch(struct loadwatch *lw, uint64_t mask)
{
	memset(lw, 0, sizeof(*lw));
	lw->cpus[0] = mask;
	lw->ncpus = __builtin_popcountll(mask);
	lw->hz = 100;
	lw->ok = true;
}

static void test_parse(void **state)
{
	struct loadwatch lw;
	uint64_t busy, steal;

	(void)state;
	watch(&lw, 0x3);
	assert_int_equal(loadwatch_parse(&lw, stat_text, &busy, &steal), 0);
	/* user+nice+system+irq+softirq of cpu0 and cpu1, never the "cpu " total, idle nor iowait */
	assert_int_equal(busy, (4389 + 185 + 2995 + 0 + 13) + (4809 + 170 + 9763 + 7 + 80));
	assert_int_equal(steal, 19 + 18);
	watch(&lw, 0x4);
	assert_int_equal(loadwatch_parse(&lw, stat_text, &busy, &steal), 0);
	assert_int_equal(busy, 1 + 2 + 3 + 6 + 7);
	assert_int_equal(steal, 8);
	watch(&lw, 0x10);	/* a CPU /proc/stat does not list */
	assert_int_equal(loadwatch_parse(&lw, stat_text, &busy, &steal), -EINVAL);
	watch(&lw, 0x1);
	assert_int_equal(loadwatch_parse(&lw, "cpu0 1 2\n", &busy, &steal), -EINVAL);
}

static void test_between(void **state)
{
	struct loadwatch lw;
	struct load_snap a = { .ok = true }, b = { .ok = true };
	struct load_rep r;

	(void)state;
	watch(&lw, 0x3);
	/* 2 CPUs, 100 Hz: nothing under 3 ticks (30 ms) counts, however short the stretch */
	assert_true(loadwatch_threshold(&lw, 0.05) == 0.03);
	assert_true(loadwatch_threshold(&lw, 2.0) == 0.2);

	/* 1 s; the CPUs were busy 1.5 s, 1.0 s of it ours: 0.5 s someone else's */
	b.wall_ns = 1000000000;
	b.busy_ticks = 150;
	b.own_ns = 1000000000;
	loadwatch_between(&lw, &a, &b, &r);
	assert_true(r.wall_s == 1.0);
	assert_true(r.other_s > 0.499 && r.other_s < 0.501);
	assert_true(r.shared);

	/* a tick's rounding over our own time is not someone else's */
	b.busy_ticks = 102;
	loadwatch_between(&lw, &a, &b, &r);
	assert_false(r.shared);
	/* ours counted above the ticks: others never below 0 */
	b.busy_ticks = 90;
	loadwatch_between(&lw, &a, &b, &r);
	assert_true(r.other_s == 0);

	/* the host took 0.2 s of our CPUs: shared too */
	b.busy_ticks = 100;
	b.steal_ticks = 20;
	loadwatch_between(&lw, &a, &b, &r);
	assert_true(r.steal_s > 0.199 && r.steal_s < 0.201);
	assert_true(r.shared);

	/* a snapshot that failed tells nothing */
	b.ok = false;
	loadwatch_between(&lw, &a, &b, &r);
	assert_false(r.shared);
	assert_true(r.wall_s == 0);
}

static void test_cpus_text(void **state)
{
	struct loadwatch lw;
	char buf[64];

	(void)state;
	watch(&lw, 0x3);
	loadwatch_cpus_text(&lw, buf, sizeof(buf));
	assert_string_equal(buf, "0-1");
	watch(&lw, 0x2d);	/* 0, 2-3, 5 */
	loadwatch_cpus_text(&lw, buf, sizeof(buf));
	assert_string_equal(buf, "0,2-3,5");
}

/* On this machine: a child spinning on our CPUs for 0.4 s is seen; our own spinning is not. */
static void test_live(void **state)
{
	struct loadwatch lw;
	struct load_snap a, b;
	struct load_rep own, hog;
	volatile unsigned long spin = 0;
	pid_t pid;

	(void)state;
	loadwatch_init(&lw);
	assert_true(lw.ok);
	assert_true(lw.ncpus >= 1);
	loadwatch_snap(&lw, &a);
	for (unsigned long i = 0; i < 200000000ul; i++)
		spin += i;
	loadwatch_snap(&lw, &b);
	loadwatch_between(&lw, &a, &b, &own);
	print_message("own spinning: wall %.3f s, others %.3f s, steal %.3f s\n", own.wall_s,
		      own.other_s, own.steal_s);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		for (;;)
			spin++;
	}
	loadwatch_snap(&lw, &a);
	usleep(400000);
	loadwatch_snap(&lw, &b);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	loadwatch_between(&lw, &a, &b, &hog);
	print_message("a hog while we slept: wall %.3f s, others %.3f s\n", hog.wall_s, hog.other_s);
	/* the hog had a CPU of its own for most of 0.4 s */
	assert_true(hog.other_s > 0.25);
	assert_true(hog.shared);
	if (own.shared && own.steal_s <= loadwatch_threshold(&lw, own.wall_s))
		tu_skip("the machine was busy while we spun (others %.3f s): not judging our own time",
			own.other_s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_cpus_text),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests_name("loadwatch", tests, NULL, NULL);
}
