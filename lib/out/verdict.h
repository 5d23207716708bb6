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

/*
 * The 95% interval of a side's centre: a t interval on its log run medians (df runs - 1)
 * when it has two runs or more, never narrower than its repetitions allow; with one run
 * (or zeros among the samples) the bootstrap interval of the median of its samples, which
 * knows nothing of the noise between runs. 0, or -EINVAL when it has no samples.
 */
int vside_interval(const struct vside *s, double *lo, double *hi);

/* Which of two references a set of runs belongs with (verdict_belongs()). */
enum vbelong { VBELONG_NEITHER, VBELONG_GOOD, VBELONG_BAD };

/*
 * Whether a decided result found no difference: `same`, or `inconclusive` where the engine
 * measured (its noise was not merely assumed with fewer than 3 samples a side) and saw
 * nothing: the ratio's 95% interval holds 1 (so any change is within the mde), or, with
 * zeros, 3 samples a side or more that overlap.
 */
bool verdict_alike(const struct vresult *r);
/*
 * The rule of a bisect step, stated here beside the engine: the same runs judged against
 * the good references (@to_good) and against the bad ones (@to_bad) belong with the good
 * when they differ from the bad (better or worse) and are alike the good (verdict_alike()),
 * with the bad in the mirror case, and with neither otherwise (the step cannot tell yet).
 */
enum vbelong verdict_belongs(const struct vresult *to_good, const struct vresult *to_bad);

/* Samples of one run as a side of one run each (sweep: every repetition is independent). */
void vside_of_samples(struct vside *s, const double *x, size_t n, const double **xs, size_t *ns);

#endif
