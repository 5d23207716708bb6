/*
 * The verdict engine. Replicates are the unit of inference: each run is summarised by the
 * median of its repetitions, the runs of one replicate (one boot, when the sides differ in
 * boot) are averaged, and two sides are compared by a t test on the log replicate values
 * whose variance is what the replicates show, never less than the runs' own repetitions
 * allow, widened by the host's history and steadied by the report's other metrics
 * (verdict_pool.c). Zeros are judged by an exact permutation test over replicates.
 * docs/DESIGN.md ("Statistics") says why.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/bench.h"
#include "stats/verdict.h"
#include "stats/verdict_pool.h"

/* Sampling variance of a median relative to a mean's, for normal data. */
#define MEDIAN_EFFICIENCY	(M_PI / 2)
/* MAD to sd, for normal data. */
#define MAD_TO_SD		1.482602218505602

static size_t nr_samples(const struct vside *s)
{
	size_t n = 0;

	for (size_t r = 0; r < s->nr_runs; r++)
		n += s->n[r];
	return n;
}

static unsigned group_of(const struct vside *s, size_t r)
{
	return s->group ? s->group[r] : (unsigned)r;
}

/*
 * The sampling variance of a run's log median from its own repetitions, by their MAD (a
 * slow first touch does not move a median, and must not move this either). NaN when the
 * run has fewer than 2 repetitions or a sample that is not positive.
 */
static double median_var(const double *x, size_t n)
{
	double *l, med, mad;

	if (n < 2)
		return NAN;
	l = malloc(n * sizeof(*l));
	if (!l)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (!(x[i] > 0) || !isfinite(x[i])) {
			free(l);
			return NAN;
		}
		l[i] = log(x[i]);
	}
	med = stats_median(l, n);
	for (size_t i = 0; i < n; i++)
		l[i] = fabs(l[i] - med);
	mad = stats_median(l, n) * MAD_TO_SD;
	free(l);
	return mad * mad * MEDIAN_EFFICIENCY / (double)n;
}

double verdict_median_var(const double *x, size_t n)
{
	return median_var(x, n);
}

static double run_median(const struct vside *s, size_t r)
{
	return s->med ? s->med[r] : stats_median(s->x[r], s->n[r]);
}

void vside_cache(const struct vside *s, double *med, double *mvar)
{
	for (size_t r = 0; r < s->nr_runs; r++) {
		med[r] = s->n[r] ? stats_median(s->x[r], s->n[r]) : NAN;
		mvar[r] = median_var(s->x[r], s->n[r]);
	}
}

/* A run with samples, its group, and the first run of that group: the order replicates() reads. */
struct run_key {
	size_t run, first;
	unsigned group;
};

static int by_group(const void *a, const void *b)
{
	const struct run_key *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->run < y->run ? -1 : x->run > y->run;
}

static int by_first(const void *a, const void *b)
{
	const struct run_key *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->run < y->run ? -1 : x->run > y->run;
}

/*
 * The runs of @s with samples into @keys, each group's runs together and the groups in the
 * order of their first run (sorting, not a search per run: a trend's change-point scan
 * measures sides of thousands of runs). Returns how many.
 */
static size_t group_order(const struct vside *s, struct run_key *keys)
{
	size_t n = 0;

	for (size_t r = 0; r < s->nr_runs; r++)
		if (s->n[r])
			keys[n++] = (struct run_key){ .run = r, .group = group_of(s, r) };
	if (!s->group)
		return n;
	qsort(keys, n, sizeof(*keys), by_group);
	for (size_t i = 0; i < n; i++)
		keys[i].first = i && keys[i].group == keys[i - 1].group ? keys[i - 1].first :
			keys[i].run;
	qsort(keys, n, sizeof(*keys), by_first);
	return n;
}

/*
 * The replicate values of @s into @y (log of the mean of run medians' logs when @logs, the
 * mean of run medians otherwise): returns how many, or 0 when out of memory. @floor gets
 * the variance one replicate value has at least, from the levels below it (repetitions,
 * and runs of one boot).
 */
static size_t replicates(const struct vside *s, bool logs, double *y, double *floor)
{
	struct run_key *keys = malloc((s->nr_runs + 1) * sizeof(*keys));
	size_t k = 0, nw = 0, nwg = 0, n;
	double wsum = 0, ss_wg = 0, inv_r = 0;

	*floor = 0;
	if (!keys)
		return 0;
	n = group_order(s, keys);
	for (size_t i = 0, j; i < n; i = j) {
		double sum = 0, sum2 = 0, w;
		size_t cnt = 0;

		for (j = i; j < n && keys[j].group == keys[i].group; j++) {
			size_t q = keys[j].run;
			double m = run_median(s, q);

			m = logs ? log(m) : m;
			sum += m;
			sum2 += m * m;
			cnt++;
			w = !logs ? NAN : s->mvar ? s->mvar[q] : median_var(s->x[q], s->n[q]);
			if (!isnan(w)) {
				wsum += w;
				nw++;
			}
		}
		y[k++] = sum / cnt;
		inv_r += 1.0 / cnt;
		if (cnt > 1) {
			ss_wg += sum2 - sum * sum / cnt;
			nwg += cnt - 1;
		}
	}
	free(keys);
	/* a replicate of r runs: (run-level variance) / r, run-level from within boots if seen */
	if (k) {
		double run_var = nwg ? ss_wg / nwg : nw ? wsum / nw : 0;

		*floor = fmax(run_var, nw ? wsum / nw : 0) * inv_r / k;
	}
	return k;
}

static bool medians_positive(const struct vside *s)
{
	for (size_t r = 0; r < s->nr_runs; r++) {
		double m;

		if (!s->n[r])
			continue;
		m = run_median(s, r);
		if (!(m > 0) || !isfinite(m))
			return false;
	}
	return true;
}

static double mean_ss(const double *x, size_t n, double *ss)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m += x[i] / n;
	*ss = 0;
	for (size_t i = 0; i < n; i++)
		*ss += (x[i] - m) * (x[i] - m);
	return m;
}

static void minmax(const double *x, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		*lo = fmin(*lo, x[i]);
		*hi = fmax(*hi, x[i]);
	}
}

static bool sides_separated(const double *a, size_t na, const double *b, size_t nb)
{
	double alo, ahi, blo, bhi;

	minmax(a, na, &alo, &ahi);
	minmax(b, nb, &blo, &bhi);
	return blo > ahi || bhi < alo;
}

/* Every sample of both sides one and the same value. */
static bool all_one_value(const struct vside *b, const struct vside *c, double *v)
{
	const struct vside *s[2] = { b, c };
	bool seen = false;

	for (int k = 0; k < 2; k++)
		for (size_t r = 0; r < s[k]->nr_runs; r++)
			for (size_t i = 0; i < s[k]->n[r]; i++) {
				if (seen && s[k]->x[r][i] != *v)
					return false;
				*v = s[k]->x[r][i];
				seen = true;
			}
	return seen;
}

/*
 * Zeros or negatives: no ratio of logs. Welch's t test on the replicate values where both
 * sides have two or more and something varies (a count from zero: is the other side's
 * mean away from it, given its spread); else the exact permutation test over replicates.
 */
static void linear_test(const double *yb, size_t kb, const double *yc, size_t kc,
			struct vresult *r)
{
	double ssb, ssc, vb, vc, se, d;

	d = mean_ss(yc, kc, &ssc) - mean_ss(yb, kb, &ssb);
	vb = kb > 1 ? ssb / (double)(kb - 1) / (double)kb : 0;
	vc = kc > 1 ? ssc / (double)(kc - 1) / (double)kc : 0;
	se = sqrt(vb + vc);
	if (kb < 2 || kc < 2 || !(se > 0)) {
		r->p = verdict_perm_p(yb, kb, yc, kc);
		snprintf(r->why, sizeof(r->why), "exact permutation test over %zu and %zu "
			 "replicates, p %.3g%s", kb, kc, r->p,
			 verdict_perm_min_p(kb, kc) > VERDICT_ALPHA ? " (too few to reach 5%)" : "");
		return;
	}
	/* Welch-Satterthwaite */
	r->df = (vb + vc) * (vb + vc) / ((kb > 1 ? vb * vb / (double)(kb - 1) : 0) +
					 (kc > 1 ? vc * vc / (double)(kc - 1) : 0));
	r->sd = se;
	r->p = 2 * gsl_cdf_tdist_Q(fabs(d) / se, r->df);
	snprintf(r->why, sizeof(r->why), "Welch's t test on %zu and %zu replicates (df %.1f), "
		 "p %.3g", kb, kc, r->df, r->p);
}

/* Zeros or negatives: no ratio of logs; a test of the replicate values themselves. */
static void measure_linear(const struct vside *b, const struct vside *c, double *yb,
			   double *yc, struct vresult *r)
{
	double fl, v, mb, mc;
	char test[160];
	size_t kb = replicates(b, false, yb, &fl), kc = replicates(c, false, yc, &fl);
	bool bzero, czero;

	r->linear = true;
	if (!kb || !kc) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	r->reps_b = kb;
	r->reps_c = kc;
	if (all_one_value(b, c, &v)) {
		r->ratio = r->lo = r->hi = 1;
		r->mde = 0;
		r->p = 1;
		snprintf(r->why, sizeof(r->why), "every sample is %g on both sides", v);
		return;
	}
	mb = r->base;
	mc = r->cur;
	bzero = mb == 0;
	czero = mc == 0;
	r->ratio = bzero ? (mc > 0 ? INFINITY : NAN) : czero ? 0 : mb > 0 ? mc / mb : NAN;
	r->separated = sides_separated(yb, kb, yc, kc);
	linear_test(yb, kb, yc, kc, r);
	snprintf(test, sizeof(test), "%s", r->why);
	snprintf(r->why, sizeof(r->why), "%s zero: %s", bzero ? "from" : czero ? "to" : "through",
		 test);
}

void verdict_measure(const struct vside *base, const struct vside *cur,
		     const struct vnoise *noise, struct vresult *r)
{
	size_t kb, kc;
	double *yb, *yc, fb, fc, ssb, ssc, Mb, Mc;

	memset(r, 0, sizeof(*r));
	r->v = VERDICT_NA;
	r->ratio = r->lo = r->hi = r->p = r->q = r->mde = r->sd = r->df = NAN;
	r->nb = nr_samples(base);
	r->nc = nr_samples(cur);
	r->base = vside_centre(base);
	r->cur = vside_centre(cur);
	r->runs_b = base->nr_runs;
	r->runs_c = cur->nr_runs;
	r->noise = "none";
	if (!r->nb || !r->nc) {
		snprintf(r->why, sizeof(r->why), "no samples on the %s side", r->nb ? "new" : "base");
		return;
	}
	yb = calloc(base->nr_runs + cur->nr_runs + 2, sizeof(*yb));
	if (!yb) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	yc = yb + base->nr_runs + 1;
	if (!medians_positive(base) || !medians_positive(cur)) {
		measure_linear(base, cur, yb, yc, r);
		free(yb);
		return;
	}
	kb = replicates(base, true, yb, &fb);
	kc = replicates(cur, true, yc, &fc);
	if (!kb || !kc) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		free(yb);
		return;
	}
	Mb = mean_ss(yb, kb, &ssb);
	Mc = mean_ss(yc, kc, &ssc);
	r->separated = sides_separated(yb, kb, yc, kc);
	/* no spread at all today: a t test would divide by nothing; the exact test cannot */
	r->est.perm_p = ssb + ssc > 0 ? NAN : verdict_perm_p(yb, kb, yc, kc);
	free(yb);
	r->reps_b = kb;
	r->reps_c = kc;
	r->est.d = Mc - Mb;
	r->est.df = (double)(kb - 1) + (double)(kc - 1);
	r->est.floor = (fb * kb + fc * kc) / (kb + kc);
	r->est.var = r->est.df > 0 ? (ssb + ssc) / r->est.df : NAN;
	r->est.var_side[0] = kb > 1 ? ssb / (double)(kb - 1) : NAN;
	r->est.var_side[1] = kc > 1 ? ssc / (double)(kc - 1) : NAN;
	r->est.f_p = NAN;
	if (noise && noise->df > 0) {
		r->est.hvar = noise->var;
		r->est.hdf = noise->df;
	}
	verdict_finish(r);
}

static enum verdict direction(bool up, int better)
{
	if (better == BETTER_HIGHER)
		return up ? VERDICT_BETTER : VERDICT_WORSE;
	return up ? VERDICT_WORSE : VERDICT_BETTER;
}

/* What runs_needed counts: blocks of a paired design, else replicates on each side. */
static const char *replicate_unit(const struct vresult *r)
{
	return r->noise && !strncmp(r->noise, "blocks", 6) ? "blocks" : "replicates a side";
}

static void decide_linear(struct vresult *r, int better)
{
	if (r->p == 1 && r->mde == 0) {
		r->v = VERDICT_SAME;
		return;
	}
	if (r->q <= VERDICT_ALPHA) {
		r->v = direction(r->cur > r->base, better);
		return;
	}
	r->v = VERDICT_INCONCLUSIVE;
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
	if (isnan(r->p)) {
		r->v = VERDICT_INCONCLUSIVE;
		return;
	}
	if (isnan(r->mde)) {
		r->v = r->q <= VERDICT_ALPHA && fabs(log(r->ratio)) > log1p(VERDICT_FLOOR) ?
		       direction(r->ratio > 1, better) : VERDICT_INCONCLUSIVE;
		return;
	}
	if (r->q <= VERDICT_ALPHA && fabs(log(r->ratio)) > log1p(VERDICT_FLOOR)) {
		r->v = direction(r->ratio > 1, better);
		return;
	}
	reach = fmax(r->mde, VERDICT_FLOOR);
	if (r->mde > VERDICT_MDE_MAX) {
		r->v = VERDICT_INCONCLUSIVE;
		snprintf(r->why, sizeof(r->why), "could only see a change of %.0f%% (noise: %s); "
			 "%s%zu %s would see %.0f%%", r->mde * 100, r->noise,
			 r->runs_needed > VERDICT_MAX_RUNS_HINT ? "more than " : "about ",
			 r->runs_needed > VERDICT_MAX_RUNS_HINT ? (size_t)VERDICT_MAX_RUNS_HINT :
			 r->runs_needed, replicate_unit(r), VERDICT_MDE_MAX * 100);
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

size_t vside_replicates(const struct vside *s)
{
	double *y = calloc(s->nr_runs + 1, sizeof(*y)), fl;
	size_t k;

	if (!y)
		return 0;
	k = replicates(s, false, y, &fl);
	free(y);
	return k;
}

double vside_centre(const struct vside *s)
{
	double *y, fl, ss, c;
	size_t k;

	if (!nr_samples(s))
		return NAN;
	y = calloc(s->nr_runs + 1, sizeof(*y));
	if (!y)
		return NAN;
	if (medians_positive(s)) {
		k = replicates(s, true, y, &fl);
		c = exp(mean_ss(y, k, &ss));
	} else {
		k = replicates(s, false, y, &fl);
		c = mean_ss(y, k, &ss);
	}
	free(y);
	return c;
}

void vside_of_samples(struct vside *s, const double *x, size_t n, const double **xs, size_t *ns)
{
	for (size_t i = 0; i < n; i++) {
		xs[i] = &x[i];
		ns[i] = 1;
	}
	*s = (struct vside){ .x = xs, .n = ns, .nr_runs = n };
}

int vside_interval(const struct vside *s, double *lo, double *hi)
{
	size_t n = nr_samples(s), k = 0;
	double *m, fl, ss, mean, se, tq;
	int err;

	*lo = *hi = NAN;
	if (!n)
		return -EINVAL;
	m = calloc(n + s->nr_runs + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (medians_positive(s))
		k = replicates(s, true, m, &fl);
	if (k >= 2) {
		mean = mean_ss(m, k, &ss);
		se = sqrt(fmax(ss / (k - 1), fl) / k);
		tq = gsl_cdf_tdist_Pinv(1 - VERDICT_ALPHA / 2, (double)(k - 1));
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
