/* The verdict engine's noise: what today's replicates, the history and the report contribute (verdict.c's own half). */
#ifndef MMBENCH_VERDICT_POOL_H
#define MMBENCH_VERDICT_POOL_H

#include <stddef.h>

#include "stats/verdict.h"

/*
 * From @r->est (today's replicates, their floor, the history, the report's prior): the
 * variance used and its df, the interval, p, mde and replicates needed, and where the noise
 * came from. Leaves p NaN (untested) when no replicate was repeated on either side.
 */
void verdict_finish(struct vresult *r);
/* The smallest two-sided p the exact permutation test can give with @na and @nb replicates. */
double verdict_perm_min_p(size_t na, size_t nb);

#endif
