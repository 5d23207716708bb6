/*
 * Integration test of issue 14 on real runs: Debian's 6.1 and 6.12 kernels booted under
 * ./run.sh vm (the references, archived under a temporary root) and one run of the host
 * kernel; `trend` over that archive must order 6.1 < 6.12 < the host and find the change of
 * mmap_lock_per_kfault (per-VMA locks, 6.4) at 6.12 alone. Then `git bisect run` with
 * bisect-run over a throwaway tree of 6 commits whose "build" prints the 6.12 image for the
 * early commits and the 6.1 image from c5 on (c3 does not build) must skip c3 and name c5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* one case, 3 repetitions: about 12 s a boot under TCG */
#define CASE		"mode=shared-vma threads=1"
#define RUN_ARGS	"--profile smoke --bench vma-lock --reps 3 --opt mode=shared-vma --opt threads=1"
#define VM_OPTS		"--numa 2 --cpus 2 --accel tcg --timeout 300"
#define METRIC		"--bench vma-lock --metric mmap_lock_per_kfault"

static char old_img[4096], new_img[4096], root[4200];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/archive", tu_tmpdir());
	return 0;
}

static void need_all(void)
{
	tu_need_root("boots kernels under qemu and runs vma-lock with its tracepoint");
	if (tu_glob_last("/boot/vmlinuz-6.1.0-*-cloud-amd64", old_img, sizeof(old_img)) ||
	    tu_glob_last("/boot/vmlinuz-6.12*-cloud-amd64", new_img, sizeof(new_img)))
		tu_skip("Debian's 6.1 and 6.12 cloud kernels are not both in /boot (make deps)");
	if (tu_run(NULL, "command -v qemu-system-x86_64 && command -v git"))
		tu_skip("no qemu-system-x86_64 or no git");
}

static void boot(const char *img)
{
	struct tu_harness h = { 0 };

	tu_run_locked(&h, "./vm/run-vm.sh --kernel %s " VM_OPTS " --quiet --no-report --out %s -- "
		      RUN_ARGS, img, root);
	print_message("boot %s: exit %d in %.0f s\n", img, h.rc, h.secs);
	if (h.rc)
		fail_msg("./run.sh vm exited %d:\n%s", h.rc, h.out);
	tu_harness_free(&h);
}

/* References: two boots of each kernel; one run of the host kernel; then the trend. */
static void test_trend_over_real_runs(void **state)
{
	char path[4400], host[65], *out = NULL;
	struct utsname u;
	time_t t0 = time(NULL);
	json_t *j, *c, *cps;

	(void)state;
	need_all();
	for (int i = 0; i < 2; i++) {
		boot(new_img);
		boot(old_img);
	}
	assert_int_equal(tu_run(&out, "./build/mmbench run --no-report --out %s " RUN_ARGS, root), 0);
	free(out);
	uname(&u);
	snprintf(host, sizeof(host), "%s", u.release);
	snprintf(path, sizeof(path), "%s/trend.json", tu_tmpdir());
	if (tu_run(&out, "./run.sh trend " METRIC " --root %s --json %s --plots %s", root, path,
		   tu_tmpdir()))
		fail_msg("trend failed:\n%s", out);
	fputs(out, stdout);
	free(out);
	j = tu_json(path);
	assert_int_equal(json_array_size(json_object_get(j, "cases")), 1);
	c = json_array_get(json_object_get(j, "cases"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "case")), CASE);
	assert_int_equal(json_array_size(json_object_get(c, "kernels")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
		json_object_get(c, "kernels"), 0), "kernel")), "6.1.0-"));
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
		json_object_get(c, "kernels"), 1), "kernel")), "6.12."));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(c, "kernels"), 2), "kernel")), host);
	/* per-VMA locks arrive in 6.12 of these: the one change point, a better one */
	cps = json_object_get(c, "change_points");
	assert_int_equal(json_array_size(cps), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(cps, 0), "at")),
			       "6.12."));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(cps, 0),
		"result"), "verdict")), "better");
	json_decref(j);
	assert_int_equal(tu_run(NULL, "test -s %s/plots/trend-vma-lock-mmap_lock_per_kfault-1.png",
				tu_tmpdir()), 0);
	print_message("references, host run and trend: %ld s\n", (long)(time(NULL) - t0));
}

/* c1..c6: the image each commit "builds"; c3 fails to build. */
static void make_tree(const char *repo)
{
	static const char *const kernels[6] = { "6.12", "6.12", "fail", "6.12", "6.1.0", "6.1.0" };
	char path[4400];

	snprintf(path, sizeof(path), "%s/build.sh", repo);
	tu_write_file(path, "#!/bin/sh\n# this tree's kernel build: the image its 'kernel' file names\n"
		      "read k < kernel\n[ \"$k\" = fail ] && { echo 'build.sh: error: does not "
		      "build' >&2; exit 1; }\necho \"building $k\"\n"
		      "ls /boot/vmlinuz-$k*-cloud-amd64 | tail -n 1\n");
	assert_int_equal(tu_run(NULL, "cd %s && git init -q && git config user.email t@example.org"
				" && git config user.name t", repo), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(tu_run(NULL, "cd %s && echo %s > kernel && echo %d > patch && "
					"git add -A && git commit -qm 'c%d: %s'", repo,
					kernels[i], i + 1, i + 1, kernels[i]), 0);
}

#define BISECT_RUN "%s/run.sh bisect-run --build 'sh build.sh' --good %s/%s --bad %s/%s " \
	METRIC " --case '" CASE "' --boots 2 --out %s " VM_OPTS " -- " RUN_ARGS

static void test_bisect_run(void **state)
{
	char repo[4200], top[4096], c5[64], c3[64], newk[256], oldk[256], want[200];
	char *out = NULL, *log;
	time_t t0 = time(NULL);

	(void)state;
	need_all();
	assert_non_null(getcwd(top, sizeof(top)));
	snprintf(newk, sizeof(newk), "%s", strrchr(new_img, '/') + strlen("/vmlinuz-"));
	snprintf(oldk, sizeof(oldk), "%s", strrchr(old_img, '/') + strlen("/vmlinuz-"));
	if (tu_run(NULL, "test -d %s/%s && test -d %s/%s", root, newk, root, oldk))
		tu_skip("the references of test_trend_over_real_runs are missing");
	snprintf(repo, sizeof(repo), "%s/tree", tu_tmpdir());
	make_tree(repo);
	/* good and bad the same runs: refused before anything is built, with the runs needed */
	assert_int_equal(tu_run(&out, "cd %s && " BISECT_RUN, repo, top, root, newk, root, newk,
				root), 2);
	assert_non_null(strstr(out, "not distinguishable"));
	assert_non_null(strstr(out, "a side would see"));
	assert_int_equal(tu_run(NULL, "test -e %s/bisect.log", root), 1);
	free(out);
	assert_int_equal(tu_run(&out, "cd %s && %s/run.sh bisect-run --build true --good %s/%s "
				"--bad %s/%s " METRIC " --case x --boots 0", repo, top, root, newk,
				root, oldk), 2);
	assert_non_null(strstr(out, "--boots 0: a number from 1 to 20"));
	free(out);
	assert_int_equal(tu_run(&out, "cd %s && %s/run.sh bisect-run --good %s/%s --bad %s/%s "
				METRIC " --case x", repo, top, root, newk, root, oldk), 2);
	assert_non_null(strstr(out, "--build is required"));
	free(out);
	assert_int_equal(tu_run(&out, "cd %s && git rev-parse HEAD~1 | tr -d '\\n'", repo), 0);
	snprintf(c5, sizeof(c5), "%s", out);
	free(out);
	assert_int_equal(tu_run(&out, "cd %s && git rev-parse HEAD~3 | tr -d '\\n'", repo), 0);
	snprintf(c3, sizeof(c3), "%s", out);
	free(out);
	assert_int_equal(tu_run(NULL, "cd %s && git bisect start HEAD HEAD~5", repo), 0);
	/* in a bisect, 2 would mark the commit bad: the refusal stops git bisect run instead */
	assert_int_equal(tu_run(NULL, "cd %s && " BISECT_RUN, repo, top, root, newk, root, newk,
				root), 255);
	if (tu_run(&out, "cd %s && git bisect run " BISECT_RUN " > %s/bisect.out", repo, top, root,
		   newk, root, oldk, root, tu_tmpdir()))
		fail_msg("git bisect run failed:\n%s", tu_slurp("%s/bisect.out", tu_tmpdir()));
	free(out);
	assert_int_equal(tu_run(&out, "grep -E '^bisect-run: step|first bad commit$' %s/bisect.out",
				tu_tmpdir()), 0);
	print_message("%s", out);
	snprintf(want, sizeof(want), "%s is the first bad commit", c5);
	if (!strstr(out, want))
		fail_msg("git bisect did not name c5 (%s):\n%s", c5, out);
	free(out);
	log = tu_slurp("%s/bisect.log", root);
	assert_non_null(log);
	/* c3 was tried, skipped for its build, never judged */
	snprintf(want, sizeof(want), "commit=%s verdict=skip exit=125 boots=0", c3);
	if (!strstr(log, want) || !strstr(log, "the build failed"))
		fail_msg("c3 (%s) not skipped for its build in:\n%s", c3, log);
	free(log);
	/* each step's runs carry the commit in the manifest's vm object */
	assert_int_equal(tu_run(NULL, "grep -lE '\"commit\": *\"%s\"' %s/%s/*/manifest.json", c5,
				root, oldk), 0);
	print_message("bisect: %ld s\n", (long)(time(NULL) - t0));
}

#define BISECT_ONE "%s/run.sh bisect-run --build 'sh build.sh' --good %s/good --bad %s/bad " \
	METRIC " --case '" CASE "' --boots 1 --max-boots 4 --out %s " VM_OPTS " -- " RUN_ARGS

/*
 * Issue 22's bisect: one smoke run of each reference and --boots 1. The references cannot
 * be told apart by themselves (one replicate a side); each step's boots measure the noise,
 * and a step like 6.12 (0.1 lock fallbacks per 1000 faults, from boot to boot 0.09 to 0.4)
 * is put with it when its interval lies within half the gap to 6.1 (about 1000).
 */
static void test_bisect_one_run_references(void **state)
{
	char repo[4200], top[4096], c5[64], newk[256], oldk[256], want[200], refs[4300];
	char *out = NULL;
	time_t t0 = time(NULL);

	(void)state;
	need_all();
	assert_non_null(getcwd(top, sizeof(top)));
	snprintf(newk, sizeof(newk), "%s", strrchr(new_img, '/') + strlen("/vmlinuz-"));
	snprintf(oldk, sizeof(oldk), "%s", strrchr(old_img, '/') + strlen("/vmlinuz-"));
	snprintf(refs, sizeof(refs), "%s/one", tu_tmpdir());
	/* the first run of each kernel test_trend_over_real_runs booted: no bisect step's */
	if (tu_run(NULL, "mkdir -p %s/good %s/bad && cp -r \"$(ls -d %s/%s/* | head -n 1)\" %s/good/ "
		   "&& cp -r \"$(ls -d %s/%s/* | head -n 1)\" %s/bad/", refs, refs, root, newk, refs,
		   root, oldk, refs))
		tu_skip("the references of test_trend_over_real_runs are missing");
	snprintf(repo, sizeof(repo), "%s/tree1", tu_tmpdir());
	make_tree(repo);
	assert_int_equal(tu_run(&out, "cd %s && git rev-parse HEAD~1 | tr -d '\\n'", repo), 0);
	snprintf(c5, sizeof(c5), "%s", out);
	free(out);
	assert_int_equal(tu_run(NULL, "cd %s && git bisect start HEAD HEAD~5", repo), 0);
	if (tu_run(&out, "cd %s && git bisect run " BISECT_ONE " > %s/bisect1.out 2>&1", repo, top,
		   refs, refs, refs, tu_tmpdir()))
		fail_msg("git bisect run failed:\n%s", tu_slurp("%s/bisect1.out", tu_tmpdir()));
	free(out);
	assert_int_equal(tu_run(&out, "grep -E '^bisect-run: step|first bad commit$' "
				"%s/bisect1.out", tu_tmpdir()), 0);
	print_message("%s", out);
	snprintf(want, sizeof(want), "%s is the first bad commit", c5);
	if (!strstr(out, want))
		fail_msg("git bisect did not name c5 (%s) from one run a reference:\n%s", c5,
			 tu_slurp("%s/bisect1.out", tu_tmpdir()));
	free(out);
	print_message("bisect from one run a reference: %ld s\n", (long)(time(NULL) - t0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trend_over_real_runs),
		cmocka_unit_test(test_bisect_run),
		cmocka_unit_test(test_bisect_one_run_references),
	};
	time_t t0 = time(NULL);
	int rc = cmocka_run_group_tests(tests, setup, NULL);

	print_message("test_int_bisect: %ld s in all\n", (long)(time(NULL) - t0));
	tu_cleanup();
	return rc;
}
