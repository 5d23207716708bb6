/* The precision of a set of runs so far, per judged headline metric (seq_set.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "analysis/seq_set.h"

/* Whether an earlier run already had this metric (each is judged once, at its first run). */
static bool seen_before(struct rl_run *const *runs, size_t r, const char *bench,
			const char *key, const char *metric)
{
	for (size_t j = 0; j < r; j++) {
		const struct rl_case *c = rl_find_case(rl_find_bench(runs[j], bench), key);

		if (c && !strcmp(c->status, "ok") && rl_find_metric(c, metric))
			return true;
	}
	return false;
}

/*
 * One metric's line: what it has, and the runs that decided it (@first, 0: undecided) or
 * that it would need (@need).
 */
static void say_metric(FILE *out, const char *bench, const char *key, const char *metric,
		       const struct vresult *r, size_t first, size_t need, const struct seq_plan *p)
{
	if (!out)
		return;
	fprintf(out, "  %s '%s' %s: %zu run%s", bench, key, metric, r->reps_c,
		r->reps_c == 1 ? "" : "s");
	if (first) {
		fprintf(out, ", sd %.1f%%, mde %.1f%%; decided by the first %zu\n", r->sd * 100,
			r->mde * 100, first);
		return;
	}
	if (isnan(r->mde)) {
		fprintf(out, ", no between-run sd yet\n");
		return;
	}
	fprintf(out, ", sd %.1f%%, mde %.1f%%; %s%zu runs for %.1f%%\n", r->sd * 100, r->mde * 100,
		need > SEQ_SET_MAX_RUNS ? "more than " : "",
		need > SEQ_SET_MAX_RUNS ? (size_t)SEQ_SET_MAX_RUNS : need, p->mde * 100);
}

/* Whether every sample of the side is one value: it tells nothing of the noise. */
static bool constant(const struct vside *v)
{
	for (size_t r = 0; r < v->nr_runs; r++)
		for (size_t i = 0; i < v->n[r]; i++)
			if (v->x[r][i] != v->x[0][0])
				return false;
	return true;
}

/* Scratch of one measurement: a case pointer, a sample array and a count per run. */
struct seq_bufs {
	const struct rl_case **cs;
	const double **x;
	size_t *n;
};

/*
 * The metric over the first @k runs as a verdict side measured against itself into @res:
 * false when it is not judged (no run has it, constant, or the engine's linear path).
 */
static bool measure(struct rl_run *const *runs, size_t k, const char *bench, const char *key,
		    const char *metric, struct seq_bufs *b, struct vresult *res)
{
	struct vside v = { .x = b->x, .n = b->n };
	double cv;

	for (size_t j = 0; j < k; j++) {
		const struct rl_case *c = rl_find_case(rl_find_bench(runs[j], bench), key);

		b->cs[j] = c && !strcmp(c->status, "ok") ? c : NULL;
	}
	v.nr_runs = cmp_side_samples(b->cs, k, metric, b->x, b->n, &cv);
	if (!v.nr_runs || constant(&v))
		return false;
	verdict_measure(&v, &v, NULL, res);
	/* run medians all equal (and no floor): nothing between runs, precise at any k */
	if (!res->linear && isnan(res->mde) && res->reps_c >= 2 && !(res->sd > 0))
		res->mde = 0;
	return !res->linear;
}

static bool decided(const struct vresult *res, const struct seq_plan *p)
{
	return res->reps_c >= SEQ_MIN_RUNS && res->mde <= p->mde;
}

/* The fewest first runs of @runs[0..nr) with which the metric was decided; 0 when never. */
static size_t first_decided(struct rl_run *const *runs, size_t nr, const char *bench,
			    const char *key, const char *metric, const struct seq_plan *p,
			    struct seq_bufs *b)
{
	struct vresult res;

	for (size_t k = SEQ_MIN_RUNS; k <= nr; k++)
		if (measure(runs, k, bench, key, metric, b, &res) && decided(&res, p))
			return k;
	return 0;
}

/* One metric of case @rc of run @r, judged once over every run that measured it. */
static void check_metric(struct rl_run *const *runs, size_t nr, size_t r, const char *bench,
			 const struct rl_case *rc, const struct rl_metric *m,
			 const struct seq_plan *p, FILE *out, struct seq_set_status *st,
			 struct seq_bufs *b)
{
	struct vresult res;
	size_t need;

	if (m->better == BETTER_NONE || seen_before(runs, r, bench, rc->key, m->name) ||
	    !measure(runs, nr, bench, rc->key, m->name, b, &res))
		return;
	st->judged++;
	st->worst_mde = fmax(st->worst_mde, isnan(res.mde) ? INFINITY : res.mde);
	if (decided(&res, p)) {
		if (!st->needed && !st->list_decided)
			return;
		need = first_decided(runs, nr, bench, rc->key, m->name, p, b);
		if (st->needed && need && need <= SEQ_SET_MAX_RUNS)
			st->needed[need]++;
		if (st->list_decided)
			say_metric(out, bench, rc->key, m->name, &res, need, 0, p);
		return;
	}
	need = isnan(res.mde) ? SEQ_MIN_RUNS : seq_runs_for(p, res.sd, SEQ_SET_MAX_RUNS);
	st->undecided++;
	st->most_needed = need > st->most_needed ? need : st->most_needed;
	say_metric(out, bench, rc->key, m->name, &res, 0, need, p);
}

int seq_set_check(struct rl_run *const *runs, size_t nr, const struct seq_plan *p, FILE *out,
		  struct seq_set_status *st)
{
	struct seq_bufs b = { calloc(nr + 1, sizeof(*b.cs)), calloc(nr + 1, sizeof(*b.x)),
			      calloc(nr + 1, sizeof(*b.n)) };
	size_t *needed = st->needed;
	bool list_decided = st->list_decided;
	int err = 0;

	memset(st, 0, sizeof(*st));
	st->needed = needed;
	st->list_decided = list_decided;
	if (needed)
		memset(needed, 0, (SEQ_SET_MAX_RUNS + 1) * sizeof(*needed));
	if (!b.cs || !b.x || !b.n) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < nr; r++)
		for (size_t i = 0; i < runs[r]->nr_benches; i++) {
			const struct rl_bench *rb = &runs[r]->benches[i];

			for (size_t c = 0; c < rb->nr_cases; c++) {
				const struct rl_case *rc = &rb->cases[c];

				if (strcmp(rc->status, "ok"))
					continue;
				for (size_t m = 0; m < rc->nr_metrics; m++)
					check_metric(runs, nr, r, rb->name, rc, &rc->metrics[m], p,
						     out, st, &b);
			}
		}
out:
	free(b.cs);
	free(b.x);
	free(b.n);
	return err;
}

int seq_set_report(struct rl_run *const *runs, size_t nr, const struct seq_plan *p, FILE *out,
		   const char *prefix, bool every)
{
	size_t needed[SEQ_SET_MAX_RUNS + 1];
	struct seq_set_status st = { .needed = needed };
	const char *sep = "";
	int err = seq_set_check(runs, nr, p, NULL, &st);

	if (err)
		return err;
	fprintf(out, "%s%zu of %zu judged headline metrics decided (an mde of at most %.1f%% for "
		"%zu runs against %zu like runs); the largest mde now %.1f%%\n", prefix,
		st.judged - st.undecided, st.judged, p->mde * 100, nr, nr, st.worst_mde * 100);
	fprintf(out, "%sruns each needed:", prefix);
	for (size_t k = 0; k <= SEQ_SET_MAX_RUNS; k++)
		if (needed[k]) {
			fprintf(out, "%s %zu runs: %zu metric%s", sep, k, needed[k],
				needed[k] == 1 ? "" : "s");
			sep = ";";
		}
	fprintf(out, "%s\n", *sep ? "" : " none");
	if (!every && !st.undecided)
		return 0;
	fprintf(out, "%s%s:\n", prefix, every ? "every judged metric" :
		"undecided (what each would need)");
	st.needed = NULL;
	st.list_decided = every;
	return seq_set_check(runs, nr, p, out, &st);
}
