/*
 * Group-sequential testing: how much of a test's alpha each look at growing data may
 * spend, so that looking again after every new replicate does not inflate the error rate
 * (Lan-DeMets alpha spending, O'Brien-Fleming type), and when a look may stop.
 */
#ifndef MMBENCH_SEQUENTIAL_H
#define MMBENCH_SEQUENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/verdict.h"

#define SEQ_MAX_LOOKS	100	/* exact boundaries are computed for at most this many looks */
#define SEQ_MIN_RUNS	3	/* replicates a side before a precision can be claimed */
#define SEQ_MDE_DEFAULT	0.05

/* What a sequence of looks is asked: its overall error rate and the change that matters. */
struct seq_plan {
	double alpha;		/* two-sided, over the whole sequence (VERDICT_ALPHA) */
	double power;		/* the power an mde is stated at (VERDICT_POWER) */
	double mde;		/* fraction: "same" means within +-mde; the precision asked */
};

/* The plan of compare's defaults and @mde. */
struct seq_plan seq_plan_default(double mde);

/*
 * Alpha spent by information fraction @t (replicates so far / the most the budget allows):
 * alpha(t) = 2 - 2 Phi(z(1 - alpha/2) / sqrt(t)), 0 at t <= 0, alpha at t >= 1.
 */
double seq_spent(const struct seq_plan *p, double t);
/*
 * What a look at @t after one at @t_prev may spend: alpha(t) - alpha(t_prev). Testing each
 * look at exactly this level is valid by Bonferroni over the looks, and conservative: it
 * ignores that the looks share data. seq_nominal() gives the exact level.
 */
double seq_alpha_at(const struct seq_plan *p, double t_prev, double t);
/*
 * Exact two-sided z boundaries of looks at fractions @t[0..n) (increasing, in (0, 1]) with
 * cumulative spending @spent[0..n): under no difference, the statistic crosses first at
 * look k with probability spent[k] - spent[k-1] (Armitage-McPherson-Rowe recursive
 * integration of a Brownian motion observed at the looks). z[k] is INFINITY where a look
 * spends nothing. 0, or -EINVAL (n out of range, @t not increasing, @spent decreasing).
 */
int seq_bounds(const double *t, const double *spent, unsigned n, double *z);
/*
 * The two-sided level the last of the looks at fractions @t[0..n) may test at, under @p's
 * spending (fractions past 1 are 1: a look beyond the plan spends nothing, level 0).
 * NaN on bad input (as seq_bounds()).
 */
double seq_nominal(const struct seq_plan *p, const double *t, unsigned n);

/* What one look concluded of one judged metric. */
enum seq_call {
	SEQ_MORE,		/* undecided: another replicate may tell */
	SEQ_DIFFERS,		/* better or worse at the look's level */
	SEQ_SAME,		/* the interval at the look's level lies within +-mde */
	SEQ_UNJUDGED,		/* not a judged metric: no better direction, zeros, n/a */
};

/*
 * The (1 - @alpha) interval of @r's ratio, from its 95% t interval and df (the engine's
 * interval is symmetric in the log): 0, or -EINVAL when @r has no finite interval.
 */
int seq_interval(const struct vresult *r, double alpha, double *lo, double *hi);
/*
 * @r as a look at level @alpha reads it, into @out: its interval widened to (1 - @alpha)
 * (seq_interval(); left as it is where there is none), and better or worse only when its q
 * (its p when uncorrected) is at most @alpha, inconclusive otherwise. Rules of the engine
 * that read a result (verdict_belongs()) then apply at the look's level unchanged.
 */
void seq_at_level(const struct vresult *r, double alpha, struct vresult *out);
/* Whether @r's (1 - @alpha) interval lies within +-@mde (a fraction): false when it has none. */
bool seq_within(const struct vresult *r, double alpha, double mde);
/*
 * One look's call on a metric the engine measured, corrected and decided (at its own
 * alpha): it differs only when the engine said better or worse and its q (its p when
 * uncorrected) is at most @alpha_look; it is the same when its (1 - @alpha_look)
 * interval lies within +-@p->mde. Equivalence checked at the look's level is
 * conservative: early looks, which spend little, can rarely stop for "same".
 */
enum seq_call seq_decide(const struct seq_plan *p, double alpha_look, const struct vresult *r);

/*
 * verdict.c's mde for @k runs against @k like runs (df 2(k - 1)) at between-run sd @sd of
 * log run medians: exp((t(1 - alpha/2, df) + t(power, df)) sd sqrt(2 / k)) - 1.
 */
double seq_mde_for(const struct seq_plan *p, double sd, size_t k);
/* The fewest runs (at least SEQ_MIN_RUNS) whose seq_mde_for() is within p->mde; @cap + 1 beyond @cap. */
size_t seq_runs_for(const struct seq_plan *p, double sd, size_t cap);

#endif
