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
/* Two-sided Mann-Whitney U test p-value (exact for small samples, normal approx with ties correction otherwise). */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
/* Benjamini-Hochberg adjusted p-values (q) for p[0..n). */
void stats_bh(const double *p, size_t n, double *q);

/* VERDICT_INFO: a metric with better "none" is shown but never judged. */
enum verdict { VERDICT_SAME, VERDICT_BETTER, VERDICT_WORSE, VERDICT_NA, VERDICT_INFO };

#define STATS_ALPHA		0.05	/* BH-adjusted p must be at most this */
#define STATS_NOISE_FLOOR	0.02	/* smallest change ever called a difference */
#define STATS_MIN_SAMPLES	3

struct verdict_in {
	int better;		/* enum better of bench.h */
	size_t nb, nc;		/* sample counts */
	double ratio, lo, hi;	/* ratio new/base and its CI */
	double q;		/* BH-adjusted p */
	double cv_base, cv_new;
};

/* The rule of DESIGN.md; *why says why n/a. */
enum verdict stats_verdict(const struct verdict_in *in, const char **why);
const char *verdict_name(enum verdict v);

/* 95% percentile-bootstrap interval of the median alone (seeded with STATS_SEED). */
int stats_median_ci(const double *x, size_t n, double *lo, double *hi);

#endif
