/* Integration (root): --kprofile on this machine: a vma-lock case's page-fault path among its top kernel symbols, every sample counted or counted lost, the profile command, and the skip as uid 65534. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

#define AS_NOBODY	"setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " \
			"env -u MMBENCH_JOURNAL -u MMBENCH_SYSROOT HOME=/nonexistent XDG_STATE_HOME=%s/state "

static struct tu_harness run;
static json_t *prof;
static char dir[PATH_MAX];

static int group_setup(void **state)
{
	char path[PATH_MAX + 32];
	const char *d;

	(void)state;
	if (!tu_is_root())
		return 0;
	tu_bench_run(&run, "vma-lock", strcat(strcpy(dir, tu_tmpdir()), "/kp"),
		     "--profile smoke --kprofile --opt mode=shared-vma,private-vma");
	d = tu_run_dir(dir);
	if (!d)
		return 0;
	snprintf(dir, sizeof(dir), "%s", d);
	snprintf(path, sizeof(path), "%s/vma-lock.kprofile.json", dir);
	prof = json_load_file(path, 0, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	json_decref(prof);
	tu_harness_free(&run);
	return tu_teardown(state);
}

static void need_run(void)
{
	if (!tu_is_root())
		skip();
	tu_need_bench(&run, "mmbench run --bench vma-lock --kprofile");
	if (!prof)
		fail_msg("no vma-lock.kprofile.json in %s:\n%s", dir, run.out);
	if (strcmp(json_string_value(json_object_get(prof, "status")), "ok"))
		fail_msg("profile skipped: %s", json_string_value(json_object_get(prof, "reason")));
}

static long long num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("%s is not a count", k);
	return json_integer_value(v);
}

/* The self rank (0 first) of kernel symbol @name in case @c, and its children count, or -1. */
static int rank_of(json_t *c, const char *name, long long *children)
{
	json_t *s;
	size_t i;
	int rank = 0;

	json_array_foreach(json_object_get(c, "symbols"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "kind")), "kernel"))
			continue;
		if (!strcmp(json_string_value(json_object_get(s, "name")), name)) {
			*children = num(s, "children");
			return rank;
		}
		rank++;
	}
	return -1;
}

/*
 * Each case's page-fault path: exc_page_fault, do_anonymous_page or handle_mm_fault among
 * its 10 top kernel symbols by self, and handle_mm_fault under at least a third of all
 * samples (the bench faults and little else).
 */
static void test_fault_path(void **state)
{
	static const char *const path[] = { "exc_page_fault", "do_anonymous_page", "handle_mm_fault" };
	json_t *c;
	size_t i, cases = 0;

	(void)state;
	need_run();
	json_array_foreach(json_object_get(prof, "cases"), i, c) {
		const char *key = json_string_value(json_object_get(c, "case"));
		long long samples = num(c, "samples"), children = 0, hmf = 0;
		int best = -1;

		if (strcmp(json_string_value(json_object_get(c, "status")), "ok"))
			continue;
		cases++;
		for (size_t k = 0; k < 3; k++) {
			int r = rank_of(c, path[k], &children);

			if (r >= 0 && (best < 0 || r < best))
				best = r;
			if (!strcmp(path[k], "handle_mm_fault"))
				hmf = children;
		}
		print_message("%s: %lld samples, %lld kernel, %lld lost; best of the fault path at "
			      "rank %d, handle_mm_fault in %.0f%%\n", key, samples,
			      num(c, "kernel_samples"), num(c, "lost"), best, 100.0 * hmf / samples);
		assert_true(samples >= 100);
		assert_true(best >= 0 && best < 10);
		assert_true(3 * hmf >= samples);
	}
	assert_true(cases >= 4);
}

/*
 * No sample goes without a count: with one repetition sampled (smoke), the samples and
 * the lost ones together are the case's CPU time (its task-clock) over the 1 ms period.
 */
static void test_samples_counted(void **state)
{
	json_t *c;
	size_t i;

	(void)state;
	need_run();
	assert_string_equal(json_string_value(json_object_get(prof, "event")), "cpu-clock");
	json_array_foreach(json_object_get(prof, "cases"), i, c) {
		json_t *bc = tu_case(run.bench, json_string_value(json_object_get(c, "case")));
		double ms = tu_counter(bc, "task-clock") / 1e6;
		long long got = num(c, "samples") + num(c, "lost");

		if (strcmp(json_string_value(json_object_get(c, "status")), "ok"))
			continue;
		assert_int_equal(num(c, "reps_sampled"), 1);
		print_message("%s: %lld samples and lost for %.0f ms of task-clock\n",
			      json_string_value(json_object_get(c, "case")), got, ms);
		/* the counters span a little more than the sampled region, never much less */
		assert_true(got <= 1.1 * ms + 20);
		assert_true(got >= 0.5 * ms);
		assert_true(num(c, "unresolved_samples") * 100 <= num(c, "samples"));
	}
}

/* ./run.sh profile: flat and by call chain, and folded stacks that add up to the samples. */
static void test_profile_command(void **state)
{
	char folded[PATH_MAX], *out = NULL, *text;
	json_t *c = NULL, *x;
	long long sum = 0;
	size_t i;

	(void)state;
	need_run();
	json_array_foreach(json_object_get(prof, "cases"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "status")), "ok"))
			c = x;
	assert_non_null(c);
	snprintf(folded, sizeof(folded), "%s/folded.txt", tu_tmpdir());
	assert_int_equal(tu_run(&out, "./run.sh profile %s --case '%s' --top 5 --folded %s", dir,
				json_string_value(json_object_get(c, "case")), folded), 0);
	assert_non_null(strstr(out, "flat (self"));
	assert_non_null(strstr(out, "by call chain (children"));
	assert_non_null(strstr(out, "asm_exc_page_fault"));
	free(out);
	text = tu_slurp("%s", folded);
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		sum += atoll(strrchr(l, ' ') + 1);
	free(text);
	assert_int_equal(sum, num(c, "samples") - num(c, "stacks_dropped"));
	/* the report states what sampling cost */
	text = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(text, "sampling cost (sampled / unsampled"));
	free(text);
	/* bad input: one line, exit 2 */
	assert_int_equal(tu_run(&out, "./build/mmbench profile %s --case 'no such case'", dir), 2);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench profile %s --case x --top none", dir), 2);
	free(out);
}

/* As uid 65534 (perf_event_paranoid 2, no CAP_PERFMON): the run goes on, the profile says why not. */
static void test_skip_unprivileged(void **state)
{
	char root[PATH_MAX], path[PATH_MAX + 32];
	struct tu_harness h = { 0 };
	const char *d, *why;
	json_t *j;

	(void)state;
	tu_need_root("switches to uid 65534 with setpriv");
	chmod(tu_tmpdir(), 0755);
	snprintf(root, sizeof(root), "%s/nobody", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s %s/state && chown 65534:65534 %s %s/state", root,
				tu_tmpdir(), root, tu_tmpdir()), 0);
	tu_run_locked(&h, AS_NOBODY "./build/mmbench run --bench vma-lock --profile smoke --kprofile "
		      "--opt mode=private-vma --opt threads=1 --no-report --out %s", tu_tmpdir(), root);
	if (h.rc)
		fail_msg("exit %d:\n%s", h.rc, h.out);
	d = tu_run_dir(root);
	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/vma-lock.kprofile.json", d);
	j = tu_json(path);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "skip");
	why = json_string_value(json_object_get(j, "reason"));
	print_message("skipped: %s\n", why);
	assert_non_null(strstr(why, "perf_event_paranoid"));
	assert_non_null(strstr(why, "CAP_PERFMON"));
	/* and the other missing privilege, said at once: kallsyms hides its addresses from a user */
	assert_non_null(strstr(why, "kptr_restrict"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "cases"), 0),
							       "status")), "skip");
	json_decref(j);
	/* and the case itself was measured */
	snprintf(path, sizeof(path), "%s/vma-lock.json", d);
	j = tu_json(path);
	assert_non_null(tu_ok_case(j, "mode=private-vma threads=1"));
	json_decref(j);
	tu_harness_free(&h);
}

/*
 * A bench whose timed region has no counters to hook (thp's MADV_COLLAPSE): its first
 * sampled repetition finds nothing, the next are sampled whole, and the profile says so.
 */
static void test_whole_repetition(void **state)
{
	struct tu_harness h = { 0 };
	char root[PATH_MAX], path[PATH_MAX + 32];
	long long children = 0;
	const char *d;
	json_t *j, *c = NULL, *x;
	size_t i;

	(void)state;
	need_run();
	snprintf(root, sizeof(root), "%s/thp", tu_tmpdir());
	tu_bench_run(&h, "thp", root, "--profile smoke --reps 4 --kprofile --no-report "
		     "--opt phases=madv-collapse --opt occupancy=100");
	tu_need_bench(&h, "mmbench run --bench thp --kprofile");
	d = tu_run_dir(root);
	snprintf(path, sizeof(path), "%s/thp.kprofile.json", d);
	j = tu_json(path);
	json_array_foreach(json_object_get(j, "cases"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "case")), "phase=madv-collapse size=2M occupancy=100"))
			c = x;
	if (!c || strcmp(json_string_value(json_object_get(c, "status")), "ok"))
		tu_skip("the madv-collapse case did not run here");
	assert_string_equal(json_string_value(json_object_get(c, "region")), "repetition");
	assert_int_equal(num(c, "reps_sampled"), 2);
	print_message("madv-collapse: %lld samples, madvise_collapse at rank %d\n", num(c, "samples"),
		      rank_of(c, "madvise_collapse", &children));
	assert_true(num(c, "samples") > 0);
	assert_true(rank_of(c, "madvise_collapse", &children) >= 0 && children > 0);
	json_decref(j);
	tu_harness_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_path),
		cmocka_unit_test(test_samples_counted),
		cmocka_unit_test(test_profile_command),
		cmocka_unit_test(test_whole_repetition),
		cmocka_unit_test(test_skip_unprivileged),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
