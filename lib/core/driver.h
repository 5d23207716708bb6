/* Running benches: what a run is asked, a bench's context, the case loop with knobs and progress. */
#ifndef MMBENCH_DRIVER_H
#define MMBENCH_DRIVER_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include "core/bench.h"

#define MAX_SETS	32
#define MAX_BENCHES	16

struct name_value {
	char name[96];
	char value[160];
};

/* What a run is asked to do (cmd/args.c parses it from the command line). */
struct run_args {
	enum profile profile;
	unsigned reps;			/* 0: each bench's default for the profile */
	const char *label;
	const char *out_root;		/* "results" unless --out */
	const struct bench *benches[MAX_BENCHES];
	int nr_benches;
	struct name_value sets[MAX_SETS];	/* --set KNOB=VALUE, held for the whole run */
	int nr_sets;
	struct name_value opts[MAX_SETS];	/* --opt [BENCH.]NAME=VALUE */
	int nr_opts;
	unsigned runs;			/* --runs: independent runs one after another (a set) */
	bool runs_auto;			/* --runs auto: as many as --mde asks, within --budget */
	double mde;			/* --mde: the change that matters, a fraction (0: not given) */
	double budget_s;		/* --budget: seconds --runs auto may take (0: not given) */
	uint64_t seed;			/* --seed: of the case order; 0: from the clock */
	double max_time_s;		/* --max-time: seconds the command may take (0: no bound) */
	uint64_t deadline_ns;		/* now_ns() when --max-time runs out (0: no bound), set at the start */
	bool verbose;
	bool no_report;
	bool benches_given;		/* --bench was given (else every bench is selected) */
	bool kprofile;			/* --kprofile: sampled profiles of every case (core/kprofile.h) */
	bool tune;			/* --tune: the low-noise values (knobs/tune.h) held as --set values */
};

/*
 * Bench context and options for @b under @a, logging to stderr and @log (may be NULL);
 * @run_dir may be NULL (list, checks). -EINVAL (message printed) on a bad --opt.
 */
int bench_ctx_init(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		   const char *run_dir, FILE *log);
void bench_ctx_fini(struct bench_ctx *ctx);

/*
 * Probe and cases of the context's bench: 0 with every case's key frozen; BENCH_SKIP
 * when the bench cannot run here, -errno when its cases fail, @why saying which. The
 * caller writes the bench's results either way.
 */
int driver_bench_start(struct bench_ctx *ctx, struct case_list *list, const char **why);

/* Apply the case's knobs, setup, one repetition, teardown. 0, BENCH_SKIP or -errno; the case records why. */
int driver_case_once(struct bench_ctx *ctx, struct bench_case *c, unsigned rep);
/* The run's --set values and the case's knobs; BENCH_SKIP (the case says why) when one cannot be set. */
int driver_apply_knobs(const struct bench_ctx *ctx, struct bench_case *c);

/*
 * Every case of the list, setup once, ctx->reps repetitions, teardown; progress on stderr.
 * The cases run in an order shuffled by @rng (NULL: as listed); results keep the list's order.
 */
int driver_run_cases(struct bench_ctx *ctx, struct case_list *list, gsl_rng *rng);

/*
 * --max-time's decision: whether a repetition expected to take @next_s seconds (< 0: not
 * known) and starting at @now_ns still ends by @deadline_ns (0: no bound). One of unknown
 * cost starts while time is left: it is what tells the cost.
 */
bool driver_rep_fits(uint64_t now_ns, uint64_t deadline_ns, double next_s);
/*
 * What the bench's next repetition is expected to take: its own repetitions so far (setup
 * shared among them), else the plan's ctx->rep_est_s.
 */
double driver_next_rep_s(const struct bench_ctx *ctx, uint64_t now_ns);
/* Whether --max-time leaves room for the bench's next repetition now. */
bool driver_time_left(const struct bench_ctx *ctx);

/* Progress line on stderr: bench, case, repetition, elapsed and an estimate of what remains. */
void progress(const struct bench_ctx *ctx, const struct bench_case *c, unsigned rep,
	      int case_idx, int nr_cases);

#endif
