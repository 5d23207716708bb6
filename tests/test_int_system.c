/*
 * Integration (root): mmbench system show lists every item with a value and a verdict; tune
 * then reset leave every knob's text as it was; a run with --tune holds the values and puts
 * them back, also when it is killed (the next mmbench does).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "knobs/knobs.h"
#include "knobs/tune.h"

#define SMOKE	"--profile smoke --bench vma-lock"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/results", tu_tmpdir());
	return 0;
}

/* Whatever a test left tuned goes back. */
static int teardown(void **state)
{
	if (!geteuid())
		tu_run(NULL, "./build/mmbench system reset");
	return tu_teardown(state);
}

/* Every knob of the table, its whole text or why it cannot be read. */
static char *all_knobs(void)
{
	char *s = calloc(1, 1), buf[512];
	size_t len = 0;

	for (const char *const *n = knob_names(); *n; n++) {
		int r = knob_read_raw(*n, buf, sizeof(buf));
		char *grown;

		if (r)
			snprintf(buf, sizeof(buf), "unreadable: %s", strerror(-r));
		grown = realloc(s, len + strlen(*n) + strlen(buf) + 3);
		assert_non_null(grown);
		s = grown;
		len += sprintf(s + len, "%s=%s\n", *n, buf);
	}
	return s;
}

static void test_show(void **state)
{
	static const char *const items[] = {
		"governor", "turbo/boost", "C-states", "SMT", "ASLR", "THP", "khugepaged",
		"NUMA balancing", "compaction", "irqbalance", "IRQ affinity", "other load", "swap",
		"free memory", "virtualization",
	};
	char *out = NULL, *line;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench system show"), 0);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n%-15s ", items[i]);
		line = strstr(out, want);
		if (!line)
			fail_msg("system show lacks %s:\n%s", items[i], out);
		line += strlen(want);
		if (strncmp(line, "ok ", 3) && strncmp(line, "adds noise ", 11) &&
		    strncmp(line, "cannot tell ", 12))
			fail_msg("%s has no verdict: %.80s", items[i], line);
	}
	/* a guest without cpufreq says so rather than inventing a governor */
	if (access("/sys/devices/system/cpu/cpu0/cpufreq", F_OK))
		assert_non_null(strstr(out, "governor        cannot tell  no cpufreq"));
	assert_non_null(strstr(out, "vm.compaction_proactiveness"));
	tu_assert_width(out, 80);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench system nonsense"), 2);
	free(out);
}

static void test_tune_reset(void **state)
{
	char *before, *tuned, *after, *out = NULL, v[64];
	char was[64];

	(void)state;
	tu_need_root("system tune writes knobs");
	assert_int_equal(knob_read("vm.compaction_proactiveness", was, sizeof(was)), 0);
	before = tu_knob_snapshot_idle();
	free(before);
	before = all_knobs();
	if (tu_run(&out, "./build/mmbench system tune"))
		fail_msg("system tune failed:\n%s", out);
	print_message("%s", out);
	free(out);
	tuned = all_knobs();
	assert_int_equal(knob_read("vm.compaction_proactiveness", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	assert_int_equal(knob_read("kernel.numa_balancing", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	if (strcmp(was, "0"))
		assert_string_not_equal(before, tuned);
	else
		print_message("vm.compaction_proactiveness was 0 already: tune may change nothing here\n");
	assert_true(!strcmp(was, "0") || !access(tune_record_path(), F_OK));
	/* a second tune keeps the first originals */
	assert_int_equal(tu_run(NULL, "./build/mmbench system tune"), 0);
	assert_int_equal(tu_run(&out, "./build/mmbench system show"), 0);
	if (strcmp(was, "0"))
		assert_non_null(strstr(out, "system tune is in force"));
	free(out);
	if (tu_run(&out, "./build/mmbench system reset"))
		fail_msg("system reset failed:\n%s", out);
	print_message("%s", out);
	free(out);
	after = all_knobs();
	assert_string_equal(before, after);
	assert_int_equal(access(tune_record_path(), F_OK), -1);
	/* nothing to put back is no error */
	assert_int_equal(tu_run(&out, "./build/mmbench system reset"), 0);
	assert_non_null(strstr(out, "nothing to put back"));
	free(out);
	free(before);
	free(tuned);
	free(after);
}

/* run --tune: the values held for the run (settings.set says so) and put back after. */
static void test_run_tune(void **state)
{
	char *before, *after, *out = NULL, path[PATH_MAX + 32];
	json_t *m, *set;
	int rc;

	(void)state;
	tu_need_root("a run with --tune writes knobs");
	before = all_knobs();
	rc = tu_run(&out, "./build/mmbench run " SMOKE " --tune --out %s --label tuned", root);
	if (rc)
		fail_msg("run --tune exited %d:\n%s", rc, out);
	free(out);
	after = all_knobs();
	assert_string_equal(before, after);
	snprintf(path, sizeof(path), "%s", tu_run_dir(root));
	strcat(path, "/manifest.json");
	m = tu_json(path);
	set = json_object_get(json_object_get(m, "settings"), "set");
	assert_string_equal(json_string_value(json_object_get(set, "vm.compaction_proactiveness")), "0");
	json_decref(m);
	free(before);
	free(after);
}

/* A run with --tune in its own process group, its output in @log. */
static pid_t start_tuned(const char *log)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("./build/mmbench", "mmbench", "run", "--profile", "smoke", "--bench", "vma-lock",
		      "--tune", "--no-report", "--out", root, "--label", "killed", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/*
 * run --tune killed with SIGKILL while it holds compaction_proactiveness at 0: the value
 * stays (nothing ran to put it back), and the next mmbench to take the knob lock (here
 * system reset) puts back what the run's journal holds, so every knob reads as before.
 */
static void test_run_tune_killed(void **state)
{
	char *before, *after, *out = NULL, was[64], v[64], log[PATH_MAX + 16];
	struct timespec t0, t;
	bool in_case = false;
	pid_t pid;
	int st;

	(void)state;
	tu_need_root("a run with --tune writes knobs");
	assert_int_equal(knob_read("vm.compaction_proactiveness", was, sizeof(was)), 0);
	if (!strcmp(was, "0"))
		tu_skip("vm.compaction_proactiveness is 0 already: --tune changes nothing to see");
	before = all_knobs();
	snprintf(log, sizeof(log), "%s/killed.log", tu_tmpdir());
	pid = start_tuned(log);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* in a case (a repetition logged), not in the trial write before the run */
	do {
		char *text;

		usleep(10000);
		assert_int_equal(knob_read("vm.compaction_proactiveness", v, sizeof(v)), 0);
		text = tu_slurp("%s", log);
		in_case = text && strstr(text, " rep 1/");
		free(text);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (waitpid(pid, &st, WNOHANG) == pid)
			fail_msg("the run ended before it tuned:\n%s", tu_slurp("%s", log) ?: "");
	} while ((strcmp(v, "0") || !in_case) && t.tv_sec - t0.tv_sec < 60);
	assert_string_equal(v, "0");
	assert_int_equal(kill(-pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* killed: nothing put it back yet, the journal says what to */
	assert_int_equal(knob_read("vm.compaction_proactiveness", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	assert_int_equal(access(knob_journal_path(), F_OK), 0);
	if (tu_run(&out, "./build/mmbench system reset"))
		fail_msg("system reset after the kill failed:\n%s", out);
	free(out);
	after = all_knobs();
	assert_string_equal(before, after);
	assert_int_not_equal(access(knob_journal_path(), F_OK), 0);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_tune_reset),
		cmocka_unit_test(test_run_tune),
		cmocka_unit_test(test_run_tune_killed),
	};

	return cmocka_run_group_tests_name("int_system", tests, setup, teardown);
}
