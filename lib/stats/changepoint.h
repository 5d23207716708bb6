/*
 * Change points of a series of sets of runs (one set per kernel, in version order): binary
 * segmentation whose test at each candidate split is the verdict engine's, left segment
 * against right segment, with Benjamini-Hochberg over the candidates of each scan.
 */
#ifndef MMBENCH_CHANGEPOINT_H
#define MMBENCH_CHANGEPOINT_H

#include <stddef.h>

#include "stats/verdict.h"

/* Runs a segment needs on each side of a split: one run alone cannot start a change point. */
#define CP_MIN_RUNS	2
#define CP_MAX		32

struct cp_point {
	size_t at;		/* index of the first group of the new segment */
	size_t lo, hi;		/* the segment [lo, hi) that was split */
	struct vresult res;	/* [lo, at) against [at, hi) */
};

/*
 * Change points of @g[0..n) for a metric where @better (enum better) is better, into
 * @out (at most CP_MAX), in order of @at. Returns how many, or -ENOMEM.
 */
int changepoint_find(const struct vside *g, size_t n, int better, struct cp_point *out);

#endif
