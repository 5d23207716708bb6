/* Between-run noise of this host, per metric, measured from replicate runs in the archive (or its index). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/history.h"
#include "analysis/runset.h"

static bool skipped(const char *dir, const char *const *skip, size_t nskip)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (!realpath(dir, a))
		return true;
	for (size_t i = 0; i < nskip; i++)
		if (realpath(skip[i], b) && !strcmp(a, b))
			return true;
	return false;
}

/* Each metric's log median of @run, with the run's boot, into its kernel and options' group. */
static int add_run(struct noise_history *h, const struct rl_run *run)
{
	char rel[160], boot[64], gkey[1024], mkey[512];

	rl_manifest_str(run, "kernel.release", rel, sizeof(rel));
	if (!rl_manifest_str(run, "kernel.boot_id", boot, sizeof(boot)))
		snprintf(boot, sizeof(boot), "run:%s", run->dir);
	for (size_t b = 0; b < run->nr_benches; b++) {
		const struct rl_bench *rb = &run->benches[b];
		char *opts = rl_bench_options(rb);
		json_t *g;

		snprintf(gkey, sizeof(gkey), "%s|%s|%s", rel, rb->name, opts ?: "");
		free(opts);
		g = json_object_get(h->groups, gkey);
		if (!g) {
			g = json_object();
			if (json_object_set_new(h->groups, gkey, g))
				return -ENOMEM;
		}
		for (size_t c = 0; c < rb->nr_cases; c++) {
			const struct rl_case *rc = &rb->cases[c];

			if (strcmp(rc->status, "ok"))
				continue;
			for (size_t m = 0; m < rc->nr_metrics; m++) {
				const struct rl_metric *rm = &rc->metrics[m];
				json_t *list;

				if (!rm->n || !(rm->s.median > 0))
					continue;
				snprintf(mkey, sizeof(mkey), "%s|%s", rc->key, rm->name);
				list = json_object_get(g, mkey);
				if (!list) {
					list = json_array();
					json_object_set_new(g, mkey, list);
				}
				json_array_append_new(list, json_pack("[sf]", boot, log(rm->s.median)));
			}
		}
	}
	return 0;
}

/*
 * Sum of squares between replicates of one group's list: between runs of one boot
 * (@by_boot false), or between boots' mean values (@by_boot true). Adds to @ss and @df.
 */
static void group_ss(json_t *list, bool by_boot, double *ss, double *df)
{
	json_t *boots = json_object(), *e, *acc;
	double grand = 0, nb = 0, bss = 0;
	const char *bk;
	size_t i;

	json_array_foreach(list, i, e) {
		const char *b = json_string_value(json_array_get(e, 0));
		double v = json_real_value(json_array_get(e, 1));

		acc = json_object_get(boots, b);
		if (!acc) {
			acc = json_pack("[fff]", 0.0, 0.0, 0.0);
			json_object_set_new(boots, b, acc);
		}
		json_array_set_new(acc, 0, json_real(json_real_value(json_array_get(acc, 0)) + v));
		json_array_set_new(acc, 1, json_real(json_real_value(json_array_get(acc, 1)) + v * v));
		json_array_set_new(acc, 2, json_real(json_real_value(json_array_get(acc, 2)) + 1));
	}
	json_object_foreach(boots, bk, acc) {
		double s = json_real_value(json_array_get(acc, 0));
		double s2 = json_real_value(json_array_get(acc, 1));
		double n = json_real_value(json_array_get(acc, 2));

		if (!by_boot && n > 1) {
			*ss += s2 - s * s / n;
			*df += n - 1;
		}
		grand += s / n;
		bss += (s / n) * (s / n);
		nb++;
	}
	if (by_boot && nb > 1) {
		*ss += bss - grand * grand / nb;
		*df += nb - 1;
	}
	json_decref(boots);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The runs of one set directory ROOT/<kernel>/, in name order (the index's order too). */
static int load_set(struct noise_history *h, const char *kdir, const char *host,
		    const char *const *skip, size_t nskip)
{
	struct dirent **names = NULL;
	int n = scandir(kdir, &names, NULL, name_cmp), err = 0;

	for (int i = 0; i < n; i++) {
		char rdir[PATH_MAX], fp[256];
		struct rl_run run;

		if (!err && names[i]->d_name[0] != '.') {
			snprintf(rdir, sizeof(rdir), "%s/%s", kdir, names[i]->d_name);
			if (!skipped(rdir, skip, nskip) && !rl_load_light(rdir, &run)) {
				if (!rl_incomplete(&run, fp, sizeof(fp)) &&
				    !strcmp(rl_host(&run, fp, sizeof(fp)), host)) {
					err = add_run(h, &run);
					h->nr_runs++;
				}
				rl_free(&run);
			}
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static bool left_out(const struct noise_history *h, int64_t id)
{
	return bsearch(&id, h->skip, h->nr_skip, sizeof(id), archive_id_cmp);
}

/* The history through the index: only which runs are left out is found here. */
static int load_indexed(struct noise_history *h, struct archive *a, const char *host,
			const char *const *skip, size_t nskip)
{
	h->archive = a;
	snprintf(h->host, sizeof(h->host), "%s", host);
	h->skip = calloc(nskip + 1, sizeof(*h->skip));
	if (!h->skip)
		return -ENOMEM;
	for (size_t i = 0; i < nskip; i++) {
		int64_t id = archive_run_id(a, skip[i]);

		/* a run named twice is left out once */
		if (id && !left_out(h, id)) {
			h->skip[h->nr_skip++] = id;
			qsort(h->skip, h->nr_skip, sizeof(*h->skip), archive_id_cmp);
		}
	}
	h->nr_runs = archive_history_runs(a, host, h->skip, h->nr_skip);
	return 0;
}

int history_load(const char *root, const char *host, const char *const *skip, size_t nskip,
		 struct noise_history *h)
{
	struct dirent **names = NULL;
	struct archive *a = NULL;
	struct stat st;
	int n, err = 0;

	memset(h, 0, sizeof(*h));
	snprintf(h->root, sizeof(h->root), "%s", root);
	h->groups = json_object();
	if (!h->groups)
		return -ENOMEM;
	/* an index made by run or index, or a shared archive's; when none can be used, runs are read */
	if (archive_opened(root) || (!stat(root, &st) && S_ISDIR(st.st_mode)))
		a = archive_for_reading(root, false, &err);
	if (a)
		return load_indexed(h, a, host, skip, nskip);
	err = 0;
	n = scandir(root, &names, NULL, name_cmp);
	for (int i = 0; i < n; i++) {
		char kdir[PATH_MAX];

		if (!err && names[i]->d_name[0] != '.') {
			snprintf(kdir, sizeof(kdir), "%s/%s", root, names[i]->d_name);
			err = load_set(h, kdir, host, skip, nskip);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

struct medians {
	const struct noise_history *h;
	json_t *list;
};

static int add_median(int64_t run, const char *boot, double median, void *ctx)
{
	struct medians *m = ctx;

	if (left_out(m->h, run))
		return 0;
	return json_array_append_new(m->list, json_pack("[sf]", boot, log(median))) ? -ENOMEM : 0;
}

/* add_run()'s list of one group, asked of the index. */
static json_t *indexed_list(const struct noise_history *h, const struct hist_key *k,
			    const char *bench, const char *key, const char *metric)
{
	struct archive_hist_q q = { h->host, k->kernel, bench, k->opts, key, metric };
	struct medians m = { h, json_array() };

	if (m.list && archive_each_median(h->archive, &q, add_median, &m)) {
		json_decref(m.list);
		return NULL;
	}
	return m.list;
}

bool history_noise(const struct noise_history *h, const struct hist_key *keys, size_t nkeys,
		   bool by_boot, const char *bench, const char *key, const char *metric,
		   struct vnoise *out)
{
	char gkey[1024], mkey[512];
	double ss = 0, df = 0;

	out->var = out->df = 0;
	if (!h || !h->groups)
		return false;
	snprintf(mkey, sizeof(mkey), "%s|%s", key, metric);
	for (size_t k = 0; k < nkeys; k++) {
		json_t *list;
		bool dup = false;

		for (size_t j = 0; j < k; j++)
			dup |= !strcmp(keys[j].kernel, keys[k].kernel) &&
			       !strcmp(keys[j].opts ?: "", keys[k].opts ?: "");
		if (dup)
			continue;
		if (h->archive) {
			list = indexed_list(h, &keys[k], bench, key, metric);
			if (list)
				group_ss(list, by_boot, &ss, &df);
			json_decref(list);
			continue;
		}
		snprintf(gkey, sizeof(gkey), "%s|%s|%s", keys[k].kernel, bench, keys[k].opts ?: "");
		list = json_object_get(json_object_get(h->groups, gkey), mkey);
		if (list)
			group_ss(list, by_boot, &ss, &df);
	}
	if (!(df > 0) || !(ss >= 0))
		return false;
	out->df = df;
	out->var = ss / df;
	return true;
}

void history_free(struct noise_history *h)
{
	json_decref(h->groups);
	h->groups = NULL;
	free(h->skip);
	h->skip = NULL;
	h->archive = NULL;	/* open until exit: the next history of the root asks it again */
}
