/* compare --paired: run i of each side against run i of the base, a block (lib/stats/paired.c judges it). */
#ifndef MMBENCH_PAIRED_RUNS_H
#define MMBENCH_PAIRED_RUNS_H

#include <stddef.h>

#include "results/results_read.h"
#include "stats/verdict.h"

struct cmp;

/*
 * Side @s of @c matched run by run with the base (block i: run i of each). 0, or -EINVAL
 * after one line on stderr when the two differ in their number of runs.
 */
int paired_check_sides(const struct cmp *c, size_t s);

/*
 * One row: @bc[i] and @cc[i] (the case in run i of the base and of the other side, NULL
 * where that run has no such case) give block i, each run its median of @metric's
 * repetitions (the run, not the repetition, is the replicate); a block missing either
 * side is left out (said in why).
 */
void paired_measure_cases(const struct rl_case *const *bc, const struct rl_case *const *cc,
			  size_t nr, const char *metric, struct vresult *r);

#endif
