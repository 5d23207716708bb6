/*
 * Where a bisect step goes: with a reference only when it differs from the other and its
 * interval lies within half the good-bad gap of this one (verdict_belongs()), alike where
 * something was measured (verdict_alike()). bisect-decide and the sequential looks use it.
 */
#include <math.h>
#include <stdbool.h>

#include "stats/verdict.h"

bool verdict_alike(const struct vresult *r)
{
	if (r->v == VERDICT_SAME)
		return true;
	if (r->v != VERDICT_INCONCLUSIVE)
		return false;
	if (r->linear)
		return r->reps_b >= 2 && r->reps_c >= 2 && !r->separated;
	return !isnan(r->p) && r->lo <= 1 && r->hi >= 1;
}

static bool differs(const struct vresult *r)
{
	return r->v == VERDICT_BETTER || r->v == VERDICT_WORSE;
}

/* The interval of @r within a ratio of exp(@half) of 1 either way. */
static bool within(const struct vresult *r, double half)
{
	if (r->linear || isnan(r->p) || !(r->lo > 0) || !isfinite(r->hi))
		return false;
	return fabs(log(r->lo)) < half && fabs(log(r->hi)) < half;
}

enum vbelong verdict_belongs(const struct vresult *to_good, const struct vresult *to_bad)
{
	double half = NAN;

	if (to_good->ratio > 0 && to_bad->ratio > 0 && isfinite(to_good->ratio) &&
	    isfinite(to_bad->ratio))
		half = fabs(log(to_good->ratio) - log(to_bad->ratio)) / 2;
	if (!isnan(half)) {
		if (differs(to_bad) && within(to_good, half))
			return VBELONG_GOOD;
		if (differs(to_good) && within(to_bad, half))
			return VBELONG_BAD;
		return VBELONG_NEITHER;
	}
	/* zeros: no ratio to halve; alike one and different from the other */
	if (differs(to_bad) && verdict_alike(to_good))
		return VBELONG_GOOD;
	if (differs(to_good) && verdict_alike(to_bad))
		return VBELONG_BAD;
	return VBELONG_NEITHER;
}
