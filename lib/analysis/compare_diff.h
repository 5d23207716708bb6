/* Manifest differences between the sides of a comparison (compare_diff.c). */
#ifndef MMBENCH_COMPARE_DIFF_H
#define MMBENCH_COMPARE_DIFF_H

#include "analysis/compare.h"

/* Every manifest field that differs between the sides, marked expected or not: 0 or -ENOMEM. */
int cmp_manifest_diffs(struct cmp *c);

#endif
