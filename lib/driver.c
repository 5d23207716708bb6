/* The driver: arguments shared by run and sweep, run directories, and the loop over cases and repetitions. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "atomic.h"
#include "driver.h"
#include "knobs.h"
#include "kprofile.h"
#include "manifest.h"
#include "options.h"
#include "procfs.h"
#include "results.h"
#include "report.h"
#include "timing.h"
#include "topology.h"
#include "util.h"

static FILE *log_file;
static const struct run_args *current_args;

FILE *run_log(void)
{
	return log_file;
}

static void vlogf(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	vfprintf(stderr, fmt, ap);
	if (log_file) {
		vfprintf(log_file, fmt, copy);
		fflush(log_file);
	}
	va_end(copy);
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogf(fmt, ap);
	va_end(ap);
}

void bench_log(const struct bench_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	logf_("%s: ", ctx->bench->name);
	va_start(ap, fmt);
	vlogf(fmt, ap);
	va_end(ap);
	logf_("\n");
}

static char *join_args(int argc, char **argv)
{
	size_t len = sizeof("mmbench");
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	strcpy(s, "mmbench");
	for (int i = 0; i < argc; i++)
		strcat(strcat(s, " "), argv[i]);
	return s;
}

static void iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int run_dir_create(const struct run_args *a, int argc, char **argv, struct run_dir *rd)
{
	char stamp[32], base[PATH_MAX];
	struct run_meta meta = { 0 };
	time_t t = time(NULL);
	struct tm tm;
	int r;

	memset(rd, 0, sizeof(*rd));
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(base, sizeof(base), "%s/%s", a->out_root, kernel_release());
	r = mkdir_p(base);
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", __func__, base, strerror(-r));
		return r;
	}
	/* two runs in one second get -2, -3, ... rather than sharing a directory */
	for (int n = 1; ; n++) {
		char suffix[16] = "";

		if (n > 1)
			snprintf(suffix, sizeof(suffix), "-%d", n);
		snprintf(rd->run_id, sizeof(rd->run_id), "%s%s%s%s", stamp, suffix,
			 a->label ? "-" : "", a->label ? a->label : "");
		snprintf(rd->path, sizeof(rd->path), "%s/%s", base, rd->run_id);
		if (!mkdir(rd->path, 0755)) {
			/* marked from the start: a run killed halfway is never taken for a whole one */
			r = results_mark_started(rd->path);
			if (!r)
				break;
			fprintf(stderr, "%s: %s/INCOMPLETE: %s\n", __func__, rd->path, strerror(-r));
			rmdir(rd->path);
			return r;
		}
		r = -errno;
		/* never fall back to a directory another run owns */
		if (r != -EEXIST || n == 99) {
			fprintf(stderr, "%s: %s: %s\n", __func__, rd->path, strerror(-r));
			return r;
		}
	}
	snprintf(base, sizeof(base), "%s/plots", rd->path);
	mkdir(base, 0755);
	snprintf(base, sizeof(base), "%s/log.txt", rd->path);
	rd->log = atomic_stream_open(base, rd->log_partial, sizeof(rd->log_partial));
	log_file = rd->log;
	rd->start = (double)t;
	rd->no_report = a->no_report;
	rd->cmdline = join_args(argc, argv);

	meta.run_id = rd->run_id;
	meta.label = a->label;
	meta.cmdline = rd->cmdline;
	meta.profile = profile_names[a->profile];
	meta.start_time = rd->start;
	rd->manifest = manifest_build(&meta);
	snprintf(base, sizeof(base), "%s/topology.xml", rd->path);
	topo_export_xml(base);
	return 0;
}

int run_dir_finish(struct run_dir *rd)
{
	char when[32], path[PATH_MAX + 16];
	int errors = 0, r;

	iso_time((double)time(NULL), when, sizeof(when));
	if (rd->manifest) {
		json_object_set_new(rd->manifest, "end_time", json_string(when));
		snprintf(path, sizeof(path), "%s/manifest.json", rd->path);
		r = manifest_write(path, rd->manifest);
		if (r) {
			fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-r));
			results_unwritten(path, r);
		}
		json_decref(rd->manifest);
		rd->manifest = NULL;
	} else {
		results_unwritten("manifest.json", ENOMEM);
	}
	free(rd->cmdline);
	rd->cmdline = NULL;
	/* INCOMPLETE goes (or says why not) before the report, which shows it */
	errors += results_mark_finished(rd->path);
	r = rd->no_report ? 0 : report_render(rd->path);
	if (r) {
		errors++;
		results_unwritten("report.txt", r);
		results_mark_finished(rd->path);
	}
	if (rd->log) {
		char path[PATH_MAX + 16];

		/* the log is whole now: it takes its name (a killed run leaves log.txt.partial) */
		snprintf(path, sizeof(path), "%s/log.txt", rd->path);
		r = atomic_stream_close(rd->log, rd->log_partial, path);
		if (r) {
			errors++;
			results_unwritten("log.txt", r);
			results_mark_finished(rd->path);
		}
	}
	rd->log = log_file = NULL;
	printf("%s\n", rd->path);
	return errors;
}

int bench_ctx_init(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		   const struct run_dir *rd)
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
	ctx->bench = b;
	ctx->profile = a->profile;
	ctx->reps = a->reps ? a->reps : b->reps[a->profile];
	if (!ctx->reps)
		ctx->reps = 1;
	ctx->ncpus = online_cpus();
	ctx->opts = v;
	ctx->run_dir = rd ? rd->path : NULL;
	ctx->verbose = a->verbose;
	current_args = a;
	return 0;
}

void bench_ctx_fini(struct bench_ctx *ctx)
{
	opt_values_free((struct opt_values *)ctx->opts);
	ctx->opts = NULL;
}

int driver_bench_start(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		       const struct run_dir *rd, struct case_list *list)
{
	const char *why;
	int r = bench_ctx_init(ctx, b, a, rd);

	if (r)
		return r;
	why = b->probe ? b->probe(ctx) : NULL;
	if (why) {
		bench_log(ctx, "SKIP: %s", why);
		r = results_write(rd->path, ctx, NULL, "skip", why);
		bench_ctx_fini(ctx);
		return r ? r : BENCH_SKIP;
	}
	r = b->cases(ctx, list);
	if (r < 0) {
		bench_log(ctx, "ERROR: cannot list cases: %s", strerror(-r));
		results_write(rd->path, ctx, list, "error", strerror(-r));
		case_list_free(list);
		bench_ctx_fini(ctx);
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

int driver_apply_knobs(struct bench_case *c)
{
	/* the run's --set values hold unless the case needs its own */
	for (int i = 0; current_args && i < current_args->nr_sets; i++) {
		bool own = false;

		for (int k = 0; k < c->nr_knobs; k++)
			own |= !strcmp(c->knobs[k].knob, current_args->sets[i].name);
		if (!own && set_one(c, current_args->sets[i].name, current_args->sets[i].value))
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

int driver_case_once(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	const struct bench *b = ctx->bench;
	int r;

	if (c->status == CASE_SKIP || c->status == CASE_ERROR)
		return c->status == CASE_SKIP ? BENCH_SKIP : -EIO;
	r = driver_apply_knobs(c);
	if (!r && b->setup)
		r = b->setup(ctx, c);
	if (r)
		return settle(c, r);
	kprofile_rep_begin(ctx, c, rep);
	r = b->run(ctx, c, rep);
	kprofile_rep_end(c);
	if (b->teardown)
		b->teardown(ctx, c);
	ctx->priv = NULL;
	return settle(c, r);
}

static uint64_t bench_start_ns;
static unsigned units_done;

void progress(const struct bench_ctx *ctx, const struct bench_case *c, unsigned rep,
	      int case_idx, int nr_cases)
{
	double elapsed = (now_ns() - bench_start_ns) / 1e9;
	unsigned total = nr_cases * ctx->reps;
	char eta[32] = "";

	if (units_done)
		snprintf(eta, sizeof(eta), ", ~%.0fs left",
			 elapsed / units_done * (total - units_done));
	logf_("[%s %d/%d] %s rep %u/%u (%.1fs%s)\n", ctx->bench->name, case_idx + 1, nr_cases,
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
	bench_start_ns = now_ns();
	units_done = 0;
	for (int i = 0; i < list->nr; i++) {
		struct bench_case *c = &list->cases[order[i]];
		int r;

		if (c->status == CASE_SKIP) {
			logf_("[%s %d/%d] %s: SKIP: %s\n", b->name, i + 1, list->nr, c->key, c->reason);
			units_done += ctx->reps;
			continue;
		}
		r = driver_apply_knobs(c);
		if (!r && b->setup)
			r = b->setup(ctx, c);
		/* teardown exactly when setup succeeded, whatever the repetitions did */
		if (!r) {
			for (unsigned rep = 0; !r && rep < ctx->reps; rep++) {
				progress(ctx, c, rep, i, list->nr);
				kprofile_rep_begin(ctx, c, rep);
				r = b->run(ctx, c, rep);
				kprofile_rep_end(c);
				units_done++;
			}
			if (b->teardown)
				b->teardown(ctx, c);
		}
		ctx->priv = NULL;
		settle(c, r);
		units_done = (i + 1) * ctx->reps;
		if (c->status == CASE_SKIP)
			logf_("[%s %d/%d] %s: SKIP: %s\n", b->name, i + 1, list->nr, c->key, c->reason);
		else if (c->status == CASE_ERROR) {
			logf_("[%s %d/%d] %s: ERROR: %s\n", b->name, i + 1, list->nr, c->key, c->reason);
			errors++;
		}
	}
	free(order);
	return errors;
}

json_t *run_settings(const struct run_args *a)
{
	json_t *sets = json_object(), *opts = json_object();

	for (int i = 0; i < a->nr_sets; i++)
		json_object_set_new(sets, a->sets[i].name, json_string(a->sets[i].value));
	for (int i = 0; i < a->nr_benches; i++) {
		struct bench_ctx ctx;
		json_t *o;

		if (bench_ctx_init(&ctx, a->benches[i], a, NULL))
			continue;
		o = json_object();
		for (int k = 0; k < opt_values_count(ctx.opts); k++)
			json_object_set_new(o, opt_values_name(ctx.opts, k),
					    json_string(opt_values_text(ctx.opts, k)));
		json_object_set_new(o, "reps", json_integer(ctx.reps));
		json_object_set_new(opts, a->benches[i]->name, o);
		bench_ctx_fini(&ctx);
	}
	return json_pack("{soso}", "set", sets, "options", opts);
}

void run_dir_annotate(struct run_dir *rd, const char *key, json_t *value)
{
	if (rd->manifest)
		json_object_set_new(rd->manifest, key, value);
	else
		json_decref(value);
}
