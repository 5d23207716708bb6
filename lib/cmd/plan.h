/* What a bench of a run will cost, said before it runs (time, memory) and checked against what it took. */
#ifndef MMBENCH_PLAN_H
#define MMBENCH_PLAN_H

#include <stdint.h>
#include <jansson.h>
#include "core/bench.h"
#include "core/driver.h"

struct plan {
	unsigned units;		/* repetitions to run: runnable cases x reps */
	double est_s;		/* < 0: no estimate */
	char source[160];	/* where est_s comes from, in words */
	uint64_t est_bytes;	/* largest case's memory, 0 when no size option tells */
	uint64_t t0_ns;
};

/*
 * Before @ctx's bench runs the cases of @list: the estimate, from the newest earlier
 * run of this bench under @out_root/<release> with the same profile, options, CPUs and nodes
 * (its seconds per repetition), else from the bench's `duration` option, printed with
 * the memory the largest case maps.
 */
void plan_begin(struct plan *p, const struct bench_ctx *ctx, const struct case_list *list,
		const char *out_root, const char *this_run);
/*
 * --assume nodes=N,cpus=N,mem=SIZE (dry runs): plan for that machine instead of this one
 * (what is not given is this one's; topo_assume()). 0, or KSFT_USAGE after one line "@who: ..".
 */
int plan_assume(const char *text, const char *who);
/* The plan's seconds a repetition, or -1 when it has no estimate. */
double plan_rep_s(const struct plan *p);
/*
 * Dry run only: mark the cases of @list that would skip for want of memory here (the rule
 * setup applies, case_need_mem(), on what each case maps by plan's reckoning).
 */
void plan_dry_memory(const struct bench_ctx *ctx, struct case_list *list);
/* Each case of @list that --max-time cut short, into @cut (bench, case, repetitions left out). */
void plan_note_cuts(const struct bench_ctx *ctx, const struct case_list *list, json_t *cut);
/*
 * --max-time for the manifest: the bound, the time spent, what it left out (@cut, taken),
 * also said on stdout (before the run directory's line, which stays the last).
 */
json_t *plan_max_time_json(const struct run_args *a, json_t *cut);
/* After it ran: what it took against the estimate, printed; the manifest's entry for it. */
json_t *plan_end(const struct plan *p, const struct bench_ctx *ctx);

/*
 * Seconds per repetition of @bench in an earlier run's @manifest ("plan" entries) run
 * with the same profile, options, CPUs and nodes: 0, or -ENOENT when none fits.
 */
int plan_history_rate(json_t *manifest, const char *bench, const char *profile, const char *options,
		      unsigned ncpus, unsigned nodes, double *s_per_unit);

#endif
