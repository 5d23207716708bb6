/*
 * Integration test of ./run.sh ab: bad input refused before anything boots, then Debian's
 * 6.1 against 6.12 under TCG (3 boots each, smoke-sized) with what the kernel changes between
 * them are known to do (judged paired: boots A B, B A, A B are three blocks), and the A/A
 * form (6.12 twice, 2 boots each: unpaired), whose summary must list no change among event
 * counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* smoke-sized, and only the cases the known differences need: about a minute a boot */
#define RUN_ARGS	"--profile smoke --reps 3 --bench vma-lock,uffd-wp,thp,numa-scan " \
			"--opt vma-lock.mode=shared-vma,private-vma --opt thp.phases=fault-alloc " \
			"--opt numa-scan.mode=disjoint"
#define AA_ARGS		"--profile smoke --reps 3 --bench vma-lock,thp " \
			"--opt vma-lock.mode=shared-vma,private-vma --opt thp.phases=fault-alloc"
#define VM_OPTS		"--numa 2 --cpus 2 --accel tcg --timeout 400"

static char old_img[4096], new_img[4096];

static void need_images(void)
{
	if (tu_glob_last("/boot/vmlinuz-6.1.0-*-cloud-amd64", old_img, sizeof(old_img)) ||
	    tu_glob_last("/boot/vmlinuz-6.12*-cloud-amd64", new_img, sizeof(new_img))) {
		print_message("SKIP: Debian's 6.1 and 6.12 cloud kernels are not both in /boot "
			      "(make deps installs them)\n");
		skip();
	}
	if (tu_run(NULL, "command -v qemu-system-x86_64")) {
		print_message("SKIP: no qemu-system-x86_64\n");
		skip();
	}
}

/* One line, exit 2, and no ab directory made. */
static void expect_bad(const char *args, const char *says)
{
	char *out = NULL;

	/* flows/ab.sh itself: run.sh may print a build step first */
	assert_int_equal(tu_run(&out, "./flows/ab.sh --out %s/bad %s 2>&1", tu_tmpdir(), args), 2);
	if (!strstr(out, says))
		fail_msg("ab %s: expected '%s' in:\n%s", args, says, out);
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
	assert_int_equal(tu_run(NULL, "test -e %s/bad/ab", tu_tmpdir()), 1);
	free(out);
}

static void test_bad_input(void **state)
{
	char args[9000];

	(void)state;
	need_images();
	expect_bad("--kernel /etc/passwd --kernel /etc/passwd", "not a kernel image");
	snprintf(args, sizeof(args), "--kernel %s --kernel %s --boots 0", old_img, new_img);
	expect_bad(args, "--boots 0: a number from 1 to 20");
	snprintf(args, sizeof(args), "--kernel %s --kernel %s --numa 2 --numa 1", old_img, new_img);
	expect_bad(args, "--numa given twice with different values");
	snprintf(args, sizeof(args), "--kernel %s --kernel %s -- --profile quik", old_img, new_img);
	expect_bad(args, "RUN_ARGS: --profile takes smoke, quick or full");
	snprintf(args, sizeof(args), "--kernel %s --kernel %s -- --opt vma-lock.mode=nope --bench vma-lock",
		 old_img, new_img);
	expect_bad(args, "RUN_ARGS: vma-lock: option mode");
	snprintf(args, sizeof(args), "--kernel %s", old_img);
	expect_bad(args, "needs --kernel IMAGE_A --kernel IMAGE_B");
}

/* ./run.sh ab of two images, @boots boots each: its summary and compare.json. */
static json_t *ab(const char *a, const char *b, int boots, const char *label,
		  const char *args, char **summary)
{
	char path[4200], dir[4200];
	time_t t0 = time(NULL);
	struct tu_harness h = { 0 };
	json_t *j;

	tu_run_locked(&h, "./run.sh ab --kernel %s --kernel %s --boots %d --label %s " VM_OPTS
		      " --out %s/ab -- %s", a, b, boots, label, tu_tmpdir(), args);
	print_message("ab %s: exit %d in %ld s\n", label, h.rc, (long)(time(NULL) - t0));
	if (h.rc != 0 && h.rc != 3)
		fail_msg("ab exited %d:\n%s", h.rc, h.out);
	assert_int_equal(tu_run(NULL, "test -d %s/ab/ab", tu_tmpdir()), 0);
	snprintf(dir, sizeof(dir), "%s/ab/ab", tu_tmpdir());
	assert_int_equal(tu_run(summary, "cat %s/*-%s/summary.txt", dir, label), 0);
	/* what differs besides the kernel, for the log */
	tu_run(NULL, "grep '^!' %s/*-%s/compare.txt | grep -v '^!!' >&2", dir, label);
	snprintf(path, sizeof(path), "%s/ab.json", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "cp %s/*-%s/compare.json %s", dir, label, path), 0);
	j = tu_json(path);
	tu_harness_free(&h);
	return j;
}

static json_t *find_row(json_t *j, const char *bench, const char *key_prefix, const char *metric,
			size_t *from)
{
	json_t *r;

	for (; *from < json_array_size(json_object_get(j, "rows")); (*from)++) {
		r = json_array_get(json_object_get(j, "rows"), *from);
		if (!strcmp(json_string_value(json_object_get(r, "bench")), bench) &&
		    !strncmp(json_string_value(json_object_get(r, "case")), key_prefix,
			     strlen(key_prefix)) &&
		    !strcmp(json_string_value(json_object_get(r, "metric")), metric)) {
			(*from)++;
			return r;
		}
	}
	return NULL;
}

static void test_known_differences(void **state)
{
	char *summary = NULL;
	json_t *j, *r;
	size_t at = 0, n = 0;

	(void)state;
	need_images();
	j = ab(old_img, new_img, 3, "k61-k612", RUN_ARGS, &summary);
	print_message("%s", summary);
	/* per-VMA locks (6.4): about 1000 mmap_lock acquisitions per 1000 faults on 6.1, ~0 on 6.12 */
	while ((r = find_row(j, "vma-lock", "mode=shared-vma", "mmap_lock_per_kfault", &at))) {
		assert_string_equal(json_string_value(json_object_get(r, "verdict")), "better");
		assert_true(json_real_value(json_object_get(json_object_get(r, "base"), "median")) > 900);
		assert_true(json_real_value(json_object_get(json_object_get(r, "new"), "median")) < 5);
		n++;
	}
	assert_true(n >= 1);
	assert_non_null(strstr(summary, "vma-lock: mmap_lock_per_kfault"));
	/* UFFD_FEATURE_WP_UNPOPULATED (6.4): skipped on 6.1 with its reason, measured on 6.12 */
	at = 0;
	r = find_row(j, "uffd-wp", "mode=wp-unpopulated", "protect_us", &at);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "n/a");
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "skip in A"));
	assert_true(json_real_value(json_object_get(json_object_get(r, "new"), "median")) > 0);
	/* mTHP sizes (6.8): thp's per-size cases skip on 6.1 and run on 6.12 */
	at = 0;
	r = find_row(j, "thp", "phase=fault-alloc size=64K", "faults_per_mib", &at);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "n/a");
	assert_true(json_is_object(json_object_get(r, "new")));
	/* each feature 6.1 lacks is said in the summary */
	assert_non_null(strstr(summary, "uffd-wp: skip in A, measured in B"));
	assert_non_null(strstr(summary, "UFFD_FEATURE_WP_UNPOPULATED"));
	assert_non_null(strstr(summary, "thp: skip in A, measured in B"));
	/* NUMA scan PID filtering (6.4): the sched_skip_vma_numa counters, absent on 6.1 */
	assert_non_null(strstr(summary, "numa-scan: counters unsupported in A, counted in B"));
	assert_non_null(strstr(summary, "sched_skip_vma_numa"));
	/* the sides differ in nothing but the kernel, and the summary says TCG timings are not hardware's */
	assert_null(strstr(summary, "WARNING"));
	assert_non_null(strstr(summary, "emulated CPU"));
	/* boots A B, B A, A B: three blocks, judged paired */
	assert_non_null(strstr(summary, "paired: 3 blocks"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "replicate"), "B")),
			    "block (paired)");
	json_decref(j);
	free(summary);
}

/*
 * A/A: the same image twice; no event-count metric may be called better or worse.
 * pte_bytes is not among them: it is the VmPTE growth of the process, which depends on
 * each boot's address layout. Once in six A/A runs both A boots had one page-table page
 * fewer than both B boots (+3.1% in every thp fault-alloc case, the same in every
 * repetition of a boot), and the summary itself said "mechanism unchanged".
 */
static void test_aa(void **state)
{
	static const char *const counts[] = { "mmap_lock_per_kfault", "faults_per_mib",
					      "region_folios", "faults_handled", NULL };
	char *summary = NULL;
	json_t *j, *r;
	size_t i;

	(void)state;
	need_images();
	j = ab(new_img, new_img, 2, "aa612", AA_ARGS, &summary);
	print_message("%s", summary);
	/* two blocks are compared unpaired, and said */
	assert_non_null(strstr(summary, "not paired: 2 whole blocks, fewer than 3"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "replicate"), "B")),
			    "boot");
	assert_non_null(strstr(summary, "an A/A run"));
	json_array_foreach(json_object_get(j, "rows"), i, r) {
		const char *m = json_string_value(json_object_get(r, "metric"));
		const char *v = json_string_value(json_object_get(r, "verdict"));

		for (const char *const *c = counts; *c; c++)
			if (!strcmp(m, *c) && (!strcmp(v, "better") || !strcmp(v, "worse")))
				fail_msg("A/A: %s %s is %s", json_string_value(json_object_get(r, "case")),
					 m, v);
	}
	json_decref(j);
	free(summary);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_known_differences),
		cmocka_unit_test(test_aa),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
