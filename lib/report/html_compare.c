/* A comparison as HTML: its sides, the first screen, manifest differences, a verdict table per case (only better and worse coloured) and a chart per metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "report/compare_summary.h"
#include "report/html.h"
#include "report/html_pages.h"

static void sides_table(FILE *f, const struct cmp *c, const struct html_links *links)
{
	fputs("<table>\n<tr><th>side</th><th>kernel and runs</th><th>runs</th></tr>\n", f);
	for (size_t s = 0; s < c->nr_sides; s++) {
		const struct runset *set = &c->sides[s].set;

		html_printf(f, "<tr><td>%c%s</td><td>%s</td><td>", (int)('A' + s), s ? "" : " (base)",
			    c->sides[s].label + 2);
		for (size_t r = 0; r < set->nr; r++) {
			const char *href = links && links->run ? links->run(links->ctx, set->runs[r]) :
					   NULL;
			char id[128];
			const char *name = rl_manifest_str(set->runs[r], "run_id", id, sizeof(id)) ?:
					   set->runs[r]->dir;

			if (rl_emulated(set->runs[r]))
				fputs("<span class=\"tcg\">TCG</span> ", f);
			if (href)
				html_printf(f, "<a href=\"%s\">%s</a><br>", href, name);
			else
				html_printf(f, "<code>%s</code><br>", set->runs[r]->dir);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void counts(FILE *f, const struct cmp *c)
{
	html_printf(f, "<p><span class=\"better\">%zu better</span>, <span class=\"worse\">%zu "
		    "worse</span>, %zu same, <span class=\"inconclusive\">%zu inconclusive</span>, "
		    "%zu n/a, %zu info</p>\n", c->count[VERDICT_BETTER], c->count[VERDICT_WORSE],
		    c->count[VERDICT_SAME], c->count[VERDICT_INCONCLUSIVE], c->count[VERDICT_NA],
		    c->count[VERDICT_INFO]);
}

/* The first screen as compare prints it (changes largest first, their mechanism beside them). */
static void summary(FILE *f, const struct cmp *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	cmp_print_summary(m, c, false);
	if (!fclose(m))
		html_printf(f, "<pre>%s</pre>\n", text);
	free(text);
}

static void diffs_table(FILE *f, const struct cmp *c)
{
	if (c->nr_warn)
		html_printf(f, "<p class=\"note warn\">The sides differ in more than the kernel: %zu "
			    "setting%s, marked &#9888; below. A verdict may come from them, not from "
			    "the kernel.</p>\n", c->nr_warn, c->nr_warn == 1 ? "" : "s");
	if (!c->nr_diffs)
		return;
	fputs("<h2>Manifest differences</h2>\n<table>\n<tr><th>field</th>", f);
	for (size_t s = 0; s < c->nr_sides; s++)
		html_printf(f, "<th>%c</th>", (int)('A' + s));
	fputs("</tr>\n", f);
	for (size_t i = 0; i < c->nr_diffs; i++) {
		html_printf(f, "<tr><td>%s%s</td>", c->diffs[i].kernel ? "" : "\xe2\x9a\xa0 ",
			    c->diffs[i].key);
		for (size_t s = 0; s < c->nr_sides; s++)
			html_printf(f, "<td>%s</td>", c->diffs[i].val[s] ?: "(absent)");
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void row_cells(FILE *f, const struct cmp_row *r)
{
	char med[32], cv[16], ratio[96], q[16], mde[16];

	html_printf(f, "<td>%c</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
		    (int)('A' + r->side), rl_fmt(r->res.cur, med, sizeof(med)),
		    html_pct(r->cv_c, cv, sizeof(cv)));
	if (isnan(r->res.q))
		snprintf(q, sizeof(q), "-");
	else
		snprintf(q, sizeof(q), r->res.q < 0.001 ? "<.001" : "%.3f", r->res.q);
	html_printf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
		    r->nb && r->nc ? html_ratio_text(&r->res, ratio, sizeof(ratio)) : "", q,
		    r->res.v == VERDICT_INFO ? "" : html_pct(r->res.mde, mde, sizeof(mde)));
	html_verdict_cell(f, &r->res);
	html_printf(f, "<td>%s</td></tr>\n", r->res.v == VERDICT_SAME ? "" : r->why);
}

/* Rows [i, end) of one case: a line for the base, then one per other side. */
static size_t case_table(FILE *f, const struct cmp *c, size_t i)
{
	const struct cmp_row *first = &c->rows[i];
	char med[32], cv[16];

	html_printf(f, "<h3>%s</h3>\n<table>\n<tr><th>metric</th><th>side</th><th>median</th>"
		    "<th>cv</th><th>ratio [95%% interval]</th><th>q</th><th>mde</th>"
		    "<th>verdict</th><th>why</th></tr>\n", first->key);
	for (; i < c->nr_rows && !strcmp(c->rows[i].bench, first->bench) &&
	       !strcmp(c->rows[i].key, first->key); i++) {
		const struct cmp_row *r = &c->rows[i];

		if (r == first || strcmp(r[-1].metric, r->metric))
			html_printf(f, "<tr><td>%s [%s]%s%s%s</td><td>A</td><td class=\"n\">%s</td>"
				    "<td class=\"n\">%s</td><td colspan=\"5\"></td></tr>\n<tr><td></td>",
				    r->metric, r->unit, r->family ? " (family " : "", r->family ?: "",
				    r->family ? ")" : "", rl_fmt(r->res.base, med, sizeof(med)),
				    html_pct(r->cv_b, cv, sizeof(cv)));
		else
			fputs("<tr><td></td>", f);
		row_cells(f, r);
	}
	fputs("</table>\n", f);
	return i;
}

/* The value side @s has in @r's comparison: the base's centre, or the other side's. */
static double side_value(const struct cmp_row *r, size_t s)
{
	return s ? r->res.cur : r->res.base;
}

/* Per metric of a bench: a bar per case and side (each side's centre). */
static void bench_charts(FILE *f, const struct cmp *c, size_t from, size_t to)
{
	const char **x = calloc(to - from + 1, sizeof(*x));
	double *y = calloc((to - from + 1) * c->nr_sides, sizeof(*y));
	struct svg_series s[CMP_MAX_SIDES];
	json_t *done = json_object();

	for (size_t i = from; x && y && done && i < to; i++) {
		const struct cmp_row *m = &c->rows[i];
		char title[200], ylab[96];
		size_t n = 0, w = to - from + 1;

		if (json_object_get(done, m->metric))
			continue;
		json_object_set_new(done, m->metric, json_true());
		for (size_t k = 0; k < c->nr_sides * w; k++)
			y[k] = NAN;
		for (size_t j = i; j < to; j++) {
			const struct cmp_row *r = &c->rows[j];

			if (strcmp(r->metric, m->metric))
				continue;
			if (!n || strcmp(x[n - 1], r->key))
				x[n++] = r->key;
			y[n - 1] = side_value(r, 0);
			y[r->side * w + n - 1] = side_value(r, r->side);
		}
		for (size_t k = 0; k < c->nr_sides; k++)
			s[k] = (struct svg_series){ c->sides[k].label, y + k * w, NULL, NULL };
		snprintf(title, sizeof(title), "%s: %s per case and side%s", m->bench, m->metric,
			 m->better == BETTER_LOWER ? " (lower is better)" :
			 m->better == BETTER_HIGHER ? " (higher is better)" : "");
		snprintf(ylab, sizeof(ylab), "%s [%s]", m->metric, m->unit);
		svg_chart(f, &(struct svg_chart){ .title = title, .ylabel = ylab, .xlabel = "case",
						 .x = x, .nx = n, .s = s, .ns = c->nr_sides });
	}
	json_decref(done);
	free(x);
	free(y);
}

void html_cmp_body(FILE *f, const struct cmp *c, const struct html_links *links)
{
	sides_table(f, c, links);
	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			if (rl_emulated(c->sides[s].set.runs[r])) {
				html_printf(f, "<p class=\"note warn\">%s</p>\n", RL_EMULATED_NOTE);
				s = c->nr_sides - 1;
				break;
			}
	counts(f, c);
	summary(f, c);
	diffs_table(f, c);
	html_printf(f, "<p class=\"note\">ratio = side/A with a 95%% interval from the noise "
		    "between replicates; q: p after Benjamini-Hochberg over the %zu tests here; "
		    "mde: the smallest change this comparison detects at 80%% power. better/worse: "
		    "q &lt;= %.2f and a change beyond %.0f%%; inconclusive: it could not have told "
		    "(grey, with the mde it had).</p>\n", c->nr_tests, VERDICT_ALPHA,
		    VERDICT_FLOOR * 100);
	for (size_t i = 0; i < c->nr_rows;) {
		size_t end = i;

		html_printf(f, "<h2>%s</h2>\n", c->rows[i].bench);
		while (end < c->nr_rows && !strcmp(c->rows[end].bench, c->rows[i].bench))
			end = case_table(f, c, end);
		bench_charts(f, c, i, end);
		i = end;
	}
	if (!c->nr_rows)
		fputs("<p>no metrics to compare</p>\n", f);
}

void cmp_print_html(FILE *f, const struct cmp *c)
{
	char title[400];

	snprintf(title, sizeof(title), "mmbench compare: %s against %s", c->sides[1].label + 2,
		 c->sides[0].label + 2);
	html_head(f, title, NULL);
	html_printf(f, "<h1>%s</h1>\n", title);
	html_cmp_body(f, c, NULL);
	html_foot(f);
}
