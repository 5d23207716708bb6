/* Statistics of samples: summaries, bootstrap intervals, Mann-Whitney (exact with ties), Benjamini-Hochberg. Verdicts are verdict.c's. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "core/bench.h"
#include "stats/stats.h"

/* The exact U distribution is tabulated up to this many samples a side. */
#define MW_EXACT_MAX	30

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
 * Exact two-sided p of the rank sum of the first @na of @n values, from the permutation
 * distribution of the (doubled, so integral) mid-ranks @r2: the number of ways to draw
 * na of them with each sum, by the subset-sum recurrence. Ties are handled exactly.
 */
static double rank_sum_exact_p(const unsigned *r2, size_t n, size_t na, unsigned obs)
{
	size_t maxsum = 0, i, k, s;
	double *ways, total = 0, extreme = 0, mean;

	for (i = 0; i < n; i++)
		maxsum += r2[i];
	ways = calloc((na + 1) * (maxsum + 1), sizeof(*ways));
	if (!ways)
		return NAN;
#define W(k, s) ways[(k) * (maxsum + 1) + (s)]
	W(0, 0) = 1;
	for (i = 0; i < n; i++)
		for (k = (i + 1 < na ? i + 1 : na); k >= 1; k--)
			for (s = maxsum; s >= r2[i]; s--)
				W(k, s) += W(k - 1, s - r2[i]);
	mean = (double)na * maxsum / n;
	for (s = 0; s <= maxsum; s++) {
		total += W(na, s);
		/* at least as far from the mean as observed, with room for rounding */
		if (fabs(s - mean) >= fabs(obs - mean) - 1e-9)
			extreme += W(na, s);
	}
#undef W
	free(ways);
	return extreme / total;
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j, *idx;
	double *all, *rank, ra = 0, u, mu, tie = 0, sigma, z, p;

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
		if (t > 1)
			tie += t * t * t - t;
		for (size_t k = i; k < j; k++)
			rank[idx[k]] = (i + 1 + j) / 2.0;
	}
	for (i = 0; i < na; i++)
		ra += rank[i];
	u = ra - na * (na + 1) / 2.0;
	free(all);
	free(idx);

	if (na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
		unsigned *r2 = malloc(n * sizeof(*r2)), obs = 0;

		if (r2) {
			for (i = 0; i < n; i++)
				r2[i] = (unsigned)lround(rank[i] * 2);
			for (i = 0; i < na; i++)
				obs += r2[i];
			p = rank_sum_exact_p(r2, n, na, obs);
			free(r2);
			if (!isnan(p)) {
				free(rank);
				return p > 1 ? 1 : p;
			}
		}
	}
	free(rank);
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

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_SAME:	return "same";
	case VERDICT_BETTER:	return "better";
	case VERDICT_WORSE:	return "worse";
	case VERDICT_INCONCLUSIVE:	return "inconclusive";
	case VERDICT_NA:	return "n/a";
	case VERDICT_INFO:	return "info";
	case NR_VERDICTS:	break;
	}
	return "?";
}
