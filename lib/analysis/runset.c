/* Reading a side of a comparison: a run, a set directory, or a list of them; the runs of a set checked as replicates. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/runset.h"

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

static int add_run(struct run_set *s, const char *dir, bool in_set)
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
	if (in_set ? run_load(dir, run) : run_load_whole(dir, run)) {
		free(run);
		if (!in_set)
			return -EINVAL;
		/* run_load said what is wrong; the rest of the set still counts */
		fprintf(stderr, "mmbench: %s: skipped: not a whole run\n", dir);
		s->skipped++;
		return 0;
	}
	if (in_set && rl_incomplete(run, why, sizeof(why))) {
		fprintf(stderr, "mmbench: %s: skipped: INCOMPLETE: %s\n", dir, why);
		run_free(run);
		free(run);
		s->skipped++;
		return 0;
	}
	s->runs[s->nr++] = run;
	return 0;
}

static int dir_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every run directory right below @dir (with @label, when given), in name (= time) order. */
static int add_set_dir(struct run_set *s, const char *dir, const char *label)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, dir_name_cmp), err = 0, found = 0;

	if (n < 0) {
		err = -errno;
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(errno));
		return err;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (!err && names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (is_run_dir(path)) {
				found++;
				if (label && !has_label(path, label)) {
					free(names[i]);
					continue;
				}
				err = add_run(s, path, true);
			}
		}
		free(names[i]);
	}
	free(names);
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
static int check_replicates(const struct run_set *s, const char *spec)
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
			o0 = run_bench_options(b0);
			o1 = run_bench_options(br);
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

int run_set_load(const char *spec, const char *label, struct run_set *s)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int err = 0, items = 0;

	memset(s, 0, sizeof(*s));
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
		run_set_free(s);
	return err;
}

void run_set_free(struct run_set *s)
{
	for (size_t r = 0; r < s->nr; r++) {
		run_free(s->runs[r]);
		free(s->runs[r]);
	}
	s->nr = 0;
}
