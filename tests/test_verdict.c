/* Unit tests of the verdict engine (lib/stats/verdict.c, verdict_pool.c): known answers, and honesty on synthetic runs with run-to-run noise. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "core/bench.h"
#include "stats/verdict.h"
#include "stats/verdict_pool.h"
#include "verdict_sides.h"

/* From and to zero: the exact permutation test over runs, in the report's BH like any test. */
static void test_from_zero_is_worse(void **state)
{
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };

	(void)state;
	side_runs(&b, (double[]){ 0, 0, 0, 0 }, 4);
	side_runs(&c, (double[]){ 1000, 1000, 1000, 1000 }, 4);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_true(r.linear);
	assert_true(isinf(r.ratio));
	/* nothing varies: the exact test; 4 against 4 apart: 2 of the 70 arrangements */
	assert_near(r.p, 2.0 / 70, 1e-12);
	side_runs(&c, (double[]){ 1000, 998, 1001, 1002 }, 4);
	/* and back: to zero is better for a lower-is-better metric */
	assert_int_equal(judge(&c, &b, BETTER_LOWER, NULL, &r), VERDICT_BETTER);
	assert_int_equal(r.ratio, 0);
	/* 3 runs a side that vary: Welch's t test (df 2: the one side that varies) */
	side_runs(&b, (double[]){ 0, 0, 0 }, 3);
	side_runs(&c, (double[]){ 1000, 998, 1001 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_near(r.df, 2, 1e-9);
	assert_non_null(strstr(r.why, "Welch"));
	/* a small count from zero within its own spread: no claim */
	side_runs(&c, (double[]){ 0, 2, 1 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	/* nothing varies on either side: only the exact test, and 3 a side cannot reach 5% */
	side_runs(&c, (double[]){ 1000, 1000, 1000 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	assert_near(r.p, 0.1, 1e-12);
	assert_non_null(strstr(r.why, "too few to reach 5%"));
	/* the repetitions of one run are no replicates: one run of 5 zeros against one of 5 */
	side_of(&b, (double[]){ 0, 0, 0, 0, 0 }, 5);
	side_of(&c, (double[]){ 1000, 998, 1001, 1002, 999 }, 5);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	/* zero stays zero: the same, and it could not be more so */
	side_runs(&b, (double[]){ 0, 0, 0 }, 3);
	side_runs(&c, (double[]){ 0, 0, 0 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_SAME);
	assert_near(r.mde, 0, 0);
}

/* The exact permutation p against counts made by hand. */
static void test_permutation_p(void **state)
{
	(void)state;
	assert_near(verdict_perm_p((double[]){ 1, 2, 3 }, 3, (double[]){ 4, 5, 6 }, 3), 0.1, 1e-12);
	/* 3 against 4 apart: the one most extreme arrangement of 35 */
	assert_near(verdict_perm_p((double[]){ 1, 2, 3 }, 3, (double[]){ 7, 8, 9, 10 }, 4),
		    1.0 / 35, 1e-12);
	/* no difference at all: every arrangement is as extreme */
	assert_near(verdict_perm_p((double[]){ 5, 5 }, 2, (double[]){ 5, 5 }, 2), 1, 1e-12);
	assert_near(verdict_perm_min_p(3, 3), 0.1, 1e-12);
	assert_near(verdict_perm_min_p(4, 4), 2.0 / 70, 1e-12);
}

/*
 * No rule decides around the test: a 2.4x change of one run against one, its samples
 * separated, is a run gone astray as far as the data can tell (the false `worse` of
 * issue 22); 3 runs against 3 whose noise is measured wide stay inconclusive too.
 */
static void test_no_verdict_without_replicates(void **state)
{
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };

	(void)state;
	side_of(&b, (double[]){ 100, 104, 97, 101, 99 }, 5);
	side_of(&c, (double[]){ 241, 236, 248, 240, 245 }, 5);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	assert_true(isnan(r.p));
	assert_string_equal(r.noise, "unmeasured");
	assert_non_null(strstr(r.why, "not measured today"));
	/* the history of these kernels says how many replicates would do */
	assert_int_equal(judge(&b, &c, BETTER_LOWER, &(struct vnoise){ .var = 0.0004, .df = 8 },
			       &r), VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(r.why, "sd 2.0%"));
	assert_true(r.runs_needed >= 2 && r.runs_needed <= 4);
	/* 3 against 3, one run of each side 2.4x away: the noise is measured, and wide */
	side_runs(&b, (double[]){ 100, 102, 240 }, 3);
	side_runs(&c, (double[]){ 101, 99, 98 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	assert_true(r.mde > 0.5);
}

/* 3 against 3 with a 1% change: never a direction, and an mde above 1% when "same". */
static void test_one_percent_three_a_side(void **state)
{
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };
	enum verdict v;

	(void)state;
	/* three runs a side that agree to 0.3% can say "same", with its mde stated */
	side_init(&b, 3, 3);
	side_init(&c, 3, 3);
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < 3; i++) {
			b.buf[k][i] = 1000 * (1 + 0.003 * ((double)k - 1)) + i;
			c.buf[k][i] = 1010 * (1 + 0.003 * ((double)k - 1)) + i;
		}
	v = judge(&b, &c, BETTER_HIGHER, NULL, &r);
	/* 1% is inside the 2% floor: never a direction, and "same" only within it */
	assert_true(v != VERDICT_BETTER && v != VERDICT_WORSE);
	assert_true(v == VERDICT_INCONCLUSIVE || (v == VERDICT_SAME && r.hi <= 1 + VERDICT_FLOOR));
	assert_string_equal(r.noise, "replicates");
	assert_near(r.df, 4, 0);
	assert_int_equal(r.reps_b, 3);
}

/*
 * History joins today's noise only where an F test finds them alike, by the formula worked
 * by hand; where it is wider it widens; where today is noisier it is left out.
 */
static void test_history_rules(void **state)
{
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };
	/* today's log run medians: 0, +0.02, -0.02 each side: ss 0.0008 a side, var 0.0004, df 4 */
	double v[3] = { 1000, 1000 * exp(0.02), 1000 * exp(-0.02) };
	double var, se;

	(void)state;
	side_runs(&b, v, 3);
	side_runs(&c, v, 3);
	/* history 0.0003 with 10 df: alike (F 1.33 on 4, 10), pooled */
	judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 0.0003, .df = 10 }, &r);
	assert_string_equal(r.noise, "replicates+history");
	var = (0.0004 * 4 + 0.0003 * 10) / 14;
	se = sqrt(var * 2.0 / 3);
	assert_near(r.sd, sqrt(var), 1e-12);
	assert_near(r.df, 14, 0);
	/* t(.975, 14) 2.144787, t(.8, 14) 0.868245 */
	assert_near(r.mde, exp((2.1447866879 + 0.8682452) * se) - 1, 1e-5);
	assert_true(r.est.f_p > 0.05);
	/* a quiet week (0.3% sd) cannot make a noisier day (2%) bolder */
	judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 0.00001, .df = 40 }, &r);
	assert_non_null(strstr(r.noise, "quieter than today"));
	assert_near(r.sd, 0.02, 1e-12);
	assert_near(r.df, 4, 0);
	/* a wider history widens */
	judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 0.01, .df = 40 }, &r);
	assert_string_equal(r.noise, "replicates+history");
	assert_near(r.sd, sqrt((0.0004 * 4 + 0.01 * 40) / 44), 1e-12);
	/* one side noisier than history (F 16 on 2, 10: p 0.0008) leaves it out */
	side_runs(&c, (double[]){ 1000, 1000 * exp(0.08), 1000 * exp(-0.08) }, 3);
	judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 0.0004, .df = 10 }, &r);
	assert_non_null(strstr(r.noise, "history quieter than today: not used"));
	assert_near(r.df, 4, 0);
}


/*
 * A report of @m metrics measured as runs on a host with @between (log sd) between runs
 * and 2% inside, the first @shifted made @shift worse; one run a side in @slow of them 2x
 * slow (a run gone astray). The report's metrics lend each other noise, one BH over all.
 * Counts of verdicts, and the median mde into @mde (when not NULL).
 */
static void report_slow(gsl_rng *g, size_t m, size_t runs, double between, size_t shifted,
			double shift, size_t slow, size_t *flagged_wrong, size_t *worse_powered,
			size_t *powered, double *mde)
{
	struct side *b = calloc(m, sizeof(*b)), *c = calloc(m, sizeof(*c));
	struct vresult *r = calloc(m, sizeof(*r)), **rs = calloc(m, sizeof(*rs));
	double *mdes = calloc(m, sizeof(*mdes));

	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(r);
	assert_non_null(rs);
	assert_non_null(mdes);
	for (size_t i = 0; i < m; i++) {
		draw_side(g, &b[i], runs, 5, 1000, between, 0.02);
		draw_side(g, &c[i], runs, 5, 1000 * (i < shifted ? 1 + shift : 1), between, 0.02);
		for (size_t k = 0; i >= shifted && i < shifted + slow && k < 5; k++)
			b[i].buf[0][k] *= 2;
		verdict_measure(&b[i].v, &c[i].v, NULL, &r[i]);
		rs[i] = &r[i];
	}
	verdict_moderate(rs, m);
	verdict_correct(rs, m);
	for (size_t i = 0; i < m; i++) {
		verdict_decide(&r[i], BETTER_LOWER);
		mdes[i] = isnan(r[i].mde) ? INFINITY : r[i].mde;
		if (i < shifted) {
			*flagged_wrong += r[i].v == VERDICT_BETTER;
			if (r[i].mde <= 0.05) {
				(*powered)++;
				*worse_powered += r[i].v == VERDICT_WORSE;
			}
		} else {
			*flagged_wrong += r[i].v == VERDICT_BETTER || r[i].v == VERDICT_WORSE;
		}
	}
	if (mde)
		*mde = stats_median(mdes, m);
	free(b);
	free(c);
	free(r);
	free(rs);
	free(mdes);
}

static void report(gsl_rng *g, size_t m, size_t runs, double between, size_t shifted, double shift,
		   size_t *flagged_wrong, size_t *worse_powered, size_t *powered)
{
	report_slow(g, m, runs, between, shifted, shift, 0, flagged_wrong, worse_powered, powered,
		    NULL);
}

/* A/A on a noisy host (8% between runs): one run a side or three, at most 1% of 300 metrics flagged. */
static void test_aa_runs_noise(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t wrong = 0, w = 0, p = 0;

	(void)state;
	gsl_rng_set(g, 4242);
	report(g, 300, 1, 0.08, 0, 0, &wrong, &w, &p);
	assert_int_equal(wrong, 0);
	report(g, 300, 3, 0.08, 0, 0, &wrong, &w, &p);
	assert_true(wrong <= 3);
	/* a quiet host (2%) where one run in six went 2x slow in a tenth of the metrics */
	wrong = 0;
	report_slow(g, 300, 3, 0.02, 0, 0, 30, &wrong, &w, &p, NULL);
	print_message("A/A, 3 a side, one run 2x slow in 30 of 300 metrics: %zu flagged\n", wrong);
	assert_true(wrong <= 3);
	gsl_rng_free(g);
}

/*
 * 5 runs a side on a quieter host (2% between runs), every metric 10% worse: flagged
 * worse in at least 90% of the metrics whose stated mde is at most 5%, better nowhere.
 */
static void test_shift_detected_where_powered(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t wrong = 0, worse = 0, powered = 0;

	(void)state;
	gsl_rng_set(g, 777);
	report(g, 200, 5, 0.02, 200, 0.10, &wrong, &worse, &powered);
	print_message("10%% worse, 5 runs a side: %zu of %zu metrics with mde <= 5%% flagged worse\n", worse, powered);
	assert_int_equal(wrong, 0);
	assert_true(powered > 0);
	assert_true(worse >= powered * 9 / 10);
	gsl_rng_free(g);
}

/*
 * The power the data allow: 3 against 3 with 3% between runs, 300 metrics. Lent noise
 * (df 4 + the prior's) gives a median mde under 10%; each metric alone (df 4) does not.
 */
static void test_power_of_lent_noise(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t wrong = 0, w = 0, p = 0;
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };
	double mde, alone[300];

	(void)state;
	gsl_rng_set(g, 99);
	report_slow(g, 300, 3, 0.03, 0, 0, 0, &wrong, &w, &p, &mde);
	print_message("3 against 3, 3%% between runs: median mde %.1f%% with lent noise\n", mde * 100);
	assert_true(mde <= 0.10);
	assert_true(wrong <= 3);
	for (size_t i = 0; i < 300; i++) {
		draw_side(g, &b, 3, 5, 1000, 0.03, 0.02);
		draw_side(g, &c, 3, 5, 1000, 0.03, 0.02);
		judge(&b, &c, BETTER_LOWER, NULL, &r);
		alone[i] = r.mde;
	}
	print_message("each metric alone: median mde %.1f%%\n", stats_median(alone, 300) * 100);
	assert_true(stats_median(alone, 300) > mde);
	gsl_rng_free(g);
}

/* Smyth's prior recovered from variances drawn from it (d0 8, s0^2 0.01; each with 4 df). */
static void test_prior_estimate(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	static struct vresult r[2000];
	struct vresult *rs[2000];

	(void)state;
	gsl_rng_set(g, 5);
	for (size_t i = 0; i < 2000; i++) {
		double sigma2 = 8 * 0.01 / gsl_ran_chisq(g, 8);

		memset(&r[i], 0, sizeof(r[i]));
		r[i].reps_b = r[i].reps_c = 3;
		r[i].nb = r[i].nc = 3;
		r[i].est.df = 4;
		r[i].est.var = sigma2 * gsl_ran_chisq(g, 4) / 4;
		r[i].est.hdf = 0;
		rs[i] = &r[i];
	}
	verdict_moderate(rs, 2000);
	print_message("prior: df %.2f, var %.5f\n", r[0].est.pdf, r[0].est.pvar);
	assert_true(r[0].est.pdf > 6 && r[0].est.pdf < 10.5);
	assert_true(r[0].est.pvar > 0.009 && r[0].est.pvar < 0.011);
	/* fewer than VERDICT_PRIOR_MIN_ROWS lend nothing */
	r[0].est.pdf = 0;
	verdict_moderate(rs, VERDICT_PRIOR_MIN_ROWS - 1);
	assert_near(r[0].est.pdf, 0, 0);
	gsl_rng_free(g);
}

/*
 * Two kernels, each booted once with three runs: the boot is the replicate. One boot's
 * luck (10% here) read as three runs of a kernel is a verdict; read as one boot, none.
 */
static void test_boot_is_the_replicate(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	static const unsigned one_boot[3] = { 0, 0, 0 };
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };
	size_t by_run = 0, by_boot = 0;

	(void)state;
	gsl_rng_set(g, 31);
	for (int i = 0; i < 50; i++) {
		draw_side(g, &b, 3, 5, 1000 * exp(gsl_ran_gaussian(g, 0.10)), 0.01, 0.02);
		draw_side(g, &c, 3, 5, 1000 * exp(gsl_ran_gaussian(g, 0.10)), 0.01, 0.02);
		judge(&b, &c, BETTER_LOWER, NULL, &r);
		by_run += r.v == VERDICT_BETTER || r.v == VERDICT_WORSE;
		b.v.group = one_boot;
		c.v.group = one_boot;
		judge(&b, &c, BETTER_LOWER, NULL, &r);
		by_boot += r.v == VERDICT_BETTER || r.v == VERDICT_WORSE;
		assert_int_equal(r.reps_b, 1);
	}
	print_message("A/A of two boots of 3 runs: %zu of 50 flagged by run, %zu by boot\n", by_run,
		      by_boot);
	assert_true(by_run > 10);
	assert_int_equal(by_boot, 0);
	/* two boots of 3 runs a side: 2 replicates, each the mean of its runs */
	{
		static const unsigned two_boots[6] = { 0, 0, 0, 1, 1, 1 };
		struct side s = { 0 };

		side_init(&s, 6, 1);
		for (int k = 0; k < 6; k++)
			s.buf[k][0] = k < 3 ? 100 : 200;
		s.v.group = two_boots;
		assert_int_equal(vside_replicates(&s.v), 2);
		assert_near(vside_centre(&s.v), sqrt(100.0 * 200), 1e-9);
	}
	gsl_rng_free(g);
}

/* BH counts a family once: five copies of one measurement do not vote five times. */
static void test_family_counts_once(void **state)
{
	struct vresult r[10], *rs[10];

	(void)state;
	for (int i = 0; i < 10; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].p = i < 5 ? 0.01 : 0.5;
		rs[i] = &r[i];
	}
	/* as ten tests: the five at rank 5 of 10: q 0.02 */
	verdict_correct(rs, 10);
	assert_near(r[0].q, 0.02, 1e-12);
	/* as one family and five others: rank 1 of 6: q 0.06 */
	for (int i = 0; i < 5; i++)
		r[i].family = 7;
	verdict_correct(rs, 10);
	assert_near(r[0].q, 0.06, 1e-12);
	assert_near(r[4].q, 0.06, 1e-12);
	assert_near(r[9].q, 0.5, 1e-12);
	/* a member less clear than its family is stepped at the family's rank */
	r[1].p = 0.02;
	verdict_correct(rs, 10);
	assert_near(r[0].q, 0.06, 1e-12);
	assert_near(r[1].q, 0.12, 1e-12);
}

static void test_info_and_na(void **state)
{
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };

	(void)state;
	side_of(&b, (double[]){ 1, 2, 3 }, 3);
	side_of(&c, (double[]){ 10, 20, 30 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_NONE, NULL, &r), VERDICT_INFO);
	side_init(&c, 0, 0);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_NA);
	assert_non_null(strstr(r.why, "no samples on the new side"));
	assert_string_equal(verdict_name(VERDICT_INCONCLUSIVE), "inconclusive");
}


/* A side's interval: a t interval of its run medians, by hand for 3 runs. */
static void test_side_interval(void **state)
{
	static const double m[3] = { 100, 110, 121 };
	struct side s = { 0 };
	double lo, hi, mean = log(110), sd = log(1.1), tq = 4.302652729911275;

	(void)state;
	side_init(&s, 3, 1);
	for (int r = 0; r < 3; r++)
		s.buf[r][0] = m[r];
	assert_int_equal(vside_interval(&s.v, &lo, &hi), 0);
	assert_near(lo, exp(mean - tq * sd / sqrt(3)), 1e-6);
	assert_near(hi, exp(mean + tq * sd / sqrt(3)), 1e-6);
	side_init(&s, 0, 0);
	assert_int_equal(vside_interval(&s.v, &lo, &hi), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_zero_is_worse),
		cmocka_unit_test(test_permutation_p),
		cmocka_unit_test(test_no_verdict_without_replicates),
		cmocka_unit_test(test_one_percent_three_a_side),
		cmocka_unit_test(test_history_rules),
		cmocka_unit_test(test_aa_runs_noise),
		cmocka_unit_test(test_shift_detected_where_powered),
		cmocka_unit_test(test_power_of_lent_noise),
		cmocka_unit_test(test_prior_estimate),
		cmocka_unit_test(test_boot_is_the_replicate),
		cmocka_unit_test(test_family_counts_once),
		cmocka_unit_test(test_info_and_na),
		cmocka_unit_test(test_side_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
