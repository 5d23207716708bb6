/* The HTML renderers of a run, a comparison and a trend: a whole page (a file to mail), or the body a site's page wraps. */
#ifndef MMBENCH_HTML_PAGES_H
#define MMBENCH_HTML_PAGES_H

#include <stdio.h>

#include "analysis/compare.h"
#include "analysis/trend.h"
#include "results/results_read.h"

/* Where a site links a run to its page; NULL (or a NULL answer) for no link. */
struct html_links {
	const char *(*run)(void *ctx, const struct rl_run *run);
	void *ctx;
};

/* report RUN_DIR --format html; the body: header, benches with charts, kernel log, manifest. */
void html_run_page(FILE *f, const struct rl_run *run);
void html_run_body(FILE *f, const struct rl_run *run);

/* compare --format html; the body: sides, the first screen, differences, verdicts, charts. */
void cmp_print_html(FILE *f, const struct cmp *c);
void html_cmp_body(FILE *f, const struct cmp *c, const struct html_links *links);

/* A trend (trend_judge() done): per case, the chart with its change points and the steps' table. */
void html_trend_body(FILE *f, const struct trend *t, const struct html_links *links);

#endif
