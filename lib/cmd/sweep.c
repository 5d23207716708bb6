/* `mmbench sweep KNOB=V1,V2,..`: run benches at each value of one knob and say which value is best. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "cmd/registry.h"
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/plan.h"
#include "cmd/steps.h"
#include "knobs/knobs.h"
#include "results/results_write.h"
#include "sys/atomic.h"
#include "cmd/sweep.h"
#include "report/sweep_report.h"
#include "sys/timing.h"
#include "sys/topology.h"

int sweep_orders(unsigned n, unsigned reps, uint64_t seed, unsigned *out)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	unsigned perm[SWEEP_MAX_VALUES], *rot = calloc(reps + n + 1, sizeof(*rot));

	if (!n || n > SWEEP_MAX_VALUES || !rng || !rot) {
		if (rng)
			gsl_rng_free(rng);
		free(rot);
		return !n || n > SWEEP_MAX_VALUES ? -EINVAL : -ENOMEM;
	}
	/* mt19937 keeps 32 bits of its seed: fold the high half in */
	gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
	for (unsigned i = 0; i < n; i++)
		perm[i] = i;
	gsl_ran_shuffle(rng, perm, n, sizeof(*perm));
	/* whole cycles of every rotation, then distinct ones for the rest, in a random order */
	for (unsigned r = 0; r < reps + n; r++)
		rot[r] = r % n;
	gsl_ran_shuffle(rng, rot + reps / n * n, n, sizeof(*rot));
	gsl_ran_shuffle(rng, rot, reps, sizeof(*rot));
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < n; i++)
			out[r * n + i] = perm[(rot[r] + i) % n];
	gsl_rng_free(rng);
	free(rot);
	return 0;
}

uint64_t sweep_seed(void)
{
	uint64_t s = 0;

	/* getrandom of 8 bytes does not block once the pool is ready; the clock if it fails */
	if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = now_ns() ^ ((uint64_t)getpid() << 32);
	s &= SWEEP_SEED_LIMIT - 1;
	return s ? s : 1;
}

/* "thp.hugepages-2048kB.shmem_enabled" is too long for a param: "2048kB.shmem_enabled". */
static void param_name(const char *knob, char *buf, size_t len)
{
	const char *p = knob;

	if (strlen(p) >= len && !strncmp(p, "thp.hugepages-", 14))
		p += 14;
	if (strlen(p) >= len)
		p += strlen(p) - (len - 1);
	snprintf(buf, len, "%s", p);
}

static int parse_values(struct sweep *sw, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char list[1024], *save, *tok;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(sw->knob))
		return args_usage("mmbench sweep", "takes KNOB=V1,V2,.. (got '%s')", arg);
	snprintf(sw->knob, sizeof(sw->knob), "%.*s", (int)(eq - arg), arg);
	if (!knob_known(sw->knob))
		return args_usage("mmbench sweep", "unknown knob '%s' (see 'mmbench list --knobs')", sw->knob);
	param_name(sw->knob, sw->param, sizeof(sw->param));
	snprintf(list, sizeof(list), "%s", eq + 1);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (sw->nr_values == SWEEP_MAX_VALUES)
			return args_usage("mmbench sweep", "at most %d values", SWEEP_MAX_VALUES);
		if (strlen(tok) >= sizeof(sw->values[0]))
			return args_usage("mmbench sweep", "value '%.20s..' is too long", tok);
		for (unsigned i = 0; i < sw->nr_values; i++)
			if (!strcmp(sw->values[i], tok))
				return args_usage("mmbench sweep", "%s: value '%s' is listed twice", sw->knob, tok);
		snprintf(sw->values[sw->nr_values++], sizeof(sw->values[0]), "%s", tok);
	}
	if (!sw->nr_values || strstr(eq + 1, ",,") || eq[1] == ',' ||
	    eq[strlen(eq) - 1] == ',')
		return args_usage("mmbench sweep", "%s: empty value in the list '%s'", sw->knob, eq + 1);
	return 0;
}

/* Readable and writable here, else one line naming the alternative and exit 4. */
static int check_access(struct sweep *sw)
{
	char orig[64], why[256];
	int r = knob_read(sw->knob, orig, sizeof(orig));

	if (!r && !knob_probe_write(sw->knob, why, sizeof(why)))
		return 0;
	if (r)
		knob_probe_write(sw->knob, why, sizeof(why));
	fprintf(stderr, "mmbench sweep: %s cannot be %s here: %s; './run.sh vm --kernel "
		"IMAGE -- sweep %s=..' runs it on a kernel that allows it\n", sw->knob,
		r ? "read" : "written", why[0] ? why : strerror(-r), sw->knob);
	return KSFT_SKIP;
}

/* The machine's value @orig among the values (added when not listed): what the others are judged against. */
static int add_machine_value(struct sweep *sw, const char *orig)
{
	for (sw->orig = 0; sw->orig < sw->nr_values; sw->orig++)
		if (sw->numeric ? strtod(sw->values[sw->orig], NULL) == strtod(orig, NULL) :
		    !strcmp(sw->values[sw->orig], orig))
			break;
	if (sw->orig == sw->nr_values) {
		if (sw->nr_values == SWEEP_MAX_VALUES)
			return args_usage("mmbench sweep", "at most %d values with the machine's own", SWEEP_MAX_VALUES);
		fprintf(stderr, "mmbench sweep: adding the machine's value %s=%s to the sweep\n",
			sw->knob, orig);
		snprintf(sw->values[sw->nr_values++], sizeof(sw->values[0]), "%s", orig);
	}
	return 0;
}

/*
 * Every value must be one the kernel takes (else exit 2). Values are tried by writing
 * them; knob_restore_all() puts the original back at once. The machine's value joins
 * the list when it is not there: the recommendation is measured against it.
 */
static int check_values(struct sweep *sw)
{
	char orig[64];
	int r = knob_read(sw->knob, orig, sizeof(orig));

	if (r)
		return check_access(sw);
	sw->numeric = knob_numeric(sw->knob);
	for (unsigned i = 0; i < sw->nr_values; i++) {
		char why[600];

		if (knob_try_value(sw->knob, sw->values[i], why, sizeof(why)))
			return args_usage("mmbench sweep", "%s", why);
	}
	return add_machine_value(sw, orig);
}

/* The benches a sweep of @knob runs by default: those that name it, else all. */
static void default_benches(struct run_args *a, const char *knob, bool given)
{
	int n = 0;

	if (given)
		return;
	for (int i = 0; i < nr_benches; i++) {
		const struct bench *b = benches[i];

		for (const char *const *k = b && b->knobs ? b->knobs : NULL; k && *k; k++)
			if (!fnmatch(*k, knob, 0)) {
				a->benches[n++] = b;
				break;
			}
	}
	if (n)
		a->nr_benches = n;
}

/* Every case once per value; the knob is the case's own and its value a param of the key. */
static int sweep_list(const struct sweep *sw, const struct case_list *base, struct case_list *out)
{
	for (unsigned v = 0; v < sw->nr_values; v++) {
		for (int i = 0; i < base->nr; i++) {
			struct bench_case *c = case_new(out);

			if (!c)
				return -ENOMEM;
			bool own = false;

			*c = base->cases[i];
			c->key[0] = 0;
			for (int k = 0; k < c->nr_knobs; k++)
				own |= !strcmp(c->knobs[k].knob, sw->knob);
			if (sw->numeric)
				case_param_num(c, sw->param, strtod(sw->values[v], NULL));
			else
				case_param_str(c, sw->param, sw->values[v]);
			case_freeze_key(c);
			/* a case that sets the knob itself measures its own value, not the sweep's */
			if (own)
				case_skip(c, "the case sets %s itself: sweeping it would override the case",
					  sw->knob);
			else
				case_knob(c, sw->knob, sw->values[v]);
		}
	}
	return 0;
}

/* The repetitions' orders of bench @b into sweep.txt, for the reader to see the balance. */
static void print_orders(const struct sweep *sw, const struct bench *b, unsigned reps,
			 const unsigned *order)
{
	for (unsigned rep = 0; rep < reps && sw->txt; rep++) {
		fprintf(sw->txt, "  %s, repetition %u:", b->name, rep + 1);
		for (unsigned v = 0; v < sw->nr_values; v++)
			fprintf(sw->txt, " %s", sw->values[order[rep * sw->nr_values + v]]);
		fputc('\n', sw->txt);
	}
}

/*
 * Every repetition runs each value's cases once, the values in that repetition's order.
 * --max-time adds a repetition only whole (each is a block of the paired analysis): at
 * the cost of the blocks so far, else the plan's. Returns the repetitions that ran.
 */
static unsigned sweep_reps(const struct sweep *sw, struct bench_ctx *ctx, struct case_list *list,
			   const unsigned *order, double rep_s)
{
	int per = list->nr / sw->nr_values, runnable = 0;
	uint64_t t0 = now_ns();
	unsigned rep;

	for (int i = 0; i < list->nr; i++)
		runnable += list->cases[i].status != CASE_SKIP;
	ctx->start_ns = t0;
	for (rep = 0; rep < ctx->reps; rep++) {
		uint64_t now = now_ns();
		double block = rep ? (now - t0) / 1e9 / rep : rep_s > 0 ? rep_s * runnable : -1;

		if (!driver_rep_fits(now, ctx->deadline_ns, block))
			break;
		for (unsigned v = 0; v < sw->nr_values; v++) {
			unsigned at = order[rep * sw->nr_values + v];

			for (int i = 0; i < per; i++) {
				struct bench_case *c = &list->cases[at * per + i];

				bench_log(ctx, "[value %u/%u, rep %u/%u] %s (%.1fs)", v + 1,
					  sw->nr_values, rep + 1, ctx->reps, c->key,
					  (now_ns() - t0) / 1e9);
				driver_case_once(ctx, c, rep);
			}
		}
	}
	for (int i = 0; rep < ctx->reps && i < list->nr; i++) {
		struct bench_case *c = &list->cases[i];

		if (c->status == CASE_SKIP || c->status == CASE_ERROR)
			continue;
		c->reps_cut = ctx->reps - rep;
		if (!rep)
			case_skip(c, "--max-time: no time left for it (%u repetitions)", ctx->reps);
	}
	return rep;
}

static int sweep_bench(struct sweep *sw, const struct bench *b, struct run_args *a,
		       struct rundir *rd, struct case_list *list, json_t *plans, json_t *cut)
{
	struct case_list base = { 0 };
	struct bench_ctx ctx;
	struct plan plan;
	unsigned *order = NULL;
	int errors = 0, r;

	r = step_bench_start(&ctx, b, a, rd, &base);
	if (r)
		return r == BENCH_SKIP ? 0 : 1;
	r = sweep_list(sw, &base, list);
	free(base.cases);	/* no samples yet: the copies own nothing */
	if (!r) {
		order = calloc((size_t)ctx.reps * sw->nr_values + 1, sizeof(*order));
		r = order ? sweep_orders(sw->nr_values, ctx.reps, sw->seed, order) : -ENOMEM;
	}
	if (r < 0) {
		bench_log(&ctx, "ERROR: cannot list the cases or their orders: %s", strerror(-r));
		results_write(rd->path, &ctx, list, "error", strerror(-r));
		bench_ctx_fini(&ctx);
		free(order);
		return 1;
	}
	print_orders(sw, b, ctx.reps, order);
	plan_begin(&plan, &ctx, list, a->out_root, rd->path);
	sweep_reps(sw, &ctx, list, order, plan_rep_s(&plan));
	free(order);
	if (b->finish)
		b->finish(&ctx, list);
	json_array_append_new(plans, plan_end(&plan, &ctx));
	plan_note_cuts(&ctx, list, cut);
	for (int i = 0; i < list->nr; i++) {
		struct bench_case *c = &list->cases[i];

		if (c->status == CASE_ERROR) {
			bench_log(&ctx, "%s: ERROR: %s", c->key, c->reason);
			errors++;
		} else if (c->status == CASE_SKIP) {
			bench_log(&ctx, "%s: SKIP: %s", c->key, c->reason);
		}
	}
	if (results_write(rd->path, &ctx, list, "ok", NULL))
		errors++;
	bench_ctx_fini(&ctx);
	return errors;
}

/*
 * --dry-run: the values, each bench's cases and repetitions and what the whole sweep
 * would cost (plan.c); no value is tried or set, nothing runs, no run directory is made.
 */
static int sweep_dry(struct sweep *sw, const struct run_args *a)
{
	char orig[64], values[SWEEP_MAX_VALUES * 66] = "";
	int unknown = 0, errors = 0, r;
	double total = 0;
	size_t off = 0;

	sw->numeric = knob_numeric(sw->knob);
	/* an assumed machine's value is not this one's */
	r = topo_assumed() ? -EXDEV : knob_read(sw->knob, orig, sizeof(orig));
	if (!r) {
		r = add_machine_value(sw, orig);
		if (r)
			return r;
	} else {
		/* a run reads it after taking the knob lock (debugfs mounted); a plan touches nothing */
		fprintf(stderr, "mmbench sweep: %s cannot be read %s: the machine's value joins "
			"the values when it is not among them\n", sw->knob,
			r == -EXDEV ? "on an assumed machine" : "without a run");
		sw->orig = sw->nr_values;
	}
	topo_init();
	for (int i = 0; i < a->nr_benches; i++) {
		struct case_list base = { 0 }, list = { 0 };
		struct bench_ctx ctx;
		struct plan plan;
		const char *why;

		if (bench_ctx_init(&ctx, a->benches[i], a, NULL, NULL)) {
			errors++;
			continue;
		}
		r = driver_bench_start(&ctx, &base, &why);
		if (!r)
			r = sweep_list(sw, &base, &list);
		free(base.cases);	/* no samples: the copies own nothing */
		if (!r) {
			plan_dry_memory(&ctx, &list);
			plan_begin(&plan, &ctx, &list, a->out_root, NULL);
			total += plan.est_s > 0 ? plan.est_s : 0;
			unknown += plan.est_s < 0;
		} else if (r != BENCH_SKIP) {
			errors++;
		}
		case_list_free(&list);
		bench_ctx_fini(&ctx);
	}
	for (unsigned v = 0; v < sw->nr_values; v++)
		off += snprintf(values + off, sizeof(values) - off, "%s%s%s", v ? ", " : "", sw->values[v],
				v == sw->orig ? " (the machine's)" : "");
	fprintf(stderr, "mmbench sweep: plan: %s over %u values: %s; every repetition runs each value's "
		"cases once\n", sw->knob, sw->nr_values, values);
	fprintf(stderr, "mmbench sweep: plan: about %.0f s for the benches with an estimate, %d without one\n",
		total, unknown);
	return errors ? KSFT_FAIL : KSFT_PASS;
}

enum { SWEEP_METRIC = ARG_OWN, SWEEP_DRY, SWEEP_ASSUME };

struct sweep_flags {
	struct sweep *sw;
	bool dry_run;
	const char *assume;	/* --assume's text */
};

static int take_sweep_opt(void *priv, int code, const char *arg)
{
	struct sweep_flags *f = priv;

	if (code == SWEEP_METRIC)
		f->sw->metric = arg;
	else if (code == SWEEP_ASSUME)
		f->assume = arg;
	else
		f->dry_run = true;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep sw = { 0 };
	struct run_args a;
	struct rundir rd;
	struct case_list lists[MAX_BENCHES] = { 0 };
	static const struct option own[] = {
		{ "metric", required_argument, NULL, SWEEP_METRIC },
		/* the values, repetitions and what the sweep would cost, and nothing else */
		{ "dry-run", no_argument, NULL, SWEEP_DRY },
		/* --dry-run for another machine, as run's */
		{ "assume", required_argument, NULL, SWEEP_ASSUME },
		{ 0 },
	};
	struct sweep_flags flags = { &sw, false, NULL };
	struct arg_extra extra = { own, take_sweep_opt, &flags };
	char path[PATH_MAX + 32], partial[PATH_MAX + 64];
	int first = 0, nr_operands = 0, errors = 0, r;
	json_t *plans, *cut;

	r = args_parse(argc, argv, &extra, &a, &first, &nr_operands);
	if (!r && nr_operands != 1)
		r = args_usage("mmbench sweep", "takes one KNOB=V1,V2,.. (got %d)", nr_operands);
	if (!r)
		r = parse_values(&sw, argv[first]);
	/* the manifest keeps the seed as a JSON number: exact only below 2^53 */
	if (!r && a.seed >= SWEEP_SEED_LIMIT)
		r = args_usage("mmbench sweep", "--seed takes a number below 2^53 (%llu)",
			      SWEEP_SEED_LIMIT);
	if (r)
		return r;
	default_benches(&a, sw.knob, a.benches_given);
	/* fresh orders each sweep; --seed repeats a sweep's */
	sw.seed = a.seed ? a.seed : sweep_seed();
	if (flags.assume && !flags.dry_run)
		return args_usage("mmbench sweep", "--assume plans for another machine: it needs --dry-run");
	if (flags.dry_run) {
		r = flags.assume ? plan_assume(flags.assume, "mmbench sweep") : 0;
		if (!r)
			r = args_check_opts(&a);
		return r ? r : sweep_dry(&sw, &a);
	}
	r = args_prepare(&a, "mmbench sweep");
	if (r)
		return r;
	/* after knobs_init(): reading a debugfs knob may mount debugfs, unmounted at exit */
	r = check_access(&sw);
	if (!r)
		r = check_values(&sw);
	if (r)
		return r;

	topo_init();
	/* the manifest is taken before the first value is set: the machine as found */
	if (rundir_create(&a, argc, argv, &rd))
		return KSFT_FAIL;
	snprintf(path, sizeof(path), "%s/sweep.txt", rd.path);
	sw.txt = atomic_stream_open(path, partial, sizeof(partial));
	if (!sw.txt)
		results_unwritten("sweep.txt", -errno);
	if (sw.txt) {
		fprintf(sw.txt, "Sweep of %s over", sw.knob);
		for (unsigned v = 0; v < sw.nr_values; v++)
			fprintf(sw.txt, " %s", sw.values[v]);
		fprintf(sw.txt, " (the machine had %s).\nThe repetitions apply the values in "
			"balanced orders (each value in each place equally often),\ndrawn afresh "
			"for this sweep from seed %llu (--seed %llu repeats them):\n",
			sw.values[sw.orig], (unsigned long long)sw.seed,
			(unsigned long long)sw.seed);
	}
	fprintf(stderr, "mmbench sweep: seed %llu (--seed %llu repeats this sweep's orders)\n",
		(unsigned long long)sw.seed, (unsigned long long)sw.seed);

	plans = json_array();
	cut = json_array();
	rundir_annotate(&rd, "settings", rundir_settings(&a));
	rundir_annotate(&rd, "sweep", json_pack("{sss[]sisI}", "knob", sw.knob, "values",
						 "machine_value", (int)sw.orig,
						 "seed", (json_int_t)sw.seed));
	for (unsigned v = 0; v < sw.nr_values; v++)
		json_array_append_new(json_object_get(json_object_get(rd.manifest, "sweep"), "values"),
				      json_string(sw.values[v]));
	for (int i = 0; i < a.nr_benches; i++) {
		errors += sweep_bench(&sw, a.benches[i], &a, &rd, &lists[i], plans, cut);
		/* no bench runs under another's settings */
		if (knob_restore_all())
			errors++;
	}

	rundir_annotate(&rd, "plan", plans);
	if (a.max_time_s)
		rundir_annotate(&rd, "max_time", plan_max_time_json(&a, cut));
	else
		json_decref(cut);
	if (sw.txt) {
		sweep_report(&sw, a.benches, lists, a.nr_benches);
		r = atomic_stream_close(sw.txt, partial, path);
		if (r) {
			results_unwritten("sweep.txt", r);
			errors++;
		}
	}
	for (int i = 0; i < a.nr_benches; i++)
		case_list_free(&lists[i]);
	errors += step_run_dir_end(&rd, a.no_report);
	return errors ? KSFT_FAIL : KSFT_PASS;
}
