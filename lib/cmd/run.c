/* mmbench run: a run, or a set of runs, of the selected benches; each run its own directory and order. */
#include <limits.h>
#include <math.h>
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
#include "core/manifest.h"
#include "knobs/knobs.h"
#include "analysis/seq_set.h"
#include "results/results_write.h"
#include "sys/kconfig.h"
#include "sys/timing.h"
#include "sys/topology.h"

/*
 * One bench of a run: probe, cases, what they will cost (added to @plans once run), the
 * loop, results. Returns the number of failed cases.
 */
static int run_bench(const struct bench *b, struct run_args *a, struct rundir *rd, gsl_rng *rng,
		     json_t *plans, json_t *cut)
{
	struct case_list list = { 0 };
	struct bench_ctx ctx;
	struct plan plan;
	int errors, r;

	r = step_bench_start(&ctx, b, a, rd, &list);
	if (r)
		return r == BENCH_SKIP ? 0 : 1;
	plan_begin(&plan, &ctx, &list, a->out_root, rd->path);
	ctx.rep_est_s = plan_rep_s(&plan);
	errors = driver_run_cases(&ctx, &list, rng);
	plan_note_cuts(&ctx, &list, cut);
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

/* The manifest's run_set: which set, which run of it, its order; --runs auto's plan. */
static json_t *run_set_json(const struct run_args *a, const char *set_id, unsigned index,
			    uint64_t seed, json_t *names)
{
	json_t *o = json_pack("{sssIsIso}", "id", set_id, "index", (json_int_t)index + 1,
			      "seed", (json_int_t)(seed + index), "bench_order", names);

	if (!a->runs_auto) {
		json_object_set_new(o, "runs", json_integer((json_int_t)a->runs));
		return o;
	}
	/* runs_used and stop follow when the set ends (auto_record()) */
	json_object_set_new(o, "runs", json_string("auto"));
	json_object_set_new(o, "mde", json_real(a->mde));
	json_object_set_new(o, "budget_s", json_real(a->budget_s));
	return o;
}

/*
 * One run of a set: its own directory (its path into @dir), benches and cases in their
 * own order drawn from (@seed, @index), every knob restored after each bench.
 */
static int run_one(struct run_args *a, int argc, char **argv, uint64_t seed, unsigned index,
		   char *set_id, size_t set_len, char *dir)
{
	const struct bench *order[MAX_BENCHES];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	json_t *names = json_array(), *plans = json_array(), *cut = json_array();
	struct rundir rd;
	int errors = 0;

	if (!rng || rundir_create(a, argc, argv, &rd)) {
		if (rng)
			gsl_rng_free(rng);
		json_decref(names);
		json_decref(plans);
		json_decref(cut);
		return -1;
	}
	gsl_rng_set(rng, (unsigned long)(seed + index));
	memcpy(order, a->benches, a->nr_benches * sizeof(*order));
	gsl_ran_shuffle(rng, order, a->nr_benches, sizeof(*order));
	for (int i = 0; i < a->nr_benches; i++)
		json_array_append_new(names, json_string(order[i]->name));
	if (!index)
		snprintf(set_id, set_len, "%s", rd.run_id);
	snprintf(dir, PATH_MAX, "%s", rd.path);
	rundir_annotate(&rd, "run_set", run_set_json(a, set_id, index, seed, names));
	rundir_annotate(&rd, "settings", rundir_settings(a));
	rundir_annotate(&rd, "harness", harness_notes());
	for (int i = 0; i < a->nr_benches; i++) {
		errors += run_bench(order[i], a, &rd, rng, plans, cut);
		if (knob_restore_all())
			errors++;
	}
	/* each bench's estimate beside what it took: the next run here estimates from it */
	rundir_annotate(&rd, "plan", plans);
	if (a->max_time_s)
		rundir_annotate(&rd, "max_time", plan_max_time_json(a, cut));
	else
		json_decref(cut);
	gsl_rng_free(rng);
	errors += step_run_dir_end(&rd, a->no_report);
	return errors;
}

/* --runs auto's state: the runs so far, read back, and when the set started. */
struct auto_set {
	struct rl_run runs[SEQ_SET_MAX_RUNS];
	struct rl_run *ptr[SEQ_SET_MAX_RUNS];
	char dirs[SEQ_SET_MAX_RUNS][PATH_MAX];
	unsigned n;
	double start, longest;	/* seconds: the set's start, the longest run so far */
};

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

/* Why the set stops before run n + 1, or NULL to go on; @st from the runs so far. */
static const char *auto_stop(const struct run_args *a, const struct auto_set *s,
			     const struct seq_set_status *st)
{
	if (s->n >= SEQ_MIN_RUNS && !st->undecided)
		return "decided";
	if (s->n == SEQ_SET_MAX_RUNS)
		return "limit";
	/* the next run is estimated at the longest so far: none starts that would overrun */
	if (s->n && now_s() - s->start + s->longest > a->budget_s)
		return "budget";
	return NULL;
}

/* Every run's manifest gets how the set ended (written whole, as the run wrote it). */
static int auto_record(const struct auto_set *s, const char *stop)
{
	int errors = 0;

	for (unsigned i = 0; i < s->n; i++) {
		char path[PATH_MAX + 16];
		json_t *m, *rs;

		snprintf(path, sizeof(path), "%s/manifest.json", s->dirs[i]);
		m = json_load_file(path, 0, NULL);
		rs = m ? json_object_get(m, "run_set") : NULL;
		if (!json_is_object(rs) ||
		    json_object_set_new(rs, "runs_used", json_integer((json_int_t)s->n)) ||
		    json_object_set_new(rs, "stop", json_string(stop)) || manifest_write(path, m)) {
			fprintf(stderr, "mmbench: run: %s: cannot record how the set ended\n", path);
			errors++;
		}
		json_decref(m);
	}
	return errors;
}

static void auto_free(struct auto_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		rl_free(&s->runs[i]);
	free(s);
}

/* Every judged metric, decided or not, into the set's first run: runs-auto.txt. */
static void auto_table(const struct auto_set *s, const struct seq_plan *plan)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/runs-auto.txt", s->dirs[0]);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mmbench: run: %s: cannot write the set's table\n", path);
		return;
	}
	fprintf(f, "--runs auto: %u runs\n", s->n);
	err = seq_set_report(s->ptr, s->n, plan, f, "", true);
	if (fclose(f) || err)
		fprintf(stderr, "mmbench: run: %s: cannot write the set's table\n", path);
	else
		fprintf(stderr, "mmbench:   every metric, with its sd and the runs it needed: %s\n",
			path);
}

/* What --runs auto spent and how the set ended (seq_set_report()), then the table. */
static void auto_summary(const struct run_args *a, struct auto_set *s, const char *stop,
			 const char *set_id)
{
	struct seq_plan plan = seq_plan_default(a->mde);

	fprintf(stderr, "mmbench: set %s: --runs auto used %u run%s in %.0f s of a %.0f s budget: "
		"%s\n", set_id, s->n, s->n == 1 ? "" : "s", now_s() - s->start, a->budget_s, stop);
	seq_set_report(s->ptr, s->n, &plan, stderr, "mmbench:   ", false);
	auto_table(s, &plan);
}

/*
 * --runs auto: runs of one set until every judged headline metric is as precise as --mde
 * asks (analysis/seq_set.h), or the budget would be overrun by the next run.
 */
static int run_auto(struct run_args *a, int argc, char **argv, uint64_t seed)
{
	struct seq_plan plan = seq_plan_default(a->mde);
	struct auto_set *s = calloc(1, sizeof(*s));
	struct seq_set_status st = { 0 };
	const char *stop = NULL;
	char set_id[96] = "";
	int errors = 0, r;
	double t0;

	if (!s)
		return KSFT_FAIL;
	s->start = now_s();
	while (!stop) {
		if (s->n && seq_set_check(s->ptr, s->n, &plan, NULL, &st))
			break;
		stop = auto_stop(a, s, &st);
		if (stop)
			break;
		if (s->n)
			fprintf(stderr, "mmbench: run %u of --runs auto: %zu of %zu headline metrics "
				"not yet within %.1f%%; %.0f s of %.0f s spent\n", s->n + 1,
				st.undecided, st.judged, a->mde * 100, now_s() - s->start, a->budget_s);
		t0 = now_s();
		r = run_one(a, argc, argv, seed, s->n, set_id, sizeof(set_id), s->dirs[s->n]);
		if (r < 0)
			break;
		errors += r;
		s->longest = fmax(s->longest, now_s() - t0);
		/* an unreadable run is a failed one: the set stops rather than judge without it */
		if (rl_load_light(s->dirs[s->n], &s->runs[s->n])) {
			fprintf(stderr, "mmbench: run: %s: %s\n", s->dirs[s->n], rl_load_said());
			break;
		}
		s->ptr[s->n] = &s->runs[s->n];
		s->n++;
	}
	if (!stop) {
		auto_free(s);
		return KSFT_FAIL;
	}
	auto_summary(a, s, stop, set_id);
	errors += auto_record(s, stop);
	auto_free(s);
	return errors ? KSFT_FAIL : KSFT_PASS;
}

enum { RUN_CHECK_ONLY = ARG_OWN, RUN_DRY, RUN_ASSUME };

struct run_flags {
	bool check_only, dry_run;
	const char *assume;	/* --assume's text */
};

static int run_flag(void *priv, int code, const char *arg)
{
	struct run_flags *f = priv;

	if (code == RUN_DRY)
		f->dry_run = true;
	else if (code == RUN_ASSUME)
		f->assume = arg;
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
			plan_dry_memory(&ctx, &list);
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
		/* --dry-run for another machine: nodes=N,cpus=N,mem=SIZE */
		{ "assume", required_argument, NULL, RUN_ASSUME },
		{ 0 },
	};
	struct run_flags flags = { 0 };
	struct arg_extra extra = { own, run_flag, &flags };
	struct run_args a;
	char set_id[96] = "", dir[PATH_MAX];
	uint64_t seed;
	int errors = 0, r;

	r = args_parse(argc, argv, &extra, &a, NULL, NULL);
	if (!r && flags.assume && !flags.dry_run)
		return args_usage("mmbench run", "--assume plans for another machine: it needs --dry-run");
	if (!r && flags.check_only)
		return args_check_opts(&a);
	if (!r && flags.dry_run) {
		/* the assumed machine first: bench options (ncpus, sizes) are checked against it */
		r = flags.assume ? plan_assume(flags.assume, "mmbench run") : 0;
		if (!r)
			r = args_check_opts(&a);
		if (r)
			return r;
		topo_init();
		return run_dry(&a) ? KSFT_FAIL : KSFT_PASS;
	}
	if (!r)
		r = args_prepare(&a, "mmbench run");
	if (r)
		return r;
	topo_init();
	seed = a.seed ? a.seed : (uint64_t)time(NULL) * 1000003u + (uint64_t)getpid();
	if (a.runs_auto)
		return run_auto(&a, argc, argv, seed);
	for (unsigned i = 0; i < a.runs; i++) {
		if (a.runs > 1)
			fprintf(stderr, "mmbench: run %u of %u\n", i + 1, a.runs);
		r = run_one(&a, argc, argv, seed, i, set_id, sizeof(set_id), dir);
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
