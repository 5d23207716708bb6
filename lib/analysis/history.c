/* Between-run noise of this host, per metric, measured from replicate runs in the archive. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		char *opts = run_bench_options(rb);
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

int history_load(const char *root, const char *host, const char *const *skip, size_t nskip,
		 struct noise_history *h)
{
	struct dirent *k, *r;
	DIR *top, *kd;
	int err = 0;

	memset(h, 0, sizeof(*h));
	snprintf(h->root, sizeof(h->root), "%s", root);
	h->groups = json_object();
	if (!h->groups)
		return -ENOMEM;
	top = opendir(root);
	if (!top)
		return 0;
	while (!err && (k = readdir(top))) {
		char kdir[PATH_MAX];

		if (k->d_name[0] == '.')
			continue;
		snprintf(kdir, sizeof(kdir), "%s/%s", root, k->d_name);
		kd = opendir(kdir);
		if (!kd)
			continue;
		while (!err && (r = readdir(kd))) {
			char rdir[PATH_MAX], fp[256];
			struct rl_run run;

			if (r->d_name[0] == '.')
				continue;
			snprintf(rdir, sizeof(rdir), "%s/%s", kdir, r->d_name);
			if (skipped(rdir, skip, nskip) || run_load_light(rdir, &run))
				continue;
			if (!rl_incomplete(&run, fp, sizeof(fp)) &&
			    !strcmp(run_host(&run, fp, sizeof(fp)), host)) {
				err = add_run(h, &run);
				h->nr_runs++;
			}
			run_free(&run);
		}
		closedir(kd);
	}
	closedir(top);
	return err;
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
}
