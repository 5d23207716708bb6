/* The driver: a bench's context from the run's arguments, and the loop over cases and repetitions with knobs, setup, teardown and progress. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "sys/kconfig.h"
#include "sys/atomic.h"
#include "core/driver.h"
#include "core/kprofile.h"
#include "knobs/knobs.h"
#include "core/manifest.h"
#include "core/options.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "sys/topology.h"
#include "sys/util.h"

/* A line on stderr and in the run's log.txt (ctx->log), with @prefix before it. */
static void vlogf(const struct bench_ctx *ctx, const char *prefix, const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (ctx->log) {
		fputs(prefix, ctx->log);
		vfprintf(ctx->log, fmt, copy);
		fputc('\n', ctx->log);
		fflush(ctx->log);
	}
	va_end(copy);
}

static void logf_(const struct bench_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(const struct bench_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogf(ctx, "", fmt, ap);
	va_end(ap);
}

void bench_log(const struct bench_ctx *ctx, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s: ", ctx->bench->name);
	va_start(ap, fmt);
	vlogf(ctx, prefix, fmt, ap);
	va_end(ap);
}

int bench_ctx_init(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		   const char *run_dir, FILE *log)
{
	struct opt_values *v = opt_values_new(b, a->profile);
	char err[256];

	memset(ctx, 0, sizeof(*ctx));
	if (!v)
		return -ENOMEM;
	for (int k = 0; k < a->nr_opts; k++) {
		const char *name = a->opts[k].name, *dot = strchr(name, '.');
		int r;

		if (dot) {
			if (strncmp(name, b->name, dot - name) || b->name[dot - name])
				continue;
			name = dot + 1;
		}
		r = opt_values_set(v, name, a->opts[k].value, err, sizeof(err));
		if (r == -ENOENT && !dot)
			continue;	/* another selected bench has it */
		if (r) {
			fprintf(stderr, "mmbench: %s: %s\n", b->name, err);
			opt_values_free(v);
			return -EINVAL;
		}
	}
	if (opt_values_validate(v, err, sizeof(err))) {
		fprintf(stderr, "mmbench: %s: %s\n", b->name, err);
		opt_values_free(v);
		return -EINVAL;
	}
	if (b->opts_size) {
		void *o = calloc(1, b->opts_size);
		int r = o ? opt_values_fill(v, o, err, sizeof(err)) : -ENOMEM;

		if (r) {
			if (r == -EINVAL)
				fprintf(stderr, "mmbench: %s: %s\n", b->name, err);
			free(o);
			opt_values_free(v);
			return r;
		}
		ctx->o = o;
	}
	ctx->bench = b;
	ctx->profile = a->profile;
	ctx->reps = a->reps ? a->reps : b->reps[a->profile];
	if (!ctx->reps)
		ctx->reps = 1;
	ctx->ncpus = online_cpus();
	ctx->deadline_ns = a->deadline_ns;
	ctx->rep_est_s = -1;
	ctx->opts = v;
	ctx->run_dir = run_dir;
	ctx->log = log;
	ctx->args = a;
	ctx->verbose = a->verbose;
	loadwatch_init(&ctx->lw);
	return 0;
}

void bench_ctx_fini(struct bench_ctx *ctx)
{
	opt_values_free((struct opt_values *)ctx->opts);
	free((void *)ctx->o);
	ctx->opts = NULL;
	ctx->o = NULL;
}

int driver_bench_start(struct bench_ctx *ctx, struct case_list *list, const char **why)
{
	const struct bench *b = ctx->bench;
	int r;

	*why = b->probe ? b->probe(ctx) : NULL;
	if (*why) {
		bench_log(ctx, "SKIP: %s", *why);
		return BENCH_SKIP;
	}
	r = b->cases(ctx, list);
	if (r < 0) {
		*why = strerror(-r);
		bench_log(ctx, "ERROR: cannot list cases: %s", *why);
		return r;
	}
	for (int i = 0; i < list->nr; i++)
		case_freeze_key(&list->cases[i]);
	return 0;
}

static int set_one(struct bench_case *c, const char *knob, const char *value)
{
	int r = knob_set(knob, value);
	char why[256];

	if (!r)
		return 0;
	if (r == -ENOENT || r == -EPERM || r == -EACCES || r == -EROFS) {
		knob_probe_set(knob, value, why, sizeof(why));
		/* not root: the reason names the uid and what root would set, and is all there is to say */
		if (geteuid() && (r == -EPERM || r == -EACCES) && why[0])
			return case_skip(c, "%s", why);
		return case_skip(c, "cannot set %s=%s: %s", knob, value,
				 why[0] ? why : strerror(-r));
	}
	return case_skip(c, "cannot set %s=%s: %s", knob, value, strerror(-r));
}

int driver_apply_knobs(const struct bench_ctx *ctx, struct bench_case *c)
{
	const struct run_args *a = ctx->args;

	/* the run's --set values hold unless the case needs its own */
	for (int i = 0; a && i < a->nr_sets; i++) {
		bool own = false;

		for (int k = 0; k < c->nr_knobs; k++)
			own |= !strcmp(c->knobs[k].knob, a->sets[i].name);
		if (!own && set_one(c, a->sets[i].name, a->sets[i].value))
			return BENCH_SKIP;
	}
	for (int k = 0; k < c->nr_knobs; k++)
		if (set_one(c, c->knobs[k].knob, c->knobs[k].value))
			return BENCH_SKIP;
	return 0;
}

static int settle(struct bench_case *c, int r)
{
	if (r == BENCH_SKIP) {
		if (c->status != CASE_SKIP)
			case_skip(c, "skipped");
	} else if (r < 0) {
		if (c->status != CASE_ERROR)
			case_fail(c, r, "failed");
	} else if (c->status == CASE_PENDING) {
		c->status = CASE_OK;
	}
	return r;
}

/* One repetition of @c with who else used the CPUs meanwhile, recorded when it succeeded (beside its samples). */
static int watched_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct load_snap a, b;
	int r;

	loadwatch_snap(&ctx->lw, &a);
	r = ctx->bench->run(ctx, c, rep);
	loadwatch_snap(&ctx->lw, &b);
	if (!r && a.ok && b.ok && c->nr_load < CASE_MAX_LOAD)
		loadwatch_between(&ctx->lw, &a, &b, &c->load[c->nr_load++]);
	return r;
}

/*
 * Knobs, setup, repetitions @rep0 .. @rep0 + @nreps - 1 (stopping at the first that
 * fails), teardown. Teardown follows every setup, whatever it returned: a bench's
 * teardown takes what setup got as far as making. @idx >= 0 prints progress.
 */
static int case_reps(struct bench_ctx *ctx, struct bench_case *c, unsigned rep0, unsigned nreps,
		     int idx, int nr)
{
	const struct bench *b = ctx->bench;
	int r = driver_apply_knobs(ctx, c);
	bool set_up = !r && b->setup;

	if (set_up)
		r = b->setup(ctx, c);
	for (unsigned rep = rep0; !r && rep < rep0 + nreps; rep++) {
		/* the first was let in by the caller: setup's cost is counted with it */
		if (rep > rep0 && !driver_time_left(ctx)) {
			c->reps_cut += rep0 + nreps - rep;
			break;
		}
		if (idx >= 0)
			progress(ctx, c, rep, idx, nr);
		kprofile_rep_begin(ctx, c, rep);
		r = watched_run(ctx, c, rep);
		kprofile_rep_end(c);
		ctx->units_done++;
		ctx->reps_run++;
	}
	if (set_up && b->teardown)
		b->teardown(ctx, c);
	ctx->priv = NULL;
	return settle(c, r);
}

bool driver_rep_fits(uint64_t now_ns, uint64_t deadline_ns, double next_s)
{
	if (!deadline_ns)
		return true;
	if (now_ns >= deadline_ns)
		return false;
	return next_s < 0 || next_s * 1e9 <= (double)(deadline_ns - now_ns);
}

double driver_next_rep_s(const struct bench_ctx *ctx, uint64_t now_ns)
{
	if (ctx->reps_run && now_ns > ctx->start_ns)
		return (now_ns - ctx->start_ns) / 1e9 / ctx->reps_run;
	return ctx->rep_est_s;
}

bool driver_time_left(const struct bench_ctx *ctx)
{
	uint64_t now = now_ns();

	return driver_rep_fits(now, ctx->deadline_ns, driver_next_rep_s(ctx, now));
}

/* A case --max-time leaves out whole: a skip with the reason, no numbers. */
static void cut_case(struct bench_ctx *ctx, struct bench_case *c, unsigned reps)
{
	c->reps_cut += reps;
	case_skip(c, "--max-time: no time left for it (%u repetition%s, about %.1f s each)", reps,
		  reps > 1 ? "s" : "", driver_next_rep_s(ctx, now_ns()));
}

int driver_case_once(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	if (c->status == CASE_SKIP || c->status == CASE_ERROR)
		return c->status == CASE_SKIP ? BENCH_SKIP : -EIO;
	return case_reps(ctx, c, rep, 1, -1, 0);
}

void progress(const struct bench_ctx *ctx, const struct bench_case *c, unsigned rep,
	      int case_idx, int nr_cases)
{
	double elapsed = (now_ns() - ctx->start_ns) / 1e9;
	unsigned total = nr_cases * ctx->reps;
	char eta[32] = "";

	if (ctx->units_done)
		snprintf(eta, sizeof(eta), ", ~%.0fs left",
			 elapsed / ctx->units_done * (total - ctx->units_done));
	logf_(ctx, "[%s %d/%d] %s rep %u/%u (%.1fs%s)", ctx->bench->name, case_idx + 1, nr_cases,
	      c->key, rep + 1, ctx->reps, elapsed, eta);
}

/* The order cases run in: shuffled by @rng (each run its own), or as listed when NULL. */
static int *case_order(int n, gsl_rng *rng)
{
	int *order = malloc((n + 1) * sizeof(*order));

	if (!order)
		return NULL;
	for (int i = 0; i < n; i++)
		order[i] = i;
	if (rng && n > 1)
		gsl_ran_shuffle(rng, order, n, sizeof(*order));
	return order;
}

int driver_run_cases(struct bench_ctx *ctx, struct case_list *list, gsl_rng *rng)
{
	const struct bench *b = ctx->bench;
	int errors = 0, *order = case_order(list->nr, rng);

	if (!order)
		return list->nr;
	ctx->start_ns = now_ns();
	ctx->units_done = 0;
	ctx->reps_run = 0;
	for (int i = 0; i < list->nr; i++) {
		struct bench_case *c = &list->cases[order[i]];

		if (c->status == CASE_SKIP) {
			logf_(ctx, "[%s %d/%d] %s: SKIP: %s", b->name, i + 1, list->nr, c->key, c->reason);
			ctx->units_done += ctx->reps;
			continue;
		}
		if (driver_time_left(ctx))
			case_reps(ctx, c, 0, ctx->reps, i, list->nr);
		else
			cut_case(ctx, c, ctx->reps);
		ctx->units_done = (i + 1) * ctx->reps;
		if (c->status == CASE_SKIP)
			logf_(ctx, "[%s %d/%d] %s: SKIP: %s", b->name, i + 1, list->nr, c->key, c->reason);
		else if (c->status == CASE_ERROR) {
			logf_(ctx, "[%s %d/%d] %s: ERROR: %s", b->name, i + 1, list->nr, c->key, c->reason);
			errors++;
		}
		else if (c->reps_cut)
			logf_(ctx, "[%s %d/%d] %s: --max-time: %u of %u repetitions ran", b->name, i + 1,
			      list->nr, c->key, ctx->reps - c->reps_cut, ctx->reps);
	}
	free(order);
	return errors;
}

