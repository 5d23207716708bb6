/* Unit tests of the bisect rule of the verdict engine (verdict_belongs, verdict_alike): when a step goes with a reference. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "core/bench.h"
#include "stats/verdict.h"
#include "verdict_sides.h"

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
	size_t right[2] = { 0, 0 }, middle = 0;
	struct vresult rg = { 0 }, rb = { 0 };

	(void)state;
	gsl_rng_set(g, 14);
	for (int i = 0; i < 100; i++) {
		bisect_sides(g, &good, &bad, &step, 0.15);
		enum vbelong w = belongs(&good, &bad, &step, &rg, &rb);

		assert_int_not_equal(w, VBELONG_BAD);
		right[0] += w == VBELONG_GOOD;
		/* with the good: different from the bad, and within half the gap of the good */
		assert_true(w != VBELONG_GOOD || (rb.v == VERDICT_BETTER && rg.lo > 1 / 80.0 &&
						  rg.hi < 80));
		bisect_sides(g, &good, &bad, &step, 1000);
		w = belongs(&good, &bad, &step, &rg, &rb);
		assert_int_not_equal(w, VBELONG_GOOD);
		right[1] += w == VBELONG_BAD;
		/* 12 (the geometric middle) is 80x from each: its interval straddles the middle */
		bisect_sides(g, &good, &bad, &step, 12);
		middle += belongs(&good, &bad, &step, &rg, &rb) == VBELONG_NEITHER;
		assert_int_equal(rg.v, VERDICT_WORSE);
		assert_int_equal(rb.v, VERDICT_BETTER);
	}
	print_message("like good: %zu of 100 good; like bad: %zu of 100 bad; the middle: %zu of "
		      "100 neither\n", right[0], right[1], middle);
	assert_true(right[0] >= 90 && right[1] >= 90);
	assert_true(middle >= 90);
	gsl_rng_free(g);
}

/* What verdict_alike() refuses: a difference, and no measurement (one replicate a side). */
static void test_alike_needs_a_measurement(void **state)
{
	static const double one[] = { 100 }, three[] = { 100, 101, 99 }, half[] = { 150, 151, 149 };
	static const double far[] = { 300, 301, 299 };
	struct side b = { 0 }, c = { 0 };
	struct vresult r = { 0 };

	(void)state;
	side_runs(&b, one, 1);
	side_runs(&c, one, 1);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_INCONCLUSIVE);
	/* the same value, but nothing was measured: that is no evidence of alike */
	assert_false(verdict_alike(&r));
	/* three runs a side, alike within their 1%: measured, the same */
	side_runs(&b, three, 3);
	side_runs(&c, three, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_SAME);
	assert_true(verdict_alike(&r));
	/* one run against three: the three measure the noise; the interval holds 1 */
	side_runs(&c, (double[]){ 100 }, 1);
	judge(&b, &c, BETTER_LOWER, NULL, &r);
	assert_false(isnan(r.p));
	assert_true(verdict_alike(&r));
	side_runs(&c, half, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_false(verdict_alike(&r));
	side_runs(&c, far, 3);
	assert_int_equal(judge(&b, &c, BETTER_LOWER, NULL, &r), VERDICT_WORSE);
	assert_false(verdict_alike(&r));
}

/*
 * Issue 22's bisect: one run a reference (good 0.13, bad 1000), a step like the good over
 * 3 boots whose noise is wide (log sd 0.5): its interval to the good ([0.72, 1.39] there)
 * lies within half the good-bad gap, so it is good, not "cannot tell".
 */
static void test_bisect_one_run_references(void **state)
{
	struct side good = { 0 }, bad = { 0 }, step = { 0 };
	struct vresult rg = { 0 }, rb = { 0 };

	(void)state;
	side_runs(&good, (double[]){ 0.13 }, 1);
	side_runs(&bad, (double[]){ 1000 }, 1);
	side_runs(&step, (double[]){ 0.13 * exp(0.5), 0.13, 0.13 * exp(-0.5) }, 3);
	assert_int_equal(belongs(&good, &bad, &step, &rg, &rb), VBELONG_GOOD);
	assert_int_equal(rb.v, VERDICT_BETTER);
	side_runs(&step, (double[]){ 1000 * exp(0.5), 1000, 1000 * exp(-0.5) }, 3);
	assert_int_equal(belongs(&good, &bad, &step, &rg, &rb), VBELONG_BAD);
	/* one boot of the step: nothing is measured yet, it cannot tell */
	side_runs(&step, (double[]){ 0.13 }, 1);
	assert_int_equal(belongs(&good, &bad, &step, &rg, &rb), VBELONG_NEITHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bisect_belongs),
		cmocka_unit_test(test_alike_needs_a_measurement),
		cmocka_unit_test(test_bisect_one_run_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
