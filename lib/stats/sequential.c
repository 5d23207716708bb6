/*
 * Group-sequential testing (sequential.h): the O'Brien-Fleming-type spending function, the
 * exact boundaries it implies by recursive numerical integration, and a look's call.
 */
#include <errno.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "core/bench.h"
#include "stats/sequential.h"

/*
 * The continuation region of a look is integrated on 2 GRID_HALF Simpson intervals. At
 * 100 looks over t in (0, 1] an increment's sd (0.1) is still 5 grid steps wide, and the
 * boundaries of test_sequential.c's known answers come out within 0.001.
 */
#define GRID_HALF	200
#define GRID		(2 * GRID_HALF + 1)
/* Where a look spends nothing its continuation region is everything: this many sds of S. */
#define OPEN_REGION	10.0

struct seq_plan seq_plan_default(double mde)
{
	return (struct seq_plan){ .alpha = VERDICT_ALPHA, .power = VERDICT_POWER, .mde = mde };
}

double seq_spent(const struct seq_plan *p, double t)
{
	if (!(t > 0))
		return 0;
	if (t >= 1)
		return p->alpha;
	return 2 * gsl_cdf_ugaussian_Q(gsl_cdf_ugaussian_Qinv(p->alpha / 2) / sqrt(t));
}

double seq_alpha_at(const struct seq_plan *p, double t_prev, double t)
{
	return fmax(0, seq_spent(p, t) - seq_spent(p, t_prev));
}

static double simpson_w(int i)
{
	return i == 0 || i == GRID - 1 ? 1 : i % 2 ? 4 : 2;
}

/*
 * Probability of reaching look k inside every earlier boundary and crossing +-@b there:
 * @f is the sub-density of S (Brownian motion, variance t) at the previous look on its
 * grid over [-@bp, @bp], @sd the sd of the increment since.
 */
static double crossing(const double *f, double bp, double sd, double b)
{
	double h = bp / GRID_HALF, sum = 0;

	for (int i = 0; i < GRID; i++) {
		double u = -bp + i * h;

		sum += simpson_w(i) * f[i] * (gsl_cdf_ugaussian_Q((b - u) / sd) +
					      gsl_cdf_ugaussian_P((-b - u) / sd));
	}
	return sum * h / 3;
}

/* The sub-density at the next look over [-@b, @b], from @f over [-@bp, @bp]. */
static void advance(const double *f, double bp, double sd, double b, double *next)
{
	double h = bp / GRID_HALF, hn = b / GRID_HALF;

	for (int j = 0; j < GRID; j++) {
		double s = -b + j * hn, sum = 0;

		for (int i = 0; i < GRID; i++)
			sum += simpson_w(i) * f[i] * gsl_ran_ugaussian_pdf((s - (-bp + i * h)) / sd);
		next[j] = sum * h / 3 / sd;
	}
}

/* The boundary on S's scale where the crossing probability is @a (it falls as b grows). */
static double solve_bound(const double *f, double bp, double sd, double a)
{
	/* past 40 sds of the increment nothing crosses any more (Q(40) underflows) */
	double lo = 0, hi = bp + 40 * sd;

	for (int it = 0; it < 200 && hi - lo > 1e-10; it++) {
		double mid = (lo + hi) / 2;

		if (crossing(f, bp, sd, mid) > a)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static bool bad_looks(const double *t, const double *spent, unsigned n)
{
	if (!n || n > SEQ_MAX_LOOKS)
		return true;
	for (unsigned k = 0; k < n; k++)
		if (!(t[k] > 0) || !(spent[k] >= 0) || (k && (t[k] < t[k - 1] || spent[k] < spent[k - 1])))
			return true;
	return false;
}

int seq_bounds(const double *t, const double *spent, unsigned n, double *z)
{
	double f[GRID], next[GRID], bp, b;

	if (bad_looks(t, spent, n))
		return -EINVAL;
	/* the first look: S(t1) is normal, so its boundary is a quantile */
	z[0] = spent[0] > 0 ? gsl_cdf_ugaussian_Qinv(spent[0] / 2) : INFINITY;
	bp = isinf(z[0]) ? OPEN_REGION * sqrt(t[0]) : z[0] * sqrt(t[0]);
	for (int i = 0; i < GRID; i++)
		f[i] = gsl_ran_ugaussian_pdf((-bp + i * bp / GRID_HALF) / sqrt(t[0])) / sqrt(t[0]);
	for (unsigned k = 1; k < n; k++) {
		double a = spent[k] - spent[k - 1], delta = t[k] - t[k - 1];

		/* no new information, or nothing to spend: this look cannot reject */
		z[k] = INFINITY;
		if (!(delta > 0))
			continue;
		b = a > 0 ? solve_bound(f, bp, sqrt(delta), a) : OPEN_REGION * sqrt(t[k]);
		if (a > 0)
			z[k] = b / sqrt(t[k]);
		advance(f, bp, sqrt(delta), b, next);
		for (int i = 0; i < GRID; i++)
			f[i] = next[i];
		bp = b;
	}
	return 0;
}

double seq_nominal(const struct seq_plan *p, const double *t, unsigned n)
{
	double tt[SEQ_MAX_LOOKS], spent[SEQ_MAX_LOOKS], z[SEQ_MAX_LOOKS];

	if (!n || n > SEQ_MAX_LOOKS)
		return NAN;
	for (unsigned k = 0; k < n; k++) {
		tt[k] = fmin(t[k], 1);
		spent[k] = seq_spent(p, tt[k]);
	}
	if (seq_bounds(tt, spent, n, z))
		return NAN;
	return isinf(z[n - 1]) ? 0 : 2 * gsl_cdf_ugaussian_Q(z[n - 1]);
}

/* Two-sided t quantile; a huge df (the engine's "assumed" noise) is the normal's. */
static double t_quantile(double p, double df)
{
	return df > 1e4 ? gsl_cdf_ugaussian_Pinv(p) : gsl_cdf_tdist_Pinv(p, df);
}

int seq_interval(const struct vresult *r, double alpha, double *lo, double *hi)
{
	double mid, half;

	*lo = *hi = NAN;
	if (r->linear || !(r->lo > 0) || !isfinite(r->hi) || !(r->df > 0) || !(alpha > 0))
		return -EINVAL;
	mid = (log(r->lo) + log(r->hi)) / 2;
	half = (log(r->hi) - log(r->lo)) / 2 / t_quantile(1 - VERDICT_ALPHA / 2, r->df);
	half *= t_quantile(1 - fmin(alpha, 1) / 2, r->df);
	*lo = exp(mid - half);
	*hi = exp(mid + half);
	return 0;
}

bool seq_within(const struct vresult *r, double alpha, double mde)
{
	double lo, hi;

	return alpha > 0 && !seq_interval(r, alpha, &lo, &hi) && lo >= 1 / (1 + mde) &&
	       hi <= 1 + mde;
}

void seq_at_level(const struct vresult *r, double alpha, struct vresult *out)
{
	double q = isnan(r->q) ? r->p : r->q, lo, hi;

	*out = *r;
	if (!seq_interval(r, alpha, &lo, &hi)) {
		out->lo = lo;
		out->hi = hi;
	}
	if ((r->v == VERDICT_BETTER || r->v == VERDICT_WORSE) && !(q <= alpha))
		out->v = VERDICT_INCONCLUSIVE;
}

enum seq_call seq_decide(const struct seq_plan *p, double alpha_look, const struct vresult *r)
{
	double q = isnan(r->q) ? r->p : r->q;

	if (r->v == VERDICT_NA || r->v == VERDICT_INFO || r->linear || isnan(r->ratio))
		return SEQ_UNJUDGED;
	if ((r->v == VERDICT_BETTER || r->v == VERDICT_WORSE) && q <= alpha_look)
		return SEQ_DIFFERS;
	if (seq_within(r, alpha_look, p->mde))
		return SEQ_SAME;
	return SEQ_MORE;
}

double seq_mde_for(const struct seq_plan *p, double sd, size_t k)
{
	double df = 2.0 * ((double)k - 1);

	if (k < 2)
		return INFINITY;
	return expm1((t_quantile(1 - p->alpha / 2, df) + t_quantile(p->power, df)) *
		     sd * sqrt(2.0 / (double)k));
}

size_t seq_runs_for(const struct seq_plan *p, double sd, size_t cap)
{
	for (size_t k = SEQ_MIN_RUNS; k <= cap; k++)
		if (seq_mde_for(p, sd, k) <= p->mde)
			return k;
	return cap + 1;
}
