/* A comparison as text (80 columns, for an email), markdown (with plots) and JSON (for machines). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "compare.h"

#define WIDTH	78

static const char *ratio_text(const struct cmp_row *r, char *buf, size_t len)
{
	const char *f = r->ratio < 10 ? "%.3f [%.3f, %.3f]" : "%.4g [%.4g, %.4g]";

	snprintf(buf, len, f, r->ratio, r->lo, r->hi > 1e9 ? INFINITY : r->hi);
	return buf;
}

static const char *q_text(double q, char *buf, size_t len)
{
	if (isnan(q))
		snprintf(buf, len, "-");
	else if (q < 0.001)
		snprintf(buf, len, "<.001");
	else
		snprintf(buf, len, "%.3f", q);
	return buf;
}

static const char *cv_text(const struct rl_metric *m, char *buf, size_t len)
{
	if (isnan(m->s.cv))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", m->s.cv * 100);
	return buf;
}

static void rule(FILE *f, char c, const char *title)
{
	int n = title ? fprintf(f, "%c%c %s ", c, c, title) : 0;

	for (; n < WIDTH; n++)
		fputc(c, f);
	fputc('\n', f);
}

/* A value that does not fit on the line goes on its own lines, cut at WIDTH. */
static void diff_value(FILE *f, char run, const char *v)
{
	int len = v ? (int)strlen(v) : 0, off = 0, room = 80 - 9;

	fprintf(f, "      %c: ", run);
	if (!v) {
		fprintf(f, "(absent)\n");
		return;
	}
	do {
		fprintf(f, "%s%.*s\n", off ? "         " : "", room, v + off);
		off += room;
	} while (off < len);
}

static void header_text(FILE *f, const struct cmp *c)
{
	size_t r, i, len;
	bool emulated = false;

	fprintf(f, "mmbench compare: %zu runs, A is the base\n", c->nr_runs);
	for (r = 0; r < c->nr_runs; r++) {
		fprintf(f, "  %s\n      %s\n", c->label[r], c->runs[r]->dir);
		emulated |= rl_emulated(c->runs[r]);
	}
	fprintf(f, "\nverdicts: %zu better, %zu worse, %zu same, %zu n/a, %zu info\n\n",
		c->count[VERDICT_BETTER], c->count[VERDICT_WORSE], c->count[VERDICT_SAME],
		c->count[VERDICT_NA], c->count[VERDICT_INFO]);
	if (c->nr_warn) {
		char line[96];

		rule(f, '!', NULL);
		snprintf(line, sizeof(line), "WARNING: the runs differ in more than the kernel: %zu %s,",
			 c->nr_warn, c->nr_warn == 1 ? "setting" : "settings");
		fprintf(f, "!! %-*s !!\n", WIDTH - 6, line);
		fprintf(f, "!! %-*s !!\n", WIDTH - 6,
			"marked '!' below. A verdict may come from them, not from the kernel.");
		rule(f, '!', NULL);
		fputc('\n', f);
	}
	if (emulated)
		fprintf(f, "*** %s ***\n\n", RL_EMULATED_NOTE);
	for (r = 0; r < c->nr_runs; r++) {
		char why[256];

		if (rl_incomplete(c->runs[r], why, sizeof(why)))
			fprintf(f, "*** %c is an INCOMPLETE run: %.60s ***\n\n", (int)('A' + r), why);
	}
	fprintf(f, "manifest differences%s\n", c->nr_diffs ? ":" : ": none");
	for (i = 0; i < c->nr_diffs; i++) {
		const struct cmp_diff *d = &c->diffs[i];

		len = strlen(d->key) + 4;
		for (r = 0; r < c->nr_runs; r++)
			len += (d->val[r] ? strlen(d->val[r]) : 8) + 5;
		fprintf(f, "%c %s", d->kernel ? ' ' : '!', d->key);
		if (len <= WIDTH) {
			for (r = 0; r < c->nr_runs; r++)
				fprintf(f, "%s%c %s", r ? " | " : "  ", (int)('A' + r),
					d->val[r] ?: "(absent)");
			fputc('\n', f);
			continue;
		}
		fputc('\n', f);
		for (r = 0; r < c->nr_runs; r++)
			diff_value(f, 'A' + r, d->val[r]);
	}
	fprintf(f, "\nratio = run/A of the medians with a bootstrap 95%% CI; q = Mann-Whitney p\n"
		"after Benjamini-Hochberg over the %zu tests of this report. better/worse:\n"
		"the CI excludes 1, q <= %.2f, and the change exceeds max(%.0f%%, cv of each\n"
		"run); n/a below 3 samples; info: a metric with no better direction.\n\n",
		c->nr_tests, STATS_ALPHA, STATS_NOISE_FLOOR * 100);
}

/* Counters and non-zero vmstat deltas per repetition, side by side. */
static void events_text(FILE *f, const struct cmp *c, const char *bench, const char *key)
{
	const struct rl_case *cs[CMP_MAX_RUNS];
	json_t *seen = json_object();
	char num[32];
	size_t r, s;
	int pass;
	bool any = false;

	for (r = 0; r < c->nr_runs; r++) {
		cs[r] = rl_find_case(rl_find_bench(c->runs[r], bench), key);
		if (cs[r] && strcmp(cs[r]->status, "ok"))
			cs[r] = NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		for (s = 0; s < c->nr_runs; s++) {
			const char *k;
			json_t *v;

			if (!cs[s])
				continue;
			json_object_foreach(pass ? cs[s]->vmstat : cs[s]->counters, k, v) {
				double val[CMP_MAX_RUNS], nz = 0;
				char name[80];

				snprintf(name, sizeof(name), "%s%s", pass ? "vmstat " : "", k);
				if (json_object_get(seen, name))
					continue;
				json_object_set_new(seen, name, json_true());
				for (r = 0; r < c->nr_runs; r++) {
					json_t *x = cs[r] ? json_object_get(pass ? cs[r]->vmstat :
									    cs[r]->counters, k) : NULL;

					if (!pass)
						x = json_object_get(x, "val");
					val[r] = json_is_number(x) ? json_number_value(x) / cs[r]->reps : NAN;
					nz += !isnan(val[r]) && val[r] != 0;
				}
				if (!nz)
					continue;	/* unsupported, or nothing happened */
				if (!any)
					fprintf(f, "  events per repetition:\n");
				any = true;
				fprintf(f, "    %-30s", name);
				if (strlen(name) > 30)
					fprintf(f, "\n    %-30s", "");
				for (r = 0; r < c->nr_runs; r++)
					fprintf(f, " %c %9s", (int)('A' + r), rl_fmt(val[r], num, sizeof(num)));
				for (r = 1; r < c->nr_runs; r++)
					if (val[0] > 0 && !isnan(val[r]))
						fprintf(f, " x%.2f", val[r] / val[0]);
				fputc('\n', f);
			}
		}
	}
	json_decref(seen);
}

/* Runs where the case did not run, with the reason. */
static void case_status_text(FILE *f, const struct cmp *c, const char *bench, const char *key,
			     bool md)
{
	size_t r;

	for (r = 0; r < c->nr_runs; r++) {
		const struct rl_bench *b = rl_find_bench(c->runs[r], bench);
		const struct rl_case *cs = rl_find_case(b, key);

		if (cs && !strcmp(cs->status, "ok"))
			continue;
		fprintf(f, md ? "- **%c**: %s%s%s\n" : "  %c: %s%s%s\n", (int)('A' + r),
			!b ? "bench not run" : !cs ? "case not in this run" : cs->status,
			cs && *cs->reason ? ": " : "", cs ? cs->reason : "");
	}
}

void cmp_print_text(FILE *f, const struct cmp *c)
{
	char med[32], lo[32], hi[32], ci[80], cv[16], q[16];
	const struct cmp_row *prev = NULL;
	size_t i;

	header_text(f, c);
	for (i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *r = &c->rows[i];
		bool new_bench = !prev || strcmp(prev->bench, r->bench);
		bool new_case = new_bench || strcmp(prev->key, r->key);

		if (new_case && prev)
			events_text(f, c, prev->bench, prev->key);
		if (new_bench) {
			if (prev)
				fputc('\n', f);
			rule(f, '=', r->bench);
		}
		if (new_case) {
			fprintf(f, "\n%s\n", r->key);
			case_status_text(f, c, r->bench, r->key, false);
			fprintf(f, "  %-20s %-2s %9s %6s  %-21s %6s %s\n", "metric [unit]", "",
				"median", "cv", "95% CI | ratio [CI]", "q", "verdict");
		}
		if (new_case || strcmp(prev->metric, r->metric)) {
			char name[128];

			snprintf(name, sizeof(name), "%s [%s]", r->metric, r->unit);
			if (strlen(name) > 20)
				fprintf(f, "  %s\n  %-20s", name, "");
			else
				fprintf(f, "  %-20s", name);
			if (r->b) {
				snprintf(ci, sizeof(ci), "[%s, %s]", rl_fmt(r->b->s.ci_lo, lo, sizeof(lo)),
					 rl_fmt(r->b->s.ci_hi, hi, sizeof(hi)));
				fprintf(f, " %-2s %9s %6s  %s\n", "A",
					rl_fmt(r->b->s.median, med, sizeof(med)),
					cv_text(r->b, cv, sizeof(cv)), ci);
			} else {
				fprintf(f, " %-2s %9s\n", "A", "-");
			}
		}
		fprintf(f, "  %-20s %-2c %9s %6s  ", "", (int)('A' + r->run),
			r->c ? rl_fmt(r->c->s.median, med, sizeof(med)) : "-",
			r->c ? cv_text(r->c, cv, sizeof(cv)) : "");
		if (r->v == VERDICT_NA)
			fprintf(f, "%-21.21s %6s %s\n", r->why, "", "n/a");
		else if (isnan(r->ratio))
			fprintf(f, "%-21s %6s %s\n", "", "", verdict_name(r->v));
		else
			fprintf(f, "%-21s %6s %s\n", ratio_text(r, ci, sizeof(ci)),
				q_text(r->q, q, sizeof(q)), verdict_name(r->v));
		prev = r;
	}
	if (prev)
		events_text(f, c, prev->bench, prev->key);
	else
		fprintf(f, "no metrics to compare\n");
}

void cmp_print_md(FILE *f, const struct cmp *c, const struct plot_list *plots,
		  const char *plot_prefix)
{
	char med[32], lo[32], hi[32], cv[16], q[16], ratio[80];
	const struct cmp_row *prev = NULL;
	size_t i, r, p;
	bool emulated = false;

	fprintf(f, "# mmbench compare\n\n| run | kernel and run | directory |\n|---|---|---|\n");
	for (r = 0; r < c->nr_runs; r++) {
		fprintf(f, "| %c%s | %s | `%s` |\n", (int)('A' + r), r ? "" : " (base)",
			c->label[r] + 2, c->runs[r]->dir);
		emulated |= rl_emulated(c->runs[r]);
	}
	fprintf(f, "\n**%zu better, %zu worse**, %zu same, %zu n/a, %zu info\n\n",
		c->count[VERDICT_BETTER], c->count[VERDICT_WORSE], c->count[VERDICT_SAME],
		c->count[VERDICT_NA], c->count[VERDICT_INFO]);
	if (c->nr_warn)
		fprintf(f, "> **WARNING: the runs differ in more than the kernel: %zu setting(s), "
			"marked ⚠ below. A verdict may come from them, not from the kernel.**\n\n",
			c->nr_warn);
	if (emulated)
		fprintf(f, "> **%s**\n\n", RL_EMULATED_NOTE);
	for (r = 0; r < c->nr_runs; r++) {
		char why[256];

		if (rl_incomplete(c->runs[r], why, sizeof(why)))
			fprintf(f, "> **%c is an INCOMPLETE run: %s**\n\n", (int)('A' + r), why);
	}
	if (c->nr_diffs) {
		fprintf(f, "## Manifest differences\n\n| field |");
		for (r = 0; r < c->nr_runs; r++)
			fprintf(f, " %c |", (int)('A' + r));
		fprintf(f, "\n|---|");
		for (r = 0; r < c->nr_runs; r++)
			fprintf(f, "---|");
		fputc('\n', f);
		for (i = 0; i < c->nr_diffs; i++) {
			fprintf(f, "| %s%s |", c->diffs[i].kernel ? "" : "⚠ ", c->diffs[i].key);
			for (r = 0; r < c->nr_runs; r++)
				fprintf(f, " %s |", c->diffs[i].val[r] ?: "(absent)");
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	fprintf(f, "ratio = run/A of the medians with a bootstrap 95%% CI; q = Mann-Whitney p after "
		"Benjamini-Hochberg over the %zu tests of this report. better/worse: the CI excludes 1, "
		"q <= %.2f and the change exceeds max(%.0f%%, cv of each run).\n",
		c->nr_tests, STATS_ALPHA, STATS_NOISE_FLOOR * 100);
	for (i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *row = &c->rows[i];
		bool new_bench = !prev || strcmp(prev->bench, row->bench);
		bool new_case = new_bench || strcmp(prev->key, row->key);
		char why[220];

		snprintf(why, sizeof(why), " (%s)", row->why);
		if (new_bench && prev)
			for (p = 0; p < plots->nr; p++)
				if (!strcmp(plots->p[p].bench, prev->bench))
					fprintf(f, "\n![%s](%splots/%s.png)\n", plots->p[p].title,
						plot_prefix, plots->p[p].name);
		if (new_bench)
			fprintf(f, "\n## %s\n", row->bench);
		if (new_case) {
			fprintf(f, "\n### %s\n\n", row->key);
			case_status_text(f, c, row->bench, row->key, true);
			fprintf(f, "\n| metric | run | median | 95%% CI | cv | ratio [95%% CI] | q | verdict |\n"
				"|---|---|---:|---|---:|---|---:|---|\n");
		}
		if ((new_case || strcmp(prev->metric, row->metric)) && row->b)
			fprintf(f, "| %s [%s] | A | %s | [%s, %s] | %s | | | |\n", row->metric,
				row->unit, rl_fmt(row->b->s.median, med, sizeof(med)),
				rl_fmt(row->b->s.ci_lo, lo, sizeof(lo)),
				rl_fmt(row->b->s.ci_hi, hi, sizeof(hi)), cv_text(row->b, cv, sizeof(cv)));
		snprintf(ratio, sizeof(ratio), "%s [%s]", row->metric, row->unit);
		fprintf(f, "| %s | %c | %s | | %s | ", row->b ? "" : ratio, (int)('A' + row->run),
			row->c ? rl_fmt(row->c->s.median, med, sizeof(med)) : "-",
			row->c ? cv_text(row->c, cv, sizeof(cv)) : "");
		fprintf(f, "%s | %s | %s%s%s%s |\n",
			isnan(row->ratio) ? "" : ratio_text(row, ratio, sizeof(ratio)),
			q_text(row->q, q, sizeof(q)),
			row->v == VERDICT_BETTER || row->v == VERDICT_WORSE ? "**" : "",
			verdict_name(row->v),
			row->v == VERDICT_BETTER || row->v == VERDICT_WORSE ? "**" : "",
			row->v == VERDICT_NA ? why : "");
		prev = row;
	}
	if (prev)
		for (p = 0; p < plots->nr; p++)
			if (!strcmp(plots->p[p].bench, prev->bench))
				fprintf(f, "\n![%s](%splots/%s.png)\n", plots->p[p].title, plot_prefix,
					plots->p[p].name);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct rl_metric *m)
{
	if (!m)
		return json_null();
	return json_pack("{sIsosos[oo]}", "n", (json_int_t)m->n, "median", num(m->s.median),
			 "cv", num(m->s.cv), "ci95", num(m->s.ci_lo), num(m->s.ci_hi));
}

int cmp_write_json(const char *path, const struct cmp *c)
{
	json_t *root = json_object(), *runs = json_array(), *rows = json_array();
	json_t *diffs = json_array(), *sum = json_object();
	size_t i, r;
	int err = 0;

	for (r = 0; r < c->nr_runs; r++)
		json_array_append_new(runs, json_pack("{ssssss}", "name", (char[]){ 'A' + r, 0 },
						      "label", c->label[r] + 2, "dir", c->runs[r]->dir));
	for (i = VERDICT_SAME; i <= VERDICT_INFO; i++)
		json_object_set_new(sum, verdict_name(i), json_integer(c->count[i]));
	for (i = 0; i < c->nr_diffs; i++) {
		json_t *vals = json_array();

		for (r = 0; r < c->nr_runs; r++)
			json_array_append_new(vals, c->diffs[i].val[r] ?
					      json_string(c->diffs[i].val[r]) : json_null());
		json_array_append_new(diffs, json_pack("{sssosb}", "field", c->diffs[i].key,
						       "values", vals, "kernel", c->diffs[i].kernel));
	}
	for (i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *w = &c->rows[i];
		json_t *o = json_pack("{ssssssssss}", "bench", w->bench, "case", w->key,
				      "metric", w->metric, "unit", w->unit,
				      "verdict", verdict_name(w->v));

		json_object_set_new(o, "run", json_string((char[]){ 'A' + w->run, 0 }));
		json_object_set_new(o, "better", json_string(w->better == BETTER_LOWER ? "lower" :
				    w->better == BETTER_HIGHER ? "higher" : "none"));
		json_object_set_new(o, "base", side_json(w->b));
		json_object_set_new(o, "new", side_json(w->c));
		json_object_set_new(o, "ratio", num(w->ratio));
		json_object_set_new(o, "ratio_ci95", json_pack("[oo]", num(w->lo), num(w->hi)));
		json_object_set_new(o, "p", num(w->p));
		json_object_set_new(o, "q", num(w->q));
		json_object_set_new(o, "reason", *w->why ? json_string(w->why) : json_null());
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "schema", json_string("mmbench-compare/1"));
	json_object_set_new(root, "runs", runs);
	json_object_set_new(root, "verdicts", sum);
	json_object_set_new(root, "manifest_differences", diffs);
	json_object_set_new(root, "non_kernel_differences", json_integer(c->nr_warn));
	json_object_set_new(root, "rows", rows);
	if (json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10))) {
		err = -EIO;
		fprintf(stderr, "mmbench: %s: cannot write\n", path);
	}
	json_decref(root);
	return err;
}
