/*
 * The verdict engine's noise and its corrections: today's between-replicate variance with
 * its floor, joined by the host's history only where an F test finds the two alike, steadied
 * by the variances of the report's other metrics (Smyth's empirical Bayes, as limma does);
 * the exact permutation test over replicates; Benjamini-Hochberg counting a family once.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>

#include "stats/verdict_pool.h"

#define PERM_EXACT_MAX	200000	/* arrangements enumerated; beyond, a seeded sample */
#define PERM_SAMPLES	20000

/* Two-sided t quantile; a huge df is the normal's. */
static double t_quantile(double p, double df)
{
	return df > 1e4 ? gsl_cdf_ugaussian_Pinv(p) : gsl_cdf_tdist_Pinv(p, df);
}

static double mde_for(double se, double df)
{
	return exp((t_quantile(1 - VERDICT_ALPHA / 2, df) + t_quantile(VERDICT_POWER, df)) * se) - 1;
}

/* Replicates a side (both sides alike) that would bring the mde down to VERDICT_MDE_MAX. */
static size_t replicates_for(double var, double df_more)
{
	for (size_t k = 2; k <= VERDICT_MAX_RUNS_HINT; k++)
		if (mde_for(sqrt(var * 2.0 / k), 2 * (k - 1) + df_more) <= VERDICT_MDE_MAX)
			return k;
	return VERDICT_MAX_RUNS_HINT + 1;
}

/* Where the noise came from, as fixed words (a result is copied by value). */
static const char *noise_words(bool report, int hist)
{
	static const char *const words[2][3] = {
		{ "replicates", "replicates+history",
		  "replicates (history quieter than today: not used)" },
		{ "replicates+report", "replicates+report+history",
		  "replicates+report (history quieter than today: not used)" },
	};

	return words[report][hist];
}

static void untested(struct vresult *r)
{
	size_t need = r->est.hdf > 0 ? replicates_for(r->est.hvar, r->est.hdf) : 0;
	int off;

	r->ratio = exp(r->est.d);
	r->p = r->lo = r->hi = r->mde = r->sd = r->df = NAN;
	r->noise = "unmeasured";
	r->runs_needed = need;
	off = snprintf(r->why, sizeof(r->why), "%zu and %zu replicates: the noise between "
		       "replicates is not measured today", r->reps_b, r->reps_c);
	if (need && off > 0 && (size_t)off < sizeof(r->why))
		snprintf(r->why + off, sizeof(r->why) - off, " (this host's history: sd %.1f%%, "
			 "%s%zu a side would see %.0f%%)", sqrt(r->est.hvar) * 100,
			 need > VERDICT_MAX_RUNS_HINT ? "more than " : "about ",
			 need > VERDICT_MAX_RUNS_HINT ? (size_t)VERDICT_MAX_RUNS_HINT : need,
			 VERDICT_MDE_MAX * 100);
}

/* One-sided p of "@var on @df is noisier than history". */
static double noisier_p(const struct vresult *r, double var, double df)
{
	if (!(df > 0) || isnan(var))
		return 1;
	return gsl_cdf_fdist_Q(fmax(var, r->est.floor) / r->est.hvar, df, r->est.hdf);
}

/*
 * History joins today's noise where neither side's replicates, nor both pooled, are
 * noisier than it (one-sided F tests): so it widens today's noise where it is the wider,
 * and narrows it only where today looks like it. Where today is noisier, it is left out.
 * Returns which case (noise_words()).
 */
static int with_history(struct vresult *r, double *var, double *df)
{
	size_t kb = r->reps_b, kc = r->reps_c;

	if (!(r->est.hdf > 0) || !(r->est.hvar > 0))
		return 0;
	r->est.f_p = fmin(noisier_p(r, r->est.var, r->est.df),
			  fmin(noisier_p(r, r->est.var_side[0], (double)kb - 1),
			       noisier_p(r, r->est.var_side[1], (double)kc - 1)));
	if (r->est.f_p < VERDICT_HOMOGENEITY)
		return 2;
	*var = (*var * *df + r->est.hvar * r->est.hdf) / (*df + r->est.hdf);
	*df += r->est.hdf;
	return 1;
}

void verdict_finish(struct vresult *r)
{
	double var, df, se, tq, kb = (double)r->reps_b, kc = (double)r->reps_c;
	bool report = r->est.pdf > 0;
	int hist;

	r->est.f_p = NAN;
	if (!(r->est.df > 0)) {
		untested(r);
		return;
	}
	var = fmax(r->est.var, r->est.floor);
	df = r->est.df;
	if (report) {
		var = fmax((r->est.pdf * r->est.pvar + df * var) / (r->est.pdf + df), r->est.floor);
		df += r->est.pdf;
	}
	hist = with_history(r, &var, &df);
	r->noise = noise_words(report, hist);
	se = sqrt(var * (1 / kb + 1 / kc));
	r->ratio = exp(r->est.d);
	r->sd = sqrt(var);
	r->df = df;
	tq = t_quantile(1 - VERDICT_ALPHA / 2, df);
	r->lo = exp(r->est.d - tq * se);
	r->hi = exp(r->est.d + tq * se);
	if (se > 0)
		r->p = 2 * (df > 1e4 ? gsl_cdf_ugaussian_Q(fabs(r->est.d) / se) :
			    gsl_cdf_tdist_Q(fabs(r->est.d) / se, df));
	else
		r->p = r->est.d == 0 ? 1 : r->est.perm_p;
	r->mde = mde_for(se, df);
	r->runs_needed = replicates_for(var, df - (kb - 1) - (kc - 1));
	if (!(se > 0)) {
		/* nothing varied: no interval or mde to state, only the exact test */
		r->lo = r->hi = r->mde = NAN;
		r->runs_needed = 0;
		snprintf(r->why, sizeof(r->why), "no spread between replicates or repetitions: "
			 "exact permutation test over %zu and %zu replicates, p %.3g", r->reps_b,
			 r->reps_c, r->p);
	}
}

/* Smyth's inverse of the trigamma function, by Newton's method. */
static double trigamma_inverse(double x)
{
	double y;

	if (x > 1e7)
		return 1 / sqrt(x);
	if (x < 1e-6)
		return 1 / x;
	y = 0.5 + 1 / x;
	for (int i = 0; i < 50; i++) {
		double tri = gsl_sf_psi_1(y), dif = tri * (1 - tri / x) / gsl_sf_psi_n(2, y);

		y += dif;
		if (-dif / y < 1e-8)
			break;
	}
	return y;
}

static bool lends(const struct vresult *r)
{
	return r && !r->linear && r->est.df > 0 && r->est.var > 0 && isfinite(r->est.var);
}

void verdict_moderate(struct vresult *const *rs, size_t n)
{
	double esum = 0, e2 = 0, tri = 0, evar, d0, s0, m = 0;

	for (size_t i = 0; i < n; i++) {
		double d;

		if (!lends(rs[i]))
			continue;
		d = rs[i]->est.df / 2;
		esum += log(rs[i]->est.var) - gsl_sf_psi(d) + log(d);
		m++;
	}
	if (m < VERDICT_PRIOR_MIN_ROWS)
		return;
	for (size_t i = 0; i < n; i++) {
		double d, e;

		if (!lends(rs[i]))
			continue;
		d = rs[i]->est.df / 2;
		e = log(rs[i]->est.var) - gsl_sf_psi(d) + log(d) - esum / m;
		e2 += e * e;
		tri += gsl_sf_psi_1(d);
	}
	evar = e2 / (m - 1) - tri / m;
	d0 = evar > 0 ? 2 * trigamma_inverse(evar) : INFINITY;
	d0 = fmin(d0, VERDICT_PRIOR_DF_MAX);
	s0 = exp(esum / m + gsl_sf_psi(d0 / 2) - log(d0 / 2));
	for (size_t i = 0; i < n; i++)
		if (rs[i] && !rs[i]->linear && rs[i]->est.df > 0) {
			rs[i]->est.pvar = s0;
			rs[i]->est.pdf = d0;
			verdict_finish(rs[i]);
		}
}

struct fam {
	unsigned id;
	double p;
	size_t rank;
	double q;
};

static int by_p(const void *a, const void *b)
{
	const struct fam *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

/* The family entry of @id in @f[0..nf), added when new. */
static struct fam *family(struct fam *f, size_t *nf, unsigned id, double p)
{
	for (size_t i = 0; id && i < *nf; i++)
		if (f[i].id == id) {
			f[i].p = fmin(f[i].p, p);
			return &f[i];
		}
	f[*nf] = (struct fam){ .id = id, .p = p };
	return &f[(*nf)++];
}

void verdict_correct(struct vresult *const *rs, size_t n)
{
	struct fam *f = calloc(n + 1, sizeof(*f));
	size_t nf = 0;
	double run_min = 1;

	if (!f) {
		/* Cannot rank: the most conservative answer is that nothing passes. */
		for (size_t i = 0; i < n; i++)
			if (rs[i])
				rs[i]->q = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (rs[i] && !isnan(rs[i]->p))
			family(f, &nf, rs[i]->family, rs[i]->p);
	qsort(f, nf, sizeof(*f), by_p);
	for (size_t k = nf; k-- > 0;) {
		run_min = fmin(run_min, f[k].p * (double)nf / (double)(k + 1));
		f[k].q = run_min;
		f[k].rank = k + 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct fam *fm = NULL;

		if (!rs[i] || isnan(rs[i]->p))
			continue;
		for (size_t k = 0; k < nf && !fm; k++)
			if (rs[i]->family ? f[k].id == rs[i]->family : (!f[k].id && f[k].p == rs[i]->p))
				fm = &f[k];
		/* a member less clear than its family: BH's step at the family's rank */
		rs[i]->q = rs[i]->p <= fm->p ? fm->q :
			   fmax(fm->q, fmin(1, rs[i]->p * (double)nf / (double)fm->rank));
	}
	free(f);
}

static double binom(size_t n, size_t k)
{
	double c = 1;

	for (size_t i = 1; i <= k; i++)
		c = c * (double)(n - k + i) / (double)i;
	return c;
}

double verdict_perm_min_p(size_t na, size_t nb)
{
	if (!na || !nb)
		return 1;
	return fmin(1, (na == nb ? 2 : 1) / binom(na + nb, na));
}

/* |mean of the chosen - mean of the rest| for a chosen sum of @na of @n values summing to @total. */
static double stat(double sum, size_t na, size_t n, double total)
{
	return fabs(sum / (double)na - (total - sum) / (double)(n - na));
}

/* Arrangements as extreme as @obs, over every choice of @na of @v[0..n): recursive. */
static size_t count_extreme(const double *v, size_t n, size_t start, size_t left, double sum,
			    size_t na, double total, double obs)
{
	size_t c = 0;

	if (!left)
		return stat(sum, na, n, total) >= obs;
	for (size_t i = start; i + left <= n; i++)
		c += count_extreme(v, n, i + 1, left - 1, sum + v[i], na, total, obs);
	return c;
}

double verdict_perm_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, hits = 0;
	double *v, total = 0, sa = 0, obs, p;

	if (!na || !nb)
		return NAN;
	v = malloc(n * sizeof(*v));
	if (!v)
		return NAN;
	memcpy(v, a, na * sizeof(*v));
	memcpy(v + na, b, nb * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		total += v[i];
	for (size_t i = 0; i < na; i++)
		sa += a[i];
	/* ties in the statistic count as extreme: a relative slack for rounding */
	obs = stat(sa, na, n, total) * (1 - 1e-9);
	if (binom(n, na) <= PERM_EXACT_MAX) {
		p = (double)count_extreme(v, n, 0, na, 0, na, total, obs) / binom(n, na);
	} else {
		gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);

		if (!g) {
			free(v);
			return NAN;
		}
		gsl_rng_set(g, STATS_SEED);
		for (size_t s = 0; s < PERM_SAMPLES; s++) {
			double sum = 0;

			gsl_ran_shuffle(g, v, n, sizeof(*v));
			for (size_t i = 0; i < na; i++)
				sum += v[i];
			hits += stat(sum, na, n, total) >= obs;
		}
		gsl_rng_free(g);
		p = (double)(hits + 1) / (PERM_SAMPLES + 1);
	}
	free(v);
	return fmin(1, p);
}
