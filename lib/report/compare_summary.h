/* The first screen of a comparison (compare_summary.c). */
#ifndef MMBENCH_COMPARE_SUMMARY_H
#define MMBENCH_COMPARE_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis/compare.h"

/* The first screen: what changed, largest first, with the bench's mechanism beside it. */
void cmp_print_summary(FILE *f, const struct cmp *c, bool md);

#endif
