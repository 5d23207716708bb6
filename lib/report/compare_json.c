/* A comparison as JSON (schema mmbench-compare/3), for machines: every verdict with its power. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "report/compare_json.h"
#include "report/compare_summary.h"

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(size_t runs, double centre, double cv)
{
	if (!runs)
		return json_null();
	return json_pack("{sIsoso}", "runs", (json_int_t)runs, "median", num(centre), "cv", num(cv));
}

static json_t *row_json(const struct cmp_row *w)
{
	const struct vresult *r = &w->res;
	json_t *o = json_pack("{ssssssssss}", "bench", w->bench, "case", w->key,
			      "metric", w->metric, "unit", w->unit, "verdict", verdict_name(r->v));

	json_object_set_new(o, "side", json_string((char[]){ (char)('A' + w->side), 0 }));
	json_object_set_new(o, "better", json_string(w->better == BETTER_LOWER ? "lower" :
			    w->better == BETTER_HIGHER ? "higher" : "none"));
	json_object_set_new(o, "base", side_json(w->nb, w->res.base, w->cv_b));
	json_object_set_new(o, "new", side_json(w->nc, w->res.cur, w->cv_c));
	/* a change from zero has an infinite ratio: JSON has no infinity, say it in words */
	json_object_set_new(o, "ratio", isinf(r->ratio) ? json_string("from zero") : num(r->ratio));
	json_object_set_new(o, "ratio_ci95", json_pack("[oo]", num(r->lo), num(r->hi)));
	json_object_set_new(o, "p", num(r->p));
	json_object_set_new(o, "q", num(r->q));
	json_object_set_new(o, "mde", num(r->mde));
	json_object_set_new(o, "noise", r->noise ? json_pack("{ssso so}", "source", r->noise,
				"sd", num(r->sd), "df", num(r->df > 1e8 ? INFINITY : r->df)) :
			    json_null());
	json_object_set_new(o, "runs_needed", r->runs_needed && r->v == VERDICT_INCONCLUSIVE ?
			    json_integer((json_int_t)r->runs_needed) : json_null());
	json_object_set_new(o, "separated", json_boolean(r->separated));
	json_object_set_new(o, "replicates", json_pack("{sIsIss}", "base", (json_int_t)r->reps_b,
			    "new", (json_int_t)r->reps_c, "test",
			    !r->linear ? "t" : isnan(r->df) ? "permutation" : "welch"));
	json_object_set_new(o, "family", w->family ? json_string(w->family) : json_null());
	json_object_set_new(o, "history_f_p", num(r->est.f_p));
	json_object_set_new(o, "prior_df", num(r->est.pdf > 0 ? r->est.pdf : NAN));
	json_object_set_new(o, "reason", *w->why ? json_string(w->why) : json_null());
	return o;
}

/* The first screen as text (cmp_print_summary()), for a script to show as compare shows it. */
static json_t *summary_json(const struct cmp *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *s;

	if (!f)
		return json_null();
	cmp_print_summary(f, c, false);
	if (fclose(f)) {
		free(buf);
		return json_null();
	}
	s = json_stringn(buf, len);
	free(buf);
	return s ?: json_null();
}

int cmp_write_json(const char *path, const struct cmp *c)
{
	json_t *root = json_object(), *sides = json_array(), *rows = json_array();
	json_t *diffs = json_array(), *sum = json_object();
	int err = 0;

	for (size_t s = 0; s < c->nr_sides; s++) {
		json_t *dirs = json_array();

		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			json_array_append_new(dirs, json_string(c->sides[s].set.runs[r]->dir));
		json_array_append_new(sides, json_pack("{sssssosbsI}", "name",
				      (char[]){ (char)('A' + s), 0 }, "label", c->sides[s].label + 2,
				      "runs", dirs, "set", c->sides[s].set.is_set,
				      "skipped", (json_int_t)c->sides[s].set.skipped));
	}
	for (int v = 0; v < NR_VERDICTS; v++)
		json_object_set_new(sum, verdict_name(v), json_integer((json_int_t)c->count[v]));
	for (size_t i = 0; i < c->nr_diffs; i++) {
		json_t *vals = json_array();

		for (size_t s = 0; s < c->nr_sides; s++)
			json_array_append_new(vals, c->diffs[i].val[s] ?
					      json_string(c->diffs[i].val[s]) : json_null());
		json_array_append_new(diffs, json_pack("{sssosb}", "field", c->diffs[i].key,
						       "values", vals, "kernel", c->diffs[i].kernel));
	}
	for (size_t i = 0; i < c->nr_rows; i++)
		json_array_append_new(rows, row_json(&c->rows[i]));
	json_object_set_new(root, "schema", json_string("mmbench-compare/3"));
	{
		json_t *lv = json_object();

		for (size_t s = 1; s < c->nr_sides; s++)
			json_object_set_new(lv, (char[]){ (char)('A' + s), 0 },
					    json_string(c->paired ? "block (paired)" :
							!c->boots_known[s] ? "run (boot unknown)" :
							c->by_boot[s] ? "boot" : "run"));
		json_object_set_new(root, "replicate", lv);
	}
	json_object_set_new(root, "sides", sides);
	json_object_set_new(root, "verdicts", sum);
	json_object_set_new(root, "tests", json_integer((json_int_t)c->nr_tests));
	json_object_set_new(root, "alpha", json_real(VERDICT_ALPHA));
	json_object_set_new(root, "mde_max", json_real(VERDICT_MDE_MAX));
	json_object_set_new(root, "manifest_differences", diffs);
	json_object_set_new(root, "non_kernel_differences", json_integer((json_int_t)c->nr_warn));
	json_object_set_new(root, "emulated", json_boolean(cmp_emulated(c)));
	json_object_set_new(root, "summary", summary_json(c));
	json_object_set_new(root, "rows", rows);
	if (json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10))) {
		err = -EIO;
		fprintf(stderr, "mmbench: %s: cannot write\n", path);
	}
	json_decref(root);
	return err;
}
