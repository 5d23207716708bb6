/* Running benches: the run directory, the case loop with knobs and progress, and the arguments run and sweep share. */
#ifndef MMBENCH_DRIVER_H
#define MMBENCH_DRIVER_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include "bench.h"

#define MAX_SETS	32
#define MAX_BENCHES	16

struct name_value {
	char name[96];
	char value[160];
};

/* The arguments shared by run and sweep. */
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
	uint64_t seed;			/* --seed: of the case order; 0: from the clock */
	bool verbose;
	bool no_report;
	bool kprofile;			/* --kprofile: sampled profiles of every case (lib/kprofile.h) */
};

/*
 * Parse the shared arguments from argv[first..]; an argument it does not know is
 * returned through @rest (NULL when none may be left). 0, or KSFT_USAGE after one
 * line on stderr.
 */
int run_args_parse(int argc, char **argv, int first, struct run_args *a, char ***rest, int *nr_rest);

struct run_dir {
	char path[PATH_MAX];
	char run_id[96];
	FILE *log;
	char log_partial[PATH_MAX + 16];	/* log.txt's name while the run lasts */
	double start;
	char *cmdline;
	struct json_t *manifest;	/* taken before any knob changes */
	bool no_report;
};

/* Every selected bench's options are valid: 0, or KSFT_USAGE after one line. */
int run_check_opts(const struct run_args *a);
/*
 * Before a run changes anything: every bench's options, then the knob journal's lock
 * (restoring what a killed run left), then a trial write of each --set value.
 * 0, KSFT_USAGE or KSFT_FAIL after one line on stderr prefixed with @who.
 */
int run_prepare(const struct run_args *a, const char *who);
/* One line "@who: ..." on stderr; returns KSFT_USAGE. */
int run_usage(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * <out>/<kernel>/<YYYYmmdd-HHMMSS>[-label]: opens log.txt, takes the manifest (the
 * machine as found, before any knob changes) and writes topology.xml. argv is the
 * subcommand's (argv[0] "run" or "sweep").
 */
int run_dir_create(const struct run_args *a, int argc, char **argv, struct run_dir *rd);
/* Writes manifest.json with its end time, renders the report, prints the directory; returns errors. */
int run_dir_finish(struct run_dir *rd);

/* Bench context and options for @b under @a; -EINVAL (message printed) on a bad --opt. */
int bench_ctx_init(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		   const struct run_dir *rd);
void bench_ctx_fini(struct bench_ctx *ctx);

/*
 * Context, probe and cases of @b: 0 with every case's key frozen; BENCH_SKIP when the
 * bench cannot run here, -errno when its options or cases fail. On anything but 0 the
 * bench's JSON is written (skip or error, with the reason) and @ctx is finished.
 */
int driver_bench_start(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		       const struct run_dir *rd, struct case_list *list);

/* Apply the case's knobs, setup, one repetition, teardown. 0, BENCH_SKIP or -errno; the case records why. */
int driver_case_once(struct bench_ctx *ctx, struct bench_case *c, unsigned rep);
/* Apply the case's knobs; BENCH_SKIP (and the case says why) when one cannot be set. */
int driver_apply_knobs(struct bench_case *c);

/*
 * Every case of the list, setup once, ctx->reps repetitions, teardown; progress on stderr.
 * The cases run in an order shuffled by @rng (NULL: as listed); results keep the list's order.
 */
int driver_run_cases(struct bench_ctx *ctx, struct case_list *list, gsl_rng *rng);

/* What the run was asked to do: the --set values and every selected bench's options. New reference. */
json_t *run_settings(const struct run_args *a);
/* Add @key to the run's manifest (takes the reference). */
void run_dir_annotate(struct run_dir *rd, const char *key, json_t *value);

/* Progress line on stderr: bench, case, repetition, elapsed and an estimate of what remains. */
void progress(const struct bench_ctx *ctx, const struct bench_case *c, unsigned rep,
	      int case_idx, int nr_cases);

/* The log of the current run (log.txt), or NULL. */
FILE *run_log(void);

#endif
