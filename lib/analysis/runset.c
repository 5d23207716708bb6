/* Reading a side of a comparison: a run, a set directory, or a list of them; the runs of a set checked as replicates. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/runset.h"
#include "archive/archive.h"

/* The manifest's label, read alone: a set directory is narrowed before its runs are loaded. */
static bool has_label(const char *dir, const char *label)
{
	char path[PATH_MAX];
	json_t *m, *l;
	bool yes;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = json_load_file(path, JSON_DISABLE_EOF_CHECK, NULL);
	l = json_object_get(m, "label");
	yes = json_is_string(l) && !strcmp(json_string_value(l), label);
	json_decref(m);
	return yes;
}

/* The index of the archive @dir is a run of (ROOT/<set>/<run>), or NULL. */
static struct archive *run_index(const char *dir)
{
	char *copy = strdup(dir);
	struct archive *a = NULL;
	int err;

	if (copy)
		a = archive_for_reading(dirname(dirname(copy)), false, &err);
	free(copy);
	return a;
}

/* @dir as runset_load_metric() asks it: from the index when it has the run whole. */
static int load_one(const struct runset *s, const char *dir, bool in_set, struct rl_run *run)
{
	struct archive *a = s->bench ? run_index(dir) : NULL;

	if (a && !archive_run(a, dir, s->bench, s->metric, run))
		return 0;
	return in_set ? rl_load(dir, run) : rl_load_whole(dir, run);
}

static int add_run(struct runset *s, const char *dir, bool in_set)
{
	struct rl_run *run;
	char why[256];

	if (s->nr == RUNSET_MAX) {
		fprintf(stderr, "mmbench: %s: more than %d runs in one side\n", dir, RUNSET_MAX);
		return -E2BIG;
	}
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	if (load_one(s, dir, in_set, run)) {
		free(run);
		if (!in_set)
			return -EINVAL;
		/* rl_load said what is wrong; the rest of the set still counts */
		fprintf(stderr, "mmbench: %s: skipped: not a whole run\n", dir);
		s->skipped++;
		return 0;
	}
	if (in_set && rl_incomplete(run, why, sizeof(why))) {
		fprintf(stderr, "mmbench: %s: skipped: INCOMPLETE: %s\n", dir, why);
		rl_free(run);
		free(run);
		s->skipped++;
		return 0;
	}
	s->runs[s->nr++] = run;
	return 0;
}

/* A run directory of set directory @dir: loaded when it has the label (or none is asked). */
static int add_set_run(struct runset *s, const char *dir, const char *name, const char *label,
		       int *found)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(*found)++;
	if (label && !has_label(path, label))
		return 0;
	return add_run(s, path, true);
}

static int dir_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The set directory read itself: what is a run directory, each label. */
static int scan_set_dir(struct runset *s, const char *dir, const char *label, int *found)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, dir_name_cmp), err = 0;

	if (n < 0) {
		err = -errno;
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(errno));
		return err;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (!err && names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (is_run_dir(path))
				err = add_set_run(s, dir, names[i]->d_name, label, found);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

struct indexed {
	struct runset *s;
	const char *dir, *label;
	int found;
};

static int indexed_run(const char *path, const char *label, bool refused, void *ctx)
{
	struct indexed *x = ctx;
	const char *name = strrchr(path, '/') + 1;

	/* a refused run is read again, to be refused in the reader's own words */
	if (refused)
		return add_set_run(x->s, x->dir, name, x->label, &x->found);
	x->found++;
	if (x->label && (!label || strcmp(label, x->label)))
		return 0;
	return add_set_run(x->s, x->dir, name, NULL, &(int){ 0 });
}

/*
 * The runs of set directory @dir as the index of the archive above it has them (which are
 * run directories, refused, labelled so); -ENOENT when it has none or cannot be used (the
 * set directory is then read itself).
 */
static int index_set_dir(struct runset *s, const char *dir, const char *label, int *found)
{
	char *up = strdup(dir), *top = strdup(dir);
	struct indexed x = { s, dir, label, 0 };
	struct archive *a = NULL;
	int err = -ENOMEM;

	if (up && top) {
		/* dirname() and basename() as compare's history finds its root */
		a = archive_for_reading(dirname(up), false, &err);
		err = a ? archive_each_dir(a, basename(top), indexed_run, &x) : -ENOENT;
	}
	free(up);
	free(top);
	/* none indexed (a set directory reached by a link): read it */
	if (!err && !x.found)
		err = -ENOENT;
	*found = x.found;
	return err;
}

/* Every run directory right below @dir (with @label, when given), in name (= time) order. */
static int add_set_dir(struct runset *s, const char *dir, const char *label)
{
	int found = 0, err = index_set_dir(s, dir, label, &found);

	if (err == -ENOENT)
		err = scan_set_dir(s, dir, label, &found);
	if (!err && !found) {
		fprintf(stderr, "mmbench: %s: no manifest.json: neither a run directory nor a set of them\n", dir);
		return -EINVAL;
	}
	if (!err && !s->nr) {
		fprintf(stderr, "mmbench: %s: no whole run%s%s%s\n", dir, label ? " labelled '" : "",
			label ?: "", label ? "'" : "");
		return -EINVAL;
	}
	return err;
}

/* The runs of a set must be replicates: same kernel release, same options of every bench. */
static int check_replicates(const struct runset *s, const char *spec)
{
	char a[160], b[160];
	const char *ra = rl_manifest_str(s->runs[0], "kernel.release", a, sizeof(a));

	for (size_t r = 1; r < s->nr; r++) {
		const char *rb = rl_manifest_str(s->runs[r], "kernel.release", b, sizeof(b));

		if (!ra || !rb || strcmp(ra, rb)) {
			fprintf(stderr, "mmbench: %s: kernel %s differs from %s's %s in the set %s\n",
				s->runs[r]->dir, rb ?: "(none)", s->runs[0]->dir, ra ?: "(none)", spec);
			return -EINVAL;
		}
		for (size_t k = 0; k < s->runs[r]->nr_benches; k++) {
			const struct rl_bench *br = &s->runs[r]->benches[k];
			const struct rl_bench *b0 = NULL;
			char *o0, *o1;
			bool same;

			/* against the first run of the set that has this bench */
			for (size_t q = 0; q < r && !b0; q++)
				b0 = rl_find_bench(s->runs[q], br->name);
			if (!b0)
				continue;
			o0 = rl_bench_options(b0);
			o1 = rl_bench_options(br);
			same = (!o0 && !o1) || (o0 && o1 && !strcmp(o0, o1));
			if (!same)
				fprintf(stderr, "mmbench: %s: %s options %s differ from %s in the set %s\n",
					br->path, br->name, o1 ?: "(none)", b0->path, spec);
			free(o0);
			free(o1);
			if (!same)
				return -EINVAL;
		}
	}
	return 0;
}

static int load_spec(const char *spec, const char *label, struct runset *s)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int err = 0, items = 0;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && !err; item = strtok_r(NULL, ",", &save)) {
		struct stat st;

		items++;
		if (stat(item, &st)) {
			err = -errno;
			fprintf(stderr, "mmbench: %s: %s\n", item, strerror(errno));
		} else if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "mmbench: %s: not a run directory\n", item);
			err = -ENOTDIR;
		} else if (is_run_dir(item)) {
			err = add_run(s, item, false);
		} else {
			s->is_set = true;
			err = add_set_dir(s, item, label);
		}
	}
	free(copy);
	if (!err && !items) {
		fprintf(stderr, "mmbench: '%s': no run directory\n", spec);
		err = -EINVAL;
	}
	s->is_set |= items > 1;
	if (!err && s->nr > 1)
		err = check_replicates(s, spec);
	if (err)
		runset_free(s);
	return err;
}

int runset_load(const char *spec, const char *label, struct runset *s)
{
	memset(s, 0, sizeof(*s));
	return load_spec(spec, label, s);
}

int runset_load_metric(const char *spec, const char *label, const char *bench,
			const char *metric, struct runset *s)
{
	memset(s, 0, sizeof(*s));
	s->bench = bench;
	s->metric = metric;
	return load_spec(spec, label, s);
}

void runset_free(struct runset *s)
{
	for (size_t r = 0; r < s->nr; r++) {
		rl_free(s->runs[r]);
		free(s->runs[r]);
	}
	s->nr = 0;
}
