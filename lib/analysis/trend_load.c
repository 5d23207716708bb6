/*
 * The archive of a trend: every run directory under the root (ROOT/<kernel>/<run> or
 * ROOT/<run>), validated by the one reader or read from the root's index, grouped by
 * kernel release in version order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/archive_walk.h"
#include "archive/archive.h"
#include "analysis/kversion.h"
#include "results/results_write.h"
#include "analysis/runset.h"
#include "analysis/trend.h"

#define MANIFEST_SCHEMA	"mmbench-manifest/1"

/* Runs read from the archive with the bench, before grouping. */
struct cand {
	struct rl_run *run;
	char *options;
};

struct cands {
	struct cand *c;
	size_t nr, dirs;		/* dirs: run directories seen, whatever they held */
};

/* The line that refuses a file of the archive of another schema than trend reads. */
static const char *foreign_line(const char *path, const char *schema, const char *ours, char *buf,
				size_t len)
{
	snprintf(buf, len, "%s: schema \"%.60s\" is not the \"%s\" trend reads", path, schema,
		 ours);
	return buf;
}

/* The schema @file of @dir says it is, when it says one this reader does not read. */
static const char *foreign_schema(const char *dir, const char *file, const char *ours,
				  char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	json_t *j, *s;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	s = json_object_get(j, "schema");
	buf[0] = 0;
	if (json_is_string(s) && strcmp(json_string_value(s), ours))
		foreign_line(path, json_string_value(s), ours, buf, len);
	json_decref(j);
	return buf[0] ? buf : NULL;
}

static int skip_run(struct trend *t, const char *dir, const char *why)
{
	fprintf(stderr, "mmbench: trend: %s: skipped\n", dir);
	return json_array_append_new(t->skipped, json_pack("{ssss}", "dir", dir, "why", why)) ?
	       -ENOMEM : 0;
}

/* A run read, kept as a candidate when it has the bench (and the label): 1 kept, 0 not, -ENOMEM. */
static int keep_run(struct trend *t, struct cands *cs, struct rl_run *run)
{
	struct rl_bench *b = rl_find_bench(run, t->bench);
	struct cand *c;
	char lab[160];
	bool bisect;

	/* a bisect step measured a commit, not a release: it belongs to its bisect.log */
	bisect = b && rl_manifest_str(run, "vm.bisect.commit", lab, sizeof(lab));
	t->bisect_runs += bisect;
	if (!b || bisect || (t->label && strcmp(rl_manifest_str(run, "label", lab, sizeof(lab)) ?: "",
						t->label)))
		return 0;
	c = realloc(cs->c, (cs->nr + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	cs->c = c;
	cs->c[cs->nr++] = (struct cand){ .run = run, .options = rl_bench_options(b) };
	return 1;
}

/* One run directory: loaded and kept when it has the bench (and the label). */
static int add_dir(struct trend *t, struct cands *cs, const char *dir)
{
	char file[PATH_MAX], why[PATH_MAX + 200];
	struct rl_run *run = calloc(1, sizeof(*run));
	int kept;

	if (!run)
		return -ENOMEM;
	cs->dirs++;
	snprintf(file, sizeof(file), "%s.json", t->bench);
	if (foreign_schema(dir, "manifest.json", MANIFEST_SCHEMA, why, sizeof(why)) ||
	    foreign_schema(dir, file, RESULTS_SCHEMA, why, sizeof(why))) {
		fprintf(stderr, "mmbench: trend: %s\n", why);
		free(run);
		return -EINVAL;
	}
	if (rl_load_whole(dir, run)) {
		free(run);
		return skip_run(t, dir, rl_load_said());
	}
	kept = keep_run(t, cs, run);
	if (kept <= 0) {
		rl_free(run);
		free(run);
	}
	return kept < 0 ? kept : 0;
}

/* archive_walk()'s callback: what add_dir() needs. */
struct walk_arg {
	struct trend *t;
	struct cands *cs;
};

static int walk_dir(const char *dir, void *arg)
{
	struct walk_arg *w = arg;

	return add_dir(w->t, w->cs, dir);
}

struct indexed {
	struct trend *t;
	struct cands *cs;
};

static int keep_indexed(struct rl_run *run, void *ctx)
{
	struct indexed *x = ctx;
	int kept = keep_run(x->t, x->cs, run);

	if (kept <= 0) {
		rl_free(run);
		free(run);
	}
	return kept < 0 ? kept : 0;
}

static int skip_indexed(const char *dir, const char *why, void *ctx)
{
	/* as the reader says it when it reads the run itself */
	fprintf(stderr, "mmbench: %s\n", why);
	return skip_run(ctx, dir, why);
}

/*
 * The archive through its index (lib/archive/, brought up to date first): the same runs in
 * the same order as archive_walk() gives them, each with only the bench and metric asked.
 */
static int load_indexed(struct trend *t, struct cands *cs, struct archive *a)
{
	char file[PATH_MAX], path[PATH_MAX + 300], schema[128], why[PATH_MAX + 600];
	struct indexed x = { t, cs };
	int err;

	snprintf(file, sizeof(file), "%s.json", t->bench);
	if (archive_foreign_schema(a, file, RESULTS_SCHEMA, MANIFEST_SCHEMA, path, sizeof(path),
				   schema, sizeof(schema))) {
		fprintf(stderr, "mmbench: trend: %s\n", foreign_line(path, schema,
			strstr(path, "/manifest.json") ? MANIFEST_SCHEMA : RESULTS_SCHEMA, why,
			sizeof(why)));
		return -EINVAL;
	}
	cs->dirs = archive_count(a, false);
	err = archive_each_refused(a, skip_indexed, t);
	return err ? err : archive_each_run(a, t->bench, t->metric, keep_indexed, &x);
}

/* The index of the root, made when missing; none (every run read) when it cannot be. */
static int load(struct trend *t, struct cands *cs)
{
	struct archive *a = NULL;
	struct stat st;
	int err = 0;

	/* a root that is no directory is archive_walk()'s to refuse; a shared archive's has none */
	if (archive_opened(t->root) || (!stat(t->root, &st) && S_ISDIR(st.st_mode)))
		a = archive_for_reading(t->root, true, &err);
	if (err == -EPROTO)
		return -EINVAL;
	if (err)
		fprintf(stderr, "mmbench: trend: reading every run of %s instead\n", t->root);
	return a ? load_indexed(t, cs, a) :
	       archive_walk(t->root, "trend", walk_dir, &(struct walk_arg){ t, cs });
}

static bool same_opts(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The options most runs share: comparing across kernels means comparing like with like. */
static const char *common_options(const struct cands *cs, size_t *count)
{
	const char *best = NULL;

	*count = 0;
	for (size_t i = 0; i < cs->nr; i++) {
		size_t k = 0;

		for (size_t j = 0; j < cs->nr; j++)
			k += same_opts(cs->c[i].options, cs->c[j].options);
		if (k > *count) {
			*count = k;
			best = cs->c[i].options;
		}
	}
	return best;
}

static struct tr_kernel *kernel_of(struct trend *t, const struct rl_run *run)
{
	char rel[160], start[40];
	struct tr_kernel *k;

	if (!rl_manifest_str(run, "kernel.release", rel, sizeof(rel)))
		snprintf(rel, sizeof(rel), "?");
	if (!rl_manifest_str(run, "start_time", start, sizeof(start)))
		snprintf(start, sizeof(start), "?");
	for (size_t i = 0; i < t->nr_k; i++)
		if (!strcmp(t->k[i].release, rel)) {
			if (strcmp(start, t->k[i].first) < 0)
				snprintf(t->k[i].first, sizeof(t->k[i].first), "%s", start);
			return &t->k[i];
		}
	k = realloc(t->k, (t->nr_k + 1) * sizeof(*k));
	if (!k)
		return NULL;
	t->k = k;
	k += t->nr_k++;
	memset(k, 0, sizeof(*k));
	snprintf(k->release, sizeof(k->release), "%s", rel);
	snprintf(k->first, sizeof(k->first), "%s", start);
	return k;
}

/* Version order; releases that do not parse go last, by the date of their first run. */
static int kernel_cmp(const void *pa, const void *pb)
{
	const struct tr_kernel *a = pa, *b = pb;
	struct kversion va, vb;

	kversion_parse(a->release, &va);
	kversion_parse(b->release, &vb);
	if (!va.ok && !vb.ok) {
		int c = strcmp(a->first, b->first);

		return c ? c : strcmp(a->release, b->release);
	}
	return kversion_cmp(a->release, b->release);
}

static int group(struct trend *t, struct cands *cs)
{
	size_t used, left = 0;
	const char *opts = common_options(cs, &used);

	t->options = opts ? strdup(opts) : NULL;
	for (size_t i = 0; i < cs->nr; i++) {
		struct tr_kernel *k;
		struct rl_run **r;

		if (!same_opts(cs->c[i].options, opts)) {
			left++;
			continue;
		}
		k = kernel_of(t, cs->c[i].run);
		r = k ? realloc(k->runs, (k->nr + 1) * sizeof(*r)) : NULL;
		if (!r)
			return -ENOMEM;
		k->runs = r;
		k->runs[k->nr++] = cs->c[i].run;
		k->emulated |= rl_emulated(cs->c[i].run) > 0;
		cs->c[i].run = NULL;
	}
	if (t->bisect_runs && !t->borrowed)
		fprintf(stderr, "mmbench: trend: %zu runs of bisect-run steps left out (each "
			"measured a commit, see bisect.log)\n", t->bisect_runs);
	if (left && !t->borrowed)
		fprintf(stderr, "mmbench: trend: %zu runs with other %s options left out; the "
			"trend uses the %zu with %s\n", left, t->bench, used, opts ?: "none");
	qsort(t->k, t->nr_k, sizeof(*t->k), kernel_cmp);
	return 0;
}

/* The candidates group() left out (other options): their runs are freed unless borrowed. */
static void cands_free(const struct trend *t, struct cands *cs)
{
	for (size_t i = 0; i < cs->nr; i++) {
		if (cs->c[i].run && !t->borrowed) {
			rl_free(cs->c[i].run);
			free(cs->c[i].run);
		}
		free(cs->c[i].options);
	}
	free(cs->c);
}

int trend_load(struct trend *t)
{
	struct cands cs = { 0 };
	int err;

	t->skipped = json_array();
	if (!t->skipped)
		return -ENOMEM;
	err = load(t, &cs);
	if (!err && !cs.dirs) {
		fprintf(stderr, "mmbench: trend: %s: no run directories\n", t->root);
		err = -EINVAL;
	} else if (!err && !cs.nr) {
		fprintf(stderr, "mmbench: trend: no run under %s has the bench '%s'%s%s%s\n",
			t->root, t->bench, t->label ? " with the label '" : "", t->label ?: "",
			t->label ? "'" : "");
		err = -EINVAL;
	}
	if (!err)
		err = group(t, &cs);
	cands_free(t, &cs);
	return err;
}

int trend_load_runs(struct trend *t, struct rl_run *const *runs, size_t nr)
{
	struct cands cs = { 0 };
	int err = 0;

	t->borrowed = true;
	t->skipped = json_array();
	if (!t->skipped)
		return -ENOMEM;
	for (size_t i = 0; i < nr && err >= 0; i++)
		err = keep_run(t, &cs, runs[i]);
	err = err < 0 ? err : cs.nr ? group(t, &cs) : -EINVAL;
	cands_free(t, &cs);
	return err;
}

void trend_free(struct trend *t)
{
	for (size_t i = 0; i < t->nr_k; i++) {
		for (size_t r = 0; r < t->k[i].nr && !t->borrowed; r++) {
			rl_free(t->k[i].runs[r]);
			free(t->k[i].runs[r]);
		}
		free(t->k[i].runs);
	}
	free(t->k);
	for (size_t c = 0; c < t->nr_cases; c++)
		free(t->cases[c].rows);
	free(t->cases);
	free(t->options);
	for (size_t i = 0; t->hist && i < t->nr_k; i++)
		if (t->hist_prev[i])
			history_free(&t->hist[i]);
	free(t->hist);
	free(t->hist_prev);
	json_decref(t->skipped);
	memset(t, 0, sizeof(*t));
}
