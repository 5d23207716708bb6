/* Statistics of samples and of two runs compared: summaries, bootstrap intervals, Mann-Whitney, BH, verdicts. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "bench.h"
#include "stats.h"

/* The exact U distribution is tabulated up to this many samples a side. */
#define MW_EXACT_MAX	50

double stats_median(const double *x, size_t n)
{
	double *s, m;

	if (!n)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, x, n * sizeof(*s));
	gsl_sort(s, 1, n);
	m = gsl_stats_median_from_sorted_data(s, 1, n);
	free(s);
	return m;
}

/* Median of a resample of @x (drawn with replacement into @buf). */
static double resample_median(gsl_rng *r, const double *x, size_t n, double *buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = x[gsl_rng_uniform_int(r, n)];
	gsl_sort(buf, 1, n);
	return gsl_stats_median_from_sorted_data(buf, 1, n);
}

/*
 * The 2.5% and 97.5% quantiles of @boot (sorted in place). Infinite values (a
 * ratio over a zero median) are clamped so the interpolation cannot make a NaN.
 */
static void boot_interval(double *boot, size_t nboot, double *lo, double *hi)
{
	size_t i;

	for (i = 0; i < nboot; i++) {
		if (boot[i] == INFINITY)
			boot[i] = DBL_MAX;
		else if (boot[i] == -INFINITY)
			boot[i] = -DBL_MAX;
	}
	gsl_sort(boot, 1, nboot);
	*lo = gsl_stats_quantile_from_sorted_data(boot, 1, nboot, 0.025);
	*hi = gsl_stats_quantile_from_sorted_data(boot, 1, nboot, 0.975);
}

static gsl_rng *seeded_rng(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (r)
		gsl_rng_set(r, STATS_SEED);
	return r;
}

int stats_median_ci(const double *x, size_t n, double *lo, double *hi)
{
	double *boot, *buf;
	gsl_rng *r;
	size_t b;

	if (!n)
		return -EINVAL;
	boot = malloc(STATS_BOOT_RESAMPLES * sizeof(*boot));
	buf = malloc(n * sizeof(*buf));
	r = seeded_rng();
	if (!boot || !buf || !r) {
		free(boot);
		free(buf);
		if (r)
			gsl_rng_free(r);
		return -ENOMEM;
	}
	for (b = 0; b < STATS_BOOT_RESAMPLES; b++)
		boot[b] = resample_median(r, x, n, buf);
	boot_interval(boot, STATS_BOOT_RESAMPLES, lo, hi);
	gsl_rng_free(r);
	free(buf);
	free(boot);
	return 0;
}

int stats_summary(const double *x, size_t n, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n) {
		s->median = s->mean = s->stddev = s->cv = NAN;
		s->ci_lo = s->ci_hi = NAN;
		return -EINVAL;
	}
	s->median = stats_median(x, n);
	s->mean = gsl_stats_mean(x, 1, n);
	s->stddev = n > 1 ? gsl_stats_sd_m(x, 1, n, s->mean) : 0;
	/* A zero mean has no meaningful relative spread; 0 keeps the noise floor at its minimum. */
	s->cv = s->mean != 0 ? s->stddev / fabs(s->mean) : 0;
	return stats_median_ci(x, n, &s->ci_lo, &s->ci_hi);
}

/* new/base, with 0/0 read as "no change" (a count that stayed zero). */
static double ratio_of(double base, double cur)
{
	if (base == 0)
		return cur == 0 ? 1 : copysign(INFINITY, cur);
	return cur / base;
}

int stats_ratio_ci(const double *base, size_t nb, const double *cur, size_t nc,
		   double *ratio, double *lo, double *hi)
{
	double *boot, *bufb, *bufc, mb, mc;
	gsl_rng *r;
	size_t b;

	*ratio = *lo = *hi = NAN;
	if (!nb || !nc)
		return -EINVAL;
	mb = stats_median(base, nb);
	mc = stats_median(cur, nc);
	/* A ratio is only a change in size when both sides are positive quantities. */
	if (mb < 0 || (mb == 0 && mc != 0))
		return -EDOM;
	*ratio = ratio_of(mb, mc);

	boot = malloc(STATS_BOOT_RESAMPLES * sizeof(*boot));
	bufb = malloc(nb * sizeof(*bufb));
	bufc = malloc(nc * sizeof(*bufc));
	r = seeded_rng();
	if (!boot || !bufb || !bufc || !r) {
		free(boot);
		free(bufb);
		free(bufc);
		if (r)
			gsl_rng_free(r);
		return -ENOMEM;
	}
	/* Each side resampled on its own: the runs are independent. */
	for (b = 0; b < STATS_BOOT_RESAMPLES; b++) {
		double rb = resample_median(r, base, nb, bufb);
		double rc = resample_median(r, cur, nc, bufc);

		boot[b] = ratio_of(rb, rc);
	}
	boot_interval(boot, STATS_BOOT_RESAMPLES, lo, hi);
	gsl_rng_free(r);
	free(bufc);
	free(bufb);
	free(boot);
	return 0;
}

/*
 * P(U <= u) under H0 for sizes na, nb, by the recurrence on the largest value:
 * f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u). Two rows of (nb+1) x (na*nb+1).
 */
static double mw_exact_cdf(size_t na, size_t nb, size_t u, double *upper)
{
	size_t umax = na * nb, w = umax + 1, i, j, k;
	double *prev, *cur, total = 0, le = 0, ge = 0;

	prev = calloc((nb + 1) * w, sizeof(*prev));
	cur = calloc((nb + 1) * w, sizeof(*cur));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NAN;
	}
	for (j = 0; j <= nb; j++)
		prev[j * w] = 1;		/* i = 0: only U = 0 */
	for (i = 1; i <= na; i++) {
		memset(cur, 0, (nb + 1) * w * sizeof(*cur));
		cur[0] = 1;			/* j = 0 */
		for (j = 1; j <= nb; j++)
			for (k = 0; k <= i * j; k++)
				cur[j * w + k] = (k >= j ? prev[j * w + k - j] : 0) +
						 cur[(j - 1) * w + k];
		memcpy(prev, cur, (nb + 1) * w * sizeof(*cur));
	}
	for (k = 0; k <= umax; k++) {
		total += prev[nb * w + k];
		if (k <= u)
			le += prev[nb * w + k];
		if (k >= u)
			ge += prev[nb * w + k];
	}
	free(prev);
	free(cur);
	*upper = ge / total;
	return le / total;
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j, *idx;
	double *all, *rank, ra = 0, u, mu, tie = 0, sigma, z, lo, hi, p;
	int ties = 0;

	if (!na || !nb)
		return NAN;
	all = malloc(n * sizeof(*all));
	rank = malloc(n * sizeof(*rank));
	idx = malloc(n * sizeof(*idx));
	if (!all || !rank || !idx) {
		free(all);
		free(rank);
		free(idx);
		return NAN;
	}
	memcpy(all, a, na * sizeof(*a));
	memcpy(all + na, b, nb * sizeof(*b));
	gsl_sort_index(idx, all, 1, n);
	/* Average ranks over runs of equal values; remember the tie sizes for the variance. */
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && all[idx[j]] == all[idx[i]]; j++)
			;
		t = j - i;
		if (t > 1) {
			ties = 1;
			tie += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			rank[idx[k]] = (i + 1 + j) / 2.0;
	}
	for (i = 0; i < na; i++)
		ra += rank[i];
	u = ra - na * (na + 1) / 2.0;
	free(all);
	free(rank);
	free(idx);

	if (!ties && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
		lo = mw_exact_cdf(na, nb, (size_t)u, &hi);
		if (!isnan(lo)) {
			p = 2 * fmin(lo, hi);
			return p > 1 ? 1 : p;
		}
	}
	/* Normal approximation, variance corrected for ties, with continuity correction. */
	mu = na * nb / 2.0;
	sigma = sqrt(na * nb / 12.0 * ((n + 1) - tie / ((double)n * (n - 1))));
	if (sigma == 0)
		return 1;	/* every value equal: no evidence of a difference */
	z = (fabs(u - mu) - 0.5) / sigma;
	if (z < 0)
		z = 0;
	p = 2 * gsl_cdf_ugaussian_Q(z);
	return p > 1 ? 1 : p;
}

void stats_bh(const double *p, size_t n, double *q)
{
	size_t *idx, k;
	double run = 1;

	if (!n)
		return;
	idx = malloc(n * sizeof(*idx));
	if (!idx) {
		/* Cannot rank: the most conservative answer is that nothing passes. */
		for (k = 0; k < n; k++)
			q[k] = 1;
		return;
	}
	gsl_sort_index(idx, p, 1, n);
	/* q(k) = min over j >= k of p(j) * n / j, walking down from the largest p. */
	for (k = n; k-- > 0;) {
		double v = p[idx[k]] * n / (k + 1);

		if (v < run)
			run = v;
		q[idx[k]] = run;
	}
	free(idx);
}

enum verdict stats_verdict(const struct verdict_in *in, const char **why)
{
	double floor = STATS_NOISE_FLOOR;
	bool up, down;

	*why = NULL;
	if (in->better == BETTER_NONE) {
		*why = "informational";
		return VERDICT_INFO;
	}
	if (in->nb < STATS_MIN_SAMPLES || in->nc < STATS_MIN_SAMPLES) {
		*why = "fewer than 3 samples";
		return VERDICT_NA;
	}
	if (isnan(in->ratio) || isnan(in->lo) || isnan(in->hi)) {
		*why = "base median <= 0";
		return VERDICT_NA;
	}
	if (isnan(in->q)) {
		*why = "no p-value";
		return VERDICT_NA;
	}
	if (in->cv_base > floor)
		floor = in->cv_base;
	if (in->cv_new > floor)
		floor = in->cv_new;
	up = in->lo > 1 && in->ratio - 1 > floor;
	down = in->hi < 1 && 1 - in->ratio > floor;
	if (in->q > STATS_ALPHA || (!up && !down))
		return VERDICT_SAME;
	if (in->better == BETTER_HIGHER)
		return up ? VERDICT_BETTER : VERDICT_WORSE;
	return down ? VERDICT_BETTER : VERDICT_WORSE;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_SAME:	return "same";
	case VERDICT_BETTER:	return "better";
	case VERDICT_WORSE:	return "worse";
	case VERDICT_NA:	return "n/a";
	case VERDICT_INFO:	return "info";
	}
	return "?";
}
