/* The steps run and sweep share around the driver: a bench started with its results written whatever happens, a run directory ended, reported and printed. */
#ifndef MMBENCH_STEPS_H
#define MMBENCH_STEPS_H

#include <stdbool.h>
#include "core/driver.h"
#include "results/rundir.h"

/*
 * Context, probe and cases of @b in run directory @rd: 0 with the cases listed and keys
 * frozen. When the bench cannot run here (BENCH_SKIP) or its options or cases fail
 * (-errno), its <bench>.json says so and @ctx is finished.
 */
int step_bench_start(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		     struct rundir *rd, struct case_list *list);
/*
 * The run directory finished (rundir_finish()), its report rendered unless @no_report,
 * and its path printed on stdout (the contract run.sh reads). Returns the files that failed.
 */
int step_run_dir_end(struct rundir *rd, bool no_report);

#endif
