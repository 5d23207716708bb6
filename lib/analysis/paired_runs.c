/*
 * compare --paired: the runs of two sides matched by position (ab passes boot i of A and
 * boot i of B, which ran back to back), each block judged on its difference by
 * lib/stats/paired.c, so what moves between blocks cancels.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/paired_runs.h"
#include "stats/paired.h"

int paired_check_sides(const struct cmp *c, size_t s)
{
	size_t nb = c->sides[0].set.nr, ns = c->sides[s].set.nr;

	if (nb == ns)
		return 0;
	fprintf(stderr, "mmbench compare: --paired matches run i of each side, but %c has %zu "
		"run%s and A has %zu\n", (int)('A' + s), ns, ns == 1 ? "" : "s", nb);
	return -EINVAL;
}

/* The median of @metric's repetitions in @cs (NaN when it has none); *@var its variance. */
static double run_value(const struct rl_case *cs, const char *metric, double *var)
{
	const struct rl_metric *m = cs ? rl_find_metric(cs, metric) : NULL;

	*var = m ? verdict_median_var(m->samples, m->n) : NAN;
	return m && m->n ? stats_median(m->samples, m->n) : NAN;
}

/*
 * The centre of one side's run values @x[0..n) (NaN entries skipped), as the unpaired
 * engine states a side: the geometric mean where all are positive, else the median.
 */
static double side_centre(const double *x, size_t n)
{
	double y[RUNSET_MAX], s = 0;
	size_t k = 0;
	bool pos = true;

	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i])) {
			y[k++] = x[i];
			pos = pos && x[i] > 0;
		}
	if (!k)
		return NAN;
	if (!pos)
		return stats_median(y, k);
	for (size_t i = 0; i < k; i++)
		s += log(y[i]) / (double)k;
	return exp(s);
}

void paired_measure_cases(const struct rl_case *const *bc, const struct rl_case *const *cc,
			  size_t nr, const char *metric, struct vresult *r)
{
	double b[RUNSET_MAX] = { 0 }, c[RUNSET_MAX] = { 0 }, fl[RUNSET_MAX] = { 0 }, vb, vc;
	double ab[RUNSET_MAX] = { 0 }, ac[RUNSET_MAX] = { 0 };
	size_t k = 0, left = 0;

	for (size_t i = 0; i < nr && i < RUNSET_MAX; i++) {
		b[k] = ab[i] = run_value(bc[i], metric, &vb);
		c[k] = ac[i] = run_value(cc[i], metric, &vc);
		/* a block's log ratio varies by at least what its two runs' repetitions allow */
		fl[k] = (isnan(vb) ? 0 : vb) + (isnan(vc) ? 0 : vc);
		if (isnan(b[k]) != isnan(c[k]))
			left++;
		if (!isnan(b[k]) && !isnan(c[k]))
			k++;
	}
	verdict_measure_paired(b, c, k, fl, r);
	if (!k) {
		/* no block to judge (a side skipped the case): still say what each side measured */
		r->base = side_centre(ab, nr < RUNSET_MAX ? nr : RUNSET_MAX);
		r->cur = side_centre(ac, nr < RUNSET_MAX ? nr : RUNSET_MAX);
	}
	if (left && k)
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why),
			 "%s%zu block%s left out: a side without the metric",
			 r->why[0] ? "; " : "", left, left == 1 ? "" : "s");
}
