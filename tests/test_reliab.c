/* Never leave anything changed or half-written: knobs back on crash signals, atomic files, INCOMPLETE. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "sys/atomic.h"
#include "core/bench.h"
#include "core/driver.h"
#include "knobs/knobs.h"
#include "results/results_write.h"

#define THP "/sys/kernel/mm/transparent_hugepage"

static const struct { const char *path, *text; } fake[] = {
	{ THP "/enabled", "always [madvise] never" },
	{ THP "/khugepaged/scan_sleep_millisecs", "10000" },
	{ THP "/khugepaged/alloc_sleep_millisecs", "60000" },
	{ "/proc/sys/kernel/numa_balancing", "0" },
};

static char root[PATH_MAX];

static const char *at(const char *rel)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	return p;
}

static char *get(const char *rel)
{
	char *s = tu_slurp("%s", at(rel));

	assert_non_null(s);
	s[strcspn(s, "\n")] = 0;
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/root", tu_tmpdir());
	return 0;
}

/* Every test starts from the fake tree as a machine would have it, and no journal. */
static void pristine_tree(void)
{
	for (size_t i = 0; i < sizeof(fake) / sizeof(fake[0]); i++)
		tu_write_file(at(fake[i].path), "%s\n", fake[i].text);
	unlink(at("/var/lib/mmbench/journal"));
	setenv("MMBENCH_SYSROOT", root, 1);
}

static void assert_pristine(void)
{
	for (size_t i = 0; i < sizeof(fake) / sizeof(fake[0]); i++) {
		char *s = get(fake[i].path);

		assert_string_equal(s, fake[i].text);
		free(s);
	}
	assert_int_not_equal(access(at("/var/lib/mmbench/journal"), F_OK), 0);
}

static void set_knobs(void)
{
	struct rlimit none = { 0, 0 };

	/* a core file per test in the tree is not wanted; the status still names the signal */
	setrlimit(RLIMIT_CORE, &none);
	if (knobs_init(stderr) || knob_set("thp.enabled", "always") ||
	    knob_set("khugepaged.scan_sleep_millisecs", "10") ||
	    knob_set("khugepaged.alloc_sleep_millisecs", "10") ||
	    knob_set("kernel.numa_balancing", "1"))
		exit(10);
}

static void die_segv(void)
{
	volatile int *volatile nowhere = NULL;

	set_knobs();
	/* a real fault, not a signal sent: the handler must return into the faulting store */
	*nowhere = 1;	// cppcheck-suppress nullPointer
}

static void die_abort(void) { set_knobs(); abort(); }
static void die_bus(void) { set_knobs(); raise(SIGBUS); }
static void die_fpe(void) { set_knobs(); raise(SIGFPE); }
static void die_quit(void) { set_knobs(); kill(getpid(), SIGQUIT); pause(); }

static void expect_signal(void (*fn)(void), int sig)
{
	pid_t pid;
	int st;

	pristine_tree();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fn();
		exit(11);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st))
		fail_msg("child exited %d, not killed by signal %d", WEXITSTATUS(st), sig);
	assert_int_equal(WTERMSIG(st), sig);
	/* the process is gone: the handler put every knob back before it went */
	assert_pristine();
}

static void test_crash_signals_restore(void **state)
{
	(void)state;
	expect_signal(die_segv, SIGSEGV);
	expect_signal(die_abort, SIGABRT);
	expect_signal(die_bus, SIGBUS);
	expect_signal(die_fpe, SIGFPE);
	expect_signal(die_quit, SIGQUIT);
}

/* The journal is whole on disk before the first change: every line, no temporary left beside it. */
static const char *root_path(const char *rel, char *buf)
{
	snprintf(buf, PATH_MAX + 64, "%s%s", root, rel);
	return buf;
}

static void test_journal_on_disk(void **state)
{
	char want[8 * PATH_MAX], p[4][PATH_MAX + 64], *j;
	pid_t pid;
	int st;

	(void)state;
	pristine_tree();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		set_knobs();
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WTERMSIG(st), SIGKILL);
	j = tu_slurp("%s", at("/var/lib/mmbench/journal"));
	assert_non_null(j);
	/* in the order set, each knob's text as it was: exactly what the next run writes back */
	snprintf(want, sizeof(want),
		 "thp.enabled\t%s\talways [madvise] never\n"
		 "khugepaged.scan_sleep_millisecs\t%s\t10000\n"
		 "khugepaged.alloc_sleep_millisecs\t%s\t60000\n"
		 "kernel.numa_balancing\t%s\t0\n", root_path(THP "/enabled", p[0]),
		 root_path(THP "/khugepaged/scan_sleep_millisecs", p[1]),
		 root_path(THP "/khugepaged/alloc_sleep_millisecs", p[2]),
		 root_path("/proc/sys/kernel/numa_balancing", p[3]));
	assert_string_equal(j, want);
	free(j);
	assert_int_equal(tu_run(NULL, "ls -a %s | grep -q tmp", at("/var/lib/mmbench")), 1);
	/* the next run puts them back */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		exit(knobs_init(NULL) < 0);
	tu_wait_ok(pid);
	assert_pristine();
}

/* Replacing a file: the new text, or on failure the old one and no temporary beside it. */
static void test_atomic_write(void **state)
{
	char path[PATH_MAX], *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/file.json", tu_tmpdir());
	tu_write_file(path, "old");
	assert_int_equal(atomic_write_buf(path, "new text", 8), 0);
	s = tu_slurp("%s", path);
	assert_string_equal(s, "new text");
	free(s);
	/* a non-empty directory where the file should go: the rename fails */
	snprintf(path, sizeof(path), "%s/a/dir.json/x", tu_tmpdir());
	tu_write_file(path, "x");
	path[strlen(path) - 2] = 0;
	assert_int_equal(atomic_write_buf(path, "lost", 4), -EISDIR);
	assert_int_equal(tu_run(NULL, "ls -a %s/a | grep -c tmp", tu_tmpdir()), 1);
	s = tu_slurp("%s/x", path);
	assert_string_equal(s, "x");
	free(s);
	/* a directory that is not there */
	snprintf(path, sizeof(path), "%s/nowhere/file", tu_tmpdir());
	assert_int_equal(atomic_write_buf(path, "x", 1), -ENOENT);
}

/* INCOMPLETE is there from the start, goes when all was written, and names what was not. */
static void test_incomplete_marker(void **state)
{
	char dir[PATH_MAX], *s;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", tu_tmpdir());
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(results_mark_started(dir), 0);
	s = tu_slurp("%s/INCOMPLETE", dir);
	assert_string_equal(s, RUN_UNFINISHED "\n");
	free(s);
	assert_int_equal(results_mark_finished(dir), 0);
	s = tu_slurp("%s/INCOMPLETE", dir);
	assert_null(s);

	assert_int_equal(results_mark_started(dir), 0);
	results_unwritten("/x/y/uffd-wp.json", -ENOSPC);
	results_unwritten("manifest.json", -EIO);
	assert_int_equal(results_mark_finished(dir), 2);
	s = tu_slurp("%s/INCOMPLETE", dir);
	assert_string_equal(s, "incomplete: not written: uffd-wp.json: No space left on device\n"
			    "incomplete: not written: manifest.json: Input/output error\n");
	free(s);
	/* a new run forgets the notes of the last */
	assert_int_equal(results_mark_started(dir), 0);
	assert_int_equal(results_mark_finished(dir), 0);
}

/* One repetition records one metric more than a case holds. */
static int run_too_many_metrics(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	char name[32];

	(void)ctx;
	(void)rep;
	for (int i = 0; i <= CASE_MAX_METRICS; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		case_metric(c, name, "ns", BETTER_LOWER, i);
	}
	return 0;
}

static int list_one(struct bench_ctx *ctx, struct case_list *list)
{
	(void)ctx;
	return case_new(list) ? 0 : -ENOMEM;
}

/* More metrics than a case holds: the case fails and says so; none is dropped unsaid. */
static void test_metric_limit(void **state)
{
	static const struct bench b = {
		.name = "fat", .summary = "s", .unit_of_work = "u",
		.cases = list_one, .run = run_too_many_metrics,
	};
	struct bench_ctx ctx = { .bench = &b, .reps = 2 };
	struct case_list l = { 0 };
	char want[96];

	(void)state;
	assert_int_equal(list_one(&ctx, &l), 0);
	case_freeze_key(&l.cases[0]);
	/* one error, counted by the driver as any failed case */
	assert_int_equal(driver_run_cases(&ctx, &l, NULL), 1);
	assert_int_equal(l.cases[0].status, CASE_ERROR);
	snprintf(want, sizeof(want), "more than %d metrics: 'm%d' could not be recorded",
		 CASE_MAX_METRICS, CASE_MAX_METRICS);
	assert_string_equal(l.cases[0].reason, want);
	assert_int_equal(l.cases[0].nr_metrics, CASE_MAX_METRICS);
	case_list_free(&l);
}

/* More samples than a metric holds: the same; the samples that fit stay as they were. */
static void test_sample_limit(void **state)
{
	struct case_list l = { 0 };
	struct bench_case *c = case_new(&l);

	(void)state;
	for (int i = 0; i < CASE_MAX_SAMPLES; i++)
		case_metric(c, "lat", "ns", BETTER_LOWER, i);
	assert_int_equal(c->status, CASE_PENDING);
	case_metric(c, "lat", "ns", BETTER_LOWER, -1);
	assert_int_equal(c->status, CASE_ERROR);
	assert_string_equal(c->reason,
			    "more than 4096 samples of a metric: 'lat' could not be recorded");
	assert_int_equal(c->metrics[0].n, CASE_MAX_SAMPLES);
	assert_true(c->metrics[0].samples[CASE_MAX_SAMPLES - 1] == CASE_MAX_SAMPLES - 1);
	/* the first reason stays: a second overflow does not hide the first */
	for (int i = 0; i <= CASE_MAX_VMSTAT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%d", i);
		case_vmstat(c, name, 1);
	}
	assert_int_equal(c->nr_vmstat, CASE_MAX_VMSTAT);
	assert_non_null(strstr(c->reason, "'lat'"));
	case_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_signals_restore),
		cmocka_unit_test(test_journal_on_disk),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_incomplete_marker),
		cmocka_unit_test(test_metric_limit),
		cmocka_unit_test(test_sample_limit),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
