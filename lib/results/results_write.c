/* Writing a bench's results as schema mmbench/1 JSON, with the statistics of every metric. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "sys/atomic.h"
#include "core/options.h"
#include "results/results_write.h"
#include "stats/stats.h"
#include "results/kprofile_file.h"

static const char *const better_names[] = {
	[BETTER_LOWER] = "lower", [BETTER_HIGHER] = "higher", [BETTER_NONE] = "none",
};
static const char *const status_names[] = {
	[CASE_PENDING] = "error", [CASE_OK] = "ok", [CASE_SKIP] = "skip", [CASE_ERROR] = "error",
};

/* JSON has no NaN or infinity: a value that is not finite is written as null. */
static json_t *real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The family @name belongs to in @fams ("first second .."), as its first word; NULL: none. */
static json_t *family_of(const char *const *fams, const char *name)
{
	size_t len = strlen(name);

	for (; fams && *fams; fams++)
		for (const char *w = *fams; *w; w += strcspn(w, " "), w += strspn(w, " "))
			if (!strncmp(w, name, len) && (w[len] == ' ' || !w[len]))
				return json_stringn(*fams, strcspn(*fams, " "));
	return NULL;
}

static json_t *metric_json(const struct metric *m, const char *const *fams)
{
	json_t *o = json_object(), *samples = json_array(), *fam = family_of(fams, m->name);
	struct summary s;

	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(samples, real(m->samples[i]));
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "unit", json_string(m->unit));
	json_object_set_new(o, "better", json_string(better_names[m->better]));
	if (fam)
		json_object_set_new(o, "family", fam);
	json_object_set_new(o, "samples", samples);
	if (!stats_summary(m->samples, m->n, &s)) {
		json_object_set_new(o, "median", real(s.median));
		json_object_set_new(o, "mean", real(s.mean));
		json_object_set_new(o, "stddev", real(s.stddev));
		json_object_set_new(o, "cv", real(s.cv));
		json_object_set_new(o, "ci95", json_pack("[oo]", real(s.ci_lo), real(s.ci_hi)));
	}
	return o;
}

static json_t *case_json(const struct bench_case *c, const char *const *fams,
			 const struct loadwatch *lw, unsigned reps)
{
	json_t *o = json_object(), *params = json_object(), *knobs = json_object();
	json_t *metrics = json_array(), *counters = json_object(), *vmstat = json_object();

	for (int i = 0; i < c->nr_params; i++) {
		const struct case_param *p = &c->params[i];

		json_object_set_new(params, p->name, p->is_num ? real(p->num) : json_string(p->str));
	}
	for (int i = 0; i < c->nr_knobs; i++)
		json_object_set_new(knobs, c->knobs[i].knob, json_string(c->knobs[i].value));
	for (int i = 0; i < c->nr_metrics; i++)
		if (c->metrics[i].n)
			json_array_append_new(metrics, metric_json(&c->metrics[i], fams));
	for (int i = 0; i < c->nr_counters; i++) {
		const struct counter_total *t = &c->counters[i];

		if (t->supported)
			json_object_set_new(counters, t->name,
					    json_pack("{sIsIsI}", "val", (json_int_t)t->val,
						      "ena", (json_int_t)t->ena, "run", (json_int_t)t->run));
		else
			json_object_set_new(counters, t->name,
					    json_pack("{sbss}", "supported", 0, "reason", t->reason));
	}
	for (int i = 0; i < c->nr_vmstat; i++)
		json_object_set_new(vmstat, c->vmstat[i].name, json_integer(c->vmstat[i].delta));

	json_object_set_new(o, "case", json_string(c->key));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "knobs", knobs);
	json_object_set_new(o, "status", json_string(status_names[c->status]));
	json_object_set_new(o, "reason", c->status == CASE_OK ? json_null() : json_string(c->reason));
	json_object_set_new(o, "metrics", metrics);
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "vmstat", vmstat);
	/* repetitions --max-time left out: counted, never numbers; a case left short says so */
	if (c->reps_cut) {
		json_object_set_new(o, "reps_skipped", json_integer(c->reps_cut));
		if (c->status == CASE_OK && c->reps_cut < reps) {
			char why[96];

			snprintf(why, sizeof(why), "--max-time: %u of %u repetitions ran",
				 reps - c->reps_cut, reps);
			json_object_set_new(o, "short", json_string(why));
		}
	}
	/* beside the samples: whether each repetition shared its CPUs (sys/loadwatch.h) */
	if (c->nr_load)
		json_object_set_new(o, "load", loadwatch_json(lw, c->load, c->nr_load));
	return o;
}

int results_write(const char *dir, const struct bench_ctx *ctx, const struct case_list *list,
		  const char *status, const char *reason)
{
	char path[PATH_MAX];
	json_t *root = json_object(), *params = json_object(), *cases = json_array();
	int r = 0;

	for (int i = 0; i < opt_values_count(ctx->opts); i++)
		json_object_set_new(params, opt_values_name(ctx->opts, i),
				    json_string(opt_values_text(ctx->opts, i)));
	json_object_set_new(params, "reps", json_integer(ctx->reps));
	json_object_set_new(params, "profile", json_string(profile_names[ctx->profile]));
	for (int i = 0; list && i < list->nr; i++)
		json_array_append_new(cases, case_json(&list->cases[i], ctx->bench->families,
						       &ctx->lw, ctx->reps));

	json_object_set_new(root, "schema", json_string(RESULTS_SCHEMA));
	json_object_set_new(root, "bench", json_string(ctx->bench->name));
	json_object_set_new(root, "summary", json_string(ctx->bench->summary));
	json_object_set_new(root, "unit_of_work", json_string(ctx->bench->unit_of_work));
	/* what explains its headline metrics travels with the run: readers never link benches */
	if (ctx->bench->mechanism) {
		json_t *mech = json_array();

		for (const char *const *m = ctx->bench->mechanism; *m; m++)
			json_array_append_new(mech, json_string(*m));
		json_object_set_new(root, "mechanism", mech);
	}
	json_object_set_new(root, "status", json_string(status));
	json_object_set_new(root, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(root, "params", params);
	json_object_set_new(root, "cases", cases);

	/* written whole or not at all: a reader never sees half a file */
	snprintf(path, sizeof(path), "%s/%s.json", dir, ctx->bench->name);
	r = atomic_write_json(path, root, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-r));
		results_unwritten(path, r);
	}
	json_decref(root);
	if (!r) {
		r = kprofile_write(dir, ctx, list);
		snprintf(path, sizeof(path), "%s/%s.kprofile.json", dir, ctx->bench->name);
		if (r) {
			fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-r));
			results_unwritten(path, r);
		}
	}
	return r;
}

/* The files of this run that could not be written, "name: why" a line, for INCOMPLETE. */
static char unwritten[2048];
static int nr_unwritten;

void results_unwritten(const char *path, int err)
{
	const char *name = strrchr(path, '/');
	size_t off = strlen(unwritten);

	nr_unwritten++;
	if (off < sizeof(unwritten))
		snprintf(unwritten + off, sizeof(unwritten) - off, RUN_UNWRITTEN "%s: %s\n",
			 name ? name + 1 : path, strerror(err < 0 ? -err : err));
}

int results_mark_started(const char *dir)
{
	char path[PATH_MAX];

	unwritten[0] = 0;
	nr_unwritten = 0;
	snprintf(path, sizeof(path), "%s/INCOMPLETE", dir);
	return atomic_write_buf(path, RUN_UNFINISHED "\n", strlen(RUN_UNFINISHED "\n"));
}

/*
 * On a full disk the temporary file of an atomic write cannot be had, but the marker
 * written at the start holds a block: overwrite it in place. Its first version said
 * "did not finish", which stays true of a run whose reasons cannot be written at all.
 */
static int overwrite(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	errno = 0;	/* a short write sets none */
	if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, len) || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

int results_mark_finished(const char *dir)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/INCOMPLETE", dir);
	if (!nr_unwritten) {
		if (unlink(path) && errno != ENOENT)
			return 1;
		atomic_sync_dir(path);
		return 0;
	}
	err = atomic_write_buf(path, unwritten, strlen(unwritten));
	if (err == -ENOSPC || err == -EDQUOT)
		err = overwrite(path, unwritten);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-err));
	fprintf(stderr, "mmbench: %s: INCOMPLETE: %d file(s) of the run could not be written\n",
		dir, nr_unwritten);
	return nr_unwritten;
}
