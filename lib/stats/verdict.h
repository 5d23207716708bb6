/*
 * The verdict engine: one metric of one case, a base side against a new side, each side a
 * set of runs holding one sample per repetition, the runs grouped into replicates (runs,
 * or boots). compare, sweep, trend, bisect and whatever is built on them judge through
 * here and nowhere else. docs/DESIGN.md ("Statistics") says why each rule is as it is.
 */
#ifndef MMBENCH_VERDICT_H
#define MMBENCH_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/stats.h"

#define VERDICT_ALPHA		0.05	/* BH-adjusted p must be at most this */
#define VERDICT_POWER		0.80	/* the power an mde is stated at */
#define VERDICT_FLOOR		0.02	/* smallest change ever called a difference */
#define VERDICT_MDE_MAX		0.10	/* "same" only when a change this small could be seen */
#define VERDICT_MAX_RUNS_HINT	50
/*
 * History joins today's noise only when no side's replicates are noisier than it by a
 * one-sided F test at this level: liberal on purpose, since joining adds degrees of freedom
 * (a noisy day with one side loaded must not borrow a quiet week's confidence).
 */
#define VERDICT_HOMOGENEITY	0.25
/* Prior degrees of freedom the metrics of a report may lend each other, at most. */
#define VERDICT_PRIOR_DF_MAX	30.0
/* Metrics with a measured noise a bench needs before they lend each other noise. */
#define VERDICT_PRIOR_MIN_ROWS	8

/*
 * One side of a comparison: @nr_runs runs, run r holding @n[r] samples at @x[r]. @group
 * (NULL: every run its own) names each run's replicate: runs of one group (one boot) are
 * averaged into one replicate before anything is compared. @med and @mvar (NULL: computed
 * when needed) hold what vside_cache() says of each run, for a side measured many times.
 */
struct vside {
	const double *const *x;
	const size_t *n;
	size_t nr_runs;
	const unsigned *group;
	const double *med, *mvar;
};

/*
 * Each run's median into @med and the variance of its log median into @mvar (NaN where
 * the repetitions cannot say), @s->nr_runs each: a change-point scan measures every run in
 * many splits, and sorting its samples once is enough.
 */
void vside_cache(const struct vside *s, double *med, double *mvar);

/* The host's between-replicate noise of one metric, from earlier runs in the archive. */
struct vnoise {
	double var;		/* variance of log replicate values between replicates */
	double df;		/* its degrees of freedom; 0: nothing measured */
};

/* Noise the metrics of one report lend each other (empirical Bayes, Smyth 2004). */
struct vprior {
	double var;		/* the typical between-replicate variance (log) */
	double df;		/* how much it weighs, in degrees of freedom; 0: none */
};

struct vresult {
	enum verdict v;
	double base, cur;	/* each side's centre: geometric mean of its replicates */
	double ratio, lo, hi;	/* cur/base and its 95% interval; NaN when no ratio */
	double p, q;		/* two-sided p and its BH-adjusted q; NaN when untested */
	double mde;		/* smallest change detectable (fraction, at VERDICT_POWER); NaN when none */
	double sd, df;		/* between-replicate sd (log) used, and its degrees of freedom */
	const char *noise;	/* where sd came from: "replicates", "+history", "+report", ... */
	size_t runs_needed;	/* replicates a side for an mde of VERDICT_MDE_MAX; 0 when not known */
	size_t nb, nc;		/* samples a side, over all its runs */
	size_t runs_b, runs_c;	/* runs a side */
	size_t reps_b, reps_c;	/* replicates a side (runs, or boots) */
	bool separated;		/* every replicate of one side beyond every replicate of the other */
	bool linear;		/* zeros or negatives: an exact permutation test over replicates */
	unsigned family;	/* 0: its own; results with one id are one measurement, BH counts it once */
	/* what verdict_finish() combines: today's replicates, the floor, history, the report */
	struct {
		double d, var, floor;	/* log centre difference; pooled variance, its floor */
		double var_side[2];	/* each side's own variance (NaN with one replicate) */
		double df;		/* today's degrees of freedom between replicates */
		double hvar, hdf;	/* history (same host, kernel, options); hdf 0: none */
		double pvar, pdf;	/* the report's prior; pdf 0: none */
		double f_p;		/* the homogeneity test of history against today */
		double perm_p;		/* exact test of the log replicates, where today's spread is 0 */
	} est;
	char why[200];
};

/*
 * Everything but q and the verdict: centres, ratio and interval, p, mde, separation.
 * @noise may be NULL (no history). A side without samples leaves the result n/a.
 */
void verdict_measure(const struct vside *base, const struct vside *cur,
		     const struct vnoise *noise, struct vresult *r);
/*
 * The noise the log-scale results of @rs[0..n) lend each other: the prior of their
 * between-replicate variances (Smyth's moment estimate), then each result finished again
 * with it. Call after verdict_measure() and before verdict_correct(); NULL entries skipped.
 */
void verdict_moderate(struct vresult *const *rs, size_t n);
/*
 * Benjamini-Hochberg over every result with a p (NULL entries skipped); sets q. Results of
 * one family (the same non-zero @family) count once, at the family's smallest p.
 */
void verdict_correct(struct vresult *const *rs, size_t n);
/* The verdict from a measured and corrected result, with its why. */
void verdict_decide(struct vresult *r, int better);

/* A side's centre as verdict_measure() takes it (geometric mean of replicates; NaN: no samples). */
double vside_centre(const struct vside *s);

/*
 * The 95% interval of a side's centre: a t interval on its log replicate values (df
 * replicates - 1), never narrower than its runs' repetitions allow; with one replicate (or
 * zeros) the bootstrap interval of the median of its samples, which knows nothing of the
 * noise between replicates. 0, or -EINVAL when it has no samples.
 */
int vside_interval(const struct vside *s, double *lo, double *hi);

/* Replicates of a side: distinct groups among its runs with samples. */
size_t vside_replicates(const struct vside *s);

/* Which of two references a set of runs belongs with (verdict_belongs()). */
enum vbelong { VBELONG_NEITHER, VBELONG_GOOD, VBELONG_BAD };

/*
 * Whether a decided result found no difference: `same`, or `inconclusive` where noise was
 * measured between replicates and the ratio's 95% interval holds 1.
 */
bool verdict_alike(const struct vresult *r);
/*
 * The rule of a bisect step, stated here beside the engine: the same runs judged against
 * the good references (@to_good) and against the bad ones (@to_bad) belong with the good
 * when they differ from the bad (better or worse) and the interval of their ratio to the
 * good lies within half the good-bad gap (on the log scale), with the bad in the mirror
 * case, and with neither otherwise (the step cannot tell yet).
 */
enum vbelong verdict_belongs(const struct vresult *to_good, const struct vresult *to_bad);

/* Samples of one run as a side of one run each (every repetition its own replicate). */
void vside_of_samples(struct vside *s, const double *x, size_t n, const double **xs, size_t *ns);

/*
 * The sampling variance of the log median of @x[0..n) from its own spread (MAD-based): the
 * least a run's value varies by. NaN below 2 samples or with one not positive.
 */
double verdict_median_var(const double *x, size_t n);

/* Exact two-sided permutation p of the difference of means of @a and @b (replicates). */
double verdict_perm_p(const double *a, size_t na, const double *b, size_t nb);

#endif
