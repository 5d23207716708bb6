/* A comparison as text (80 columns, for an email) and markdown (with plots); JSON is compare_json.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "report/compare_out.h"
#include "report/compare_summary.h"
#include "report/vtext.h"
#include "report/wrap.h"


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

static const char *pct_text(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v < 0.1)
		snprintf(buf, len, "%.1f%%", v * 100);
	else
		snprintf(buf, len, "%.0f%%", v * 100);
	return buf;
}

static void rule(FILE *f, char c, const char *title)
{
	int n = title ? fprintf(f, "%c%c %s ", c, c, title) : 0;

	for (; n < WRAP_WIDTH; n++)
		fputc(c, f);
	fputc('\n', f);
}

/* A value that does not fit on the line goes on its own lines, cut at WRAP_WIDTH. */
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

/* A note: "> text" in markdown; in text "*** " and the words wrapped at the width. */
static void note(FILE *f, bool md, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(FILE *f, bool md, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (md) {
		fprintf(f, "> **%s**\n\n", buf);
		return;
	}
	wrap_words(f, "*** ", 4, buf);
	fputc('\n', f);
}

/* At which level the comparison replicated, and how many replicates each side had. */
static void replication_notes(FILE *f, const struct cmp *c, bool md)
{
	for (size_t o = 1; o < c->nr_sides; o++) {
		size_t rb = 0, rc = 0;

		/* the most replicates any judged row had: rows without a metric have fewer */
		for (size_t i = 0; i < c->nr_rows; i++)
			if (c->rows[i].side == o) {
				rb = rb > c->rows[i].res.reps_b ? rb : c->rows[i].res.reps_b;
				rc = rc > c->rows[i].res.reps_c ? rc : c->rows[i].res.reps_c;
			}
		if (c->paired) {
			/* compare --paired (ab's boot pairs): the block is the replicate */
			note(f, md, "A against %c: paired over %zu blocks (run i of each side "
			     "against run i of A): the test is on the differences within blocks, so "
			     "what moves between blocks cancels", (int)('A' + o), rb);
			continue;
		}
		note(f, md, "A against %c: replicated at the %s (%s), %zu and %zu replicates",
		     (int)('A' + o), c->by_boot[o] && c->boots_known[o] ? "boot" : "run",
		     !c->boots_known[o] ? "the runs do not all record their boot: each run is a "
		     "replicate, and runs of one boot may be counted as independent" :
		     c->by_boot[o] ? "no boot is on both sides: runs of one boot are averaged" :
		     "the sides share a boot: each run is a replicate", rb, rc);
	}
}

/* What each side is, the incomplete runs, and where the between-run noise came from. */
static void sides_notes(FILE *f, const struct cmp *c, bool md)
{
	size_t unmeasured = 0, hist = 0, wider = 0, unlike = 0;

	if (cmp_emulated(c))
		note(f, md, "%s", RL_EMULATED_NOTE);
	for (size_t s = 0; s < c->nr_sides; s++) {
		const struct runset *set = &c->sides[s].set;
		char why[256];

		for (size_t r = 0; r < set->nr; r++)
			if (rl_incomplete(set->runs[r], why, sizeof(why)))
				note(f, md, "%c is an INCOMPLETE run: %.60s", (int)('A' + s), why);
		if (set->is_set && set->nr == 1)
			note(f, md, "%c is a set of one run: its between-run noise is not measured",
			     (int)('A' + s));
		if (set->skipped)
			note(f, md, "%c: %zu run%s of the set left out (see stderr)", (int)('A' + s),
			     set->skipped, set->skipped == 1 ? "" : "s");
	}
	replication_notes(f, c, md);
	for (size_t i = 0; i < c->nr_rows; i++) {
		const char *n = c->rows[i].res.noise;

		unmeasured += n && !strcmp(n, "unmeasured") && c->rows[i].better != BETTER_NONE;
		hist += n && strstr(n, "+history");
		wider += n && !strncmp(n, "history", 7);
		unlike += n && strstr(n, "unlike");
	}
	if (unmeasured)
		note(f, md, "%zu metrics had one replicate a side: the noise between replicates is "
		     "not measured today, so nothing is called better or worse; repeat each side "
		     "(run --runs 3, or boot again) to measure it", unmeasured);
	if (hist || wider || unlike)
		note(f, md, "history (%zu earlier runs of these kernels and options under %s): "
		     "joined today's noise in %zu metrics, widened it in %zu, and was left out of %zu "
		     "where today's replicates were noisier than it (F test)", c->hist.nr_runs,
		     c->hist.root, hist, wider, unlike);
}

static void counts_text(FILE *f, const struct cmp *c, bool md)
{
	fprintf(f, md ? "**%zu better, %zu worse**, %zu same, %zu inconclusive, %zu n/a, %zu info\n\n" :
		"verdicts: %zu better, %zu worse, %zu same, %zu inconclusive, %zu n/a, %zu info\n\n",
		c->count[VERDICT_BETTER], c->count[VERDICT_WORSE], c->count[VERDICT_SAME],
		c->count[VERDICT_INCONCLUSIVE], c->count[VERDICT_NA], c->count[VERDICT_INFO]);
}

static const char legend[] =
	"median: a run's median over its repetitions (of a set: the geometric mean of its\n"
	"replicates, runs or boots); cv: inside a run. ratio = side/A with a 95%% interval\n"
	"from the noise between replicates (t test on log replicate values; zeros: exact\n"
	"permutation test over replicates); q: p after Benjamini-Hochberg over the %zu\n"
	"tests here (a family of metrics from one measurement counts once); mde: the\n"
	"smallest change this comparison detects at 80%% power. better/worse: q <= %.2f\n"
	"and a change beyond %.0f%%. same: the interval lies within the mde, and the mde is\n"
	"at most %.0f%%. inconclusive: it could not have told (why, and how many replicates\n"
	"would). info: no better direction.\n\n";

static void header_text(FILE *f, const struct cmp *c)
{
	size_t s, i, len;

	fprintf(f, "mmbench compare: %zu sides, A is the base\n", c->nr_sides);
	for (s = 0; s < c->nr_sides; s++) {
		fprintf(f, "  %s\n", c->sides[s].label);
		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			fprintf(f, "      %s\n", c->sides[s].set.runs[r]->dir);
	}
	fputc('\n', f);
	cmp_print_summary(f, c, false);
	counts_text(f, c, false);
	if (c->nr_warn) {
		char line[96];

		rule(f, '!', NULL);
		snprintf(line, sizeof(line), "WARNING: the sides differ in more than the kernel: %zu %s,",
			 c->nr_warn, c->nr_warn == 1 ? "setting" : "settings");
		fprintf(f, "!! %-*s !!\n", WRAP_WIDTH - 6, line);
		fprintf(f, "!! %-*s !!\n", WRAP_WIDTH - 6,
			"marked '!' below. A verdict may come from them, not from the kernel.");
		rule(f, '!', NULL);
		fputc('\n', f);
	}
	sides_notes(f, c, false);
	fprintf(f, "manifest differences%s\n", c->nr_diffs ? ":" : ": none");
	for (i = 0; i < c->nr_diffs; i++) {
		const struct cmp_diff *d = &c->diffs[i];

		len = strlen(d->key) + 4;
		for (s = 0; s < c->nr_sides; s++)
			len += (d->val[s] ? strlen(d->val[s]) : 8) + 5;
		fprintf(f, "%c %s", d->kernel ? ' ' : '!', d->key);
		if (len <= WRAP_WIDTH) {
			for (s = 0; s < c->nr_sides; s++)
				fprintf(f, "%s%c %s", s ? " | " : "  ", (int)('A' + s),
					d->val[s] ?: "(absent)");
			fputc('\n', f);
			continue;
		}
		fputc('\n', f);
		for (s = 0; s < c->nr_sides; s++)
			diff_value(f, 'A' + s, d->val[s]);
	}
	fputc('\n', f);
	fprintf(f, legend, c->nr_tests, VERDICT_ALPHA, VERDICT_FLOOR * 100, VERDICT_MDE_MAX * 100);
}

/* Counters and non-zero vmstat deltas per repetition, side by side. */
static void events_text(FILE *f, const struct cmp *c, const char *bench, const char *key)
{
	const struct rl_case *cs[CMP_MAX_SIDES][RUNSET_MAX];
	json_t *seen = json_object();
	char num[32];
	bool any = false;

	for (size_t s = 0; s < c->nr_sides; s++)
		cmp_side_cases(c, s, bench, key, cs[s]);
	for (int pass = 0; pass < 2; pass++)
		for (size_t s = 0; s < c->nr_sides; s++)
			for (size_t r = 0; r < c->sides[s].set.nr; r++) {
				const char *k;
				json_t *v;

				if (!cs[s][r])
					continue;
				json_object_foreach(pass ? cs[s][r]->vmstat : cs[s][r]->counters, k, v) {
					double val[CMP_MAX_SIDES], nz = 0;
					char name[80];

					snprintf(name, sizeof(name), "%s%s", pass ? "vmstat " : "", k);
					if (json_object_get(seen, name))
						continue;
					json_object_set_new(seen, name, json_true());
					for (size_t o = 0; o < c->nr_sides; o++) {
						val[o] = cmp_side_event(cs[o], c->sides[o].set.nr, k, pass);
						nz += !isnan(val[o]) && val[o] != 0;
					}
					if (!nz)
						continue;	/* unsupported, or nothing happened */
					if (!any)
						fprintf(f, "  events per repetition:\n");
					any = true;
					fprintf(f, "    %-30s", name);
					if (strlen(name) > 30)
						fprintf(f, "\n    %-30s", "");
					for (size_t o = 0; o < c->nr_sides; o++)
						fprintf(f, " %c %9s", (int)('A' + o),
							rl_fmt(val[o], num, sizeof(num)));
					for (size_t o = 1; o < c->nr_sides; o++)
						if (val[0] > 0 && !isnan(val[o]))
							fprintf(f, " x%.2f", val[o] / val[0]);
					fputc('\n', f);
				}
			}
	json_decref(seen);
}

/* Sides where the case did not run in some run, with the reason. */
static void case_status_text(FILE *f, const struct cmp *c, const char *bench, const char *key,
			     bool md)
{
	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++) {
			const struct rl_bench *b = rl_find_bench(c->sides[s].set.runs[r], bench);
			const struct rl_case *cs = rl_find_case(b, key);

			if (cs && !strcmp(cs->status, "ok"))
				continue;
			fprintf(f, md ? "- **%c**: %s%s%s\n" : "  %c: %s%s%s\n", (int)('A' + s),
				!b ? "bench not run" : !cs ? "case not in this run" : cs->status,
				cs && *cs->reason ? ": " : "", cs ? cs->reason : "");
			break;	/* once a side */
		}
}

#define ROW_FMT	"    %-2s %9s %6s  %-21s %5s %5s %s\n"

void cmp_print_text(FILE *f, const struct cmp *c)
{
	char med[32], ci[80], cv[16], q[16], mde[16];
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
			fprintf(f, ROW_FMT, "", "median", "cv", "ratio [95% CI]", "q", "mde", "verdict");
		}
		if (new_case || strcmp(prev->metric, r->metric)) {
			/* one measurement shown as such: BH counted its family once */
			fprintf(f, "  %s [%s]%s%s%s\n", r->metric, r->unit,
				r->family ? " (family " : "", r->family ?: "", r->family ? ")" : "");
			fprintf(f, "    %-2s %9s %6s\n", "A", rl_fmt(r->res.base, med, sizeof(med)),
				pct_text(r->cv_b, cv, sizeof(cv)));
		}
		fprintf(f, ROW_FMT, (char[]){ (char)('A' + r->side), 0 },
			rl_fmt(r->res.cur, med, sizeof(med)),
			pct_text(r->cv_c, cv, sizeof(cv)),
			r->nb && r->nc ? vt_ratio(&r->res, ci, sizeof(ci)) : "",
			q_text(r->res.q, q, sizeof(q)),
			r->res.v == VERDICT_INFO ? "" : pct_text(r->res.mde, mde, sizeof(mde)),
			verdict_name(r->res.v));
		if (r->why[0] && r->res.v != VERDICT_INFO && r->res.v != VERDICT_SAME)
			wrap_words(f, "        ", 8, r->why);
		prev = r;
	}
	if (prev)
		events_text(f, c, prev->bench, prev->key);
	else
		fprintf(f, "no metrics to compare\n");
}

static void plot_links(FILE *f, const struct plot_list *plots, const char *bench,
		       const char *prefix)
{
	for (size_t p = 0; p < plots->nr; p++)
		if (!strcmp(plots->p[p].bench, bench))
			fprintf(f, "\n![%s](%splots/%s.png)\n", plots->p[p].title, prefix,
				plots->p[p].name);
}

static void header_md(FILE *f, const struct cmp *c)
{
	fprintf(f, "# mmbench compare\n\n| side | kernel and runs | directories |\n|---|---|---|\n");
	for (size_t s = 0; s < c->nr_sides; s++) {
		fprintf(f, "| %c%s | %s |", (int)('A' + s), s ? "" : " (base)", c->sides[s].label + 2);
		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			fprintf(f, "%s`%s`", r ? "<br>" : " ", c->sides[s].set.runs[r]->dir);
		fprintf(f, " |\n");
	}
	fputc('\n', f);
	cmp_print_summary(f, c, true);
	counts_text(f, c, true);
	if (c->nr_warn)
		fprintf(f, "> **WARNING: the sides differ in more than the kernel: %zu setting(s), "
			"marked ⚠ below. A verdict may come from them, not from the kernel.**\n\n",
			c->nr_warn);
	sides_notes(f, c, true);
	if (c->nr_diffs) {
		fprintf(f, "## Manifest differences\n\n| field |");
		for (size_t s = 0; s < c->nr_sides; s++)
			fprintf(f, " %c |", (int)('A' + s));
		fprintf(f, "\n|---|");
		for (size_t s = 0; s < c->nr_sides; s++)
			fprintf(f, "---|");
		fputc('\n', f);
		for (size_t i = 0; i < c->nr_diffs; i++) {
			fprintf(f, "| %s%s |", c->diffs[i].kernel ? "" : "⚠ ", c->diffs[i].key);
			for (size_t s = 0; s < c->nr_sides; s++)
				fprintf(f, " %s |", c->diffs[i].val[s] ?: "(absent)");
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	fprintf(f, legend, c->nr_tests, VERDICT_ALPHA, VERDICT_FLOOR * 100, VERDICT_MDE_MAX * 100);
}

void cmp_print_md(FILE *f, const struct cmp *c, const struct plot_list *plots,
		  const char *plot_prefix)
{
	char med[32], cv[16], q[16], ratio[80], mde[16];
	const struct cmp_row *prev = NULL;

	header_md(f, c);
	for (size_t i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *row = &c->rows[i];
		bool new_bench = !prev || strcmp(prev->bench, row->bench);
		bool new_case = new_bench || strcmp(prev->key, row->key);
		bool strong = row->res.v == VERDICT_BETTER || row->res.v == VERDICT_WORSE;

		if (new_bench && prev)
			plot_links(f, plots, prev->bench, plot_prefix);
		if (new_bench)
			fprintf(f, "\n## %s\n", row->bench);
		if (new_case) {
			fprintf(f, "\n### %s\n\n", row->key);
			case_status_text(f, c, row->bench, row->key, true);
			fprintf(f, "\n| metric | side | median | cv | ratio [95%% CI] | q | mde | verdict |\n"
				"|---|---|---:|---:|---|---:|---:|---|\n");
		}
		if (new_case || strcmp(prev->metric, row->metric))
			fprintf(f, "| %s [%s]%s%s%s | A | %s | %s | | | | |\n", row->metric, row->unit,
				row->family ? " (family " : "", row->family ?: "",
				row->family ? ")" : "",
				rl_fmt(row->res.base, med, sizeof(med)),
				pct_text(row->cv_b, cv, sizeof(cv)));
		fprintf(f, "| | %c | %s | %s | ", (int)('A' + row->side),
			rl_fmt(row->res.cur, med, sizeof(med)),
			pct_text(row->cv_c, cv, sizeof(cv)));
		fprintf(f, "%s | %s | %s | %s%s%s%s%s%s |\n",
			row->nb && row->nc ? vt_ratio(&row->res, ratio, sizeof(ratio)) : "",
			q_text(row->res.q, q, sizeof(q)),
			row->res.v == VERDICT_INFO ? "" : pct_text(row->res.mde, mde, sizeof(mde)),
			strong ? "**" : "", verdict_name(row->res.v), strong ? "**" : "",
			row->why[0] && row->res.v != VERDICT_SAME ? " (" : "",
			row->res.v != VERDICT_SAME ? row->why : "",
			row->why[0] && row->res.v != VERDICT_SAME ? ")" : "");
		prev = row;
	}
	if (prev)
		plot_links(f, plots, prev->bench, plot_prefix);
}
