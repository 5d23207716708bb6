/* Whatever kills mmbench, the machine is left as found: SIGKILL, crash signals, a killed VM runner, a full disk. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "cmd/registry.h"
#include "knobs/knobs.h"
#include "results/results_write.h"

#define KILL_GONE_S	2	/* after SIGKILL, nothing of the run may remain longer */
#define VM_GONE_S	5
#define CHANGE_WAIT_S	120	/* how long a bench may take to reach its first knob change */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void need_root(void)
{
	if (!tu_is_root()) {
		print_message("SKIP: needs root\n");
		skip();
	}
}

/* A value of khugepaged.pages_to_scan other than the machine's, so that every bench changes a knob. */
static const char *other_pages_to_scan(void)
{
	static char buf[96];
	char v[32];

	assert_int_equal(knob_read("khugepaged.pages_to_scan", v, sizeof(v)), 0);
	snprintf(buf, sizeof(buf), "khugepaged.pages_to_scan=%ld", atol(v) == 4096 ? 2048L : 4096L);
	return buf;
}

/* `mmbench run --bench @bench --profile smoke` in a process group of its own, output to @log. */
static pid_t start_run(const char *bench, const char *out, const char *log)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit none = { 0, 0 };
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		/* the crash signals would leave a core file in the tree */
		setrlimit(RLIMIT_CORE, &none);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("./build/mmbench", "mmbench", "run", "--bench", bench, "--profile", "smoke",
		      "--out", out, "--no-report", "--set", other_pages_to_scan(), (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/*
 * Wait until the run is in a case (its log shows a repetition, so the run's --set and
 * the case's knobs are all applied and journaled) and a knob differs from @before. A
 * knob that differs alone is not enough: the trial write of --set before the run
 * changes it and puts it back, and a case's knobs go in one after another.
 */
static void wait_changed(pid_t pid, const char *before, const char *log)
{
	double t0 = now_s();

	while (now_s() - t0 < CHANGE_WAIT_S) {
		char *now = tu_knob_snapshot(), *text = tu_slurp("%s", log);
		int same = !strcmp(now, before), in_case = text && strstr(text, " rep 1/");

		free(now);
		free(text);
		if (!same && in_case)
			return;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			fail_msg("the run ended before changing a knob:\n%s", tu_slurp("%s", log) ?: "");
		usleep(10000);
	}
	fail_msg("no knob changed within %d s", CHANGE_WAIT_S);
}

/*
 * Whether any process of group @pgid is left. The test is the subreaper of what it starts
 * (main()), so a child the killed run left behind is reparented here: the zombies of those
 * that died are reaped here, whatever the machine's init does with orphans, and only a
 * process still running counts.
 */
static bool group_alive(pid_t pgid)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return kill(-pgid, 0) == 0 || errno != ESRCH;
}

static bool lock_free(void)
{
	char lock[PATH_MAX + 8];
	int fd, r;

	snprintf(lock, sizeof(lock), "%s.lock", knob_journal_path());
	fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	r = flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return r == 0;
}

/* SIGKILL in the middle of changing knobs: nothing of the run left within 2 s, then the next run puts every knob back. */
static void kill_during(const char *bench)
{
	char out[PATH_MAX], log[PATH_MAX + 16], *before, *after, *msg = NULL;
	pid_t pid;
	double t;

	snprintf(out, sizeof(out), "%s/kill-%s", tu_tmpdir(), bench);
	snprintf(log, sizeof(log), "%s.log", out);
	before = tu_knob_snapshot();
	pid = start_run(bench, out, log);
	wait_changed(pid, before, log);
	assert_int_equal(kill(pid, SIGKILL), 0);
	t = now_s();
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	while ((group_alive(pid) || !lock_free()) && now_s() - t < KILL_GONE_S)
		usleep(10000);
	if (group_alive(pid))
		fail_msg("%s: a process of the killed run is still there after %d s", bench, KILL_GONE_S);
	if (!lock_free())
		fail_msg("%s: the knob lock is still held %d s after the kill", bench, KILL_GONE_S);
	assert_int_equal(access(knob_journal_path(), F_OK), 0);

	/* the next run restores from the journal first, and says so */
	assert_int_equal(tu_run(&msg, "./build/mmbench run --bench vma-lock --profile smoke --out %s "
				"--no-report --opt threads=1 --opt mode=private-vma --opt samples=1",
				out), 0);
	if (!strstr(msg, "a previous run was killed before restoring khugepaged.pages_to_scan: "
		    "restored to"))
		fail_msg("%s: the next run did not say what it restored:\n%s", bench, msg);
	after = tu_knob_snapshot();
	assert_string_equal(before, after);
	assert_int_not_equal(access(knob_journal_path(), F_OK), 0);
	/* the killed run's directory says it never finished */
	free(msg);
	msg = NULL;
	assert_int_equal(tu_run(&msg, "cat %s/*/*/INCOMPLETE | head -n 1", out), 0);
	assert_string_equal(msg, RUN_UNFINISHED "\n");
	free(msg);
	free(before);
	free(after);
}

static void test_sigkill_each_bench(void **state)
{
	(void)state;
	need_root();
	for (int i = 0; i < nr_benches; i++)
		kill_during(benches[i]->name);
}

/* A crash signal: every knob back before the process is gone, and the status is the signal's. */
static void crash_with(int sig)
{
	char out[PATH_MAX], log[PATH_MAX + 16], *before, *after;
	pid_t pid;
	int st;

	snprintf(out, sizeof(out), "%s/crash-%d", tu_tmpdir(), sig);
	snprintf(log, sizeof(log), "%s.log", out);
	before = tu_knob_snapshot();
	pid = start_run("uffd-wp", out, log);
	wait_changed(pid, before, log);
	assert_int_equal(kill(pid, sig), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* the process is gone: what it changed must be back already, with no next run */
	after = tu_knob_snapshot();
	assert_string_equal(before, after);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
		fail_msg("status %#x, not killed by signal %d", st, sig);
	assert_int_not_equal(access(knob_journal_path(), F_OK), 0);
	free(before);
	free(after);
}

static void test_crash_signals(void **state)
{
	(void)state;
	need_root();
	crash_with(SIGSEGV);
	crash_with(SIGABRT);
}

/* The qemu processes carrying @tag in their command line. */
static int qemus_tagged(const char *tag)
{
	char cmd[256], *out = NULL;
	int n;

	snprintf(cmd, sizeof(cmd), "for c in /proc/[0-9]*/cmdline; do { tr '\\0' '\\n' <$c; } 2>/dev/null | "
		 "grep -qx '%s' && echo x; done | wc -l", tag);
	assert_int_equal(tu_run(&out, "%s", cmd), 0);
	n = atoi(out);
	free(out);
	return n;
}

/* SIGKILL of ./run.sh vm, which no trap sees: its qemu goes with it. A guest left by a dead runner is reported. */
static void test_vm_sigkill(void **state)
{
	char tag[64], image[PATH_MAX], log[PATH_MAX], *out = NULL;
	double t;
	glob_t g;
	pid_t pid;

	(void)state;
	need_root();
	if (glob("/boot/vmlinuz-6.1.0-*-cloud-amd64", 0, NULL, &g) || !g.gl_pathc ||
	    tu_run(NULL, "command -v qemu-system-x86_64")) {
		print_message("SKIP: no 6.1 cloud kernel or no qemu\n");
		skip();
	}
	snprintf(image, sizeof(image), "%s", g.gl_pathv[0]);
	globfree(&g);
	snprintf(log, sizeof(log), "%s/vm.log", tu_tmpdir());
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("./run.sh", "run.sh", "vm", "--kernel", image, "--accel", "tcg", "--quiet",
		      "--timeout", "120", "--no-report", "--out", tu_tmpdir(), (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	/* run.sh execs run-vm.sh: the runner keeps this pid, and names its guest after it */
	snprintf(tag, sizeof(tag), "mmbench-vm-runner-%d", (int)pid);
	for (t = now_s(); !qemus_tagged(tag) && now_s() - t < 60; usleep(100000))
		if (waitpid(pid, NULL, WNOHANG) == pid)
			fail_msg("./run.sh vm ended before qemu started:\n%s", tu_slurp("%s", log) ?: "");
	assert_int_equal(qemus_tagged(tag), 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	for (t = now_s(); qemus_tagged(tag) && now_s() - t < VM_GONE_S; usleep(50000))
		;
	if (qemus_tagged(tag)) {
		/* the one qemu this test started, by the pid its tag finds */
		tu_run(NULL, "for c in /proc/[0-9]*/cmdline; do { tr '\\0' '\\n' <$c; } 2>/dev/null | "
		       "grep -qx '%s' && p=${c#/proc/} && kill -KILL ${p%%/cmdline}; done", tag);
		fail_msg("qemu outlived its runner by %d s", VM_GONE_S);
	}
	/* what else the runner started (the initramfs packer, the console echo) goes too */
	kill(-pid, SIGKILL);

	/* a guest whose runner is gone, as an older runner would have left it: reported */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", "sleep 30", "mmbench-vm-runner-999999", (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	tu_run(&out, "MMBENCH_VM_BINARY=/nonexistent ./run.sh vm --kernel %s --accel tcg", image);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (!strstr(out, "a guest left by an earlier run is still running: qemu pid") ||
	    !strstr(out, "(its runner, pid 999999, is gone)"))
		fail_msg("the leftover guest was not reported:\n%s", out);
	free(out);
}

static char full[PATH_MAX];

/* A run whose disk fills: exit 1, INCOMPLETE says which result was lost, compare refuses the run. */
static void test_full_disk(void **state)
{
	char log[PATH_MAX + 16], *before, *after, *text = NULL, run[PATH_MAX];
	pid_t pid;
	double t;
	int st;

	(void)state;
	need_root();
	snprintf(full, sizeof(full), "%s/full", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s", full), 0);
	assert_int_equal(mount("tmpfs", full, "tmpfs", 0, "size=1m"), 0);
	snprintf(log, sizeof(log), "%s/../full.log", full);
	before = tu_knob_snapshot();
	pid = start_run("uffd-wp", full, log);
	/* the run directory is made and the first case started: then the disk fills */
	for (t = now_s(); now_s() - t < 60; usleep(10000)) {
		free(text);
		text = tu_slurp("%s", log);
		if (text && strstr(text, "[uffd-wp 1/"))
			break;
	}
	assert_non_null(text && strstr(text, "[uffd-wp 1/"));
	tu_run(NULL, "dd if=/dev/zero of=%s/fill bs=4k 2>/dev/null", full);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	free(text);
	text = tu_slurp("%s", log);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		fail_msg("status %#x, not exit 1:\n%s", st, text);
	after = tu_knob_snapshot();
	assert_string_equal(before, after);
	free(text);
	text = NULL;
	assert_int_equal(tu_run(&text, "ls -d %s/*/*/", full), 0);
	text[strcspn(text, "\n")] = 0;
	snprintf(run, sizeof(run), "%s", text);
	free(text);
	text = tu_slurp("%sINCOMPLETE", run);
	assert_non_null(text);
	if (!strstr(text, RUN_UNWRITTEN "uffd-wp.json: No space left on device\n"))
		fail_msg("INCOMPLETE does not name uffd-wp.json:\n%s", text);
	free(text);
	text = NULL;
	assert_int_equal(tu_run(&text, "./build/mmbench compare %s %s", run, run), 2);
	assert_non_null(strstr(text, "an INCOMPLETE run (not written: "));
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
	free(text);
	free(before);
	free(after);
}

static int teardown(void **state)
{
	if (full[0])
		umount2(full, MNT_DETACH);
	return tu_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_signals),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_sigkill_each_bench),
		cmocka_unit_test(test_vm_sigkill),
	};

	/* orphans of a killed run come to us, not to an init that may leave them unreaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
