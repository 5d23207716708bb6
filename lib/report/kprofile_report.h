/* The report's section on a run's sampled profiles: what was sampled, what sampling cost, where each case spent its time. */
#ifndef MMBENCH_KPROFILE_REPORT_H
#define MMBENCH_KPROFILE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "results/results_read.h"
#include "stats/verdict.h"

#define KPROFILE_REPORT_TOP	3	/* kernel symbols per case */

/* One metric's cost of sampling over a bench's cases: sampled against unsampled repetitions. */
struct kprofile_cost {
	struct vresult res;
	size_t cases;		/* cases that contributed */
};

/*
 * The cost of sampling for metric @metric of profile file @f: every case's sampled and
 * unsampled repetitions, each scaled by the case's geometric mean (so cases of different
 * sizes pool), judged by the verdict engine with each repetition a run. Not corrected.
 */
struct kprofile_file;
void kprofile_cost_measure(const struct kprofile_file *f, const char *metric, struct kprofile_cost *c);
/* The section for run @run in @dir (nothing when no bench was profiled). */
void kprofile_report(FILE *f, const char *dir, const struct rl_run *run, bool md);

#endif
