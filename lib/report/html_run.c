/* One run as HTML: what it ran on, a table per bench with a chart per metric over its cases, the manifest and the kernel log. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "report/html.h"
#include "report/html_pages.h"
#include "results/untrusted.h"

/* A kernel log kept in the run (kmsg.txt by the run, vm/dmesg.txt by the VM runner), cut here. */
#define LOG_MAX		(64 << 10)

/* What a reader asks first of a run: which kernel, which machine, when, how. */
static const char *const header_paths[][2] = {
	{ "kernel", "kernel.release" }, { "version", "kernel.version" },
	{ "cmdline", "kernel.cmdline" }, { "run id", "run_id" }, { "label", "label" },
	{ "profile", "profile" }, { "started", "start_time" }, { "CPU", "cpu.model" },
	{ "NUMA nodes", "topology.numa_nodes" }, { "CPUs", "topology.pus" },
	{ "virtualization", "virtualization" }, { "memory kB", "memory.MemTotal" },
	{ "command", "command_line" }, { "mmbench", "mmbench_version" },
};

static void header(FILE *f, const struct rl_run *run)
{
	char buf[4096];

	if (rl_emulated(run))
		html_printf(f, "<p class=\"note warn\"><span class=\"tcg\">TCG</span> %s</p>\n",
			    RL_EMULATED_NOTE);
	if (rl_incomplete(run, buf, sizeof(buf)))
		html_printf(f, "<p class=\"note warn\">INCOMPLETE run: %s</p>\n", buf);
	fputs("<table>\n", f);
	for (size_t i = 0; i < sizeof(header_paths) / sizeof(header_paths[0]); i++) {
		const char *v = rl_manifest_str(run, header_paths[i][1], buf, sizeof(buf));

		if (v && *v)
			html_printf(f, "<tr><th>%s</th><td>%s</td></tr>\n", header_paths[i][0], v);
	}
	fputs("</table>\n", f);
}

static const char *better_word(int better)
{
	return better == BETTER_LOWER ? "lower" : better == BETTER_HIGHER ? "higher" : "-";
}

static void metric_row(FILE *f, const struct rl_case *c, const struct rl_metric *m, bool first)
{
	char med[32], lo[32], hi[32], cv[16];

	fputs("<tr>", f);
	if (first)
		html_printf(f, "<td rowspan=\"%zu\">%s</td>", c->nr_metrics, c->key);
	html_printf(f, "<td>%s</td><td class=\"n\">%s</td>", m->name,
		    rl_fmt(m->s.median, med, sizeof(med)));
	if (isfinite(m->s.ci_lo))
		html_printf(f, "<td class=\"n\">[%s, %s]</td>", rl_fmt(m->s.ci_lo, lo, sizeof(lo)),
			    rl_fmt(m->s.ci_hi, hi, sizeof(hi)));
	else
		fputs("<td class=\"n\">-</td>", f);
	html_printf(f, "<td class=\"n\">%s</td><td>%s</td><td>%s</td><td class=\"n\">%zu</td></tr>\n",
		    html_pct(m->s.cv, cv, sizeof(cv)), m->unit, better_word(m->better), m->n);
}

/* Per metric of the bench's first measured case: a bar per case, median with its interval. */
static void bench_charts(FILE *f, const struct rl_bench *b)
{
	const struct rl_case *c0 = NULL;
	size_t w = b->nr_cases + 1;
	const char **x = calloc(w, sizeof(*x));
	double *y = calloc(3 * w, sizeof(*y)), *lo = y + w, *hi = y + 2 * w;

	for (size_t c = 0; c < b->nr_cases && !c0; c++)
		if (b->cases[c].nr_metrics && !strcmp(b->cases[c].status, "ok"))
			c0 = &b->cases[c];
	for (size_t m = 0; c0 && x && y && m < c0->nr_metrics; m++) {
		const struct rl_metric *rm = &c0->metrics[m];
		struct svg_series s = { NULL, y, lo, hi };
		char title[200], ylab[96];
		size_t n = 0;

		for (size_t c = 0; c < b->nr_cases; c++) {
			const struct rl_metric *v = strcmp(b->cases[c].status, "ok") ? NULL :
						    rl_find_metric(&b->cases[c], rm->name);

			if (!v)
				continue;
			x[n] = b->cases[c].key;
			y[n] = v->s.median;
			lo[n] = v->s.ci_lo;
			hi[n++] = v->s.ci_hi;
		}
		snprintf(title, sizeof(title), "%s: %s, median and 95%% interval per case%s", b->name,
			 rm->name, rm->better == BETTER_LOWER ? " (lower is better)" :
			 rm->better == BETTER_HIGHER ? " (higher is better)" : "");
		snprintf(ylab, sizeof(ylab), "%s [%s]", rm->name, rm->unit);
		svg_chart(f, &(struct svg_chart){ .title = title, .ylabel = ylab, .xlabel = "case",
						 .x = x, .nx = n, .s = &s, .ns = 1 });
	}
	free(x);
	free(y);
}

static void bench_section(FILE *f, const struct rl_bench *b)
{
	const char *summary = json_string_value(json_object_get(b->root, "summary"));
	const char *uow = json_string_value(json_object_get(b->root, "unit_of_work"));
	char *params = b->params ? json_dumps(b->params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	size_t skipped = 0;

	html_printf(f, "<h2 id=\"bench-%s\">%s</h2>\n", b->name, b->name);
	if (summary)
		html_printf(f, "<p>%s</p>\n", summary);
	if (uow)
		html_printf(f, "<p>unit of work: %s</p>\n", uow);
	if (params)
		html_printf(f, "<p>options: <code>%s</code></p>\n", params);
	free(params);
	if (strcmp(b->status, "ok"))
		html_printf(f, "<p class=\"note warn\">bench %s: %s</p>\n", b->status, b->reason);
	fputs("<table>\n<tr><th>case</th><th>metric</th><th>median</th><th>95% interval of the "
	      "median</th><th>cv</th><th>unit</th><th>better</th><th>n</th></tr>\n", f);
	for (size_t c = 0; c < b->nr_cases; c++) {
		const struct rl_case *cs = &b->cases[c];

		if (strcmp(cs->status, "ok")) {
			skipped++;
			continue;
		}
		for (size_t m = 0; m < cs->nr_metrics; m++)
			metric_row(f, cs, &cs->metrics[m], !m);
	}
	fputs("</table>\n", f);
	if (skipped) {
		html_printf(f, "<p>not run (%zu):</p>\n<ul>\n", skipped);
		for (size_t c = 0; c < b->nr_cases; c++)
			if (strcmp(b->cases[c].status, "ok"))
				html_printf(f, "<li><code>%s</code> %s: %s</li>\n", b->cases[c].key,
					    b->cases[c].status, b->cases[c].reason);
		fputs("</ul>\n", f);
	}
	bench_charts(f, b);
}

/* A text file of the run shown as it is (escaped), when it is there and not empty. */
static void text_file(FILE *f, const struct rl_run *run, const char *name, const char *what)
{
	char path[PATH_MAX + 32], *text;
	size_t len;
	int err;
	bool was_quiet;

	snprintf(path, sizeof(path), "%s/%s", run->dir, name);
	was_quiet = ut_quiet(true);
	text = ut_read_file(path, RL_MAX_FILE, &len, &err);
	ut_quiet(was_quiet);
	if (!text || !len) {
		free(text);
		return;
	}
	html_printf(f, "<h2>%s</h2>\n<p><code>%s</code>%s</p>\n<pre>", what, name,
		    len > LOG_MAX ? " (its last 64 KiB)" : "");
	html_text(f, len > LOG_MAX ? text + len - LOG_MAX : text);
	fputs("</pre>\n", f);
	free(text);
}

void html_run_body(FILE *f, const struct rl_run *run)
{
	char *manifest = json_dumps(run->manifest, JSON_INDENT(1) | JSON_SORT_KEYS);

	header(f, run);
	for (size_t b = 0; b < run->nr_benches; b++)
		bench_section(f, &run->benches[b]);
	if (!run->nr_benches)
		fputs("<p>no bench results in this run</p>\n", f);
	text_file(f, run, "kmsg.txt", "Kernel log");
	text_file(f, run, "vm/dmesg.txt", "Kernel log (the guest's dmesg)");
	html_printf(f, "<h2>Manifest</h2>\n<details><summary>manifest.json</summary>\n<pre>%s</pre>"
		    "\n</details>\n", manifest);
	free(manifest);
}

void html_run_page(FILE *f, const struct rl_run *run)
{
	char id[128], title[300];

	snprintf(title, sizeof(title), "mmbench report: %s",
		 rl_manifest_str(run, "run_id", id, sizeof(id)) ?: run->dir);
	html_head(f, title, NULL);
	html_printf(f, "<h1>%s</h1>\n", title);
	html_run_body(f, run);
	html_foot(f);
}
