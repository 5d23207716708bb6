/* Unit tests of the verdict engine (lib/out/verdict.c): known answers, and honesty on synthetic runs with run-to-run noise. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "core/bench.h"
#include "out/verdict.h"

#define MAX_RUNS	8
#define MAX_REPS	8

#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.17g, want %.17g", #a, a_, b_);			\
} while (0)

/* A side of @runs runs of @reps samples each, stored in @buf. */
struct side {
	double buf[MAX_RUNS][MAX_REPS];
	const double *x[MAX_RUNS];
	size_t n[MAX_RUNS];
	struct vside v;
};

static void side_init(struct side *s, size_t runs, size_t reps)
{
	for (size_t r = 0; r < runs; r++) {
		s->x[r] = s->buf[r];
		s->n[r] = reps;
	}
	s->v = (struct vside){ .x = s->x, .n = s->n, .nr_runs = runs };
}

static void side_of(struct side *s, const double *vals, size_t n)
{
	side_init(s, 1, n);
	for (size_t i = 0; i < n; i++)
		s->buf[0][i] = vals[i];
}

/* One metric judged alone (BH over one test is the test itself). */
static enum verdict judge(const struct side *b, const struct side *c, int better,
			  const struct vnoise *noise, struct vresult *r)
{
	struct vresult *rs[1] = { r };

	verdict_measure(&b->v, &c->v, noise, r);
	verdict_correct(rs, 1);
	verdict_decide(r, better);
	return r->v;
}

static void test_from_zero_is_worse(void **state)
{
	struct side b, c;
	struct vresult r;

	(void)state;
	side_of(&b, (double[]){ 0, 0, 0, 0, 0 }, 5);
	side_of(&c, (double[]){ 1000, 998, 1001, 1002, 999 }, 5);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_true(r.linear);
	assert_true(isinf(r.ratio));
	/* and back: to zero is better for a lower-is-better metric */
	assert_int_equal(judge(&c, &b, BETTER_LOWER, NULL, &r), VERDICT_BETTER);
	assert_int_equal(r.ratio, 0);
	/* 3 a side is enough for the direction */
	side_of(&b, (double[]){ 0, 0, 0 }, 3);
	side_of(&c, (double[]){ 1000, 998, 1001 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	/* overlapping samples around zero: no claim */
	side_of(&b, (double[]){ 0, 0, 2 }, 3);
	side_of(&c, (double[]){ 0, 1, 3 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	/* zero stays zero: the same, and it could not be more so */
	side_of(&b, (double[]){ 0, 0, 0 }, 3);
	side_of(&c, (double[]){ 0, 0, 0 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_SAME);
	assert_near(r.mde, 0, 0);
}

static void test_twice_separated_three_a_side(void **state)
{
	struct side b, c;
	struct vresult r;

	(void)state;
	side_of(&b, (double[]){ 100, 104, 97 }, 3);
	side_of(&c, (double[]){ 201, 196, 208 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_HIGHER, NULL, &r), VERDICT_BETTER);
	assert_near(r.ratio, exp(log(201.0 / 100)), 1e-9);
	assert_true(r.separated);
	/* even when the host's history says runs here swing by 40% */
	assert_int_equal(judge(&b, &c, BETTER_LOWER, &(struct vnoise){ .var = 0.16, .df = 4 }, &r),
			 VERDICT_WORSE);
}

/* 3 against 3 with a 1% change: never a direction, and an mde above 1% when "same". */
static void test_one_percent_three_a_side(void **state)
{
	struct side b, c;
	struct vresult r;
	enum verdict v;

	(void)state;
	side_of(&b, (double[]){ 1000, 1003, 997 }, 3);
	side_of(&c, (double[]){ 1010, 1013, 1007 }, 3);
	v = judge(&b, &c, BETTER_HIGHER, NULL, &r);
	assert_true(v == VERDICT_INCONCLUSIVE || (v == VERDICT_SAME && r.mde > 0.01));
	/* one run a side, no history: the run-to-run noise is assumed, so the mde is wide */
	assert_int_equal(v, VERDICT_INCONCLUSIVE);
	assert_string_equal(r.noise, "assumed");
	assert_true(r.mde > VERDICT_MDE_MAX);
	assert_non_null(strstr(r.why, "runs a side would see 10%"));
	/* three runs a side that agree to 0.3% can say "same", with its mde stated */
	side_init(&b, 3, 3);
	side_init(&c, 3, 3);
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < 3; i++) {
			b.buf[k][i] = 1000 * (1 + 0.003 * ((double)k - 1)) + i;
			c.buf[k][i] = 1010 * (1 + 0.003 * ((double)k - 1)) + i;
		}
	v = judge(&b, &c, BETTER_HIGHER, NULL, &r);
	assert_true(v != VERDICT_BETTER && v != VERDICT_WORSE);
	assert_string_equal(r.noise, "runs");
	assert_near(r.df, 4, 0);
}

/* The mde and interval from the host's history, against the formula worked by hand. */
static void test_history_mde(void **state)
{
	struct side b, c;
	struct vresult r;

	(void)state;
	side_of(&b, (double[]){ 100, 100, 100 }, 3);
	side_of(&c, (double[]){ 100, 100, 100 }, 3);
	/* var 0.05^2 with 10 df: se = 0.05 * sqrt(2); t(.975, 10) 2.228139, t(.8, 10) 0.879058 */
	assert_int_equal(judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 0.0025, .df = 10 },
			       &r), VERDICT_INCONCLUSIVE);
	assert_near(r.mde, exp((2.2281388519649 + 0.8790578285) * 0.05 * sqrt(2)) - 1, 1e-6);
	assert_near(r.hi, exp(2.2281388519649 * 0.05 * sqrt(2)), 1e-6);
	assert_string_equal(r.noise, "history");
	/* a quieter host: 1% between runs, 30 df: an mde under 5% and "same" */
	assert_int_equal(judge(&b, &c, BETTER_HIGHER, &(struct vnoise){ .var = 1e-4, .df = 30 },
			       &r), VERDICT_SAME);
	assert_true(r.mde < 0.05);
}

/* Each run's level moves by a run effect of @between (log sd); its samples by @within. */
static void draw_side(gsl_rng *g, struct side *s, size_t runs, size_t reps, double level,
		      double between, double within)
{
	side_init(s, runs, reps);
	for (size_t r = 0; r < runs; r++) {
		double run = level * exp(gsl_ran_gaussian(g, between));

		for (size_t i = 0; i < reps; i++)
			s->buf[r][i] = run * exp(gsl_ran_gaussian(g, within));
	}
}

/*
 * A report of @m metrics measured as runs on a host with @between (log sd) between runs
 * and 2% inside,
 * the first @shifted made @shift worse: counts of verdicts, BH over the report.
 */
static void report(gsl_rng *g, size_t m, size_t runs, double between, size_t shifted, double shift,
		   size_t *flagged_wrong, size_t *worse_powered, size_t *powered)
{
	struct side *b = calloc(m, sizeof(*b)), *c = calloc(m, sizeof(*c));
	struct vresult *r = calloc(m, sizeof(*r)), **rs = calloc(m, sizeof(*rs));

	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(r);
	assert_non_null(rs);
	for (size_t i = 0; i < m; i++) {
		draw_side(g, &b[i], runs, 5, 1000, between, 0.02);
		draw_side(g, &c[i], runs, 5, 1000 * (i < shifted ? 1 + shift : 1), between, 0.02);
		verdict_measure(&b[i].v, &c[i].v, NULL, &r[i]);
		rs[i] = &r[i];
	}
	verdict_correct(rs, m);
	for (size_t i = 0; i < m; i++) {
		verdict_decide(&r[i], BETTER_LOWER);
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
	free(b);
	free(c);
	free(r);
	free(rs);
}

/* A/A on a noisy host (8% between runs): one run a side or three, at most 1% of 300 metrics flagged. */
static void test_aa_runs_noise(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t wrong = 0, w = 0, p = 0;

	(void)state;
	gsl_rng_set(g, 4242);
	report(g, 300, 1, 0.08, 0, 0, &wrong, &w, &p);
	assert_true(wrong <= 3);
	wrong = 0;
	report(g, 300, 3, 0.08, 0, 0, &wrong, &w, &p);
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

static void test_info_and_na(void **state)
{
	struct side b, c;
	struct vresult r;

	(void)state;
	side_of(&b, (double[]){ 1, 2, 3 }, 3);
	side_of(&c, (double[]){ 10, 20, 30 }, 3);
	assert_int_equal(judge(&b, &c, BETTER_NONE, NULL, &r), VERDICT_INFO);
	side_init(&c, 0, 0);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_NA);
	assert_non_null(strstr(r.why, "no samples on the new side"));
	assert_string_equal(verdict_name(VERDICT_INCONCLUSIVE), "inconclusive");
}

/* Two references and a step, each 3 runs of 3 samples at @level with 10% between runs. */
static void bisect_sides(gsl_rng *g, struct side *good, struct side *bad, struct side *step,
			 double step_level)
{
	draw_side(g, good, 3, 3, 0.15, 0.10, 0.05);
	draw_side(g, bad, 3, 3, 1000, 0.10, 0.05);
	draw_side(g, step, 3, 3, step_level, 0.10, 0.05);
}

static enum vbelong belongs(const struct side *good, const struct side *bad,
			    const struct side *step, struct vresult *rg, struct vresult *rb)
{
	struct vresult *rs[2] = { rg, rb };

	verdict_measure(&good->v, &step->v, NULL, rg);
	verdict_measure(&bad->v, &step->v, NULL, rb);
	verdict_correct(rs, 2);
	verdict_decide(rg, BETTER_LOWER);
	verdict_decide(rb, BETTER_LOWER);
	return verdict_belongs(rg, rb);
}

/*
 * A bisect step like either reference belongs with it, never with the other: at alpha 0.05
 * a step like the good is now and then called different from it too, and then belongs with
 * neither (bisect-run boots more); one in between belongs with neither.
 */
static void test_bisect_belongs(void **state)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	static struct side good, bad, step;
	size_t right[2] = { 0, 0 };
	struct vresult rg = { 0 }, rb = { 0 };

	(void)state;
	gsl_rng_set(g, 14);
	for (int i = 0; i < 100; i++) {
		bisect_sides(g, &good, &bad, &step, 0.15);
		enum vbelong w = belongs(&good, &bad, &step, &rg, &rb);

		assert_int_not_equal(w, VBELONG_BAD);
		right[0] += w == VBELONG_GOOD;
		/* alike good by its interval, not by a verdict of same: the noise is 10% */
		assert_true(w != VBELONG_GOOD || (verdict_alike(&rg) && rg.v == VERDICT_INCONCLUSIVE));
		bisect_sides(g, &good, &bad, &step, 1000);
		w = belongs(&good, &bad, &step, &rg, &rb);
		assert_int_not_equal(w, VBELONG_GOOD);
		right[1] += w == VBELONG_BAD;
		/* 12 (the geometric middle) is 80x from each: it belongs with neither */
		bisect_sides(g, &good, &bad, &step, 12);
		assert_int_equal(belongs(&good, &bad, &step, &rg, &rb), VBELONG_NEITHER);
		assert_int_equal(rg.v, VERDICT_WORSE);
		assert_int_equal(rb.v, VERDICT_BETTER);
	}
	print_message("like good: %zu of 100 good; like bad: %zu of 100 bad\n", right[0], right[1]);
	assert_true(right[0] >= 90 && right[1] >= 90);
	gsl_rng_free(g);
}

/* What verdict_alike() refuses: a difference, and no measurement (assumed noise, 1 sample). */
static void test_alike_needs_a_measurement(void **state)
{
	static const double one[] = { 100 }, three[] = { 100, 101, 99 }, half[] = { 150, 151, 149 };
	static const double far[] = { 300, 301, 299 };
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };

	(void)state;
	side_of(&b, three, 3);
	side_of(&c, one, 1);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	/* the interval holds 1, but nothing was measured: that is no evidence of alike */
	assert_true(r.lo <= 1 && r.hi >= 1);
	assert_false(verdict_alike(&r));
	side_of(&c, three, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	assert_true(verdict_alike(&r));
	/* 1.5x within an mde of 81% (one run a side, 15% assumed): no difference it could see */
	side_of(&c, half, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	assert_true(r.mde > 0.5);
	assert_true(verdict_alike(&r));
	side_of(&c, far, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_false(verdict_alike(&r));
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
		cmocka_unit_test(test_twice_separated_three_a_side),
		cmocka_unit_test(test_one_percent_three_a_side),
		cmocka_unit_test(test_history_mde),
		cmocka_unit_test(test_aa_runs_noise),
		cmocka_unit_test(test_shift_detected_where_powered),
		cmocka_unit_test(test_info_and_na),
		cmocka_unit_test(test_bisect_belongs),
		cmocka_unit_test(test_alike_needs_a_measurement),
		cmocka_unit_test(test_side_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
