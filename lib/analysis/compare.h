/* Comparing sides (the first is the base), each a run or a set of runs: rows of verdicts and manifest differences, which the printers read. */
#ifndef MMBENCH_COMPARE_H
#define MMBENCH_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis/history.h"
#include "analysis/runset.h"
#include "stats/verdict.h"

#define CMP_MAX_SIDES	26	/* sides are named A, B, C, ... */

/* One metric of one case in one non-base side, against the base. */
struct cmp_row {
	const char *bench, *key, *metric, *unit;
	int better;
	size_t side;			/* index of the compared side, >= 1 */
	size_t nb, nc;			/* runs of each side that measured it */
	double cv_b, cv_c;		/* mean cv inside a run (repetitions), NaN when none */
	bool history;			/* the host's history of these kernels was measured */
	const char *family;		/* the measurement it is derived from (NULL: its own) */
	struct vresult res;
	char why[200];			/* why n/a, inconclusive or how it was decided */
};

/* A manifest field whose value differs between sides. */
struct cmp_diff {
	char key[160];
	char *val[CMP_MAX_SIDES];	/* NULL where absent */
	bool kernel;			/* expected: it is the kernel being compared */
};

struct cmp_side {
	struct runset set;
	char label[160];		/* "A 6.1.0 20240601-100000" or "A 6.1.0 (3 runs)" */
};

struct cmp {
	struct cmp_side sides[CMP_MAX_SIDES];
	size_t nr_sides;
	struct cmp_row *rows;
	size_t nr_rows;
	struct cmp_diff *diffs;
	size_t nr_diffs, nr_warn;
	size_t count[NR_VERDICTS];
	size_t nr_tests;		/* rows in the BH correction */
	struct noise_history hist;
	bool use_history;
	bool by_boot[CMP_MAX_SIDES];	/* side o against the base: the replicate is the boot */
	bool boots_known[CMP_MAX_SIDES];	/* every run of both sides records its boot */
	bool paired;		/* --paired: run i of every side and of the base form block i */
};

/* The rows of every case and metric the sides have, measured (cmp_judge() decides): 0 or -ENOMEM. */
int cmp_build_rows(struct cmp *c);
/* Benjamini-Hochberg over every row, then each row's verdict; counts them. 0 or -ENOMEM. */
int cmp_judge(struct cmp *c);
/* Sides of one report must speak the same schema: 0, or -EINVAL after one line. */
int cmp_check_schemas(const struct cmp *c);
void cmp_free(struct cmp *c);
/* Whether a run of any side was made on an emulated CPU (TCG), whose timings are not hardware's. */
bool cmp_emulated(const struct cmp *c);

/* The runs of side @s that have the case ok (NULL elsewhere), into @out; returns how many. */
size_t cmp_side_cases(const struct cmp *c, size_t s, const char *bench, const char *key,
		      const struct rl_case **out);

/*
 * The samples of @metric in every case of @cases[0..nr) that has it (NULL entries allowed),
 * as the runs of a verdict side, into @x and @n; @cv gets their mean cv inside a run (NaN
 * when none). Returns how many runs.
 */
size_t cmp_side_samples(const struct rl_case *const *cases, size_t nr, const char *metric,
			const double **x, size_t *n, double *cv);

/* A counter's (@vmstat: a vmstat delta's) value per repetition, averaged over the runs; NaN when none. */
double cmp_side_event(const struct rl_case *const *cs, size_t nr, const char *name, bool vmstat);

#endif
