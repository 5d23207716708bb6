/* What a run's watchers saw, at the top of its report: the kernel log and the load on the bench's CPUs. */
#ifndef MMBENCH_REPORT_WATCH_H
#define MMBENCH_REPORT_WATCH_H

#include <stdbool.h>
#include <stdio.h>
#include "results/results_read.h"

/* The top of a report: what the kernel logged during the run (and the load marks). */
void report_watch(FILE *f, const struct rl_run *run, bool md);

#endif
