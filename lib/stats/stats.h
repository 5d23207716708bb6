/* Statistics for samples and for comparing two runs (GSL underneath). */
#ifndef MMBENCH_STATS_H
#define MMBENCH_STATS_H

#include <stddef.h>

#define STATS_BOOT_RESAMPLES	2000
#define STATS_SEED		0x6d6d62u	/* fixed: a report is reproducible */

struct summary {
	size_t n;
	double median, mean, stddev, cv;
	double ci_lo, ci_hi;	/* 95% percentile-bootstrap interval of the median */
};

int stats_summary(const double *x, size_t n, struct summary *s);
double stats_median(const double *x, size_t n);
/* Ratio of medians new/base with a 95% percentile-bootstrap interval. */
int stats_ratio_ci(const double *base, size_t nb, const double *cur, size_t nc,
		   double *ratio, double *lo, double *hi);
/*
 * Two-sided Mann-Whitney U test p-value: exact permutation distribution of the rank sum
 * (mid-ranks for ties) up to 50 samples a side, the normal approximation with the ties
 * correction beyond.
 */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
/* Benjamini-Hochberg adjusted p-values (q) for p[0..n). */
void stats_bh(const double *p, size_t n, double *q);

/*
 * What a comparison concluded of one metric (lib/stats/verdict.c decides). INCONCLUSIVE: it
 * could not have seen a change of the size that matters; never counted as SAME.
 * INFO: a metric with better "none" is shown but never judged.
 */
enum verdict {
	VERDICT_SAME, VERDICT_BETTER, VERDICT_WORSE, VERDICT_INCONCLUSIVE, VERDICT_NA,
	VERDICT_INFO, NR_VERDICTS
};

const char *verdict_name(enum verdict v);

/* 95% percentile-bootstrap interval of the median alone (seeded with STATS_SEED). */
int stats_median_ci(const double *x, size_t n, double *lo, double *hi);

#endif
