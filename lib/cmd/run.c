/* mmbench run: a run, or a set of runs, of the selected benches; each run its own directory and order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/plan.h"
#include "cmd/steps.h"
#include "knobs/knobs.h"
#include "results/results_write.h"
#include "sys/kconfig.h"
#include "sys/topology.h"

/*
 * One bench of a run: probe, cases, what they will cost (added to @plans once run), the
 * loop, results. Returns the number of failed cases.
 */
static int run_bench(const struct bench *b, struct run_args *a, struct run_dir *rd, gsl_rng *rng,
		     json_t *plans)
{
	struct case_list list = { 0 };
	struct bench_ctx ctx;
	struct plan plan;
	int errors, r;

	r = step_bench_start(&ctx, b, a, rd, &list);
	if (r)
		return r == BENCH_SKIP ? 0 : 1;
	plan_begin(&plan, &ctx, &list, a->out_root, rd->path);
	errors = driver_run_cases(&ctx, &list, rng);
	if (b->finish)
		b->finish(&ctx, &list);
	json_array_append_new(plans, plan_end(&plan, &ctx));
	/* a result that could not be written fails the run (INCOMPLETE names it) */
	if (results_write(rd->path, &ctx, &list, "ok", NULL))
		errors++;
	case_list_free(&list);
	bench_ctx_fini(&ctx);
	return errors;
}

/* What the harness does against noise, for the manifest: a reader can see it and undo it. */
static json_t *harness_notes(void)
{
	return json_pack("{ssssss}",
			 "case_order", "shuffled per run (benches and cases), seed in run_set",
			 "knobs", "restored after each bench: no bench runs under another's settings",
			 "memory", "each repetition maps its own memory; where it allocates, it first "
			 "touches and frees as much, untimed (each case's prewarm param)");
}

/*
 * One run of a set: its own directory, benches and cases in their own order drawn from
 * (@seed, @index), every knob restored after each bench.
 */
static int run_one(struct run_args *a, int argc, char **argv, uint64_t seed, unsigned index,
		   char *set_id, size_t set_len)
{
	const struct bench *order[MAX_BENCHES];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	json_t *names = json_array(), *plans = json_array();
	struct run_dir rd;
	int errors = 0;

	if (!rng || run_dir_create(a, argc, argv, &rd)) {
		if (rng)
			gsl_rng_free(rng);
		json_decref(names);
		json_decref(plans);
		return -1;
	}
	gsl_rng_set(rng, (unsigned long)(seed + index));
	memcpy(order, a->benches, a->nr_benches * sizeof(*order));
	gsl_ran_shuffle(rng, order, a->nr_benches, sizeof(*order));
	for (int i = 0; i < a->nr_benches; i++)
		json_array_append_new(names, json_string(order[i]->name));
	if (!index)
		snprintf(set_id, set_len, "%s", rd.run_id);
	run_dir_annotate(&rd, "run_set", json_pack("{sssIsIsIso}", "id", set_id,
			 "index", (json_int_t)index + 1, "runs", (json_int_t)a->runs,
			 "seed", (json_int_t)(seed + index), "bench_order", names));
	run_dir_annotate(&rd, "settings", run_settings(a));
	run_dir_annotate(&rd, "harness", harness_notes());
	for (int i = 0; i < a->nr_benches; i++) {
		errors += run_bench(order[i], a, &rd, rng, plans);
		if (knob_restore_all())
			errors++;
	}
	/* each bench's estimate beside what it took: the next run here estimates from it */
	run_dir_annotate(&rd, "plan", plans);
	gsl_rng_free(rng);
	errors += step_run_dir_end(&rd, a->no_report);
	return errors;
}

enum { RUN_CHECK_ONLY = ARG_OWN, RUN_DRY = ARG_OWN + 1 };

struct run_flags {
	bool check_only, dry_run;
};

static int run_flag(void *priv, int code, const char *arg)
{
	struct run_flags *f = priv;

	(void)arg;
	if (code == RUN_DRY)
		f->dry_run = true;
	else
		f->check_only = true;
	return 0;
}

/*
 * --dry-run: each bench's cases and what they would cost here (plan.c), nothing run,
 * no knob touched and no run directory made. Returns how many benches failed to list.
 */
static int run_dry(const struct run_args *a)
{
	int errors = 0, unknown = 0;
	double total = 0;

	for (int i = 0; i < a->nr_benches; i++) {
		struct case_list list = { 0 };
		struct bench_ctx ctx;
		struct plan plan;
		const char *why;
		int r = bench_ctx_init(&ctx, a->benches[i], a, NULL, NULL);

		if (r) {
			errors++;
			continue;
		}
		r = driver_bench_start(&ctx, &list, &why);
		if (!r) {
			plan_begin(&plan, &ctx, &list, a->out_root, NULL);
			total += plan.est_s > 0 ? plan.est_s : 0;
			unknown += plan.est_s < 0;
		} else if (r != BENCH_SKIP)
			errors++;
		case_list_free(&list);
		bench_ctx_fini(&ctx);
	}
	fprintf(stderr, "mmbench: plan: about %.0f s for the benches with an estimate, %d without one\n",
		total, unknown);
	return errors;
}

int cmd_run(int argc, char **argv)
{
	static const struct option own[] = {
		/* the arguments as the guest would take them (vm, ab, bisect-run check on the host) */
		{ "check-only", no_argument, NULL, RUN_CHECK_ONLY },
		/* what would run and what it would cost, and nothing else */
		{ "dry-run", no_argument, NULL, RUN_DRY },
		{ 0 },
	};
	struct run_flags flags = { 0 };
	struct arg_extra extra = { own, run_flag, &flags };
	struct run_args a;
	char set_id[96] = "";
	uint64_t seed;
	int errors = 0, r;

	r = run_args_parse(argc, argv, &extra, &a, NULL, NULL);
	if (!r && flags.check_only)
		return run_check_opts(&a);
	if (!r && flags.dry_run) {
		r = run_check_opts(&a);
		if (r)
			return r;
		topo_init();
		return run_dry(&a) ? KSFT_FAIL : KSFT_PASS;
	}
	if (!r)
		r = run_prepare(&a, "mmbench run");
	if (r)
		return r;
	topo_init();
	seed = a.seed ? a.seed : (uint64_t)time(NULL) * 1000003u + (uint64_t)getpid();
	for (unsigned i = 0; i < a.runs; i++) {
		if (a.runs > 1)
			fprintf(stderr, "mmbench: run %u of %u\n", i + 1, a.runs);
		r = run_one(&a, argc, argv, seed, i, set_id, sizeof(set_id));
		if (r < 0)
			return KSFT_FAIL;
		errors += r;
	}
	if (a.runs > 1)
		fprintf(stderr, "mmbench: set %s: %u runs under %s/%s%s%s\n", set_id, a.runs,
			a.out_root, kernel_release(), a.label ? " labelled " : "",
			a.label ? a.label : "");
	return errors ? KSFT_FAIL : KSFT_PASS;
}
