/* Unit tests of lib/stats/stats.c against a reference computation. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "core/bench.h"
#include "stats/stats.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* cmocka 1.1.5 compares only floats; these statistics need doubles. */
#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.17g, want %.17g", #a, a_, b_);			\
} while (0)

/*
 * Every expected number below was printed by tests/data/stats_ref.py, which does
 * not use GSL: it re-implements GSL's mt19937 seeding and gsl_rng_uniform_int on
 * Python's MT19937 state, takes medians and quantiles by their definitions,
 * enumerates every split for the exact Mann-Whitney p, and applies the
 * Benjamini-Hochberg definition.
 */
static const double x[] = { 10, 12, 11, 13, 9, 14, 10.5 };
static const double x2[] = { 50, 57.349, 48.355, 43.572, 54.047, 56.379, 45.551, 46.258,
			     57.152, 53.886, 44.082, 50.122, 58.618, 50.637, 44.446,
			     54.271, 58.179, 47.595, 46.663, 57.735 };
static const double y2[] = { 52.5, 59.913, 50.081, 44.82, 55.882, 58.776, 47.853, 48.485,
			     59.365, 55.586, 45.426, 52.129, 61.385, 53.116, 46.292,
			     56.062, 60.027, 49.361, 48.86, 60.539 };

static void test_summary(void **state)
{
	struct summary s;

	(void)state;
	assert_int_equal(stats_summary(x, ARRAY_SIZE(x), &s), 0);
	assert_int_equal(s.n, 7);
	assert_near(s.median, 11, 1e-12);
	assert_near(s.mean, 11.357142857142858, 1e-12);
	assert_near(s.stddev, 1.7491494531696854, 1e-12);	/* n-1 */
	assert_near(s.cv, 0.15401315939858864, 1e-12);
	assert_near(s.ci_lo, 10, 1e-12);
	assert_near(s.ci_hi, 13, 1e-12);

	assert_near(stats_median((double[]){ 4, 1, 3, 2 }, 4), 2.5, 1e-12);
	assert_int_equal(stats_summary(x, 0, &s), -EINVAL);

	/* one sample: no spread, the interval is the point */
	assert_int_equal(stats_summary((double[]){ 5 }, 1, &s), 0);
	assert_near(s.stddev, 0, 0);
	assert_near(s.ci_lo, 5, 0);
	assert_near(s.ci_hi, 5, 0);
}

static void test_median_ci_reference(void **state)
{
	double lo, hi, lo2, hi2;

	(void)state;
	assert_int_equal(stats_median_ci(x2, ARRAY_SIZE(x2), &lo, &hi), 0);
	assert_near(lo, 47.128999999999998, 1e-9);
	assert_near(hi, 55.325000000000003, 1e-9);
	/* fixed seed: the same answer every time */
	assert_int_equal(stats_median_ci(x2, ARRAY_SIZE(x2), &lo2, &hi2), 0);
	assert_near(lo, lo2, 0);
	assert_near(hi, hi2, 0);
}

static void test_ratio_ci_reference(void **state)
{
	static const double b[] = { 100, 102, 98, 101, 99 };
	static const double c[] = { 90, 91.5, 89, 92, 90.5 };
	double r, lo, hi;

	(void)state;
	assert_int_equal(stats_ratio_ci(b, 5, c, 5, &r, &lo, &hi), 0);
	assert_near(r, 0.905, 1e-12);
	assert_near(lo, 0.88235294117647056, 1e-9);
	assert_near(hi, 0.92929292929292928, 1e-9);

	assert_int_equal(stats_ratio_ci(x2, 20, y2, 20, &r, &lo, &hi), 0);
	assert_near(r, 1.0482041306483787, 1e-9);
	assert_near(lo, 0.91994515800378884, 1e-9);
	assert_near(hi, 1.1680847316174163, 1e-9);

	/* a count that stayed at zero is "no change"; from zero to something has no ratio */
	assert_int_equal(stats_ratio_ci((double[]){ 0, 0, 0 }, 3, (double[]){ 0, 0, 0 }, 3,
					&r, &lo, &hi), 0);
	assert_near(r, 1, 0);
	assert_near(lo, 1, 0);
	assert_int_equal(stats_ratio_ci((double[]){ 0, 0, 0 }, 3, (double[]){ 1, 2, 3 }, 3,
					&r, &lo, &hi), -EDOM);
	assert_true(isnan(r));
}

static void test_mann_whitney_reference(void **state)
{
	static const double b[] = { 100, 102, 98, 101, 99 };
	static const double c[] = { 90, 91.5, 89, 92, 90.5 };
	static const double a1[] = { 1, 2, 3, 4, 5 };
	static const double a2[] = { 3.5, 6, 7, 8, 9, 10 };
	static const double t1[] = { 1, 2, 2, 3, 4, 4, 5 };
	static const double t2[] = { 2, 4, 5, 5, 6, 7, 7, 8 };
	double big_a[60], big_b[55];
	size_t i;

	(void)state;
	/* exact: complete separation of 5 and 5 is 2 / C(10,5) */
	assert_near(stats_mann_whitney_p(b, 5, c, 5), 0.0079365079365079361, 1e-12);
	assert_near(stats_mann_whitney_p(c, 5, b, 5), 0.0079365079365079361, 1e-12);
	assert_near(stats_mann_whitney_p(a1, 5, a2, 6), 0.017316017316017316, 1e-12);
	/*
	 * ties: the exact permutation distribution of the mid-rank sum (every split of the
	 * 15 values enumerated by tests/data/stats_ref.py's method), no normal approximation
	 */
	assert_near(stats_mann_whitney_p(t1, 7, t2, 8), 0.020202020202020204, 1e-12);
	/* 3 against 3 separated constants: 2 / C(6,3), where the approximation said 0.047 */
	assert_near(stats_mann_whitney_p((double[]){ 1, 1, 1 }, 3,
					 (double[]){ 2, 2, 2 }, 3), 0.1, 1e-12);
	/* more than the exact table's limit, no ties: normal approximation */
	for (i = 0; i < 60; i++)
		big_a[i] = i;
	for (i = 0; i < 55; i++)
		big_b[i] = i + 7.5;
	assert_near(stats_mann_whitney_p(big_a, 60, big_b, 55), 0.12848379227750428, 1e-12);
	/* every value equal: nothing to see */
	assert_near(stats_mann_whitney_p((double[]){ 1, 1, 1 }, 3,
						 (double[]){ 1, 1, 1 }, 3), 1, 0);
}

static void test_bh_reference(void **state)
{
	static const double p[] = { 0.01, 0.04, 0.03, 0.005, 0.5, 0.2 };
	static const double want[] = { 0.03, 0.06, 0.06, 0.03, 0.5, 0.24 };
	double q[6];
	size_t i;

	(void)state;
	stats_bh(p, 6, q);
	for (i = 0; i < 6; i++)
		assert_near(q[i], want[i], 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_median_ci_reference),
		cmocka_unit_test(test_ratio_ci_reference),
		cmocka_unit_test(test_mann_whitney_reference),
		cmocka_unit_test(test_bh_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
