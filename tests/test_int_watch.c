/*
 * Integration (root): a WARNING written to /dev/kmsg during a smoke run is in its report and
 * makes compare warn; a CPU hog on the bench's CPUs marks its repetitions, a quiet run none.
 */
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "sys/loadwatch.h"

/* one bench, smoke-sized: a few seconds, long enough to write to the log while it runs */
#define BENCH	"vma-lock"
#define RUN	"./build/mmbench run --profile smoke --bench " BENCH " --out %s --label %s"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/results", tu_tmpdir());
	return 0;
}

/* The run directory labelled @label under the test's root. */
static const char *dir_of(const char *label)
{
	static char dir[PATH_MAX];
	char pat[PATH_MAX + 64];

	snprintf(pat, sizeof(pat), "%s/*/*-%s", root, label);
	if (tu_glob_last(pat, dir, sizeof(dir)))
		fail_msg("no run directory labelled %s under %s", label, root);
	return dir;
}

static void test_kmsg_warning(void **state)
{
	char *out = NULL, *txt, line[128], path[PATH_MAX + 32], warned[PATH_MAX];
	json_t *m, *log;
	int rc;

	(void)state;
	tu_need_root("writes to /dev/kmsg and runs a bench");
	snprintf(line, sizeof(line), "WARNING: mmbench test %d", (int)getpid());
	/*
	 * write while the bench runs: once its first case is in the run's log (before that the
	 * line would be the run's start's, not the bench's: the plan may take a moment)
	 */
	rc = tu_run(&out, RUN " & pid=$!; for i in $(seq 1500); do grep -qs '^\\[" BENCH " [0-9]' "
		    "%s/*/*-warned/log.txt.partial && break; sleep 0.02; done; "
		    "echo '<4>%s' > /dev/kmsg; wait $pid", root, "warned", root, line);
	if (rc)
		fail_msg("the run exited %d:\n%s", rc, out);
	free(out);
	/* dir_of()'s buffer is the next call's too */
	snprintf(warned, sizeof(warned), "%s", dir_of("warned"));
	txt = tu_slurp("%s/report.txt", warned);
	assert_non_null(txt);
	if (!strstr(txt, line))
		fail_msg("report.txt lacks '%s':\n%.2000s", line, txt);
	/* at the top, before the machine's description */
	assert_true(strstr(txt, line) < strstr(txt, "\nkernel      "));
	assert_non_null(strstr(txt, "the kernel logged"));
	free(txt);
	txt = tu_slurp("%s/kmsg.txt", warned);
	assert_non_null(strstr(txt, "(" BENCH ") WARNING: mmbench test"));
	free(txt);
	snprintf(path, sizeof(path), "%s/manifest.json", warned);
	m = tu_json(path);
	log = json_object_get(m, "kernel_log");
	assert_true(json_is_true(json_object_get(log, "readable")));
	assert_true(json_integer_value(json_object_get(log, "problems")) >= 1);
	assert_true(json_integer_value(json_object_get(json_object_get(log, "kinds"), "WARNING")) >= 1);

	rc = tu_run(&out, RUN, root, "clean");
	if (rc)
		fail_msg("the clean run exited %d:\n%s", rc, out);
	free(out);
	rc = tu_run(&out, "./build/mmbench compare %s %s", dir_of("clean"), warned);
	assert_true(rc == 0 || rc == 3);
	if (!strstr(out, "! kernel_log") || !strstr(out, line))
		fail_msg("compare does not warn of the kernel log:\n%s", out);
	assert_non_null(strstr(out, "WARNING: the sides differ in more than the kernel"));
	free(out);
	json_decref(m);
}

/* Every repetition's load mark of the run labelled @label: how many, and how many shared. */
static void marks(const char *label, size_t *reps, size_t *shared)
{
	char path[PATH_MAX + 32];
	json_t *b, *c, *v;
	size_t i, k;

	snprintf(path, sizeof(path), "%s/" BENCH ".json", dir_of(label));
	b = tu_json(path);
	*reps = *shared = 0;
	json_array_foreach(json_object_get(b, "cases"), i, c) {
		json_t *load = json_object_get(c, "load");

		if (strcmp(json_string_value(json_object_get(c, "status")), "ok"))
			continue;
		/* one mark per repetition, beside its samples */
		assert_non_null(load);
		assert_int_equal(json_array_size(json_object_get(load, "shared")),
				 json_integer_value(json_object_get(json_object_get(b, "params"), "reps")));
		json_array_foreach(json_object_get(load, "shared"), k, v) {
			(*reps)++;
			*shared += json_is_true(v);
		}
	}
	json_decref(b);
}

static void test_quiet_run(void **state)
{
	struct loadwatch lw;
	struct load_snap a, b;
	struct load_rep r;
	size_t reps, shared;
	char *out = NULL;
	int rc;

	(void)state;
	tu_need_root("runs a bench");
	/* the test's own children are its own time: what is left is the rest of the machine */
	loadwatch_init(&lw);
	loadwatch_snap(&lw, &a);
	rc = tu_run(&out, RUN, root, "quiet");
	loadwatch_snap(&lw, &b);
	loadwatch_between(&lw, &a, &b, &r);
	if (rc)
		fail_msg("the run exited %d:\n%s", rc, out);
	free(out);
	marks("quiet", &reps, &shared);
	print_message("quiet run: %zu of %zu repetitions marked; the rest of the machine used "
		      "%.2f s of CPU in %.1f s\n", shared, reps, r.other_s, r.wall_s);
	assert_true(reps > 0);
	if (shared && r.shared)
		tu_skip("the machine was not quiet: others used %.2f s of CPU during the %.1f s run",
			r.other_s, r.wall_s);
	assert_int_equal(shared, 0);
}

static void test_hog_run(void **state)
{
	pid_t hogs[64];
	int n = 0, rc;
	size_t reps, shared;
	char *out = NULL, *txt, want[64];
	cpu_set_t set;

	(void)state;
	tu_need_root("runs a bench");
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	/* one spinning process on each CPU the bench may use */
	for (int c = 0; c < CPU_SETSIZE && n < 64; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		hogs[n] = fork();
		assert_true(hogs[n] >= 0);
		if (!hogs[n]) {
			volatile unsigned long spin = 0;
			cpu_set_t one;

			CPU_ZERO(&one);
			CPU_SET(c, &one);
			sched_setaffinity(0, sizeof(one), &one);
			for (;;)
				spin++;
		}
		n++;
	}
	rc = tu_run(&out, RUN, root, "hog");
	for (int i = 0; i < n; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	if (rc)
		fail_msg("the run exited %d:\n%s", rc, out);
	free(out);
	marks("hog", &reps, &shared);
	print_message("hog run: %zu of %zu repetitions marked\n", shared, reps);
	assert_true(reps > 0);
	/* a repetition shorter than /proc/stat's ticks can tell may pass unmarked; most may not */
	assert_true(shared * 2 > reps);
	txt = tu_slurp("%s/report.txt", dir_of("hog"));
	snprintf(want, sizeof(want), "load        %zu of %zu repetitions shared", shared, reps);
	if (!strstr(txt, want))
		fail_msg("report.txt lacks '%s':\n%.1500s", want, txt);
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmsg_warning),
		cmocka_unit_test(test_quiet_run),
		cmocka_unit_test(test_hog_run),
	};

	return cmocka_run_group_tests_name("int_watch", tests, setup, tu_teardown);
}
