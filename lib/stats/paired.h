/* Paired designs: a base and a new value measured side by side in each block (a sweep's repetition, an ab boot pair), judged on their differences. */
#ifndef MMBENCH_PAIRED_H
#define MMBENCH_PAIRED_H

#include <stddef.h>

#include "stats/verdict.h"

/*
 * Block i holds @base[i] and @cur[i], measured under the same conditions (the same
 * repetition, the same pair of boots), so what drifts between blocks cancels in their
 * difference. Fills @r as verdict_measure() does, for verdict_correct() and
 * verdict_decide() to finish (the blocks' noise is their own: the report's prior and the
 * history never join it, so est.df stays 0 and verdict_moderate() passes it by):
 * - every value positive: a paired t test on d_i = log(cur_i / base_i) with df n - 1;
 *   centres are geometric means, ratio exp(mean d), its 95% t interval, two-sided p,
 *   mde exp((t(.975) + t(.80)) * se) - 1, and sd the sd of d over sqrt 2 (a side's
 *   equivalent between-replicate sd, to read beside an unpaired result's); noise "blocks".
 *   Where every d is the same (no spread) the exact sign-flip p stands instead: 2^(1-n),
 *   so fewer than 6 such blocks never reach 0.05 (why says so).
 * - one block: untested, as one replicate a side is (p NaN, noise "unmeasured").
 * - zeros or negatives (r->linear): a paired t test on cur_i - base_i where those vary,
 *   else the exact sign-flip test as above; centres are medians, ratio as
 *   verdict_measure() gives it (INFINITY from 0, 0 to 0), no interval and no mde.
 * @floor (NULL: none; NaN entries count as 0) is each block's least variance of its log
 * ratio, from the repetitions its values are medians of: the variance of the d is never
 * taken below their mean, so two blocks that agree by chance are not read as no noise.
 * nb, nc, runs_b, runs_c, reps_b and reps_c are @n_blocks.
 */
void verdict_measure_paired(const double *base, const double *cur, size_t n_blocks,
			    const double *floor, struct vresult *r);

#endif
