/* The first screen of a comparison (compare_summary.c). */
#ifndef MMBENCH_COMPARE_SUMMARY_H
#define MMBENCH_COMPARE_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis/compare.h"

/* The first screen: what changed, largest first, with the bench's mechanism beside it. */
void cmp_print_summary(FILE *f, const struct cmp *c, bool md);
/*
 * The mechanism line of a row as the first screen prints it ("minor-faults x1.20, ..." or
 * ending "unchanged: look for another cause") into @buf; NULL when the bench names
 * no mechanism or the row's metric is one.
 */
const char *cmp_mechanism_text(const struct cmp *c, const struct cmp_row *r, char *buf, size_t len);

#endif
