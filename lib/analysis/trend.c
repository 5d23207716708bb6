/*
 * mmbench trend: one metric of one bench over every kernel in the archive. Each kernel is
 * a set of boots; each step from the kernel before is judged by the verdict engine (one
 * Benjamini-Hochberg correction over every step of the report) and the change points
 * come from lib/stats/changepoint.c, whose split test is the same engine.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "analysis/trend.h"

static const struct rl_case *case_of(const struct rl_run *run, const char *bench, const char *key)
{
	const struct rl_case *c = rl_find_case(rl_find_bench(run, bench), key);

	return c && !strcmp(c->status, "ok") ? c : NULL;
}

/* Every case key with the metric, in the order the kernels first show them. */
static int find_cases(struct trend *t)
{
	json_t *seen = json_object();
	bool any_case = false;

	for (size_t k = 0; k < t->nr_k; k++)
		for (size_t r = 0; r < t->k[k].nr; r++) {
			const struct rl_bench *b = rl_find_bench(t->k[k].runs[r], t->bench);

			for (size_t i = 0; b && i < b->nr_cases; i++) {
				const struct rl_case *c = &b->cases[i];
				const struct rl_metric *m = rl_find_metric(c, t->metric);
				struct tr_case *tc;

				if (t->key && strcmp(t->key, c->key))
					continue;
				any_case = true;
				if (!m || json_object_get(seen, c->key))
					continue;
				json_object_set_new(seen, c->key, json_true());
				tc = realloc(t->cases, (t->nr_cases + 1) * sizeof(*tc));
				if (!tc) {
					json_decref(seen);
					return -ENOMEM;
				}
				t->cases = tc;
				tc += t->nr_cases++;
				memset(tc, 0, sizeof(*tc));
				tc->key = c->key;
				if (!t->unit) {
					t->unit = m->unit;
					t->better = m->better;
				}
			}
		}
	json_decref(seen);
	if (t->key && !any_case)
		fprintf(stderr, "mmbench: trend: no run of %s under %s has the case '%s'\n",
			t->bench, t->root, t->key);
	else if (!t->nr_cases)
		fprintf(stderr, "mmbench: trend: no run of %s under %s has the metric '%s'%s%s\n",
			t->bench, t->root, t->metric, t->key ? " in the case " : "", t->key ?: "");
	return t->nr_cases ? 0 : -EINVAL;
}

/* The boot of each run in @cs[0..nr) that measured @metric, as replicate numbers into @g. */
static void boot_groups(const struct tr_kernel *k, const struct rl_case *const *cs,
			const char *metric, unsigned *g)
{
	char boots[64][64];
	size_t kept = 0;

	for (size_t r = 0; r < k->nr && kept < 64; r++) {
		const struct rl_metric *m = cs[r] ? rl_find_metric(cs[r], metric) : NULL;
		const char *b;

		if (!m || !m->n)
			continue;
		b = rl_manifest_str(k->runs[r], "kernel.boot_id", boots[kept], sizeof(boots[kept]));
		g[kept] = (unsigned)kept;
		for (size_t q = 0; b && q < kept; q++)
			if (!strcmp(boots[q], b)) {
				g[kept] = g[q];
				break;
			}
		if (!b)
			snprintf(boots[kept], sizeof(boots[kept]), "run %zu", r);
		kept++;
	}
}

/* Kernel @k's runs of case @key as a verdict side, a replicate per boot; the arrays are malloc'd. */
static int side_of(const struct trend *t, const struct tr_kernel *k, const char *key,
		   struct vside *s)
{
	const struct rl_case **cs = calloc(k->nr + 1, sizeof(*cs));
	const double **x = calloc(k->nr + 1, sizeof(*x));
	size_t *n = calloc(k->nr + 1, sizeof(*n));
	unsigned *g = calloc(k->nr + 1, sizeof(*g));
	double cv;

	if (!cs || !x || !n || !g) {
		free(cs);
		free(x);
		free(n);
		free(g);
		return -ENOMEM;
	}
	for (size_t r = 0; r < k->nr; r++)
		cs[r] = case_of(k->runs[r], t->bench, key);
	*s = (struct vside){ .x = x, .n = n, .group = k->nr <= 64 ? g : NULL };
	s->nr_runs = cmp_side_samples(cs, k->nr, t->metric, x, n, &cv);
	if (s->group)
		boot_groups(k, cs, t->metric, g);
	else
		free(g);
	free(cs);
	return 0;
}

/*
 * The host's between-run noise for the step @prev -> @k, as compare pools it: replicate runs
 * of other kernels in the archive on the host of @k's first run, leaving out both kernels'
 * runs. Loaded once per step and kept for the other cases. False when there is none.
 */
static bool step_noise(struct trend *t, size_t prev, size_t k, const char *key,
		       struct vnoise *noise)
{
	const char **skip;
	char host[256];
	size_t n = 0;

	if (t->history && !strcmp(t->history, "none"))
		return false;
	if (t->hist_prev[k] != prev + 1) {
		if (t->hist_prev[k])
			history_free(&t->hist[k]);
		t->hist_prev[k] = 0;
		skip = calloc(t->k[prev].nr + t->k[k].nr + 1, sizeof(*skip));
		if (!skip)
			return false;
		for (size_t r = 0; r < t->k[prev].nr; r++)
			skip[n++] = t->k[prev].runs[r]->dir;
		for (size_t r = 0; r < t->k[k].nr; r++)
			skip[n++] = t->k[k].runs[r]->dir;
		if (!history_load(t->history ?: t->root, rl_host(t->k[k].runs[0], host, sizeof(host)),
				  skip, n, &t->hist[k]))
			t->hist_prev[k] = prev + 1;
		free(skip);
		if (!t->hist_prev[k])
			return false;
	}
	{
		char *opts[2] = { NULL, NULL };
		struct hist_key keys[2];
		bool got;

		for (int s = 0; s < 2; s++) {
			const struct tr_kernel *tk = &t->k[s ? k : prev];

			opts[s] = rl_bench_options(rl_find_bench(tk->runs[0], t->bench));
			keys[s] = (struct hist_key){ .kernel = tk->release, .opts = opts[s] };
		}
		got = history_noise(&t->hist[k], keys, 2, true, t->bench, key, t->metric, noise);
		free(opts[0]);
		free(opts[1]);
		return got;
	}
}

/* Rows, steps and change points of one case; the steps are decided later, after BH. */
static int measure_case(struct trend *t, struct tr_case *tc)
{
	struct vside *g = calloc(t->nr_k + 1, sizeof(*g)), *series = calloc(t->nr_k + 1, sizeof(*g));
	size_t *at = calloc(t->nr_k + 1, sizeof(*at)), m = 0, prev = 0;
	int err = 0, nr;

	tc->rows = calloc(t->nr_k + 1, sizeof(*tc->rows));
	if (!g || !series || !at || !tc->rows) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < t->nr_k && !err; k++) {
		struct tr_row *row = &tc->rows[k];

		row->cp = -1;
		row->centre = row->lo = row->hi = NAN;
		err = side_of(t, &t->k[k], tc->key, &g[k]);
		if (err || !(row->runs = g[k].nr_runs))
			continue;
		row->centre = vside_centre(&g[k]);
		vside_interval(&g[k], &row->lo, &row->hi);
		if (m) {
			struct vnoise noise;
			bool hist = step_noise(t, prev, k, tc->key, &noise);

			row->has_step = true;
			row->prev = prev;
			verdict_measure(&g[prev], &g[k], hist ? &noise : NULL, &row->step);
		}
		series[m] = g[k];
		at[m++] = k;
		prev = k;
	}
	nr = err ? err : changepoint_find(series, m, t->better, tc->cp);
	if (nr < 0)
		err = nr;
	for (int i = 0; i < nr; i++) {
		tc->cp[i].at = at[tc->cp[i].at];
		tc->cp[i].lo = at[tc->cp[i].lo];
		tc->cp[i].hi = tc->cp[i].hi < m ? at[tc->cp[i].hi] : t->nr_k;
		tc->rows[tc->cp[i].at].cp = i;
		tc->nr_cp++;
	}
out:
	for (size_t k = 0; g && k < t->nr_k; k++) {
		free((void *)g[k].x);
		free((void *)g[k].n);
		free((void *)g[k].group);
	}
	free(g);
	free(series);
	free(at);
	return err;
}

/* One BH correction over every step of the report, then each step's verdict. */
static int judge_steps(struct trend *t)
{
	struct vresult **rs = calloc(t->nr_cases * t->nr_k + 1, sizeof(*rs));
	size_t n = 0;

	if (!rs)
		return -ENOMEM;
	for (size_t c = 0; c < t->nr_cases; c++)
		for (size_t k = 0; k < t->nr_k; k++)
			if (t->cases[c].rows[k].has_step)
				rs[n++] = &t->cases[c].rows[k].step;
	verdict_correct(rs, n);
	for (size_t i = 0; i < n; i++)
		verdict_decide(rs[i], t->better);
	t->nr_steps = n;
	free(rs);
	return 0;
}

int trend_judge(struct trend *t)
{
	int err = find_cases(t);

	if (err)
		return err;
	t->hist = calloc(t->nr_k + 1, sizeof(*t->hist));
	t->hist_prev = calloc(t->nr_k + 1, sizeof(*t->hist_prev));
	if (!t->hist || !t->hist_prev)
		return -ENOMEM;
	for (size_t c = 0; c < t->nr_cases && !err; c++)
		err = measure_case(t, &t->cases[c]);
	return err ? err : judge_steps(t);
}
