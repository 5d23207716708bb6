/*
 * Binary segmentation over per-kernel sets of runs. Each scan tries every split of a
 * segment that leaves CP_MIN_RUNS runs on both sides, measures left against right with
 * verdict_measure(), corrects the scan's p-values together (verdict_correct(): the splits
 * of one scan are many looks at one series), and keeps the split the engine calls a
 * difference with the smallest p; then both halves are scanned again.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "stats/changepoint.h"

/* Groups [lo, hi) of @g as one side, each keeping its replicates; the arrays are malloc'd into @s. */
static int merge(const struct vside *g, size_t lo, size_t hi, struct vside *s)
{
	size_t runs = 0, k = 0;
	const double **x;
	double *med, *mvar;
	size_t *n;
	unsigned *gr;

	for (size_t i = lo; i < hi; i++)
		runs += g[i].nr_runs;
	x = calloc(runs + 1, sizeof(*x));
	n = calloc(runs + 1, sizeof(*n));
	gr = calloc(runs + 1, sizeof(*gr));
	med = calloc(2 * (runs + 1), sizeof(*med));
	if (!x || !n || !gr || !med) {
		free(x);
		free(n);
		free(gr);
		free(med);
		return -ENOMEM;
	}
	mvar = med + runs + 1;
	for (size_t i = lo; i < hi; i++) {
		size_t first = k;

		for (size_t r = 0; r < g[i].nr_runs; r++) {
			x[k] = g[i].x[r];
			n[k] = g[i].n[r];
			med[k] = g[i].med[r];
			mvar[k] = g[i].mvar[r];
			gr[k++] = (unsigned)first + (g[i].group ? g[i].group[r] : (unsigned)r);
		}
	}
	*s = (struct vside){ .x = x, .n = n, .nr_runs = k, .group = gr, .med = med, .mvar = mvar };
	return 0;
}

static void unmerge(struct vside *s)
{
	free((void *)s->x);
	free((void *)s->n);
	free((void *)s->group);
	free((void *)s->med);
}

static size_t runs_in(const struct vside *g, size_t lo, size_t hi)
{
	size_t r = 0;

	for (size_t i = lo; i < hi; i++)
		for (size_t k = 0; k < g[i].nr_runs; k++)
			r += g[i].n[k] > 0;
	return r;
}

/* Whether split @a is a stronger change than @b: smaller p, then a larger ratio. */
static bool stronger(const struct vresult *a, const struct vresult *b)
{
	double pa = isnan(a->p) ? 0 : a->p, pb = isnan(b->p) ? 0 : b->p;
	double la = fabs(log(a->ratio)), lb = fabs(log(b->ratio));

	if (pa != pb)
		return pa < pb;
	return (isnan(lb) ? -1 : lb) < (isnan(la) ? -1 : la);
}

/* Every admissible split of [lo, hi) measured into @res[lo..hi) (NULL where none). */
static int scan(const struct vside *g, size_t lo, size_t hi, struct vresult *res,
		struct vresult **tested)
{
	for (size_t k = lo + 1; k < hi; k++) {
		struct vside l, r;

		tested[k] = NULL;
		if (runs_in(g, lo, k) < CP_MIN_RUNS || runs_in(g, k, hi) < CP_MIN_RUNS)
			continue;
		if (merge(g, lo, k, &l))
			return -ENOMEM;
		if (merge(g, k, hi, &r)) {
			unmerge(&l);
			return -ENOMEM;
		}
		verdict_measure(&l, &r, NULL, &res[k]);
		tested[k] = &res[k];
		unmerge(&l);
		unmerge(&r);
	}
	return 0;
}

static int segment(const struct vside *g, size_t lo, size_t hi, int better,
		   struct cp_point *out, size_t *nr)
{
	struct vresult *res = calloc(hi + 1, sizeof(*res)), **tested = calloc(hi + 1, sizeof(*tested));
	size_t best = 0;
	int err = 0;

	if (!res || !tested) {
		err = -ENOMEM;
		goto out;
	}
	err = scan(g, lo, hi, res, tested);
	if (err)
		goto out;
	verdict_correct(tested + lo + 1, hi - lo - 1);
	for (size_t k = lo + 1; k < hi; k++) {
		if (!tested[k])
			continue;
		verdict_decide(tested[k], better);
		if (tested[k]->v != VERDICT_BETTER && tested[k]->v != VERDICT_WORSE)
			continue;
		if (!best || stronger(tested[k], &res[best]))
			best = k;
	}
	if (!best || *nr == CP_MAX)
		goto out;
	/* left half first, so the points come out in order */
	err = segment(g, lo, best, better, out, nr);
	if (!err && *nr < CP_MAX) {
		out[*nr] = (struct cp_point){ .at = best, .lo = lo, .hi = hi, .res = res[best] };
		(*nr)++;
		err = segment(g, best, hi, better, out, nr);
	}
out:
	free(res);
	free(tested);
	return err;
}

/* @g with each run's median and its variance computed once (vside_cache()), into @c. */
static int cache(const struct vside *g, size_t n, struct vside *c)
{
	for (size_t i = 0; i < n; i++) {
		double *m = calloc(2 * (g[i].nr_runs + 1), sizeof(*m));

		if (!m)
			return -ENOMEM;
		c[i] = g[i];
		c[i].med = m;
		c[i].mvar = m + g[i].nr_runs + 1;
		vside_cache(&g[i], m, m + g[i].nr_runs + 1);
	}
	return 0;
}

int changepoint_find(const struct vside *g, size_t n, int better, struct cp_point *out)
{
	struct vside *c = n > 1 ? calloc(n, sizeof(*c)) : NULL;
	size_t nr = 0;
	int err = 0;

	/* a metric nobody judges has no direction; its shifts are still shifts */
	if (better == BETTER_NONE)
		better = BETTER_HIGHER;
	if (n > 1) {
		err = c ? cache(g, n, c) : -ENOMEM;
		if (!err)
			err = segment(c, 0, n, better, out, &nr);
		for (size_t i = 0; c && i < n; i++)
			free((void *)c[i].med);
		free(c);
	}
	return err ? err : (int)nr;
}
