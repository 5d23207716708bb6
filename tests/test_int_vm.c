/* Integration test of ./run.sh vm: Debian's 6.1 cloud kernel under TCG with 2 NUMA nodes, smoke profile. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define TIMEOUT_S	240	/* the guest's bound; the whole test must stay under 5 minutes */

static char image[4096], run_dir[4096], why_skip[256];
static struct tu_harness run;

static void find_image(void)
{
	glob_t g;

	if (glob("/boot/vmlinuz-6.1.0-*-cloud-amd64", 0, NULL, &g) || !g.gl_pathc) {
		snprintf(why_skip, sizeof(why_skip),
			 "no /boot/vmlinuz-6.1.0-*-cloud-amd64 (make deps installs linux-image-cloud-amd64)");
		return;
	}
	snprintf(image, sizeof(image), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	if (tu_run(NULL, "command -v qemu-system-x86_64"))
		snprintf(why_skip, sizeof(why_skip), "no qemu-system-x86_64 (apt-get install qemu-system-x86)");
}

static int group_setup(void **state)
{
	char *before;

	*state = &run;	/* for tu_harness_teardown() */
	find_image();
	if (why_skip[0])
		return 0;
	before = tu_knob_snapshot_idle();
	tu_run_locked(&run, "./run.sh vm --kernel %s --numa 2 --cpus 2 --accel tcg --timeout %d "
		      "--quiet --out %s/vm", image, TIMEOUT_S, tu_tmpdir());
	/* ./run.sh vm takes no knob lock: the harness's snapshots may catch another run's knobs */
	free(run.knobs_before);
	run.knobs_before = before;
	free(run.knobs_after);
	run.knobs_after = tu_knob_snapshot_idle();
	/* like run, vm prints the run directory as its last line */
	tu_last_line(run.out, run_dir, sizeof(run_dir));
	return 0;
}

static void need_run(void)
{
	if (why_skip[0]) {
		print_message("SKIP: %s\n", why_skip);
		skip();
	}
}

static json_t *load(const char *name)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	return tu_json(path);
}

static void test_run(void **state)
{
	char prefix[4200], path[8192];

	(void)state;
	need_run();
	if (run.rc)
		fail_msg("./run.sh vm exited %d:\n%s", run.rc, run.out);
	/* budgets are checked by running the profiles, not by timed tests: the time is shown only */
	print_message("vm smoke: %.1f s\n", run.secs);
	snprintf(prefix, sizeof(prefix), "%s/vm/6.1.", tu_tmpdir());
	assert_memory_equal(run_dir, prefix, strlen(prefix));
	snprintf(path, sizeof(path), "%s/INCOMPLETE", run_dir);
	assert_false(access(path, F_OK) == 0);
	/* the host's knobs are not the guest's business */
	assert_string_equal(run.knobs_before, run.knobs_after);
}

static void test_manifest(void **state)
{
	json_t *m, *vm;
	const char *release;

	(void)state;
	need_run();
	m = load("manifest.json");
	release = json_string_value(json_object_get(json_object_get(m, "kernel"), "release"));
	assert_non_null(release);
	assert_memory_equal(release, "6.1.", 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "topology"), "numa_nodes")), 2);
	assert_string_equal(json_string_value(json_object_get(m, "virtualization")), "tcg");
	vm = json_object_get(m, "vm");
	assert_string_equal(json_string_value(json_object_get(vm, "accel")), "tcg");
	assert_int_equal(json_integer_value(json_object_get(vm, "numa_nodes")), 2);
	assert_int_equal(json_integer_value(json_object_get(vm, "cpus")), 2);
	json_decref(m);
	m = load("vm/transfer.json");
	assert_true(json_is_true(json_object_get(m, "complete")));
	assert_string_equal(json_string_value(json_object_get(m, "transfer")), "whole");
	json_decref(m);
}

/* 6.1 predates UFFD_FEATURE_WP_UNPOPULATED (6.4): those cases skip, the others run. */
static void test_uffd_wp_skips(void **state)
{
	json_t *b, *c;
	size_t i;
	int skipped = 0, ok = 0;

	(void)state;
	need_run();
	b = load("uffd-wp.json");
	json_array_foreach(json_object_get(b, "cases"), i, c) {
		const char *key = json_string_value(json_object_get(c, "case"));
		const char *st = json_string_value(json_object_get(c, "status"));

		if (strstr(key, "mode=wp-unpopulated")) {
			assert_string_equal(st, "skip");
			assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "WP_UNPOPULATED"));
			skipped++;
		} else {
			ok += !strcmp(st, "ok");
		}
	}
	assert_true(skipped >= 1);
	assert_true(ok >= 1);
	json_decref(b);
}

/* Without per-VMA locks (6.4) every page fault takes mmap_lock: about 1000 per 1000 faults. */
static void test_vma_lock_every_fault_locks(void **state)
{
	static const char *const keys[] = { "mode=private-vma threads=1", "mode=shared-vma threads=2" };
	json_t *b;

	(void)state;
	need_run();
	b = load("vma-lock.json");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *c = tu_case(b, keys[i]);
		double v;

		if (!c)
			fail_msg("vma-lock.json has no case %s", keys[i]);
		v = tu_median(c, "mmap_lock_per_kfault");
		if (v < 900 || v > 1100)
			fail_msg("%s: mmap_lock_per_kfault %.1f, expected about 1000", keys[i], v);
	}
	json_decref(b);
}

/* Reports from a TCG run say their timings are not hardware timings. */
static void test_report_warns(void **state)
{
	char *out;

	(void)state;
	need_run();
	assert_int_equal(tu_run(&out, "grep -c 'emulated CPU' '%s/report.txt'", run_dir), 0);
	free(out);
}

/* compare against a host run: the header warns that one side ran emulated. */
static void test_compare_warns(void **state)
{
	struct tu_harness h = { 0 };
	char *out, host[4200];
	const char *dir;

	(void)state;
	need_run();
	if (!tu_is_root())
		skip();
	snprintf(host, sizeof(host), "%s/host", tu_tmpdir());
	/* a host run: waits while another run holds the machine, and leaves the knobs as found */
	tu_bench_run(&h, "vma-lock", host, "--profile smoke --no-report");
	tu_need_bench(&h, "mmbench run --bench vma-lock");
	assert_string_equal(h.knobs_before, h.knobs_after);
	tu_harness_free(&h);
	dir = tu_run_dir(host);
	assert_non_null(dir);
	assert_int_equal(tu_run(&out, "./run.sh compare %s %s", dir, run_dir), 0);
	if (!strstr(out, "emulated"))
		fail_msg("compare does not warn about the emulated side:\n%s", out);
	free(out);
}

/* The sweep the host cannot do (debugfs locked down) runs in the guest, which can write debugfs. */
static void test_sweep_fault_around_in_guest(void **state)
{
	char *out = NULL, dir[4200], path[8300];
	json_t *j, *c;
	int rc;

	(void)state;
	need_run();
	rc = tu_run(&out, "./run.sh vm --kernel %s --numa 2 --cpus 2 --accel tcg --timeout %d --quiet "
		    "--no-report --out %s/vm-sweep -- sweep fault_around_bytes=4096,65536 "
		    "--bench fault-around --profile smoke --opt backend=tmpfs --opt pattern=seq "
		    "--opt threads=1", image, TIMEOUT_S, tu_tmpdir());
	if (rc)
		fail_msg("vm sweep exited %d:\n%s", rc, out);
	tu_last_line(out, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/fault-around.json", dir);
	j = tu_json(path);
	/* 4 KiB: every page touched faults; 64 KiB: one fault maps 16 pages */
	c = tu_case(j, "backend=tmpfs pattern=seq threads=1 fault_around_bytes=4096");
	assert_non_null(c);
	assert_true(tu_median(c, "faults_per_page") > 0.99);
	c = tu_case(j, "backend=tmpfs pattern=seq threads=1 fault_around_bytes=65536");
	assert_non_null(c);
	assert_true(tu_median(c, "faults_per_page") > 0.055 && tu_median(c, "faults_per_page") < 0.07);
	snprintf(path, sizeof(path), "%s/sweep.txt", dir);
	assert_int_equal(tu_run(NULL, "grep -q 'Recommendations' %s", path), 0);
	json_decref(j);
	free(out);
}

/* A guest run of @img's vma-lock, quick profile, shared- and private-VMA cases; its directory into @dir. */
static int vma_lock_run(const char *img, const char *out_root, char *dir, size_t len, char **out)
{
	int rc = tu_run(out, "./run.sh vm --kernel %s --numa 2 --cpus 2 --accel tcg --timeout %d "
			"--quiet --no-report --out %s -- --bench vma-lock --profile quick "
			"--opt mode=shared-vma,private-vma --kprofile", img, 2 * TIMEOUT_S, out_root);

	tu_last_line(*out, dir, len);
	return rc;
}

/* The share of case @key's samples with @sym in their chain (children), from run @dir's profile. */
static double children_share(json_t *prof, const char *key, const char *sym)
{
	json_t *c, *s;
	size_t i, k;

	json_array_foreach(json_object_get(prof, "cases"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "case")), key))
			continue;
		assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
		assert_true(json_integer_value(json_object_get(c, "samples")) >= 500);
		json_array_foreach(json_object_get(c, "symbols"), k, s)
			if (!strcmp(json_string_value(json_object_get(s, "name")), sym))
				return (double)json_integer_value(json_object_get(s, "children")) /
				       json_integer_value(json_object_get(c, "samples"));
		return 0;
	}
	fail_msg("no profile of %s", key);
	return 0;
}

/* The samples of case @key's profile. */
static double children_samples(json_t *prof, const char *key)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(prof, "cases"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "case")), key))
			return (double)json_integer_value(json_object_get(c, "samples"));
	return 0;
}

/*
 * The kernel profiles (--kprofile) say why: on 6.1 each fault finds its VMA under
 * mmap_lock (find_vma, inside Debian 6.1's lock_mm_and_find_vma), and lock_vma_under_rcu
 * does not exist; on 6.12 faults take lock_vma_under_rcu and find_vma is gone from them.
 */
static void profiles_show_lock_path(const char *a, const char *b, const char *cmp_out)
{
	char path[4300];
	json_t *pa, *pb, *c;
	size_t i, n = 0;
	double lb_sum = 0, fa_sum = 0, na_sum = 0;
	const char *s;

	snprintf(path, sizeof(path), "%s/vma-lock.kprofile.json", a);
	pa = tu_json(path);
	snprintf(path, sizeof(path), "%s/vma-lock.kprofile.json", b);
	pb = tu_json(path);
	json_array_foreach(json_object_get(pa, "cases"), i, c) {
		const char *key = json_string_value(json_object_get(c, "case"));
		double fa = children_share(pa, key, "find_vma"), fb = children_share(pb, key, "find_vma");
		double la = children_share(pa, key, "lock_vma_under_rcu");
		double lb = children_share(pb, key, "lock_vma_under_rcu");

		print_message("%s: find_vma %.2f%% -> %.2f%%, lock_vma_under_rcu %.2f%% -> %.2f%% "
			      "(children)\n", key, 100 * fa, 100 * fb, 100 * la, 100 * lb);
		assert_true(fb < fa / 2);
		assert_true(la == 0);
		fa_sum += fa * children_samples(pa, key);
		na_sum += children_samples(pa, key);
		lb_sum += lb * children_samples(pb, key);
		n++;
	}
	assert_true(n >= 4);
	/* find_vma's share of a case on 6.1 is 0.5% to 2.6%: held to 0.5% over the cases */
	print_message("find_vma in %.2f%% of 6.1's samples\n", 100 * fa_sum / na_sum);
	assert_true(fa_sum >= 0.005 * na_sum);
	/*
	 * lock_vma_under_rcu is short beside the TCG-emulated fault: 0.19% to 0.83% of a
	 * case's samples (500 and more each). Absent from 6.1 altogether, it must be in
	 * 6.12's profiles: counted over the cases, not held to a share in each.
	 */
	print_message("lock_vma_under_rcu in %.0f samples of 6.12's profiles\n", lb_sum);
	assert_true(lb_sum >= 1);
	/* and compare puts the profile diff beside each changed case */
	for (s = cmp_out, n = 0; (s = strstr(s, "kernel profile (self, A -> B): ")); s++)
		n++;
	assert_true(n >= 4);
	json_decref(pa);
	json_decref(pb);
}

/*
 * Per-VMA locks (6.4) as a verdict: the quick profile of vma-lock on 6.1 against 6.12, two
 * boots a side (the boot is the replicate of a kernel: one boot a side is untested), must
 * call mmap_lock_per_kfault better on 6.12 in every shared-vma and private-vma case (about
 * 1000 against about 0), and the profiles must show the lock path.
 */
static void test_per_vma_locks_verdict(void **state)
{
	char new_img[4096], a[4200], b[4200], ka[4200], kb[4200], root[4200], json[4300];
	char *out = NULL;
	json_t *j, *r;
	size_t i, judged = 0;
	int boot;
	glob_t g;

	(void)state;
	need_run();
	if (glob("/boot/vmlinuz-6.12*-cloud-amd64", 0, NULL, &g) || !g.gl_pathc) {
		print_message("SKIP: no /boot/vmlinuz-6.12*-cloud-amd64 (make deps installs "
			      "linux-image-6.12-cloud-amd64)\n");
		skip();
	}
	snprintf(new_img, sizeof(new_img), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	snprintf(root, sizeof(root), "%s/kk", tu_tmpdir());
	for (boot = 0; boot < 2; boot++) {
		if (vma_lock_run(image, root, a, sizeof(a), &out))
			fail_msg("vm vma-lock on %s failed:\n%s", image, out);
		free(out);
		if (vma_lock_run(new_img, root, b, sizeof(b), &out))
			fail_msg("vm vma-lock on %s failed:\n%s", new_img, out);
		free(out);
	}
	/* each kernel's directory holds its two boots' runs */
	snprintf(ka, sizeof(ka), "%s", a);
	snprintf(kb, sizeof(kb), "%s", b);
	assert_non_null(strrchr(ka, '/'));
	assert_non_null(strrchr(kb, '/'));
	*strrchr(ka, '/') = 0;
	*strrchr(kb, '/') = 0;
	assert_string_not_equal(ka, kb);
	snprintf(json, sizeof(json), "%s/kk.json", tu_tmpdir());
	tu_run(&out, "./build/mmbench compare %s %s --history none --json %s", ka, kb, json);
	j = tu_json(json);
	/* two kernels share no boot: the replicate is the boot, two a side */
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "replicate"),
								"B")), "boot");
	json_array_foreach(json_object_get(j, "rows"), i, r) {
		const char *key = json_string_value(json_object_get(r, "case"));
		const char *v = json_string_value(json_object_get(r, "verdict"));
		json_t *reps = json_object_get(r, "replicates");

		if (strcmp(json_string_value(json_object_get(r, "metric")), "mmap_lock_per_kfault") ||
		    (strncmp(key, "mode=shared-vma", 15) && strncmp(key, "mode=private-vma", 16)))
			continue;
		judged++;
		assert_int_equal(json_integer_value(json_object_get(reps, "base")), 2);
		assert_int_equal(json_integer_value(json_object_get(reps, "new")), 2);
		if (strcmp(v, "better"))
			fail_msg("%s: mmap_lock_per_kfault is '%s' on 6.12, not better:\n%s", key, v, out);
	}
	print_message("mmap_lock_per_kfault better on 6.12 in %zu cases\n", judged);
	assert_true(judged >= 4);
	profiles_show_lock_path(a, b, out);
	json_decref(j);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_uffd_wp_skips),
		cmocka_unit_test(test_vma_lock_every_fault_locks),
		cmocka_unit_test(test_report_warns),
		cmocka_unit_test(test_compare_warns),
		cmocka_unit_test(test_sweep_fault_around_in_guest),
		cmocka_unit_test(test_per_vma_locks_verdict),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);
}
