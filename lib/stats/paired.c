/*
 * Paired designs: where each block measured the base and the new value side by side, the
 * test is on the differences within blocks, so whatever moves between blocks (the host
 * drifting over a sweep, one boot luckier than the next) cancels. docs/DESIGN.md
 * ("Statistics") says when mmbench pairs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "stats/paired.h"
#include "stats/stats.h"

/* The fewest blocks that differ for which a two-sided sign-flip p can be 0.05 (2^(1-6)). */
#define PAIRED_MIN_SIGNFLIP	6

static bool all_positive(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0))
			return false;
	return true;
}

static double median_of(const double *x, size_t n)
{
	return n ? stats_median(x, n) : NAN;
}

static bool separated(const double *a, const double *b, size_t n)
{
	double alo = INFINITY, ahi = -INFINITY, blo = INFINITY, bhi = -INFINITY;

	for (size_t i = 0; i < n; i++) {
		alo = fmin(alo, a[i]);
		ahi = fmax(ahi, a[i]);
		blo = fmin(blo, b[i]);
		bhi = fmax(bhi, b[i]);
	}
	return blo > ahi || bhi < alo;
}

static double tq(double p, double df)
{
	return gsl_cdf_tdist_Pinv(p, df);
}

/* The change seen with VERDICT_POWER at two-sided VERDICT_ALPHA, for a log standard error @se. */
static double paired_mde(double se, double df)
{
	return exp((tq(1 - VERDICT_ALPHA / 2, df) + tq(VERDICT_POWER, df)) * se) - 1;
}

/* Blocks that would bring the mde down to VERDICT_MDE_MAX at a variance of differences @var_d. */
static size_t blocks_for(double var_d)
{
	for (size_t k = 2; k <= VERDICT_MAX_RUNS_HINT; k++)
		if (paired_mde(sqrt(var_d / (double)k), (double)(k - 1)) <= VERDICT_MDE_MAX)
			return k;
	return VERDICT_MAX_RUNS_HINT + 1;
}

/*
 * The exact sign-flip p of @n differences that are all the same (no spread for a t to
 * use): of the 2^n patterns of signs, only all + and all - reach |sum| n|d|.
 */
static double signflip_equal_p(size_t n)
{
	return fmin(1, ldexp(1, 1 - (int)fmin((double)n, 1000)));
}

/*
 * Whether @n differences of mean @d and sum of squares @ss are all the same: to within
 * rounding (log(40/20) and log(20/10) differ in the last bit), where a t would be huge.
 */
static bool no_spread_in(double d, double ss, size_t n)
{
	return n < 2 || sqrt(ss / (double)(n - 1)) <= 1e-12 * fabs(d);
}

/* Mean and sum of squares of the differences cur - base (logs of them when @logs). */
static double diffs(const double *base, const double *cur, size_t n, bool logs, double *ss)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m += (logs ? log(cur[i] / base[i]) : cur[i] - base[i]) / (double)n;
	*ss = 0;
	for (size_t i = 0; i < n; i++) {
		double e = (logs ? log(cur[i] / base[i]) : cur[i] - base[i]) - m;

		*ss += e * e;
	}
	return m;
}

/*
 * Zeros or negatives: no ratio of logs. A paired t test on the differences themselves
 * where they vary (as verdict_measure() takes Welch's where something varies); where they
 * are all the same, the exact sign-flip test, which needs 6 blocks to reach 0.05.
 */
static void measure_linear(const double *base, const double *cur, size_t n, struct vresult *r)
{
	double ss, d = diffs(base, cur, n, false, &ss), se;

	r->linear = true;
	/* as verdict_measure() says it: from 0, to 0, or a ratio where both are positive */
	r->ratio = r->base == 0 ? (r->cur > 0 ? INFINITY : NAN) : r->cur == 0 ? 0 :
		   r->base > 0 && r->cur > 0 ? r->cur / r->base : NAN;
	r->separated = separated(base, cur, n);
	if (d == 0 && ss == 0) {
		r->ratio = r->lo = r->hi = 1;
		r->p = 1;
		r->mde = 0;
		snprintf(r->why, sizeof(r->why), "every block is the same on both sides");
		return;
	}
	se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : 0;
	if (n < 2) {
		r->noise = "unmeasured";
		snprintf(r->why, sizeof(r->why), "1 block: the noise between blocks is not measured");
		return;
	}
	if (no_spread_in(d, ss, n)) {
		r->p = signflip_equal_p(n);
		snprintf(r->why, sizeof(r->why), "zeros or negatives, every block %+g: exact "
			 "sign-flip test over %zu blocks, p %.3g%s", d, n, r->p,
			 n < PAIRED_MIN_SIGNFLIP ? " (too few to reach 5%)" : "");
		return;
	}
	r->df = (double)(n - 1);
	r->sd = se;
	r->p = 2 * gsl_cdf_tdist_Q(fabs(d) / se, r->df);
	snprintf(r->why, sizeof(r->why), "zeros or negatives: paired t test on the differences "
		 "over %zu blocks (df %zu), p %.3g", n, n - 1, r->p);
}

static double geomean(const double *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += log(x[i]) / n;
	return exp(s);
}

/* One block: nothing measures the noise between blocks, as with one replicate a side. */
static void untested(const double *base, const double *cur, struct vresult *r)
{
	r->ratio = cur[0] / base[0];
	r->noise = "unmeasured";
	snprintf(r->why, sizeof(r->why), "1 block: the noise between blocks is not measured");
}

/* No spread in the log ratios: no t to take; the exact sign-flip p of them stands. */
static void no_spread(size_t n, double d, struct vresult *r)
{
	r->lo = r->hi = r->ratio;
	r->mde = d == 0 ? 0 : NAN;
	r->p = d == 0 ? 1 : signflip_equal_p(n);
	if (d != 0)
		snprintf(r->why, sizeof(r->why), "every block the same ratio: exact sign-flip "
			 "test over %zu blocks, p %.3g%s", n, r->p,
			 n < PAIRED_MIN_SIGNFLIP ? " (too few to reach 5%)" : "");
}

/* The mean of the blocks' floors (NaN ones as 0). */
static double floor_mean(const double *floor, size_t n)
{
	double s = 0;

	for (size_t i = 0; floor && i < n; i++)
		s += isnan(floor[i]) ? 0 : floor[i] / (double)n;
	return s;
}

/* Every value positive: the paired t test on log ratios. */
static void measure_t(const double *base, const double *cur, size_t n, const double *floor,
		      struct vresult *r)
{
	double ss, d = diffs(base, cur, n, true, &ss), var_d, se, q;

	r->base = geomean(base, n);
	r->cur = geomean(cur, n);
	r->separated = separated(base, cur, n);
	if (n < 2) {
		untested(base, cur, r);
		return;
	}
	r->ratio = exp(d);
	var_d = fmax(ss / (double)(n - 1), floor_mean(floor, n));
	r->df = (double)(n - 1);
	r->sd = sqrt(var_d / 2);
	se = sqrt(var_d / (double)n);
	if (no_spread_in(d, var_d * (double)(n - 1), n)) {
		no_spread(n, d, r);
		return;
	}
	r->runs_needed = blocks_for(var_d);
	q = tq(1 - VERDICT_ALPHA / 2, r->df);
	r->lo = exp(d - q * se);
	r->hi = exp(d + q * se);
	r->p = 2 * gsl_cdf_tdist_Q(fabs(d) / se, r->df);
	r->mde = paired_mde(se, r->df);
}

void verdict_measure_paired(const double *base, const double *cur, size_t n,
			    const double *floor, struct vresult *r)
{
	memset(r, 0, sizeof(*r));
	r->v = VERDICT_NA;
	r->base = r->cur = NAN;
	r->ratio = r->lo = r->hi = r->p = r->q = r->mde = r->sd = r->df = NAN;
	r->noise = "blocks";
	r->nb = r->nc = r->runs_b = r->runs_c = r->reps_b = r->reps_c = n;
	if (!n) {
		snprintf(r->why, sizeof(r->why), "no block has both sides");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!isfinite(base[i]) || !isfinite(cur[i])) {
			/* nothing to test: n/a, as a side without samples */
			r->nb = r->nc = 0;
			snprintf(r->why, sizeof(r->why), "block %zu holds a value that is not finite",
				 i + 1);
			return;
		}
	if (all_positive(base, n) && all_positive(cur, n)) {
		measure_t(base, cur, n, floor, r);
		return;
	}
	r->base = median_of(base, n);
	r->cur = median_of(cur, n);
	measure_linear(base, cur, n, r);
}
