/* Integration test of the uffd-wp bench: one smoke run, then what its numbers must say about the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define SIZE		(64ul << 20)	/* passed explicitly, so the expectations below hold */
#define STRIDE		16
#define PAGES		(SIZE / 4096)
#define WRITES		(PAGES / STRIDE)
#define PMDS		(SIZE >> 21)

static const char *const modes[] = { "default", "pre-read", "madvise", "wp-unpopulated" };
static const char *const thps[] = { "never", "madvise", "always" };

static struct tu_harness run;
static json_t *bench;
static double reps;

static int group_setup(void **state)
{
	char args[128];

	*state = &run;	/* for tu_harness_teardown() */
	if (!tu_is_root() || sysconf(_SC_PAGESIZE) != 4096)
		return 0;
	snprintf(args, sizeof(args), "--profile smoke --opt size=64M --opt write_stride=%d "
		 "--no-report", STRIDE);
	/* NULL when it failed: test_run reports it */
	bench = tu_bench_run(&run, "uffd-wp", tu_tmpdir(), args);
	reps = json_number_value(json_object_get(json_object_get(bench, "params"), "reps"));
	return 0;
}

static void need_run(void)
{
	if (!tu_is_root())
		skip();
	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	tu_need_bench(&run, "mmbench run --bench uffd-wp");
}

/* The case for @mode/@thp if it ran, NULL if it was skipped (with a reason). */
static json_t *ok_case(const char *mode, const char *thp)
{
	char key[96];
	json_t *c;

	snprintf(key, sizeof(key), "mode=%s thp=%s", mode, thp);
	c = tu_case(bench, key);
	if (!c)
		fail_msg("no case %s", key);
	if (strcmp(json_string_value(json_object_get(c, "status")) ?: "", "ok"))
		return NULL;
	return c;
}

/* Summed over repetitions by the harness: per repetition here. */
static double per_rep(json_t *c, const char *counter)
{
	double v = tu_counter(c, counter);

	if (v < 0)
		fail_msg("case %s: counter %s missing or unsupported",
			 json_string_value(json_object_get(c, "case")), counter);
	return v / reps;
}

static void test_run(void **state)
{
	size_t i, ok = 0;
	json_t *c;

	(void)state;
	need_run();
	assert_string_equal(json_string_value(json_object_get(bench, "schema")), "mmbench/1");
	assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
	assert_true(reps >= 1);
	assert_int_equal(json_array_size(json_object_get(bench, "cases")), 12);
	json_array_foreach(json_object_get(bench, "cases"), i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		const char *why = json_string_value(json_object_get(c, "reason"));

		assert_non_null(st);
		if (!strcmp(st, "ok")) {
			ok++;
			continue;
		}
		if (strcmp(st, "skip") || !why || !*why)
			fail_msg("case %s: status %s, reason %s",
				 json_string_value(json_object_get(c, "case")), st, why ?: "(none)");
	}
	/* default, pre-read and madvise need nothing a 6.x kernel as root lacks: each of those ran */
	assert_true(ok >= 9);
	for (int m = 0; m < 3; m++)
		for (int t = 0; t < 3; t++) {
			char key[96];

			snprintf(key, sizeof(key), "mode=%s thp=%s", modes[m], thps[t]);
			tu_ok_case(bench, key);
		}
}

static void test_knobs_restored(void **state)
{
	(void)state;
	need_run();
	assert_string_equal(run.knobs_before, run.knobs_after);
}

/*
 * Populated modes take one write-protect fault per page written; default mode
 * protected nothing (no page tables), so the writes never reach the handler.
 */
static void test_faults_handled(void **state)
{
	(void)state;
	need_run();
	for (int t = 0; t < 3; t++) {
		for (int m = 0; m < 4; m++) {
			json_t *c = ok_case(modes[m], thps[t]);
			double handled;

			if (!c)
				continue;
			handled = tu_median(c, "faults_handled");
			if (m == 0)
				assert_true(handled == 0);
			else if (handled != WRITES)
				fail_msg("mode=%s thp=%s: %.0f faults handled, want %lu",
					 modes[m], thps[t], handled, WRITES);
			/* each handled fault is a fault the writer took */
			assert_true(per_rep(c, "minor-faults.write") >= handled);
		}
	}
}

static void test_prefault_faults(void **state)
{
	json_t *c;
	double v;

	(void)state;
	need_run();
	/* THP never: one read fault per page, each mapping the zero page */
	c = ok_case("pre-read", "never");
	assert_non_null(c);
	v = per_rep(c, "minor-faults.prefault");
	if (v < PAGES || v > PAGES + 64)
		fail_msg("pre-read thp=never: %.0f minor faults, want %lu", v, PAGES);
	/* MADV_POPULATE_READ faults through GUP, which raises no perf fault event */
	c = ok_case("madvise", "never");
	assert_non_null(c);
	v = per_rep(c, "minor-faults.prefault");
	if (v > PAGES / 100)
		fail_msg("madvise thp=never: %.0f minor faults, want about 0", v);
	/* THP madvise (the region is MADV_HUGEPAGE'd) and always: one fault per PMD */
	for (int t = 1; t < 3; t++) {
		c = ok_case("pre-read", thps[t]);
		if (!c)
			continue;
		v = per_rep(c, "minor-faults.prefault");
		if (v < PMDS || v > PAGES / 64)
			fail_msg("pre-read thp=%s: %.0f minor faults, want about %lu (one a PMD)",
				 thps[t], v, PMDS);
	}
}

static void test_protected_state(void **state)
{
	(void)state;
	need_run();
	for (int t = 0; t < 3; t++) {
		json_t *d = ok_case("default", thps[t]);
		json_t *w = ok_case("wp-unpopulated", thps[t]);

		/* protecting an empty range builds no page tables ... */
		if (d && tu_median(d, "pte_bytes") > PAGES * 8 / 4)
			fail_msg("default thp=%s: pte_bytes %.0f", thps[t], tu_median(d, "pte_bytes"));
		/* ... unless each pte must hold a marker */
		if (w && tu_median(w, "pte_bytes") < PAGES * 8)
			fail_msg("wp-unpopulated thp=%s: pte_bytes %.0f, want >= %lu",
				 thps[t], tu_median(w, "pte_bytes"), PAGES * 8);
	}
	/* nothing was written yet: the zero page and markers are not RSS */
	for (int m = 0; m < 4; m++) {
		json_t *c = ok_case(modes[m], "never");

		if (c && tu_median(c, "rss_kib") > SIZE / 1024 / 100)
			fail_msg("mode=%s thp=never: rss %.0f KiB before any write",
				 modes[m], tu_median(c, "rss_kib"));
	}
}

static void test_directions(void **state)
{
	json_t *pr, *wu, *pa;

	(void)state;
	need_run();
	pr = ok_case("pre-read", "never");
	wu = ok_case("wp-unpopulated", "never");
	pa = ok_case("pre-read", "always");
	/* The point of the feature: no populate pass (about 40x at this size; 4x leaves room for noise). */
	if (pr && wu && !(tu_median(wu, "total_us") * 4 < tu_median(pr, "total_us")))
		fail_msg("thp=never: wp-unpopulated %.0f us, pre-read %.0f us",
			 tu_median(wu, "total_us"), tu_median(pr, "total_us"));
	/* With THP a read fault maps a whole PMD of the huge zero page: 512 times fewer faults. */
	if (pr && pa && !(tu_median(pa, "prefault_us") * 4 < tu_median(pr, "prefault_us")))
		fail_msg("pre-read: thp=always %.0f us, thp=never %.0f us",
			 tu_median(pa, "prefault_us"), tu_median(pr, "prefault_us"));
}

static void test_thp_vmstat(void **state)
{
	json_t *c;

	(void)state;
	need_run();
	/* THP never is global: no PMD THP can be faulted in anywhere (mTHP sizes stay never) */
	for (int m = 0; m < 4; m++) {
		c = ok_case(modes[m], "never");
		if (c)
			assert_true(tu_vmstat(c, "thp_fault_alloc") == 0);
	}
	/* default mode under THP always: the first write into each PMD tries a THP */
	c = ok_case("default", "always");
	if (c && tu_vmstat(c, "thp_fault_alloc") + tu_vmstat(c, "thp_fault_fallback") < reps * PMDS)
		fail_msg("default thp=always: %.0f THP faults, want >= %.0f",
			 tu_vmstat(c, "thp_fault_alloc") + tu_vmstat(c, "thp_fault_fallback"),
			 reps * PMDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_knobs_restored),
		cmocka_unit_test(test_faults_handled),
		cmocka_unit_test(test_prefault_faults),
		cmocka_unit_test(test_protected_state),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_thp_vmstat),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);
}
