/* The comparison itself: sides of runs, a row per case and metric judged by the verdict engine. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "analysis/paired_runs.h"

static int add_row(struct cmp *c, const struct cmp_row *r)
{
	struct cmp_row *rows = realloc(c->rows, (c->nr_rows + 1) * sizeof(*rows));

	if (!rows)
		return -ENOMEM;
	c->rows = rows;
	rows[c->nr_rows++] = *r;
	return 0;
}

size_t cmp_side_cases(const struct cmp *c, size_t s, const char *bench, const char *key,
		      const struct rl_case **out)
{
	const struct runset *set = &c->sides[s].set;
	size_t n = 0;

	for (size_t r = 0; r < set->nr; r++) {
		const struct rl_case *cs = rl_find_case(rl_find_bench(set->runs[r], bench), key);

		out[r] = cs && !strcmp(cs->status, "ok") ? cs : NULL;
		n += out[r] != NULL;
	}
	return n;
}

/* A counter's (or vmstat delta's) value per repetition, averaged over the runs of a side. */
double cmp_side_event(const struct rl_case *const *cs, size_t nr, const char *k, bool vmstat)
{
	double sum = 0;
	size_t n = 0;

	for (size_t r = 0; r < nr; r++) {
		json_t *x;

		if (!cs[r])
			continue;
		x = json_object_get(vmstat ? cs[r]->vmstat : cs[r]->counters, k);
		if (!vmstat)
			x = json_object_get(x, "val");
		if (!json_is_number(x))
			continue;
		sum += json_number_value(x) / cs[r]->reps;
		n++;
	}
	return n ? sum / n : NAN;
}

/* Why a side has no value, short (the case header gives a skip's reason in full). */
static void why_missing(char *buf, size_t len, const struct cmp *c, size_t s, const char *bench,
			const char *key)
{
	const struct rl_run *run = c->sides[s].set.runs[0];
	const struct rl_bench *b = rl_find_bench(run, bench);
	const struct rl_case *cs = rl_find_case(b, key);
	char name = (char)('A' + s);

	if (!b)
		snprintf(buf, len, "no bench in %c", name);
	else if (!cs)
		snprintf(buf, len, "no case in %c", name);
	else if (strcmp(cs->status, "ok"))
		snprintf(buf, len, "%.8s in %c", cs->status, name);
	else
		snprintf(buf, len, "not measured in %c", name);
}

size_t cmp_side_samples(const struct rl_case *const *cases, size_t nr, const char *metric,
			   const double **x, size_t *n, double *cv)
{
	size_t k = 0, ncv = 0;

	*cv = 0;
	for (size_t r = 0; r < nr; r++) {
		const struct rl_metric *m = cases[r] ? rl_find_metric(cases[r], metric) : NULL;

		if (!m || !m->n)
			continue;
		x[k] = m->samples;
		n[k++] = m->n;
		if (m->n > 1 && isfinite(m->s.cv)) {
			*cv += m->s.cv;
			ncv++;
		}
	}
	*cv = ncv ? *cv / ncv : NAN;
	return k;
}

/* The boot a run was made in, or NULL when its manifest does not say. */
static const char *run_boot(const struct rl_run *run, char *buf, size_t len)
{
	const char *b = rl_manifest_str(run, "kernel.boot_id", buf, len);

	return b && strncmp(b, "unreadable", 10) ? b : NULL;
}

/*
 * The replicate of each run of side @s when compared at @by_boot: runs of one boot are
 * one replicate (the index of the boot's first run), else every run its own.
 */
static void side_groups(const struct cmp *c, size_t s, bool by_boot, unsigned *group)
{
	const struct runset *set = &c->sides[s].set;
	char a[64], b[64];

	for (size_t r = 0; r < set->nr; r++) {
		const char *br = by_boot ? run_boot(set->runs[r], a, sizeof(a)) : NULL;

		group[r] = (unsigned)r;
		for (size_t q = 0; br && q < r; q++) {
			const char *bq = run_boot(set->runs[q], b, sizeof(b));

			if (bq && !strcmp(br, bq)) {
				group[r] = group[q];
				break;
			}
		}
	}
}

/*
 * Side @o against the base: the replicate is the boot when no boot is on both sides (two
 * kernels, or one kernel booted twice), the run when they share one (settings, options).
 */
static bool pair_by_boot(const struct cmp *c, size_t o)
{
	char a[64], b[64];

	for (size_t r = 0; r < c->sides[0].set.nr; r++) {
		const char *ba = run_boot(c->sides[0].set.runs[r], a, sizeof(a));

		for (size_t q = 0; ba && q < c->sides[o].set.nr; q++) {
			const char *bb = run_boot(c->sides[o].set.runs[q], b, sizeof(b));

			if (bb && !strcmp(ba, bb))
				return false;
		}
	}
	return true;
}

/* Whether every run of side @s records its boot (runs before boot_id do not). */
static bool boots_known(const struct cmp *c, size_t s)
{
	char b[64];

	for (size_t r = 0; r < c->sides[s].set.nr; r++)
		if (!run_boot(c->sides[s].set.runs[r], b, sizeof(b)))
			return false;
	return true;
}

/* Like cmp_side_samples(), with each kept run's replicate from @group into @g. */
static size_t side_samples_grouped(const struct rl_case *const *cases, size_t nr,
				   const char *metric, const unsigned *group, const double **x,
				   size_t *n, unsigned *g, double *cv)
{
	const struct rl_case *kept[RUNSET_MAX];
	size_t k = 0;

	for (size_t r = 0; r < nr; r++) {
		const struct rl_metric *m = cases[r] ? rl_find_metric(cases[r], metric) : NULL;

		kept[r] = m && m->n ? cases[r] : NULL;
		if (kept[r])
			g[k++] = group[r];
	}
	return cmp_side_samples(kept, nr, metric, x, n, cv) == k ? k : 0;
}

/* The history of the sides' kernels and options: the only runs that tell of their noise. */
static bool row_history(const struct cmp *c, struct cmp_row *row, struct vnoise *noise)
{
	char rel[2][160];
	char *opts[2] = { NULL, NULL };
	struct hist_key keys[2];
	bool got;

	for (int s = 0; s < 2; s++) {
		const struct rl_run *run = c->sides[s ? row->side : 0].set.runs[0];

		keys[s].kernel = rl_manifest_str(run, "kernel.release", rel[s], sizeof(rel[s])) ?: "?";
		opts[s] = rl_bench_options(rl_find_bench(run, row->bench));
		keys[s].opts = opts[s];
	}
	got = history_noise(&c->hist, keys, 2, c->by_boot[row->side], row->bench, row->key,
			    row->metric, noise);
	free(opts[0]);
	free(opts[1]);
	return got;
}

static void measure_row(struct cmp *c, struct cmp_row *row, const struct rl_case *const *bc,
			const struct rl_case *const *cc)
{
	const double *xb[RUNSET_MAX], *xc[RUNSET_MAX];
	size_t nb[RUNSET_MAX], nc[RUNSET_MAX];
	unsigned gb[RUNSET_MAX], gc[RUNSET_MAX], groups[RUNSET_MAX];
	struct vside sb, sc;
	struct vnoise noise = { 0 };
	bool by_boot = c->by_boot[row->side];

	sb = (struct vside){ .x = xb, .n = nb, .group = gb };
	sc = (struct vside){ .x = xc, .n = nc, .group = gc };
	side_groups(c, 0, by_boot, groups);
	sb.nr_runs = row->nb = side_samples_grouped(bc, c->sides[0].set.nr, row->metric, groups,
						    xb, nb, gb, &row->cv_b);
	side_groups(c, row->side, by_boot, groups);
	sc.nr_runs = row->nc = side_samples_grouped(cc, c->sides[row->side].set.nr, row->metric,
						    groups, xc, nc, gc, &row->cv_c);
	if (c->paired) {
		paired_measure_cases(bc, cc, c->sides[0].set.nr, row->metric, &row->res);
		return;
	}
	if (c->use_history)
		row->history = row_history(c, row, &noise);
	verdict_measure(&sb, &sc, row->history ? &noise : NULL, &row->res);
}

/* Rows of one case: every metric any side has, against every other side. */
static int case_rows(struct cmp *c, const char *bench, const char *key)
{
	const struct rl_case *cases[CMP_MAX_SIDES][RUNSET_MAX];
	json_t *seen = json_object();
	int err = 0;

	for (size_t s = 0; s < c->nr_sides; s++)
		cmp_side_cases(c, s, bench, key, cases[s]);
	for (size_t s = 0; s < c->nr_sides && !err; s++) {
		for (size_t r = 0; r < c->sides[s].set.nr && !err; r++) {
			const struct rl_case *cs = rl_find_case(rl_find_bench(c->sides[s].set.runs[r],
									      bench), key);

			for (size_t m = 0; cs && m < cs->nr_metrics && !err; m++) {
				const struct rl_metric *rm = &cs->metrics[m];

				if (json_object_get(seen, rm->name))
					continue;
				json_object_set_new(seen, rm->name, json_true());
				for (size_t o = 1; o < c->nr_sides && !err; o++) {
					struct cmp_row row = {
						.bench = bench, .key = key, .metric = rm->name,
						.unit = rm->unit, .better = rm->better, .side = o,
						.family = rm->family,
					};

					measure_row(c, &row, cases[0], cases[o]);
					if (!row.nb)
						why_missing(row.why, sizeof(row.why), c, 0, bench, key);
					else if (!row.nc)
						why_missing(row.why, sizeof(row.why), c, o, bench, key);
					err = add_row(c, &row);
				}
			}
		}
	}
	json_decref(seen);
	return err;
}

/* Benches and cases in the order the base's first run has them, then those only others have. */
int cmp_build_rows(struct cmp *c)
{
	json_t *seen = json_object();
	char k[512];
	int err = 0;

	for (size_t o = 1; o < c->nr_sides; o++) {
		c->by_boot[o] = pair_by_boot(c, o);
		c->boots_known[o] = boots_known(c, 0) && boots_known(c, o);
	}

	for (size_t s = 0; s < c->nr_sides && !err; s++)
		for (size_t r = 0; r < c->sides[s].set.nr && !err; r++) {
			const struct rl_run *run = c->sides[s].set.runs[r];

			for (size_t b = 0; b < run->nr_benches && !err; b++) {
				const struct rl_bench *rb = &run->benches[b];

				for (size_t i = 0; i < rb->nr_cases && !err; i++) {
					snprintf(k, sizeof(k), "%s|%s", rb->name, rb->cases[i].key);
					if (json_object_get(seen, k))
						continue;
					json_object_set_new(seen, k, json_true());
					err = case_rows(c, rb->name, rb->cases[i].key);
				}
			}
		}
	json_decref(seen);
	return err;
}

/* Rows of one measurement (side, bench, case, family) share a non-zero family id. */
static void number_families(struct cmp *c)
{
	unsigned next = 0;

	for (size_t i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		r->res.family = 0;
		if (!r->family)
			continue;
		for (size_t j = 0; j < i && !r->res.family; j++) {
			const struct cmp_row *o = &c->rows[j];

			if (o->family && o->side == r->side && !strcmp(o->family, r->family) &&
			    !strcmp(o->bench, r->bench) && !strcmp(o->key, r->key))
				r->res.family = o->res.family;
		}
		if (!r->res.family)
			r->res.family = ++next;
	}
}

/* Each bench's judged rows against one side lend each other their noise (verdict_moderate()). */
static void moderate(struct cmp *c, struct vresult **rs)
{
	struct vresult **grp = calloc(c->nr_rows + 1, sizeof(*grp));
	bool *done = calloc(c->nr_rows + 1, sizeof(*done));

	for (size_t i = 0; grp && done && i < c->nr_rows; i++) {
		size_t n = 0;

		if (done[i] || !rs[i])
			continue;
		for (size_t j = i; j < c->nr_rows; j++)
			if (rs[j] && !done[j] && c->rows[j].side == c->rows[i].side &&
			    !strcmp(c->rows[j].bench, c->rows[i].bench)) {
				grp[n++] = rs[j];
				done[j] = true;
			}
		verdict_moderate(grp, n);
	}
	free(grp);
	free(done);
}

/* One Benjamini-Hochberg correction over every tested row of the report, then the verdicts. */
int cmp_judge(struct cmp *c)
{
	struct vresult **rs = calloc(c->nr_rows + 1, sizeof(*rs));
	unsigned fam_seen = 0;

	if (!rs)
		return -ENOMEM;
	number_families(c);
	for (size_t i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		/* only a metric that can get a verdict counts as a test */
		if (r->better != BETTER_NONE && r->nb && r->nc)
			rs[i] = &r->res;
	}
	moderate(c, rs);
	for (size_t i = 0; i < c->nr_rows; i++) {
		if (!rs[i] || isnan(rs[i]->p)) {
			rs[i] = NULL;
			continue;
		}
		/* a family is one test */
		if (!rs[i]->family || rs[i]->family > fam_seen)
			c->nr_tests++;
		if (rs[i]->family > fam_seen)
			fam_seen = rs[i]->family;
	}
	verdict_correct(rs, c->nr_rows);
	for (size_t i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		if (!r->nb || !r->nc) {
			r->res.v = r->better == BETTER_NONE ? VERDICT_INFO : VERDICT_NA;
		} else {
			verdict_decide(&r->res, r->better);
			if (r->res.why[0])
				snprintf(r->why, sizeof(r->why), "%s", r->res.why);
		}
		c->count[r->res.v]++;
	}
	free(rs);
	return 0;
}

/*
 * Fields that describe a run rather than the system it ran on (top level), and
 * free memory, which moves between any two runs: never a difference.
 */
/* Sides of one report must speak the same schema. */
int cmp_check_schemas(const struct cmp *c)
{
	const struct rl_run *base = c->sides[0].set.runs[0];
	char a[64], b[64];
	const char *sa = rl_manifest_str(base, "schema", a, sizeof(a));

	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++) {
			const struct rl_run *run = c->sides[s].set.runs[r];
			const char *sb = rl_manifest_str(run, "schema", b, sizeof(b));

			if ((sa || sb) && (!sa || !sb || strcmp(sa, sb))) {
				fprintf(stderr, "mmbench: %s: schema \"%s\" differs from the base's "
					"\"%s\" (%s)\n", run->manifest_path, sb ?: "none", sa ?: "none",
					base->manifest_path);
				return -EINVAL;
			}
		}
	return 0;
}

bool cmp_emulated(const struct cmp *c)
{
	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			if (rl_emulated(c->sides[s].set.runs[r]))
				return true;
	return false;
}

void cmp_free(struct cmp *c)
{
	size_t i, r;

	for (i = 0; i < c->nr_diffs; i++)
		for (r = 0; r < c->nr_sides; r++)
			free(c->diffs[i].val[r]);
	free(c->diffs);
	free(c->rows);
	for (r = 0; r < c->nr_sides; r++)
		runset_free(&c->sides[r].set);
	if (c->use_history)
		history_free(&c->hist);
}
