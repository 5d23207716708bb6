/*
 * The trends of a published site, a page per host, bench and headline metric (trend's
 * engine, its change points marked), and the regressions page that gathers what the trends
 * and the comparisons (publish_compare.c) found, largest first, then what they could not tell.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/trend.h"
#include "cmd/publish.h"
#include "core/bench.h"
#include "report/html.h"
#include "report/html_pages.h"

/* Rows of "could not tell" shown on the regressions page; the rest are counted. */
#define UNTOLD_MAX	1000

const char *pub_run_link(void *ctx, const struct rl_run *run)
{
	return site_href(ctx, ((const struct pub_run *)run)->href);
}

int pub_add_finding(struct site *s, const char *host, const char *what, const char *where,
		    const char *href, const struct vresult *res, const char *mech)
{
	struct pub_finding *f = realloc(s->found, (s->nr_found + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	s->found = f;
	f += s->nr_found++;
	snprintf(f->host, sizeof(f->host), "%s", host);
	snprintf(f->what, sizeof(f->what), "%s", what);
	snprintf(f->where, sizeof(f->where), "%s", where);
	snprintf(f->href, sizeof(f->href), "%s", href);
	snprintf(f->mech, sizeof(f->mech), "%s", mech ?: "");
	f->res = *res;
	return 0;
}

void pub_host_line(FILE *f, const struct pub_run *host)
{
	html_printf(f, "<p>host <code>%s</code> (%s)</p>\n", host->host, host->hostid);
}

static void trend_body(FILE *f, struct site *s, void *arg)
{
	const struct host_page *p = arg;
	struct html_links links = { pub_run_link, s };

	pub_host_line(f, p->host);
	html_trend_body(f, p->what, &links);
}

/* One host's trend of @bench @metric: its page, and its change points for the regressions. */
static int trend_one(struct site *s, const struct pub_archive *a, const struct pub_run *host,
		     struct rl_run **runs, size_t nr, const char *bench, const char *metric)
{
	struct trend t = { .bench = bench, .metric = metric, .history = "none" };
	char href[PATH_MAX], title[400], what[200], where[400];
	int err;

	snprintf(t.root, sizeof(t.root), "%s", a->root);
	err = trend_load_runs(&t, runs, nr);
	if (!err)
		err = trend_judge(&t);
	if (err) {
		trend_free(&t);
		return err == -EINVAL ? 0 : err;	/* no run of this host has it with its options */
	}
	pub_trend_href(href, sizeof(href), host->hostid, bench, metric);
	snprintf(title, sizeof(title), "Trend: %s %s on %s", bench, metric, host->hostid);
	err = site_page(s, href, title, trend_body, &(struct host_page){ &t, host });
	for (size_t c = 0; c < t.nr_cases && !err; c++)
		for (size_t i = 0; i < t.cases[c].nr_cp && !err; i++) {
			const struct cp_point *cp = &t.cases[c].cp[i];

			snprintf(what, sizeof(what), "%s %s %s", bench, t.cases[c].key, metric);
			snprintf(where, sizeof(where), "change point at %s (segment %s .. %s)",
				 t.k[cp->at].release, t.k[cp->lo].release, t.k[cp->hi - 1].release);
			err = pub_add_finding(s, host->hostid, what, where, href, &cp->res, NULL);
		}
	trend_free(&t);
	return err;
}

/* Every bench and headline metric (a metric with a better direction) @runs measured. */
static json_t *headline_metrics(struct rl_run *const *runs, size_t nr)
{
	json_t *all = json_object();

	for (size_t r = 0; all && r < nr; r++)
		for (size_t b = 0; b < runs[r]->nr_benches; b++) {
			const struct rl_bench *rb = &runs[r]->benches[b];
			json_t *m = json_object_get(all, rb->name);

			if (!m)
				json_object_set_new(all, rb->name, m = json_object());
			for (size_t c = 0; c < rb->nr_cases; c++)
				for (size_t k = 0; k < rb->cases[c].nr_metrics; k++)
					if (rb->cases[c].metrics[k].better != BETTER_NONE)
						json_object_set_new(m, rb->cases[c].metrics[k].name,
								    json_true());
		}
	return all;
}

int publish_trends(struct site *s, const struct pub_archive *a)
{
	size_t nh, nr;
	const struct pub_run **hosts = pub_hosts(a, &nh);
	int err = hosts ? 0 : -ENOMEM;

	for (size_t h = 0; h < nh && !err; h++) {
		struct rl_run **runs = pub_host_runs(a, hosts[h]->hostid, &nr);
		json_t *all = runs ? headline_metrics(runs, nr) : NULL, *metrics, *v;
		const char *bench, *metric;

		if (!all)
			err = -ENOMEM;
		json_object_foreach(all, bench, metrics)
			json_object_foreach(metrics, metric, v)
				if (!err)
					err = trend_one(s, a, hosts[h], runs, nr, bench, metric);
		json_decref(all);
		free(runs);
	}
	free(hosts);
	return err;
}

/* Worse first, then better, then what could not be told; each largest change first. */
static int rank(const struct pub_finding *f)
{
	return f->res.v == VERDICT_WORSE ? 0 : f->res.v == VERDICT_BETTER ? 1 : 2;
}

static double size_of(const struct pub_finding *f)
{
	double l = fabs(log(f->res.ratio));

	return isnan(l) ? -1 : l;
}

static int by_rank(const void *pa, const void *pb)
{
	const struct pub_finding *a = pa, *b = pb;

	if (rank(a) != rank(b))
		return rank(a) - rank(b);
	if (size_of(a) != size_of(b))
		return size_of(a) < size_of(b) ? 1 : -1;
	/* a total order: the same page every time, so an unchanged archive writes nothing */
	return strcmp(a->what, b->what) ?: strcmp(a->where, b->where) ?: strcmp(a->host, b->host);
}

static void finding_row(FILE *f, const struct site *s, const struct pub_finding *x)
{
	char ratio[96], mde[16];

	html_printf(f, "<tr><td>%s</td><td>%s", x->host, x->what);
	if (x->mech[0])
		html_printf(f, "<br><small>mechanism: %s</small>", x->mech);
	html_printf(f, "</td><td><a href=\"%s\">%s</a></td>", site_href(s, x->href), x->where);
	html_printf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
		    html_ratio_text(&x->res, ratio, sizeof(ratio)),
		    html_pct(x->res.mde, mde, sizeof(mde)));
	html_verdict_cell(f, &x->res);
	fputs("</tr>\n", f);
}

static void regressions_body(FILE *f, struct site *s, void *arg)
{
	static const char head[] = "<table>\n<tr><th>host</th><th>bench, case, metric</th>"
		"<th>where</th><th>ratio [95% interval]</th><th>mde</th><th>verdict</th></tr>\n";
	size_t i = 0, told = 0, shown = 0;

	(void)arg;
	while (told < s->nr_found && rank(&s->found[told]) < 2)
		told++;
	html_printf(f, "<p>%zu changes (change points of every trend, and the verdicts of each "
		    "kernel against the one before it), largest first; then %zu that could not be "
		    "told.</p>\n<h2>Changes</h2>\n", told, s->nr_found - told);
	if (told)
		fputs(head, f);
	for (; i < told; i++)
		finding_row(f, s, &s->found[i]);
	fputs(told ? "</table>\n" : "<p>none</p>\n", f);
	html_printf(f, "<h2>Could not tell</h2>\n<p class=\"note\">inconclusive: the change the "
		    "comparison could have seen (mde) was larger than what it measured, or its "
		    "noise was not measured; more runs a side would tell.</p>\n");
	if (i < s->nr_found)
		fputs(head, f);
	for (; i < s->nr_found && shown < UNTOLD_MAX; i++, shown++)
		finding_row(f, s, &s->found[i]);
	if (shown)
		fputs("</table>\n", f);
	if (i < s->nr_found)
		html_printf(f, "<p>and %zu more (see the trend and comparison pages)</p>\n",
			    s->nr_found - i);
}

int publish_regressions(struct site *s, const struct pub_archive *a)
{
	(void)a;	/* what the other parts found is in @s */
	qsort(s->found, s->nr_found, sizeof(*s->found), by_rank);
	return site_page(s, "regressions.html", "Regressions", regressions_body, NULL);
}
