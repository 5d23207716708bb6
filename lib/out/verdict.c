/*
 * The verdict engine. Runs are the unit of replication: each run is summarised by the
 * median of its repetitions, and two sides are compared on the log of those run medians
 * with a t test whose variance is the between-run variance — measured from the runs
 * themselves, pooled with the host's history where there is one, or assumed wide where
 * there is neither. docs/DESIGN.md ("Statistics") says why.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/bench.h"
#include "out/verdict.h"

/* Sampling variance of a median relative to a mean's, for normal data. */
#define MEDIAN_EFFICIENCY	(M_PI / 2)

static bool all_positive(const struct vside *s)
{
	for (size_t r = 0; r < s->nr_runs; r++)
		for (size_t i = 0; i < s->n[r]; i++)
			if (!(s->x[r][i] > 0) || !isfinite(s->x[r][i]))
				return false;
	return true;
}

static size_t nr_samples(const struct vside *s)
{
	size_t n = 0;

	for (size_t r = 0; r < s->nr_runs; r++)
		n += s->n[r];
	return n;
}

static void side_range(const struct vside *s, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t r = 0; r < s->nr_runs; r++)
		for (size_t i = 0; i < s->n[r]; i++) {
			*lo = fmin(*lo, s->x[r][i]);
			*hi = fmax(*hi, s->x[r][i]);
		}
}

/*
 * Log run medians of @s into @m (runs without samples left out): returns how many.
 * @within gets the mean sampling variance of one run's log median, from its repetitions.
 */
static size_t run_logs(const struct vside *s, double *m, double *within)
{
	size_t k = 0, nw = 0;

	*within = 0;
	for (size_t r = 0; r < s->nr_runs; r++) {
		double mean = 0, ss = 0;

		if (!s->n[r])
			continue;
		m[k++] = log(stats_median(s->x[r], s->n[r]));
		if (s->n[r] < 2)
			continue;
		for (size_t i = 0; i < s->n[r]; i++)
			mean += log(s->x[r][i]) / s->n[r];
		for (size_t i = 0; i < s->n[r]; i++)
			ss += (log(s->x[r][i]) - mean) * (log(s->x[r][i]) - mean);
		*within += ss / (s->n[r] - 1) / s->n[r] * MEDIAN_EFFICIENCY;
		nw++;
	}
	if (nw)
		*within /= nw;
	return k;
}

static double mean_of(const double *x, size_t n, double *ss)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m += x[i] / n;
	*ss = 0;
	for (size_t i = 0; i < n; i++)
		*ss += (x[i] - m) * (x[i] - m);
	return m;
}

/* Two-sided t quantile; a huge df is the normal's. */
static double t_quantile(double p, double df)
{
	return df > 1e4 ? gsl_cdf_ugaussian_Pinv(p) : gsl_cdf_tdist_Pinv(p, df);
}

static double mde_for(double se, double df)
{
	return exp((t_quantile(1 - VERDICT_ALPHA / 2, df) + t_quantile(VERDICT_POWER, df)) * se) - 1;
}

/* Runs a side (both sides alike) that would bring the mde down to VERDICT_MDE_MAX. */
static size_t runs_for(double var, double df_hist, bool assumed)
{
	for (size_t k = 2; k <= VERDICT_MAX_RUNS_HINT; k++) {
		double df = assumed ? 1e9 : 2 * (k - 1) + df_hist;

		if (mde_for(sqrt(var * 2.0 / k), df) <= VERDICT_MDE_MAX)
			return k;
	}
	return VERDICT_MAX_RUNS_HINT + 1;
}

/* Median of every sample of @s, pooled over its runs. */
static double pooled_median(const struct vside *s)
{
	size_t n = nr_samples(s), k = 0;
	double *all = malloc((n + 1) * sizeof(*all)), m;

	if (!all)
		return NAN;
	for (size_t r = 0; r < s->nr_runs; r++)
		for (size_t i = 0; i < s->n[r]; i++)
			all[k++] = s->x[r][i];
	m = stats_median(all, k);
	free(all);
	return m;
}

/* Zeros or negatives: no ratio of logs; the direction and the separation decide. */
static void measure_linear(const struct vside *b, const struct vside *c, struct vresult *r)
{
	double blo, bhi, clo, chi;
	bool bzero, czero;

	side_range(b, &blo, &bhi);
	side_range(c, &clo, &chi);
	r->linear = true;
	if (blo == bhi && clo == chi && blo == clo) {
		r->ratio = r->lo = r->hi = 1;
		r->mde = 0;
		r->p = 1;
		snprintf(r->why, sizeof(r->why), "every sample is %g on both sides", blo);
		return;
	}
	bzero = blo == 0 && bhi == 0;
	czero = clo == 0 && chi == 0;
	r->ratio = bzero ? INFINITY : czero ? 0 : r->base > 0 ? r->cur / r->base : NAN;
	r->separated = clo > bhi || chi < blo;
	if (r->separated)
		snprintf(r->why, sizeof(r->why), "%s zero, samples separated",
			 bzero ? "from" : czero ? "to" : "through");
	else
		snprintf(r->why, sizeof(r->why), "zeros in the samples and the sides overlap: no ratio");
}

void verdict_measure(const struct vside *base, const struct vside *cur,
		     const struct vnoise *noise, struct vresult *r)
{
	size_t nb_runs = base->nr_runs, nc_runs = cur->nr_runs, kb, kc;
	double *mb, *mc, wb, wc, ssb, ssc, Mb, Mc, var, df, data_df, se, d, tq;
	double blo, bhi, clo, chi;

	memset(r, 0, sizeof(*r));
	r->v = VERDICT_NA;
	r->ratio = r->lo = r->hi = r->p = r->q = r->mde = r->sd = r->df = NAN;
	r->nb = nr_samples(base);
	r->nc = nr_samples(cur);
	/* each side's centre, shown even when the other side has nothing to compare */
	r->base = vside_centre(base);
	r->cur = vside_centre(cur);
	r->runs_b = base->nr_runs;
	r->runs_c = cur->nr_runs;
	if (!r->nb || !r->nc) {
		snprintf(r->why, sizeof(r->why), "no samples on the %s side",
			 nr_samples(base) ? "new" : "base");
		return;
	}
	if (!all_positive(base) || !all_positive(cur)) {
		measure_linear(base, cur, r);
		return;
	}
	mb = calloc(nb_runs + nc_runs + 1, sizeof(*mb));
	if (!mb) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	mc = mb + nb_runs;
	kb = run_logs(base, mb, &wb);
	kc = run_logs(cur, mc, &wc);
	Mb = mean_of(mb, kb, &ssb);
	Mc = mean_of(mc, kc, &ssc);
	free(mb);

	data_df = (double)(kb - 1) + (double)(kc - 1);
	/* Pool what the runs show with what the host showed before; else assume it wide. */
	if (noise && noise->df > 0) {
		var = (ssb + ssc + noise->var * noise->df) / (data_df + noise->df);
		df = data_df + noise->df;
		r->noise = data_df > 0 ? "runs+history" : "history";
	} else if (data_df >= 2) {
		var = (ssb + ssc) / data_df;
		df = data_df;
		r->noise = "runs";
	} else {
		double seen = data_df > 0 ? (ssb + ssc) / data_df : 0;

		var = fmax(seen, VERDICT_RUN_NOISE * VERDICT_RUN_NOISE) + (wb + wc) / 2;
		df = 1e9;
		r->noise = "assumed";
	}
	/* A run median can never be steadier than its own repetitions allow. */
	var = fmax(var, (wb + wc) / 2);
	se = sqrt(var * (1.0 / kb + 1.0 / kc));
	d = Mc - Mb;
	r->ratio = exp(d);
	r->sd = sqrt(var);
	r->df = df;
	if (se == 0) {
		r->lo = r->hi = r->ratio;
		r->p = d == 0 ? 1 : 0;
		r->mde = 0;
	} else {
		tq = t_quantile(1 - VERDICT_ALPHA / 2, df);
		r->lo = exp(d - tq * se);
		r->hi = exp(d + tq * se);
		r->p = 2 * (df > 1e4 ? gsl_cdf_ugaussian_Q(fabs(d) / se) :
			    gsl_cdf_tdist_Q(fabs(d) / se, df));
		r->mde = mde_for(se, df);
	}
	r->runs_needed = runs_for(var, noise && noise->df > 0 ? noise->df : 0,
				  !strcmp(r->noise, "assumed"));
	side_range(base, &blo, &bhi);
	side_range(cur, &clo, &chi);
	r->separated = clo > bhi || chi < blo;
}

void verdict_correct(struct vresult *const *rs, size_t n)
{
	double *p = calloc(n + 1, sizeof(*p)), *q = calloc(n + 1, sizeof(*q));
	size_t i, k = 0;

	if (!p || !q) {
		/* Cannot rank: the most conservative answer is that nothing passes. */
		for (i = 0; i < n; i++)
			if (rs[i])
				rs[i]->q = 1;
		free(p);
		free(q);
		return;
	}
	for (i = 0; i < n; i++)
		if (rs[i] && !isnan(rs[i]->p))
			p[k++] = rs[i]->p;
	stats_bh(p, k, q);
	for (i = 0, k = 0; i < n; i++)
		if (rs[i] && !isnan(rs[i]->p))
			rs[i]->q = q[k++];
	free(p);
	free(q);
}

static enum verdict direction(double ratio, int better)
{
	bool up = ratio > 1;

	if (better == BETTER_HIGHER)
		return up ? VERDICT_BETTER : VERDICT_WORSE;
	return up ? VERDICT_WORSE : VERDICT_BETTER;
}

static void decide_linear(struct vresult *r, int better)
{
	if (r->p == 1 && r->mde == 0) {
		r->v = VERDICT_SAME;
		return;
	}
	if (r->separated && r->nb >= VERDICT_MIN_SEPARATED && r->nc >= VERDICT_MIN_SEPARATED) {
		r->v = direction(r->cur > r->base ? 2 : 0.5, better);
		return;
	}
	r->v = VERDICT_INCONCLUSIVE;
	if (r->separated)
		snprintf(r->why, sizeof(r->why), "separated, but fewer than %d samples a side",
			 VERDICT_MIN_SEPARATED);
}

void verdict_decide(struct vresult *r, int better)
{
	double reach;

	if (better == BETTER_NONE) {
		r->v = VERDICT_INFO;
		return;
	}
	if (!r->nb || !r->nc) {
		r->v = VERDICT_NA;
		return;
	}
	if (r->linear) {
		decide_linear(r, better);
		return;
	}
	/* Twice or half, with no sample of one side reaching the other's: not noise. */
	if (r->separated && (r->ratio >= 2 || r->ratio <= 0.5) &&
	    r->nb >= VERDICT_MIN_SEPARATED && r->nc >= VERDICT_MIN_SEPARATED) {
		r->v = direction(r->ratio, better);
		snprintf(r->why, sizeof(r->why), "a %.3gx change with the samples separated",
			 r->ratio);
		return;
	}
	/* nothing measured of the noise, and too few samples to see a run gone astray */
	if (!strcmp(r->noise, "assumed") &&
	    (r->nb < VERDICT_MIN_SEPARATED || r->nc < VERDICT_MIN_SEPARATED)) {
		r->v = VERDICT_INCONCLUSIVE;
		snprintf(r->why, sizeof(r->why), "%zu and %zu samples, and no measured between-run "
			 "noise: run --runs 3 a side, or more --reps", r->nb, r->nc);
		return;
	}
	if (r->q <= VERDICT_ALPHA && fabs(log(r->ratio)) > log1p(VERDICT_FLOOR)) {
		r->v = direction(r->ratio, better);
		return;
	}
	reach = fmax(r->mde, VERDICT_FLOOR);
	if (r->mde > VERDICT_MDE_MAX) {
		r->v = VERDICT_INCONCLUSIVE;
		snprintf(r->why, sizeof(r->why), "could only see a change of %.0f%% (noise: %s); "
			 "%s%zu runs a side would see %.0f%%", r->mde * 100, r->noise,
			 r->runs_needed > VERDICT_MAX_RUNS_HINT ? "more than " : "about ",
			 r->runs_needed > VERDICT_MAX_RUNS_HINT ? (size_t)VERDICT_MAX_RUNS_HINT :
			 r->runs_needed, VERDICT_MDE_MAX * 100);
		return;
	}
	if (r->lo >= 1 / (1 + reach) && r->hi <= 1 + reach) {
		r->v = VERDICT_SAME;
		return;
	}
	r->v = VERDICT_INCONCLUSIVE;
	snprintf(r->why, sizeof(r->why), "the 95%% interval [%.3g, %.3g] reaches past the mde "
		 "of %.1f%%", r->lo, r->hi, r->mde * 100);
}

double vside_centre(const struct vside *s)
{
	double *m, within, ss, c;
	size_t k;

	if (!nr_samples(s))
		return NAN;
	if (!all_positive(s))
		return pooled_median(s);
	m = calloc(s->nr_runs + 1, sizeof(*m));
	if (!m)
		return NAN;
	k = run_logs(s, m, &within);
	c = exp(mean_of(m, k, &ss));
	free(m);
	return c;
}

void vside_of_samples(struct vside *s, const double *x, size_t n, const double **xs, size_t *ns)
{
	for (size_t i = 0; i < n; i++) {
		xs[i] = &x[i];
		ns[i] = 1;
	}
	s->x = xs;
	s->n = ns;
	s->nr_runs = n;
}

int vside_interval(const struct vside *s, double *lo, double *hi)
{
	size_t n = nr_samples(s), k;
	double *m, within, ss, mean, se, tq;
	int err;

	*lo = *hi = NAN;
	if (!n)
		return -EINVAL;
	m = calloc(n + s->nr_runs + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	k = all_positive(s) ? run_logs(s, m, &within) : 0;
	if (k >= 2) {
		mean = mean_of(m, k, &ss);
		se = sqrt(fmax(ss / (k - 1), within) / k);
		tq = t_quantile(1 - VERDICT_ALPHA / 2, (double)(k - 1));
		*lo = exp(mean - tq * se);
		*hi = exp(mean + tq * se);
		free(m);
		return 0;
	}
	k = 0;
	for (size_t r = 0; r < s->nr_runs; r++)
		for (size_t i = 0; i < s->n[r]; i++)
			m[k++] = s->x[r][i];
	err = stats_median_ci(m, k, lo, hi);
	free(m);
	return err;
}

bool verdict_alike(const struct vresult *r)
{
	if (r->v == VERDICT_SAME)
		return true;
	if (r->v != VERDICT_INCONCLUSIVE || r->nb < VERDICT_MIN_SEPARATED ||
	    r->nc < VERDICT_MIN_SEPARATED)
		return false;
	if (r->linear)
		return !r->separated;
	return r->lo <= 1 && r->hi >= 1;
}

static bool differs(const struct vresult *r)
{
	return r->v == VERDICT_BETTER || r->v == VERDICT_WORSE;
}

enum vbelong verdict_belongs(const struct vresult *to_good, const struct vresult *to_bad)
{
	if (differs(to_bad) && verdict_alike(to_good))
		return VBELONG_GOOD;
	if (differs(to_good) && verdict_alike(to_bad))
		return VBELONG_BAD;
	return VBELONG_NEITHER;
}
