/* The front of a published site: the index (hosts by kernels, the latest runs, the comparisons and trends) and a page per kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/publish.h"
#include "report/html.h"

#define LATEST_RUNS	20

static void kernel_href(char *buf, size_t len, const char *kernel)
{
	char name[200];

	site_file_name(name, sizeof(name), kernel);
	snprintf(buf, len, "kernels/%s.html", name);
}

/* One cell of the hosts x kernels table: runs, first and last date, virtualization. */
static void matrix_cell(FILE *f, const struct pub_archive *a, const char *kernel,
			const char *hostid)
{
	const char *first = NULL, *last = NULL, *virt = NULL;
	size_t n = 0, tcg = 0;
	char v[64];

	for (size_t i = 0; i < a->nr; i++) {
		const struct pub_run *p = a->runs[i];

		if (strcmp(p->kernel, kernel) || strcmp(p->hostid, hostid))
			continue;
		n++;
		tcg += p->emulated;
		first = !first || strcmp(p->date, first) < 0 ? p->date : first;
		last = !last || strcmp(p->date, last) > 0 ? p->date : last;
		virt = rl_manifest_str(&p->run, "virtualization", v, sizeof(v)) ?: "-";
	}
	if (!n) {
		fputs("<td></td>", f);
		return;
	}
	html_printf(f, "<td>%zu run%s<br>%.10s", n, n == 1 ? "" : "s", first);
	if (strncmp(first, last, 10))
		html_printf(f, " .. %.10s", last);
	html_printf(f, "<br>%s", virt);
	if (tcg)
		html_printf(f, " <span class=\"tcg\" title=\"%s\">TCG %zu</span>", RL_EMULATED_NOTE, tcg);
	fputs("</td>", f);
}

static void matrix(FILE *f, struct site *s, const struct pub_archive *a)
{
	size_t nh, nk;
	const struct pub_run **hosts = pub_hosts(a, &nh);
	const char **kernels = pub_kernels(a, &nk);
	char href[PATH_MAX];

	if (!hosts || !kernels)
		goto out;
	fputs("<h2>Hosts and kernels</h2>\n<table>\n<tr><th>kernel</th>", f);
	for (size_t h = 0; h < nh; h++)
		html_printf(f, "<th title=\"%s\">%s</th>", hosts[h]->host, hosts[h]->hostid);
	fputs("</tr>\n", f);
	for (size_t k = 0; k < nk; k++) {
		kernel_href(href, sizeof(href), kernels[k]);
		html_printf(f, "<tr><td><a href=\"%s\">%s</a></td>", site_href(s, href), kernels[k]);
		for (size_t h = 0; h < nh; h++)
			matrix_cell(f, a, kernels[k], hosts[h]->hostid);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<ul>\n", f);
	for (size_t h = 0; h < nh; h++)
		html_printf(f, "<li>%s: <code>%s</code> (CPU model / CPUs / NUMA nodes / "
			    "virtualization)</li>\n", hosts[h]->hostid, hosts[h]->host);
	fputs("</ul>\n", f);
out:
	free(hosts);
	free(kernels);
}

static int by_date_desc(const void *pa, const void *pb)
{
	const struct pub_run *a = *(const struct pub_run *const *)pa;
	const struct pub_run *b = *(const struct pub_run *const *)pb;

	return strcmp(b->date, a->date) ?: strcmp(a->href, b->href);
}

static void run_row(FILE *f, const struct site *s, const struct pub_run *p)
{
	html_printf(f, "<tr><td>%s</td><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td>"
		    "<td>%s</td><td>", p->date, p->kernel, p->hostid, site_href(s, p->href), p->id,
		    p->label);
	if (p->emulated)
		html_printf(f, "<span class=\"tcg\" title=\"%s\">TCG</span> ", RL_EMULATED_NOTE);
	if (p->incomplete)
		fputs("INCOMPLETE", f);
	fputs("</td></tr>\n", f);
}

static const char run_head[] = "<table>\n<tr><th>started</th><th>kernel</th><th>host</th>"
	"<th>run</th><th>label</th><th></th></tr>\n";

static void latest(FILE *f, const struct site *s, const struct pub_archive *a)
{
	const struct pub_run **r = calloc(a->nr + 1, sizeof(*r));

	if (!r)
		return;
	memcpy(r, a->runs, a->nr * sizeof(*r));
	qsort(r, a->nr, sizeof(*r), by_date_desc);
	fputs("<h2>Latest runs</h2>\n", f);
	fputs(run_head, f);
	for (size_t i = 0; i < a->nr && i < LATEST_RUNS; i++)
		run_row(f, s, r[i]);
	fputs("</table>\n", f);
	free(r);
}

/* The pages of this publish whose name starts with @prefix, newest kernels first. */
static void page_list(FILE *f, const struct site *s, const char *title, const char *prefix)
{
	const char *name;
	json_t *t;
	size_t n = 0, len = strlen(prefix);

	json_object_foreach(s->pages, name, t)
		n += !strncmp(name, prefix, len);
	html_printf(f, "<h2>%s (%zu)</h2>\n", title, n);
	if (!n)
		return;
	fputs("<ul>\n", f);
	json_object_foreach(s->pages, name, t)
		if (!strncmp(name, prefix, len))
			html_printf(f, "<li><a href=\"%s\">%s</a></li>\n", site_href(s, name),
				    json_string_value(t));
	fputs("</ul>\n", f);
}

static void index_body(FILE *f, struct site *s, void *arg)
{
	const struct pub_archive *a = arg;
	size_t i;
	json_t *x;

	html_printf(f, "<p>The archive <code>%s</code>: %zu runs (%zu could not be read). "
		    "<a href=\"regressions.html\">Regressions</a>: every change point and verdict, "
		    "largest first.</p>\n", a->root, a->nr, json_array_size(a->skipped));
	matrix(f, s, a);
	latest(f, s, a);
	page_list(f, s, "Comparisons: each kernel against the one before it", "compare/");
	page_list(f, s, "Trends: each headline metric over kernels", "trends/");
	if (!json_array_size(a->skipped))
		return;
	fputs("<h2>Runs that could not be read</h2>\n<ul>\n", f);
	json_array_foreach(a->skipped, i, x)
		html_printf(f, "<li><code>%s</code>: %s</li>\n",
			    json_string_value(json_object_get(x, "dir")),
			    json_string_value(json_object_get(x, "why")));
	fputs("</ul>\n", f);
}

int publish_index(struct site *s, const struct pub_archive *a)
{
	return site_page(s, "index.html", "mmbench archive", index_body, (void *)a);
}

struct kernel_page {
	const struct pub_archive *a;
	const char *kernel;
	const char *const *kernels;
	size_t nk, at;
};

/* Links to the comparisons of this kernel with its neighbours on @hostid, where published. */
static void neighbours(FILE *f, const struct site *s, const struct kernel_page *k,
		       const char *hostid)
{
	char href[PATH_MAX];

	for (size_t j = 0; j < k->nk; j++) {
		const char *a = j < k->at ? k->kernels[j] : k->kernel;
		const char *b = j < k->at ? k->kernel : k->kernels[j];

		if (j == k->at)
			continue;
		pub_compare_href(href, sizeof(href), hostid, a, b);
		if (json_object_get(s->pages, href))
			html_printf(f, "<p><a href=\"%s\">%s</a></p>\n", site_href(s, href),
				    json_string_value(json_object_get(s->pages, href)));
	}
}

static void kernel_body(FILE *f, struct site *s, void *arg)
{
	const struct kernel_page *k = arg;
	size_t nh;
	const struct pub_run **hosts = pub_hosts(k->a, &nh);

	for (size_t h = 0; hosts && h < nh; h++) {
		size_t n = 0;

		for (size_t i = 0; i < k->a->nr; i++)
			n += !strcmp(k->a->runs[i]->kernel, k->kernel) &&
			     !strcmp(k->a->runs[i]->hostid, hosts[h]->hostid);
		if (!n)
			continue;
		html_printf(f, "<h2>%s</h2>\n<p><code>%s</code>: %zu runs</p>\n", hosts[h]->hostid,
			    hosts[h]->host, n);
		fputs(run_head, f);
		for (size_t i = 0; i < k->a->nr; i++)
			if (!strcmp(k->a->runs[i]->kernel, k->kernel) &&
			    !strcmp(k->a->runs[i]->hostid, hosts[h]->hostid))
				run_row(f, s, k->a->runs[i]);
		fputs("</table>\n", f);
		neighbours(f, s, k, hosts[h]->hostid);
	}
	free(hosts);
}

int publish_kernels(struct site *s, const struct pub_archive *a)
{
	size_t nk;
	const char **kernels = pub_kernels(a, &nk);
	char href[PATH_MAX], title[300];
	int err = kernels ? 0 : -ENOMEM;

	for (size_t k = 0; k < nk && !err; k++) {
		struct kernel_page p = { a, kernels[k], kernels, nk, k };

		kernel_href(href, sizeof(href), kernels[k]);
		snprintf(title, sizeof(title), "Kernel %s", kernels[k]);
		err = site_page(s, href, title, kernel_body, &p);
	}
	free(kernels);
	return err;
}
