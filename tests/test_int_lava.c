/*
 * Integration test of ./run.sh lava (root): a qemu job for Debian's 6.12 cloud kernel with 2 NUMA
 * nodes and vma-lock's smoke profile (the shortest smoke run under TCG: 17 s a boot here, against
 * 19-26 s for the other benches) run on the local dispatcher, its records and the run it archived,
 * and the same RUN_ARGS under ./run.sh vm.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define RUN_ARGS	"--profile smoke --bench vma-lock"

static char image[4096], lava_dir[4096], vm_dir[4096], why_skip[256];
static struct tu_harness lava, vm;
static json_t *records;		/* the archived run's vm/lava-results.json */

static void find_tools(void)
{
	glob_t g;

	if (!tu_is_root()) {
		snprintf(why_skip, sizeof(why_skip), "not root: lava-run runs as root");
		return;
	}
	if (glob("/boot/vmlinuz-6.12*-cloud-amd64", 0, NULL, &g) || !g.gl_pathc) {
		snprintf(why_skip, sizeof(why_skip),
			 "no /boot/vmlinuz-6.12*-cloud-amd64 (make deps installs linux-image-6.12-cloud-amd64)");
		return;
	}
	snprintf(image, sizeof(image), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	if (tu_run(NULL, "command -v lava-run && command -v qemu-system-x86_64"))
		snprintf(why_skip, sizeof(why_skip), "no lava-run or qemu (make deps installs lava-dispatcher, qemu-system-x86)");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int group_setup(void **state)
{
	char *out, *before, path[8300];
	double t0 = now();
	int rc;

	*state = &lava;
	find_tools();
	if (why_skip[0])
		return 0;
	rc = tu_run(&out, "lava/job.sh --kernel %s --numa 2 --out %s/job -- " RUN_ARGS, image, tu_tmpdir());
	if (rc) {
		snprintf(why_skip, sizeof(why_skip), "FAIL: lava job exited %d", rc);
		print_message("%s", out);
	}
	free(out);
	before = tu_knob_snapshot_idle();
	tu_run_locked(&lava, "./run.sh lava run %s/job --out %s/lava", tu_tmpdir(), tu_tmpdir());
	/* lava run takes no knob lock: the harness's snapshots may catch another run's knobs */
	free(lava.knobs_before);
	lava.knobs_before = before;
	free(lava.knobs_after);
	lava.knobs_after = tu_knob_snapshot_idle();
	tu_last_line(lava.out, lava_dir, sizeof(lava_dir));
	tu_run_locked(&vm, "./run.sh vm --kernel %s --numa 2 --cpus 2 --accel tcg --quiet --no-report "
		      "--out %s/vm -- " RUN_ARGS, image, tu_tmpdir());
	tu_last_line(vm.out, vm_dir, sizeof(vm_dir));
	snprintf(path, sizeof(path), "%s/vm/lava-results.json", lava_dir);
	records = json_load_file(path, 0, NULL);
	print_message("lava run %.1f s, vm run %.1f s, whole setup %.1f s\n", lava.secs, vm.secs, now() - t0);
	return 0;
}

static int group_teardown(void **state)
{
	json_decref(records);
	tu_harness_free(&vm);
	return tu_harness_teardown(state);
}

static void need_run(void)
{
	if (why_skip[0] && strncmp(why_skip, "FAIL", 4))
		tu_skip("%s", why_skip);
	if (why_skip[0])
		fail_msg("%s", why_skip);
}

static json_t *load(const char *dir, const char *name)
{
	char path[8300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tu_json(path);
}

/* "vma-lock/mode=shared-vma,threads=1": the id the guest gave the case (spaces to commas). */
static void case_id(char *buf, size_t len, const char *key, const char *metric)
{
	snprintf(buf, len, "vma-lock/%s%s%s", key, metric ? "/" : "", metric ? metric : "");
	for (char *p = buf; *p; p++)
		if (*p == ' ')
			*p = ',';
}

static json_t *record(const char *definition, const char *id)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(records, "results"), i, r) {
		const char *d = json_string_value(json_object_get(r, "definition"));
		const char *t = json_string_value(json_object_get(json_object_get(r, "extra"), "test_case_id"));

		if (d && t && !strcmp(d, definition) && !strcmp(t, id))
			return r;
	}
	return NULL;
}

static void test_job_passed(void **state)
{
	char path[8300], *res;

	(void)state;
	need_run();
	if (lava.rc)
		fail_msg("./run.sh lava run exited %d:\n%s", lava.rc, lava.out);
	res = tu_slurp("%s/job/output/result.yaml", tu_tmpdir());
	assert_non_null(res);
	assert_non_null(strstr(res, "result: pass"));
	free(res);
	snprintf(path, sizeof(path), "%s/lava/6.12.", tu_tmpdir());
	assert_memory_equal(lava_dir, path, strlen(path));
	snprintf(path, sizeof(path), "%s/INCOMPLETE", lava_dir);
	assert_false(access(path, F_OK) == 0);
	assert_string_equal(lava.knobs_before, lava.knobs_after);
}

/* LAVA's records: one test case per mmbench case with its result, a measurement per judged metric. */
static void test_records(void **state)
{
	json_t *b, *c, *m;
	size_t i, j, ncase = 0, nmeas = 0;
	char id[1024], *n;

	(void)state;
	need_run();
	assert_non_null(records);
	b = load(lava_dir, "vma-lock.json");
	json_array_foreach(json_object_get(b, "cases"), i, c) {
		const char *key = json_string_value(json_object_get(c, "case"));
		const char *st = json_string_value(json_object_get(c, "status"));
		json_t *r;

		case_id(id, sizeof(id), key, NULL);
		r = record("mmbench", id);
		if (!r)
			fail_msg("no LAVA test case %s", id);
		assert_string_equal(json_string_value(json_object_get(r, "result")),
				    !strcmp(st, "ok") ? "pass" : !strcmp(st, "skip") ? "skip" : "fail");
		ncase++;
		json_array_foreach(json_object_get(c, "metrics"), j, m) {
			const char *better = json_string_value(json_object_get(m, "better"));
			double want = json_number_value(json_object_get(m, "median")), got;
			json_t *v;

			/* what the guest measures: a direction, and a median (no samples: none) */
			if (!better || !strcmp(better, "none") || !json_is_number(json_object_get(m, "median")))
				continue;
			case_id(id, sizeof(id), key, json_string_value(json_object_get(m, "name")));
			r = record("mmbench-metrics", id);
			if (!r)
				fail_msg("no LAVA measurement %s", id);
			v = json_object_get(r, "measurement");	/* LAVA tags it: a string here */
			got = json_is_string(v) ? strtod(json_string_value(v), NULL) : json_number_value(v);
			if (!(got >= want * (1 - 1e-8) - 1e-12 && got <= want * (1 + 1e-8) + 1e-12))
				fail_msg("%s: LAVA has %.10g, the run %.10g", id, got, want);
			assert_string_equal(json_string_value(json_object_get(r, "units")),
					    json_string_value(json_object_get(m, "unit")));
			nmeas++;
		}
	}
	assert_true(ncase >= 10);
	/* nothing more than that: counted in LAVA's own log, not through collect's parser */
	assert_int_equal(tu_run(&n, "grep -c '\"definition\": \"mmbench\", ' %s/job/output/lava.log", tu_tmpdir()), 0);
	assert_int_equal(atoi(n), ncase);
	free(n);
	assert_int_equal(tu_run(&n, "grep -c '\"definition\": \"mmbench-metrics\", ' %s/job/output/lava.log",
				tu_tmpdir()), 0);
	assert_int_equal(atoi(n), nmeas);
	free(n);
	json_decref(b);
}

static void test_manifest(void **state)
{
	json_t *m, *l;
	char host[256];

	(void)state;
	need_run();
	m = load(lava_dir, "manifest.json");
	l = json_object_get(m, "lava");
	assert_non_null(json_string_value(json_object_get(l, "job_id")));
	assert_string_equal(json_string_value(json_object_get(l, "device_type")), "qemu");
	gethostname(host, sizeof(host));
	assert_memory_equal(json_string_value(json_object_get(l, "device")), "local:", 6);
	assert_string_equal(json_string_value(json_object_get(l, "device")) + 6, host);
	assert_string_equal(json_string_value(json_object_get(l, "job_result")), "pass");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "topology"), "numa_nodes")), 2);
	assert_string_equal(json_string_value(json_object_get(m, "virtualization")), "tcg");
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "vm"), "runner")), "lava");
	json_decref(m);
}

/*
 * The same RUN_ARGS under ./run.sh vm: the same cases with the same statuses and metrics, and the
 * event count (mmap_lock_per_kfault) telling the same: faults took the per-VMA lock path in both.
 * It is not equal to the digit: how many faults an interval holds depends on timing.
 */
static void test_same_as_vm(void **state)
{
	json_t *a, *b, *c;
	size_t i, n = 0;

	(void)state;
	need_run();
	if (vm.rc)
		fail_msg("./run.sh vm exited %d:\n%s", vm.rc, vm.out);
	a = load(lava_dir, "vma-lock.json");
	b = load(vm_dir, "vma-lock.json");
	assert_int_equal(json_array_size(json_object_get(a, "cases")), json_array_size(json_object_get(b, "cases")));
	json_array_foreach(json_object_get(a, "cases"), i, c) {
		const char *key = json_string_value(json_object_get(c, "case"));
		json_t *o = tu_case(b, key), *m;
		size_t j;

		if (!o)
			fail_msg("./run.sh vm has no case %s", key);
		assert_string_equal(json_string_value(json_object_get(c, "status")),
				    json_string_value(json_object_get(o, "status")));
		assert_int_equal(json_array_size(json_object_get(c, "metrics")),
				 json_array_size(json_object_get(o, "metrics")));
		json_array_foreach(json_object_get(c, "metrics"), j, m)
			assert_string_equal(json_string_value(json_object_get(m, "name")),
					    json_string_value(json_object_get(json_array_get(json_object_get(o, "metrics"), j), "name")));
		if (strcmp(json_string_value(json_object_get(c, "status")), "ok"))
			continue;
		if (tu_median(c, "mmap_lock_per_kfault") >= 10 || tu_median(o, "mmap_lock_per_kfault") >= 10)
			fail_msg("%s: mmap_lock_per_kfault %.3f (lava) and %.3f (vm): 6.12 has per-VMA locks", key,
				 tu_median(c, "mmap_lock_per_kfault"), tu_median(o, "mmap_lock_per_kfault"));
		n++;
	}
	assert_true(n >= 10);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_passed),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_same_as_vm),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
