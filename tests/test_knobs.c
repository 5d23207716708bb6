/* Knob save/apply/restore on a fake sysroot: exact text back after exit, SIGTERM, and SIGKILL + next run. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "knobs/knobs.h"

#define THP "/sys/kernel/mm/transparent_hugepage"

static const struct { const char *path, *text; } fake[] = {
	{ THP "/enabled", "always [madvise] never" },
	{ THP "/defrag", "always defer defer+madvise [madvise] never" },
	{ THP "/hugepages-64kB/enabled", "always inherit madvise [never]" },
	{ THP "/hugepages-2048kB/enabled", "always [inherit] madvise never" },
	{ THP "/khugepaged/max_ptes_none", "511" },
	{ THP "/khugepaged/scan_sleep_millisecs", "10000" },
	{ "/proc/sys/kernel/numa_balancing", "0" },
};

static char root[PATH_MAX], journal[PATH_MAX + 32];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	tu_write_file(p, "%s\n", text);
}

static const char *get(const char *rel)
{
	static char buf[256];
	char p[PATH_MAX + 64];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/root", tu_tmpdir());
	for (size_t i = 0; i < sizeof(fake) / sizeof(fake[0]); i++)
		put(fake[i].path, fake[i].text);
	setenv("MMBENCH_SYSROOT", root, 1);
	/* root's journal is under the sysroot; a user's would be its own state directory */
	snprintf(journal, sizeof(journal), "%s/var/lib/mmbench/journal", root);
	setenv("MMBENCH_JOURNAL", journal, 1);
	return 0;
}

static void assert_pristine(void)
{
	char j[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(fake) / sizeof(fake[0]); i++)
		assert_string_equal(get(fake[i].path), fake[i].text);
	snprintf(j, sizeof(j), "%s/var/lib/mmbench/journal", root);
	assert_int_not_equal(access(j, F_OK), 0);
}

/* Run fn in a child (knobs_init is once per process); returns its wait status. */
static int in_child(void (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (!pid) {
		fn();
		exit(0);
	}
	assert_true(pid > 0);
	waitpid(pid, &st, 0);
	return st;
}

static void child_set_and_exit(void)
{
	char v[64];

	if (knobs_init(stderr) || knob_set("thp.enabled", "never") ||
	    knob_set("khugepaged.max_ptes_none", "0") ||
	    knob_set("thp.hugepages-64kB.enabled", "always"))
		exit(10);
	/* a regular file standing in for sysfs shows what the kernel would */
	if (strcmp(get(THP "/enabled"), "always madvise [never]") ||
	    strcmp(get(THP "/khugepaged/max_ptes_none"), "0"))
		exit(11);
	if (knob_read("thp.enabled", v, sizeof(v)) || strcmp(v, "never"))
		exit(12);
	/* setting twice keeps the first original */
	if (knob_set("thp.enabled", "always"))
		exit(13);
	exit(0);	/* atexit restores */
}

static void test_restore_at_exit(void **state)
{
	int st = in_child(child_set_and_exit);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_pristine();
}

static void child_set_and_die(int sig)
{
	if (knobs_init(stderr) || knob_set("thp.enabled", "always") ||
	    knob_set("khugepaged.scan_sleep_millisecs", "100") ||
	    knob_set("kernel.numa_balancing", "1"))
		exit(10);
	raise(sig);
	exit(11);
}

static void child_sigterm(void) { child_set_and_die(SIGTERM); }
static void child_sigkill(void) { child_set_and_die(SIGKILL); }

static void test_restore_on_sigterm(void **state)
{
	int st = in_child(child_sigterm);

	(void)state;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_pristine();
}

static char recovered_msg[4096];

static void child_recover(void)
{
	FILE *m = fmemopen(recovered_msg, sizeof(recovered_msg), "w");

	if (knobs_init(m))
		exit(20);
	fclose(m);
	/* hand the message to the parent through a file */
	put("/msg", recovered_msg);
	exit(0);
}

static void test_recover_after_sigkill(void **state)
{
	int st = in_child(child_sigkill);

	(void)state;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	/* the kill left the knobs changed and the journal behind */
	assert_string_equal(get(THP "/enabled"), "[always] madvise never");
	assert_string_equal(get(THP "/khugepaged/scan_sleep_millisecs"), "100");
	assert_string_equal(get("/proc/sys/kernel/numa_balancing"), "1");
	assert_string_not_equal(get("/var/lib/mmbench/journal"), "");

	st = in_child(child_recover);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_pristine();
	assert_non_null(strstr(get("/msg"), "killed"));
	assert_non_null(strstr(get("/msg"), "kernel.numa_balancing"));
}

static void child_bad_value(void)
{
	if (knobs_init(stderr))
		exit(10);
	if (knob_set("thp.enabled", "sometimes") != -EINVAL)
		exit(11);
	if (knob_set("no.such.knob", "1") != -ENOENT)
		exit(12);
	if (strcmp(get(THP "/enabled"), "always [madvise] never"))
		exit(13);
	exit(0);
}

static void test_bad_value_changes_nothing(void **state)
{
	int st = in_child(child_bad_value);

	(void)state;
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_pristine();
}

/* ready: holder -> parent; release: parent -> holder (two pipes, so nobody reads its own byte) */
static int ready[2], release[2];

static void child_hold_lock(void)
{
	char c;

	close(ready[0]);
	close(release[1]);
	if (knobs_init(stderr))
		exit(10);
	if (write(ready[1], "x", 1) != 1)
		exit(11);
	/* hold the lock until the parent closes the release pipe */
	if (read(release[0], &c, 1) < 0)
		exit(12);
	exit(0);
}

static void test_one_run_at_a_time(void **state)
{
	pid_t pid, other;
	char c;
	int st;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	if (!pid)
		child_hold_lock();
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	other = fork();
	if (!other)
		exit(knobs_init(NULL) == -EBUSY ? 0 : 1);
	waitpid(other, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	close(release[1]);
	waitpid(pid, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	close(ready[0]);
}

static void child_try_values(void)
{
	char why[600];

	if (knobs_init(stderr))
		exit(10);
	if (knob_try_value("thp.enabled", "bogus", why, sizeof(why)) != -EINVAL ||
	    !strstr(why, "not a value of this knob (always [madvise] never)"))
		exit(11);
	if (knob_try_value("khugepaged.max_ptes_none", "12abc", why, sizeof(why)) != -EINVAL ||
	    !strstr(why, "a number"))
		exit(12);
	/* a good value is written and put back at once */
	if (knob_try_value("thp.enabled", "never", why, sizeof(why)) ||
	    knob_try_value("khugepaged.max_ptes_none", "0", why, sizeof(why)))
		exit(13);
	if (strcmp(get(THP "/enabled"), "always [madvise] never") ||
	    strcmp(get(THP "/khugepaged/max_ptes_none"), "511"))
		exit(14);
	exit(0);
}

/* --set and sweep values are checked by form and by a trial write that changes nothing. */
static void test_try_value(void **state)
{
	int st = in_child(child_try_values);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_pristine();
}

static void test_names_and_reads(void **state)
{
	const char *const *n = knob_names();
	bool mthp = false, fab = false;
	char v[64], why[256];

	(void)state;
	for (; *n; n++) {
		mthp |= !strcmp(*n, "thp.hugepages-64kB.enabled");
		fab |= !strcmp(*n, "fault_around_bytes");
	}
	assert_true(mthp);
	assert_true(fab);
	assert_true(knob_known("thp.hugepages-2048kB.enabled"));
	assert_false(knob_known("thp.hugepages-64kB/../enabled"));
	assert_false(knob_known("thp.nonsense"));
	assert_int_equal(knob_read("thp.hugepages-2048kB.enabled", v, sizeof(v)), 0);
	assert_string_equal(v, "inherit");
	assert_int_equal(knob_read("khugepaged.max_ptes_none", v, sizeof(v)), 0);
	assert_string_equal(v, "511");
	/* absent on the fake tree: the probe says which path is missing */
	assert_int_equal(knob_probe_write("fault_around_bytes", why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "fault_around_bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_reads),
		cmocka_unit_test(test_restore_at_exit),
		cmocka_unit_test(test_restore_on_sigterm),
		cmocka_unit_test(test_recover_after_sigkill),
		cmocka_unit_test(test_bad_value_changes_nothing),
		cmocka_unit_test(test_one_run_at_a_time),
		cmocka_unit_test(test_try_value),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
