/* Tests of the sweep: its balanced orders and their seed, and restore/lockdown/bad input against a fake sysroot. */
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

/* Every repetition's order is a permutation, and each value takes each place equally often (to within one). */
static void test_orders_balanced(void **state)
{
	static unsigned out[61 * SWEEP_MAX_VALUES];

	(void)state;
	for (unsigned n = 1; n <= SWEEP_MAX_VALUES; n++) {
		const unsigned reps_list[] = { 1, 7, n, 2 * n, 3 * n + 1, 61 };

		for (size_t k = 0; k < sizeof(reps_list) / sizeof(reps_list[0]); k++) {
			unsigned reps = reps_list[k], at[SWEEP_MAX_VALUES][SWEEP_MAX_VALUES] = { { 0 } };

			assert_int_equal(sweep_orders(n, reps, 12345 + n, out), 0);
			for (unsigned r = 0; r < reps; r++) {
				unsigned seen[SWEEP_MAX_VALUES] = { 0 };

				for (unsigned i = 0; i < n; i++) {
					assert_true(out[r * n + i] < n);
					seen[out[r * n + i]]++;
					at[out[r * n + i]][i]++;
				}
				for (unsigned i = 0; i < n; i++)
					assert_int_equal(seen[i], 1);
			}
			for (unsigned v = 0; v < n; v++)
				for (unsigned i = 0; i < n; i++)
					assert_in_range(at[v][i], reps / n, (reps + n - 1) / n);
		}
	}
	assert_int_equal(sweep_orders(0, 3, 1, out), -EINVAL);
	assert_int_equal(sweep_orders(SWEEP_MAX_VALUES + 1, 3, 1, out), -EINVAL);
}

/* Two values: half the repetitions A B, half B A, in a shuffled order. */
static void test_orders_two_values(void **state)
{
	unsigned out[2 * 11], ab = 0, runs = 0;

	(void)state;
	assert_int_equal(sweep_orders(2, 10, 99, out), 0);
	for (unsigned r = 0; r < 10; r++)
		ab += out[2 * r] == 0;
	assert_int_equal(ab, 5);
	/* not simply alternating for every seed: some seed gives two alike in a row */
	for (uint64_t seed = 1; seed <= 20; seed++) {
		assert_int_equal(sweep_orders(2, 10, seed, out), 0);
		for (unsigned r = 1; r < 10; r++)
			runs += out[2 * r] == out[2 * (r - 1)];
	}
	assert_true(runs > 0);
	assert_int_equal(sweep_orders(2, 11, 99, out), 0);
	ab = 0;
	for (unsigned r = 0; r < 11; r++)
		ab += out[2 * r] == 0;
	assert_in_range(ab, 5, 6);
}

/* The orders are a function of the seed: the same seed the same orders, others others. */
static void test_orders_seeded(void **state)
{
	unsigned a[6 * 3], b[6 * 3], differ = 0, lead[4] = { 0 }, o[4 * 4];

	(void)state;
	assert_int_equal(sweep_orders(3, 6, 42, a), 0);
	assert_int_equal(sweep_orders(3, 6, 42, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* about 180 schedules of 3 values over 6 repetitions: nearly every seed another */
	for (uint64_t seed = 100; seed < 150; seed++) {
		assert_int_equal(sweep_orders(3, 6, seed, b), 0);
		differ += memcmp(a, b, sizeof(a)) != 0;
	}
	assert_true(differ >= 45);
	/* which value leads the first repetition is uniform over seeds: 1000 each, 5 sigma 137 */
	for (uint64_t seed = 1; seed <= 4000; seed++) {
		assert_int_equal(sweep_orders(4, 4, seed, o), 0);
		lead[o[0]]++;
	}
	for (unsigned v = 0; v < 4; v++)
		assert_in_range(lead[v], 863, 1137);
}

static void test_seed_fresh(void **state)
{
	uint64_t a = sweep_seed(), b = sweep_seed();

	(void)state;
	assert_true(a != b);
	assert_true(a > 0 && a < (1ull << 53));
	assert_true(b > 0 && b < (1ull << 53));
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

/* The seed a sweep printed ("mmbench sweep: seed N (..."), 0 when none. */
static uint64_t printed_seed(const char *out)
{
	const char *p = strstr(out, "mmbench sweep: seed ");

	return p ? strtoull(p + strlen("mmbench sweep: seed "), NULL, 10) : 0;
}

/* sweep.txt's lines of repetition orders, in a malloc'd string. */
static char *order_lines(const char *txt)
{
	char *all = calloc(1, strlen(txt) + 1);
	const char *p = txt;

	assert_non_null(all);
	while ((p = strstr(p, "  fault-around, repetition "))) {
		size_t len = strcspn(p, "\n") + 1;

		strncat(all, p, len);
		p += len;
	}
	return all;
}

static void test_normal_end_restores_and_orders(void **state)
{
	const char *vals[] = { "never", "always", "madvise" };
	char *out, *txt, *first, *again, path[PATH_MAX], line[128];
	unsigned o[3 * 3];
	uint64_t seed, seed2;
	json_t *b, *m;
	int rc;

	(void)state;
	rc = tu_run(&out, "./build/mmbench sweep thp.enabled=never,always --reps 3 --out %s "
		    SWEEP_BENCH, out_root);
	assert_int_equal(rc, 0);
	/* the machine's value was not listed: it is added, and said */
	assert_non_null(strstr(out, "adding the machine's value thp.enabled=madvise"));
	seed = printed_seed(out);
	assert_true(seed > 0);
	free(out);
	assert_string_equal(knob_text(), THP_ORIG);
	assert_int_equal(access(getenv("MMBENCH_JOURNAL"), F_OK), -1);

	txt = tu_slurp("%s/sweep.txt", tu_run_dir(out_root));
	assert_non_null(txt);
	/* each repetition's order is the one sweep_orders() gives for the printed seed */
	assert_int_equal(sweep_orders(3, 3, seed, o), 0);
	for (unsigned rep = 0; rep < 3; rep++) {
		snprintf(line, sizeof(line), "  fault-around, repetition %u: %s %s %s\n", rep + 1,
			 vals[o[rep * 3]], vals[o[rep * 3 + 1]], vals[o[rep * 3 + 2]]);
		assert_non_null(strstr(txt, line));
	}
	snprintf(line, sizeof(line), "seed %llu (--seed %llu repeats them)",
		 (unsigned long long)seed, (unsigned long long)seed);
	assert_non_null(strstr(txt, line));
	assert_non_null(strstr(txt, "(the machine had madvise)"));
	assert_non_null(strstr(txt, "\n  backend=shmem pattern=sparse threads=1: "));
	assert_non_null(strstr(txt, "paired: each repetition a block"));
	first = order_lines(txt);
	free(txt);

	/* the seed is in the manifest too */
	snprintf(path, sizeof(path), "%s/manifest.json", tu_run_dir(out_root));
	m = tu_json(path);
	assert_true(json_integer_value(json_object_get(json_object_get(m, "sweep"), "seed")) ==
		    (json_int_t)seed);
	json_decref(m);

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

	/* another sweep draws another seed; --seed repeats the first one's orders exactly */
	assert_int_equal(tu_run(&out, "./build/mmbench sweep thp.enabled=never,always --reps 3 "
				"--out %s/fresh " SWEEP_BENCH, tu_tmpdir()), 0);
	seed2 = printed_seed(out);
	free(out);
	assert_true(seed2 > 0 && seed2 != seed);
	assert_int_equal(tu_run(&out, "./build/mmbench sweep thp.enabled=never,always --reps 3 "
				"--seed %llu --out %s/again " SWEEP_BENCH, (unsigned long long)seed,
				tu_tmpdir()), 0);
	assert_true(printed_seed(out) == seed);
	free(out);
	snprintf(path, sizeof(path), "%s/again", tu_tmpdir());
	txt = tu_slurp("%s/sweep.txt", tu_run_dir(path));
	assert_non_null(txt);
	again = order_lines(txt);
	assert_string_equal(again, first);
	free(txt);
	free(again);
	free(first);
	assert_string_equal(knob_text(), THP_ORIG);
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
		"thp.enabled=never --seed 9007199254740992", "thp.enabled=never --seed 0",
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
		cmocka_unit_test(test_orders_balanced),
		cmocka_unit_test(test_orders_two_values),
		cmocka_unit_test(test_orders_seeded),
		cmocka_unit_test(test_seed_fresh),
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
