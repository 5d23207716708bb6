/* Comparing runs (the first is the base): rows of verdicts and manifest differences, shared by compare.c and compare_out.c. */
#ifndef MMBENCH_COMPARE_H
#define MMBENCH_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "plots.h"
#include "runload.h"

#define CMP_MAX_RUNS	26	/* runs are named A, B, C, ... */

/* One metric of one case in one non-base run, against the base. */
struct cmp_row {
	const char *bench, *key, *metric, *unit;
	int better;
	size_t run;			/* index of the compared run, >= 1 */
	struct rl_metric *b, *c;	/* NULL where not measured */
	double ratio, lo, hi, p, q;	/* NaN where not computed */
	enum verdict v;
	char why[200];
};

/* A manifest field whose value differs between runs. */
struct cmp_diff {
	char key[160];
	char *val[CMP_MAX_RUNS];	/* NULL where absent */
	bool kernel;			/* expected: it is the kernel being compared */
};

struct cmp {
	struct rl_run *runs[CMP_MAX_RUNS];
	char label[CMP_MAX_RUNS][160];	/* "A 6.1.0 20240601-100000" for legends */
	size_t nr_runs;
	struct cmp_row *rows;
	size_t nr_rows;
	struct cmp_diff *diffs;
	size_t nr_diffs, nr_warn;
	size_t count[VERDICT_INFO + 1];
	size_t nr_tests;		/* rows in the BH correction */
};

/* Output (compare_out.c): @plot_prefix is where the plot links point ("" for none). */
void cmp_print_text(FILE *f, const struct cmp *c);
void cmp_print_md(FILE *f, const struct cmp *c, const struct plot_list *plots,
		  const char *plot_prefix);
int cmp_write_json(const char *path, const struct cmp *c);

#endif
