/* Chart data for gnuplot: bars with CI whiskers per bench and metric, lines where a numeric parameter varies. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/bench.h"
#include "sys/atomic.h"
#include "report/plot_file.h"
#include "report/plots.h"
#include "sys/util.h"

/* More lines than this on one chart and it stops being readable at 800x500. */
#define MAX_LINES	8
#define MAX_POINTS	256

struct chart_ctx {
	const char *dir;
	struct rl_run *const *runs;
	const char *const *labels;
	size_t nr_runs;
	struct plot_list *out;
};

static const char *better_text(int better)
{
	return better == BETTER_LOWER ? ", lower is better" :
	       better == BETTER_HIGHER ? ", higher is better" : "";
}

/*
 * A chart's .dat and .vars are built in memory and written whole (lib/sys/atomic.c) when the
 * chart is done: a full disk or a crash never leaves half a chart behind. One pair at a time.
 */
static struct pending {
	FILE *f;
	char *buf;
	size_t len;
	char path[PATH_MAX];
} pending[2];

static FILE *pending_open(struct pending *p, const struct chart_ctx *cx, const char *name,
			  const char *ext)
{
	snprintf(p->path, sizeof(p->path), "%s/plots/%s.%s", cx->dir, name, ext);
	p->buf = NULL;
	p->len = 0;
	p->f = open_memstream(&p->buf, &p->len);
	return p->f;
}

static FILE *open_pair(const struct chart_ctx *cx, const char *name, FILE **vars)
{
	FILE *dat = pending_open(&pending[0], cx, name, "dat");

	if (!dat)
		return NULL;
	*vars = pending_open(&pending[1], cx, name, "vars");
	if (!*vars) {
		fclose(dat);
		free(pending[0].buf);
		return NULL;
	}
	return dat;
}

static int close_pair(FILE *dat, FILE *vars)
{
	int err = ferror(dat) | ferror(vars);

	err |= fclose(dat);
	err |= fclose(vars);
	for (int i = 0; i < 2; i++) {
		if (!err && atomic_write_buf(pending[i].path, pending[i].buf, pending[i].len))
			err = 1;
		free(pending[i].buf);
		pending[i].buf = NULL;
	}
	return err ? -EIO : 0;
}

static int add_ref(struct plot_list *l, const char *bench, const char *name, const char *title)
{
	struct plot_ref *p = realloc(l->p, (l->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->p = p;
	p += l->nr++;
	snprintf(p->bench, sizeof(p->bench), "%s", bench);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->title, sizeof(p->title), "%s", title);
	return 0;
}

/* The metric on this run's case, when it was measured. */
static struct rl_metric *metric_of(struct rl_run *run, const char *bench, const char *key,
				   const char *metric)
{
	struct rl_case *c = rl_find_case(rl_find_bench(run, bench), key);

	return c && !strcmp(c->status, "ok") ? rl_find_metric(c, metric) : NULL;
}

static int bars(const struct chart_ctx *cx, const struct rl_bench *b, const struct rl_metric *m)
{
	char name[200], title[200], ylab[96];
	double lo = INFINITY, hi = 0;
	size_t c, r, rows = 0;
	FILE *dat, *vars;

	snprintf(name, sizeof(name), "%s--%s", b->name, m->name);
	plot_sanitize(name);
	snprintf(title, sizeof(title), "%s: %s (%s%s), median and 95%% CI per case",
		 b->name, m->name, m->unit, better_text(m->better));
	snprintf(ylab, sizeof(ylab), "%s [%s]", m->name, m->unit);
	dat = open_pair(cx, name, &vars);
	if (!dat)
		return -errno;
	for (c = 0; c < b->nr_cases; c++) {
		const char *key = b->cases[c].key;
		int any = 0;

		for (r = 0; r < cx->nr_runs; r++)
			any |= metric_of(cx->runs[r], b->name, key, m->name) != NULL;
		if (!any)
			continue;
		plot_str(dat, key);
		for (r = 0; r < cx->nr_runs; r++) {
			struct rl_metric *rm = metric_of(cx->runs[r], b->name, key, m->name);

			plot_num(dat, rm ? rm->s.median : NAN);
			plot_num(dat, rm ? rm->s.ci_lo : NAN);
			plot_num(dat, rm ? rm->s.ci_hi : NAN);
			if (rm && rm->s.median > 0 && rm->s.median < lo)
				lo = rm->s.median;
			if (rm && rm->s.median > hi)
				hi = rm->s.median;
		}
		fputc('\n', dat);
		rows++;
	}
	plot_head(vars, "bars", name, title, ylab, "case");
	fprintf(vars, "nruns = %zu\narray runs[%zu]\n", cx->nr_runs, cx->nr_runs);
	for (r = 0; r < cx->nr_runs; r++) {
		fprintf(vars, "runs[%zu] = ", r + 1);
		plot_str(vars, cx->labels[r]);
		fputc('\n', vars);
	}
	fprintf(vars, "nrows = %zu\n", rows);
	/* Cases that differ by orders of magnitude flatten each other on a linear axis. */
	fprintf(vars, "logy = %d\n", lo > 0 && hi / lo > 100);
	if (close_pair(dat, vars))
		return -EIO;
	return add_ref(cx->out, b->name, name, title);
}

/*
 * The case family a point belongs to: its key without @param ("mode=shared-vma" for
 * "mode=shared-vma threads=2" by threads). Only key params: information a bench adds
 * at run time (a file system, a knob read back) must not split a line.
 */
static void family_of(const struct rl_case *c, const char *param, char *buf, size_t len)
{
	size_t plen = strlen(param), off = 0;
	const char *p = c->key;

	buf[0] = '\0';
	while (*p && off < len) {
		size_t n = strcspn(p, " ");

		if (!(n > plen && !strncmp(p, param, plen) && p[plen] == '='))
			off += snprintf(buf + off, len - off, "%s%.*s", off ? " " : "", (int)n, p);
		p += n + (p[n] == ' ');
	}
}

struct line {
	char title[330];
	size_t run;
	char family[160];
};

/* One chart of lines over @param: @lines pick (run, family); points are the cases in that family. */
static int line_chart(const struct chart_ctx *cx, const struct rl_bench *b,
		      const struct rl_metric *m, const char *param, const struct line *lines,
		      size_t nr_lines, const char *part)
{
	char name[200], title[240], ylab[96], fam[160];
	double xmin = INFINITY, xmax = 0;
	size_t i, c;
	FILE *dat, *vars;

	/* @part names which of several charts of this metric this is ("kind=anon-read") */
	snprintf(name, sizeof(name), "%s--%s--by-%s%s%s", b->name, m->name, param,
		 *part ? "--" : "", part);
	plot_sanitize(name);
	snprintf(title, sizeof(title), "%s: %s (%s%s) by %s%s%s", b->name, m->name, m->unit,
		 better_text(m->better), param, *part ? ", " : "", part);
	snprintf(ylab, sizeof(ylab), "%s [%s]", m->name, m->unit);
	dat = open_pair(cx, name, &vars);
	if (!dat)
		return -errno;
	for (i = 0; i < nr_lines; i++) {
		/* Points in x order: the base's case order need not be sorted. */
		double xs[MAX_POINTS];
		const struct rl_case *cs[MAX_POINTS];
		size_t n = 0, a, z;

		for (c = 0; c < b->nr_cases && n < MAX_POINTS; c++) {
			json_t *x = json_object_get(b->cases[c].params, param);

			family_of(&b->cases[c], param, fam, sizeof(fam));
			if (!json_is_number(x) || strcmp(fam, lines[i].family))
				continue;
			for (a = n; a > 0 && xs[a - 1] > json_number_value(x); a--) {
				xs[a] = xs[a - 1];
				cs[a] = cs[a - 1];
			}
			xs[a] = json_number_value(x);
			cs[a] = &b->cases[c];
			n++;
		}
		fprintf(dat, "# ");
		plot_str(dat, lines[i].title);
		fputc('\n', dat);
		for (z = 0; z < n; z++) {
			struct rl_metric *rm = metric_of(cx->runs[lines[i].run], b->name,
							 cs[z]->key, m->name);

			fprintf(dat, "%.10g", xs[z]);
			plot_num(dat, rm ? rm->s.median : NAN);
			plot_num(dat, rm ? rm->s.ci_lo : NAN);
			plot_num(dat, rm ? rm->s.ci_hi : NAN);
			fputc('\n', dat);
			if (xs[z] > 0 && xs[z] < xmin)
				xmin = xs[z];
			if (xs[z] > xmax)
				xmax = xs[z];
		}
		fprintf(dat, "\n\n");
	}
	plot_head(vars, "lines", name, title, ylab, param);
	fprintf(vars, "nlines = %zu\narray lines[%zu]\n", nr_lines, nr_lines);
	for (i = 0; i < nr_lines; i++) {
		fprintf(vars, "lines[%zu] = ", i + 1);
		plot_str(vars, lines[i].title);
		fputc('\n', vars);
	}
	/* Thread counts and sizes grow by doubling: a log axis spaces them evenly. */
	fprintf(vars, "logx = %d\n", xmin > 0 && xmax / xmin >= 16);
	if (close_pair(dat, vars))
		return -EIO;
	return add_ref(cx->out, b->name, name, title);
}

/* Families along @param with at least two distinct values of it; returns how many. */
static size_t families(const struct rl_bench *b, const char *param, char (*fams)[160], size_t max)
{
	double first[MAX_LINES * 4];
	int varies[MAX_LINES * 4] = { 0 };
	size_t nf = 0, c, f, out = 0;
	char fam[160];

	for (c = 0; c < b->nr_cases; c++) {
		json_t *x = json_object_get(b->cases[c].params, param);

		/* a skipped case has nothing to draw: its family must not make an empty chart */
		if (!json_is_number(x) || !b->cases[c].nr_metrics)
			continue;
		family_of(&b->cases[c], param, fam, sizeof(fam));
		for (f = 0; f < nf && strcmp(fams[f], fam); f++)
			;
		if (f == nf) {
			if (nf == max)
				continue;
			snprintf(fams[nf], sizeof(fams[nf]), "%.159s", fam);
			first[nf++] = json_number_value(x);
		} else if (json_number_value(x) != first[f]) {
			varies[f] = 1;
		}
	}
	for (f = 0; f < nf; f++)
		if (varies[f])
			memmove(fams[out++], fams[f], sizeof(fams[f]));
	return out;
}

/* The "name=value" token of @fam for @name into buf ("" when absent). */
static void token_of(const char *fam, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name);

	buf[0] = '\0';
	for (const char *p = fam; *p; ) {
		size_t n = strcspn(p, " ");

		if (n > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			snprintf(buf, len, "%.*s", (int)n, p);
			return;
		}
		p += n + (p[n] == ' ');
	}
}

/*
 * Families too many for one chart are split by the value of one other parameter
 * (vma-lock: a chart per fault kind, a line per mode): the one that leaves every chart
 * within MAX_LINES with the fewest charts. 0 when none does.
 */
static size_t split_param(char (*fams)[160], size_t nf, size_t runs, char *name, size_t len)
{
	char names[16][64];
	size_t best = 0, nn = 0;

	/* candidates: every parameter named in any family (a bench may leave defaults out of keys) */
	for (size_t f = 0; f < nf; f++) {
		for (const char *p = fams[f]; *p; ) {
			size_t n = strcspn(p, " "), eq = strcspn(p, "="), k;
			char cand[64];

			snprintf(cand, sizeof(cand), "%.*s", (int)(eq < n ? eq : n), p);
			p += n + (p[n] == ' ');
			for (k = 0; k < nn && strcmp(names[k], cand); k++)
				;
			if (k == nn && nn < 16)
				snprintf(names[nn++], sizeof(names[0]), "%s", cand);
		}
	}
	name[0] = '\0';
	for (size_t k = 0; k < nn; k++) {
		char tok[160], seen[MAX_LINES * 4][160];
		size_t groups = 0, widest = 0;

		for (size_t f = 0; f < nf; f++) {
			size_t g, size = 0;

			token_of(fams[f], names[k], tok, sizeof(tok));
			for (g = 0; g < groups && strcmp(seen[g], tok); g++)
				;
			if (g < groups)
				continue;
			snprintf(seen[groups++], sizeof(seen[0]), "%s", tok);
			for (size_t o = 0; o < nf; o++) {
				char other[160];

				token_of(fams[o], names[k], other, sizeof(other));
				size += !strcmp(other, tok);
			}
			if (size > widest)
				widest = size;
		}
		if (groups > 1 && widest * runs <= MAX_LINES && (!best || groups < best)) {
			best = groups;
			snprintf(name, len, "%s", names[k]);
		}
	}
	return best;
}

/* One chart of the families whose @group token is @tok (all of them when @group is ""). */
static int group_chart(const struct chart_ctx *cx, const struct rl_bench *b,
		       const struct rl_metric *m, const char *param, char (*fams)[160], size_t nf,
		       const char *group, const char *tok, const char *suffix)
{
	struct line lines[MAX_LINES];
	size_t n = 0;

	for (size_t f = 0; f < nf; f++) {
		char mine[160];

		token_of(fams[f], group, mine, sizeof(mine));
		if (*group && strcmp(mine, tok))
			continue;
		for (size_t r = 0; r < cx->nr_runs && n < MAX_LINES; r++, n++) {
			lines[n].run = r;
			snprintf(lines[n].family, sizeof(lines[n].family), "%.159s", fams[f]);
			snprintf(lines[n].title, sizeof(lines[n].title), "%.100s%s%.159s",
				 cx->nr_runs > 1 ? cx->labels[r] : "",
				 cx->nr_runs > 1 && fams[f][0] ? ": " : "",
				 fams[f][0] || cx->nr_runs > 1 ? fams[f] : m->name);
		}
	}
	return line_chart(cx, b, m, param, lines, n, suffix);
}

static int lines_for(const struct chart_ctx *cx, const struct rl_bench *b,
		     const struct rl_metric *m, const char *param)
{
	static char fams[MAX_LINES * 4][160];
	size_t nf = families(b, param, fams, MAX_LINES * 4), f;
	char suffix[200], group[64], tok[160];
	int err = 0;

	if (!nf)
		return 0;
	if (nf * cx->nr_runs <= MAX_LINES)
		return group_chart(cx, b, m, param, fams, nf, "", "", "");
	if (split_param(fams, nf, cx->nr_runs, group, sizeof(group))) {
		char done[MAX_LINES * 4][160];
		size_t nd = 0;

		for (f = 0; f < nf && !err; f++) {
			size_t d;

			token_of(fams[f], group, tok, sizeof(tok));
			for (d = 0; d < nd && strcmp(done[d], tok); d++)
				;
			if (d < nd)
				continue;
			snprintf(done[nd++], sizeof(done[0]), "%s", tok);
			/* a bench may leave a default out of its keys: name that group so */
			if (tok[0])
				snprintf(suffix, sizeof(suffix), "%s", tok);
			else
				snprintf(suffix, sizeof(suffix), "%s=default", group);
			err = group_chart(cx, b, m, param, fams, nf, group, tok, suffix);
		}
		return err;
	}
	/* No parameter splits them small enough: one chart per family, a line per run. */
	for (f = 0; f < nf && !err; f++) {
		snprintf(suffix, sizeof(suffix), "%s", fams[f][0] ? fams[f] : "all");
		err = group_chart(cx, b, m, param, fams + f, 1, "", "", suffix);
	}
	return err;
}

int plots_write(const char *dir, struct rl_run *const *runs, const char *const *labels,
		size_t nr_runs, struct plot_list *out)
{
	struct chart_ctx cx = { dir, runs, labels, nr_runs, out };
	char pdir[PATH_MAX];
	size_t bi, c, m;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(pdir, sizeof(pdir), "%s/plots", dir);
	err = mkdir_p(pdir);
	if (err)
		return err;
	/* Charts follow the base run's benches, cases and metrics. */
	for (bi = 0; bi < runs[0]->nr_benches; bi++) {
		const struct rl_bench *b = &runs[0]->benches[bi];
		const struct rl_case *c0 = NULL;
		const char *k;
		json_t *v;

		for (c = 0; c < b->nr_cases && !c0; c++)
			if (b->cases[c].nr_metrics)
				c0 = &b->cases[c];
		if (!c0)
			continue;
		for (m = 0; m < c0->nr_metrics; m++) {
			err = bars(&cx, b, &c0->metrics[m]);
			if (err)
				return err;
			json_object_foreach(c0->params, k, v) {
				if (!json_is_number(v))
					continue;
				err = lines_for(&cx, b, &c0->metrics[m], k);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

void plot_list_free(struct plot_list *l)
{
	free(l->p);
	l->p = NULL;
	l->nr = 0;
}

void plots_announce(const char *dir)
{
	const char *list = getenv("MMBENCH_RENDER_LIST");
	FILE *f = list && *list ? fopen(list, "ae") : NULL;

	if (!f)
		return;
	fprintf(f, "%s\n", dir);
	fclose(f);
}
