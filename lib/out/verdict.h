/*
 * The verdict engine: one metric of one case, a base side against a new side, each side a
 * set of independent runs holding one sample per repetition. compare, sweep and whatever
 * is built on them judge through here and nowhere else.
 */
#ifndef MMBENCH_VERDICT_H
#define MMBENCH_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "out/stats.h"

#define VERDICT_ALPHA		0.05	/* BH-adjusted p must be at most this */
#define VERDICT_POWER		0.80	/* the power an mde is stated at */
#define VERDICT_FLOOR		0.02	/* smallest change ever called a difference */
#define VERDICT_MDE_MAX		0.10	/* "same" only when a change this small could be seen */
/*
 * Between-run sd (log) assumed when none was measured: runs of one kernel minutes apart
 * differ by 5-30% on a noisy guest, with heavier tails than a normal's.
 */
#define VERDICT_RUN_NOISE	0.15
#define VERDICT_MAX_RUNS_HINT	50
#define VERDICT_MIN_SEPARATED	3	/* samples a side before separation alone decides */

/* One side of a comparison: @nr_runs runs, run r holding @n[r] samples at @x[r]. */
struct vside {
	const double *const *x;
	const size_t *n;
	size_t nr_runs;
};

/* The host's between-run noise of one metric, from earlier runs in the archive. */
struct vnoise {
	double var;		/* variance of log run medians between replicate runs */
	double df;		/* its degrees of freedom; 0: nothing measured */
};

struct vresult {
	enum verdict v;
	double base, cur;	/* each side's centre: geometric mean of its runs' medians */
	double ratio, lo, hi;	/* cur/base and its 95% interval; NaN when no ratio */
	double p, q;		/* two-sided p and its BH-adjusted q; NaN when untested */
	double mde;		/* smallest change detectable (fraction, at VERDICT_POWER); NaN when none */
	double sd, df;		/* between-run sd (log) used, and its degrees of freedom */
	const char *noise;	/* where sd came from: "runs", "runs+history", "history", "assumed" */
	size_t runs_needed;	/* runs a side for an mde of VERDICT_MDE_MAX; 0 when not asked */
	size_t nb, nc;		/* samples a side, over all its runs */
	size_t runs_b, runs_c;
	bool separated;		/* every sample of one side beyond every sample of the other */
	bool linear;		/* zeros or negatives: judged by direction and separation */
	char why[200];
};

/*
 * Everything but q and the verdict: centres, ratio and interval, p, mde, separation.
 * @noise may be NULL (no history). A side without samples leaves the result n/a.
 */
void verdict_measure(const struct vside *base, const struct vside *cur,
		     const struct vnoise *noise, struct vresult *r);
/* Benjamini-Hochberg over every result with a p (NULL entries skipped); sets q. */
void verdict_correct(struct vresult *const *rs, size_t n);
/* The verdict from a measured and corrected result, with its why. */
void verdict_decide(struct vresult *r, int better);

/* A side's centre as verdict_measure() takes it (geometric mean of run medians; NaN: no samples). */
double vside_centre(const struct vside *s);

/* Samples of one run as a side of one run each (sweep: every repetition is independent). */
void vside_of_samples(struct vside *s, const double *x, size_t n, const double **xs, size_t *ns);

#endif
