/* Tests of the sweep: its order per repetition, and restore/lockdown/bad input against a fake sysroot. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "cmd/sweep.h"
#include "report/sweep_report.h"

#define THP_REL		"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_ORIG	"always [madvise] never"
/* a bench run that is short per case: the sweep is what is under test */
#define SWEEP_BENCH	"--bench fault-around --profile smoke --opt backend=shmem " \
			"--opt pattern=sparse --opt threads=1 --opt size=2M --no-report"

static void test_order_is_permutation(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= SWEEP_MAX_VALUES; n++) {
		for (unsigned rep = 0; rep < 20; rep++) {
			unsigned out[SWEEP_MAX_VALUES], seen[SWEEP_MAX_VALUES] = { 0 };

			sweep_order(n, rep, SWEEP_SEED, out);
			for (unsigned i = 0; i < n; i++) {
				assert_true(out[i] < n);
				seen[out[i]]++;
			}
			for (unsigned i = 0; i < n; i++)
				assert_int_equal(seen[i], 1);
		}
	}
}

static void test_order_deterministic_and_fresh(void **state)
{
	unsigned a[5], b[5], distinct = 0, first[5][5];

	(void)state;
	for (unsigned rep = 0; rep < 5; rep++) {
		sweep_order(5, rep, SWEEP_SEED, a);
		sweep_order(5, rep, SWEEP_SEED, b);
		assert_memory_equal(a, b, sizeof(a));
		memcpy(first[rep], a, sizeof(a));
	}
	/* five repetitions of five values: the orders are not one order repeated */
	for (unsigned rep = 1; rep < 5; rep++)
		distinct += memcmp(first[rep], first[0], sizeof(first[0])) != 0;
	assert_true(distinct >= 3);
	/* another seed, another sequence */
	sweep_order(5, 0, SWEEP_SEED + 1, b);
	sweep_order(5, 1, SWEEP_SEED + 1, a);
	assert_true(memcmp(first[0], b, sizeof(b)) || memcmp(first[1], a, sizeof(a)));
}

/* Each value leads equally often: no value lines up with the start of a repetition. */
static void test_order_uniform(void **state)
{
	enum { N = 4, REPS = 40000 };
	unsigned out[N], lead[N] = { 0 }, pos_of_0[N] = { 0 };

	(void)state;
	for (unsigned rep = 0; rep < REPS; rep++) {
		sweep_order(N, rep, SWEEP_SEED, out);
		lead[out[0]]++;
		for (unsigned i = 0; i < N; i++)
			if (out[i] == 0)
				pos_of_0[i]++;
	}
	for (unsigned i = 0; i < N; i++) {
		/* expected 10000 each; 5 sigma is about 430 */
		assert_in_range(lead[i], 9500, 10500);
		assert_in_range(pos_of_0[i], 9500, 10500);
	}
}

static char root[512], knob_file[600], out_root[600];

static char *knob_text(void)
{
	static char buf[512];
	char *t = tu_slurp("%s", knob_file);

	assert_non_null(t);
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(t, "\n"), t);
	free(t);
	return buf;
}

/* A fake tree with one THP knob; /proc/meminfo and the CPU list are the real ones. */
static int setup_root(void **state)
{
	char j[600];

	(void)state;
	snprintf(root, sizeof(root), "%s/root", tu_tmpdir());
	snprintf(knob_file, sizeof(knob_file), "%s%s", root, THP_REL);
	snprintf(out_root, sizeof(out_root), "%s/out", tu_tmpdir());
	snprintf(j, sizeof(j), "%s/journal", tu_tmpdir());
	tu_write_file(knob_file, "%s\n", THP_ORIG);
	assert_int_equal(tu_run(NULL, "mkdir -p %s/proc %s/sys/devices/system/cpu && "
				"ln -sf /proc/meminfo %s/proc/meminfo && ln -sf "
				"/sys/devices/system/cpu/online %s/sys/devices/system/cpu/online",
				root, root, root, root), 0);
	setenv("MMBENCH_SYSROOT", root, 1);
	setenv("MMBENCH_JOURNAL", j, 1);
	return 0;
}

static void test_normal_end_restores_and_orders(void **state)
{
	const char *vals[] = { "never", "always", "madvise" };
	char *out, *txt, path[PATH_MAX], line[128];
	json_t *b;
	int rc;

	(void)state;
	rc = tu_run(&out, "./build/mmbench sweep thp.enabled=never,always --reps 3 --out %s "
		    SWEEP_BENCH, out_root);
	assert_int_equal(rc, 0);
	/* the machine's value was not listed: it is added, and said */
	assert_non_null(strstr(out, "adding the machine's value thp.enabled=madvise"));
	free(out);
	assert_string_equal(knob_text(), THP_ORIG);
	assert_int_equal(access(getenv("MMBENCH_JOURNAL"), F_OK), -1);

	txt = tu_slurp("%s/sweep.txt", tu_run_dir(out_root));
	assert_non_null(txt);
	/* each repetition's order is the one sweep_order() gives for it */
	for (unsigned rep = 0; rep < 3; rep++) {
		unsigned o[3];

		sweep_order(3, rep, SWEEP_SEED, o);
		snprintf(line, sizeof(line), "  repetition %u: %s %s %s\n", rep + 1,
			 vals[o[0]], vals[o[1]], vals[o[2]]);
		assert_non_null(strstr(txt, line));
	}
	assert_non_null(strstr(txt, "(the machine had madvise)"));
	assert_non_null(strstr(txt, "\n  backend=shmem pattern=sparse threads=1: "));
	free(txt);

	/* every value is a param of the case key, with three samples each */
	snprintf(path, sizeof(path), "%s/fault-around.json", tu_run_dir(out_root));
	b = tu_json(path);
	for (unsigned v = 0; v < 3; v++) {
		char key[160];
		json_t *c, *p;

		snprintf(key, sizeof(key), "backend=shmem pattern=sparse threads=1 thp.enabled=%s",
			 vals[v]);
		c = tu_case(b, key);
		assert_non_null(c);
		p = json_object_get(json_object_get(c, "params"), "thp.enabled");
		assert_string_equal(json_string_value(p), vals[v]);
		p = json_array_get(json_object_get(c, "metrics"), 0);
		assert_int_equal(json_array_size(json_object_get(p, "samples")), 3);
	}
	json_decref(b);
}

/* Starts a long sweep, waits until it has changed the knob, and sends @sig. */
static void sweep_then_kill(int sig)
{
	char cmd[2048];
	pid_t pid;
	int st, changed = 0;

	snprintf(cmd, sizeof(cmd), "exec ./build/mmbench sweep thp.enabled=never,always "
		 "--reps 1000 --out %s " SWEEP_BENCH " >%s/kill.log 2>&1", out_root, tu_tmpdir());
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 2000 && !changed; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		changed = strcmp(knob_text(), THP_ORIG) != 0;
		if (!changed)
			nanosleep(&ts, NULL);
	}
	if (!changed) {
		/* not left behind running a thousand repetitions */
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("the sweep did not change the knob within 10 s");
	}
	kill(pid, sig);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig);
}

static void test_sigterm_restores(void **state)
{
	(void)state;
	sweep_then_kill(SIGTERM);
	assert_string_equal(knob_text(), THP_ORIG);
	assert_int_equal(access(getenv("MMBENCH_JOURNAL"), F_OK), -1);
}

static void test_sigkill_next_run_restores(void **state)
{
	char *out;
	int rc;

	(void)state;
	sweep_then_kill(SIGKILL);
	/* killed: nothing could restore, the journal says what to */
	assert_string_not_equal(knob_text(), THP_ORIG);
	assert_int_equal(access(getenv("MMBENCH_JOURNAL"), F_OK), 0);
	rc = tu_run(&out, "./build/mmbench sweep thp.enabled=never --reps 1 --out %s "
		    SWEEP_BENCH, out_root);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "a previous run was killed before restoring thp.enabled: "
				    "restored to '" THP_ORIG "'"));
	free(out);
	assert_string_equal(knob_text(), THP_ORIG);
}

/* Bad input: one line, exit 2, the knob as it was and no run directory. */
static void test_bad_input(void **state)
{
	static const char *const args[] = {
		"nosuch.knob=1,2", "thp.enabled=", "thp.enabled=never,,always",
		"thp.enabled=never,sometimes", "thp.enabled=never,never", "thp.enabled",
	};
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		int rc = tu_run(&out, "./build/mmbench sweep %s --out %s/bad " SWEEP_BENCH,
				args[i], tu_tmpdir());

		assert_int_equal(rc, 2);
		assert_non_null(strstr(out, "mmbench sweep: "));
		assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
		free(out);
		assert_string_equal(knob_text(), THP_ORIG);
	}
	assert_int_equal(tu_run(NULL, "test -e %s/bad", tu_tmpdir()), 1);
}

/* A knob the kernel lacks (absent from the tree) or locks: exit 4, one line naming ./run.sh vm. */
static void test_unavailable_exits_4(void **state)
{
	char *out;
	int rc;

	(void)state;
	rc = tu_run(&out, "./build/mmbench sweep fault_around_bytes=4096,65536 --out %s/skip "
		    SWEEP_BENCH, tu_tmpdir());
	assert_int_equal(rc, 4);
	assert_non_null(strstr(out, "fault_around_bytes cannot be read here: "));
	assert_non_null(strstr(out, "does not exist on this kernel"));
	assert_non_null(strstr(out, "./run.sh vm"));
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
	free(out);
	assert_int_equal(tu_run(NULL, "test -e %s/skip", tu_tmpdir()), 1);
}

/*
 * The real machine: where debugfs is locked down, the sweep of fault_around_bytes says
 * so and exits 4 before anything runs; a value the kernel refuses is exit 2.
 */
static void test_real_kernel(void **state)
{
	char *sysroot = getenv("MMBENCH_SYSROOT") ? strdup(getenv("MMBENCH_SYSROOT")) : NULL;
	char *journal = getenv("MMBENCH_JOURNAL") ? strdup(getenv("MMBENCH_JOURNAL")) : NULL;
	struct tu_harness h = { 0 };

	(void)state;
	tu_need_root("sweeps the running kernel's knobs");
	/* the real knobs go with the real journal and its lock: never a private one */
	unsetenv("MMBENCH_SYSROOT");
	unsetenv("MMBENCH_JOURNAL");
	tu_run_locked(&h, "./build/mmbench sweep fault_around_bytes=4096,65536 --out %s/real "
		      SWEEP_BENCH, tu_tmpdir());
	if (strstr(h.out, "debugfs access is restricted")) {
		assert_int_equal(h.rc, 4);
		assert_non_null(strstr(h.out, "./run.sh vm"));
		assert_int_equal(tu_run(NULL, "test -e %s/real", tu_tmpdir()), 1);
	} else if (h.rc) {
		/* debugfs writable: the sweep runs, and must succeed */
		fail_msg("sweep fault_around_bytes exited %d:\n%s", h.rc, h.out);
	}
	assert_string_equal(h.knobs_before, h.knobs_after);
	/* at most 511 (HPAGE_PMD_NR - 1): the kernel's write handler refuses more */
	tu_run_locked(&h, "./build/mmbench sweep khugepaged.max_ptes_none=100000 --out %s/real "
		      SWEEP_BENCH, tu_tmpdir());
	assert_int_equal(h.rc, 2);
	assert_non_null(strstr(h.out, "the kernel rejects khugepaged.max_ptes_none=100000"));
	assert_string_equal(h.knobs_before, h.knobs_after);
	tu_harness_free(&h);
	if (sysroot)
		setenv("MMBENCH_SYSROOT", sysroot, 1);
	if (journal)
		setenv("MMBENCH_JOURNAL", journal, 1);
	free(sysroot);
	free(journal);
}

int main(void)
{
	const struct CMUnitTest order[] = {
		cmocka_unit_test(test_order_is_permutation),
		cmocka_unit_test(test_order_deterministic_and_fresh),
		cmocka_unit_test(test_order_uniform),
	};
	const struct CMUnitTest fake[] = {
		cmocka_unit_test(test_normal_end_restores_and_orders),
		cmocka_unit_test(test_sigterm_restores),
		cmocka_unit_test(test_sigkill_next_run_restores),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_unavailable_exits_4),
		cmocka_unit_test(test_real_kernel),
	};
	int fails = cmocka_run_group_tests_name("sweep order", order, NULL, NULL);

	return fails + cmocka_run_group_tests_name("sweep on a fake sysroot", fake,
						   setup_root, tu_teardown);
}
