/* Integration: the fault-around bench's smoke run, and whether its numbers make sense for this kernel. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

static const char *const patterns[] = { "seq", "stride", "random", "sparse" };
static const char *const backends[] = { "tmpfs", "shmem", "disk" };
static json_t *bench;
static double elapsed;

static int run_smoke(void **state)
{
	char out_root[PATH_MAX], path[PATH_MAX + 32], *out;
	struct timespec a, b;
	const char *dir;
	int rc;

	(void)state;
	if (!tu_is_root())
		return 0;
	snprintf(out_root, sizeof(out_root), "%s/out", tu_tmpdir());
	/* the bench sets no knob: its own journal, so a run elsewhere does not hold it up */
	snprintf(path, sizeof(path), "%s/journal", tu_tmpdir());
	setenv("MMBENCH_JOURNAL", path, 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = tu_run(&out, "./build/mmbench run --bench fault-around --profile smoke --out %s "
		    "--no-report", out_root);
	clock_gettime(CLOCK_MONOTONIC, &b);
	elapsed = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (rc)
		fprintf(stderr, "%s", out);
	free(out);
	if (rc)
		return -1;
	dir = tu_run_dir(out_root);
	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/fault-around.json", dir);
	bench = tu_json(path);
	return 0;
}

static int cleanup(void **state)
{
	json_decref(bench);
	return tu_teardown(state);
}

static json_t *get_case(const char *backend, const char *pattern, int threads)
{
	char key[128];
	json_t *c;

	snprintf(key, sizeof(key), "backend=%s pattern=%s threads=%d", backend, pattern, threads);
	c = tu_case(bench, key);
	assert_non_null(c);
	return c;
}

static void test_time_and_status(void **state)
{
	(void)state;
	if (!bench)
		skip();
	/* budgets are checked by running the profiles, not by timed tests: the time is shown only */
	print_message("fault-around smoke: %.1f s\n", elapsed);
	assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
	for (size_t b = 0; b < 3; b++)
		for (size_t p = 0; p < 4; p++) {
			json_t *c = get_case(backends[b], patterns[p], 1);

			assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
		}
}

/* Fault-around never maps less than the page that faulted: at most one fault per page touched. */
static void test_at_most_one_fault_per_page(void **state)
{
	(void)state;
	if (!bench)
		skip();
	for (size_t b = 0; b < 3; b++)
		for (size_t p = 0; p < 4; p++) {
			json_t *c = get_case(backends[b], patterns[p], 1);

			double fpp = tu_median(c, "faults_per_page");

			if (!(fpp <= 1.0 && fpp > 0))
				fail_msg("backend=%s pattern=%s: faults_per_page %g, not in (0, 1]",
					 backends[b], patterns[p], fpp);
			/* the page cache was resident: nothing came from disk */
			assert_true(tu_counter(c, "major-faults") <= 0);
		}
}

/*
 * tmpfs with 4 KiB folios at the default 64 KiB: one fault maps 16 pages, so seq needs
 * about 1/16 fault per page; sparse (one page per 2 MiB) and stride (one per 64 KiB)
 * cannot share a fault-around window and take one fault per page.
 */
static void test_tmpfs_fault_around_window(void **state)
{
	json_t *seq, *sparse, *stride, *p;

	(void)state;
	if (!bench)
		skip();
	seq = get_case("tmpfs", "seq", 1);
	p = json_object_get(json_object_get(seq, "params"), "folio_kib");
	if (!json_is_number(p) || json_number_value(p) != 4)
		skip();		/* /dev/shm mounted with huge=: the window is not what decides */
	assert_true(tu_median(seq, "faults_per_page") < 0.2);
	assert_true(tu_median(seq, "faults_per_page") > 1.0 / 17);
	assert_true(tu_median(seq, "pages_mapped_per_fault") > 15);
	assert_true(tu_median(get_case("tmpfs", "random", 1), "faults_per_page") < 0.2);
	sparse = get_case("tmpfs", "sparse", 1);
	stride = get_case("tmpfs", "stride", 1);
	assert_true(tu_median(sparse, "faults_per_page") > 0.99);
	assert_true(tu_median(stride, "faults_per_page") > 0.99);
	/* sparse still maps a whole window per page touched: the memory cost of mapping around */
	assert_true(tu_median(sparse, "pages_mapped_per_fault") > 15);
}

/* The knob's value in force is in every case, or why it cannot be read. */
static void test_knob_in_params(void **state)
{
	(void)state;
	if (!bench)
		skip();
	for (size_t b = 0; b < 3; b++) {
		json_t *c = get_case(backends[b], "seq", 1);
		json_t *p = json_object_get(json_object_get(c, "params"), "fault_around_bytes");

		assert_non_null(p);
		if (json_is_string(p))
			assert_int_equal(strncmp(json_string_value(p), "unreadable: ", 12), 0);
		else
			assert_true(json_number_value(p) >= 4096);
		assert_non_null(json_object_get(json_object_get(c, "params"), "fs"));
	}
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		get_case("tmpfs", "seq", 1), "params"), "fs")), "tmpfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_and_status),
		cmocka_unit_test(test_at_most_one_fault_per_page),
		cmocka_unit_test(test_tmpfs_fault_around_window),
		cmocka_unit_test(test_knob_in_params),
	};

	return cmocka_run_group_tests_name("fault-around smoke", tests, run_smoke, cleanup);
}
