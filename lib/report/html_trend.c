/* A trend as HTML: per case, its chart over kernels with the change points marked, the change points with their intervals, and each kernel's step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "report/html.h"
#include "report/html_pages.h"

static const char *better_text(int better)
{
	return better == BETTER_LOWER ? "lower is better" :
	       better == BETTER_HIGHER ? "higher is better" : "no better direction";
}

static void head(FILE *f, const struct trend *t)
{
	size_t runs = 0;

	for (size_t k = 0; k < t->nr_k; k++)
		runs += t->k[k].nr;
	html_printf(f, "<p>%s %s [%s], %s: %zu kernels, %zu runs. Options: <code>%s</code></p>\n",
		    t->bench, t->metric, t->unit ?: "", better_text(t->better), t->nr_k, runs,
		    t->options ?: "none");
	html_printf(f, "<p class=\"note\">centre: the geometric mean of a kernel's boots, with its "
		    "95%% interval; steps: the verdict engine against the kernel before (one "
		    "Benjamini-Hochberg correction over the %zu steps%s); change points: binary "
		    "segmentation on the same engine, %d runs a side at least.</p>\n", t->nr_steps,
		    t->history && !strcmp(t->history, "none") ? ", without the host's history" : "",
		    CP_MIN_RUNS);
	for (size_t k = 0; k < t->nr_k; k++)
		if (t->k[k].emulated) {
			html_printf(f, "<p class=\"note warn\"><span class=\"tcg\">TCG</span> %s</p>\n",
				    RL_EMULATED_NOTE);
			break;
		}
}

/* "worse x1.30" for a chart's mark. */
static void mark_text(const struct cp_point *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s x%.3g", verdict_name(p->res.v), p->res.ratio);
}

static void chart(FILE *f, const struct trend *t, const struct tr_case *tc)
{
	const char **x = calloc(t->nr_k + 1, sizeof(*x));
	const char **mark = calloc(t->nr_k + 1, sizeof(*mark));
	double *y = calloc(3 * (t->nr_k + 1), sizeof(*y));
	char (*notes)[48] = calloc(t->nr_k + 1, sizeof(*notes));
	char title[300], ylab[200];

	if (x && mark && y && notes) {
		double *lo = y + t->nr_k + 1, *hi = lo + t->nr_k + 1;
		struct svg_series s = { NULL, y, lo, hi };

		for (size_t k = 0; k < t->nr_k; k++) {
			x[k] = t->k[k].release;
			y[k] = tc->rows[k].centre;
			lo[k] = tc->rows[k].lo;
			hi[k] = tc->rows[k].hi;
			if (tc->rows[k].cp >= 0) {
				mark_text(&tc->cp[tc->rows[k].cp], notes[k], sizeof(notes[k]));
				mark[k] = notes[k];
			}
		}
		snprintf(title, sizeof(title), "%s %s: %s over kernels", t->bench, tc->key, t->metric);
		snprintf(ylab, sizeof(ylab), "%s [%s], %s", t->metric, t->unit ?: "",
			 better_text(t->better));
		svg_chart(f, &(struct svg_chart){ .title = title, .ylabel = ylab,
			  .xlabel = "kernel (version order)", .x = x, .nx = t->nr_k, .s = &s, .ns = 1,
			  .lines = true, .mark = mark });
	}
	free(x);
	free(mark);
	free(y);
	free(notes);
}

static void change_points(FILE *f, const struct trend *t, const struct tr_case *tc)
{
	char a[32], b[32], ratio[96], mde[16];

	if (!tc->nr_cp) {
		fputs("<p>no change point</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>change point at</th><th>verdict</th><th>before</th><th>after</th>"
	      "<th>ratio [95% interval]</th><th>mde</th><th>segment</th></tr>\n", f);
	for (size_t i = 0; i < tc->nr_cp; i++) {
		const struct cp_point *p = &tc->cp[i];

		html_printf(f, "<tr><td>%s</td><td class=\"%s\">%s</td><td class=\"n\">%s</td>"
			    "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			    "<td>%s .. %s</td></tr>\n", t->k[p->at].release,
			    html_verdict_class(p->res.v), verdict_name(p->res.v),
			    rl_fmt(p->res.base, a, sizeof(a)), rl_fmt(p->res.cur, b, sizeof(b)),
			    html_ratio_text(&p->res, ratio, sizeof(ratio)),
			    html_pct(p->res.mde, mde, sizeof(mde)), t->k[p->lo].release,
			    t->k[p->hi - 1].release);
	}
	fputs("</table>\n", f);
}

static void steps(FILE *f, const struct trend *t, const struct tr_case *tc,
		  const struct html_links *links)
{
	char c[32], lo[32], hi[32], ratio[96], mde[16];

	fputs("<table>\n<tr><th>kernel</th><th>runs</th><th>centre</th><th>95% interval</th>"
	      "<th>step [95% interval]</th><th>mde</th><th>verdict</th></tr>\n", f);
	for (size_t k = 0; k < t->nr_k; k++) {
		const struct tr_row *r = &tc->rows[k];
		const char *href = links && links->run && t->k[k].nr ?
				   links->run(links->ctx, t->k[k].runs[0]) : NULL;

		fputs("<tr><td>", f);
		if (href)
			html_printf(f, "<a href=\"%s\">%s</a>", href, t->k[k].release);
		else
			html_text(f, t->k[k].release);
		html_printf(f, "%s%s</td><td class=\"n\">%zu</td><td class=\"n\">%s</td>",
			    t->k[k].emulated ? " <span class=\"tcg\">TCG</span>" : "",
			    r->cp >= 0 ? " (change point)" : "", r->runs,
			    rl_fmt(r->centre, c, sizeof(c)));
		if (r->runs)
			html_printf(f, "<td class=\"n\">[%s, %s]</td>", rl_fmt(r->lo, lo, sizeof(lo)),
				    rl_fmt(r->hi, hi, sizeof(hi)));
		else
			fputs("<td class=\"n\">-</td>", f);
		if (!r->has_step) {
			fputs("<td class=\"n\">-</td><td class=\"n\">-</td><td>-</td></tr>\n", f);
			continue;
		}
		html_printf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
			    html_ratio_text(&r->step, ratio, sizeof(ratio)),
			    html_pct(r->step.mde, mde, sizeof(mde)));
		html_verdict_cell(f, &r->step);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

void html_trend_body(FILE *f, const struct trend *t, const struct html_links *links)
{
	head(f, t);
	for (size_t c = 0; c < t->nr_cases; c++) {
		const struct tr_case *tc = &t->cases[c];

		html_printf(f, "<h2>%s</h2>\n", tc->key);
		chart(f, t, tc);
		change_points(f, t, tc);
		steps(f, t, tc, links);
	}
}
