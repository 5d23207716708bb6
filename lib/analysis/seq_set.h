/*
 * Whether a set of runs, so far, is precise enough: for every judged headline metric, the
 * verdict engine's mde of k runs against k like runs is within the asked mde (run --runs
 * auto stops there).
 */
#ifndef MMBENCH_SEQ_SET_H
#define MMBENCH_SEQ_SET_H

#include <stdio.h>

#include "results/results_read.h"
#include "stats/sequential.h"

#define SEQ_SET_MAX_RUNS	100	/* as --runs N allows */

struct seq_set_status {
	size_t judged;		/* headline metrics: a better direction, positive, not constant */
	size_t undecided;	/* of them, not yet as precise as the plan asks */
	size_t most_needed;	/* the most runs any undecided metric needs (SEQ_SET_MAX_RUNS + 1: more) */
	double worst_mde;	/* the largest mde of a judged metric (INFINITY: one run only) */
	/*
	 * The caller's SEQ_SET_MAX_RUNS + 1 counters, or NULL: needed[k] gets how many decided
	 * metrics were first decided by the first k runs (each prefix measured again).
	 */
	size_t *needed;
	bool list_decided;	/* the caller's: decided metrics get their line on @out too */
};

/*
 * Every metric with a better direction in the ok cases of @runs[0..nr), judged once: the
 * runs that measured it as a verdict side, measured against itself by verdict_measure()
 * (so k runs against k like runs, the engine's own variance, floor and df 2(k - 1)). It is
 * decided with at least SEQ_MIN_RUNS runs and an mde within @p->mde. Metrics with zeros or
 * negatives (the engine's linear path) and metrics constant over every sample are not
 * judged. When @out is not NULL each undecided metric gets one line there, with the runs it
 * would need at its sd so far (with @st->list_decided, every judged metric: decided ones
 * with the runs that decided them). @st is reset but for what the caller sets. 0, or -ENOMEM.
 */
int seq_set_check(struct rl_run *const *runs, size_t nr, const struct seq_plan *p, FILE *out,
		  struct seq_set_status *st);
/*
 * What seq_set_check() found, as `run --runs auto` ends: how many judged metrics are
 * decided and the largest mde, the runs each decided metric needed ("K runs: N metrics"),
 * then (@every) every judged metric's line, or only the undecided ones. Lines but the
 * metrics' open with @prefix. 0, or -ENOMEM.
 */
int seq_set_report(struct rl_run *const *runs, size_t nr, const struct seq_plan *p, FILE *out,
		   const char *prefix, bool every);

#endif
