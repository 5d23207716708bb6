/* Between-run noise of this host, per metric, measured from replicate runs in the archive. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/history.h"
#include "out/runset.h"

const char *run_host(const struct rl_run *run, char *buf, size_t len)
{
	char model[128], pus[16], nodes[16], virt[32];

	snprintf(buf, len, "%s/%s/%s/%s",
		 rl_manifest_str(run, "cpu.model", model, sizeof(model)) ?: "?",
		 rl_manifest_str(run, "topology.pus", pus, sizeof(pus)) ?: "?",
		 rl_manifest_str(run, "topology.numa_nodes", nodes, sizeof(nodes)) ?: "?",
		 rl_manifest_str(run, "virtualization", virt, sizeof(virt)) ?: "?");
	return buf;
}

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

/* Each metric's log median of @run into its replicate group. */
static int add_run(struct noise_history *h, const struct rl_run *run, const char *host)
{
	char rel[160], gkey[1024], mkey[512];

	rl_manifest_str(run, "kernel.release", rel, sizeof(rel));
	for (size_t b = 0; b < run->nr_benches; b++) {
		const struct rl_bench *rb = &run->benches[b];
		char *opts = run_bench_options(rb);
		json_t *g;

		snprintf(gkey, sizeof(gkey), "%s|%s|%s|%s", host, rel, rb->name, opts ?: "");
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
				snprintf(mkey, sizeof(mkey), "%s|%s|%s", rb->name, rc->key, rm->name);
				list = json_object_get(g, mkey);
				if (!list) {
					list = json_array();
					json_object_set_new(g, mkey, list);
				}
				json_array_append_new(list, json_real(log(rm->s.median)));
			}
		}
	}
	return 0;
}

/* Sum of squares about each group's mean, and its degrees of freedom, pooled per metric. */
static void pool(struct noise_history *h)
{
	const char *gk, *mk;
	json_t *g, *list;

	json_object_foreach(h->groups, gk, g) {
		json_object_foreach(g, mk, list) {
			size_t n = json_array_size(list), i;
			double mean = 0, ss = 0;
			json_t *acc, *v;

			if (n < 2)
				continue;
			json_array_foreach(list, i, v)
				mean += json_real_value(v) / n;
			json_array_foreach(list, i, v)
				ss += (json_real_value(v) - mean) * (json_real_value(v) - mean);
			acc = json_object_get(h->pooled, mk);
			if (!acc) {
				acc = json_pack("[ff]", 0.0, 0.0);
				json_object_set_new(h->pooled, mk, acc);
			}
			json_array_set_new(acc, 0, json_real(json_real_value(json_array_get(acc, 0)) + ss));
			json_array_set_new(acc, 1, json_real(json_real_value(json_array_get(acc, 1)) +
							     (double)(n - 1)));
		}
	}
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
	h->pooled = json_object();
	if (!h->groups || !h->pooled)
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
				err = add_run(h, &run, host);
				h->nr_runs++;
			}
			run_free(&run);
		}
		closedir(kd);
	}
	closedir(top);
	pool(h);
	return err;
}

bool history_noise(const struct noise_history *h, const char *bench, const char *key,
		   const char *metric, struct vnoise *out)
{
	char mkey[512];
	json_t *acc;

	out->var = out->df = 0;
	if (!h || !h->pooled)
		return false;
	snprintf(mkey, sizeof(mkey), "%s|%s|%s", bench, key, metric);
	acc = json_object_get(h->pooled, mkey);
	if (!acc || !(json_real_value(json_array_get(acc, 1)) > 0))
		return false;
	out->df = json_real_value(json_array_get(acc, 1));
	out->var = json_real_value(json_array_get(acc, 0)) / out->df;
	return true;
}

void history_free(struct noise_history *h)
{
	json_decref(h->groups);
	json_decref(h->pooled);
	h->groups = h->pooled = NULL;
}
